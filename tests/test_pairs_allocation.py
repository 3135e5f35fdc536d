"""Allocation across strategies: the rules against closed forms on small cases and a peer
optimiser, Ledoit–Wolf against scikit-learn's estimator, the walk-forward's timing (no
look-ahead), eligibility, invariants (budgets, caps) and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from sklearn.covariance import ledoit_wolf

from mslab import performance as perf
from mslab.pairs.allocation import (
    RULES,
    allocate,
    allocation_table,
    covariance,
    equal_weights,
    inverse_vol_weights,
    kelly_weights,
    mean_variance_weights,
    risk_contributions,
    risk_parity_weights,
    rule_weights,
    weight_bootstrap,
)

COV3 = np.array([[0.04, 0.006, -0.002], [0.006, 0.09, 0.012], [-0.002, 0.012, 0.01]])


def _returns(n=400, m=4, seed=0, missing=True):
    g = np.random.default_rng(seed)
    base = g.normal(0.0004, 0.01, (n, m)) * np.linspace(0.5, 2.0, m)
    base += 0.004 * g.normal(size=(n, 1))
    frame = pd.DataFrame(base, index=pd.bdate_range("2010-01-01", periods=n),
                         columns=[f"S{i}" for i in range(m)])
    if missing:
        frame.iloc[:150, 2] = np.nan          # starts late
        frame.iloc[250:320, 3] = np.nan       # pauses
    return frame


# ----------------------------------------------------------------------------- rules


def test_inverse_vol_and_risk_parity_on_a_diagonal_covariance():
    sd = np.array([0.1, 0.2, 0.4, 0.05])
    cov = np.diag(sd**2)
    expected = (1 / sd) / (1 / sd).sum()
    np.testing.assert_allclose(inverse_vol_weights(cov), expected, rtol=1e-12)
    np.testing.assert_allclose(risk_parity_weights(cov), expected, rtol=1e-9)


@pytest.mark.parametrize("rho", [-0.8, -0.3, 0.0, 0.5, 0.95])
def test_two_asset_risk_parity_is_inverse_volatility_for_any_correlation(rho):
    s1, s2 = 0.15, 0.35
    cov = np.array([[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]])
    np.testing.assert_allclose(risk_parity_weights(cov), [s2 / (s1 + s2), s1 / (s1 + s2)],
                               rtol=1e-9)


def test_risk_parity_equalises_risk_contributions_and_matches_a_peer_optimiser():
    w = risk_parity_weights(COV3)
    np.testing.assert_allclose(risk_contributions(w, COV3), np.full(3, 1 / 3), atol=1e-9)
    # Spinu's convex formulation solved by scipy: same portfolio.
    obj = lambda y: 0.5 * y @ COV3 @ y - np.log(y).sum() / 3  # noqa: E731
    res = minimize(obj, np.ones(3), jac=lambda y: COV3 @ y - 1 / (3 * y), method="L-BFGS-B",
                   bounds=[(1e-9, None)] * 3, options=dict(gtol=1e-12, ftol=1e-15))
    np.testing.assert_allclose(w, res.x / res.x.sum(), rtol=1e-6)
    assert not np.allclose(w, inverse_vol_weights(COV3), rtol=1e-3)  # correlation matters


def test_mean_variance_is_the_normalised_tangency_direction():
    mu = np.array([0.01, 0.02, 0.004])
    raw = np.linalg.solve(COV3, mu)
    w = mean_variance_weights(mu, COV3)
    np.testing.assert_allclose(w, raw / np.abs(raw).sum(), rtol=1e-12)
    assert np.abs(w).sum() == pytest.approx(1.0)
    # Uncorrelated case: w_i ∝ μ_i/σ_i².
    np.testing.assert_allclose(mean_variance_weights([0.02, 0.01], np.diag([0.04, 0.01])),
                               np.array([0.5, 1.0]) / 1.5)
    # The tangency portfolio has the largest Sharpe ratio: no perturbation beats it.
    sr = lambda v: v @ mu / np.sqrt(v @ COV3 @ v)  # noqa: E731
    g = np.random.default_rng(1)
    assert all(sr(w + 0.05 * g.normal(size=3)) <= sr(w) + 1e-12 for _ in range(200))


def test_kelly_one_asset_closed_form_and_leverage_cap():
    mu, var = 0.0005, 0.0001
    assert kelly_weights([mu], [[var]], fraction=1.0, max_leverage=100)[0] == pytest.approx(mu / var)
    assert kelly_weights([mu], [[var]], fraction=0.25, max_leverage=100)[0] == pytest.approx(
        0.25 * mu / var)
    w = kelly_weights([0.1, 0.2, 0.04], COV3, fraction=0.5, max_leverage=1.5)
    raw = 0.5 * np.linalg.solve(COV3, [0.1, 0.2, 0.04])
    assert np.abs(raw).sum() > 1.5
    assert np.abs(w).sum() == pytest.approx(1.5)
    np.testing.assert_allclose(w / np.abs(w).sum(), raw / np.abs(raw).sum())


def test_ledoit_wolf_covariance_is_sklearns_and_shrinks_the_sample_covariance():
    x = np.random.default_rng(3).normal(size=(30, 12))
    lw = covariance(x)
    expected, shrinkage = ledoit_wolf(x)
    np.testing.assert_allclose(lw, expected)
    assert 0 < shrinkage < 1
    sample = covariance(x, "sample")
    np.testing.assert_allclose(sample, np.cov(x, rowvar=False))
    # Shrinkage pulls the eigenvalues together: better conditioned than the sample estimate.
    assert np.linalg.cond(lw) < np.linalg.cond(sample)


def test_rule_weights_budgets():
    x = _returns(missing=False).to_numpy()[:100]
    for rule in RULES:
        w = rule_weights(rule, x, kelly_fraction=1.0, max_leverage=3.0)
        if rule == "kelly":
            assert np.abs(w).sum() <= 3.0 + 1e-12
        else:
            assert np.abs(w).sum() == pytest.approx(1.0)
        if rule in ("equal", "inverse_vol", "risk_parity"):
            assert (w > 0).all()
    np.testing.assert_array_equal(equal_weights(4), np.full(4, 0.25))


# ----------------------------------------------------------------------------- walk-forward


@pytest.mark.parametrize("rule", RULES)
def test_no_look_ahead(rule):
    rets = _returns()
    base = allocate(rets, rule, lookback=120, rebalance=20, min_history=20)
    cut = 233
    changed = rets.copy()
    changed.iloc[cut + 1:] = changed.iloc[cut + 1:] * 3 + 0.01
    alt = allocate(changed, rule, lookback=120, rebalance=20, min_history=20, active=rets.notna())
    np.testing.assert_array_equal(alt.returns.iloc[:cut + 1], base.returns.iloc[:cut + 1])
    # Weights decided at a close use that day and earlier only; the first new one after cut differs.
    decided = base.weights.index <= rets.index[cut]
    np.testing.assert_array_equal(alt.weights[decided], base.weights[decided])
    if rule != "equal":  # estimated weights see the new returns from the next rebalance on
        assert not np.allclose(alt.weights[~decided].iloc[1:], base.weights[~decided].iloc[1:])


def test_equal_weight_with_everything_active_is_the_mean_return():
    rets = _returns(missing=False)
    a = allocate(rets, "equal", lookback=60, rebalance=10, min_history=10)
    first = 10  # weights set at the close of row 9 hold from row 10
    np.testing.assert_allclose(a.returns.iloc[first:], rets.mean(axis=1).iloc[first:])
    assert (a.returns.iloc[:first] == 0).all() and (a.exposure.iloc[:first] == 0).all()
    assert a.turnover.iloc[first] == pytest.approx(1.0)
    assert a.turnover.iloc[first + 1:].sum() == pytest.approx(0.0)


def test_eligibility_needs_activity_and_history():
    rets = _returns()
    a = allocate(rets, "inverse_vol", lookback=100, rebalance=25, min_history=25)
    w = a.weights
    late, paused = w["S2"], w["S3"]
    # S2 starts at row 150: eligible from the first rebalance with 25 observed days (row 174).
    assert (late[w.index < rets.index[174]] == 0).all() and late[rets.index[174]] > 0
    # S3 is missing on rows 250..319: out while not active the next day (rebalances 249..299);
    # back at 324 with 25 + 5 observed days in its window.
    out = (w.index >= rets.index[249]) & (w.index < rets.index[324])
    assert (paused[out] == 0).all() and (paused[~out] > 0).all()
    budget = np.abs(w).sum(axis=1)
    np.testing.assert_allclose(budget, 1.0)


def test_a_strategy_that_did_not_move_is_left_out_with_the_sample_covariance():
    rets = _returns(missing=False)
    rets.iloc[:200, 1] = 0.0                      # idle, e.g. a pair selected but never opened
    sample = allocate(rets, "inverse_vol", covariance_method="sample", lookback=100,
                      rebalance=25, min_history=25)
    assert (sample.weights["S1"][sample.weights.index < rets.index[199]] == 0).all()
    shrunk = allocate(rets, "inverse_vol", lookback=100, rebalance=25, min_history=25)
    assert (shrunk.weights["S1"] > 0).all()      # Ledoit–Wolf gives it a positive variance


def test_estimation_window_is_the_lookback_with_missing_days_as_zero():
    rets = _returns()
    a = allocate(rets, "risk_parity", lookback=100, rebalance=25, min_history=25)
    days = a.in_sample["days"]
    np.testing.assert_array_equal(days, np.minimum(np.arange(24, 400, 25)[:len(days)] + 1, 100))
    t = 199
    w = a.weights.loc[rets.index[t]]
    held = w[w != 0].index
    assert list(held) == ["S0", "S1", "S2", "S3"]
    window = rets.iloc[t - 99:t + 1][held].fillna(0.0)
    np.testing.assert_allclose(w[held], rule_weights("risk_parity", window.to_numpy()))
    fitted = window.to_numpy() @ w[held].to_numpy()
    assert a.in_sample.loc[rets.index[t], "mean"] == pytest.approx(fitted.mean())
    # Returns: weights times the day's returns, a missing return earning 0.
    day = rets.index[t + 3]
    assert a.returns[day] == pytest.approx(float((rets.loc[day].fillna(0) * w).sum()))


def test_kelly_exposure_is_capped_and_metrics_come_from_performance():
    rets = _returns(missing=False) + 0.002
    a = allocate(rets, "kelly", kelly_fraction=1.0, max_leverage=1.7, lookback=60,
                 rebalance=20, min_history=20)
    assert a.exposure.max() <= 1.7 + 1e-12 and a.exposure.max() == pytest.approx(1.7)
    table = allocation_table({"k": a})
    p = perf.performance(a.returns, turnover=a.turnover)
    row = table.iloc[0]
    assert row["sharpe"] == p.sharpe and row["max_dd"] == p.max_drawdown
    assert row["turnover"] == p.turnover and row["exposure"] == pytest.approx(a.exposure.mean())
    assert np.isfinite(row["in_sample_sharpe"])


def test_in_sample_sharpe_of_mean_variance_exceeds_its_out_of_sample_sharpe_on_noise():
    g = np.random.default_rng(7)
    noise = pd.DataFrame(g.normal(0, 0.01, (1500, 8)), index=pd.bdate_range("2000-01-03",
                                                                           periods=1500))
    a = allocate(noise, "mean_variance", lookback=60, rebalance=20, min_history=60)
    assert a.in_sample_sharpe() > 2.0                  # fitted noise looks like skill
    # and is none out of sample: within three null standard errors of 0 (look-ahead would
    # carry the in-sample Sharpe ratio over).
    assert abs(a.performance().sharpe) < 3 * perf.null_sharpe_se(1500 - 60)


def test_weight_bootstrap_is_reproducible_and_shows_mean_variance_instability():
    x = _returns(missing=False).to_numpy()[:120]
    b1 = weight_bootstrap(x, "mean_variance", n_boot=40, seed=5)
    b2 = weight_bootstrap(x, "mean_variance", n_boot=40, seed=5)
    np.testing.assert_array_equal(b1, b2)
    ev = weight_bootstrap(x, "equal", n_boot=5, seed=5)
    assert ev.std(axis=0).max() == 0
    assert b1.std(axis=0).mean() > weight_bootstrap(x, "inverse_vol", n_boot=40,
                                                      seed=5).std(axis=0).mean()


@pytest.mark.parametrize("kwargs, match", [
    (dict(rule="best"), "rule"), (dict(lookback=1), "lookback"),
    (dict(min_history=300, lookback=252), "min_history"), (dict(rebalance=0), "rebalance"),
    (dict(kelly_fraction=0.0), "kelly_fraction"), (dict(max_leverage=-1), "max_leverage"),
    (dict(covariance_method="oas"), "covariance_method"),
    (dict(active=pd.DataFrame()), "active"),
])
def test_bad_arguments(kwargs, match):
    kw = dict(rule="equal") | kwargs
    with pytest.raises(ValueError, match=match):
        allocate(_returns(), **kw)


def test_bad_inputs():
    with pytest.raises(ValueError, match="returns"):
        allocate(_returns().to_numpy(), "equal")
    bad = _returns()
    bad.iloc[5, 0] = np.inf
    with pytest.raises(ValueError, match="S0"):
        allocate(bad, "equal")
    with pytest.raises(ValueError, match="cov"):
        risk_parity_weights([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="cov"):
        inverse_vol_weights([[0.0]])
    with pytest.raises(ValueError, match="mu"):
        mean_variance_weights([0.1, 0.2], COV3)
    with pytest.raises(ValueError, match="fraction"):
        kelly_weights([0.1], [[1.0]], fraction=2.0)
