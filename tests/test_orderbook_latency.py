"""Tests of the empirical latency model (mslab.orderbook.latency.empirical_latency): its draws
follow the sample's distribution, are deterministic given the seed, are what the backtest uses,
and its inputs are validated; and of the feed latency measured on the shipped Binance captures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mslab.orderbook import grid_quoter, run_backtest
from mslab.orderbook.latency import (
    MAX_SEED,
    empirical_draws,
    empirical_latency,
    empirical_latency_values,
)

TICK = 100
P = 1000
DATA = Path(__file__).resolve().parents[1] / "data"


def test_draws_follow_the_sample_distribution():
    sample = [0.001, 0.001, 0.001, 0.005]  # 1 ms three times in four, 5 ms once
    draws = empirical_draws(sample, 20_001, seed=3)
    assert set(np.round(draws * 1e3, 6)) == {1.0, 5.0}
    assert np.mean(draws == 0.001) == pytest.approx(0.75, abs=0.02)
    # quantiles of a continuous sample: the draws reproduce its quartiles
    rng = np.random.default_rng(0)
    sample = rng.exponential(0.004, 5000)
    draws = empirical_draws(sample, 50_000, seed=11)
    np.testing.assert_allclose(np.quantile(draws, [0.25, 0.5, 0.75]),
                               np.quantile(sample, [0.25, 0.5, 0.75]), rtol=0.05)


def test_draws_are_deterministic_given_the_seed():
    sample = np.linspace(0.0, 0.01, 101)
    a, b = empirical_draws(sample, 1000, seed=7), empirical_draws(sample, 1000, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, empirical_draws(sample, 1000, seed=8))
    # the draw of a message does not depend on how many messages there are beyond it
    values = empirical_latency_values(sample, 1000, seed=7)
    ns = np.round(values * 1e9).astype(np.int64)
    assert [empirical_latency(ns, i) for i in (5, 900, 5)] == [
        round(a[5] * 1e9), round(a[900] * 1e9), round(a[5] * 1e9)]


def test_the_backtest_uses_the_model_draws():
    """The model inside the backtest gives the same run as its draws given one per message."""
    rng = np.random.default_rng(5)
    n = 400
    t = np.cumsum(rng.exponential(0.05, n))
    price = P + rng.integers(-3, 4, n)
    kind = np.where(rng.random(n) < 0.7, 1, 3)
    msgs = {"time": t, "type": np.r_[[1, 1], kind[2:]], "size": np.full(n, 100),
            "price": np.r_[[P - 1, P + 1], price[2:]] * TICK,
            "direction": np.r_[[1, -1], np.where(price[2:] < P, 1, -1)]}
    msgs["type"] = np.where(msgs["type"] == 3, 4, 1)  # executions against the book
    sample = rng.exponential(0.02, 300)
    kw = dict(tick=TICK, decision_interval=0.05, sample_interval=1.0, post_only=True)
    model = run_backtest(msgs, grid_quoter(0.5), entry_latency=empirical_latency_values(
        sample, n, seed=4), entry_latency_model=empirical_latency, **kw)
    arrays = run_backtest(msgs, grid_quoter(0.5), entry_latency=empirical_draws(sample, n, 4),
                          **kw)
    constant = run_backtest(msgs, grid_quoter(0.5), entry_latency=float(np.mean(sample)), **kw)
    assert model.fills.qty.size > 5
    np.testing.assert_array_equal(model.fills.time, arrays.fills.time)
    np.testing.assert_array_equal(model.equity, arrays.equity)
    assert not np.array_equal(model.fills.time, constant.fills.time)


@pytest.mark.parametrize("kwargs,name", [
    ({"sample": []}, "sample"), ({"sample": [0.001, -0.001]}, "sample"),
    ({"sample": [np.nan]}, "sample"), ({"sample": [1e6]}, "sample"),
    ({"n": 1}, "n"), ({"n": 10**12}, "n"), ({"n": 2.5}, "n"),
    ({"seed": -1}, "seed"), ({"seed": MAX_SEED + 1}, "seed"),
])
def test_empirical_latency_values_rejects_bad_input(kwargs, name):
    args = {"sample": [0.001, 0.002], "n": 10, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}="):
        empirical_latency_values(**args)
    with pytest.raises(ValueError, match=rf"^{name}="):
        empirical_draws(**args)


def test_feed_latency_of_the_shipped_captures():
    """Local minus exchange time of the trades, relative to its floor: a few milliseconds,
    as data/README.md states (99th percentile within 35 ms of the minimum)."""
    from mslab.data.binance import load_binance_capture, receive_lag_ms

    cap = load_binance_capture(DATA / "binance" / "usdm_btcusdt_20240808.parquet")
    lag = receive_lag_ms(cap, "trade").dropna().to_numpy()
    excess = lag - lag.min()
    assert -1300 < lag.min() < -1200  # the clocks are offset by about 1.27 s
    assert 0 < np.quantile(excess, 0.5) < 10 and np.quantile(excess, 0.99) < 35
