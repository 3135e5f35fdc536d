"""Execution schedules replayed through a real LOBSTER day with the order-book engine, and
their implementation shortfall (Perold 1988) decomposed into delay, spread, impact,
opportunity cost and fees.

A schedule buys (side +1) or sells (−1) ``quantity`` shares between ``start`` and
``start + duration`` (seconds after midnight) in ``n`` child orders of equal size, one per
``child_interval`` seconds (``n = duration / child_interval``). It runs in
:func:`mslab.orderbook.run_backtest` in book-file mode (the visible book after message *i* is
row *i* of the order-book file) with :func:`schedule_rule` as its quoter, deciding every
``decision_interval`` seconds of local time:

* ``aggressive``: at the start of child k the cumulative target becomes round((k+1)·X/n); the
  shortfall against it is sent as a marketable limit order at the opposite best quote. **Level-1
  assumption**: the depth beyond the visible best is unknown in a level-1 file, so a child
  order is capped at the visible size of the opposite best and the rest is carried to the next
  decision (a deeper file lets the engine take more levels only if the quote price reaches
  them; the rule never quotes beyond the best). The engine takes the visible liquidity up to
  the limit price as taker; what is left expires.
* ``passive``: during child k the order rests at the best quote on our side for
  round((k+1)·X/n) minus what has filled (the engine's queue model places it at the back of
  the queue and moves it with trades and cancellations; an order whose price is no longer the
  best is cancelled and re-posted at the new best). At the child's deadline whatever is
  behind round((k+1)·X/n) crosses as in ``aggressive``. The engine never lets filled plus open
  shares exceed X, so a replacement or a crossing order waits for the confirmation of the
  cancel it follows (a cancel can fail: the order may fill first), at least one decision.

After ``start + duration`` the remainder crosses until ``start + duration + final_window``;
what is still unfilled then is the opportunity cost. The historical book does not react to our
orders (the engine's orders rest beside the book): a child order that takes the visible size
leaves it in place for the next decision, and the price never moves because of us. Realised
costs of large orders are therefore a lower bound, above all for the permanent part of the
impact.

Implementation shortfall of a schedule with decision price P_d (the midpoint prevailing at
``start``), fills i of q_i shares at p_i, sent when the midpoint was s_i and filled when it was
m_i (just before the fill), F = Σ q_i filled, the midpoint m_end at the end and fees f_i
(cost is positive, d the side)::

    delay        = d Σ q_i (s_i − P_d)        price drift before each child order is sent
    spread       = d Σ q_i (p_i − m_i)        half-spread paid (taker) or earned (maker, < 0)
    impact       = d Σ q_i (m_i − s_i)        midpoint move while the order works
    opportunity  = d (X − F)(m_end − P_d)     unfilled shares at the final price
    fees         = Σ f_i
    total        = d (Σ q_i p_i − F P_d) + opportunity + fees
                 = delay + spread + impact + opportunity + fees

:func:`perold_shortfall` computes the parts and the total separately; with prices on a grid of
halves (LOBSTER's integer prices and their midpoints) the identity holds exactly.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.execution.almgren_chriss import MAX_INTERVALS, ACParams, twap_cost
from mslab.glue import number, pm_column
from mslab.orderbook.backtest import run_backtest
from mslab.orderbook.book import book_rows
from mslab.orderbook.experiments import book_mid
from mslab.orderbook.latency import MAX_LATENCY
from mslab.orderbook.messages import PRICE_SCALE, check_tick, message_arrays
from mslab.orderbook.quoters import (ASK_QTY, ASK_TICK, BID_QTY, BID_TICK, QUOTER_SIGNATURE,
                                     Quoter, custom_quoter)

__all__ = ["COMPONENTS", "STRATEGIES", "ac_from_day", "ac_versus_realised", "execute_schedule", "execute_schedules",
           "perold_shortfall", "schedule_quoter", "schedule_rule", "schedule_starts",
           "shortfall_summary"]

COMPONENTS = ("delay", "spread", "impact", "opportunity", "fees")
"""The parts of the implementation shortfall, in the order of the identity."""
STRATEGIES = ("aggressive", "passive")
"""Child-order tactics of :func:`execute_schedule` (see the module docstring)."""


MAX_QUANTITY = 10**12
"""Largest order of :func:`schedule_quoter` (shares; the kernel's counts stay exact)."""


def _check_side(name: str, side: object) -> int:
    """+1 (buy) or -1 (sell), as an int."""
    if isinstance(side, bool) or not isinstance(side, Integral) or side not in (1, -1):
        _validate.fail(name, side, "+1 (buy) or -1 (sell)")
    return int(side)


def perold_shortfall(side: int, quantity: float, decision_price: float, fill_price: object,
                     fill_qty: object, sent_mid: object, fill_mid: object, end_mid: float,
                     fees: object) -> dict[str, float]:
    """Perold's implementation shortfall of one order and its parts (module docstring).

    Parameters
    ----------
    side
        +1 (buy) or −1 (sell).
    quantity
        Shares decided (> 0).
    decision_price
        Midpoint at the decision.
    fill_price, fill_qty, sent_mid, fill_mid, fees
        One value per fill (price unit, shares, price unit, price unit, cost unit; fees
        negative for rebates).
    end_mid
        Midpoint at the end (values the unfilled shares).

    Returns
    -------
    dict
        ``delay``, ``spread``, ``impact``, ``opportunity``, ``fees``, ``total`` (cost in price
        unit × shares; positive is a cost), ``filled`` and ``unfilled`` (shares).

    Raises
    ------
    ValueError
        If ``side`` is not ±1, ``quantity`` is not > 0, a price is not finite, the fill arrays
        are not 1-D of one length, a fill quantity is not > 0, the fills sum to more than
        ``quantity``, or a part of the shortfall is not finite.
    """
    side = _check_side("side", side)
    quantity = _validate.positive("quantity", quantity)
    decision_price = _validate.real("decision_price", decision_price)
    end_mid = _validate.real("end_mid", end_mid)
    cols = {}
    for name, value in (("fill_price", fill_price), ("fill_qty", fill_qty),
                        ("sent_mid", sent_mid), ("fill_mid", fill_mid), ("fees", fees)):
        cols[name] = np.atleast_1d(_validate.real_array(name, value)).astype(np.float64)
    n = cols["fill_qty"].size
    if any(c.ndim != 1 or c.size != n for c in cols.values()):
        bad = next(k for k, c in cols.items() if c.ndim != 1 or c.size != n)
        sizes = ", ".join(f"{k} {c.size}" for k, c in cols.items())
        _validate.fail(bad, f"<{cols[bad].size} values>",
                       f"one value per fill in every fill array (sizes: {sizes})")
    q = cols["fill_qty"]
    if np.any(q <= 0):
        _validate.fail("fill_qty", fill_qty, "positive quantities")
    filled = float(q.sum())
    if filled > quantity:
        _validate.fail("fill_qty", fill_qty, f"quantities summing to at most quantity = "
                       f"{quantity:g} (got {filled:g})")
    p, s, m = cols["fill_price"], cols["sent_mid"], cols["fill_mid"]
    with np.errstate(all="ignore"):
        fee = float(cols["fees"].sum())
        opportunity = side * (quantity - filled) * (end_mid - decision_price)
        out = {"delay": side * float(np.sum(q * (s - decision_price))),
               "spread": side * float(np.sum(q * (p - m))),
               "impact": side * float(np.sum(q * (m - s))),
               "opportunity": opportunity, "fees": fee,
               "total": side * (float(np.sum(q * p)) - filled * decision_price) + opportunity
               + fee, "filled": filled, "unfilled": quantity - filled}
    _validate.derived("quantity, decision_price, end_mid, fill_price, fill_qty, sent_mid, "
                      "fill_mid, fees", "the shortfall's parts", list(out.values()))
    return out


@njit(QUOTER_SIGNATURE, cache=True)
def schedule_rule(view, params, orders, quotes):
    """Quoter rule of a schedule (see the module docstring), compiled for
    :data:`~mslab.orderbook.quoters.QUOTER_SIGNATURE`.

    At local time t < ``stop``, in child k = max(⌊(t − start)/child_interval⌋, 0), with F
    the shares filled so far (from the view's inventory): aggressive, the target is
    round(min(k + 1, n)·X/n); passive, round(min(k, n)·X/n). What is due (target − F > 0)
    crosses at the opposite best, capped at its visible size; otherwise a passive schedule
    with k < n rests round((k + 1)·X/n) − F shares at its own best. At or after ``stop`` it
    quotes nothing.

    Parameters
    ----------
    view
        The :class:`~mslab.orderbook.quoters.MarketView` at the decision (time in seconds
        after midnight, prices in ticks, inventory in shares).
    params
        float64 array ``(side, quantity, n, start, child_interval, passive, stop)``: side ±1,
        X shares, n children, start and child interval (s), passive (1.0) or aggressive
        (0.0), and the time (s after midnight) from which it stops quoting, as
        :func:`schedule_quoter` builds it.
    orders
        The quoter's order table (not read).
    quotes
        The quote table, filled in place: row 0, one side only.
    """
    side, total, n = params[0], params[1], params[2]
    start, child, passive, stop = params[3], params[4], params[5] > 0.0, params[6]
    if view.time >= stop:
        return
    k = max(int((view.time - start) // child), 0)
    filled = int(side) * view.inventory
    due = int(np.round(total * min(k + (0 if passive else 1), n) / n)) - filled
    if due > 0:  # cross: a marketable order at the opposite best, capped at its visible size
        if side > 0:
            quotes[0, BID_TICK], quotes[0, BID_QTY] = view.best_ask, min(due, view.ask_qty)
        else:
            quotes[0, ASK_TICK], quotes[0, ASK_QTY] = view.best_bid, min(due, view.bid_qty)
    elif passive and k < n:  # rest at our best for the rest of the current child
        want = int(np.round(total * (k + 1) / n)) - filled
        if want > 0:
            if side > 0:
                quotes[0, BID_TICK], quotes[0, BID_QTY] = view.best_bid, want
            else:
                quotes[0, ASK_TICK], quotes[0, ASK_QTY] = view.best_ask, want


def schedule_quoter(side: int, quantity: int, start: float, duration: float,
                    child_interval: float, strategy: str, final_window: float) -> Quoter:
    """The :func:`schedule_rule` quoter of one schedule (times in seconds after midnight).

    Parameters
    ----------
    side
        +1 (buy) or −1 (sell).
    quantity
        Shares X to trade, an integer in [1, :data:`MAX_QUANTITY`].
    start
        Start of the schedule (s after midnight, ≥ 0).
    duration
        Length of the schedule (s, > 0).
    child_interval
        Seconds per child order, in (0, ``duration``], dividing ``duration`` into a whole
        number n ≤ :data:`~mslab.execution.almgren_chriss.MAX_INTERVALS` of children.
    strategy
        One of :data:`STRATEGIES`: ``"aggressive"`` or ``"passive"``.
    final_window
        Seconds (≥ 0) after ``start + duration`` during which the remainder crosses.

    Returns
    -------
    Quoter
        One quote level, named ``"schedule (<strategy>)"``, with the ``params`` of
        :func:`schedule_rule` (stop = start + duration + final_window).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above.
    """
    side = _check_side("side", side)
    quantity = _validate.integer("quantity", quantity, low=1, high=MAX_QUANTITY)
    start = _validate.real("start", start, low=0.0)
    duration = _validate.positive("duration", duration)
    child_interval = _validate.real("child_interval", child_interval, low=0.0, low_open=True,
                                    high=duration, high_name="duration")
    n = duration / child_interval
    if not n <= MAX_INTERVALS:
        _validate.fail("child_interval", child_interval, f"at least duration / {MAX_INTERVALS:,}"
                       f" = {duration / MAX_INTERVALS:g} s (at most {MAX_INTERVALS:,} children)")
    if abs(n - round(n)) > 1e-9 * n:
        _validate.fail("child_interval", child_interval,
                       f"a divisor of duration = {duration:g} s")
    strategy = _validate.choice("strategy", strategy, STRATEGIES)
    final_window = _validate.nonnegative("final_window", final_window)
    params = [side, quantity, round(n), start, child_interval, strategy == "passive",
              start + duration + final_window]
    return custom_quoter(schedule_rule, params, 1, f"schedule ({strategy})")


def _book_array(rows: object) -> np.ndarray:
    """``rows`` (a LOBSTER order-book file) as a 2-D array, or a ValueError naming rows (its
    shape and values are checked against the messages by the backtest)."""
    try:
        arr = np.asarray(rows)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 2 or arr.dtype.kind not in "iuf":
        _validate.fail("rows", type(rows).__name__, "a 2-D array of book levels, one row per "
                       "message")
    return arr


def _prevailing(times: np.ndarray, values: np.ndarray, at: np.ndarray, strict: bool) -> np.ndarray:
    """``values`` after the last message at (or, ``strict``, before) each of ``at``."""
    k = np.searchsorted(times, at, side="left" if strict else "right") - 1
    return values[np.maximum(k, 0)]


def execute_schedule(messages: object, rows: object, *, side: int, quantity: int, start: float,
                     duration: float, child_interval: float, strategy: str,
                     final_window: float = 60.0, decision_interval: float = 1.0,
                     queue_model: object = "risk_averse", latency: float = 0.0,
                     maker_fee: float = 0.0, taker_fee: float = 0.0,
                     tick: int = 100) -> dict[str, float]:
    """Run one schedule through the day (``messages``: a LOBSTER message stream; ``rows``: its
    order-book file, one row per message) and decompose its shortfall.

    ``latency`` (s) is used for the feed, order entry and reports alike; ``queue_model``,
    ``maker_fee`` and ``taker_fee`` are passed to :func:`~mslab.orderbook.run_backtest`.
    The schedule's window must lie inside the day and start after its first message.

    The backtest replays the messages from the first at or after ``start`` to the last before
    ``start + duration + final_window``, from the book row before them, with an order size and
    inventory limit of ``quantity``. Midpoints come from the book rows (an empty side carries
    the last two-sided midpoint forward): the decision price is the midpoint prevailing at
    ``start``, m_end the one before the window's end, s_i the one prevailing when fill i's
    order was sent and m_i the one just before the fill (module docstring).

    Parameters
    ----------
    messages
        LOBSTER message stream (columns ``time`` (s after midnight), ``type``, ``size``,
        ``price``, ``direction``).
    rows
        Its order-book file: a 2-D array, one row per message.
    side, quantity, start, duration, child_interval, strategy, final_window
        The schedule, as in :func:`schedule_quoter` (``final_window`` default 60 s).
    decision_interval
        Seconds (> 0) between the quoter's decisions (default 1).
    queue_model
        Queue model of :func:`~mslab.orderbook.run_backtest` (default ``"risk_averse"``).
    latency
        Feed, entry and response latency (s, in [0, 86 400]; default 0).
    maker_fee, taker_fee
        Fee rates on traded value (negative: rebate; default 0).
    tick
        Price grid in LOBSTER units (100 = one cent, the default).

    Returns
    -------
    dict
        :func:`perold_shortfall`'s ``delay``, ``spread``, ``impact``, ``opportunity``,
        ``fees`` and ``total`` in dollars (positive: a cost; the parts sum to the total up to
        the rounding of the conversion to dollars: in price units, without fees, exactly),
        ``filled`` and ``unfilled`` (shares), plus ``decision_price`` ($/share),
        ``taker_share`` (share of filled shares taken; NaN without fills) and ``children``
        (the number n).

    Raises
    ------
    ValueError
        For a parameter outside the ranges of :func:`schedule_quoter` or
        :func:`~mslab.orderbook.run_backtest`, a malformed message stream or book file, or a
        window [start, start + duration + final_window] that does not lie after the first
        message and at or before the last.
    """
    tick = check_tick(tick)
    rows = _book_array(rows)
    latency = _validate.real("latency", latency, low=0.0, high=MAX_LATENCY)
    quoter = schedule_quoter(side, quantity, start, duration, child_interval, strategy,
                             final_window)
    msg = message_arrays(messages, tick)
    book = book_rows(rows, msg.n, tick, "rows")
    time = msg.time_ns * 1e-9
    stop = float(quoter.params[6])
    first, end = np.searchsorted(time, [start, stop], side="left")
    if first < 1 or stop > time[-1]:
        _validate.fail("start", start, f"a time with the schedule's window [start, start + "
                       f"duration + final_window] = [{start:g}, {stop:g}] s after the first "
                       f"message ({time[0]:g}) and before the last ({time[-1]:g})")
    part = {c: np.asarray(messages[c])[first:end] for c in ("time", "type", "size", "price",
                                                            "direction")}
    r = run_backtest(part, quoter, tick=tick, book=book[first:end], initial_book=book[first - 1],
                     order_size=quantity, max_inventory=quantity, queue_model=queue_model,
                     feed_latency=latency, entry_latency=latency, response_latency=latency,
                     maker_fee=maker_fee, taker_fee=taker_fee,
                     decision_interval=decision_interval, sample_interval=duration + final_window)
    # price units (dollars × 10,000), exact halves of integers: the live prices are multiples
    # of tick (book_rows), so (ask + bid) / 2 / tick = j / 2 and j / 2 · tick are exact
    mid = book_mid(book, tick) * tick
    f = r.fills
    price = np.round(f.price * PRICE_SCALE)
    parts = perold_shortfall(side, quantity, mid[first - 1], price, f.qty,
                             _prevailing(time, mid, f.sent, strict=False),
                             _prevailing(time, mid, f.time, strict=True),
                             mid[end - 1], f.fee * PRICE_SCALE)
    out = {k: v / PRICE_SCALE if k in COMPONENTS + ("total",) else v for k, v in parts.items()}
    taker = float(f.qty[~f.maker].sum() / f.qty.sum()) if f.qty.size else np.nan
    return out | {"decision_price": mid[first - 1] / PRICE_SCALE, "taker_share": taker,
                  "children": round(duration / child_interval)}


def schedule_starts(times: object, duration: float, final_window: float) -> np.ndarray:
    """Back-to-back schedule starts (s after midnight) from the first whole minute after the
    first message time in ``times`` whose windows [start, start + duration + final_window]
    end before the last message.

    Parameters
    ----------
    times
        Message times (s after midnight): a non-empty 1-D array, finite and non-decreasing.
    duration
        Length of a schedule and spacing of the starts (s, > 0).
    final_window
        Seconds (≥ 0) each window extends past ``start + duration``.

    Returns
    -------
    numpy.ndarray
        Starts s_i = s_0 + i·duration, where s_0 is the first whole minute strictly after
        ``times[0]``, for every i whose window ends at or before ``times[-1]`` (at least one).

    Raises
    ------
    ValueError
        If ``times`` is not such an array, ``duration`` is not > 0, too long for one window
        or so short that the starts exceed :data:`mslab._validate.MAX_ELEMENTS`, or
        ``final_window`` is negative.
    """
    t = _validate.real_vector("times", times)
    if np.any(np.diff(t) < 0.0):
        _validate.fail("times", f"<{t.size} times>", "non-decreasing message times (s)")
    duration = _validate.positive("duration", duration)
    final_window = _validate.nonnegative("final_window", final_window)
    first = (np.floor(t[0] / 60.0) + 1.0) * 60.0
    n = np.floor((t[-1] - first - final_window) / duration)
    if not n >= 1:
        _validate.fail("duration", duration, f"short enough for one schedule plus final_window "
                       f"= {final_window:g} s between {first:g} and the last of times, "
                       f"{t[-1]:g} s")
    _validate.elements("duration, times", n)
    n = int(n)
    return first + duration * np.arange(n)


def execute_schedules(messages: object, rows: object, starts: object,
                      strategies=STRATEGIES, sides=(1, -1), **kwargs) -> pd.DataFrame:
    """:func:`execute_schedule` for every start, strategy and side; one row per schedule with
    its ``start``, ``strategy``, ``side`` and the shortfall in dollars and in bps of the
    decision value (``*_bps``: cost / (quantity × decision price) × 10⁴).

    Parameters
    ----------
    messages, rows
        The day, as in :func:`execute_schedule`.
    starts
        Schedule starts (s after midnight, ≥ 0): a non-empty 1-D array, e.g. from
        :func:`schedule_starts`.
    strategies
        Non-empty list or tuple of names from :data:`STRATEGIES` (default: both).
    sides
        Non-empty list or tuple of +1 (buy) and −1 (sell) (default: both).
    **kwargs
        The other keyword arguments of :func:`execute_schedule` (``quantity``,
        ``duration`` and ``child_interval`` are required).

    Returns
    -------
    pandas.DataFrame
        One row per (start, strategy, side), in that nesting order: ``start``, ``strategy``,
        ``side``, the keys of :func:`execute_schedule`, and ``delay_bps``, ``spread_bps``,
        ``impact_bps``, ``opportunity_bps``, ``fees_bps`` and ``total_bps``.

    Raises
    ------
    ValueError
        If ``starts``, ``strategies`` or ``sides`` is not as above, or as
        :func:`execute_schedule` (a start whose window leaves the day is reported as
        ``starts``).
    TypeError
        If a required argument of :func:`execute_schedule` is missing.
    """
    starts = _validate.real_vector("starts", starts, low=0.0)
    if not (isinstance(strategies, (tuple, list)) and strategies
            and all(isinstance(s, str) and s in STRATEGIES for s in strategies)):
        _validate.fail("strategies", strategies, f"a non-empty list of {STRATEGIES}")
    if not (isinstance(sides, (tuple, list)) and sides):
        _validate.fail("sides", sides, "a non-empty list of +1 (buy) and -1 (sell)")
    for side in sides:
        _check_side("sides", side)
    quantity = kwargs.get("quantity", 0)
    rows_out = []
    for start in starts:
        for strategy in strategies:
            for side in sides:
                try:
                    r = execute_schedule(messages, rows, side=side, start=float(start),
                                         strategy=strategy, **kwargs)
                except ValueError as exc:  # a start outside the day: name this parameter
                    if str(exc).startswith("start="):
                        raise ValueError(f"starts: {exc}") from exc
                    raise
                value = quantity * r["decision_price"]
                rows_out.append({"start": float(start), "strategy": strategy, "side": side, **r,
                                 **{f"{c}_bps": r[c] / value * 1e4
                                    for c in COMPONENTS + ("total",)}})
    return pd.DataFrame(rows_out)


def shortfall_summary(frame: pd.DataFrame, digits: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per strategy: mean ± standard error over schedules of each part and the total (bps of
    the decision value), the share filled and the taker share.

    Strategies appear in the order of their first row. The filled share is Σ filled /
    Σ (filled + unfilled) over the strategy's schedules; the taker share is the mean of the
    schedules' ``taker_share`` (schedules without fills left out).

    Parameters
    ----------
    frame
        An :func:`execute_schedules` frame (columns ``strategy``, ``filled``, ``unfilled``,
        ``taker_share`` and ``<part>_bps`` for each part of :data:`COMPONENTS` and
        ``total``).
    digits
        Decimals of the means and standard errors in the table (0 to 12; default 2).

    Returns
    -------
    table : pandas.DataFrame
        Printable table (strings): one row per part and ``total`` (``mean ± se``, bps), then
        ``filled`` and ``taken (of filled)`` (percent) and ``schedules``; one column per
        strategy.
    stats : pandas.DataFrame
        Raw statistics, one row per strategy: ``schedules``, ``<part>_mean`` and
        ``<part>_sem`` (bps, for the parts and ``total``), ``filled_share`` and
        ``taker_share`` (fractions).

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame with those columns or ``digits`` is outside 0..12.
    """
    _validate.instance("frame", frame, pd.DataFrame)
    digits = _validate.integer("digits", digits, low=0, high=12)
    cols = [f"{c}_bps" for c in COMPONENTS + ("total",)]
    missing = [c for c in cols + ["strategy", "filled", "unfilled", "taker_share"]
               if c not in frame]
    if missing:
        _validate.fail("frame", f"<columns {list(frame.columns)}>",
                       f"an execute_schedules frame (missing {missing})")
    g = frame.groupby("strategy", sort=False)
    stats = pd.DataFrame({"schedules": g.size()})
    for c in cols:
        stats[f"{c[:-4]}_mean"], stats[f"{c[:-4]}_sem"] = g[c].mean(), g[c].sem()
    stats["filled_share"] = g["filled"].sum() / (g["filled"].sum() + g["unfilled"].sum())
    stats["taker_share"] = g["taker_share"].mean()
    table = pd.DataFrame({c: pm_column(stats[f"{c}_mean"], stats[f"{c}_sem"], digits)
                          for c in COMPONENTS + ("total",)}, index=stats.index)
    table["filled"] = [number(v, 1, percent=True) for v in stats["filled_share"]]
    table["taken (of filled)"] = [number(v, 1, percent=True) for v in stats["taker_share"]]
    table["schedules"] = [f"{v:,}" for v in stats["schedules"]]
    table = table.T
    table.index.name = "part (bps)"
    table.columns.name = None
    return table, stats


def ac_from_day(times: object, mid: object, tape_effective: object, tape_size: object,
                kyle_slope_bps: float, *, quantity: float, duration: float,
                child_interval: float, price: float) -> tuple[ACParams, dict[str, float]]:
    """Almgren–Chriss parameters estimated from a day (dollars, shares, seconds).

    * σ ($/share/√s): standard deviation of the midpoint's changes (``mid``, $, at ``times``)
      over ``child_interval`` grid steps, divided by √child_interval;
    * ε ($/share): half the mean effective spread of the day's trades (``tape_effective``, $;
      NaN entries, trades without an arrival midpoint, are left out);
    * γ ($/share²): Kyle's λ (bps per √$) linearised at the child size n = X·τ/T:
      γ = λ·10⁻⁴·P·√(P·n)/n — the permanent move of one child order per share;
    * η ($·s/share²): τ times the OLS slope b of the trades' effective half-spread on their size
      (shares), floored at τ·γ so that η̃ = η − ½γτ > 0 (``eta_floored`` says if it was).

    ε is floored at 0. The midpoints are read at the grid t_0, t_0 + τ, … < t_last of the
    ``times`` (τ = ``child_interval``), each the last one at or before its grid time; NaN
    changes are left out.

    Parameters
    ----------
    times
        Times of the midpoints (s): a non-empty 1-D array of finite values, non-decreasing.
    mid
        Midpoint after each of ``times`` ($; NaN for an empty side, no ±inf).
    tape_effective
        Effective spread of each trade ($/share; NaN where it has no arrival midpoint),
        e.g. ``markouts(tape)["effective"] / tape.unit``.
    tape_size
        Size of each trade (shares, finite, ≥ 0), one per entry of ``tape_effective``; at
        least 3 trades must have a finite effective spread.
    kyle_slope_bps
        Kyle's λ (bps per √$, ≥ 0), e.g. :class:`~mslab.execution.estimators.KyleLambda`'s
        ``slope``.
    quantity
        Shares X to liquidate (> 0).
    duration
        Horizon T (s, > 0).
    child_interval
        Interval τ (s) in (0, ``duration``], with at most
        :data:`~mslab.execution.almgren_chriss.MAX_INTERVALS` intervals in ``duration``.
    price
        Price P of the stock ($/share, > 0), for the linearisation of γ.

    Returns
    -------
    p : ACParams
        X = ``quantity``, T = ``duration``, N = round(duration/child_interval), σ, γ, η, ε.
    estimates : dict
        ``sigma``, ``epsilon``, ``gamma``, ``eta``, ``b`` ($/share², the slope of the
        half-spread on size), ``eta_floored`` (bool: b < γ), and ``expected_cost`` and
        ``sd_cost`` ($), the TWAP E and √V of ``p`` (:func:`twap_cost`).

    Raises
    ------
    ValueError
        For an input outside the ranges above (``times`` not finite or decreasing somewhere,
        ``mid`` not of its shape), fewer than 3 grid points, a grid longer than
        :data:`mslab._validate.MAX_ELEMENTS`, or estimates that give no valid
        :class:`ACParams` (η not > 0) or a non-finite TWAP cost.
    """
    t = _validate.real_vector("times", times)
    if np.any(np.diff(t) < 0.0):
        _validate.fail("times", f"<{t.size} times>", "non-decreasing times (s) of the midpoints")
    m = _validate.series("mid", mid)
    eff = _validate.series("tape_effective", tape_effective)
    size = _validate.real_vector("tape_size", tape_size, low=0.0)
    if m.shape != t.shape or np.isinf(m).any():
        _validate.fail("mid", f"<array of shape {m.shape}>", "one midpoint per entry of times "
                       f"({t.size}), finite or NaN (an empty side)")
    ok = np.isfinite(eff)
    if eff.shape != size.shape or ok.sum() < 3:
        _validate.fail("tape_effective", f"<array of shape {eff.shape}>", "one effective spread "
                       f"per entry of tape_size ({size.size}), at least 3 of them finite")
    kyle_slope_bps = _validate.real("kyle_slope_bps", kyle_slope_bps, low=0.0)
    quantity, duration = _validate.positive("quantity", quantity), _validate.positive("duration", duration)
    child_interval = _validate.real("child_interval", child_interval, low=0.0, low_open=True,
                                    high=duration, high_name="duration")
    price = _validate.positive("price", price)
    if duration / child_interval > MAX_INTERVALS:
        _validate.fail("duration", duration, f"at most {MAX_INTERVALS:,} child intervals of "
                       f"child_interval = {child_interval:g} s (the N of ACParams)")
    _validate.elements("child_interval, times", (t[-1] - t[0]) / child_interval)
    grid = np.arange(t[0], t[-1], child_interval)
    if grid.size < 3:
        _validate.fail("child_interval", child_interval, "short enough for 3 grid points")
    sigma = float(np.nanstd(np.diff(_prevailing(t, m, grid, strict=False)), ddof=1)
                  / np.sqrt(child_interval))
    half = 0.5 * eff[ok]
    b = float(np.polyfit(size[ok], half, 1)[0])
    n = quantity * child_interval / duration
    gamma = kyle_slope_bps * 1e-4 * price * np.sqrt(price * n) / n
    eta = child_interval * max(b, gamma)
    names = ("kyle_slope_bps, price, quantity, duration, child_interval, tape_size, "
             "tape_effective, mid")
    _validate.derived(names, "eta = child_interval*max(b, gamma)", eta, positive=True)
    p = ACParams(X=quantity, T=duration, N=round(duration / child_interval), sigma=sigma,
                 gamma=gamma, eta=eta, epsilon=max(float(np.mean(half)), 0.0))
    try:
        e, v = twap_cost(p)
    except OverflowError:
        e, v = np.inf, np.inf
    _validate.derived(names, "the expected cost and its variance", [e, v])
    return p, {"sigma": sigma, "epsilon": p.epsilon, "gamma": gamma, "eta": eta, "b": b,
               "eta_floored": b < gamma, "expected_cost": e, "sd_cost": float(np.sqrt(v))}


def ac_versus_realised(frame: pd.DataFrame, p: ACParams) -> pd.DataFrame:
    """The Almgren–Chriss TWAP cost of ``p`` split as spread εX, impact ½γX² + η̃X²/T, delay
    (0: the model's price has no drift), expected cost and its standard deviation √V, against
    the realised means (and the standard deviation across schedules) of each strategy of an
    :func:`execute_schedules` frame ($ per schedule).

    Parameters
    ----------
    frame
        An :func:`execute_schedules` frame with at least 2 rows (columns ``strategy``,
        ``spread``, ``impact``, ``delay`` and ``total``, in $).
    p
        Model parameters, e.g. from :func:`ac_from_day`.

    Returns
    -------
    pandas.DataFrame
        Rows ``spread (εX)``, ``impact (½γX² + η̃X²/T)``, ``delay (zero drift)``, ``expected
        cost`` and ``SD of cost`` (index ``part of the cost``); column ``Almgren–Chriss ($)``
        (the model's value) and one column ``realised, <strategy> ($)`` per strategy (means
        of ``spread``, ``impact``, ``delay`` and ``total``, and the standard deviation of
        ``total``).

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame with the columns ``strategy``, ``spread``, ``impact``,
        ``delay`` and ``total`` and at least 2 rows, or ``p`` is not an :class:`ACParams`.
    """
    _validate.instance("frame", frame, pd.DataFrame)
    needed = ("strategy", "spread", "impact", "delay", "total")
    if any(c not in frame for c in needed) or len(frame) < 2:
        missing = [c for c in needed if c not in frame]
        _validate.fail("frame", f"<{len(frame)} rows; missing columns {missing}>",
                       f"an execute_schedules frame (≥ 2 rows, columns {', '.join(needed)})")
    e, v = twap_cost(p)
    spread = p.epsilon * p.X
    parts = {"spread (εX)": ("spread", spread), "impact (½γX² + η̃X²/T)": ("impact", e - spread),
             "delay (zero drift)": ("delay", 0.0), "expected cost": ("total", e)}
    table = pd.DataFrame({"Almgren–Chriss ($)": pd.Series(
        {k: value for k, (_, value) in parts.items()} | {"SD of cost": float(np.sqrt(v))})})
    for strategy, r in frame.groupby("strategy", sort=False):
        table[f"realised, {strategy} ($)"] = pd.Series(
            {k: r[c].mean() for k, (c, _) in parts.items()} | {"SD of cost": r["total"].std()})
    table.index.name = "part of the cost"
    return table
