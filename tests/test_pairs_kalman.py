"""Tests of mslab.pairs.hedge: static OLS hedge ratio against statsmodels, Chan's Kalman filter
against pykalman (1e-8 on real and synthetic data), causality and validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from pykalman import KalmanFilter

from mslab.pairs import kalman_hedge, load_prices, make_synthetic_universe, ols_hedge


@pytest.fixture(scope="module")
def ko_pep():
    p = load_prices(["KO", "PEP"])
    return p["KO"], p["PEP"]


def _pykalman(y, x, delta, obs_var, s0, c0):
    """pykalman's public filter on Chan's model: I₂ transitions, observation matrices [x_t, 1]
    per day. Returns filtered means and covariances, and e_t, Q_t from the predicted states
    (for a random walk: the previous filtered state, covariance + V_w; the initial state on
    day 0)."""
    y, x = np.asarray(y), np.asarray(x)
    H = np.stack([x, np.ones_like(x)], axis=1)
    Vw = delta / (1 - delta) * np.eye(2)
    kf = KalmanFilter(transition_matrices=np.eye(2), observation_matrices=H[:, None, :],
                      transition_covariance=Vw, observation_covariance=obs_var,
                      initial_state_mean=np.asarray(s0, float),
                      initial_state_covariance=c0 * np.eye(2))
    means, covs = kf.filter(y)
    pred_m = np.concatenate([np.asarray(s0, float)[None], means[:-1]])
    pred_c = np.concatenate([c0 * np.eye(2)[None], covs[:-1] + Vw])
    y_hat = np.einsum("ti,ti->t", H, pred_m)
    q = np.einsum("ti,tij,tj->t", H, pred_c, H) + obs_var
    return means, covs, y - y_hat, q


def _assert_matches_pykalman(y, x, **kw):
    res = kalman_hedge(y, x, **kw)
    p = res.params
    means, covs, err, q = _pykalman(y, x, p["delta"], p["obs_var"],
                                    (p["initial_beta"], p["initial_alpha"]), p["initial_cov"])
    diffs = {
        "beta": np.abs(res.beta.to_numpy() - means[:, 0]).max(),
        "alpha": np.abs(res.alpha.to_numpy() - means[:, 1]).max(),
        "state_cov": np.abs(res.state_cov - covs).max(),
        "error": np.abs(res.error.to_numpy() - err).max(),
        "error_var_rel": np.abs(res.error_var.to_numpy() / q - 1).max(),
    }
    assert max(diffs.values()) < 1e-8, diffs
    return res


def test_kalman_matches_pykalman_on_ko_pep_prices_with_chans_parameters(ko_pep):
    """Chan's set-up (prices, δ = 1e-4, V_e = 1e-3, zero initial state and covariance) on
    33 years of KO and PEP."""
    y, x = ko_pep
    res = _assert_matches_pykalman(y, x)
    # zero initial covariance: the first day has zero gain, Q_0 = V_e, and learning starts
    # on day 2
    assert res.beta.iloc[0] == 0.0 and res.alpha.iloc[0] == 0.0
    assert res.error_var.iloc[0] == 1e-3 and res.error.iloc[0] == y.iloc[0]
    assert res.beta.iloc[1] != 0.0
    assert res.state_cov.shape == (len(y), 2, 2)
    np.testing.assert_array_equal(res.state_cov[0], np.zeros((2, 2)))
    np.testing.assert_allclose(res.zscore, res.error / np.sqrt(res.error_var))


def test_kalman_matches_pykalman_on_log_prices_with_other_settings(ko_pep):
    y, x = ko_pep
    _assert_matches_pykalman(np.log(y.loc["2010":]), np.log(x.loc["2010":]), delta=1e-3,
                             obs_var=1e-4, initial_state=(1.0, -0.1), initial_cov=1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_kalman_matches_pykalman_on_synthetic_pairs(seed):
    u = make_synthetic_universe(1, 0, 2000, seed=seed)
    p = u.pairs[0]
    _assert_matches_pykalman(np.log(u.prices[p.y]), np.log(u.prices[p.x]), delta=1e-5,
                             obs_var=p.sigma_eq**2)


def test_kalman_tracks_a_step_in_the_hedge_ratio():
    """β jumps from 0.8 to 1.2 on day 1500; α = 5 throughout. With x swinging widely, β and α
    are separately identified, and a diffuse start (initial_cov = 100) lets α be learned
    quickly instead of being absorbed by β."""
    idx = pd.bdate_range("2001-01-01", periods=3000)
    rng = np.random.default_rng(0)
    t = np.arange(idx.size)
    x = pd.Series(50 + 20 * np.sin(2 * np.pi * t / 250) + rng.normal(0, 1, idx.size), index=idx)
    beta = np.where(t < 1500, 0.8, 1.2)
    y = pd.Series(beta * x.to_numpy() + 5 + rng.normal(0, 0.1, idx.size), index=idx)
    res = kalman_hedge(y, x, delta=1e-4, obs_var=0.01, initial_cov=100.0)
    assert res.beta.iloc[1300:1500].mean() == pytest.approx(0.8, abs=0.02)
    assert res.beta.iloc[1510:1520].mean() == pytest.approx(1.2, abs=0.03)
    assert res.beta.iloc[2800:].mean() == pytest.approx(1.2, abs=0.02)
    assert res.alpha.iloc[2800:].mean() == pytest.approx(5.0, abs=0.5)


def test_kalman_is_causal(ko_pep):
    y, x = (s.loc["2015":"2016"] for s in ko_pep)
    base = kalman_hedge(y, x)
    t = 300
    y2, x2 = y.copy(), x.copy()
    y2.iloc[t + 1:] *= 1.5
    x2.iloc[t + 1:] *= 0.7
    moved = kalman_hedge(y2, x2)
    for name in ("beta", "alpha", "y_hat", "error", "error_var"):
        pd.testing.assert_series_equal(getattr(base, name).iloc[:t + 1],
                                       getattr(moved, name).iloc[:t + 1])
        assert not np.allclose(getattr(base, name).iloc[t + 2:], getattr(moved, name).iloc[t + 2:])
    # e_t and Q_t use y only up to t − 1: changing y_t alone changes e_t but not Q_t or ŷ_t
    y3 = y.copy()
    y3.iloc[t] += 1.0
    third = kalman_hedge(y3, x)
    assert third.y_hat.iloc[t] == base.y_hat.iloc[t]
    assert third.error_var.iloc[t] == base.error_var.iloc[t]
    assert third.error.iloc[t] == pytest.approx(base.error.iloc[t] + 1.0, abs=1e-12)


def test_ols_hedge_matches_statsmodels(ko_pep):
    y, x = np.log(ko_pep[0]), np.log(ko_pep[1])
    res = ols_hedge(y, x)
    fit = sm.OLS(y.to_numpy(), sm.add_constant(x.to_numpy())).fit()
    assert res.alpha == pytest.approx(fit.params[0], rel=1e-10)
    assert res.beta == pytest.approx(fit.params[1], rel=1e-10)
    assert res.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
    np.testing.assert_allclose(res.residuals, fit.resid, atol=1e-10)
    np.testing.assert_allclose(res.spread, y - res.beta * x, atol=1e-12)
    assert res.beta == pytest.approx(0.8124313902865083, rel=1e-9)
    origin = ols_hedge(y, x, intercept=False)
    fit0 = sm.OLS(y.to_numpy(), x.to_numpy()).fit()
    assert origin.alpha == 0.0 and origin.beta == pytest.approx(fit0.params[0], rel=1e-10)
    assert origin.r_squared == pytest.approx(fit0.rsquared, rel=1e-10)  # uncentred, as statsmodels


@pytest.mark.parametrize("level, intercept", [(0.1, True), (3.0, True), (0.0, False)])
def test_ols_hedge_r_squared_is_nan_when_y_has_no_variation(ko_pep, level, intercept):
    """R² is 0/0 for a constant y (with intercept) or an all-zero y (without): NaN, not a
    ZeroDivisionError (nor, for 0.1 whose rounded mean is not exact, a meaningless number)."""
    x = np.log(ko_pep[1].iloc[:50])
    y = pd.Series(level, index=x.index)
    res = ols_hedge(y, x, intercept=intercept)
    assert np.isnan(res.r_squared)
    np.testing.assert_allclose(res.residuals, 0.0, atol=1e-12)  # the fit itself is exact
    if not intercept:
        assert res.beta == 0.0 and res.alpha == 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(delta=0.0), "delta=0.0"),
    (dict(delta=1.0), "delta=1.0"),
    (dict(obs_var=0.0), "obs_var=0.0"),
    (dict(initial_cov=-1.0), "initial_cov=-1.0"),
    (dict(initial_state=(0.0,)), "initial_state="),
    (dict(initial_state=(0.0, np.nan)), r"initial_state\[1\]=nan"),
])
def test_kalman_rejects_bad_parameters(ko_pep, kwargs, match):
    with pytest.raises(ValueError, match=match):
        kalman_hedge(ko_pep[0].iloc[:50], ko_pep[1].iloc[:50], **kwargs)


def test_hedges_reject_misaligned_or_missing_data(ko_pep):
    y, x = ko_pep[0].iloc[:50], ko_pep[1].iloc[:50]
    with pytest.raises(ValueError, match="y has a price on 1990-01-02 but x does not"):
        kalman_hedge(y, x.iloc[1:])
    x2 = x.copy()
    x2.iloc[10] = np.nan
    with pytest.raises(ValueError, match=r"prices\['PEP'\] on 1990-01-16 is missing"):
        ols_hedge(y, x2)
    with pytest.raises(ValueError, match="intercept=1"):
        ols_hedge(y, x, intercept=1)


# ----------------------------------------------------------------- rolling OLS, likelihood, rule

from statsmodels.regression.rolling import RollingOLS  # noqa: E402

from mslab.pairs import kalman_trading, rolling_ols_hedge  # noqa: E402
from mslab.pairs.backtest import Execution, backtest_pair, share_hedge  # noqa: E402
from mslab.pairs.meanrev import score_positions  # noqa: E402


@pytest.mark.parametrize("window,step", [(252, 21), (60, 1)])
def test_rolling_ols_matches_statsmodels_rolling_ols(ko_pep, window, step):
    y, x = np.log(ko_pep[0]), np.log(ko_pep[1])
    ours = rolling_ols_hedge(y, x, window, step=step)
    ref = RollingOLS(y.to_numpy(), sm.add_constant(x.to_numpy()), window=window).fit().params
    ends = np.arange(window - 1, len(y), step)
    assert ours.index.equals(y.index[ends]) and len(ours) == len(ends)
    # RollingOLS updates its sums window to window (rounding drifts to ~1e-10); ours recentres.
    np.testing.assert_allclose(ours["beta"].to_numpy(), ref[ends, 1], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours["alpha"].to_numpy(), ref[ends, 0], rtol=1e-7, atol=1e-9)
    last = ols_hedge(y.iloc[ends[-1] - window + 1:ends[-1] + 1],
                     x.iloc[ends[-1] - window + 1:ends[-1] + 1])
    assert ours["beta"].iloc[-1] == pytest.approx(last.beta, rel=1e-10)


def test_rolling_ols_matches_least_squares_on_every_tiny_window(ko_pep):
    """Three-day windows (ill-conditioned: RollingOLS's updated sums drift by 3e-4 there) agree
    with a fresh least-squares fit of each window."""
    y, x = np.log(ko_pep[0].iloc[:400]), np.log(ko_pep[1].iloc[:400])
    ours = rolling_ols_hedge(y, x, 3, step=5)
    for end, beta in zip(range(2, 400, 5), ours["beta"]):
        ref = ols_hedge(y.iloc[end - 2:end + 1], x.iloc[end - 2:end + 1]).beta
        assert beta == pytest.approx(ref, rel=1e-8, abs=1e-10)


def test_rolling_ols_flat_x_gives_nan_and_bad_window_is_refused(ko_pep):
    y = ko_pep[0].iloc[:10]
    flat = pd.Series(1.0, index=y.index)
    assert rolling_ols_hedge(y, flat, 5)["beta"].isna().all()
    for bad in (2, 11, 5.0):
        with pytest.raises(ValueError, match=r"^window="):
            rolling_ols_hedge(y, ko_pep[1].iloc[:10], bad)


def test_kalman_trading_burn_in_range_is_what_the_half_life_fit_needs(ko_pep):
    """burn_in = len(y) − 3 leaves 3 values of e/√Q, too few for the half-life fit: refused
    naming burn_in (it used to fail inside fit_ou with "len(spread)=3"); len(y) − 4 runs."""
    y, x = ko_pep[0].iloc[:40], ko_pep[1].iloc[:40]
    kw = dict(delta=1e-5, obs_var=1e-4)
    with pytest.raises(ValueError, match=r"^burn_in=37 is not allowed: .*len\(y\) - 4 = 36"):
        kalman_trading(y, x, burn_in=37, **kw)
    run = kalman_trading(y, x, burn_in=36, **kw)
    assert run.z_sd == pytest.approx(float(run.kalman.zscore.iloc[36:].std()))
    with pytest.raises(ValueError, match=r"^len\(prices\)=3 is not allowed"):
        kalman_trading(y.iloc[:3], x.iloc[:3], **kw)


def test_loglik_is_the_gaussian_likelihood_of_the_forecast_errors(ko_pep):
    y, x = np.log(ko_pep[0].iloc[:300]), np.log(ko_pep[1].iloc[:300])
    k = kalman_hedge(y, x, delta=1e-5, obs_var=1e-4, initial_cov=1.0)
    e, q = k.error.to_numpy()[1:], k.error_var.to_numpy()[1:]
    from scipy.stats import norm
    assert k.loglik() == pytest.approx(norm.logpdf(e, scale=np.sqrt(q)).sum(), rel=1e-12)


def test_kalman_trading_is_chans_rule_backtested(ko_pep):
    y, x = ko_pep[0].iloc[:1500], ko_pep[1].iloc[:1500]
    run = kalman_trading(y, x, delta=1e-5, obs_var=1e-4, entry=1.0, cost_bps=3.0, burn_in=252)
    k = kalman_hedge(np.log(y), np.log(x), delta=1e-5, obs_var=1e-4, initial_cov=1.0)
    pos = score_positions(k.zscore, open_long=-1.0, close_long=-1.0, open_short=1.0,
                          close_short=1.0)
    pd.testing.assert_series_equal(run.positions, pos)
    net = backtest_pair(y, x, pos, share_hedge(k.beta, y, x),
                        execution=Execution(half_spread_bps=3.0))
    np.testing.assert_array_equal(run.returns.to_numpy(), net.returns.to_numpy())
    assert run.loglik == k.loglik() and run.delta == 1e-5
    assert run.z_sd == pytest.approx(float(k.zscore.iloc[252:].std()))
    assert run.holding_days == pytest.approx((net.trades["exit"] - net.trades["entry"]).mean())
    assert run.trades_per_year == pytest.approx(len(net.trades) / (1500 / 252))
    assert run.sharpe_gross > run.sharpe_net                # costs only subtract
    assert set(run.row()) >= {"delta", "loglik", "sharpe_net", "breakeven_bps"}
    with pytest.raises(ValueError, match=r"^entry="):
        kalman_trading(y, x, delta=1e-5, obs_var=1e-4, entry=0.0)
