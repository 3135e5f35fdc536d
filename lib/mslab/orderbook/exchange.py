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
    """``records`` in an array of twice the length (the new half zeroed).

    Parameters
    ----------
    records : numpy.ndarray
        A 1-D array, e.g. the fill log (:data:`FILL`) or the report queue (:data:`REPORT`).

    Returns
    -------
    numpy.ndarray
        A new array of the same dtype and length ``2·records.size``.
    """
    new = np.zeros(2 * records.size, records.dtype)
    new[:records.size] = records
    return new


@njit(**NO_REFCOUNT)
def new_order(order, side, tick, qty, t):
    """Our order record, sent at local time ``t`` and not yet at the exchange.

    Sets the side, tick, state (``EX_NONE``), shares left and send time of ``order`` in
    place; its queue position is set when it arrives (:func:`arrive`).

    Parameters
    ----------
    order
        The :data:`EXCHANGE_ORDER` record of the order's slot.
    side : int
        +1 buy, −1 sell.
    tick : int
        Limit price in ticks.
    qty : int
        Shares.
    t : int
        Local time the order is sent (engine clock, ns).
    """
    order.side, order.tick, order.state = side, tick, EX_NONE
    order.leaves = qty
    order.sent_ns = t


@njit(**NO_REFCOUNT)
def rest_bounds(ex, st):
    """Recompute the count and tick range of our resting orders on each side.

    Writes ``rest_buy``, ``min_buy``, ``max_buy``, ``rest_sell``, ``min_sell`` and
    ``max_sell`` of ``st`` (ticks; a side without resting orders gets ``max`` = ``NO_TICK``
    and ``min`` = :data:`BIG`), from the first ``st.slots`` order slots.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records, one per slot.
    st
        The :data:`BACKTEST_STATE` record, updated in place.
    """
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
    """``fills`` and ``reports`` with room for ``need`` more fills and reports.

    When the report queue is short of room and at least half of its written entries are
    consumed, it is compacted (its pending reports moved to the front); then either array
    doubles while short. The functions below write without growing an array (a kernel that
    reassigned its arrays on every market message would pay for reference counting on each),
    so a caller makes room for the most they can write first.

    Parameters
    ----------
    fills : numpy.ndarray
        The fill log, :data:`FILL` records (``st.n_fills`` written).
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records (pending: ``st.report_head`` to
        ``st.report_tail``).
    st
        The :data:`BACKTEST_STATE` record (its report head and tail move on compaction).
    need : int
        Number of fills and of reports the caller may write.

    Returns
    -------
    fills, reports : numpy.ndarray
        The same arrays, or grown copies (:func:`grow`).
    """
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
    have room (:func:`make_room`).

    The report arrives at ``max(t + latency, st.last_report)`` (ns), so reports never overtake
    one another.

    Parameters
    ----------
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records; the report is written at ``st.report_tail``.
    st
        The :data:`BACKTEST_STATE` record (``last_report`` and ``report_tail`` are updated).
    t : int
        Exchange time the report is generated (engine clock, ns).
    slot : int
        Our order's slot.
    fill : int
        Row of the fill log, or ``ORDER_ENDED`` (−1) for a cancelled or expired order.
    models
        The backtest's models (``response`` and ``response_values`` are read).
    processed : int
        Index of the last market message the exchange has processed.
    """
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
    report queue must have room (:func:`make_room`).

    The traded value is ``qty · tick · cfg.dollars_per_tick`` dollars and the fee the fee
    model's for it. The exchange-side inventory, cash (net of the fee) and fees of ``st`` are
    updated, a :data:`FILL` record is logged, the order's shares left decrease (at 0 it is
    ``EX_DONE``) and the fill is reported (:func:`report`). The tick range of resting orders
    is not recomputed (the caller does, :func:`rest_bounds`).

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    slot : int
        The order's slot.
    qty : int
        Shares filled (≤ the order's shares left).
    tick : int
        Fill price in ticks.
    maker : int
        1 for a maker fill, 0 for a taker fill.
    t : int
        Exchange time of the fill (engine clock, ns).
    message : int
        Index of the market message that triggered the fill, −1 for a taker fill on arrival.
    processed : int
        Index of the last market message the exchange has processed (response latency).
    fills : numpy.ndarray
        The fill log, :data:`FILL` records.
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records.
    st
        The :data:`BACKTEST_STATE` record, updated in place.
    cfg
        The :data:`SETTINGS` record.
    models
        The backtest's models (fee and response latency).
    """
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
    """End our order ``slot`` at the exchange (cancelled or expired) and report it.

    Its shares left become 0 and its state ``EX_DONE``; a report with ``ORDER_ENDED`` is
    queued (:func:`report`; the queue must have room). Neither ``st.expired`` nor the tick
    range of resting orders is updated here.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    slot : int
        The order's slot.
    t : int
        Exchange time (engine clock, ns).
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records.
    st
        The :data:`BACKTEST_STATE` record.
    models
        The backtest's models (response latency).
    processed : int
        Index of the last market message the exchange has processed.
    """
    order = ex[slot]
    order.leaves = 0
    order.state = EX_DONE
    report(reports, st, t, slot, ORDER_ENDED, models, processed)


@njit(**NO_REFCOUNT)
def arrive(ex, slot, t, keys, qtys, counts, fills, reports, st, cfg, models, processed):
    """Our new order ``slot`` reaches the exchange: take liquidity if marketable, else rest at
    the back of its level's queue.

    A resting order's queue ahead is the visible size at its level. A marketable order
    (a buy at or above the best ask, a sell at or below the best bid) takes the visible
    opposite levels, best first, up to its limit price, as taker (unless ``cfg.post_only``;
    the market's book is not changed); what is left of it expires (counted in
    ``st.expired``). Writes at most one fill (and its report) per level of the opposite side
    and one more report.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    slot : int
        The order's slot.
    t : int
        Exchange time of arrival (engine clock, ns).
    keys, qtys, counts : numpy.ndarray
        The market's book (:func:`mslab.orderbook.book.new_book`).
    fills : numpy.ndarray
        The fill log, :data:`FILL` records.
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records.
    st
        The :data:`BACKTEST_STATE` record, updated in place.
    cfg
        The :data:`SETTINGS` record.
    models
        The backtest's models (fee and response latency).
    processed : int
        Index of the last market message the exchange has processed.
    """
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
    once.

    An order at a better price than the trade (traded through) fills whole. An order at the
    trade's price moves ``size`` shares up its queue (``front`` falls and ``traded`` grows by
    ``size``) and fills once the queue ahead is exhausted: the shares the trade reached
    (:func:`mslab.orderbook.queue.fillable`), at most ``size`` and its shares left, with
    ``cfg.partial_fills``, else the whole order. Fills are maker fills at the order's price.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    side : int
        +1: our resting buy orders, −1: our resting sell orders.
    price : int
        Trade price (LOBSTER units).
    size : int
        Trade size (shares).
    t : int
        Exchange time of the message (engine clock, ns).
    message : int
        Index of the market message (also the last processed, for the response latency).
    fills : numpy.ndarray
        The fill log, :data:`FILL` records (must have room, :func:`make_room`).
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records (must have room).
    st
        The :data:`BACKTEST_STATE` record, updated in place.
    cfg
        The :data:`SETTINGS` record.
    models
        The backtest's models (fee and response latency).
    """
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
    ``side`` orders it crosses, whole, as maker (each order at most once).

    A buy order crosses when its tick ≥ ``best``, a sell order when its tick ≤ ``best``; it
    fills at its own price. The tick range of resting orders is then recomputed.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    side : int
        +1: our resting buy orders (``best`` is the best ask), −1: our sell orders (the best
        bid).
    best : int
        The opposite best in ticks.
    t : int
        Exchange time of the message (engine clock, ns).
    message : int
        Index of the market message (also the last processed, for the response latency).
    fills : numpy.ndarray
        The fill log, :data:`FILL` records (must have room, :func:`make_room`).
    reports : numpy.ndarray
        The report queue, :data:`REPORT` records (must have room).
    st
        The :data:`BACKTEST_STATE` record, updated in place.
    cfg
        The :data:`SETTINGS` record.
    models
        The backtest's models (fee and response latency).
    """
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
    ``new``: move the queue position of our orders resting there by the queue model.

    Each such order's ``front`` becomes ``queue_model(front, traded, prev, new,
    queue_param)`` and its ``traded`` is reset to 0.

    Parameters
    ----------
    ex : numpy.ndarray
        Our orders at the exchange, :data:`EXCHANGE_ORDER` records.
    side : int
        +1: our resting buy orders, −1: our resting sell orders.
    tick : int
        The level's price in ticks.
    prev, new : int
        The level's visible size before and after (shares).
    st
        The :data:`BACKTEST_STATE` record (``st.slots`` is read).
    queue_model
        A numba function compiled for
        :data:`~mslab.orderbook.queue.QUEUE_MODEL_SIGNATURE`.
    queue_param : float
        The queue model's parameter.
    """
    for o in range(st.slots):
        order = ex[o]
        if order.state == EX_RESTING and order.side == side and order.tick == tick:
            order.front = queue_model(order.front, order.traded, prev, new, queue_param)
            order.traded = 0.0
