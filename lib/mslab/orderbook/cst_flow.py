"""Synthetic order flow: the Cont–Stoikov–Talreja (2010) model, simulated order by order.

Model (Cont, Stoikov & Talreja, "A stochastic model for order book dynamics", Operations
Research 58(3), 2010; a zero-intelligence model in the sense of Smith, Farmer, Gillemot &
Krishnamurthy, 2003). Prices live on a grid of ticks, time is in seconds, sizes in shares.
Independently of everything else, on each side of the book

* limit orders arrive at distance i = 1..D ticks from the *opposite* best quote (a buy at
  best ask − i, a sell at best bid + i; i = 1 may improve the quote inside a wide spread, it
  never crosses) at rate λ(i) = k / i^α orders per second;
* market orders arrive at rate μ per second (buy and sell each), when the opposite side is not
  empty;
* every resting order is cancelled at rate θ(i), i its distance in ticks from the opposite best
  quote (θ is a constant or a profile θ(1..D); beyond D, θ(D) applies).

The paper's orders all have one unit of size. Here a size is ``lot`` shares times
1 + Geometric lots with mean ``mean_lots`` (``mean_lots = 1``: always one lot, the paper's
model). A market order executes against the best-priced resting orders in time priority and
walks further levels if it is larger than the best queue (with unit sizes it takes exactly
one order, as in the paper). A cancellation removes the whole order, or with probability
``partial_cancel`` (for orders of two or more shares) a uniformly drawn part of it.

The simulation is exact (Gillespie): the book is a continuous-time Markov chain whose total
event rate is recomputed after every event. Every order carries an id, so the output is a
LOBSTER message stream (types NEW, PARTIAL_CANCEL, DELETE, EXECUTE) with the LOBSTER
order-book rows — the book *after* each message, for L levels — computed from the simulated
book itself. The book is first run for ``warmup`` seconds from a thin initial book; the
warmed-up book is then written as NEW (type 1) messages at the window's start time (best
level first, each queue in time priority), so replaying the messages from an empty book
reproduces every order-book row. Real LOBSTER files start from the exchange's book instead.

The same simulation can be sampled every Δt seconds into the crypto snapshot schema of
:mod:`mslab.data.crypto` (:mod:`mslab.orderbook.crypto_snapshots`) and calibrated to observed
statistics (:mod:`mslab.orderbook.calibration`). The book is order-level
(:mod:`mslab.orderbook.order_queues`), not the price-level book of the replay and backtest,
because the model needs each order's place in its queue; it is written out through
:mod:`mslab.orderbook.lobster_writer`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate, rng
from mslab.orderbook.flow_measures import FlowStatistics
from mslab.orderbook.lobster_writer import emit, write_initial_book
from mslab.orderbook.messages import (
    DELETE,
    DUMMY_ASK,
    EXECUTE,
    NEW,
    PARTIAL_CANCEL,
    PRICE_SCALE,
)
from mslab.orderbook.order_queues import add_order, levels_scan, rank, remove_shares

GRID = 1 << 16  # ticks in the simulated price window (the mid starts in its middle)
# Work and memory refused before the kernel runs: expected events (warm-up and window
# together), expected work (events times the queue length a cancellation walks; a few ns
# per step) and bytes of recorded messages and order-book rows.
MAX_EVENTS = 100_000_000
MAX_WORK = 2e9
MAX_BYTES = 4_000_000_000
MAX_PRICE_TICKS = 2**40  # the initial price, in ticks (prices stay exact integers)
_MAX_LOTS = 1_000_000
_OK, _MSG_FULL, _POOL_FULL, _OFF_GRID = 0, 1, 2, 3


@dataclass(frozen=True)
class CSTParams:
    """Parameters of the Cont–Stoikov–Talreja flow (rates per second, distances in ticks).

    Attributes
    ----------
    k : float
        Limit orders arrive at distance i from the opposite best at rate k / i^alpha orders
        per second per side; k > 0.
    alpha : float
        The exponent of the arrival profile, in [0, 10].
    mu : float
        Market orders per second per side, ≥ 0.
    theta : float or tuple of float
        Cancellation rate of each resting order (per second): a constant > 0, or the profile
        θ(1..max_distance) by distance from the opposite best (``max_distance`` values > 0;
        a list or array is stored as a tuple); beyond D, θ(D) applies.
    max_distance : int
        D, the farthest distance (ticks) at which limit orders arrive, 1 to 1000 (default 10).
    lot : int
        Shares per lot, 1 to 10⁹ (default 100).
    mean_lots : float
        Mean order size in lots, in [1, 10⁶] (1 = unit sizes, the paper's model).
    partial_cancel : float
        Probability in [0, 1] that a cancellation (of an order of two or more shares) is
        partial (LOBSTER type 2); default 0.

    Raises
    ------
    ValueError
        If a field is out of its range (on construction).
    """

    k: float
    alpha: float
    mu: float
    theta: float | tuple[float, ...]
    max_distance: int = 10
    lot: int = 100
    mean_lots: float = 1.0
    partial_cancel: float = 0.0

    def __post_init__(self) -> None:
        _validate.positive("k", self.k)
        _validate.real("alpha", self.alpha, low=0.0, high=10.0)
        _validate.nonnegative("mu", self.mu)
        D = _validate.integer("max_distance", self.max_distance, low=1, high=1000)
        if isinstance(self.theta, (list, tuple, np.ndarray)):
            theta = tuple(float(_validate.positive(f"theta[{i}]", t))
                          for i, t in enumerate(self.theta))
            if len(theta) != D:
                _validate.fail("theta", self.theta, f"a positive number or a sequence of "
                               f"max_distance={D} positive numbers θ(1..{D})")
            object.__setattr__(self, "theta", theta)
        else:
            object.__setattr__(self, "theta", _validate.positive("theta", self.theta))
        _validate.integer("lot", self.lot, low=1, high=10**9)
        _validate.real("mean_lots", self.mean_lots, low=1.0, high=1e6)
        _validate.real("partial_cancel", self.partial_cancel, low=0.0, high=1.0)

    def arrival_rates(self) -> np.ndarray:
        """λ(1..D) = k / i^α, orders per second per side.

        Returns
        -------
        numpy.ndarray
            Shape (max_distance,), float64: λ(i) at distances i = 1..D.
        """
        i = np.arange(1, self.max_distance + 1, dtype=np.float64)
        return self.k / i**self.alpha

    def cancel_rates(self) -> np.ndarray:
        """θ(1..D), per order per second.

        Returns
        -------
        numpy.ndarray
            Shape (max_distance,), float64: θ(i) at distances i = 1..D (constant when
            ``theta`` is a number).
        """
        if isinstance(self.theta, tuple):
            return np.array(self.theta, dtype=np.float64)
        return np.full(self.max_distance, float(self.theta))


@dataclass(frozen=True, eq=False)
class SyntheticFlow:
    """A simulated LOBSTER message stream and its order-book rows.

    Message arrays follow the LOBSTER columns, one entry per message, all int64 but ``time``.

    Attributes
    ----------
    params : CSTParams
        The simulated model.
    time : numpy.ndarray
        Float64, seconds after midnight, rounded to nanoseconds.
    type : numpy.ndarray
        LOBSTER message types: 1 new, 2 partial cancellation, 3 deletion, 4 execution.
    order_id : numpy.ndarray
        Order ids (from 1).
    size : numpy.ndarray
        Shares.
    price : numpy.ndarray
        Dollars × 10000.
    direction : numpy.ndarray
        +1 buy / −1 sell limit order (for an execution: the side of the resting order).
    book : numpy.ndarray
        Int64 array of shape (n, 4·levels): the order-book row after each message in LOBSTER
        column order (empty levels carry the dummy prices and size 0).
    levels : int
        Levels per side in ``book``.
    n_initial : int
        The first ``n_initial`` messages write the warmed-up book at time ``start``.
    start : float
        Start of the simulated window, seconds after midnight.
    end : float
        End of the simulated window, seconds after midnight.
    tick : int
        The tick in dollars × 10000.
    seed : int
        The seed of the simulation.
    stats : FlowStatistics
        Statistics measured in the simulation over [start, end].
    """

    params: CSTParams
    time: np.ndarray
    type: np.ndarray
    order_id: np.ndarray
    size: np.ndarray
    price: np.ndarray
    direction: np.ndarray
    book: np.ndarray
    levels: int
    n_initial: int
    start: float
    end: float
    tick: int
    seed: int
    stats: FlowStatistics

    def messages(self) -> dict[str, np.ndarray]:
        """The six message arrays by LOBSTER column name.

        Returns
        -------
        dict
            ``time``, ``type``, ``order_id``, ``size``, ``price`` and ``direction`` mapped to
            the arrays themselves (not copies).
        """
        return {"time": self.time, "type": self.type, "order_id": self.order_id,
                "size": self.size, "price": self.price, "direction": self.direction}

    def messages_frame(self) -> pd.DataFrame:
        """The message arrays as a table.

        Returns
        -------
        pandas.DataFrame
            One row per message, with the columns of :meth:`messages` in that order.
        """
        return pd.DataFrame(self.messages())


@njit(cache=True)
def _simulate_order_flow(state, lam, theta, mu, lot, log_q, partial, base, tick, warmup, duration,
                        start, record, levels, m_time, m_type, m_id, m_size, m_price, m_dir,
                        m_book, interval, s_px, s_sz, s_flow, s_taker, stats, depth_acc, pool_cap):
    """Simulate warm-up + window.

    Returns (status, n_messages, n_initial, n_market_orders, n_limit_orders).

    ``stats`` receives (time, two-sided time, ∫spread dt); ``depth_acc[j]`` ∫ mean depth of
    level j dt. Snapshot arrays (rows = snapshots, empty when interval = 0): ``s_px``/``s_sz``
    (n, 2, L) grid index / shares of the occupied levels (-1 / 0 when absent), ``s_flow``
    (n, 2, 3, L) Σ tick·shares cancelled / added / executed per level during the bucket,
    ``s_taker`` (n, 2) Σ tick·shares bought / sold by market orders during the bucket.
    """
    W = GRID
    D = lam.shape[0]
    L_snap = s_px.shape[2]
    n_snap = s_px.shape[0]
    a, b, c, d = state[0], state[1], state[2], state[3]
    head = np.full((2, W), -1, dtype=np.int64)
    tail = np.full((2, W), -1, dtype=np.int64)
    nord = np.zeros((2, W), dtype=np.int64)
    depth = np.zeros((2, W), dtype=np.int64)
    meta = np.empty((2, 2), dtype=np.int64)
    meta[0, 0] = -1
    meta[0, 1] = W
    meta[1, 0] = W
    meta[1, 1] = -1
    o_prev = np.empty(pool_cap, dtype=np.int64)
    o_next = np.empty(pool_cap, dtype=np.int64)
    o_size = np.empty(pool_cap, dtype=np.int64)
    o_id = np.empty(pool_cap, dtype=np.int64)
    free = np.arange(pool_cap - 1, -1, -1).astype(np.int64)
    n_free = pool_cap
    p_min = max(0, 1 - base)  # grid index of the lowest positive price
    scan_px = np.empty(levels, dtype=np.int64)
    scan_sz = np.empty(levels, dtype=np.int64)

    lam_total = 0.0
    for i in range(D):
        lam_total += lam[i]
    next_id = 1
    mid = W // 2
    for i in range(D):  # thin initial book: one lot per tick, spread one tick
        for side in range(2):
            p = mid - i if side == 0 else mid + 1 + i
            if p < p_min:
                return _OFF_GRID, 0, 0, 0, 0
            n_free = add_order(side, p, lot, next_id, free, n_free, head, tail, nord, depth,
                               o_prev, o_next, o_size, o_id, meta)
            next_id += 1
    last_ask = meta[1, 0]
    last_bid = meta[0, 0]

    n_msg = 0
    n_init = 0
    n_market = 0
    n_limit = 0
    t = 0.0
    t_end = warmup + duration
    recording = False
    k_snap = 0
    next_snap = warmup + interval
    while True:
        if n_msg < 0:  # the message buffers are full: the caller retries with larger ones
            return _MSG_FULL, 0, 0, 0, 0
        if meta[1, 0] < W:
            last_ask = meta[1, 0]
        if meta[0, 0] >= 0:
            last_bid = meta[0, 0]
        c_bid = 0.0
        for p in range(meta[0, 1], meta[0, 0] + 1):
            if nord[0, p] > 0:
                c_bid += theta[min(max(last_ask - p, 1), D) - 1] * nord[0, p]
        c_ask = 0.0
        for p in range(meta[1, 0], meta[1, 1] + 1):
            if nord[1, p] > 0:
                c_ask += theta[min(max(p - last_bid, 1), D) - 1] * nord[1, p]
        mu_buy = mu if meta[1, 0] < W else 0.0
        mu_sell = mu if meta[0, 0] >= 0 else 0.0
        total = 2.0 * lam_total + mu_buy + mu_sell + c_bid + c_ask
        x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
        t_next = t - math.log(1.0 - rng.to_unit(x)) / total

        if not recording:
            if t_next < warmup:
                t = t_next
            else:
                # Warm-up over. By memorylessness the next event after `warmup` is again
                # exponential, so the pending draw is discarded.
                n_msg, n_free = write_initial_book(
                    start, record, head, tail, nord, depth, o_prev, o_next, o_size, o_id, free,
                    n_free, meta, W, m_time, m_type, m_id, m_size, m_price, m_dir, m_book,
                    levels, base, tick)
                if n_msg < 0:
                    return _MSG_FULL, 0, 0, 0, 0
                n_init = n_msg
                t = warmup
                recording = True
                continue
        else:
            t_stop = min(t_next, t_end)
            while k_snap < n_snap and next_snap <= t_stop:
                for side in range(2):
                    levels_scan(side, L_snap, nord, depth, meta, W, s_px[k_snap, side],
                                 s_sz[k_snap, side])
                k_snap += 1
                next_snap = warmup + (k_snap + 1) * interval
            dt = t_stop - t
            stats[0] += dt
            if meta[0, 0] >= 0 and meta[1, 0] < W:
                stats[1] += dt
                stats[2] += dt * (meta[1, 0] - meta[0, 0])
            for side in range(2):
                levels_scan(side, levels, nord, depth, meta, W, scan_px, scan_sz)
                for j in range(levels):
                    depth_acc[j] += 0.5 * dt * scan_sz[j]
            if t_next > t_end:
                break
            t = t_next
        t_msg = start + (t - warmup)
        kb = k_snap  # the snapshot bucket receiving this event's flows
        snaps = recording and k_snap < n_snap

        x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
        u = rng.to_unit(x) * total
        if u < 2.0 * lam_total:  # limit order
            side = 0 if u < lam_total else 1
            x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
            v = rng.to_unit(x) * lam_total
            i = 0
            while i < D - 1 and v >= lam[i]:
                v -= lam[i]
                i += 1
            p = last_ask - (i + 1) if side == 0 else last_bid + (i + 1)
            if p < p_min or p >= W:
                return _OFF_GRID, 0, 0, 0, 0
            size = lot
            if log_q < 0.0:
                x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                extra = math.floor(math.log(1.0 - rng.to_unit(x)) / log_q)
                size = lot * (1 + min(extra, _MAX_LOTS))
            if n_free == 0:
                return _POOL_FULL, 0, 0, 0, 0
            n_free = add_order(side, p, size, next_id, free, n_free, head, tail, nord, depth,
                               o_prev, o_next, o_size, o_id, meta)
            next_id += 1
            if recording:
                n_limit += 1
            if snaps:
                r = rank(side, p, nord, meta)
                if r < L_snap:
                    s_flow[kb, side, 1, r] += (base + p) * size
            if recording and record:
                n_msg = emit(n_msg, t_msg, NEW, next_id - 1, size, p, 1 if side == 0 else -1,
                              m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                              nord, depth, meta, base, tick)
        elif u < 2.0 * lam_total + mu_buy + mu_sell:  # market order
            side = 1 if u < 2.0 * lam_total + mu_buy else 0  # the side it executes against
            remaining = lot
            if log_q < 0.0:
                x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                extra = math.floor(math.log(1.0 - rng.to_unit(x)) / log_q)
                remaining = lot * (1 + min(extra, _MAX_LOTS))
            if recording:
                n_market += 1
            r = 0
            while remaining > 0 and meta[side, 0] >= 0 and meta[side, 0] < W:
                p = meta[side, 0]
                slot = head[side, p]
                fill = min(remaining, o_size[slot])
                remaining -= fill
                oid = o_id[slot]
                n_free = remove_shares(side, p, slot, fill, free, n_free, head, tail, nord,
                                       depth, o_prev, o_next, o_size, meta, W)
                if snaps:
                    if r < L_snap:
                        s_flow[kb, side, 2, r] += (base + p) * fill
                    s_taker[kb, 1 - side] += (base + p) * fill
                if recording and record:
                    n_msg = emit(n_msg, t_msg, EXECUTE, oid, fill, p, 1 if side == 0 else -1,
                                  m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                                  nord, depth, meta, base, tick)
                if nord[side, p] == 0:
                    r += 1
        else:  # cancellation
            side = 0 if u < 2.0 * lam_total + mu_buy + mu_sell + c_bid else 1
            x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
            v = rng.to_unit(x) * (c_bid if side == 0 else c_ask)
            lo = meta[side, 1] if side == 0 else meta[side, 0]
            hi = meta[side, 0] if side == 0 else meta[side, 1]
            p = -1
            for q in range(lo, hi + 1):
                if nord[side, q] > 0:
                    p = q
                    dist = last_ask - q if side == 0 else q - last_bid
                    w = theta[min(max(dist, 1), D) - 1] * nord[side, q]
                    if v < w:
                        break
                    v -= w
            if p == -1:  # only reachable through rounding when the side is empty
                continue
            x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
            j = min(int(rng.to_unit(x) * nord[side, p]), nord[side, p] - 1)
            slot = head[side, p]
            for _ in range(j):
                slot = o_next[slot]
            oid = o_id[slot]
            r = rank(side, p, nord, meta) if snaps else 0
            cut = o_size[slot]
            typ = DELETE
            if partial > 0.0 and o_size[slot] >= 2:
                x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                if rng.to_unit(x) < partial:
                    x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                    cut = 1 + min(int(rng.to_unit(x) * (o_size[slot] - 1)), o_size[slot] - 2)
                    typ = PARTIAL_CANCEL
            n_free = remove_shares(side, p, slot, cut, free, n_free, head, tail, nord, depth,
                                   o_prev, o_next, o_size, meta, W)
            if snaps and r < L_snap:
                s_flow[kb, side, 0, r] += (base + p) * cut
            if recording and record:
                n_msg = emit(n_msg, t_msg, typ, oid, cut, p, 1 if side == 0 else -1,
                              m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                              nord, depth, meta, base, tick)
    if n_msg < 0:
        return _MSG_FULL, 0, 0, 0, 0
    return _OK, n_msg, n_init, n_market, n_limit


def _lobster_tick(tick_size: object) -> int:
    tick_size = _validate.real("tick_size", tick_size, low=0.0, high=1e4, low_open=True)
    tick = round(tick_size * PRICE_SCALE)
    if tick < 1 or abs(tick - tick_size * PRICE_SCALE) > 1e-6:
        _validate.fail("tick_size", tick_size, "a positive multiple of $0.0001 (LOBSTER prices "
                       "are integers in dollars × 10000)")
    return int(tick)


def price_ticks(price: object, tick_size: float) -> int:
    """The initial price in ticks.

    Parameters
    ----------
    price : float
        The price, > 0 and a multiple of ``tick_size`` (to within 10⁻⁹ · max(1, price)).
    tick_size : float
        The tick, in the units of ``price`` (> 0; not validated here).

    Returns
    -------
    int
        ``price / tick_size`` rounded, in [1, ``MAX_PRICE_TICKS``] (2⁴⁰).

    Raises
    ------
    ValueError
        If ``price`` is not a positive multiple of ``tick_size`` or exceeds
        ``MAX_PRICE_TICKS`` ticks.
    """
    price = _validate.positive("price", price)
    n = round(price / tick_size)
    if n < 1 or abs(n * tick_size - price) > 1e-9 * max(1.0, price):
        _validate.fail("price", price, f"a positive multiple of tick_size={tick_size!r}")
    if n > MAX_PRICE_TICKS:
        _validate.fail("price", price, f"at most {MAX_PRICE_TICKS:,} ticks of "
                       f"tick_size={tick_size!r}")
    return int(n)


def event_rate(params: CSTParams) -> float:
    """An estimate, meant as a bound, of the expected messages per second.

    4·Σλ(i) + 4·μ·mean_lots + 1: arrivals of limit orders on both sides, as many
    cancellations (in the stationary book), and twice the executions of market orders of
    ``mean_lots`` lots on both sides. In the stationary book it bounds the expected rate when
    ``partial_cancel = 0``; partial cancellations may add messages (an order can be partly
    cancelled several times, and its remainder may be less than a lot).

    Parameters
    ----------
    params : CSTParams
        The flow model.

    Returns
    -------
    float
        Messages per second.
    """
    return 4.0 * params.arrival_rates().sum() + 4.0 * params.mu * params.mean_lots + 1.0


def work_per_event(params: CSTParams) -> float:
    """Steps of one event: 1 + the longest expected queue, k / min θ orders (a cancellation
    walks its queue to the drawn order).

    An estimate: it leaves out the scan over the occupied price levels by which the kernel
    recomputes the cancellation rates at every event.

    Parameters
    ----------
    params : CSTParams
        The flow model.

    Returns
    -------
    float
        Kernel steps per event.
    """
    return 1.0 + params.k / params.cancel_rates().min()


def check_work(params: CSTParams, warmup: float, duration: float) -> None:
    """Refuse a simulation of ``warmup + duration`` seconds beyond the work bounds.

    The expected events (:func:`event_rate` × seconds) must stay at most ``MAX_EVENTS`` and
    the steps (events × :func:`work_per_event`) at most ``MAX_WORK``; the warm-up alone is
    checked first.

    Parameters
    ----------
    params : CSTParams
        The flow model.
    warmup, duration : float
        Seconds of warm-up and of the recorded window (not validated here).

    Raises
    ------
    ValueError
        Naming ``warmup`` or ``duration``, when a bound is exceeded.
    """
    rate, steps = event_rate(params), work_per_event(params)
    for name, value, seconds in (("warmup", warmup, warmup),
                                 ("duration", duration, warmup + duration)):
        if rate * seconds > MAX_EVENTS or rate * seconds * steps > MAX_WORK:
            _validate.fail(name, value, f"short enough for at most {MAX_EVENTS:,} expected "
                           f"events and {MAX_WORK:.0e} steps, warm-up included (the params "
                           f"k={params.k:g}, mu={params.mu:g} give about {rate:.3g} events per "
                           f"second of {steps:.3g} steps each)")


def run_cst(params: CSTParams, *, duration: float, warmup: float, levels: int, base: int,
            tick: int, start: float, seed: int, record: bool, interval: float = 0.0,
            n_snap: int = 0, snap_levels: int = 1):
    """Run the kernel, growing the message and order-pool buffers until they suffice.

    The simulation starts from a thin book (one lot per tick over D ticks on each side, spread
    one tick, best bid at grid index ``GRID // 2``), runs ``warmup`` seconds, writes the
    warmed-up book as NEW messages and then records ``duration`` seconds. The arguments
    other than ``params`` are not validated (the public callers do it).

    Parameters
    ----------
    params : CSTParams
        The flow model.
    duration, warmup : float
        Seconds recorded, and simulated before them.
    levels : int
        Book levels per side recorded with each message and measured by the statistics.
    base : int
        Price in ticks of grid index 0 (the initial best bid is ``base + GRID // 2``).
    tick : int
        Message prices are ``(base + p) · tick`` (dollars × 10000 for LOBSTER; 1 gives
        prices in ticks).
    start : float
        Time stamp of the end of the warm-up (seconds); message times are ``start`` + the
        time since then.
    seed : int
        Seed of the xoshiro stream.
    record : bool
        Record the messages and book rows (else only the statistics and snapshots).
    interval : float
        Seconds between snapshots (0: none); snapshot k is taken ``(k + 1)·interval`` after
        the warm-up.
    n_snap : int
        Number of snapshots.
    snap_levels : int
        Levels per side of each snapshot.

    Returns
    -------
    tuple
        ``(stats, messages, n_initial, snapshots)``: the :class:`FlowStatistics` of the
        window; the arrays ``(time, type, order_id, size, price, direction, book)`` (empty
        unless ``record``; ``book`` of shape (n, 4·levels)); the number of messages of the
        initial book; and ``(px, sz, flow, taker)``: ``px``/``sz`` (n_snap, 2, snap_levels)
        grid index / shares of the occupied levels (bids then asks; −1 / 0 when absent),
        ``flow`` (n_snap, 2, 3, snap_levels) Σ price in ticks × shares cancelled / added /
        executed per level during each interval, ``taker`` (n_snap, 2) Σ price in ticks ×
        shares bought / sold by market orders.

    Raises
    ------
    ValueError
        If ``params`` is not a :class:`CSTParams`; naming ``warmup`` or ``duration`` for more
        work than :func:`check_work` allows or more than ``MAX_BYTES`` of output; naming
        ``price`` when the simulated price leaves the grid or goes non-positive.
    RuntimeError
        If the buffers still do not suffice after 40 doublings.
    """
    if not isinstance(params, CSTParams):
        _validate.fail("params", params, "a CSTParams instance")
    check_work(params, warmup, duration)
    rate = event_rate(params)
    msg_cap = int(1.3 * rate * duration) + 50 * params.max_distance + 1000 if record else 0
    n_bytes = msg_cap * (48 + 32 * levels) + n_snap * snap_levels * 80
    if n_bytes > MAX_BYTES:
        _validate.fail("duration", duration, f"short enough that the output stays below "
                       f"{MAX_BYTES / 1e9:g} GB (about {n_bytes / 1e9:.3g} GB needed with "
                       f"levels={levels})")
    lam = params.arrival_rates()
    theta = params.cancel_rates()
    m = params.mean_lots
    log_q = math.log((m - 1.0) / m) if m > 1.0 else 0.0
    state = rng.path_states(seed, 1)[0]
    pool_cap = 4096
    for _ in range(40):
        m_time = np.zeros(msg_cap)
        m_int = [np.zeros(msg_cap, dtype=np.int64) for _ in range(5)]
        m_book = np.zeros((msg_cap, 4 * levels), dtype=np.int64)
        s_px = np.zeros((n_snap, 2, snap_levels), dtype=np.int64)
        s_sz = np.zeros((n_snap, 2, snap_levels), dtype=np.int64)
        s_flow = np.zeros((n_snap, 2, 3, snap_levels))
        s_taker = np.zeros((n_snap, 2))
        stats = np.zeros(3)
        depth_acc = np.zeros(levels)
        status, n, n_init, n_market, n_limit = _simulate_order_flow(
            state, lam, theta, float(params.mu), int(params.lot), log_q,
            float(params.partial_cancel), base, tick, warmup, duration, start, record, levels,
            m_time, *m_int, m_book, interval, s_px, s_sz, s_flow, s_taker, stats, depth_acc,
            pool_cap)
        if status == _MSG_FULL:
            msg_cap *= 2
        elif status == _POOL_FULL:
            pool_cap *= 2
        elif status == _OFF_GRID:
            _validate.fail("price", f"{base + GRID // 2} ticks", f"high enough in ticks of "
                           f"tick_size (or the duration short enough) that the simulated price "
                           f"stays positive and within {GRID // 2} ticks of it; here it did not")
        else:
            break
    else:
        raise RuntimeError("the simulation did not fit in memory")
    total, two_sided, spread_int = (float(x) for x in stats)
    flow = FlowStatistics(mean_spread=spread_int / two_sided if two_sided > 0 else float("nan"),
                          depth=depth_acc / total, trades_per_minute=60.0 * n_market / total,
                          limit_orders_per_minute=60.0 * n_limit / total,
                          duration=total, two_sided_fraction=two_sided / total)
    messages = (m_time[:n], *(x[:n] for x in m_int), m_book[:n])
    return flow, messages, n_init, (s_px, s_sz, s_flow, s_taker)


def simulate_cst(params: CSTParams, *, duration: float, levels: int = 10,
                 tick_size: float = 0.01, price: float = 100.0, start: float = 34200.0,
                 warmup: float = 300.0, seed: int = 0) -> SyntheticFlow:
    """Simulate ``duration`` seconds of Cont–Stoikov–Talreja order flow as LOBSTER data.

    The book is warmed up for ``warmup`` seconds first and written as NEW messages at
    ``start``. The same ``seed`` gives identical output.

    Parameters
    ----------
    params : CSTParams
        The flow model.
    duration : float
        Seconds simulated after ``start``, > 0, ending by midnight.
    levels : int
        Order-book levels per side recorded, 1 to 200 (default 10).
    tick_size : float
        Tick in dollars, a positive multiple of $0.0001, at most 10 000 (default 0.01).
    price : float
        Initial best bid in dollars (before the warm-up), a positive multiple of
        ``tick_size``, low enough for the simulated prices to stay below LOBSTER's dummy ask.
    start : float
        Start of the window in seconds after midnight, in [0, 86 400] (34200 = 09:30).
    warmup : float
        Seconds simulated before ``start``, ≥ 0 (default 300).
    seed : int
        Non-negative seed.

    Returns
    -------
    SyntheticFlow
        The messages and order-book rows, with the statistics of the window.

    Raises
    ------
    ValueError
        If an argument is out of its range, the simulation would exceed the work or output
        bounds (naming ``warmup`` or ``duration``), or the price leaves the simulated window.
    """
    duration = _validate.positive("duration", duration)
    start = _validate.real("start", start, low=0.0, high=86_400.0)
    if start + duration > 86_400.0:
        _validate.fail("duration", duration, f"at most {86_400.0 - start:g} so that the window "
                       f"ends before midnight (start={start:g})")
    levels = _validate.integer("levels", levels, low=1, high=200)
    tick = _lobster_tick(tick_size)
    p0 = price_ticks(price, tick_size)
    if (p0 + GRID // 2) * tick >= DUMMY_ASK:
        _validate.fail("price", price, f"below ${(DUMMY_ASK // tick - GRID // 2) * tick_size:,.2f} "
                       f"so that the simulated prices (up to {GRID // 2} ticks above it) stay "
                       "below LOBSTER's dummy ask price")
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    flow, msgs, n_init, _ = run_cst(params, duration=duration, warmup=warmup, levels=levels,
                                 base=p0 - GRID // 2, tick=tick, start=start, seed=seed,
                                 record=True)
    time, typ, oid, size, px, direction, book = msgs
    return SyntheticFlow(params=params, time=np.round(time, 9), type=typ, order_id=oid,
                         size=size, price=px, direction=direction, book=book, levels=levels,
                         n_initial=n_init, start=start, end=start + duration, tick=tick,
                         seed=seed, stats=flow)
