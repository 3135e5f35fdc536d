"""Price data for the pairs-trading chapter, and the checks every pairs function applies to it.

Data sets (both are daily or monthly *closing prices in US dollars*, indexed by date):

``load_prices`` daily adjusted closes of a *price file*: by default the 20 large US stocks
                shipped in ``data/pairs/sp500_prices.parquet`` (1990-01-02 to 2022-12-28,
                8313 trading days), extracted once from skfolio's S&P 500 data set
                (BSD-3-Clause) by ``tools/extract_sp500.py``. Prices are rounded to 0.001 $,
                so early low-priced series (AAPL 0.264 $ in 1990) carry up to 0.2 % rounding
                noise. :func:`read_prices` reads any file of the same format and reports what
                it found wrong.
``load_crude``  monthly Brent and WTI spot prices, 1987-05 to 2020-01 (393 months), from
                ``arch.data.crude`` (FRED data shipped with arch); dated the 15th of each month.

A *price file* is CSV (a header line) or Parquet (``.parquet``/``.pq``) holding one date per
row: the dates in a column named ``date`` (or ``Date``, ``datetime``, ``time``, ``timestamp``,
``day``; else the first column; in Parquet also the stored index) and one column of prices per
ticker, everything else being a ticker. :func:`read_prices` checks it as the loaders of
:mod:`mslab.data` do (:mod:`mslab.data.report`; CSV rows are line numbers, the header being
line 1): dropped — ``malformed_row``, ``unparseable_value`` (a price that is not a number),
``unparseable_date`` (no date or one that does not parse), ``duplicate_date`` (the second and
later rows of a date), ``missing_price`` (a date on which a kept ticker has no valid price);
flagged — ``non_monotonic_time`` (rows out of date order: kept, sorted), ``invalid_price``
(a price that is ≤ 0 or infinite: treated as missing), ``low_coverage`` (a ticker with a valid
price on fewer than ``min_coverage`` of the dates: the whole column is dropped, so that a late
listing or a delisting does not cost every other ticker those dates). Prices are never filled.

:func:`year_blocks` cuts a calendar into consecutive blocks of whole calendar years (for
sub-period checks), the last block possibly shorter.

A *price table* is a DataFrame with a strictly increasing, duplicate-free DatetimeIndex and
one column per asset holding finite prices > 0. :func:`check_prices` enforces that and names
the offending column and date; :func:`pair_prices` does the same for two Series that must
share one calendar.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _REPO_ROOT, _validate
from mslab.data import report as rep
from mslab.data.report import Collector, DataValidationError, ValidationReport

SP500_FILE = _REPO_ROOT / "data" / "pairs" / "sp500_prices.parquet"
SP500_TICKERS = ("AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY",
                 "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM")


def check_prices(prices: object, name: str = "prices", *, min_rows: int = 2,
                 positive: bool = True) -> pd.DataFrame:
    """Return ``prices`` as a float64 price table, or raise ValueError naming what is wrong.

    Parameters
    ----------
    prices : pandas.DataFrame
        Dates × assets: a DatetimeIndex that is strictly increasing and has no duplicate dates,
        unique column labels, numeric columns.
    name : str
        The name used for ``prices`` in error messages.
    min_rows : int
        Least number of rows (dates), ≥ 0.
    positive : bool
        Require every value finite and > 0 (default, prices); ``False`` requires finite values
        only (e.g. log-prices).

    Returns
    -------
    pandas.DataFrame
        A new float64 table with the index and columns of ``prices``.

    Raises
    ------
    ValueError
        If any requirement above fails; a missing (NaN) or non-positive value is reported with
        its column and date.
    """
    if not isinstance(positive, (bool, np.bool_)):
        _validate.fail("positive", positive, "True or False")
    min_rows = _validate.integer("min_rows", min_rows, low=0)
    if not isinstance(prices, pd.DataFrame):
        _validate.fail(name, type(prices).__name__, "a pandas DataFrame of prices")
    if not isinstance(prices.index, pd.DatetimeIndex):
        _validate.fail(f"{name}.index", type(prices.index).__name__, "a pandas DatetimeIndex")
    dup_cols = prices.columns[prices.columns.duplicated()]
    if len(dup_cols):
        _validate.fail(f"{name}.columns", list(prices.columns), "unique column labels, but "
                       f"{dup_cols[0]!r} appears more than once")
    if len(prices) < min_rows:
        _validate.fail(f"len({name})", len(prices), f"at least min_rows={min_rows} rows")
    _check_dates(prices.index, name)
    try:
        values = prices.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = next(c for c in prices.columns if not pd.api.types.is_numeric_dtype(prices[c]))
        _validate.fail(f"{name}[{bad!r}].dtype", str(prices[bad].dtype), "numeric")
    ok = np.isfinite(values) & (values > 0) if positive else np.isfinite(values)
    if not ok.all():
        row, col = np.argwhere(~ok)[0]
        where = f"{name}[{prices.columns[col]!r}] on {prices.index[row].date()}"
        what = "missing (NaN)" if np.isnan(values[row, col]) else repr(float(values[row, col]))
        rule = "finite and > 0" if positive else "finite"
        raise ValueError(f"{where} is {what}: every value must be {rule} "
                         f"({int((~ok).sum())} bad value(s) in all; drop or fill them first)")
    return pd.DataFrame(values, index=prices.index, columns=prices.columns)


def _check_dates(index: pd.DatetimeIndex, name: str) -> None:
    if index.hasnans:
        i = int(np.flatnonzero(index.isna())[0])
        raise ValueError(f"{name}.index has a missing date (NaT) at row {i}")
    steps = np.diff(index.asi8)
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0])
        kind = "a duplicate date" if steps[i] == 0 else "dates out of order"
        raise ValueError(f"{name}.index has {kind}: row {i + 1} ({index[i + 1].date()}) does not "
                         f"come after row {i} ({index[i].date()}); dates must strictly increase")


def pair_prices(y: object, x: object, *, positive: bool = True,
                min_rows: int = 2) -> pd.DataFrame:
    """Check two Series that must be observed on the same dates and return them as one table.

    Misalignment is an error, never silently repaired: a date present in one Series but not the
    other is named in the message, as is a missing or non-positive price.

    Parameters
    ----------
    y, x : pandas.Series
        Prices (or any values, with ``positive=False``) on a strictly increasing
        DatetimeIndex, the same dates in both.
    positive : bool
        Require finite values > 0 (default); ``False`` accepts any finite values, e.g.
        log-prices.
    min_rows : int
        Least number of dates, ≥ 0.

    Returns
    -------
    pandas.DataFrame
        Two float64 columns, y then x, named after the Series (``"y"``/``"x"`` when a name is
        missing or both names are equal), checked by :func:`check_prices`.

    Raises
    ------
    ValueError
        If ``y`` or ``x`` is not a Series with such an index, the dates differ, or a value is
        missing or out of range.

    Examples
    --------
    Dates that do not match are an error naming them:

    >>> import pandas as pd
    >>> from mslab.pairs import pair_prices
    >>> days = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    >>> y = pd.Series([10.0, 10.5, 10.2], index=days, name="KO")
    >>> x = pd.Series([20.0, 20.4, 20.1], index=days, name="PEP")
    >>> pair_prices(y, x)
                  KO   PEP
    2024-01-02  10.0  20.0
    2024-01-03  10.5  20.4
    2024-01-04  10.2  20.1
    >>> pair_prices(y, x.drop(days[2]))
    Traceback (most recent call last):
        ...
    ValueError: y and x are misaligned: y has a price on 2024-01-04 but x does not (1 date(s) only in y, 0 only in x); align them first, e.g. with DataFrame.dropna()
    """
    if not isinstance(positive, (bool, np.bool_)):
        _validate.fail("positive", positive, "True or False")
    for nm, s in (("y", y), ("x", x)):
        if not isinstance(s, pd.Series):
            _validate.fail(nm, type(s).__name__, "a pandas Series of prices with a DatetimeIndex")
        if not isinstance(s.index, pd.DatetimeIndex):
            _validate.fail(f"{nm}.index", type(s.index).__name__, "a pandas DatetimeIndex")
        _check_dates(s.index, nm)
    if not y.index.equals(x.index):
        only_y, only_x = y.index.difference(x.index), x.index.difference(y.index)
        if len(only_y) or len(only_x):
            which, d = ("y", only_y[0]) if len(only_y) and (
                not len(only_x) or only_y[0] <= only_x[0]) else ("x", only_x[0])
            other = "x" if which == "y" else "y"
            raise ValueError(f"y and x are misaligned: {which} has a price on {d.date()} but "
                             f"{other} does not ({len(only_y)} date(s) only in y, {len(only_x)} "
                             f"only in x); align them first, e.g. with DataFrame.dropna()")
    names = [y.name if y.name is not None else "y", x.name if x.name is not None else "x"]
    if names[0] == names[1]:
        names = ["y", "x"]
    table = pd.DataFrame({names[0]: y.to_numpy(), names[1]: x.to_numpy()}, index=y.index)
    return check_prices(table, "prices", min_rows=min_rows, positive=positive)


DATE_COLUMNS = ("date", "datetime", "time", "timestamp", "day")  # matched case-insensitively


@dataclass(frozen=True, eq=False)
class PriceFile:
    """A checked price file, as returned by :func:`read_prices`.

    Attributes
    ----------
    prices : pandas.DataFrame
        The price table ($, dates × tickers; see the module docstring).
    path : pathlib.Path
        The file read.
    report : mslab.data.report.ValidationReport
        What was dropped or flagged, and why.
    dropped_tickers : tuple
        The tickers dropped for ``low_coverage``.
    """

    prices: pd.DataFrame
    path: Path
    report: ValidationReport
    dropped_tickers: tuple[str, ...]

    @property
    def shipped(self) -> bool:
        """True when this is ``data/pairs/sp500_prices.parquet``, the project's own file."""
        return self.path.resolve() == SP500_FILE.resolve()


def read_prices(path: str | Path | None = None, *, min_coverage: float = 0.95,
                strict: bool = False) -> PriceFile:
    """Read and check a price file, as the module docstring describes.

    Parameters
    ----------
    path : str or pathlib.Path or None
        A CSV or Parquet (``.parquet``/``.pq``) price file; None (default) for the shipped
        ``data/pairs/sp500_prices.parquet``.
    min_coverage : float
        Share c, 0 < c ≤ 1, of the file's dates on which a ticker must have a valid price to
        be kept; dates on which a kept ticker has none are dropped.
    strict : bool
        With ``True``, anything dropped or flagged raises
        :class:`~mslab.data.report.DataValidationError`.

    Returns
    -------
    PriceFile
        The price table ($, dates × tickers), the path, the validation report and the tickers
        dropped for low coverage.

    Raises
    ------
    ValueError
        If ``path``, ``min_coverage`` or ``strict`` is not allowed.
    FileNotFoundError
        If the file does not exist.
    mslab.data.report.DataValidationError
        With ``strict=True`` and any issue, or when fewer than two tickers or two dates are
        left (with the report).

    Examples
    --------
    A CSV with a gap in one ticker: the date is dropped and reported with its line number.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from mslab.pairs import read_prices
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "prices.csv"
    >>> _ = path.write_text("date,KO,PEP\\n2024-01-02,60.1,170.2\\n2024-01-03,,171.0\\n"
    ...                     "2024-01-04,60.5,169.8\\n")
    >>> data = read_prices(path, min_coverage=0.5)
    >>> data.prices
    ticker        KO    PEP
    date
    2024-01-02  60.1  170.2
    2024-01-04  60.5  169.8
    >>> [(i.problem, i.action, i.rows.tolist()) for i in data.report.issues]
    [('missing_price', 'dropped', [3])]
    >>> tmp.cleanup()
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        _validate.fail("path", path, "None or the path of a CSV or Parquet file (str or "
                       "os.PathLike)")
    min_coverage = _validate.real("min_coverage", min_coverage, low=0.0, high=1.0,
                                  low_open=True)
    strict = rep.check_strict("strict", strict)
    file = SP500_FILE if path is None else Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found (a price file: CSV or Parquet, a date "
                                "column and one column per ticker; the shipped one is "
                                "regenerated with tools/extract_sp500.py, which needs skfolio)")
    collector = Collector()
    table = rep.read_table(file, collector, keep_index=True)
    name = table.file
    lower = [c.lower() for c in table.columns]
    date_col = next((table.columns[lower.index(c)] for c in DATE_COLUMNS if c in lower),
                    table.columns[0] if table.columns else None)
    tickers = [c for c in table.columns if c != date_col]
    if date_col is None or not tickers:
        raise DataValidationError(f"{name}: a price file needs a date column and at least one "
                                  f"ticker column; found columns {table.columns}")
    rep.to_numeric(table, tickers, collector)
    dates = pd.to_datetime(table.frame[date_col], errors="coerce", utc=True, format="mixed")
    rep.drop_rows(table, dates.isna().to_numpy(), collector, "unparseable_date",
                  f"no date, or a {date_col!r} that does not parse as a date")
    frame = table.frame
    frame[date_col] = dates.loc[frame.index].dt.tz_localize(None)
    rep.flag_time_order(collector, name, frame.index, frame[date_col], duplicates=False)
    frame = frame.sort_values(date_col, kind="stable")
    table.frame = frame
    rep.drop_rows(table, frame[date_col].duplicated().to_numpy(), collector, "duplicate_date",
                  "a date already on an earlier row (the first row of a date is kept)")
    values = table.frame[tickers].to_numpy(dtype=np.float64, copy=True)
    invalid = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    if invalid.any():
        cols = [tickers[j] for j in np.flatnonzero(invalid.any(axis=0))]
        rep.flag(collector, name, table.frame.index, invalid.any(axis=1), "invalid_price",
                 "a price ≤ 0 or infinite, treated as missing, in " + _names(cols))
        values[invalid] = np.nan
    valid = ~np.isnan(values)
    coverage = valid.mean(axis=0) if len(values) else np.zeros(len(tickers))
    low = coverage < min_coverage
    dropped = tuple(t for t, lo in zip(tickers, low, strict=True) if lo)
    if dropped:
        collector.note(name, "low_coverage", f"ticker(s) dropped, a valid price on fewer than "
                       f"{min_coverage:.0%} of the dates: " + ", ".join(
                           f"{t} ({c:.1%})" for t, c in zip(tickers, coverage, strict=True)
                           if c < min_coverage), count=len(dropped), action="flagged")
    kept = [t for t in tickers if t not in dropped]
    missing = ~valid[:, ~low]
    if missing.any():
        cols = [kept[j] for j in np.flatnonzero(missing.any(axis=0))]
        rep.drop_rows(table, missing.any(axis=1), collector, "missing_price",
                      "a date on which a ticker has no valid price (never filled): " +
                      _names(cols))
    frame = table.frame
    report = rep.finish(collector, {name: table.n_rows}, len(frame), strict)
    if len(kept) < 2 or len(frame) < 2:
        raise DataValidationError(f"{name}: {len(kept)} ticker(s) on {len(frame)} date(s) "
                                  "left after the checks; a price table needs at least 2 of "
                                  f"each\n{report}", report)
    prices = pd.DataFrame(frame[kept].to_numpy(dtype=np.float64),
                          index=pd.DatetimeIndex(frame[date_col], name="date").as_unit("ns"),
                          columns=pd.Index(kept, name="ticker"))
    return PriceFile(check_prices(prices, name), file, report, dropped)


def _names(cols: list[str]) -> str:
    return ", ".join(cols[:10]) + (f" and {len(cols) - 10} more" if len(cols) > 10 else "")


def load_prices(tickers: list[str] | tuple[str, ...] | None = None, start: object = None,
                end: object = None, path: str | Path | None = None) -> pd.DataFrame:
    """Daily adjusted closes ($) of a price file, optionally a subset of tickers and dates.

    :func:`read_prices` ``(path).prices`` (default coverage 0.95, not strict), sliced.

    Parameters
    ----------
    tickers : list of str or None
        Distinct tickers of the file, in the order wanted; None (default) for all.
    start, end : object
        First and last date kept (inclusive; anything ``pandas.Timestamp`` accepts); None for
        no bound.
    path : str or pathlib.Path or None
        The price file; None (default) for the 20 shipped S&P 500 stocks.

    Returns
    -------
    pandas.DataFrame
        A price table (dates × tickers, $), at least 2 dates.

    Raises
    ------
    ValueError
        If ``tickers`` are not distinct tickers of the file, a bound is not a date,
        ``end`` < ``start``, or fewer than 2 dates are left; the errors of :func:`read_prices`.
    FileNotFoundError
        If the file does not exist.
    """
    prices = read_prices(path).prices
    if tickers is not None:
        if not isinstance(tickers, (list, tuple)) or not all(isinstance(t, str) for t in tickers):
            _validate.fail("tickers", tickers, "a list of ticker strings")
        unknown = [t for t in tickers if t not in prices.columns]
        if unknown or len(tickers) == 0 or len(set(tickers)) != len(tickers):
            _validate.fail("tickers", tickers, "a non-empty list of distinct tickers among "
                           + ", ".join(prices.columns))
        prices = prices[list(tickers)]
    return _date_slice(prices, start, end)


def load_crude() -> pd.DataFrame:
    """Monthly Brent and WTI crude-oil spot prices ($ per barrel), 1987-05-15 to 2020-01-15.

    From ``arch.data.crude``, checked with :func:`check_prices`.

    Returns
    -------
    pandas.DataFrame
        Columns ``Brent`` and ``WTI`` (column index named ``series``), one row per month, index
        named ``date``.
    """
    from arch.data import crude

    raw = crude.load()
    prices = raw[["Brent", "WTI"]].astype("float64")
    prices.index = pd.DatetimeIndex(raw.index, name="date").as_unit("ns")
    prices.columns = pd.Index(["Brent", "WTI"], name="series")
    return check_prices(prices, "crude")


def _date_slice(prices: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    bounds = []
    for nm, v in (("start", start), ("end", end)):
        allowed = "a date (anything pandas.Timestamp accepts) or None"
        try:
            stamp = None if v is None else pd.Timestamp(v)
        except (TypeError, ValueError, OverflowError):
            _validate.fail(nm, v, allowed)
        if v is not None and pd.isna(stamp):   # NaN, NaT, "NaT": not a date, never "no bound"
            _validate.fail(nm, v, allowed)
        bounds.append(stamp)
    lo, hi = bounds
    if lo is not None and hi is not None and lo > hi:
        _validate.fail("end", end, f"on or after start={start!r}")
    out = prices.loc[lo:hi]
    if len(out) < 2:
        _validate.fail("start", start, f"a date range holding at least 2 rows (end={end!r})")
    return out


def year_blocks(index: pd.DatetimeIndex, years: int, *, first_year: int | None = None,
                min_days: int = 1) -> pd.DataFrame:
    """Consecutive blocks of ``years`` calendar years over the dates ``index``.

    The last block holds the remaining years and may be shorter.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Non-empty, strictly increasing dates.
    years : int
        Calendar years per block, in [1, 1000].
    first_year : int or None
        The first year of the first block, at most the year of the last date (dates of
        earlier years are in no block); None (default) for the year of the first date.
    min_days : int
        Blocks with fewer dates than this (≥ 1) are dropped.

    Returns
    -------
    pandas.DataFrame
        One row per block: ``start_year``, ``end_year`` (the last year with a date in the
        block), ``label`` ("1990–1994"), ``n_years`` (calendar years it spans, end − start +
        1), ``n_days`` and the positions ``start``/``stop`` of its dates in ``index`` (a
        slice).

    Raises
    ------
    ValueError
        If ``index`` is not such an index or a parameter is out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> from mslab.pairs.data import year_blocks
    >>> days = pd.bdate_range("2000-01-03", "2004-12-31")
    >>> year_blocks(days, 2)[["label", "n_days", "start", "stop"]]
           label  n_days  start  stop
    0  2000–2001     521      0   521
    1  2002–2003     522    521  1043
    2  2004–2004     262   1043  1305
    """
    if not isinstance(index, pd.DatetimeIndex):
        _validate.fail("index", type(index).__name__, "a pandas DatetimeIndex")
    if len(index) == 0:
        _validate.fail("index", "<empty>", "at least one date")
    _check_dates(index, "index")
    years = _validate.integer("years", years, low=1, high=1000)
    first_year = index[0].year if first_year is None else _validate.integer(
        "first_year", first_year, low=1, high=index[-1].year)
    min_days = _validate.integer("min_days", min_days, low=1)
    block = (index.year.to_numpy() - first_year) // years
    rows = []
    for b in np.unique(block[block >= 0]):
        pos = np.flatnonzero(block == b)
        start_year, end_year = first_year + int(b) * years, int(index[pos[-1]].year)
        if pos.size >= min_days:
            rows.append(dict(start_year=start_year, end_year=end_year,
                             label=f"{start_year}–{end_year}",
                             n_years=end_year - start_year + 1, n_days=int(pos.size),
                             start=int(pos[0]), stop=int(pos[-1]) + 1))
    return pd.DataFrame(rows, columns=["start_year", "end_year", "label", "n_years", "n_days",
                                       "start", "stop"])


def describe_year_blocks(blocks: pd.DataFrame, years: int) -> str:
    """The blocks of :func:`year_blocks` in words.

    Parameters
    ----------
    blocks : pandas.DataFrame
        A table from :func:`year_blocks` (columns ``label`` and ``n_years`` are used).
    years : int
        The block length (calendar years, ≥ 1) the table was made with.

    Returns
    -------
    str
        E.g. "7 sub-periods, 6 of 5 years and 2020–2022 of 3 years", or "7 sub-periods of 5
        years" when every block is full.

    Raises
    ------
    ValueError
        If ``blocks`` lacks those columns or ``years`` < 1.
    """
    if not isinstance(blocks, pd.DataFrame) or not {"label", "n_years"} <= set(blocks.columns):
        _validate.fail("blocks", type(blocks).__name__, "a table from year_blocks")
    years = _validate.integer("years", years, low=1)
    n = len(blocks)
    short = blocks[blocks["n_years"] < years]
    if short.empty:
        return f"{n} sub-period{'s' if n != 1 else ''} of {years} years"
    return (f"{n} sub-periods, {n - len(short)} of {years} years and "
            + ", ".join(f"{r.label} of {r.n_years} year{'s' if r.n_years != 1 else ''}"
                        for r in short.itertuples()))
