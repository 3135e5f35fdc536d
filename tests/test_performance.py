"""Performance metrics against hand computations and known series; the stationary-bootstrap
Sharpe test: reproducible, ~uniform under the null, close to a t-test on iid data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import optimal_block_length
from scipy import stats

from mslab.performance import (
    cagr,
    max_drawdown,
    performance,
    sharpe_pvalue,
    sharpe_ratio,
    sortino_ratio,
)

R = [0.01, -0.02, 0.03, 0.0]


def test_hand_computed_metrics():
    p = performance(R)
    mean, sd = 0.005, np.sqrt((0.005**2 + 0.025**2 + 0.025**2 + 0.005**2) / 3)
    assert p.n_periods == 4
    assert p.annual_return == pytest.approx(252 * mean)
    assert p.annual_volatility == pytest.approx(np.sqrt(252) * sd)
    assert p.sharpe == pytest.approx(np.sqrt(252) * mean / sd)
    # Downside deviation √(mean(min(r, 0)²)) = √(0.02²/4) = 0.01.
    assert p.sortino == pytest.approx(np.sqrt(252) * 0.5)
    wealth = 1.01 * 0.98 * 1.03
    assert p.cagr == pytest.approx(wealth ** (252 / 4) - 1)
    assert p.max_drawdown == pytest.approx(0.02)           # 1.01 → 0.9898
    assert p.calmar == pytest.approx(p.cagr / 0.02)
    assert np.isnan(p.turnover) and p.n_trades == 0 and np.isnan(p.hit_rate)
    assert np.isnan(p.avg_cost_bps)
    assert p.to_series()["sharpe"] == p.sharpe


def test_known_drawdowns_and_ruin():
    assert max_drawdown([0.1, -0.5, 0.2]) == pytest.approx(0.5)
    assert max_drawdown([-0.1, 0.05]) == pytest.approx(0.1)        # the start is a peak
    assert max_drawdown([0.1, -0.1, 0.1, -0.2, 0.3]) == pytest.approx(1 - 0.99 * 1.1 * 0.8 / 1.1)
    assert max_drawdown([0.01, 0.02]) == 0.0
    assert max_drawdown([0.5, -1.0, 0.1]) == 1.0
    assert cagr([0.5, -1.0, 0.1]) == -1.0
    assert cagr([0.1] * 252) == pytest.approx(1.1**252 - 1)
    assert cagr([0.21, 0.0], periods_per_year=1) == pytest.approx(0.1)


@pytest.mark.parametrize("r", [[0.001] * 50, [0.0] * 30, np.full(100, 0.1 + 0.2)])
def test_constant_returns_give_nan_not_errors(r):
    p = performance(r)
    assert np.isnan(p.sharpe) and np.isnan(p.sortino)
    assert p.annual_volatility == pytest.approx(0.0, abs=1e-15)
    assert p.max_drawdown == 0.0 and np.isnan(p.calmar)
    t = sharpe_pvalue(r, n_boot=20)
    assert np.isnan(t.sharpe) and np.isnan(t.p_value)


def test_no_downside_gives_nan_sortino():
    assert np.isnan(sortino_ratio([0.01, 0.02, 0.0, 0.03]))
    assert np.isfinite(sharpe_ratio([0.01, 0.02, 0.0, 0.03]))


def test_trade_and_turnover_metrics():
    trades = pd.DataFrame({"pnl": [1.0, -1.0, 2.0, 0.0], "cost": [1.0, 1.0, 1.0, 1.0],
                           "traded_notional": [1000.0, 1000.0, 2000.0, 0.0]})
    p = performance(R, turnover=[0.5, 0.0, 1.5, 0.0], trades=trades)
    assert p.n_trades == 4 and p.hit_rate == 0.5       # a zero P&L is not a hit
    assert p.avg_cost_bps == pytest.approx(10.0)       # 4 $ on 4000 $ traded
    assert p.turnover == pytest.approx(0.5 * 252)


def test_pandas_series_and_annualisation():
    idx = pd.bdate_range("2020-01-01", periods=4)
    monthly = performance(pd.Series(R, index=idx), periods_per_year=12)
    assert monthly.sharpe == pytest.approx(performance(R).sharpe * np.sqrt(12 / 252))


def test_bootstrap_pvalue_is_reproducible_and_uses_automatic_block_length():
    g = np.random.default_rng(5)
    e = g.normal(0.0003, 0.01, 600)
    r = e + 0.5 * np.concatenate(([0.0], e[:-1]))         # MA(1): serially dependent
    a, b = sharpe_pvalue(r, n_boot=199, seed=3), sharpe_pvalue(r, n_boot=199, seed=3)
    assert a == b
    assert a.block_length == pytest.approx(max(1.0, optimal_block_length(r)["stationary"][0]))
    assert sharpe_pvalue(r, n_boot=199, seed=4).p_value != a.p_value
    assert a.sharpe == pytest.approx(sharpe_ratio(r))
    assert sharpe_pvalue(r, n_boot=50, block_length=7.5).block_length == 7.5


def test_bootstrap_pvalue_small_for_strongly_positive_and_large_for_negative():
    g = np.random.default_rng(1)
    strong = g.normal(0.002, 0.01, 1000)                  # annual Sharpe ≈ 3.2, t ≈ 6
    assert sharpe_pvalue(strong, n_boot=499).p_value == pytest.approx(1 / 500)
    assert sharpe_pvalue(-strong, n_boot=499).p_value > 0.99


def test_bootstrap_pvalue_uniform_under_the_null():
    """Zero-mean iid series: p-values ~ U(0, 1) (a quick check with 99 resamples each)."""
    g = np.random.default_rng(2024)
    p = np.array([sharpe_pvalue(g.standard_t(5, 250), n_boot=99, seed=i).p_value
                  for i in range(150)])
    assert stats.kstest(p, "uniform").pvalue > 0.01
    assert 0.03 < np.mean(p <= 0.1) < 0.2


def test_iid_bootstrap_matches_a_one_sided_t_test():
    g = np.random.default_rng(9)
    r = g.normal(0.0008, 0.01, 500)
    boot = sharpe_pvalue(r, n_boot=4000, block_length=1.0, seed=1).p_value
    t = stats.ttest_1samp(r, 0.0, alternative="greater").pvalue
    assert 0.01 < t < 0.2
    assert boot == pytest.approx(t, abs=0.02)


@pytest.mark.parametrize("call,match", [
    (lambda: performance([0.01, np.nan, 0.02]), r"returns\[1\] is nan"),
    (lambda: performance(pd.Series([0.01, 0.0, np.inf], index=pd.bdate_range("2020-01-01",
                                                                             periods=3))),
     r"returns\[2\] \(2020-01-03 00:00:00\) is inf"),
    (lambda: performance([0.01]), r"returns.shape=\(1,\) is not allowed"),
    (lambda: performance(R, turnover=[0.1, 0.2]), "turnover has 2 values but returns has 4"),
    (lambda: performance(R, trades=pd.DataFrame({"pnl": [1.0]})), "missing"),
    (lambda: sharpe_pvalue(R, n_boot=0), "n_boot=0 is not allowed"),
    (lambda: sharpe_pvalue(R, seed=-1), "seed=-1 is not allowed"),
    (lambda: sharpe_pvalue(R, block_length=0.5), "block_length=0.5 is not allowed"),
])
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
