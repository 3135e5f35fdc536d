"""A price-level (L2) limit order book, replayed from LOBSTER messages.

Design. Each side of the book is a sorted array of its non-empty levels, ``keys`` and
``qtys`` (shares), with the best level at the *end*: the key of a bid at tick ``t`` is ``t``
and of an ask ``−t``, so both sides sort ascending by key with the best price last. An update
finds its level by scanning back from the best (a binary search beyond the 16 best levels)
and inserts or removes a level by shifting only the levels between it and the best. Almost
all order flow arrives within a few levels of the best, so an update moves a handful of
words; the top ``L`` levels are simply the last ``L`` entries; and the memory is
proportional to the number of occupied levels, not to the price range, so prices may wander
over any range (a stub quote at $0.01 next to one at $200 000 costs one entry each). The
arrays double when a side outgrows them.

State: ``keys`` and ``qtys`` are int64 ``(2, capacity)`` arrays (row ``BID`` = 0, ``ASK`` = 1)
and ``counts`` an int64 ``(2,)`` array of occupied levels; :func:`apply_message` applies one
LOBSTER message (type 1 adds, types 2, 3 and 4 remove shares at the message's level; types 5,
6 and 7 leave the visible book unchanged).

Public API: :func:`replay_lobster` (the LOBSTER order-book rows after each message) and
:func:`crossing_state` (locked / crossed rows). The jitted functions (``update_level``,
``best_tick``, ``qty_at``, ...) are building blocks for kernels such as the backtest's and do
not validate their arguments.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab import _validate
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, EXECUTE, NEW, message_arrays

BID, ASK = 0, 1
NO_TICK = np.iinfo(np.int64).min  # best tick of an empty side
NORMAL, LOCKED, CROSSED = 0, 1, 2  # values of crossing_state
_SCAN = 16  # levels scanned linearly from the best before a binary search
_INITIAL_CAPACITY = 256


@njit(cache=True, inline="always")
def side_of(direction: int) -> int:
    """Book side (BID / ASK) of a LOBSTER direction (+1 buy / −1 sell limit order)."""
    return BID if direction > 0 else ASK


@njit(cache=True, inline="always")
def key_of(side: int, tick: int) -> int:
    return tick if side == BID else -tick


@njit(cache=True, inline="always")
def _position(keys: np.ndarray, side: int, n: int, key: int) -> int:
    """Number of the sorted keys ``keys[side, :n]`` that are ≤ ``key``."""
    lo = n - _SCAN if n > _SCAN else 0
    if n > _SCAN and keys[side, lo] > key:
        hi = lo
        lo = 0
        while lo < hi:  # binary search in keys[side, :hi]
            mid = (lo + hi) >> 1
            if keys[side, mid] <= key:
                lo = mid + 1
            else:
                hi = mid
        return lo
    i = n
    while i > lo and keys[side, i - 1] > key:
        i -= 1
    return i


@njit(cache=True)
def new_book():
    """Empty book state ``(keys, qtys, counts)``."""
    return (np.zeros((2, _INITIAL_CAPACITY), np.int64), np.zeros((2, _INITIAL_CAPACITY), np.int64),
            np.zeros(2, np.int64))


@njit(cache=True, inline="always")
def full(keys: np.ndarray, counts: np.ndarray) -> bool:
    """True if a side has no room for another level (then :func:`grow` the book)."""
    return counts[0] == keys.shape[1] or counts[1] == keys.shape[1]


@njit(cache=True)
def grow(keys: np.ndarray, qtys: np.ndarray):
    """The book's arrays with doubled capacity."""
    cap = keys.shape[1]
    new_keys = np.zeros((2, 2 * cap), np.int64)
    new_qtys = np.zeros((2, 2 * cap), np.int64)
    new_keys[:, :cap] = keys
    new_qtys[:, :cap] = qtys
    return new_keys, new_qtys


@njit(cache=True)
def update_level(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, side: int, tick: int,
                 delta: int):
    """Add ``delta`` shares (negative: remove) to the level at ``tick`` on ``side``.

    Returns ``(previous, new)`` sizes of the level. ``new`` < 0 means the message removed more
    than the level held (inconsistent data): the level is then removed, as when ``new`` == 0.
    The arrays must have room for one more level (see :func:`full`).
    """
    key = key_of(side, tick)
    n = counts[side]
    i = _position(keys, side, n, key)
    if i > 0 and keys[side, i - 1] == key:  # existing level
        prev = qtys[side, i - 1]
        new = prev + delta
        if new > 0:
            qtys[side, i - 1] = new
        else:  # remove: shift the better levels down by one
            for j in range(i - 1, n - 1):
                keys[side, j] = keys[side, j + 1]
                qtys[side, j] = qtys[side, j + 1]
            counts[side] = n - 1
        return prev, new
    if delta > 0:  # insert at i: shift the better levels up by one
        for j in range(n, i, -1):
            keys[side, j] = keys[side, j - 1]
            qtys[side, j] = qtys[side, j - 1]
        keys[side, i] = key
        qtys[side, i] = delta
        counts[side] = n + 1
    return 0, delta


@njit(cache=True, inline="always")
def message_delta(kind: int, size: int) -> int:
    """Change of visible size at the message's level: +size for type 1, −size for 2, 3, 4 and
    0 for the types that leave the visible book alone (5, 6, 7)."""
    if kind == NEW:
        return size
    if kind <= EXECUTE:
        return -size
    return 0


@njit(cache=True)
def best_tick(keys: np.ndarray, counts: np.ndarray, side: int) -> int:
    """Tick of the best level of ``side``, or ``NO_TICK`` if that side is empty."""
    n = counts[side]
    if n == 0:
        return NO_TICK
    k = keys[side, n - 1]
    return k if side == BID else -k


@njit(cache=True)
def best_qty(qtys: np.ndarray, counts: np.ndarray, side: int) -> int:
    n = counts[side]
    return qtys[side, n - 1] if n > 0 else 0


@njit(cache=True)
def qty_at(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, side: int, tick: int) -> int:
    """Visible size at ``tick`` on ``side`` (0 if the level is empty)."""
    key = key_of(side, tick)
    i = _position(keys, side, counts[side], key)
    if i > 0 and keys[side, i - 1] == key:
        return qtys[side, i - 1]
    return 0


@njit(cache=True)
def write_row(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, tick: int,
              rows: np.ndarray, r: int) -> None:
    """Write the top ``rows.shape[1] // 4`` levels in LOBSTER order-book format into row
    ``r`` of ``rows``."""
    levels = rows.shape[1] // 4
    na = counts[ASK]
    nb = counts[BID]
    for lev in range(levels):
        if lev < na:
            rows[r, 4 * lev] = -keys[ASK, na - 1 - lev] * tick
            rows[r, 4 * lev + 1] = qtys[ASK, na - 1 - lev]
        else:
            rows[r, 4 * lev] = DUMMY_ASK
            rows[r, 4 * lev + 1] = 0
        if lev < nb:
            rows[r, 4 * lev + 2] = keys[BID, nb - 1 - lev] * tick
            rows[r, 4 * lev + 3] = qtys[BID, nb - 1 - lev]
        else:
            rows[r, 4 * lev + 2] = DUMMY_BID
            rows[r, 4 * lev + 3] = 0


@njit(cache=True)
def seed_book(init_ticks: np.ndarray, init_qtys: np.ndarray, init_sides: np.ndarray):
    """A book holding the given levels (e.g. from an initial LOBSTER row)."""
    keys, qtys, counts = new_book()
    for i in range(init_ticks.size):
        if full(keys, counts):
            keys, qtys = grow(keys, qtys)
        update_level(keys, qtys, counts, init_sides[i], init_ticks[i], init_qtys[i])
    return keys, qtys, counts


@njit(cache=True)
def _replay(kind, size, price_tick, direction, tick, init_ticks, init_qtys, init_sides, rows):
    """Kernel: apply each message and write the book's top levels into ``rows[i]``. Returns
    the index of the first message that removed more shares than its level held, or −1."""
    keys, qtys, counts = seed_book(init_ticks, init_qtys, init_sides)
    first_bad = -1
    for i in range(kind.size):
        delta = message_delta(kind[i], size[i])
        if delta != 0:
            if delta > 0 and full(keys, counts):
                keys, qtys = grow(keys, qtys)
            _, new = update_level(keys, qtys, counts, side_of(direction[i]), price_tick[i], delta)
            if new < 0 and first_bad < 0:
                first_bad = i
        write_row(keys, qtys, counts, tick, rows, i)
    return first_bad


def initial_levels(initial_book: object, tick: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a LOBSTER order-book row (the state before the first message) and return its
    non-empty levels as ``(ticks, sizes, sides)``; ``None`` gives an empty book."""
    if initial_book is None:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    row = np.asarray(initial_book)
    allowed = ("None or a 1-D integer array in LOBSTER order-book format (ask price, ask size, "
               f"bid price, bid size per level) with prices on the tick={tick} grid")
    if (row.ndim != 1 or row.size == 0 or row.size % 4 or row.dtype == bool
            or not np.issubdtype(row.dtype, np.integer)):
        _validate.fail("initial_book", row if row.size <= 8 else f"<array of shape {row.shape}>",
                       allowed)
    row = row.astype(np.int64).reshape(-1, 4)
    ticks, sizes, sides = [], [], []
    for side, pcol in ((ASK, 0), (BID, 2)):
        price, size = row[:, pcol], row[:, pcol + 1]
        live = size != 0
        if np.any(size < 0) or np.any(live & ((price <= 0) | (price % tick != 0))):
            _validate.fail("initial_book", f"<array of shape {(row.size,)}>", allowed)
        ticks.append(price[live] // tick)
        sizes.append(size[live])
        sides.append(np.full(int(live.sum()), side))
    t = np.concatenate(ticks).astype(np.int64)
    if np.unique(np.stack([t, np.concatenate(sides)]), axis=1).shape[1] != t.size:
        _validate.fail("initial_book", f"<array of shape {(row.size,)}>",
                       allowed + ", each price at most once per side")
    return t, np.concatenate(sizes).astype(np.int64), np.concatenate(sides).astype(np.int64)


def replay_lobster(messages: object, levels: int, tick: int, *, initial_book: object = None,
                   strict: bool = True) -> np.ndarray:
    """The LOBSTER order-book rows the book shows after each message.

    ``messages`` is a LOBSTER message stream (see :mod:`mslab.orderbook.messages`); ``levels``
    ≥ 1 the number of levels per side; ``tick`` the price grid in LOBSTER units (100 = one
    cent). ``initial_book`` optionally gives the book before the first message as one LOBSTER
    order-book row (any number of levels; empty levels carry the dummy prices and size 0).

    Returns an int64 array of shape ``(n_messages, 4·levels)``: row ``i`` is the state after
    message ``i``, for each level ask price, ask size, bid price, bid size; empty levels carry
    the dummy prices ``DUMMY_ASK`` (9999999999) and ``DUMMY_BID`` (−9999999999) with size 0.
    Types 5 (hidden executions), 6 (cross trades) and 7 (halts) leave the visible book
    unchanged.

    With ``strict`` (default) a message that removes more shares than its level holds (a
    stream that does not start from the true book, or corrupt data) raises ``ValueError``
    naming the message; with ``strict=False`` the level is emptied and replay continues.
    """
    tick = _validate.integer("tick", tick, low=1)
    levels = _validate.integer("levels", levels, low=1)
    if not isinstance(strict, bool):
        _validate.fail("strict", strict, "True or False")
    msg = message_arrays(messages, tick)
    init = initial_levels(initial_book, tick)
    rows = np.zeros((msg.n, 4 * levels), np.int64)
    first_bad = _replay(msg.type, msg.size, msg.price_tick, msg.direction, tick, *init, rows)
    if strict and first_bad >= 0:
        _validate.fail("messages", f"<stream of {msg.n} messages>",
                       "consistent with the book: message "
                       f"{first_bad} (type {msg.type[first_bad]}, price "
                       f"{msg.price[first_bad]}, size {msg.size[first_bad]}) removes more "
                       "shares than its level holds (pass initial_book, or strict=False)")
    return rows


def crossing_state(rows: object) -> np.ndarray:
    """``NORMAL`` (0), ``LOCKED`` (1, best ask = best bid) or ``CROSSED`` (2, best ask < best
    bid) for each LOBSTER order-book row (an array of shape ``(n, 4·levels)`` or one row); a
    row with an empty side is ``NORMAL``. Returns an int8 array of length ``n``."""
    arr = np.asarray(rows)
    if arr.ndim == 1:
        arr = arr[None, :]
    if (arr.ndim != 2 or arr.shape[1] < 4 or arr.shape[1] % 4 or arr.dtype == bool
            or not np.issubdtype(arr.dtype, np.integer)):
        _validate.fail("rows", f"<{arr.dtype} array of shape {np.shape(rows)}>",
                       "an integer array of LOBSTER order-book rows, shape (n, 4*levels)")
    ask, ask_size, bid, bid_size = arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]
    both = (ask_size > 0) & (bid_size > 0)
    out = np.full(arr.shape[0], NORMAL, np.int8)
    out[both & (ask == bid)] = LOCKED
    out[both & (ask < bid)] = CROSSED
    return out
