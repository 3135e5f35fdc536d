"""Event-driven market-making backtest on a LOBSTER message stream.

The exchange replays the stream into a price-level book (:mod:`mslab.orderbook.book`); our
own limit orders rest beside it without changing it (no market impact) and their queue
positions follow :mod:`mslab.orderbook.queue`. Everything runs in one compiled kernel; times
are integer nanoseconds, prices integer ticks, cash in dollars.

Clocks and latencies. The exchange processes message ``i`` at its time ``tᵢ``. We see it at
``tᵢ + feedᵢ`` (feed latency); an order or cancel sent at local time ``τ`` reaches the
exchange at ``τ + entry`` (order-entry latency); the exchange's report of a fill, a
cancellation or an expiry generated at ``t`` reaches us at ``t + response``. Each latency is a
constant or one value per message (for requests and reports, the value of the last message
the exchange has processed). Each channel is FIFO: a message never overtakes an earlier one
on the same channel (its arrival time is at least the previous arrival). At equal times the
order is: market message (and its arrival at our side), our request at the exchange, a report
to us, a decision, an equity sample.

Fills of a resting order (the rules of hftbacktest; all as maker, at the order's price):

* the opposite best crosses it (a buy at ``b`` fills when the best ask is ≤ ``b``);
* a trade prints through its price (type 4 or 5 at a price worse for the aggressor: a buy
  at ``b`` fills on a seller-initiated print below ``b``);
* a trade prints at its price and the queue ahead is used up (:mod:`~mslab.orderbook.queue`):
  with ``partial_fills`` it fills ``min(reached, traded, leaves)`` shares (``reached`` is
  ``−front`` rounded to whole shares), without partial fills its whole remaining size.

Hidden executions (type 5) are prints like visible ones (they advance queues and fill orders
they trade through) but do not change the visible book. An order marketable on arrival takes
the visible liquidity up to its limit price as taker, level by level, at each level's price;
what is left expires (the replayed book cannot react to our trades, so it must not rest
crossed). With ``post_only`` a marketable order expires instead.

Decisions. The strategy (:mod:`mslab.orderbook.strategies`) is called every
``decision_interval`` seconds of local time from the first message, or after every
``decision_events``-th message received, when the local book has both sides. Its quotes are
reconciled with our open orders: an order whose price is still quoted keeps its place;
others are cancelled; missing quotes are sent, unless ``inventory ± open orders ± size``
would leave ``[−max_inventory, max_inventory]``, so that ``|inventory| ≤ max_inventory``
holds whatever fills arrive. At most ``max_orders`` orders may be alive (sent and not known
finished); further orders are dropped and counted.

Accounting. ``cash`` is in dollars net of fees (fee = rate × traded value, maker or taker
rate; a negative rate is a rebate); equity = cash + inventory × mid (the exchange's mid at
the sample, or the previous sample's if a side of the book is empty), sampled every
``sample_interval`` seconds from the first message until the first sample at or after the
last message.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numba import njit, types

from mslab import _validate
from mslab.orderbook import book, queue, strategies
from mslab.orderbook.book import ASK, BID, NO_TICK
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN, PRICE_SCALE, message_arrays
from mslab.orderbook.metrics import BacktestMetrics, compute_metrics
from mslab.orderbook.strategies import (
    ASK_QTY,
    ASK_TICK,
    BID_QTY,
    BID_TICK,
    CANCELLING,
    FINISHED,
    FREE,
    OPEN,
    ORDER_LEAVES,
    ORDER_SIDE,
    ORDER_STATE,
    ORDER_TICK,
    MarketView,
    Strategy,
)

# integer parameters of the kernel
(P_TICK, P_MODEL, P_PARTIAL, P_POST_ONLY, P_ORDER_SIZE, P_MAX_INV, P_DECISION_NS,
 P_DECISION_EVENTS, P_T0, P_SAMPLE_NS, P_RING, P_MAX_ORDERS) = range(12)
# float parameters
F_POWER, F_MAKER_FEE, F_TAKER_FEE, F_DOLLARS_PER_TICK = range(4)
# integer state / counters (returned)
(S_INV, S_LINV, S_OPEN_BUY, S_OPEN_SELL, S_NFILLS, S_RQ_HEAD, S_RQ_TAIL, S_RS_HEAD,
 S_RS_TAIL, S_DECISIONS, S_SENT, S_CANCELS, S_EXPIRED, S_DROPPED, S_BLOCKED, S_REST_BUY,
 S_MAX_BUY, S_MIN_BUY, S_REST_SELL, S_MIN_SELL, S_MAX_SELL, S_SLOTS) = range(22)
N_STATE = 22  # S_SLOTS: 1 + the highest order slot used so far (loops over orders stop there)
# float state
A_CASH, A_FEES, A_LCASH, A_LAST_REQ, A_LAST_RESP = range(5)
# exchange-side order states
EX_NONE, EX_RESTING, EX_DONE = 0, 1, 2
# requests and reports
REQ_NEW, REQ_CANCEL = 0, 1
REP_FILL, REP_DONE = 0, 1
# columns of the fill log
FL_TIME, FL_SIDE, FL_TICK, FL_QTY, FL_MAKER, FL_SENT, FL_MESSAGE = range(7)
N_FL = 7
_BIG = np.iinfo(np.int64).max


@njit(cache=True)
def _rest_bounds(orders, ex_state, st):
    """Recompute the count and tick range of our resting orders on each side."""
    nb = 0
    ns = 0
    max_b = NO_TICK
    min_b = _BIG
    min_s = _BIG
    max_s = NO_TICK
    for o in range(st[S_SLOTS]):
        if ex_state[o] != EX_RESTING:
            continue
        t = orders[o, ORDER_TICK]
        if orders[o, ORDER_SIDE] > 0:
            nb += 1
            max_b = max(max_b, t)
            min_b = min(min_b, t)
        else:
            ns += 1
            min_s = min(min_s, t)
            max_s = max(max_s, t)
    st[S_REST_BUY] = nb
    st[S_MAX_BUY] = max_b
    st[S_MIN_BUY] = min_b
    st[S_REST_SELL] = ns
    st[S_MIN_SELL] = min_s
    st[S_MAX_SELL] = max_s


@njit(cache=True)
def _grow_rows(buf):
    new = np.zeros((2 * buf.shape[0], buf.shape[1]), np.int64)
    new[:buf.shape[0]] = buf
    return new


@njit(cache=True)
def _report(reports, st, acc, t, kind, slot, qty, tick, maker, resp_ns):
    """Queue a report to the local side (FIFO)."""
    arrive = max(t + resp_ns, int(acc[A_LAST_RESP]))
    acc[A_LAST_RESP] = arrive
    tail = st[S_RS_TAIL]
    if tail == reports.shape[0]:
        head = st[S_RS_HEAD]
        if 2 * head >= tail:  # compact: move the pending reports to the front
            for r in range(head, tail):
                reports[r - head] = reports[r]
            tail -= head
            st[S_RS_HEAD] = 0
        else:
            reports = _grow_rows(reports)
    reports[tail, 0] = arrive
    reports[tail, 1] = kind
    reports[tail, 2] = slot
    reports[tail, 3] = qty
    reports[tail, 4] = tick
    reports[tail, 5] = maker
    st[S_RS_TAIL] = tail + 1
    return reports


@njit(cache=True)
def _fill(slot, qty, tick, maker, t, msg, orders, ex_leaves, ex_state, sent_ns, fills, reports,
          st, acc, ip, fp, resp_ns):
    """Execute ``qty`` shares of our order ``slot`` at ``tick`` (exchange side)."""
    side = orders[slot, ORDER_SIDE]
    value = qty * tick * fp[F_DOLLARS_PER_TICK]
    fee = (fp[F_MAKER_FEE] if maker else fp[F_TAKER_FEE]) * value
    st[S_INV] += side * qty
    acc[A_CASH] -= side * value + fee
    acc[A_FEES] += fee
    n = st[S_NFILLS]
    if n == fills.shape[0]:
        fills = _grow_rows(fills)
    fills[n, FL_TIME] = t
    fills[n, FL_SIDE] = side
    fills[n, FL_TICK] = tick
    fills[n, FL_QTY] = qty
    fills[n, FL_MAKER] = maker
    fills[n, FL_SENT] = sent_ns[slot]
    fills[n, FL_MESSAGE] = msg
    st[S_NFILLS] = n + 1
    ex_leaves[slot] -= qty
    if ex_leaves[slot] == 0:
        ex_state[slot] = EX_DONE
    reports = _report(reports, st, acc, t, REP_FILL, slot, qty, tick, maker, resp_ns)
    return fills, reports


@njit(cache=True)
def _expire(slot, t, ex_leaves, ex_state, reports, st, acc, resp_ns):
    """End our order ``slot`` at the exchange (cancelled or expired) and report it."""
    qty = ex_leaves[slot]
    ex_leaves[slot] = 0
    ex_state[slot] = EX_DONE
    return _report(reports, st, acc, t, REP_DONE, slot, qty, 0, 0, resp_ns)


@njit(cache=True)
def _arrive(slot, t, keys, qtys, counts, orders, ex_leaves, ex_state, ex_front, ex_traded,
            sent_ns, fills, reports, st, acc, ip, fp, resp_ns):
    """Our new order ``slot`` reaches the exchange: take liquidity if marketable, else rest."""
    side = orders[slot, ORDER_SIDE]
    tick = orders[slot, ORDER_TICK]
    opp = ASK if side > 0 else BID
    best = book.best_tick(keys, counts, opp)
    marketable = best != NO_TICK and (tick >= best if side > 0 else tick <= best)
    if not marketable:
        ex_state[slot] = EX_RESTING
        ex_front[slot] = book.qty_at(keys, qtys, counts, BID if side > 0 else ASK, tick)
        ex_traded[slot] = 0.0
        _rest_bounds(orders, ex_state, st)
        return fills, reports
    if ip[P_POST_ONLY] == 0:
        lev = counts[opp] - 1
        while lev >= 0 and ex_leaves[slot] > 0:
            lt = keys[opp, lev] if opp == BID else -keys[opp, lev]
            if (lt > tick) if side > 0 else (lt < tick):
                break
            q = min(qtys[opp, lev], ex_leaves[slot])
            fills, reports = _fill(slot, q, lt, 0, t, -1, orders, ex_leaves, ex_state, sent_ns,
                                   fills, reports, st, acc, ip, fp, resp_ns)
            lev -= 1
    if ex_leaves[slot] > 0:
        st[S_EXPIRED] += 1
        reports = _expire(slot, t, ex_leaves, ex_state, reports, st, acc, resp_ns)
    return fills, reports


@njit(cache=True)
def _print(side, price, size, t, msg, orders, ex_leaves, ex_state, ex_front, ex_traded,
           sent_ns, fills, reports, st, acc, ip, fp, resp_ns):
    """A trade of ``size`` at ``price`` (LOBSTER units) against resting ``side`` orders
    (+1: bids, a seller-initiated trade)."""
    tick_size = ip[P_TICK]
    done = False
    for o in range(st[S_SLOTS]):
        if ex_state[o] != EX_RESTING or orders[o, ORDER_SIDE] != side:
            continue
        p = orders[o, ORDER_TICK] * tick_size
        if (p > price) if side > 0 else (p < price):  # traded through
            q = ex_leaves[o]
        elif p == price:
            ex_front[o] -= size
            ex_traded[o] += size
            avail = queue.fillable(ex_front[o])
            if avail == 0:
                continue
            q = min(avail, size, ex_leaves[o]) if ip[P_PARTIAL] else ex_leaves[o]
        else:
            continue
        fills, reports = _fill(o, q, orders[o, ORDER_TICK], 1, t, msg, orders, ex_leaves,
                               ex_state, sent_ns, fills, reports, st, acc, ip, fp, resp_ns)
        done = done or ex_state[o] == EX_DONE
    if done:
        _rest_bounds(orders, ex_state, st)
    return fills, reports


@njit(cache=True)
def _cross(side, best, t, msg, orders, ex_leaves, ex_state, sent_ns, fills, reports, st, acc,
           ip, fp, resp_ns):
    """The opposite best moved to ``best``: fill our resting ``side`` orders it crosses."""
    for o in range(st[S_SLOTS]):
        if ex_state[o] != EX_RESTING or orders[o, ORDER_SIDE] != side:
            continue
        tick = orders[o, ORDER_TICK]
        if (tick >= best) if side > 0 else (tick <= best):
            fills, reports = _fill(o, ex_leaves[o], tick, 1, t, msg, orders, ex_leaves,
                                   ex_state, sent_ns, fills, reports, st, acc, ip, fp, resp_ns)
    _rest_bounds(orders, ex_state, st)
    return fills, reports


@njit(cache=True)
def _finish_local(slot, orders, inflight):
    orders[slot, ORDER_LEAVES] = 0
    orders[slot, ORDER_STATE] = FREE if inflight[slot] == 0 else FINISHED


@njit(cache=True)
def _request(requests, st, acc, t, kind, slot, entry_ns, inflight):
    arrive = max(t + entry_ns, int(acc[A_LAST_REQ]))
    acc[A_LAST_REQ] = arrive
    tail = st[S_RQ_TAIL]
    r = tail & (requests.shape[0] - 1)
    requests[r, 0] = arrive
    requests[r, 1] = kind
    requests[r, 2] = slot
    st[S_RQ_TAIL] = tail + 1
    inflight[slot] += 1


@njit(cache=True)
def _reconcile(t, quotes, orders, inflight, ex_state, ex_leaves, sent_ns, requests, st, acc,
               ip, entry_ns):
    """Cancel open orders at prices no longer quoted and send the missing quotes."""
    levels = quotes.shape[0]
    matched = np.zeros(levels, np.bool_)
    for side in (1, -1):
        tcol = BID_TICK if side > 0 else ASK_TICK
        qcol = BID_QTY if side > 0 else ASK_QTY
        for o in range(st[S_SLOTS]):
            if orders[o, ORDER_STATE] != OPEN or orders[o, ORDER_SIDE] != side:
                continue
            keep = False
            for lev in range(levels):
                if quotes[lev, qcol] > 0 and quotes[lev, tcol] == orders[o, ORDER_TICK]:
                    keep = True
                    matched[lev] = True
            if not keep:
                orders[o, ORDER_STATE] = CANCELLING
                st[S_CANCELS] += 1
                _request(requests, st, acc, t, REQ_CANCEL, o, entry_ns, inflight)
        for lev in range(levels):
            qty = quotes[lev, qcol]
            if qty <= 0 or matched[lev]:
                continue
            tick = quotes[lev, tcol]
            duplicate = False
            for m in range(lev):
                if quotes[m, qcol] > 0 and quotes[m, tcol] == tick:
                    duplicate = True
            if duplicate:
                continue
            if side > 0:
                allowed = st[S_LINV] + st[S_OPEN_BUY] + qty <= ip[P_MAX_INV]
            else:
                allowed = st[S_LINV] - st[S_OPEN_SELL] - qty >= -ip[P_MAX_INV]
            if not allowed:
                st[S_BLOCKED] += 1
                continue
            slot = -1
            for o in range(orders.shape[0]):
                if orders[o, ORDER_STATE] == FREE:
                    slot = o
                    break
            if slot < 0:
                st[S_DROPPED] += 1
                continue
            st[S_SLOTS] = max(st[S_SLOTS], slot + 1)
            orders[slot, ORDER_SIDE] = side
            orders[slot, ORDER_TICK] = tick
            orders[slot, ORDER_LEAVES] = qty
            orders[slot, ORDER_STATE] = OPEN
            ex_state[slot] = EX_NONE
            ex_leaves[slot] = qty
            sent_ns[slot] = t
            st[S_OPEN_BUY if side > 0 else S_OPEN_SELL] += qty
            st[S_SENT] += 1
            _request(requests, st, acc, t, REQ_NEW, slot, entry_ns, inflight)
        matched[:] = False


def _simulate(t, kind, size, price, ptick, direction, seen, entry_lat, resp_lat, init_ticks,
              init_qtys, init_sides, ip, fp, strategy, sparams, quotes, s_equity, s_cash, s_inv,
              s_mid, s_fees):
    """Kernel (compiled lazily for one signature by :func:`_kernel`). Returns the fill log
    (rows ``st[S_NFILLS]``) and the state/counter array.

    Market messages are processed in an inner loop up to the next other event (a request
    reaching the exchange, a report reaching us, a decision or a sample). Messages reaching
    us need no event of their own: the top of the book after each message is kept in a ring
    buffer, and a decision reads the entry of the last message received by then."""
    n = t.size
    keys, qtys, counts = book.seed_book(init_ticks, init_qtys, init_sides)
    m = ip[P_MAX_ORDERS]
    orders = np.zeros((m, 4), np.int64)  # local view (strategies.ORDER_* columns)
    orders_copy = np.zeros((m, 4), np.int64)  # what the strategy is shown
    inflight = np.zeros(m, np.int64)
    ex_state = np.zeros(m, np.int64)
    ex_leaves = np.zeros(m, np.int64)
    ex_front = np.zeros(m)
    ex_traded = np.zeros(m)
    sent_ns = np.zeros(m, np.int64)
    rq_cap = 1
    while rq_cap < 2 * m:
        rq_cap *= 2
    requests = np.zeros((rq_cap, 3), np.int64)
    reports = np.zeros((64, 6), np.int64)
    fills = np.zeros((64, N_FL), np.int64)
    ring = np.zeros((ip[P_RING], 4), np.int64)
    ring_mask = ip[P_RING] - 1
    st = np.zeros(N_STATE, np.int64)
    acc = np.zeros(5)
    _rest_bounds(orders, ex_state, st)
    model = ip[P_MODEL]
    power = fp[F_POWER]
    tick_size = ip[P_TICK]
    dollars_per_tick = fp[F_DOLLARS_PER_TICK]
    decision_ns = ip[P_DECISION_NS]
    decision_events = ip[P_DECISION_EVENTS]
    t0 = ip[P_T0]
    n_samples = s_equity.size
    n_decisions = 0  # decision times scheduled so far
    if decision_ns > 0:
        next_decision = t0
    else:
        next_decision = seen[decision_events - 1] if decision_events <= n else _BIG
    # before any message arrives we know the initial book (a snapshot)
    init_bid = book.best_tick(keys, counts, BID)
    init_ask = book.best_tick(keys, counts, ASK)
    init_bid_qty = book.best_qty(qtys, counts, BID)
    init_ask_qty = book.best_qty(qtys, counts, ASK)
    mid = np.nan
    i = 0  # next market message at the exchange
    j = 0  # market messages received by us
    s = 0  # next sample
    while s < n_samples:
        tr = requests[st[S_RQ_HEAD] & (rq_cap - 1), 0] if st[S_RQ_HEAD] < st[S_RQ_TAIL] else _BIG
        tp = reports[st[S_RS_HEAD], 0] if st[S_RS_HEAD] < st[S_RS_TAIL] else _BIG
        ts = t0 + s * ip[P_SAMPLE_NS]
        now = min(min(tr, tp), min(next_decision, ts))
        # ---- market messages at the exchange, first at equal times
        while i < n and t[i] <= now:
            k = kind[i]
            d = direction[i]
            # latencies: the value of the last message the exchange has processed
            resp_ns = resp_lat[i if resp_lat.size > 1 else 0]
            n_fills = st[S_NFILLS]
            if k == EXECUTE or k == EXECUTE_HIDDEN:
                p = price[i]
                if d > 0 and st[S_REST_BUY] > 0 and st[S_MAX_BUY] * tick_size >= p:
                    fills, reports = _print(1, p, size[i], t[i], i, orders, ex_leaves, ex_state,
                                            ex_front, ex_traded, sent_ns, fills, reports, st,
                                            acc, ip, fp, resp_ns)
                elif d < 0 and st[S_REST_SELL] > 0 and st[S_MIN_SELL] * tick_size <= p:
                    fills, reports = _print(-1, p, size[i], t[i], i, orders, ex_leaves, ex_state,
                                            ex_front, ex_traded, sent_ns, fills, reports, st,
                                            acc, ip, fp, resp_ns)
            delta = book.message_delta(k, size[i])
            if delta != 0:
                side = book.side_of(d)
                tk = ptick[i]
                if delta > 0 and book.full(keys, counts):
                    keys, qtys = book.grow(keys, qtys)
                prev, new = book.update_level(keys, qtys, counts, side, tk, delta)
                new = max(new, 0)
                if side == BID:
                    if st[S_REST_BUY] > 0 and st[S_MIN_BUY] <= tk <= st[S_MAX_BUY]:
                        for o in range(st[S_SLOTS]):
                            if (ex_state[o] == EX_RESTING and orders[o, ORDER_SIDE] > 0
                                    and orders[o, ORDER_TICK] == tk):
                                ex_front[o] = queue.on_depth(model, power, ex_front[o],
                                                             ex_traded[o], prev, new)
                                ex_traded[o] = 0.0
                    bb = book.best_tick(keys, counts, BID)
                    if st[S_REST_SELL] > 0 and bb != NO_TICK and bb >= st[S_MIN_SELL]:
                        fills, reports = _cross(-1, bb, t[i], i, orders, ex_leaves, ex_state,
                                                sent_ns, fills, reports, st, acc, ip, fp, resp_ns)
                else:
                    if st[S_REST_SELL] > 0 and st[S_MIN_SELL] <= tk <= st[S_MAX_SELL]:
                        for o in range(st[S_SLOTS]):
                            if (ex_state[o] == EX_RESTING and orders[o, ORDER_SIDE] < 0
                                    and orders[o, ORDER_TICK] == tk):
                                ex_front[o] = queue.on_depth(model, power, ex_front[o],
                                                             ex_traded[o], prev, new)
                                ex_traded[o] = 0.0
                    ba = book.best_tick(keys, counts, ASK)
                    if st[S_REST_BUY] > 0 and ba != NO_TICK and ba <= st[S_MAX_BUY]:
                        fills, reports = _cross(1, ba, t[i], i, orders, ex_leaves, ex_state,
                                                sent_ns, fills, reports, st, acc, ip, fp, resp_ns)
            r = i & ring_mask
            ring[r, 0] = book.best_tick(keys, counts, BID)
            ring[r, 1] = book.best_qty(qtys, counts, BID)
            ring[r, 2] = book.best_tick(keys, counts, ASK)
            ring[r, 3] = book.best_qty(qtys, counts, ASK)
            i += 1
            if st[S_NFILLS] > n_fills:  # a report may now be due before `now`
                now = min(now, reports[st[S_RS_HEAD], 0])
        tr = requests[st[S_RQ_HEAD] & (rq_cap - 1), 0] if st[S_RQ_HEAD] < st[S_RQ_TAIL] else _BIG
        tp = reports[st[S_RS_HEAD], 0] if st[S_RS_HEAD] < st[S_RS_TAIL] else _BIG
        li = i - 1 if i > 0 else 0  # the last message the exchange has processed
        if tr == now:  # ---- our request reaches the exchange
            resp_ns = resp_lat[li if resp_lat.size > 1 else 0]
            r = st[S_RQ_HEAD] & (rq_cap - 1)
            slot = requests[r, 2]
            st[S_RQ_HEAD] += 1
            inflight[slot] -= 1
            if requests[r, 1] == REQ_NEW:
                fills, reports = _arrive(slot, now, keys, qtys, counts, orders, ex_leaves,
                                         ex_state, ex_front, ex_traded, sent_ns, fills, reports,
                                         st, acc, ip, fp, resp_ns)
            elif ex_state[slot] == EX_RESTING:
                reports = _expire(slot, now, ex_leaves, ex_state, reports, st, acc, resp_ns)
                _rest_bounds(orders, ex_state, st)
            if orders[slot, ORDER_STATE] == FINISHED and inflight[slot] == 0:
                orders[slot, ORDER_STATE] = FREE
        elif tp == now:  # ---- a report reaches us
            h = st[S_RS_HEAD]
            rep_kind, slot, qty, rep_tick, maker = (reports[h, 1], reports[h, 2], reports[h, 3],
                                                    reports[h, 4], reports[h, 5])
            st[S_RS_HEAD] = h + 1
            if h + 1 == st[S_RS_TAIL]:  # queue empty: reuse it from the start
                st[S_RS_HEAD] = 0
                st[S_RS_TAIL] = 0
            side = orders[slot, ORDER_SIDE]
            open_col = S_OPEN_BUY if side > 0 else S_OPEN_SELL
            if rep_kind == REP_FILL:
                value = qty * rep_tick * dollars_per_tick
                rate = fp[F_MAKER_FEE] if maker else fp[F_TAKER_FEE]
                st[S_LINV] += side * qty
                acc[A_LCASH] -= side * value + rate * value
                st[open_col] -= qty
                orders[slot, ORDER_LEAVES] -= qty
                if orders[slot, ORDER_LEAVES] == 0:
                    _finish_local(slot, orders, inflight)
            else:
                st[open_col] -= orders[slot, ORDER_LEAVES]
                _finish_local(slot, orders, inflight)
        elif next_decision == now:  # ---- the strategy decides
            n_decisions += 1
            if decision_ns > 0:
                next_decision = t0 + n_decisions * decision_ns
            else:
                e = (n_decisions + 1) * decision_events - 1
                next_decision = seen[e] if e < n else _BIG
            while j < n and seen[j] <= now:
                j += 1
            if j > 0:
                r = (j - 1) & ring_mask
                l_bid, l_bid_qty, l_ask, l_ask_qty = ring[r, 0], ring[r, 1], ring[r, 2], ring[r, 3]
            else:
                l_bid, l_bid_qty, l_ask, l_ask_qty = init_bid, init_bid_qty, init_ask, init_ask_qty
            if l_bid != NO_TICK and l_ask != NO_TICK:
                st[S_DECISIONS] += 1
                view = MarketView(now * 1e-9, (now - t0) * 1e-9, l_bid, l_ask, l_bid_qty,
                                  l_ask_qty, 0.5 * (l_bid + l_ask), st[S_LINV], acc[A_LCASH],
                                  st[S_OPEN_BUY], st[S_OPEN_SELL], ip[P_ORDER_SIZE],
                                  ip[P_MAX_INV])
                quotes[:, BID_QTY] = 0
                quotes[:, ASK_QTY] = 0
                orders_copy[:st[S_SLOTS]] = orders[:st[S_SLOTS]]
                strategy(view, sparams, orders_copy, quotes)
                entry_ns = entry_lat[li if entry_lat.size > 1 else 0]
                _reconcile(now, quotes, orders, inflight, ex_state, ex_leaves, sent_ns, requests,
                           st, acc, ip, entry_ns)
        else:  # ---- equity sample
            if counts[BID] > 0 and counts[ASK] > 0:
                mid = 0.5 * (book.best_tick(keys, counts, BID)
                             + book.best_tick(keys, counts, ASK)) * dollars_per_tick
            s_cash[s] = acc[A_CASH]
            s_inv[s] = st[S_INV]
            s_mid[s] = mid
            s_fees[s] = acc[A_FEES]
            s_equity[s] = acc[A_CASH] + (st[S_INV] * mid if st[S_INV] != 0 else 0.0)
            s += 1
    return fills, st


@njit(cache=True)
def _max_ahead(t, seen):
    """max over j of #{i : t[i] <= seen[j]} − j (both arrays sorted): how many messages the
    exchange can have processed beyond the last one we have received."""
    k = 0
    ahead = 0
    for j in range(seen.size):
        while k < t.size and t[k] <= seen[j]:
            k += 1
        ahead = max(ahead, k - j)
    return ahead


_I1, _I2, _F1 = types.int64[::1], types.int64[:, ::1], types.float64[::1]
_KERNEL_SIGNATURE = (_I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _I1, _F1,
                     strategies.STRATEGY_TYPE, _F1, _I2, _F1, _F1, _I1, _F1, _F1)


@functools.cache
def _kernel():
    """The kernel, compiled (or loaded from the cache) on first use for the one signature
    that takes the strategy as a typed function pointer."""
    return njit(_KERNEL_SIGNATURE, cache=True)(_simulate)


@dataclass(frozen=True)
class Fills:
    """Our executions, in exchange time order: ``time`` (s, at the exchange), ``side`` (+1
    bought, −1 sold), ``price`` ($), ``qty`` (shares), ``maker`` (bool), ``fee`` ($, negative for
    a rebate), ``sent`` (local time the order was sent, s) and ``message`` (index of the
    market message that triggered the fill; −1 for a taker fill on the order's arrival)."""

    time: np.ndarray
    side: np.ndarray
    price: np.ndarray
    qty: np.ndarray
    maker: np.ndarray
    fee: np.ndarray
    sent: np.ndarray
    message: np.ndarray

    @property
    def value(self) -> np.ndarray:
        """Traded value of each fill ($)."""
        return self.price * self.qty


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of :func:`run_backtest`.

    Samples (one per ``sample_interval`` from the first message): ``times`` (s), ``equity``
    = ``cash`` + ``inventory`` × ``mid`` ($), ``cash`` ($, net of fees), ``inventory``
    (shares), ``mid`` ($), ``fees`` (cumulative, $). ``fills`` lists our executions;
    ``counts`` holds ``decisions``, ``orders_sent``, ``cancels_sent``, ``expired`` (orders
    ending unfilled on arrival: post-only rejections and unfilled taker remainders),
    ``dropped`` (orders not sent because ``max_orders`` were alive) and ``blocked`` (quotes not
    sent because of the inventory limit).
    """

    params: dict[str, object]
    times: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    inventory: np.ndarray
    mid: np.ndarray
    fees: np.ndarray
    fills: Fills
    counts: dict[str, int] = field(default_factory=dict)

    def metrics(self, seconds_per_year: float = 252 * 6.5 * 3600) -> BacktestMetrics:
        """Summary statistics (:func:`mslab.orderbook.metrics.compute_metrics`)."""
        return compute_metrics(self, seconds_per_year)


def _latency(name: str, value: object, n: int) -> np.ndarray:
    """A latency in seconds (scalar or one per message) as int64 nanoseconds."""
    arr = np.asarray(value) if not isinstance(value, (int, float)) else None
    if arr is None:
        return np.array([round(_validate.nonnegative(name, value) * 1e9)], np.int64)
    if (arr.ndim != 1 or arr.size != n or arr.dtype == bool
            or not np.issubdtype(arr.dtype, np.number)
            or not np.all(np.isfinite(arr)) or np.any(arr < 0)):
        _validate.fail(name, f"<{arr.dtype} array of shape {arr.shape}>",
                       f"a non-negative number of seconds or a 1-D array of them, one per "
                       f"message ({n})")
    return np.round(arr.astype(np.float64) * 1e9).astype(np.int64)


def run_backtest(
    messages: object,
    strategy: Strategy,
    *,
    tick: int,
    order_size: int = 100,
    max_inventory: int = 1000,
    queue_model: str = "risk_averse",
    queue_power: float = 2.0,
    partial_fills: bool = True,
    post_only: bool = False,
    feed_latency: float | np.ndarray = 0.0,
    entry_latency: float | np.ndarray = 0.0,
    response_latency: float | np.ndarray = 0.0,
    maker_fee: float = 0.0,
    taker_fee: float = 0.0,
    decision_interval: float | None = None,
    decision_events: int | None = None,
    sample_interval: float = 1.0,
    max_orders: int = 64,
    initial_book: object = None,
) -> BacktestResult:
    """Backtest a quoting ``strategy`` on a LOBSTER message stream (see the module docstring).

    Parameters
    ----------
    messages : LOBSTER message stream (:mod:`mslab.orderbook.messages`).
    strategy : a :class:`~mslab.orderbook.strategies.Strategy` (``grid_quoter``,
        ``avellaneda_stoikov_quoter``, ``glft_quoter`` or ``custom_strategy``).
    tick : price grid in LOBSTER units (100 = one cent).
    order_size : shares per quote (≥ 1), passed to the strategy. max_inventory : bound on
        ``|inventory|`` (shares, ≥ 0).
    queue_model : ``"risk_averse"``, ``"power"`` (exponent ``queue_power`` > 0) or ``"log"``.
    partial_fills : fill only the traded quantity at the front of the queue (else the whole
        order). post_only : marketable orders expire instead of taking liquidity.
    feed_latency, entry_latency, response_latency : seconds ≥ 0, constants or one per message.
    maker_fee, taker_fee : fee rates on traded value (negative: rebate), in (−1, 1).
    decision_interval : seconds > 0 between decisions, or ``decision_events`` ≥ 1: decide
        after every that many received messages (exactly one of the two).
    sample_interval : seconds > 0 between equity samples.
    max_orders : most orders alive at once (1..4096). initial_book : the book before the first
        message as a LOBSTER order-book row (see :func:`~mslab.orderbook.replay_lobster`).
    """
    tick = _validate.integer("tick", tick, low=1)
    msg = message_arrays(messages, tick)
    if (not isinstance(strategy, Strategy) or not isinstance(strategy.params, np.ndarray)
            or strategy.params.dtype != np.float64 or strategy.params.ndim != 1
            or not strategy.params.flags.c_contiguous
            or not isinstance(strategy.levels, int) or not 1 <= strategy.levels <= 64):
        _validate.fail("strategy", strategy, "a Strategy made by grid_quoter, "
                       "avellaneda_stoikov_quoter, glft_quoter or custom_strategy")
    order_size = _validate.integer("order_size", order_size, low=1)
    max_inventory = _validate.integer("max_inventory", max_inventory, low=0)
    model = queue.QUEUE_MODELS.index(
        _validate.choice("queue_model", queue_model, queue.QUEUE_MODELS))
    queue_power = _validate.positive("queue_power", queue_power)
    for name, flag in (("partial_fills", partial_fills), ("post_only", post_only)):
        if not isinstance(flag, bool):
            _validate.fail(name, flag, "True or False")
    feed = _latency("feed_latency", feed_latency, msg.n)
    entry = _latency("entry_latency", entry_latency, msg.n)
    response = _latency("response_latency", response_latency, msg.n)
    maker_fee = _validate.real("maker_fee", maker_fee, low=-1.0, high=1.0, low_open=True,
                               high_open=True)
    taker_fee = _validate.real("taker_fee", taker_fee, low=-1.0, high=1.0, low_open=True,
                               high_open=True)
    if (decision_interval is None) == (decision_events is None):
        _validate.fail("decision_interval", decision_interval,
                       "given (seconds > 0) if and only if decision_events is not "
                       f"(decision_events={decision_events!r})")
    decision_ns = 0
    if decision_interval is not None:
        decision_ns = round(_validate.positive("decision_interval", decision_interval) * 1e9)
        if decision_ns < 1:
            _validate.fail("decision_interval", decision_interval, ">= 1e-9 (one nanosecond)")
    n_events = 0 if decision_events is None else _validate.integer(
        "decision_events", decision_events, low=1)
    sample_interval = _validate.positive("sample_interval", sample_interval)
    sample_ns = round(sample_interval * 1e9)
    if sample_ns < 1:
        _validate.fail("sample_interval", sample_interval, ">= 1e-9 (one nanosecond)")
    max_orders = _validate.integer("max_orders", max_orders, low=1, high=4096)
    init = book.initial_levels(initial_book, tick)

    t = msg.time_ns
    seen = np.maximum.accumulate(t + (feed if feed.size > 1 else feed[0]))
    # When we decide, the exchange has processed at most `ahead` messages beyond the last one
    # we have received; the ring of top-of-book states must hold them and that one.
    ring = 1 << int(_max_ahead(t, seen)).bit_length()
    t0 = int(t[0])
    n_samples = -(-(int(t[-1]) - t0) // sample_ns) + 1
    ip = np.array([tick, model, partial_fills, post_only, order_size, max_inventory, decision_ns,
                   n_events, t0, sample_ns, ring, max_orders], np.int64)
    dollars_per_tick = tick / PRICE_SCALE
    fp = np.array([queue_power, maker_fee, taker_fee, dollars_per_tick])
    quotes = np.zeros((strategy.levels, 4), np.int64)
    equity, cash, mid, fees = (np.empty(n_samples) for _ in range(4))
    inventory = np.empty(n_samples, np.int64)

    log, st = _kernel()(t, msg.type, msg.size, msg.price, msg.price_tick, msg.direction, seen,
                        entry, response, *init, ip, fp, strategy.function, strategy.params,
                        quotes, equity, cash, inventory, mid, fees)

    log = log[:st[S_NFILLS]]
    maker = log[:, FL_MAKER].astype(bool)
    value = log[:, FL_QTY] * log[:, FL_TICK] * dollars_per_tick  # as the kernel computes it
    fills = Fills(time=log[:, FL_TIME] * 1e-9, side=log[:, FL_SIDE].copy(),
                  price=log[:, FL_TICK] * dollars_per_tick, qty=log[:, FL_QTY].copy(),
                  maker=maker, fee=np.where(maker, maker_fee, taker_fee) * value,
                  sent=log[:, FL_SENT] * 1e-9, message=log[:, FL_MESSAGE].copy())
    params = dict(strategy=strategy.name, strategy_params=strategy.params.tolist(), tick=tick,
                  order_size=order_size, max_inventory=max_inventory, queue_model=queue_model,
                  queue_power=queue_power, partial_fills=partial_fills, post_only=post_only,
                  maker_fee=maker_fee, taker_fee=taker_fee, decision_interval=decision_interval,
                  decision_events=decision_events, sample_interval=sample_interval,
                  max_orders=max_orders)
    counts = dict(decisions=int(st[S_DECISIONS]), orders_sent=int(st[S_SENT]),
                  cancels_sent=int(st[S_CANCELS]), expired=int(st[S_EXPIRED]),
                  dropped=int(st[S_DROPPED]), blocked=int(st[S_BLOCKED]))
    return BacktestResult(params=params, times=(t0 + np.arange(n_samples) * sample_ns) * 1e-9,
                          equity=equity, cash=cash, inventory=inventory, mid=mid, fees=fees,
                          fills=fills, counts=counts)
