"""Small cointegrated baskets: three or four stocks selected by Johansen's trace test, hedged
with the cointegrating vector and traded with the s-score rules, walk-forward.

Johansen's trace test (Johansen 1991), computed as ``statsmodels``'
``coint_johansen(log_prices, det_order=0, k_ar_diff=1)`` — the settings of
:func:`mslab.pairs.selection.johansen_pairs` — by its jitted kernel, which returns the same
statistics and eigenvectors: the log prices are demeaned, ΔY_t and Y_{t−1} are regressed on
ΔY_{t−1} (demeaned), and the eigenvalues λ_1 ≥ … ≥ λ_k of S_kk⁻¹ S_k0 S_00⁻¹ S_0k give the trace
statistic of "rank 0", −T' Σ_i ln(1 − λ_i) (T' = T − 2 rows), and the cointegrating vector, the
eigenvector of λ_1. Unlike the Engle–Granger test, statsmodels gives no p-value, only 90/95/99 %
critical values, and multiple-testing control needs p-values. :func:`trace_null` simulates the
statistic under "no cointegration" for the same T and k — k independent driftless Gaussian
random walks (the statistic does not depend on their scale or on any invertible mixing of them)
— and :func:`trace_pvalue` fits Doornik's (1998) Gamma approximation to the simulated null (its
mean and variance), because Bonferroni or Benjamini–Hochberg over thousands of candidates need
p-values far smaller than 1/n_null, which a plain Monte Carlo p-value cannot give.
Driftless walks are the least favourable null of a demeaned-only test: the chapter's synthetic
universe shows the tabulated critical values over-reject for driftless prices, so the simulated
p-values are valid, if conservative, for drifting prices too.

Candidates (:func:`candidate_baskets`): every combination of ``sizes`` stocks of the universe,
refused beyond ``max_candidates`` (default :data:`MAX_CANDIDATES`) with an error naming the count;
the family of the multiple-testing correction is every candidate tested. As for pairs
(:func:`mslab.pairs.selection.adjust_pvalues`), ``"raw"`` keeps p ≤ α, ``"bonferroni"`` controls
the family-wise error, ``"fdr_bh"`` the false discovery rate (Benjamini–Hochberg).

Trading (:func:`basket_walk_forward`, windows as in :func:`mslab.pairs.walkforward.walk_forward`):
on each formation window the selected baskets (up to ``top_n``, smallest p-values first) get
log-price weights w from the cointegrating vector, normalised to Σ|w_i| = 1 with w_1 > 0; the
spread X = Σ w_i log P_i is scored by :func:`mslab.pairs.meanrev.rolling_sscore` (reaching back
into formation) and :func:`mslab.pairs.meanrev.score_positions`; a position of ±1 holds
±``gross``·w_i dollars of stock i per $1 of the basket's capital (so the P&L tracks the spread),
backtested by :func:`mslab.pairs.holdings.backtest_holdings` (executed at the next close, shares
held for the trade, flat at the end of the trading window). Each selected basket gets an equal
share of the capital; a window with none earns 0.

Synthetic truth (:func:`make_basket_universe`): free stocks from
:func:`mslab.pairs.synthetic.make_synthetic_universe` (common factor, drift, own random walks),
plus baskets whose last stock is log Y = m + Σ_j β_j log X_j + U with U an Ornstein–Uhlenbeck
spread; a selected basket is a true discovery when it contains a true basket (then it is
cointegrated), :func:`score_baskets`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import comb

import numpy as np
import pandas as pd
from numba import njit, prange
from scipy.stats import gamma

from mslab import _validate, rng
from mslab.pairs.data import check_prices
from mslab.pairs.holdings import backtest_holdings
from mslab.pairs.meanrev import rolling_sscore, score_positions
from mslab.pairs.selection import _johansen, adjust_pvalues
from mslab.pairs.synthetic import make_synthetic_universe, stream_draws
from mslab.pairs.walkforward import window_lengths

MAX_CANDIDATES = 20_000
"""Default bound on the number of candidate baskets tested in one formation window."""
SIZES = (3, 4)
CORRECTIONS = ("fdr_bh", "bonferroni", "raw")


# ----------------------------------------------------------------------------- Johansen


@njit(parallel=True, cache=True)
def _scan(logp, members, sizes, stat, weights):
    for c in prange(members.shape[0]):
        k = sizes[c]
        y = np.empty((logp.shape[0], k))
        for j in range(k):
            y[:, j] = logp[:, members[c, j]]
        eig = np.empty(k)
        vec = np.empty(k)
        stat[c] = _johansen(y, eig, vec)
        norm = np.abs(vec).sum()
        for j in range(k):
            weights[c, j] = vec[j] / norm


@njit(parallel=True, cache=True)
def _null(states, n_obs, k, out):
    for s in prange(states.shape[0]):
        st = states[s]
        y = np.empty((n_obs, k))
        for j in range(k):
            acc = 0.0
            for t in range(n_obs):
                acc += rng.normal(st)
                y[t, j] = acc
        out[s] = _johansen(y, np.empty(k), np.empty(k))


def johansen_trace(log_prices: object) -> tuple[float, np.ndarray, np.ndarray]:
    """Johansen's trace statistic of rank 0, its eigenvalues and cointegrating vector.

    As ``coint_johansen`` with det_order = 0 and k_ar_diff = 1 (module docstring).

    Parameters
    ----------
    log_prices : numpy.ndarray or pandas.DataFrame
        Log prices, shape (T, k): 2 ≤ k ≤ 12 series, T > k + 3 days, finite.

    Returns
    -------
    tuple
        ``(stat, eigenvalues, vector)``: the trace statistic of rank 0 (float), the eigenvalues
        λ_1 ≥ … ≥ λ_k, shape (k,), and the eigenvector of λ_1 (the cointegrating vector of the
        log prices), shape (k,), signed so that its first non-zero entry is positive.

    Raises
    ------
    ValueError
        If ``log_prices`` is not (T, k) with 2 ≤ k ≤ 12 and T > k + 3, or holds a non-finite
        value.
    """
    y = np.asarray(log_prices, dtype=float)
    if y.ndim != 2 or not 2 <= y.shape[1] <= 12:
        _validate.fail("log_prices.shape", y.shape, "(T, k) with 2 <= k <= 12")
    if y.shape[0] <= y.shape[1] + 3:
        _validate.fail("len(log_prices)", y.shape[0], f"more than k + 3 = {y.shape[1] + 3}")
    if not np.isfinite(y).all():
        raise ValueError("log_prices must be finite (drop missing values first)")
    eig, vec = np.empty(y.shape[1]), np.empty(y.shape[1])
    stat = _johansen(np.ascontiguousarray(y), eig, vec)
    return float(stat), eig, vec


def trace_null(n_obs: int, k: int, *, n_null: int = 999, seed: int = 0) -> np.ndarray:
    """The trace statistic of rank 0 under "no cointegration", simulated.

    Computed on ``n_null`` sets of ``k`` independent driftless Gaussian random walks of
    ``n_obs`` days, one xoshiro256** stream per set, so the result does not depend on the thread
    count.

    Parameters
    ----------
    n_obs : int
        Days per walk (T of the test), in [10, 10⁵].
    k : int
        Number of series, in [2, 12].
    n_null : int
        Number of simulated sets, in [19, 10⁶].
    seed : int
        Seed (≥ 0) of the random streams.

    Returns
    -------
    numpy.ndarray
        The ``n_null`` simulated statistics, sorted increasingly.

    Raises
    ------
    ValueError
        If a parameter is out of range or n_obs·k²·n_null exceeds the work bound.
    """
    n_obs = _validate.integer("n_obs", n_obs, low=10, high=10**5)
    k = _validate.integer("k", k, low=2, high=12)
    n_null = _validate.integer("n_null", n_null, low=19, high=10**6)
    seed = _validate.seed("seed", seed)
    _validate.work("n_obs, k, n_null", float(n_obs) * k * k * n_null)
    out = np.empty(n_null)
    _null(rng.path_states(seed, n_null), n_obs, k, out)
    return np.sort(out)


def trace_pvalue(stat: object, null: np.ndarray) -> np.ndarray:
    """p-value of trace statistics from a simulated null by Doornik's Gamma approximation.

    The Gamma law with the null's mean μ and variance v (shape μ²/v, scale v/μ), whose upper tail
    stays usable far beyond the largest simulated value. Inputs are not validated.

    Parameters
    ----------
    stat : float or numpy.ndarray
        Trace statistic(s) of rank 0.
    null : numpy.ndarray
        Simulated statistics from :func:`trace_null` for the same T and k (at least 2, not all
        equal).

    Returns
    -------
    numpy.ndarray
        Upper-tail probabilities, the shape of ``stat`` (a 0-d value for a scalar).
    """
    null = np.asarray(null, dtype=float)
    mean, var = float(null.mean()), float(null.var(ddof=1))
    return gamma.sf(np.asarray(stat, dtype=float), mean * mean / var, scale=var / mean)


# ----------------------------------------------------------------------------- candidates


def candidate_baskets(assets: Iterable[str], sizes: Sequence[int] = SIZES, *,
                      max_candidates: int = MAX_CANDIDATES) -> list[tuple[str, ...]]:
    """Every basket of ``sizes`` distinct ``assets``.

    Combinations are in the assets' order, the smaller sizes first; more than ``max_candidates``
    is refused before any is built.

    Parameters
    ----------
    assets : list of str
        Distinct asset labels (any iterable).
    sizes : list of int
        Basket sizes, each in [2, 12] (duplicates ignored); default (3, 4).
    max_candidates : int
        Largest number of baskets allowed, ≥ 1.

    Returns
    -------
    list of tuple
        The baskets, tuples of asset labels.

    Raises
    ------
    ValueError
        If the assets repeat, a size is out of range, or there are more than
        ``max_candidates`` baskets (the message gives the count).
    """
    names = list(assets)
    if len(set(names)) != len(names):
        _validate.fail("assets", names, "distinct labels")
    sizes = _sizes(sizes)
    max_candidates = _validate.integer("max_candidates", max_candidates, low=1)
    count = sum(comb(len(names), k) for k in sizes)
    if count > max_candidates:
        raise ValueError(f"{len(names)} assets give {count:,} candidate baskets of sizes "
                         f"{list(sizes)}, more than max_candidates={max_candidates:,}: test fewer "
                         "assets or sizes (e.g. within sectors), or raise the bound")
    return [c for k in sizes for c in itertools.combinations(names, k)]


def _sizes(sizes: object) -> tuple[int, ...]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        _validate.fail("sizes", sizes, "a non-empty list of basket sizes between 2 and 12")
    out = tuple(sorted({_validate.integer("sizes", k, low=2, high=12) for k in sizes}))
    return out


def johansen_baskets(prices: pd.DataFrame, baskets: Sequence[tuple[str, ...]] | None = None, *,
                     sizes: Sequence[int] = SIZES, alpha: float = 0.05, n_null: int = 999,
                     seed: int = 0, max_candidates: int = MAX_CANDIDATES,
                     nulls: dict[tuple[int, int], np.ndarray] | None = None) -> pd.DataFrame:
    """Johansen's trace test on the log prices of each basket (module docstring).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets, at least 20 dates; :func:`check_prices`), with more
        dates than the largest basket size + 3.
    baskets : list of tuple or None
        The baskets to test: 1 to ``max_candidates`` tuples of 2 to 12 distinct columns of
        ``prices``; None (default) for every candidate of ``sizes``
        (:func:`candidate_baskets`).
    sizes : list of int
        Basket sizes of the candidates when ``baskets`` is None.
    alpha : float
        Significance level in (0, 1) of the multiple-testing decisions.
    n_null : int
        Simulated null statistics per basket size, in [19, 10⁶].
    seed : int
        Seed of the null of size k is ``seed`` + k.
    max_candidates : int
        Largest number of baskets tested.
    nulls : dict or None
        Cache of null distributions keyed by (T, k), read and filled by the call; an entry with
        ``n_null`` values is reused whatever seed made it. None (default): no cache.

    Returns
    -------
    pandas.DataFrame
        One row per basket: ``basket`` (tuple of names), ``size``, ``trace_stat``, ``pvalue``
        (:func:`trace_pvalue`), ``weights`` (tuple of log-price weights, Σ|w| = 1, the first
        non-zero one positive), and the columns of
        :func:`mslab.pairs.selection.adjust_pvalues` at ``alpha`` over all rows (``reject_raw``,
        ``p_bonferroni``, ``reject_bonferroni``, ``p_fdr_bh``, ``reject_fdr_bh``).

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table, a basket or parameter is not allowed, or
        there are too many candidates.
    """
    prices = check_prices(prices, min_rows=20)
    if baskets is None:
        baskets = candidate_baskets(prices.columns, sizes, max_candidates=max_candidates)
    else:
        baskets = [tuple(b) for b in baskets]
        if not baskets or len(baskets) > max_candidates:
            _validate.fail("baskets", f"<{len(baskets)} baskets>",
                           f"between 1 and max_candidates={max_candidates} baskets")
        allowed = set(prices.columns)
        for b in baskets:
            if len(set(b)) != len(b) or not 2 <= len(b) <= 12 or not set(b) <= allowed:
                _validate.fail("baskets", b, "baskets of 2 to 12 distinct columns of prices")
    n_null = _validate.integer("n_null", n_null, low=19, high=10**6)
    col = {c: i for i, c in enumerate(prices.columns)}
    kmax = max(len(b) for b in baskets)
    members = np.zeros((len(baskets), kmax), dtype=np.int64)
    size = np.array([len(b) for b in baskets], dtype=np.int64)
    for c, b in enumerate(baskets):
        members[c, :len(b)] = [col[a] for a in b]
    if len(prices) <= kmax + 3:
        _validate.fail("len(prices)", len(prices), f"more than the basket size + 3 = {kmax + 3}")
    stat = np.empty(len(baskets))
    weights = np.zeros((len(baskets), kmax))
    _scan(np.log(prices.to_numpy()), members, size, stat, weights)
    nulls = {} if nulls is None else nulls
    pvalue = np.empty(len(baskets))
    for k in np.unique(size):
        key = (len(prices), int(k))
        if key not in nulls or len(nulls[key]) != n_null:
            nulls[key] = trace_null(len(prices), int(k), n_null=n_null, seed=seed + int(k))
        pvalue[size == k] = trace_pvalue(stat[size == k], nulls[key])
    table = pd.DataFrame({"basket": baskets, "size": size, "trace_stat": stat, "pvalue": pvalue,
                          "weights": [tuple(weights[c, :k]) for c, k in enumerate(size)]})
    return adjust_pvalues(table, alpha=alpha)


# ----------------------------------------------------------------------------- trading


@dataclass(frozen=True)
class BasketWalkForward:
    """Out-of-sample results of :func:`basket_walk_forward`.

    Attributes
    ----------
    returns : pandas.Series
        Daily net return of the equal-capital portfolio of the selected baskets (0 in a window
        with none; the mean over windows where trading windows overlap).
    turnover : pandas.Series
        Daily traded notional over capital of that portfolio.
    basket_returns : pandas.DataFrame
        One column per basket label "A/B/C": the basket's daily net return per $1 of its
        capital on the days it is traded, NaN otherwise.
    windows : pandas.DataFrame
        One row per window: ``window``, ``formation_start``, ``trading_start``,
        ``trading_end``, ``n_candidates``, ``n_raw`` (raw rejections), ``n_selected`` and
        ``baskets`` (the selection).
    params : dict
        The settings of the run, including its ``cost_bps``.
    """

    returns: pd.Series
    turnover: pd.Series
    basket_returns: pd.DataFrame
    windows: pd.DataFrame
    params: dict[str, object] = field(default_factory=dict)


def basket_walk_forward(prices: pd.DataFrame, *, sizes: Sequence[int] = SIZES,
                        formation: int = 252, trading: int = 126, step: int | None = None,
                        alpha: float = 0.05, correction: str = "fdr_bh", top_n: int = 10,
                        window: int = 60, min_kappa: float = 1.0 / 30.0,
                        thresholds: tuple[float, float, float, float] = (-1.25, -0.50, 1.25,
                                                                         0.75),
                        gross: float = 2.0, cost_bps: float | Sequence[float] = 0.0,
                        n_null: int = 999, seed: int = 0,
                        max_candidates: int = MAX_CANDIDATES,
                        scans: dict[tuple[object, ...], pd.DataFrame] | None = None
                        ) -> BasketWalkForward | dict[float, BasketWalkForward]:
    """Select baskets on each formation window and trade them on the next (module docstring).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets; :func:`check_prices`).
    sizes : list of int
        Basket sizes tested, each in [2, 12].
    formation : int
        Formation window (days), at least 20 and at most ``len(prices)`` − 2.
    trading : int
        Trading window (days), ≥ 2.
    step : int or None
        Days between window starts, ≥ 1; None (default) for ``trading`` (windows that tile the
        sample).
    alpha : float
        Significance level in (0, 1).
    correction : str
        ``"fdr_bh"`` (default), ``"bonferroni"`` or ``"raw"``.
    top_n : int
        Most baskets traded per window (smallest p-values first), ≥ 1.
    window : int
        Days of the rolling OU fit of the s-score, in [4, ``formation``].
    min_kappa : float
        Least mean-reversion speed κ (per day, ≥ 0) for an entry.
    thresholds : tuple
        Four s-score levels (open long, close long, open short, close short) of
        :func:`mslab.pairs.meanrev.score_positions`.
    gross : float
        Gross exposure per $1 of a basket's capital, > 0.
    cost_bps : float or list of float
        Cost per leg, bps of traded notional, ≥ 0; a non-empty list runs every cost on the same
        selection and signals.
    n_null : int
        Simulated null statistics per basket size (:func:`johansen_baskets`).
    seed : int
        Seed of the simulated nulls.
    max_candidates : int
        Largest number of candidate baskets.
    scans : dict or None
        Cache of each window's :func:`johansen_baskets` table, filled by the call, so that runs
        with another ``correction``, ``top_n`` or cost on the same prices do not test the
        candidates again. None (default): no cache kept.

    Returns
    -------
    BasketWalkForward or dict
        The results for ``cost_bps``; for a list of costs, a dict {cost: BasketWalkForward}.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table, a parameter is out of range, or there are too
        many candidates.
    """
    prices = check_prices(prices, min_rows=4)
    formation, trading, step = window_lengths(len(prices), formation, trading, step,
                                              min_formation=20)
    n = len(prices)
    correction = _validate.choice("correction", correction, CORRECTIONS)
    top_n = _validate.integer("top_n", top_n, low=1)
    window = _validate.integer("window", window, low=4, high=formation, high_name="formation")
    gross = _validate.positive("gross", gross)
    levels = _validate.real_array("thresholds", thresholds)
    if levels.shape != (4,):
        _validate.fail("thresholds", thresholds, "four numbers (open long, close long, open "
                       "short, close short)")
    ol, cl, os_, cs = (float(v) for v in levels)
    many = isinstance(cost_bps, Sequence) and not isinstance(cost_bps, (str, bytes))
    if many and not cost_bps:
        _validate.fail("cost_bps", cost_bps, "a cost (bps per leg) or a non-empty list of costs")
    costs = [_validate.nonnegative("cost_bps", c) for c in (cost_bps if many else [cost_bps])]
    candidates = candidate_baskets(prices.columns, sizes, max_candidates=max_candidates)
    nulls: dict[tuple[int, int], np.ndarray] = {}
    scans = {} if scans is None else scans
    rows = []
    daily = {c: [] for c in costs}
    per_basket = {c: [] for c in costs}
    for w, f0 in enumerate(range(0, n - formation - 1, step)):
        t0, t1 = f0 + formation, min(f0 + formation + trading, n)
        key = (prices.index[f0], prices.index[t0 - 1], tuple(prices.columns), tuple(candidates),
               alpha, n_null, seed)
        if key not in scans:
            scans[key] = johansen_baskets(prices.iloc[f0:t0], candidates, alpha=alpha,
                                          n_null=n_null, seed=seed,
                                          max_candidates=max_candidates, nulls=nulls)
        table = scans[key]
        chosen = table[table[f"reject_{correction}"]].sort_values("pvalue", kind="stable")
        chosen = chosen.head(top_n)
        rows.append(dict(window=w, formation_start=prices.index[f0],
                         trading_start=prices.index[t0], trading_end=prices.index[t1 - 1],
                         n_candidates=len(table), n_raw=int(table["reject_raw"].sum()),
                         n_selected=len(chosen), baskets=tuple(chosen["basket"])))
        oos = prices.index[t0:t1]
        if chosen.empty:
            for c in costs:
                daily[c].append(pd.DataFrame({"returns": 0.0, "turnover": 0.0}, index=oos))
            continue
        hist = prices.iloc[f0:t1]
        logp = np.log(hist)
        targets = np.zeros((len(hist), len(chosen), hist.shape[1]))
        labels = []
        for k, (basket, wts) in enumerate(zip(chosen["basket"], chosen["weights"])):
            idx = [hist.columns.get_loc(a) for a in basket]
            spread = pd.Series(logp.to_numpy()[:, idx] @ np.asarray(wts), index=hist.index)
            score = rolling_sscore(spread, window=window, min_kappa=min_kappa)
            pos = score_positions(score["sscore"], score["tradable"], open_long=ol,
                                  close_long=cl, open_short=os_,
                                  close_short=cs).to_numpy().copy()
            pos[:formation] = 0
            pos[-2:] = 0          # decided at the close before last: flat at the last close
            targets[:, k, idx] = gross * pos[:, None] * np.asarray(wts)[None, :]
            labels.append("/".join(map(str, basket)))
        for c in costs:
            bt = backtest_holdings(hist, targets, cost_bps=c, names=labels)
            ret = bt.returns.iloc[formation:]
            daily[c].append(pd.DataFrame({"returns": ret.mean(axis=1),
                                          "turnover": bt.turnover.iloc[formation:].mean(axis=1)}))
            per_basket[c].append(ret.T.groupby(level=0).mean().T)
    results = {}
    for c in costs:
        stacked = pd.concat(daily[c]).groupby(level=0, sort=True).mean()
        basket_ret = (pd.concat(per_basket[c]).groupby(level=0).mean().reindex(stacked.index)
                      if per_basket[c] else pd.DataFrame(index=stacked.index))
        results[c] = BasketWalkForward(
            returns=stacked["returns"].rename("returns"),
            turnover=stacked["turnover"].rename("turnover"), basket_returns=basket_ret,
            windows=pd.DataFrame(rows),
            params=dict(sizes=_sizes(sizes), formation=formation, trading=trading, step=step,
                        alpha=alpha, correction=correction, top_n=top_n, window=window,
                        cost_bps=c, n_null=n_null, seed=seed))
    return results if many else results[costs[0]]


def basket_strategy_returns(prices: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """Out-of-sample daily net returns per basket of :func:`basket_walk_forward`.

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets).
    **kwargs
        Keyword arguments of :func:`basket_walk_forward`, with a single ``cost_bps``.

    Returns
    -------
    pandas.DataFrame
        Dates × basket labels "A/B/C": return per $1 of the basket's capital, NaN on days the
        basket is not traded (:attr:`BasketWalkForward.basket_returns`).

    Raises
    ------
    ValueError
        If ``cost_bps`` is a list, or as :func:`basket_walk_forward`.
    """
    cost = kwargs.get("cost_bps", 0.0)
    if isinstance(cost, Sequence) and not isinstance(cost, (str, bytes)):
        _validate.fail("cost_bps", cost, "a single cost (bps per leg)")
    return basket_walk_forward(prices, **kwargs).basket_returns


# ----------------------------------------------------------------------------- synthetic truth


@dataclass(frozen=True)
class BasketUniverse:
    """Simulated prices with known cointegrated baskets (:func:`make_basket_universe`).

    Attributes
    ----------
    prices : pandas.DataFrame
        Prices ($), dates × stocks: the free stocks R.. then one y stock B.. per basket.
    baskets : tuple
        The true baskets, tuples of names with the y stock last.
    betas : tuple
        Per basket, the coefficients β_j of log y on the log x legs.
    kappa : tuple
        Per basket, the OU mean-reversion speed κ of the spread (per day).
    sigma_eq : tuple
        Per basket, the stationary standard deviation of the spread (log-price units).
    """

    prices: pd.DataFrame
    baskets: tuple[tuple[str, ...], ...]
    betas: tuple[tuple[float, ...], ...]
    kappa: tuple[float, ...]
    sigma_eq: tuple[float, ...]


def make_basket_universe(n_baskets: int = 3, basket_size: int = 3, n_free: int = 11,
                         n_days: int = 1000, *, half_life_range: tuple[float, float] = (5.0, 60.0),
                         sigma_eq_range: tuple[float, float] = (0.02, 0.08),
                         seed: int = 0) -> BasketUniverse:
    """A synthetic universe of free stocks and cointegrated baskets (module docstring).

    ``n_free`` free stocks (:func:`mslab.pairs.synthetic.make_synthetic_universe` with no pairs:
    one common factor, drift, own random walks) named R.., of which the first
    ``n_baskets``·(``basket_size`` − 1) are the x legs of the baskets, plus one y stock B.. per
    basket: log Y = m + Σ_j β_j log X_j + U, β_j ~ U(0.5, 1.5)/(size − 1), U an OU spread
    (half-life and σ_eq uniform on the ranges) started in its stationary law, Y starting
    uniform on $20–$200. The OU draws use streams of ``seed`` after the free universe's, so the
    free stocks do not depend on the baskets.

    Parameters
    ----------
    n_baskets : int
        Number of cointegrated baskets, ≥ 0.
    basket_size : int
        Stocks per basket (x legs + 1), in [2, 12].
    n_free : int
        Number of free stocks, at least 2 and at least ``n_baskets``·(``basket_size`` − 1).
    n_days : int
        Number of days simulated.
    half_life_range : tuple
        (low, high) of the spreads' half-life (days), 0 < low ≤ high.
    sigma_eq_range : tuple
        (low, high) of the spreads' stationary standard deviation (log-price), 0 < low ≤ high.
    seed : int
        Seed of the random streams.

    Returns
    -------
    BasketUniverse
        The prices and the true baskets with their parameters.

    Raises
    ------
    ValueError
        If a parameter is out of range (``n_days`` as checked by
        :func:`mslab.pairs.synthetic.make_synthetic_universe`).
    """
    n_baskets = _validate.integer("n_baskets", n_baskets, low=0)
    basket_size = _validate.integer("basket_size", basket_size, low=2, high=12)
    n_x = n_baskets * (basket_size - 1)
    n_free = _validate.integer("n_free", n_free, low=max(2, n_x))
    free = make_synthetic_universe(n_pairs_coint=0, n_random_walks=n_free, n_days=n_days,
                                   seed=seed)
    hl_lo, hl_hi = half_life_range
    sd_lo, sd_hi = sigma_eq_range
    if not (0 < hl_lo <= hl_hi and 0 < sd_lo <= sd_hi):
        raise ValueError("half_life_range and sigma_eq_range must be (low, high) with "
                         "0 < low <= high")
    n_streams = 1 + n_free + n_baskets      # the free universe uses the first 1 + n_free
    uniforms = np.empty((n_streams, basket_size + 2))
    normals = np.empty((n_streams, n_days))
    stream_draws(rng.path_states(seed, n_streams), uniforms, normals)
    log_free = np.log(free.prices)
    columns = {c: log_free[c].to_numpy() for c in free.prices.columns}
    names_x = list(free.prices.columns[:n_x])
    baskets, betas, kappas, sds = [], [], [], []
    for b in range(n_baskets):
        s = 1 + n_free + b
        u = uniforms[s]
        legs = names_x[b * (basket_size - 1):(b + 1) * (basket_size - 1)]
        beta = (0.5 + u[:basket_size - 1]) / (basket_size - 1)
        kappa = np.log(2.0) / (hl_lo + (hl_hi - hl_lo) * u[basket_size - 1])
        sd = sd_lo + (sd_hi - sd_lo) * u[basket_size]
        phi = np.exp(-kappa)
        ou = np.empty(n_days)
        ou[0] = sd * normals[s, 0]
        for t in range(1, n_days):
            ou[t] = phi * ou[t - 1] + sd * np.sqrt(1.0 - phi * phi) * normals[s, t]
        log_y = sum(bj * columns[a] for bj, a in zip(beta, legs)) + ou
        log_y += np.log(20.0 + 180.0 * u[basket_size + 1]) - log_y[0]
        name = f"B{b:02d}"
        columns[name] = log_y
        baskets.append((*legs, name))
        betas.append(tuple(float(v) for v in beta))
        kappas.append(float(kappa))
        sds.append(float(sd))
    prices = pd.DataFrame(np.exp(np.column_stack(list(columns.values()))),
                          index=free.prices.index, columns=pd.Index(list(columns), name="ticker"))
    return BasketUniverse(prices, tuple(baskets), tuple(betas), tuple(kappas), tuple(sds))


def score_baskets(selected: Iterable[tuple[str, ...]], truth: Iterable[tuple[str, ...]]
                  ) -> dict[str, float]:
    """Score a basket selection against the true baskets.

    A selected basket is a true discovery when it contains a true basket.

    Parameters
    ----------
    selected : list of tuple
        The selected baskets (any iterable of tuples of names).
    truth : list of tuple
        The true baskets, e.g. :attr:`BasketUniverse.baskets`.

    Returns
    -------
    dict
        ``selected`` (count), ``true_pos``, ``false_pos``, ``recall`` (share of true baskets
        inside some selected basket; NaN without truth) and ``fdr`` (false/selected, 0 when
        nothing is selected).
    """
    sel = [frozenset(b) for b in selected]
    true = [frozenset(b) for b in truth]
    tp = sum(any(t <= s for t in true) for s in sel)
    found = sum(any(t <= s for s in sel) for t in true)
    return dict(selected=len(sel), true_pos=tp, false_pos=len(sel) - tp,
                recall=found / len(true) if true else float("nan"),
                fdr=(len(sel) - tp) / len(sel) if sel else 0.0)


def basket_selection_power(n_free: Sequence[int], *, sizes: Sequence[int] = SIZES,
                           n_baskets: int = 2, basket_size: int = 3, n_days: int = 1000,
                           n_universes: int = 4, alpha: float = 0.05, n_null: int = 999,
                           seed: int = 0, max_candidates: int = MAX_CANDIDATES) -> pd.DataFrame:
    """Score Johansen basket selection on synthetic universes of growing size.

    Raw, Bonferroni and Benjamini–Hochberg selection at ``alpha`` on ``n_universes`` universes
    of :func:`make_basket_universe` (seeds ``seed``, ``seed`` + 1, ...) for each number of free
    stocks in ``n_free``.

    Parameters
    ----------
    n_free : list of int
        Numbers of free stocks, non-empty.
    sizes : list of int
        Basket sizes tested.
    n_baskets : int
        True baskets per universe.
    basket_size : int
        Stocks per true basket.
    n_days : int
        Days per universe.
    n_universes : int
        Universes per size, in [1, 1000].
    alpha : float
        Significance level in (0, 1).
    n_null : int
        Simulated null statistics per basket size.
    seed : int
        First universe seed, and the seed of the nulls.
    max_candidates : int
        Largest number of candidate baskets per universe.

    Returns
    -------
    pandas.DataFrame
        One row per (universe size, correction): ``stocks``, ``candidates``, ``correction`` and
        the means over universes of :func:`score_baskets` (``selected``, ``true_pos``,
        ``false_pos``, ``recall``, ``fdr``).

    Raises
    ------
    ValueError
        If ``n_free`` is empty or a parameter is out of range.
    """
    if isinstance(n_free, (str, bytes)) or not isinstance(n_free, Sequence) or not n_free:
        _validate.fail("n_free", n_free, "a non-empty list of numbers of free stocks")
    n_universes = _validate.integer("n_universes", n_universes, low=1, high=1000)
    rows = []
    nulls: dict[tuple[int, int], np.ndarray] = {}
    for nf in n_free:
        for k in range(n_universes):
            uni = make_basket_universe(n_baskets, basket_size, nf, n_days, seed=seed + k)
            table = johansen_baskets(uni.prices, sizes=sizes, alpha=alpha, n_null=n_null,
                                     seed=seed, max_candidates=max_candidates, nulls=nulls)
            for corr in CORRECTIONS:
                sel = table.loc[table[f"reject_{corr}"], "basket"]
                rows.append(dict(stocks=uni.prices.shape[1], candidates=len(table),
                                 correction=corr, **score_baskets(sel, uni.baskets)))
    return (pd.DataFrame(rows).groupby(["stocks", "candidates", "correction"], sort=False)
            .mean().reset_index())
