"""Performance metrics of a periodic P&L or return series: the one definition every chapter uses.

Conventions (A = ``periods_per_year``: 252 for daily stock data, ``seconds_per_year / dt`` for
an intraday P&L sampled every ``dt`` seconds). ``returns`` are simple returns (or P&L
increments) per period; strategies here are self-financing, so they are already *excess*
returns and no risk-free rate is subtracted.

* annual return ``A·mean(r)`` (arithmetic) and annual volatility ``√A·std(r)`` (ddof = 1);
* Sharpe ratio ``SR = √A·mean(r)/std(r)``; Sortino ``√A·mean(r)/DD`` with the downside deviation
  ``DD = √(mean(min(r, 0)²))`` over all periods (target 0);
* standard error of the Sharpe ratio (:func:`sharpe_standard_error`), with ``ŝ = mean/std``
  the per-period ratio over T periods, skewness γ₃ and kurtosis γ₄ (3 for a normal law):

  - Lo (2002), iid normal returns: ``Var(ŝ) = (1 + ŝ²/2) / T``;
  - Mertens (2002), iid returns of any law with finite fourth moment (Opdyke 2007 shows it also
    holds asymptotically for stationary ergodic returns):
    ``Var(ŝ) = (1 + ŝ²/2 − γ₃·ŝ + (γ₄ − 3)/4·ŝ²) / T``;

  the annualised standard error is ``√A·√Var(ŝ)``. At SR = 0 both reduce to ``√(A/T)``
  (:func:`null_sharpe_se`), the noise of a skill-free strategy's estimate;
* wealth ``W_t = Π_{s≤t}(1 + r_s)`` from ``W_0 = 1`` (reinvested returns); CAGR
  ``W_n^{A/n} − 1``; max drawdown ``max_t (1 − W_t / max_{s≤t} W_s)`` as a positive fraction
  (the start counts as a peak; :func:`max_drawdown`), or, for an equity curve in money,
  the largest fall from its running peak in the same units (:func:`equity_drawdown`);
  Calmar = CAGR / max drawdown;
* turnover: ``A·mean`` of the per-period traded notional over capital (annual turnover);
* per trade: hit rate = share of trades with net P&L > 0; average cost in bps = total cost
  over total traded notional × 10⁴; break-even cost = gross annual return over annual
  turnover × 10⁴ (bps of traded notional).

Degenerate cases (the only rules; every function here follows them):

* a value that is NaN or ±inf, or input that is not a 1-D sequence of real numbers, is an
  error (``ValueError`` naming the position): a metric of a broken series is never returned;
* fewer than two observations (including none): every ratio, volatility and standard error is
  NaN (undefined), drawdowns are 0 (nothing fell); :func:`performance`, a summary of a whole
  track record, refuses such a series;
* zero variance — ``max(r) − min(r) ≤ 10⁻¹⁰·max|r|``, which also catches a constant series whose
  computed standard deviation is rounding noise — gives NaN Sharpe, Sortino and standard error
  (never ±inf or a spurious huge ratio); a series with no downside has NaN Sortino;
* a CAGR too large for a float (compounding a tiny per-period gain over millions of
  periods a year) is NaN, and so is its Calmar ratio; Calmar is NaN without a drawdown, turnover NaN without a turnover series, hit rate and
  average cost NaN without trades.

Bootstrap test (:func:`sharpe_pvalue`). H0: Sharpe ≤ 0. The returns are centred (mean 0, the
boundary of H0) and resampled with the stationary bootstrap of Politis & Romano (1994)
(``arch.bootstrap.StationaryBootstrap``), which keeps serial dependence through blocks of
geometric length; the expected block length defaults to the Politis & White (2004) automatic
choice with the Patton, Politis & White (2009) correction
(``arch.bootstrap.optimal_block_length``, at least 1). The p-value is
``(1 + #{SR*_b ≥ SR}) / (1 + B)``, SR*_b being the Sharpe ratio of resample b: a studentised
statistic, so the resamples need not match the variance of the original.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mslab import _validate

FLAT_RTOL = 1e-10
"""A series whose range is at most this fraction of its largest magnitude has zero variance."""

SE_METHODS = ("mertens", "lo")
_MAX_LOG = math.log(np.finfo(float).max)  # larger log-growth: a CAGR no float can hold


@dataclass(frozen=True)
class Performance:
    """Metrics of one return series (see the module docstring); NaN where undefined.

    Attributes
    ----------
    n_periods : int
        T, the number of periods (≥ 2 when built by :func:`performance`).
    annual_return : float
        A·mean(r): arithmetic annual return, a fraction per year (0.1 = 10 %).
    annual_volatility : float
        √A·std(r) (ddof = 1), a fraction.
    sharpe : float
        Annualised Sharpe ratio √A·mean(r)/std(r).
    sharpe_se : float
        Standard error of ``sharpe`` (Mertens' formula, :func:`sharpe_standard_error`).
    sortino : float
        Annualised Sortino ratio √A·mean(r)/DD (:func:`sortino_ratio`).
    max_drawdown : float
        Largest fall of the wealth from its running peak, a fraction in [0, 1].
    calmar : float
        CAGR / max drawdown.
    cagr : float
        Compound annual growth rate, a fraction per year.
    turnover : float
        Annual turnover, A·mean of the traded notional over capital per period (1 = the capital
        traded once a year); NaN when no turnover series was given.
    n_trades : int
        Number of trades (rows of the trades table); 0 when none was given.
    hit_rate : float
        Share of trades with P&L > 0; NaN without trades.
    avg_cost_bps : float
        Total cost over total traded notional, in bps; NaN without trades or traded notional.
    """

    n_periods: int
    annual_return: float
    annual_volatility: float
    sharpe: float
    sharpe_se: float
    sortino: float
    max_drawdown: float
    calmar: float
    cagr: float
    turnover: float
    n_trades: int
    hit_rate: float
    avg_cost_bps: float

    def to_series(self) -> pd.Series:
        """The metrics as a Series.

        Returns
        -------
        pandas.Series
            One value per attribute, indexed by the attribute names, named ``"performance"``.
        """
        return pd.Series(asdict(self), name="performance")


@dataclass(frozen=True)
class SharpeTest:
    """Annualised Sharpe ratio, its stationary-bootstrap p-value under H0: Sharpe ≤ 0, the
    expected block length used, the number of resamples and the seed.

    Attributes
    ----------
    sharpe : float
        Annualised Sharpe ratio of the returns (NaN where undefined).
    p_value : float
        ``(1 + #{SR*_b ≥ SR}) / (1 + B)``, in [1/(1 + B), 1]; NaN where the Sharpe ratio is
        undefined.
    block_length : float
        Expected block length of the stationary bootstrap, in periods (≥ 1); NaN when it was not
        given and the Sharpe ratio is undefined.
    n_boot : int
        B, the number of bootstrap resamples.
    seed : int
        Seed of the resampling.
    """

    sharpe: float
    p_value: float
    block_length: float
    n_boot: int
    seed: int


# ----------------------------------------------------------------------------- input


def returns_array(returns: object, name: str = "returns") -> np.ndarray:
    """``returns`` as a 1-D float array, or ValueError naming the first non-finite value (with
    its date for a pandas Series) or the wrong shape. Any length, including 0, is accepted.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        The values, shape (n,).
    name : str
        Name of the input in error messages. Default ``"returns"``.

    Returns
    -------
    numpy.ndarray
        The values as floats, shape (n,).

    Raises
    ------
    ValueError
        For None, a string, bytes, a dict, booleans, values that are not real numbers, an array
        that is not 1-D, or a NaN or ±inf value.
    """
    if isinstance(returns, (str, bytes, dict)) or returns is None:
        _validate.fail(name, type(returns).__name__, "a 1-D sequence of real numbers")
    try:
        r = np.asarray(returns, dtype=float)
    except (TypeError, ValueError):
        _validate.fail(name, f"<{type(returns).__name__}>", "a 1-D sequence of real numbers")
    if np.asarray(returns).dtype == bool:
        _validate.fail(name, "<booleans>", "a 1-D sequence of real numbers")
    if r.ndim != 1:
        _validate.fail(f"{name}.shape", r.shape, "(n,): one value per period")
    bad = ~np.isfinite(r)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f" ({returns.index[i]})" if isinstance(returns, pd.Series) else ""
        raise ValueError(f"{name}[{i}]{where} is {float(r[i])!r}: every value must be finite "
                         f"({int(bad.sum())} bad value(s) in all)")
    return r


def _periods(periods_per_year: object) -> float:
    return _validate.positive("periods_per_year", periods_per_year)


def is_flat(r: np.ndarray) -> bool:
    """Zero variance by the module's rule: fewer than two values, or a range of at most
    :data:`FLAT_RTOL` times the largest magnitude.

    Parameters
    ----------
    r : numpy.ndarray
        Finite values, shape (n,) (not checked: use :func:`returns_array` first).

    Returns
    -------
    bool
        True when ``r`` has fewer than two values, is all zeros, or has
        ``max(r) − min(r) ≤ FLAT_RTOL·max|r|``.
    """
    if r.size < 2:
        return True
    scale = float(np.max(np.abs(r)))
    return bool(np.ptp(r) <= FLAT_RTOL * scale) if scale > 0 else True


# ----------------------------------------------------------------------------- metrics


def annual_return(returns: object, periods_per_year: float = 252) -> float:
    """A·mean(r) (arithmetic); NaN for an empty series.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        Annual return, a fraction per year (0.1 = 10 %); NaN for an empty series.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    r = returns_array(returns)
    ann = _periods(periods_per_year)
    return float(r.mean() * ann) if r.size else float("nan")


def annual_volatility(returns: object, periods_per_year: float = 252) -> float:
    """√A·std(r) (ddof = 1); NaN with fewer than two observations.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        Annualised volatility, a fraction (0.2 = 20 %); NaN with fewer than two observations.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    r = returns_array(returns)
    ann = _periods(periods_per_year)
    return float(r.std(ddof=1) * math.sqrt(ann)) if r.size >= 2 else float("nan")


def sharpe_ratio(returns: object, periods_per_year: float = 252) -> float:
    """√A·mean/std (ddof = 1); NaN with fewer than two observations or zero variance.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        Annualised Sharpe ratio (no risk-free rate subtracted); NaN with fewer than two
        observations or zero variance (:func:`is_flat`).

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.

    Examples
    --------
    >>> from mslab.performance import sharpe_ratio
    >>> daily = [0.01, -0.02, 0.015, 0.003, -0.004, 0.02]
    >>> round(sharpe_ratio(daily), 4)            # annualised with 252 periods a year
    4.3735
    >>> round(sharpe_ratio(daily, periods_per_year=12), 4)
    0.9544
    """
    r = returns_array(returns)
    ann = _periods(periods_per_year)
    if is_flat(r):
        return float("nan")
    return float(math.sqrt(ann) * r.mean() / r.std(ddof=1))


def sharpe_se_formula(sharpe: float, n_periods: int, periods_per_year: float = 252, *,
                      skewness: float = 0.0, kurtosis: float = 3.0) -> float:
    """Standard error of an annualised Sharpe ratio ``sharpe`` estimated on ``n_periods``
    periods (module docstring): Mertens' formula, which is Lo's for the normal defaults
    ``skewness=0``, ``kurtosis=3``. NaN when ``sharpe`` is NaN or ``n_periods`` < 2.

    Parameters
    ----------
    sharpe : float
        Annualised Sharpe ratio SR; ŝ = SR/√A is the per-period ratio. A NaN or ±inf value gives
        NaN.
    n_periods : int
        T, the number of periods of the estimate (≥ 0).
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252.
    skewness : float
        γ₃, the skewness of the per-period returns. Default 0 (normal).
    kurtosis : float
        γ₄, the kurtosis (not excess) of the per-period returns. Default 3 (normal).

    Returns
    -------
    float
        ``√A·√Var(ŝ)`` with ``Var(ŝ) = (1 + ŝ²/2 − γ₃·ŝ + (γ₄ − 3)/4·ŝ²) / T``, in the units of
        ``sharpe``; a negative variance (possible with a small kurtosis) counts as 0. NaN when
        ``sharpe`` is not finite or T < 2.

    Raises
    ------
    ValueError
        If ``periods_per_year`` is not a finite number > 0 or ``n_periods`` is not an integer
        ≥ 0.
    """
    ann = _periods(periods_per_year)
    n = _validate.integer("n_periods", n_periods, low=0)
    if n < 2 or not math.isfinite(sharpe):
        return float("nan")
    s = sharpe / math.sqrt(ann)
    var = (1.0 + 0.5 * s * s - skewness * s + 0.25 * (kurtosis - 3.0) * s * s) / n
    return float(math.sqrt(ann * max(var, 0.0)))


def null_sharpe_se(n_periods: object, periods_per_year: object = 252) -> object:
    """√(A/T): the standard error of an annualised Sharpe ratio whose true value is 0 (both
    formulas agree there). Works elementwise on arrays or pandas objects of T and A.

    No input check: the arguments go straight into ``numpy.sqrt(A / T)``.

    Parameters
    ----------
    n_periods : int, numpy.ndarray or pandas.Series
        T, the number of periods of the estimate (> 0).
    periods_per_year : float, numpy.ndarray or pandas.Series
        A, the number of periods in a year (> 0). Default 252.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        √(A/T), elementwise (a NumPy float for scalar inputs).

    Examples
    --------
    A year of daily returns estimates a Sharpe ratio of 0 with a standard error of 1:

    >>> from mslab.performance import null_sharpe_se
    >>> float(null_sharpe_se(252, 252)), float(null_sharpe_se(4 * 252, 252))
    (1.0, 0.5)
    """
    return np.sqrt(periods_per_year / n_periods)


def sharpe_standard_error(returns: object, periods_per_year: float = 252, *,
                          method: str = "mertens") -> float:
    """Standard error of :func:`sharpe_ratio` (module docstring): ``method="lo"`` assumes iid
    normal returns, ``"mertens"`` (default) corrects for their skewness and kurtosis. NaN where
    the Sharpe ratio is undefined.

    For ``"mertens"`` the skewness and kurtosis are the sample moments of the returns
    standardised with the ddof = 0 standard deviation; the formula is :func:`sharpe_se_formula`.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).
    method : str
        ``"mertens"`` (default) or ``"lo"``.

    Returns
    -------
    float
        Standard error of the annualised Sharpe ratio; NaN with fewer than two observations or
        zero variance.

    Raises
    ------
    ValueError
        If ``method`` is not ``"mertens"`` or ``"lo"``, ``returns`` is not a 1-D sequence of
        finite real numbers, or ``periods_per_year`` is not a finite number > 0.

    Examples
    --------
    Six daily returns say little: the standard error exceeds the estimate.

    >>> from mslab.performance import sharpe_standard_error
    >>> daily = [0.01, -0.02, 0.015, 0.003, -0.004, 0.02]
    >>> round(sharpe_standard_error(daily), 4), round(sharpe_standard_error(daily, method="lo"), 4)
    (7.0852, 6.6026)
    """
    method = _validate.choice("method", method, SE_METHODS)
    r = returns_array(returns)
    sr = sharpe_ratio(r, periods_per_year)
    if not math.isfinite(sr):
        return float("nan")
    skew, kurt = 0.0, 3.0
    if method == "mertens":
        z = (r - r.mean()) / r.std(ddof=0)
        skew, kurt = float(np.mean(z**3)), float(np.mean(z**4))
    return sharpe_se_formula(sr, r.size, periods_per_year, skewness=skew, kurtosis=kurt)


def sortino_ratio(returns: object, periods_per_year: float = 252) -> float:
    """√A·mean/DD with DD = √(mean(min(r, 0)²)); NaN without downside, with fewer than two
    observations or zero variance.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        Annualised Sortino ratio (target 0, downside deviation over all periods); NaN when no
        return is negative, with fewer than two observations or zero variance.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    r = returns_array(returns)
    ann = _periods(periods_per_year)
    if is_flat(r):
        return float("nan")
    dd = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    return float(math.sqrt(ann) * r.mean() / dd) if dd > 0.0 else float("nan")


def max_drawdown(returns: object) -> float:
    """Largest fall of the wealth W_t = Π(1 + r) from its running peak (W_0 = 1 included), as
    a positive fraction (1 = ruin); 0 for an empty series.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns per period, shape (n,); every value finite.

    Returns
    -------
    float
        ``max_t (1 − W_t / max_{s≤t} W_s)``, in [0, 1] (a wealth that falls below 0 counts as
        1); 0 for an empty series or one that never falls.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers.

    Examples
    --------
    >>> from mslab.performance import max_drawdown
    >>> round(max_drawdown([0.10, -0.05, -0.05, 0.20]), 4)    # 1.1 → 0.99275: a 9.75 % fall
    0.0975
    """
    r = returns_array(returns)
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    peak = np.maximum.accumulate(wealth)  # >= W_0 = 1
    return float(min(1.0, np.max(1.0 - wealth / peak)))


def equity_drawdown(equity: object) -> float:
    """Largest fall of an equity curve from its running peak, in its own units (≥ 0; 0 for
    fewer than two points).

    Parameters
    ----------
    equity : list of float, numpy.ndarray or pandas.Series
        Equity curve (e.g. cumulative P&L in money), shape (n,); every value finite.

    Returns
    -------
    float
        ``max_t (max_{s≤t} e_s − e_t)``, in the units of ``equity``.

    Raises
    ------
    ValueError
        If ``equity`` is not a 1-D sequence of finite real numbers.
    """
    e = returns_array(equity, "equity")
    return float(np.max(np.maximum.accumulate(e) - e)) if e.size else 0.0


def cagr(returns: object, periods_per_year: float = 252) -> float:
    """Compound annual growth W_n^{A/n} − 1 (−1 after ruin; NaN for an empty series or when it
    exceeds the largest float).

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        CAGR, a fraction per year; −1 when the final wealth Π(1 + r) is ≤ 0; NaN for an empty
        series or a growth too large for a float.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    r = returns_array(returns)
    ann = _periods(periods_per_year)
    if r.size == 0:
        return float("nan")
    final = float(np.prod(1.0 + r))
    if final <= 0.0:
        return -1.0
    log_growth = math.log(final) * ann / r.size
    return math.expm1(log_growth) if log_growth < _MAX_LOG else float("nan")


def calmar_ratio(returns: object, periods_per_year: float = 252) -> float:
    """CAGR / max drawdown; NaN without a drawdown.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252 (daily stock data).

    Returns
    -------
    float
        :func:`cagr` over :func:`max_drawdown`; NaN when the drawdown is 0 or the CAGR is NaN.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    mdd = max_drawdown(returns)
    return cagr(returns, periods_per_year) / mdd if mdd > 0 else float("nan")


def annual_turnover(turnover: object, periods_per_year: float = 252) -> float:
    """A·mean of the per-period traded notional over capital; NaN for an empty series.

    Parameters
    ----------
    turnover : list of float, numpy.ndarray or pandas.Series
        Traded notional over capital in each period, shape (n,); every value finite.
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252.

    Returns
    -------
    float
        Annual turnover (1 = the capital traded once a year); NaN for an empty series.

    Raises
    ------
    ValueError
        If ``turnover`` is not a 1-D sequence of finite real numbers, or ``periods_per_year`` is
        not a finite number > 0.
    """
    return annual_return(returns_array(turnover, "turnover"), periods_per_year)


def breakeven_cost_bps(gross_annual_return: float, annual_turnover: float) -> float:
    """The cost per unit of traded notional (bps) that would cancel the gross annual return:
    ``return / (turnover · 10⁻⁴)``. Exact when costs are a constant rate of traded notional and
    never change the trades; NaN without turnover.

    Parameters
    ----------
    gross_annual_return : float
        Annual return before costs, a fraction per year (0.1 = 10 %).
    annual_turnover : float
        Annual traded notional over capital (:func:`annual_turnover`).

    Returns
    -------
    float
        Break-even cost in bps of traded notional; NaN when ``annual_turnover`` is not finite or
        is ≤ 0.

    Raises
    ------
    ValueError
        If ``gross_annual_return`` is not a finite real number.
    """
    ret = _validate.real("gross_annual_return", gross_annual_return)
    if not math.isfinite(annual_turnover) or annual_turnover <= 0.0:
        return float("nan")
    return float(ret / (1e-4 * annual_turnover))


def hit_rate(pnl: object) -> float:
    """Share of trades with P&L > 0 (a zero P&L is not a hit); NaN without trades.

    Parameters
    ----------
    pnl : list of float, numpy.ndarray or pandas.Series
        Net P&L of each trade (any money unit), shape (n,); every value finite.

    Returns
    -------
    float
        The fraction of positive values, in [0, 1]; NaN for an empty series.

    Raises
    ------
    ValueError
        If ``pnl`` is not a 1-D sequence of finite real numbers.
    """
    p = returns_array(pnl, "pnl")
    return float((p > 0).mean()) if p.size else float("nan")


def performance(returns: object, *, turnover: object = None, trades: pd.DataFrame | None = None,
                periods_per_year: float = 252) -> Performance:
    """Metrics of ``returns`` (at least two periods); ``turnover`` (traded notional / capital,
    one per period) and ``trades`` (a table with columns ``pnl``, ``cost``,
    ``traded_notional``, as in :class:`mslab.pairs.backtest.PairBacktestResult`) are
    optional.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,) with n ≥ 2; every value finite.
    turnover : list of float, numpy.ndarray or pandas.Series
        Traded notional over capital in each period, shape (n,) like ``returns``. Default None:
        the ``turnover`` metric is NaN.
    trades : pandas.DataFrame
        One row per trade with columns ``pnl`` (net P&L), ``cost`` (in the units of ``pnl``)
        and ``traded_notional`` (same money unit); other columns are ignored. Default None: no
        trade metrics (``n_trades`` 0, hit rate and average cost NaN).
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252.

    Returns
    -------
    Performance
        All metrics, NaN where undefined (the Sharpe standard error by Mertens' formula).

    Raises
    ------
    ValueError
        If ``returns`` has fewer than two values or is not a 1-D sequence of finite numbers,
        ``turnover`` has another length or a non-finite value, ``trades`` is not a DataFrame
        with the three columns, or ``periods_per_year`` is not a finite number > 0.
    """
    r = returns_array(returns)
    if r.size < 2:
        _validate.fail("returns.shape", r.shape, "(n,) with n >= 2: one value per period")
    ann = _periods(periods_per_year)
    to = float("nan")
    if turnover is not None:
        tv = returns_array(turnover, "turnover")
        if tv.size != r.size:
            raise ValueError(f"turnover has {tv.size} values but returns has {r.size}: one per "
                             "period is needed")
        to = annual_turnover(tv, ann)
    n_trades, hit, cost_bps = 0, float("nan"), float("nan")
    if trades is not None:
        if not isinstance(trades, pd.DataFrame):
            _validate.fail("trades", type(trades).__name__, "a DataFrame of trades or None")
        missing = {"pnl", "cost", "traded_notional"} - set(trades.columns)
        if missing:
            _validate.fail("trades", f"<table with columns {list(trades.columns)}>",
                           f"a table with columns pnl, cost, traded_notional (missing "
                           f"{sorted(missing)})")
        n_trades = len(trades)
        hit = hit_rate(trades["pnl"].to_numpy(dtype=float))
        traded = float(trades["traded_notional"].sum())
        if n_trades and traded > 0:
            cost_bps = float(trades["cost"].sum() / traded * 1e4)
    sharpe = sharpe_ratio(r, ann)
    return Performance(
        n_periods=int(r.size),
        annual_return=annual_return(r, ann),
        annual_volatility=annual_volatility(r, ann),
        sharpe=sharpe,
        sharpe_se=sharpe_standard_error(r, ann),
        sortino=sortino_ratio(r, ann),
        max_drawdown=max_drawdown(r),
        calmar=calmar_ratio(r, ann),
        cagr=cagr(r, ann),
        turnover=to,
        n_trades=n_trades,
        hit_rate=hit,
        avg_cost_bps=cost_bps,
    )


# ----------------------------------------------------------------------------- bootstrap


def sharpe_pvalue(returns: object, *, n_boot: int = 999, seed: int = 0,
                  block_length: float | None = None, periods_per_year: float = 252
                  ) -> SharpeTest:
    """Stationary-bootstrap p-value of the Sharpe ratio under H0: Sharpe ≤ 0 (module
    docstring). Reproducible for a given ``seed``; NaN p-value (and block length, unless
    given) where the Sharpe ratio is undefined.

    Parameters
    ----------
    returns : list of float, numpy.ndarray or pandas.Series
        Simple returns (or P&L increments) per period, shape (n,); every value finite.
    n_boot : int
        B, the number of bootstrap resamples, in [1, 10⁶]. Default 999.
    seed : int
        Seed (≥ 0) of the resampling's ``numpy.random.default_rng``. Default 0.
    block_length : float or None
        Expected block length in periods (≥ 1). Default None: the automatic choice of
        ``arch.bootstrap.optimal_block_length`` (at least 1).
    periods_per_year : float
        A, the number of periods in a year (> 0). Default 252.

    Returns
    -------
    SharpeTest
        The annualised Sharpe ratio, the p-value, the block length used, ``n_boot`` and
        ``seed``.

    Raises
    ------
    ValueError
        If ``returns`` is not a 1-D sequence of finite real numbers, or ``n_boot``, ``seed``,
        ``block_length`` or ``periods_per_year`` is outside the ranges above.
    """
    r = returns_array(returns)
    n_boot = _validate.integer("n_boot", n_boot, low=1, high=10**6)
    seed = _validate.seed("seed", seed)
    ann = _periods(periods_per_year)
    if block_length is not None:
        block_length = _validate.real("block_length", block_length, low=1.0)
    sr = sharpe_ratio(r, ann)
    if not math.isfinite(sr):
        return SharpeTest(sharpe=sr, p_value=float("nan"), block_length=float("nan")
                          if block_length is None else block_length, n_boot=n_boot, seed=seed)
    # arch (and the scipy.stats it loads) takes seconds to import: only this function needs it
    from arch.bootstrap import StationaryBootstrap, optimal_block_length

    block = (max(1.0, float(optimal_block_length(r)["stationary"].iloc[0]))
             if block_length is None else block_length)
    boot = StationaryBootstrap(block, r - r.mean(), seed=np.random.default_rng(seed))
    stats = boot.apply(_raw_sharpe, n_boot).ravel() * math.sqrt(ann)
    p = (1.0 + np.count_nonzero(stats >= sr)) / (1.0 + n_boot)
    return SharpeTest(sharpe=sr, p_value=float(p), block_length=block, n_boot=n_boot, seed=seed)


def _raw_sharpe(z: np.ndarray) -> float:
    """Per-period Sharpe of a resample; −inf for a constant one (never counted as ≥ SR)."""
    return -np.inf if is_flat(z) else z.mean() / z.std(ddof=1)
