"""Tests of mslab.orderbook.snapshot: snapshot-driven market making with fill probabilities."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mslab.orderbook.snapshot import (MIN_BLOCKS, SECONDS_PER_YEAR, SnapshotSweepTask,
                                      backtest_snapshots, infer_periods_per_year)
from mslab.performance import sharpe_ratio
from mslab.selection_bias import split_slices

STRATEGY = dict(spread_multiplier=0.8, fill_probability=0.75, max_inventory=5,
                inventory_penalty=0.02, periods_per_year=525960.0)


def synthetic_snapshots(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Crypto-style 1-minute snapshots: a log random-walk mid near 100, a relative spread of
    1–5 bp, notional taker volumes that are zero 30 % of the time."""
    g = np.random.default_rng(seed)
    mid = 100.0 * np.exp(np.cumsum(g.normal(0.0, 3e-4, n)))
    rel_half = g.uniform(0.5e-4, 2.5e-4, n)
    return pd.DataFrame({
        "system_time": pd.date_range("2021-04-07", periods=n, freq="1min", tz="UTC"),
        "midpoint": mid,
        "spread": 2.0 * rel_half * mid,
        "buys": g.exponential(300.0, n) * (g.random(n) < 0.7),
        "sells": g.exponential(300.0, n) * (g.random(n) < 0.7),
        "bids_distance_0": -rel_half,
        "asks_distance_0": rel_half,
    })


FIVE = dict(midpoint=np.array([100.0, 100.0, 101.0, 100.0, 100.0]), spread=np.full(5, 2.0),
            buys=np.array([0.0, 1.0, 5.0, 0.0, 1.0]), sells=np.array([0.0, 0.0, 5.0, 2.0, 0.0]))
FIVE["bids_distance_0"] = -1.0 / FIVE["midpoint"]  # best bid/ask = mid -+ 1
FIVE["asks_distance_0"] = 1.0 / FIVE["midpoint"]
HAND = dict(spread_multiplier=0.5, fill_probability=1.0, max_inventory=1, inventory_penalty=0.1,
            volume_units="shares", periods_per_year=252.0)


def test_hand_checked_fills_on_five_snapshots():
    """h = 0.5 · 2/2 = 0.5, quotes r -+ 0.5 with r = mid - 0.1 q, |q| <= 1:
    t=0 q=0: 99.5/100.5; buys_1 = 1 and max(A_0, A_1) = 101 >= 100.5: ask fills (no sells).
    t=1 q=-1: bid 99.6 only (cap); sells_2 = 5, min(B_1, B_2) = 99 <= 99.6: bid fills.
    t=2 q=0: 100.5/101.5; buys_3 = 0: no ask fill; sells_3 = 2, min(100, 99) <= 100.5: bid fills.
    t=3 q=1: ask 100.4 only; buys_4 = 1, max(101, 101) >= 100.4: ask fills."""
    res = backtest_snapshots(FIVE, **HAND)
    nan = np.nan
    np.testing.assert_allclose(res.bid, [99.5, 99.6, 100.5, nan, nan])
    np.testing.assert_allclose(res.ask, [100.5, nan, 101.5, 100.4, nan])
    np.testing.assert_array_equal(res.bid_fill, [False, True, True, False, False])
    np.testing.assert_array_equal(res.ask_fill, [True, False, False, True, False])
    np.testing.assert_array_equal(res.inventory, [0, -1, 0, 1, 0])
    np.testing.assert_allclose(res.cash, [0.0, 100.5, 0.9, -99.6, 0.8], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.equity, [0.0, 0.5, 0.9, 0.4, 0.8], rtol=0, atol=1e-12)
    m = res.metrics()
    assert m["n_fills"] == 4 and m["n_bid_fills"] == 2 and m["n_ask_fills"] == 2
    assert m["turnover"] == pytest.approx(401.0) and m["mean_abs_inventory"] == pytest.approx(0.4)
    assert m["max_drawdown"] == pytest.approx(0.5) and m["n_periods"] == 4

    # Costs: 4 fills, fee 0.01 per share, slippage 0.1 % of the 401 traded.
    costly = backtest_snapshots(FIVE, **HAND, fee_per_share=0.01, slippage_per_volume=0.001)
    assert costly.fees == pytest.approx(0.04) and costly.slippage == pytest.approx(0.401)
    assert costly.final_pnl == pytest.approx(0.8 - 0.04 - 0.401)

    # Price reach: with h = 1.2 the ask at 101.2 is beyond max(A_0, A_1) = 101.
    wide = backtest_snapshots(FIVE, **{**HAND, "spread_multiplier": 1.2})
    assert wide.ask[0] == pytest.approx(101.2) and not wide.ask_fill[0]
    # Volume reach: read as notional, buys_1 = 1 is far below 1 share x 100.5.
    notional = backtest_snapshots(FIVE, **{**HAND, "volume_units": "notional"})
    assert notional.bid_fill.sum() + notional.ask_fill.sum() == 0
    # The coin: probability 0 never fills.
    never = backtest_snapshots(FIVE, **{**HAND, "fill_probability": 0.0})
    assert not never.bid_fill.any() and not never.ask_fill.any()
    np.testing.assert_array_equal(never.equity, 0.0)


def test_accounting_invariant_and_cap():
    """equity = cash + q · mid at every snapshot, with cash and q rebuilt from the recorded
    quotes and fills; |q| never exceeds the cap; the quotes never cross the mid."""
    frame = synthetic_snapshots()
    fee, slip, size = 2e-3, 5e-5, 0.5
    res = backtest_snapshots(frame, **{**STRATEGY, "max_inventory": 1.5}, fee_per_share=fee,
                             slippage_per_volume=slip, order_size=size, seed=7)
    cash, q = [0.0], [0.0]
    for t in range(len(frame) - 1):
        c, inv = cash[-1], q[-1]
        if res.bid_fill[t]:
            c, inv = c - res.bid[t] * size * (1 + slip) - fee * size, inv + size
        if res.ask_fill[t]:
            c, inv = c + res.ask[t] * size * (1 - slip) - fee * size, inv - size
        cash.append(c)
        q.append(inv)
    mid = frame["midpoint"].to_numpy()
    np.testing.assert_allclose(res.cash, cash, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(res.inventory, q)
    np.testing.assert_allclose(res.equity, res.cash + res.inventory * mid, rtol=0, atol=1e-9)
    n_fills = res.n_bid_fills + res.n_ask_fills
    assert n_fills > 100
    assert res.fees == pytest.approx(fee * size * n_fills)
    assert res.slippage == pytest.approx(slip * res.turnover)
    assert np.max(np.abs(res.inventory)) == 1.5
    quoted = ~np.isnan(res.bid)
    assert np.all(res.bid[quoted] <= mid[quoted])
    assert np.all(res.ask[~np.isnan(res.ask)] >= mid[~np.isnan(res.ask)])
    assert res.mean_abs_inventory == pytest.approx(np.mean(np.abs(q)))


def test_quotes_follow_the_rule_and_the_penalty_pulls_inventory_in():
    """bid = min(r - h, mid), ask = max(r + h, mid), r = mid - penalty · q, h = k · spread / 2,
    each side quoted only while its fill keeps |q| <= max_inventory."""
    frame = synthetic_snapshots()
    res = backtest_snapshots(frame, **STRATEGY)
    mid, q = frame["midpoint"].to_numpy()[:-1], res.inventory[:-1]
    r = mid - STRATEGY["inventory_penalty"] * q
    h = STRATEGY["spread_multiplier"] * frame["spread"].to_numpy()[:-1] / 2
    cap = STRATEGY["max_inventory"]
    bid = np.where(q + 1 <= cap, np.minimum(r - h, mid), np.nan)
    ask = np.where(q - 1 >= -cap, np.maximum(r + h, mid), np.nan)
    np.testing.assert_allclose(res.bid[:-1], bid)
    np.testing.assert_allclose(res.ask[:-1], ask)
    free = backtest_snapshots(frame, **{**STRATEGY, "inventory_penalty": 0.0})
    assert res.mean_abs_inventory < free.mean_abs_inventory


def test_zero_variance_sharpe_is_nan_not_a_crash():
    flat = {**FIVE, "midpoint": np.full(5, 100.0), "buys": np.zeros(5), "sells": np.zeros(5)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = backtest_snapshots(flat, **HAND)
        assert np.isnan(res.sharpe) and res.final_pnl == 0.0 and res.max_drawdown == 0.0
        assert np.isnan(sharpe_ratio(np.full(50, 0.1), 252.0))  # sd is rounding noise only
        assert np.isnan(sharpe_ratio(np.array([0.3]), 252.0))
    assert sharpe_ratio(np.array([1.0, -1.0, 1.0, 1.0]), 4.0) == pytest.approx(0.5 / 1.0 * 2.0)


def test_costs_reduce_pnl_monotonically():
    """Costs do not change quotes or fills, so P&L falls exactly by fee · shares traded and by
    slippage · turnover, strictly with every increase."""
    frame = synthetic_snapshots()
    base = backtest_snapshots(frame, **STRATEGY)
    shares = base.n_bid_fills + base.n_ask_fills
    pnl = []
    for fee, slip in [(0.0, 0.0), (1e-4, 0.0), (1e-3, 0.0), (1e-3, 5e-5), (1e-3, 2e-4)]:
        res = backtest_snapshots(frame, **STRATEGY, fee_per_share=fee, slippage_per_volume=slip)
        np.testing.assert_array_equal(res.bid_fill, base.bid_fill)
        np.testing.assert_array_equal(res.ask_fill, base.ask_fill)
        assert res.final_pnl == pytest.approx(base.final_pnl - fee * shares
                                              - slip * base.turnover, abs=1e-9)
        pnl.append(res.final_pnl)
    assert np.all(np.diff(pnl) < 0)


def test_same_seed_same_output_other_seed_other_coins():
    frame = synthetic_snapshots(n=1000)
    params = {**STRATEGY, "fill_probability": 0.5}
    a, b = (backtest_snapshots(frame, **params, seed=3) for _ in range(2))
    for field in ("equity", "cash", "inventory", "bid", "ask", "bid_fill", "ask_fill"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.metrics() == pytest.approx(b.metrics(), nan_ok=True)
    c = backtest_snapshots(frame, **params, seed=4)
    assert not np.array_equal(a.ask_fill, c.ask_fill)


def test_periods_per_year_from_system_time():
    frame = synthetic_snapshots(n=100)
    assert infer_periods_per_year(frame["system_time"]) == pytest.approx(SECONDS_PER_YEAR / 60)
    params = {k: v for k, v in STRATEGY.items() if k != "periods_per_year"}
    assert backtest_snapshots(frame, **params).periods_per_year == pytest.approx(525960.0)


def test_sweep_task_backtests_each_split_from_flat(tmp_path):
    frame = synthetic_snapshots(n=500)
    frame.to_parquet(tmp_path / "X.parquet")
    task = SnapshotSweepTask({"X": str(tmp_path / "X.parquet")})
    params = {k: v for k, v in STRATEGY.items() if k != "periods_per_year"}
    for split, rows in split_slices(len(frame)).items():
        expected = backtest_snapshots(frame.iloc[rows], **STRATEGY).metrics()
        assert task(params, "X", split) == pytest.approx(expected, nan_ok=True)
    assert task(params, "X", "test")["n_periods"] == 99
    with pytest.raises(ValueError, match="split='oos' is not allowed"):
        task(params, "X", "oos")
    with pytest.raises(ValueError, match="instrument='Y' is not allowed"):
        task(params, "Y", "test")


@pytest.mark.parametrize("change, message", [
    ({"fill_probability": 1.5}, "fill_probability=1.5 is not allowed"),
    ({"spread_multiplier": 0.0}, "spread_multiplier=0.0 is not allowed"),
    ({"max_inventory": -1}, "max_inventory=-1 is not allowed"),
    ({"inventory_penalty": float("nan")}, "inventory_penalty=nan is not allowed"),
    ({"fee_per_share": -1e-4}, "fee_per_share=-0.0001 is not allowed"),
    ({"order_size": 0}, "order_size=0 is not allowed"),
    ({"volume_units": "lots"}, "volume_units='lots' is not allowed"),
    ({"seed": -1}, "seed=-1 is not allowed"),
    ({"periods_per_year": None}, "periods_per_year=None is not allowed"),
])
def test_bad_parameters_are_rejected(change, message):
    with pytest.raises(ValueError, match=message):
        backtest_snapshots(FIVE, **{**HAND, **change})


def test_bad_snapshots_are_rejected():
    with pytest.raises(ValueError, match="missing: sells"):
        backtest_snapshots({k: v for k, v in FIVE.items() if k != "sells"}, **HAND)
    bad = {**FIVE, "midpoint": np.array([100.0, np.nan, 101.0, 100.0, 100.0])}
    with pytest.raises(ValueError, match="first bad row 1"):
        backtest_snapshots(bad, **HAND)
    with pytest.raises(ValueError, match="at least 2 snapshots"):
        backtest_snapshots({k: v[:1] for k, v in FIVE.items()}, **HAND)
    frame = synthetic_snapshots(n=10)
    frame.loc[5, "system_time"] = frame.loc[4, "system_time"]
    with pytest.raises(ValueError, match="strictly increasing"):
        backtest_snapshots(frame, **{**HAND, "periods_per_year": None})


def test_per_hour_figures_from_blocks():
    """P&L per hour over the whole run; its standard error from whole blocks of
    block_seconds (a trailing part block left out), checked by hand on 1-minute snapshots."""
    frame = synthetic_snapshots(n=3000)
    res = backtest_snapshots(frame, **{**STRATEGY, "fill_probability": 0.9},
                             block_seconds=3600.0)
    assert res.interval == pytest.approx(60.0) and res.hours == pytest.approx(2999 / 60)
    blocks = res.equity[[60 * j for j in range(50)]]
    pnl = np.diff(blocks)  # 49 whole hours of 60 increments; the last 59 minutes left out
    np.testing.assert_allclose(res.block_pnl(), pnl)
    m = res.metrics()
    assert m["pnl_per_hour"] == pytest.approx(res.final_pnl / (2999 / 60))
    assert m["pnl_per_hour_se"] == pytest.approx(pnl.std(ddof=1) / np.sqrt(49))
    assert m["fills_per_hour"] == pytest.approx(m["n_fills"] / (2999 / 60))
    sr, se = res.block_sharpe(hours_per_year=8766.0)
    assert sr == pytest.approx(sharpe_ratio(pnl, 8766.0))
    assert se > 0 and np.isfinite(se)
    short = backtest_snapshots(frame.iloc[:100], **STRATEGY, block_seconds=600.0)
    assert short.block_pnl().size == MIN_BLOCKS - 1 and np.isnan(short.pnl_per_hour_se())
    assert all(np.isnan(short.block_sharpe(8766.0)))
    enough = backtest_snapshots(frame.iloc[:101], **STRATEGY, block_seconds=600.0)
    assert enough.block_pnl().size == MIN_BLOCKS and np.isfinite(enough.pnl_per_hour_se())
    with pytest.raises(ValueError, match="hours_per_year=0 is not allowed"):
        res.block_sharpe(0)
    with pytest.raises(ValueError, match="block_seconds=-1 is not allowed"):
        backtest_snapshots(frame, **STRATEGY, block_seconds=-1)
    explicit = backtest_snapshots(FIVE, **HAND, interval=2.0)
    assert explicit.hours == pytest.approx(8 / 3600)
