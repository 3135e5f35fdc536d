"""Property-based tests: every public function of the order-book engine (mslab.orderbook, the
backtest, book, quoters, queue models, fill analysis and the Cont–Stoikov–Talreja generator)
either refuses an extreme or malformed value with a ValueError naming that parameter, or
returns a finite, sensible result — within a time bound (hypothesis' deadline).

Each test replaces one parameter of a valid call by a value drawn from a pool of extremes
(huge, tiny, NaN, ±inf, negative, zero, wrong types, empty or malformed arrays)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mslab.data import load_binance_capture, load_lobster
from mslab.orderbook import (
    CalibrationTargets,
    CSTParams,
    avellaneda_stoikov_quoter,
    calibrate,
    crossing_state,
    custom_quoter,
    fit_fill_intensity,
    flow_statistics,
    glft_quoter,
    grid_quoter,
    market_order_reach,
    markouts,
    mid_volatility,
    queue_after,
    queue_depletion,
    replay_lobster,
    run_backtest,
    simulate_cst,
    simulate_snapshots,
)
from mslab.orderbook.experiments import day_blocks
from mslab.orderbook.latency import empirical_draws, empirical_latency_values
from mslab.orderbook.messages import message_arrays
from mslab.orderbook.real_snapshots import (binance_snapshots, load_snapshot_source,
                                            lobster_snapshots, source_kind)

TICK = 100
P = 1000
SCALARS = [0, -1, 1, 0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1e12, 2**63, -2**63,
           2**64, math.inf, -math.inf, math.nan, True, None, "x", "", [], [1.0, 2.0], (),
           object()]
ARRAYS = [np.zeros(0), np.array([np.nan]), np.array([np.inf, 1.0]), np.array([[1, 2]]),
          np.array(["a", "b"]), np.array([True, False]), np.array([-1e300, 1e300]),
          np.full(5, 2**62, np.int64)]
EXTREMES = st.sampled_from(SCALARS + ARRAYS) | st.floats() | st.integers(-2**70, 2**70)
PROPERTY = settings(max_examples=50, deadline=5000, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def rows(spec):
    """A message stream from (time, type, size, price in ticks, direction) tuples."""
    t, k, s, p, d = (np.array(c) for c in zip(*spec))
    return {"time": t.astype(float), "type": k, "size": s, "price": p * TICK, "direction": d}


MSGS = rows([(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 1, -1), (0.5, 1, 100, P - 1, 1),
             (1.0, 4, 100, P, 1), (2.0, 1, 50, P + 2, -1), (3.0, 3, 200, P + 1, -1)])


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    """Load every kernel once, outside hypothesis' deadline (which bounds each call's work)."""
    params = CSTParams(k=1.2, alpha=0.5, mu=0.6, theta=0.35)
    simulate_cst(params, duration=1.0, levels=2, warmup=1.0)
    simulate_snapshots(params, duration=2.0, interval=1.0, tick_size=0.01, price=100.0,
                       warmup=1.0)
    replay_lobster(MSGS, 2, TICK)
    run_backtest(MSGS, grid_quoter(), tick=TICK, decision_interval=1.0, queue_model="power")


def outcome(call, name):
    """Run ``call``: a ValueError must name ``name``; any other exception fails the test.
    Returns the result, or None when the call was refused."""
    try:
        return call()
    except ValueError as err:
        assert name in str(err), f"ValueError for {name} does not name it: {err}"
        return None


def finite(*values):
    for v in values:
        assert np.all(np.isfinite(np.asarray(v, dtype=float))), v


def with_value(base, name, value):
    """``base`` with ``name`` replaced by ``value`` (a nested name like ``messages.time``
    replaces one column of the message stream)."""
    kw = dict(base)
    if "." in name:
        outer, inner = name.split(".")
        kw[outer] = {**kw[outer], inner: value}
    else:
        kw[name] = value
    return kw


# ---------------------------------------------------------------- backtest and book

BACKTEST = dict(messages=MSGS, quoter=grid_quoter(0.5), tick=TICK, decision_interval=0.5,
                sample_interval=1.0)


@PROPERTY
@given(name=st.sampled_from(["tick", "order_size", "max_inventory", "queue_model",
                             "queue_power", "partial_fills", "post_only", "feed_latency",
                             "entry_latency", "response_latency", "maker_fee", "taker_fee",
                             "decision_interval", "sample_interval", "max_orders",
                             "initial_book", "quoter", "messages.time", "messages.type",
                             "messages.size", "messages.price", "messages.direction"]),
       value=EXTREMES)
def test_run_backtest(name, value):
    kw = with_value(BACKTEST, name, value)
    r = outcome(lambda: run_backtest(**kw), name.split(".")[-1])
    if r is not None:
        finite(r.equity, r.cash, r.fees, r.inventory, r.times)
        assert r.times.size == r.equity.size >= 1
        assert np.all(np.abs(r.inventory) <= r.params["max_inventory"])
        assert r.fills.qty.size == r.fills.price.size and np.all(r.fills.qty > 0)


@PROPERTY
@given(name=st.sampled_from(["levels", "tick", "initial_book", "strict", "messages.time",
                             "messages.size", "messages.price", "messages.type"]),
       value=EXTREMES)
def test_replay_lobster(name, value):
    kw = with_value(dict(messages=MSGS, levels=3, tick=TICK), name, value)
    if name == "levels" and isinstance(value, int) and value > 10_000:
        return  # a legitimate (huge) output, bounded only by memory
    out = outcome(lambda: replay_lobster(**kw), name.split(".")[-1])
    if out is not None:
        assert out.shape == (MSGS["time"].size, 4 * kw["levels"]) and out.dtype == np.int64
        assert crossing_state(out).shape == (out.shape[0],)


@PROPERTY
@given(value=EXTREMES)
def test_crossing_state_and_message_arrays(value):
    out = outcome(lambda: crossing_state(value), "rows")
    if out is not None:
        assert set(np.unique(out)) <= {0, 1, 2}
    kw = with_value(dict(messages=MSGS), "messages.time", value)
    res = outcome(lambda: message_arrays(kw["messages"], TICK), "time")
    if res is not None:
        assert np.all(res.time_ns >= 0)


@PROPERTY
@given(name=st.sampled_from(["model", "front", "prev_qty", "new_qty", "traded", "power"]),
       value=EXTREMES)
def test_queue_after(name, value):
    kw = with_value(dict(model="power", front=5.0, prev_qty=15.0, new_qty=12.0, traded=1.0,
                         power=2.0), name, value)
    out = outcome(lambda: queue_after(**kw), name)
    if out is not None:
        finite(out)
        assert out <= kw["new_qty"]


# ---------------------------------------------------------------- quoters

QUOTERS = {
    grid_quoter: dict(half_spread=0.5, levels=2, step=1),
    avellaneda_stoikov_quoter: dict(gamma=0.1, sigma=1.0, k=1.5, horizon=60.0),
    glft_quoter: dict(gamma=0.1, sigma=1.0, k=1.5, A=2.0, mu=0.0),
}


@PROPERTY
@given(factory=st.sampled_from(list(QUOTERS)), data=st.data(), value=EXTREMES)
def test_quoters(factory, data, value):
    name = data.draw(st.sampled_from(list(QUOTERS[factory])))
    q = outcome(lambda: factory(**with_value(QUOTERS[factory], name, value)), name)
    if q is not None:
        finite(q.params)
        r = run_backtest(MSGS, q, tick=TICK, decision_interval=0.5)
        finite(r.equity)


@PROPERTY
@given(name=st.sampled_from(["function", "params", "levels", "name"]), value=EXTREMES)
def test_custom_quoter(name, value):
    from mslab.orderbook.quoters import grid_rule

    kw = with_value(dict(function=grid_rule, params=[0.5, 1.0], levels=1), name, value)
    q = outcome(lambda: custom_quoter(**kw), name)
    if q is not None:
        finite(q.params)


# ---------------------------------------------------------------- fill analysis

T = np.arange(10.0)
MID = 1000.0 + np.array([0, 0.5, 1, 0.5, 0, -0.5, 0, 0.5, 1, 1.5])


class _Fills:
    time = np.array([2.5, 6.5])
    side = np.array([1, -1])
    price = np.array([999.0, 1001.0])
    qty = np.array([100, 50])


@PROPERTY
@given(name=st.sampled_from(["times", "mid", "horizon", "tick", "fills"]), value=EXTREMES)
def test_markouts(name, value):
    kw = with_value(dict(fills=_Fills(), times=T, mid=MID, horizon=1.0, tick=1.0), name, value)
    m = outcome(lambda: markouts(**kw), name)
    if m is not None:
        finite(m.capture, m.adverse, m.markout, m.volume)


STREAM = dict(times=np.array([0.0, 1.0, 1.0, 2.0]), type=np.array([1, 4, 4, 1]),
              direction=np.array([1, -1, -1, 1]), price=np.array([999.0, 1001.0, 1002.0, 998.0]),
              mid=np.array([1000.0, 1000.5, 1001.0, 1000.0]))


@PROPERTY
@given(name=st.sampled_from([*STREAM, "tick"]), value=EXTREMES)
def test_market_order_reach(name, value):
    kw = with_value({**STREAM, "tick": 1.0}, name, value)
    out = outcome(lambda: market_order_reach(**kw), name)
    if out is not None:
        finite(out)


@PROPERTY
@given(name=st.sampled_from(["times", "type", "direction", "size", "bid_size", "ask_size"]),
       value=EXTREMES)
def test_queue_depletion(name, value):
    kw = with_value(dict(times=STREAM["times"], type=STREAM["type"],
                         direction=STREAM["direction"], size=np.array([100, 50, 30, 100]),
                         bid_size=np.array([100, 100, 100, 100]),
                         ask_size=np.array([0, 50, 20, 20])), name, value)
    out = outcome(lambda: queue_depletion(**kw), name)
    if out is not None:
        finite(out[["time", "direction", "shares", "visible", "queue"]].to_numpy())


@PROPERTY
@given(name=st.sampled_from(["reach", "duration", "depths", "min_hits", "sides"]),
       value=EXTREMES)
def test_fit_fill_intensity(name, value):
    reach = np.repeat(np.arange(1.0, 6.0), np.array([40, 20, 10, 5, 3]))
    kw = with_value(dict(reach=reach, duration=60.0, depths=None, min_hits=2, sides=2), name,
                    value)
    out = outcome(lambda: fit_fill_intensity(**kw), name)
    if out is not None:
        finite(*out)


@PROPERTY
@given(name=st.sampled_from(["times", "mid", "start", "end", "interval"]), value=EXTREMES)
def test_mid_volatility(name, value):
    kw = with_value(dict(times=T, mid=MID, start=0.0, end=9.0, interval=1.0), name, value)
    out = outcome(lambda: mid_volatility(**kw), name)
    if out is not None:
        finite(out)


# ---------------------------------------------------------------- Cont–Stoikov–Talreja

CST = dict(k=1.2, alpha=0.5, mu=0.6, theta=0.35, max_distance=5, lot=100, mean_lots=1.5,
           partial_cancel=0.2)


@PROPERTY
@given(name=st.sampled_from(list(CST)), value=EXTREMES)
def test_cst_params_and_simulation(name, value):
    params = outcome(lambda: CSTParams(**with_value(CST, name, value)), name.split("[")[0])
    if params is not None:  # valid parameters; the simulation may still refuse too much work
        flow = outcome(lambda: simulate_cst(params, duration=2.0, levels=2, warmup=2.0),
                       "warmup")
        if flow is not None:
            finite(flow.time, flow.price, flow.stats.depth, flow.stats.trades_per_minute)


SIM = dict(duration=5.0, levels=3, tick_size=0.01, price=100.0, start=34200.0, warmup=5.0,
           seed=0)


@PROPERTY
@given(name=st.sampled_from(list(SIM)), value=EXTREMES)
def test_simulate_cst(name, value):
    flow = outcome(lambda: simulate_cst(CSTParams(**CST), **with_value(SIM, name, value)), name)
    if flow is not None:
        finite(flow.time, flow.price, flow.book, flow.stats.depth)
        assert np.all(flow.price > 0) and np.all(np.diff(flow.time) >= 0)


SNAP = dict(duration=5.0, interval=1.0, tick_size=0.5, price=30000.0, size_unit=0.01,
            levels=3, warmup=5.0, seed=0, start_time="2021-04-07 00:00:00")


@PROPERTY
@given(name=st.sampled_from(list(SNAP)), value=EXTREMES)
def test_simulate_snapshots(name, value):
    frame = outcome(lambda: simulate_snapshots(CSTParams(**CST), **with_value(SNAP, name, value)),
                    name)
    if frame is not None:
        assert not frame["system_time"].isna().any()
        finite(frame["buys"], frame["sells"], frame.filter(like="notional"))


@pytest.fixture(scope="module")
def flow():
    return simulate_cst(CSTParams(**CST), duration=20.0, levels=2, seed=3)


@PROPERTY
@given(name=st.sampled_from(["time", "type", "direction", "book", "tick", "start", "end"]),
       value=EXTREMES)
def test_flow_statistics(flow, name, value):
    base = dict(time=flow.time, type=flow.type, direction=flow.direction, book=flow.book,
                tick=flow.tick, start=flow.start, end=flow.end)
    stats = outcome(lambda: flow_statistics(**with_value(base, name, value)), name)
    if stats is not None:
        finite(stats.depth, stats.trades_per_minute, stats.limit_orders_per_minute,
               stats.duration, stats.two_sided_fraction)


@PROPERTY
@given(name=st.sampled_from(["mean_spread", "depth", "trades_per_minute",
                             "limit_orders_per_minute"]), value=EXTREMES)
def test_calibration_targets(name, value):
    base = dict(mean_spread=1.5, depth=(300.0, 400.0), trades_per_minute=30.0,
                limit_orders_per_minute=None)
    outcome(lambda: CalibrationTargets(**with_value(base, name, value)), name)


@PROPERTY
@given(name=st.sampled_from(["targets", "duration", "warmup", "seed", "max_evaluations",
                             "max_distance", "lot", "mean_lots", "partial_cancel"]),
       value=EXTREMES)
def test_calibrate_refuses_before_simulating(name, value):
    """Only the refusals are checked here (a calibration runs hundreds of simulations): an
    accepted value must get past validation, which a duration of 0 s then stops."""
    targets = CalibrationTargets(mean_spread=1.5, depth=(300.0,), trades_per_minute=30.0)
    kw = with_value(dict(targets=targets, duration=1.0, warmup=1.0, seed=0, max_evaluations=10,
                         max_distance=5, lot=100, mean_lots=1.0, partial_cancel=0.0), name,
                    value)
    if name != "duration":
        kw["duration"] = 0.0
    try:
        calibrate(**kw)
    except ValueError as err:
        assert name in str(err) or str(err).startswith("duration=0.0 ")


@PROPERTY
@given(name=st.sampled_from(["sample", "n", "seed"]), value=EXTREMES)
def test_empirical_latency(name, value):
    for func in (empirical_latency_values, empirical_draws):
        kw = with_value(dict(sample=np.array([0.001, 0.002, 0.010]), n=50, seed=3), name, value)
        out = outcome(lambda: func(**kw), name)
        if out is not None:
            finite(out)
            assert out.size == kw["n"] and np.all(out >= 0)


BOOK_FILE = dict(messages=MSGS, book=np.array([
    [-1, 0, P * TICK, 300], [(P + 1) * TICK, 200, P * TICK, 300], [(P + 1) * TICK, 200, P * TICK, 300],
    [(P + 1) * TICK, 200, P * TICK, 200], [(P + 1) * TICK, 200, P * TICK, 200],
    [(P + 1) * TICK, 0, P * TICK, 200]], dtype=np.int64))
BOOK_FILE["book"][0, 0] = 9_999_999_999
BOOK_FILE["book"][5, 0] = 9_999_999_999


@PROPERTY
@given(name=st.sampled_from(["messages.time", "messages.price", "book", "first", "tick",
                             "block_seconds"]), value=EXTREMES)
def test_day_blocks(name, value):
    kw = with_value(dict(**BOOK_FILE, first=2, tick=TICK, block_seconds=1.0), name, value)
    out = outcome(lambda: day_blocks(**kw), name.split(".")[0])
    if out is not None:
        assert len(out) >= 1
        finite(*[m.duration for m in out])


@pytest.fixture(scope="module")
def hbt_compiled():
    """hftbacktest's quoter, compiled once outside hypothesis' deadline."""
    pytest.importorskip("hftbacktest")
    from mslab.orderbook.peer import compare_with_hftbacktest

    compare_with_hftbacktest(BOOK_FILE["messages"], BOOK_FILE["book"], TICK)
    return compare_with_hftbacktest


@PROPERTY
@given(name=st.sampled_from(["msgs.time", "msgs.size", "rows", "tick", "feed_latency",
                             "entry_latency", "decision_interval", "models", "order_size"]),
       value=EXTREMES)
def test_compare_with_hftbacktest(hbt_compiled, name, value):
    kw = with_value(dict(msgs=BOOK_FILE["messages"], rows=BOOK_FILE["book"], tick=TICK,
                         feed_latency=0.001, entry_latency=0.001, decision_interval=0.5,
                         models=(("risk_averse", 2.0),), order_size=100), name, value)
    out = outcome(lambda: hbt_compiled(**kw), name.split(".")[-1])
    if out is not None:
        finite(out[["fills", "volume", "position", "cash"]].to_numpy())


# ---------------------------------------------------------------- snapshots of real data

AAPL10 = (Path(__file__).resolve().parents[1] / "data" / "lobster"
          / "AAPL_2012-06-21_34200000_57600000_message_10.parquet")
SPOT = Path(__file__).resolve().parents[1] / "data" / "binance" / "spot_btcusdt_20240808.parquet"


@pytest.fixture(scope="module")
def real_sources():
    return load_lobster(AAPL10), load_binance_capture(SPOT)


def sensible_snapshots(frame):
    assert (frame["spread"] > 0).all() and (frame["midpoint"] > 0).all()
    finite(frame["buys"], frame["sells"], frame["midpoint"], frame["bids_distance_0"])
    assert (frame["buys"] >= 0).all() and (frame["sells"] >= 0).all()


@PROPERTY
@given(name=st.sampled_from(["data", "interval"]), value=EXTREMES)
def test_lobster_snapshots(real_sources, name, value):
    kw = with_value(dict(data=real_sources[0], interval=1.0), name, value)
    frame = outcome(lambda: lobster_snapshots(**kw), name)
    if frame is not None:
        sensible_snapshots(frame)


@PROPERTY
@given(name=st.sampled_from(["capture", "book", "interval", "levels"]), value=EXTREMES)
def test_binance_snapshots(real_sources, name, value):
    kw = with_value(dict(capture=real_sources[1], book=None, interval=5.0, levels=1), name,
                    value)
    frame = outcome(lambda: binance_snapshots(**kw), name)
    if frame is not None:
        sensible_snapshots(frame)


@PROPERTY
@given(name=st.sampled_from(["source", "interval", "levels"]), value=EXTREMES)
def test_load_snapshot_source_and_source_kind(name, value):
    kw = with_value(dict(source=AAPL10, interval=1.0, levels=1), name, value)
    out = outcome(lambda: load_snapshot_source(**kw), name)
    if out is not None:
        sensible_snapshots(out.frame)
    kind = outcome(lambda: source_kind(value), "path")
    assert kind is None or kind in ("lobster", "binance", "crypto")
