"""Tests of the order-book market-making backtest (mslab.orderbook.backtest, queue, strategies,
metrics): hand-worked queue positions and fills, latencies, accounting invariants, the quoting
rules against mslab.inventory, and agreement with hftbacktest."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mslab.inventory import glft_asymptotic_quotes, optimal_spread, reservation_price
from mslab.orderbook import (
    QUEUE_MODEL_SIGNATURE,
    QUOTER_SIGNATURE,
    MarketMakingResult,
    Fills,
    MarketView,
    avellaneda_stoikov_quoter,
    compute_metrics,
    custom_quoter,
    glft_quoter,
    grid_quoter,
    queue_after,
    replay_lobster,
    run_backtest,
)
from mslab.orderbook.book import CROSSED, crossing_state
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN, PRICE_SCALE
from mslab.orderbook.quoters import (
    ASK_QTY,
    ASK_TICK,
    BID_QTY,
    BID_TICK,
    avellaneda_stoikov_rule,
    glft_rule,
    grid_rule,
)
from mslab.orderbook.fees import FEE_MODEL_SIGNATURE
from mslab.orderbook.latency import LATENCY_MODEL_SIGNATURE
from numba import njit

TICK = 100  # one cent in LOBSTER units
P = 1000  # the price (ticks) of the hand-worked examples: $10.00


def stream(rows):
    """Messages from (time, type, size, price in ticks, direction) tuples."""
    t, k, s, p, d = (np.array(c) for c in zip(*rows))
    return {"time": t.astype(float), "type": k, "size": s, "price": p * TICK, "direction": d}


def flow(n, seed):
    """A consistent random LOBSTER stream: limit orders near the best, cancellations, market
    orders walking one or two levels (several type-4 messages at one time) and hidden
    executions (type 5) at the mid, which may be off the tick grid."""
    rng = np.random.default_rng(seed)
    book = {1: {P - i: 300 for i in range(1, 8)}, -1: {P + i: 300 for i in range(0, 7)}}
    rows = [(34200.0, 1, q, p, d) for d in (1, -1) for p, q in book[d].items()]
    t = 34200.0
    for _ in range(n):
        t += rng.exponential(0.02)
        d = 1 if rng.random() < 0.5 else -1
        side, opp = book[d], book[-d]
        best_opp = (min(opp) if d > 0 else max(opp)) if opp else (P + 1 if d > 0 else P - 1)
        u = rng.random()
        if u < 0.45 or len(side) < 2:
            p = best_opp - d * int(rng.geometric(0.35))  # never at or through the opposite best
            q = 100 * int(rng.integers(1, 4))
            side[p] = side.get(p, 0) + q
            rows.append((t, 1, q, p, d))
        elif u < 0.8:
            near = sorted(side, reverse=d > 0)[:5]
            p = near[int(rng.integers(len(near)))]
            full = rng.random() < 0.5
            q = side[p] if full else int(rng.integers(1, side[p] + 1))
            side[p] -= q
            if side[p] == 0:
                del side[p]
            rows.append((t, 3 if full else 2, q, p, d))
        elif u < 0.97 and len(side) > 2:
            left = 100 * int(rng.integers(1, 6))  # a market order against `side`
            for p in sorted(side, reverse=d > 0)[:2]:
                q = min(left, side[p])
                side[p] -= q
                left -= q
                if side[p] == 0:
                    del side[p]
                rows.append((t, 4, q, p, d))
                if left == 0:
                    break
        elif book[1] and book[-1]:
            mid2 = max(book[1]) + min(book[-1])  # twice the mid, in ticks
            rows.append((t, 5, 50, mid2 / 2, d))
    msgs = stream(rows)
    msgs["price"] = np.round(msgs["price"]).astype(np.int64)
    return msgs


@njit(QUOTER_SIGNATURE)
def fixed_bid(view, params, orders, quotes):
    """Bid at the fixed tick params[0]."""
    quotes[0, BID_TICK] = int(params[0])
    quotes[0, BID_QTY] = view.order_size


@njit(QUOTER_SIGNATURE)
def recording_bid(view, params, orders, quotes):
    """Bid at params[0]; record (time, best bid, inventory, cash) of each decision in
    params[2 + 4c ...], c = params[1] (a test-only use of the parameter array)."""
    c = int(params[1])
    if 2 + 4 * c + 3 < params.size:
        params[2 + 4 * c] = view.time
        params[3 + 4 * c] = view.best_bid
        params[4 + 4 * c] = view.inventory
        params[5 + 4 * c] = view.cash
        params[1] = c + 1
    quotes[0, BID_TICK] = int(params[0])
    quotes[0, BID_QTY] = view.order_size


@njit(QUOTER_SIGNATURE)
def lift_ask(view, params, orders, quotes):
    """Buy marketably: a bid params[0] ticks above the best ask."""
    quotes[0, BID_TICK] = view.best_ask + int(params[0])
    quotes[0, BID_QTY] = view.order_size


def run(msgs, strategy, **kw):
    args = dict(tick=TICK, decision_interval=10.0, sample_interval=1.0)
    args.update(kw)
    return run_backtest(msgs, strategy, **args)


# ---------------------------------------------------------------- queue models, by hand

def test_queue_after_hand_worked():
    # A level of 15 shares, 5 ahead of us (front) and 10 behind, loses 3 shares to cancels.
    assert queue_after("risk_averse", 5, 15, 12) == 5  # only trades move us
    # power n=1: p = 10/(10+5) = 2/3 of the decrease is behind us; front = 5 - (1/3)*3 = 4
    assert queue_after("power", 5, 15, 12, power=1.0) == pytest.approx(4.0)
    # power n=2: p = 100/125 = 0.8; front = 5 - 0.2*3 = 4.4
    assert queue_after("power", 5, 15, 12, power=2.0) == pytest.approx(4.4)
    # log: p = ln 11 / (ln 11 + ln 6) = 2.397895/4.189655 = 0.572337; front = 5 - 0.427663*3
    assert queue_after("log", 5, 15, 12) == pytest.approx(3.717012, abs=1e-6)
    # More leaves than was behind us: power n=3, front 1, back 3, the level (4) empties:
    # p = 27/28, front = 1 - 4/28 + min(3 - 4*27/28, 0) = 1 - 1/7 - 6/7 = 0
    assert queue_after("power", 1, 4, 0, power=3.0) == pytest.approx(0.0, abs=1e-12)
    # A trade of 4 at our price then the size change it causes (15 -> 11): the trade alone
    # moves us, net change 0, for every model: front = 10 - 4 = 6.
    for model in ("risk_averse", "power", "log"):
        assert queue_after(model, 10, 15, 11, traded=4) == pytest.approx(6.0)
    # Increases never move us; decreases below our position cap it.
    assert queue_after("log", 5, 10, 20) == 5
    assert queue_after("risk_averse", 8, 10, 3) == 3


# A bid at P joins a level of 300 (front 300); 200 more join behind it; 100 are cancelled;
# executions of 250 and 100 print at P.
QUEUE_STREAM = [
    (0.0, 1, 300, P, 1), (0.0, 1, 200, P + 1, -1),
    (0.5, 1, 200, P, 1),
    (1.0, 2, 100, P, 1),
    (2.0, 4, 250, P, 1),
    (3.0, 4, 100, P, 1),
]


@pytest.mark.parametrize("model,partial,fills", [
    # risk averse: front 300 -> 300 (cancel) -> 50 (trade 250) -> -50: 50 shares at t = 3
    ("risk_averse", True, [(3.0, 50)]),
    ("risk_averse", False, [(3.0, 100)]),
    # power n=1: cancel of 100 with back 200, p = 200/500: front = 300 - 60 = 240;
    # trade 250 -> -10: 10 shares at t = 2; trade 100 -> -110: the other 90 at t = 3
    ("power", True, [(2.0, 10), (3.0, 90)]),
    ("power", False, [(2.0, 100)]),
    # log: p = ln 201/(ln 201 + ln 301) = 0.481660: front = 300 - 51.834 = 248.166;
    # trade 250 -> -1.834, rounded: 2 shares at t = 2; then the other 98 at t = 3
    ("log", True, [(2.0, 2), (3.0, 98)]),
])
def test_queue_models_fill_as_worked_by_hand(model, partial, fills):
    r = run(stream(QUEUE_STREAM), custom_quoter(fixed_bid, [P]), queue_model=model,
            queue_power=1.0, partial_fills=partial)
    assert list(zip(r.fills.time.tolist(), r.fills.qty.tolist())) == fills
    assert (r.fills.side == 1).all() and (r.fills.maker).all()
    assert (r.fills.price == P * TICK / PRICE_SCALE).all()
    assert r.fills.message.tolist() == [4 if t == 2.0 else 5 for t, _ in fills]
    assert r.inventory.tolist() == [0, 0, sum(q for t, q in fills if t <= 2.0),
                                    sum(q for _, q in fills)]


@njit(QUEUE_MODEL_SIGNATURE)
def optimistic(front, traded, prev_qty, new_qty, param):
    """A queue model defined here, outside the library: every decrease of the level (net of
    the trades already counted) comes from ahead of us."""
    return min(front - max(prev_qty - new_qty - traded, 0.0), new_qty)


@pytest.mark.parametrize("partial,fills", [
    # front 300 -> 300 (200 join behind) -> 200 (cancel of 100 ahead) -> -50 (trade 250):
    # 50 shares at t = 2; the trade of 100 at t = 3 reaches the other 50
    (True, [(2.0, 50), (3.0, 50)]),
    (False, [(2.0, 100)]),
])
def test_a_new_queue_model_is_one_function(partial, fills):
    r = run(stream(QUEUE_STREAM), custom_quoter(fixed_bid, [P]), queue_model=optimistic,
            partial_fills=partial)
    assert list(zip(r.fills.time.tolist(), r.fills.qty.tolist())) == fills
    assert r.params["queue_model"] == "optimistic"
    assert queue_after(optimistic, 5, 15, 12) == 2.0  # the same function, validated
    with pytest.raises(ValueError, match=r"^queue_model="):
        run(stream(QUEUE_STREAM), grid_quoter(), queue_model=njit(lambda x: x))


def test_the_power_model_is_stable_for_extreme_exponents():
    # f(x) = x^1e12 overflows: the larger part takes the whole decrease
    assert queue_after("power", 5, 15, 12, power=1e12) == 5.0  # all of it behind us
    assert queue_after("power", 10, 15, 12, power=1e12) == 7.0  # all of it ahead of us
    assert queue_after("power", 1e-200, 2e-200, 0.0, power=1e6) == 0.0  # f underflows
    # a tiny exponent: f = 1 on both sides, the decrease splits evenly
    assert queue_after("power", 5, 15, 12, power=1e-12) == pytest.approx(3.5)
    for front in (0.0, 1.0, 7.5, 15.0):  # finite, never further back than before
        for n in (1e-300, 1e-3, 0.5, 2.0, 80.0, 1e300):
            after = queue_after("power", front, 15, 12, power=n)
            assert math.isfinite(after) and after <= min(front, 12)


# ---------------------------------------------------------------- fill rules

@pytest.mark.parametrize("message,filled", [
    ((2.0, 1, 100, P, -1), True),         # a sell limit order at our price: the ask crosses
    ((2.0, 1, 100, P + 1, -1), False),    # a sell order above our bid: no cross
    ((2.0, 4, 100, P - 1, 1), True),      # an execution of a bid below ours: traded through
    ((2.0, 5, 10, P - 0.5, 1), True),     # hidden print between ticks, below us
    ((2.0, 5, 10, P + 0.5, 1), False),    # hidden print above our price
    ((2.0, 4, 100, P + 2, -1), False),    # buyer-initiated print on the ask side
    ((2.0, 2, 300, P, 1), False),         # cancels ahead of us: no trade, no fill
    ((2.0, 3, 300, P, 1), False),
])
def test_fills_only_on_prints_and_crosses(message, filled):
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 100, P - 1, 1), (0.0, 1, 200, P + 2, -1), message]
    msgs = stream(rows)
    msgs["price"] = np.round(msgs["price"]).astype(np.int64)
    r = run(msgs, custom_quoter(fixed_bid, [P]))
    assert r.fills.qty.sum() == (100 if filled else 0)
    if filled:
        assert r.fills.message.tolist() == [3] and r.fills.maker.all()


def test_every_fill_has_a_cause_on_a_random_stream():
    msgs = flow(4000, seed=1)
    rows = replay_lobster(msgs, 1, TICK)
    best_ask, best_bid = rows[:, 0] / PRICE_SCALE, rows[:, 2] / PRICE_SCALE
    price = msgs["price"] / PRICE_SCALE
    for model in ("risk_averse", "power", "log"):
        r = run(msgs, grid_quoter(0.5, levels=2), queue_model=model, decision_interval=0.05,
                entry_latency=0.001, response_latency=0.001, feed_latency=0.002)
        f = r.fills
        assert f.qty.size > 50
        maker = f.message >= 0
        m = f.message[maker]
        side, px = f.side[maker], f.price[maker]
        is_print = (np.isin(msgs["type"][m], (EXECUTE, EXECUTE_HIDDEN))
                    & (msgs["direction"][m] == side))
        at_or_through = np.where(side > 0, price[m] <= px + 1e-12, price[m] >= px - 1e-12)
        crossed = np.where(side > 0, best_ask[m] <= px + 1e-12, best_bid[m] >= px - 1e-12)
        assert np.all((is_print & at_or_through) | crossed)
        np.testing.assert_allclose(f.time[maker], msgs["time"][m], rtol=0, atol=1e-9)
        assert not f.maker[~maker].any()  # taker fills happen only on our order's arrival


def test_marketable_orders_take_liquidity_or_expire_when_post_only():
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 60, P + 1, -1), (0.0, 1, 30, P + 2, -1),
            (5.0, 1, 10, P, 1)]
    strat = custom_quoter(lift_ask, [1])  # bid at P + 2: takes P + 1 then P + 2
    r = run(stream(rows), strat, taker_fee=0.001, maker_fee=-0.0002, decision_interval=100.0)
    f = r.fills
    assert f.qty.tolist() == [60, 30] and f.price.tolist() == [10.01, 10.02]
    assert not f.maker.any() and (f.message == -1).all()
    assert r.counts["expired"] == 1  # the 10 shares beyond the visible book expire
    np.testing.assert_allclose(f.fee, 0.001 * f.price * f.qty)
    assert r.inventory[-1] == 90
    assert r.cash[-1] == pytest.approx(-(60 * 10.01 + 30 * 10.02) * 1.001)
    post = run(stream(rows), strat, post_only=True, decision_interval=100.0)
    assert post.fills.qty.size == 0 and post.counts["expired"] == 1


# ---------------------------------------------------------------- latencies

def test_an_order_cannot_fill_before_it_arrives():
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 1, -1),
            (1.0, 4, 10, P - 1, 1),   # traded through while our order is in flight
            (2.5, 1, 100, P, 1),      # joins the level before us (we arrive at 3.0)
            (3.5, 4, 10, P - 1, 1)]   # traded through once we rest
    rows.insert(1, (0.0, 1, 100, P - 1, 1))
    r = run(stream(rows), custom_quoter(fixed_bid, [P]), entry_latency=3.0)
    assert r.fills.time.tolist() == [3.5] and r.fills.sent.tolist() == [0.0]
    no_latency = run(stream(rows), custom_quoter(fixed_bid, [P]))
    assert no_latency.fills.time.tolist() == [1.0]


@njit(LATENCY_MODEL_SIGNATURE)
def tripled(values, message):
    """A latency model defined here, outside the library: three times the given latency."""
    return 3 * values[0]


def test_a_new_latency_model_is_one_function():
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 100, P - 1, 1), (0.0, 1, 200, P + 1, -1),
            (1.0, 4, 10, P - 1, 1),   # traded through while our order is in flight
            (2.5, 1, 100, P, 1),
            (3.5, 4, 10, P - 1, 1)]   # reached by an order sent at 0 arriving at 3
    built_in = run(stream(rows), custom_quoter(fixed_bid, [P]), entry_latency=3.0)
    custom = run(stream(rows), custom_quoter(fixed_bid, [P]), entry_latency=1.0,
                 entry_latency_model=tripled)
    assert custom.fills.time.tolist() == built_in.fills.time.tolist() == [3.5]
    assert custom.fills.sent.tolist() == [0.0]
    with pytest.raises(ValueError, match=r"^entry_latency_model="):
        run(stream(rows), grid_quoter(), entry_latency_model=tripled.py_func)
    with pytest.raises(ValueError, match=r"^response_latency_model="):
        run(stream(rows), grid_quoter(), response_latency_model=optimistic)


@njit(FEE_MODEL_SIGNATURE)
def per_share_fee(params, maker, value):
    """A fee model defined here: ``params`` = (maker, taker) fee per dollar traded, but at
    least one cent a fill."""
    return max((params[0] if maker else params[1]) * value, 0.01)


def test_a_new_fee_model_is_one_function():
    r = run(stream(QUEUE_STREAM), custom_quoter(fixed_bid, [P]), maker_fee=0.0,
            fee_model=per_share_fee)
    assert r.fills.qty.size > 0 and np.all(r.fills.fee == 0.01)
    with pytest.raises(ValueError, match=r"^fee_model="):
        run(stream(QUEUE_STREAM), grid_quoter(), fee_model="flat")


def test_feed_and_response_latency_delay_what_the_strategy_sees():
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 100, P - 1, 1), (0.0, 1, 200, P + 2, -1),
            (1.0, 1, 100, P + 1, 1),   # a better bid: seen at 1.5 with feed latency 0.5
            (2.0, 4, 50, P - 1, 1),    # traded through our bid at P: filled at 2.0
            (4.0, 1, 10, P + 2, -1)]
    params = np.zeros(2 + 4 * 40)
    params[0] = P
    strat = custom_quoter(recording_bid, params)
    run(stream(rows), strat, decision_interval=0.25, feed_latency=0.5, response_latency=0.75)
    n = int(params[1])
    rec = params[2:2 + 4 * n].reshape(n, 4)
    times, best_bid, inventory, cash = rec.T
    # nothing is known before the first messages arrive at 0.5; then a decision every 0.25 s
    np.testing.assert_allclose(times, 0.5 + np.arange(n) * 0.25)
    assert best_bid.tolist() == [P if t < 1.5 else P + 1 for t in times]
    assert inventory.tolist() == [100 if t >= 2.75 else 0 for t in times]
    np.testing.assert_allclose(cash, np.where(times >= 2.75, -100 * 10.0, 0.0))


def test_per_message_latency_arrays():
    msgs = flow(3000, seed=4)
    n = msgs["type"].size
    rng = np.random.default_rng(0)
    entry = rng.uniform(0.001, 0.05, n)
    kw = dict(decision_interval=0.1, entry_latency=entry, response_latency=np.full(n, 0.002),
              feed_latency=rng.uniform(0.0, 0.01, n))
    r = run(msgs, grid_quoter(0.5), **kw)
    assert r.fills.qty.size > 20
    assert np.all(r.fills.time - r.fills.sent >= entry.min() - 1e-9)
    constant = run(msgs, grid_quoter(0.5), decision_interval=0.1, entry_latency=0.05,
                   response_latency=0.002, feed_latency=0.01)
    assert np.all(constant.fills.time - constant.fills.sent >= 0.05 - 1e-9)
    assert r.fills.qty.size != constant.fills.qty.size or not np.array_equal(
        r.fills.time, constant.fills.time)


# ---------------------------------------------------------------- accounting

STRATEGIES = [
    grid_quoter(0.5, levels=3, step=1),
    avellaneda_stoikov_quoter(gamma=0.05, sigma=0.5, k=1.5, horizon=200.0),
    glft_quoter(gamma=0.05, sigma=0.5, k=1.5, A=2.0),
]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.name)
@pytest.mark.parametrize("model", ["risk_averse", "power", "log"])
def test_accounting_invariants(strategy, model):
    msgs = flow(6000, seed=2)
    r = run(msgs, strategy, queue_model=model, queue_power=2.0, order_size=100,
            max_inventory=300, maker_fee=-0.0002, taker_fee=0.0007, decision_interval=0.1,
            sample_interval=0.5, feed_latency=0.001, entry_latency=0.002,
            response_latency=0.001)
    f = r.fills
    assert f.qty.size > 20
    # equity = cash + inventory x mid at every sample
    np.testing.assert_allclose(r.equity, r.cash + r.inventory * np.nan_to_num(r.mid), atol=1e-9)
    # shares are conserved: the signed fills up to each sample are the inventory
    cum = np.array([np.sum((f.side * f.qty)[f.time <= t + 1e-12]) for t in r.times])
    np.testing.assert_array_equal(cum, r.inventory)
    # fees are the rate times the traded value, and cash is minus what we paid, fees included
    rate = np.where(f.maker, -0.0002, 0.0007)
    np.testing.assert_allclose(f.fee, rate * f.price * f.qty, rtol=1e-12)
    assert r.fees[-1] == pytest.approx(f.fee.sum(), abs=1e-9)
    assert r.cash[-1] == pytest.approx(-np.sum(f.side * f.price * f.qty) - f.fee.sum(),
                                       abs=1e-6)
    assert np.abs(r.inventory).max() <= 300
    assert np.abs(np.cumsum(f.side * f.qty)).max() <= 300
    assert np.all(np.isin(f.qty, np.arange(1, 101)))
    met = r.metrics()
    assert met.final_pnl == r.equity[-1]
    assert met.n_fills == f.qty.size == met.n_maker_fills + met.n_taker_fills
    assert met.turnover == pytest.approx(np.sum(f.price * f.qty))
    assert met.fees == pytest.approx(met.maker_fees + met.taker_fees)
    assert met.max_drawdown >= 0 and 0 <= met.maker_share <= 1
    assert met.mean_abs_inventory == pytest.approx(np.abs(r.inventory).mean())


def test_inventory_limit_and_order_table_capacity():
    msgs = flow(4000, seed=3)
    r = run(msgs, grid_quoter(0.5, levels=4), max_inventory=100, decision_interval=0.05)
    assert np.abs(np.cumsum(r.fills.side * r.fills.qty)).max() <= 100
    assert r.counts["blocked"] > 0
    small = run(msgs, grid_quoter(0.5, levels=4), max_orders=2, decision_interval=0.05)
    assert small.counts["dropped"] > 0
    assert run(msgs, grid_quoter(0.5), max_inventory=0).fills.qty.size == 0


def test_decisions_every_k_events_and_determinism():
    msgs = flow(2000, seed=5)
    n = msgs["type"].size
    r = run(msgs, grid_quoter(0.5), decision_interval=None, decision_events=7)
    assert r.counts["decisions"] == n // 7
    again = run(msgs, grid_quoter(0.5), decision_interval=None, decision_events=7)
    for name in ("equity", "cash", "inventory"):
        np.testing.assert_array_equal(getattr(r, name), getattr(again, name))
    np.testing.assert_array_equal(r.fills.time, again.fills.time)


def test_initial_book_is_known_from_the_start():
    rows = [(0.0, 4, 50, P, 1), (1.0, 1, 100, P, 1), (2.0, 4, 100, P, 1)]
    initial = np.array([(P + 1) * TICK, 200, P * TICK, 100])
    r = run(stream(rows), custom_quoter(fixed_bid, [P]), initial_book=initial)
    # we decide at t = 0 from the initial book and join behind the 50 shares left; 100 more
    # join behind us; the trade of 100 at t = 2 reaches 50 of our shares
    assert r.fills.time.tolist() == [2.0] and r.fills.qty.tolist() == [50]


# ---------------------------------------------------------------- quoting rules

def _view(mid2, inventory, elapsed=0.0, size=100):
    bid = mid2 // 2
    return MarketView(34200.0 + elapsed, float(elapsed), bid, mid2 - bid, 100, 100, mid2 / 2,
                      inventory, 0.0, 0, 0, size, 10_000)


def _quote(rule, view, params, levels=1):
    quotes = np.zeros((levels, 4), np.int64)
    rule(view, params, np.zeros((4, 4), np.int64), quotes)
    return quotes


@pytest.mark.parametrize("q", [-3, -1, 0, 2, 5])
@pytest.mark.parametrize("elapsed", [0.0, 40.0, 150.0])
def test_avellaneda_stoikov_quotes_match_the_inventory_chapter(q, elapsed):
    gamma, sigma, k, horizon = 0.05, 0.8, 1.2, 100.0
    s = avellaneda_stoikov_quoter(gamma, sigma, k, horizon)
    for mid2 in (2001, 2002):
        quotes = _quote(avellaneda_stoikov_rule, _view(mid2, 100 * q, elapsed), s.params)
        tau = max(horizon - elapsed, 0.0)
        r = float(reservation_price(mid2 / 2, q, gamma, sigma, tau))
        half = float(optimal_spread(gamma, k, sigma, tau)) / 2
        assert quotes[0, BID_TICK] == math.floor(r - half)
        assert quotes[0, ASK_TICK] == math.ceil(r + half)
        assert quotes[0, BID_QTY] == quotes[0, ASK_QTY] == 100


@pytest.mark.parametrize("mu", [0.0, 0.02])
def test_glft_quotes_match_the_inventory_chapter(mu):
    gamma, sigma, k, A = 0.05, 0.8, 1.2, 3.0
    s = glft_quoter(gamma, sigma, k, A, mu=mu)
    inventory = np.arange(-4, 5)
    ref = glft_asymptotic_quotes(gamma, k, A, sigma, inventory, mu=mu)
    for q, db, da in zip(inventory, ref.bid_depth, ref.ask_depth):
        quotes = _quote(glft_rule, _view(2001, 100 * int(q)), s.params)
        assert quotes[0, BID_TICK] == math.floor(1000.5 - db)
        assert quotes[0, ASK_TICK] == math.ceil(1000.5 + da)


def test_grid_quotes():
    s = grid_quoter(half_spread=1.0, levels=3, step=2)
    quotes = _quote(grid_rule, _view(2001, 0), s.params, levels=3)
    # mid 1000.5: bids floor(999.5 - 2l), asks ceil(1001.5 + 2l)
    np.testing.assert_array_equal(quotes[:, BID_TICK], [999, 997, 995])
    np.testing.assert_array_equal(quotes[:, ASK_TICK], [1002, 1004, 1006])
    np.testing.assert_array_equal(_quote(grid_rule, _view(2000, 0), grid_quoter().params)[0],
                                  [999, 100, 1001, 100])  # mid 1000: half 0.5 -> 999 / 1001


# ---------------------------------------------------------------- metrics

def _result(equity, inventory=None, dt=1.0):
    equity = np.asarray(equity, float)
    inv = np.zeros(equity.size, np.int64) if inventory is None else np.asarray(inventory)
    empty = np.zeros(0)
    fills = Fills(time=empty, side=empty.astype(int), price=empty, qty=empty.astype(int),
                  maker=empty.astype(bool), fee=empty, sent=empty, message=empty.astype(int))
    return MarketMakingResult(params={"sample_interval": dt}, times=np.arange(equity.size) * dt,
                          equity=equity, cash=equity, inventory=inv, mid=np.ones(equity.size),
                          fees=np.zeros(equity.size), fills=fills)


def test_metrics():
    r = _result([0.0, 2.0, 1.0, 4.0, 2.5, 3.0], inventory=[0, 1, -2, 3, 0, 0])
    m = compute_metrics(r, seconds_per_year=3600.0)
    steps = np.diff(r.equity)
    assert m.final_pnl == 3.0 and m.max_drawdown == 1.5
    assert m.sharpe == pytest.approx(steps.mean() / steps.std(ddof=1) * 60.0)
    assert m.mean_abs_inventory == 1.0 and m.n_fills == 0 and math.isnan(m.maker_share)
    flat = compute_metrics(_result([0.0, 0.0, 0.0]))
    assert math.isnan(flat.sharpe) and flat.max_drawdown == 0.0
    assert math.isnan(compute_metrics(_result([0.0, 1.0])).sharpe)  # one increment
    with pytest.raises(ValueError, match=r"^seconds_per_year="):
        compute_metrics(r, seconds_per_year=0.0)


# ---------------------------------------------------------------- peer library

def test_agrees_with_hftbacktest():
    """Join-the-best quoting (post-only, no partial fills): with the risk-averse and the power
    queue models both backtests produce the same fills, position and cash. Hidden prints
    between two ticks are left out: hftbacktest rounds a trade's price to the nearest tick, so
    a print half a tick below our bid advances its queue there instead of trading through."""
    pytest.importorskip("hftbacktest")
    from mslab.orderbook import peer as peers

    msgs = flow(8000, seed=6)
    on_grid = (msgs["type"] != 5) | (msgs["price"] % TICK == 0)
    msgs = {name: col[on_grid] for name, col in msgs.items()}
    feed, entry, response, interval = 1_000_000, 2_000_000, 1_000_000, 100_000_000
    # hftbacktest reads this memory: keep `events` alive while it runs
    events = peers.hftbacktest_events(msgs, feed)
    for model in ("risk_averse", "power"):
        _, position, n_trades, volume, balance = peers.run_hftbacktest(
            events, TICK, model, entry_ns=entry, response_ns=response, interval_ns=interval,
            size=100.0, max_inventory=500.0, power=2.0, partial=False)
        ours = run(msgs, grid_quoter(0.5), queue_model=model, queue_power=2.0,
                   partial_fills=False, post_only=True, max_inventory=500,
                   feed_latency=feed * 1e-9, entry_latency=entry * 1e-9,
                   response_latency=response * 1e-9, decision_interval=interval * 1e-9)
        f = ours.fills
        assert n_trades > 50
        assert (f.qty.size, f.qty.sum(), np.sum(f.side * f.qty)) == (n_trades, volume, position)
        assert -np.sum(f.side * f.price * f.qty) == pytest.approx(balance, abs=1e-6)


# ---------------------------------------------------------------- validation

BASE = [(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 1, -1), (1.0, 4, 100, P, 1)]


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"tick": 0}, "tick"), ({"quoter": "grid"}, "quoter"),
        ({"order_size": 0}, "order_size"), ({"max_inventory": -1}, "max_inventory"),
        ({"queue_model": "fifo"}, "queue_model"), ({"queue_power": 0.0}, "queue_power"),
        ({"partial_fills": 1}, "partial_fills"), ({"post_only": "no"}, "post_only"),
        ({"feed_latency": -0.1}, "feed_latency"), ({"entry_latency": float("nan")},
                                                   "entry_latency"),
        ({"response_latency": np.zeros(2)}, "response_latency"),
        ({"entry_latency": np.array([0.0, -1.0, 0.0])}, "entry_latency"),
        ({"maker_fee": 1.0}, "maker_fee"), ({"taker_fee": -2.0}, "taker_fee"),
        ({"decision_interval": None}, "decision_interval"),
        ({"decision_events": 3}, "decision_interval"),
        ({"decision_interval": 0.0}, "decision_interval"),
        ({"decision_interval": None, "decision_events": 0}, "decision_events"),
        ({"sample_interval": 0.0}, "sample_interval"), ({"max_orders": 0}, "max_orders"),
        ({"initial_book": np.array([1, 2])}, "initial_book"),
        ({"messages": {"time": np.zeros(3)}}, "messages"),
    ],
)
def test_run_backtest_rejects_bad_input(kwargs, name):
    args = {"messages": stream(BASE), "quoter": grid_quoter(), "tick": TICK,
            "decision_interval": 1.0, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}=") as err:
        run_backtest(**args)
    assert "must be" in str(err.value)


@pytest.mark.parametrize(
    "factory,kwargs,name",
    [
        (grid_quoter, {"half_spread": -1.0}, "half_spread"),
        (grid_quoter, {"levels": 0}, "levels"), (grid_quoter, {"step": 0}, "step"),
        (avellaneda_stoikov_quoter, {"gamma": 0.0, "sigma": 1.0, "k": 1.0, "horizon": 1.0},
         "gamma"),
        (avellaneda_stoikov_quoter, {"gamma": 0.1, "sigma": -1.0, "k": 1.0, "horizon": 1.0},
         "sigma"),
        (avellaneda_stoikov_quoter, {"gamma": 0.1, "sigma": 1.0, "k": 0.0, "horizon": 1.0}, "k"),
        (avellaneda_stoikov_quoter, {"gamma": 0.1, "sigma": 1.0, "k": 1.0, "horizon": 0.0},
         "horizon"),
        (glft_quoter, {"gamma": 0.1, "sigma": 1.0, "k": 1.0, "A": 0.0}, "A"),
        (glft_quoter, {"gamma": 0.1, "sigma": 0.0, "k": 1.0, "A": 1.0}, "sigma"),
        (glft_quoter, {"gamma": 0.1, "sigma": 1.0, "k": 1.0, "A": 1.0, "mu": math.inf}, "mu"),
        (custom_quoter, {"function": lambda *a: None}, "function"),
        (custom_quoter, {"function": fixed_bid, "params": [np.nan]}, "params"),
        (custom_quoter, {"function": fixed_bid, "params": [[1.0]]}, "params"),
        (custom_quoter, {"function": fixed_bid, "params": ["x"]}, "params"),
        (custom_quoter, {"function": fixed_bid, "levels": 0}, "levels"),
        (custom_quoter, {"function": njit(lambda a, b: None)}, "function"),
        (queue_after, {"model": "fifo", "front": 1, "prev_qty": 2, "new_qty": 1}, "model"),
        (queue_after, {"model": "log", "front": 3, "prev_qty": 2, "new_qty": 1}, "front"),
        (queue_after, {"model": "log", "front": 1, "prev_qty": -2, "new_qty": 1}, "prev_qty"),
        (queue_after, {"model": "power", "front": 1, "prev_qty": 2, "new_qty": 1,
                       "power": 0.0}, "power"),
    ],
)
def test_strategy_and_queue_functions_reject_bad_input(factory, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}=") as err:
        factory(**kwargs)
    assert "must be" in str(err.value)


def test_refuses_extremes_before_the_kernel_runs():
    msgs = stream(BASE)
    epoch_ms = dict(msgs, time=msgs["time"] + 1.7e12)  # epoch milliseconds taken for seconds
    with pytest.raises(ValueError, match=r"^time=.*epoch milliseconds"):
        run_backtest(epoch_ms, grid_quoter(), tick=TICK, decision_interval=1.0)
    for name in ("entry_latency", "response_latency", "feed_latency"):
        with pytest.raises(ValueError, match=rf"^{name}=10000000000.0 .*86400"):
            run_backtest(msgs, grid_quoter(), tick=TICK, decision_interval=1.0,
                         **{name: 1e10})
    with pytest.raises(ValueError, match=r"^sample_interval=1e-09 .*at most 50,000,000"):
        run_backtest(msgs, grid_quoter(), tick=TICK, decision_interval=1.0,
                     sample_interval=1e-9)
    with pytest.raises(ValueError, match=r"^decision_interval=1e-09 "):
        run_backtest(msgs, grid_quoter(), tick=TICK, decision_interval=1e-9)


def test_runs_on_the_read_only_columns_of_a_loaded_lobster_file(repo):
    """pandas-backed columns are read-only views; the kernels must still accept them."""
    from mslab.data import load_lobster

    paths = sorted((repo / "data").glob("SYNTH_*_message_10.csv"))
    data = load_lobster(paths[0])
    assert not data.messages["price"].to_numpy().flags.writeable
    res = run_backtest(data.messages, grid_quoter(half_spread=1.0), tick=100, order_size=100,
                       decision_interval=1.0)
    np.testing.assert_allclose(res.equity, res.cash + res.inventory * res.mid, atol=1e-6)
    assert res.fills.qty.sum() > 0


# ---------------------------------------------------------------- real-day conventions

def test_book_file_mode_equals_message_mode_when_the_file_is_the_replay():
    """Given the book its own messages replay to (deep enough to hold every level), book-file
    mode is message-only mode, bit for bit."""
    msgs = flow(4000, seed=4)
    rows = replay_lobster(msgs, 60, TICK)
    assert np.all(rows[:, -1] == 0) and np.all(rows[:, -3] == 0)  # no level beyond 59
    for model in ("risk_averse", "power"):
        kw = dict(queue_model=model, decision_interval=0.05, entry_latency=0.001,
                  response_latency=0.001, feed_latency=0.002, maker_fee=-0.0002,
                  taker_fee=0.0003)
        a = run(msgs, grid_quoter(0.5, levels=2), **kw)
        b = run(msgs, grid_quoter(0.5, levels=2), book=rows, **kw)
        assert a.fills.qty.size > 50
        for name in ("equity", "cash", "inventory", "mid", "fees"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        for name in ("time", "side", "price", "qty", "maker", "fee", "message"):
            np.testing.assert_array_equal(getattr(a.fills, name), getattr(b.fills, name))
        assert a.counts == b.counts


def test_book_file_mode_takes_the_files_book():
    """The file's book, not the messages', decides crosses: a file row in which the best ask
    falls to our bid fills it, though no message put an ask there."""
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 2, -1), (1.0, 1, 100, P - 5, 1),
            (2.0, 1, 100, P - 6, 1)]
    msgs = stream(rows)
    book = replay_lobster(msgs, 2, TICK)
    assert run(msgs, custom_quoter(fixed_bid, [P])).fills.qty.size == 0
    book[3, 0] = P * TICK  # the file says the best ask came down to P after message 3
    r = run(msgs, custom_quoter(fixed_bid, [P]), book=book)
    assert r.fills.qty.tolist() == [100] and r.fills.message.tolist() == [3]
    crossed = replay_lobster(msgs, 2, TICK)
    crossed[3, :4] = [(P + 1) * TICK, 50, (P + 2) * TICK, 50]  # a crossed row, ask above our bid
    assert crossing_state(crossed)[3] == CROSSED
    assert run(msgs, custom_quoter(fixed_bid, [P]), book=crossed).fills.qty.size == 0
    bad = book.copy()
    bad[2, 1] = -1
    with pytest.raises(ValueError, match="book"):
        run(msgs, custom_quoter(fixed_bid, [P]), book=bad)
    with pytest.raises(ValueError, match="book"):
        run(msgs, custom_quoter(fixed_bid, [P]), book=book[:-1])


def test_a_trading_halt_stops_fills_and_quoting_until_trading_resumes():
    halt, quoting, resume = (7, 0, -1, -1), (7, 0, 0, -1), (7, 0, 1, -1)
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 2, -1), (1.0, 1, 100, P - 1, 1),
            (2.0, *halt), (3.0, 4, 10, P - 1, 1),   # traded through during the halt: no fill
            (4.0, *quoting), (5.0, 4, 10, P - 1, 1), (6.0, *resume),
            (7.0, 4, 10, P - 1, 1)]                 # traded through after the resume: fill
    msgs = stream(rows)
    halts = msgs["type"] == 7
    msgs["price"][halts] //= TICK  # LOBSTER's halt codes −1, 0, 1, not prices
    r = run(msgs, custom_quoter(fixed_bid, [P]), decision_interval=0.5)
    assert r.fills.time.tolist() == [7.0]
    # decision times 0, 0.5, ..., 7.0 (15, up to the last sample); none while the last message
    # seen is within the halt (from 2.0 up to, not including, 6.0: 8 decision times)
    assert r.counts["decisions"] == 15 - 8
    # an order reaching the exchange during the halt expires (sent at 0, it arrives at 2.5; the
    # next one is sent at 6.0 and arrives after the last message)
    late = run(msgs, custom_quoter(fixed_bid, [P]), decision_interval=0.5, entry_latency=2.5)
    assert late.counts["expired"] == 1 and late.fills.qty.size == 0
    assert run(msgs, custom_quoter(fixed_bid, [P]), decision_interval=0.5,
               entry_latency=0.5).counts["expired"] == 0


def test_cross_trades_neither_fill_nor_move_the_book():
    rows = [(0.0, 1, 300, P, 1), (0.0, 1, 200, P + 2, -1), (1.0, 1, 100, P - 1, 1),
            (2.0, 6, 5000, P - 3, -1), (3.0, 6, 5000, P, 1)]
    msgs = stream(rows)
    r = run(msgs, custom_quoter(fixed_bid, [P]))
    assert r.fills.qty.size == 0
    book = replay_lobster(msgs, 1, TICK)
    np.testing.assert_array_equal(book[3:], book[[2, 2]])
