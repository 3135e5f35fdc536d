"""Tests of the Cont–Stoikov–Talreja generator (mslab.orderbook.cst_flow), its crypto snapshots,
flow statistics and calibration."""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
import pytest

from mslab.data.crypto import columns as crypto_columns
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, EXECUTE, NEW, PRICE_SCALE
from mslab.orderbook import (CalibrationTargets, CSTParams, calibrate, calibration_table,
                             flow_statistics, simulate_cst, simulate_snapshots)

# Odd lots, partial cancellations and market orders that walk several levels.
RICH = CSTParams(k=1.2, alpha=0.5, mu=0.6, theta=0.35, max_distance=8, lot=100, mean_lots=2.5,
                 partial_cancel=0.3)
# The paper's model: unit sizes, total cancellations only, a θ(i) profile.
UNIT = CSTParams(k=1.92, alpha=0.52, mu=0.94,
                 theta=(0.71, 0.81, 0.68, 0.56, 0.47, 0.4, 0.35, 0.3, 0.25, 0.2), lot=1)


def replay_rows(flow) -> np.ndarray:
    """Independent replay of the messages on a dict-of-orders book, asserting the LOBSTER
    semantics on the way: new ids are fresh; cancellations, deletions and executions refer to
    a live order at its own price and side; a deletion removes the whole remaining size and a
    partial cancellation less than that; an execution hits the first order in the queue at the
    best price. Returns the order-book rows it computes."""
    orders: dict[int, list[int]] = {}  # id -> [direction, price, remaining size]
    queues: dict[int, dict[int, deque]] = {1: {}, -1: {}}
    rows = np.empty_like(flow.book)
    L = flow.levels
    for i in range(flow.time.size):
        typ, oid, size = int(flow.type[i]), int(flow.order_id[i]), int(flow.size[i])
        price, d = int(flow.price[i]), int(flow.direction[i])
        assert size > 0 and d in (1, -1)
        if typ == 1:
            assert oid not in orders
            orders[oid] = [d, price, size]
            queues[d].setdefault(price, deque()).append(oid)
        else:
            assert typ in (2, 3, 4), typ
            o = orders[oid]
            assert o[0] == d and o[1] == price
            if typ == 3:
                assert size == o[2]
            elif typ == 2:
                assert size < o[2]
            else:
                live = [p for p, q in queues[d].items() if q]
                assert price == (max(live) if d == 1 else min(live))
                assert queues[d][price][0] == oid and size <= o[2]
            o[2] -= size
            if o[2] == 0:
                queues[d][price].remove(oid)
                del orders[oid]
        asks = sorted(p for p, q in queues[-1].items() if q)[:L]
        bids = sorted((p for p, q in queues[1].items() if q), reverse=True)[:L]
        row = []
        for j in range(L):
            row += ([asks[j], sum(orders[o][2] for o in queues[-1][asks[j]])]
                    if j < len(asks) else [DUMMY_ASK, 0])
            row += ([bids[j], sum(orders[o][2] for o in queues[1][bids[j]])]
                    if j < len(bids) else [DUMMY_BID, 0])
        rows[i] = row
    return rows


@pytest.mark.parametrize("params, levels", [(RICH, 5), (UNIT, 10)])
def test_book_rows_equal_an_independent_replay_of_the_messages(params, levels):
    flow = simulate_cst(params, duration=240.0, levels=levels, seed=7)
    assert flow.n_initial > 0 and np.all(flow.time[:flow.n_initial] == flow.start)
    assert np.all(flow.type[:flow.n_initial] == NEW)
    expected = {1, 3, 4} | ({2} if params.partial_cancel > 0 else set())
    assert set(np.unique(flow.type)) == expected
    np.testing.assert_array_equal(replay_rows(flow), flow.book)
    # never crossed or locked, times in the window and non-decreasing, prices on the tick grid
    both = (flow.book[:, 1] > 0) & (flow.book[:, 3] > 0)
    assert np.all(flow.book[both, 0] > flow.book[both, 2])
    assert np.all(np.diff(flow.time) >= 0) and flow.time[-1] <= flow.end
    assert np.all(flow.price % flow.tick == 0)
    if params.mean_lots > 1:  # some market orders took more than one resting order
        runs = ((flow.type[1:] == EXECUTE) & (flow.type[:-1] == EXECUTE)
                & (flow.time[1:] == flow.time[:-1]))
        assert runs.any()


def test_same_seed_same_output_different_seed_different_output():
    a = simulate_cst(RICH, duration=120.0, levels=5, seed=3)
    b = simulate_cst(RICH, duration=120.0, levels=5, seed=3)
    c = simulate_cst(RICH, duration=120.0, levels=5, seed=4)
    for name, x in a.messages().items():
        np.testing.assert_array_equal(x, b.messages()[name])
    np.testing.assert_array_equal(a.book, b.book)
    assert a.time.size != c.time.size or not np.array_equal(a.book, c.book)


def test_kernel_statistics_equal_those_measured_on_the_messages():
    """The time averages kept by the kernel and flow_statistics() on the LOBSTER output
    measure the same thing (up to the nanosecond rounding of the written times)."""
    flow = simulate_cst(RICH, duration=900.0, levels=5, seed=11)
    measured = flow_statistics(flow.time, flow.type, flow.direction, flow.book, tick=flow.tick,
                               start=flow.start, end=flow.end)
    s = flow.stats
    assert measured.mean_spread == pytest.approx(s.mean_spread, rel=1e-8)
    np.testing.assert_allclose(measured.depth, s.depth, rtol=1e-8)
    assert measured.trades_per_minute == pytest.approx(s.trades_per_minute, rel=1e-12)
    assert measured.limit_orders_per_minute == pytest.approx(s.limit_orders_per_minute,
                                                             rel=1e-12)
    assert measured.two_sided_fraction == pytest.approx(s.two_sided_fraction, rel=1e-8)


def test_event_rates_match_the_model():
    """Limit orders arrive at the constant total rate 2·Σλ(i) and market orders at 2μ (both
    sides are never empty here), so over T seconds the counts are Poisson."""
    T = 3600.0
    flow = simulate_cst(UNIT, duration=T, levels=5, seed=5)
    assert flow.stats.two_sided_fraction == 1.0
    for observed, rate in ((flow.stats.limit_orders_per_minute, 2 * UNIT.arrival_rates().sum()),
                           (flow.stats.trades_per_minute, 2 * UNIT.mu)):
        n, expected = observed * T / 60, rate * T
        assert abs(n - expected) < 4 * np.sqrt(expected)
    # with unit sizes every market order is one execution of one whole order
    assert (flow.type == EXECUTE).sum() == round(flow.stats.trades_per_minute * T / 60)
    assert np.all(flow.size == 1)


def test_calibration_recovers_known_parameters_and_hits_its_targets():
    true = CSTParams(k=1.5, alpha=0.6, mu=0.3, theta=0.4, max_distance=10, lot=100)
    s = simulate_cst(true, duration=4 * 3600.0, levels=5, seed=5).stats
    targets = CalibrationTargets(mean_spread=s.mean_spread, depth=tuple(s.depth),
                                 trades_per_minute=s.trades_per_minute,
                                 limit_orders_per_minute=s.limit_orders_per_minute)
    cal = calibrate(targets, duration=1800.0, seed=0)
    p = cal.params
    assert p.k == pytest.approx(1.5, rel=0.1) and p.alpha == pytest.approx(0.6, abs=0.08)
    assert p.theta == pytest.approx(0.4, rel=0.1) and p.mu == pytest.approx(0.3, rel=0.03)
    table = cal.table()
    assert list(table.columns) == ["target", "achieved", "relative_error"] and len(table) == 8
    assert table["relative_error"].abs().max() < 0.05
    # out of sample: another seed, a longer run
    fresh = calibration_table(targets, simulate_cst(p, duration=4 * 3600.0, levels=5,
                                                    seed=99).stats)
    assert fresh["relative_error"].abs().max() < 0.06


@pytest.mark.parametrize("depth, work_refused, where", [
    (1e12, False, "outside the search box"),           # k/θ = 1e10: k beyond 1e5 at every θ
    (300.0, True, "more simulation work than check_work allows"),
])
def test_calibration_without_a_feasible_point_is_an_error(monkeypatch, depth, work_refused,
                                                          where):
    """When no point of the search can be simulated, calibrate used to return a Calibration
    whose ``achieved`` was None (its table() then crashed); now a ValueError says why. Both
    cases run no simulation: the box excludes every point, or the work bound (patched here,
    after the up-front check of market orders alone) refuses every one."""
    import mslab.orderbook.calibration as calibration

    if work_refused:
        calls = []

        def check_work(params, warmup, duration):
            calls.append(params)
            if len(calls) > 1:
                raise ValueError("too much work")

        monkeypatch.setattr(calibration, "check_work", check_work)
    targets = CalibrationTargets(mean_spread=1.5, depth=(depth,), trades_per_minute=30.0)
    with pytest.raises(ValueError, match=rf"^targets: no feasible fit found; .*{where}.* "
                                         r"\(0 simulations\)"):
        calibrate(targets, duration=60.0, warmup=0.0, max_evaluations=10)


def test_snapshots_sample_the_same_simulated_book():
    """simulate_snapshots and simulate_cst with the same seed simulate the same path: each
    snapshot is the LOBSTER book after the last message at or before its time, and the flows
    of a bucket add up to the messages inside it."""
    kw = dict(duration=300.0, warmup=100.0, seed=21)
    tick = 0.01
    frame = simulate_snapshots(RICH, interval=10.0, tick_size=tick, price=100.0, size_unit=1.0,
                               levels=5, start_time="2024-01-02 09:30:00", **kw)
    flow = simulate_cst(RICH, levels=5, tick_size=tick, price=100.0, start=34200.0, **kw)
    assert list(frame.columns) == crypto_columns(5) and len(frame) == 30
    assert not frame.isna().any().any()
    assert frame["system_time"].iloc[0] == pd.Timestamp("2024-01-02 09:30:10", tz="UTC")
    edges = 34200.0 + 10.0 * np.arange(31)
    px = flow.price / PRICE_SCALE
    for k in range(30):
        row = frame.iloc[k]
        last = np.searchsorted(flow.time, edges[k + 1], side="right") - 1
        book = flow.book[last]
        ask, bid = book[0::4] / PRICE_SCALE, book[2::4] / PRICE_SCALE
        mid = 0.5 * (ask[0] + bid[0])
        assert row["midpoint"] == pytest.approx(mid) and row["spread"] == pytest.approx(
            ask[0] - bid[0])
        for side, prices, sizes in (("bids", bid, book[3::4]), ("asks", ask, book[1::4])):
            dist = np.array([row[f"{side}_distance_{i}"] for i in range(5)])
            np.testing.assert_allclose(mid * (1 + dist), prices, rtol=1e-12)
            notional = np.array([row[f"{side}_notional_{i}"] for i in range(5)])
            np.testing.assert_allclose(notional, prices * sizes, rtol=1e-12)
        inside = (flow.time > edges[k]) & (flow.time <= edges[k + 1])
        ex = inside & (flow.type == EXECUTE)
        buys = (px * flow.size)[ex & (flow.direction == -1)].sum()
        sells = (px * flow.size)[ex & (flow.direction == 1)].sum()
        assert row["buys"] == pytest.approx(buys) and row["sells"] == pytest.approx(sells)
        new = inside & (flow.type == NEW)
        for side, d in (("bids", 1), ("asks", -1)):
            added = sum(row[f"{side}_limit_notional_{i}"] for i in range(5))
            # D = 8 > 5 levels: orders deeper than level 5 are not attributed to a level
            assert added <= (px * flow.size)[new & (flow.direction == d)].sum() + 1e-9
    total_limit = sum(frame[f"{s}_limit_notional_{i}"].sum() for s in ("bids", "asks")
                      for i in range(5))
    assert total_limit > 0.5 * (px * flow.size)[(flow.type == NEW) & (flow.time > 34200.0)].sum()


def test_snapshot_levels_are_complete_when_the_book_is_deep():
    deep = CSTParams(k=1.2, alpha=0.3, mu=0.5, theta=0.15, max_distance=30, lot=1,
                     mean_lots=20.0)
    frame = simulate_snapshots(deep, duration=120.0, interval=1.0, tick_size=0.5,
                               price=40_000.0, size_unit=0.001, seed=1)
    assert list(frame.columns) == crypto_columns(15) and not frame.isna().any().any()
    bd = frame[[f"bids_distance_{i}" for i in range(15)]].to_numpy()
    ad = frame[[f"asks_distance_{i}" for i in range(15)]].to_numpy()
    assert np.all(np.diff(bd, axis=1) < 0) and np.all(np.diff(ad, axis=1) > 0)
    assert np.all(bd < 0) and np.all(ad > 0)


@pytest.mark.parametrize("kwargs, name", [
    (dict(k=-1.0), "k"),
    (dict(alpha=float("nan")), "alpha"),
    (dict(mu=-0.1), "mu"),
    (dict(theta=0.0), "theta"),
    (dict(theta=(0.5, 0.4)), "theta"),
    (dict(max_distance=0), "max_distance"),
    (dict(lot=0), "lot"),
    (dict(mean_lots=0.5), "mean_lots"),
    (dict(partial_cancel=1.5), "partial_cancel"),
])
def test_bad_model_parameters_are_rejected(kwargs, name):
    base = dict(k=1.0, alpha=0.5, mu=0.5, theta=0.5)
    with pytest.raises(ValueError, match=rf"^{name}=.* is not allowed: {name} must be"):
        CSTParams(**{**base, **kwargs})


@pytest.mark.parametrize("kwargs, name", [
    (dict(duration=0.0), "duration"),
    (dict(duration=60_000.0), "duration"),  # 34200 + 60000 s is past midnight
    (dict(levels=0), "levels"),
    (dict(tick_size=0.00015), "tick_size"),
    (dict(price=100.005), "price"),
    (dict(warmup=-1.0), "warmup"),
    (dict(seed=-1), "seed"),
    (dict(start=True), "start"),
])
def test_bad_simulation_arguments_are_rejected(kwargs, name):
    args = {**dict(duration=10.0, seed=0), **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}=.* is not allowed: {name} must be"):
        simulate_cst(RICH, **args)


def test_other_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"^params=.* is not allowed"):
        simulate_cst({"k": 1.0}, duration=10.0)
    with pytest.raises(ValueError, match=r"^interval=.* is not allowed"):
        simulate_snapshots(RICH, duration=10.0, interval=20.0, tick_size=0.01, price=100.0)
    with pytest.raises(ValueError, match=r"^levels=.* is not allowed"):
        simulate_snapshots(RICH, duration=10.0, interval=1.0, tick_size=0.01, price=100.0,
                           levels=16)
    with pytest.raises(ValueError, match=r"^start_time=.* is not allowed"):
        simulate_snapshots(RICH, duration=10.0, interval=1.0, tick_size=0.01, price=100.0,
                           start_time="yesterday-ish")
    with pytest.raises(ValueError, match=r"^mean_spread=0.5 is not allowed"):
        CalibrationTargets(mean_spread=0.5, depth=(100.0,), trades_per_minute=1.0)
    with pytest.raises(ValueError, match=r"^depth\[1\]=-1.0 is not allowed"):
        CalibrationTargets(mean_spread=1.5, depth=(100.0, -1.0), trades_per_minute=1.0)
    with pytest.raises(ValueError, match=r"^targets=.* is not allowed"):
        calibrate({"mean_spread": 1.5})
    with pytest.raises(ValueError, match=r"^book=.* is not allowed"):
        flow_statistics(np.zeros(3), np.ones(3), np.ones(3), np.zeros((2, 4), dtype=np.int64),
                        tick=1, start=0.0, end=1.0)


def test_work_beyond_the_bounds_is_refused_before_the_kernel_runs():
    """A warm-up of 1e12 s used to run (uninterruptibly) for days; every such request is now
    refused at once, naming the parameter."""
    for kwargs, name in [(dict(duration=10.0, warmup=1e12), "warmup"),
                         (dict(duration=3e7), "duration"),  # too many events
                         (dict(duration=2e5, levels=200), "duration"),  # too many bytes
                         (dict(duration=10.0, price=1e9), "price"),
                         (dict(duration=10.0, tick_size=1e300), "tick_size")]:
        with pytest.raises(ValueError, match=rf"^{name}="):
            simulate_cst(RICH, **kwargs)
    with pytest.raises(ValueError, match=r"^warmup="):
        simulate_snapshots(RICH, duration=10.0, interval=1.0, tick_size=0.01, price=100.0,
                           warmup=1e12)
    with pytest.raises(ValueError, match=r"^interval=1e-300 "):
        simulate_snapshots(RICH, duration=10.0, interval=1e-300, tick_size=0.01, price=100.0)
    with pytest.raises(ValueError, match=r"^duration="):
        calibrate(CalibrationTargets(mean_spread=1.5, depth=(300.0,), trades_per_minute=30.0),
                  duration=1e12)
    with pytest.raises(ValueError, match=r"^max_evaluations="):
        calibrate(CalibrationTargets(mean_spread=1.5, depth=(300.0,), trades_per_minute=30.0),
                  max_evaluations=10**12)


@pytest.mark.parametrize("start_time", [None, float("nan"), 3, "NaT", pd.NaT,
                                        "2262-04-11 23:00:00"])
def test_snapshot_start_time_must_be_a_date_time(start_time):
    with pytest.raises(ValueError, match=r"^start_time="):
        simulate_snapshots(RICH, duration=7200.0, interval=1.0, tick_size=0.01, price=100.0,
                           start_time=start_time)


def test_flow_statistics_refuses_bad_times_naming_the_row():
    flow = simulate_cst(RICH, duration=60.0, levels=2, seed=1)
    args = (flow.type, flow.direction, flow.book)
    kw = dict(tick=flow.tick, start=flow.start, end=flow.end)
    time = flow.time.copy()
    time[7] = np.nan
    with pytest.raises(ValueError, match=r"^time=nan .*the first is row 7"):
        flow_statistics(time, *args, **kw)
    time = flow.time.copy()
    time[9] = time[8] - 1.0
    with pytest.raises(ValueError, match=r"^time=.*row 9 goes back"):
        flow_statistics(time, *args, **kw)
    with pytest.raises(ValueError, match=r"^time="):
        flow_statistics(np.array(["a"] * flow.time.size), *args, **kw)
    with pytest.raises(ValueError, match=r"^end="):
        flow_statistics(flow.time, *args, tick=flow.tick, start=-1e308, end=1e308)
