"""Tests of mslab.pairs.pca_residuals (Avellaneda–Lee factor residuals) and
mslab.pairs.holdings: the kernel against a direct numpy/statsmodels computation, causality,
the holdings accounting, and validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mslab.pairs import make_synthetic_universe
from mslab.pairs.holdings import backtest_holdings
from mslab.pairs.pca_residuals import (
    factor_portfolio_targets,
    factor_positions,
    factor_residuals,
    factor_strategy_returns,
    factor_targets,
)

WINDOW, REG, M = 80, 30, 2


@pytest.fixture(scope="module")
def prices():
    return make_synthetic_universe(2, 4, 400, n_factors=2, seed=11).prices


@pytest.fixture(scope="module")
def res(prices):
    return factor_residuals(prices, window=WINDOW, regression_window=REG, n_factors=M,
                            center=False)


def direct(prices, t):
    """The model of the module docstring at day t, step by step with numpy and statsmodels."""
    r = prices.pct_change().to_numpy()
    block = r[t - WINDOW + 1:t + 1]
    corr = np.corrcoef(block.T)
    w, v = np.linalg.eigh(corr)
    sd = block.std(axis=0, ddof=1)
    q = (v[:, ::-1][:, :M] / sd[:, None]).T            # (M, N), sign free
    reg = r[t - REG + 1:t + 1]
    f = reg @ q.T
    out = []
    for i in range(r.shape[1]):
        ols = sm.OLS(reg[:, i], sm.add_constant(f)).fit()
        x = np.cumsum(ols.resid)
        ar = sm.OLS(x[1:], sm.add_constant(x[:-1])).fit()
        a, b = ar.params
        kappa = -np.log(b)
        m = a / (1 - b)
        sigma_eq = np.sqrt(ar.scale / (1 - b * b))
        out.append(dict(beta=ols.params[1:], kappa=kappa, mean=m, sigma_eq=sigma_eq,
                        s=(x[-1] - m) / sigma_eq))
    return w[::-1], q, out


@pytest.mark.parametrize("t", [WINDOW, 250, 399])
def test_matches_direct_computation(prices, res, t):
    eig, q, rows = direct(prices, t)
    np.testing.assert_allclose(res.eigenvalues[t], eig, rtol=1e-9, atol=1e-12)
    for f in range(M):                                   # eigenportfolios up to sign
        sign = np.sign(q[f] @ res.eigenportfolios[t, f])
        np.testing.assert_allclose(res.eigenportfolios[t, f], sign * q[f], rtol=1e-7)
        # the beta on a factor changes sign with it
        np.testing.assert_allclose(res.betas[t, :, f], [sign * row["beta"][f] for row in rows],
                                   rtol=1e-6, atol=1e-10)
    for i, row in enumerate(rows):
        c = res.sscore.columns[i]
        assert res.kappa.iloc[t][c] == pytest.approx(row["kappa"], rel=1e-6)
        assert res.mean.iloc[t][c] == pytest.approx(row["mean"], rel=1e-6, abs=1e-12)
        assert res.sigma_eq.iloc[t][c] == pytest.approx(row["sigma_eq"], rel=1e-6)
        assert res.sscore.iloc[t][c] == pytest.approx(row["s"], rel=1e-6, abs=1e-9)


def test_estimates_start_with_the_first_full_window(res):
    assert res.sscore.iloc[:WINDOW].isna().all().all()
    # after it, an s-score is missing only where the AR(1) is not mean-reverting (0 < b < 1)
    late = res.sscore.iloc[WINDOW:]
    assert (late.isna() == res.kappa.iloc[WINDOW:].isna()).all().all()
    assert late.notna().to_numpy().mean() > 0.9
    assert not res.tradable.iloc[:WINDOW].any().any()
    assert ((res.explained > 0) & (res.explained < 1)).iloc[WINDOW:].all()


def test_centring_subtracts_the_cross_sectional_mean(prices, res):
    centred = factor_residuals(prices, window=WINDOW, regression_window=REG, n_factors=M)
    t = 300
    m = res.mean.iloc[t]
    np.testing.assert_allclose(centred.mean.iloc[t], m - m.mean(), rtol=1e-10, atol=1e-15)
    assert abs(centred.mean.iloc[t].mean()) < 1e-12


def test_no_look_ahead(prices, res):
    """Changing prices after day t0 changes nothing the strategy knew at t0."""
    t0 = 250
    changed = prices.copy()
    rs = np.random.default_rng(1)
    changed.iloc[t0 + 1:] *= np.exp(np.cumsum(rs.normal(0, 0.05, changed.iloc[t0 + 1:].shape),
                                              axis=0))
    other = factor_residuals(changed, window=WINDOW, regression_window=REG, n_factors=M,
                             center=False)
    pd.testing.assert_frame_equal(other.sscore.iloc[:t0 + 1], res.sscore.iloc[:t0 + 1])
    np.testing.assert_array_equal(other.betas[:t0 + 1], res.betas[:t0 + 1])
    assert not np.allclose(other.sscore.iloc[t0 + 1:], res.sscore.iloc[t0 + 1:])
    pos_a, pos_b = factor_positions(res), factor_positions(other)
    pd.testing.assert_frame_equal(pos_a.iloc[:t0 + 1], pos_b.iloc[:t0 + 1])
    ra = factor_strategy_returns(prices, res=res).returns
    rb = factor_strategy_returns(changed, res=other).returns
    # the P&L of day t0 + 1 uses holdings decided at t0 - 1 and the return of t0 + 1
    pd.testing.assert_frame_equal(ra.iloc[:t0 + 1], rb.iloc[:t0 + 1])


def test_residual_trade_is_factor_neutral_in_sample(prices, res):
    """A unit long residual holds the stock and −β of each eigenportfolio: its return on the
    estimation window is the regression's intercept plus residual."""
    pos = pd.DataFrame(0, index=res.sscore.index, columns=res.sscore.columns)
    pos.iloc[300] = 1
    targets = factor_targets(res, pos)
    assert np.all(targets[:300] == 0) and np.all(targets[301:] == 0)
    r = prices.pct_change().to_numpy()[300 - REG + 1:301]
    f = r @ res.eigenportfolios[300].T
    for i in range(prices.shape[1]):
        port = r @ targets[300, i]
        resid = r[:, i] - f @ res.betas[300, i]
        np.testing.assert_allclose(port, resid, atol=1e-12)
        assert abs(np.corrcoef(port, f[:, 0])[0, 1]) < 1e-8


def test_holdings_accounting():
    idx = pd.bdate_range("2020-01-01", periods=5)
    p = pd.DataFrame({"A": [100.0, 100, 100, 90, 99], "B": [50.0, 50, 50, 55, 55]}, index=idx)
    targets = np.zeros((5, 1, 2))
    targets[1:3, 0] = [1.0, -0.5]         # decided at days 1 and 2, executed at 2 and 3
    out = backtest_holdings(p, targets, cost_bps=10)
    # day 2: bought at the close (cost 1.5 × 10 bps), no P&L yet
    assert out.gross.iloc[2, 0] == 0.0 and out.costs.iloc[2, 0] == pytest.approx(1.5e-3)
    # day 3: A −10 % on $1, B +10 % on −$0.5; target unchanged, so no trade: holdings drift
    assert out.gross.iloc[3, 0] == pytest.approx(-0.1 - 0.05)
    assert out.costs.iloc[3, 0] == 0.0
    assert out.gross_exposure.iloc[3, 0] == pytest.approx(0.9 + 0.55)
    # day 4: target 0 decided at day 3, sold at day 4's close after A's +10 %
    assert out.gross.iloc[4, 0] == pytest.approx(0.09)
    assert out.turnover.iloc[4, 0] == pytest.approx(0.99 + 0.55)
    np.testing.assert_allclose(out.returns, out.gross - out.costs)


def test_netting_lowers_turnover(prices, res):
    targets = factor_targets(res, factor_positions(res))
    each = backtest_holdings(prices, targets, cost_bps=5)
    net = backtest_holdings(prices, factor_portfolio_targets(targets), cost_bps=5)
    assert net.turnover.iloc[:, 0].sum() <= each.turnover.mean(axis=1).sum() + 1e-12
    np.testing.assert_allclose(net.gross.iloc[:, 0], each.gross.mean(axis=1), atol=1e-12)


def test_validation(prices, res):
    with pytest.raises(ValueError, match="n_factors"):
        factor_residuals(prices, n_factors=prices.shape[1])
    with pytest.raises(ValueError, match="window"):
        factor_residuals(prices, window=len(prices))
    with pytest.raises(ValueError, match="regression_window"):
        factor_residuals(prices, window=WINDOW, regression_window=WINDOW + 1)
    with pytest.raises(ValueError, match="regression_window"):
        factor_residuals(prices, window=WINDOW, regression_window=M + 3, n_factors=M)
    bad = prices.copy()
    bad.iloc[5, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        factor_residuals(bad)
    with pytest.raises(ValueError, match="thresholds"):
        factor_positions(res, thresholds=(1, 2))
    with pytest.raises(ValueError, match="positions"):
        factor_targets(res, factor_positions(res).iloc[1:])
    with pytest.raises(ValueError, match="either res"):
        factor_strategy_returns(prices, res=res, n_factors=1)
    with pytest.raises(ValueError, match="targets"):
        backtest_holdings(prices, np.zeros((len(prices), 1, 2)))
    nan_targets = np.zeros((len(prices), 1, prices.shape[1]))
    nan_targets[3, 0, 1] = np.nan
    with pytest.raises(ValueError, match=r"targets\[3, 0, 1\]"):
        backtest_holdings(prices, nan_targets)
    with pytest.raises(ValueError, match="cost_bps"):
        backtest_holdings(prices, np.zeros((len(prices), 1, prices.shape[1])), cost_bps=-1)


def test_returns_table_uses_the_performance_module():
    from mslab import performance as perf
    from mslab.pairs.holdings import returns_table
    rs = np.random.default_rng(2)
    idx = pd.bdate_range("2001-01-01", periods=500)
    gross = pd.Series(rs.normal(4e-4, 0.01, 500), index=idx)
    turn = pd.Series(0.2, index=idx)
    net = gross - turn * 5e-4
    table = returns_table({("s", 0.0): (gross, turn), ("s", 5.0): (net, turn)}, n_boot=99)
    p = perf.performance(net, turnover=turn)
    row = table.iloc[1]
    assert row["sharpe"] == p.sharpe and row["sharpe_se"] == p.sharpe_se
    assert row["p_value"] == perf.sharpe_pvalue(net, n_boot=99).p_value
    # at the break-even cost the net annual return is zero: 0.2 × 252 turnover, 4e-4 × 252 return
    assert row["breakeven_bps"] == pytest.approx(
        perf.breakeven_cost_bps(perf.annual_return(gross), 0.2 * 252))
    with pytest.raises(ValueError, match="runs"):
        returns_table({})
