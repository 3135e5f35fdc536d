"""Tests of mslab.data.funding: hand-made histories (jitter, gaps, duplicates, irregular
intervals, missing mark prices, hourly funding) and the published facts of the shipped BTC
history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from test_data_loaders import only_issue as issue
from mslab.data.funding import load_funding
from mslab.data.report import DataValidationError

H8 = 8 * 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def write(tmp_path, rows, header="fundingTime,fundingRate,markPrice", name="f.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header] + rows) + "\n")
    return path


def test_clean_history_with_jitter_and_missing_mark_prices(tmp_path):
    rows = [f"{T0 + 12},0.00010000,", f"{T0 + H8 - 30},0.00012000,",
            f"{T0 + 2 * H8},-0.00005000,42000.5", f"{T0 + 3 * H8 + 47},0.00010000,42100.0"]
    h = load_funding(write(tmp_path, rows), strict=True)
    assert h.interval_hours == 8.0
    f = h.frame
    assert list(f.index) == [2, 3, 4, 5]  # CSV line numbers (header is line 1)
    np.testing.assert_array_equal(f["jitter_ms"], [12, -30, 0, 47])
    assert list(f["settlement"]) == list(pd.date_range("2024-01-01", periods=4, freq="8h",
                                                       tz="UTC"))
    np.testing.assert_array_equal(f["rate"], [1e-4, 1.2e-4, -5e-5, 1e-4])
    assert np.isnan(f["mark_price"].iloc[:2]).all() and f["mark_price"].iloc[3] == 42100.0
    missing = issue(h.report, "missing_mark_price")
    assert (missing.action, missing.count) == ("note", 2)
    assert "8 h (inferred)" in issue(h.report, "interval").detail
    assert h.rate.index[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert list(h.between("2024-01-01 08:00", "2024-01-01 16:00").index) == [3, 4]


def test_gaps_duplicates_irregular_and_off_schedule_rows_are_reported_not_repaired(tmp_path):
    rows = [f"{T0},0.0001,1", f"{T0 + H8},0.0001,1",
            f"{T0 + H8 + 5},0.0002,1",           # line 4: same settlement again
            f"{T0 + 4 * H8},0.0001,1",           # line 5: two settlements missing
            f"{T0 + 4 * H8 + 3_600_000 * 3},0.0001,1",  # line 6: 3 h later, off the 8 h grid
            f"{T0 + 5 * H8 + 1500},0.0001,1",    # line 7: 1.5 s late
            f"{T0 + 6 * H8},0.0001,1", f"{T0 + 7 * H8},0.0001,1", f"{T0 + 8 * H8},0.0001,1"]
    h = load_funding(write(tmp_path, rows))
    rep = h.report
    assert len(h.frame) == 9  # nothing dropped, nothing filled
    assert list(issue(rep, "duplicate_settlement").rows) == [4]
    gap = issue(rep, "gap")
    assert list(gap.rows) == [5] and "2 in all" in gap.detail
    assert list(issue(rep, "irregular_interval").rows) == [6, 7]
    assert list(issue(rep, "off_schedule").rows) == [6, 7]
    assert list(load_funding(write(tmp_path, rows), max_jitter_ms=2000).report.rows(
        "off_schedule")) == [6]
    with pytest.raises(DataValidationError, match="strict validation failed"):
        load_funding(write(tmp_path, rows), strict=True)


def test_hourly_interval_is_inferred_and_can_be_given(tmp_path):
    rows = [f"{T0 + k * 3_600_000},0.0000125," for k in range(30)]
    h = load_funding(write(tmp_path, rows, name="hl.csv"))
    assert h.interval_hours == 1.0 and h.report.ok
    forced = load_funding(write(tmp_path, rows, name="hl.csv"), interval_hours=8)
    assert forced.interval_hours == 8.0
    assert forced.report.rows("off_schedule").size > 0  # hourly times are off an 8 h grid


def test_bad_rows_are_dropped_and_a_parquet_copy_loads_the_same(tmp_path):
    rows = [f"{T0},0.0001,", "x,0.0001,", f"{T0 + H8},,", f"{T0 + 2 * H8}.5,0.0001,",
            f"{T0 + 3 * H8},0.0001,1,9", f"{T0 + 4 * H8},0.0001,", f"{T0 + 2 * H8},0.0001,",
            "-1,0.0001,", "1e300,0.0001,"]
    h = load_funding(write(tmp_path, rows))
    rep = h.report
    assert list(issue(rep, "unparseable_value").rows) == [3]
    assert list(issue(rep, "missing_value").rows) == [4]
    assert list(issue(rep, "non_integer_value").rows) == [5]
    assert list(issue(rep, "malformed_row").rows) == [6]
    assert list(issue(rep, "non_monotonic_time").rows) == [8]
    assert list(issue(rep, "time_out_of_range").rows) == [9, 10]
    assert list(h.frame.index) == [2, 7, 8]
    frame = pd.DataFrame({"fundingTime": np.int64([T0, T0 + H8]), "fundingRate": [1e-4, 2e-4]})
    frame.to_parquet(tmp_path / "f.parquet")
    p = load_funding(tmp_path / "f.parquet")
    assert issue(p.report, "no_mark_price").action == "note" and p.report.ok
    np.testing.assert_array_equal(p.frame["rate"], [1e-4, 2e-4])


def test_structural_problems_and_bad_parameters(tmp_path):
    with pytest.raises(DataValidationError, match="fundingRate"):
        load_funding(write(tmp_path, [f"{T0},1"], header="fundingTime,rate"))
    with pytest.raises(DataValidationError, match="interval"):
        load_funding(write(tmp_path, [f"{T0},0.0001,"]))
    ok = write(tmp_path, [f"{T0},0.0001,", f"{T0 + H8},0.0001,"])
    for kwargs, name in (({"interval_hours": 0}, "interval_hours"),
                         ({"interval_hours": 1e9}, "interval_hours"),
                         ({"interval_hours": 1e-9}, "interval_hours"),
                         ({"max_jitter_ms": -1}, "max_jitter_ms"),
                         ({"max_jitter_ms": 0.5}, "max_jitter_ms"),
                         ({"strict": "yes"}, "strict")):
        with pytest.raises(ValueError, match=rf"^{name}="):
            load_funding(ok, **kwargs)
    with pytest.raises(ValueError, match="^path="):
        load_funding(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="^end="):
        load_funding(ok).between("2024-02-01", "2024-01-01")


def test_shipped_btc_history_reproduces_the_published_facts():
    """data/README.md and ../references/funding_basis.md: for 2020-01-01 to 2023-12-31 the
    BTCUSDT history has 4,383 settlements, mean 1.37 bp per 8 h, 40.7 % exactly 0.0100 %."""
    h = load_funding(REPO / "data" / "funding" / "BTCUSDT_funding.parquet", strict=True)
    period = h.between("2020-01-01", "2023-12-31 23:59:59")
    assert len(period) == 4_383
    assert round(period["rate"].mean() * 1e4, 2) == 1.37
    assert round(100 * np.mean(period["rate"] == 0.0001), 1) == 40.7
