"""Capital allocation across strategies (pairs, baskets, any strategy), walk-forward.

Input: a table of daily out-of-sample strategy returns (dates × strategies), each on the
strategy's own capital (e.g. :attr:`mslab.pairs.walkforward.WalkForwardResult.pair_returns`),
NaN where a strategy is not active. Output: the weights a rule sets at each rebalance and the
return of the allocated portfolio, ``r_p,s = Σ_j w_j r_j,s`` (a weight on a strategy that is not
active on day s earns 0: its capital is idle).

Timing (no look-ahead). Weights are decided at the close of rebalance day t (every
``rebalance`` rows, the first at row ``rebalance − 1``) from returns of days ≤ t only, and held
from day t + 1 until the next rebalance. Which strategies are *active* on day t + 1 is taken as
known at t (``active``, default: the non-missing entries of ``returns``): a walk-forward pair is
selected at the end of its formation window, before it trades. No return after t is used.

Eligibility and the estimation window. The estimation window of rebalance t is the last
``lookback`` rows ending at t (fewer at the start). A strategy is *eligible* if it is active on
day t + 1 and was observed (not NaN) on at least ``min_history`` days of the window; in the
window its missing days count as returns of 0, which is what capital set aside for a strategy
that is not trading earns (it also makes a strategy that traded on few days of the window look
less volatile than it is). Every rule sees the same eligible set; with none eligible the
portfolio is in cash (weights 0). With the sample covariance, a strategy whose window returns
did not move (variance 0) is left out; Ledoit–Wolf shrinkage gives it a positive variance.

Estimates: mean ``μ`` (per day) and covariance ``Σ`` of the window's returns. ``covariance =
"ledoit_wolf"`` (default) shrinks the sample covariance towards a scaled identity with Ledoit &
Wolf's (2004) optimal intensity (``sklearn.covariance.LedoitWolf``); ``"sample"`` uses the
unbiased sample covariance (pseudo-inverse where it is singular, e.g. with fewer days than
strategies). Rules (weights ``w`` on the n eligible strategies):

``equal``          ``w_i = 1/n`` (DeMiguel, Garlappi & Uppal 2009);
``inverse_vol``    ``w_i ∝ 1/σ_i``, σ_i² = Σ_ii;
``risk_parity``    equal risk contributions ``w_i (Σw)_i = wᵀΣw / n``, ``w ≥ 0`` (Maillard,
                   Roncalli & Teïletche 2010), found by cyclical coordinate descent on the
                   convex problem ``min ½ yᵀΣy − (1/n) Σ ln y_i``, ``w = y / Σ y`` (each step
                   solves the i-th first-order condition, a quadratic, exactly); equals
                   ``inverse_vol`` when Σ is diagonal or n = 2;
``mean_variance``  ``w ∝ Σ⁻¹μ``, the unconstrained mean-variance (tangency) direction, scaled to
                   ``Σ|w_i| = 1``; a negative weight runs that strategy in reverse;
``kelly``          ``w = f·Σ⁻¹μ`` (fractional Kelly: f = ``kelly_fraction`` of the growth-optimal
                   leverage of Kelly 1956 / Thorp 2006 in the Gaussian approximation; μ, Σ per
                   day, so ``w`` is a leverage), scaled down to ``Σ|w_i| ≤ max_leverage``.

Gross exposure ``Σ|w_i|`` (capital put to work, 1 = all of it) is therefore 1 for the first four
rules whenever a strategy is eligible, and varies with the estimated edge for ``kelly``, capped
at ``max_leverage``.

Reported (:class:`Allocation`): the daily portfolio ``returns``, gross ``exposure`` of the
weights held, ``turnover`` (``Σ|Δw_i|`` on the day new weights take effect, so
:func:`mslab.performance.annual_turnover` counts how much of the capital is reallocated a
year), the weights at each rebalance, and the *in-sample* portfolio return of each estimation
window with the weights fitted on it — set against the out-of-sample returns, its Sharpe ratio
shows how much of a rule's apparent edge is estimation error. :func:`weight_bootstrap`
resamples the days of one estimation window to show how unstable the weights themselves are.
All metrics come from :mod:`mslab.performance`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numba import njit
from sklearn.covariance import LedoitWolf

from mslab import _validate
from mslab import performance as perf

RULES = ("equal", "inverse_vol", "risk_parity", "mean_variance", "kelly")
COVARIANCES = ("ledoit_wolf", "sample")
RULE_NAMES = {"equal": "equal weight (1/N)", "inverse_vol": "inverse volatility",
              "risk_parity": "risk parity (ERC)", "mean_variance": "mean-variance",
              "kelly": "fractional Kelly"}
"""Display names of the rules."""


# ----------------------------------------------------------------------------- estimates


def _matrix(name: str, value: object, *, square: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        _validate.fail(name, f"<{type(value).__name__}>", "a 2-D array of finite real numbers")
    ok = arr.ndim == 2 and arr.size > 0 and np.isfinite(arr).all()
    if ok and square:
        ok = arr.shape[0] == arr.shape[1] and np.allclose(arr, arr.T, rtol=1e-10, atol=0.0)
    if not ok:
        _validate.fail(name, f"<array of shape {arr.shape}>",
                       "a symmetric square matrix of finite numbers" if square
                       else "a non-empty 2-D array of finite real numbers")
    return np.ascontiguousarray(arr)


def _cov(cov: object) -> np.ndarray:
    c = _matrix("cov", cov, square=True)
    if np.any(np.diag(c) <= 0.0):
        _validate.fail("cov", "<matrix with a variance <= 0>", "a covariance matrix with "
                       "positive variances")
    return c


def _mu(mu: object, n: int) -> np.ndarray:
    m = _validate.real_vector("mu", mu)
    if m.size != n:
        _validate.fail("mu", f"<{m.size} values>", f"one mean per strategy ({n})")
    return m


def covariance(window: object, method: str = "ledoit_wolf") -> np.ndarray:
    """Covariance matrix of the strategies' returns in an estimation window.

    Ledoit–Wolf shrinkage (``sklearn.covariance.LedoitWolf``, which uses ddof = 0) or the unbiased
    sample covariance (``method="sample"``).

    Parameters
    ----------
    window : numpy.ndarray
        Returns, shape (n_days, n): days × strategies, finite, at least 2 days.
    method : str
        ``"ledoit_wolf"`` (default) or ``"sample"``.

    Returns
    -------
    numpy.ndarray
        Covariance, shape (n, n), in (return per day)² when the window holds daily returns.

    Raises
    ------
    ValueError
        If ``window`` is not a non-empty 2-D array of finite numbers, has fewer than 2 rows, or
        ``method`` is not one of the two above.
    """
    x = _matrix("window", window)
    method = _validate.choice("method", method, COVARIANCES)
    if x.shape[0] < 2:
        _validate.fail("window.shape", x.shape, "(n_days, n) with n_days >= 2")
    if method == "sample":
        return np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    return LedoitWolf().fit(x).covariance_


def _solve(cov: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Σ⁻¹μ, by the pseudo-inverse when Σ is singular."""
    try:
        if np.linalg.cond(cov) < 1e12:
            return np.linalg.solve(cov, mu)
    except np.linalg.LinAlgError:
        pass
    return np.linalg.pinv(cov, hermitian=True) @ mu


# ----------------------------------------------------------------------------- rules


def equal_weights(n: int) -> np.ndarray:
    """Equal weights, ``1/n`` each.

    Parameters
    ----------
    n : int
        Number of strategies, at least 1.

    Returns
    -------
    numpy.ndarray
        Shape (n,), every entry ``1/n``.

    Raises
    ------
    ValueError
        If ``n`` is not an integer ≥ 1.
    """
    n = _validate.integer("n", n, low=1)
    return np.full(n, 1.0 / n)


def inverse_vol_weights(cov: object) -> np.ndarray:
    """Inverse-volatility weights, ``w_i ∝ 1/√Σ_ii``, summing to 1.

    Parameters
    ----------
    cov : numpy.ndarray
        Covariance matrix Σ, shape (n, n): symmetric, finite, positive diagonal.

    Returns
    -------
    numpy.ndarray
        Shape (n,), positive, summing to 1.

    Raises
    ------
    ValueError
        If ``cov`` is not a symmetric square matrix of finite numbers with positive variances.
    """
    c = _cov(cov)
    inv = 1.0 / np.sqrt(np.diag(c))
    return inv / inv.sum()


def risk_contributions(weights: object, cov: object) -> np.ndarray:
    """Shares of the portfolio variance, ``w_i (Σw)_i / wᵀΣw`` (they sum to 1).

    Parameters
    ----------
    weights : numpy.ndarray
        Portfolio weights ``w``, shape (n,), finite.
    cov : numpy.ndarray
        Covariance matrix Σ, shape (n, n): symmetric, finite, positive diagonal.

    Returns
    -------
    numpy.ndarray
        Shape (n,): each strategy's share of ``wᵀΣw`` (dimensionless).

    Raises
    ------
    ValueError
        If ``cov`` is not a valid covariance matrix, ``weights`` does not hold one finite value
        per row of ``cov``, or the portfolio variance ``wᵀΣw`` is not positive.
    """
    c = _cov(cov)
    w = _validate.real_vector("weights", weights)
    if w.size != c.shape[0]:
        _validate.fail("weights", f"<{w.size} values>", f"one weight per row of cov ({c.shape[0]})")
    var = float(w @ c @ w)
    if var <= 0.0:
        _validate.fail("weights", "<zero-variance portfolio>", "weights of a portfolio with "
                       "positive variance")
    return w * (c @ w) / var


@njit(cache=True)
def _erc(cov, tol, max_iter):
    """Cyclical coordinate descent for min ½ yᵀΣy − b Σ ln y (b = 1/n); returns y and the
    number of sweeps (−1 if it did not converge)."""
    n = cov.shape[0]
    b = 1.0 / n
    y = np.empty(n)
    for i in range(n):
        y[i] = 1.0 / np.sqrt(cov[i, i])
    for sweep in range(max_iter):
        change = 0.0
        for i in range(n):
            c = 0.0
            for j in range(n):
                if j != i:
                    c += cov[i, j] * y[j]
            new = (-c + np.sqrt(c * c + 4.0 * cov[i, i] * b)) / (2.0 * cov[i, i])
            change = max(change, abs(new - y[i]) / new)
            y[i] = new
        if change < tol:
            return y, sweep + 1
    return y, -1


def risk_parity_weights(cov: object, *, tol: float = 1e-10, max_iter: int = 10_000
                        ) -> np.ndarray:
    """Equal-risk-contribution weights (module docstring), summing to 1.

    Parameters
    ----------
    cov : numpy.ndarray
        Covariance matrix Σ, shape (n, n): symmetric, finite, positive diagonal; the descent
        converges when Σ is positive definite.
    tol : float
        Convergence tolerance in (0, 0.01]: the largest relative change of a coordinate in the
        last sweep.
    max_iter : int
        Largest number of sweeps of the coordinate descent, in [1, 10⁷].

    Returns
    -------
    numpy.ndarray
        Shape (n,), positive, summing to 1.

    Raises
    ------
    ValueError
        If ``cov``, ``tol`` or ``max_iter`` is out of range, or n² · ``max_iter`` exceeds the
        work bound of :mod:`mslab._validate`.
    RuntimeError
        If ``max_iter`` sweeps do not reach ``tol`` (or the result is not finite).
    """
    c = _cov(cov)
    tol = _validate.real("tol", tol, low=0.0, high=1e-2, low_open=True)
    max_iter = _validate.integer("max_iter", max_iter, low=1, high=10**7)
    _validate.work("cov, max_iter", float(c.shape[0]) ** 2 * max_iter)
    y, sweeps = _erc(c, tol, max_iter)
    if sweeps < 0 or not np.all(np.isfinite(y)):
        raise RuntimeError(f"risk parity did not converge in {max_iter} sweeps (tol={tol}); "
                           "is the covariance positive definite?")
    return y / y.sum()


def mean_variance_weights(mu: object, cov: object) -> np.ndarray:
    """The unconstrained mean-variance direction ``Σ⁻¹μ`` scaled to ``Σ|w_i| = 1``.

    ``Σ⁻¹μ`` is solved directly, or by the pseudo-inverse when Σ is singular or ill-conditioned
    (condition number ≥ 10¹²). A negative weight runs that strategy in reverse.

    Parameters
    ----------
    mu : numpy.ndarray
        Mean returns μ, shape (n,), in the period of ``cov`` (per day in :func:`allocate`).
    cov : numpy.ndarray
        Covariance matrix Σ, shape (n, n): symmetric, finite, positive diagonal.

    Returns
    -------
    numpy.ndarray
        Shape (n,), gross exposure ``Σ|w_i| = 1`` (all zeros if ``Σ⁻¹μ`` is 0).

    Raises
    ------
    ValueError
        If ``cov`` is not a valid covariance matrix or ``mu`` does not hold one finite value per
        strategy.
    """
    c = _cov(cov)
    raw = _solve(c, _mu(mu, c.shape[0]))
    gross = float(np.abs(raw).sum())
    return raw / gross if gross > 0.0 else np.zeros_like(raw)


def kelly_weights(mu: object, cov: object, *, fraction: float = 0.5,
                  max_leverage: float = 2.0) -> np.ndarray:
    """Fractional Kelly weights ``fraction·Σ⁻¹μ``, scaled down so that ``Σ|w_i| ≤ max_leverage``.

    The weights are a leverage (1 = all the capital); μ and Σ must be in the same period.
    ``Σ⁻¹μ`` uses the pseudo-inverse when Σ is singular or ill-conditioned.

    Parameters
    ----------
    mu : numpy.ndarray
        Mean returns μ, shape (n,), in the period of ``cov``.
    cov : numpy.ndarray
        Covariance matrix Σ, shape (n, n): symmetric, finite, positive diagonal.
    fraction : float
        Fraction f in (0, 1] of the growth-optimal (full Kelly) leverage; 0.5 is half Kelly.
    max_leverage : float
        Cap on the gross exposure ``Σ|w_i|``, > 0.

    Returns
    -------
    numpy.ndarray
        Shape (n,), with ``Σ|w_i| ≤ max_leverage``.

    Raises
    ------
    ValueError
        If ``cov`` or ``mu`` is invalid, ``fraction`` is not in (0, 1] or ``max_leverage`` is not
        positive.
    """
    c = _cov(cov)
    fraction = _validate.real("fraction", fraction, low=0.0, high=1.0, low_open=True)
    max_leverage = _validate.positive("max_leverage", max_leverage)
    w = fraction * _solve(c, _mu(mu, c.shape[0]))
    gross = float(np.abs(w).sum())
    return w * (max_leverage / gross) if gross > max_leverage else w


def rule_weights(rule: str, window: object, *, covariance_method: str = "ledoit_wolf",
                 kelly_fraction: float = 0.5, max_leverage: float = 2.0) -> np.ndarray:
    """The weights ``rule`` (one of :data:`RULES`) sets from an estimation ``window``.

    Parameters
    ----------
    rule : str
        ``"equal"``, ``"inverse_vol"``, ``"risk_parity"``, ``"mean_variance"`` or ``"kelly"``
        (module docstring).
    window : numpy.ndarray
        Returns, shape (n_days, n): days × strategies, complete (finite, no NaN); at least 2 days
        for every rule but ``"equal"``.
    covariance_method : str
        ``"ledoit_wolf"`` (default) or ``"sample"`` (:func:`covariance`).
    kelly_fraction : float
        Kelly fraction in (0, 1], used by ``"kelly"`` (checked for every rule).
    max_leverage : float
        Gross exposure cap, > 0, used by ``"kelly"`` (checked for every rule).

    Returns
    -------
    numpy.ndarray
        Shape (n,): one weight per column of ``window``.

    Raises
    ------
    ValueError
        If an argument is out of range (see the functions above).
    RuntimeError
        If the risk-parity descent does not converge.
    """
    rule = _validate.choice("rule", rule, RULES)
    x = _matrix("window", window)
    covariance_method = _validate.choice("covariance_method", covariance_method, COVARIANCES)
    kelly_fraction = _validate.real("kelly_fraction", kelly_fraction, low=0.0, high=1.0,
                                    low_open=True)
    max_leverage = _validate.positive("max_leverage", max_leverage)
    if rule == "equal":
        return equal_weights(x.shape[1])
    cov = covariance(x, covariance_method)
    if rule == "inverse_vol":
        return inverse_vol_weights(cov)
    if rule == "risk_parity":
        return risk_parity_weights(cov)
    mu = x.mean(axis=0)
    if rule == "mean_variance":
        return mean_variance_weights(mu, cov)
    return kelly_weights(mu, cov, fraction=kelly_fraction, max_leverage=max_leverage)


# ----------------------------------------------------------------------------- walk-forward


@dataclass(frozen=True)
class Allocation:
    """A rule run walk-forward by :func:`allocate` (module docstring).

    Attributes
    ----------
    rule : str
        The rule's name (a key of :data:`RULE_NAMES`).
    returns : pandas.Series
        Daily portfolio return ``Σ_j w_j r_j`` (fraction of capital), one per date of the input.
    exposure : pandas.Series
        Daily gross exposure ``Σ|w_i|`` of the weights held (1 = all the capital).
    turnover : pandas.Series
        Daily ``Σ|Δw_i|``, non-zero on the day new weights take effect.
    weights : pandas.DataFrame
        Rebalance dates × strategies: the weights decided at that close, held from the next day.
    in_sample : pandas.DataFrame
        Indexed by rebalance date, columns ``mean`` and ``sd`` (per day) of the portfolio with
        those weights over the estimation window it was fitted on (NaN when no strategy was
        eligible), and ``days``, that window's length.
    params : dict
        The settings of the run (``lookback``, ``rebalance``, ``min_history``,
        ``covariance_method``, ``kelly_fraction``, ``max_leverage``).
    """

    rule: str
    returns: pd.Series
    exposure: pd.Series
    turnover: pd.Series
    weights: pd.DataFrame
    in_sample: pd.DataFrame
    params: dict[str, object] = field(default_factory=dict)

    def performance(self, periods_per_year: float = 252) -> perf.Performance:
        """:func:`mslab.performance.performance` of the portfolio returns and turnover.

        Parameters
        ----------
        periods_per_year : float
            Periods (rows) per year used to annualise, 252 for daily returns.

        Returns
        -------
        mslab.performance.Performance
            The out-of-sample metrics of :attr:`returns`.
        """
        return perf.performance(self.returns, turnover=self.turnover,
                                periods_per_year=periods_per_year)

    def in_sample_sharpe(self, periods_per_year: float = 252) -> float:
        """Annualised Sharpe ratio the rule saw in-sample.

        The mean over rebalances of the per-day mean over the per-day standard deviation of its
        fitted portfolio, × √A, A = ``periods_per_year``; rebalances whose fitted portfolio has no
        positive standard deviation (none eligible, or flat) are left out.

        Parameters
        ----------
        periods_per_year : float
            A, periods per year, > 0 (252 for daily returns).

        Returns
        -------
        float
            The annualised in-sample Sharpe ratio; NaN without a rebalance that held a position.

        Raises
        ------
        ValueError
            If ``periods_per_year`` is not positive (checked only when some rebalance counts).
        """
        s = self.in_sample
        ok = s["sd"] > 0
        if not ok.any():
            return float("nan")
        return float((s.loc[ok, "mean"] / s.loc[ok, "sd"]).mean()
                     * math.sqrt(_validate.positive("periods_per_year", periods_per_year)))


def _returns_table(returns: object) -> pd.DataFrame:
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] == 0 or len(returns) < 2:
        _validate.fail("returns", type(returns).__name__, "a DataFrame of daily strategy "
                       "returns (dates × strategies, at least 2 dates and 1 strategy)")
    if returns.columns.has_duplicates:
        _validate.fail("returns.columns", list(returns.columns), "unique strategy names")
    if not returns.index.is_monotonic_increasing or not returns.index.is_unique:
        _validate.fail("returns.index", "<unsorted or repeated dates>", "strictly increasing")
    try:
        v = returns.to_numpy(dtype=float)
    except (TypeError, ValueError):
        _validate.fail("returns", "<non-numeric table>", "numbers (NaN where inactive)")
    if np.isinf(v).any():
        i, j = np.argwhere(np.isinf(v))[0]
        raise ValueError(f"returns[{returns.columns[j]!r}] at {returns.index[i]} is "
                         f"{float(v[i, j])!r}: returns must be finite (NaN where inactive)")
    return returns


def allocate(returns: pd.DataFrame, rule: str, *, lookback: int = 252, rebalance: int = 21,
             min_history: int = 21, covariance_method: str = "ledoit_wolf",
             kelly_fraction: float = 0.5, max_leverage: float = 2.0,
             active: pd.DataFrame | None = None) -> Allocation:
    """Run ``rule`` walk-forward on the strategy ``returns`` (module docstring).

    Rebalance every ``rebalance`` rows on a trailing window of at most ``lookback`` rows, with
    strategies eligible after ``min_history`` observed days in the window.

    Parameters
    ----------
    returns : pandas.DataFrame
        Daily strategy returns (fraction of each strategy's capital), dates × strategies: at least
        2 dates and 1 strategy, strictly increasing dates, unique column names, finite numbers or
        NaN where a strategy is not active.
    rule : str
        ``"equal"``, ``"inverse_vol"``, ``"risk_parity"``, ``"mean_variance"`` or ``"kelly"``.
    lookback : int
        Length of the estimation window in rows (days), ≥ 2.
    rebalance : int
        Rows between rebalances, ≥ 1; the first rebalance is at row ``rebalance − 1``.
    min_history : int
        Observed (non-NaN) days in the window a strategy needs to be eligible, in
        [2, ``lookback``].
    covariance_method : str
        ``"ledoit_wolf"`` (default) or ``"sample"``.
    kelly_fraction : float
        Kelly fraction in (0, 1] (rule ``"kelly"``).
    max_leverage : float
        Gross exposure cap, > 0 (rule ``"kelly"``).
    active : pandas.DataFrame or None
        Booleans with the dates and columns of ``returns``: which strategies trade on each day;
        None (default) means ``returns.notna()``.

    Returns
    -------
    Allocation
        Daily returns, exposure and turnover, the weights at each rebalance and the in-sample
        statistics of each estimation window.

    Raises
    ------
    ValueError
        If ``returns`` is not such a table (or holds an infinite value), ``active`` does not
        match it, a parameter is out of range, or the table exceeds the size bound.
    RuntimeError
        If the risk-parity descent does not converge.
    """
    table = _returns_table(returns)
    rule = _validate.choice("rule", rule, RULES)
    lookback = _validate.integer("lookback", lookback, low=2)
    min_history = _validate.integer("min_history", min_history, low=2, high=lookback,
                                    high_name="lookback")
    rebalance = _validate.integer("rebalance", rebalance, low=1)
    covariance_method = _validate.choice("covariance_method", covariance_method, COVARIANCES)
    kelly_fraction = _validate.real("kelly_fraction", kelly_fraction, low=0.0, high=1.0,
                                    low_open=True)
    max_leverage = _validate.positive("max_leverage", max_leverage)
    if active is None:
        act = table.notna().to_numpy()
    elif (not isinstance(active, pd.DataFrame) or not active.index.equals(table.index)
          or not active.columns.equals(table.columns)
          or not all(d == bool for d in active.dtypes)):
        _validate.fail("active", type(active).__name__, "None or a DataFrame of booleans with "
                       "the dates and columns of returns")
    else:
        act = active.to_numpy()
    r = table.to_numpy(dtype=float)
    n, m = r.shape
    _validate.elements("returns", 4.0 * n * m)
    observed = ~np.isnan(r)
    filled = np.where(observed, r, 0.0)
    seen = np.concatenate([np.zeros((1, m)), np.cumsum(observed, axis=0)])  # observed days < row
    w_day = np.zeros((n, m))
    reb_dates, reb_weights, in_sample = [], [], []
    for t in range(rebalance - 1, n - 1, rebalance):
        start = max(0, t - lookback + 1)
        cand = np.flatnonzero(act[t + 1] & (seen[t + 1] - seen[start] >= min_history))
        window = filled[start:t + 1][:, cand]
        if covariance_method == "sample" and cand.size:
            moved = np.ptp(window, axis=0) > perf.FLAT_RTOL * np.abs(window).max(axis=0)
            cand, window = cand[moved], window[:, moved]
        new = np.zeros(m)
        stats = dict(mean=float("nan"), sd=float("nan"), days=int(t + 1 - start))
        if cand.size:
            new[cand] = rule_weights(rule, window, covariance_method=covariance_method,
                                     kelly_fraction=kelly_fraction, max_leverage=max_leverage)
            fitted = window @ new[cand]
            stats.update(mean=float(fitted.mean()), sd=float(fitted.std(ddof=1)))
        w_day[t + 1:t + 1 + rebalance] = new
        reb_dates.append(table.index[t])
        reb_weights.append(new)
        in_sample.append(stats)
    turnover = np.zeros(n)
    turnover[1:] = np.abs(np.diff(w_day, axis=0)).sum(axis=1)
    port = (w_day * filled).sum(axis=1)
    index = table.index
    return Allocation(
        rule=rule, returns=pd.Series(port, index=index, name="returns"),
        exposure=pd.Series(np.abs(w_day).sum(axis=1), index=index, name="exposure"),
        turnover=pd.Series(turnover, index=index, name="turnover"),
        weights=pd.DataFrame(np.array(reb_weights).reshape(-1, m), index=pd.Index(reb_dates),
                             columns=table.columns),
        in_sample=pd.DataFrame(in_sample, index=pd.Index(reb_dates),
                               columns=["mean", "sd", "days"]),
        params=dict(lookback=lookback, rebalance=rebalance, min_history=min_history,
                    covariance_method=covariance_method, kelly_fraction=kelly_fraction,
                    max_leverage=max_leverage))


ALLOCATION_COLUMNS = ("rule", "covariance", "annual_return", "volatility", "sharpe",
                      "sharpe_se", "in_sample_sharpe", "max_dd", "exposure", "turnover")


def allocation_table(allocations: dict[str, Allocation], periods_per_year: float = 252
                     ) -> pd.DataFrame:
    """Performance of several allocations side by side, one row per allocation.

    Parameters
    ----------
    allocations : dict
        Label -> :class:`Allocation`, non-empty; rows come in the dict's order.
    periods_per_year : float
        Periods per year used to annualise (252 for daily returns).

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``rule``, ``covariance`` (the covariance method), out-of-sample
        ``annual_return``, ``volatility`` (annualised), ``sharpe`` and its standard error
        ``sharpe_se``, ``in_sample_sharpe`` (:meth:`Allocation.in_sample_sharpe`), ``max_dd``
        (maximum drawdown), ``exposure`` (mean daily gross exposure) and ``turnover`` (annual
        turnover of the weights) — all from :mod:`mslab.performance`.

    Raises
    ------
    ValueError
        If ``allocations`` is not a non-empty dict of :class:`Allocation`.
    """
    if not isinstance(allocations, dict) or not allocations or not all(
            isinstance(a, Allocation) for a in allocations.values()):
        _validate.fail("allocations", type(allocations).__name__,
                       "a non-empty dict label -> Allocation")
    rows = []
    for label, a in allocations.items():
        p = a.performance(periods_per_year)
        rows.append(dict(label=label, rule=a.rule, covariance=a.params["covariance_method"],
                         annual_return=p.annual_return, volatility=p.annual_volatility,
                         sharpe=p.sharpe, sharpe_se=p.sharpe_se,
                         in_sample_sharpe=a.in_sample_sharpe(periods_per_year),
                         max_dd=p.max_drawdown, exposure=float(a.exposure.mean()),
                         turnover=p.turnover))
    return pd.DataFrame(rows, columns=["label", *ALLOCATION_COLUMNS])


def weight_bootstrap(window: object, rule: str, *, n_boot: int = 200, seed: int = 0,
                     covariance_method: str = "ledoit_wolf", kelly_fraction: float = 0.5,
                     max_leverage: float = 2.0) -> np.ndarray:
    """The weights ``rule`` would set on ``n_boot`` resamples of the days of one estimation window.

    Days are drawn with replacement (as many as the window has); the spread of the result across
    rows is the estimation error of the weights.

    Parameters
    ----------
    window : numpy.ndarray
        Returns, shape (n_days, n): days × strategies, finite.
    rule : str
        One of the rules of :func:`allocate`.
    n_boot : int
        Number of resamples, in [1, 10⁴].
    seed : int
        Seed (≥ 0) of ``numpy.random.default_rng``.
    covariance_method : str
        ``"ledoit_wolf"`` (default) or ``"sample"``.
    kelly_fraction : float
        Kelly fraction in (0, 1] (rule ``"kelly"``).
    max_leverage : float
        Gross exposure cap, > 0 (rule ``"kelly"``).

    Returns
    -------
    numpy.ndarray
        Shape (n_boot, n): one row of weights per resample.

    Raises
    ------
    ValueError
        If an argument is out of range or ``n_boot`` × ``window.size`` exceeds the size bound.
    RuntimeError
        If the risk-parity descent does not converge on a resample.
    """
    x = _matrix("window", window)
    n_boot = _validate.integer("n_boot", n_boot, low=1, high=10**4)
    seed = _validate.seed("seed", seed)
    rule_weights(rule, x, covariance_method=covariance_method, kelly_fraction=kelly_fraction,
                 max_leverage=max_leverage)       # validates the rule's arguments once
    _validate.elements("n_boot, window", float(n_boot) * x.size)
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, x.shape[1]))
    for b in range(n_boot):
        sample = x[rng.integers(0, x.shape[0], x.shape[0])]
        out[b] = rule_weights(rule, sample, covariance_method=covariance_method,
                              kelly_fraction=kelly_fraction, max_leverage=max_leverage)
    return out
