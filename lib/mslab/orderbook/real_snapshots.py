"""Fixed-interval snapshots of real order books, in the input format of the snapshot backtest
(:mod:`mslab.orderbook.snapshot`): from a LOBSTER day with its order-book file, or from a
Binance capture with its rebuilt L2 book; and one entry point that recognises the kind of a
file (:func:`load_snapshot_source`).

Sampling (the same for both sources). Times are integer nanoseconds. With origin ``o`` and
interval ``Δ`` the grid is ``t_k = o + k·Δ`` for ``k = 1..K``; snapshot ``k`` closes the bucket
``(t_{k−1}, t_k]``:

* the **book** of snapshot ``k`` is the last state known at or before ``t_k`` (LOBSTER: the
  order-book row after the last message with time ``≤ t_k``; Binance: the rebuilt book after
  the last depth diff received, on the local clock, at or before ``t_k``): nothing after
  ``t_k`` is used, so a quote placed at snapshot ``k`` sees no future;
* ``buys`` / ``sells`` are the **taker** notional (quote currency: price × size) bought / sold
  by trades time-stamped inside ``(t_{k−1}, t_k]``: LOBSTER executions of visible and hidden
  limit orders (types 4 and 5; the execution of a sell limit order is a taker buy; cross
  trades, type 6, are auction prints with no taker and are left out); Binance trades by their
  aggressor side;
* ``midpoint`` and ``spread`` from level 1; ``bids_distance_i`` / ``asks_distance_i`` =
  (level price − midpoint)/midpoint and ``bids_notional_i`` / ``asks_notional_i`` = price ×
  size for the ``levels`` levels sampled (NaN distance and 0 notional for an empty level), as
  in the crypto snapshot schema (:mod:`mslab.data.crypto`). The schema's flow columns
  (notional cancelled, added and executed per level) are not produced.

Rows whose book is not two-sided and uncrossed at ``t_k`` (empty side, crossed or locked book,
Binance book not live) have no midpoint a quote could be placed around and are dropped; their
count is in ``frame.attrs["dropped_rows"]`` (the grid itself, ``frame.attrs["grid_rows"]``).
``frame.attrs["interval"]`` is ``Δ`` in seconds.

What a level-1 LOBSTER file cannot give: depth beyond the best quotes (``levels`` is 1, so
only ``*_0`` columns), and the size resting at levels revealed when the best empties; a
Binance book sampled with ``levels`` levels knows every level the REST snapshot or later diffs
told it (see :class:`mslab.data.binance_book.L2Book`). Neither source says where in a bucket a
trade happened relative to the book's changes: the snapshot rule's own crudeness.

Clocks: LOBSTER times are seconds after midnight, New York time, on the file's date (UTC
timestamps in ``system_time``); Binance snapshots run on the capturing machine's clock
(``local_ns``, about 1.27 s behind the exchange's in the shipped captures), which is when the
data could have been acted on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mslab import _validate
from mslab.data import report as rep
from mslab.data.binance import BinanceCapture, load_binance_capture
from mslab.data.binance_book import L2Book, rebuild_book
from mslab.data.crypto import load_crypto_snapshots
from mslab.data.lobster import LobsterData, load_lobster, parse_name
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN, PRICE_SCALE

SOURCE_KINDS = ("lobster", "binance", "crypto")
MAX_GRID_ROWS = 10_000_000  # snapshots one call may produce (about 80 bytes a row and level)
MIN_INTERVAL = 1e-3  # seconds
NS = 1_000_000_000
EXCHANGE_TZ = "America/New_York"  # LOBSTER times are Nasdaq's local time
HOURS_PER_YEAR = {"lobster": 252 * 6.5, "binance": 365.25 * 24, "crypto": 365.25 * 24}


def _grid(origin_ns: int, end_ns: int, interval: float) -> np.ndarray:
    """``origin + k·Δ`` for k = 1..K, the last not after ``end_ns``."""
    step = int(round(interval * NS))
    k = (end_ns - origin_ns) // step
    if k > MAX_GRID_ROWS:
        _validate.fail("interval", interval, f"large enough for at most {MAX_GRID_ROWS:,} "
                       f"snapshots over {(end_ns - origin_ns) / NS:g} s")
    return origin_ns + step * np.arange(1, max(k, 0) + 1, dtype=np.int64)


def _bucket_sums(times_ns: np.ndarray, values: np.ndarray, grid: np.ndarray,
                 interval: float) -> np.ndarray:
    """Sum of ``values`` whose time lies in ``(grid[k] − Δ, grid[k]]``, per k."""
    if grid.size == 0:
        return np.zeros(0)
    k = np.searchsorted(grid, times_ns, side="left")  # first grid time >= the trade
    inside = (times_ns > grid[0] - int(round(interval * NS))) & (k < grid.size)
    return np.bincount(k[inside], weights=values[inside], minlength=grid.size)


def _interval(interval: object) -> float:
    return _validate.real("interval", interval, low=MIN_INTERVAL, high=86400.0)


def _frame(system_time: pd.DatetimeIndex, bid_px: np.ndarray, bid_sz: np.ndarray,
           ask_px: np.ndarray, ask_sz: np.ndarray, buys: np.ndarray, sells: np.ndarray,
           usable: np.ndarray, interval: float) -> pd.DataFrame:
    """The snapshot frame of the module docstring from (n, levels) prices and sizes (NaN
    price: empty level), keeping the ``usable`` rows."""
    mid = 0.5 * (bid_px[:, 0] + ask_px[:, 0])
    cols: dict[str, object] = {"system_time": system_time, "midpoint": mid,
                               "spread": ask_px[:, 0] - bid_px[:, 0], "buys": buys,
                               "sells": sells}
    for side, px, sz in (("bids", bid_px, bid_sz), ("asks", ask_px, ask_sz)):
        for i in range(px.shape[1]):
            cols[f"{side}_distance_{i}"] = (px[:, i] - mid) / mid
    for side, px, sz in (("bids", bid_px, bid_sz), ("asks", ask_px, ask_sz)):
        for i in range(px.shape[1]):
            cols[f"{side}_notional_{i}"] = np.where(np.isnan(px[:, i]), 0.0,
                                                    px[:, i] * np.nan_to_num(sz[:, i]))
    frame = pd.DataFrame(cols)[usable].reset_index(drop=True)
    frame.attrs.update(interval=interval, grid_rows=int(usable.size),
                       dropped_rows=int(usable.size - usable.sum()))
    return frame


def _usable(bid: np.ndarray, ask: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(bid) & np.isfinite(ask) & (ask > bid) & (bid > 0)


def lobster_snapshots(data: LobsterData, *, interval: float = 1.0) -> pd.DataFrame:
    """Snapshots every ``interval`` seconds (default 1) of a LOBSTER day (module docstring).

    ``data`` must hold its order-book file (:func:`mslab.data.load_lobster` finds the sibling
    file); every level of that file is sampled. The grid starts at the file's window start
    (from its name; otherwise the first message's time rounded down to a whole interval) and
    ends at the window end (otherwise the last message). Prices in dollars, notionals in
    dollars.

    Parameters
    ----------
    data : LobsterData
        A LOBSTER day loaded with its order-book file.
    interval : float
        Seconds between snapshots, in [0.001, 86 400].

    Returns
    -------
    pandas.DataFrame
        One row per usable grid time: ``system_time`` (UTC), ``midpoint``, ``spread``,
        ``buys``, ``sells``, then ``bids_distance_i`` / ``asks_distance_i`` and
        ``bids_notional_i`` / ``asks_notional_i`` for every level sampled; ``attrs`` holds
        ``interval`` (s), ``grid_rows`` and ``dropped_rows`` (module docstring).

    Raises
    ------
    ValueError
        If ``data`` is not a ``LobsterData`` with its order-book file and at least one
        message, or ``interval`` is out of range or gives more than ``MAX_GRID_ROWS``
        snapshots.
    """
    if not isinstance(data, LobsterData):
        _validate.fail("data", type(data).__name__, "a LobsterData (mslab.data.load_lobster)")
    if data.book is None or data.levels is None:
        _validate.fail("data", f"<{data.message_path.name} without its order-book file>",
                       "a LobsterData loaded with its order-book file")
    interval = _interval(interval)
    msg = data.messages
    if len(msg) == 0:
        _validate.fail("data", f"<{data.message_path.name}: no messages>", "a non-empty day")
    t_ns = np.round(msg["time"].to_numpy() * NS).astype(np.int64)
    step = int(round(interval * NS))
    origin = (int(round(data.start * NS)) if data.start is not None
              else int(t_ns[0] // step * step))
    end = int(round(data.end * NS)) if data.end is not None else int(t_ns[-1])
    grid = _grid(origin, end, interval)
    row = np.searchsorted(t_ns, grid, side="right") - 1  # last message at or before t_k
    known = row >= 0
    book = data.book[np.maximum(row, 0)].astype(np.float64)
    price = book[:, 0::2] / PRICE_SCALE  # ask 1, bid 1, ask 2, ... in dollars
    size = book[:, 1::2]
    empty = size == 0
    price[empty | ~known[:, None]] = np.nan
    ask_px, bid_px = price[:, 0::2], price[:, 1::2]
    ask_sz, bid_sz = size[:, 0::2], size[:, 1::2]
    kind = msg["type"].to_numpy()
    trade = (kind == EXECUTE) | (kind == EXECUTE_HIDDEN)
    notional = msg["size"].to_numpy() * msg["price"].to_numpy() / PRICE_SCALE
    taker_buy = trade & (msg["direction"].to_numpy() == -1)
    taker_sell = trade & (msg["direction"].to_numpy() == 1)
    buys = _bucket_sums(t_ns[taker_buy], notional[taker_buy].astype(float), grid,
                         interval)
    sells = _bucket_sums(t_ns[taker_sell], notional[taker_sell].astype(float), grid,
                          interval)
    day = pd.Timestamp(data.date or "1970-01-01").tz_localize(EXCHANGE_TZ)
    stamps = (day + pd.to_timedelta(grid, unit="ns")).tz_convert("UTC")
    return _frame(pd.DatetimeIndex(stamps), bid_px, bid_sz, ask_px, ask_sz, buys, sells,
                  _usable(bid_px[:, 0], ask_px[:, 0]), interval)


def binance_snapshots(capture: BinanceCapture, book: L2Book | None = None, *,
                      interval: float = 1.0, levels: int = 1) -> pd.DataFrame:
    """Snapshots every ``interval`` seconds (default 1) of a Binance capture (module docstring).

    ``book``: the capture's rebuilt book (:func:`mslab.data.binance_book.rebuild_book`; built
    here with ``levels`` levels when None, else its own levels are sampled). The grid runs on
    the local clock from the first live book state, rounded down to a whole interval since the
    epoch, to the last diff or trade received. Prices in the quote currency, notionals in the
    quote currency (USD on COIN-M: quantities are in BTC, see :mod:`mslab.data.binance`).

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`mslab.data.binance.load_binance_capture`).
    book : L2Book or None
        The capture's rebuilt book, or None to rebuild it here.
    interval : float
        Seconds between snapshots, in [0.001, 86 400].
    levels : int
        Levels of the book rebuilt here, 1 to 1000 (validated, but unused when ``book`` is
        given).

    Returns
    -------
    pandas.DataFrame
        One row per usable grid time: ``system_time`` (UTC), ``midpoint``, ``spread``,
        ``buys``, ``sells``, then ``bids_distance_i`` / ``asks_distance_i`` and
        ``bids_notional_i`` / ``asks_notional_i`` for every level sampled; ``attrs`` holds
        ``interval`` (s), ``grid_rows`` and ``dropped_rows`` (module docstring).

    Raises
    ------
    ValueError
        If ``capture`` is not a ``BinanceCapture``, ``book`` is not the book rebuilt from it,
        the book is never live, or ``interval`` / ``levels`` is out of range (or gives more
        than ``MAX_GRID_ROWS`` snapshots).
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__,
                       "a BinanceCapture (mslab.data.binance.load_binance_capture)")
    interval = _interval(interval)
    levels = _validate.integer("levels", levels, low=1, high=1000)
    if book is None:
        book = rebuild_book(capture, levels)
    elif not isinstance(book, L2Book) or book.update_id.size != len(capture.depth):
        _validate.fail("book", type(book).__name__, "the L2Book rebuilt from this capture")
    if not book.live.any():
        _validate.fail("capture", f"<{', '.join(p.name for p in capture.paths)}>",
                       "a capture whose book is live at some point (a REST snapshot bridged "
                       "by the diffs; pass a capture split over files together)")
    step = int(round(interval * NS))
    trades = capture.trades
    tr_ns = trades["local_ns"].to_numpy(dtype=np.int64)
    first_live = int(book.local_ns[book.live].min())
    end = int(max(book.local_ns.max(), tr_ns.max() if tr_ns.size else 0))
    grid = _grid(first_live // step * step, end, interval)
    at = book.at(grid)
    px_b = np.where(at.live[:, None], at.bid_price, np.nan)
    px_a = np.where(at.live[:, None], at.ask_price, np.nan)
    notional = trades["price"].to_numpy(dtype=float) * trades["qty"].to_numpy(dtype=float)
    side = trades["side"].to_numpy()
    buys = _bucket_sums(tr_ns[side == 1], notional[side == 1], grid, interval)
    sells = _bucket_sums(tr_ns[side == -1], notional[side == -1], grid, interval)
    stamps = pd.DatetimeIndex(pd.to_datetime(grid, unit="ns", utc=True))
    return _frame(stamps, px_b, at.bid_qty, px_a, at.ask_qty, buys, sells,
                  _usable(px_b[:, 0], px_a[:, 0]), interval)


# --------------------------------------------------------------------------- files of any kind


def _is_binance_raw(path: Path) -> bool:
    """A raw capture line: ``<integer local time> <JSON object>``."""
    try:
        with open(path, "rb") as handle:
            opener = gzip.open if handle.read(2) == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    stamp, _, payload = line.strip().partition(" ")
                    return stamp.isdigit() and isinstance(json.loads(payload), dict)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return False


def source_kind(path: str | Path) -> str:
    """The kind of a snapshot source file, one of :data:`SOURCE_KINDS`, recognised in order:

    * ``"lobster"``: a name following LOBSTER's convention for a *message* file
      (``TICKER_DATE_START_END_message_LEVEL.csv`` or ``.parquet``; its order-book file must
      lie next to it);
    * ``"crypto"``: a CSV whose header, or a Parquet file whose columns, include
      ``system_time`` and ``midpoint`` (the crypto snapshot schema, :mod:`mslab.data.crypto`);
    * ``"binance"``: a Parquet file with the compact capture columns ``kind`` and
      ``local_ns``, or a raw capture (plain or gzip) whose first line is
      ``<integer> <JSON object>`` (:mod:`mslab.data.binance`).

    Parameters
    ----------
    path : str or pathlib.Path
        An existing file.

    Returns
    -------
    str
        ``"lobster"``, ``"crypto"`` or ``"binance"``.

    Raises
    ------
    ValueError
        Naming ``path``, if it is not an existing file or of none of these kinds.
    """
    return _source_kind(path, "path")


def _source_kind(path: object, name: str) -> str:
    """:func:`source_kind`, with errors naming the parameter ``name``."""
    path = rep.check_path(name, path)
    lobster = parse_name(path)
    if lobster is not None and lobster.kind == "message":
        return "lobster"
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            columns = set(pq.read_schema(path).names)
        except Exception:  # pyarrow raises several types for unreadable files
            columns = set()
        if {"system_time", "midpoint"} <= columns:
            return "crypto"
        if {"kind", "local_ns"} <= columns:
            return "binance"
    elif path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
        if {"system_time", "midpoint"} <= {c.strip() for c in header.split(",")}:
            return "crypto"
    elif _is_binance_raw(path):
        return "binance"
    _validate.fail(name, str(path), "a LOBSTER message file (named by LOBSTER's convention), "
                   "a crypto snapshot file (CSV or Parquet with system_time and midpoint) or a "
                   "Binance capture (raw, plain or gzip, or its compact Parquet)")
    raise AssertionError  # unreachable: fail raises


@dataclass(frozen=True, eq=False)
class SnapshotSource:
    """Snapshots of one instrument made from one source (:func:`load_snapshot_source`).

    Attributes
    ----------
    name : str
        LOBSTER ticker, Binance ``SYMBOL-venue``, or the crypto file's stem.
    kind : str
        One of :data:`SOURCE_KINDS`.
    frame : pandas.DataFrame
        The snapshot backtest's input, with ``attrs`` ``interval`` (s), ``grid_rows`` and
        ``dropped_rows``.
    paths : tuple
        The files read (:class:`pathlib.Path`).
    issues : int
        Number of issues in the loader's validation report.
    description : str
        One line: what the source is and how it was recognised.
    hours_per_year : float
        Trading hours in a year for annualising: 252 × 6.5 for a Nasdaq day, 365.25 × 24
        for crypto.
    """

    name: str
    kind: str
    frame: pd.DataFrame
    paths: tuple[Path, ...]
    issues: int
    description: str
    hours_per_year: float

    @property
    def hours(self) -> float:
        """Length of the sample in hours (snapshots × interval)."""
        return len(self.frame) * float(self.frame.attrs.get("interval", np.nan)) / 3600.0

    def content_hash(self) -> str:
        """SHA-256 (hex) of the bytes of every file read and of the snapshots made from them:
        it changes when the data or the sampling change (an experiments table's key).

        Returns
        -------
        str
            64 hexadecimal digits.
        """
        digest = hashlib.sha256()
        for path in self.paths:
            digest.update(path.read_bytes())
        digest.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()


def load_snapshot_source(source: str | Path | Sequence[str | Path], *, interval: float = 1.0,
                         levels: int = 1) -> SnapshotSource:
    """Load one instrument's snapshots from ``source``: a file whose kind :func:`source_kind`
    recognises, or a list of the parts of one Binance capture in time order (e.g. the files of
    two UTC days, only the first of which holds the REST snapshot).

    LOBSTER days and Binance captures are sampled every ``interval`` seconds
    (:func:`lobster_snapshots`, every level of the file; :func:`binance_snapshots` with
    ``levels`` levels); a crypto snapshot file is loaded as it is
    (:func:`mslab.data.load_crypto_snapshots`, ``levels`` levels; its own interval).

    Parameters
    ----------
    source : str or pathlib.Path or list
        A path, or a non-empty list of paths of the parts of one Binance capture.
    interval : float
        Seconds between snapshots of a LOBSTER day or a Binance capture, in [0.001, 86 400]
        (validated but unused for a crypto snapshot file).
    levels : int
        Levels of a Binance book or of a crypto snapshot file, 1 to 15.

    Returns
    -------
    SnapshotSource
        The snapshots with their name, kind, files and description.

    Raises
    ------
    ValueError
        If ``source`` is not a path or a list of the parts of one Binance capture, a file
        is of no known kind, an argument is out of range, or the loader refuses the file
        (its :class:`~mslab.data.report.DataValidationError` is a ``ValueError``).
    """
    parts = [source] if isinstance(source, (str, Path)) else source
    if isinstance(parts, (bytes, dict)) or not isinstance(parts, Sequence) or not parts:
        _validate.fail("source", source, "a path or a non-empty list of the parts of one "
                       "Binance capture")
    kinds = [_source_kind(p, "source") for p in parts]
    paths = tuple(Path(p) for p in parts)
    if len(parts) > 1 and set(kinds) != {"binance"}:
        _validate.fail("source", [str(p) for p in parts], "one file, or a list of parts of "
                       f"one Binance capture (kinds found: {', '.join(kinds)})")
    interval = _interval(interval)
    levels = _validate.integer("levels", levels, low=1, high=15)
    kind = kinds[0]
    if kind == "lobster":
        data = load_lobster(paths[0])
        frame = lobster_snapshots(data, interval=interval)
        paths = (data.message_path, data.orderbook_path)
        name, issues = data.ticker or paths[0].stem, len(data.report.issues)
        what = (f"LOBSTER day {data.ticker} {data.date}, {data.levels} level(s), "
                f"{len(data.messages):,} messages (recognised by its file name)")
    elif kind == "binance":
        capture = load_binance_capture(list(paths))
        frame = binance_snapshots(capture, interval=interval, levels=levels)
        name, issues = f"{capture.symbol}-{capture.venue}", len(capture.report.issues)
        what = (f"Binance {capture.venue} {capture.symbol} capture, {len(paths)} file(s), "
                f"book rebuilt with {levels} level(s) (recognised by its messages)")
    else:
        snaps = load_crypto_snapshots(paths[0], levels=levels)
        frame = snaps.frame
        gaps = frame["system_time"].diff().dt.total_seconds()
        frame.attrs.update(interval=float(gaps.median()), grid_rows=len(frame), dropped_rows=0)
        name, issues = paths[0].stem, len(snaps.report.issues)
        what = f"crypto snapshot file {paths[0].name} (recognised by its columns)"
    return SnapshotSource(name=name, kind=kind, frame=frame, paths=paths, issues=issues,
                          description=what, hours_per_year=HOURS_PER_YEAR[kind])
