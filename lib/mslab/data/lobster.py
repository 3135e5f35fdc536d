"""LOBSTER message and order-book files (lobsterdata.com): checked loading and writing.

Files are named ``TICKER_YYYY-MM-DD_STARTms_ENDms_message_LEVEL.csv`` and
``TICKER_YYYY-MM-DD_STARTms_ENDms_orderbook_LEVEL.csv``: no header, one row per event in each,
and row i of the order book is the state of the book *after* message i. START and END are
milliseconds after midnight (34200000 = 09:30, 57600000 = 16:00). Parquet copies named the
same way with ``.parquet`` for ``.csv`` (message columns ``MESSAGE_COLUMNS``, order-book
columns ``book_columns(levels)``, as in ``data/lobster/``) load the same way and get the same
checks; the order-book file looked up next to a message file has the message file's format.

Message columns (units):

* ``time``      seconds after midnight (decimals up to nanoseconds);
* ``type``      1 new limit order, 2 partial cancellation, 3 total deletion, 4 execution of a
  visible limit order, 5 execution of a hidden limit order, 6 cross trade (auction),
  7 trading halt;
* ``order_id``  order reference number;
* ``size``      shares;
* ``price``     dollars × 10000 (integer);
* ``direction`` −1 sell limit order, 1 buy limit order; the execution of a sell (buy) limit
  order is a buyer- (seller-) initiated trade.

Order-book columns, for each level i = 1..LEVEL: ask price i, ask size i, bid price i, bid
size i (prices in dollars × 10000, sizes in shares). Empty levels carry the dummy prices
9999999999 (ask) and −9999999999 (bid) with size 0.

Trading-halt messages (type 7) carry size 0 and price −1 (halt), 0 (quoting resumes) or 1
(trading resumes); the size and price checks below therefore apply to types 1–6 only.

Checks (see :mod:`mslab.data.report` for dropped / flagged / note):

* dropped: wrong number of fields or an unbalanced quote (``malformed_row``), bytes that do not
  decode (``undecodable_bytes``), a non-numeric value (``unparseable_value``), an empty or
  non-integer value where an integer is required (``missing_value``, ``non_integer_value``), an
  integer beyond ±2**62 (``out_of_range_integer``), an infinite time (``infinite_value``), a
  row whose partner in the other file was dropped (``paired_row_dropped``), rows beyond the end
  of the shorter file (``row_count_mismatch``);
* skipped: a blank line or a line without any number (a header) is no row of the file
  (``non_record_line``, reported as dropped): rows are paired by their position among the
  records, so message row i stays paired with book row i;
* flagged messages: ``unknown_type`` (not 1–7), ``bad_direction`` (not ±1),
  ``non_positive_size`` and ``bad_price`` (price ≤ 0 or a dummy price; types 1–6; for type 7
  a price outside {−1, 0, 1}), ``non_monotonic_time``, ``time_outside_window`` (outside
  [START, END] of the file name);
* flagged order-book rows: ``negative_size``, ``dummy_price_convention`` (an empty level
  without the dummy price, or a dummy price with a positive size), ``non_positive_price``,
  ``levels_not_sorted`` (ask prices not increasing / bid prices not decreasing over non-empty
  levels, or a non-empty level below an empty one), ``crossed_book`` (ask 1 < bid 1) and
  ``locked_book`` (ask 1 = bid 1), on rows where both level-1 quotes are present;
* notes: a file name outside the convention (then the time window is not checked), no
  order-book file found, file names that disagree (``file_name_mismatch`` is flagged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.data import report as rep
from mslab.data.report import Collector, DataValidationError, ValidationReport
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, MESSAGE_TYPES

MESSAGE_COLUMNS = ("time", "type", "order_id", "size", "price", "direction")

_NAME = re.compile(r"^(?P<ticker>.+?)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_"
                   r"(?P<kind>message|orderbook)_(?P<levels>\d+)(?P<suffix>\.csv|\.parquet)$")


@dataclass(frozen=True)
class LobsterName:
    """The parts of a conventional LOBSTER file name (start/end in milliseconds)."""

    ticker: str
    date: str
    start_ms: int
    end_ms: int
    kind: str
    levels: int
    suffix: str = ".csv"

    def sibling(self, kind: str) -> str:
        """The name of the file of ``kind`` in the same format (``.csv`` or ``.parquet``)."""
        return (f"{self.ticker}_{self.date}_{self.start_ms}_{self.end_ms}_{kind}_{self.levels}"
                f"{self.suffix}")


def parse_name(path: str | Path) -> LobsterName | None:
    """Parse a LOBSTER file name; None when it does not follow the convention."""
    m = _NAME.match(rep.check_output_path("path", path).name)
    if m is None:
        return None
    return LobsterName(m["ticker"], m["date"], int(m["start"]), int(m["end"]), m["kind"],
                       int(m["levels"]), m["suffix"])


def book_columns(levels: int) -> list[str]:
    """Names of the order-book columns in LOBSTER order."""
    return [f"{name}_{i}" for i in range(1, levels + 1)
            for name in ("ask_price", "ask_size", "bid_price", "bid_size")]


@dataclass(frozen=True, eq=False)
class LobsterData:
    """A loaded LOBSTER message file and (when found) its order-book file.

    ``messages`` has columns ``time`` (float64, seconds after midnight) and ``type``,
    ``order_id``, ``size``, ``price`` (dollars × 10000), ``direction`` (int64), indexed by row
    number. ``book`` is the int64 (n, 4·levels) array in LOBSTER column order, row i aligned
    with ``messages.iloc[i]`` (None without an order-book file). ``ticker``, ``date``
    (YYYY-MM-DD), ``start``/``end`` (seconds after midnight) come from the file name, None when
    it does not follow the convention.
    """

    messages: pd.DataFrame
    book: np.ndarray | None
    levels: int | None
    ticker: str | None
    date: str | None
    start: float | None
    end: float | None
    message_path: Path
    orderbook_path: Path | None
    report: ValidationReport

    def arrays(self) -> dict[str, np.ndarray]:
        """The messages as contiguous numpy arrays (``time`` float64, the rest int64)."""
        return {c: np.ascontiguousarray(self.messages[c].to_numpy()) for c in MESSAGE_COLUMNS}

    def book_frame(self) -> pd.DataFrame:
        """The order book as a DataFrame (columns ``ask_price_1, ask_size_1, bid_price_1, ...``)
        sharing the messages' index."""
        if self.book is None or self.levels is None:
            raise ValueError("this LobsterData has no order-book file")
        return pd.DataFrame(self.book, columns=book_columns(self.levels),
                            index=self.messages.index)


_INT64_MAX = np.iinfo(np.int64).max


def _to_int64(table: rep.Table, columns: list[str], collector: Collector) -> None:
    """Columns → int64; rows with an empty, non-integral or out-of-range (beyond ±2**62)
    value are dropped."""
    unsigned = [c for c in columns if pd.api.types.is_unsigned_integer_dtype(table.frame[c])]
    if unsigned:  # pandas reads 18446744073709551615 as uint64: it must not wrap to -1
        big = (table.frame[unsigned].to_numpy() > _INT64_MAX).any(axis=1)
        rep.drop_rows(table, big, collector, "out_of_range_integer",
                      "an integer beyond the int64 range")
        table.frame = table.frame.astype({c: np.int64 for c in unsigned})
    other = [c for c in columns if not pd.api.types.is_integer_dtype(table.frame[c])]
    if other:  # columns pandas did not read as integers: check value by value
        rep.to_numeric(table, other, collector)
        values = table.frame[other].to_numpy(dtype=np.float64)
        missing = np.isnan(values).any(axis=1)
        rep.drop_rows(table, missing, collector, "missing_value",
                      "an empty or NaN value where an integer is required")
        values = values[~missing]
        huge = (np.abs(values) > 2.0**62).any(axis=1)
        rep.drop_rows(table, huge, collector, "out_of_range_integer",
                      "an integer beyond ±2**62 (or infinite)")
        values = values[~huge]
        frac = (values != np.round(values)).any(axis=1)
        rep.drop_rows(table, frac, collector, "non_integer_value",
                      "a value that is not an integer where one is required")
        table.frame[other] = values[~frac].astype(np.int64)
    table.frame = table.frame.astype({c: np.int64 for c in columns})


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _read_parquet_columns(path: Path, columns: list[str]) -> rep.Table:
    """A Parquet copy with the named columns (any others are ignored), in that order."""
    table = rep.read_parquet(path)
    rep.require_columns(table, columns)
    table.frame = table.frame[columns]
    table.columns = list(columns)
    return table


def _read_messages(path: Path, collector: Collector) -> rep.Table:
    if _is_parquet(path):
        table = _read_parquet_columns(path, list(MESSAGE_COLUMNS))
        table.frame = table.frame.astype({"time": np.float64})
    else:
        table = rep.read_csv(path, collector, header=False, names=MESSAGE_COLUMNS, records=True)
    rep.to_numeric(table, ["time"], collector)
    rep.drop_rows(table, np.isnan(table.frame["time"].to_numpy()), collector, "missing_value",
                  "an empty or NaN time")
    rep.infinite(table, ["time"], collector, action="dropped")
    _to_int64(table, list(MESSAGE_COLUMNS[1:]), collector)
    return table


def _read_book(path: Path, levels: int | None, collector: Collector) -> tuple[rep.Table, int]:
    if _is_parquet(path):
        if levels is None:
            levels = sum(1 for c in rep.read_parquet(path).columns if c.startswith("ask_price_"))
        table = _read_parquet_columns(path, book_columns(levels))
    elif levels is None:
        table = rep.read_csv(path, collector, header=False, records=True)
        n = len(table.columns)
        if n % 4:
            raise DataValidationError(f"{path}: the first row has {n} fields; an order-book "
                                      "file has 4 per level (ask price, ask size, bid price, "
                                      "bid size)")
        levels = n // 4
        table.columns = book_columns(levels)
        table.frame.columns = table.columns
    else:
        table = rep.read_csv(path, collector, header=False, names=book_columns(levels),
                             records=True)
    _to_int64(table, table.columns, collector)
    return table, levels


def _check_messages(file: str, msg: pd.DataFrame, start: float | None, end: float | None,
                    collector: Collector) -> None:
    idx = msg.index
    t = msg["time"].to_numpy()
    typ = msg["type"].to_numpy()
    size = msg["size"].to_numpy()
    price = msg["price"].to_numpy()
    direction = msg["direction"].to_numpy()
    rep.flag(collector, file, idx, ~np.isin(typ, MESSAGE_TYPES), "unknown_type",
             "message type not in 1..7")
    rep.flag(collector, file, idx, (direction != 1) & (direction != -1), "bad_direction",
             "direction must be -1 (sell limit order) or 1 (buy limit order)")
    regular = np.isin(typ, MESSAGE_TYPES[:6])
    rep.flag(collector, file, idx, regular & (size <= 0), "non_positive_size",
             "size must be positive (message types 1-6)")
    dummy = (price == DUMMY_ASK) | (price == DUMMY_BID)
    rep.flag(collector, file, idx, regular & ((price <= 0) | dummy), "bad_price",
             "price must be positive and not a dummy price (message types 1-6)")
    rep.flag(collector, file, idx, (typ == 7) & ~np.isin(price, (-1, 0, 1)), "bad_price",
             "a trading-halt message (type 7) has price -1, 0 or 1")
    rep.flag_time_order(collector, file, idx, msg["time"], duplicates=False)
    if start is not None and end is not None:
        rep.flag(collector, file, idx, (t < start) | (t > end), "time_outside_window",
                 f"time outside the file's window [{start:g}, {end:g}] s")


@njit(cache=True)
def _rows_of(columns: np.ndarray) -> np.ndarray:
    """The C-ordered (n, k) array of the (k, n) ``columns``, written row by row (numpy's copy of
    a transposed array writes column by column, a cache line per element on a wide book)."""
    k, n = columns.shape
    out = np.empty((n, k), np.int64)
    for r in range(n):
        for j in range(k):
            out[r, j] = columns[j, r]
    return out


@njit(cache=True)
def _book_problems(book: np.ndarray) -> np.ndarray:
    """One pass over the order-book rows: for each row, the checks of :func:`_check_book` in
    its order (per side ask then bid: negative size, dummy-price convention, non-positive
    price, levels not sorted; then crossed, locked)."""
    n, levels = book.shape[0], book.shape[1] // 4
    out = np.zeros((n, 10), np.bool_)
    for r in range(n):
        for side in range(2):
            pcol = 2 * side
            dummy = DUMMY_ASK if side == 0 else DUMMY_BID
            c = 4 * side
            for lev in range(levels):
                p = book[r, 4 * lev + pcol]
                s = book[r, 4 * lev + pcol + 1]
                if s < 0:
                    out[r, c] = True
                if (s == 0) != (p == dummy):
                    out[r, c + 1] = True
                if s > 0 and p != dummy and p <= 0:
                    out[r, c + 2] = True
                if lev > 0 and s > 0:
                    step = p - book[r, 4 * lev - 4 + pcol]
                    if (step <= 0 if side == 0 else step >= 0) or book[r, 4 * lev - 3 + pcol] <= 0:
                        out[r, c + 3] = True
        if book[r, 1] > 0 and book[r, 3] > 0:
            out[r, 8] = book[r, 0] < book[r, 2]
            out[r, 9] = book[r, 0] == book[r, 2]
    return out


def _check_book(file: str, index: pd.Index, book: np.ndarray, collector: Collector) -> None:
    problems = _book_problems(book)
    for side, c, dummy in (("ask", 0, DUMMY_ASK), ("bid", 4, DUMMY_BID)):
        rep.flag(collector, file, index, problems[:, c], "negative_size",
                 f"a negative {side} size")
        rep.flag(collector, file, index, problems[:, c + 1], "dummy_price_convention",
                 f"an empty {side} level must have price {dummy} and size 0, and only an empty "
                 "one")
        rep.flag(collector, file, index, problems[:, c + 2], "non_positive_price",
                 f"a non-positive {side} price")
        if book.shape[1] > 4:
            rep.flag(collector, file, index, problems[:, c + 3], "levels_not_sorted",
                     f"{side} levels must be non-empty first, with prices "
                     f"{'increasing' if side == 'ask' else 'decreasing'} by level")
    rep.flag(collector, file, index, problems[:, 8], "crossed_book", "ask price 1 < bid price 1")
    rep.flag(collector, file, index, problems[:, 9], "locked_book", "ask price 1 = bid price 1")


def _pair_records(msg: rep.Table, bt: rep.Table,
                  collector: Collector) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The message and order-book rows paired by record, reporting rows without a partner."""
    mfile, bfile = msg.file, bt.file
    mlines, blines = msg.record_rows(), bt.record_rows()
    mrec = np.searchsorted(mlines, msg.frame.index.to_numpy()) + 1
    brec = np.searchsorted(blines, bt.frame.index.to_numpy()) + 1
    keep = np.intersect1d(mrec, brec)
    keep = keep[keep <= min(mlines.size, blines.size)]
    for table, lines, rec, other, other_n in ((msg, mlines, mrec, bfile, blines.size),
                                              (bt, blines, brec, mfile, mlines.size)):
        collector.add(table.file, "row_count_mismatch", "dropped", lines[other_n:],
                      f"{lines.size} rows but {other} has {other_n}; rows without a "
                      "partner dropped")
        lost = np.setdiff1d(rec, keep)
        lost = lost[lost <= other_n]
        collector.add(table.file, "paired_row_dropped", "dropped", lines[lost - 1],
                      f"the paired row of {other} was dropped")
    messages = msg.frame if mrec.size == keep.size else msg.frame[np.isin(mrec, keep)]
    bframe = bt.frame if brec.size == keep.size else bt.frame[np.isin(brec, keep)]
    return messages, bframe


def load_lobster(message_path: str | Path, orderbook_path: str | Path | None = None, *,
                 strict: bool = False) -> LobsterData:
    """Load and check a LOBSTER message file and its order-book file.

    ``orderbook_path=None`` looks for the sibling order-book file named by the convention
    (same ticker, date, window and level); without one the result has ``book=None`` and the
    report a note. Rows are paired by position: a row dropped from one file is dropped from
    the other too (``paired_row_dropped``). With ``strict=True`` any dropped or flagged row
    raises :class:`~mslab.data.report.DataValidationError`; otherwise the data is returned
    with its report (see the module docstring for the checks).
    """
    message_path = rep.check_path("message_path", message_path)
    if orderbook_path is not None:
        orderbook_path = rep.check_path("orderbook_path", orderbook_path)
    strict = rep.check_strict("strict", strict)
    collector = Collector()
    mfile = str(message_path)

    name = parse_name(message_path)
    if name is None or name.kind != "message":
        collector.note(mfile, "file_name", "the name does not follow the LOBSTER convention "
                       "TICKER_YYYY-MM-DD_STARTms_ENDms_message_LEVEL.csv (or .parquet); ticker, date and "
                       "levels are unknown and the time window is not checked")
        name = None
    if orderbook_path is None and name is not None:
        candidate = message_path.with_name(name.sibling("orderbook"))
        if candidate.is_file():
            orderbook_path = candidate
        else:
            collector.note(mfile, "no_orderbook_file", f"no order-book file {candidate.name} "
                           "next to the message file; loaded messages only")

    levels = name.levels if name is not None else None
    if orderbook_path is not None:
        bname = parse_name(orderbook_path)
        if bname is None or bname.kind != "orderbook":
            collector.note(str(orderbook_path), "file_name", "the name does not follow the "
                           "LOBSTER convention TICKER_YYYY-MM-DD_STARTms_ENDms_orderbook_"
                           "LEVEL.csv")
        elif name is not None and bname.sibling("message") != message_path.name:
            collector.note(str(orderbook_path), "file_name_mismatch",
                           f"ticker/date/window/levels differ from {message_path.name}",
                           action="flagged")
        elif levels is None:
            levels = bname.levels

    msg = _read_messages(message_path, collector)
    start = name.start_ms / 1000.0 if name is not None else None
    end = name.end_ms / 1000.0 if name is not None else None
    rows_read = {mfile: msg.n_rows}
    book = None
    if orderbook_path is None:
        messages = msg.frame
    else:
        bt, levels = _read_book(orderbook_path, levels, collector)
        bfile = bt.file
        rows_read[bfile] = bt.n_rows
        # Pair by record (a blank or header line is no record and shifts nothing); a record
        # dropped from one file takes its partner with it, and both are reported. When both
        # files kept every row and have as many, row i pairs with row i: nothing to search.
        if (msg.non_records.size == 0 and bt.non_records.size == 0
                and len(msg.frame) == msg.n_rows == bt.n_rows == len(bt.frame)):
            messages, bframe = msg.frame, bt.frame
        else:
            messages, bframe = _pair_records(msg, bt, collector)
        book = _rows_of(np.stack([bframe.iloc[:, j].to_numpy(dtype=np.int64)
                                  for j in range(bframe.shape[1])]))
        _check_book(bfile, messages.index, book, collector)
    _check_messages(mfile, messages, start, end, collector)

    report = rep.finish(collector, rows_read, len(messages), strict)
    return LobsterData(messages=messages, book=book, levels=levels,
                       ticker=name.ticker if name else None, date=name.date if name else None,
                       start=start, end=end, message_path=message_path,
                       orderbook_path=orderbook_path, report=report)


def write_lobster(directory: str | Path, ticker: str, date: str, start_ms: int, end_ms: int,
                  messages: dict[str, np.ndarray], book: np.ndarray) -> tuple[Path, Path]:
    """Write messages and order-book rows as a conventionally named LOBSTER file pair.

    ``messages`` maps the six message columns to equal-length arrays; ``book`` is the int64
    (n, 4·levels) array. Times are written with 9 decimals (nanoseconds). Returns the
    (message, order-book) paths.
    """
    if not isinstance(ticker, str) or not re.fullmatch(r"[A-Za-z0-9.\-]+", ticker):
        _validate.fail("ticker", ticker, "a non-empty string of letters, digits, '.' or '-'")
    if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        _validate.fail("date", date, "a date string YYYY-MM-DD")
    start_ms = _validate.integer("start_ms", start_ms, low=0, high=86_400_000)
    end_ms = _validate.integer("end_ms", end_ms, low=start_ms, high=86_400_000,
                               low_name="start_ms")
    out = rep.check_output_path("directory", directory)
    if not isinstance(messages, dict):
        _validate.fail("messages", messages, f"a mapping with keys {MESSAGE_COLUMNS}")
    missing = [c for c in MESSAGE_COLUMNS if c not in messages]
    if missing:
        _validate.fail("messages", sorted(messages), f"a mapping with keys {MESSAGE_COLUMNS}")
    cols = [np.asarray(messages[c]) for c in MESSAGE_COLUMNS]
    n = cols[0].shape[0]
    book = np.asarray(book)
    if (any(c.shape != (n,) for c in cols) or book.ndim != 2 or book.shape[0] != n
            or book.shape[1] % 4 or book.shape[1] == 0 or book.dtype.kind not in "iu"):
        _validate.fail("book", f"array of shape {book.shape}",
                       f"an integer array of shape ({n}, 4*levels) matching the messages")
    levels = book.shape[1] // 4
    out.mkdir(parents=True, exist_ok=True)
    name = LobsterName(ticker, date, start_ms, end_ms, "message", levels)
    mpath, bpath = out / name.sibling("message"), out / name.sibling("orderbook")
    frame = pd.DataFrame({c: col.astype(np.float64 if c == "time" else np.int64)
                          for c, col in zip(MESSAGE_COLUMNS, cols, strict=True)})
    frame.to_csv(mpath, header=False, index=False, float_format="%.9f", lineterminator="\n")
    pd.DataFrame(book.astype(np.int64)).to_csv(bpath, header=False, index=False,
                                               lineterminator="\n")
    return mpath, bpath
