"""Factor-neutral residuals: each stock traded against the leading principal components of the
universe (Avellaneda & Lee 2010, sections 2–4 and the appendix).

Model (units: simple daily returns, time in trading days). Each day t, from data of days ≤ t
only:

1. *Factors.* The returns of the last ``window`` days (default 252) are standardised per stock,
   Y_ik = (R_ik − R̄_i)/σ̄_i (sample mean and standard deviation, ddof = 1), and their
   correlation matrix ρ = YᵀY/(window − 1) is diagonalised (``numpy.linalg.eigh``). The
   eigenvectors v^(j) of the ``n_factors`` largest eigenvalues, signed so that Σ_i v_i^(j) ≥ 0,
   define the *eigenportfolios* Q_i^(j) = v_i^(j)/σ̄_i ($ in stock i per unit of portfolio j)
   and the factor returns F_jk = Σ_i Q_i^(j) R_ik.
2. *Residuals.* Over the last ``regression_window`` days (default 60) each stock's returns are
   regressed on the factor returns, R_ik = β_i0 + Σ_j β_ij F_jk + ε_ik (OLS), and the residuals
   are cumulated, X_il = Σ_{k ≤ l} ε_ik (so X ends the window at 0, the intercept absorbing the
   drift).
3. *OU fit and s-score.* An AR(1) of X on its lag gives κ, m and σ_eq exactly as
   :func:`mslab.pairs.meanrev.fit_ou` (the same jitted estimator); the s-score is
   s_i = (X_i,last − m_i)/σ_eq,i, with Avellaneda and Lee's centring m_i → m_i − mean_j m_j over
   the stocks with a fit when ``center`` is true. A stock is *tradable* when κ_i >
   ``min_kappa`` (default 1/30 per day: their κ > 252/30 per year).

Trading (:func:`factor_strategy_returns`): :func:`mslab.pairs.meanrev.score_positions` turns each
stock's s-score into a position (+1 long the residual: long $1 of the stock, short β_ij units of
eigenportfolio j; −1 the reverse), the hedge re-estimated every day; the target dollar holdings
of each stock's trade are backtested by :func:`mslab.pairs.holdings.backtest_holdings` (decided
at the close of t, executed at the close of t + 1). One strategy per stock, each with $1 of
capital; the equal-weight portfolio is their mean, or, netting the stocks' trades as
Avellaneda and Lee do, :func:`factor_portfolio_targets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.pairs.data import check_prices
from mslab.pairs.holdings import HoldingsResult, backtest_holdings
from mslab.pairs.meanrev import _ar1, _ou_from_ar1, score_positions

MAX_STOCKS = 500
"""Largest universe of :func:`factor_residuals` (one eigen-decomposition of an N × N matrix a
day)."""


@dataclass(frozen=True)
class FactorResiduals:
    """Daily estimates of :func:`factor_residuals` (NaN before the first full window).

    Attributes
    ----------
    sscore : pandas.DataFrame
        Dates × stocks: the s-score (X_last − m)/σ_eq of each stock's cumulated residual.
    kappa : pandas.DataFrame
        Dates × stocks: mean-reversion speed κ, per day (NaN where the AR(1) slope is not in
        (0, 1)).
    mean : pandas.DataFrame
        Dates × stocks: m, centred across stocks if asked (cumulated-return units).
    sigma_eq : pandas.DataFrame
        Dates × stocks: stationary standard deviation σ_eq (cumulated-return units).
    tradable : pandas.DataFrame
        Dates × stocks, booleans: κ > ``min_kappa`` (False where κ is NaN).
    betas : numpy.ndarray
        Factor loadings β_ij, shape (n_days, n_stocks, n_factors).
    eigenportfolios : numpy.ndarray
        Q_i^(j), $ in stock i per unit of portfolio j, shape (n_days, n_factors, n_stocks).
    eigenvalues : numpy.ndarray
        Eigenvalues of the correlation matrix, largest first, shape (n_days, n_stocks).
    params : dict
        The settings of the estimation.
    """

    sscore: pd.DataFrame
    kappa: pd.DataFrame
    mean: pd.DataFrame
    sigma_eq: pd.DataFrame
    tradable: pd.DataFrame
    betas: np.ndarray
    eigenportfolios: np.ndarray
    eigenvalues: np.ndarray
    params: dict[str, object] = field(default_factory=dict)

    @property
    def explained(self) -> pd.Series:
        """Share of the universe's variance (sum of the correlation matrix's eigenvalues, N)
        carried by the ``n_factors`` leading components, day by day."""
        m = self.betas.shape[2]
        ev = self.eigenvalues
        return pd.Series(ev[:, :m].sum(axis=1) / ev.shape[1], index=self.sscore.index,
                         name="explained")


@njit(cache=True)
def _factor_residuals(r, window, reg_window, n_factors, center, out_s, out_kappa, out_mean,
                      out_sigma, out_beta, out_q, out_eig):
    n, n_st = r.shape
    x = np.empty((n_st, reg_window))
    # Running sums of the returns and their cross-products over the estimation window.
    s1 = np.zeros(n_st)
    s2 = np.zeros((n_st, n_st))
    corr = np.empty((n_st, n_st))
    sd = np.empty(n_st)
    for t in range(1, n):
        for i in range(n_st):
            s1[i] += r[t, i]
            for j in range(n_st):
                s2[i, j] += r[t, i] * r[t, j]
        if t > window:
            old = t - window
            for i in range(n_st):
                s1[i] -= r[old, i]
                for j in range(n_st):
                    s2[i, j] -= r[old, i] * r[old, j]
        if t < window:
            continue
        for i in range(n_st):
            sd[i] = np.sqrt((s2[i, i] - s1[i] * s1[i] / window) / (window - 1))
        for i in range(n_st):
            for j in range(n_st):
                corr[i, j] = ((s2[i, j] - s1[i] * s1[j] / window) / (window - 1)
                              / (sd[i] * sd[j]))
        w, v = np.linalg.eigh(corr)
        for j in range(n_st):
            out_eig[t, j] = w[n_st - 1 - j]
        for f in range(n_factors):
            vec = v[:, n_st - 1 - f]
            sign = 1.0 if vec.sum() >= 0.0 else -1.0
            for i in range(n_st):
                out_q[t, f, i] = sign * vec[i] / sd[i]
        reg = np.ascontiguousarray(r[t - reg_window + 1:t + 1])
        design = np.ones((reg_window, n_factors + 1))
        design[:, 1:] = reg @ np.ascontiguousarray(out_q[t].T)
        coef = np.linalg.solve(design.T @ design, design.T @ reg)
        resid = reg - design @ coef
        msum = 0.0
        mcount = 0
        for i in range(n_st):
            acc = 0.0
            for k in range(reg_window):
                acc += resid[k, i]
                x[i, k] = acc
            a, b, var = _ar1(x[i], 0, reg_window)
            kappa, m, sigma, sigma_eq = _ou_from_ar1(a, b, var, 1.0)
            out_kappa[t, i] = kappa
            out_mean[t, i] = m
            out_sigma[t, i] = sigma_eq
            for f in range(n_factors):
                out_beta[t, i, f] = coef[f + 1, i]
            if np.isfinite(m):
                msum += m
                mcount += 1
        if center and mcount > 0:
            for i in range(n_st):
                out_mean[t, i] -= msum / mcount
        for i in range(n_st):
            out_s[t, i] = (x[i, reg_window - 1] - out_mean[t, i]) / out_sigma[t, i]


def factor_residuals(prices: pd.DataFrame, *, window: int = 252, regression_window: int = 60,
                     n_factors: int = 1, min_kappa: float = 1.0 / 30.0, center: bool = True
                     ) -> FactorResiduals:
    """Estimate the model of the module docstring on every day with ``window`` days of returns
    (the first estimate is on row ``window`` of ``prices``).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × stocks; :func:`mslab.pairs.data.check_prices`: finite prices
        > 0), 2 to :data:`MAX_STOCKS` columns.
    window : int
        Days of returns of the correlation matrix, at least max(3, n_stocks) and at most
        ``len(prices)`` − 1.
    regression_window : int
        Days of the factor regression and the OU fit, > ``n_factors`` + 3 and ≤ ``window``
        (the regression and the AR(1) need degrees of freedom).
    n_factors : int
        Number of principal components, from 1 to n_stocks − 1.
    min_kappa : float
        Least κ (per day, ≥ 0) for a stock to be tradable.
    center : bool
        Centre m across the stocks with a fit (Avellaneda and Lee), default True.

    Returns
    -------
    FactorResiduals
        The daily s-scores, OU parameters, loadings, eigenportfolios and eigenvalues.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table, a parameter is out of range, or the size
        or work bound is exceeded.
    """
    prices = check_prices(prices, min_rows=2)
    n, n_st = prices.shape
    if n_st < 2 or n_st > MAX_STOCKS:
        _validate.fail("prices.shape[1]", n_st, f"between 2 and MAX_STOCKS = {MAX_STOCKS}")
    n_factors = _validate.integer("n_factors", n_factors, low=1, high=n_st - 1)
    window = _validate.integer("window", window, low=max(3, n_st), high=n - 1,
                               high_name="len(prices) - 1")
    regression_window = _validate.integer("regression_window", regression_window,
                                          low=n_factors + 4, high=window, high_name="window")
    min_kappa = _validate.nonnegative("min_kappa", min_kappa)
    if not isinstance(center, (bool, np.bool_)):
        _validate.fail("center", center, "True or False")
    _validate.elements("len(prices), n_stocks", float(n) * n_st * max(n_factors, n_st))
    _validate.work("len(prices), n_stocks, window",
                   float(n) * n_st * (n_st * window + regression_window * (n_factors + 1)))
    values = prices.to_numpy()
    r = np.zeros_like(values)
    r[1:] = values[1:] / values[:-1] - 1.0
    tables = [np.full((n, n_st), np.nan) for _ in range(4)]
    beta = np.full((n, n_st, n_factors), np.nan)
    q = np.full((n, n_factors, n_st), np.nan)
    eig = np.full((n, n_st), np.nan)
    _factor_residuals(r, window, regression_window, n_factors, bool(center), *tables, beta, q,
                      eig)
    s, kappa, mean, sigma_eq = (pd.DataFrame(v, index=prices.index, columns=prices.columns)
                                for v in tables)
    tradable = kappa.fillna(-np.inf) > min_kappa
    return FactorResiduals(s, kappa, mean, sigma_eq, tradable, beta, q, eig,
                           params=dict(window=window, regression_window=regression_window,
                                       n_factors=n_factors, min_kappa=min_kappa,
                                       center=bool(center)))


def factor_positions(res: FactorResiduals,
                     thresholds: tuple[float, float, float, float] = (-1.25, -0.50, 1.25, 0.75)
                     ) -> pd.DataFrame:
    """Each stock's position in its residual from its s-score and κ filter.

    By :func:`mslab.pairs.meanrev.score_positions`, one stock at a time.

    Parameters
    ----------
    res : FactorResiduals
        Estimates of :func:`factor_residuals`.
    thresholds : tuple
        Four s-score levels (open long, close long, open short, close short), Avellaneda and
        Lee's by default.

    Returns
    -------
    pandas.DataFrame
        Dates × stocks, positions in {−1, 0, +1}.

    Raises
    ------
    ValueError
        If ``res`` is not a :class:`FactorResiduals` or the thresholds are not four finite,
        ordered levels.
    """
    if not isinstance(res, FactorResiduals):
        _validate.fail("res", type(res).__name__, "a FactorResiduals")
    levels = _validate.real_array("thresholds", thresholds)
    if levels.shape != (4,):
        _validate.fail("thresholds", thresholds, "four numbers (open long, close long, open "
                       "short, close short)")
    ol, cl, os_, cs = (float(v) for v in levels)
    return pd.DataFrame({c: score_positions(res.sscore[c], res.tradable[c], open_long=ol,
                                            close_long=cl, open_short=os_, close_short=cs)
                         for c in res.sscore.columns}, index=res.sscore.index)


def factor_targets(res: FactorResiduals, positions: pd.DataFrame) -> np.ndarray:
    """Target dollar holdings of each stock's residual trade.

    position × (1 in the stock − Σ_j β_ij Q^(j)), per $1 of the strategy's capital; 0 where the
    position is 0. Missing estimates (NaN) count as 0.

    Parameters
    ----------
    res : FactorResiduals
        Estimates of :func:`factor_residuals`.
    positions : pandas.DataFrame
        Positions in {−1, 0, +1} with the dates and stocks of ``res`` (:func:`factor_positions`).

    Returns
    -------
    numpy.ndarray
        Shape (n_days, n_stocks strategies, n_stocks assets), $ per $1 of capital.

    Raises
    ------
    ValueError
        If ``res`` is not a :class:`FactorResiduals` or ``positions`` does not match it.
    """
    if not isinstance(res, FactorResiduals):
        _validate.fail("res", type(res).__name__, "a FactorResiduals")
    if (not isinstance(positions, pd.DataFrame) or not positions.index.equals(res.sscore.index)
            or not positions.columns.equals(res.sscore.columns)):
        raise ValueError("positions must be a DataFrame with the dates and stocks of res")
    pos = positions.to_numpy(dtype=float)
    n, n_st = pos.shape
    hedge = np.matmul(np.nan_to_num(res.betas), np.nan_to_num(res.eigenportfolios))
    targets = np.eye(n_st)[None, :, :] - hedge
    return np.where(pos[:, :, None] != 0, pos[:, :, None] * targets, 0.0)


def factor_strategy_returns(prices: pd.DataFrame, *, cost_bps: float = 0.0,
                            thresholds: tuple[float, float, float, float] = (-1.25, -0.50,
                                                                             1.25, 0.75),
                            res: FactorResiduals | None = None, **kwargs: object
                            ) -> HoldingsResult:
    """Daily results of each stock's residual trade (one strategy per stock, $1 of capital each).

    Only rows after the first estimate carry positions: drop the first ``window`` + 1 rows for
    out-of-sample statistics.

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × stocks).
    cost_bps : float
        Cost, bps of traded notional (per leg), ≥ 0.
    thresholds : tuple
        Four s-score levels (open long, close long, open short, close short).
    res : FactorResiduals or None
        Estimates of :func:`factor_residuals` on the same ``prices`` to reuse; None (default):
        computed with ``kwargs``.
    **kwargs
        Arguments of :func:`factor_residuals` (``window``, ``regression_window``,
        ``n_factors``, ``min_kappa``, ``center``), only when ``res`` is None.

    Returns
    -------
    mslab.pairs.holdings.HoldingsResult
        One column per stock.

    Raises
    ------
    ValueError
        If both ``res`` and ``kwargs`` are given, or as :func:`factor_residuals`,
        :func:`factor_positions` and :func:`mslab.pairs.holdings.backtest_holdings`.
    """
    if res is None:
        res = factor_residuals(prices, **kwargs)
    elif kwargs:
        raise ValueError(f"pass either res or estimation arguments, not both ({sorted(kwargs)})")
    targets = factor_targets(res, factor_positions(res, thresholds))
    return backtest_holdings(prices, targets, cost_bps=cost_bps, names=list(prices.columns))


def factor_portfolio_targets(targets: np.ndarray) -> np.ndarray:
    """The equal-weight portfolio of the stocks' trades as one strategy, trades netted.

    Netting across stocks as in Avellaneda and Lee's book: the mean over strategies.

    Parameters
    ----------
    targets : numpy.ndarray
        Target holdings, shape (n_days, n_strategies, n_assets) (:func:`factor_targets`).

    Returns
    -------
    numpy.ndarray
        Shape (n_days, 1, n_assets), $ per $1 of the portfolio's capital.

    Raises
    ------
    ValueError
        If ``targets`` is not 3-D.
    """
    arr = np.asarray(targets, dtype=float)
    if arr.ndim != 3:
        _validate.fail("targets.ndim", arr.ndim, "3 (days × strategies × assets)")
    return arr.mean(axis=1, keepdims=True)
