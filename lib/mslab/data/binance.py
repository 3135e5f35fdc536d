"""Binance market-data captures — REST depth snapshots, depth diffs, best bid/offer and trades —
loaded with a validation report, and the L2 book rebuilt from them.

API: :func:`load_binance_capture` (raw or compact files → :class:`BinanceCapture`, with the
update-id chain checked), :func:`write_binance_capture` (compact Parquet) and
:func:`receive_lag_ms` (local minus exchange time). Trades carry their aggressor side. The L2
book rebuilt from the capture, and best bid/offer and mid series, are in
:mod:`mslab.data.binance_book`.

**Raw capture format** (as written by hftbacktest's collector): one message per line,
``<local receive time, ns since epoch> <JSON>``, plain text or gzip. A JSON line is either a
REST depth snapshot (``{"lastUpdateId": L, "bids": [[price, qty], ...], "asks": ...}``, futures
snapshots also ``E``, ``T``) or a combined-stream message ``{"stream": "<symbol>@<channel>",
"data": {...}}`` whose channel is ``depth`` (any speed: ``depth@100ms``, ``depth@0ms``),
``bookTicker`` or ``trade``; an unwrapped event (``{"e": "depthUpdate", ...}``) is accepted
too. A snapshot can appear anywhere (the collector fetches it after the stream has started, so
it is usually a few lines in, after the diff that bridges it). A capture may be split over
several files (e.g. one per UTC day): pass them in time order.

**Compact format**: the Parquet file written by :func:`write_binance_capture` — one row per kept
message in the same order, columns (null where a field does not apply):

* ``kind`` (``snapshot``, ``depth``, ``bookTicker``, ``trade``), ``stream`` (the stream name,
  null for snapshots), ``symbol`` (null where the message does not name it);
* ``local_ns`` local receive time, ns since the epoch (the capturing machine's clock);
* ``event_ms`` (``E``) and ``transaction_ms`` (``T``), exchange times, ms since the epoch (UTC);
* ``first_id``, ``last_id``, ``prev_id`` — ``U``, ``u``, ``pu`` of a depth diff; ``last_id`` is
  also a snapshot's ``lastUpdateId`` and a bookTicker's ``u``;
* ``trade_id``, ``price``, ``qty``, ``buyer_maker`` — a trade's ``t``, ``p``, ``q``, ``m``;
* ``bid``, ``bid_qty``, ``ask``, ``ask_qty`` — a bookTicker's ``b``, ``B``, ``a``, ``A``;
* ``bid_prices``, ``bid_qtys``, ``ask_prices``, ``ask_qtys`` — the levels of a snapshot or diff
  (lists; quantity 0 in a diff removes the level).

Quantities in both formats are as Binance sends them.

**Venue and units.** The venue is inferred from the messages: COIN-M when the symbol has a
delivery suffix (``BTCUSD_PERP``) or messages carry ``ps``; USDⓈ-M when depth diffs carry
``pu`` or bookTickers carry exchange times; spot otherwise. Prices are in the quote currency
(USDT for ``BTCUSDT``; USD for ``BTCUSD_PERP``). Every quantity the loader returns is in base
units (BTC): spot and USDⓈ-M quantities already are; **COIN-M quantities are contracts of a
fixed USD value** (100 USD for BTC contracts, 10 USD for the others), converted as
``qty = contracts × contract_size / price`` at the price of the level or trade.

**Times.** ``event_ms``/``transaction_ms`` are the exchange's clock, ``local_ns`` the capturing
machine's: the two clocks are offset, so ``local − exchange`` measures latency only relative to
its own floor. Spot bookTickers carry no exchange time (``event_ms`` is ``<NA>``).

Checks (see :mod:`mslab.data.report`; rows are line numbers of raw files, 1-based row
positions of Parquet files):

* dropped: ``blank_line``, ``bad_encoding`` (not UTF-8), ``bad_local_time`` (no leading integer
  receive time), ``bad_json``, ``unknown_stream`` (a channel other than depth diffs, bookTicker,
  trade — e.g. partial-depth or aggTrade streams — or a JSON object of no known kind),
  ``bad_message`` (a required field missing or not a finite number), ``other_symbol`` (a
  message for another instrument than the capture's);
* flagged: ``non_monotonic_time`` (local time earlier than on the previous line, across files
  too), ``non_monotonic_exchange_time`` (per kind), ``crossed_bbo`` / ``locked_bbo`` (bookTicker
  bid > / = ask), ``non_positive_price``, ``negative_qty``, ``bad_update_ids`` (``U`` > ``u``),
  ``duplicate_trade`` (a trade id not above the previous one), ``chain_break`` (a diff that
  does not continue the update-id chain, with the ids), ``diff_not_applied`` (diffs after a
  break, before the book is resynchronised), ``stale_diff``, ``snapshot_not_bridged``;
* notes: a byte-order mark, ``diffs_before_snapshot`` (older than the first snapshot: normal),
  ``no_snapshot``, snapshots ignored while the book was live or never reached, trade-id gaps,
  the inferred venue when it differs from ``venue=``.

Raw files are streamed line by line and typed in Arrow batches, so memory stays near the size of
the result; the JSON is parsed in Python at about 20,000 lines per second on an idle core. The
compact Parquet of a 100,000-line capture loads in under a second.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mslab import _validate
from mslab.data import l2book
from mslab.data import report as rep
from mslab.data.parquet import write_parquet
from mslab.data.report import Collector, DataValidationError, ValidationReport

KINDS = ("snapshot", "depth", "bookTicker", "trade")
VENUES = ("spot", "usdm", "coinm")
_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USD", "BTC", "ETH", "BNB", "EUR", "TRY")
_COINM_BTC_CONTRACT_USD = 100.0
_COINM_OTHER_CONTRACT_USD = 10.0

_F64 = pa.float64()
_LIST = pa.list_(_F64)
_DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMA = pa.schema([
    ("kind", _DICT), ("stream", _DICT), ("symbol", _DICT), ("local_ns", pa.int64()),
    ("event_ms", pa.int64()), ("transaction_ms", pa.int64()), ("first_id", pa.int64()),
    ("last_id", pa.int64()), ("prev_id", pa.int64()), ("trade_id", pa.int64()),
    ("price", _F64), ("qty", _F64), ("buyer_maker", pa.bool_()), ("bid", _F64),
    ("bid_qty", _F64), ("ask", _F64), ("ask_qty", _F64), ("bid_prices", _LIST),
    ("bid_qtys", _LIST), ("ask_prices", _LIST), ("ask_qtys", _LIST),
])
LEVEL_LISTS = ("bid_prices", "bid_qtys", "ask_prices", "ask_qtys")  # list columns of SCHEMA
_BATCH = 50_000
_PLAN_NAMES = {l2book.APPLY: "apply", l2book.SYNC: "sync", l2book.STALE: "stale",
               l2book.WAIT: "wait"}
_SNAP_NAMES = {l2book.USED: "used", l2book.NOT_BRIDGED: "not_bridged",
               l2book.IGNORED: "ignored", l2book.UNREACHED: "unreached"}


# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True, eq=False)
class BinanceCapture:
    """A loaded capture of one instrument on one venue.

    Frames share the columns ``file`` (the source file), ``line`` (its line or Parquet row),
    ``local_ns`` (int64) and ``event_ms``/``transaction_ms`` (nullable Int64); prices in the
    quote currency, quantities in base units (see the module docstring for COIN-M):

    * ``snapshots``: ``last_id``, ``n_bids``, ``n_asks``, ``status`` (``used``,
      ``not_bridged``, ``ignored``, ``unreached``: what the book rebuild did with it);
    * ``depth``: ``first_id``, ``last_id``, ``prev_id`` (``U``, ``u``, ``pu``; ``prev_id``
      ``<NA>`` on spot), ``n_bids``, ``n_asks``, ``action`` (``sync``, ``apply``, ``stale``,
      ``wait``), ``chain_break`` (bool);
    * ``snapshot_levels`` and ``depth_levels``: one row per level, ``snapshot``/``diff`` (the
      position in ``snapshots``/``depth``), ``side`` (+1 bid, −1 ask), ``price``, ``qty``;
    * ``bbo``: ``update_id``, ``bid``, ``bid_qty``, ``ask``, ``ask_qty``, ``mid``;
    * ``trades``: ``trade_id``, ``price``, ``qty``, ``side`` (aggressor: +1 buyer-initiated,
      −1 seller-initiated, i.e. ``m`` true), ``buyer_maker``.

    ``records`` is the pyarrow table of kept messages in the compact schema (what
    :func:`write_binance_capture` writes; :mod:`mslab.data.binance_book` rebuilds the book
    from it).

    Attributes
    ----------
    venue : str
        ``"spot"``, ``"usdm"`` or ``"coinm"`` (given or inferred).
    symbol : str
        The instrument, e.g. ``"BTCUSDT"``: the symbol most messages name.
    base : str or None
        Base asset of the symbol (``"BTC"``), None when the symbol is not recognised.
    quote : str or None
        Quote asset of the symbol (``"USDT"``), None when the symbol is not recognised.
    contract_size : float or None
        USD value of a COIN-M contract; None on spot and USDⓈ-M.
    snapshots : pandas.DataFrame
        One row per REST depth snapshot (columns above).
    snapshot_levels : pandas.DataFrame
        The snapshots' levels, one row per level.
    depth : pandas.DataFrame
        One row per depth diff.
    depth_levels : pandas.DataFrame
        The diffs' levels, one row per level (quantity 0 removes the level).
    bbo : pandas.DataFrame
        One row per bookTicker message.
    trades : pandas.DataFrame
        One row per trade.
    records : pyarrow.Table
        The kept messages in the compact schema, quantities as Binance sent them.
    paths : tuple
        The files read (pathlib.Path), in the order given.
    report : ValidationReport
        Every dropped or flagged line and the notes.
    """

    venue: str
    symbol: str
    base: str | None
    quote: str | None
    contract_size: float | None
    snapshots: pd.DataFrame
    snapshot_levels: pd.DataFrame
    depth: pd.DataFrame
    depth_levels: pd.DataFrame
    bbo: pd.DataFrame
    trades: pd.DataFrame
    records: pa.Table
    paths: tuple[Path, ...]
    report: ValidationReport

    @property
    def futures(self) -> bool:
        """True for a USDⓈ-M or COIN-M capture, False for spot."""
        return self.venue != "spot"


# --------------------------------------------------------------------------------------------
# Reading raw captures


class _Records:
    """Messages as dicts of compact-schema fields, turned into Arrow batches every
    ``_BATCH`` messages (memory stays near the size of the typed result), plus each message's
    file and line."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.batches: list[pa.Table] = []
        self.file: list[int] = []
        self.line: list[int] = []

    def add(self, file: int, line: int, fields: dict) -> None:
        self.rows.append(fields)
        self.file.append(file)
        self.line.append(line)
        if len(self.rows) == _BATCH:
            self.batches.append(pa.Table.from_pylist(self.rows, schema=SCHEMA))
            self.rows = []

    def table(self) -> pa.Table:
        if self.rows or not self.batches:
            self.batches.append(pa.Table.from_pylist(self.rows, schema=SCHEMA))
            self.rows = []
        return pa.concat_tables(self.batches)


_INT64 = 2**63


def _int(value: object) -> int:
    """A JSON integer or decimal-digit string that fits int64 (no bools, floats or spaces)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError("not an integer")
    if isinstance(value, str) and not (value.isascii() and value.lstrip("-").isdigit()):
        raise ValueError("not an integer")
    i = int(value)
    if not -_INT64 <= i < _INT64:
        raise ValueError("outside int64")
    return i


def _num(value: object) -> float:
    """A finite number from a JSON number or numeric string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError("not a number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError("not finite")
    return x


def _levels(pairs: object) -> tuple[list[float], list[float]]:
    """Prices and quantities of ``[[price, qty], ...]`` (numeric strings, as Binance sends)."""
    if not isinstance(pairs, list):
        raise TypeError("levels must be a list")
    prices = [float(p) for p, _ in pairs]
    qtys = [float(q) for _, q in pairs]
    if not all(map(math.isfinite, prices)) or not all(map(math.isfinite, qtys)):
        raise ValueError("not finite")
    return prices, qtys


def _opt_int(d: dict, key: str) -> int | None:
    v = d.get(key)
    return None if v is None else _int(v)


def _event(obj: dict, channel: str | None) -> tuple[str, dict] | None:
    """(kind, fields) of a parsed message, None when its kind is unknown; raises KeyError /
    TypeError / ValueError for a known kind with a missing or malformed field."""
    if channel is None:  # unwrapped event or REST snapshot
        if "lastUpdateId" in obj and "bids" in obj:
            kind = "snapshot"
        elif obj.get("e") == "depthUpdate":
            kind = "depth"
        elif obj.get("e") == "trade":
            kind = "trade"
        elif obj.get("e") == "bookTicker" or {"u", "b", "B", "a", "A"} <= obj.keys():
            kind = "bookTicker"
        else:
            return None
    elif channel == "depth" or (channel.startswith("depth@") and channel[6:].endswith("ms")):
        kind = "depth"
    elif channel in ("bookTicker", "trade"):
        kind = channel
    else:
        return None
    symbol = obj.get("s", obj.get("symbol"))
    if symbol is not None and not isinstance(symbol, str):
        raise TypeError("symbol must be a string")
    f: dict = {"kind": kind, "symbol": symbol,
               "event_ms": _opt_int(obj, "E"), "transaction_ms": _opt_int(obj, "T")}
    if kind == "snapshot":
        f["last_id"] = _int(obj["lastUpdateId"])
        f["bid_prices"], f["bid_qtys"] = _levels(obj["bids"])
        f["ask_prices"], f["ask_qtys"] = _levels(obj["asks"])
    elif kind == "depth":
        f["first_id"], f["last_id"] = _int(obj["U"]), _int(obj["u"])
        f["prev_id"] = _opt_int(obj, "pu")
        f["event_ms"] = _int(obj["E"])
        f["bid_prices"], f["bid_qtys"] = _levels(obj["b"])
        f["ask_prices"], f["ask_qtys"] = _levels(obj["a"])
    elif kind == "bookTicker":
        f["last_id"] = _int(obj["u"])
        f["bid"], f["bid_qty"] = _num(obj["b"]), _num(obj["B"])
        f["ask"], f["ask_qty"] = _num(obj["a"]), _num(obj["A"])
    else:
        f["trade_id"], f["event_ms"] = _int(obj["t"]), _int(obj["E"])
        f["price"], f["qty"] = _num(obj["p"]), _num(obj["q"])
        if not isinstance(obj["m"], bool):
            raise TypeError("m must be true or false")
        f["buyer_maker"] = obj["m"]
    if "ps" in obj or "pair" in obj:
        f["coinm"] = True
    return kind, f


def _lines(path: Path, collector: Collector) -> Iterator[bytes | str]:
    """The lines of a plain or gzip file, streamed (UTF-16 files are decoded whole)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            start = fh.read(3)
            if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
                collector.note(str(path), "encoding", "UTF-16 text with a byte-order mark; "
                               "decoded")
                lines = (start + fh.read()).decode("utf-16", errors="replace").split("\n")
                yield from (lines[:-1] if lines and not lines[-1] else lines)
                return
            if start == b"\xef\xbb\xbf":
                collector.note(str(path), "byte_order_mark", "UTF-8 byte-order mark at the "
                               "start; ignored")
                start = b""
            if start:
                yield start + fh.readline()
            yield from fh
    except (OSError, EOFError) as exc:
        kind = "a gzip file" if gz else "a file"
        raise DataValidationError(f"{path}: {kind} that cannot be read ({exc})") from exc


def _read_raw(path: Path, fidx: int, records: _Records, collector: Collector,
              coinm_votes: list[int]) -> int:
    """Parse one raw capture file into ``records``; returns its number of lines."""
    file = str(path)
    bad: dict[str, list[int]] = {}
    no = 0
    for no, raw in enumerate(_lines(path, collector), 1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.setdefault("bad_encoding", []).append(no)
                continue
        else:
            text = raw
        text = text.strip()
        if not text:
            bad.setdefault("blank_line", []).append(no)
            continue
        head, _, body = text.partition(" ")
        if not (head.isascii() and head.isdigit() and int(head) < _INT64):
            bad.setdefault("bad_local_time", []).append(no)
            continue
        try:
            obj = json.loads(body)
        except ValueError:
            bad.setdefault("bad_json", []).append(no)
            continue
        channel = None
        if isinstance(obj, dict) and "stream" in obj and "data" in obj:
            stream = obj["stream"]
            channel = stream.partition("@")[2] if isinstance(stream, str) else "?"
            obj = obj["data"]
        else:
            stream = None
        if not isinstance(obj, dict):
            bad.setdefault("unknown_stream", []).append(no)
            continue
        try:
            found = _event(obj, channel)
        except (KeyError, TypeError, ValueError):
            bad.setdefault("bad_message", []).append(no)
            continue
        if found is None:
            bad.setdefault("unknown_stream", []).append(no)
            continue
        _, fields = found
        if fields.pop("coinm", False):
            coinm_votes.append(1)
        fields["stream"], fields["local_ns"] = stream, int(head)
        records.add(fidx, no, fields)
    details = {"blank_line": "an empty line", "bad_encoding": "bytes that are not UTF-8",
               "bad_local_time": "the line does not start with an integer receive time (ns)",
               "bad_json": "the text after the receive time is not valid JSON",
               "unknown_stream": "not a depth diff, bookTicker, trade or REST depth snapshot",
               "bad_message": "a required field is missing or not a number"}
    for problem, rows in bad.items():
        collector.add(file, problem, "dropped", rows, details[problem])
    return no


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DataValidationError(f"{path}: cannot be read as Parquet ({exc})") from exc
    missing = [f.name for f in SCHEMA if f.name not in table.column_names]
    if missing:
        raise DataValidationError(f"{path}: {len(missing)} required column(s) missing: "
                                  + ", ".join(missing))
    try:
        return table.select([f.name for f in SCHEMA]).cast(SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataValidationError(f"{path}: columns of the wrong type ({exc})") from exc


# --------------------------------------------------------------------------------------------
# Validation and assembly


class _Rows:
    """File and line of every record, for reporting by file."""

    def __init__(self, files: list[str], fidx: np.ndarray, line: np.ndarray):
        self.files, self.fidx, self.line = files, fidx, line

    def flag(self, collector: Collector, mask: np.ndarray, problem: str, detail: str,
             action: str = "flagged", positions: np.ndarray | None = None) -> None:
        """Report the records where ``mask`` is true (or at ``positions``, record numbers)."""
        pos = np.flatnonzero(mask) if positions is None else positions[mask]
        for f in np.unique(self.fidx[pos]):
            sel = pos[self.fidx[pos] == f]
            collector.add(self.files[f], problem, action, self.line[sel], detail)

    def where(self, pos: int) -> str:
        return f"{Path(self.files[self.fidx[pos]]).name} line {self.line[pos]}"


def _col(table: pa.Table, name: str, dtype: str = "float64") -> np.ndarray:
    col = table.column(name)
    if dtype == "float64":
        return col.to_numpy(zero_copy_only=False).astype(np.float64)
    return np.asarray(col.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _nullable(table: pa.Table, name: str) -> pd.Series:
    return pd.Series(table.column(name).to_pandas(), dtype="Int64")


def flat_levels(table: pa.Table, prices: str, qtys: str) -> tuple[np.ndarray, ...]:
    """Offsets (n + 1) and flat price/qty arrays of a list-column pair (of equal lengths, as
    :func:`_incomplete` ensures).

    Parameters
    ----------
    table : pyarrow.Table
        Records in the compact schema.
    prices : str
        Name of the list column of prices, e.g. ``"bid_prices"``.
    qtys : str
        Name of the matching list column of quantities, e.g. ``"bid_qtys"``.

    Returns
    -------
    tuple
        ``(offsets, price, qty)``: int64 offsets of shape (n + 1,), record i's levels being
        ``price[offsets[i]:offsets[i + 1]]`` (a null list counts as empty), and the flat
        float64 prices and quantities, as stored (no unit conversion).
    """
    p = table.column(prices).combine_chunks()
    q = table.column(qtys).combine_chunks()
    lens = pc.fill_null(pc.list_value_length(p), 0).to_numpy(zero_copy_only=False)
    off = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    flat_p = pc.list_flatten(p).to_numpy(zero_copy_only=False).astype(np.float64)
    flat_q = pc.list_flatten(q).to_numpy(zero_copy_only=False).astype(np.float64)
    return off, flat_p, flat_q


_REQUIRED = {
    "snapshot": ("local_ns", "last_id") + LEVEL_LISTS,
    "depth": ("local_ns", "event_ms", "first_id", "last_id") + LEVEL_LISTS,
    "bookTicker": ("local_ns", "last_id", "bid", "bid_qty", "ask", "ask_qty"),
    "trade": ("local_ns", "event_ms", "trade_id", "price", "qty", "buyer_maker"),
}


def _incomplete(table: pa.Table, kinds: np.ndarray) -> np.ndarray:
    """Records missing a field their kind requires, with a non-finite number (in a list too),
    or with price and quantity lists of different lengths (raw lines never are: the parser
    drops them; a Parquet file may hold such rows)."""
    bad = np.zeros(table.num_rows, dtype=bool)
    for kind, cols in _REQUIRED.items():
        sel = kinds == kind
        if not sel.any():
            continue
        for name in cols:
            col = table.column(name).combine_chunks()
            missing = ~col.is_valid().to_numpy(zero_copy_only=False)
            if pa.types.is_floating(col.type):
                missing |= ~np.isfinite(col.to_numpy(zero_copy_only=False))
            elif pa.types.is_list(col.type):
                values = pc.list_flatten(col).to_numpy(zero_copy_only=False)
                parents = pc.list_parent_indices(col).to_numpy(zero_copy_only=False)
                missing[parents[~np.isfinite(values.astype(np.float64))]] = True
            bad |= sel & missing
    for p, q in (LEVEL_LISTS[:2], LEVEL_LISTS[2:]):
        lp = pc.fill_null(pc.list_value_length(table.column(p)), 0).to_numpy()
        lq = pc.fill_null(pc.list_value_length(table.column(q)), 0).to_numpy()
        bad |= lp != lq
    return bad


def _split_symbol(symbol: str) -> tuple[str | None, str | None]:
    """(base, quote) of a symbol such as BTCUSDT or BTCUSD_PERP; (None, None) if unknown."""
    pair = symbol.split("_")[0]
    for quote in _QUOTES:
        if pair.endswith(quote) and len(pair) > len(quote):
            return pair[: -len(quote)], quote
    return None, None


def _infer_venue(kinds: np.ndarray, table: pa.Table, symbol: str, coinm_votes: int) -> str:
    """COIN-M: a delivery suffix in the symbol or ``ps``/``pair`` fields; USDⓈ-M: diffs with
    ``pu``, or bookTickers or snapshots with exchange times; spot otherwise."""
    if "_" in symbol or coinm_votes:
        return "coinm"
    prev = table.column("prev_id").is_valid().to_numpy(zero_copy_only=False)
    timed = table.column("event_ms").is_valid().to_numpy(zero_copy_only=False)
    if ((kinds == "depth") & prev).any() or (np.isin(kinds, ("bookTicker", "snapshot"))
                                             & timed).any():
        return "usdm"
    return "spot"


def base_qty(qty: np.ndarray, price: np.ndarray, contract_size: float | None) -> np.ndarray:
    """Quantities in base units: COIN-M contracts × contract_size (USD) / price.

    Parameters
    ----------
    qty : numpy.ndarray
        Quantities as Binance sends them (contracts on COIN-M).
    price : numpy.ndarray
        Prices of the same levels or trades (quote currency), shape of ``qty``.
    contract_size : float or None
        USD value of a contract; None for spot and USDⓈ-M.

    Returns
    -------
    numpy.ndarray
        Quantities in base units; ``qty`` itself when ``contract_size`` is None, else NaN
        where ``price`` is not > 0 (including NaN).
    """
    if contract_size is None:
        return qty
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(price > 0, qty * contract_size / price, np.nan)


def _check_order(rows: _Rows, collector: Collector, values: np.ndarray, pos: np.ndarray,
                 problem: str, detail: str) -> None:
    """Flag records (at ``pos``) whose value is below the previous one's (−1 = missing)."""
    keep = values >= 0
    v, p = values[keep], pos[keep]
    if v.size > 1:
        back = np.concatenate(([False], v[1:] < v[:-1]))
        rows.flag(collector, back, problem, detail, positions=p)


def _assemble(table: pa.Table, rows: _Rows, collector: Collector, venue: str | None,
              contract_size: float | None, coinm_votes: int, paths: tuple[Path, ...],
              rows_read: dict[str, int], strict: bool) -> BinanceCapture:
    kinds = np.asarray(table.column("kind").to_pandas().astype(object).to_numpy(), dtype=object)
    unknown = ~np.isin(kinds, KINDS)
    rows.flag(collector, unknown, "unknown_stream", "kind is not one of " + ", ".join(KINDS),
              action="dropped")
    incomplete = _incomplete(table, kinds) & ~unknown
    rows.flag(collector, incomplete, "bad_message", "a required field is missing or not a "
              "finite number", action="dropped")
    symbols = table.column("symbol").to_pandas().astype(object).to_numpy()
    named = pd.Series(symbols[~unknown & ~incomplete]).dropna()
    if named.empty:
        raise DataValidationError(f"{', '.join(rows.files)}: no valid message names its "
                                  f"symbol\n{collector.report(rows_read, 0)}")
    symbol = str(named.value_counts().index[0])
    other = pd.notna(symbols) & (symbols != symbol) & ~unknown & ~incomplete
    rows.flag(collector, other, "other_symbol", f"a message for another symbol than {symbol}",
              action="dropped")
    keep = ~unknown & ~incomplete & ~other
    if not keep.all():
        table = table.filter(pa.array(keep))
        rows = _Rows(rows.files, rows.fidx[keep], rows.line[keep])
        kinds = kinds[keep]

    inferred = _infer_venue(kinds, table, symbol, coinm_votes)
    if venue is None:
        venue = inferred
    elif venue != inferred:
        collector.note(rows.files[0], "venue", f"venue={venue!r} given; the messages look like "
                       f"{inferred!r}")
    if venue == "coinm" and contract_size is None:
        contract_size = (_COINM_BTC_CONTRACT_USD if symbol.startswith("BTCUSD")
                         else _COINM_OTHER_CONTRACT_USD)
    if venue != "coinm" and contract_size is not None:
        collector.note(rows.files[0], "contract_size", f"contract_size={contract_size} ignored: "
                       f"quantities of a {venue} capture are already in base units")
        contract_size = None
    base, quote = _split_symbol(symbol)

    local = table.column("local_ns").to_numpy()
    n = local.size
    if n > 1:
        rows.flag(collector, np.concatenate(([False], local[1:] < local[:-1])),
                  "non_monotonic_time", "local receive time earlier than on the previous line")
    event = _col(table, "event_ms", "int")
    tx = _col(table, "transaction_ms", "int")
    pos_all = np.arange(n)

    def frame(mask: np.ndarray) -> pd.DataFrame:
        sub = table.filter(pa.array(mask))
        return pd.DataFrame({
            "file": pd.Categorical.from_codes(rows.fidx[mask], categories=rows.files),
            "line": rows.line[mask], "local_ns": local[mask],
            "event_ms": _nullable(sub, "event_ms"),
            "transaction_ms": _nullable(sub, "transaction_ms")})

    # snapshots and depth diffs
    is_snap, is_depth = kinds == "snapshot", kinds == "depth"
    snap_tab, depth_tab = table.filter(pa.array(is_snap)), table.filter(pa.array(is_depth))
    snap_pos, depth_pos = pos_all[is_snap], pos_all[is_depth]
    level_frames = []
    offsets = {}
    for name, tab, pos in (("snapshot", snap_tab, snap_pos), ("diff", depth_tab, depth_pos)):
        parts = []
        for side, (pcol, qcol) in ((1, LEVEL_LISTS[:2]), (-1, LEVEL_LISTS[2:])):
            off, price, qty = flat_levels(tab, pcol, qcol)
            owner = np.repeat(np.arange(off.size - 1), np.diff(off))
            offsets[(name, side)] = (off, price, qty)
            rows.flag(collector, np.isin(np.arange(pos.size), owner[qty < 0]), "negative_qty",
                      "a negative level quantity", positions=pos)
            rows.flag(collector, np.isin(np.arange(pos.size), owner[price <= 0]),
                      "non_positive_price", "a level price <= 0", positions=pos)
            parts.append(pd.DataFrame({name: owner, "side": np.int8(side), "price": price,
                                       "qty": base_qty(qty, price, contract_size)}))
        level_frames.append(pd.concat(parts, ignore_index=True).sort_values(
            [name, "side"], ascending=[True, False], kind="stable", ignore_index=True))

    first_id = _col(depth_tab, "first_id", "int")
    last_id = _col(depth_tab, "last_id", "int")
    prev_id = _col(depth_tab, "prev_id", "int")
    snap_last = _col(snap_tab, "last_id", "int")
    rows.flag(collector, first_id > last_id, "bad_update_ids", "U > u", positions=depth_pos)
    _check_order(rows, collector, event[is_depth], depth_pos, "non_monotonic_exchange_time",
                 "depth diff event time E earlier than the previous diff's")
    plan = l2book.chain_plan(first_id, last_id, prev_id, depth_pos, snap_last, snap_pos,
                             venue != "spot")
    action, snapshot_of, broken, snap_status = plan
    _report_chain(rows, collector, venue, first_id, last_id, prev_id, depth_pos, snap_last,
                  snap_pos, action, broken, snap_status)

    snapshots = frame(is_snap)
    snapshots["last_id"] = snap_last
    snapshots["n_bids"] = np.diff(offsets[("snapshot", 1)][0])
    snapshots["n_asks"] = np.diff(offsets[("snapshot", -1)][0])
    snapshots["status"] = [_SNAP_NAMES[s] for s in snap_status]
    depth = frame(is_depth)
    depth["first_id"], depth["last_id"] = first_id, last_id
    depth["prev_id"] = _nullable(depth_tab, "prev_id")
    depth["n_bids"] = np.diff(offsets[("diff", 1)][0])
    depth["n_asks"] = np.diff(offsets[("diff", -1)][0])
    depth["action"] = pd.Categorical([_PLAN_NAMES[a] for a in action],
                                     categories=list(_PLAN_NAMES.values()))
    depth["chain_break"] = broken
    depth["sync_snapshot"] = snapshot_of

    # best bid/offer
    is_bbo = kinds == "bookTicker"
    bbo_tab = table.filter(pa.array(is_bbo))
    bbo = frame(is_bbo)
    bbo["update_id"] = _col(bbo_tab, "last_id", "int")
    bid, ask = _col(bbo_tab, "bid"), _col(bbo_tab, "ask")
    bbo["bid"], bbo["bid_qty"] = bid, base_qty(_col(bbo_tab, "bid_qty"), bid, contract_size)
    bbo["ask"], bbo["ask_qty"] = ask, base_qty(_col(bbo_tab, "ask_qty"), ask, contract_size)
    bbo["mid"] = 0.5 * (bid + ask)
    bpos = pos_all[is_bbo]
    rows.flag(collector, bid > ask, "crossed_bbo", "bookTicker bid > ask", positions=bpos)
    rows.flag(collector, bid == ask, "locked_bbo", "bookTicker bid = ask", positions=bpos)
    rows.flag(collector, (bid <= 0) | (ask <= 0), "non_positive_price",
              "bookTicker bid or ask <= 0", positions=bpos)
    rows.flag(collector, (bbo["bid_qty"].to_numpy() < 0) | (bbo["ask_qty"].to_numpy() < 0),
              "negative_qty", "bookTicker quantity < 0", positions=bpos)
    _check_order(rows, collector, event[is_bbo], bpos, "non_monotonic_exchange_time",
                 "bookTicker event time E earlier than the previous bookTicker's")

    # trades
    is_trade = kinds == "trade"
    tr_tab = table.filter(pa.array(is_trade))
    trades = frame(is_trade)
    tid = _col(tr_tab, "trade_id", "int")
    price = _col(tr_tab, "price")
    maker = np.asarray(tr_tab.column("buyer_maker").to_numpy(zero_copy_only=False), dtype=bool)
    trades["trade_id"], trades["price"] = tid, price
    trades["qty"] = base_qty(_col(tr_tab, "qty"), price, contract_size)
    trades["side"] = np.where(maker, -1, 1).astype(np.int8)
    trades["buyer_maker"] = maker
    tpos = pos_all[is_trade]
    rows.flag(collector, price <= 0, "non_positive_price", "trade price <= 0", positions=tpos)
    rows.flag(collector, trades["qty"].to_numpy() <= 0, "negative_qty", "trade quantity <= 0",
              positions=tpos)
    _check_order(rows, collector, tx[is_trade], tpos, "non_monotonic_exchange_time",
                 "trade time T earlier than the previous trade's")
    if tid.size > 1:
        step = np.diff(tid)
        rows.flag(collector, np.concatenate(([False], step <= 0)), "duplicate_trade",
                  "trade id not above the previous trade's", positions=tpos)
        gaps = int(np.sum(step > 1))
        if gaps:
            collector.note(rows.files[0], "trade_id_gaps", f"{gaps} gap(s) in trade ids, "
                           f"{int(np.sum(step[step > 1] - 1))} id(s) missing", count=gaps)

    report = rep.finish(collector, rows_read, n, strict)
    return BinanceCapture(venue=venue, symbol=symbol, base=base, quote=quote,
                          contract_size=contract_size, snapshots=snapshots,
                          snapshot_levels=level_frames[0], depth=depth,
                          depth_levels=level_frames[1], bbo=bbo, trades=trades, records=table,
                          paths=paths, report=report)


def _report_chain(rows: _Rows, collector: Collector, venue: str, first_id: np.ndarray,
                  last_id: np.ndarray, prev_id: np.ndarray, depth_pos: np.ndarray,
                  snap_last: np.ndarray, snap_pos: np.ndarray, action: np.ndarray,
                  broken: np.ndarray, snap_status: np.ndarray) -> None:
    futures = venue != "spot"
    if snap_last.size == 0 and first_id.size:
        collector.note(rows.files[0], "no_snapshot", f"no REST depth snapshot: the "
                       f"{first_id.size} depth diffs cannot build a book")
        return
    applied = (action == l2book.APPLY) | (action == l2book.SYNC)
    last_applied = np.maximum.accumulate(np.where(applied, last_id, -1)) if applied.size else \
        last_id
    for b in np.flatnonzero(broken)[:1_000]:
        prev = int(last_applied[b - 1])
        got = f"pu={prev_id[b]}" if futures else f"U={first_id[b]}"
        want = f"pu={prev}" if futures else f"U={prev + 1}"
        rows.flag(collector, np.array([True]), "chain_break",
                  f"{rows.where(depth_pos[b])}: previous u={prev}, expected {want}, got {got} "
                  f"(U={first_id[b]}, u={last_id[b]})", positions=depth_pos[b:b + 1])
    started = np.cumsum(applied) > 0
    wait = action == l2book.WAIT
    rows.flag(collector, wait & started, "diff_not_applied", "depth diff not applied: the book "
              "stopped at a chain break and waits for a snapshot", positions=depth_pos)
    rows.flag(collector, action == l2book.STALE, "stale_diff", "u not beyond the previous "
              "diff's u (a duplicate or out-of-order diff): skipped", positions=depth_pos)
    before = int(np.sum(wait & ~started))
    if before:
        collector.note(rows.files[0], "diffs_before_snapshot", f"{before} depth diff(s) older "
                       "than the first bridged snapshot (normal: the stream starts before the "
                       "snapshot is fetched)", count=before)
    for s in np.flatnonzero(snap_status == l2book.NOT_BRIDGED):
        rows.flag(collector, np.array([True]), "snapshot_not_bridged",
                  f"{rows.where(snap_pos[s])}: no diff bridges lastUpdateId={snap_last[s]} "
                  f"({'U <= L <= u' if futures else 'U <= L+1 <= u'})",
                  positions=snap_pos[s:s + 1])
    for status, what in ((l2book.IGNORED, "received while the book was live; ignored"),
                         (l2book.UNREACHED, "no later diff; unused")):
        k = int(np.sum(snap_status == status))
        if k:
            collector.note(rows.files[0], "snapshot_unused", f"{k} snapshot(s) {what}", count=k)


def load_binance_capture(paths: str | Path | Sequence[str | Path], *, venue: str | None = None,
                         contract_size: float | None = None,
                         strict: bool = False) -> BinanceCapture:
    """Load and check a Binance capture: one file or several parts in time order, each a raw
    capture (plain or gzip) or a compact Parquet file (``.parquet``/``.pq``).

    ``venue`` (``"spot"``, ``"usdm"``, ``"coinm"``) overrides the inferred venue;
    ``contract_size`` the USD value of a COIN-M contract (default 100 for BTC, 10 otherwise).
    With ``strict=True`` any dropped or flagged line raises
    :class:`~mslab.data.report.DataValidationError`; otherwise the data is returned with its
    report (see the module docstring for the checks).

    Parameters
    ----------
    paths : str or pathlib.Path or list of pathlib.Path
        One existing file, or a non-empty list (or tuple) of the parts in time order.
    venue : str or None
        ``"spot"``, ``"usdm"`` or ``"coinm"``; None (default) infers it from the messages. A
        venue other than the inferred one is used and noted in the report.
    contract_size : float or None
        USD value of a COIN-M contract, > 0; None for the default. Ignored (with a note)
        unless the venue is COIN-M.
    strict : bool
        With True, any dropped or flagged line raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    BinanceCapture
        The kept messages, typed, quantities in base units, with the validation report.

    Raises
    ------
    ValueError
        If ``paths`` is empty or not a path or sequence of existing files, ``venue`` or
        ``contract_size`` is not allowed, or ``strict`` is not a bool.
    DataValidationError
        If no valid message remains or none names the symbol, a Parquet file cannot be read,
        or (``strict=True``) a line is dropped or flagged.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not isinstance(paths, Sequence) or not paths:
        _validate.fail("paths", paths, "a path or a non-empty sequence of paths")
    checked = tuple(rep.check_path("paths", p) for p in paths)
    if venue is not None:
        venue = _validate.choice("venue", venue, VENUES)
    if contract_size is not None:
        contract_size = _validate.positive("contract_size", contract_size)
    strict = rep.check_strict("strict", strict)
    collector = Collector()
    tables, fidx, lines = [], [], []
    rows_read: dict[str, int] = {}
    coinm_votes: list[int] = []
    for i, path in enumerate(checked):
        if path.suffix.lower() in (".parquet", ".pq"):
            t = _read_parquet(path)
            tables.append(t)
            fidx.append(np.full(t.num_rows, i))
            lines.append(np.arange(1, t.num_rows + 1))
            rows_read[str(path)] = t.num_rows
        else:
            recs = _Records()
            rows_read[str(path)] = _read_raw(path, i, recs, collector, coinm_votes)
            tables.append(recs.table())
            fidx.append(np.asarray(recs.file, dtype=np.int64))
            lines.append(np.asarray(recs.line, dtype=np.int64))
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    rows = _Rows([str(p) for p in checked], np.concatenate(fidx).astype(np.int64),
                 np.concatenate(lines).astype(np.int64))
    if table.num_rows == 0:
        raise DataValidationError(f"{', '.join(rows.files)}: no valid message\n"
                                  f"{collector.report(rows_read, 0)}")
    return _assemble(table, rows, collector, venue, contract_size, len(coinm_votes), checked,
                     rows_read, strict)


def write_binance_capture(capture: BinanceCapture, path: str | Path) -> Path:
    """Write the capture's kept messages as compact Parquet (deterministic: a re-run writes the
    same bytes; see :mod:`mslab.data.parquet`). Quantities are written as Binance sent them
    (contracts on COIN-M).

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture.
    path : str or pathlib.Path
        Output file ending in ``.parquet`` or ``.pq``; missing parent directories are created,
        an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If ``capture`` is not a BinanceCapture or ``path`` has another suffix.
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__, "a BinanceCapture")
    if not isinstance(path, (str, Path)) or Path(path).suffix.lower() not in (".parquet",
                                                                                 ".pq"):
        _validate.fail("path", path, "a path ending in .parquet or .pq")
    return write_parquet(capture.records, path)


_LAG_KINDS = {"depth": "depth", "bookTicker": "bbo", "trade": "trades"}


def receive_lag_ms(capture: BinanceCapture, kind: str = "trade",
                   exchange_time: str = "event") -> pd.Series:
    """Local receive time minus exchange time, in ms, of every message of ``kind``
    (``"depth"``, ``"bookTicker"``, ``"trade"``), against the event time ``E`` or the
    transaction time ``T`` (``exchange_time="transaction"``); indexed like the capture's frame
    of that kind, NaN where the message has no such time (spot bookTickers have none).

    The two clocks are offset (in the shipped captures the local clock runs about 1.27 s
    behind), so only the lag relative to its floor, e.g. ``lag - lag.min()``, measures
    latency.

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture.
    kind : str
        ``"depth"``, ``"bookTicker"`` or ``"trade"`` (default).
    exchange_time : str
        ``"event"`` (default, ``E``) or ``"transaction"`` (``T``).

    Returns
    -------
    pandas.Series
        ``lag_ms`` (float64, ms), one value per row of ``capture.depth``, ``capture.bbo`` or
        ``capture.trades``, with that frame's index.

    Raises
    ------
    ValueError
        If ``capture`` is not a BinanceCapture, or ``kind`` or ``exchange_time`` is not one of
        the values above.
    """
    if not isinstance(capture, BinanceCapture):
        _validate.fail("capture", type(capture).__name__, "a BinanceCapture")
    kind = _validate.choice("kind", kind, tuple(_LAG_KINDS))
    exchange_time = _validate.choice("exchange_time", exchange_time, ("event", "transaction"))
    frame = getattr(capture, _LAG_KINDS[kind])
    exchange = frame["event_ms" if exchange_time == "event" else "transaction_ms"]
    lag = frame["local_ns"].to_numpy() / 1e6 - exchange.astype("Float64").to_numpy(
        dtype=np.float64, na_value=np.nan)
    return pd.Series(lag, index=frame.index, name="lag_ms")
