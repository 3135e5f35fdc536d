"""Stylized facts of a funding-rate history, with standard errors that respect its
autocorrelation.

Funding rates are strongly autocorrelated (lag-1 ≈ 0.8 on Binance), so the iid standard error
of a mean understates its uncertainty several times over. Every mean here, and every share of
:func:`stylized_facts`, comes with a Newey–West (HAC, Bartlett kernel) standard error from
``statsmodels`` (OLS on a constant with ``cov_type="HAC"``), with ``maxlags`` =
⌊4 (n/100)^{2/9}⌋ unless given.
Autocorrelations are computed on the nominal settlement grid with missing settlements left
missing (``statsmodels.tsa.stattools.acf`` with ``missing="conservative"``): gaps are never
filled.

Rates are fractions per settlement; tables quote basis points (bp, 10⁻⁴) per settlement and
annualised fractions (rate × settlements per year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.stattools import acf

from mslab import _validate
from mslab.data.funding import MAX_INTERVAL_HOURS, MIN_INTERVAL_HOURS

BP = 1e-4
DAYS_PER_YEAR = 365.0
ACF_HORIZONS_H = {"8 h": 8.0, "1 day": 24.0, "1 week": 168.0, "30 days": 720.0}
"""Horizons of the autocorrelations reported (hours)."""
AT_INTEREST_TOL = 5e-9
"""|rate − interest| at or below which a settlement counts as exactly at the interest rate
(the histories record rates to 8 decimals)."""


def newey_west_lags(n: int) -> int:
    """The usual automatic bandwidth ⌊4 (n/100)^{2/9}⌋ for ``n`` >= 1 observations.

    Parameters
    ----------
    n : int
        Number of observations, ≥ 1.

    Returns
    -------
    int
        The number of lags of the Newey–West (Bartlett) kernel.

    Raises
    ------
    ValueError
        If ``n`` is not an integer ≥ 1.

    Examples
    --------
    >>> from mslab.funding.facts import newey_west_lags
    >>> newey_west_lags(100), newey_west_lags(1000), newey_west_lags(6570)  # 6 years of 8-h funding
    (4, 6, 10)
    """
    n = _validate.integer("n", n, low=1)
    return int(np.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


@dataclass(frozen=True)
class MeanEstimate:
    """A sample mean with its iid and HAC standard errors.

    Attributes
    ----------
    mean : float
        Sample mean, in the units of the values.
    se_hac : float
        Newey–West (HAC) standard error of the mean, same units.
    se_iid : float
        iid standard error, sample standard deviation (ddof 1) / √n, same units.
    n : int
        Number of values.
    """

    mean: float
    se_hac: float
    se_iid: float
    n: int


def hac_mean(values: object, maxlags: int | None = None) -> MeanEstimate:
    """Mean of ``values`` with its Newey–West standard error (module docstring).

    Parameters
    ----------
    values : numpy.ndarray
        1-D array of at least 3 finite values (no NaN), in any unit.
    maxlags : int or None
        Lags of the Bartlett kernel, 0 ≤ maxlags ≤ n − 1; ``None`` (default) uses
        :func:`newey_west_lags` of n.

    Returns
    -------
    MeanEstimate
        The mean with its HAC and iid standard errors (both 0 when all values are equal).

    Raises
    ------
    ValueError
        If ``values`` is not a 1-D array of at least 3 finite numbers, ``maxlags`` is out of
        range, or the mean or a standard error is not finite.
    """
    y = _validate.real_array("values", values)
    if y.ndim != 1 or y.size < 3:
        _validate.fail("values", f"<array of shape {y.shape}>", "a 1-D array of >= 3 values")
    lags = newey_west_lags(y.size) if maxlags is None else _validate.integer(
        "maxlags", maxlags, low=0, high=y.size - 1)
    if np.ptp(y) == 0:
        return MeanEstimate(float(y[0]), 0.0, 0.0, int(y.size))
    with np.errstate(all="ignore"):
        fit = sm.OLS(y, np.ones(y.size)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        est = MeanEstimate(float(fit.params[0]), float(fit.bse[0]),
                           float(y.std(ddof=1) / np.sqrt(y.size)), int(y.size))
    _validate.derived("values", "the mean and its standard errors",
                      [est.mean, est.se_hac, est.se_iid])
    return est


def rate_series(rate: object) -> pd.Series:
    """``rate`` checked: a non-empty Series of real numbers (finite or NaN) indexed by
    settlement time (DatetimeIndex); returned as float.

    Parameters
    ----------
    rate : pandas.Series
        Funding rates (fractions of notional per settlement) indexed by nominal settlement
        time (``DatetimeIndex``); non-empty; finite values or NaN, no NaT in the index.

    Returns
    -------
    pandas.Series
        The same values as float64, with the same index and name.

    Raises
    ------
    ValueError
        If ``rate`` is not such a Series (e.g. empty, without a DatetimeIndex, of booleans, or
        holding an infinite value).
    """
    allowed = ("a non-empty pandas Series of rates (finite or NaN) indexed by settlement time "
               "(DatetimeIndex)")
    if (not isinstance(rate, pd.Series) or not isinstance(rate.index, pd.DatetimeIndex)
            or rate.empty or rate.index.hasnans):
        _validate.fail("rate", type(rate).__name__, allowed)
    try:
        values = rate.to_numpy(dtype=float)
    except (TypeError, ValueError):
        _validate.fail("rate", f"<Series of dtype {rate.dtype}>", allowed)
    if rate.dtype == bool or np.isinf(values).any():
        _validate.fail("rate", f"<Series of dtype {rate.dtype}>", allowed)
    return pd.Series(values, index=rate.index, name=rate.name)


def _settled_rates(rate: object) -> pd.Series:
    """``rate`` checked by :func:`rate_series` and without NaN: functions that average the
    settlements take a missing settlement as an absent row, never as a NaN rate."""
    rate = rate_series(rate)
    n_nan = int(rate.isna().sum())
    if n_nan:
        _validate.fail("rate", f"<Series with {n_nan} NaN rate(s)>", "a Series without NaN "
                       "rates (a missing settlement is an absent row: drop it, e.g. dropna())")
    return rate


def on_grid(rate: pd.Series, interval_hours: float) -> pd.Series:
    """``rate`` (indexed by nominal settlement time) on the complete settlement grid from its
    first to its last settlement, NaN where a settlement is missing. The grid's length is
    bounded by :func:`mslab._validate.elements`.

    Parameters
    ----------
    rate : pandas.Series
        Funding rates (fractions of notional per settlement) indexed by nominal settlement
        time (``DatetimeIndex``); finite values or NaN (as :func:`rate_series` accepts).
    interval_hours : float
        Nominal settlement interval in hours, between 1/60 and 168.

    Returns
    -------
    pandas.Series
        ``rate`` reindexed on the times first + k · ``interval_hours`` up to the last
        settlement: NaN at a grid time without a settlement; of duplicate times the first is
        kept, and a time off the grid is dropped.

    Raises
    ------
    ValueError
        If ``rate`` fails :func:`rate_series`, ``interval_hours`` is out of range, or the grid
        would exceed the element bound.
    """
    rate = rate_series(rate)
    hours = _validate.real("interval_hours", interval_hours, low=MIN_INTERVAL_HOURS,
                           high=MAX_INTERVAL_HOURS)
    step = pd.Timedelta(hours=hours)
    rate = rate[~rate.index.duplicated(keep="first")]
    first, last = rate.index.min(), rate.index.max()
    _validate.elements("rate, interval_hours", (last - first) / step + 1)
    grid = pd.date_range(first, last, freq=step)
    return rate.reindex(grid)


def autocorrelations(rate: pd.Series, interval_hours: float) -> pd.Series:
    """Autocorrelation at the horizons of :data:`ACF_HORIZONS_H`, on the settlement grid
    (:func:`on_grid`) with gaps left missing.

    A horizon is reported when it is a whole number k ≥ 1 of intervals and k is less than half
    the number of settlements present on the grid.

    Parameters
    ----------
    rate : pandas.Series
        Funding rates (fractions of notional per settlement) indexed by nominal settlement
        time (``DatetimeIndex``); finite values or NaN.
    interval_hours : float
        Nominal settlement interval in hours, between 1/60 and 168.

    Returns
    -------
    pandas.Series
        Named ``autocorrelation``, indexed by the horizon labels of :data:`ACF_HORIZONS_H`
        (``"8 h"``, ``"1 day"``, ...) that qualify; empty when none does.

    Raises
    ------
    ValueError
        As :func:`on_grid`.
    """
    grid = on_grid(rate, interval_hours)
    lags = {k: int(round(h / interval_hours)) for k, h in ACF_HORIZONS_H.items()
            if h >= interval_hours and abs(h / interval_hours - round(h / interval_hours)) < 1e-9}
    lags = {k: v for k, v in lags.items() if v < grid.notna().sum() // 2}
    if not lags:
        return pd.Series(dtype=float)
    rho = acf(grid.to_numpy(), nlags=max(lags.values()), missing="conservative", fft=False)
    return pd.Series({k: float(rho[v]) for k, v in lags.items()}, name="autocorrelation")


def stylized_facts(rate: pd.Series, interval_hours: float, *, interest: float = 1e-4,
                   cap: float = 3e-3) -> pd.DataFrame:
    """The stylized facts of a funding history: one row per statistic with ``value`` and,
    for means and shares, ``se`` (HAC). ``interest`` and ``cap`` are per settlement interval
    (fractions). Rates in bp per settlement, shares as fractions.

    Parameters
    ----------
    rate : pandas.Series
        Funding rates (fractions of notional per settlement) indexed by nominal settlement
        time (``DatetimeIndex``); at least 3 settlements and no NaN (missing settlements
        are absent rows; they are counted on the grid of :func:`on_grid`).
    interval_hours : float
        Nominal settlement interval in hours, between 1/60 and 168.
    interest : float
        Interest rate per settlement (fraction, in [−0.01, 0.01]); a settlement within
        :data:`AT_INTEREST_TOL` of it counts as "at interest". Default 1e-4 (0.01 %).
    cap : float
        Cap per settlement (fraction, > 0); a settlement with ``|rate| ≥ cap − AT_INTEREST_TOL``
        counts as "at cap". Default 3e-3 (0.3 %).

    Returns
    -------
    pandas.DataFrame
        Columns ``statistic``, ``value``, ``se`` (HAC standard error, NaN where not computed)
        and ``unit`` (``"bp"``, ``"fraction"`` or ``""``). Rows, in order: ``settlements``
        (rows of ``rate``), ``missing settlements`` (on the grid), ``mean`` (bp),
        ``mean (iid se)`` (the same mean with its iid se), ``mean, annualised`` (fraction per
        year, mean × 365 · 24 / ``interval_hours``), ``median`` and ``std`` (bp),
        ``share at interest``, ``share positive``, ``share negative`` and ``share at cap``
        (fractions, with HAC se), ``p1``, ``p5``, ``p95``, ``p99``, ``min`` and ``max`` (bp),
        then ``autocorrelation <horizon>`` for each horizon of :func:`autocorrelations`.

    Raises
    ------
    ValueError
        For ``interest`` or ``cap`` out of range, a ``rate`` that :func:`on_grid` refuses or
        that holds a NaN rate, or fewer than 3 settlements.
    """
    interest = _validate.real("interest", interest, low=-0.01, high=0.01)
    cap = _validate.positive("cap", cap)
    rate = _settled_rates(rate)
    grid = on_grid(rate, interval_hours)
    r = rate.to_numpy(dtype=float)
    if r.size < 3:
        _validate.fail("rate", f"<{r.size} settlements>", "at least 3 settlements")
    per_year = DAYS_PER_YEAR * 24.0 / interval_hours
    rows = []

    def add(stat: str, value: float, se: float = np.nan, unit: str = "") -> None:
        rows.append({"statistic": stat, "value": value, "se": se, "unit": unit})

    m = hac_mean(r / BP)
    add("settlements", r.size)
    add("missing settlements", int(grid.isna().sum()))
    add("mean", m.mean, m.se_hac, "bp")
    add("mean (iid se)", m.mean, m.se_iid, "bp")
    add("mean, annualised", m.mean * BP * per_year, m.se_hac * BP * per_year, "fraction")
    add("median", float(np.median(r)) / BP, unit="bp")
    add("std", float(r.std(ddof=1)) / BP, unit="bp")
    for name, mask in (("share at interest", np.abs(r - interest) <= AT_INTEREST_TOL),
                       ("share positive", r > 0), ("share negative", r < 0),
                       ("share at cap", np.abs(r) >= cap - AT_INTEREST_TOL)):
        s = hac_mean(mask.astype(float))
        add(name, s.mean, s.se_hac, "fraction")
    for q in (1, 5, 95, 99):
        add(f"p{q}", float(np.percentile(r, q)) / BP, unit="bp")
    add("min", float(r.min()) / BP, unit="bp")
    add("max", float(r.max()) / BP, unit="bp")
    for k, v in autocorrelations(rate, interval_hours).items():
        add(f"autocorrelation {k}", v)
    return pd.DataFrame(rows)


def yearly_means(rate: pd.Series, interval_hours: float, *, interest: float = 1e-4
                 ) -> pd.DataFrame:
    """Per calendar year: settlements, mean (bp) with HAC se, share exactly at ``interest``,
    share positive, annualised mean (fraction).

    Parameters
    ----------
    rate : pandas.Series
        Funding rates (fractions of notional per settlement) indexed by nominal settlement
        time (``DatetimeIndex``); no NaN.
    interval_hours : float
        Nominal settlement interval in hours, between 1/60 and 168 (for annualising).
    interest : float
        Interest rate per settlement (fraction, in [−0.01, 0.01]); "at interest" means within
        :data:`AT_INTEREST_TOL` of it. Default 1e-4.

    Returns
    -------
    pandas.DataFrame
        One row per calendar year of the index with at least 3 settlements (other years are
        left out; no columns at all when none qualifies): ``year``, ``settlements``,
        ``mean (bp)``, ``se (bp)`` (HAC), ``share at interest``, ``share positive`` (fractions,
        without standard errors) and ``annualised`` (mean rate × settlements per year, a
        fraction per year).

    Raises
    ------
    ValueError
        For ``interest`` or ``interval_hours`` out of range, or a ``rate`` that
        :func:`rate_series` refuses or that holds a NaN rate.
    """
    interest = _validate.real("interest", interest, low=-0.01, high=0.01)
    rate = _settled_rates(rate)
    per_year = DAYS_PER_YEAR * 24.0 / _validate.real(
        "interval_hours", interval_hours, low=MIN_INTERVAL_HOURS, high=MAX_INTERVAL_HOURS)
    rows = []
    for year, part in rate.groupby(rate.index.year):
        r = part.to_numpy(dtype=float)
        if r.size < 3:
            continue
        m = hac_mean(r / BP)
        rows.append({"year": int(year), "settlements": int(r.size), "mean (bp)": m.mean,
                     "se (bp)": m.se_hac,
                     "share at interest": float((np.abs(r - interest) <= AT_INTEREST_TOL).mean()),
                     "share positive": float((r > 0).mean()),
                     "annualised": m.mean * BP * per_year})
    return pd.DataFrame(rows)


REFERENCE_WINDOW = ("2020-01-01", "2023-12-31 23:59")
"""The window of the reference file's facts (UTC, inclusive)."""
REFERENCE_FACTS = {
    "BTCUSDT": {"settlements": 4383, "mean": 1.37, "median": 1.00, "std": 2.57,
                "share positive": 0.865, "share at interest": 0.407, "p1": -2.32, "p5": -0.69,
                "p95": 6.19, "p99": 12.27, "autocorrelation 8 h": 0.79,
                "autocorrelation 1 day": 0.68, "autocorrelation 1 week": 0.44,
                "autocorrelation 30 days": 0.31},
    "ETHUSDT": {"mean": 1.69, "share positive": 0.875, "autocorrelation 8 h": 0.78},
}
"""Facts of the Binance histories for :data:`REFERENCE_WINDOW` from the chapter's references
file (computed from the public history; bp per 8 h and fractions)."""
PUBLISHED = {
    "christin_mean_bp": 1.57,  # Christin et al., Binance 2020-08 to 2023-01, bp per 8 h
    "he_btc_annual": 0.153,  # He et al., realised BTC funding 2020-01 to 2024-03, per year
    "he_btc_share_at_interest": 0.417,
}
"""Published numbers on funding levels (Christin, Routledge, Soska & Zetlin-Jones; He,
Manela, Ross & von Wachter)."""
