"""Mean reversion of a spread: Ornstein–Uhlenbeck fit, rolling scores and position signals.

Model (time in trading days, spread in the caller's units, e.g. log-price):
dX = κ(m − X)dt + σ dW. Sampled every dt days it is the AR(1)

    X_{t+1} = a + b X_t + ζ_{t+1},   b = e^{−κ dt},  a = m(1 − b),  Var ζ = σ_eq²(1 − b²),

with σ_eq = σ/√(2κ) the stationary standard deviation. :func:`fit_ou` estimates a, b by OLS
and inverts: κ = −ln b/dt, m = a/(1 − b), σ_eq = √(Var ζ/(1 − b²)), σ = σ_eq√(2κ), half-life
ln 2/κ (Avellaneda & Lee 2010, appendix, with dt = 1 day rather than 1/252 year). Var ζ is
the unbiased OLS residual variance SSR/(n − 2) over the n = len(X) − 1 regression pairs
(statsmodels' OLS ``scale``; AutoReg's ``sigma2`` is SSR/n). The fit exists only for
0 < b < 1; otherwise κ, m, σ, σ_eq and the half-life are NaN.

Scores (causal: the value at t uses the spread up to and including t only):

``rolling_zscore``  (X_t − mean)/std over the last ``window`` values (std with ddof = 1).
``rolling_sscore``  Avellaneda–Lee's s = (X_t − m)/σ_eq from an OU fit to the last ``window``
                    values (default 60), flagged *tradable* when κ > ``min_kappa`` (default
                    1/30 per day, the paper's κ > 252/30 per year: mean-reversion time under
                    half the window). The paper fits the cumulated residual of a stock on its
                    sector ETF, which ends each window at 0; here X is the pair spread itself.

:func:`score_positions` turns any score into a position (+1 long the spread, −1 short, 0 flat)
with the state machine documented there; defaults are Avellaneda & Lee's thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate


@dataclass(frozen=True)
class OUFit:
    """AR(1) fit of a spread and the Ornstein–Uhlenbeck parameters it implies (module docstring).

    Time is in the unit ``dt`` is given in — trading days, as in the module docstring, so κ is
    per day and the half-life in days whatever the sampling interval; the spread is in the
    caller's units (e.g. log-price). The OU parameters are NaN unless 0 < b < 1.

    Attributes
    ----------
    a : float
        AR(1) intercept a (spread units).
    b : float
        AR(1) slope b = e^{−κ dt}.
    resid_var : float
        Unbiased residual variance Var ζ = SSR/(n − 2) (spread units²).
    kappa : float
        Mean-reversion speed κ = −ln b/dt, per day (NaN unless 0 < b < 1).
    mean : float
        Long-run mean m = a/(1 − b) (NaN unless 0 < b < 1).
    sigma : float
        Diffusion σ = σ_eq√(2κ), spread units per √day (NaN unless 0 < b < 1).
    sigma_eq : float
        Stationary standard deviation σ_eq = √(Var ζ/(1 − b²)) (NaN unless 0 < b < 1).
    half_life : float
        ln 2/κ, days (NaN unless 0 < b < 1).
    n_obs : int
        Number n of regression pairs (X_t, X_{t+1}), len(X) − 1.
    dt : float
        Sampling interval, trading days.
    """

    a: float
    b: float
    resid_var: float
    kappa: float
    mean: float
    sigma: float
    sigma_eq: float
    half_life: float
    n_obs: int
    dt: float

    @property
    def mean_reverting(self) -> bool:
        """True when 0 < b < 1, i.e. the OU parameters exist."""
        return 0.0 < self.b < 1.0


def _spread_values(spread: object, name: str = "spread", *, allow_nan: bool = False,
                   min_len: int = 3) -> np.ndarray:
    if not isinstance(spread, pd.Series):
        _validate.fail(name, type(spread).__name__, "a pandas Series")
    try:
        v = spread.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        _validate.fail(f"{name}.dtype", str(spread.dtype), "numeric")
    bad = np.isinf(v) if allow_nan else ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        when = spread.index[i]
        when = when.date() if isinstance(when, pd.Timestamp) else when
        raise ValueError(f"{name} at {when} is {float(v[i])!r}: every value must be finite"
                         + (" or NaN" if allow_nan else " (drop missing values first)"))
    if v.size < min_len:
        _validate.fail(f"len({name})", v.size, f"at least {min_len}")
    return np.ascontiguousarray(v)


@njit(cache=True)
def _ar1(x, lo, hi):
    """OLS of x[t+1] on (1, x[t]) for lo <= t < hi - 1: returns (a, b, SSR/(n - 2))."""
    n = hi - lo - 1
    mx = 0.0
    my = 0.0
    for t in range(lo, hi - 1):
        mx += x[t]
        my += x[t + 1]
    mx /= n
    my /= n
    sxx = 0.0
    sxy = 0.0
    for t in range(lo, hi - 1):
        sxx += (x[t] - mx) * (x[t] - mx)
        sxy += (x[t] - mx) * (x[t + 1] - my)
    if sxx <= 0.0:
        return np.nan, np.nan, np.nan
    b = sxy / sxx
    a = my - b * mx
    ssr = 0.0
    for t in range(lo, hi - 1):
        r = x[t + 1] - a - b * x[t]
        ssr += r * r
    return a, b, ssr / (n - 2)


@njit(cache=True)
def _ou_from_ar1(a, b, v, dt):
    """(kappa, mean, sigma, sigma_eq) from AR(1) coefficients; NaN unless 0 < b < 1."""
    if not (0.0 < b < 1.0):
        return np.nan, np.nan, np.nan, np.nan
    kappa = -np.log(b) / dt
    sigma_eq = np.sqrt(v / (1.0 - b * b))
    return kappa, a / (1.0 - b), sigma_eq * np.sqrt(2.0 * kappa), sigma_eq


def fit_ou(spread: pd.Series, dt: float = 1.0) -> OUFit:
    """Fit the OU model of the module docstring to a spread sampled every ``dt`` trading days.

    Parameters
    ----------
    spread : pandas.Series
        The spread X (e.g. log-price units), finite, at least 4 values, in time order.
    dt : float
        Sampling interval, > 0, in trading days (then κ is per day and the half-life in days;
        dt in years would make them per year and in years).

    Returns
    -------
    OUFit
        The AR(1) coefficients and the implied OU parameters (NaN unless 0 < b < 1).

    Raises
    ------
    ValueError
        If ``spread`` is not a numeric Series of at least 4 finite values, it is constant, or
        ``dt`` ≤ 0.
    """
    dt = _validate.positive("dt", dt)
    x = _spread_values(spread, min_len=4)
    a, b, v = _ar1(x, 0, x.size)
    if not np.isfinite(b):
        raise ValueError("spread is constant: an AR(1) cannot be fitted to it")
    kappa, mean, sigma, sigma_eq = _ou_from_ar1(a, b, v, dt)
    return OUFit(float(a), float(b), float(v), float(kappa), float(mean), float(sigma),
                 float(sigma_eq), float(np.log(2.0) / kappa), x.size - 1, dt)


def rolling_zscore(spread: pd.Series, window: int) -> pd.Series:
    """Rolling z-score (X_t − mean)/std of the last ``window`` values (std with ddof = 1).

    Parameters
    ----------
    spread : pandas.Series
        The spread X, finite values (no NaN), at least 1.
    window : int
        Number of values in each window, ≥ 2.

    Returns
    -------
    pandas.Series
        Named ``zscore``, on the dates of ``spread``; NaN for the first ``window`` − 1 days.

    Raises
    ------
    ValueError
        If ``spread`` is not a numeric Series of finite values or ``window`` < 2.
    """
    window = _validate.integer("window", window, low=2)
    x = _spread_values(spread, min_len=1)
    s = pd.Series(x, index=spread.index)
    roll = s.rolling(window, min_periods=window)
    return ((s - roll.mean()) / roll.std(ddof=1)).rename("zscore")


@njit(cache=True)
def _rolling_sscore(x, window, dt, out):
    for t in range(x.size):
        if t < window - 1:
            for j in range(6):
                out[t, j] = np.nan
            continue
        a, b, v = _ar1(x, t - window + 1, t + 1)
        kappa, mean, sigma, sigma_eq = _ou_from_ar1(a, b, v, dt)
        out[t, 0] = a
        out[t, 1] = b
        out[t, 2] = kappa
        out[t, 3] = mean
        out[t, 4] = sigma_eq
        out[t, 5] = (x[t] - mean) / sigma_eq


def rolling_sscore(spread: pd.Series, window: int = 60, min_kappa: float = 1.0 / 30.0
                   ) -> pd.DataFrame:
    """Avellaneda–Lee s-score of each day from an OU fit to the last ``window`` values.

    The fit is :func:`fit_ou`'s with dt = 1 day, on the values t − ``window`` + 1 … t.

    Parameters
    ----------
    spread : pandas.Series
        The spread X, finite values (no NaN), at least ``window`` of them.
    window : int
        Number of values in each fit, ≥ 4 (default 60).
    min_kappa : float
        Least mean-reversion speed κ, per day, ≥ 0, for a day to be tradable (default 1/30).

    Returns
    -------
    pandas.DataFrame
        On the dates of ``spread``, columns ``a``, ``b`` (AR(1)), ``kappa`` (per day),
        ``mean``, ``sigma_eq``, ``sscore`` = (X_t − mean)/σ_eq and ``tradable``
        (κ > ``min_kappa``). Rows before the first full window are NaN; where a window is not
        mean-reverting (b outside (0, 1)) ``kappa``, ``mean``, ``sigma_eq`` and ``sscore``
        are NaN; ``tradable`` is False wherever ``kappa`` is NaN.

    Raises
    ------
    ValueError
        If ``spread`` is not a numeric Series of finite values, is shorter than ``window``,
        ``window`` < 4 or ``min_kappa`` < 0.
    """
    window = _validate.integer("window", window, low=4)
    min_kappa = _validate.nonnegative("min_kappa", min_kappa)
    x = _spread_values(spread, min_len=window)
    out = np.empty((x.size, 6))
    _rolling_sscore(x, window, 1.0, out)
    df = pd.DataFrame(out, index=spread.index,
                      columns=["a", "b", "kappa", "mean", "sigma_eq", "sscore"])
    df["tradable"] = np.nan_to_num(out[:, 2], nan=-np.inf) > min_kappa
    return df


@njit(cache=True)
def _positions(score, tradable, open_long, close_long, open_short, close_short, stop, out):
    pos = 0
    block_long = False
    block_short = False
    for t in range(score.size):
        s = score[t]
        if not np.isnan(s):
            if pos == 1:
                if s > close_long:
                    pos = 0
                elif s < -stop:
                    pos = 0
                    block_long = True
            elif pos == -1:
                if s < close_short:
                    pos = 0
                elif s > stop:
                    pos = 0
                    block_short = True
            if block_long and s >= open_long:
                block_long = False
            if block_short and s <= open_short:
                block_short = False
            if pos == 0 and tradable[t]:
                if s < open_long and not block_long:
                    pos = 1
                elif s > open_short and not block_short:
                    pos = -1
        out[t] = pos


def score_positions(score: pd.Series, tradable: pd.Series | None = None, *,
                    open_long: float = -1.25, close_long: float = -0.50,
                    open_short: float = 1.25, close_short: float = 0.75,
                    stop: float | None = None) -> pd.Series:
    """Position in the spread (+1 long, −1 short, 0 flat) held from the close of each day,
    decided from that day's score only (so it is causal if the score is).

    Each day with a score s (NaN: the position is left unchanged):

    1. exit: a long closes if s > ``close_long``, or is stopped out if s < −``stop``; a short
       closes if s < ``close_short``, or is stopped out if s > ``stop``;
    2. after a stop-out no new position on the same side opens until s is back inside the entry
       level (s ≥ ``open_long`` for longs, s ≤ ``open_short`` for shorts);
    3. entry, if flat (also just after an exit, so a position can flip) and ``tradable``: long
       if s < ``open_long``, short if s > ``open_short``.

    Defaults are Avellaneda & Lee's (open ∓1.25, close long −0.50, close short +0.75, no stop).
    Gatev et al.'s rule on a z-score is open ∓2, close 0; Chan's Kalman rule on e/√Q is open
    ∓1, close ∓1.

    Parameters
    ----------
    score : pandas.Series
        The score of each day (e.g. a z-score or s-score): finite or NaN, at least 1 value.
    tradable : pandas.Series or None
        Booleans on the dates of ``score``; only gates entries. None (default): all True.
    open_long : float
        Enter long below this level.
    close_long : float
        Close a long above this level, ≥ ``open_long``.
    open_short : float
        Enter short above this level, > ``open_long``.
    close_short : float
        Close a short below this level, ≤ ``open_short``.
    stop : float or None
        Stop-out level, > max(−``open_long``, ``open_short``); None (default): no stop.

    Returns
    -------
    pandas.Series
        Named ``position``, int8 in {−1, 0, +1}, on the dates of ``score``.

    Raises
    ------
    ValueError
        If ``score`` is not a numeric Series (or holds ±inf), a level is not finite or the
        levels are not ordered as above, or ``tradable`` is not a boolean Series on the dates
        of ``score``.
    """
    s = _spread_values(score, "score", allow_nan=True, min_len=1)
    thresholds = {nm: _validate.real(nm, v) for nm, v in (
        ("open_long", open_long), ("close_long", close_long), ("open_short", open_short),
        ("close_short", close_short))}
    if open_long > close_long:
        _validate.fail("close_long", close_long, f">= open_long={open_long!r}")
    if close_short > open_short:
        _validate.fail("close_short", close_short, f"<= open_short={open_short!r}")
    if open_long >= open_short:
        _validate.fail("open_short", open_short, f"> open_long={open_long!r}")
    if stop is None:
        stop_v = np.inf
    else:
        stop_v = _validate.real("stop", stop, low=max(-open_long, open_short), low_open=True)
    if tradable is None:
        allowed = np.ones(s.size, dtype=np.bool_)
    else:
        if not isinstance(tradable, pd.Series) or not pd.api.types.is_bool_dtype(tradable):
            _validate.fail("tradable", type(tradable).__name__, "None or a boolean pandas Series")
        if not tradable.index.equals(score.index):
            raise ValueError("tradable and score are misaligned: tradable must have exactly the "
                             "dates of score")
        allowed = np.ascontiguousarray(tradable.to_numpy(dtype=np.bool_))
    out = np.empty(s.size, dtype=np.int8)
    _positions(s, allowed, thresholds["open_long"], thresholds["close_long"],
               thresholds["open_short"], thresholds["close_short"], stop_v, out)
    return pd.Series(out, index=score.index, name="position")
