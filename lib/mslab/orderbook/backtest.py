"""Event-driven market-making backtest on a LOBSTER message stream.

The exchange replays the stream into a price-level book (:mod:`mslab.orderbook.book`); our
own limit orders rest beside it without changing it (no market impact) and their queue
positions follow :mod:`mslab.orderbook.queue`. Everything runs in one compiled kernel; times
are integer nanoseconds, prices integer ticks, cash in dollars.

Parts (as hftbacktest names them), each in its own module and swappable without touching the
kernel: the exchange's matching of our orders (:mod:`mslab.orderbook.exchange`), the queue
model (:mod:`mslab.orderbook.queue`), the latency models (:mod:`mslab.orderbook.latency`), the
fee model (:mod:`mslab.orderbook.fees`) and the quoter (:mod:`mslab.orderbook.quoters`).
Models are numba functions of a fixed signature that the kernel calls as first-class
functions, so one compiled (and cached) kernel serves every combination; this module holds
the event loop (:func:`_run_market_making`), the local side (what the quoter knows, its
requests and the exchange's reports reaching it) and :func:`run_backtest`.

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

Real LOBSTER days. Book-file mode (``book=`` the stream's order-book file): a LOBSTER message
file holds only the messages within its depth, so a replay from messages alone drifts from
the true book (:func:`~mslab.orderbook.book.replay_divergence` reports where). In this mode
the visible book after message ``i`` is row ``i`` of the file: each message is first applied
to the book (row ``i − 1``) to move our queue positions and print trades, then the book is
reset to row ``i`` and our resting orders it crosses fill (both sides are checked). Message-
only mode (``book=None``, synthetic streams) is unchanged. Executions of hidden orders (type
5, order id 0; a day may open with them before any submission) print — they advance the
queue at their price and fill orders they trade through — but never change the visible book.
Cross trades (type 6, the opening and closing auctions) change neither the book nor our
orders: the auction is a separate book in which our continuous-market orders take no part.
Trading halts (type 7, price −1; LOBSTER's price 0 marks the resumption of quoting and 1 of
trading): from the halt at the exchange until the resume (price 1), our orders get no fills
(prints and crosses are ignored for them) and new orders reaching the exchange expire
(counted in ``expired``); cancels are processed. While the last message we have received is
within a halt, the quoter is not called. Locked or crossed books (possible in a file, or
when a replay drifts) are taken as they are: the fill rules above apply unchanged, so a
resting order fills only when the opposite best reaches its price or a trade prints at or
through it, and an arriving order takes the visible opposite levels up to its limit price.

Decisions. The quoter (:mod:`mslab.orderbook.quoters`) is called every
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
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
from numba import njit, types

from mslab import _validate
from mslab.orderbook import book, exchange, queue
from mslab.orderbook import book as book_module  # run_backtest's argument `book` shadows it
from mslab.orderbook.book import ASK, BID, NO_REFCOUNT, NO_TICK
from mslab.orderbook.exchange import (
    BACKTEST_STATE,
    BIG,
    EX_RESTING,
    EXCHANGE_ORDER,
    FILL,
    ORDER_ENDED,
    REPORT,
    REQ_CANCEL,
    REQ_NEW,
    REQUEST,
    SETTINGS,
)
from mslab.orderbook.fees import FEE_MODEL_SIGNATURE, FEE_MODEL_TYPE, proportional_fee
from mslab.orderbook.latency import (
    LATENCY_MODEL_TYPE,
    feed_arrival,
    latency_model,
    latency_values,
)
from mslab.orderbook.messages import (EXECUTE, EXECUTE_HIDDEN, HALT, PRICE_SCALE, check_tick,
                                     message_arrays)
from mslab.orderbook.metrics import BacktestMetrics, compute_metrics
from mslab.orderbook.quoters import (
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
    QUOTER_TYPE,
    MarketView,
    Quoter,
)
from mslab.orderbook.queue import QUEUE_MODEL_TYPE

# The swappable parts of the backtest that the exchange and the local side call, bundled
# inside the kernel: each model is a first-class function with its data (see quoters, fees and
# latency). The queue model is passed on its own to the one place that moves queues.
Models = namedtuple("Models", ["quoter", "quoter_params", "fee", "fee_params", "entry",
                               "entry_values", "response", "response_values"])
TOP = np.dtype([("bid", np.int64), ("bid_qty", np.int64), ("ask", np.int64),
                ("ask_qty", np.int64), ("halted", np.int64)])  # the book after a message
# Work and memory bounds, refused before the kernel runs: equity samples (allocated up front)
# and decision times over the stream.
MAX_SAMPLES = 50_000_000
MAX_DECISIONS = 200_000_000


@njit(**NO_REFCOUNT)
def _finish_local(slot, orders, inflight):
    orders[slot, ORDER_LEAVES] = 0
    orders[slot, ORDER_STATE] = FREE if inflight[slot] == 0 else FINISHED


@njit(**NO_REFCOUNT)
def _request(requests, st, t, kind, slot, entry_ns, inflight):
    """Send a request to the exchange (FIFO, arriving ``entry_ns`` later)."""
    arrive = max(t + entry_ns, st.last_request)
    st.last_request = arrive
    tail = st.request_tail
    req = requests[tail & (requests.size - 1)]
    req.arrive = arrive
    req.kind = kind
    req.slot = slot
    st.request_tail = tail + 1
    inflight[slot] += 1


@njit(**NO_REFCOUNT)
def _reconcile(t, quotes, matched, orders, inflight, ex, requests, st, cfg, entry_ns):
    """Cancel open orders at prices no longer quoted and send the missing quotes (``matched``:
    scratch, one flag per quote level, all False on entry and on return)."""
    levels = quotes.shape[0]
    for side in (1, -1):
        tcol = BID_TICK if side > 0 else ASK_TICK
        qcol = BID_QTY if side > 0 else ASK_QTY
        for o in range(st.slots):
            if orders[o, ORDER_STATE] != OPEN or orders[o, ORDER_SIDE] != side:
                continue
            keep = False
            for lev in range(levels):
                if quotes[lev, qcol] > 0 and quotes[lev, tcol] == orders[o, ORDER_TICK]:
                    keep = True
                    matched[lev] = True
            if not keep:
                orders[o, ORDER_STATE] = CANCELLING
                st.cancels += 1
                _request(requests, st, t, REQ_CANCEL, o, entry_ns, inflight)
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
                allowed = st.local_inventory + st.open_buy + qty <= cfg.max_inventory
            else:
                allowed = st.local_inventory - st.open_sell - qty >= -cfg.max_inventory
            if not allowed:
                st.blocked += 1
                continue
            slot = -1
            for o in range(orders.shape[0]):
                if orders[o, ORDER_STATE] == FREE:
                    slot = o
                    break
            if slot < 0:
                st.dropped += 1
                continue
            st.slots = max(st.slots, slot + 1)
            orders[slot, ORDER_SIDE] = side
            orders[slot, ORDER_TICK] = tick
            orders[slot, ORDER_LEAVES] = qty
            orders[slot, ORDER_STATE] = OPEN
            exchange.new_order(ex[slot], side, tick, qty, t)
            if side > 0:
                st.open_buy += qty
            else:
                st.open_sell += qty
            st.sent += 1
            _request(requests, st, t, REQ_NEW, slot, entry_ns, inflight)
        matched[:] = False


@njit(**NO_REFCOUNT)
def _receive_report(rep, fills, orders, inflight, st, cfg):
    """A report of the exchange reaches us: update our inventory, cash and order table."""
    slot = rep.slot
    side = orders[slot, ORDER_SIDE]
    if rep.fill != ORDER_ENDED:
        f = fills[rep.fill]
        st.local_inventory += side * f.qty
        st.local_cash -= side * (f.qty * f.tick * cfg.dollars_per_tick) + f.fee
        if side > 0:
            st.open_buy -= f.qty
        else:
            st.open_sell -= f.qty
        orders[slot, ORDER_LEAVES] -= f.qty
        if orders[slot, ORDER_LEAVES] == 0:
            _finish_local(slot, orders, inflight)
    else:
        if side > 0:
            st.open_buy -= orders[slot, ORDER_LEAVES]
        else:
            st.open_sell -= orders[slot, ORDER_LEAVES]
        _finish_local(slot, orders, inflight)


def _run_market_making(t, kind, size, price, ptick, direction, seen, init_ticks, init_qtys,
                       init_sides, rows, settings, quoter, quoter_params, quotes, queue_model, fee,
                       fee_params, entry, entry_values, response, response_values, s_equity,
                       s_cash, s_inv, s_mid, s_fees):
    """Kernel (compiled lazily for one signature by :func:`_kernel`): the event loop of the
    market-making backtest. Returns the fill log (``st.n_fills`` records) and the state.

    Market messages are processed in an inner loop up to the next other event (a request
    reaching the exchange, a report reaching us, a decision or a sample). Messages reaching
    us need no event of their own: the top of the book after each message is kept in a ring
    buffer, and a decision reads the entry of the last message received by then."""
    models = Models(quoter, quoter_params, fee, fee_params, entry, entry_values, response,
                    response_values)
    cfg = settings[0]
    n = t.size
    keys, qtys, counts = book.seed_book(init_ticks, init_qtys, init_sides)
    use_book = rows.shape[0] > 0  # book-file mode: the visible book is rows[i] after message i
    while keys.shape[1] <= rows.shape[1] // 4:
        keys, qtys = book.grow(keys, qtys)
    halted = False  # at the exchange, between a type-7 halt and its resume
    m = cfg.max_orders
    orders = np.zeros((m, 4), np.int64)  # local view (quoters.ORDER_* columns)
    orders_copy = np.zeros((m, 4), np.int64)  # what the quoter is shown
    inflight = np.zeros(m, np.int64)
    ex = np.zeros(m, EXCHANGE_ORDER)
    rq_cap = 1
    while rq_cap < 2 * m:
        rq_cap *= 2
    requests = np.zeros(rq_cap, REQUEST)
    reports = np.zeros(64, REPORT)
    fills = np.zeros(64, FILL)
    # Room in the fill log and the report queue for one market message: each exchange call
    # of the message loop (a print and up to two crosses) fills each of our orders at most once.
    need = 3 * m
    matched = np.zeros(quotes.shape[0], np.bool_)
    ring = np.zeros(cfg.ring, TOP)
    ring_mask = cfg.ring - 1
    state = np.zeros(1, BACKTEST_STATE)
    st = state[0]
    exchange.rest_bounds(ex, st)
    tick = cfg.tick  # the settings read in the message loop, as locals
    decision_ns = cfg.decision_ns
    decision_events = cfg.decision_events
    t0 = cfg.t0
    n_samples = s_equity.size
    n_decisions = 0  # decision times scheduled so far
    if decision_ns > 0:
        next_decision = t0
    else:
        next_decision = seen[decision_events - 1] if decision_events <= n else BIG
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
        tr = requests[st.request_head & (rq_cap - 1)].arrive \
            if st.request_head < st.request_tail else BIG
        tp = reports[st.report_head].arrive if st.report_head < st.report_tail else BIG
        ts = t0 + s * cfg.sample_ns
        now = min(min(tr, tp), min(next_decision, ts))
        # ---- market messages at the exchange, first at equal times. No array grows inside the
        # message loop (one that may be reassigned there costs reference counting on every
        # message): room for the most a message can write is made before, and the loop
        # stops to make more when it runs short (a side of the book full, fills or reports).
        while i < n and t[i] <= now:
            if book.full(keys, counts):
                keys, qtys = book.grow(keys, qtys)
            fills, reports = exchange.make_room(fills, reports, st, need)
            # the capacities as scalars: a function taking the arrays here would also cost
            # reference counting on every message
            levels_cap, fills_cap, reports_cap = keys.shape[1], fills.size, reports.size
            while (i < n and t[i] <= now and counts[BID] < levels_cap
                   and counts[ASK] < levels_cap and st.n_fills + need <= fills_cap
                   and st.report_tail + need <= reports_cap):
                k = kind[i]
                d = direction[i]
                n_fills = st.n_fills
                if k == HALT:  # price −1: halt, 0: quoting resumes, 1: trading resumes
                    halted = price[i] != 1
                if (k == EXECUTE or k == EXECUTE_HIDDEN) and not halted:
                    p = price[i]
                    if d > 0 and st.rest_buy > 0 and st.max_buy * tick >= p:
                        exchange.trade_print(ex, 1, p, size[i], t[i], i, fills, reports, st,
                                             cfg, models)
                    elif d < 0 and st.rest_sell > 0 and st.min_sell * tick <= p:
                        exchange.trade_print(ex, -1, p, size[i], t[i], i, fills, reports, st,
                                             cfg, models)
                delta = book.message_delta(k, size[i])
                if delta != 0:
                    side = book.side_of(d)
                    tk = ptick[i]
                    prev, new = book.update_level(keys, qtys, counts, side, tk, delta)
                    new = max(new, 0)
                    if side == BID:
                        if st.rest_buy > 0 and st.min_buy <= tk <= st.max_buy:
                            exchange.level_change(ex, 1, tk, prev, new, st, queue_model,
                                                  cfg.queue_param)
                        bb = book.best_tick(keys, counts, BID)
                        if st.rest_sell > 0 and bb != NO_TICK and bb >= st.min_sell and not (
                                use_book or halted):
                            exchange.cross(ex, -1, bb, t[i], i, fills, reports, st, cfg,
                                           models)
                    else:
                        if st.rest_sell > 0 and st.min_sell <= tk <= st.max_sell:
                            exchange.level_change(ex, -1, tk, prev, new, st, queue_model,
                                                  cfg.queue_param)
                        ba = book.best_tick(keys, counts, ASK)
                        if st.rest_buy > 0 and ba != NO_TICK and ba <= st.max_buy and not (
                                use_book or halted):
                            exchange.cross(ex, 1, ba, t[i], i, fills, reports, st, cfg,
                                           models)
                if use_book:
                    book.load_row(rows, i, tick, keys, qtys, counts)
                    bb = book.best_tick(keys, counts, BID)
                    ba = book.best_tick(keys, counts, ASK)
                    if not halted and st.rest_sell > 0 and bb != NO_TICK and bb >= st.min_sell:
                        exchange.cross(ex, -1, bb, t[i], i, fills, reports, st, cfg, models)
                    if not halted and st.rest_buy > 0 and ba != NO_TICK and ba <= st.max_buy:
                        exchange.cross(ex, 1, ba, t[i], i, fills, reports, st, cfg, models)
                top = ring[i & ring_mask]
                top.halted = halted
                top.bid = book.best_tick(keys, counts, BID)
                top.bid_qty = book.best_qty(qtys, counts, BID)
                top.ask = book.best_tick(keys, counts, ASK)
                top.ask_qty = book.best_qty(qtys, counts, ASK)
                i += 1
                if st.n_fills > n_fills:  # a report may now be due before `now`
                    now = min(now, reports[st.report_head].arrive)
        tr = requests[st.request_head & (rq_cap - 1)].arrive \
            if st.request_head < st.request_tail else BIG
        tp = reports[st.report_head].arrive if st.report_head < st.report_tail else BIG
        li = i - 1 if i > 0 else 0  # the last message the exchange has processed
        if tr == now:  # ---- our request reaches the exchange
            req = requests[st.request_head & (rq_cap - 1)]
            slot = req.slot
            st.request_head += 1
            inflight[slot] -= 1
            # at most one fill per level of the opposite side and one more report
            fills, reports = exchange.make_room(fills, reports, st, counts[BID] + counts[ASK] + 1)
            if req.kind == REQ_NEW and halted:  # no new orders until trading resumes
                st.expired += 1
                exchange.expire(ex, slot, now, reports, st, models, li)
            elif req.kind == REQ_NEW:
                exchange.arrive(ex, slot, now, keys, qtys, counts, fills, reports, st, cfg, models,
                                li)
            elif ex[slot].state == EX_RESTING:
                exchange.expire(ex, slot, now, reports, st, models, li)
                exchange.rest_bounds(ex, st)
            if orders[slot, ORDER_STATE] == FINISHED and inflight[slot] == 0:
                orders[slot, ORDER_STATE] = FREE
        elif tp == now:  # ---- a report reaches us
            h = st.report_head
            st.report_head = h + 1
            if h + 1 == st.report_tail:  # queue empty: reuse it from the start
                st.report_head = 0
                st.report_tail = 0
            _receive_report(reports[h], fills, orders, inflight, st, cfg)
        elif next_decision == now:  # ---- the quoter decides
            n_decisions += 1
            if decision_ns > 0:
                next_decision = t0 + n_decisions * decision_ns
            else:
                e = (n_decisions + 1) * decision_events - 1
                next_decision = seen[e] if e < n else BIG
            while j < n and seen[j] <= now:
                j += 1
            l_halted = False
            if j > 0:
                top = ring[(j - 1) & ring_mask]
                l_bid, l_bid_qty, l_ask, l_ask_qty = top.bid, top.bid_qty, top.ask, top.ask_qty
                l_halted = top.halted != 0
            else:
                l_bid, l_bid_qty, l_ask, l_ask_qty = init_bid, init_bid_qty, init_ask, init_ask_qty
            if l_bid != NO_TICK and l_ask != NO_TICK and not l_halted:
                st.decisions += 1
                view = MarketView(now * 1e-9, (now - t0) * 1e-9, l_bid, l_ask, l_bid_qty,
                                  l_ask_qty, 0.5 * (l_bid + l_ask), st.local_inventory,
                                  st.local_cash, st.open_buy, st.open_sell, cfg.order_size,
                                  cfg.max_inventory)
                quotes[:, BID_QTY] = 0
                quotes[:, ASK_QTY] = 0
                orders_copy[:st.slots] = orders[:st.slots]
                models.quoter(view, models.quoter_params, orders_copy, quotes)
                entry_ns = models.entry(models.entry_values, li)
                _reconcile(now, quotes, matched, orders, inflight, ex, requests, st, cfg,
                           entry_ns)
        else:  # ---- equity sample
            if counts[BID] > 0 and counts[ASK] > 0:
                mid = 0.5 * (book.best_tick(keys, counts, BID)
                             + book.best_tick(keys, counts, ASK)) * cfg.dollars_per_tick
            s_cash[s] = st.cash
            s_inv[s] = st.inventory
            s_mid[s] = mid
            s_fees[s] = st.fees
            s_equity[s] = st.cash + (st.inventory * mid if st.inventory != 0 else 0.0)
            s += 1
    return fills, state


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


_I1, _F1 = types.int64[::1], types.float64[::1]
_KERNEL_SIGNATURE = (
    _I1, _I1, _I1, _I1, _I1, _I1, _I1,  # messages (time, type, size, price, tick, direction, seen)
    _I1, _I1, _I1, types.int64[:, ::1], exchange.SETTINGS_TYPE[::1],  # books, settings
    QUOTER_TYPE, _F1, types.int64[:, ::1], QUEUE_MODEL_TYPE, FEE_MODEL_TYPE, _F1,  # models
    LATENCY_MODEL_TYPE, _I1, LATENCY_MODEL_TYPE, _I1,
    _F1, _F1, _I1, _F1, _F1)  # samples: equity, cash, inventory, mid, fees


@functools.cache
def _kernel():
    """The kernel, compiled (or loaded from the cache) on first use for the one signature
    that takes every model as a typed function pointer."""
    return njit(_KERNEL_SIGNATURE, cache=True)(_run_market_making)


@dataclass(frozen=True)
class Fills:
    """Our executions, in exchange time order: one entry per fill in every array.

    Attributes
    ----------
    time : numpy.ndarray
        Fill time at the exchange (seconds, on the messages' clock).
    side : numpy.ndarray
        +1 bought, −1 sold.
    price : numpy.ndarray
        Fill price ($).
    qty : numpy.ndarray
        Shares filled.
    maker : numpy.ndarray
        Bool: filled as maker (else taker).
    fee : numpy.ndarray
        Fee paid ($, negative for a rebate).
    sent : numpy.ndarray
        Local time the order was sent (seconds).
    message : numpy.ndarray
        Index of the market message that triggered the fill; −1 for a taker fill on the
        order's arrival.
    """

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
class MarketMakingResult:
    """Outcome of :func:`run_backtest`.

    Samples are taken one per ``sample_interval`` from the first message.

    Attributes
    ----------
    params : dict
        The run's settings (quoter name and parameters, tick, sizes, queue model, fees,
        decision and sample intervals, ...).
    times : numpy.ndarray
        Sample times (seconds, on the messages' clock).
    equity : numpy.ndarray
        ``cash`` + ``inventory`` × ``mid`` ($).
    cash : numpy.ndarray
        Cash, net of fees ($).
    inventory : numpy.ndarray
        Int64 inventory (shares).
    mid : numpy.ndarray
        Mid price ($).
    fees : numpy.ndarray
        Cumulative fees ($).
    fills : Fills
        Our executions.
    counts : dict
        ``decisions``, ``orders_sent``, ``cancels_sent``, ``expired`` (orders ending
        unfilled on arrival: post-only rejections and unfilled taker remainders),
        ``dropped`` (orders not sent because ``max_orders`` were alive) and ``blocked``
        (quotes not sent because of the inventory limit).
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
        """Summary statistics (:func:`mslab.orderbook.metrics.compute_metrics`).

        Parameters
        ----------
        seconds_per_year : float
            Seconds in a year for annualising the Sharpe ratio, > 0 (default 252 days of
            6.5 hours).

        Returns
        -------
        BacktestMetrics
            The summary of the run.

        Raises
        ------
        ValueError
            If ``seconds_per_year`` is not a finite number > 0.
        """
        return compute_metrics(self, seconds_per_year)


def _interval_ns(name: str, value: object, span_ns: int, most: int, what: str) -> int:
    """A positive interval in seconds as integer nanoseconds (≥ 1), refused when the stream's
    span (``span_ns``) would hold more than ``most`` of them."""
    seconds = _validate.positive(name, value)
    ns = round(seconds * 1e9) if seconds < 1e10 else 0
    if ns < 1:
        _validate.fail(name, value, ">= 1e-9 (one nanosecond) and < 1e10 seconds")
    if span_ns // ns + 1 > most:
        _validate.fail(name, value, f">= {span_ns / most * 1e-9:.3g} s: the stream spans "
                       f"{span_ns * 1e-9:g} s and at most {most:,} {what} are allowed")
    return ns


def run_backtest(
    messages: object,
    quoter: Quoter,
    *,
    tick: int,
    order_size: int = 100,
    max_inventory: int = 1000,
    queue_model: object = "risk_averse",
    queue_power: float = 2.0,
    partial_fills: bool = True,
    post_only: bool = False,
    feed_latency: float | np.ndarray = 0.0,
    entry_latency: float | np.ndarray = 0.0,
    response_latency: float | np.ndarray = 0.0,
    entry_latency_model: object = None,
    response_latency_model: object = None,
    maker_fee: float = 0.0,
    taker_fee: float = 0.0,
    fee_model: object = None,
    decision_interval: float | None = None,
    decision_events: int | None = None,
    sample_interval: float = 1.0,
    max_orders: int = 64,
    initial_book: object = None,
    book: object = None,
) -> MarketMakingResult:
    """Backtest a ``quoter`` on a LOBSTER message stream (see the module docstring).

    Parameters
    ----------
    messages
        LOBSTER message stream (``mslab.orderbook.messages``; times in seconds, at most
        ``mslab.orderbook.messages.MAX_TIME`` — epoch milliseconds are refused).
    quoter
        A :class:`~mslab.orderbook.quoters.Quoter` (``grid_quoter``,
        ``avellaneda_stoikov_quoter``, ``glft_quoter`` or ``custom_quoter``).
    tick
        Price grid in LOBSTER units (100 = one cent).
    order_size
        Shares per quote (≥ 1), passed to the quoter.
    max_inventory
        Bound on the absolute inventory (shares, ≥ 0).
    queue_model
        ``"risk_averse"``, ``"power"`` (exponent ``queue_power`` > 0), ``"log"``
        (:data:`~mslab.orderbook.queue.QUEUE_MODELS`), or a numba function compiled for
        :data:`~mslab.orderbook.queue.QUEUE_MODEL_SIGNATURE` (it receives ``queue_power``).
    queue_power
        Exponent of the ``"power"`` queue model, > 0.
    partial_fills
        Fill only the traded quantity at the front of the queue (else the whole order).
    post_only
        Marketable orders expire instead of taking liquidity.
    feed_latency, entry_latency, response_latency
        Seconds in [0, 86 400], constants or one per message (``mslab.orderbook.latency``).
    entry_latency_model, response_latency_model
        ``None`` (the built-in constant or per-message model), or a numba function compiled
        for ``mslab.orderbook.latency.LATENCY_MODEL_SIGNATURE``; it receives the latency
        given above (int64 nanoseconds: one value, or one per message) and the index of the
        last message the exchange has processed.
    maker_fee, taker_fee
        Fee rates on traded value (negative: rebate), in (−1, 1)
        (``mslab.orderbook.fees.proportional_fee``).
    fee_model
        ``None`` (``mslab.orderbook.fees.proportional_fee``) or a numba function compiled for
        ``mslab.orderbook.fees.FEE_MODEL_SIGNATURE``; it receives ``(maker_fee, taker_fee)``
        as its parameters.
    decision_interval, decision_events
        Seconds > 0 between decisions, or ``decision_events`` ≥ 1: decide after every that
        many received messages (exactly one of the two); at most :data:`MAX_DECISIONS`
        decision times over the stream.
    sample_interval
        Seconds > 0 between equity samples (at most :data:`MAX_SAMPLES`; the decisions, at
        most :data:`MAX_DECISIONS`, go on until the last sample).
    max_orders
        Most orders alive at once (1..4096).
    initial_book
        The book before the first message as a LOBSTER order-book row (see
        :func:`~mslab.orderbook.book.replay_lobster`).
    book
        The stream's LOBSTER order-book file (rows, one per message, validated by
        ``mslab.orderbook.book.book_rows``), or ``None`` to replay the book from the messages
        alone. Given, the visible book after message ``i`` is row ``i`` (book-file mode, see
        the module docstring).

    Returns
    -------
    MarketMakingResult
        The fills, and equity, cash, inventory, mid and fees sampled every ``sample_interval``.

    Raises
    ------
    ValueError
        For a malformed stream or book file, or a parameter outside the ranges above.
    """
    tick = check_tick(tick)
    msg = message_arrays(messages, tick)
    if (not isinstance(quoter, Quoter) or not isinstance(quoter.params, np.ndarray)
            or quoter.params.dtype != np.float64 or quoter.params.ndim != 1
            or not quoter.params.flags.c_contiguous
            or not isinstance(quoter.levels, int) or not 1 <= quoter.levels <= 64):
        _validate.fail("quoter", quoter, "a Quoter made by grid_quoter, "
                       "avellaneda_stoikov_quoter, glft_quoter or custom_quoter")
    order_size = _validate.integer("order_size", order_size, low=1)
    max_inventory = _validate.integer("max_inventory", max_inventory, low=0)
    queue_function = queue.resolve_queue_model("queue_model", queue_model)
    queue_power = _validate.positive("queue_power", queue_power)
    for name, flag in (("partial_fills", partial_fills), ("post_only", post_only)):
        if not isinstance(flag, bool):
            _validate.fail(name, flag, "True or False")
    feed = latency_values("feed_latency", feed_latency, msg.n)
    entry = latency_values("entry_latency", entry_latency, msg.n)
    response = latency_values("response_latency", response_latency, msg.n)
    entry_model = latency_model("entry_latency_model", entry_latency_model, entry)
    response_model = latency_model("response_latency_model", response_latency_model, response)
    maker_fee = _validate.real("maker_fee", maker_fee, low=-1.0, high=1.0, low_open=True,
                               high_open=True)
    taker_fee = _validate.real("taker_fee", taker_fee, low=-1.0, high=1.0, low_open=True,
                               high_open=True)
    fee_function = proportional_fee if fee_model is None else _validate.jitted_model(
        "fee_model", fee_model, FEE_MODEL_SIGNATURE,
        "None or a numba function compiled for FEE_MODEL_SIGNATURE")
    if (decision_interval is None) == (decision_events is None):
        _validate.fail("decision_interval", decision_interval,
                       "given (seconds > 0) if and only if decision_events is not "
                       f"(decision_events={decision_events!r})")
    t = msg.time_ns
    t0 = int(t[0])
    span = int(t[-1]) - t0
    decision_ns = 0
    if decision_interval is not None:
        decision_ns = _interval_ns("decision_interval", decision_interval, span, MAX_DECISIONS,
                                   "decisions")
    n_events = 0 if decision_events is None else _validate.integer(
        "decision_events", decision_events, low=1)
    sample_ns = _interval_ns("sample_interval", sample_interval, span, MAX_SAMPLES, "samples")
    max_orders = _validate.integer("max_orders", max_orders, low=1, high=4096)
    init = book_module.initial_levels(initial_book, tick)
    rows = (np.zeros((0, 4), np.int64) if book is None
            else book_module.book_rows(book, msg.n, tick))

    seen = feed_arrival(t, feed)
    # When we decide, the exchange has processed at most `ahead` messages beyond the last one
    # we have received; the ring of top-of-book states must hold them and that one.
    ring = 1 << int(_max_ahead(t, seen)).bit_length()
    n_samples = -(-span // sample_ns) + 1
    # decisions go on until the last sample, which a long sample interval puts far beyond the
    # last message: bound them over the whole run too
    if decision_ns > 0 and (n_samples - 1) * sample_ns // decision_ns + 1 > MAX_DECISIONS:
        _validate.fail("sample_interval", sample_interval,
                       f"<= {(MAX_DECISIONS - 1) * decision_ns * 1e-9:.3g} s with "
                       f"decision_interval={decision_interval!r}: decisions run until the last "
                       f"sample and at most {MAX_DECISIONS:,} are allowed")
    dollars_per_tick = tick / PRICE_SCALE
    settings = np.zeros(1, SETTINGS)
    settings[0] = (tick, partial_fills, post_only, order_size, max_inventory, decision_ns,
                   n_events, t0, sample_ns, ring, max_orders, queue_power, dollars_per_tick)
    quotes = np.zeros((quoter.levels, 4), np.int64)
    equity, cash, mid, fees = (np.zeros(n_samples) for _ in range(4))
    inventory = np.zeros(n_samples, np.int64)

    log, state = _kernel()(t, msg.type, msg.size, msg.price, msg.price_tick, msg.direction, seen,
                           *init, rows, settings, quoter.function, quoter.params, quotes,
                           queue_function, fee_function, np.array([maker_fee, taker_fee]),
                           entry_model, entry, response_model, response,
                           equity, cash, inventory, mid, fees)

    log = log[:state[0]["n_fills"]]
    st = state[0]
    fills = Fills(time=log["time"] * 1e-9, side=log["side"].copy(),
                  price=log["tick"] * dollars_per_tick, qty=log["qty"].copy(),
                  maker=log["maker"].astype(bool), fee=log["fee"].copy(),
                  sent=log["sent"] * 1e-9, message=log["message"].copy())
    params = dict(quoter=quoter.name, quoter_params=quoter.params.tolist(), tick=tick,
                  order_size=order_size, max_inventory=max_inventory,
                  queue_model=queue_model if isinstance(queue_model, str)
                  else queue_function.__name__, queue_power=queue_power,
                  partial_fills=partial_fills, post_only=post_only, maker_fee=maker_fee,
                  taker_fee=taker_fee, decision_interval=decision_interval,
                  decision_events=decision_events, sample_interval=sample_interval,
                  max_orders=max_orders)
    counts = {name: int(st[field]) for name, field in (
        ("decisions", "decisions"), ("orders_sent", "sent"), ("cancels_sent", "cancels"),
        ("expired", "expired"), ("dropped", "dropped"), ("blocked", "blocked"))}
    return MarketMakingResult(params=params,
                              times=(t0 + np.arange(n_samples) * sample_ns) * 1e-9,
                              equity=equity, cash=cash, inventory=inventory, mid=mid, fees=fees,
                              fills=fills, counts=counts)
