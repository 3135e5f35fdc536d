"""Pair selection: the distance method, Engle–Granger and Johansen tests, multiple-testing
control across the candidate pairs, and scoring against a known truth.

Every function takes a *price table* (see :func:`mslab.pairs.data.check_prices`) covering the
formation window only — slice it first, e.g. ``prices.loc["2005"]`` for Gatev et al.'s
12 months — and, optionally, the candidate pairs (default: all n(n − 1)/2 column pairs, in
column order). Results are DataFrames with one row per pair and columns ``asset1``, ``asset2``.

Distance (Gatev, Goetzmann & Rouwenhorst 2006): each price series is divided by its first value
(a cumulative total-return index when prices are dividend-adjusted closes); a pair's distance
is the sum over the window of squared differences of the two normalised series (``ssd``).
Pairs are ranked by ssd; ``spread_std`` is the standard deviation of the normalised-price
difference over the window, GGR's "historical standard deviation" for the 2σ opening rule.

Engle–Granger (statsmodels ``coint``; null: no cointegration; MacKinnon (1994) p-values),
on log-prices unless ``log=False``. The test is not symmetric: regressing asset1 on asset2 and
asset2 on asset1 give different statistics. ``ordering="both"`` runs both and reports
``pvalue`` = the larger p-value — an intersection–union test, which keeps the level α (a pair
passes only if cointegration is found whichever leg is the dependent variable; for a truly
cointegrated pair both regressions are consistent, so little power is lost). Taking the
smaller p-value would double the false-positive rate. ``ordering="given"`` tests asset1 on
asset2 only. Lag augmentation: ``lags=None`` lets statsmodels choose by ``autolag`` (AIC) up to
its default 12(n/100)^¼ lags, which costs ≈ 40 regressions per test (0.4 s on 33 years of
daily data, but ten times more when OpenBLAS runs several threads on a small machine: set
``OPENBLAS_NUM_THREADS=1``). An integer fixes the lag; with ``trend`` "c" or "n" the two
regressions of every pair (cointegrating OLS, then the ADF regression of its residuals without
deterministic terms, exactly as ``coint`` runs them) are computed by a jitted kernel from their
normal equations — the statistics agree with ``coint`` to about 1e-12 (tested) and a scan of all
pairs takes milliseconds — and the p-values by statsmodels' ``mackinnonp`` formula, applied to the
whole array at once (equal to ``mackinnonp`` bit for bit).

Johansen (statsmodels ``coint_johansen``; symmetric in the two assets) reports the trace and
maximum-eigenvalue statistics for r = 0 (and the trace for r ≤ 1) with their critical values
(only 90/95/99 % exist; no p-value). statsmodels detrends the data by ``det_order`` before the
reduced-rank regression rather than entering deterministic terms in the VECM, so its
statistics can differ from R's ``urca::ca.jo`` or EViews (statsmodels issues #5355, #6168), and
it mis-computes the statistics for ``k_ar_diff=0`` (#7459): ``k_ar_diff`` ≥ 1 is required.
With ``det_order=0`` and ``k_ar_diff=1`` (the defaults) a jitted kernel (``_johansen``, shared
with :mod:`mslab.pairs.baskets`) computes the same eigenvalues and eigenvector from the moment
matrix (statistics equal to ``coint_johansen``'s to about 1e-12, tested), the critical values
come from statsmodels' tables.

Multiple testing (statsmodels ``multipletests``): scanning many pairs at level α finds about
α × (number of pairs) spurious ones. :func:`adjust_pvalues` adds Bonferroni (family-wise error
≤ α) and Benjamini–Hochberg (false-discovery rate ≤ α) adjusted p-values and decisions.

Selection power (:func:`selection_power`): a Monte Carlo of :func:`score_methods` over
independent synthetic universes (:func:`mslab.pairs.synthetic.make_synthetic_universe`, seeds
``seed``, ``seed + 1``, ...) at several sample lengths, averaged per length and method.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist
from scipy.special import ndtr
from statsmodels.stats.multitest import multipletests
from numba import njit
from statsmodels.tsa import adfvalues
from statsmodels.tsa.stattools import coint
from statsmodels.tsa.coint_tables import c_sja, c_sjt
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from mslab import _validate
from mslab.pairs.data import check_prices
from mslab.pairs.synthetic import SyntheticUniverse, make_synthetic_universe

ORDERINGS = ("both", "given")

TRENDS = ("n", "c", "ct", "ctt")
LEVELS = (0.90, 0.95, 0.99)


@dataclass(frozen=True)
class SelectionScore:
    """Selected pairs compared with the true ones (pairs are unordered).

    Attributes
    ----------
    n_selected : int
        Number of distinct pairs selected.
    n_true : int
        Number of true pairs.
    true_positives : int
        Selected pairs that are true (tp).
    false_positives : int
        Selected pairs that are not (fp).
    false_negatives : int
        True pairs not selected.
    precision : float
        tp/selected (NaN if nothing was selected).
    recall : float
        tp/true (NaN if there is no true pair).
    fdr : float
        fp/selected (0 if nothing was selected, the Benjamini–Hochberg convention).
    """

    n_selected: int
    n_true: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    fdr: float


def candidate_pairs(assets: Iterable[str]) -> list[tuple[str, str]]:
    """All unordered pairs of ``assets``, in their order.

    Parameters
    ----------
    assets : list of str
        Asset labels (any iterable), e.g. a price table's columns.

    Returns
    -------
    list of tuple
        The n(n − 1)/2 pairs (asset1, asset2), asset1 before asset2 in ``assets``.
    """
    return list(itertools.combinations(list(assets), 2))


def _pairs(prices: pd.DataFrame, pairs: object) -> list[tuple[str, str]]:
    if pairs is None:
        return candidate_pairs(prices.columns)
    allowed = "None or a list of (asset1, asset2) pairs of distinct columns of prices"
    try:
        out = [(a, b) for a, b in pairs]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        _validate.fail("pairs", pairs, allowed)
    for a, b in out:
        if a == b or a not in prices.columns or b not in prices.columns:
            _validate.fail("pairs", (a, b), allowed)
    if not out:
        _validate.fail("pairs", pairs, allowed + " (at least one)")
    return out


def distance_pairs(prices: pd.DataFrame, top_n: int | None = None) -> pd.DataFrame:
    """Gatev et al.'s distance ranking of all column pairs over the window ``prices``.

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets, at least 3 dates and 2 assets) of the formation
        window.
    top_n : int or None
        Number of closest pairs returned, ≥ 1; None (default) for all.

    Returns
    -------
    pandas.DataFrame
        The ``top_n`` closest pairs sorted by ``ssd`` (ties in column order), with columns
        ``asset1``, ``asset2``, ``ssd`` (sum of squared differences of the prices divided by
        their first value), ``spread_std`` (standard deviation of that difference, ddof = 1)
        and ``rank`` (1 = closest).

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table of at least 3 dates and 2 assets, or
        ``top_n`` < 1.
    """
    prices = check_prices(prices, min_rows=3)
    n_assets = prices.shape[1]
    if n_assets < 2:
        _validate.fail("prices.shape[1]", n_assets, "at least 2 (one pair)")
    n_pairs = n_assets * (n_assets - 1) // 2
    top_n = n_pairs if top_n is None else _validate.integer("top_n", top_n, low=1)
    norm = prices.to_numpy() / prices.to_numpy()[0]
    i, j = np.triu_indices(n_assets, k=1)  # the order of pdist and of candidate_pairs
    table = pd.DataFrame({
        "asset1": prices.columns[i], "asset2": prices.columns[j],
        "ssd": pdist(norm.T, "sqeuclidean"),
        "spread_std": np.std(norm[:, i] - norm[:, j], axis=0, ddof=1),
    })
    table = table.sort_values("ssd", kind="stable").head(top_n).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def engle_granger_pairs(prices: pd.DataFrame, pairs: Iterable[tuple[str, str]] | None = None,
                        *, log: bool = True, trend: str = "c", lags: int | None = None,
                        ordering: str = "both") -> pd.DataFrame:
    """Engle–Granger test of each pair (see the module docstring).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets, at least 10 dates) of the formation window.
    pairs : list of tuple or None
        (asset1, asset2) pairs of distinct columns of ``prices``, at least one; None (default)
        for every column pair (:func:`candidate_pairs`).
    log : bool
        Test log-prices (default) rather than prices.
    trend : str
        Deterministic terms of the cointegrating regression: ``"n"``, ``"c"`` (default),
        ``"ct"`` or ``"ctt"``.
    lags : int or None
        ADF augmentation lags, from 0 to ``len(prices) // 4``; None selects them by AIC
        (statsmodels' default). An integer with trend "n" or "c" uses the jitted kernel.
    ordering : str
        ``"both"`` (default): test both orderings, ``pvalue`` the larger p-value; ``"given"``:
        asset1 on asset2 only.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``asset1``, ``asset2``, ``stat_12`` and ``pvalue_12`` (asset1
        regressed on asset2), ``beta_12`` (the OLS slope of asset1 on asset2 with a constant,
        whatever ``trend``: the hedge ratio in log-prices when ``log``), the same ``_21`` for
        the reverse ordering when ``ordering="both"``, and ``pvalue`` (the larger of the two,
        or ``pvalue_12``).

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table of at least 10 dates, ``pairs`` is not a
        non-empty list of pairs of distinct columns, or a parameter is not allowed.
    """
    prices = check_prices(prices, min_rows=10)
    pairs = _pairs(prices, pairs)
    if not isinstance(log, bool):
        _validate.fail("log", log, "True or False")
    trend = _validate.choice("trend", trend, TRENDS)
    ordering = _validate.choice("ordering", ordering, ORDERINGS)
    if lags is not None:
        lags = _validate.integer("lags", lags, low=0, high=len(prices) // 4)
    data = np.log(prices) if log else prices
    if lags is not None and trend in ("n", "c"):
        return _engle_granger_fast(data, pairs, trend, lags, ordering)
    kw = dict(trend=trend, autolag="aic") if lags is None else dict(trend=trend, maxlag=lags,
                                                                     autolag=None)
    rows = []
    for a, b in pairs:
        ya, yb = data[a].to_numpy(), data[b].to_numpy()
        row: dict[str, object] = {"asset1": a, "asset2": b}
        directions = [("12", ya, yb)] + ([("21", yb, ya)] if ordering == "both" else [])
        for tag, y, x in directions:
            stat, p, _ = coint(y, x, **kw)
            row[f"stat_{tag}"], row[f"pvalue_{tag}"] = float(stat), float(p)
            row[f"beta_{tag}"] = float(np.polyfit(x, y, 1)[0])
        row["pvalue"] = max(row[f"pvalue_{tag}"] for tag, _, _ in directions)
        rows.append(row)
    return pd.DataFrame(rows)


def _engle_granger_fast(data: pd.DataFrame, pairs: list[tuple[str, str]], trend: str,
                        lags: int, ordering: str) -> pd.DataFrame:
    """:func:`engle_granger_pairs` with fixed lags and trend "n" or "c" (the jitted kernel)."""
    values = np.ascontiguousarray(data.to_numpy(dtype=np.float64))
    col = {c: i for i, c in enumerate(data.columns)}
    ia = np.array([col[a] for a, _ in pairs], dtype=np.int64)
    ib = np.array([col[b] for _, b in pairs], dtype=np.int64)
    out = {"asset1": [a for a, _ in pairs], "asset2": [b for _, b in pairs]}
    directions = [("12", ia, ib)] + ([("21", ib, ia)] if ordering == "both" else [])
    for tag, iy, ix in directions:
        stat, beta = _eg_kernel(values, iy, ix, lags, trend == "c")
        out[f"stat_{tag}"] = stat
        out[f"pvalue_{tag}"] = _mackinnon_pvalues(stat, trend, 2)
        out[f"beta_{tag}"] = beta
    table = pd.DataFrame(out)
    table["pvalue"] = table[[f"pvalue_{tag}" for tag, _, _ in directions]].max(axis=1)
    return table


def _mackinnon_pvalues(stats: np.ndarray, regression: str, n_series: int) -> np.ndarray:
    """MacKinnon (1994) p-values of an array of (augmented) Dickey–Fuller / Engle–Granger
    statistics: statsmodels' ``mackinnonp(s, regression, N=n_series)`` for each ``s`` (1 above
    the table's largest statistic, 0 below its smallest, else the normal CDF of the small- or
    large-p polynomial in ``s``), evaluated on the whole array with the same coefficients and
    operations, so every value equals ``mackinnonp``'s."""
    s = np.asarray(stats, dtype=np.float64)
    j = n_series - 1
    small = np.polyval(adfvalues._tau_smallps[regression][j][::-1], s)
    large = np.polyval(adfvalues._tau_largeps[regression][j][::-1], s)
    p = ndtr(np.where(s <= adfvalues._tau_stars[regression][j], small, large))
    p = np.where(s < adfvalues._tau_mins[regression][j], 0.0, p)
    return np.where(s > adfvalues._tau_maxs[regression][j], 1.0, p)


_R2_LIMIT = 1.0 - 100.0 * float(np.sqrt(np.finfo(float).eps))
"""``coint`` sets the statistic to −inf when the cointegrating regression's R² reaches this."""


@njit(cache=True)
def _eg_kernel(data, iy, ix, lags, const):
    """Engle–Granger statistics of y = data[:, iy[k]] on x = data[:, ix[k]]: OLS of y on x
    (and a constant), then the ADF t-statistic of the residuals u with ``lags`` lagged
    differences and no deterministic terms (statsmodels ``coint``; −inf when R² reaches
    :data:`_R2_LIMIT`, as there). Returns the statistics and the slopes of y on x with a
    constant (``np.polyfit(x, y, 1)[0]``, whatever the trend of the test)."""
    n = data.shape[0]
    m = iy.size
    stat = np.empty(m)
    beta = np.empty(m)
    k = lags + 1
    nobs = n - 1 - lags
    u = np.empty(n)
    du = np.empty(n - 1)
    for p in range(m):
        y = data[:, iy[p]]
        x = data[:, ix[p]]
        cy, cx = y.mean(), x.mean()
        sxy, sxx = 0.0, 0.0
        for t in range(n):
            sxy += (x[t] - cx) * (y[t] - cy)
            sxx += (x[t] - cx) ** 2
        beta[p] = sxy / sxx
        my, mx = (cy, cx) if const else (0.0, 0.0)
        sxy, sxx, syy = 0.0, 0.0, 0.0
        for t in range(n):
            sxy += (x[t] - mx) * (y[t] - my)
            sxx += (x[t] - mx) ** 2
            syy += (y[t] - my) ** 2
        b = sxy / sxx
        ssr = 0.0
        for t in range(n):
            u[t] = (y[t] - my) - b * (x[t] - mx)
            ssr += u[t] * u[t]
        if 1.0 - ssr / syy >= _R2_LIMIT:
            stat[p] = -np.inf
            continue
        for t in range(n - 1):
            du[t] = u[t + 1] - u[t]
        xtx = np.zeros((k, k))
        xty = np.zeros(k)
        row = np.empty(k)
        for i in range(nobs):
            t = lags + i                  # du[t] is regressed on u[t] and du[t-1..t-lags]
            row[0] = u[t]
            for j in range(1, k):
                row[j] = du[t - j]
            for a in range(k):
                xty[a] += row[a] * du[t]
                for c in range(k):
                    xtx[a, c] += row[a] * row[c]
        inv = np.linalg.inv(xtx)
        coef = inv @ xty
        rss = 0.0
        for i in range(nobs):
            t = lags + i
            e = du[t] - coef[0] * u[t]
            for j in range(1, k):
                e -= coef[j] * du[t - j]
            rss += e * e
        stat[p] = coef[0] / np.sqrt(rss / (nobs - k) * inv[0, 0])
    return stat, beta


def johansen_pairs(prices: pd.DataFrame, pairs: Iterable[tuple[str, str]] | None = None, *,
                   log: bool = True, det_order: int = 0, k_ar_diff: int = 1,
                   level: float = 0.95) -> pd.DataFrame:
    """Johansen test of each pair (see the module docstring).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets, at least 10 dates) of the formation window.
    pairs : list of tuple or None
        (asset1, asset2) pairs of distinct columns of ``prices``, at least one; None (default)
        for every column pair.
    log : bool
        Test log-prices (default) rather than prices.
    det_order : int
        Deterministic terms: −1 none, 0 constant (default), 1 linear trend.
    k_ar_diff : int
        Lagged differences in the VECM, from 1 to ``len(prices) // 4`` (default 1).
    level : float
        Level of the critical values: 0.90, 0.95 (default) or 0.99.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``asset1``, ``asset2``; ``trace_stat``/``trace_crit`` and
        ``maxeig_stat``/``maxeig_crit`` for the null r = 0 at ``level``; ``trace_stat_r1``/
        ``trace_crit_r1`` for r ≤ 1; ``trace_reject``/``maxeig_reject`` (r = 0 rejected);
        ``rank`` (the trace test's sequential choice: 0, 1, or 2 = both series stationary);
        ``beta`` (the first eigenvector normalised as asset1 − beta·asset2).

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table of at least 10 dates, ``pairs`` is not
        allowed, or a parameter is out of range.
    """
    prices = check_prices(prices, min_rows=10)
    pairs = _pairs(prices, pairs)
    if not isinstance(log, bool):
        _validate.fail("log", log, "True or False")
    det_order = _validate.integer("det_order", det_order, low=-1, high=1)
    k_ar_diff = _validate.integer("k_ar_diff", k_ar_diff, low=1, high=len(prices) // 4)
    if isinstance(level, bool) or level not in LEVELS:
        _validate.fail("level", level, "one of 0.90, 0.95, 0.99")
    col = LEVELS.index(level)
    data = np.log(prices) if log else prices
    if det_order == 0 and k_ar_diff == 1:
        return _johansen_pairs_fast(data, pairs, col)
    rows = []
    for a, b in pairs:
        res = coint_johansen(data[[a, b]].to_numpy(), det_order, k_ar_diff)
        trace, maxeig = res.lr1, res.lr2
        crit_t, crit_m = res.cvt[:, col], res.cvm[:, col]
        rank = 0 if trace[0] <= crit_t[0] else (1 if trace[1] <= crit_t[1] else 2)
        evec = res.evec[:, 0]
        rows.append({
            "asset1": a, "asset2": b,
            "trace_stat": float(trace[0]), "trace_crit": float(crit_t[0]),
            "maxeig_stat": float(maxeig[0]), "maxeig_crit": float(crit_m[0]),
            "trace_stat_r1": float(trace[1]), "trace_crit_r1": float(crit_t[1]),
            "trace_reject": bool(trace[0] > crit_t[0]),
            "maxeig_reject": bool(maxeig[0] > crit_m[0]),
            "rank": rank, "beta": float(-evec[1] / evec[0]),
        })
    return pd.DataFrame(rows)


def _johansen_pairs_fast(data: pd.DataFrame, pairs: list[tuple[str, str]],
                         col: int) -> pd.DataFrame:
    """:func:`johansen_pairs` with det_order = 0 and k_ar_diff = 1 by the jitted
    :func:`_johansen` (statistics as ``coint_johansen`` computes them from the eigenvalues,
    critical values from its tables)."""
    values = np.ascontiguousarray(data.to_numpy(dtype=np.float64))
    index = {c: i for i, c in enumerate(data.columns)}
    ia = np.array([index[a] for a, _ in pairs], dtype=np.int64)
    ib = np.array([index[b] for _, b in pairs], dtype=np.int64)
    eig, vec = np.empty((len(pairs), 2)), np.empty((len(pairs), 2))
    _johansen_pair_scan(values, ia, ib, eig, vec)
    t = len(values) - 2
    logs = np.log(1.0 - eig)
    trace = -t * (logs[:, 0] + logs[:, 1])
    trace_r1, maxeig = -t * logs[:, 1], -t * logs[:, 0]
    crit_t, crit_r1, crit_m = c_sjt(2, 0)[col], c_sjt(1, 0)[col], c_sja(2, 0)[col]
    return pd.DataFrame({
        "asset1": [a for a, _ in pairs], "asset2": [b for _, b in pairs],
        "trace_stat": trace, "trace_crit": crit_t, "maxeig_stat": maxeig, "maxeig_crit": crit_m,
        "trace_stat_r1": trace_r1, "trace_crit_r1": crit_r1, "trace_reject": trace > crit_t,
        "maxeig_reject": maxeig > crit_m,
        "rank": np.where(trace <= crit_t, 0, np.where(trace_r1 <= crit_r1, 1, 2)),
        "beta": -vec[:, 1] / vec[:, 0]})


@njit(cache=True)
def _johansen_pair_scan(logp, ia, ib, eig, vec):
    y = np.empty((logp.shape[0], 2))
    for p in range(ia.size):
        y[:, 0] = logp[:, ia[p]]
        y[:, 1] = logp[:, ib[p]]
        _johansen(y, eig[p], vec[p])


@njit(cache=True)
def _johansen(y, eig, vec):
    """Johansen with det_order = 0, k_ar_diff = 1 on y (T × k): eigenvalues (largest first)
    into ``eig``, the first eigenvector (statsmodels' normalisation v'S_kk v = 1) into ``vec``;
    returns the trace statistic of rank 0. The regressions on the lagged differences are done
    on the moment matrix of W = [ΔY_t, Y_{t−1}, ΔY_{t−1}] (demeaned), t = 2..T−1."""
    n, k = y.shape
    m = n - 2
    w = np.empty((m, 3 * k))
    for t in range(m):
        for j in range(k):
            w[t, j] = y[t + 2, j] - y[t + 1, j]
            w[t, k + j] = y[t + 1, j]
            w[t, 2 * k + j] = y[t + 1, j] - y[t, j]
    for c in range(3 * k):
        mu = w[:, c].mean()
        for t in range(m):
            w[t, c] -= mu
    mom = w.T @ w / m
    a = np.linalg.inv(np.ascontiguousarray(mom[2 * k:, 2 * k:]))
    zd = np.ascontiguousarray(mom[2 * k:, :k])
    zl = np.ascontiguousarray(mom[2 * k:, k:2 * k])
    s00 = mom[:k, :k] - zd.T @ (a @ zd)
    skk = mom[k:2 * k, k:2 * k] - zl.T @ (a @ zl)
    sk0 = mom[k:2 * k, :k] - zl.T @ (a @ zd)
    sig = sk0 @ np.linalg.solve(s00, np.ascontiguousarray(sk0.T))
    chol = np.linalg.cholesky(skk)
    linv = np.linalg.inv(chol)
    sym = linv @ sig @ linv.T
    sym = 0.5 * (sym + sym.T)
    lam, u = np.linalg.eigh(sym)
    trace = 0.0
    for i in range(k):
        eig[i] = lam[k - 1 - i]
        trace -= m * np.log(1.0 - lam[i])
    v = linv.T @ np.ascontiguousarray(u[:, k - 1])
    sign = 1.0
    for i in range(k):
        if v[i] != 0.0:
            sign = 1.0 if v[i] > 0.0 else -1.0
            break
    for i in range(k):
        vec[i] = sign * v[i]
    return trace


def adjust_pvalues(table: pd.DataFrame, alpha: float = 0.05, column: str = "pvalue"
                   ) -> pd.DataFrame:
    """Multiple-testing decisions over all the rows of a table of p-values.

    The family is every row (every pair tested), not only the significant ones.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per test, at least one, with a column of p-values in [0, 1].
    alpha : float
        Significance level in (0, 1).
    column : str
        The column of p-values (default ``"pvalue"``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``reject_raw`` (p ≤ α), ``p_bonferroni`` and
        ``reject_bonferroni``, ``p_fdr_bh`` and ``reject_fdr_bh`` (Benjamini–Hochberg).

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1), ``column`` is not a column of ``table``, the table is
        empty, or a p-value is outside [0, 1] or NaN.
    """
    alpha = _validate.real("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    if not isinstance(table, pd.DataFrame) or column not in table.columns:
        _validate.fail("column", column, "a column of the DataFrame table")
    p = table[column].to_numpy(dtype=np.float64)
    if len(p) == 0:
        _validate.fail("len(table)", 0, "at least 1 (one p-value per tested pair)")
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _validate.fail(f"{column}[{i}]", float(p[i]), "a p-value in [0, 1]")
    out = table.copy()
    out["reject_raw"] = p <= alpha
    for method, name in (("bonferroni", "bonferroni"), ("fdr_bh", "fdr_bh")):
        reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
        out[f"p_{name}"] = adjusted
        out[f"reject_{name}"] = reject
    return out


def score_selection(selected: object, truth: SyntheticUniverse | Iterable[tuple[str, str]]
                    ) -> SelectionScore:
    """Compare selected pairs with the true ones; pairs are unordered.

    Parameters
    ----------
    selected : pandas.DataFrame or list of tuple
        A DataFrame with ``asset1``/``asset2`` columns (e.g. a selection table), or an iterable
        of 2-tuples of distinct assets.
    truth : SyntheticUniverse or list of tuple
        A synthetic universe (its true pairs), or an iterable of pairs.

    Returns
    -------
    SelectionScore
        Counts of true and false positives, precision, recall and false discovery rate.

    Raises
    ------
    ValueError
        If ``selected`` or ``truth`` is not one of those forms.
    """
    def as_set(name: str, obj: object) -> set[frozenset[str]]:
        if isinstance(obj, SyntheticUniverse):
            return set(obj.true_pairs)
        if isinstance(obj, pd.DataFrame):
            if not {"asset1", "asset2"} <= set(obj.columns):
                _validate.fail(name, "DataFrame", "a DataFrame with asset1 and asset2 columns")
            obj = zip(obj["asset1"], obj["asset2"])
        try:
            pairs = [frozenset((a, b)) for a, b in obj]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            _validate.fail(name, obj, "an iterable of (asset1, asset2) pairs")
        if any(len(p) != 2 for p in pairs):
            _validate.fail(name, obj, "pairs of two distinct assets")
        return set(pairs)

    sel, true = as_set("selected", selected), as_set("truth", truth)
    tp, fp, fn = len(sel & true), len(sel - true), len(true - sel)
    return SelectionScore(
        n_selected=len(sel), n_true=len(true), true_positives=tp, false_positives=fp,
        false_negatives=fn, precision=tp / len(sel) if sel else float("nan"),
        recall=tp / len(true) if true else float("nan"), fdr=fp / len(sel) if sel else 0.0)


def score_methods(universe: SyntheticUniverse, *, alpha: float = 0.05, top_n: int | None = None,
                  lags: int | None = 1, k_ar_diff: int = 1) -> pd.DataFrame:
    """Score every selection method on a synthetic universe: distance top-N (N = number of
    true pairs unless ``top_n``), Engle–Granger at α raw / Bonferroni / Benjamini–Hochberg, and
    the Johansen trace and max-eigenvalue tests at 95 %. One row per method, with the
    :class:`SelectionScore` fields as columns.

    ``lags`` defaults to 1 (not AIC selection as in :func:`engle_granger_pairs`): the synthetic
    spreads are exact AR(1)s, and a fixed lag makes scanning hundreds of pairs fast.

    Parameters
    ----------
    universe : SyntheticUniverse
        The universe: its prices and true pairs.
    alpha : float
        Significance level in (0, 1) of the Engle–Granger selections.
    top_n : int or None
        Pairs selected by distance, ≥ 1; None (default) for the number of true pairs (no
        distance row when that is 0).
    lags : int or None
        ADF lags of :func:`engle_granger_pairs` (default 1; None for AIC).
    k_ar_diff : int
        Lagged differences of :func:`johansen_pairs`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``method`` ("distance top N", "Engle-Granger raw", "Engle-Granger
        bonferroni", "Engle-Granger fdr_bh", "Johansen trace", "Johansen max-eig"), with the
        :class:`SelectionScore` fields as columns.

    Raises
    ------
    ValueError
        If ``universe`` is not a :class:`SyntheticUniverse` or a parameter is not allowed.
    """
    if not isinstance(universe, SyntheticUniverse):
        _validate.fail("universe", type(universe).__name__, "a SyntheticUniverse")
    prices = universe.prices
    n = len(universe.pairs) if top_n is None else _validate.integer("top_n", top_n, low=1)
    methods: dict[str, pd.DataFrame] = {}
    if n >= 1:
        methods[f"distance top {n}"] = distance_pairs(prices, top_n=n)
    eg = adjust_pvalues(engle_granger_pairs(prices, lags=lags), alpha=alpha)
    for kind in ("raw", "bonferroni", "fdr_bh"):
        methods[f"Engle-Granger {kind}"] = eg[eg[f"reject_{kind}"]]
    jo = johansen_pairs(prices, k_ar_diff=k_ar_diff, level=0.95)
    methods["Johansen trace"] = jo[jo["trace_reject"]]
    methods["Johansen max-eig"] = jo[jo["maxeig_reject"]]
    rows = {name: vars(score_selection(sel, universe)) for name, sel in methods.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


def selection_power(n_days: Sequence[int], *, n_universes: int, n_pairs_coint: int = 5,
                    n_stocks: int = 20, alpha: float = 0.05, lags: int | None = 1,
                    k_ar_diff: int = 1, seed: int = 0) -> pd.DataFrame:
    """Average :func:`score_methods` over ``n_universes`` synthetic universes of ``n_stocks``
    stocks (``n_pairs_coint`` true pairs, the rest random walks) for each sample length in
    ``n_days`` (trading days). Universe k of every length uses seed ``seed + k``.

    Parameters
    ----------
    n_days : list of int
        Sample lengths (trading days), each in [10, 10⁶]; non-empty.
    n_universes : int
        Universes per length, in [1, 10⁴] (required).
    n_pairs_coint : int
        True cointegrated pairs per universe, ≥ 0.
    n_stocks : int
        Stocks per universe, at least max(2, 2·``n_pairs_coint``) and at most 500.
    alpha : float
        Significance level in (0, 1) of the Engle–Granger selections.
    lags : int or None
        ADF lags of :func:`engle_granger_pairs` (default 1; None for AIC).
    k_ar_diff : int
        Lagged differences of :func:`johansen_pairs`.
    seed : int
        Seed of the first universe, ≥ 0.

    Returns
    -------
    pandas.DataFrame
        One row per (``n_days``, ``method``), methods in :func:`score_methods` order, with
        the means over universes of ``selected`` (pairs selected), ``true_pos``,
        ``false_pos``, ``recall`` (ignoring NaN), ``fdr`` and ``any_selected`` (share of
        universes where the method selected anything).

    Raises
    ------
    ValueError
        If a parameter is out of range.
    """
    if isinstance(n_days, (str, bytes)) or not isinstance(n_days, Sequence) or not n_days:
        _validate.fail("n_days", n_days, "a non-empty list of sample lengths (days)")
    lengths = [_validate.integer("n_days", d, low=10, high=10**6) for d in n_days]
    n_universes = _validate.integer("n_universes", n_universes, low=1, high=10**4)
    n_pairs_coint = _validate.integer("n_pairs_coint", n_pairs_coint, low=0)
    n_stocks = _validate.integer("n_stocks", n_stocks, low=max(2, 2 * n_pairs_coint), high=500)
    seed = _validate.seed("seed", seed)
    rows = []
    for days in lengths:
        for k in range(n_universes):
            universe = make_synthetic_universe(n_pairs_coint=n_pairs_coint,
                                               n_random_walks=n_stocks - 2 * n_pairs_coint,
                                               n_days=days, seed=seed + k)
            scores = score_methods(universe, alpha=alpha, lags=lags, k_ar_diff=k_ar_diff)
            rows.append(scores.reset_index().assign(n_days=days, universe=k))
    table = pd.concat(rows, ignore_index=True)
    table["any"] = table["n_selected"] > 0
    return table.groupby(["n_days", "method"], sort=False).agg(
        selected=("n_selected", "mean"), true_pos=("true_positives", "mean"),
        false_pos=("false_positives", "mean"), recall=("recall", "mean"), fdr=("fdr", "mean"),
        any_selected=("any", "mean")).reset_index()
