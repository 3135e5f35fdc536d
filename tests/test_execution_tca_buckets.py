"""Size and time-of-day buckets of trade tapes (the labels and the stacked tables)."""

import numpy as np
import pytest

from mslab.execution.tca import (TradeTape, bucket_tables, horizon_table, markouts, size_labels,
                                 time_of_day_labels)


def _tape(name, n=9, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 7200, n))
    return TradeTape(name=name, time=t, price=100 + rng.integers(-2, 3, n).astype(float),
                     size=np.arange(1.0, n + 1), side=rng.choice([-1.0, 1.0], n),
                     arrival_mid=np.full(n, 100.0), quote_time=np.array([0.0, 3600.0]),
                     mid=np.array([100.0, 101.0]), unit=1.0, hidden=np.zeros(n, bool))


def test_size_labels_equal_count():
    labels = size_labels(np.arange(1.0, 10.0), 3)
    assert labels.tolist() == ["Q1: 1–3"] * 3 + ["Q2: 4–6"] * 3 + ["Q3: 7–9"] * 3
    # repeated sizes merge buckets instead of failing
    assert set(size_labels(np.ones(6), 3)) == {"Q1: 1–1"}
    with pytest.raises(ValueError, match="buckets"):
        size_labels([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="size"):
        size_labels([], 2)


def test_time_of_day_labels():
    assert time_of_day_labels([0.0, 1799.0, 1800.0], 60, offset=34_200.0).tolist() == [
        "09:00", "09:00", "10:00"]
    assert time_of_day_labels([0.0, 119.9, 120.0], 2).tolist() == ["00:00", "00:00", "00:02"]
    # across midnight (epoch offset of 2024-08-08 23:59:00 UTC) the labels carry the date
    lab = time_of_day_labels([0.0, 30.0, 90.0], 1, offset=1_723_161_540.0)
    assert lab.tolist() == ["08-08 23:59", "08-08 23:59", "08-09 00:00"]
    assert sorted(lab) == lab.tolist()
    with pytest.raises(ValueError, match="minutes"):
        time_of_day_labels([0.0], 0)


def test_bucket_tables_stack_horizon_tables():
    tapes = [_tape("A"), _tape("B", seed=1)]
    results = [markouts(t, [0.0, 3600.0]) for t in tapes]
    groups = [size_labels(t.size, 3) for t in tapes]
    table, stats = bucket_tables(tapes, results, groups, 3600.0, "size")
    assert table.index.names == ["market", "size"]
    for t, r, g in zip(tapes, results, groups):
        one, raw = horizon_table(t, r, g, 3600.0)
        assert table.loc[t.name].equals(one.rename_axis("size"))
        np.testing.assert_array_equal(stats.loc[t.name, "impact_mean"], raw["impact_mean"])
    with pytest.raises(ValueError, match="groups"):
        bucket_tables(tapes, results, groups[:1], 3600.0, "size")
