"""Tests of mslab.orderbook.book (price-level book replayed from LOBSTER messages)."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from mslab.orderbook import crossing_state, replay_lobster
from mslab.orderbook.book import CROSSED, LOCKED, NORMAL

from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID

TICK = 100  # one cent in LOBSTER units


def stream(rows):
    """Messages from (time, type, size, price, direction) tuples (price in LOBSTER units)."""
    t, k, s, p, d = (np.array(c) for c in zip(*rows))
    return {"time": t.astype(float), "type": k, "order_id": np.arange(len(rows)), "size": s,
            "price": p, "direction": d}


def reference_replay(messages, levels):
    """Independent pure-Python replay: a dict {price: size} per side."""
    book = {1: {}, -1: {}}
    out = []
    for k, s, p, d in zip(messages["type"], messages["size"], messages["price"],
                          messages["direction"]):
        k, s, p, d = int(k), int(s), int(p), int(d)
        if 1 <= k <= 4:
            side = book[d]
            side[p] = side.get(p, 0) + (s if k == 1 else -s)
            if side[p] <= 0:
                del side[p]
        asks = heapq.nsmallest(levels, book[-1].items())
        bids = heapq.nlargest(levels, book[1].items())
        row = []
        for lev in range(levels):
            row += list(asks[lev]) if lev < len(asks) else [DUMMY_ASK, 0]
            row += list(bids[lev]) if lev < len(bids) else [DUMMY_BID, 0]
        out.append(row)
    return np.array(out, dtype=np.int64)


def random_stream(n, seed, spread_ticks=2000, extra_types=True):
    """A consistent random stream (sizes never exceed the level), with many levels, far-away
    stub quotes and, optionally, hidden executions, cross trades and halts."""
    rng = np.random.default_rng(seed)
    book = {1: {}, -1: {}}
    rows = []
    for i in range(n):
        d = 1 if rng.random() < 0.5 else -1
        side = book[d]
        u = rng.random()
        if side and u < 0.4:
            p = int(rng.choice(list(side)))
            k = int(rng.choice([2, 3, 4]))
            s = side[p] if k == 3 else int(rng.integers(1, side[p] + 1))
            side[p] -= s
            if side[p] == 0:
                del side[p]
        elif extra_types and u < 0.45:
            k, s, p = int(rng.choice([5, 6, 7])), 7, int(rng.integers(1, 10**6)) * 50
        else:
            k, s = 1, int(rng.integers(1, 500))
            if rng.random() < 0.01:  # stub quotes far from the market: $0.01 or $200 000
                p = 1 if d == 1 else 200_000_00
            else:
                off = int(rng.integers(1, spread_ticks))
                p = 50_000 - off if d == 1 else 50_000 + off
            p *= TICK
            side[p] = side.get(p, 0) + s
        rows.append((i * 1e-3, k, s, p, d))
    return stream(rows)


def test_hand_worked_sequence():
    msgs = stream([
        (34200.0, 1, 100, 1_000_000, 1),    # bid 100 @ $100.00
        (34200.1, 1, 50, 1_000_200, -1),    # ask 50 @ $100.02
        (34200.2, 1, 30, 999_900, 1),       # bid 30 @ $99.99 (level 2)
        (34200.3, 1, 20, 1_000_100, -1),    # ask 20 @ $100.01 (new best ask)
        (34200.4, 2, 40, 1_000_000, 1),     # partial cancel: best bid 100 -> 60
        (34200.5, 4, 20, 1_000_100, -1),    # execution empties the best ask
        (34200.6, 5, 10, 1_000_050, -1),    # hidden execution: book unchanged
        (34200.7, 3, 60, 1_000_000, 1),     # deletion empties the best bid
    ])
    rows = replay_lobster(msgs, levels=2, tick=TICK)
    A, B = DUMMY_ASK, DUMMY_BID
    expected = np.array([
        # ask1        ask1 sz  bid1       bid1 sz  ask2       ask2 sz  bid2     bid2 sz
        [A, 0, 1_000_000, 100, A, 0, B, 0],
        [1_000_200, 50, 1_000_000, 100, A, 0, B, 0],
        [1_000_200, 50, 1_000_000, 100, A, 0, 999_900, 30],
        [1_000_100, 20, 1_000_000, 100, 1_000_200, 50, 999_900, 30],
        [1_000_100, 20, 1_000_000, 60, 1_000_200, 50, 999_900, 30],
        [1_000_200, 50, 1_000_000, 60, A, 0, 999_900, 30],
        [1_000_200, 50, 1_000_000, 60, A, 0, 999_900, 30],
        [1_000_200, 50, 999_900, 30, A, 0, B, 0],
    ])
    np.testing.assert_array_equal(rows, expected)
    assert rows.dtype == np.int64


def test_types_5_6_7_leave_the_visible_book_unchanged():
    msgs = stream([(1.0, 1, 10, 500, 1), (1.0, 1, 10, 700, -1), (2.0, 5, 3, 650, -1),
                   (3.0, 6, 1000, 600, 1), (4.0, 7, 0, -1, -1)])
    rows = replay_lobster(msgs, levels=1, tick=TICK)
    assert all(np.array_equal(rows[i], rows[1]) for i in (2, 3, 4))


@pytest.mark.parametrize("levels", [1, 3, 10])
def test_matches_independent_reference_replayer(levels):
    msgs = random_stream(6000, seed=levels)
    np.testing.assert_array_equal(replay_lobster(msgs, levels, TICK),
                                  reference_replay(msgs, levels))


def test_deep_books_over_a_wide_price_range():
    """Over a thousand levels per side (binary search, growth of the level arrays beyond their
    initial 256) and stub quotes seven orders of magnitude apart."""
    msgs = random_stream(6000, seed=7, spread_ticks=5000, extra_types=False)
    assert {100, 200_000_00 * TICK} <= set(msgs["price"].tolist())
    np.testing.assert_array_equal(replay_lobster(msgs, 20, TICK), reference_replay(msgs, 20))


def test_matches_the_synthetic_generator_book():
    synthetic = pytest.importorskip("mslab.orderbook.cst_flow")
    params = synthetic.CSTParams(k=1.9, alpha=0.52, mu=0.94, theta=0.2, mean_lots=2.0,
                                 partial_cancel=0.3)
    flow = synthetic.simulate_cst(params, duration=300.0, levels=10, seed=3)
    np.testing.assert_array_equal(replay_lobster(flow.messages(), 10, flow.tick), flow.book)


def test_initial_book_continues_a_replay():
    msgs = random_stream(3000, seed=11, spread_ticks=30, extra_types=False)
    full = replay_lobster(msgs, 60, TICK)  # 60 levels hold the whole book here
    assert (full[:, -1] == 0).all() and (full[:, -3] == 0).all()
    k = 1500
    tail = {name: col[k:] for name, col in msgs.items()}
    np.testing.assert_array_equal(replay_lobster(tail, 60, TICK, initial_book=full[k - 1]),
                                  full[k:])


def test_inconsistent_stream_raises_or_clamps():
    msgs = stream([(0.0, 1, 10, 500, 1), (1.0, 3, 15, 500, 1), (2.0, 2, 5, 600, -1)])
    with pytest.raises(ValueError, match=r"^messages=.*message 1 \(type 3"):
        replay_lobster(msgs, 1, TICK)
    rows = replay_lobster(msgs, 1, TICK, strict=False)
    np.testing.assert_array_equal(rows[1:], [[DUMMY_ASK, 0, DUMMY_BID, 0]] * 2)


def test_accepts_dataframes_and_structured_arrays():
    pd = pytest.importorskip("pandas")
    msgs = random_stream(500, seed=2)
    expected = replay_lobster(msgs, 2, TICK)
    np.testing.assert_array_equal(replay_lobster(pd.DataFrame(msgs), 2, TICK), expected)
    rec = np.rec.fromarrays([msgs[c] for c in msgs], names=list(msgs))
    small = {c: msgs[c].astype(np.int32) if c != "time" else msgs[c] for c in msgs}
    np.testing.assert_array_equal(replay_lobster(rec, 2, TICK), expected)
    np.testing.assert_array_equal(replay_lobster(small, 2, TICK), expected)


def test_crossing_state():
    rows = np.array([
        [1_000_100, 5, 1_000_000, 5],  # normal
        [1_000_000, 5, 1_000_000, 5],  # locked
        [999_900, 5, 1_000_000, 5],    # crossed
        [DUMMY_ASK, 0, 1_000_000, 5],  # one-sided
    ])
    np.testing.assert_array_equal(crossing_state(rows), [NORMAL, LOCKED, CROSSED, NORMAL])
    np.testing.assert_array_equal(crossing_state(rows[2]), [CROSSED])
    replayed = replay_lobster(random_stream(2000, seed=5), 3, TICK)
    assert (crossing_state(replayed) == NORMAL).sum() > 0


BASE = [(0.0, 1, 10, 500, 1), (1.0, 1, 10, 700, -1)]


def _with(**changes):
    msgs = stream(BASE)
    msgs.update(changes)
    return msgs


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"messages": _with(price=np.array([550, 700]))}, "price"),
        ({"messages": _with(price=np.array([0, 700]))}, "price"),
        ({"messages": _with(size=np.array([0, 10]))}, "size"),
        ({"messages": _with(direction=np.array([0, -1]))}, "direction"),
        ({"messages": _with(type=np.array([1, 9]))}, "type"),
        ({"messages": _with(time=np.array([2.0, 1.0]))}, "time"),
        ({"messages": _with(time=np.array([np.nan, 1.0]))}, "time"),
        ({"messages": _with(time=np.array([], float))}, "time"),
        ({"messages": _with(size=np.array([1.5, 10]))}, "size"),
        ({"messages": _with(size=np.array([10, 10, 10]))}, "size"),
        ({"messages": {"time": np.zeros(2)}}, "messages"),
        ({"levels": 0}, "levels"),
        ({"levels": 2.0}, "levels"),
        ({"tick": 0}, "tick"),
        ({"strict": 1}, "strict"),
        ({"initial_book": np.array([1, 2, 3])}, "initial_book"),
        ({"initial_book": np.array([550, 5, 400, 5])}, "initial_book"),
        ({"initial_book": np.array([600, 5, 400, 5, 600, 3, 300, 1])}, "initial_book"),
    ],
)
def test_replay_rejects_bad_input(kwargs, name):
    args = {"messages": stream(BASE), "levels": 1, "tick": TICK, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}=") as err:
        replay_lobster(**args)
    assert "must be" in str(err.value)


def test_crossing_state_rejects_bad_rows():
    with pytest.raises(ValueError, match=r"^rows="):
        crossing_state(np.zeros((3, 5), np.int64))
    with pytest.raises(ValueError, match=r"^rows="):
        crossing_state(np.zeros((3, 4)))


def test_book_file_check_on_a_synthetic_stream():
    """check_book_file on a stream and its own replay: all consistent; types 5–7 must leave the
    row unchanged; a shallow file reveals levels from beyond its depth, and only those."""
    from mslab.orderbook.book import CONSISTENT, INCONSISTENT, REVEALED, check_book_file
    msgs = random_stream(3000, seed=7, spread_ticks=50)
    deep = replay_lobster(msgs, 100, TICK)
    assert np.all(deep[:, -1] == 0)
    assert np.all(check_book_file(msgs, deep, TICK).status[1:] == CONSISTENT)
    shallow = replay_lobster(msgs, 2, TICK)
    check = check_book_file(msgs, shallow, TICK)
    assert check.inconsistent == 0 and check.revealed > 0
    revealed = np.flatnonzero(check.status == REVEALED)
    assert np.all(np.isin(msgs["type"][revealed], (2, 3, 4)))
    moved = np.flatnonzero(np.isin(msgs["type"], (5, 6, 7)))[5]
    bad = deep.copy()
    bad[moved:, 1] += 1  # the file's best ask grows on a hidden execution, cross or halt
    assert check_book_file(msgs, bad, TICK).first_inconsistent == moved
    assert check_book_file(msgs, bad, TICK).status[moved] == INCONSISTENT
