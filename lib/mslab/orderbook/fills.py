"""Fill analysis of an order-book market maker: markouts of its fills, and the quoter inputs
measured on a message stream (the fill intensity λ(δ) = A·exp(−kδ) and the mid's volatility).

Prices of the mid series are in ticks (any unit, as long as ``tick`` converts fill prices to
it); times in seconds. The mid series is a step function: ``mid[i]`` holds from ``times[i]``
until ``times[i + 1]`` (the mid after message ``i``).

Markout of a fill of side ``s`` (+1 bought, −1 sold) at price ``p`` (in ticks), with ``m₀``
the mid just before the fill (after the last message strictly earlier than the fill) and
``m₁`` the mid ``horizon`` seconds later (after the last message at or before
``time + horizon``)::

    capture = s · (m₀ − p)      spread captured against the pre-fill mid
    adverse = s · (m₁ − m₀)     move of the mid after the fill, from our side (negative: adverse
                                selection)
    markout = capture + adverse = s · (m₁ − p)

all per share; the summary numbers are weighted by the fills' quantities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN

#: The depths (ticks from the mid) at which :func:`fit_fill_intensity` counts reaches by default.
DEFAULT_DEPTHS = np.arange(0.5, 10.01, 0.5)
#: Most grid points :func:`mid_volatility` samples (its memory and work).
MAX_GRID = 100_000_000


def _series(times: object, mid: object) -> tuple[np.ndarray, np.ndarray]:
    """``times`` (finite, non-decreasing, 1-d, non-empty) and ``mid`` (finite, same length)."""
    t = _validate.real_array("times", times)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) < 0):
        _validate.fail("times", times, "a non-empty 1-d array of non-decreasing finite times")
    m = _validate.real_array("mid", mid)
    if m.shape != t.shape:
        _validate.fail("mid", f"array of shape {m.shape}",
                       f"a 1-d array of finite prices of the length of times ({t.size})")
    return t, m


@dataclass(frozen=True)
class Markouts:
    """Outcome of :func:`markouts` (see the module docstring for the decomposition).

    Attributes
    ----------
    per_fill : pandas.DataFrame
        One row per fill: ``time`` (s), ``side`` (+1 bought, −1 sold), ``qty`` (shares),
        ``price`` (ticks), ``mid_before``, ``mid_after`` and the per-share ``capture``,
        ``adverse`` and ``markout`` (ticks).
    capture : float
        Quantity-weighted mean of the per-fill ``capture`` (ticks per share; NaN without
        fills).
    adverse : float
        Quantity-weighted mean of the per-fill ``adverse`` (ticks per share; NaN without
        fills).
    markout : float
        ``capture + adverse`` (ticks per share; NaN without fills).
    volume : float
        Shares filled.
    horizon : float
        The markout horizon (seconds).
    """

    per_fill: pd.DataFrame
    capture: float
    adverse: float
    markout: float
    volume: float
    horizon: float


def markouts(fills: object, times: object, mid: object, horizon: float,
             tick: float = 1.0) -> Markouts:
    """The markout decomposition of ``fills`` against the mid series; see the module
    docstring.

    Parameters
    ----------
    fills : object
        An object with 1-D arrays ``time`` (s), ``side`` (+1 bought, −1 sold), ``price`` and
        ``qty`` (shares, > 0) of one length, such as
        :class:`~mslab.orderbook.backtest.Fills`. Every fill must come strictly after
        ``times[0]``, so that a mid before it exists.
    times : numpy.ndarray
        Shape (n,): times of the mid series in seconds, finite and non-decreasing (n ≥ 1).
    mid : numpy.ndarray
        Shape (n,): the mid after each time (ticks, finite).
    horizon : float
        Markout horizon in seconds, ≥ 0.
    tick : float
        One tick in the fills' price unit, > 0 (fill prices are divided by it); default 1.

    Returns
    -------
    Markouts
        The per-fill table and the quantity-weighted summary (ticks per share).

    Raises
    ------
    ValueError
        If an array is malformed or not finite, a side is not ±1, a quantity is not > 0, a
        fill is not after ``times[0]``, or ``horizon`` / ``tick`` is out of range.
    """
    t, m = _series(times, mid)
    horizon = _validate.nonnegative("horizon", horizon)
    tick = _validate.positive("tick", tick)
    cols = {}
    for name in ("time", "side", "price", "qty"):
        if not hasattr(fills, name):
            _validate.fail("fills", fills, "an object with arrays time, side, price and qty")
        cols[name] = _validate.real_array(f"fills.{name}", getattr(fills, name))
    n = cols["time"].size
    if any(c.ndim != 1 or c.size != n for c in cols.values()):
        _validate.fail("fills", fills, "an object with 1-d arrays time, side, price and qty "
                       "of one length")
    if not np.all(np.isin(cols["side"], (-1.0, 1.0))):
        _validate.fail("fills.side", fills.side, "+1 (bought) or -1 (sold) for each fill")
    if np.any(cols["qty"] <= 0):
        _validate.fail("fills.qty", fills.qty, "positive quantities")
    if n and cols["time"].min() <= t[0]:
        _validate.fail("fills.time", fills.time,
                       f"after times[0]={t[0]!r} (the first mid) for each fill")
    side, qty = cols["side"], cols["qty"]
    before = np.searchsorted(t, cols["time"], side="left") - 1
    after = np.searchsorted(t, cols["time"] + horizon, side="right") - 1
    with np.errstate(over="ignore"):
        price = cols["price"] / tick
    if not np.all(np.isfinite(price)):
        _validate.fail("tick", tick, "large enough that every fill price / tick is finite")
    mid_before, mid_after = m[before], m[after]
    capture = side * (mid_before - price)
    adverse = side * (mid_after - mid_before)
    per_fill = pd.DataFrame({"time": cols["time"], "side": side, "qty": qty, "price": price,
                             "mid_before": mid_before, "mid_after": mid_after,
                             "capture": capture, "adverse": adverse,
                             "markout": capture + adverse})
    volume = float(qty.sum())
    cap = adv = float("nan")
    if n:
        w = qty / volume
        cap, adv = float(np.sum(w * capture)), float(np.sum(w * adverse))
    return Markouts(per_fill=per_fill, capture=cap, adverse=adv, markout=cap + adv,
                    volume=volume, horizon=horizon)


def _stream(times: object, type: object, direction: object, price: object, mid: object,
            tick: float) -> tuple[np.ndarray, ...]:
    """Validated (times, type, direction, price, mid, tick) of a message stream; ``mid`` may
    be NaN (no two-sided book) but not infinite."""
    t = _validate.real_array("times", times)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) < 0):
        _validate.fail("times", times, "a non-empty 1-d array of non-decreasing finite times")
    n = t.size
    try:
        m = np.asarray(mid, dtype=np.float64)
    except (TypeError, ValueError):
        _validate.fail("mid", mid, f"a 1-d array of {n} prices (NaN: no two-sided book)")
    if m.shape != (n,) or np.any(np.isinf(m)):
        _validate.fail("mid", f"array of shape {m.shape}",
                       f"a 1-d array of {n} finite prices or NaN (no two-sided book)")
    typ = np.asarray(type)
    d = _validate.real_array("direction", direction)
    p = _validate.real_array("price", price)
    if typ.shape != (n,) or not np.issubdtype(typ.dtype, np.integer):
        _validate.fail("type", type, f"a 1-d array of integer message types of length {n}")
    if d.shape != (n,) or not np.all(np.isin(d, (-1.0, 1.0))):
        _validate.fail("direction", direction, f"a 1-d array of +1/-1 of length {n}")
    if p.shape != (n,):
        _validate.fail("price", f"array of shape {p.shape}", f"a 1-d array of length {n}")
    return t, typ, d, p, m, _validate.positive("tick", tick)


def _market_orders(t: np.ndarray, typ: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """The executions (types 4 and 5) of a stream grouped into market orders: their message
    indices ``ex``, a mask ``starts`` of the first execution of each order and ``order_of``,
    the order of each execution."""
    ex = np.flatnonzero(np.isin(typ, (EXECUTE, EXECUTE_HIDDEN)))
    starts = np.ones(ex.size, dtype=bool)
    starts[1:] = (ex[1:] != ex[:-1] + 1) | (t[ex[1:]] != t[ex[:-1]]) | (d[ex[1:]] != d[ex[:-1]])
    return ex, starts, np.cumsum(starts) - 1


def market_order_reach(times: object, type: object, direction: object, price: object,
                       mid: object, tick: float = 1.0) -> np.ndarray:
    """How far each market order of a LOBSTER message stream reached from the mid (ticks).

    A market order is a run of consecutive executions (types 4 and 5, visible or hidden) with
    the same time and direction; its reach is the largest
    ``−direction · (price / tick − m₀)`` over its executions, ``m₀`` being ``mid`` after the
    message before the run (a buy order lifting asks, direction −1, reaches above the mid).
    Real days open with executions before any book: a market order with no mid before it (it
    starts the stream, or ``m₀`` is NaN) has no reach and is left out, as are cross trades
    (type 6) and halts (type 7), which are not executions.

    Parameters
    ----------
    times : numpy.ndarray
        Shape (n,): message times in seconds, finite and non-decreasing (n ≥ 1).
    type : numpy.ndarray
        Shape (n,): integer LOBSTER message types.
    direction : numpy.ndarray
        Shape (n,): +1 / −1, the side of the resting order (LOBSTER ``direction``).
    price : numpy.ndarray
        Shape (n,): message prices in the stream's unit (finite).
    mid : numpy.ndarray
        Shape (n,): the mid after each message (ticks; NaN where the book is not two-sided,
        never infinite).
    tick : float
        One tick in the unit of ``price``, > 0; default 1.

    Returns
    -------
    numpy.ndarray
        Float64: one reach (ticks) per market order that has a mid before it, in stream
        order (empty without executions).

    Raises
    ------
    ValueError
        If an array has the wrong shape or dtype or non-finite values, a direction is not
        ±1, or ``tick`` is not > 0 (or so small that a price / tick overflows).
    """
    t, typ, d, p, m, tick = _stream(times, type, direction, price, mid, tick)
    ex, starts, order_of = _market_orders(t, typ, d)
    if ex.size == 0:
        return np.empty(0)
    first = ex[starts]
    mid_before = np.full(first.size, np.nan)
    mid_before[first > 0] = m[first[first > 0] - 1]
    with np.errstate(over="ignore", invalid="ignore"):
        reach = -d[ex] * (p[ex] / tick - mid_before[order_of])
    if not np.all(np.isfinite(reach[np.isfinite(mid_before[order_of])])):
        _validate.fail("tick", tick, "large enough that every price / tick is finite")
    per_order = np.maximum.reduceat(reach, np.flatnonzero(starts))
    return per_order[np.isfinite(mid_before)]


def queue_depletion(times: object, type: object, direction: object, size: object,
                    bid_size: object, ask_size: object) -> pd.DataFrame:
    """Market orders of a LOBSTER stream against the queue they met at the best quote.

    Market orders are grouped as in :func:`market_order_reach` (hidden executions included).
    ``bid_size`` and ``ask_size`` are the displayed sizes at the best bid and ask *after* each
    message (shares, e.g. columns 3 and 1 of LOBSTER order-book rows); the queue an order met
    is the size on the side it executed (the bid for direction +1, the ask for −1) after the
    message before it.
    Returns one row per market order with a message before it: ``time`` (s), ``direction``
    (of the resting orders executed: −1 a buyer-initiated order lifting asks), ``shares`` (its
    visible plus hidden executed shares), ``visible`` (shares of visible executions),
    ``queue`` (shares displayed at the best before it) and ``depleted`` (its visible
    executions took at least the whole queue).

    Parameters
    ----------
    times : numpy.ndarray
        Shape (n,): message times in seconds, finite and non-decreasing (n ≥ 1).
    type : numpy.ndarray
        Shape (n,): integer LOBSTER message types.
    direction : numpy.ndarray
        Shape (n,): +1 / −1, the side of the resting order (LOBSTER ``direction``).
    size : numpy.ndarray
        Shape (n,): message sizes (shares, finite, ≥ 0).
    bid_size, ask_size : numpy.ndarray
        Shape (n,): displayed shares at the best bid and ask after each message (finite, ≥ 0).

    Returns
    -------
    pandas.DataFrame
        The columns above, one row per market order with a message before it, indexed from
        0 (empty with those columns when there is none).

    Raises
    ------
    ValueError
        If an array has the wrong shape or dtype, a value is not finite or a size is
        negative, or a direction is not ±1.
    """
    t = _validate.real_array("times", times)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) < 0):
        _validate.fail("times", times, "a non-empty 1-d array of non-decreasing finite times")
    n = t.size
    typ = np.asarray(type)
    if typ.shape != (n,) or not np.issubdtype(typ.dtype, np.integer):
        _validate.fail("type", type, f"a 1-d array of integer message types of length {n}")
    d = _validate.real_array("direction", direction)
    if d.shape != (n,) or not np.all(np.isin(d, (-1.0, 1.0))):
        _validate.fail("direction", direction, f"a 1-d array of +1/-1 of length {n}")
    sz, bid, ask = (_validate.real_array(name, arr, low=0.0) for name, arr in
                    (("size", size), ("bid_size", bid_size), ("ask_size", ask_size)))
    for name, a in (("size", sz), ("bid_size", bid), ("ask_size", ask)):
        if a.shape != (n,):
            _validate.fail(name, f"array of shape {a.shape}", f"a 1-d array of {n} shares >= 0")
    ex, starts, order_of = _market_orders(t, typ, d)
    keep = ex[starts] > 0
    if ex.size == 0 or not keep.any():
        return pd.DataFrame({c: np.empty(0) for c in ("time", "direction", "shares", "visible",
                                                      "queue")}).assign(depleted=np.empty(0, bool))
    n_orders = int(starts.sum())
    shares = np.bincount(order_of, weights=sz[ex], minlength=n_orders)
    visible = np.bincount(order_of, weights=sz[ex] * (typ[ex] == EXECUTE), minlength=n_orders)
    first = ex[starts]
    queue = np.zeros(n_orders)
    before = first[keep] - 1
    queue[keep] = np.where(d[first[keep]] > 0, bid[before], ask[before])
    frame = pd.DataFrame({"time": t[first], "direction": d[first], "shares": shares,
                          "visible": visible, "queue": queue})
    frame["depleted"] = frame["visible"] >= frame["queue"]
    return frame[keep].reset_index(drop=True)


def fit_fill_intensity(reach: object, duration: float, depths: object = None, *,
                       min_hits: int = 5, sides: int = 2) -> tuple[float, float]:
    """Fit ``λ(δ) = A·exp(−kδ)``, the rate at which market orders reach depth δ (ticks) from
    the mid on one side of the book, to the reaches of market orders
    (:func:`market_order_reach`).

    For each depth in ``depths`` (default :data:`DEFAULT_DEPTHS`, 0.5 to 10 ticks by halves)
    the orders reaching at least that far are counted (with a 1e-9 tolerance) and turned into a
    rate per side, ``hits / (sides · duration)`` (``sides = 2`` when the reaches of buy and sell
    orders are pooled); a straight line is fitted by least squares to the log rates of the
    depths with at least ``min_hits`` hits.

    Parameters
    ----------
    reach : numpy.ndarray
        1-D, finite: the reaches of market orders (ticks).
    duration : float
        Seconds of the stream the reaches come from, > 0.
    depths : numpy.ndarray or None
        1-D, at least two distinct finite depths (ticks); ``None``: :data:`DEFAULT_DEPTHS`.
    min_hits : int
        Fewest hits for a depth to enter the fit, ≥ 1 (default 5).
    sides : int
        1 or 2: the number of sides whose market orders ``reach`` pools (default 2).

    Returns
    -------
    tuple of float
        ``(A, k)``: A in market orders per second per side, k per tick.

    Raises
    ------
    ValueError
        If an argument is malformed or out of range, fewer than two depths have ``min_hits``
        hits, or the fitted A or k is not finite (or A is 0).
    """
    r = _validate.real_array("reach", reach)
    if r.ndim != 1:
        _validate.fail("reach", reach, "a 1-d array of finite reaches (ticks)")
    duration = _validate.positive("duration", duration)
    dep = DEFAULT_DEPTHS if depths is None else _validate.real_array("depths", depths)
    if dep.ndim != 1 or dep.size < 2 or np.unique(dep).size != dep.size:
        _validate.fail("depths", depths, "a 1-d array of at least two distinct finite depths")
    min_hits = _validate.integer("min_hits", min_hits, low=1)
    sides = _validate.integer("sides", sides, low=1, high=2)
    hits = np.array([(r >= x - 1e-9).sum() for x in dep])
    use = hits >= min_hits
    if np.unique(dep[use]).size < 2:
        _validate.fail("reach", f"{r.size} reaches", f"reaches with at least min_hits={min_hits} "
                       "hits at two or more of the depths (too few market orders to fit)")
    slope, intercept = np.polyfit(dep[use], np.log(hits[use] / (sides * duration)), 1)
    A, k = float(np.exp(intercept)), float(-slope)
    if not (np.isfinite(A) and np.isfinite(k) and A > 0):
        _validate.fail("duration", duration, f"such that the fitted A and k are finite (got "
                       f"A={A!r}, k={k!r})")
    return A, k


def mid_volatility(times: object, mid: object, start: float, end: float,
                   interval: float = 1.0) -> float:
    """Volatility of the mid (ticks per √second): the standard deviation (ddof = 1) of the
    increments of ``mid`` sampled every ``interval`` seconds on ``[start, end)`` — the value
    after the last message at or before each grid time — divided by √interval.

    Parameters
    ----------
    times : numpy.ndarray
        Shape (n,): message times in seconds, finite and non-decreasing (n ≥ 1).
    mid : numpy.ndarray
        Shape (n,): the mid after each message (ticks, finite).
    start, end : float
        The sampling window [start, end) in seconds; ``start`` ≥ ``times[0]``, ``end`` >
        ``start``.
    interval : float
        Seconds between samples, > 0 (default 1); the grid must hold at least three and at
        most :data:`MAX_GRID` points.

    Returns
    -------
    float
        Ticks per √second.

    Raises
    ------
    ValueError
        If an array is malformed or not finite, or ``start``, ``end`` or ``interval`` is out
        of range.

    Examples
    --------
    A mid that moves one tick every second has a volatility of one tick per √second:

    >>> from mslab.orderbook import mid_volatility
    >>> mid_volatility(times=[0, 1, 2, 3, 4], mid=[100, 101, 100, 101, 102], start=0, end=5)
    1.0
    """
    t, m = _series(times, mid)
    start = _validate.real("start", start)
    if start < t[0]:
        _validate.fail("start", start, f">= times[0]={float(t[0])!r}")
    end = _validate.real("end", end)
    if end <= start:
        _validate.fail("end", end, f"> start={start!r}")
    interval = _validate.positive("interval", interval)
    if not (end - start) / interval <= MAX_GRID:
        _validate.fail("interval", interval, f">= (end - start) / {MAX_GRID:,} (at most "
                       f"{MAX_GRID:,} samples)")
    grid = np.arange(start, end, interval)
    if grid.size < 3:
        _validate.fail("interval", interval, f"small enough for three samples on "
                       f"[start, end) = [{start!r}, {end!r})")
    sampled = m[np.searchsorted(t, grid, side="right") - 1]
    return float(np.std(np.diff(sampled), ddof=1)) / float(np.sqrt(interval))
