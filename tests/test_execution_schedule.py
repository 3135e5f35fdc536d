"""Schedules through a LOBSTER book: Perold's shortfall decomposition (hand-computed, an exact
identity on LOBSTER's price grid), a hand-computed walk through a 3-level book file, a passive
child order filled from its queue, the real day, the Almgren–Chriss comparison and validation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data.lobster import load_lobster
from mslab.execution import schedule_execution
from mslab.execution.almgren_chriss import twap_cost
from mslab.execution.schedule_execution import (COMPONENTS, ac_from_day, ac_versus_realised,
                                                execute_schedule, execute_schedules,
                                                perold_shortfall, schedule_quoter,
                                                schedule_starts, shortfall_summary)

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"
AMZN = DATA / "AMZN_2012-06-21_34200000_57600000_message_1.parquet"


def test_perold_hand_computed():
    # buy 300 at decision mid 100; 100 sent at mid 100.5, filled at 101 (mid 100.5 before);
    # 100 sent at mid 101, filled at 100.75 as maker (mid 101.25 before the fill); 100 unfilled,
    # final mid 102; fees 1 and -0.5
    r = perold_shortfall(1, 300, 100.0, [101.0, 100.75], [100, 100], [100.5, 101.0],
                         [100.5, 101.25], 102.0, [1.0, -0.5])
    assert r["delay"] == 100 * 0.5 + 100 * 1.0
    assert r["spread"] == 100 * 0.5 + 100 * (-0.5)
    assert r["impact"] == 0.0 + 100 * 0.25
    assert r["opportunity"] == 100 * 2.0
    assert r["fees"] == 0.5
    assert r["total"] == 100 * 1.0 + 100 * 0.75 + 200.0 + 0.5
    assert (r["filled"], r["unfilled"]) == (200.0, 100.0)
    # a sell is the mirror image: the same moves cost the opposite
    s = perold_shortfall(-1, 300, 100.0, [101.0, 100.75], [100, 100], [100.5, 101.0],
                         [100.5, 101.25], 102.0, [0.0, 0.0])
    assert s["delay"] == -r["delay"] and s["total"] == -(r["total"] - 0.5)


def test_perold_identity_is_exact_on_a_half_grid():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(0, 12))
        q = rng.integers(1, 500, n).astype(float)
        grid = lambda k: rng.integers(2_000_000, 2_300_000, k) / 2.0  # noqa: E731 (halves)
        r = perold_shortfall(int(rng.choice([-1, 1])), q.sum() + rng.integers(0, 300) + 1,
                             grid(1)[0], grid(n), q, grid(n), grid(n), grid(1)[0],
                             rng.integers(-50, 50, n) / 4.0)
        assert sum(r[c] for c in COMPONENTS) == r["total"]


def test_perold_validation():
    with pytest.raises(ValueError, match="side"):
        perold_shortfall(0, 1, 1.0, [], [], [], [], 1.0, [])
    with pytest.raises(ValueError, match="fill_qty"):
        perold_shortfall(1, 100, 1.0, [1.0], [200], [1.0], [1.0], 1.0, [0.0])
    with pytest.raises(ValueError, match="fill_qty"):
        perold_shortfall(1, 100, 1.0, [1.0, 2.0], [20], [1.0], [1.0], 1.0, [0.0])
    with pytest.raises(ValueError, match="quantity"):
        perold_shortfall(1, 0, 1.0, [], [], [], [], 1.0, [])


def _three_level_day():
    """A 3-level book file: asks 100@100.00, 100@100.01, 200@100.02 and bids 100@99.99,
    100@99.98, 100@99.97; other traders' executions take the best ask at 10.5 s and 11.5 s."""
    def row(asks, bids):
        out = []
        for (ap, a_s), (bp, b_s) in zip(asks, bids):
            out += [ap, a_s, bp, b_s]
        return out
    bids = [(999_900, 100), (999_800, 100), (999_700, 100)]
    a0 = [(1_000_000, 100), (1_000_100, 100), (1_000_200, 200)]
    a1 = [(1_000_100, 100), (1_000_200, 200), (1_000_300, 300)]
    a2 = [(1_000_200, 200), (1_000_300, 300), (1_000_400, 400)]
    bids_more = [(999_900, 100), (999_800, 150), (999_700, 100)]
    msgs = pd.DataFrame({"time": [9.0, 10.0, 10.5, 11.5, 25.0],
                         "type": [1, 1, 4, 4, 1], "order_id": [1, 2, 3, 4, 5],
                         "size": [100, 50, 100, 100, 50],
                         "price": [999_700, 999_800, 1_000_000, 1_000_100, 999_800],
                         "direction": [1, 1, -1, -1, 1]})
    bids_last = [(999_900, 100), (999_800, 200), (999_700, 100)]
    rows = np.array([row(a0, bids), row(a0, bids_more), row(a1, bids_more), row(a2, bids_more),
                     row(a2, bids_last)], np.int64)
    return msgs, rows


def test_aggressive_walk_through_a_three_level_book():
    msgs, rows = _three_level_day()
    r = execute_schedule(msgs, rows, side=1, quantity=250, start=9.5, duration=10.0,
                         child_interval=10.0, strategy="aggressive", final_window=0.0,
                         decision_interval=1.0, taker_fee=0.001)
    # decisions at 10, 11, 12 s: 100 @ 100.00 (capped at the visible best), 100 @ 100.01,
    # 50 @ 100.02; decision mid 99.995; mids before the fills 99.995, 100.00, 100.005
    assert r["decision_price"] == 99.995
    assert r["filled"] == 250 and r["taker_share"] == 1.0
    assert r["delay"] == pytest.approx(100 * 0.0 + 100 * 0.005 + 50 * 0.01, abs=1e-12)
    assert r["spread"] == pytest.approx(100 * 0.005 + 100 * 0.01 + 50 * 0.015, abs=1e-12)
    assert r["impact"] == 0.0 and r["opportunity"] == 0.0
    value = 100 * 100.00 + 100 * 100.01 + 50 * 100.02
    assert r["fees"] == pytest.approx(0.001 * value, rel=1e-12)
    assert r["total"] == pytest.approx(3.25 + 0.001 * value, abs=1e-9)
    assert sum(r[c] for c in COMPONENTS) == pytest.approx(r["total"], abs=1e-9)


def test_schedule_midpoints_are_exact_and_the_identity_exact_in_price_units(monkeypatch):
    # tick 7: the prices of the three-level day times 7/100; the midpoints, (ask + bid) / 2 on
    # the tick grid, come back exactly from book_mid (in ticks) · tick, so the parts of the
    # shortfall sum exactly to its total in price units (no fees)
    msgs, rows = _three_level_day()
    rows = rows.copy()
    rows[:, 0::2] = rows[:, 0::2] * 7 // 100
    msgs = msgs.assign(price=msgs["price"] * 7 // 100)
    seen = []

    def spy(*args):
        seen.append((args, perold_shortfall(*args)))
        return seen[-1][1]

    monkeypatch.setattr(schedule_execution, "perold_shortfall", spy)
    execute_schedule(msgs, rows, side=1, quantity=250, start=9.5, duration=10.0,
                     child_interval=10.0, strategy="aggressive", final_window=0.0,
                     decision_interval=1.0, tick=7)
    (_, _, decision, _, qty, sent, fill, end, _), parts = seen[0]
    assert decision == (70_000 + 69_993) / 2 and qty.sum() == 250
    mids = np.concatenate([[decision, end], sent, fill])
    assert np.array_equal(mids * 2, np.round(mids * 2))
    assert sum(parts[c] for c in COMPONENTS) == parts["total"]

def test_passive_child_never_reaches_the_front_and_is_unfilled():
    msgs, rows = _three_level_day()
    # a sell resting at the best ask 100.00 joins behind 100 shares; the execution of 100 at
    # 10.5 s only clears the queue ahead (risk-averse model), so nothing fills; the ask moves to
    # 100.01, the order is re-posted there at 11 s behind 100 shares, which the execution at
    # 11.5 s clears, and so on: nothing fills by the deadline (no final window), and the 100
    # shares are valued at the final mid (100.02 + 99.99) / 2 against the decision mid 99.995
    r = execute_schedule(msgs, rows, side=-1, quantity=100, start=9.5, duration=10.0,
                         child_interval=10.0, strategy="passive", final_window=0.0,
                         decision_interval=1.0)
    assert r["filled"] == 0 and r["unfilled"] == 100 and np.isnan(r["taker_share"])
    assert r["opportunity"] == pytest.approx(-100 * (100.005 - 99.995), abs=1e-9)
    assert r["total"] == r["opportunity"]
    # with a final window the resting order is cancelled at the 20-s decision and, once the
    # cancel is confirmed, the remainder crosses at 21 s at the best bid, 99.99 (100 shares)
    r = execute_schedule(msgs, rows, side=-1, quantity=100, start=9.5, duration=10.0,
                         child_interval=10.0, strategy="passive", final_window=2.0,
                         decision_interval=1.0)
    assert r["filled"] == 100 and r["taker_share"] == 1.0
    assert r["spread"] == pytest.approx(-100 * (99.99 - 100.005), abs=1e-9)
    # one decision in the final window is not enough: the cancel is not confirmed in time
    r = execute_schedule(msgs, rows, side=-1, quantity=100, start=9.5, duration=10.0,
                         child_interval=10.0, strategy="passive", final_window=1.0,
                         decision_interval=1.0)
    assert r["filled"] == 0


@pytest.fixture(scope="module")
def amzn():
    return load_lobster(AMZN)


def test_real_day_identity_and_tactics(amzn):
    starts = schedule_starts(amzn.messages["time"].to_numpy(), 1800.0, 60.0)
    assert starts[0] == 34_260.0 and np.all(np.diff(starts) == 1800.0)
    assert starts[-1] + 1860.0 <= amzn.messages["time"].iloc[-1]
    runs = execute_schedules(amzn.messages, amzn.book, starts[:4], quantity=1000, duration=1800.0,
                             child_interval=300.0, final_window=60.0, latency=0.001,
                             maker_fee=-2e-5, taker_fee=3e-5)
    assert len(runs) == 16
    np.testing.assert_allclose(runs[list(COMPONENTS)].sum(axis=1), runs["total"], atol=1e-8)
    agg = runs[runs.strategy == "aggressive"]
    pas = runs[runs.strategy == "passive"]
    assert (agg["taker_share"] > 0.99).all() and (pas["taker_share"] < 0.5).all()
    assert (agg["spread"] > 0).all() and (pas["spread"] < 0).all()  # takers pay, makers earn
    assert (agg["fees"] > 0).all() and (pas["fees"] < 0).all()  # taker fee, maker rebate
    assert (runs["filled"] + runs["unfilled"] == 1000).all()
    table, stats = shortfall_summary(runs)
    assert list(table.columns) == ["aggressive", "passive"] and (stats["schedules"] == 8).all()
    assert list(table.index) == [*COMPONENTS, "total", "filled", "taken (of filled)",
                                 "schedules"]
    np.testing.assert_allclose(stats.loc["aggressive", "total_mean"], agg["total_bps"].mean())


def test_schedule_validation(amzn):
    with pytest.raises(ValueError, match="child_interval"):
        schedule_quoter(1, 100, 0.0, 100.0, 30.0, "passive", 0.0)
    with pytest.raises(ValueError, match="strategy"):
        schedule_quoter(1, 100, 0.0, 100.0, 10.0, "twap", 0.0)
    with pytest.raises(ValueError, match="side"):
        schedule_quoter(2, 100, 0.0, 100.0, 10.0, "passive", 0.0)
    with pytest.raises(ValueError, match="start"):
        execute_schedule(amzn.messages, amzn.book, side=1, quantity=100, start=57_500.0,
                         duration=600.0, child_interval=60.0, strategy="aggressive")
    with pytest.raises(ValueError, match="duration"):
        schedule_starts([0.0, 100.0], 200.0, 0.0)


def test_ac_from_day_closed_form():
    t = np.arange(0.0, 1000.0, 1.0)
    mid = 100.0 + 0.01 * (np.arange(t.size) % 2)  # alternates every second
    eff = np.full(50, 0.02)
    size = np.arange(1.0, 51.0)
    p, est = ac_from_day(t, mid, eff, size, 0.1, quantity=1000, duration=600.0,
                         child_interval=60.0, price=100.0)
    # the 60-s grid samples even seconds only: the sampled mid never changes
    assert est["sigma"] == 0.0
    assert p.epsilon == pytest.approx(0.01) and est["b"] == pytest.approx(0.0, abs=1e-12)
    n = 100.0  # child size 1000 * 60 / 600
    assert est["gamma"] == pytest.approx(0.1e-4 * 100 * np.sqrt(100 * n) / n)
    assert est["eta_floored"] and p.eta == pytest.approx(60.0 * est["gamma"])
    assert est["expected_cost"] == pytest.approx(twap_cost(p)[0])
    runs = pd.DataFrame({"strategy": ["a", "a"], "spread": [1.0, 3.0], "impact": [0.0, 2.0],
                         "delay": [1.0, -1.0], "total": [2.0, 4.0]})
    tab = ac_versus_realised(runs, p)
    assert tab.loc["expected cost", "Almgren–Chriss ($)"] == pytest.approx(twap_cost(p)[0])
    assert tab.loc["spread (εX)", "Almgren–Chriss ($)"] == pytest.approx(10.0)
    assert tab.loc["SD of cost", "realised, a ($)"] == pytest.approx(np.sqrt(2.0))
    with pytest.raises(ValueError, match="tape_effective"):
        ac_from_day(t, mid, eff[:2], size[:2], 0.1, quantity=1000, duration=600.0,
                    child_interval=60.0, price=100.0)
    with pytest.raises(ValueError, match="kyle_slope_bps"):
        ac_from_day(t, mid, eff, size, -1.0, quantity=1000, duration=600.0,
                    child_interval=60.0, price=100.0)


def test_ac_from_day_refuses_times_out_of_order():
    # searchsorted on unsorted times silently read the wrong midpoints (a wrong sigma)
    t = np.arange(0.0, 1000.0, 1.0)
    mid = 100.0 + 0.01 * np.arange(t.size)
    eff, size = np.full(50, 0.02), np.arange(1.0, 51.0)
    kw = dict(quantity=1000, duration=600.0, child_interval=60.0, price=100.0)
    swapped = t.copy()
    swapped[[10, 500]] = swapped[[500, 10]]
    with pytest.raises(ValueError, match=r"^times=.* is not allowed: times must be "
                                         "non-decreasing"):
        ac_from_day(swapped, mid, eff, size, 0.1, **kw)
    with pytest.raises(ValueError, match=r"^times="):
        ac_from_day(np.where(t == 5.0, np.nan, t), mid, eff, size, 0.1, **kw)
    ties = np.repeat(t[::2], 2)  # equal times are allowed
    assert np.isfinite(ac_from_day(ties, mid, eff, size, 0.1, **kw)[1]["sigma"])


@pytest.mark.parametrize("missing", ["spread", "impact", "delay", "total", "strategy"])
def test_ac_versus_realised_names_frame_for_a_missing_column(missing):
    p, _ = ac_from_day(np.arange(0.0, 1000.0), np.full(1000, 100.0), np.full(50, 0.02),
                       np.arange(1.0, 51.0), 0.1, quantity=1000, duration=600.0,
                       child_interval=60.0, price=100.0)
    runs = pd.DataFrame({"strategy": ["a", "a"], "spread": [1.0, 3.0], "impact": [0.0, 2.0],
                         "delay": [1.0, -1.0], "total": [2.0, 4.0]})
    with pytest.raises(ValueError, match=rf"^frame=.*missing columns \['{missing}'\].* is not "
                                         "allowed: frame must be an execute_schedules frame"):
        ac_versus_realised(runs.drop(columns=missing), p)

