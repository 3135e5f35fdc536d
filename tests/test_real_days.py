"""The order-book replay and backtest on the shipped real LOBSTER days (AMZN and AAPL level 1,
the 10-level AAPL 999-message sample), read from their Parquet copies: every message takes
the file's previous row to its row (apart from levels revealed from beyond the file's depth),
the backtest's book in book-file mode is the file's at every message, and a market maker runs
on each whole day with its accounting invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mslab.orderbook import grid_quoter, replay_lobster, run_backtest
from mslab.orderbook.book import (
    ASK,
    CONSISTENT,
    INCONSISTENT,
    REVEALED,
    UNCHECKED,
    check_book_file,
    load_row,
    message_delta,
    new_book,
    replay_divergence,
    side_of,
    update_level,
    write_row,
)
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, message_arrays
from mslab.orderbook.quoters import QUOTER_SIGNATURE, custom_quoter
from numba import njit

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"
TICK = 100
DAYS = ["AMZN_2012-06-21_34200000_57600000_{}_1", "AAPL_2012-06-21_34200000_57600000_{}_1",
        "AAPL_2012-06-21_34200000_57600000_{}_10"]


def day(name):
    messages = pd.read_parquet(DATA / f"{name.format('message')}.parquet")
    rows = pd.read_parquet(DATA / f"{name.format('orderbook')}.parquet")
    return messages, rows.to_numpy(np.int64)


def python_check(messages, rows):
    """Independent plain-Python check: (consistent, revealed, inconsistent) message indices
    from 1 on, applying message i to a dict book built from row i − 1."""
    levels = rows.shape[1] // 4
    out = ([], [], [])
    cols = zip(messages["type"].to_numpy(), messages["size"].to_numpy(),
               messages["price"].to_numpy(), messages["direction"].to_numpy())
    next(cols)
    for i, (k, s, p, d) in enumerate(cols, start=1):
        prev = rows[i - 1]
        book = {-1: {int(prev[4 * lv]): int(prev[4 * lv + 1]) for lv in range(levels)
                     if prev[4 * lv + 1] > 0},
                1: {int(prev[4 * lv + 2]): int(prev[4 * lv + 3]) for lv in range(levels)
                    if prev[4 * lv + 3] > 0}}
        if 1 <= k <= 4:
            side = book[int(d)]
            side[int(p)] = side.get(int(p), 0) + (int(s) if k == 1 else -int(s))
            if side[int(p)] <= 0:
                del side[int(p)]
        want = {-1: [(int(rows[i, 4 * lv]), int(rows[i, 4 * lv + 1])) for lv in range(levels)
                     if rows[i, 4 * lv + 1] > 0],
                1: [(int(rows[i, 4 * lv + 2]), int(rows[i, 4 * lv + 3]))
                    for lv in range(levels) if rows[i, 4 * lv + 3] > 0]}
        got = {-1: sorted(book[-1].items())[:levels],
               1: sorted(book[1].items(), reverse=True)[:levels]}
        if got == want:
            out[0].append(i)
            continue
        side = int(d)
        other_ok = got[-side] == want[-side]
        revealed = (2 <= k <= 4 and other_ok and len(got[side]) == levels - 1
                    and len(want[side]) == levels and want[side][:-1] == got[side]
                    and (want[side][-1][0] > p if side == -1 else want[side][-1][0] < p))
        out[1 if revealed else 2].append(i)
    return out


@pytest.mark.parametrize("name", DAYS)
def test_each_message_takes_the_previous_row_to_its_row(name):
    messages, rows = day(name)
    check = check_book_file(messages, rows, TICK)
    consistent, revealed, inconsistent = python_check(messages, rows)
    assert check.status[0] == UNCHECKED
    np.testing.assert_array_equal(np.flatnonzero(check.status == CONSISTENT), consistent)
    np.testing.assert_array_equal(np.flatnonzero(check.status == REVEALED), revealed)
    # the only exceptions over the whole day are levels revealed from beyond the depth
    assert inconsistent == [] and check.inconsistent == 0 and check.first_inconsistent == -1
    assert check.revealed == len(revealed) > 0
    assert check.revealed + len(consistent) == len(messages) - 1


def test_a_corrupted_row_is_found():
    messages, rows = day(DAYS[2])
    bad = rows.copy()
    bad[500, 3] += 1  # one more share at the best bid after message 500
    check = check_book_file(messages, bad, TICK)
    assert check.first_inconsistent == 500
    assert set(np.flatnonzero(check.status == INCONSISTENT)) <= {500, 501}
    with_start = check_book_file(messages, rows, TICK, initial_book=rows[0])
    assert with_start.status[0] == INCONSISTENT  # row 0 is the book after message 0


@pytest.mark.parametrize("name", DAYS)
def test_replay_from_messages_alone_diverges_and_says_where(name):
    messages, rows = day(name)
    div = replay_divergence(messages, rows, TICK)
    assert div.n == len(messages) and 0 <= div.first_row < div.n and div.rows > 0
    # a book replayed from the messages is, of course, where that replay does not diverge
    rest = messages.iloc[1:]
    own = replay_lobster(rest, 3, TICK, initial_book=rows[0], strict=False)
    same = replay_divergence(rest, own, TICK, initial_book=rows[0])
    assert (same.first_row, same.rows, same.n) == (-1, 0, div.n - 1)


def test_the_book_loaded_from_a_row_is_the_row():
    messages, rows = day(DAYS[2])
    keys, qtys, counts = new_book()
    out = np.zeros((1, rows.shape[1]), np.int64)
    live = rows.copy()
    for pcol, dummy in ((0, DUMMY_ASK), (2, DUMMY_BID)):
        live[:, pcol::4][live[:, pcol + 1::4] == 0] = dummy
    for r in range(rows.shape[0]):
        load_row(rows, r, TICK, keys, qtys, counts)
        write_row(keys, qtys, counts, TICK, out, 0)
        np.testing.assert_array_equal(out[0], live[r])


@njit(QUOTER_SIGNATURE)
def record_top(view, params, orders, quotes):
    """Quote nothing; record the top of book of each decision in params[1 + 4c ...]."""
    c = int(params[0])
    if 1 + 4 * c + 3 < params.size:
        params[1 + 4 * c] = view.best_ask
        params[2 + 4 * c] = view.ask_qty
        params[3 + 4 * c] = view.best_bid
        params[4 + 4 * c] = view.bid_qty
    params[0] = c + 1


@pytest.mark.parametrize("name", DAYS)
def test_the_backtest_sees_the_files_book_at_every_message(name):
    messages, rows = day(name)
    n = len(messages)
    quoter = custom_quoter(record_top, np.zeros(1 + 4 * n))
    run_backtest(messages, quoter, tick=TICK, book=rows, decision_events=1,
                 sample_interval=60.0, max_inventory=0)
    # decision e sees the last message at the time of message e; it is made when both sides
    # of the book are known
    t = message_arrays(messages, TICK).time_ns
    last = np.searchsorted(t, t, side="right") - 1
    top = rows[last, :4]
    top = top[(top[:, 1] > 0) & (top[:, 3] > 0)]
    seen = quoter.params[1:1 + 4 * top.shape[0]].reshape(-1, 4)
    assert int(quoter.params[0]) == top.shape[0]
    np.testing.assert_array_equal(seen * [TICK, 1, TICK, 1], top)


@pytest.mark.parametrize("name", DAYS)
@pytest.mark.parametrize("model", ["risk_averse", "power"])
def test_a_market_maker_runs_on_the_whole_real_day(name, model):
    messages, rows = day(name)
    r = run_backtest(messages, grid_quoter(0.5), tick=TICK, book=rows, queue_model=model,
                     order_size=100, max_inventory=300, decision_interval=1.0,
                     sample_interval=10.0, feed_latency=0.001, entry_latency=0.002,
                     response_latency=0.001, maker_fee=-0.0002, taker_fee=0.0003)
    f = r.fills
    assert f.qty.size > 0
    for a in (r.equity, r.cash, r.fees, f.price, f.fee):
        assert np.all(np.isfinite(a))
    np.testing.assert_allclose(r.equity, r.cash + r.inventory * np.nan_to_num(r.mid), atol=1e-6)
    cum = np.cumsum(f.side * f.qty)
    np.testing.assert_array_equal(
        np.concatenate([[0], cum])[np.searchsorted(f.time, r.times + 1e-12, side="right")],
        r.inventory)
    rate = np.where(f.maker, -0.0002, 0.0003)
    np.testing.assert_allclose(f.fee, rate * f.price * f.qty, rtol=1e-12)
    assert r.cash[-1] == pytest.approx(-np.sum(f.side * f.price * f.qty) - f.fee.sum(),
                                       abs=1e-6)
    assert np.abs(cum).max() <= 300
    # fills happen only at prices the file's book showed (makers) or took (takers)
    assert np.all(np.round(f.price * 10_000) % TICK == 0)


def engine_check(messages, rows):
    """Reference statuses from the book engine: row i − 1 loaded into a book
    (:func:`load_row`), message i applied with :func:`update_level`, the top levels written
    with :func:`write_row` and compared with row i (the check's rule, stated once more)."""
    m = message_arrays(messages, TICK)
    levels, width = rows.shape[1] // 4, rows.shape[1]
    status = [UNCHECKED]
    for i in range(1, m.n):
        keys, qtys, counts = new_book()
        load_row(rows, i - 1, TICK, keys, qtys, counts)
        delta = message_delta(m.type[i], m.size[i])
        side = side_of(m.direction[i])
        if delta:
            update_level(keys, qtys, counts, side, m.price_tick[i], delta)
        got = np.zeros((1, width), np.int64)
        write_row(keys, qtys, counts, TICK, got, 0)
        got, want = got[0].reshape(levels, 2, 2), rows[i].reshape(levels, 2, 2)  # level, side
        differ = [(lev, s) for lev in range(levels) for s in range(2)
                  if (got[lev, s, 1] or want[lev, s, 1])
                  and tuple(got[lev, s]) != tuple(want[lev, s])]
        if not differ:
            status.append(CONSISTENT)
            continue
        s = 0 if side == ASK else 1
        price, (p, q) = m.price_tick[i] * TICK, want[-1, s]
        revealed = (delta < 0 and differ == [(levels - 1, s)] and got[-1, s, 1] == 0 and q > 0
                    and (p > price if s == 0 else p < price))
        status.append(REVEALED if revealed else INCONSISTENT)
    return np.array(status)


@pytest.mark.parametrize("name, n", [(DAYS[0], 6000), (DAYS[2], 999)])
def test_the_check_agrees_with_the_book_engine_on_corrupted_messages(name, n):
    """Sizes, prices, sides and types changed at random: every status, including the
    inconsistent and revealed ones, is the book engine's."""
    messages, rows = day(name)
    m = {c: messages[c].to_numpy()[:n].copy() for c in messages.columns}
    rng = np.random.default_rng(7)
    for col, change in (("size", lambda v: np.maximum(v + rng.integers(-150, 150, v.size), 1)),
                        ("price", lambda v: v + TICK * rng.integers(-3, 4, v.size)),
                        ("direction", lambda v: -v),
                        ("type", lambda v: rng.integers(1, 6, v.size))):
        at = rng.choice(n, n // 15, replace=False)
        m[col][at] = change(m[col][at])
    status = check_book_file(m, rows[:n], TICK).status
    np.testing.assert_array_equal(status, engine_check(m, rows[:n]))
    assert {CONSISTENT, REVEALED, INCONSISTENT} <= set(status.tolist())
