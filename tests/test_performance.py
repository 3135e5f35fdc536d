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


# ----------------------------------------------------------------- standard error of the Sharpe

from mslab import performance as perf  # noqa: E402


def _monte_carlo_sharpe_sd(draw, n_samples: int, n_periods: int) -> tuple[float, float]:
    """Mean estimated Sharpe ratio (annualised with A = 252) and its standard deviation over
    ``n_samples`` independent samples of ``n_periods`` returns each."""
    r = draw((n_samples, n_periods))
    sr = r.mean(axis=1) / r.std(axis=1, ddof=1) * np.sqrt(252)
    return float(sr.mean()), float(sr.std(ddof=1))


def test_lo_standard_error_matches_a_monte_carlo_of_normal_returns():
    g = np.random.default_rng(11)
    n = 500
    _, sd = _monte_carlo_sharpe_sd(lambda size: g.normal(0.001, 0.01, size), 4000, n)
    se = perf.sharpe_se_formula(np.sqrt(252) * 0.1, n)                 # true per-period SR 0.1
    assert se == pytest.approx(np.sqrt(252 * (1 + 0.1**2 / 2) / n))
    assert sd == pytest.approx(se, rel=0.05)                          # MC error ~1.1 %
    one = g.normal(0.001, 0.01, n)
    assert perf.sharpe_standard_error(one, method="lo") == pytest.approx(
        perf.sharpe_se_formula(perf.sharpe_ratio(one), n))


def test_mertens_standard_error_corrects_for_skewness_and_kurtosis():
    """Shifted exponential returns (skewness 2, kurtosis 9) with per-period SR 0.2: Mertens'
    variance (1 + 0.02 − 0.4 + 0.06)/T is a third below Lo's (1.02/T), and the Monte Carlo
    agrees with Mertens."""
    g = np.random.default_rng(12)
    n = 1000
    draw = lambda size: (g.exponential(1.0, size) - 1.0 + 0.2) * 0.01  # noqa: E731
    _, sd = _monte_carlo_sharpe_sd(draw, 4000, n)
    mertens = perf.sharpe_se_formula(np.sqrt(252) * 0.2, n, skewness=2.0, kurtosis=9.0)
    lo = perf.sharpe_se_formula(np.sqrt(252) * 0.2, n)
    assert mertens == pytest.approx(np.sqrt(252 * 0.68 / n))
    assert sd == pytest.approx(mertens, rel=0.06)
    assert abs(sd / lo - 1) > 0.12                                    # Lo's is visibly wrong here
    big = draw(200_000)
    assert perf.sharpe_standard_error(big) * np.sqrt(200_000 / n) == pytest.approx(mertens,
                                                                                   rel=0.03)


def test_null_standard_error_is_both_formulas_at_zero():
    assert perf.null_sharpe_se(250, 250.0) == pytest.approx(1.0)
    assert perf.sharpe_se_formula(0.0, 250, 250.0) == pytest.approx(1.0)
    assert perf.sharpe_se_formula(0.0, 250, 250.0, skewness=3.0, kurtosis=20.0) == 1.0
    np.testing.assert_allclose(perf.null_sharpe_se(np.array([100, 400]), 100.0), [1.0, 0.5])


# ----------------------------------------------------------------- degenerate cases, once

RATIOS = [perf.sharpe_ratio, perf.sortino_ratio, perf.sharpe_standard_error,
          perf.annual_volatility]


@pytest.mark.parametrize("func", RATIOS)
@pytest.mark.parametrize("r", [[], [0.01], [0.02] * 10, [0.0] * 5, np.full(40, 0.1 + 0.2)])
def test_ratios_are_nan_with_fewer_than_two_observations_or_zero_variance(func, r):
    if func is perf.annual_volatility and len(r) >= 2:
        assert func(r) == pytest.approx(0.0, abs=1e-15)
    else:
        assert np.isnan(func(r))


@pytest.mark.parametrize("func", RATIOS + [perf.max_drawdown, perf.equity_drawdown, perf.cagr,
                                           perf.annual_return, perf.hit_rate,
                                           perf.sharpe_pvalue, perf.performance])
@pytest.mark.parametrize("bad,match", [([0.01, np.nan], r"\[1\] is nan"),
                                       ([np.inf, 0.0], r"\[0\] is inf"),
                                       ([np.nan, np.nan], r"\[0\] is nan.*2 bad"),
                                       ([[0.1, 0.2]], r"\.shape=\(1, 2\) is not allowed"),
                                       ("abc", r"=.*is not allowed"),
                                       (None, r"=.*is not allowed")])
def test_non_finite_or_malformed_input_is_an_error_everywhere(func, bad, match):
    with pytest.raises(ValueError, match=match):
        func(bad)


def test_empty_and_single_observation_rules():
    assert perf.max_drawdown([]) == 0.0 and perf.equity_drawdown([]) == 0.0
    assert perf.equity_drawdown([5.0]) == 0.0
    assert np.isnan(perf.cagr([])) and np.isnan(perf.annual_return([]))
    assert np.isnan(perf.hit_rate([]))
    assert np.isnan(perf.sharpe_pvalue([0.1]).p_value)
    with pytest.raises(ValueError, match=r"returns.shape=\(0,\) is not allowed"):
        perf.performance([])


def test_equity_drawdown_and_calmar():
    assert perf.equity_drawdown([0.0, 2.0, 1.0, 4.0, 2.5, 3.0]) == 1.5
    r = [0.1, -0.5, 0.2]
    assert perf.calmar_ratio(r) == pytest.approx(perf.cagr(r) / 0.5)
    assert np.isnan(perf.calmar_ratio([0.01, 0.02]))
    assert perf.annual_turnover([0.5, 1.5], 12) == pytest.approx(12.0)


@pytest.mark.parametrize("ppy", [0, -1.0, np.nan, np.inf, "252", True])
def test_periods_per_year_must_be_a_positive_number(ppy):
    with pytest.raises(ValueError, match=r"^periods_per_year="):
        perf.sharpe_ratio(R, ppy)


@pytest.mark.parametrize("func", [perf.annual_return, perf.annual_turnover, perf.annual_volatility,
                                  perf.sharpe_ratio, perf.cagr])
@pytest.mark.parametrize("ppy", [0, -1.0, np.nan])
def test_periods_per_year_is_checked_even_for_an_empty_series(func, ppy):
    with pytest.raises(ValueError, match=r"^periods_per_year="):
        func([], ppy)
