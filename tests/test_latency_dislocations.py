"""Cross-venue dislocations: edges, episodes and durations on hand-made quotes, and the
shipped Binance captures."""

import numpy as np
import pandas as pd
import pytest

from mslab.latency.dislocations import dislocations, merge_quotes


def quotes(times, bids, asks):
    q = pd.DataFrame({"time_ms": np.asarray(times, float), "bid": bids, "ask": asks})
    q["mid"] = 0.5 * (q["bid"] + q["ask"])
    q["log_mid"] = np.log(q["mid"])
    return q


def test_one_dislocation_found_with_its_duration_and_peak():
    t = np.arange(0.0, 3000.0, 10.0)
    a = quotes(t, np.full(t.size, 100.00), np.full(t.size, 100.01))
    b_bid, b_ask = np.full(t.size, 99.99), np.full(t.size, 100.00)
    hit = (t >= 2000) & (t < 2050)          # B's ask drops 3 bp for 50 ms
    b_bid[hit], b_ask[hit] = 99.96, 99.97
    b = quotes(t + 5.0, b_bid, b_ask)       # B updates 5 ms after A
    m = merge_quotes(a, b, basis_window=1.0)
    assert m["time_ms"].iloc[0] >= 1005.0
    d = dislocations(m, threshold_bp=1.0)
    assert len(d) == 1
    row = d.iloc[0]
    assert row["start_ms"] == 2005.0 and row["duration_ms"] == 50.0 and row["direction"] == 1
    # edge = log(bid_a / ask_b) − basis, basis = median log mid ratio ≈ log(100.005/99.995)
    expected = 1e4 * (np.log(100.00 / 99.97) - np.log(100.005 / 99.995))
    assert row["peak_bp"] == pytest.approx(expected, abs=0.05)
    assert dislocations(m, threshold_bp=5.0).empty


def test_open_episode_is_censored():
    t = np.arange(0.0, 2000.0, 10.0)
    a = quotes(t, np.full(t.size, 100.0), np.full(t.size, 100.01))
    b_ask = np.where(t >= 1900, 99.9, 100.02)
    b = quotes(t, b_ask - 0.01, b_ask)
    d = dislocations(merge_quotes(a, b, basis_window=1.0), threshold_bp=2.0)
    assert len(d) == 1 and np.isnan(d["duration_ms"].iloc[0])


def test_bad_input():
    with pytest.raises(ValueError, match="basis_window"):
        q = quotes([0.0, 1.0], [1.0, 1.0], [1.1, 1.1])
        merge_quotes(q, q, basis_window=0.0)
    with pytest.raises(ValueError, match="merged"):
        dislocations(pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize("drop", ["time_ms", "edge_ba_bp"])
def test_frame_without_time_or_second_edge_is_refused(drop):
    m = pd.DataFrame({"time_ms": [0.0, 1.0], "edge_ab_bp": [2.0, 0.0], "edge_ba_bp": [0.0, 0.0]})
    with pytest.raises(ValueError, match=r"^merged='DataFrame' is not allowed.*edge_ba_bp"):
        dislocations(m.drop(columns=drop))
