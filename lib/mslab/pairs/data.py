"""Price data for the pairs-trading chapter, and the checks every pairs function applies to it.

Data sets (both are daily or monthly *closing prices in US dollars*, indexed by date):

``load_sp500``  adjusted closes of 20 large US stocks, 1990-01-02 to 2022-12-28 (8313 trading
                days), extracted once from skfolio's S&P 500 data set (BSD-3-Clause) into
                ``data/pairs/sp500_prices.parquet`` by ``tools/extract_sp500.py``. Prices are
                rounded to 0.001 $, so early low-priced series (AAPL 0.264 $ in 1990) carry up
                to 0.2 % rounding noise.
``load_crude``  monthly Brent and WTI spot prices, 1987-05 to 2020-01 (393 months), from
                ``arch.data.crude`` (FRED data shipped with arch); dated the 15th of each month.

:func:`year_blocks` cuts a calendar into consecutive blocks of whole calendar years (for
sub-period checks), the last block possibly shorter.

A *price table* is a DataFrame with a strictly increasing, duplicate-free DatetimeIndex and
one column per asset holding finite prices > 0. :func:`check_prices` enforces that and names
the offending column and date; :func:`pair_prices` does the same for two Series that must
share one calendar.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _REPO_ROOT, _validate

SP500_FILE = _REPO_ROOT / "data" / "pairs" / "sp500_prices.parquet"
SP500_TICKERS = ("AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY",
                 "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM")


def check_prices(prices: object, name: str = "prices", *, min_rows: int = 2,
                 positive: bool = True) -> pd.DataFrame:
    """Return ``prices`` as a float64 price table, or raise ValueError naming what is wrong.

    Requires a DataFrame with a DatetimeIndex that is strictly increasing and has no duplicate
    dates, unique column labels, at least ``min_rows`` rows, and every value finite and > 0
    (finite only with ``positive=False``, e.g. for log-prices). A missing (NaN) or non-positive
    value is reported with its column and date.
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
    """Check two Series that must be observed on the same dates; return them as a two-column
    table (columns named after the Series, or ``"y"``/``"x"``) checked by :func:`check_prices`
    (``positive=False`` accepts any finite values, e.g. log-prices).

    Misalignment is an error, never silently repaired: a date present in one Series but not the
    other is named in the message, as is a missing or non-positive price.

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


def load_sp500(tickers: list[str] | tuple[str, ...] | None = None, start: object = None,
               end: object = None, path: str | Path | None = None) -> pd.DataFrame:
    """Daily adjusted closes ($) of the 20 S&P 500 stocks, optionally a subset of ``tickers``
    and dates ``start`` to ``end`` (inclusive; anything ``pandas.Timestamp`` accepts).

    Reads ``data/pairs/sp500_prices.parquet`` (or ``path``) and checks it with
    :func:`check_prices` before returning it.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        _validate.fail("path", path, "None or the path of a Parquet file (str or os.PathLike)")
    file = SP500_FILE if path is None else Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found: regenerate it with tools/extract_sp500.py "
                                "(in an environment that has skfolio)")
    prices = check_prices(pd.read_parquet(file), "sp500")
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
    """Monthly Brent and WTI crude-oil spot prices ($ per barrel), 1987-05-15 to 2020-01-15,
    from ``arch.data.crude`` (columns ``Brent``, ``WTI``; index named ``date``), checked with
    :func:`check_prices`."""
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
    """Consecutive blocks of ``years`` calendar years over the dates ``index`` (increasing),
    starting with ``first_year`` (default: the year of the first date); the last block holds
    the remaining years and may be shorter. Blocks with fewer than ``min_days`` dates are
    dropped.

    Returns one row per block: ``start_year``, ``end_year`` (the last year with a date in the
    block), ``label`` ("1990–1994"), ``n_years`` (calendar years it spans, end − start + 1),
    ``n_days`` and the positions ``start``/``stop`` of its dates in ``index`` (a slice).

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
    """The blocks of :func:`year_blocks` in words, e.g. "7 sub-periods, 6 of 5 years and
    2020–2022 of 3 years" (or "7 sub-periods of 5 years" when every block is full)."""
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
