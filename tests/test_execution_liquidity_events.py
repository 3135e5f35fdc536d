"""Rolling kernels against pandas, detectors, clustering and the event evaluation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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



@pytest.fixture(scope="module")
def aapl_events():
    """Event-level top depth and spread of the AAPL day on its nanosecond clock (times as
    exact float nanoseconds, so window edges are exact in both libraries), with a NaN gap."""
    data = load_lobster(DATA / "lobster" / "AAPL_2012-06-21_34200000_57600000_message_1.parquet")
    book = data.book.astype(np.float64)
    t_ns = np.round(data.messages["time"].to_numpy() * 1e9)
    depth, spread = book[:, 1] + book[:, 3], book[:, 0] - book[:, 2]
    depth[1_000:1_010] = np.nan
    spread[5_000] = np.nan
    return t_ns, depth, spread


@pytest.mark.parametrize("seconds, min_periods", [(600, None), (60, 5), (1, None)])
def test_time_windows_equal_pandas(aapl_events, seconds, min_periods):
    """Time windows (t − window, t] as pandas ``rolling("600s")`` (closed right, NaN skipped,
    min_periods 1 by default) on real data: the median bit for bit, the mean within 1e-12 of
    the series' scale; the standard deviation within 1e-12 of the scale of the two-pass value
    on every window, and within 1e-7 of pandas (whose add/remove updates drift that far)."""
    t_ns, depth, spread = aapl_events
    span = seconds * 1e9
    lo = np.searchsorted(t_ns, t_ns - span, side="right")
    for x in (depth, spread):
        r = pd.Series(x, index=pd.to_datetime(t_ns.astype(np.int64))).rolling(
            f"{seconds}s", min_periods=min_periods)
        scale = np.nanmax(np.abs(x))
        np.testing.assert_array_equal(le.rolling_median(x, span, time=t_ns, min_periods=min_periods),
                                      r.median())
        mean, std = le.rolling_mean_std(x, span, time=t_ns, min_periods=min_periods)
        np.testing.assert_allclose(mean, r.mean(), rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(std, r.std(), rtol=0, atol=1e-7 * scale)
        idx = np.random.default_rng(seconds).choice(x.size, 3_000, replace=False)
        ref = np.array([np.nanstd(x[lo[i]:i + 1], ddof=1)
                        if np.sum(~np.isnan(x[lo[i]:i + 1])) >= max(2, min_periods or 1)
                        else np.nan for i in idx])
        np.testing.assert_allclose(std[idx], ref, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("w", [1, 2, 5, 600])
def test_median_ties_and_nan_equal_pandas(w):
    """Few distinct values (ties everywhere), NaN runs and min_periods below the window."""
    x = np.random.default_rng(w).integers(0, 4, 30_000).astype(float)
    x[::97] = np.nan
    x[200:260] = np.nan
    for mp in (None, 1, w // 2 + 1):
        np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp),
                                      pd.Series(x).rolling(w, min_periods=mp).median())
    if w > 1:
        mean, std = le.rolling_mean_std(x, w, min_periods=1)
        s = pd.Series(x).rolling(w, min_periods=1)
        np.testing.assert_allclose(mean, s.mean(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(std, s.std(), rtol=0, atol=1e-9)


def test_constant_run_gives_exact_zero_std():
    """A run of equal values has mean exactly that value and standard deviation exactly 0
    (so a z-score never divides by round-off), even at a level far from zero."""
    x = np.concatenate((np.random.default_rng(0).normal(1e6, 1.0, 500), np.full(100, 1e6 + 0.1)))
    mean, std = le.rolling_mean_std(x, 60)
    assert np.all(mean[560:] == 1e6 + 0.1) and np.all(std[560:] == 0.0) and np.all(std[500:559] > 0)


def test_features_equal_pandas():
    """The one-kernel features against the pandas formulas on a real 1-s grid."""
    data = load_lobster(DATA / "lobster" / "AAPL_2012-06-21_34200000_57600000_message_1.parquet")
    snap = le.lobster_snapshots(data, 1.0)
    f = le.features(snap, 60, 600)
    spread = snap["ask"] - snap["bid"]
    depth = snap["bid_size"] + snap["ask_size"]
    mean, std = spread.rolling(60).mean(), spread.rolling(60).std()
    np.testing.assert_array_equal(f["mid"], 0.5 * (snap["bid"] + snap["ask"]))
    np.testing.assert_array_equal(f["imbalance"], (snap["bid_size"] - snap["ask_size"]) / depth)
    np.testing.assert_array_equal(f["depth_median"], depth.rolling(600).median())
    np.testing.assert_allclose(f["spread_mean"], mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["spread_std"], std, rtol=0, atol=1e-9)
    z = np.where(std > 1e-9, (spread - mean) / std, np.nan)
    np.testing.assert_allclose(f["spread_z"].where(std > 1e-9), z, rtol=1e-6, atol=1e-9)


def _snapshots(spread: np.ndarray, depth: np.ndarray) -> pd.DataFrame:
    """Snapshots whose spread and top depth are exactly ``spread`` and ``depth``."""
    return pd.DataFrame({"bid": np.full(spread.size, 100.0), "ask": 100.0 + spread,
                         "bid_size": 0.25 * depth, "ask_size": 0.75 * depth})


@pytest.mark.parametrize("missing", [(), (5, 70, 71, 400)])
def test_features_z_and_missing_quotes(missing):
    """The spread's mean, std and z-score of ``features`` (one pass over finite spreads; the
    general pass once a quote is missing) against pandas, NaN where pandas has NaN: a
    missing quote leaves the 60 windows holding it undefined, and z is NaN where std is 0."""
    rng = np.random.default_rng(3)
    spread = rng.integers(1, 4, 1_000) * 0.01
    spread[600:700] = 0.02  # a flat stretch: std 0, z NaN
    depth = rng.integers(1, 50, 1_000) * 100.0
    snap = _snapshots(spread, depth)
    snap.loc[list(missing), "ask"] = np.nan
    f = le.features(snap, 60, 100)
    s = snap["ask"] - snap["bid"]
    mean, std = s.rolling(60).mean(), s.rolling(60).std()
    np.testing.assert_allclose(f["spread_mean"], mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["spread_std"], std, rtol=0, atol=1e-9)
    z = np.where(std > 1e-9, (s - mean) / std, np.nan)
    np.testing.assert_allclose(f["spread_z"], z, rtol=1e-6, atol=1e-9)
    assert f["spread_z"].isna().sum() == np.isnan(z).sum() >= 59 + 40 + 60 * len(missing) // 2


def test_bad_windows_and_times():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="time"):
        le.rolling_median(x, 3.0, time=x[::-1])
    with pytest.raises(ValueError, match="time"):
        le.rolling_mean_std(x, 3.0, time=x[:5])
    with pytest.raises(ValueError, match="min_periods"):
        le.rolling_median(x, 3, min_periods=4)
    with pytest.raises(ValueError, match="window"):
        le.rolling_mean_std(x, 0.0, time=x)

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


def _irregular_times(n, seed):
    """Irregular nanosecond times with repeats and bursts (exact integers in float)."""
    gaps = np.random.default_rng(seed).choice([0, 1, 2, 5, 40, 900], size=n,
                                              p=[0.2, 0.3, 0.2, 0.15, 0.1, 0.05])
    return np.cumsum(gaps).astype(float) * 1e6


@pytest.mark.parametrize("seconds", [0.001, 0.05, 0.7, 30.0, 1e4])
def test_median_blocks_on_irregular_times_equal_pandas(seconds):
    """The block-sorted median on windows from one value to longer than the data, over block
    lengths many enough (> 64 distinct) to take the padded sorting path, with ties and NaN
    runs."""
    n = 20_000
    t = _irregular_times(n, int(seconds * 1000))
    rng = np.random.default_rng(7)
    x = rng.integers(0, 6, n).astype(float) + (rng.random(n) < 0.3) * rng.normal(size=n)
    x[rng.random(n) < 0.02] = np.nan
    x[3_000:3_400] = np.nan
    lo = np.searchsorted(t, t - seconds * 1e9, side="right")
    if seconds == 0.7:
        assert np.unique(np.diff(le._block_starts(lo))).size > 64
    for mp in (None, 3):
        ref = pd.Series(x, index=pd.to_datetime(t.astype(np.int64))).rolling(
            f"{seconds * 1e9:.0f}ns", min_periods=mp).median()
        np.testing.assert_array_equal(le.rolling_median(x, seconds * 1e9, time=t, min_periods=mp),
                                      ref)


@pytest.mark.parametrize("w", [1, 2, 3, 599, 600, 601, 25_000])
def test_median_count_windows_on_block_edges_equal_pandas(w):
    """Count windows around the block length, a window of one value and one longer than the
    data, on values with ties and a NaN run crossing a block boundary."""
    x = np.random.default_rng(w).integers(0, 50, 24_000).astype(float)
    x[1_190:1_215] = np.nan
    for mp in (None, 1):
        np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp),
                                      pd.Series(x).rolling(w, min_periods=mp).median())


@pytest.mark.parametrize("w", [2, 3, 60, 601])
def test_full_window_mean_std_equal_pandas(w):
    """Count windows over finite values (the branch-free loop): against pandas, and runs of
    equal values longer and shorter than the window starting inside a recentring block."""
    rng = np.random.default_rng(w)
    x = 1e4 + np.round(rng.normal(size=30_000).cumsum(), 2)
    x[5_000:5_000 + w + 7] = x[5_000]  # a flat window
    x[9_000:9_000 + w - 1] = 3.0  # one value short of flat
    mean, std = le.rolling_mean_std(x, w)
    r = pd.Series(x).rolling(w)
    np.testing.assert_allclose(mean, r.mean(), rtol=0, atol=1e-8)
    win = np.lib.stride_tricks.sliding_window_view(x, w)
    ref = np.concatenate((np.full(w - 1, np.nan), win.std(axis=1, ddof=1)))
    np.testing.assert_allclose(std, ref, rtol=1e-7, atol=1e-9)
    flat = np.flatnonzero(np.concatenate((np.zeros(w - 1, bool), np.ptp(win, axis=1) == 0)))
    assert flat.size >= 8 and np.all(std[flat] == 0.0) and np.all(mean[flat] == x[flat])
    assert np.all(std[9_000 + w - 2:9_000 + w - 1] > 0)


def _awkward_values(n, seed):
    """Values that stress the packed sort keys: ties, NaN, ±inf, ±0, subnormals, huge and tiny
    magnitudes of both signs, and runs of values equal in all but their lowest mantissa bits."""
    rng = np.random.default_rng(seed)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.2e-308, 1e-300,
                        -1e-300, 1.7976931348623157e308, -1.7976931348623157e308, 1e300, -1e300,
                        1.0, -1.0, 3.0])
    x = rng.choice(special, n)
    close = rng.random(n) < 0.5  # 1 + k ulp and -(1 + k ulp), k < 4096: the low 12 bits differ
    ulps = rng.integers(0, 4096, n)
    sign = np.where(rng.random(close.sum()) < 0.5, 1.0, -1.0)
    x[close] = sign * (1.0 + ulps[close] * 2.0 ** -52)
    return x


@pytest.mark.parametrize("w", [1, 2, 7, 64, 600, 3_000])
def test_median_of_awkward_values_equals_pandas(w):
    """The packed-key block sort on every kind of float: the median bit for bit as pandas
    (which reads ±inf as missing)."""
    x = _awkward_values(12_000, w)
    for mp in (None, 1):
        np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp),
                                      pd.Series(x).rolling(w, min_periods=mp).median())


@pytest.mark.parametrize("w", [1, 2, 5, 64, 600])
def test_median_full_block_path_equals_pandas(w):
    """The loop for blocks of w finite values after such a block (_slide_full_block) and its
    hand-overs with the general loop: blocks all finite, a missing value first in a block
    (gone before the block after it starts, so that block takes the fast loop), second or
    last in a block (the general loop), heavy ties and ±0, a partial last block; the median
    bit for bit as pandas, for every min_periods."""
    rng = np.random.default_rng(w)
    blocks = 24
    x = rng.integers(0, 4, blocks * w + w // 2 + 1).astype(float)
    x[rng.random(x.size) < 0.2] = -0.0
    for b, at in ((3, 0), (7, 1 % w), (11, w - 1), (12, 0), (19, w // 2)):
        x[b * w + at] = np.nan
    x[20 * w:21 * w] = np.arange(w)[::-1]  # distinct values leaving in the reverse order
    for mp in sorted({1, max(1, w // 2), w}):
        np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp),
                                      pd.Series(x).rolling(w, min_periods=mp).median())


@pytest.mark.parametrize("lengths", [[600] * 20, [1, 2, 3, 4_097, 8_400, 17, 600],
                                     list(range(1, 200, 3))])
def test_block_order_sorts_each_block(lengths):
    """Each block's order lists its finite values' indices by ascending value, then its block
    length once per missing value: values equal in all but the lowest bits (reordered by the
    insertion pass), a descending run of them (which exhausts its budget: a merge sort takes
    over), and block lengths with and without padding (more than 64 distinct lengths)."""
    bstart = np.concatenate(([0], np.cumsum(lengths)))
    x = _awkward_values(bstart[-1], len(lengths))
    x[bstart[1]:bstart[2]] = 1.0 + np.arange(lengths[1])[::-1] * 2.0 ** -52  # descending
    order = np.full(x.size, -7, np.int64)
    le._block_order(x, bstart, order)
    for b0, b1 in zip(bstart[:-1], bstart[1:]):
        v = x[b0:b1]
        finite = np.flatnonzero(np.isfinite(v))
        o = order[b0:b1]
        assert sorted(o[:finite.size]) == finite.tolist()
        assert np.all(np.diff(v[o[:finite.size]]) >= 0)
        assert np.all(o[finite.size:] == b1 - b0)


def test_infinities_are_missing_as_in_pandas():
    """±inf counts as missing in the mean, standard deviation and median, as in pandas."""
    x = np.random.default_rng(3).normal(size=3_000)
    x[[10, 11, 500, 2_000]] = [np.inf, -np.inf, np.inf, -np.inf]
    for w, mp in ((5, 3), (60, None), (60, 1)):
        r = pd.Series(x).rolling(w, min_periods=mp)
        mean, std = le.rolling_mean_std(x, w, min_periods=mp)
        np.testing.assert_allclose(mean, r.mean(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(std, r.std(), rtol=0, atol=1e-12)
        np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp), r.median())
    assert np.isnan(le.rolling_median(x, 60)[70]) and not np.isnan(le.rolling_median(x, 60)[71])


def test_insertion_order_bounds_its_work():
    """The insertion pass sorts nearly sorted indices in place and hands a reversed block to a
    merge sort (its quadratic work bounded), with the same result."""
    v = np.arange(5_000.0)
    for idx, merged in ((np.arange(5_000)[::-1].copy(), True),
                        (np.r_[1, 0, 3, 2, 4:4_990, 4_999, 4_990:4_999], False)):
        assert le._insertion_order(v, idx) == merged
        assert np.array_equal(idx, np.arange(5_000))


@pytest.mark.parametrize("span, w", [(0.0, 600), (2e9, 0), (0.0, 37)])
def test_median_runs_started_anywhere_agree(aapl_events, span, w):
    """A run started at any block (warmed up on the block before) gives the outputs of one run
    over the whole series: the series cut at every 7th block and at random blocks."""
    t_ns, depth, _ = aapl_events
    x = depth[:40_000]
    if w:
        lo, bstart = le._NO_START, np.append(np.arange(0, x.size, w), x.size)
    else:
        lo = le._window_starts(t_ns[:x.size], span)
        bstart = le._block_starts(lo)
    order = np.empty(x.size, np.int64)
    le._block_order(x, bstart, order)
    nb = bstart.size - 1
    one = np.full(x.size, -1.0)
    le._rolling_median(x, lo, w, 3, bstart, order, one, 0, nb)
    rng = np.random.default_rng(nb)
    for cuts in (np.arange(0, nb, 7), np.sort(rng.choice(np.arange(1, nb), 5, replace=False))):
        edges = np.unique(np.concatenate(([0], cuts, [nb])))
        pieces = np.full(x.size, -1.0)
        for b0, b1 in zip(edges[:-1], edges[1:]):
            le._rolling_median(x, lo, w, 3, bstart, order, pieces, b0, b1)
        np.testing.assert_array_equal(pieces, one)
    assert nb > 20 and not np.any(one == -1.0)


def test_thread_counts_give_identical_outputs(aapl_events, monkeypatch):
    """One thread and two (runs of a few thousand values each) give the same bits: median by
    count and by time, mean and standard deviation, all features."""
    t_ns, depth, spread = aapl_events
    monkeypatch.setattr(le, "_PARALLEL_MIN", 1_000)
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    results = []
    try:
        for k in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(k)
            assert le._threads(depth.size) == k
            results.append((le.rolling_median(depth, 600), le.rolling_median(depth, 60e9, t_ns),
                            *le.rolling_mean_std(spread[:5_000], 60),
                            *le.rolling_mean_std(depth[2_000:], 7),
                            le.features(_snapshots(spread, depth), 60, 600).to_numpy()))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    assert numba.config.NUMBA_NUM_THREADS >= 2


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                          st.sampled_from([0.0, -0.0, 1.0, 1.0 + 2.0 ** -52, 5e-324])),
                min_size=1, max_size=300),
       st.integers(1, 40), st.integers(1, 40))
def test_median_property_equals_pandas(values, w, mp):
    """Any floats, any count window and min_periods: the median bit for bit as pandas."""
    x = np.array(values)
    mp = min(mp, w)
    np.testing.assert_array_equal(le.rolling_median(x, w, min_periods=mp),
                                  pd.Series(x).rolling(w, min_periods=mp).median())
