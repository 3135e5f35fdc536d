"""Tests of the fill analysis of the order-book market maker (mslab.orderbook.fills): hand-worked
markouts and their sign conventions, the capture + adverse identity, the reach of market
orders, the recovery of a known fill intensity A·exp(−kδ), the mid's volatility, and the
rejection of bad input."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from mslab.orderbook import (
    Fills,
    Markouts,
    fit_fill_intensity,
    market_order_reach,
    queue_depletion,
    markouts,
    mid_volatility,
)

# A mid series (ticks): mid[i] holds from TIMES[i] until TIMES[i + 1].
TIMES = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
MID = np.array([100.0, 100.5, 101.0, 100.0, 99.5, 99.0])


def fills(time, side, price, qty):
    """A Fills record with the given time, side, price and qty (the other columns unused)."""
    n = len(time)
    return Fills(time=np.asarray(time, float), side=np.asarray(side, float),
                 price=np.asarray(price, float), qty=np.asarray(qty, float),
                 maker=np.ones(n, bool), fee=np.zeros(n), sent=np.asarray(time, float),
                 message=np.zeros(n, np.int64))


# --------------------------------------------------------------------------------------------
# Markouts
# --------------------------------------------------------------------------------------------

def test_markouts_hand_worked():
    # Fill 1: bought 200 at 100.0 ticks at t = 1.5, horizon 2 s.
    #   before: last message strictly before 1.5 is #1 (t=1)   -> m0 = 100.5
    #   after:  last message at or before 3.5 is #3 (t=3)      -> m1 = 100.0
    #   capture = +1 * (100.5 - 100.0) = +0.5
    #   adverse = +1 * (100.0 - 100.5) = -0.5,  markout = 0.0
    # Fill 2: sold 100 at 101.5 ticks at t = 2.0 (the time of message #2), horizon 2 s.
    #   before: message #2 is not strictly before the fill -> #1 -> m0 = 100.5
    #   after:  message #4 at exactly 4.0 counts           -> m1 = 99.5
    #   capture = -1 * (100.5 - 101.5) = +1.0
    #   adverse = -1 * (99.5 - 100.5)  = +1.0,  markout = 2.0
    # Weights 200/300 and 100/300:
    #   capture = 2/3 * 0.5 + 1/3 * 1.0    = 2/3
    #   adverse = 2/3 * (-0.5) + 1/3 * 1.0 = 0
    #   markout = 2/3
    f = fills([1.5, 2.0], [1, -1], [100.0, 101.5], [200, 100])
    mk = markouts(f, TIMES, MID, horizon=2.0)
    assert isinstance(mk, Markouts)
    pf = mk.per_fill
    assert pf["mid_before"].tolist() == [100.5, 100.5]
    assert pf["mid_after"].tolist() == [100.0, 99.5]
    assert pf["capture"].tolist() == [0.5, 1.0]
    assert pf["adverse"].tolist() == [-0.5, 1.0]
    assert pf["markout"].tolist() == [0.0, 2.0]
    assert mk.capture == pytest.approx(2 / 3, abs=1e-15)
    assert mk.adverse == pytest.approx(0.0, abs=1e-15)
    assert mk.markout == pytest.approx(2 / 3, abs=1e-15)
    assert mk.volume == 300.0 and mk.horizon == 2.0


def test_markouts_tick_converts_prices_and_zero_horizon():
    # Prices in dollars with a one-cent tick: $1.00 = 100 ticks. Bought 100 at t = 3.5:
    #   m0 = mid after #3 = 100.0; horizon 0 -> m1 = m0 (no message in (3.5, 3.5]).
    #   capture = 100.0 - 100 = 0, adverse = 0.
    # Bought 100 at $0.99 at t = 4.5: m0 = 99.5, capture = 99.5 - 99 = 0.5, adverse = 0.
    f = fills([3.5, 4.5], [1, 1], [1.00, 0.99], [100, 100])
    mk = markouts(f, TIMES, MID, horizon=0.0, tick=0.01)
    np.testing.assert_allclose(mk.per_fill["price"], [100.0, 99.0], rtol=1e-14)
    np.testing.assert_allclose(mk.per_fill["capture"], [0.0, 0.5], atol=1e-12)
    assert mk.per_fill["adverse"].tolist() == [0.0, 0.0]
    assert mk.capture == pytest.approx(0.25, abs=1e-12)


def test_markouts_horizon_past_the_end_uses_last_mid():
    # Sold 50 at 100.0 at t = 4.5, horizon 60 s: m0 = 99.5, m1 = last mid 99.0.
    # capture = -1 * (99.5 - 100.0) = 0.5; adverse = -1 * (99.0 - 99.5) = 0.5.
    mk = markouts(fills([4.5], [-1], [100.0], [50]), TIMES, MID, horizon=60.0)
    assert (mk.capture, mk.adverse, mk.markout) == (0.5, 0.5, 1.0)


def test_markouts_sign_conventions():
    # The mid rises from 100 to 102 at t = 2. A buy at 99 (below the mid) then the rise: it
    # captured 1 tick and the move was in its favour (+2). A sell at 101 (above the mid): it
    # captured 1 tick, the rise went against it (-2).
    times, mid = np.array([0.0, 2.0]), np.array([100.0, 102.0])
    buy = markouts(fills([1.0], [1], [99.0], [100]), times, mid, horizon=5.0)
    sell = markouts(fills([1.0], [-1], [101.0], [100]), times, mid, horizon=5.0)
    assert (buy.capture, buy.adverse, buy.markout) == (1.0, 2.0, 3.0)
    assert (sell.capture, sell.adverse, sell.markout) == (1.0, -2.0, -1.0)
    # Crossing the spread (buying above the mid) is a negative capture.
    taker = markouts(fills([1.0], [1], [100.5], [100]), times, mid, horizon=0.5)
    assert (taker.capture, taker.adverse) == (-0.5, 0.0)


def test_markouts_identity_on_random_fills():
    rng = np.random.default_rng(7)
    times = np.sort(rng.uniform(0.0, 600.0, 2000))
    times[0] = 0.0
    mid = 1000.0 + np.cumsum(rng.choice([-0.5, 0.0, 0.5], times.size))
    n = 300
    t = np.sort(rng.uniform(1.0, 600.0, n))
    side = rng.choice([-1.0, 1.0], n)
    price = 1000.0 + rng.integers(-20, 21, n).astype(float)
    qty = rng.integers(1, 5, n) * 100.0
    mk = markouts(fills(t, side, price, qty), times, mid, horizon=10.0)
    pf = mk.per_fill
    np.testing.assert_allclose(pf["markout"], pf["capture"] + pf["adverse"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(pf["markout"], side * (pf["mid_after"] - price), rtol=0, atol=1e-9)
    assert mk.markout == mk.capture + mk.adverse
    w = qty / qty.sum()
    assert mk.capture == pytest.approx(float(np.sum(w * pf["capture"])), abs=1e-9)
    assert mk.adverse == pytest.approx(float(np.sum(w * pf["adverse"])), abs=1e-9)
    # Flipping every side and reflecting prices and mids about 0 leaves the markouts unchanged.
    flip = markouts(fills(t, -side, -price, qty), times, -mid, horizon=10.0)
    assert flip.capture == pytest.approx(mk.capture, abs=1e-9)
    assert flip.adverse == pytest.approx(mk.adverse, abs=1e-9)


def test_markouts_without_fills_are_nan():
    mk = markouts(fills([], [], [], []), TIMES, MID, horizon=1.0)
    assert len(mk.per_fill) == 0 and mk.volume == 0.0
    assert math.isnan(mk.capture) and math.isnan(mk.adverse) and math.isnan(mk.markout)


def test_markouts_accepts_any_object_with_the_columns():
    f = SimpleNamespace(time=[1.5], side=[1], price=[100.0], qty=[10])
    assert markouts(f, TIMES, MID, horizon=0.0).capture == 0.5


# --------------------------------------------------------------------------------------------
# Reach of market orders
# --------------------------------------------------------------------------------------------

def test_market_order_reach_hand_worked():
    # LOBSTER prices (tick = 100); mid after each message in ticks.
    #  #  time type dir price   mid after
    #  0  1.0   1   +1   9900   100.0
    #  1  2.0   4   -1  10100   100.5   } one buy order (same time, same direction):
    #  2  2.0   4   -1  10200   101.0   } m0 = mid after #0 = 100; reach max(1, 2) = 2
    #  3  3.0   1   +1   9900   100.5
    #  4  4.0   5   +1   9800   100.5   sell order: m0 = mid after #3 = 100.5;
    #                                    reach = -(+1) * (98 - 100.5) = 2.5
    #  5  4.0   4   -1  10100   100.0   direction changes: a new buy order, m0 = 100.5,
    #                                    reach = 101 - 100.5 = 0.5
    #  6  5.0   4   -1  10100   100.0   new time: a new order, m0 = 100.0, reach = 1.0
    times = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0]
    typ = np.array([1, 4, 4, 1, 5, 4, 4])
    direction = np.array([1, -1, -1, 1, 1, -1, -1])
    price = np.array([9900, 10100, 10200, 9900, 9800, 10100, 10100])
    mid = [100.0, 100.5, 101.0, 100.5, 100.5, 100.0, 100.0]
    reach = market_order_reach(times, typ, direction, price, mid, tick=100)
    np.testing.assert_array_equal(reach, [2.0, 2.5, 0.5, 1.0])


def test_market_order_reach_separates_non_consecutive_executions():
    # Executions #1 and #3 share time and direction but a limit order (#2) sits between them.
    typ = np.array([1, 4, 1, 4])
    reach = market_order_reach([0.0, 1.0, 1.0, 1.0], typ, [1, -1, 1, -1],
                               [99.0, 101.0, 99.0, 102.0], [100.0, 100.0, 100.5, 100.5])
    np.testing.assert_array_equal(reach, [1.0, 1.5])


def test_market_order_reach_on_a_real_day_opening():
    # A real day opens with hidden executions (type 5, order id 0) before any book, and has
    # cross trades (6) and halts (7), which are not market orders.
    #  #  time type dir price   mid after
    #  0  1.0   5   +1   9900   NaN     hidden execution, first message: no mid before, left out
    #  1  1.0   5   +1   9800   NaN     (same market order)
    #  2  2.0   1   -1  10100   NaN     one-sided book
    #  3  3.0   4   -1  10100   NaN     no mid before: left out
    #  4  4.0   1   +1   9900   100.0
    #  5  5.0   6   -1  10000   100.0   cross trade: not a market order
    #  6  6.0   5   +1   9850   100.0   hidden sell order: m0 = 100, reach = 1.5
    #  7  7.0   7   -1     -1   100.0   halt
    #  8  8.0   4   -1  10100   100.5   buy order: m0 = 100, reach = 1
    times = [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    typ = np.array([5, 5, 1, 4, 1, 6, 5, 7, 4])
    direction = np.array([1, 1, -1, -1, 1, -1, 1, -1, -1])
    price = np.array([9900, 9800, 10100, 10100, 9900, 10000, 9850, -1, 10100])
    nan = np.nan
    mid = [nan, nan, nan, nan, 100.0, 100.0, 100.0, 100.0, 100.5]
    reach = market_order_reach(times, typ, direction, price, mid, tick=100)
    np.testing.assert_array_equal(reach, [1.5, 1.0])
    # A stream that starts with an execution but has a mid before its later orders.
    reach = market_order_reach([0.0, 1.0], np.array([4, 4]), [-1, 1], [101.0, 98.0],
                               [100.0, 100.0])
    np.testing.assert_array_equal(reach, [2.0])


def test_queue_depletion_hand_worked():
    #  #  time type dir size  bid size ask size after
    #  0  1.0   5   +1   50      0      0     opening hidden execution: no message before
    #  1  2.0   1   +1  300    300      0
    #  2  2.0   1   -1  200    300    200
    #  3  3.0   4   -1  150    300     50     buy order: queue 200, 150 visible: not depleted
    #  4  4.0   4   +1  300      0     50     } sell order: queue 300; 300 visible + 40 hidden:
    #  5  4.0   5   +1   40      0     50     } depleted
    times = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0]
    typ = np.array([5, 1, 1, 4, 4, 5])
    direction = np.array([1, 1, -1, -1, 1, 1])
    size = np.array([50, 300, 200, 150, 300, 40])
    bid = np.array([0, 300, 300, 300, 0, 0])
    ask = np.array([0, 0, 200, 50, 50, 50])
    q = queue_depletion(times, typ, direction, size, bid, ask)
    np.testing.assert_array_equal(q["time"], [3.0, 4.0])
    np.testing.assert_array_equal(q["direction"], [-1, 1])
    np.testing.assert_array_equal(q["shares"], [150, 340])
    np.testing.assert_array_equal(q["visible"], [150, 300])
    np.testing.assert_array_equal(q["queue"], [200, 300])
    np.testing.assert_array_equal(q["depleted"], [False, True])


def test_queue_depletion_rejects_bad_input():
    t, typ, d, s = [0.0, 1.0], np.array([1, 4]), [1, -1], [1, 1]
    rejects("times", lambda: queue_depletion([1.0, 0.0], typ, d, s, s, s))
    rejects("type", lambda: queue_depletion(t, np.array([1.0, 4.0]), d, s, s, s))
    rejects("direction", lambda: queue_depletion(t, typ, [1, 0], s, s, s))
    rejects("size", lambda: queue_depletion(t, typ, d, [1], s, s))
    rejects("bid_size", lambda: queue_depletion(t, typ, d, s, [-1, 1], s))
    rejects("ask_size", lambda: queue_depletion(t, typ, d, s, s, [np.nan, 1]))


def test_market_order_reach_without_executions_is_empty():
    assert market_order_reach([0.0, 1.0], np.array([1, 3]), [1, 1], [99.0, 99.0],
                              [100.0, 100.0]).size == 0


# --------------------------------------------------------------------------------------------
# Fill intensity
# --------------------------------------------------------------------------------------------

def draw_reaches(A, k, duration, sides, seed):
    """Reaches of market orders under λ(δ) = A·exp(−kδ) per side: on each side a Poisson
    number of orders with mean A·duration, each reaching an exponential depth of mean 1/k, so
    the count reaching at least δ is Poisson with mean A·duration·exp(−kδ)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(A * duration, sides).sum()
    return rng.exponential(1.0 / k, n)


@pytest.mark.parametrize("A, k, sides", [(2.0, 0.8, 2), (0.5, 0.4, 2), (1.2, 0.6, 1)])
def test_fit_fill_intensity_recovers_known_parameters(A, k, sides):
    duration = 20 * 3600.0
    reach = draw_reaches(A, k, duration, sides, seed=42)
    A_hat, k_hat = fit_fill_intensity(reach, duration, sides=sides)
    assert A_hat == pytest.approx(A, rel=0.05)
    assert k_hat == pytest.approx(k, rel=0.05)


def test_fit_fill_intensity_counts_and_min_hits():
    # Reaches 1, 2, 2, 3, 3, 3, 3 (ticks), duration 1 s, one side, depths 1, 2, 3, 4:
    # hits 7, 6, 4, 0. With min_hits = 4 the depth 4 is dropped and the line is fitted to
    # (1, ln 7), (2, ln 6), (3, ln 4).
    reach = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    A, k = fit_fill_intensity(reach, 1.0, [1.0, 2.0, 3.0, 4.0], min_hits=4, sides=1)
    slope, intercept = np.polyfit([1.0, 2.0, 3.0], np.log([7.0, 6.0, 4.0]), 1)
    assert (A, k) == (pytest.approx(math.exp(intercept)), pytest.approx(-slope))
    # Exactly exponential counts 8, 4, 2 at depths 0, 1, 2 -> k = ln 2; two sides halve A.
    reach = [0.0] * 4 + [1.0] * 2 + [2.0] * 2
    A, k = fit_fill_intensity(reach, 2.0, [0.0, 1.0, 2.0], min_hits=1, sides=2)
    assert A == pytest.approx(8 / (2 * 2.0)) and k == pytest.approx(math.log(2))


# --------------------------------------------------------------------------------------------
# Volatility of the mid
# --------------------------------------------------------------------------------------------

def test_mid_volatility_hand_worked():
    # Grid 0, 1, 2, 3 on [0, 4): sampled mids 0, 1, 3, 2 (the last message at or before each
    # grid time); increments 1, 2, -1 with mean 2/3; squared deviations 1/9 + 16/9 + 25/9 =
    # 42/9; variance (ddof 1) 21/9 = 7/3.
    sigma = mid_volatility([0.0, 0.5, 1.7, 2.2], [0.0, 1.0, 3.0, 2.0], start=0.0, end=4.0)
    assert sigma == pytest.approx(math.sqrt(7 / 3), rel=1e-14)


def test_mid_volatility_of_a_known_random_walk():
    sigma = 0.7
    rng = np.random.default_rng(3)
    n = 20_000
    steps = rng.normal(0.0, sigma, n)
    times = np.arange(n) + 0.25  # one message per second, between the grid times
    mid = 1000.0 + np.cumsum(steps)
    # Sampled on 1.25, 2.25, ...: mid[1], mid[2], ..., so the increments are steps[2:].
    assert mid_volatility(times, mid, start=1.25, end=float(n)) == pytest.approx(
        float(np.std(steps[2:], ddof=1)), rel=1e-12)
    assert mid_volatility(times, mid, start=0.25, end=float(n)) == pytest.approx(sigma, rel=0.02)
    # Every 4 s the increments have std 2σ: per √second it is σ again.
    assert mid_volatility(times, mid, start=0.25, end=float(n), interval=4.0) == pytest.approx(
        sigma, rel=0.04)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

def rejects(name, call):
    with pytest.raises(ValueError, match=rf"^{name}=.* is not allowed: {name} must be"):
        call()


def test_markouts_reject_bad_input():
    good = fills([1.5], [1], [100.0], [100])
    rejects("horizon", lambda: markouts(good, TIMES, MID, horizon=-1.0))
    rejects("horizon", lambda: markouts(good, TIMES, MID, horizon=float("nan")))
    rejects("tick", lambda: markouts(good, TIMES, MID, horizon=1.0, tick=0.0))
    rejects("times", lambda: markouts(good, TIMES[::-1], MID, horizon=1.0))
    rejects("times", lambda: markouts(good, [], [], horizon=1.0))
    rejects("mid", lambda: markouts(good, TIMES, MID[:-1], horizon=1.0))
    rejects("mid", lambda: markouts(good, TIMES, np.where(MID > 100.6, np.nan, MID), horizon=1.0))
    rejects("fills", lambda: markouts(SimpleNamespace(time=[1.5], side=[1]), TIMES, MID, 1.0))
    rejects("fills", lambda: markouts(SimpleNamespace(time=[1.5, 2.0], side=[1], price=[1.0],
                                                      qty=[1]), TIMES, MID, 1.0))
    rejects("fills.side", lambda: markouts(fills([1.5], [0], [100.0], [100]), TIMES, MID, 1.0))
    rejects("fills.qty", lambda: markouts(fills([1.5], [1], [100.0], [0]), TIMES, MID, 1.0))
    rejects("fills.price", lambda: markouts(fills([1.5], [1], [np.inf], [1]), TIMES, MID, 1.0))
    rejects("fills.time", lambda: markouts(fills([0.0], [1], [100.0], [1]), TIMES, MID, 1.0))


def test_market_order_reach_rejects_bad_input():
    t, d, p, m = [0.0, 1.0], [1, -1], [99.0, 101.0], [100.0, 100.0]
    # a stream opening with an execution is a real day's opening, not an error: no mid before
    assert market_order_reach(t, np.array([4, 1]), d, p, m).size == 0
    rejects("mid", lambda: market_order_reach(t, np.array([1, 4]), d, p, [100.0, np.inf]))
    rejects("type", lambda: market_order_reach(t, np.array([1.0, 4.0]), d, p, m))
    rejects("type", lambda: market_order_reach(t, np.array([1]), d, p, m))
    rejects("direction", lambda: market_order_reach(t, np.array([1, 4]), [1, 0], p, m))
    rejects("price", lambda: market_order_reach(t, np.array([1, 4]), d, [99.0], m))
    rejects("tick", lambda: market_order_reach(t, np.array([1, 4]), d, p, m, tick=-1))
    rejects("mid", lambda: market_order_reach(t, np.array([1, 4]), d, p, [100.0]))


def test_fit_fill_intensity_rejects_bad_input():
    reach = draw_reaches(1.0, 0.5, 3600.0, 2, seed=1)
    rejects("duration", lambda: fit_fill_intensity(reach, 0.0))
    rejects("reach", lambda: fit_fill_intensity([[1.0]], 1.0))
    rejects("reach", lambda: fit_fill_intensity([1.0, np.nan], 1.0))
    rejects("reach", lambda: fit_fill_intensity([1.0, 2.0], 1.0))  # too few hits to fit
    rejects("depths", lambda: fit_fill_intensity(reach, 1.0, [1.0]))
    rejects("depths", lambda: fit_fill_intensity(reach, 1.0, [1.0, 1.0]))
    rejects("min_hits", lambda: fit_fill_intensity(reach, 1.0, min_hits=0))
    rejects("min_hits", lambda: fit_fill_intensity(reach, 1.0, min_hits=2.5))
    rejects("sides", lambda: fit_fill_intensity(reach, 1.0, sides=3))


def test_mid_volatility_rejects_bad_input():
    t, m = [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0]
    rejects("start", lambda: mid_volatility(t, m, start=-1.0, end=3.0))
    rejects("end", lambda: mid_volatility(t, m, start=1.0, end=1.0))
    rejects("interval", lambda: mid_volatility(t, m, start=0.0, end=3.0, interval=0.0))
    rejects("interval", lambda: mid_volatility(t, m, start=0.0, end=3.0, interval=2.0))
    rejects("mid", lambda: mid_volatility(t, m[:2], start=0.0, end=3.0))
