"""LOBSTER message streams as the order-book kernels receive them.

A message stream is any object whose columns can be read by name — ``messages["time"]`` or
``messages.time``: a dict of arrays, a pandas DataFrame, a NumPy structured array or a
dataclass. Columns (LOBSTER conventions):

``time``       seconds after midnight (float, non-decreasing);
``type``       1 new limit order, 2 partial cancellation, 3 total deletion, 4 execution of a
               visible limit order, 5 execution of a hidden limit order, 6 cross trade
               (auction), 7 trading halt;
``size``       shares (≥ 1 for types 1–5);
``price``      dollars × 10 000 (integer); on the tick grid for types 1–4, positive for 5;
``direction``  −1 sell limit order, +1 buy limit order (types 1–5). The execution of a sell
               (buy) limit order is a buyer- (seller-) initiated trade.

``order_id`` is not needed: the books here are price-level (L2) books (hidden executions
carry order id 0, cross trades −1). Types 6 and 7 are not checked beyond their type; a type-7
message's ``price`` is LOBSTER's halt code (−1 trading halt, 0 quoting resumes, 1 trading
resumes), with ``direction`` −1 and size 0. :func:`message_arrays` validates
a stream and converts it to the contiguous int64 arrays the kernels take (one compiled
specialisation whatever the input dtypes), with times in integer nanoseconds so that latencies
add exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslab import _validate

# The LOBSTER constants, defined here only and imported wherever they are needed.
PRICE_SCALE = 10_000  # LOBSTER prices are dollars × 10 000
DUMMY_ASK = 9_999_999_999  # LOBSTER price of an empty ask level (with size 0)
DUMMY_BID = -9_999_999_999  # LOBSTER price of an empty bid level (with size 0)
COLUMNS = ("time", "type", "size", "price", "direction")
# Latest message time (s): times become int64 nanoseconds and latencies are added to them, so
# they must stay far from 2**63 ns ≈ 9.2e9 s. Epoch seconds pass; epoch milliseconds do not.
MAX_TIME = 4e9
# Coarsest price grid (LOBSTER units): one tick as wide as the dummy ask price keeps every
# price in ticks, and prices times ticks, far inside int64.
MAX_TICK = DUMMY_ASK
# LOBSTER message types
NEW, PARTIAL_CANCEL, DELETE, EXECUTE, EXECUTE_HIDDEN, CROSS, HALT = 1, 2, 3, 4, 5, 6, 7
MESSAGE_TYPES = (NEW, PARTIAL_CANCEL, DELETE, EXECUTE, EXECUTE_HIDDEN, CROSS, HALT)


def check_tick(tick: object, name: str = "tick") -> int:
    """A price grid in LOBSTER units (100 = one cent): an integer in [1, :data:`MAX_TICK`].

    Parameters
    ----------
    tick : int
        The tick in dollars × 10 000.
    name : str
        The parameter named in the error message.

    Returns
    -------
    int
        ``tick`` as an int.

    Raises
    ------
    ValueError
        If ``tick`` is not an integer (bools refused) in [1, ``MAX_TICK``].
    """
    return _validate.integer(name, tick, low=1, high=MAX_TICK)


@dataclass(frozen=True)
class MessageArrays:
    """A validated message stream: contiguous, writable int64 arrays of one length ``n``.

    Attributes
    ----------
    time_ns : numpy.ndarray
        Message times in integer nanoseconds after midnight.
    type : numpy.ndarray
        LOBSTER message types 1..7.
    size : numpy.ndarray
        Shares.
    price : numpy.ndarray
        Prices in LOBSTER units (dollars × 10 000).
    price_tick : numpy.ndarray
        ``price // tick`` for types 1–4, 0 for the others.
    direction : numpy.ndarray
        −1 sell / +1 buy limit order.
    """

    time_ns: np.ndarray
    type: np.ndarray
    size: np.ndarray
    price: np.ndarray
    price_tick: np.ndarray
    direction: np.ndarray

    @property
    def n(self) -> int:
        """Number of messages."""
        return int(self.type.size)


def _column(messages: object, name: str) -> np.ndarray:
    try:
        col = messages[name]  # type: ignore[index]
    except (KeyError, IndexError, TypeError, ValueError):
        col = getattr(messages, name, None)
        if col is None:
            _validate.fail("messages", type(messages).__name__,
                           f"a message stream with columns {', '.join(COLUMNS)} "
                           f"(column {name!r} is missing)")
    return np.asarray(col)


def _integers(name: str, col: np.ndarray, n: int) -> np.ndarray:
    if col.ndim != 1 or col.size != n or col.dtype == bool or not np.issubdtype(
            col.dtype, np.integer):
        _validate.fail(name, f"<{col.dtype} array of shape {col.shape}>",
                       f"a 1-D integer array with one entry per message ({n})")
    # np.require with "W": pandas-backed columns are read-only views, the kernels need writable.
    return np.require(col, np.int64, ["C", "W"])


# checks of _scan, in the order they are reported: (column, what is allowed)
_CHECKS = (
    ("time", f"a finite number of seconds in [0, {MAX_TIME:g}] (epoch milliseconds or "
             "nanoseconds must be converted to seconds)"),
    ("time", "non-decreasing"),
    ("type", "a LOBSTER message type 1..7"),
    ("direction", "-1 (sell) or 1 (buy) for message types 1-5"),
    ("size", ">= 1 for message types 1-5"),
    ("price", "> 0 for message types 1-5"),
    ("price", "a multiple of tick={tick} for message types 1-4"),
)
_N_CHECKS = len(_CHECKS)


@njit(cache=True)
def _scan(time, kind, size, price, direction, tick, time_ns, price_tick):
    """One pass over the stream: fill ``time_ns`` and ``price_tick`` and return, for each
    check of ``_CHECKS``, the first failing message (−1 if none)."""
    bad = np.full(_N_CHECKS, -1, np.int64)
    prev = -np.inf
    for i in range(kind.size):
        t = time[i]
        if not (np.isfinite(t) and 0.0 <= t <= MAX_TIME):
            if bad[0] < 0:
                bad[0] = i
            t = 0.0
        elif t < prev and bad[1] < 0:
            bad[1] = i
        prev = max(prev, t)
        time_ns[i] = np.int64(np.round(t * 1e9))
        k = kind[i]
        price_tick[i] = 0
        if k < NEW or k > HALT:
            if bad[2] < 0:
                bad[2] = i
            continue
        if k > EXECUTE_HIDDEN:
            continue
        if direction[i] != 1 and direction[i] != -1 and bad[3] < 0:
            bad[3] = i
        if size[i] < 1 and bad[4] < 0:
            bad[4] = i
        if price[i] <= 0 and bad[5] < 0:
            bad[5] = i
        if k <= EXECUTE:
            q = price[i] // tick
            if q * tick != price[i] and bad[6] < 0:
                bad[6] = i
            price_tick[i] = q
    return bad


def message_arrays(messages: object, tick: int) -> MessageArrays:
    """Validate a LOBSTER message stream (see the module docstring) and convert it.

    Parameters
    ----------
    messages : object
        A message stream with columns ``time`` (seconds after midnight, numeric), ``type``,
        ``size``, ``price`` and ``direction`` (1-D integer arrays of the same length), read
        by name (``messages["time"]`` or ``messages.time``).
    tick : int
        The price grid in LOBSTER units (100 = one cent), in [1, ``MAX_TICK``].

    Returns
    -------
    MessageArrays
        The validated stream, times rounded to integer nanoseconds.

    Raises
    ------
    ValueError
        Naming the column and the first offending message, if a column is missing or of the
        wrong shape or dtype, or a message breaks a rule of the module docstring (times
        finite in [0, 4·10⁹] s and non-decreasing, type 1..7, and for types 1–5 direction
        ±1, size ≥ 1, price > 0, on the tick grid for types 1–4).
    """
    tick = check_tick(tick)
    columns = {name: _column(messages, name) for name in COLUMNS}
    time = columns["time"]
    if time.ndim != 1 or time.size < 1 or time.dtype == bool or not np.issubdtype(
            time.dtype, np.number):
        _validate.fail("time", f"<{time.dtype} array of shape {time.shape}>",
                       "a non-empty 1-D array of times in seconds")
    time = np.require(time, np.float64, ["C", "W"])
    n = time.size
    others = {col.shape[0] if col.ndim else None for name, col in columns.items()
              if name != "time"}
    if len(others) == 1 and others != {n}:  # every other column agrees: time is the odd one
        _validate.fail("time", f"<array of shape {time.shape}>", "one entry per message (the "
                       f"other columns have {others.pop()})")
    kind = _integers("type", columns["type"], n)
    size = _integers("size", columns["size"], n)
    price = _integers("price", columns["price"], n)
    direction = _integers("direction", columns["direction"], n)
    time_ns = np.zeros(n, np.int64)
    price_tick = np.zeros(n, np.int64)
    bad = _scan(time, kind, size, price, direction, tick, time_ns, price_tick)
    for (name, allowed), i in zip(_CHECKS, bad):
        if i >= 0:
            column = {"time": time, "type": kind, "size": size, "price": price,
                      "direction": direction}[name]
            _validate.fail(name, column[i].item(), f"{allowed.format(tick=tick)} "
                                                   f"(message {i} is not)")
    return MessageArrays(time_ns=time_ns, type=kind, size=size, price=price,
                         price_tick=price_tick, direction=direction)
