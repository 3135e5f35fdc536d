"""Pairs backtest: hand-worked accounting, execution delay, costs, ADV cap, sizing, stops,
portfolio weights and caps, no look-ahead, and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mslab.pairs.backtest import (
    Execution,
    Risk,
    backtest_pair,
    backtest_portfolio,
    share_hedge,
)

Y = [10.0, 11.0, 12.0, 11.0, 13.0]
X = [20.0, 20.0, 21.0, 22.0, 21.0]
SIG = [1, 1, 0, 0, 0]


def test_hand_worked_five_days_without_costs():
    # Decided at the close of day 0: u = 2·1/(10 + 0.5·20) = 0.1 units, executed at day 1.
    r = backtest_pair(Y, X, SIG, 0.5)
    np.testing.assert_allclose(r.shares_y[:, 0], [0, 0.1, 0.1, 0, 0])
    np.testing.assert_allclose(r.shares_x[:, 0], [0, -0.05, -0.05, 0, 0])
    # Day 2: 0.1·(12 − 11) − 0.05·(21 − 20); day 3: 0.1·(11 − 12) − 0.05·(22 − 21).
    np.testing.assert_allclose(r.pnl, [0, 0, 0.05, -0.15, 0], atol=1e-15)
    np.testing.assert_allclose(r.equity, 1 + np.cumsum([0, 0, 0.05, -0.15, 0]))
    np.testing.assert_allclose(r.gross_exposure, [0, 0.1 * 11 + 0.05 * 20, 0.1 * 12 + 0.05 * 21,
                                                  0, 0])
    t = r.trades.iloc[0]
    assert (t.entry, t.exit, t.direction, t.exit_reason) == (1, 3, 1, "signal")
    assert t.gross_pnl == pytest.approx(-0.10) and t.cost == 0 and t.entry_gross == 2.0


def test_one_bar_delay():
    """A signal seen at the close of day t trades at day t + 1's price and earns from t + 2."""
    y = [10.0, 10.0, 30.0, 31.0, 31.0]
    r = backtest_pair(y, [10.0] * 5, [1, 0, 0, 0, 0], 1.0)
    np.testing.assert_allclose(r.shares_y[:, 0], [0, 0.1, 0, 0, 0])
    # Executed at y[1] = 10 and closed at y[2] = 30 (signal 0 at day 1): the jump is earned.
    np.testing.assert_allclose(r.pnl, [0, 0, 2.0, 0, 0])
    r = backtest_pair(y, [10.0] * 5, [0, 1, 0, 0, 0], 1.0)
    # Decided at day 1, bought at y[2] = 30 (u = 2/(10 + 10) still uses day 1's prices).
    np.testing.assert_allclose(r.shares_y[:, 0], [0, 0, 0.1, 0, 0])
    np.testing.assert_allclose(r.pnl, [0, 0, 0, 0.1, 0])


@pytest.mark.parametrize("component", ["half_spread_bps", "fee_bps", "slippage_bps"])
def test_each_proportional_cost_component(component):
    r = backtest_pair(Y, X, SIG, 0.5, execution=Execution(**{component: 10.0}))
    # Entry at day 1: 0.1·11 + 0.05·20 = 2.1 $ traded; exit at day 3: 0.1·11 + 0.05·22 = 2.2 $.
    np.testing.assert_allclose(r.costs, [0, 2.1e-3, 0, 2.2e-3, 0])
    np.testing.assert_allclose(r.pnl, [0, -2.1e-3, 0.05, -0.15 - 2.2e-3, 0], atol=1e-15)
    np.testing.assert_allclose(r.turnover, [0, 2.1, 0, 2.2, 0])
    t = r.trades.iloc[0]
    assert t.cost_bps == pytest.approx(10.0)
    assert t.pnl == pytest.approx(-0.10 - 4.3e-3)


def test_costs_add_up_and_half_spread_array_is_a_spread_model():
    hs = np.array([[1.0, 2.0], [5.0, 7.0], [0.0, 0.0], [3.0, 4.0], [9.0, 9.0]])
    ex = Execution(half_spread_bps=99.0, fee_bps=1.0, slippage_bps=2.0)  # 99 is overridden
    r = backtest_pair(Y, X, SIG, 0.5, half_spread_bps=hs, execution=ex)
    day1 = 0.1 * 11 * (5 + 3) * 1e-4 + 0.05 * 20 * (7 + 3) * 1e-4
    day3 = 0.1 * 11 * (3 + 3) * 1e-4 + 0.05 * 22 * (4 + 3) * 1e-4
    np.testing.assert_allclose(r.costs, [0, day1, 0, day3, 0])


def test_variable_slippage_square_root_impact():
    vol = np.full(5, 4.0)    # ADV = 4 shares for both legs
    r = backtest_pair(Y, X, SIG, 0.5, volume_y=vol, volume_x=vol,
                      execution=Execution(impact_bps=100.0))
    day1 = 1e-2 * (0.1 * 11 * np.sqrt(0.1 / 4) + 0.05 * 20 * np.sqrt(0.05 / 4))
    day3 = 1e-2 * (0.1 * 11 * np.sqrt(0.1 / 4) + 0.05 * 22 * np.sqrt(0.05 / 4))
    np.testing.assert_allclose(r.costs, [0, day1, 0, day3, 0])
    # Without volume there is no impact estimate, hence no impact cost.
    r = backtest_pair(Y, X, SIG, 0.5, execution=Execution(impact_bps=100.0))
    assert r.costs.sum() == 0


def test_short_spread_and_flip_split_costs_between_trades():
    y = [10.0, 10.0, 11.0, 12.0, 12.0, 12.0]
    x = [10.0] * 6
    r = backtest_pair(y, x, [-1, 1, 0, 0, 0, 0], 1.0, execution=Execution(fee_bps=10))
    # Short 0.1 y / long 0.1 x at day 1; flipped at day 2: u = 2/(10 + 10) from day 1's prices.
    np.testing.assert_allclose(r.shares_y[:, 0], [0, -0.1, 0.1, 0, 0, 0])
    np.testing.assert_allclose(r.shares_x[:, 0], [0, 0.1, -0.1, 0, 0, 0])
    tr = r.trades
    assert list(tr.direction) == [-1, 1] and list(tr.entry) == [1, 2] and list(tr.exit) == [2, 3]
    # The flip at day 2 trades 0.2 y at 11 and 0.2 x at 10; half closes, half opens.
    np.testing.assert_allclose(tr.cost, [1e-3 * (2.0 + 0.1 * 11 + 0.1 * 10),
                                         1e-3 * (0.1 * 11 + 0.1 * 10 + 0.1 * 12 + 0.1 * 10)])
    np.testing.assert_allclose(tr.gross_pnl, [-0.1, 0.1])
    assert tr.pnl.sum() == pytest.approx(r.pnl.sum())


def test_hedge_frozen_at_entry_unless_rehedge():
    h = np.array([0.5, 0.6, 0.7, 0.8, 0.9])
    r = backtest_pair(Y, X, [1, 1, 1, 0, 0], h)
    np.testing.assert_allclose(r.shares_x[:, 0], [0, -0.05, -0.05, -0.05, 0])
    r = backtest_pair(Y, X, [1, 1, 1, 0, 0], h, rehedge=True, execution=Execution(fee_bps=10))
    # Re-hedged each day to the previous close's h (units stay 0.1 from the entry decision).
    np.testing.assert_allclose(r.shares_x[:, 0], [0, -0.05, -0.06, -0.07, 0])
    np.testing.assert_allclose(r.costs[2], 1e-3 * 0.01 * 21)
    assert len(r.trades) == 1


def test_share_hedge_converts_dollar_ratio():
    np.testing.assert_allclose(share_hedge(0.8, [10.0, 20.0], [40.0, 40.0]), [0.2, 0.4])


def _random_market(seed, n=300):
    g = np.random.default_rng(seed)
    x = 50 * np.exp(np.cumsum(g.normal(0, 0.015, n)))
    y = 1.2 * x * np.exp(0.05 * np.sin(np.arange(n) / 7.0) + g.normal(0, 0.01, n))
    sig = np.zeros(n)
    state = 0
    for t in range(n):
        u = g.random()
        if u < 0.08:
            state = int(g.integers(-1, 2))
        sig[t] = state
    hedge = 1.2 + 0.1 * np.cumsum(g.normal(0, 0.05, n)) / np.sqrt(n)
    vol_y, vol_x = g.uniform(5, 50, n), g.uniform(5, 50, n)
    return y, x, sig, hedge, vol_y, vol_x


RICH = dict(risk=Risk(sizing="vol_target", target_vol=0.2, vol_window=20, max_gross=3.0,
                      stop_loss=0.03, stop_sigma=2.5), rehedge=True)


def _check_accounting(r, y, x, rate=None):
    dq_y = np.diff(r.shares_y[:, 0], prepend=0.0)
    dq_x = np.diff(r.shares_x[:, 0], prepend=0.0)
    gross = np.concatenate(([0.0], r.shares_y[:-1, 0] * np.diff(y) + r.shares_x[:-1, 0]
                            * np.diff(x)))
    np.testing.assert_allclose(r.pnl, gross - r.costs, atol=1e-12)
    np.testing.assert_allclose(r.turnover, np.abs(dq_y) * y + np.abs(dq_x) * x, atol=1e-12)
    if rate is not None:
        np.testing.assert_allclose(r.costs, rate * (np.abs(dq_y) * y + np.abs(dq_x) * x),
                                   atol=1e-15)
    tr = r.trades
    assert (tr.exit >= 0).all()  # everything closed at the end
    assert tr.pnl.sum() == pytest.approx(r.pnl.sum(), abs=1e-12)
    assert tr.cost.sum() == pytest.approx(r.costs.sum(), abs=1e-12)
    assert r.shares_y[-1, 0] == 0 and r.shares_x[-1, 0] == 0


@pytest.mark.parametrize("seed", range(6))
def test_higher_costs_never_raise_pnl(seed):
    y, x, sig, hedge, vy, vx = _random_market(seed)
    low = Execution(half_spread_bps=1, fee_bps=0.5, slippage_bps=1, impact_bps=5,
                    max_participation=0.05)
    high = Execution(half_spread_bps=8, fee_bps=2, slippage_bps=3, impact_bps=40,
                     max_participation=0.05)
    runs = [backtest_pair(y, x, sig, hedge, volume_y=vy, volume_x=vx, execution=e, **RICH)
            for e in (Execution(max_participation=0.05), low, high)]
    assert len(runs[0].trades) > 3
    for a, b in zip(runs, runs[1:]):
        # Sizing and stops use prices and gross P&L only: the trading path is the same ...
        np.testing.assert_array_equal(a.shares_y, b.shares_y)
        np.testing.assert_array_equal(a.shares_x, b.shares_x)
        # ... so every day's P&L is lower by the extra cost.
        assert np.all(b.pnl.to_numpy() <= a.pnl.to_numpy() + 1e-15)
        assert b.pnl.sum() < a.pnl.sum()
    for run in runs:
        _check_accounting(run, y, x)
    r = backtest_pair(y, x, sig, hedge, execution=Execution(fee_bps=3, slippage_bps=2), **RICH)
    _check_accounting(r, y, x, rate=5e-4)


def _causal_signal(y, x, window=20, entry=1.0):
    """z-score of log(y/x) against its trailing window: short above +entry, long below −entry,
    flat when it crosses 0."""
    s = np.log(y / x)
    out = np.zeros(s.size)
    pos = 0
    for t in range(window, s.size):
        w = s[t - window + 1:t + 1]
        z = (s[t] - w.mean()) / w.std()
        if pos == 0 and abs(z) > entry:
            pos = -int(np.sign(z))
        elif pos != 0 and np.sign(z) == pos:
            pos = 0
        out[t] = pos
    return out


@pytest.mark.parametrize("cut", [60, 150, 240])
def test_no_look_ahead(cut):
    y, x, _, hedge, vy, vx = _random_market(7)
    ex = Execution(half_spread_bps=2, impact_bps=10, max_participation=0.1)
    base = backtest_pair(y, x, _causal_signal(y, x), hedge, volume_y=vy, volume_x=vx,
                         execution=ex, **RICH)
    g = np.random.default_rng(cut)
    y2, x2, vy2 = y.copy(), x.copy(), vy.copy()
    y2[cut + 1:] *= np.exp(g.normal(0, 0.05, y.size - cut - 1))
    x2[cut + 1:] *= 1.3
    vy2[cut + 1:] = 0.01
    h2 = hedge.copy()
    h2[cut + 1:] += 0.3
    alt = backtest_pair(y2, x2, _causal_signal(y2, x2), h2, volume_y=vy2, volume_x=vx,
                        execution=ex, **RICH)
    assert len(base.trades) > 2
    for a, b in ((base.shares_y, alt.shares_y), (base.shares_x, alt.shares_x),
                 (base.pair_pnl, alt.pair_pnl), (base.pair_costs, alt.pair_costs)):
        np.testing.assert_array_equal(a[:cut + 1], b[:cut + 1])
    assert not np.array_equal(base.pair_pnl, alt.pair_pnl)


def test_adv_cap_gives_partial_fills_that_stay_hedged():
    n = 12
    y, x = np.full(n, 10.0), np.full(n, 20.0)
    sig = np.array([1] * 8 + [0] * 4)
    ex = Execution(max_participation=0.1)
    r = backtest_pair(y, x, sig, 0.5, volume_y=np.full(n, 0.3), volume_x=np.full(n, 1.0),
                      execution=ex)
    # Target 0.1 y, 0.05 x; the y leg may trade 0.03 a day, x 0.1: y binds, x follows.
    np.testing.assert_allclose(r.shares_y[:, 0], [0, .03, .06, .09, .1, .1, .1, .1, .1, .07, .04,
                                                  0])
    np.testing.assert_allclose(r.shares_x[:, 0], -0.5 * r.shares_y[:, 0])
    assert len(r.trades) == 1 and r.trades.exit.iloc[0] == 11   # final close is not capped


@pytest.mark.parametrize("seed", range(3))
def test_adv_cap_respected_on_random_volumes(seed):
    y, x, sig, hedge, vy, vx = _random_market(seed)
    vy, vx = 0.05 * vy, 0.05 * vx
    vy[::17] = np.nan                                       # unknown on some days
    ex = Execution(max_participation=0.02, adv_window=5)
    r = backtest_pair(y, x, sig, hedge, volume_y=vy, volume_x=vx, execution=ex, **RICH)
    for q, v in ((r.shares_y[:, 0], vy), (r.shares_x[:, 0], vx)):
        adv = pd.Series(v).rolling(5, min_periods=1).mean().to_numpy()
        cap = np.where(np.isnan(adv), np.inf, 0.02 * adv)   # unknown volume: no cap
        traded = np.abs(np.diff(q))[:-1]                    # days 1 .. n-2 (n-1 is the close)
        assert np.all(traded <= cap[:-2] * (1 + 1e-12) + 1e-15)
    free = backtest_pair(y, x, sig, hedge, volume_y=vy, volume_x=vx, **RICH)
    assert len(r.trades) >= 3 and not np.allclose(r.shares_y, free.shares_y)  # the cap binds


def test_stop_loss_fraction_of_entry_exposure():
    y = [10.0, 10.0, 9.5, 9.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    sig = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]
    r = backtest_pair(y, [10.0] * 12, sig, 1.0, risk=Risk(stop_loss=0.05))
    # u = 0.1, entry gross 2 $: the stop needs a loss > 0.1 $, i.e. y below 9 (day 4); it is
    # executed at day 5 and blocks re-entry until the signal leaves +1 (day 7).
    q = r.shares_y[:, 0]
    np.testing.assert_allclose(q, [0, .1, .1, .1, .1, 0, 0, 0, 0, 2 / 18, 2 / 18, 0])
    tr = r.trades
    assert list(tr.exit_reason) == ["stop", "end"]
    assert list(tr.entry) == [1, 9] and list(tr.exit) == [5, 11]
    # A wider stop (loss > 0.22 $) is never hit: the first trade ends on the signal.
    tr = backtest_pair(y, [10.0] * 12, sig, 1.0, risk=Risk(stop_loss=0.11)).trades
    assert list(tr.exit_reason) == ["signal", "end"] and tr.exit[0] == 8


def test_stop_in_spread_standard_deviations():
    noise = [0.0, 0.1, -0.1, 0.2, -0.2, 0.0]
    y = np.array([10 + e for e in noise] + [10.0, 9.9, 9.7, 9.5, 9.5, 9.5])
    x = np.full(12, 10.0)
    sig = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    sd = np.std(y[1:6] - x[1:6], ddof=1)        # spread level over the 5 days up to entry (5)
    r = backtest_pair(y, x, sig, 1.0, risk=Risk(vol_window=5, stop_sigma=1.5))
    # Entered at y = 10.0 (day 6); loss per unit 10 − y exceeds 1.5·sd ≈ 0.24 at day 8.
    assert 10.0 - 9.7 > 1.5 * sd > 10.0 - 9.9
    tr = r.trades
    assert list(tr.entry) == [6] and list(tr.exit) == [9] and tr.exit_reason[0] == "stop"


def test_vol_target_sizing_and_warm_up():
    y, x, _, _, _, _ = _random_market(3, n=80)
    sig = np.ones(80)
    w, target = 30, 0.15
    r = backtest_pair(y, x, sig, 1.1, risk=Risk(sizing="vol_target", target_vol=target,
                                                vol_window=w, max_gross=100.0))
    # No entry before w days of history: decided at day w, executed at w + 1.
    assert r.trades.entry[0] == w + 1
    d = (np.diff(y) - 1.1 * np.diff(x))[:w]      # changes on days 1..w
    u = target / (np.sqrt(252) * d.std(ddof=1))
    assert r.shares_y[w + 1, 0] == pytest.approx(u, rel=1e-12)
    # With a tight gross cap the exposure limit binds instead.
    r = backtest_pair(y, x, sig, 1.1, risk=Risk(sizing="vol_target", target_vol=10.0,
                                                vol_window=w, max_gross=1.5))
    assert r.shares_y[w + 1, 0] == pytest.approx(1.5 / (y[w] + 1.1 * x[w]))


def _three_assets(n=200, seed=11):
    g = np.random.default_rng(seed)
    a = 100 * np.exp(np.cumsum(g.normal(0, 0.01, n)))
    b = a * np.exp(g.normal(0, 0.01, n))
    c = a * np.exp(g.normal(0, 0.04, n))
    return pd.DataFrame({"A": a, "B": b, "C": c}, index=pd.bdate_range("2020-01-01", periods=n))


def test_portfolio_equal_risk_weights_and_additivity():
    prices = _three_assets()
    n = len(prices)
    sig = np.zeros((n, 2))
    sig[40:120] = 1
    risk = Risk(sizing="vol_target", target_vol=0.1, vol_window=40, max_gross=50.0)
    r = backtest_portfolio(prices, [("B", "A"), ("C", "A")], sig, 1.0, risk=risk, capital=2.0)
    # Each pair sized to 10 % of its capital (1) from its own trailing vol: inverse-vol units.
    p = prices.to_numpy()
    for k, col in enumerate((1, 2)):
        d = np.diff(p[:, col] - p[:, 0])[:40]
        assert r.shares_y[41, k] == pytest.approx(0.1 / (np.sqrt(252) * d.std(ddof=1)))
    # Without a portfolio cap, pairs are independent: the portfolio is the sum of its pairs.
    for k, pair in enumerate((("B", "A"), ("C", "A"))):
        single = backtest_pair(prices[pair[0]], prices[pair[1]], sig[:, k], 1.0, risk=risk)
        np.testing.assert_allclose(r.pair_pnl[:, k], single.pair_pnl[:, 0], atol=1e-15)
    one = backtest_portfolio(prices, [("B", "A")], sig[:, :1], 1.0, risk=risk)
    pair = backtest_pair(prices["B"], prices["A"], sig[:, 0], 1.0, risk=risk)
    np.testing.assert_array_equal(one.pair_pnl, pair.pair_pnl)


def test_portfolio_gross_cap_scales_new_entries_equally():
    n = 60
    prices = pd.DataFrame({"A": np.full(n, 10.0), "B": np.full(n, 20.0), "C": np.full(n, 40.0)})
    sig = np.zeros((n, 3))
    sig[10:50, 0] = 1        # enters alone, full size 2·(1/3)
    sig[20:50, 1] = -1       # these two enter together when only 0.9 − 2/3 is left
    sig[20:50, 2] = 1
    pairs = [("B", "A"), ("C", "A"), ("C", "B")]
    r = backtest_portfolio(prices, pairs, sig, 1.0, capital=1.0, max_portfolio_gross=0.9)
    tr = r.trades.set_index("pair")
    assert tr.entry_gross[0] == pytest.approx(2 / 3)
    np.testing.assert_allclose(tr.entry_gross[[1, 2]], (0.9 - 2 / 3) / 2)
    assert r.gross_exposure.max() == pytest.approx(0.9)
    # No room at all: the late pairs wait while their signal persists, then enter together.
    sig[10:30, 0] = 1
    sig[30:50, 0] = 0
    r = backtest_portfolio(prices, pairs, sig, 1.0, max_portfolio_gross=2 / 3)
    tr = r.trades.set_index("pair")
    assert tr.entry[0] == 11 and tr.exit[0] == 31
    assert tr.entry[1] == tr.entry[2] == 31   # decided at day 30, when pair 0 goes flat
    np.testing.assert_allclose(tr.entry_gross[[1, 2]], 1 / 3)
    assert r.gross_exposure.max() == pytest.approx(2 / 3)


def test_open_trade_without_close_at_end():
    r = backtest_pair(Y, X, [0, 1, 1, 1, 1], 0.5, close_at_end=False)
    t = r.trades.iloc[0]
    assert t.exit == -1 and t.exit_reason == "open" and r.shares_y[-1, 0] > 0


def test_no_signal_no_trades():
    r = backtest_pair(Y, X, np.zeros(5), 0.5, execution=Execution(fee_bps=10))
    assert r.trades.empty and r.pnl.abs().sum() == 0


# ----------------------------------------------------------------------- validation

DATES = pd.bdate_range("2021-01-04", periods=5)


@pytest.mark.parametrize("kwargs,match", [
    (dict(y=[10, 11, np.nan, 11, 13]), r"prices\['y'\] at row 2 .* is missing \(NaN\)"),
    (dict(x=[20, 20, 21, -1, 21]), r"prices\['x'\] at row 3 .* is -1.0"),
    (dict(x=[20, 20, 21, 22]), "y has 5 prices but x has 4"),
    (dict(signal=[1, 1, 0, 2, 0]), r"signals\[3, 0\] .* is 2.0: signals must be -1, 0 or \+1"),
    (dict(signal=[1, 1, 0, 0]), r"signal has shape \(4,\) but the prices have 5 dates"),
    (dict(hedge=[0.5, 0.5, np.nan, 0.5, 0.5]), r"hedges\[2, 0\] .* is nan"),
    (dict(hedge=[0.5, 0.5]), r"hedge has shape \(2,\)"),
    (dict(volume_y=[1, 1, -1, 1, 1]), r"volumes\['y'\] at row 2 .* is -1.0"),
    (dict(volume_x=[1, 1, 1]), r"volume_x has shape \(3,\)"),
    (dict(half_spread_bps=np.ones((5, 3))), r"half_spread_bps has shape \(5, 3\)"),
    (dict(capital=0.0), r"capital=0.0 is not allowed"),
])
def test_bad_inputs_are_named(kwargs, match):
    args = dict(y=Y, x=X, signal=SIG, hedge=0.5)
    args.update(kwargs)
    y, x, s, h = (args.pop(k) for k in ("y", "x", "signal", "hedge"))
    with pytest.raises(ValueError, match=match):
        backtest_pair(y, x, s, h, **args)


def test_misaligned_or_unordered_dates():
    y = pd.Series(Y, index=DATES)
    with pytest.raises(ValueError, match="y and x are misaligned: at row 2"):
        backtest_pair(y, pd.Series(X, index=DATES[[0, 1, 3, 2, 4]]), SIG, 0.5)
    with pytest.raises(ValueError, match="prices.index is not strictly increasing: row 3"):
        backtest_pair(pd.Series(Y, index=DATES[[0, 1, 2, 2, 4]]),
                      pd.Series(X, index=DATES[[0, 1, 2, 2, 4]]), SIG, 0.5)
    with pytest.raises(ValueError, match="signals is misaligned with the prices: at row 0"):
        backtest_pair(y, pd.Series(X, index=DATES), pd.Series(SIG, index=DATES + pd.Timedelta(
            "1D")), 0.5)


def test_bad_configuration_and_pairs():
    with pytest.raises(ValueError, match="sizing='kelly' is not allowed"):
        Risk(sizing="kelly")
    with pytest.raises(ValueError, match="max_participation=0 is not allowed"):
        Execution(max_participation=0)
    with pytest.raises(ValueError, match="fee_bps=-1 is not allowed"):
        Execution(fee_bps=-1)
    with pytest.raises(ValueError, match="stop_sigma=-2 is not allowed"):
        Risk(stop_sigma=-2)
    prices = _three_assets(n=10)
    with pytest.raises(ValueError, match=r"'D' is not one"):
        backtest_portfolio(prices, [("A", "D")], np.zeros((10, 1)))
    with pytest.raises(ValueError, match="two different column labels"):
        backtest_portfolio(prices, [("A", "A")], np.zeros((10, 1)))
    prices.iloc[4, 2] = np.nan        # an unused column may hold gaps
    backtest_portfolio(prices, [("A", "B")], np.zeros((10, 1)))
