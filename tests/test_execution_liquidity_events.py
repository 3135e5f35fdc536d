"""Rolling kernels against pandas, detectors, clustering and the event evaluation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data.lobster import load_lobster
from mslab.execution import liquidity_events as le

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("w", [2, 7, 60])
def test_rolling_against_pandas(w):
    x = np.random.default_rng(w).normal(size=10_000).cumsum()
    x[500] = np.nan
    mean, std = le.rolling_mean_std(x, w)
    s = pd.Series(x).rolling(w)
    np.testing.assert_allclose(mean, s.mean(), rtol=1e-9, atol=1e-9)
    # reference standard deviation by the two-pass formula on every window
    win = np.lib.stride_tricks.sliding_window_view(x, w)
    ref = np.concatenate((np.full(w - 1, np.nan), win.std(axis=1, ddof=1)))
    np.testing.assert_allclose(std, ref, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(le.rolling_median(x, w), s.median(), rtol=0, atol=0)
    assert np.isnan(mean[500 + w - 1]) and not np.isnan(mean[500 + w])


def test_detectors_and_clusters():
    spread = np.ones(400)
    spread[::2] = 2.0
    spread[300] = 9.0
    depth = np.full(400, 1000.0)
    depth[[350, 351, 352]] = 100.0
    snap = pd.DataFrame({"time": np.arange(400.0), "bid": 100.0 - spread / 2,
                         "ask": 100.0 + spread / 2, "bid_size": depth / 2, "ask_size": depth / 2})
    f = le.features(snap, 60, 100)
    d = le.detect(f, 3.0, 0.3)
    assert np.flatnonzero(d["spread_spike"]).tolist() == [300]
    assert np.flatnonzero(d["liquidity_gap"]).tolist() == [350, 351, 352]
    assert le.cluster_alerts(d["liquidity_gap"].to_numpy(), 5).tolist() == [350]
    assert le.cluster_alerts(d["liquidity_gap"].to_numpy(), 1).tolist() == [350, 351, 352]
    with pytest.raises(ValueError, match="depth_fraction"):
        le.detect(f, 3.0, 2.0)


def test_evaluation_detects_volatility_after_events():
    rng = np.random.default_rng(0)
    ret = rng.normal(0, 1e-4, 20_000)
    events = np.arange(500, 19_000, 1_000)
    for e in events:
        ret[e:e + 20] *= 10.0  # volatility burst after each event
    mid = 100.0 * np.exp(np.concatenate(([0.0], np.cumsum(ret))))
    res = le.evaluate_events(mid, events, 10, 999, seed=1)
    assert res["events"] == events.size and res["vol_p"] <= 0.002 and res["vol"] > 5 * res["vol_random"]
    calm = le.evaluate_events(mid, events + 500, 10, 999, seed=1)
    assert calm["vol_p"] > 0.05


def test_lobster_snapshots():
    data = load_lobster(DATA / "lobster" / "AAPL_2012-06-21_34200000_57600000_message_10.parquet")
    snap = le.lobster_snapshots(data, 1.0)
    assert snap["time"].iloc[0] == data.messages["time"].iloc[0] and len(snap) >= 49
    assert (snap["ask"] > snap["bid"]).all()


def test_short_series_give_nan_not_errors():
    x = np.arange(10.0)
    assert np.isnan(le.rolling_mean_std(x, 60)[0]).all() and np.isnan(le.rolling_median(x, 60)).all()
    r = le.evaluate_events(100.0 + x, np.array([1]), 60, 10, seed=0)
    assert r["events"] == 0 and np.isnan(r["vol_p"])
    with pytest.raises(ValueError, match="window"):
        le.rolling_median(x, 0)
