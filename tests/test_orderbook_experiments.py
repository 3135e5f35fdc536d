"""The order-book experiment harness: markets, runs, per-hour summaries and aggregation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from mslab.orderbook import (
    CSTParams,
    glft_quoter,
    grid_quoter,
    markouts,
    run_backtest,
    simulate_cst,
)
from mslab.orderbook.experiments import (
    FILE,
    MICROMARKET_GRID,
    PerMarket,
    SUMMARY_METRICS,
    aggregate,
    book_mid,
    day_blocks,
    experiment,
    make_market,
    mean_se,
    paired_difference,
    grid_text,
    rank_correlation,
    summary,
    trading_configurations,
)
from mslab.sweeps import expand_grid

TICK = 100  # one cent in LOBSTER price units
PARAMS = CSTParams(k=1.5, alpha=0.8, mu=0.3, theta=0.2, max_distance=5, lot=100)


@pytest.fixture(scope="module")
def markets():
    flows = [simulate_cst(PARAMS, duration=240.0, levels=5, price=50.0, seed=s) for s in (1, 2, 3)]
    names = [FILE, "session 1", "session 2"]
    return [make_market(n, {c: getattr(f, c) for c in ("time", "type", "size", "price",
                                                       "direction")}, f.book, f.n_initial, TICK)
            for n, f in zip(names, flows)]


@pytest.fixture(scope="module")
def quoters(markets):
    return {m.name: {"join": grid_quoter(0.5), "glft": glft_quoter(0.01, 0.3, 0.5, 1.0)}
            for m in markets}


def test_book_mid_carries_the_last_two_sided_mid():
    rows = np.array([
        [10_100, 0, 9_900, 5],      # ask side empty: takes the next two-sided mid (backward)
        [10_100, 3, 9_900, 5],      # (10100 + 9900) / 2 / 100 = 100
        [10_300, 3, 9_900, 0],      # bid side empty: carries 100 forward
        [10_300, 3, 10_100, 1],     # 102
    ], dtype=np.int64)
    np.testing.assert_array_equal(book_mid(rows, TICK), [100.0, 100.0, 100.0, 102.0])
    np.testing.assert_array_equal(book_mid(rows, 1), [10_000.0, 10_000.0, 10_000.0, 10_200.0])
    with pytest.raises(ValueError, match="book"):
        book_mid(rows[:, :3], TICK)
    with pytest.raises(ValueError, match="book"):
        book_mid(rows.astype(float), TICK)
    with pytest.raises(ValueError, match="book"):
        book_mid(rows[[0, 2]], TICK)  # never two-sided
    with pytest.raises(ValueError, match="tick"):
        book_mid(rows, 0)


def test_make_market_starts_after_the_opening_book():
    time = np.array([0.0, 0.0, 1.0, 2.5])
    stream = {"time": time, "type": np.array([1, 1, 1, 3]), "size": np.array([5, 5, 3, 5]),
              "price": np.array([9_900, 10_100, 10_000, 9_900]), "direction": np.array([1, -1, 1, 1])}
    book = np.array([[9_999_999_999, 0, 9_900, 5], [10_100, 5, 9_900, 5], [10_100, 5, 10_000, 3],
                     [10_100, 5, 10_000, 3]], dtype=np.int64)
    m = make_market("x", stream, book, 2, TICK)
    assert m.duration == 2.5 and m.name == "x"
    np.testing.assert_array_equal(m.initial_book, book[1])
    np.testing.assert_array_equal(m.messages["size"], [3, 5])
    assert m.time.size == 4 and m.mid[1] == 100.0 and m.mid[2] == 100.5
    for bad, name in ((dict(first=0), "first"), (dict(first=4), "first"), (dict(name=""), "name"),
                      (dict(book=book[:3]), "book"), (dict(messages={"time": time}), "messages"),
                      (dict(messages={**stream, "size": stream["size"][:3]}), "size")):
        kw = {**dict(name="x", messages=stream, book=book, first=2, tick=TICK), **bad}
        with pytest.raises(ValueError, match=name):
            make_market(**kw)


def test_market_times_are_on_the_fills_clock():
    """A fill caused by the message at 0.3 s must see the mid before that message: 0.3 s rounds
    to 300,000,000 ns, and 300,000,000 * 1e-9 = 0.30000000000000004 > 0.3 (a float clock would
    put the fill after its own message)."""
    time = np.array([0.1, 0.2, 0.3, 0.4])
    stream = {"time": time, "type": np.array([1, 1, 1, 4]), "size": np.array([5, 5, 3, 3]),
              "price": np.array([9_900, 10_100, 10_000, 10_000]),
              "direction": np.array([1, -1, 1, 1])}
    book = np.array([[9_999_999_999, 0, 9_900, 5], [10_100, 5, 9_900, 5],
                     [10_100, 5, 10_000, 3], [10_100, 5, 9_900, 5]], dtype=np.int64)
    m = make_market("x", stream, book, 2, TICK)
    fill_time = np.int64(300_000_000) * 1e-9            # the engine's time of message 2
    assert fill_time > time[2]
    assert np.searchsorted(m.time, fill_time, side="left") - 1 == 1   # the mid before message 2


def test_day_blocks_cover_the_day_once_in_book_file_mode():
    f = simulate_cst(PARAMS, duration=700.0, levels=5, price=50.0, seed=4)
    stream = {c: getattr(f, c) for c in ("time", "type", "size", "price", "direction")}
    blocks = day_blocks(stream, f.book, f.n_initial, TICK, block_seconds=200.0)
    assert [b.name for b in blocks] == [f"block {j}" for j in range(1, len(blocks) + 1)]
    assert len(blocks) == 4  # 700 s: three of 200 s and a tail of about 100 s
    sizes = np.concatenate([b.messages["size"] for b in blocks])
    np.testing.assert_array_equal(sizes, f.size[f.n_initial:])  # every message exactly once
    start = f.n_initial
    for b in blocks:
        n = b.messages["size"].size
        np.testing.assert_array_equal(b.initial_book, f.book[start - 1])
        np.testing.assert_array_equal(b.book, f.book[start:start + n])
        assert b.duration < 201.0  # from the message before the block to its last one
        start += n
    # a block in book-file mode runs as run_backtest with the file's rows
    q = {b.name: {"join": grid_quoter(0.5)} for b in blocks}
    out = experiment([({}, "join", {})], blocks[:1], q, markout_horizon=1.0, tick=TICK,
                     decision_interval=0.5)
    direct = run_backtest(blocks[0].messages, grid_quoter(0.5), tick=TICK, decision_interval=0.5,
                          initial_book=blocks[0].initial_book, book=blocks[0].book)
    hours = blocks[0].duration / 3600
    assert out["fills"].iloc[0] == pytest.approx(direct.fills.qty.size / hours)
    assert out["pnl"].iloc[0] == pytest.approx(direct.metrics().final_pnl / hours)
    # an override may depend on the market: one latency per message of each block
    per = PerMarket(lambda m: np.full(m.messages["size"].size, 2.0))
    lat = experiment([({}, "join", {"entry_latency": per})],
                     blocks[:2], q, markout_horizon=1.0, tick=TICK, decision_interval=0.5)
    const = experiment([({}, "join", {"entry_latency": 2.0})], blocks[:2], q, markout_horizon=1.0,
                       tick=TICK, decision_interval=0.5)
    pd.testing.assert_frame_equal(lat, const)
    zero = experiment([({}, "join", {})], blocks[:2], q, markout_horizon=1.0, tick=TICK,
                      decision_interval=0.5)
    assert not np.allclose(lat["pnl"], zero["pnl"])  # the latency was used
    with pytest.raises(ValueError, match="^block_seconds="):
        day_blocks(stream, f.book, f.n_initial, TICK, block_seconds=0.0)
    with pytest.raises(ValueError, match="^book_file="):
        make_market("x", stream, f.book, f.n_initial, TICK, book_file=1)


def test_day_blocks_across_a_gap_without_messages():
    """A quiet spell longer than a block (no message for 500 s after 350 s) adds no block: the
    block after it reaches back over the gap, and every message is in exactly one block."""
    f = simulate_cst(PARAMS, duration=700.0, levels=5, price=50.0, seed=4)
    stream = {c: getattr(f, c) for c in ("time", "type", "size", "price", "direction")}
    late = f.time - f.time[f.n_initial - 1] >= 350.0
    assert 100 < late.sum() < late.size - 100
    stream["time"] = np.where(late, f.time + 500.0, f.time)
    blocks = day_blocks(stream, f.book, f.n_initial, TICK, block_seconds=100.0)
    sizes = np.concatenate([b.messages["size"] for b in blocks])
    np.testing.assert_array_equal(sizes, f.size[f.n_initial:])
    spans = sorted(b.duration for b in blocks)
    assert len(blocks) == 8 and spans[-1] > 500.0 and spans[-2] < 101.0


def test_experiment_runs_every_spec_on_every_market(markets, quoters):
    common = dict(tick=TICK, order_size=100, max_inventory=500, post_only=True,
                  decision_events=1, sample_interval=1.0)
    specs = [({"fee": 0.0}, "join", {}), ({"fee": 1.0}, "join", {"maker_fee": 1e-4}),
             ({"fee": 0.0}, "glft", {})]
    runs = experiment(specs, markets, quoters, markout_horizon=5.0, **common)
    assert len(runs) == len(specs) * len(markets)
    assert list(runs.columns) == ["fee", "strategy", "market", *SUMMARY_METRICS]
    # Each row is the back-test of that market from its own opening book, summarised per hour.
    m = markets[1]
    res = run_backtest(m.messages, quoters[m.name]["join"], initial_book=m.initial_book, **common)
    row = runs[(runs["market"] == m.name) & (runs["fee"] == 0.0) & (runs["strategy"] == "join")]
    hours = m.duration / 3600
    met = res.metrics()
    assert row["fills"].item() == pytest.approx(met.n_fills / hours)
    assert row["pnl"].item() == pytest.approx(met.final_pnl / hours)
    mk = markouts(res.fills, m.time, m.mid, horizon=5.0, tick=TICK / 10_000)
    assert row["markout"].item() == pytest.approx(mk.markout)
    assert row["capture"].item() + row["adverse"].item() == pytest.approx(row["markout"].item())
    assert met.n_fills > 0
    # The override reaches the back-test: a maker fee costs money, fills and gross unchanged.
    fee = runs[(runs["strategy"] == "join") & (runs["fee"] == 1.0)].set_index("market")
    free = runs[(runs["strategy"] == "join") & (runs["fee"] == 0.0)].set_index("market")
    assert (fee["pnl"] < free["pnl"]).all()
    np.testing.assert_allclose(fee["gross"], free["gross"])
    np.testing.assert_array_equal(fee["fills"], free["fills"])


def test_experiment_rejects_bad_specs(markets, quoters):
    kw = dict(markout_horizon=5.0, tick=TICK)
    with pytest.raises(ValueError, match="quoters"):
        experiment([({}, "nope", {})], markets, quoters, **kw)
    with pytest.raises(ValueError, match="specs"):
        experiment([({"market": 1}, "join", {})], markets, quoters, **kw)
    with pytest.raises(ValueError, match="specs"):
        experiment([("join", {})], markets, quoters, **kw)
    with pytest.raises(ValueError, match="markets"):
        experiment([({}, "join", {})], [markets[0], markets[0]], quoters, **kw)
    with pytest.raises(ValueError, match="backtest"):
        experiment([({}, "join", {})], markets, quoters, markout_horizon=5.0)
    with pytest.raises(ValueError, match="markout_horizon"):
        experiment([({}, "join", {})], markets, quoters, markout_horizon=-1.0, tick=TICK)


def test_summary_validates(markets, quoters):
    m = markets[0]
    res = run_backtest(m.messages, quoters[m.name]["join"], tick=TICK, decision_events=1,
                       initial_book=m.initial_book)
    assert set(summary(res, m, markout_horizon=1.0, tick=TICK)) == set(SUMMARY_METRICS)
    with pytest.raises(ValueError, match="market"):
        summary(res, "file", markout_horizon=1.0, tick=TICK)
    with pytest.raises(ValueError, match="result"):
        summary(None, m, markout_horizon=1.0, tick=TICK)


def test_mean_se():
    assert mean_se([1.0, 2.0, 3.0, np.nan]) == pytest.approx((2.0, 1.0 / math.sqrt(3)))
    mean, se = mean_se([4.0])
    assert mean == 4.0 and math.isnan(se)
    assert all(math.isnan(x) for x in mean_se([]))


def test_aggregate_sessions_and_file():
    runs = pd.DataFrame({
        "strategy": ["b", "b", "b", "a", "a", "a"],
        "market": [FILE, "s1", "s2", FILE, "s1", "s2"],
        "pnl": [10.0, 1.0, 3.0, -5.0, 4.0, 8.0],
    })
    agg = aggregate(runs, ["strategy"], ["pnl"])
    assert list(agg["strategy"]) == ["b", "a"]  # order of appearance, not sorted
    np.testing.assert_allclose(agg["pnl"], [2.0, 6.0])
    np.testing.assert_allclose(agg["pnl_se"], [1.0, 2.0])
    np.testing.assert_allclose(agg["pnl_file"], [10.0, -5.0])
    no_file = aggregate(runs[runs["market"] != FILE], ["strategy"], ["pnl"])
    assert no_file["pnl_file"].isna().all()
    with pytest.raises(ValueError, match="runs"):
        aggregate(runs, ["model"], ["pnl"])
    with pytest.raises(ValueError, match="metrics"):
        aggregate(runs, ["strategy"], [])


def test_paired_difference_pairs_by_session():
    runs = pd.DataFrame({
        "strategy": ["x"] * 6, "model": ["log", "log", "ra", "ra", "log", "ra"],
        "market": ["s1", "s2", "s1", "s2", FILE, FILE], "pnl": [5.0, 1.0, 2.0, 0.0, 100.0, 0.0],
    })
    d, se = paired_difference(runs, "pnl", "model", "log", "ra", strategy="x")
    assert d == pytest.approx(2.0) and se == pytest.approx(1.0)  # differences 3 and 1
    with pytest.raises(ValueError, match="model"):
        paired_difference(runs, "pnl", "model", "log", "power", strategy="x")


def _sweep_table():
    rows = []
    for inst, sharpes in (("A", {"p1": (1.0, 2.0, 3.0), "p2": (2.0, 1.0, 1.0), "p3": (0.0, 3.0, 2.0)}),
                          ("B", {"p1": (1.0, np.nan, 1.0), "p2": (1.0, 1.0, 2.0)})):
        for params, values in sharpes.items():
            for split, v in zip(("train", "validation", "test"), values):
                rows.append(dict(instrument=inst, params_json=params, split=split, sharpe=v))
    return pd.DataFrame(rows)


def test_trading_configurations_drop_every_row_of_a_configuration_without_a_sharpe():
    t = _sweep_table()
    kept = trading_configurations(t)
    assert len(kept) == len(t) - 3
    assert not ((kept["instrument"] == "B") & (kept["params_json"] == "p1")).any()
    with pytest.raises(ValueError, match="table"):
        trading_configurations(t.drop(columns="params_json"))


def test_rank_correlation_is_spearman_per_instrument():
    t = _sweep_table()
    rho = rank_correlation(t)
    # A: validation (2, 1, 3) and test (3, 1, 2) -> ranks (2, 1, 3) vs (3, 1, 2): rho = 0.5.
    assert rho["A"] == pytest.approx(0.5)
    # A: train (1, 2, 0) -> ranks (2, 3, 1) vs test ranks (3, 1, 2): rho = -0.5.
    assert rank_correlation(t, "train", "test")["A"] == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="b"):
        rank_correlation(t, "validation", "holdout")


def test_rank_correlation_ranks_only_configurations_on_both_slices():
    """A configuration missing on one slice is dropped before ranking (scipy's Spearman of
    the pairs left), and an instrument whose slice is all NaN gives NaN, not an error."""
    from scipy.stats import spearmanr

    val = {"p1": 1.0, "p2": 4.0, "p3": 2.0, "p4": 3.0, "p5": 2.5}
    test = {"p1": 2.0, "p2": 3.0, "p3": 1.0, "p4": 4.0}  # p5 never tested
    rows = [dict(instrument="A", params_json=p, split="validation", sharpe=v)
            for p, v in val.items()]
    rows += [dict(instrument="A", params_json=p, split="test", sharpe=v) for p, v in test.items()]
    rows += [dict(instrument="B", params_json=p, split=s, sharpe=np.nan if s == "test" else 1.0)
             for p in ("p1", "p2") for s in ("validation", "test")]
    rho = rank_correlation(pd.DataFrame(rows))
    keys = sorted(test)
    expected = spearmanr([val[k] for k in keys], [test[k] for k in keys]).statistic
    assert rho["A"] == pytest.approx(expected) and expected == pytest.approx(0.6)
    assert list(rho.index) == ["A", "B"] and np.isnan(rho["B"])


def test_micromarket_grid_has_144_configurations():
    assert len(expand_grid(MICROMARKET_GRID)) == 144
    assert grid_text(MICROMARKET_GRID["inventory_penalty"]) == "0.0001, 0.001, 0.002, 0.005"
    assert grid_text(MICROMARKET_GRID["fill_probability"]) == "0.6, 0.75, 0.9"
    assert grid_text([20, 50, 1000]) == "20, 50, 1,000"
    assert grid_text([-0.5]) == "−0.5"
    with pytest.raises(ValueError, match="values"):
        grid_text([])
    with pytest.raises(ValueError, match="values"):
        grid_text([float("nan")])
