"""The peer-library harness shared by the order-book benchmark and the agreement test.

``benchmarks/bench_orderbook.py`` times, and ``tests/test_orderbook_backtest.py`` checks,
:func:`mslab.orderbook.run_backtest` against hftbacktest's ``HashMapMarketDepthBacktest`` on
the same LOBSTER-style stream. This module holds the one implementation both use:

* :func:`hftbacktest_events`: the message stream as hftbacktest events;
* :func:`join_best`: ``grid_quoter(0.5)`` (join the best bid and ask) written for hftbacktest;
* :func:`run_hftbacktest`: build the asset and the backtest, and run the quoter.

hftbacktest is imported lazily, inside the functions that need it, so this module imports
without it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from mslab.orderbook.messages import PRICE_SCALE
from numba import njit


def hftbacktest_events(msgs: dict[str, np.ndarray], feed_ns: int) -> np.ndarray:
    """The stream as hftbacktest events: a trade event for each print (types 4 and 5), then a
    depth event with the level's new size for each visible change (types 1-4). Prices are in
    LOBSTER units (dollars x 10,000), times in seconds; events reach us ``feed_ns`` later.

    hftbacktest reads the returned array's memory: keep it alive while a backtest uses it."""
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
    """The jitted quoter ``join_best(bt, interval, size, max_inv, tick) -> (rc, position,
    num_trades, trading_volume, balance)``: every ``interval`` ns, bid floor(mid − 0.5) and
    ask ceil(mid + 0.5) (in ticks), post-only, ``size`` shares, keeping position plus open
    orders within ±``max_inv``; rc is the code that ended ``elapse`` (1: end of data)."""
    from hftbacktest.order import BUY, GTX, LIMIT

    @njit
    def join_best(bt, interval, size, max_inv, tick):
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
                    partial: bool = False) -> tuple[int, float, int, float, float]:
    """Run :func:`join_best` in a ``HashMapMarketDepthBacktest`` over ``events`` (from
    :func:`hftbacktest_events`) with a ``tick`` in LOBSTER units, constant order latencies,
    the queue model ``model`` ("risk_averse", "power" with exponent ``power``, or "log") and
    a partial- or no-partial-fill exchange. Returns (rc, position, num_trades,
    trading_volume, balance)."""
    import hftbacktest as hbt
    asset = (hbt.BacktestAsset().data(events).linear_asset(1.0)
             .constant_order_latency(entry_ns, response_ns).tick_size(tick / PRICE_SCALE)
             .lot_size(1.0))
    asset = {"risk_averse": asset.risk_adverse_queue_model,
             "power": lambda: asset.power_prob_queue_model(power),
             "log": asset.log_prob_queue_model}[model]()
    asset = asset.partial_fill_exchange() if partial else asset.no_partial_fill_exchange()
    return join_best()(hbt.HashMapMarketDepthBacktest([asset]), interval_ns, size,
                       max_inventory, tick / PRICE_SCALE)
