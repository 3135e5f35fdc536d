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
    """Write the LOBSTER order-book row of the book's top ``levels`` levels into ``row``.

    Per level j: ask price, ask size, bid price, bid size at ``row[4j:4j + 4]``; an empty
    level carries the dummy price (``DUMMY_ASK`` / ``DUMMY_BID``) and size 0.

    Parameters
    ----------
    row : numpy.ndarray
        Int64, length 4·levels, written in place.
    levels : int
        Levels per side in a book row.
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each (side, grid index).
    meta : numpy.ndarray
        Int64 (2, 2): ``meta[0] = (best bid, lowest bid)``, ``meta[1] = (best ask, highest
        ask)`` (grid indices).
    base : int
        Price in ticks of grid index 0.
    tick : int
        LOBSTER price units per tick.
    """
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
    """Append one message and the book row after it.

    Parameters
    ----------
    n : int
        Messages written so far (−1: the buffers are already full).
    t : float
        Message time (seconds).
    typ, oid, size : int
        LOBSTER message type, order id and size (shares).
    p : int
        Grid index of the price; the message price is ``(base + p) · tick``.
    direction : int
        +1 buy / −1 sell limit order.
    m_time, m_type, m_id, m_size, m_price, m_dir : numpy.ndarray
        The message buffers (float64 times, int64 others), one entry per message.
    m_book : numpy.ndarray
        Int64 (capacity, 4·levels): the order-book row buffer.
    levels : int
        Levels per side in a book row.
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each (side, grid index).
    meta : numpy.ndarray
        Int64 (2, 2): ``meta[0] = (best bid, lowest bid)``, ``meta[1] = (best ask, highest
        ask)`` (grid indices).
    base : int
        Price in ticks of grid index 0.
    tick : int
        LOBSTER price units per tick.

    Returns
    -------
    int
        The new count ``n + 1``, or −1 once the buffers are full (and for any later call:
        ``n`` = −1 stays −1).
    """
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
    ``record``.

    Parameters
    ----------
    start : float
        Time of the messages (seconds).
    record : bool
        Write the messages (else only rebuild the book).
    head, tail, nord, depth, o_prev, o_next, o_size, o_id, free, n_free, meta, W
        The order-level book (:mod:`mslab.orderbook.order_queues`), rebuilt in place.
    m_time, m_type, m_id, m_size, m_price, m_dir, m_book
        The message and order-book row buffers (see :func:`emit`).
    levels : int
        Levels per side in a book row.
    base : int
        Price in ticks of grid index 0.
    tick : int
        LOBSTER price units per tick.

    Returns
    -------
    tuple
        ``(n_messages, n_free)``: messages written (0 unless ``record``; −1 if the buffer
        is full) and the free slots of the pool.
    """
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
