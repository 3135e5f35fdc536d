"""The exchange side of the order-book backtest: our orders resting beside the replayed book,
their matching against the market's messages, and the fills and reports this produces.

The market's book (:mod:`mslab.orderbook.book`) is replayed unchanged (no market impact); our
orders live in a structured array of :data:`EXCHANGE_ORDER` records (side, price in ticks,
state, shares left, estimated queue ahead and the shares printed at the level since its last
size change, send time). Matching follows hftbacktest (see :mod:`mslab.orderbook.backtest`
for the rules); the queue ahead moves by the queue model (:mod:`mslab.orderbook.queue`), fees
come from the fee model (:mod:`mslab.orderbook.fees`) and reports travel back through the
response-latency model (:mod:`mslab.orderbook.latency`) — each a first-class function.

The running totals of the whole backtest (exchange and local side) are one
:data:`BACKTEST_STATE` record and the fixed settings one :data:`SETTINGS` record, so every
quantity is read by name. Fills go to a log of :data:`FILL` records, reports to a FIFO queue of
:data:`REPORT` records; neither grows while it is written (:func:`make_room`). The functions
here are building blocks of the kernel and do not validate their arguments.
"""

from __future__ import annotations

import numpy as np
from numba import from_dtype, njit

from mslab.orderbook import book, queue
from mslab.orderbook.book import ASK, BID, NO_REFCOUNT, NO_TICK

BIG = np.iinfo(np.int64).max  # "never" for event times
# states of an order at the exchange
EX_NONE, EX_RESTING, EX_DONE = 0, 1, 2
# kinds of request
REQ_NEW, REQ_CANCEL = 0, 1

SETTINGS = np.dtype([
    ("tick", np.int64),              # LOBSTER price units per tick
    ("partial_fills", np.int64),     # 1: fill only the traded quantity at the front
    ("post_only", np.int64),         # 1: marketable orders expire
    ("order_size", np.int64),        # shares per quote
    ("max_inventory", np.int64),     # shares
    ("decision_ns", np.int64),       # decision interval (0: every decision_events messages)
    ("decision_events", np.int64),
    ("t0", np.int64),                # first message time, ns
    ("sample_ns", np.int64),         # equity sample interval
    ("ring", np.int64),              # capacity (a power of two) of the top-of-book ring
    ("max_orders", np.int64),        # order slots
    ("queue_param", np.float64),     # the queue model's parameter
    ("dollars_per_tick", np.float64),
])
BACKTEST_STATE = np.dtype([
    ("inventory", np.int64),         # shares, at the exchange
    ("cash", np.float64),            # dollars net of fees, at the exchange
    ("fees", np.float64),            # dollars, cumulative
    ("local_inventory", np.int64),   # as reported to the quoter
    ("local_cash", np.float64),
    ("open_buy", np.int64),          # shares in own orders not known finished, by side
    ("open_sell", np.int64),
    ("n_fills", np.int64),
    ("request_head", np.int64), ("request_tail", np.int64), ("last_request", np.int64),
    ("report_head", np.int64), ("report_tail", np.int64), ("last_report", np.int64),
    ("decisions", np.int64), ("sent", np.int64), ("cancels", np.int64), ("expired", np.int64),
    ("dropped", np.int64), ("blocked", np.int64),
    # our resting orders by side: count and tick range (to skip messages that cannot touch them)
    ("rest_buy", np.int64), ("max_buy", np.int64), ("min_buy", np.int64),
    ("rest_sell", np.int64), ("min_sell", np.int64), ("max_sell", np.int64),
    ("slots", np.int64),             # 1 + the highest order slot used so far
])
EXCHANGE_ORDER = np.dtype([
    ("side", np.int64), ("tick", np.int64), ("state", np.int64), ("leaves", np.int64),
    ("sent_ns", np.int64),           # local time the order was sent
    ("front", np.float64),           # estimated shares ahead in the queue
    ("traded", np.float64),          # shares printed at the level since its last size change
])
REQUEST = np.dtype([("arrive", np.int64), ("kind", np.int64), ("slot", np.int64)])
# a report of the exchange to us: a fill (its row of the fill log) or the end of an order
REPORT = np.dtype([("arrive", np.int64), ("slot", np.int64), ("fill", np.int64)])
ORDER_ENDED = -1  # REPORT.fill of a cancelled or expired order
FILL = np.dtype([("time", np.int64), ("side", np.int64), ("tick", np.int64), ("qty", np.int64),
                 ("maker", np.int64), ("sent", np.int64), ("message", np.int64),
                 ("fee", np.float64)])
SETTINGS_TYPE, STATE_TYPE = from_dtype(SETTINGS), from_dtype(BACKTEST_STATE)
EXCHANGE_ORDER_TYPE, FILL_TYPE = from_dtype(EXCHANGE_ORDER), from_dtype(FILL)


@njit(cache=True)
def grow(records):
    """``records`` in an array of twice the length (the new half zeroed)."""
    new = np.zeros(2 * records.size, records.dtype)
    new[:records.size] = records
    return new


@njit(**NO_REFCOUNT)
def new_order(order, side, tick, qty, t):
    """Our order record, sent at local time ``t`` and not yet at the exchange."""
    order.side, order.tick, order.state = side, tick, EX_NONE
    order.leaves = qty
    order.sent_ns = t


@njit(**NO_REFCOUNT)
def rest_bounds(ex, st):
    """Recompute the count and tick range of our resting orders on each side."""
    nb = 0
    ns = 0
    max_b = NO_TICK
    min_b = BIG
    min_s = BIG
    max_s = NO_TICK
    for o in range(st.slots):
        if ex[o].state != EX_RESTING:
            continue
        t = ex[o].tick
        if ex[o].side > 0:
            nb += 1
            max_b = max(max_b, t)
            min_b = min(min_b, t)
        else:
            ns += 1
            min_s = min(min_s, t)
            max_s = max(max_s, t)
    st.rest_buy = nb
    st.max_buy = max_b
    st.min_buy = min_b
    st.rest_sell = ns
    st.min_sell = min_s
    st.max_sell = max_s


@njit(cache=True)
def make_room(fills, reports, st, need):
    """``fills`` and ``reports`` with room for ``need`` more fills and reports: the report queue
    is compacted (its pending reports moved to the front) once half of it is consumed, and
    either array doubles while short. The functions below write without growing an array (a
    kernel that reassigned its arrays on every market message would pay for reference
    counting on each), so a caller makes room for the most they can write first."""
    head = st.report_head
    tail = st.report_tail
    if tail + need > reports.size and 2 * head >= tail:  # compact
        for r in range(head, tail):
            reports[r - head] = reports[r]
        st.report_head = 0
        st.report_tail = tail - head
    while st.report_tail + need > reports.size:
        reports = grow(reports)
    while st.n_fills + need > fills.size:
        fills = grow(fills)
    return fills, reports


@njit(**NO_REFCOUNT)
def report(reports, st, t, slot, fill, models, processed):
    """Queue a report on our order ``slot`` generated at ``t`` to the local side (FIFO): its
    ``fill`` (row of the fill log) or ``ORDER_ENDED``. Its latency is the response model's
    value for message ``processed`` (the last one the exchange has processed). The queue must
    have room (:func:`make_room`)."""
    arrive = max(t + models.response(models.response_values, processed), st.last_report)
    st.last_report = arrive
    tail = st.report_tail
    rep = reports[tail]
    rep.arrive = arrive
    rep.slot = slot
    rep.fill = fill
    st.report_tail = tail + 1


@njit(**NO_REFCOUNT)
def fill(ex, slot, qty, tick, maker, t, message, processed, fills, reports, st, cfg, models):
    """Execute ``qty`` shares of our order ``slot`` at ``tick`` (exchange side); ``message`` is
    the market message that triggered it (−1: a taker fill on arrival). The fill log and the
    report queue must have room (:func:`make_room`)."""
    order = ex[slot]
    side = order.side
    value = qty * tick * cfg.dollars_per_tick
    charge = models.fee(models.fee_params, maker, value)
    st.inventory += side * qty
    st.cash -= side * value + charge
    st.fees += charge
    n = st.n_fills
    f = fills[n]
    f.time = t
    f.side = side
    f.tick = tick
    f.qty = qty
    f.maker = maker
    f.sent = order.sent_ns
    f.message = message
    f.fee = charge
    st.n_fills = n + 1
    order.leaves -= qty
    if order.leaves == 0:
        order.state = EX_DONE
    report(reports, st, t, slot, n, models, processed)


@njit(**NO_REFCOUNT)
def expire(ex, slot, t, reports, st, models, processed):
    """End our order ``slot`` at the exchange (cancelled or expired) and report it."""
    order = ex[slot]
    order.leaves = 0
    order.state = EX_DONE
    report(reports, st, t, slot, ORDER_ENDED, models, processed)


@njit(**NO_REFCOUNT)
def arrive(ex, slot, t, keys, qtys, counts, fills, reports, st, cfg, models, processed):
    """Our new order ``slot`` reaches the exchange: take liquidity if marketable, else rest at
    the back of its level's queue. Writes at most one fill per level of the opposite side and
    one more report."""
    order = ex[slot]
    side = order.side
    tick = order.tick
    opp = ASK if side > 0 else BID
    best = book.best_tick(keys, counts, opp)
    marketable = best != NO_TICK and (tick >= best if side > 0 else tick <= best)
    if not marketable:
        order.state = EX_RESTING
        order.front = book.qty_at(keys, qtys, counts, BID if side > 0 else ASK, tick)
        order.traded = 0.0
        rest_bounds(ex, st)
        return
    if cfg.post_only == 0:
        lev = counts[opp] - 1
        while lev >= 0 and order.leaves > 0:
            lt = keys[opp, lev] if opp == BID else -keys[opp, lev]
            if (lt > tick) if side > 0 else (lt < tick):
                break
            q = min(qtys[opp, lev], order.leaves)
            fill(ex, slot, q, lt, 0, t, -1, processed, fills, reports, st, cfg, models)
            lev -= 1
    if order.leaves > 0:
        st.expired += 1
        expire(ex, slot, t, reports, st, models, processed)


@njit(**NO_REFCOUNT)
def trade_print(ex, side, price, size, t, message, fills, reports, st, cfg, models):
    """Market message ``message``: a trade of ``size`` at ``price`` (LOBSTER units) against
    resting ``side`` orders (+1: bids, a seller-initiated trade). Fills each order at most
    once."""
    done = False
    for o in range(st.slots):
        order = ex[o]
        if order.state != EX_RESTING or order.side != side:
            continue
        p = order.tick * cfg.tick
        if (p > price) if side > 0 else (p < price):  # traded through
            q = order.leaves
        elif p == price:
            order.front -= size
            order.traded += size
            avail = queue.fillable(order.front)
            if avail == 0:
                continue
            q = min(avail, size, order.leaves) if cfg.partial_fills else order.leaves
        else:
            continue
        fill(ex, o, q, order.tick, 1, t, message, message, fills, reports, st, cfg, models)
        done = done or order.state == EX_DONE
    if done:
        rest_bounds(ex, st)


@njit(**NO_REFCOUNT)
def cross(ex, side, best, t, message, fills, reports, st, cfg, models):
    """The opposite best moved to ``best`` (market message ``message``): fill our resting
    ``side`` orders it crosses, whole, as maker (each order at most once)."""
    for o in range(st.slots):
        order = ex[o]
        if order.state != EX_RESTING or order.side != side:
            continue
        tick = order.tick
        if (tick >= best) if side > 0 else (tick <= best):
            fill(ex, o, order.leaves, tick, 1, t, message, message, fills, reports, st, cfg,
                 models)
    rest_bounds(ex, st)


@njit(**NO_REFCOUNT)
def level_change(ex, side, tick, prev, new, st, queue_model, queue_param):
    """The visible size of the level at ``tick`` on ``side`` (+1 bids) went from ``prev`` to
    ``new``: move the queue position of our orders resting there by the queue model."""
    for o in range(st.slots):
        order = ex[o]
        if order.state == EX_RESTING and order.side == side and order.tick == tick:
            order.front = queue_model(order.front, order.traded, prev, new, queue_param)
            order.traded = 0.0
