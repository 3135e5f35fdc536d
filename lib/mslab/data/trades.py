"""Generic trade and quote files: checked loading (CSV with header, or Parquet).

Trades have columns ``time, price, size, side``; quotes have ``time, bid, ask, bid_size,
ask_size``. Extra columns are ignored (and noted in the report). Units are the file's own:
prices in currency, sizes in shares/contracts/coins.

``time`` is either numeric (taken as seconds, e.g. after midnight or since an epoch, returned
as float64) or ISO 8601 date-times (returned as datetime64[ns, UTC]); the loader uses whichever
reading parses more rows. ``side`` is the aggressor: ``buy``/``b``/``1`` for a
buyer-initiated trade, ``sell``/``s``/``-1`` for a seller-initiated one (case-insensitive);
it is returned as int8 ±1.

Checks (see :mod:`mslab.data.report`): dropped — ``malformed_row``, ``undecodable_bytes``,
``unparseable_value``, ``unparseable_time`` (also an infinite numeric time), ``unknown_side``;
flagged — ``missing_value`` (NaN or empty price or size), ``infinite_value``, ``non_monotonic_time``, ``non_positive_price``, ``non_positive_size`` (trades; for
quotes ``negative_size``, and ``empty_quote`` for a zero size), ``crossed_quote`` (ask < bid)
and ``locked_quote`` (ask = bid). Missing columns raise
:class:`~mslab.data.report.DataValidationError`, naming them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mslab.data import report as rep
from mslab.data.report import Collector, ValidationReport

TRADE_COLUMNS = ("time", "price", "size", "side")
QUOTE_COLUMNS = ("time", "bid", "ask", "bid_size", "ask_size")
_BUY = {"buy", "b", "1", "+1", "1.0"}
_SELL = {"sell", "s", "-1", "-1.0"}


@dataclass(frozen=True, eq=False)
class Trades:
    """Loaded trades: ``frame`` with ``time``, ``price`` (float64), ``size`` (float64),
    ``side`` (int8, +1 buyer-initiated, −1 seller-initiated), indexed by row number.

    Attributes
    ----------
    frame : pandas.DataFrame
        The kept rows; ``time`` is float64 seconds or datetime64[ns, UTC] (module docstring),
        prices in currency, sizes in the file's units.
    path : pathlib.Path
        The file read.
    report : ValidationReport
        Every dropped or flagged row and the notes.
    """

    frame: pd.DataFrame
    path: Path
    report: ValidationReport


@dataclass(frozen=True, eq=False)
class Quotes:
    """Loaded quotes: ``frame`` with ``time``, ``bid``, ``ask``, ``bid_size``, ``ask_size``
    (float64), indexed by row number.

    Attributes
    ----------
    frame : pandas.DataFrame
        The kept rows; ``time`` is float64 seconds or datetime64[ns, UTC] (module docstring),
        prices in currency, sizes in the file's units.
    path : pathlib.Path
        The file read.
    report : ValidationReport
        Every dropped or flagged row and the notes.
    """

    frame: pd.DataFrame
    path: Path
    report: ValidationReport


def _start(path: str | Path, strict: bool, wanted: tuple[str, ...]
           ) -> tuple[Path, bool, Collector, rep.Table]:
    path = rep.check_path("path", path)
    strict = rep.check_strict("strict", strict)
    collector = Collector()
    table = rep.read_table(path, collector)
    rep.require_columns(table, wanted)
    ignored = [c for c in table.columns if c not in wanted]
    if ignored:
        collector.note(table.file, "ignored_columns", "columns outside the schema were "
                       "ignored: " + ", ".join(ignored[:10]), count=len(ignored))
    table.frame = table.frame[list(wanted)].copy()
    return path, strict, collector, table


def _parse_time(table: rep.Table, collector: Collector) -> None:
    raw = table.frame["time"]
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw):
        table.frame["time"] = pd.to_datetime(raw, utc=True).astype("datetime64[ns, UTC]")
        bad = table.frame["time"].isna().to_numpy()
    elif pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        table.frame["time"] = raw.astype(np.float64)
        bad = ~np.isfinite(table.frame["time"].to_numpy())
    else:
        as_number = pd.to_numeric(raw, errors="coerce")
        as_date = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
        if as_number.notna().sum() >= as_date.notna().sum():
            table.frame["time"] = as_number.astype(np.float64)
            bad = ~np.isfinite(table.frame["time"].to_numpy())
        else:
            table.frame["time"] = as_date.astype("datetime64[ns, UTC]")
            bad = table.frame["time"].isna().to_numpy()
    rep.drop_rows(table, bad, collector, "unparseable_time",
                  "time is empty, infinite or neither a number (seconds) nor an ISO 8601 "
                  "date-time")


def _flag_common(table: rep.Table, collector: Collector, values: list[str]) -> None:
    rep.infinite(table, values, collector)
    frame = table.frame
    nan = frame[values].isna().to_numpy()
    cols = [values[j] for j in np.flatnonzero(nan.any(axis=0))]
    rep.flag(collector, table.file, frame.index, nan.any(axis=1), "missing_value",
             "NaN or empty value in column(s) " + ", ".join(cols))
    rep.flag_time_order(collector, table.file, frame.index, frame["time"],
                        duplicates=False)


def load_trades(path: str | Path, *, strict: bool = False) -> Trades:
    """Load and check a trades file (``time, price, size, side``); see the module docstring.

    Parameters
    ----------
    path : str or pathlib.Path
        An existing CSV file with a header, or a Parquet file (suffix ``.parquet`` or ``.pq``).
    strict : bool
        With True, any dropped or flagged row raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    Trades
        The kept rows, typed, with the validation report.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file or ``strict`` is not a bool.
    mslab.data.report.DataValidationError
        If the file cannot be read, a column is missing, or (``strict=True``) a row is
        dropped or flagged.
    """
    path, strict, collector, table = _start(path, strict, TRADE_COLUMNS)
    _parse_time(table, collector)
    side_text = table.frame["side"].astype(str).str.strip().str.lower()
    buy, sell = side_text.isin(_BUY).to_numpy(), side_text.isin(_SELL).to_numpy()
    rep.drop_rows(table, ~(buy | sell), collector, "unknown_side",
                  "side must be buy/b/1 or sell/s/-1")
    keep = (buy | sell)
    table.frame["side"] = np.where(buy[keep], 1, -1).astype(np.int8)
    rep.to_numeric(table, ["price", "size"], collector)
    _flag_common(table, collector, ["price", "size"])
    frame, file = table.frame, table.file
    rep.flag(collector, file, frame.index, frame["price"].to_numpy() <= 0, "non_positive_price",
             "price <= 0")
    rep.flag(collector, file, frame.index, frame["size"].to_numpy() <= 0, "non_positive_size",
             "size <= 0")
    report = rep.finish(collector, {file: table.n_rows}, len(frame), strict)
    return Trades(frame=frame, path=path, report=report)


def load_quotes(path: str | Path, *, strict: bool = False) -> Quotes:
    """Load and check a quotes file (``time, bid, ask, bid_size, ask_size``); see the module
    docstring.

    Parameters
    ----------
    path : str or pathlib.Path
        An existing CSV file with a header, or a Parquet file (suffix ``.parquet`` or ``.pq``).
    strict : bool
        With True, any dropped or flagged row raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    Quotes
        The kept rows, typed, with the validation report.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file or ``strict`` is not a bool.
    mslab.data.report.DataValidationError
        If the file cannot be read, a column is missing, or (``strict=True``) a row is
        dropped or flagged.
    """
    path, strict, collector, table = _start(path, strict, QUOTE_COLUMNS)
    _parse_time(table, collector)
    rep.to_numeric(table, list(QUOTE_COLUMNS[1:]), collector)
    _flag_common(table, collector, list(QUOTE_COLUMNS[1:]))
    frame, file, idx = table.frame, table.file, table.frame.index
    bid, ask = frame["bid"].to_numpy(), frame["ask"].to_numpy()
    sizes = frame[["bid_size", "ask_size"]].to_numpy()
    rep.flag(collector, file, idx, (bid <= 0) | (ask <= 0), "non_positive_price",
             "bid or ask <= 0")
    rep.flag(collector, file, idx, (sizes < 0).any(axis=1), "negative_size",
             "bid_size or ask_size < 0")
    rep.flag(collector, file, idx, (sizes == 0).any(axis=1), "empty_quote",
             "bid_size or ask_size = 0")
    rep.flag(collector, file, idx, ask < bid, "crossed_quote", "ask < bid")
    rep.flag(collector, file, idx, ask == bid, "locked_quote", "ask = bid")
    report = rep.finish(collector, {file: table.n_rows}, len(frame), strict)
    return Quotes(frame=frame, path=path, report=report)
