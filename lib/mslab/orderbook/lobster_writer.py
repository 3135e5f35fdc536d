"""Writing an order-level book (:mod:`mslab.orderbook.order_queues`) as LOBSTER data: each
message with the order-book row after it (the top ``levels`` levels, empty levels carrying the
dummy prices), and the book itself as a sequence of new-order messages. Message types and
dummy prices are the named constants of :mod:`mslab.orderbook.messages`; prices are written
as ``(base + p) · tick`` (grid index ``p``, LOBSTER units).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, NEW
from mslab.orderbook.order_queues import add_order


@njit(cache=True)
def book_row(row, levels, nord, depth, meta, base, tick):
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
def emit(n, t, typ, oid, size, p, direction, m_time, m_type, m_id, m_size, m_price, m_dir,
          m_book, levels, nord, depth, meta, base, tick):
    """Append one message and the book row after it; returns the new count, or -1 once the
    buffers are full (and for any later call: ``n`` = -1 stays -1)."""
    if n < 0 or n >= m_time.shape[0]:
        return -1
    m_time[n] = t
    m_type[n] = typ
    m_id[n] = oid
    m_size[n] = size
    m_price[n] = (base + p) * tick
    m_dir[n] = direction
    book_row(m_book[n], levels, nord, depth, meta, base, tick)
    return n + 1


@njit(cache=True)
def write_initial_book(start, record, head, tail, nord, depth, o_prev, o_next, o_size, o_id,
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
        n_free = add_order(sv[j], pv[j], zv[j], iv[j], free, n_free, head, tail, nord, depth,
                           o_prev, o_next, o_size, o_id, meta)
        if record:
            n_msg = emit(n_msg, start, NEW, iv[j], zv[j], pv[j], 1 if sv[j] == 0 else -1,
                          m_time, m_type, m_id, m_size, m_price, m_dir, m_book, levels, nord,
                          depth, meta, base, tick)
            if n_msg < 0:
                return -1, n_free
    return n_msg, n_free
