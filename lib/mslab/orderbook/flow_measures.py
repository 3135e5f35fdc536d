"""Order-flow statistics of a LOBSTER message/order-book pair — the quantities the
Cont–Stoikov–Talreja calibration (:mod:`mslab.orderbook.calibration`) matches: the
time-averaged spread and depth profile and the rates of market and limit orders. They apply to
any LOBSTER data (a real file, to set calibration targets) and are what the simulation
(:mod:`mslab.orderbook.cst_flow`) measures in-kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslab import _validate
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN, NEW, check_tick


@dataclass(frozen=True, eq=False)
class FlowStatistics:
    """Time averages over a window of ``duration`` seconds.

    Attributes
    ----------
    mean_spread : float
        Spread in ticks, averaged over the time both sides are non-empty
        (``two_sided_fraction`` of the window); NaN if they never are.
    depth : numpy.ndarray
        Shape (levels,): ``depth[j]`` is the displayed shares at occupied level j + 1
        (LOBSTER levels), averaged over both sides and over time (an absent level counts as
        0).
    trades_per_minute : float
        Market orders per minute (one market order may execute against several resting
        orders).
    limit_orders_per_minute : float
        New limit orders per minute, both sides.
    duration : float
        Length of the window (seconds).
    two_sided_fraction : float
        Fraction of the window during which both sides are non-empty, in [0, 1].
    """

    mean_spread: float
    depth: np.ndarray
    trades_per_minute: float
    limit_orders_per_minute: float
    duration: float
    two_sided_fraction: float


def _numeric_column(name: str, values: object, n: int | None = None) -> np.ndarray:
    """``values`` as a 1-D float64 array of length ``n`` (any length ≥ 1 if None);
    ``ValueError`` naming ``name`` otherwise."""
    arr = np.asarray(values)
    if (arr.ndim != 1 or arr.size == 0 or (n is not None and arr.size != n)
            or arr.dtype == bool or not np.issubdtype(arr.dtype, np.number)):
        length = "one entry per time" if n is not None else "non-empty"
        _validate.fail(name, f"<{arr.dtype} array of shape {arr.shape}>",
                       f"a 1-D numeric array ({length})")
    return arr.astype(np.float64)


def flow_statistics(time: np.ndarray, type: np.ndarray, direction: np.ndarray,
                    book: np.ndarray, *, tick: int, start: float, end: float) -> FlowStatistics:
    """The calibration statistics of a LOBSTER message/order-book pair over [start, end].

    Row i of ``book`` (int64, LOBSTER column order) holds from ``time[i]`` until
    ``time[i + 1]`` (the last row until ``end``); ``tick`` is the tick size in dollars × 10000.
    A market order is a run of consecutive executions (types 4 and 5) with the same time and
    direction. Orders and trades are counted on start < time ≤ end, so messages stamped exactly
    ``start`` (the warmed-up book of :func:`~mslab.orderbook.cst_flow.simulate_cst`) are not
    counted.

    Parameters
    ----------
    time : numpy.ndarray
        Shape (n,): message times in seconds, finite and non-decreasing.
    type : numpy.ndarray
        Shape (n,): LOBSTER message types (numeric).
    direction : numpy.ndarray
        Shape (n,): LOBSTER directions, −1 sell / +1 buy limit order (numeric).
    book : numpy.ndarray
        Integer array of shape (n, 4·levels): the LOBSTER order-book row after each message
        (ask price, ask size, bid price, bid size per level; prices in dollars × 10000).
    tick : int
        Tick size in dollars × 10000, an integer in [1, ``MAX_TICK``].
    start, end : float
        The window in seconds, finite, ``start`` < ``end``.

    Returns
    -------
    FlowStatistics
        The statistics over the window (``duration = end − start``).

    Raises
    ------
    ValueError
        If an array has the wrong shape or dtype, ``time`` is not finite and non-decreasing,
        ``tick`` is out of range, or ``end`` ≤ ``start``.
    """
    time = _numeric_column("time", time)
    n = time.size
    bad = np.flatnonzero(~np.isfinite(time))
    if bad.size:
        _validate.fail("time", float(time[bad[0]]), f"finite in every row ({bad.size} rows "
                       f"are not, the first is row {bad[0]})")
    back = np.flatnonzero(np.diff(time) < 0)
    if back.size:
        _validate.fail("time", float(time[back[0] + 1]), f"non-decreasing (row {back[0] + 1} "
                       f"goes back in time; {back.size} rows do)")
    typ = _numeric_column("type", type, n)
    direction = _numeric_column("direction", direction, n)
    book = np.asarray(book)
    if book.ndim != 2 or book.shape[0] != n or book.shape[1] % 4 or book.shape[1] == 0 or \
            book.dtype == bool or not np.issubdtype(book.dtype, np.integer):
        _validate.fail("book", f"<{book.dtype} array of shape {book.shape}>",
                       f"an integer array of shape ({n}, 4*levels): one LOBSTER order-book row "
                       "per message")
    tick = check_tick(tick)
    start = _validate.real("start", start)
    end = _validate.real("end", end)
    if end <= start:
        _validate.fail("end", end, f"> start={start!r}")
    if not np.isfinite(end - start):
        _validate.fail("end", end, f"within a finite distance of start={start!r}")
    edges = np.clip(np.append(time, end), start, end)
    w = np.diff(edges)
    total = end - start
    ask_p, ask_s, bid_p, bid_s = (book[:, j::4].astype(np.float64) for j in range(4))
    two = (ask_s[:, 0] > 0) & (bid_s[:, 0] > 0)
    two_time = float(w[two].sum())
    spread = float((w[two] * (ask_p[two, 0] - bid_p[two, 0])).sum() / tick / two_time) \
        if two_time > 0 else float("nan")
    depth = (w[:, None] * 0.5 * (ask_s + bid_s)).sum(axis=0) / total
    is_exec = np.isin(typ, (EXECUTE, EXECUTE_HIDDEN))
    inside = (time > start) & (time <= end)
    prev_same = np.zeros(n, dtype=bool)
    prev_same[1:] = is_exec[:-1] & (time[1:] == time[:-1]) & (direction[1:] == direction[:-1])
    n_trades = int((is_exec & ~prev_same & inside).sum())
    n_limit = int(((typ == NEW) & inside).sum())
    return FlowStatistics(mean_spread=spread, depth=depth,
                          trades_per_minute=60.0 * n_trades / total,
                          limit_orders_per_minute=60.0 * n_limit / total, duration=total,
                          two_sided_fraction=two_time / total)
