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
LOBSTER message stream (types 1 new order, 2 partial cancellation, 3 deletion, 4 execution)
with the LOBSTER order-book rows — the book *after* each message, for L levels — computed
from the simulated book itself. The book is first run for ``warmup`` seconds from a thin
initial book; the warmed-up book is then written as type-1 messages at the window's start time
(best level first, each queue in time priority), so replaying the messages from an empty book
reproduces every order-book row. Real LOBSTER files start from the exchange's book instead.

The same simulation can be sampled every Δt seconds into the crypto snapshot schema of
:mod:`mslab.data.crypto` (:func:`simulate_snapshots`).

Calibration (:func:`calibrate`): μ follows from the trade rate (2μ market orders per second);
(k, α, θ) with θ constant are then tuned by Nelder–Mead on log k, α, log θ to minimise the
squared log-errors of the mean spread, of the depth profile and (optionally) of the
limit-order rate, the simulated statistics being computed with common random numbers (a fixed
seed) so that the objective is deterministic. Depth fixes k/θ and α; without the limit-order
rate the remaining scale of k and θ rests on the spread alone, which is nearly flat when the
spread is close to one tick, so k and θ then come out only roughly (the statistics still
match). :func:`flow_statistics` measures the same statistics on any message/order-book pair
(for instance a real LOBSTER file, to set the targets); :func:`calibration_table` compares
them with targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate, rng

DUMMY_ASK = 9_999_999_999
DUMMY_BID = -9_999_999_999
PRICE_SCALE = 10_000  # LOBSTER prices are dollars × 10000
_GRID = 1 << 16  # ticks in the simulated price window (the mid starts in its middle)
_MAX_LOTS = 1_000_000
_OK, _MSG_FULL, _POOL_FULL, _OFF_GRID = 0, 1, 2, 3


@dataclass(frozen=True)
class CSTParams:
    """Parameters of the Cont–Stoikov–Talreja flow (rates per second, distances in ticks).

    ``k``, ``alpha``: limit orders arrive at distance i from the opposite best at rate
    k / i^alpha per side; ``mu``: market orders per second per side; ``theta``: cancellation
    rate of each resting order, a constant or a sequence θ(1..max_distance);
    ``max_distance``: D, the farthest distance at which limit orders arrive; ``lot``: shares
    per lot; ``mean_lots``: mean order size in lots (1 = unit sizes, the paper's model);
    ``partial_cancel``: probability that a cancellation is partial (LOBSTER type 2).
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
        """λ(1..D) = k / i^α, orders per second per side."""
        i = np.arange(1, self.max_distance + 1, dtype=np.float64)
        return self.k / i**self.alpha

    def cancel_rates(self) -> np.ndarray:
        """θ(1..D), per order per second."""
        if isinstance(self.theta, tuple):
            return np.array(self.theta, dtype=np.float64)
        return np.full(self.max_distance, float(self.theta))


@dataclass(frozen=True, eq=False)
class FlowStatistics:
    """Time averages over a window of ``duration`` seconds.

    ``mean_spread``: spread in ticks, averaged over the time both sides are non-empty
    (``two_sided_fraction`` of the window); ``depth[j]``: displayed shares at occupied level
    j + 1 (LOBSTER levels), averaged over both sides and over time (an absent level counts as
    0); ``trades_per_minute``: market orders per minute (one market order may execute against
    several resting orders); ``limit_orders_per_minute``: new limit orders per minute, both
    sides.
    """

    mean_spread: float
    depth: np.ndarray
    trades_per_minute: float
    limit_orders_per_minute: float
    duration: float
    two_sided_fraction: float


@dataclass(frozen=True, eq=False)
class SyntheticFlow:
    """A simulated LOBSTER message stream and its order-book rows.

    Message arrays follow the LOBSTER columns: ``time`` (float64, seconds after midnight,
    rounded to nanoseconds), ``type``, ``order_id``, ``size`` (shares), ``price`` (dollars ×
    10000), ``direction`` (+1 buy / −1 sell limit order), all int64 but ``time``. ``book`` is
    the int64 (n, 4·levels) array of order-book rows in LOBSTER column order. The first
    ``n_initial`` messages write the warmed-up book at time ``start``. ``tick`` is the tick in
    dollars × 10000. ``stats`` are measured in the simulation over [start, end].
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
        """The six message arrays by LOBSTER column name."""
        return {"time": self.time, "type": self.type, "order_id": self.order_id,
                "size": self.size, "price": self.price, "direction": self.direction}

    def messages_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.messages())


# --------------------------------------------------------------------------------------------
# Kernel: book operations on per-tick FIFO queues (doubly linked lists in an order pool).
# meta[0] = (best bid, lowest bid), meta[1] = (best ask, highest ask); an empty bid side is
# (-1, W) and an empty ask side (W, -1).


@njit(cache=True)
def _push(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta):
    last = tail[side, p]
    o_prev[slot] = last
    o_next[slot] = -1
    if last == -1:
        head[side, p] = slot
    else:
        o_next[last] = slot
    tail[side, p] = slot
    nord[side, p] += 1
    depth[side, p] += o_size[slot]
    if side == 0:
        if p > meta[0, 0]:
            meta[0, 0] = p
        if p < meta[0, 1]:
            meta[0, 1] = p
    else:
        if p < meta[1, 0]:
            meta[1, 0] = p
        if p > meta[1, 1]:
            meta[1, 1] = p


@njit(cache=True)
def _unlink(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta, W):
    prev = o_prev[slot]
    nxt = o_next[slot]
    if prev == -1:
        head[side, p] = nxt
    else:
        o_next[prev] = nxt
    if nxt == -1:
        tail[side, p] = prev
    else:
        o_prev[nxt] = prev
    nord[side, p] -= 1
    depth[side, p] -= o_size[slot]
    if nord[side, p] > 0:
        return
    best = meta[side, 0]
    far = meta[side, 1]
    if best == far:  # the side's only level emptied
        if side == 0:
            meta[0, 0] = -1
            meta[0, 1] = W
        else:
            meta[1, 0] = W
            meta[1, 1] = -1
        return
    step = -1 if side == 0 else 1  # from the best towards the far end
    if p == best:
        q = p + step
        while nord[side, q] == 0:
            q += step
        meta[side, 0] = q
    elif p == far:
        q = p - step
        while nord[side, q] == 0:
            q -= step
        meta[side, 1] = q


@njit(cache=True)
def _rank(side, p, nord, meta):
    """Number of occupied levels strictly better than tick p on ``side``."""
    r = 0
    if side == 0:
        for q in range(p + 1, meta[0, 0] + 1):
            if nord[0, q] > 0:
                r += 1
    else:
        for q in range(meta[1, 0], p):
            if nord[1, q] > 0:
                r += 1
    return r


@njit(cache=True)
def _book_row(row, levels, nord, depth, meta, base, tick):
    j = 0
    p = meta[1, 0]
    while j < levels and p <= meta[1, 1]:
        if nord[1, p] > 0:
            row[4 * j] = (base + p) * tick
            row[4 * j + 1] = depth[1, p]
            j += 1
        p += 1
    while j < levels:
        row[4 * j] = DUMMY_ASK
        row[4 * j + 1] = 0
        j += 1
    j = 0
    p = meta[0, 0]
    while j < levels and p >= meta[0, 1]:
        if nord[0, p] > 0:
            row[4 * j + 2] = (base + p) * tick
            row[4 * j + 3] = depth[0, p]
            j += 1
        p -= 1
    while j < levels:
        row[4 * j + 2] = DUMMY_BID
        row[4 * j + 3] = 0
        j += 1


@njit(cache=True)
def _emit(n, t, typ, oid, size, p, direction, m_time, m_type, m_id, m_size, m_price, m_dir,
          m_book, levels, nord, depth, meta, base, tick):
    """Append one message and the book row after it; returns the new count (-1 if full)."""
    if n >= m_time.shape[0]:
        return -1
    m_time[n] = t
    m_type[n] = typ
    m_id[n] = oid
    m_size[n] = size
    m_price[n] = (base + p) * tick
    m_dir[n] = direction
    _book_row(m_book[n], levels, nord, depth, meta, base, tick)
    return n + 1


@njit(cache=True)
def _write_initial_book(start, record, head, tail, nord, depth, o_prev, o_next, o_size, o_id,
                        free, n_free, meta, W, m_time, m_type, m_id, m_size, m_price, m_dir,
                        m_book, levels, base, tick):
    """Empty the book and re-enter its orders one by one (bids then asks, best level first,
    each queue in time priority), writing each as a type-1 message at time ``start`` when
    ``record``. Returns (messages written or -1 if the buffer is full, free slots)."""
    pool_cap = free.shape[0]
    n_live = pool_cap - n_free
    sv = np.empty(n_live, dtype=np.int64)
    pv = np.empty(n_live, dtype=np.int64)
    zv = np.empty(n_live, dtype=np.int64)
    iv = np.empty(n_live, dtype=np.int64)
    m = 0
    for side in range(2):
        lo = meta[0, 1] if side == 0 else meta[1, 0]
        hi = meta[0, 0] if side == 0 else meta[1, 1]
        for j in range(hi - lo + 1):
            p = hi - j if side == 0 else lo + j
            slot = head[side, p]
            while slot != -1:
                sv[m] = side
                pv[m] = p
                zv[m] = o_size[slot]
                iv[m] = o_id[slot]
                m += 1
                slot = o_next[slot]
            head[side, p] = -1
            tail[side, p] = -1
            nord[side, p] = 0
            depth[side, p] = 0
    meta[0, 0] = -1
    meta[0, 1] = W
    meta[1, 0] = W
    meta[1, 1] = -1
    for j in range(pool_cap):
        free[j] = pool_cap - 1 - j
    n_free = pool_cap
    n_msg = 0
    for j in range(m):
        n_free -= 1
        slot = free[n_free]
        o_size[slot] = zv[j]
        o_id[slot] = iv[j]
        _push(sv[j], pv[j], slot, head, tail, nord, depth, o_prev, o_next, o_size, meta)
        if record:
            n_msg = _emit(n_msg, start, 1, iv[j], zv[j], pv[j], 1 if sv[j] == 0 else -1,
                          m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels, nord,
                          depth, meta, base, tick)
            if n_msg < 0:
                return -1, n_free
    return n_msg, n_free


@njit(cache=True)
def _levels_scan(side, count, nord, depth, meta, W, px, sz):
    """The first ``count`` occupied levels of ``side`` from the best: grid index into ``px``
    and shares into ``sz`` (-1 and 0 where the side has fewer levels)."""
    j = 0
    p = meta[side, 0]
    step = -1 if side == 0 else 1
    far = meta[side, 1]
    while j < count and 0 <= p < W and (p >= far if side == 0 else p <= far):
        if nord[side, p] > 0:
            px[j] = p
            sz[j] = depth[side, p]
            j += 1
        p += step
    while j < count:
        px[j] = -1
        sz[j] = 0
        j += 1


@njit(cache=True)
def _simulate(state, lam, theta, mu, lot, log_q, partial, base, tick, warmup, duration, start,
              record, levels, m_time, m_type, m_id, m_size, m_price, m_dir, m_book,
              interval, s_px, s_sz, s_flow, s_taker, stats, depth_acc, pool_cap):
    """Simulate warm-up + window.

    Returns (status, n_messages, n_initial, n_market_orders, n_limit_orders).

    ``stats`` receives (time, two-sided time, ∫spread dt); ``depth_acc[j]`` ∫ mean depth of
    level j dt. Snapshot arrays (rows = snapshots, empty when interval = 0): ``s_px``/``s_sz``
    (n, 2, L) grid index / shares of the occupied levels (-1 / 0 when absent), ``s_flow``
    (n, 2, 3, L) Σ tick·shares cancelled / added / executed per level during the bucket,
    ``s_taker`` (n, 2) Σ tick·shares bought / sold by market orders during the bucket.
    """
    W = _GRID
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
            n_free -= 1
            slot = free[n_free]
            o_size[slot] = lot
            o_id[slot] = next_id
            next_id += 1
            _push(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta)
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
                n_msg, n_free = _write_initial_book(
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
                    _levels_scan(side, L_snap, nord, depth, meta, W, s_px[k_snap, side],
                                 s_sz[k_snap, side])
                k_snap += 1
                next_snap = warmup + (k_snap + 1) * interval
            dt = t_stop - t
            stats[0] += dt
            if meta[0, 0] >= 0 and meta[1, 0] < W:
                stats[1] += dt
                stats[2] += dt * (meta[1, 0] - meta[0, 0])
            for side in range(2):
                _levels_scan(side, levels, nord, depth, meta, W, scan_px, scan_sz)
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
            n_free -= 1
            slot = free[n_free]
            o_size[slot] = size
            o_id[slot] = next_id
            next_id += 1
            _push(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta)
            if recording:
                n_limit += 1
            if snaps:
                r = _rank(side, p, nord, meta)
                if r < L_snap:
                    s_flow[kb, side, 1, r] += (base + p) * size
            if recording and record:
                n_msg = _emit(n_msg, t_msg, 1, o_id[slot], size, p, 1 if side == 0 else -1,
                              m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                              nord, depth, meta, base, tick)
                if n_msg < 0:
                    return _MSG_FULL, 0, 0, 0, 0
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
                if fill == o_size[slot]:
                    _unlink(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size,
                            meta, W)
                    free[n_free] = slot
                    n_free += 1
                else:
                    o_size[slot] -= fill
                    depth[side, p] -= fill
                if snaps:
                    if r < L_snap:
                        s_flow[kb, side, 2, r] += (base + p) * fill
                    s_taker[kb, 1 - side] += (base + p) * fill
                if recording and record:
                    n_msg = _emit(n_msg, t_msg, 4, oid, fill, p, 1 if side == 0 else -1,
                                  m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                                  nord, depth, meta, base, tick)
                    if n_msg < 0:
                        return _MSG_FULL, 0, 0, 0, 0
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
            r = _rank(side, p, nord, meta) if snaps else 0
            cut = o_size[slot]
            typ = 3
            if partial > 0.0 and o_size[slot] >= 2:
                x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                if rng.to_unit(x) < partial:
                    x, a, b, c, d = rng.xoshiro_step(a, b, c, d)
                    cut = 1 + min(int(rng.to_unit(x) * (o_size[slot] - 1)), o_size[slot] - 2)
                    typ = 2
            if typ == 3:
                _unlink(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta, W)
                free[n_free] = slot
                n_free += 1
            else:
                o_size[slot] -= cut
                depth[side, p] -= cut
            if snaps and r < L_snap:
                s_flow[kb, side, 0, r] += (base + p) * cut
            if recording and record:
                n_msg = _emit(n_msg, t_msg, typ, oid, cut, p, 1 if side == 0 else -1,
                              m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels,
                              nord, depth, meta, base, tick)
                if n_msg < 0:
                    return _MSG_FULL, 0, 0, 0, 0
    return _OK, n_msg, n_init, n_market, n_limit


# --------------------------------------------------------------------------------------------
# Python drivers


def _check_tick(tick_size: object) -> int:
    tick_size = _validate.positive("tick_size", tick_size)
    tick = round(tick_size * PRICE_SCALE)
    if tick < 1 or abs(tick - tick_size * PRICE_SCALE) > 1e-6:
        _validate.fail("tick_size", tick_size, "a positive multiple of $0.0001 (LOBSTER prices "
                       "are integers in dollars × 10000)")
    return int(tick)


def _price_ticks(price: object, tick_size: float) -> int:
    price = _validate.positive("price", price)
    n = round(price / tick_size)
    if n < 1 or abs(n * tick_size - price) > 1e-9 * max(1.0, price):
        _validate.fail("price", price, f"a positive multiple of tick_size={tick_size!r}")
    return int(n)


def _run(params: CSTParams, *, duration: float, warmup: float, levels: int, base: int, tick: int,
         start: float, seed: int, record: bool, interval: float = 0.0, n_snap: int = 0,
         snap_levels: int = 1):
    """Run the kernel, growing the message and order-pool buffers until they suffice."""
    if not isinstance(params, CSTParams):
        _validate.fail("params", params, "a CSTParams instance")
    lam = params.arrival_rates()
    theta = params.cancel_rates()
    m = params.mean_lots
    log_q = math.log((m - 1.0) / m) if m > 1.0 else 0.0
    state = rng.path_states(seed, 1)[0]
    rate = 4.0 * lam.sum() + 4.0 * params.mu * m + 1.0
    msg_cap = int(1.3 * rate * duration) + 50 * params.max_distance + 1000 if record else 0
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
        status, n, n_init, n_market, n_limit = _simulate(
            state, lam, theta, float(params.mu), int(params.lot), log_q,
            float(params.partial_cancel), base, tick, warmup, duration, start, record, levels,
            m_time, *m_int, m_book, interval, s_px, s_sz, s_flow, s_taker, stats, depth_acc,
            pool_cap)
        if status == _MSG_FULL:
            msg_cap *= 2
        elif status == _POOL_FULL:
            pool_cap *= 2
        elif status == _OFF_GRID:
            raise RuntimeError(f"the simulated price left the window of {_GRID} ticks around "
                               "the initial price or reached zero; use a higher price or a "
                               "shorter duration")
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

    ``tick_size`` and ``price`` (the initial best bid) are in dollars, ``start`` in seconds
    after midnight (34200 = 09:30), ``levels`` the order-book levels recorded; the book is
    warmed up for ``warmup`` seconds first. The same ``seed`` gives identical output.
    """
    duration = _validate.positive("duration", duration)
    start = _validate.real("start", start, low=0.0, high=86_400.0)
    if start + duration > 86_400.0:
        _validate.fail("duration", duration, f"at most {86_400.0 - start:g} so that the window "
                       f"ends before midnight (start={start:g})")
    levels = _validate.integer("levels", levels, low=1, high=200)
    tick = _check_tick(tick_size)
    p0 = _price_ticks(price, tick_size)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    flow, msgs, n_init, _ = _run(params, duration=duration, warmup=warmup, levels=levels,
                                 base=p0 - _GRID // 2, tick=tick, start=start, seed=seed,
                                 record=True)
    time, typ, oid, size, px, direction, book = msgs
    return SyntheticFlow(params=params, time=np.round(time, 9), type=typ, order_id=oid,
                         size=size, price=px, direction=direction, book=book, levels=levels,
                         n_initial=n_init, start=start, end=start + duration, tick=tick,
                         seed=seed, stats=flow)


def simulate_snapshots(params: CSTParams, *, duration: float, interval: float,
                       tick_size: float, price: float, size_unit: float = 1.0,
                       levels: int = 15, warmup: float = 300.0, seed: int = 0,
                       start_time: str = "2021-04-07 00:00:00") -> pd.DataFrame:
    """Sample simulated Cont–Stoikov–Talreja books every ``interval`` seconds into the crypto
    snapshot schema (:mod:`mslab.data.crypto`; ``levels`` levels per side).

    Prices are ticks × ``tick_size`` (quote currency); an order of n shares is
    n × ``size_unit`` units of the base asset, so notionals are price × n × size_unit. Row k
    is the book at ``start_time`` (UTC) + (k + 1)·interval; its flow columns (and ``buys`` /
    ``sells``, the notional bought / sold by market orders) cover the interval ending there.
    A flow is attributed to the level its price occupies when it happens (for a market order,
    before it executes); flows beyond the last recorded level count only in ``buys``/``sells``.
    A level absent from the book has NaN distance and zero notional.
    """
    from mslab.data.crypto import columns as crypto_columns

    duration = _validate.positive("duration", duration)
    interval = _validate.positive("interval", interval)
    n_snap = int(math.floor(duration / interval + 1e-9))
    if n_snap < 1:
        _validate.fail("interval", interval, f"at most duration={duration!r}")
    tick_size = _validate.positive("tick_size", tick_size)
    p0 = _price_ticks(price, tick_size)
    size_unit = _validate.positive("size_unit", size_unit)
    levels = _validate.integer("levels", levels, low=1, high=15)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    try:
        t0 = pd.Timestamp(start_time, tz="UTC") if pd.Timestamp(start_time).tzinfo is None \
            else pd.Timestamp(start_time).tz_convert("UTC")
    except (TypeError, ValueError):
        _validate.fail("start_time", start_time, "a date-time string such as "
                       "'2021-04-07 00:00:00' (UTC)")
    _, _, _, (s_px, s_sz, s_flow, s_taker) = _run(
        params, duration=duration, warmup=warmup, levels=1, base=p0 - _GRID // 2, tick=1,
        start=0.0, seed=seed, record=False, interval=interval, n_snap=n_snap,
        snap_levels=levels)

    present = s_px >= 0
    base = p0 - _GRID // 2
    px = np.where(present, (base + s_px) * tick_size, np.nan)  # (n, 2, L)
    both = present[:, 0, 0] & present[:, 1, 0]
    mid = np.where(both, 0.5 * (px[:, 0, 0] + px[:, 1, 0]), np.nan)
    out: dict[str, object] = {
        "system_time": t0 + pd.to_timedelta(np.arange(1, n_snap + 1) * interval, unit="s"),
        "midpoint": mid,
        "spread": np.where(both, px[:, 1, 0] - px[:, 0, 0], np.nan),
        "buys": s_taker[:, 0] * tick_size * size_unit,
        "sells": s_taker[:, 1] * tick_size * size_unit,
    }
    scale = tick_size * size_unit
    for s, side in enumerate(("bids", "asks")):
        blocks = {"distance": (px[:, s] - mid[:, None]) / mid[:, None],
                  "notional": np.where(present[:, s], px[:, s] * s_sz[:, s] * size_unit, 0.0),
                  "cancel_notional": s_flow[:, s, 0] * scale,
                  "limit_notional": s_flow[:, s, 1] * scale,
                  "market_notional": s_flow[:, s, 2] * scale}
        for name, block in blocks.items():
            for i in range(levels):
                out[f"{side}_{name}_{i}"] = block[:, i]
    frame = pd.DataFrame(out)
    return frame[crypto_columns(levels)]


def flow_statistics(time: np.ndarray, type: np.ndarray, direction: np.ndarray,
                    book: np.ndarray, *, tick: int, start: float, end: float) -> FlowStatistics:
    """The calibration statistics of a LOBSTER message/order-book pair over [start, end].

    Row i of ``book`` (int64, LOBSTER column order) holds from ``time[i]`` until
    ``time[i + 1]`` (the last row until ``end``); ``tick`` is the tick size in dollars × 10000.
    A market order is a run of consecutive executions (types 4 and 5) with the same time and
    direction. Orders and trades are counted on start < time ≤ end, so messages stamped exactly
    ``start`` (the warmed-up book of :func:`simulate_cst`) are not counted.
    """
    time = np.asarray(time, dtype=np.float64)
    typ = np.asarray(type)
    direction = np.asarray(direction)
    book = np.asarray(book)
    n = time.shape[0]
    if typ.shape != (n,) or direction.shape != (n,) or book.ndim != 2 or \
            book.shape[0] != n or book.shape[1] % 4 or book.shape[1] == 0:
        _validate.fail("book", f"array of shape {book.shape}", f"an array of shape ({n}, "
                       "4*levels) with type and direction of length n")
    tick = _validate.integer("tick", tick, low=1)
    start = _validate.real("start", start)
    end = _validate.real("end", end, low=start, low_open=True)
    edges = np.clip(np.append(time, end), start, end)
    w = np.diff(edges)
    total = end - start
    ask_p, ask_s, bid_p, bid_s = (book[:, j::4].astype(np.float64) for j in range(4))
    two = (ask_s[:, 0] > 0) & (bid_s[:, 0] > 0)
    two_time = float(w[two].sum())
    spread = float((w[two] * (ask_p[two, 0] - bid_p[two, 0])).sum() / tick / two_time) \
        if two_time > 0 else float("nan")
    depth = (w[:, None] * 0.5 * (ask_s + bid_s)).sum(axis=0) / total
    is_exec = np.isin(typ, (4, 5))
    inside = (time > start) & (time <= end)
    prev_same = np.zeros(n, dtype=bool)
    prev_same[1:] = is_exec[:-1] & (time[1:] == time[:-1]) & (direction[1:] == direction[:-1])
    n_trades = int((is_exec & ~prev_same & inside).sum())
    n_limit = int(((typ == 1) & inside).sum())
    return FlowStatistics(mean_spread=spread, depth=depth,
                          trades_per_minute=60.0 * n_trades / total,
                          limit_orders_per_minute=60.0 * n_limit / total, duration=total,
                          two_sided_fraction=two_time / total)


# --------------------------------------------------------------------------------------------
# Calibration


@dataclass(frozen=True)
class CalibrationTargets:
    """What the calibration aims at: ``mean_spread`` in ticks (≥ 1), ``depth`` the mean shares
    at occupied levels 1..n (averaged over both sides), ``trades_per_minute`` market orders
    per minute and, optionally, ``limit_orders_per_minute`` (both sides). Without the last one
    the overall speed of the book (k and θ together at fixed k/θ) is only weakly pinned down
    by the spread."""

    mean_spread: float
    depth: tuple[float, ...]
    trades_per_minute: float
    limit_orders_per_minute: float | None = None

    def __post_init__(self) -> None:
        _validate.real("mean_spread", self.mean_spread, low=1.0)
        depth = self.depth
        if not isinstance(depth, (list, tuple, np.ndarray)) or len(depth) < 1:
            _validate.fail("depth", depth, "a non-empty sequence of positive numbers")
        object.__setattr__(self, "depth", tuple(_validate.positive(f"depth[{j}]", x)
                                                for j, x in enumerate(depth)))
        _validate.positive("trades_per_minute", self.trades_per_minute)
        if self.limit_orders_per_minute is not None:
            _validate.positive("limit_orders_per_minute", self.limit_orders_per_minute)


@dataclass(frozen=True, eq=False)
class Calibration:
    """Result of :func:`calibrate`: the fitted parameters, the targets, the statistics the
    fitted model achieves (same seed and duration as the fit), the number of simulations run,
    whether Nelder–Mead met its tolerance, and the final loss (sum of squared log-errors)."""

    params: CSTParams
    targets: CalibrationTargets
    achieved: FlowStatistics
    n_evaluations: int
    converged: bool
    loss: float

    def table(self) -> pd.DataFrame:
        return calibration_table(self.targets, self.achieved)


def calibration_table(targets: CalibrationTargets, stats: FlowStatistics) -> pd.DataFrame:
    """Target against achieved for every calibrated statistic, with the relative error."""
    names = ["mean spread (ticks)"] + [f"depth level {j + 1} (shares)"
                                       for j in range(len(targets.depth))] + ["trades per minute"]
    target = [targets.mean_spread, *targets.depth, targets.trades_per_minute]
    got = [stats.mean_spread, *np.asarray(stats.depth)[:len(targets.depth)],
           stats.trades_per_minute]
    if targets.limit_orders_per_minute is not None:
        names.append("limit orders per minute")
        target.append(targets.limit_orders_per_minute)
        got.append(stats.limit_orders_per_minute)
    frame = pd.DataFrame({"target": target, "achieved": got}, index=pd.Index(names,
                                                                            name="statistic"))
    frame["relative_error"] = frame["achieved"] / frame["target"] - 1.0
    return frame


def _loss(stats: FlowStatistics, targets: CalibrationTargets) -> float:
    if not stats.mean_spread > 0 or np.any(stats.depth[:len(targets.depth)] <= 0):
        return 1e6
    e_spread = math.log(stats.mean_spread / targets.mean_spread)
    e_depth = np.log(stats.depth[:len(targets.depth)] / np.array(targets.depth))
    loss = e_spread**2 + float(np.mean(e_depth**2))
    if targets.limit_orders_per_minute is not None:
        loss += math.log(stats.limit_orders_per_minute / targets.limit_orders_per_minute)**2
    return loss


def calibrate(targets: CalibrationTargets, *, max_distance: int = 10, lot: int = 100,
              mean_lots: float = 1.0, partial_cancel: float = 0.0, duration: float = 3600.0,
              warmup: float = 300.0, seed: int = 0, max_evaluations: int = 400) -> Calibration:
    """Fit (k, α, μ, θ) — θ constant — to ``targets`` by simulation.

    μ = trades_per_minute / 120 (buy and sell market orders each arrive at rate μ). Starting
    from the mean-field depth profile (queue at distance i ≈ λ(i)/θ orders), a scan over θ at
    fixed k/θ and then Nelder–Mead on (log k, α, log θ) minimise
    (log spread/target)² + mean over levels of (log depth/target)²
    [+ (log limit-order rate/target)² when that target is given], every evaluation being a
    ``duration``-second simulation with the same ``seed`` (common random numbers). The other
    keyword arguments fix the remaining :class:`CSTParams` fields.
    """
    from scipy.optimize import minimize

    if not isinstance(targets, CalibrationTargets):
        _validate.fail("targets", targets, "a CalibrationTargets instance")
    duration = _validate.positive("duration", duration)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    max_evaluations = _validate.integer("max_evaluations", max_evaluations, low=10)
    fixed = dict(max_distance=max_distance, lot=lot, mean_lots=mean_lots,
                 partial_cancel=partial_cancel)
    mu = float(targets.trades_per_minute) / 120.0
    CSTParams(k=1.0, alpha=0.5, mu=mu, theta=1.0, **fixed)  # validates the fixed parameters
    levels = len(targets.depth)
    mean_size = lot * mean_lots
    n_eval = 0

    def simulate(k: float, alpha: float, theta: float) -> FlowStatistics | None:
        nonlocal n_eval
        if not (0.0 <= alpha <= 5.0 and 1e-6 < k < 1e5 and 1e-6 < theta < 1e5):
            return None
        n_eval += 1
        params = CSTParams(k=k, alpha=alpha, mu=mu, theta=theta, **fixed)
        return _run(params, duration=duration, warmup=warmup, levels=levels,
                    base=10**6 - _GRID // 2, tick=1, start=0.0, seed=seed, record=False)[0]

    def objective(x: np.ndarray) -> float:
        stats = simulate(math.exp(x[0]), float(x[1]), math.exp(x[2]))
        return 1e6 if stats is None else _loss(stats, targets)

    # Mean-field start: depth_j ≈ mean_size · (k/θ) / j^α.
    j = np.arange(1, levels + 1, dtype=np.float64)
    if levels >= 2:
        slope, intercept = np.polyfit(np.log(j), np.log(np.array(targets.depth) / mean_size), 1)
        alpha0 = float(np.clip(-slope, 0.0, 3.0))
    else:
        alpha0, intercept = 0.5, math.log(targets.depth[0] / mean_size)
    ratio = math.exp(intercept)
    thetas = np.exp(np.linspace(math.log(0.02), math.log(20.0), 9)) * max(mu, 0.01)
    scan = [objective(np.array([math.log(ratio * th), alpha0, math.log(th)])) for th in thetas]
    th0 = float(thetas[int(np.argmin(scan))])
    x0 = np.array([math.log(ratio * th0), alpha0, math.log(th0)])
    simplex = np.array([x0, x0 + [0.3, 0.0, 0.0], x0 + [0.0, 0.2, 0.0], x0 + [0.0, 0.0, 0.3]])
    res = minimize(objective, x0, method="Nelder-Mead",
                   options=dict(maxfev=max_evaluations, xatol=2e-3, fatol=1e-5,
                                initial_simplex=simplex))
    k, alpha, theta = math.exp(res.x[0]), float(res.x[1]), math.exp(res.x[2])
    params = CSTParams(k=k, alpha=alpha, mu=mu, theta=theta, **fixed)
    achieved = simulate(k, alpha, theta)
    return Calibration(params=params, targets=targets, achieved=achieved,
                       n_evaluations=n_eval, converged=bool(res.success), loss=float(res.fun))
