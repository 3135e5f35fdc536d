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
and ``counts`` an int64 ``(2,)`` array of occupied levels; :func:`update_level` applies the
change :func:`message_delta` gives for one LOBSTER message (type 1 adds, types 2, 3 and 4
remove shares at the message's level; types 5, 6 and 7 leave the visible book unchanged).

Public API: :func:`replay_lobster` (the LOBSTER order-book rows after each message),
:func:`crossing_state` (locked / crossed rows) and, for a message file that comes with its
LOBSTER order-book file, :func:`check_book_file` (does message ``i`` take row ``i − 1`` to row
``i``, apart from levels revealed from beyond the file's depth?) and
:func:`replay_divergence` (where a replay from the messages alone departs from the file's top
of book: a message file holds only the messages within its depth, so on real multi-level days
it does). :func:`book_rows` validates such a file and :func:`load_row` makes the book one of
its rows (the backtest's book-file mode). The jitted functions (``update_level``,
``best_tick``, ``qty_at``, ...) are building blocks for kernels such as the backtest's and do
not validate their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslab import _validate
from mslab.orderbook.messages import (DUMMY_ASK, DUMMY_BID, EXECUTE, NEW, check_tick,
                                     message_arrays)

BID, ASK = 0, 1
NO_TICK = np.iinfo(np.int64).min  # best tick of an empty side
NORMAL, LOCKED, CROSSED = 0, 1, 2  # values of crossing_state
_SCAN = 16  # levels scanned linearly from the best before a binary search
_INITIAL_CAPACITY = 256
# Building blocks that neither allocate nor return an array are compiled without numba's
# reference counting: their callers hold the arrays for the whole call, and the two atomic
# operations per array argument on every call (on every market message for update_level)
# cost more than the work itself.
NO_REFCOUNT = {"cache": True, "_nrt": False}


@njit(cache=True, inline="always")
def side_of(direction: int) -> int:
    """Book side (BID / ASK) of a LOBSTER direction (+1 buy / −1 sell limit order).

    Parameters
    ----------
    direction : int
        LOBSTER direction of the message: +1 a buy limit order, −1 a sell limit order.

    Returns
    -------
    int
        ``BID`` (0) for a positive direction, ``ASK`` (1) otherwise.
    """
    return BID if direction > 0 else ASK


@njit(cache=True, inline="always")
def key_of(side: int, tick: int) -> int:
    """Sort key of the level at ``tick`` on ``side``: both sides sort ascending, best last.

    Parameters
    ----------
    side : int
        ``BID`` (0) or ``ASK`` (1).
    tick : int
        Price of the level in ticks.

    Returns
    -------
    int
        ``tick`` on the bid side, ``−tick`` on the ask side.
    """
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
    """Empty book state ``(keys, qtys, counts)``.

    Returns
    -------
    keys : numpy.ndarray
        int64 zeros of shape ``(2, 256)``: the level keys of each side (row ``BID``, ``ASK``).
    qtys : numpy.ndarray
        int64 zeros of shape ``(2, 256)``: the level sizes (shares).
    counts : numpy.ndarray
        int64 zeros of shape ``(2,)``: the number of occupied levels of each side.
    """
    return (np.zeros((2, _INITIAL_CAPACITY), np.int64), np.zeros((2, _INITIAL_CAPACITY), np.int64),
            np.zeros(2, np.int64))


@njit(cache=True, inline="always")
def full(keys: np.ndarray, counts: np.ndarray) -> bool:
    """True if a side has no room for another level (then :func:`grow` the book).

    Parameters
    ----------
    keys : numpy.ndarray
        The book's int64 keys, shape ``(2, capacity)``.
    counts : numpy.ndarray
        The book's int64 level counts, shape ``(2,)``.

    Returns
    -------
    bool
        True if either side holds ``capacity`` levels.
    """
    return counts[0] == keys.shape[1] or counts[1] == keys.shape[1]


@njit(cache=True)
def grow(keys: np.ndarray, qtys: np.ndarray):
    """The book's arrays with doubled capacity.

    Parameters
    ----------
    keys, qtys : numpy.ndarray
        The book's int64 keys and sizes, shape ``(2, capacity)``.

    Returns
    -------
    keys, qtys : numpy.ndarray
        New int64 arrays of shape ``(2, 2·capacity)``: the old levels in the first
        ``capacity`` columns, zeros after. ``counts`` is unchanged.
    """
    cap = keys.shape[1]
    new_keys = np.zeros((2, 2 * cap), np.int64)
    new_qtys = np.zeros((2, 2 * cap), np.int64)
    new_keys[:, :cap] = keys
    new_qtys[:, :cap] = qtys
    return new_keys, new_qtys


@njit(**NO_REFCOUNT)
def update_level(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, side: int, tick: int,
                 delta: int):
    """Add ``delta`` shares (negative: remove) to the level at ``tick`` on ``side``, in place.

    A new level is inserted when ``delta`` > 0 and the level is empty; a level whose size falls
    to 0 or below is removed. The arrays must have room for one more level (see
    :func:`full`).

    Parameters
    ----------
    keys, qtys, counts : numpy.ndarray
        The book state (:func:`new_book`), updated in place.
    side : int
        ``BID`` (0) or ``ASK`` (1).
    tick : int
        Price of the level in ticks.
    delta : int
        Shares to add (> 0) or remove (< 0), e.g. :func:`message_delta`.

    Returns
    -------
    previous, new : int
        Sizes of the level before and after (shares; ``previous`` is 0 for an empty level).
        ``new`` < 0 means the message removed more than the level held (inconsistent data):
        the level is then removed (or stays empty), as when ``new`` == 0.
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
    0 for the types that leave the visible book alone (5, 6, 7).

    Parameters
    ----------
    kind : int
        LOBSTER message type (1..7, as validated by
        :func:`~mslab.orderbook.messages.message_arrays`).
    size : int
        The message's size (shares).

    Returns
    -------
    int
        The change of the level's visible size (shares).
    """
    if kind == NEW:
        return size
    if kind <= EXECUTE:
        return -size
    return 0


@njit(cache=True)
def best_tick(keys: np.ndarray, counts: np.ndarray, side: int) -> int:
    """Tick of the best level of ``side``, or ``NO_TICK`` if that side is empty.

    Parameters
    ----------
    keys, counts : numpy.ndarray
        The book's keys ``(2, capacity)`` and level counts ``(2,)`` (:func:`new_book`).
    side : int
        ``BID`` (0) or ``ASK`` (1).

    Returns
    -------
    int
        Best bid or best ask in ticks; ``NO_TICK`` (the smallest int64) for an empty side.
    """
    n = counts[side]
    if n == 0:
        return NO_TICK
    k = keys[side, n - 1]
    return k if side == BID else -k


@njit(cache=True)
def best_qty(qtys: np.ndarray, counts: np.ndarray, side: int) -> int:
    """Visible size at the best level of ``side``, or 0 if that side is empty.

    Parameters
    ----------
    qtys, counts : numpy.ndarray
        The book's sizes ``(2, capacity)`` and level counts ``(2,)`` (:func:`new_book`).
    side : int
        ``BID`` (0) or ``ASK`` (1).

    Returns
    -------
    int
        Shares at the best level.
    """
    n = counts[side]
    return qtys[side, n - 1] if n > 0 else 0


@njit(cache=True)
def qty_at(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, side: int, tick: int) -> int:
    """Visible size at ``tick`` on ``side`` (0 if the level is empty).

    Parameters
    ----------
    keys, qtys, counts : numpy.ndarray
        The book state (:func:`new_book`).
    side : int
        ``BID`` (0) or ``ASK`` (1).
    tick : int
        Price of the level in ticks.

    Returns
    -------
    int
        Shares at that level.
    """
    key = key_of(side, tick)
    i = _position(keys, side, counts[side], key)
    if i > 0 and keys[side, i - 1] == key:
        return qtys[side, i - 1]
    return 0


@njit(**NO_REFCOUNT)
def write_row(keys: np.ndarray, qtys: np.ndarray, counts: np.ndarray, tick: int,
              rows: np.ndarray, r: int) -> None:
    """Write the top ``rows.shape[1] // 4`` levels in LOBSTER order-book format into row
    ``r`` of ``rows``.

    For each level: ask price, ask size, bid price, bid size, prices in LOBSTER units (tick
    index × ``tick``); a level beyond a side's depth is written as ``DUMMY_ASK`` or
    ``DUMMY_BID`` with size 0.

    Parameters
    ----------
    keys, qtys, counts : numpy.ndarray
        The book state (:func:`new_book`).
    tick : int
        The tick in LOBSTER price units (100 = one cent).
    rows : numpy.ndarray
        int64 array of shape ``(n, 4·levels)``, written in place.
    r : int
        The row to write.
    """
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
    """A book holding the given levels (e.g. from an initial LOBSTER row).

    Parameters
    ----------
    init_ticks, init_qtys, init_sides : numpy.ndarray
        int64 arrays of one length: price in ticks, size in shares (> 0; a size ≤ 0 adds no
        level) and side (``BID`` / ``ASK``) of each level, as :func:`initial_levels` returns
        them. Levels given twice add up.

    Returns
    -------
    keys, qtys, counts : numpy.ndarray
        The book state (:func:`new_book`), grown as needed.
    """
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
    non-empty levels as ``(ticks, sizes, sides)``; ``None`` gives an empty book.

    Parameters
    ----------
    initial_book : numpy.ndarray or None
        One LOBSTER order-book row: a 1-D integer array of ask price, ask size, bid price, bid
        size per level (prices in LOBSTER units, sizes in shares), any number of levels in any
        order. Levels of size 0 are empty (their prices are ignored); a live level needs a
        positive price on the ``tick`` grid, and no price may occur twice on one side.
    tick : int
        The tick in LOBSTER price units (100 = one cent); not validated here.

    Returns
    -------
    ticks, sizes, sides : numpy.ndarray
        int64 arrays, one entry per live level (ask levels first): price in ticks, size in
        shares, side (``BID`` / ``ASK``); empty arrays for ``None``.

    Raises
    ------
    ValueError
        If ``initial_book`` is not such a row (not 1-D, empty, length not a multiple of 4, not
        of integers, a negative size, or a live level off the grid or repeated).
    """
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

    Types 1 (new order) add shares at the message's price; types 2, 3 and 4 (cancellations,
    deletions, visible executions) remove them; types 5 (hidden executions), 6 (cross trades)
    and 7 (halts) leave the visible book unchanged.

    Parameters
    ----------
    messages
        A LOBSTER message stream (see :mod:`mslab.orderbook.messages`).
    levels
        Number of levels per side in the output, ≥ 1.
    tick
        The price grid in LOBSTER units (100 = one cent), in [1, 9 999 999 999].
    initial_book
        The book before the first message as one LOBSTER order-book row (any number of
        levels; empty levels carry the dummy prices and size 0), or ``None`` (default) for an
        empty book.
    strict
        With ``True`` (default) a message that removes more shares than its level holds (a
        stream that does not start from the true book, or corrupt data) raises
        ``ValueError`` naming the message; with ``False`` the level is emptied and replay
        continues.

    Returns
    -------
    numpy.ndarray
        int64 array of shape ``(n_messages, 4·levels)``: row ``i`` is the state after message
        ``i``, for each level ask price, ask size, bid price, bid size (prices in LOBSTER
        units, sizes in shares); empty levels carry the dummy prices ``DUMMY_ASK``
        (9999999999) and ``DUMMY_BID`` (−9999999999) with size 0.

    Raises
    ------
    ValueError
        For a malformed stream, ``initial_book`` or ``tick``, ``levels`` < 1, ``strict`` not
        a bool, or (with ``strict``) a message that removes more shares than its level holds.
    """
    tick = check_tick(tick)
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
    """Whether each LOBSTER order-book row is normal, locked or crossed.

    Only the first level is read: ``LOCKED`` when best ask = best bid, ``CROSSED`` when best
    ask < best bid, ``NORMAL`` otherwise; a row with an empty side (size 0) is ``NORMAL``.

    Parameters
    ----------
    rows
        Integer LOBSTER order-book rows, shape ``(n, 4·levels)``, or one row of length
        ``4·levels``.

    Returns
    -------
    numpy.ndarray
        int8 array of length ``n`` (1 for one row): ``NORMAL`` (0), ``LOCKED`` (1) or
        ``CROSSED`` (2).

    Raises
    ------
    ValueError
        If ``rows`` is not an integer array of that shape.
    """
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


# ---- LOBSTER order-book files: the book as given, and checks of a message stream against it
# status of each row in check_book_file
UNCHECKED, CONSISTENT, REVEALED, INCONSISTENT = -1, 0, 1, 2


@njit(**NO_REFCOUNT)
def load_row(rows: np.ndarray, r: int, tick: int, keys: np.ndarray, qtys: np.ndarray,
             counts: np.ndarray) -> None:
    """Make the book exactly row ``r`` of the LOBSTER order-book rows ``rows`` (validated by
    :func:`book_rows`; live levels first, best first). Levels beyond the row's depth are
    dropped. The arrays must hold ``rows.shape[1] // 4`` levels per side.

    Parameters
    ----------
    rows : numpy.ndarray
        int64 LOBSTER order-book rows, shape ``(n, 4·levels)`` (prices in LOBSTER units).
    r : int
        The row to load.
    tick : int
        The tick in LOBSTER price units; prices are floor-divided by it.
    keys, qtys, counts : numpy.ndarray
        The book state (:func:`new_book`), overwritten in place.
    """
    levels = rows.shape[1] // 4
    na = 0
    nb = 0
    for lev in range(levels):
        if rows[r, 4 * lev + 1] > 0:
            na += 1
        if rows[r, 4 * lev + 3] > 0:
            nb += 1
    for lev in range(na):
        keys[ASK, na - 1 - lev] = -(rows[r, 4 * lev] // tick)
        qtys[ASK, na - 1 - lev] = rows[r, 4 * lev + 1]
    for lev in range(nb):
        keys[BID, nb - 1 - lev] = rows[r, 4 * lev + 2] // tick
        qtys[BID, nb - 1 - lev] = rows[r, 4 * lev + 3]
    counts[ASK] = na
    counts[BID] = nb


@njit(cache=True)
def _bad_rows(rows: np.ndarray, tick: int) -> np.ndarray:
    """Kernel of :func:`book_rows`: True for each row with a negative size, a live level at a
    non-positive or off-grid price, a live level after an empty one, or a live level not at a
    strictly worse price than the level before (asks rise, bids fall)."""
    levels = rows.shape[1] // 4
    bad = np.zeros(rows.shape[0], np.bool_)
    for r in range(rows.shape[0]):
        for pcol in (0, 2):
            worse = 1 if pcol == 0 else -1
            for lev in range(levels):
                price = rows[r, 4 * lev + pcol]
                size = rows[r, 4 * lev + pcol + 1]
                if size < 0 or (size > 0 and (price <= 0 or price % tick != 0)):
                    bad[r] = True
                if lev > 0 and size > 0 and (
                        rows[r, 4 * lev - 4 + pcol + 1] <= 0
                        or worse * (price - rows[r, 4 * lev - 4 + pcol]) <= 0):
                    bad[r] = True
    return bad


def book_rows(rows: object, n: int, tick: int, name: str = "book") -> np.ndarray:
    """Validate LOBSTER order-book rows (row ``i`` the book after message ``i``) for a stream of
    ``n`` messages and return them as a C-contiguous int64 array of shape ``(n, 4·levels)``.

    On each side the live levels (size > 0) come first, at strictly worse prices level by
    level, with positive prices on the ``tick`` grid; empty levels have size 0 (their prices
    are ignored).

    Parameters
    ----------
    rows : numpy.ndarray or pandas.DataFrame
        Integer rows whose columns are in LOBSTER order (ask price, ask size, bid price, bid
        size per level; prices in LOBSTER units, sizes in shares).
    n : int
        Number of messages of the stream: the number of rows required.
    tick : int
        The tick in LOBSTER price units (100 = one cent); not validated here.
    name : str
        The parameter named in error messages.

    Returns
    -------
    numpy.ndarray
        The rows as a C-contiguous int64 array (``rows`` itself when it already is one).

    Raises
    ------
    ValueError
        Naming ``name``: for an array of another shape or dtype, or rows that break the rules
        above (the message names the first offending row).
    """
    arr = np.asarray(rows.to_numpy() if hasattr(rows, "to_numpy") else rows)
    if (arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < 4 or arr.shape[1] % 4
            or arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer)):
        _validate.fail(name, f"<{arr.dtype} array of shape {arr.shape}>",
                       f"an integer array of LOBSTER order-book rows of shape ({n}, 4*levels), "
                       "one row per message")
    arr = np.require(arr, np.int64, ["C"])
    bad = _bad_rows(arr, tick)
    if bad.any():
        first = int(np.argmax(bad))
        _validate.fail(name, f"<array of shape {arr.shape}>",
                       f"LOBSTER order-book rows: sizes >= 0, live levels first at strictly "
                       f"worse prices level by level, on the tick={tick} grid (row {first} and "
                       f"{int(bad.sum()) - 1} other rows are not)")
    return arr


@njit(cache=True, inline="always")
def _row_status(expected: np.ndarray, rows: np.ndarray, i: int, delta: int, side: int,
                price: int) -> int:
    """Status of row ``i`` of ``rows`` against the ``expected`` row (the book before message
    ``i`` with the message applied: ``delta`` shares at ``price`` on ``side``)."""
    levels = rows.shape[1] // 4
    diff_ask = False
    diff_bid = False
    last_only = True  # every difference is at the deepest level
    for c in range(rows.shape[1]):
        if c % 2 == 0 and expected[c + 1] == 0 and rows[i, c + 1] == 0:
            continue  # two empty levels, whatever the placeholder prices
        if expected[c] != rows[i, c]:
            if c % 4 < 2:
                diff_ask = True
            else:
                diff_bid = True
            if c < 4 * (levels - 1):
                last_only = False
    if not diff_ask and not diff_bid:
        return CONSISTENT
    # A level revealed from beyond the file's depth: the message emptied a level of its side,
    # the replay has nothing at the deepest level and the file shows a level there worse than
    # the message's price.
    if delta < 0 and last_only and (diff_ask != diff_bid) and diff_ask == (side == ASK):
        pc = 4 * (levels - 1) + (0 if side == ASK else 2)
        p = rows[i, pc]
        if expected[pc + 1] == 0 and rows[i, pc + 1] > 0 and (
                p > price if side == ASK else p < price):
            return REVEALED
    return INCONSISTENT


@njit(**NO_REFCOUNT)
def _apply_to_row(expected: np.ndarray, side: int, price: int, delta: int) -> None:
    """Apply ``delta`` shares at ``price`` on ``side`` to the LOBSTER order-book row
    ``expected`` (a row of :func:`book_rows`: live levels first, strictly worse level by level)
    in place, as :func:`update_level` on the book the row shows followed by :func:`write_row`:
    a level added beyond the row's depth is not shown, a level emptied is removed and the worse
    levels move up, leaving the deepest level empty."""
    levels = expected.size // 4
    pcol = 0 if side == ASK else 2
    dummy = DUMMY_ASK if side == ASK else DUMMY_BID
    live = 0
    while live < levels and expected[4 * live + pcol + 1] > 0:
        live += 1
    at = 0  # the level of ``price`` or the place to insert it
    while at < live:
        p = expected[4 * at + pcol]
        if p == price or (p > price if side == ASK else p < price):
            break
        at += 1
    if at < live and expected[4 * at + pcol] == price:
        new = expected[4 * at + pcol + 1] + delta
        if new > 0:
            expected[4 * at + pcol + 1] = new
            return
        for lev in range(at, live - 1):  # remove: the worse levels move up
            expected[4 * lev + pcol] = expected[4 * lev + 4 + pcol]
            expected[4 * lev + pcol + 1] = expected[4 * lev + 5 + pcol]
        expected[4 * (live - 1) + pcol] = dummy
        expected[4 * (live - 1) + pcol + 1] = 0
    elif delta > 0 and at < levels:  # insert at ``at``: the worse levels move down
        for lev in range(min(live, levels - 1), at, -1):
            expected[4 * lev + pcol] = expected[4 * lev - 4 + pcol]
            expected[4 * lev + pcol + 1] = expected[4 * lev - 3 + pcol]
        expected[4 * at + pcol] = price
        expected[4 * at + pcol + 1] = delta


@njit(cache=True)
def _check_rows(kind, size, price_tick, direction, tick, rows, init_ticks, init_qtys,
                init_sides, has_init, status):
    """Kernel of :func:`check_book_file`: for each message, the book of the previous row (or
    the initial book) with the message applied, compared with its row. From the second
    message on the previous row is updated in place of a book (no division by the tick)."""
    if kind.size == 0:
        return
    expected = np.empty(rows.shape[1], np.int64)
    delta = message_delta(kind[0], size[0])
    side = side_of(direction[0])
    if has_init == 0:
        status[0] = UNCHECKED
    else:
        keys, qtys, counts = seed_book(init_ticks, init_qtys, init_sides)
        if delta > 0 and full(keys, counts):
            keys, qtys = grow(keys, qtys)
        if delta != 0:
            update_level(keys, qtys, counts, side, price_tick[0], delta)
        scratch = expected.reshape((1, rows.shape[1]))
        write_row(keys, qtys, counts, tick, scratch, 0)
        status[0] = _row_status(expected, rows, 0, delta, side, price_tick[0] * tick)
    for i in range(1, kind.size):
        expected[:] = rows[i - 1]
        delta = message_delta(kind[i], size[i])
        side = side_of(direction[i])
        price = price_tick[i] * tick
        if delta != 0:
            _apply_to_row(expected, side, price, delta)
        status[i] = _row_status(expected, rows, i, delta, side, price)


@dataclass(frozen=True)
class BookFileCheck:
    """Outcome of :func:`check_book_file`: a status per message, and their counts.

    Attributes
    ----------
    status : numpy.ndarray
        int64 array, one entry per message: ``CONSISTENT`` (0, the previous row with the
        message applied is the row), ``REVEALED`` (1, the same except for a level revealed
        from beyond the file's depth), ``INCONSISTENT`` (2) or ``UNCHECKED`` (−1, row 0
        without an initial book).
    """

    status: np.ndarray

    @property
    def revealed(self) -> int:
        """Number of messages whose row shows a level revealed from beyond the file's depth."""
        return int((self.status == REVEALED).sum())

    @property
    def inconsistent(self) -> int:
        """Number of ``INCONSISTENT`` messages (applied to the previous row, the message does
        not give its row, beyond a revealed level)."""
        return int((self.status == INCONSISTENT).sum())

    @property
    def first_inconsistent(self) -> int:
        """Index of the first inconsistent message, −1 if none."""
        bad = np.flatnonzero(self.status == INCONSISTENT)
        return int(bad[0]) if bad.size else -1


def check_book_file(messages: object, rows: object, tick: int, *,
                    initial_book: object = None) -> BookFileCheck:
    """Check a LOBSTER message file against its order-book file, message by message.

    Message ``i`` applied to row ``i − 1`` (to ``initial_book`` for ``i = 0``, if given) must
    give row ``i``. The one allowed difference is a level revealed from beyond the file's
    depth (a message empties a level and the file shows, at its deepest level, a price worse
    than the message's). Types 5, 6 and 7 must leave the row unchanged.

    Parameters
    ----------
    messages
        A LOBSTER message stream (see :mod:`mslab.orderbook.messages`).
    rows
        Its LOBSTER order-book file: one row per message, an integer array or a DataFrame
        (validated as by ``book_rows``).
    tick
        The price grid in LOBSTER units (100 = one cent).
    initial_book
        The book before the first message as one LOBSTER order-book row (see
        :func:`replay_lobster`), or ``None`` (default): then message 0 is ``UNCHECKED``.

    Returns
    -------
    BookFileCheck
        The status of each message.

    Raises
    ------
    ValueError
        For a malformed stream, order-book file, ``initial_book`` or ``tick``.
    """
    tick = check_tick(tick)
    msg = message_arrays(messages, tick)
    arr = book_rows(rows, msg.n, tick, "rows")
    init = initial_levels(initial_book, tick)
    status = np.zeros(msg.n, np.int64)
    _check_rows(msg.type, msg.size, msg.price_tick, msg.direction, tick, arr, *init,
                int(initial_book is not None), status)
    return BookFileCheck(status=status)


@dataclass(frozen=True)
class Divergence:
    """Where a replay from messages alone departs from a given book (:func:`replay_divergence`).

    Attributes
    ----------
    first_row : int
        The first row whose top of book differs, −1 if none.
    rows : int
        How many rows differ at the top of book.
    n : int
        Number of rows (messages) compared.
    """

    first_row: int
    rows: int
    n: int


def replay_divergence(messages: object, rows: object, tick: int, *,
                      initial_book: object = None) -> Divergence:
    """Replay ``messages`` alone (:func:`replay_lobster`, not strict) and compare the top of
    book (best ask, its size, best bid, its size) after each message with the given LOBSTER
    order-book ``rows``.

    An empty best level matches an empty one whatever the prices written for it.

    Parameters
    ----------
    messages
        A LOBSTER message stream (see :mod:`mslab.orderbook.messages`).
    rows
        Its LOBSTER order-book rows: one per message, an integer array or a DataFrame
        (validated as by ``book_rows``).
    tick
        The price grid in LOBSTER units (100 = one cent).
    initial_book
        The book before the first message, as in :func:`replay_lobster` (``None``: empty).

    Returns
    -------
    Divergence
        The first differing row and the number of differing rows.

    Raises
    ------
    ValueError
        For a malformed stream, order-book rows, ``initial_book`` or ``tick``.
    """
    tick = check_tick(tick)
    msg = message_arrays(messages, tick)
    arr = book_rows(rows, msg.n, tick, "rows")
    replayed = replay_lobster(messages, 1, tick, initial_book=initial_book, strict=False)
    top = arr[:, :4].copy()
    for pcol, dummy in ((0, DUMMY_ASK), (2, DUMMY_BID)):
        top[top[:, pcol + 1] == 0, pcol] = dummy  # empty levels compare by their dummy price
    differ = np.any(replayed != top, axis=1)
    return Divergence(first_row=int(np.argmax(differ)) if differ.any() else -1,
                      rows=int(differ.sum()), n=msg.n)
