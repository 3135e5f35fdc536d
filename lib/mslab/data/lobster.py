"""LOBSTER message and order-book files (lobsterdata.com): checked loading and writing.

Files are named ``TICKER_YYYY-MM-DD_STARTms_ENDms_message_LEVEL.csv`` and
``TICKER_YYYY-MM-DD_STARTms_ENDms_orderbook_LEVEL.csv``: no header, one row per event in each,
and row i of the order book is the state of the book *after* message i. START and END are
milliseconds after midnight (34200000 = 09:30, 57600000 = 16:00). Parquet copies named the
same way with ``.parquet`` for ``.csv`` (message columns ``MESSAGE_COLUMNS``, order-book
columns ``book_columns(levels)``, as in ``data/lobster/``) and gzip-compressed CSV files
(``.csv.gz``, as LOBSTER's downloads are often kept) load the same way and get the same checks;
the order-book file looked up next to a message file has the message file's format.

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
import pyarrow as pa
import pyarrow.parquet as pq
from numba import njit

from mslab import _validate
from mslab.data import report as rep
from mslab.data.report import Collector, DataValidationError, ValidationReport
from mslab.orderbook.messages import CROSS, DUMMY_ASK, DUMMY_BID, HALT, NEW

MESSAGE_COLUMNS = ("time", "type", "order_id", "size", "price", "direction")
# Column types of the Parquet copies in data/lobster (tools/convert_real_data.py); the
# order-book columns are int64 (the dummy prices need more than 32 bits). The loader takes any
# numeric types.
PARQUET_TYPES = {"time": np.float64, "type": np.int8, "order_id": np.int64, "size": np.int64,
                 "price": np.int64, "direction": np.int8}

_NAME = re.compile(r"^(?P<ticker>.+?)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_"
                   r"(?P<kind>message|orderbook)_(?P<levels>\d+)(?P<suffix>\.csv|\.csv\.gz|\.parquet)$")


@dataclass(frozen=True)
class LobsterName:
    """The parts of a conventional LOBSTER file name (start/end in milliseconds).

    Attributes
    ----------
    ticker : str
        Instrument, e.g. ``"AMZN"``.
    date : str
        Trading day, ``YYYY-MM-DD``.
    start_ms : int
        Start of the window, ms after midnight.
    end_ms : int
        End of the window, ms after midnight.
    kind : str
        ``"message"`` or ``"orderbook"``.
    levels : int
        Number of book levels.
    suffix : str
        ``".csv"`` (default), ``".csv.gz"`` or ``".parquet"``.
    """

    ticker: str
    date: str
    start_ms: int
    end_ms: int
    kind: str
    levels: int
    suffix: str = ".csv"

    def sibling(self, kind: str) -> str:
        """The name of the file of ``kind`` in the same format (``.csv``, ``.csv.gz`` or
        ``.parquet``).

        Parameters
        ----------
        kind : str
            ``"message"`` or ``"orderbook"`` (not checked).

        Returns
        -------
        str
            ``TICKER_DATE_START_END_KIND_LEVELS`` followed by the suffix (a name, no
            directory).
        """
        return (f"{self.ticker}_{self.date}_{self.start_ms}_{self.end_ms}_{kind}_{self.levels}"
                f"{self.suffix}")


def parse_name(path: str | Path) -> LobsterName | None:
    """Parse a LOBSTER file name; None when it does not follow the convention.

    Parameters
    ----------
    path : str or pathlib.Path
        A path; only its last component is parsed and the file need not exist.

    Returns
    -------
    LobsterName or None
        The parts of the name; None unless it matches
        ``TICKER_YYYY-MM-DD_START_END_{message|orderbook}_LEVEL`` with suffix ``.csv``,
        ``.csv.gz`` or ``.parquet``.

    Raises
    ------
    ValueError
        If ``path`` is not a non-empty str or pathlib.Path.
    """
    m = _NAME.match(rep.check_output_path("path", path).name)
    if m is None:
        return None
    return LobsterName(m["ticker"], m["date"], int(m["start"]), int(m["end"]), m["kind"],
                       int(m["levels"]), m["suffix"])


def book_columns(levels: int) -> list[str]:
    """Names of the order-book columns in LOBSTER order.

    Parameters
    ----------
    levels : int
        Number of levels (not validated).

    Returns
    -------
    list of str
        ``ask_price_1, ask_size_1, bid_price_1, bid_size_1, ask_price_2, ...``: 4·levels names.
    """
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

    Attributes
    ----------
    messages : pandas.DataFrame
        The kept messages (columns above), indexed by row number (``row``).
    book : numpy.ndarray or None
        int64, shape (n_messages, 4·levels): prices in dollars × 10000, sizes in shares.
    levels : int or None
        Book levels, from the file names or the order-book file; None when unknown.
    ticker : str or None
        Instrument, from the file name.
    date : str or None
        Trading day ``YYYY-MM-DD``, from the file name.
    start : float or None
        Start of the window (seconds after midnight), from the file name.
    end : float or None
        End of the window (seconds after midnight), from the file name.
    message_path : pathlib.Path
        The message file read.
    orderbook_path : pathlib.Path or None
        The order-book file read, None when there was none.
    report : ValidationReport
        Every dropped or flagged row and the notes.
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
        """The messages as contiguous numpy arrays (``time`` float64, the rest int64).

        Returns
        -------
        dict
            One array of shape (n_messages,) per message column (``time``, ``type``,
            ``order_id``, ``size``, ``price``, ``direction``), units as in ``messages``.
        """
        return {c: np.ascontiguousarray(self.messages[c].to_numpy()) for c in MESSAGE_COLUMNS}

    def book_frame(self) -> pd.DataFrame:
        """The order book as a DataFrame (columns ``ask_price_1, ask_size_1, bid_price_1, ...``)
        sharing the messages' index.

        Returns
        -------
        pandas.DataFrame
            int64 columns ``book_columns(levels)``: prices in dollars × 10000, sizes in
            shares.

        Raises
        ------
        ValueError
            If no order-book file was loaded.
        """
        if self.book is None or self.levels is None:
            raise ValueError("this LobsterData has no order-book file")
        return pd.DataFrame(self.book, columns=book_columns(self.levels),
                            index=self.messages.index)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


@dataclass
class _Rows:
    """The kept rows of one file as numpy arrays: ``values`` one array per column (in the
    order asked for), ``rows`` their row numbers; ``n_rows``, ``non_records`` and
    ``first_row`` as in :class:`~mslab.data.report.Table`."""

    file: str
    values: list[np.ndarray]
    rows: np.ndarray
    n_rows: int
    non_records: np.ndarray
    first_row: int = 1

    @classmethod
    def of_table(cls, table: rep.Table, dtypes: list[type]) -> _Rows:
        frame = table.frame
        values = [np.ascontiguousarray(frame.iloc[:, j].to_numpy(dtype=dtype))
                  for j, dtype in enumerate(dtypes)]
        return cls(table.file, values, frame.index.to_numpy(dtype=np.int64), table.n_rows,
                   table.non_records, table.first_row)

    def record_rows(self) -> np.ndarray:
        return rep.record_rows(self.first_row, self.n_rows, self.non_records)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the rows where ``mask`` is true."""
        self.values = [v[mask] for v in self.values]
        self.rows = self.rows[mask]

    def drop(self, mask: np.ndarray, collector: Collector, problem: str, detail: str) -> None:
        """Drop the rows where ``mask`` is true, reporting them (as :func:`report.drop_rows`)."""
        if mask.any():
            collector.add(self.file, problem, "dropped", self.rows[mask], detail)
            self.keep(~mask)


def _parquet_arrays(path: Path, columns: list[str], time_first: bool) -> _Rows | None:
    """The named columns of a Parquet file straight from Arrow as numpy arrays (the first one
    float64 when ``time_first``, the others int64), or None when some column is not one of the
    types this path takes whole: no nulls, the time any number, the others signed integers or
    unsigned ones of up to 32 bits (everything else goes through the general pandas path,
    which reports value by value)."""
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DataValidationError(f"{path}: cannot be read as Parquet ({exc})") from exc
    names = [str(c).strip() for c in schema.names]
    rep.check_columns(str(path), names, columns)
    if any(names.count(c) != 1 for c in columns):
        return None
    fields = [schema.field(names.index(c)) for c in columns]
    for j, f in enumerate(fields):
        number = pa.types.is_integer(f.type) or (
            j == 0 and time_first and pa.types.is_floating(f.type))
        if not number or (pa.types.is_unsigned_integer(f.type) and f.type.bit_width > 32):
            return None
    try:
        table = pq.read_table(path, columns=[f.name for f in fields])
    except Exception as exc:
        raise DataValidationError(f"{path}: cannot be read as Parquet ({exc})") from exc
    if any(col.null_count for col in table.columns):
        return None
    values = [np.asarray((col.chunk(0) if col.num_chunks == 1 else col).to_numpy(),
                         dtype=np.float64 if j == 0 and time_first else np.int64)
              for j, col in enumerate(table.columns)]
    n = table.num_rows
    return _Rows(str(path), values, np.arange(1, n + 1, dtype=np.int64), n,
                 np.empty(0, dtype=np.int64))


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
    other = [c for c in columns if not pd.api.types.is_integer_dtype(table.frame[c])
             or table.frame[c].hasnans]  # (a nullable integer column may hold NA)
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


def _read_parquet_columns(path: Path, columns: list[str]) -> rep.Table:
    """A Parquet copy with the named columns (any others are ignored), in that order."""
    table = rep.read_parquet(path)
    rep.require_columns(table, columns)
    table.frame = table.frame[columns]
    table.columns = list(columns)
    return table


_NAN_TIME = "an empty or NaN time"


def _read_messages(path: Path, collector: Collector) -> _Rows:
    if _is_parquet(path):
        fast = _parquet_arrays(path, list(MESSAGE_COLUMNS), time_first=True)
        if fast is not None:
            time = fast.values[0]
            if not np.isfinite(time).all():
                fast.drop(np.isnan(time), collector, "missing_value", _NAN_TIME)
                fast.drop(np.isinf(fast.values[0]), collector, "infinite_value",
                          "an infinite value in column(s) time")
            return fast
        table = _read_parquet_columns(path, list(MESSAGE_COLUMNS))
        table.frame = table.frame.astype({"time": np.float64})
    else:
        table = rep.read_csv(path, collector, header=False, names=MESSAGE_COLUMNS, records=True)
    rep.to_numeric(table, ["time"], collector)
    rep.drop_rows(table, np.isnan(table.frame["time"].to_numpy()), collector, "missing_value",
                  _NAN_TIME)
    rep.infinite(table, ["time"], collector, action="dropped")
    _to_int64(table, list(MESSAGE_COLUMNS[1:]), collector)
    return _Rows.of_table(table, [np.float64] + [np.int64] * (len(MESSAGE_COLUMNS) - 1))


def _read_book(path: Path, levels: int | None, collector: Collector) -> tuple[_Rows, int]:
    if levels == 0:
        raise DataValidationError(f"{path}: the file name gives 0 levels; an order-book file "
                                  "has at least one")
    if _is_parquet(path):
        if levels is None:
            try:
                names = pq.read_schema(path).names
            except Exception as exc:
                raise DataValidationError(f"{path}: cannot be read as Parquet ({exc})") from exc
            levels = sum(1 for c in names if str(c).strip().startswith("ask_price_"))
        if levels == 0:
            raise DataValidationError(f"{path}: no order-book columns (ask_price_1, "
                                      "ask_size_1, bid_price_1, bid_size_1, ...)")
        fast = _parquet_arrays(path, book_columns(levels), time_first=False)
        if fast is not None:
            return fast, levels
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
    return _Rows.of_table(table, [np.int64] * len(table.columns)), levels


@njit(cache=True, inline="always")
def _record(bits: np.ndarray, counts: np.ndarray, i: int, b: int) -> None:
    """Store the problem bits ``b`` of row ``i`` and count each problem."""
    if b:
        bits[i] = b
        for j in range(counts.size):
            if b & (1 << j):
                counts[j] += 1


# Problems of a message row, one bit each, in the order they are reported: (problem, detail).
_MESSAGE_PROBLEMS = (
    ("unknown_type", "message type not in 1..7"),
    ("bad_direction", "direction must be -1 (sell limit order) or 1 (buy limit order)"),
    ("non_positive_size", "size must be positive (message types 1-6)"),
    ("bad_price", "price must be positive and not a dummy price (message types 1-6)"),
    ("bad_price", "a trading-halt message (type 7) has price -1, 0 or 1"),
    ("non_monotonic_time", "time is earlier than on the previous row"),
    ("time_outside_window", "time outside the file's window [{start:g}, {end:g}] s"),
)


@njit(cache=True)
def _message_problems(time, kind, size, price, direction, start, end, bits):
    """One pass over the messages: set bit b of ``bits[i]`` when message i has problem b of
    ``_MESSAGE_PROBLEMS``; return how many messages have each."""
    counts = np.zeros(7, np.int64)
    for i in range(kind.size):
        b = 0
        k = kind[i]
        if k < NEW or k > HALT:
            b |= 1
        if direction[i] != 1 and direction[i] != -1:
            b |= 2
        p = price[i]
        if NEW <= k <= CROSS:
            if size[i] <= 0:
                b |= 4
            if p <= 0 or p == DUMMY_ASK or p == DUMMY_BID:
                b |= 8
        elif k == HALT and (p < -1 or p > 1):
            b |= 16
        if i > 0 and time[i] < time[i - 1]:
            b |= 32
        if time[i] < start or time[i] > end:
            b |= 64
        _record(bits, counts, i, b)
    return counts


def _check_messages(file: str, values: list[np.ndarray], rows: np.ndarray, start: float | None,
                    end: float | None, collector: Collector) -> None:
    t, typ, _, size, price, direction = values
    for v in values:  # one array type whichever path read them: one compiled specialisation
        v.flags.writeable = False
    window = start is not None and end is not None
    bits = np.zeros(t.size, np.uint8)
    counts = _message_problems(t, typ, size, price, direction,
                               start if window else -np.inf, end if window else np.inf, bits)
    for j, (problem, detail) in enumerate(_MESSAGE_PROBLEMS):
        if counts[j]:
            rep.flag(collector, file, rows, (bits & (1 << j)) != 0, problem,
                     detail.format(start=start, end=end))


_BLOCK = 1024  # rows per block when columns are written into rows


@njit(cache=True, inline="always")
def _row_problems(book: np.ndarray, r: int) -> int:
    """The problems of order-book row ``r``, one bit each: per side ask (bits 0–3) then bid
    (4–7) negative size, dummy-price convention, non-positive price, levels not sorted; then
    crossed (8), locked (9)."""
    levels = book.shape[1] // 4
    b = 0
    for side in range(2):
        pcol = 2 * side
        dummy = DUMMY_ASK if side == 0 else DUMMY_BID
        c = 4 * side
        for lev in range(levels):
            p = book[r, 4 * lev + pcol]
            s = book[r, 4 * lev + pcol + 1]
            if s < 0:
                b |= 1 << c
            if (s == 0) != (p == dummy):
                b |= 1 << (c + 1)
            if s > 0 and p != dummy and p <= 0:
                b |= 1 << (c + 2)
            if lev > 0 and s > 0:
                step = p - book[r, 4 * lev - 4 + pcol]
                if (step <= 0 if side == 0 else step >= 0) or book[r, 4 * lev - 3 + pcol] <= 0:
                    b |= 1 << (c + 3)
    if book[r, 1] > 0 and book[r, 3] > 0:
        if book[r, 0] < book[r, 2]:
            b |= 1 << 8
        elif book[r, 0] == book[r, 2]:
            b |= 1 << 9
    return b


@njit(cache=True)
def _fill_and_check(columns, out, bits):
    """Write the ``columns`` (a tuple of k equal-length int64 arrays) into the rows of the
    (n, k) order book ``out`` and check each row: set ``bits[r]`` to the problems of row r
    (:func:`_row_problems`) and return how many rows have each. A block of rows at a time,
    a column at a time within the block: the block stays in cache for its check (writing
    a whole column at once would touch a cache line per value of a wide book)."""
    n = out.shape[0]
    counts = np.zeros(10, np.int64)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        for j in range(len(columns)):
            col = columns[j]
            for r in range(start, stop):
                out[r, j] = col[r]
        for r in range(start, stop):
            _record(bits, counts, r, _row_problems(out, r))
    return counts


def _book_checked(file: str, rows: np.ndarray, values: list[np.ndarray],
                  collector: Collector) -> np.ndarray:
    """The C-ordered int64 (n, k) order book of its k columns, its rows (numbered ``rows``)
    checked and their problems reported."""
    columns = tuple(np.require(v, np.int64, ["C"]) for v in values)
    for col in columns:  # one array type for all: numba compiles one tuple type per width
        col.flags.writeable = False
    n = columns[0].size
    book = np.empty((n, len(columns)), np.int64)
    bits = np.zeros(n, np.uint16)
    counts = _fill_and_check(columns, book, bits)
    if not counts.any():
        return book

    def flag(j: int, problem: str, detail: str) -> None:
        if counts[j]:
            rep.flag(collector, file, rows, (bits & (1 << j)) != 0, problem, detail)

    for side, c, dummy in (("ask", 0, DUMMY_ASK), ("bid", 4, DUMMY_BID)):
        flag(c, "negative_size", f"a negative {side} size")
        flag(c + 1, "dummy_price_convention",
             f"an empty {side} level must have price {dummy} and size 0, and only an empty one")
        flag(c + 2, "non_positive_price", f"a non-positive {side} price")
        if book.shape[1] > 4:
            flag(c + 3, "levels_not_sorted",
                 f"{side} levels must be non-empty first, with prices "
                 f"{'increasing' if side == 'ask' else 'decreasing'} by level")
    flag(8, "crossed_book", "ask price 1 < bid price 1")
    flag(9, "locked_book", "ask price 1 = bid price 1")
    return book


def _pair_records(msg: _Rows, bt: _Rows, collector: Collector) -> None:
    """Keep the message and order-book rows paired by record, reporting rows without a
    partner."""
    mfile, bfile = msg.file, bt.file
    mlines, blines = msg.record_rows(), bt.record_rows()
    mrec = np.searchsorted(mlines, msg.rows) + 1
    brec = np.searchsorted(blines, bt.rows) + 1
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
    if mrec.size != keep.size:
        msg.keep(np.isin(mrec, keep))
    if brec.size != keep.size:
        bt.keep(np.isin(brec, keep))


def load_lobster(message_path: str | Path, orderbook_path: str | Path | None = None, *,
                 strict: bool = False) -> LobsterData:
    """Load and check a LOBSTER message file and its order-book file.

    ``orderbook_path=None`` looks for the sibling order-book file named by the convention
    (same ticker, date, window and level); without one the result has ``book=None`` and the
    report a note. Rows are paired by position: a row dropped from one file is dropped from
    the other too (``paired_row_dropped``). With ``strict=True`` any dropped or flagged row
    raises :class:`~mslab.data.report.DataValidationError`; otherwise the data is returned
    with its report (see the module docstring for the checks).

    Parameters
    ----------
    message_path : str or pathlib.Path
        An existing message file (CSV, gzip-compressed CSV or Parquet).
    orderbook_path : str or pathlib.Path or None
        An existing order-book file; None (default) looks for the sibling named by the
        convention.
    strict : bool
        With True, any dropped or flagged row raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    LobsterData
        The kept, paired messages and book rows, with the validation report.

    Raises
    ------
    ValueError
        If a path is not an existing file or ``strict`` is not a bool.
    DataValidationError
        If a file cannot be read or parsed, or (``strict=True``) a row is dropped or flagged.
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
    if orderbook_path is not None:
        bt, levels = _read_book(orderbook_path, levels, collector)
        rows_read[bt.file] = bt.n_rows
        # Pair by record (a blank or header line is no record and shifts nothing); a record
        # dropped from one file takes its partner with it, and both are reported. When both
        # files kept every row and have as many, row i pairs with row i: nothing to search.
        if not (msg.non_records.size == 0 and bt.non_records.size == 0
                and msg.rows.size == msg.n_rows == bt.n_rows == bt.rows.size):
            _pair_records(msg, bt, collector)
        book = _book_checked(bt.file, msg.rows, bt.values, collector)
    _check_messages(mfile, msg.values, msg.rows, start, end, collector)
    messages = pd.DataFrame(dict(zip(MESSAGE_COLUMNS, msg.values, strict=True)),
                            index=pd.Index(msg.rows, name="row"))

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

    Parameters
    ----------
    directory : str or pathlib.Path
        Output directory, created if missing; existing files of the same names are replaced.
    ticker : str
        Instrument: letters, digits, ``.`` or ``-``.
    date : str
        Trading day, ``YYYY-MM-DD``.
    start_ms : int
        Start of the window, ms after midnight (0..86,400,000).
    end_ms : int
        End of the window, ms after midnight (``start_ms``..86,400,000).
    messages : dict
        The six message columns (``time`` in seconds after midnight; ``price`` in dollars ×
        10000), arrays of shape (n,); ``time`` is written as float64, the others as int64.
    book : numpy.ndarray
        Integer array of shape (n, 4·levels), LOBSTER column order.

    Returns
    -------
    tuple
        ``(message_path, orderbook_path)``, both pathlib.Path, named
        ``TICKER_DATE_START_END_{message|orderbook}_LEVELS.csv``.

    Raises
    ------
    ValueError
        If a parameter is not of the form above, a message column is missing or the columns
        are not 1-D arrays of one length n (the message names ``messages`` and the columns'
        shapes), or ``book`` is not an integer array of shape (n, 4·levels).
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
    n = cols[0].shape[0] if cols[0].ndim == 1 else -1
    if n < 0 or any(c.shape != (n,) for c in cols):
        shapes = ", ".join(f"{c} {col.shape}" for c, col in zip(MESSAGE_COLUMNS, cols,
                                                                 strict=True))
        _validate.fail("messages", f"<columns of shapes {shapes}>",
                       "a mapping of the six message columns to 1-D arrays of one length n")
    book = np.asarray(book)
    if (book.ndim != 2 or book.shape[0] != n or book.shape[1] % 4 or book.shape[1] == 0
            or book.dtype.kind not in "iu"):
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
