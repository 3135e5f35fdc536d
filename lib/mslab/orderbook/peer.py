"""hftbacktest, the reference open-source HFT backtester, as a peer of
:func:`mslab.orderbook.run_backtest`: the same stream and quoter run in both.

* :func:`hftbacktest_events`: a message stream as hftbacktest events, the book replayed from
  the messages (a trade event per print, a depth event per visible change);
* :func:`hftbacktest_book_events`: the same from a LOBSTER order-book file (book-file mode:
  the depth events are the changes between consecutive rows, the visible book of a real day);
* :func:`join_best`: ``grid_quoter(0.5)`` (bid ⌊mid − ½⌋, ask ⌈mid + ½⌉ ticks) written for
  hftbacktest;
* :func:`run_hftbacktest`: build the asset and the backtest, and run the quoter;
* :func:`compare_with_hftbacktest`: both backtests on one stream, per queue model, as a table;
* :func:`cached_comparison`: the same table through an experiments table (:mod:`mslab.sweeps`),
  computed once per inputs, parameters and code version and read back afterwards.

hftbacktest is optional (a dev dependency, installed by ``make book``); it is imported inside
the functions that need it, which raise an ``ImportError`` saying so when it is missing.
``benchmarks/bench_orderbook.py`` times the two engines with these functions and
``tests/test_orderbook_peer.py`` checks their agreement.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.orderbook.book import book_rows, initial_levels
from mslab.orderbook.messages import EXECUTE, EXECUTE_HIDDEN, PRICE_SCALE, check_tick, message_arrays


def require_hftbacktest():
    """The hftbacktest module, or an ``ImportError`` that says how to install it.

    Returns
    -------
    module
        The imported ``hftbacktest`` package.

    Raises
    ------
    ImportError
        If hftbacktest is not installed.
    """
    try:
        import hftbacktest
    except ImportError as err:
        raise ImportError("hftbacktest is not installed: the comparison with hftbacktest needs "
                          "it (`pip install hftbacktest`; `make book` installs the dev "
                          "dependencies)") from err
    return hftbacktest


def hftbacktest_events(msgs: dict[str, np.ndarray], feed_ns: int) -> np.ndarray:
    """The stream as hftbacktest events: a trade event for each print (types 4 and 5), then a
    depth event with the level's new size for each visible change (types 1-4). Prices are in
    LOBSTER units (dollars x 10,000), times in seconds; events reach us ``feed_ns`` later.
    The level sizes are replayed from the messages alone (from an empty book); the stream is
    not validated.

    hftbacktest reads the returned array's memory: keep it alive while a backtest uses it.

    Parameters
    ----------
    msgs : dict
        Arrays ``time`` (seconds), ``type``, ``size`` (shares), ``price`` (dollars × 10 000)
        and ``direction`` (±1) of one length.
    feed_ns : int
        Feed latency in nanoseconds: ``local_ts = exch_ts + feed_ns``.

    Returns
    -------
    numpy.ndarray
        Structured array of hftbacktest's ``event_dtype`` (exchange and local events), in
        stream order, prices in dollars, times in integer nanoseconds.

    Raises
    ------
    ImportError
        If hftbacktest is not installed.
    """
    require_hftbacktest()
    from hftbacktest import event_dtype
    from hftbacktest.types import (
        BUY_EVENT,
        DEPTH_EVENT,
        EXCH_EVENT,
        LOCAL_EVENT,
        SELL_EVENT,
        TRADE_EVENT,
    )
    kind, size, price, d = msgs["type"], msgs["size"], msgs["price"], msgs["direction"]
    new = _level_sizes(kind, size, price, d)
    t = np.round(msgs["time"] * 1e9).astype(np.int64)
    trade = (kind == 4) | (kind == 5)
    depth = (kind >= 1) & (kind <= 4)
    first = np.concatenate([[0], np.cumsum(trade.astype(int) + depth)[:-1]])
    ev = np.zeros(int(trade.sum() + depth.sum()), event_dtype)
    for rows, mask, flag, qty in (
            # execution of a sell (buy) limit order: a buyer- (seller-) initiated trade
            (first[trade], trade, TRADE_EVENT | np.where(d[trade] < 0, BUY_EVENT, SELL_EVENT),
             size[trade]),
            (first[depth] + trade[depth], depth,
             DEPTH_EVENT | np.where(d[depth] > 0, BUY_EVENT, SELL_EVENT), new[depth])):
        ev["ev"][rows] = flag | EXCH_EVENT | LOCAL_EVENT
        ev["exch_ts"][rows] = t[mask]
        ev["local_ts"][rows] = t[mask] + feed_ns
        ev["px"][rows] = price[mask] / PRICE_SCALE
        ev["qty"][rows] = qty
    return ev


@njit
def _level_sizes(kind, size, price, direction):
    """Visible size of each message's level after the message."""
    levels = {(np.int64(0), np.int64(0)): np.int64(0)}
    out = np.zeros(kind.size, np.int64)
    for i in range(kind.size):
        key = (np.int64(direction[i]), np.int64(price[i]))
        q = levels.get(key, np.int64(0))
        if kind[i] == 1:
            q += size[i]
        elif kind[i] <= 4:
            q -= size[i]
        levels[key] = q
        out[i] = q
    return out


@cache
def join_best():
    """The jitted quoter ``join_best(bt, interval, size, max_inv, tick, touch) -> (rc,
    position, num_trades, trading_volume, balance)``: every ``interval`` ns, bid floor(mid −
    0.5) and ask ceil(mid + 0.5) (in ticks; with ``touch``, the best bid and ask instead),
    post-only, ``size`` shares, keeping position plus open orders within ±``max_inv``; rc is
    the code that ended ``elapse`` (1: end of data). Built once per process
    (``functools.cache``); numba compiles it at its first call.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        The jitted quoter.

    Raises
    ------
    ImportError
        If hftbacktest is not installed.
    """
    require_hftbacktest()
    from hftbacktest.order import BUY, GTX, LIMIT

    @njit  # hftbacktest's objects hold ctypes pointers: numba cannot cache this
    def join_best(bt, interval, size, max_inv, tick, touch):
        rc = 0
        while True:
            rc = bt.elapse(interval)
            if rc != 0:
                break
            bt.clear_inactive_orders(0)
            depth = bt.depth(0)
            if depth.best_bid_qty <= 0 or depth.best_ask_qty <= 0:
                continue
            mid = 0.5 * (depth.best_bid_tick + depth.best_ask_tick)
            bid, ask = int(np.floor(mid - 0.5)), int(np.ceil(mid + 0.5))
            if touch:
                bid, ask = int(depth.best_bid_tick), int(depth.best_ask_tick)
            has_bid, has_ask, open_buy, open_sell = False, False, 0.0, 0.0
            orders = bt.orders(0)  # keep the dict alive while iterating over it
            values = orders.values()
            while values.has_next():
                o = values.get()
                if o.side == BUY:
                    open_buy += o.leaves_qty
                    if o.price_tick == bid:
                        has_bid = True
                    elif o.cancellable:
                        bt.cancel(0, o.order_id, False)
                else:
                    open_sell += o.leaves_qty
                    if o.price_tick == ask:
                        has_ask = True
                    elif o.cancellable:
                        bt.cancel(0, o.order_id, False)
            pos = bt.position(0)
            if not has_bid and pos + open_buy + size <= max_inv:
                bt.submit_buy_order(0, bt.current_timestamp + 1, bid * tick, size, GTX, LIMIT,
                                    False)
            if not has_ask and pos - open_sell - size >= -max_inv:
                bt.submit_sell_order(0, bt.current_timestamp + 2, ask * tick, size, GTX, LIMIT,
                                     False)
        sv = bt.state_values(0)
        return rc, sv.position, sv.num_trades, sv.trading_volume, sv.balance

    return join_best


def run_hftbacktest(events: np.ndarray, tick: int, model: str, *, entry_ns: int,
                    response_ns: int, interval_ns: int, size: float = 100.0,
                    max_inventory: float = 1000.0, power: float = 2.0,
                    partial: bool = False,
                    touch: bool = False) -> tuple[int, float, int, float, float]:
    """Run :func:`join_best` in a ``HashMapMarketDepthBacktest`` over ``events`` (from
    :func:`hftbacktest_events`) with a ``tick`` in LOBSTER units, constant order latencies,
    the queue model ``model`` ("risk_averse", "power" with exponent ``power``, or "log") and
    a partial- or no-partial-fill exchange; ``touch`` quotes at the best bid and ask instead
    of around the mid (:func:`mslab.orderbook.experiments.join_best_quoter`). The arguments
    are not validated.

    Parameters
    ----------
    events : numpy.ndarray
        hftbacktest events (:func:`hftbacktest_events` or :func:`hftbacktest_book_events`),
        kept alive during the run.
    tick : int
        The price grid in LOBSTER units (100 = one cent).
    model : str
        ``"risk_averse"``, ``"power"`` or ``"log"``.
    entry_ns, response_ns : int
        Constant order entry and response latencies (nanoseconds).
    interval_ns : int
        Nanoseconds between quoting decisions.
    size : float
        Shares per order (default 100).
    max_inventory : float
        Bound on position plus open orders (shares, default 1000).
    power : float
        Exponent of the power model (default 2).
    partial : bool
        Use hftbacktest's partial-fill exchange (default: no partial fills).
    touch : bool
        Quote at the best bid and ask (default: around the mid).

    Returns
    -------
    tuple
        ``(rc, position, num_trades, trading_volume, balance)``: the code that ended the run
        (1: end of data), the final position (shares), the number of fills, the shares
        traded and hftbacktest's balance (dollars).

    Raises
    ------
    ImportError
        If hftbacktest is not installed.
    KeyError
        If ``model`` is not one of the three names.
    """
    hbt = require_hftbacktest()
    asset = (hbt.BacktestAsset().data(events).linear_asset(1.0)
             .constant_order_latency(entry_ns, response_ns).tick_size(tick / PRICE_SCALE)
             .lot_size(1.0))
    asset = {"risk_averse": asset.risk_adverse_queue_model,
             "power": lambda: asset.power_prob_queue_model(power),
             "log": asset.log_prob_queue_model}[model]()
    asset = asset.partial_fill_exchange() if partial else asset.no_partial_fill_exchange()
    return join_best()(hbt.HashMapMarketDepthBacktest([asset]), interval_ns, size,
                       max_inventory, tick / PRICE_SCALE, touch)


@njit(cache=True)
def _book_file_events(rows, init, kind, size, price_tick, direction, tick):
    """Trade and depth events of a book-file stream, mirroring what moves queues in
    :func:`~mslab.orderbook.run_backtest`'s book-file mode: for message ``i``, a trade (if it
    is an execution); the level the message changes, applied to the book before it; then the
    levels of row ``i`` that differ from hftbacktest's book (revealed levels) and the levels
    hftbacktest holds that row ``i`` shows to be gone (absent though within its depth).
    Levels pushed beyond the file's depth by better ones are left as they were, as in the
    backtest, which leaves queue positions there unchanged. Returns (message, is_trade, side,
    price, qty) with prices in LOBSTER units."""
    n, width = rows.shape
    levels = width // 4
    known = {(np.int64(0), np.int64(0)): np.int64(0)}  # (side, price) -> qty hftbacktest holds
    del known[(np.int64(0), np.int64(0))]
    cap = 1024
    msg = np.empty(cap, np.int64)
    trade = np.zeros(cap, np.bool_)
    side_out = np.empty(cap, np.int64)
    price_out = np.empty(cap, np.int64)
    qty_out = np.empty(cap, np.int64)
    k = 0
    for i in range(-1, n):
        row = init if i < 0 else rows[i]
        mi = max(i, 0)  # the initial book is sent at the first message's time
        if k + 2 * width + 4 + 2 * len(known) > cap:
            cap = 2 * cap + 2 * width + 4 + 2 * len(known)
            msg, trade = _grown(msg, cap), _grown(trade, cap)
            side_out, price_out, qty_out = (_grown(side_out, cap), _grown(price_out, cap),
                                            _grown(qty_out, cap))
        if i >= 0:
            if kind[i] == 4 or kind[i] == 5:
                msg[k], trade[k], side_out[k], price_out[k], qty_out[k] = i, True, 0, 0, 0
                k += 1
            if 1 <= kind[i] <= 4:
                s = 1 if direction[i] > 0 else -1
                p = price_tick[i] * tick
                q = known.get((np.int64(s), p), np.int64(0))
                q = max(q + (size[i] if kind[i] == 1 else -size[i]), 0)
                known[(np.int64(s), p)] = q
                msg[k], trade[k], side_out[k], price_out[k], qty_out[k] = i, False, s, p, q
                k += 1
        for col in (0, 2):  # ask, bid
            s = -1 if col == 0 else 1
            live = 0
            worst = 0
            for lev in range(levels):
                if row[4 * lev + col + 1] > 0:
                    live += 1
                    worst = row[4 * lev + col]
            for lev in range(live):  # levels the row shows
                p = row[4 * lev + col]
                q = row[4 * lev + col + 1]
                if known.get((np.int64(s), p), np.int64(0)) != q:
                    known[(np.int64(s), p)] = q
                    msg[k], trade[k], side_out[k], price_out[k], qty_out[k] = mi, False, s, p, q
                    k += 1
            gone = []
            for key, q in known.items():  # levels within the row's depth it does not show
                if key[0] != s or q == 0:
                    continue
                within = live < levels or (key[1] > worst if s > 0 else key[1] < worst)
                shown = False
                for lev in range(live):
                    if row[4 * lev + col] == key[1]:
                        shown = True
                if within and not shown:
                    gone.append(key[1])
            for p in gone:
                known[(np.int64(s), p)] = 0
                msg[k], trade[k], side_out[k], price_out[k], qty_out[k] = mi, False, s, p, 0
                k += 1
    return msg[:k], trade[:k], side_out[:k], price_out[:k], qty_out[:k]


@njit(cache=True)
def _grown(a, cap):
    out = np.zeros(cap, a.dtype)
    out[:a.size] = a
    return out


def hftbacktest_book_events(msgs: dict[str, np.ndarray], rows: object, tick: int,
                            feed_ns: int, initial_book: object = None) -> np.ndarray:
    """A LOBSTER stream with its order-book file as hftbacktest events, the visible book being
    the file's (book-file mode of :func:`~mslab.orderbook.run_backtest`): for each message a
    trade event if it is an execution (types 4 and 5; a sell limit order executed is a
    buyer-initiated trade), a depth event for the level the message changes, then depth
    events for the levels where its row differs from the book hftbacktest holds — a level
    revealed from beyond the file's depth, and size 0 for a level the row shows to be gone
    (absent though within its depth; a level merely pushed beyond the depth by better ones is
    left as it was). The book before the first message is ``initial_book`` (a LOBSTER
    order-book row), else empty; its levels are sent at the first message's time. Prices in
    LOBSTER units, ``tick`` the grid, times in seconds; events reach us ``feed_ns`` later.

    hftbacktest reads the returned array's memory: keep it alive while a backtest uses it.

    Parameters
    ----------
    msgs : dict
        The LOBSTER message columns ``time`` (seconds), ``type``, ``size``, ``price``
        (dollars × 10 000) and ``direction``, as :func:`~mslab.orderbook.run_backtest` takes
        them.
    rows : numpy.ndarray
        The order-book file's rows, shape (n, 4·levels), in LOBSTER units.
    tick : int
        The price grid in LOBSTER units (100 = one cent).
    feed_ns : int
        Feed latency in nanoseconds, ≥ 0.
    initial_book : numpy.ndarray or None
        The LOBSTER order-book row before the first message (same width as ``rows``); None:
        an empty book.

    Returns
    -------
    numpy.ndarray
        Structured array of hftbacktest's ``event_dtype``, prices in dollars, times in
        integer nanoseconds.

    Raises
    ------
    ValueError
        If the messages, ``rows``, ``tick``, ``initial_book`` or ``feed_ns`` are invalid.
    ImportError
        If hftbacktest is not installed.
    """
    require_hftbacktest()
    from hftbacktest import event_dtype
    from hftbacktest.types import (BUY_EVENT, DEPTH_EVENT, EXCH_EVENT, LOCAL_EVENT, SELL_EVENT,
                                   TRADE_EVENT)
    tick = check_tick(tick)
    m = message_arrays(msgs, tick)
    arr = book_rows(rows, m.n, tick, "rows")
    init = np.zeros(arr.shape[1], np.int64)
    if initial_book is not None:
        initial_levels(initial_book, tick)  # validates
        init = np.asarray(initial_book, dtype=np.int64).ravel()
        if init.size != arr.shape[1]:
            _validate.fail("initial_book", f"<row of {init.size} values>",
                           f"a LOBSTER order-book row of {arr.shape[1]} values, like rows")
    feed_ns = _validate.integer("feed_ns", feed_ns, low=0)
    size, price, d = m.size, np.asarray(msgs["price"], dtype=np.float64), m.direction
    i, trade, side, px, qty = _book_file_events(arr, init, m.type, m.size, m.price_tick,
                                                m.direction, tick)
    t = m.time_ns[i]
    flag = np.where(trade, TRADE_EVENT | np.where(d[i] < 0, BUY_EVENT, SELL_EVENT),
                    DEPTH_EVENT | np.where(side > 0, BUY_EVENT, SELL_EVENT))
    ev = np.zeros(i.size, event_dtype)
    ev["ev"] = flag | EXCH_EVENT | LOCAL_EVENT
    ev["exch_ts"] = t
    ev["local_ts"] = t + feed_ns
    ev["px"] = np.where(trade, price[i], px) / PRICE_SCALE
    ev["qty"] = np.where(trade, size[i], qty)
    return ev


QUEUE_MODELS = ("risk_averse", "power", "log")
"""The queue models both engines implement (``power`` with an exponent)."""


def compare_with_hftbacktest(msgs: dict[str, np.ndarray], rows: object, tick: int, *,
                             initial_book: object = None, models: tuple = (("risk_averse", 2.0),),
                             touch: bool = True,
                             order_size: int = 100, max_inventory: int = 1000,
                             decision_interval: float = 0.1, feed_latency: float = 0.001,
                             entry_latency: float = 0.001,
                             response_latency: float = 0.001) -> pd.DataFrame:
    """Run one quoter on one LOBSTER stream in book-file mode in both engines —
    :func:`~mslab.orderbook.run_backtest` with ``book=rows`` and hftbacktest's
    ``HashMapMarketDepthBacktest`` fed :func:`hftbacktest_book_events` — post-only, without
    partial fills (hftbacktest's partial-fill exchange stops on real streams), with the same
    order size (shares), inventory bound, decision interval and constant latencies (seconds).
    ``models`` lists (queue model, power exponent) pairs (the exponent is used by ``power``).
    The quoter joins the best bid and ask (``touch``,
    :func:`~mslab.orderbook.experiments.join_best_quoter`) or is ``grid_quoter(0.5)``.

    Parameters
    ----------
    msgs : dict
        The LOBSTER message columns ``time`` (seconds), ``type``, ``size``, ``price``
        (dollars × 10 000) and ``direction``, as :func:`~mslab.orderbook.run_backtest` takes
        them.
    rows : numpy.ndarray
        The order-book file's rows, shape (n, 4·levels), in LOBSTER units.
    tick : int
        The price grid in LOBSTER units (100 = one cent).
    initial_book : numpy.ndarray or None
        The LOBSTER order-book row before the first message (same width as ``rows``); None:
        an empty book.
    models : tuple
        Non-empty tuple of ``(queue model, exponent)`` pairs: the model one of
        :data:`QUEUE_MODELS`, the exponent > 0 (used by ``"power"`` only).
    touch : bool
        True: join the best bid and ask; False: ``grid_quoter(0.5)``.
    order_size : int
        Shares per order, ≥ 1.
    max_inventory : int
        Bound on |position| (shares), ≥ 0.
    decision_interval : float
        Seconds between quoting decisions, in [10⁻⁶, 3600].
    feed_latency, entry_latency, response_latency : float
        Constant latencies in seconds, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per (model, exponent, engine): ``model``, ``power``, ``engine`` (``"mslab"``
        or ``"hftbacktest"``), ``fills``, ``volume`` (shares), ``position`` (shares) and
        ``cash`` ($, before fees: −Σ side·price·qty).

    Raises
    ------
    ValueError
        If a setting or the stream is invalid.
    RuntimeError
        If hftbacktest stops before the end of the data.
    ImportError
        If hftbacktest is not installed.
    """
    from mslab.orderbook.backtest import run_backtest
    from mslab.orderbook.experiments import join_best_quoter
    from mslab.orderbook.quoters import grid_quoter

    s = _settings(tick, models, touch, order_size, max_inventory, decision_interval,
                  feed_latency, entry_latency, response_latency)
    tick, models, touch, order_size, max_inventory, interval = (
        s["tick"], s["models"], s["touch"], s["order_size"], s["max_inventory"],
        s["decision_interval"])
    feed_latency, entry_latency, response_latency = (
        s["feed_latency"], s["entry_latency"], s["response_latency"])
    quoter = join_best_quoter() if touch else grid_quoter(0.5)
    ns = {name: round(s[name] * 1e9) for name in ("feed_latency", "entry_latency",
                                                  "response_latency")}
    events = hftbacktest_book_events(msgs, rows, tick, ns["feed_latency"], initial_book)
    out = []
    for model, power in models:
        ours = run_backtest(msgs, quoter, tick=tick, order_size=order_size,
                            max_inventory=max_inventory, queue_model=model,
                            queue_power=float(power), partial_fills=False, post_only=True,
                            feed_latency=feed_latency, entry_latency=entry_latency,
                            response_latency=response_latency,
                            decision_interval=interval, initial_book=initial_book, book=rows)
        f = ours.fills
        rc, position, n_trades, volume, balance = run_hftbacktest(
            events, tick, model, entry_ns=ns["entry_latency"],
            response_ns=ns["response_latency"], interval_ns=round(interval * 1e9),
            size=float(order_size), max_inventory=float(max_inventory), power=float(power),
            touch=touch)
        if rc != 1:
            raise RuntimeError(f"hftbacktest stopped with code {rc} before the end of the data")
        out += [dict(model=model, power=float(power), engine="mslab", fills=int(f.qty.size),
                     volume=float(f.qty.sum()), position=float(np.sum(f.side * f.qty)),
                     cash=float(-np.sum(f.side * f.price * f.qty))),
                dict(model=model, power=float(power), engine="hftbacktest", fills=int(n_trades),
                     volume=float(volume), position=float(position), cash=float(balance))]
    return pd.DataFrame(out)


def _settings(tick, models, touch, order_size, max_inventory, decision_interval, feed_latency,
              entry_latency, response_latency) -> dict:
    """The comparison's settings validated (``ValueError`` naming the parameter) and normalised
    to plain Python values: ``models`` a tuple of (model, float exponent) pairs."""
    tick = check_tick(tick)
    if not isinstance(touch, bool):
        _validate.fail("touch", touch, "True or False")
    allowed = f"a non-empty tuple of (model, exponent > 0) pairs, model one of {QUEUE_MODELS}"
    if not isinstance(models, tuple) or not models:
        _validate.fail("models", models, allowed)
    for model in models:
        if (not isinstance(model, tuple) or len(model) != 2 or not isinstance(model[0], str)
                or model[0] not in QUEUE_MODELS):
            _validate.fail("models", models, allowed)
        _validate.positive("models", model[1])
    return dict(tick=int(tick), touch=touch,
                models=tuple((m, float(p)) for m, p in models),
                order_size=_validate.integer("order_size", order_size, low=1),
                max_inventory=_validate.integer("max_inventory", max_inventory, low=0),
                decision_interval=_validate.real("decision_interval", decision_interval,
                                                 low=1e-6, high=3600.0),
                **{name: _validate.real(name, v, low=0.0, high=1.0) for name, v in
                   (("feed_latency", feed_latency), ("entry_latency", entry_latency),
                    ("response_latency", response_latency))})


ENGINE_COLUMNS = ("fills", "volume", "position", "cash")
"""What :func:`compare_with_hftbacktest` reports per engine."""


def input_fingerprint(msgs: Mapping[str, np.ndarray], rows: object,
                      initial_book: object = None) -> str:
    """``sha256:`` and 32 hex digits of the SHA-256 of every message column (name, dtype,
    values), the order-book rows and the initial book: equal inputs give equal fingerprints,
    any changed value another one.

    Parameters
    ----------
    msgs : dict
        Non-empty mapping of message column names to arrays.
    rows : numpy.ndarray
        The order-book rows.
    initial_book : numpy.ndarray or None
        The initial book row, or None.

    Returns
    -------
    str
        ``"sha256:"`` followed by 32 hexadecimal digits.

    Raises
    ------
    ValueError
        If ``msgs`` is not a non-empty mapping or a value is an object array.
    """
    if not isinstance(msgs, Mapping) or not msgs:
        _validate.fail("msgs", type(msgs).__name__, "a mapping of message columns to arrays")
    h = hashlib.sha256()
    parts = [(f"msgs.{name}", msgs[name]) for name in sorted(msgs)]
    parts += [("rows", rows), ("initial_book", initial_book)]
    for name, value in parts:
        if value is None:
            h.update(f"{name}:None".encode())
            continue
        a = np.ascontiguousarray(np.asarray(value))
        if a.dtype == object:
            _validate.fail(name, f"<array of {a.dtype}>", "a numeric array")
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return "sha256:" + h.hexdigest()[:32]


def peer_version() -> str:
    """The code version that enters a cached comparison's key: hftbacktest's version and a hash
    of the order-book engine's source files (any change to them computes the comparison
    again).

    Returns
    -------
    str
        ``"hftbacktest X.Y.Z; mslab.orderbook <16 hex digits>"``: the hash covers every
        ``.py`` file of :mod:`mslab.orderbook`.

    Raises
    ------
    ImportError
        If hftbacktest is not installed.
    """
    from importlib.metadata import version

    require_hftbacktest()
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return f"hftbacktest {version('hftbacktest')}; mslab.orderbook {h.hexdigest()[:16]}"


@dataclass(frozen=True)
class PeerComparisonTask:
    """One queue model of :func:`compare_with_hftbacktest` as a sweep task
    (``task(params, instrument, split)``, :mod:`mslab.sweeps`): ``params`` holds the settings,
    the task the stream. Returns each engine's fills, volume, position and cash
    (``mslab_fills``, ..., ``hftbacktest_cash``) and ``computed_at`` (UTC, to the minute).

    Attributes
    ----------
    msgs : dict
        The LOBSTER message columns.
    rows : numpy.ndarray
        The order-book rows, int64 (n, 4·levels).
    initial_book : numpy.ndarray or None
        The book before the first message, or None (empty).
    """

    msgs: Mapping[str, np.ndarray]
    rows: np.ndarray
    initial_book: np.ndarray | None

    def __call__(self, params: Mapping[str, object], instrument: str, split: str) -> dict:
        kw = {k: v for k, v in params.items() if k not in ("tick", "queue_model", "queue_power")}
        table = compare_with_hftbacktest(
            self.msgs, self.rows, params["tick"], initial_book=self.initial_book,
            models=((params["queue_model"], params["queue_power"]),), **kw)
        out = {f"{row['engine']}_{c}": row[c] for _, row in table.iterrows()
               for c in ENGINE_COLUMNS}
        out["computed_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return out


def cached_comparison(table: str | Path, msgs: Mapping[str, np.ndarray], rows: object,
                      tick: int, *, initial_book: object = None,
                      models: tuple = (("risk_averse", 2.0),), touch: bool = True,
                      order_size: int = 100, max_inventory: int = 1000,
                      decision_interval: float = 0.1, feed_latency: float = 0.001,
                      entry_latency: float = 0.001,
                      response_latency: float = 0.001) -> pd.DataFrame:
    """:func:`compare_with_hftbacktest` (same arguments and rows) through the experiments table
    ``table`` (a Parquet file, :func:`mslab.sweeps.run_sweep`): each queue model is one task
    keyed on the inputs' :func:`input_fingerprint`, the settings and :func:`peer_version`, so a
    re-run with the same data, parameters and code reads the rows back instead of running both
    engines again (hftbacktest's quoter cannot be cached by numba and is compiled at every
    run), and anything else computes and appends them. The results are deterministic: a
    reused row is the row a new computation would give.

    Parameters
    ----------
    table : str or os.PathLike
        Path of the experiments table (Parquet), created if missing.
    msgs : dict
        The LOBSTER message columns ``time`` (seconds), ``type``, ``size``, ``price``
        (dollars × 10 000) and ``direction``, as :func:`~mslab.orderbook.run_backtest` takes
        them.
    rows : numpy.ndarray
        The order-book file's rows, shape (n, 4·levels), in LOBSTER units.
    tick : int
        The price grid in LOBSTER units (100 = one cent).
    initial_book : numpy.ndarray or None
        The LOBSTER order-book row before the first message (same width as ``rows``); None:
        an empty book.
    models : tuple
        Non-empty tuple of ``(queue model, exponent)`` pairs: the model one of
        :data:`QUEUE_MODELS`, the exponent > 0 (used by ``"power"`` only).
    touch : bool
        True: join the best bid and ask; False: ``grid_quoter(0.5)``.
    order_size : int
        Shares per order, ≥ 1.
    max_inventory : int
        Bound on |position| (shares), ≥ 0.
    decision_interval : float
        Seconds between quoting decisions, in [10⁻⁶, 3600].
    feed_latency, entry_latency, response_latency : float
        Constant latencies in seconds, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`compare_with_hftbacktest`, plus ``computed_at`` (when the row
        was computed, UTC, to the minute) and ``cached`` (True if it was read back from the
        table rather than computed by this call).

    Raises
    ------
    ValueError
        If ``table`` is not a path, or a setting or the stream is invalid.
    RuntimeError
        If hftbacktest stops before the end of the data.
    ImportError
        If hftbacktest is not installed.
    """
    from mslab.sweeps import read_table, run_sweep

    if not isinstance(table, (str, os.PathLike)):
        _validate.fail("table", table, "the path of a Parquet file (str or os.PathLike)")
    s = _settings(tick, models, touch, order_size, max_inventory, decision_interval,
                  feed_latency, entry_latency, response_latency)
    m = message_arrays(msgs, s["tick"])
    arr = book_rows(rows, m.n, s["tick"], "rows")
    init = None
    if initial_book is not None:
        initial_levels(initial_book, s["tick"])  # validates
        init = np.asarray(initial_book, dtype=np.int64).ravel()
    common = {k: v for k, v in s.items() if k != "models"}
    configs = [dict(queue_model=model, queue_power=power, **common) for model, power in s["models"]]
    fingerprint = input_fingerprint(msgs, arr, init)
    known = set(read_table(table)["key"]) if Path(table).is_file() else set()
    done = run_sweep(PeerComparisonTask(msgs, arr, init), configs, instruments=[fingerprint],
                     splits=["all"], table=table, version=peer_version(),
                     name="mslab.orderbook.peer.compare_with_hftbacktest", n_workers=1,
                     progress=False)
    out = [dict(model=row["queue_model"], power=float(row["queue_power"]), engine=engine,
                **{c: row[f"{engine}_{c}"] for c in ENGINE_COLUMNS},
                computed_at=row["computed_at"], cached=row["key"] in known)
           for _, row in done.iterrows() for engine in ("mslab", "hftbacktest")]
    frame = pd.DataFrame(out)
    frame["fills"] = frame["fills"].astype(int)
    return frame
