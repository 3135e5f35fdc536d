"""Throughput of the order-book replay and backtest, against plain Python and hftbacktest.

On one synthetic LOBSTER stream (the Cont–Stoikov–Talreja generator of
:mod:`mslab.orderbook.cst_flow`, or a small self-made flow if it is missing):

1. ``replay_lobster`` (10 and 1 levels) in book events per second, end to end and for the
   kernel alone (output array allocated beforehand), against a plain-Python dict replay;
2. ``run_backtest`` with a join-the-best grid quoter at several decision intervals;
3. hftbacktest 2.4.4 (``HashMapMarketDepthBacktest`` fed the same stream as depth and trade
   events) running the same quoter with the same latencies, post-only orders and no partial
   fills, for each queue model both implement: events per second, their ratio, and agreement
   of fills, traded volume, position and cash. The two are timed in alternation, best of
   ``ROUNDS`` each, so a busy machine slows both alike. Each timing is the whole call: ours
   validates the messages and runs the kernel; hftbacktest builds its asset and backtest from
   the prepared event array (the conversion to events is not timed) and runs the quoter.

Then whole days (4.), on the shipped real level-1 days (AMZN, AAPL 2012-06-21) and on a
synthetic 10-level day of Cont–Stoikov–Talreja flow (``DAY_HOURS`` hours: the data ships only
a 998-message 10-level sample), each as a LOBSTER CSV pair and a Parquet pair (the real days'
shipped copies; the synthetic day written as they are) in a temporary directory. Ours:
``load_lobster`` (parse and check both files, from Parquet and from CSV), ``replay_lobster``
at the file's depth (not strict) and ``check_book_file`` (every message against the order-book
file). Plain Python: the CSV pair read with the csv module, the dict replay and a row-by-row
check; its rows and statuses must equal ours. Printed: (a) replay + check of the loaded day,
(b) the whole job from the CSV pair, (c) ours from the Parquet pair against plain Python from
the CSV pair. ``python benchmarks/bench_orderbook.py whole-days`` runs this part only.

Everything is single-threaded (the kernels are not parallel; Arrow's thread pool is set to
one thread for the whole days); rates are the best of several
runs (events = LOBSTER messages). Run with ``python benchmarks/bench_orderbook.py``
(hftbacktest is optional).
"""

from __future__ import annotations

import csv
import heapq
import os
import sys
import tempfile
import time
from array import array
from pathlib import Path

import numpy as np
import pyarrow as pa
from mslab.data.lobster import (MESSAGE_COLUMNS, PARQUET_TYPES, book_columns, load_lobster,
                                write_lobster)
from mslab.data.parquet import write_parquet as write_shipped_parquet
from mslab.orderbook import book as _book
from mslab.orderbook import check_book_file, grid_quoter, replay_lobster, run_backtest
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID, message_arrays
from peers import hftbacktest_events, run_hftbacktest
from timing import best_time

HOURS = 4.0
DAY_HOURS = 2.5  # the synthetic 10-level day: about 400,000 messages
ROUNDS = 5  # alternating timings of mslab and hftbacktest
REPO = Path(__file__).resolve().parents[1]
REAL_DAYS = ("AMZN", "AAPL")  # data/lobster/{ticker}_2012-06-21_34200000_57600000_*_1.parquet
FEED, ENTRY, RESPONSE = 1_000_000, 2_000_000, 1_000_000  # latencies, ns
INTERVAL = 100_000_000  # decision interval, ns


def cst_flow(hours: float):
    """A Cont–Stoikov–Talreja flow of ``hours`` with its 10-level order-book rows."""
    from mslab.orderbook.cst_flow import CSTParams, simulate_cst
    params = CSTParams(k=1.9, alpha=0.52, mu=0.94, theta=0.2, max_distance=10, lot=100,
                       mean_lots=2.0, partial_cancel=0.3)
    return simulate_cst(params, duration=hours * 3600.0, levels=10, seed=1)


def synthetic_stream(hours: float) -> tuple[dict[str, np.ndarray], int, str]:
    """(messages, tick, description)."""
    try:
        flow = cst_flow(hours)
    except ImportError:
        return self_made_stream(int(hours * 45_000)), 100, "self-made random flow"
    return flow.messages(), flow.tick, f"Cont-Stoikov-Talreja flow, {hours:g} h"


def self_made_stream(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Limit orders near the best, cancellations and market orders walking up to two levels."""
    rng = np.random.default_rng(seed)
    book = {1: {999 - i: 300 for i in range(8)}, -1: {1000 + i: 300 for i in range(8)}}
    rows = [(34200.0, 1, q, p, d) for d in (1, -1) for p, q in book[d].items()]
    t = 34200.0
    for _ in range(n):
        t += rng.exponential(0.02)
        d = 1 if rng.random() < 0.5 else -1
        side, opp = book[d], book[-d]
        best_opp = (min(opp) if d > 0 else max(opp)) if opp else 1000
        u = rng.random()
        if u < 0.45 or len(side) < 3:
            p = best_opp - d * int(rng.geometric(0.35))
            side[p] = side.get(p, 0) + 100
            rows.append((t, 1, 100, p, d))
        elif u < 0.85:
            p = sorted(side, reverse=d > 0)[int(rng.integers(min(5, len(side))))]
            q = side.pop(p)
            rows.append((t, 3, q, p, d))
        else:
            left = 100 * int(rng.integers(1, 6))
            for p in sorted(side, reverse=d > 0)[:2]:
                q = min(left, side[p])
                side[p] -= q
                left -= q
                if side[p] == 0:
                    del side[p]
                rows.append((t, 4, q, p, d))
                if left == 0:
                    break
    t, k, s, p, d = (np.array(c) for c in zip(*rows))
    return {"time": t, "type": k, "size": s, "price": p * 100, "direction": d}


def main(argv: list[str]) -> None:
    if argv != ["whole-days"]:
        compare_engines()
    whole_days()


def compare_engines() -> None:
    msgs, tick, what = synthetic_stream(HOURS)
    n = msgs["type"].size
    print(f"Order-book benchmark: {what}, {n:,} messages, one core "
          f"(of {len(os.sched_getaffinity(0))})")

    print("\nReplay (LOBSTER order-book rows after each message)")
    sub = {k: v[:100_000] for k, v in msgs.items()}
    py_rate = sub["type"].size / best_time(lambda: python_replay(sub, 10), repeats=1)
    msg = message_arrays(msgs, tick)
    init = _book.initial_levels(None, tick)
    for levels in (10, 1):
        replay_lobster(msgs, levels, tick)  # compile / load the cache
        rate = n / best_time(lambda: replay_lobster(msgs, levels, tick), repeats=5)
        rows = np.empty((n, 4 * levels), np.int64)
        kernel = n / best_time(lambda: _book._replay(msg.type, msg.size, msg.price_tick,
                                                     msg.direction, tick, *init, rows), repeats=5)
        print(f"  {levels:2d} levels: replay_lobster {rate / 1e6:6.2f} M events/s "
              f"({rate / py_rate:,.0f}x plain Python), kernel alone {kernel / 1e6:6.2f} M events/s")
    print(f"  plain Python (dict per side + heapq, 10 levels): {py_rate / 1e6:6.3f} M events/s")
    assert np.array_equal(replay_lobster(sub, 10, tick), python_replay(sub, 10))

    print("\nBacktest (join-the-best grid quoter, latencies 1/2/1 ms, risk-averse queue)")
    for interval in (60.0, 1.0, 0.1, 0.01):
        kw = dict(tick=tick, decision_interval=interval, feed_latency=FEED * 1e-9,
                  entry_latency=ENTRY * 1e-9, response_latency=RESPONSE * 1e-9)
        run_backtest(msgs, grid_quoter(0.5), **kw)
        dt = best_time(lambda: run_backtest(msgs, grid_quoter(0.5), **kw))
        r = run_backtest(msgs, grid_quoter(0.5), **kw)
        print(f"  decisions every {interval:5g} s: {n / dt / 1e6:6.2f} M events/s "
              f"({r.counts['decisions']:,} decisions, {r.fills.qty.size:,} fills)")

    try:
        import hftbacktest
    except ImportError:
        print("\nhftbacktest is not installed: comparison skipped")
        return
    print(f"\nAgainst hftbacktest {hftbacktest.__version__} (HashMapMarketDepthBacktest, same "
          f"stream, quoter, latencies; post-only, no partial fills; decisions every "
          f"{INTERVAL / 1e9:g} s;\n timed in alternation, best of {ROUNDS} rounds each; "
          "whole calls: mslab validates the messages and runs, hftbacktest builds its asset\n"
          " and backtest from the prepared events and runs)")
    on_grid = (msgs["type"] != 5) | (msgs["price"] % tick == 0)
    if not on_grid.all():  # hftbacktest rounds trade prices to ticks
        msgs = {k: v[on_grid] for k, v in msgs.items()}
        n = msgs["type"].size
    events = hftbacktest_events(msgs, FEED)
    hbt_kw = {"entry_ns": ENTRY, "response_ns": RESPONSE, "interval_ns": INTERVAL}
    run_hftbacktest(events, tick, "risk_averse", **hbt_kw)  # compile
    print(f"  {'queue model':12s} {'mslab M ev/s':>12s} {'hbt M ev/s':>11s} {'ratio':>6s}   "
          "fills (mslab / hbt)   volume            position      cash")
    for model in ("risk_averse", "power", "log"):
        kw = dict(tick=tick, decision_interval=INTERVAL * 1e-9, queue_model=model,
                  queue_power=2.0, partial_fills=False, post_only=True,
                  feed_latency=FEED * 1e-9, entry_latency=ENTRY * 1e-9,
                  response_latency=RESPONSE * 1e-9)
        t_hbt = t_ours = np.inf
        for _ in range(ROUNDS):
            t_hbt = min(t_hbt, best_time(lambda: run_hftbacktest(events, tick, model, **hbt_kw),
                                         repeats=1))
            t_ours = min(t_ours, best_time(lambda: run_backtest(msgs, grid_quoter(0.5), **kw),
                                           repeats=1))
        rc, position, n_trades, volume, balance = run_hftbacktest(events, tick, model, **hbt_kw)
        r = run_backtest(msgs, grid_quoter(0.5), **kw)
        f = r.fills
        cash = -np.sum(f.side * f.price * f.qty)
        print(f"  {model:12s} {n / t_ours / 1e6:12.2f} {n / t_hbt / 1e6:11.2f} "
              f"{t_hbt / t_ours:5.2f}x   "
              f"{f.qty.size:6d} / {n_trades:<6d}   {f.qty.sum():7d} / {volume:<8.0f}"
              f"  {r.inventory[-1]:5d} / {position:<5.0f} {cash:9.2f} / {balance:.2f}")
    print("  (log: hftbacktest's f(x) = ln(1 + x) is NaN once the estimated queue ahead falls "
          "below -1 share,\n   which sends the order to the back of its queue; mslab takes "
          "f(x) = 0 for x <= 0 and keeps it at the front)")
    rc, *_ = run_hftbacktest(events, tick, "risk_averse", partial=True, **hbt_kw)
    if rc != 1:
        print(f"  hftbacktest's PartialFillExchange stopped with code {rc} "
              "(14 = InvalidOrderStatus) on this stream: partial fills not compared")



def write_parquet(directory: Path, message_csv: Path, book_csv: Path, msgs: dict[str, np.ndarray],
                  book: np.ndarray) -> Path:
    """The LOBSTER pair also as Parquet, named as the CSV pair and written as the shipped
    copies in data/lobster are (column types ``PARQUET_TYPES``, :mod:`mslab.data.parquet`);
    returns the message file's path."""
    levels = book.shape[1] // 4
    path = directory / message_csv.with_suffix(".parquet").name
    write_shipped_parquet(pa.table({c: np.asarray(msgs[c], PARQUET_TYPES[c])
                                    for c in MESSAGE_COLUMNS}), path)
    write_shipped_parquet(pa.table({c: book[:, j] for j, c in enumerate(book_columns(levels))}),
                          directory / book_csv.with_suffix(".parquet").name)
    return path


def python_read(message_csv: Path, book_csv: Path) -> tuple[dict[str, list], array]:
    """Plain Python reading a LOBSTER CSV pair with the csv module: the message columns as
    lists (``time`` float, the others int) and the order-book rows as one flat ``array('q')``
    (a list of lists of a whole 10-level day would take gigabytes)."""
    msgs: dict[str, list] = {c: [] for c in MESSAGE_COLUMNS}
    columns = [msgs[c] for c in MESSAGE_COLUMNS]
    with open(message_csv, newline="") as fh:
        for row in csv.reader(fh):
            columns[0].append(float(row[0]))
            for col, value in zip(columns[1:], row[1:]):
                col.append(int(value))
    book = array("q")
    with open(book_csv, newline="") as fh:
        for row in csv.reader(fh):
            book.extend(map(int, row))
    return msgs, book


def as_list(column) -> list:
    """A column as a Python list (numpy arrays are converted: their scalars are slow)."""
    return column.tolist() if isinstance(column, np.ndarray) else column


def python_replay(msgs: dict, levels: int) -> np.ndarray:
    """The same replay in plain Python: a dict per side, top levels by heapq; each row is
    stored into a preallocated array (a list of whole-day rows would not fit in memory)."""
    book: dict[int, dict[int, int]] = {1: {}, -1: {}}
    out = np.zeros((len(msgs["type"]), 4 * levels), np.int64)
    for i, (k, s, p, d) in enumerate(zip(*(as_list(msgs[c])
                                           for c in ("type", "size", "price", "direction")))):
        if 1 <= k <= 4:
            side = book[d]
            q = side.get(p, 0) + (s if k == 1 else -s)
            if q > 0:
                side[p] = q
            else:
                side.pop(p, None)
        asks = heapq.nsmallest(levels, book[-1].items())
        bids = heapq.nlargest(levels, book[1].items())
        row = []
        for lev in range(levels):
            row += asks[lev] if lev < len(asks) else (DUMMY_ASK, 0)
            row += bids[lev] if lev < len(bids) else (DUMMY_BID, 0)
        out[i] = row
    return out


def python_check(msgs: dict, book: array, levels: int) -> list[int]:
    """``check_book_file`` in plain Python: for each message from the second on, the levels of
    its side in the previous order-book row (a list of (price, size), best first) with the
    message applied, compared with its row (as a whole first, then level by level: empty
    levels match whatever their placeholder prices); the same statuses."""
    width = 4 * levels
    status = [_book.UNCHECKED]
    for i, (k, s, p, d) in enumerate(zip(msgs["type"], msgs["size"], msgs["price"],
                                         msgs["direction"])):
        if i == 0:
            continue
        expected = book[width * (i - 1):width * i].tolist()
        row = book[width * i:width * (i + 1)]
        delta = s if k == 1 else -s if 2 <= k <= 4 else 0
        pcol = 2 if d == 1 else 0  # the message's side: bids (buy orders) or asks
        if delta:
            side = [(expected[c], expected[c + 1]) for c in range(pcol, width, 4)
                    if expected[c + 1] > 0]
            at = [q for q, _ in side].index(p) if any(q == p for q, _ in side) else -1
            if at >= 0 and side[at][1] + delta > 0:
                side[at] = (p, side[at][1] + delta)
            elif at >= 0:
                del side[at]
            elif delta > 0:
                side = sorted(side + [(p, delta)], reverse=d == 1)[:levels]
            side += [(DUMMY_BID if d == 1 else DUMMY_ASK, 0)] * (levels - len(side))
            for lev, (q, z) in enumerate(side):
                expected[4 * lev + pcol:4 * lev + pcol + 2] = [q, z]
        if expected == row.tolist():
            status.append(_book.CONSISTENT)
            continue
        differ = [(c, lev) for lev in range(levels) for c in (0, 2)
                  if (expected[4 * lev + c + 1] or row[4 * lev + c + 1])
                  and (expected[4 * lev + c] != row[4 * lev + c]
                       or expected[4 * lev + c + 1] != row[4 * lev + c + 1])]
        if not differ:
            status.append(_book.CONSISTENT)
            continue
        deep = 4 * (levels - 1) + pcol
        revealed = (delta < 0 and all(c == pcol and lev == levels - 1 for c, lev in differ)
                    and expected[deep + 1] == 0 and row[deep + 1] > 0
                    and (row[deep] > p if pcol == 0 else row[deep] < p))
        status.append(_book.REVEALED if revealed else _book.INCONSISTENT)
    return status


def timed(fn):
    """(wall seconds of one call of ``fn()``, its value)."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def day_rates(name: str, parquet: Path, csv_path: Path, tick: int) -> tuple[str, dict]:
    """Time one day, ours and plain Python, checking that both give the same rows and
    statuses; returns (name, seconds per stage)."""
    t_parquet, day = best_time_and_value(lambda: load_lobster(parquet))
    t_csv, from_csv = timed(lambda: load_lobster(csv_path))
    assert from_csv.messages.equals(day.messages) and np.array_equal(from_csv.book, day.book)
    msgs, rows, levels = day.arrays(), day.book, day.levels
    replay_lobster(msgs, levels, tick, strict=False)  # compile / load the cache
    t_replay, replayed = best_time_and_value(
        lambda: replay_lobster(msgs, levels, tick, strict=False))
    t_check, checked = best_time_and_value(lambda: check_book_file(msgs, rows, tick))
    book_csv = csv_path.with_name(csv_path.name.replace("_message_", "_orderbook_"))
    t_py_read, (py_msgs, py_book) = timed(lambda: python_read(csv_path, book_csv))
    t_py_replay, py_rows = timed(lambda: python_replay(py_msgs, levels))
    t_py_check, py_status = timed(lambda: python_check(py_msgs, py_book, levels))
    assert np.array_equal(py_rows, replayed)
    assert np.array_equal(np.array(py_status), checked.status)
    return name, dict(n=len(day.messages), levels=levels, parquet=t_parquet, csv=t_csv,
                      replay=t_replay, check=t_check, py_read=t_py_read,
                      py_replay=t_py_replay, py_check=t_py_check)


def best_time_and_value(fn, repeats: int = 3):
    """(:func:`~timing.best_time` of ``fn()``, its value)."""
    value = fn()
    return best_time(fn, repeats), value


def whole_days() -> None:
    pa.set_cpu_count(1)  # Parquet columns decoded on one thread, as everything else here
    days = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for ticker in REAL_DAYS:
            parquet = (REPO / "data" / "lobster"
                       / f"{ticker}_2012-06-21_34200000_57600000_message_1.parquet")
            day = load_lobster(parquet)
            csv_path, _ = write_lobster(tmp, ticker, "2012-06-21", 34_200_000, 57_600_000,
                                        day.arrays(), day.book)
            days.append(day_rates(f"{ticker} 2012-06-21 (real)", parquet, csv_path, 100))
        flow = cst_flow(DAY_HOURS)
        msgs = flow.messages()
        csv_path, book_csv = write_lobster(tmp, "CST", "2012-06-21", 34_200_000, 57_600_000,
                                           msgs, flow.book)
        parquet = write_parquet(tmp, csv_path, book_csv, msgs, flow.book)
        days.append(day_rates(f"CST {DAY_HOURS:g} h (synthetic)", parquet, csv_path, flow.tick))
    print("\nWhole days, seconds. Ours: load_lobster (parse and check the message and order-book "
          "files;\n Parquet best of 3, CSV once), replay_lobster at the file's depth (not strict) "
          "and check_book_file,\n best of 3. Plain Python, once: the CSV pair read with the csv "
          "module, the dict replay, the\n row-by-row check (same rows and statuses as ours).")
    print(f"  {'day':26s} {'messages':>8s} {'lev':>3s} | {'Parquet':>7s} {'CSV':>6s} "
          f"{'replay':>7s} {'check':>6s} | {'Py read':>7s} {'Py replay':>9s} {'Py check':>8s}")
    for name, t in days:
        print(f"  {name:26s} {t['n']:8,d} {t['levels']:3d} | {t['parquet']:7.3f} {t['csv']:6.3f} "
              f"{t['replay']:7.3f} {t['check']:6.3f} | {t['py_read']:7.2f} "
              f"{t['py_replay']:9.2f} {t['py_check']:8.2f}")
    print("\n(a) replay + check of the loaded day; (b) the whole job from the CSV pair (load, "
          "replay, check);\n(c) ours from the Parquet pair against plain Python from the CSV "
          "pair. Seconds ours / plain Python = ratio")
    for name, t in days:
        ours = t["replay"] + t["check"]
        py = t["py_replay"] + t["py_check"]
        py_all = py + t["py_read"]
        print(f"  {name:26s} (a) {ours:6.3f} / {py:6.2f} = {py / ours:4.0f}x   "
              f"(b) {t['csv'] + ours:6.3f} / {py_all:6.2f} = {py_all / (t['csv'] + ours):4.0f}x   "
              f"(c) {t['parquet'] + ours:6.3f} / {py_all:6.2f} = "
              f"{py_all / (t['parquet'] + ours):4.0f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
