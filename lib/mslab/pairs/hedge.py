"""Hedge ratios for a pair: a static OLS fit, a rolling OLS fit, and Chan's (2013) Kalman
filter with the trading rule he applies to it.

Both regress y on x with an intercept, y_t = β x_t + α + e_t, on whatever the caller passes
(prices, as in Chan, or log-prices, as in the cointegration tests); the units of β are those
of y per unit of x. The spread is y − βx, whose mean is α.

Kalman filter (E. Chan, *Algorithmic Trading*, 2013, §3): the state s_t = [β_t, α_t] is a
random walk, s_t = s_{t−1} + w_t with w_t ~ N(0, V_w), V_w = δ/(1 − δ)·I₂, observed through
y_t = [x_t, 1]·s_t + ε_t, ε_t ~ N(0, V_e). Defaults are Chan's: δ = 1e-4, V_e = 1e-3, initial
state 0 with covariance 0. Each day t the filter

1. predicts: ŝ_t = s_{t−1}, R_t = P_{t−1} + V_w (at t = 0: ŝ_0 = initial state, R_0 = initial
   covariance, no V_w added);
2. forecasts y_t: ŷ_t = [x_t, 1]·ŝ_t, error e_t = y_t − ŷ_t, variance Q_t = h R_t hᵀ + V_e;
3. updates: K = R_t hᵀ/Q_t, s_t = ŝ_t + K e_t, P_t = R_t − K h R_t.

This is pykalman's convention (``KalmanFilter.filter`` treats ``initial_state_mean`` and
``initial_state_covariance`` as the *predicted* state of the first observation and updates it
without a prediction step) and Chan's MATLAB loop (with R = 0 before the first day). With
Chan's zero initial covariance the first update has zero gain, so s_0 = 0 and P_0 = 0: the
filter learns from the second day on. ``beta``/``alpha`` are the *filtered* values s_t, which
use y_t; e_t and Q_t use only data up to t − 1 plus x_t, and Chan trades e_t against ±√Q_t.
The Gaussian log-likelihood of the forecast errors, ``−½ Σ_{t≥1} (ln 2πQ_t + e_t²/Q_t)`` (the
first day, with its arbitrary prior, excluded), is what :meth:`KalmanHedge.loglik` returns: the
criterion for choosing δ and V_e.

Rolling OLS (:func:`rolling_ols_hedge`): the static fit repeated on the ``window`` observations
ending at every ``step``-th date, as statsmodels' ``RollingOLS`` computes it.

Chan's rule (:func:`kalman_trading`): hold the spread long while e_t/√Q_t < −``entry``, short while
it is > ``entry`` (positions by :func:`mslab.pairs.meanrev.score_positions`, executed at the
next close by :func:`mslab.pairs.backtest.backtest_pair`, with the filter's β converted to
shares by :func:`mslab.pairs.backtest.share_hedge`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab import performance as perf
from mslab.pairs.backtest import Execution, backtest_pair, share_hedge
from mslab.pairs.data import pair_prices
from mslab.pairs.meanrev import fit_ou, score_positions


@dataclass(frozen=True)
class StaticHedge:
    """OLS fit of y on x (with intercept unless it was disabled), from :func:`ols_hedge`.

    Attributes
    ----------
    beta : float
        Hedge ratio β, units of y per unit of x.
    alpha : float
        Intercept α (units of y; 0 without intercept).
    r_squared : float
        R² of the fit (about the mean of y with intercept, about 0 without); NaN when y is
        constant (with intercept) or all zero (without), where R² is 0/0.
    spread : pandas.Series
        y − βx, named ``spread``.
    residuals : pandas.Series
        spread − α, named ``residual``.
    """

    beta: float
    alpha: float
    r_squared: float
    spread: pd.Series
    residuals: pd.Series


@dataclass(frozen=True)
class KalmanHedge:
    """Output of :func:`kalman_hedge`, one value per date (module docstring).

    Attributes
    ----------
    beta : pandas.Series
        Filtered hedge ratio β_t (units of y per unit of x).
    alpha : pandas.Series
        Filtered intercept α_t (units of y).
    y_hat : pandas.Series
        One-day-ahead forecast ŷ_t of y.
    error : pandas.Series
        Forecast error e_t = y_t − ŷ_t.
    error_var : pandas.Series
        Forecast error variance Q_t (units of y²).
    state_cov : numpy.ndarray
        Filtered state covariance P_t of [β, α], shape (n, 2, 2).
    params : dict
        ``delta``, ``obs_var``, ``state_var`` (δ/(1 − δ)), ``initial_beta``, ``initial_alpha``
        and ``initial_cov``.
    """

    beta: pd.Series
    alpha: pd.Series
    y_hat: pd.Series
    error: pd.Series
    error_var: pd.Series
    state_cov: np.ndarray
    params: dict[str, float]

    @property
    def zscore(self) -> pd.Series:
        """e_t/√Q_t, the standardised forecast error Chan trades at ±1."""
        return self.error / np.sqrt(self.error_var)

    def loglik(self) -> float:
        """Gaussian log-likelihood of the one-day-ahead forecast errors, first day excluded.

        Returns
        -------
        float
            ``−½ Σ_{t≥1} (ln 2πQ_t + e_t²/Q_t)`` (module docstring).
        """
        e, q = self.error.to_numpy()[1:], self.error_var.to_numpy()[1:]
        return float(-0.5 * np.sum(np.log(2.0 * np.pi * q) + e * e / q))


@dataclass(frozen=True)
class KalmanTrading:
    """Chan's rule on one pair (:func:`kalman_trading`).

    Attributes
    ----------
    kalman : KalmanHedge
        The filter of log y on log x.
    positions : pandas.Series
        Position in the spread (+1, 0, −1) decided at each close.
    returns : pandas.Series
        Net daily returns after ``cost_bps`` per leg.
    delta : float
        The filter's δ.
    loglik : float
        :meth:`KalmanHedge.loglik`, over all days but the first.
    beta_sd : float
        Standard deviation of β after the first ``burn_in`` days.
    z_sd : float
        Standard deviation of e/√Q after the first ``burn_in`` days.
    z_half_life : float
        AR(1) half-life (days) of e/√Q after the first ``burn_in`` days (NaN if it does not
        mean-revert).
    sharpe_gross : float
        Annualised Sharpe ratio before costs, over all days.
    sharpe_net : float
        Annualised Sharpe ratio after costs, over all days.
    breakeven_bps : float
        The cost per leg (bps of traded notional) that cancels the gross annual return.
    trades_per_year : float
        Number of trades per year of data.
    holding_days : float
        Mean holding period of a closed trade (days).
    """

    kalman: KalmanHedge
    positions: pd.Series
    returns: pd.Series
    delta: float
    loglik: float
    beta_sd: float
    z_sd: float
    z_half_life: float
    sharpe_gross: float
    sharpe_net: float
    breakeven_bps: float
    trades_per_year: float
    holding_days: float

    def row(self) -> dict[str, float]:
        """The scalar results (one row of a comparison table).

        Returns
        -------
        dict
            ``delta``, ``loglik``, ``beta_sd``, ``z_sd``, ``z_half_life``, ``sharpe_gross``,
            ``sharpe_net``, ``breakeven_bps``, ``trades_per_year`` and ``holding_days``.
        """
        return {k: getattr(self, k) for k in (
            "delta", "loglik", "beta_sd", "z_sd", "z_half_life", "sharpe_gross", "sharpe_net",
            "breakeven_bps", "trades_per_year", "holding_days")}


def ols_hedge(y: pd.Series, x: pd.Series, *, intercept: bool = True) -> StaticHedge:
    """Static hedge ratio: least squares of ``y`` on ``x`` (and a constant if ``intercept``).

    Parameters
    ----------
    y, x : pandas.Series
        Values on the same strictly increasing DatetimeIndex, at least 3, finite (prices or
        log-prices).
    intercept : bool
        Fit a constant α (default True); False fits y = βx.

    Returns
    -------
    StaticHedge
        β, α, R², the spread y − βx and the residuals. R² is NaN when the total sum of squares
        is zero (``y`` constant with intercept, all zero without), where it is 0/0.

    Raises
    ------
    ValueError
        If ``y`` and ``x`` are not such Series or ``intercept`` is not a bool.
    """
    if not isinstance(intercept, bool):
        _validate.fail("intercept", intercept, "True or False")
    table = pair_prices(y, x, positive=False, min_rows=3)
    yv, xv = table.iloc[:, 0].to_numpy(), table.iloc[:, 1].to_numpy()
    design = np.column_stack([xv, np.ones_like(xv)]) if intercept else xv[:, None]
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    beta, alpha = float(coef[0]), float(coef[1]) if intercept else 0.0
    spread = yv - beta * xv
    resid = spread - alpha
    centre = yv.mean() if intercept else 0.0
    total = float((yv - centre) @ (yv - centre))
    # y constant (about its mean) or all zero (about 0): R² = 0/0 is undefined. The exact test
    # catches a constant y whose rounded mean leaves a tiny non-zero total.
    flat = bool(np.all(yv == yv[0])) if intercept else not np.any(yv)
    r2 = np.nan if flat or total == 0.0 else 1.0 - float(resid @ resid) / total
    return StaticHedge(beta, alpha, r2, pd.Series(spread, index=table.index, name="spread"),
                       pd.Series(resid, index=table.index, name="residual"))


@njit(cache=True)
def _kalman(y, x, w, ve, s0, p0, beta, alpha, y_hat, err, q, cov):
    """Kernel: the filter of the module docstring with V_w = w·I₂, 2×2 algebra written out."""
    b, a = s0[0], s0[1]
    p00, p01, p11 = p0[0, 0], p0[0, 1], p0[1, 1]
    for t in range(y.shape[0]):
        if t == 0:
            r00, r01, r11 = p00, p01, p11
        else:
            r00, r01, r11 = p00 + w, p01, p11 + w
        xt = x[t]
        rh0 = r00 * xt + r01  # R hᵀ with h = [x_t, 1]
        rh1 = r01 * xt + r11
        qt = xt * rh0 + rh1 + ve
        yh = xt * b + a
        e = y[t] - yh
        k0, k1 = rh0 / qt, rh1 / qt
        b += k0 * e
        a += k1 * e
        p00 = r00 - k0 * rh0  # P = R − K (h R), h R = (R hᵀ)ᵀ
        p01 = r01 - k0 * rh1
        p11 = r11 - k1 * rh1
        beta[t], alpha[t], y_hat[t], err[t], q[t] = b, a, yh, e, qt
        cov[t, 0, 0], cov[t, 0, 1], cov[t, 1, 0], cov[t, 1, 1] = p00, p01, p01, p11


def kalman_hedge(y: pd.Series, x: pd.Series, *, delta: float = 1e-4, obs_var: float = 1e-3,
                 initial_state: tuple[float, float] = (0.0, 0.0),
                 initial_cov: float = 0.0) -> KalmanHedge:
    """Time-varying hedge ratio by Chan's Kalman filter (see the module docstring).

    Parameters
    ----------
    y, x : pandas.Series
        Values on the same strictly increasing DatetimeIndex (finite; prices in Chan's
        examples, log-prices in :func:`kalman_trading`).
    delta : float
        δ in (0, 1); the state noise covariance is δ/(1 − δ)·I₂ per day.
    obs_var : float
        Observation noise variance V_e > 0 (units of y²).
    initial_state : tuple
        [β, α] before the first observation, two finite numbers.
    initial_cov : float
        c ≥ 0, the initial state covariance c·I₂ (Chan: 0).

    Returns
    -------
    KalmanHedge
        Filtered β and α, forecasts, errors and their variances, one per date.

    Raises
    ------
    ValueError
        If ``y`` and ``x`` are not such Series or a parameter is out of range.
    """
    delta = _validate.real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    obs_var = _validate.positive("obs_var", obs_var)
    initial_cov = _validate.nonnegative("initial_cov", initial_cov)
    if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
        _validate.fail("initial_state", initial_state, "a (beta, alpha) pair of finite reals")
    s0 = np.array([_validate.real("initial_state[0]", initial_state[0]),
                   _validate.real("initial_state[1]", initial_state[1])])
    table = pair_prices(y, x, positive=False)
    yv = np.ascontiguousarray(table.iloc[:, 0].to_numpy())
    xv = np.ascontiguousarray(table.iloc[:, 1].to_numpy())
    n = yv.size
    out = [np.empty(n) for _ in range(5)]
    cov = np.empty((n, 2, 2))
    w = delta / (1.0 - delta)
    _kalman(yv, xv, w, obs_var, s0, initial_cov * np.eye(2), *out, cov)
    idx = table.index
    names = ("beta", "alpha", "y_hat", "error", "error_var")
    series = [pd.Series(v, index=idx, name=nm) for v, nm in zip(out, names)]
    params = dict(delta=delta, obs_var=obs_var, state_var=w, initial_beta=float(s0[0]),
                  initial_alpha=float(s0[1]), initial_cov=initial_cov)
    return KalmanHedge(*series, state_cov=cov, params=params)


@njit(cache=True)
def _rolling_ols(y, x, window, ends, beta, alpha):
    """Kernel: OLS of y on x and a constant over the ``window`` values ending at each of
    ``ends`` (centred sums, so no cancellation between large means)."""
    for k in range(ends.size):
        hi = ends[k] + 1
        lo = hi - window
        my, mx = 0.0, 0.0
        for t in range(lo, hi):
            my += y[t]
            mx += x[t]
        my /= window
        mx /= window
        sxy, sxx = 0.0, 0.0
        for t in range(lo, hi):
            dx = x[t] - mx
            sxy += dx * (y[t] - my)
            sxx += dx * dx
        beta[k] = sxy / sxx if sxx > 0.0 else np.nan
        alpha[k] = my - beta[k] * mx


def rolling_ols_hedge(y: pd.Series, x: pd.Series, window: int, *, step: int = 1
                      ) -> pd.DataFrame:
    """Hedge ratio of y on x (with intercept) by least squares over a rolling window.

    The fit is repeated on the ``window`` dates ending at every ``step``-th date, starting with
    the first full window.

    Parameters
    ----------
    y, x : pandas.Series
        Values on the same strictly increasing DatetimeIndex (any finite values).
    window : int
        Dates per fit, from 3 to the number of dates.
    step : int
        Dates between fits, ≥ 1.

    Returns
    -------
    pandas.DataFrame
        Indexed by the last date of each window, columns ``beta`` and ``alpha`` (NaN where x
        is constant in the window).

    Raises
    ------
    ValueError
        If ``y`` and ``x`` are not such Series, or ``window`` or ``step`` is out of range.
    """
    table = pair_prices(y, x, positive=False)
    n = len(table)
    window = _validate.integer("window", window, low=3, high=n)
    step = _validate.integer("step", step, low=1)
    yv = np.ascontiguousarray(table.iloc[:, 0].to_numpy())
    xv = np.ascontiguousarray(table.iloc[:, 1].to_numpy())
    ends = np.arange(window - 1, n, step, dtype=np.int64)
    beta, alpha = np.empty(ends.size), np.empty(ends.size)
    _rolling_ols(yv, xv, window, ends, beta, alpha)
    return pd.DataFrame({"beta": beta, "alpha": alpha}, index=table.index[ends])


def kalman_trading(y: pd.Series, x: pd.Series, *, delta: float, obs_var: float,
                   entry: float = 1.0, cost_bps: float = 0.0, burn_in: int = 0,
                   initial_cov: float = 1.0, periods_per_year: int = 252) -> KalmanTrading:
    """Chan's Kalman-filter pairs rule on the prices ``y`` and ``x``.

    Filter log y on log x (β in dollars of x per dollar of y, ``initial_cov`` 1 by default, a
    diffuse start), hold the spread beyond ±``entry``·√Q, backtest with one day of delay before
    costs and after ``cost_bps`` per leg. Statistics of β and e/√Q skip the first ``burn_in``
    days; the likelihood and the performance figures use every day (see
    :class:`KalmanTrading`).

    Parameters
    ----------
    y, x : pandas.Series
        Prices ($, finite, > 0) on the same strictly increasing DatetimeIndex, at least 4.
    delta : float
        The filter's δ in (0, 1).
    obs_var : float
        The filter's observation variance V_e > 0 (log-price²).
    entry : float
        Entry level of e/√Q, > 0: long while e/√Q < −entry, short while > entry.
    cost_bps : float
        Half spread per leg, bps of traded notional, ≥ 0.
    burn_in : int
        Days left out of the statistics of β and e/√Q, from 0 to ``len(y)`` − 4 (the
        half-life fit needs 4 days).
    initial_cov : float
        Initial state covariance c·I₂, c ≥ 0 (default 1).
    periods_per_year : int
        Days per year, ≥ 1, used to annualise.

    Returns
    -------
    KalmanTrading
        The filter, positions, net returns and per-run statistics.

    Raises
    ------
    ValueError
        If ``y`` and ``x`` are not such Series or a parameter is out of range.
    """
    entry = _validate.positive("entry", entry)
    cost_bps = _validate.nonnegative("cost_bps", cost_bps)
    prices = pair_prices(y, x, min_rows=4)
    yp, xp = prices.iloc[:, 0], prices.iloc[:, 1]
    burn_in = _validate.integer("burn_in", burn_in, low=0, high=len(prices) - 4,
                                high_name="len(y) - 4")
    k = kalman_hedge(np.log(yp), np.log(xp), delta=delta, obs_var=obs_var,
                     initial_cov=initial_cov)
    z = k.zscore
    pos = score_positions(z, open_long=-entry, close_long=-entry, open_short=entry,
                          close_short=entry)
    hedge = share_hedge(k.beta, yp, xp)
    gross, net = (backtest_pair(yp, xp, pos, hedge, execution=Execution(half_spread_bps=c),
                                periods_per_year=periods_per_year) for c in (0.0, cost_bps))
    g = perf.performance(gross.returns, turnover=gross.turnover, periods_per_year=periods_per_year)
    n_perf = perf.performance(net.returns, turnover=net.turnover, trades=net.trades,
                              periods_per_year=periods_per_year)
    return KalmanTrading(
        kalman=k, positions=pos, returns=net.returns, delta=float(delta), loglik=k.loglik(),
        beta_sd=float(k.beta.iloc[burn_in:].std()), z_sd=float(z.iloc[burn_in:].std()),
        z_half_life=fit_ou(z.iloc[burn_in:]).half_life, sharpe_gross=g.sharpe,
        sharpe_net=n_perf.sharpe,
        breakeven_bps=perf.breakeven_cost_bps(g.annual_return, g.turnover),
        trades_per_year=n_perf.n_trades / (len(prices) / periods_per_year),
        holding_days=net.holding_days)
