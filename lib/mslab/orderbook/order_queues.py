"""An order-level (L3) limit order book on a grid of ticks: one FIFO queue of orders per price.

The Cont–Stoikov–Talreja simulation (:mod:`mslab.orderbook.cst_flow`) needs what a price-level
book (:mod:`mslab.orderbook.book`) does not keep: every order with its id and size, in time
priority at its price, so that a market order executes the oldest orders first and a
cancellation removes one uniformly drawn order; and the number of orders at each distance from
the opposite best, which sets the cancellation rate. Hence a second book here.

Layout (``W`` ticks, grid index ``p``; side 0 bids, 1 asks): orders live in a pool of slots,
each queue a doubly linked list (``o_prev``/``o_next``) with ``head``/``tail`` slots per
``(side, p)``; ``nord`` and ``depth`` count the orders and shares at each price;
``meta[0] = (best bid, lowest bid)``, ``meta[1] = (best ask, highest ask)``, an empty bid side
being ``(-1, W)`` and an empty ask side ``(W, -1)``. The functions are kernel building blocks
and do not validate their arguments.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def push(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta):
    """Link the order in ``slot`` at the back of the queue at ``(side, p)`` and update the
    counts and the side's best and far end.

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    p : int
        Grid index of the price.
    slot : int
        Pool slot of the order (its size already in ``o_size``).
    head, tail : numpy.ndarray
        Int64 (2, W): first and last slot of each queue (−1: empty).
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each price, updated.
    o_prev, o_next : numpy.ndarray
        Int64 (pool size,): the links of each slot (−1: none).
    o_size : numpy.ndarray
        Int64 (pool size,): shares of the order in each slot.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side (see the module docstring), updated.
    """
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
def add_order(side, p, size, order_id, free, n_free, head, tail, nord, depth, o_prev, o_next,
              o_size, o_id, meta):
    """Put a new order (``size`` shares, id ``order_id``) in the last free slot of the pool
    (``free[:n_free]``) and at the back of its queue.

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    p : int
        Grid index of the price.
    size : int
        Shares.
    order_id : int
        The order's id.
    free : numpy.ndarray
        Int64 (pool size,): ``free[:n_free]`` are the free slots.
    n_free : int
        Free slots before the call (≥ 1; not checked).
    head, tail : numpy.ndarray
        Int64 (2, W): first and last slot of each queue (−1: empty).
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each price, updated.
    o_prev, o_next : numpy.ndarray
        Int64 (pool size,): the links of each slot (−1: none).
    o_size : numpy.ndarray
        Int64 (pool size,): shares of the order in each slot.
    o_id : numpy.ndarray
        Int64 (pool size,): id of the order in each slot.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side (see the module docstring), updated.

    Returns
    -------
    int
        The number of free slots left, ``n_free − 1``.
    """
    n_free -= 1
    slot = free[n_free]
    o_size[slot] = size
    o_id[slot] = order_id
    push(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta)
    return n_free


@njit(cache=True)
def unlink(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta, W):
    """Take the order in ``slot`` out of its queue at ``(side, p)`` (its slot is not freed)
    and update the counts and, when the level empties, the side's best or far end.

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    p : int
        Grid index of the price.
    slot : int
        Pool slot of the order.
    head, tail : numpy.ndarray
        Int64 (2, W): first and last slot of each queue (−1: empty).
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each price, updated.
    o_prev, o_next : numpy.ndarray
        Int64 (pool size,): the links of each slot (−1: none).
    o_size : numpy.ndarray
        Int64 (pool size,): shares of the order in each slot.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side (see the module docstring), updated.
    W : int
        Ticks in the grid (the empty-side markers).
    """
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
def remove_shares(side, p, slot, qty, free, n_free, head, tail, nord, depth, o_prev, o_next,
                  o_size, meta, W):
    """Take ``qty`` shares from order ``slot`` (executed or cancelled); an order left with
    none leaves its queue and its slot returns to the pool.

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    p : int
        Grid index of the price.
    slot : int
        Pool slot of the order.
    qty : int
        Shares taken, 1 to the order's size (not checked).
    free : numpy.ndarray
        Int64 (pool size,): ``free[:n_free]`` are the free slots.
    n_free : int
        Free slots before the call.
    head, tail : numpy.ndarray
        Int64 (2, W): first and last slot of each queue (−1: empty).
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each price, updated.
    o_prev, o_next : numpy.ndarray
        Int64 (pool size,): the links of each slot (−1: none).
    o_size : numpy.ndarray
        Int64 (pool size,): shares of the order in each slot.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side (see the module docstring), updated.
    W : int
        Ticks in the grid.

    Returns
    -------
    int
        The number of free slots after the call.
    """
    if qty == o_size[slot]:
        unlink(side, p, slot, head, tail, nord, depth, o_prev, o_next, o_size, meta, W)
        free[n_free] = slot
        return n_free + 1
    o_size[slot] -= qty
    depth[side, p] -= qty
    return n_free


@njit(cache=True)
def rank(side, p, nord, meta):
    """Number of occupied levels strictly better than tick p on ``side``.

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    p : int
        Grid index of the price.
    nord : numpy.ndarray
        Int64 (2, W): orders at each price.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side.

    Returns
    -------
    int
        The rank of the price from the best (0 at the best level), ≥ 0.
    """
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
def levels_scan(side, count, nord, depth, meta, W, px, sz):
    """The first ``count`` occupied levels of ``side`` from the best: grid index into ``px``
    and shares into ``sz`` (-1 and 0 where the side has fewer levels).

    Parameters
    ----------
    side : int
        0 bids, 1 asks.
    count : int
        Levels wanted.
    nord, depth : numpy.ndarray
        Int64 (2, W): orders and shares at each price.
    meta : numpy.ndarray
        Int64 (2, 2): best and far end of each side.
    W : int
        Ticks in the grid.
    px, sz : numpy.ndarray
        Int64, length ≥ ``count``: written in place (entries 0..count−1).
    """
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
