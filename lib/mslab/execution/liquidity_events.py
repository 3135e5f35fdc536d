"""Liquidity events: features of book snapshots, the two detectors of the "Market
Microstructure Analyzer", alerts clustered into events, and their evaluation against matched
random times.

Snapshots are taken on a regular grid of ``step_s`` seconds (the book prevailing at each grid
time). Rolling windows count snapshots and include the current one; a window is defined once it
is full (NaN before). Features: spread and mid (price units), top-of-book imbalance
(bid size − ask size)/(bid size + ask size), top depth bid size + ask size, the spread's rolling
mean and standard deviation over ``window`` snapshots, its z-score
(spread − mean)/std (NaN when std = 0), and the rolling median of top depth over
``depth_window`` snapshots. Detectors: a *spread spike* when z > ``z_threshold``; a *liquidity
gap* when top depth < ``depth_fraction`` × its rolling median.

Alerts closer than ``gap`` snapshots belong to one event (its first alert dates it). An
event is evaluated by the absolute mid return and the realised volatility (root mean square of
the one-step returns) over the ``h`` snapshots after it, in bps, against the same statistics
after random times drawn uniformly from the snapshots where the statistic is defined; the
p-value is the share of ``n_random`` random sets of as many times whose mean is at least the
events' mean (one-sided, with the +1 correction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.data.binance import BinanceCapture
from mslab.data.lobster import LobsterData
from mslab.orderbook.messages import DUMMY_ASK, DUMMY_BID

__all__ = ["binance_snapshots", "cluster_alerts", "detect", "evaluate_events", "features",
           "lobster_snapshots", "rolling_mean_std", "rolling_median"]


def _grid(quote_time: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    step_s = _validate.positive("step_s", step_s)
    n = (quote_time[-1] - quote_time[0]) // step_s + 1
    _validate.elements("step_s", n)
    n = int(n)
    grid = quote_time[0] + step_s * np.arange(n)
    return grid, np.searchsorted(quote_time, grid, side="right") - 1


def lobster_snapshots(data: LobsterData, step_s: float) -> pd.DataFrame:
    """Level-1 snapshots of a LOBSTER day every ``step_s`` seconds (prices in dollars)."""
    _validate.instance("data", data, LobsterData)
    if data.book is None:
        _validate.fail("data", data.message_path.name, "a LobsterData with its order-book file")
    t = data.messages["time"].to_numpy()
    grid, k = _grid(t, step_s)
    b = data.book[k]
    empty = (b[:, 0] == DUMMY_ASK) | (b[:, 2] == DUMMY_BID)
    ask = np.where(empty, np.nan, b[:, 0] / 1e4)
    bid = np.where(empty, np.nan, b[:, 2] / 1e4)
    return pd.DataFrame({"time": grid, "bid": bid, "ask": ask, "bid_size": b[:, 3] * 1.0,
                         "ask_size": b[:, 1] * 1.0})


def binance_snapshots(capture: BinanceCapture, step_s: float) -> pd.DataFrame:
    """bookTicker snapshots of a capture every ``step_s`` seconds (local clock, s from its
    first ticker; quantities in base units)."""
    _validate.instance("capture", capture, BinanceCapture)
    bbo = capture.bbo.sort_values("local_ns", kind="stable")
    t = (bbo["local_ns"].to_numpy(np.int64) - int(bbo["local_ns"].iloc[0])) / 1e9
    grid, k = _grid(t, step_s)
    cols = {c: bbo[c].to_numpy(np.float64)[k] for c in ("bid", "ask", "bid_qty", "ask_qty")}
    return pd.DataFrame({"time": grid, "bid": cols["bid"], "ask": cols["ask"],
                         "bid_size": cols["bid_qty"], "ask_size": cols["ask_qty"]})


_NO_TIME = np.empty(0)  # the ``time`` argument of a kernel for count windows


@njit(cache=True, inline="always")
def _window_start(time, span, w, i, start):
    """First index of the window ending at ``i``: ``i - w + 1`` for count windows (empty
    ``time``), else the first index whose time is > time[i] − span (``start`` is the previous
    one: windows only move forward)."""
    if time.shape[0] == 0:
        return max(i - w + 1, 0)
    edge = time[i] - span
    while start < i and time[start] <= edge:
        start += 1
    return start


@njit(cache=True)
def _rolling_mean_std(x, time, span, w, min_periods, mean, std):
    # Fills ``mean`` and ``std`` (allocated by NumPy, whose large arrays get transparent huge
    # pages: first writes then cost far fewer page faults than in a kernel's own arrays). One pass of running sums of (x - c) over the window, with the centre c moved to the
    # latest value and the sums recomputed once per window length (amortised O(1) per value):
    # the round-off of s2 - s²/n then scales with the spread of the values inside a window,
    # not with their level. As pandas, a run of equal values gives exactly that value and 0.
    n = x.shape[0]
    start = 0
    nobs = 0
    c = 0.0
    s = 0.0
    s2 = 0.0
    since = 0  # values added since the sums were last recomputed
    prev = np.nan  # the latest non-NaN value ...
    same = 0  # ... and how many non-NaN values in a row equal it
    for i in range(n):
        v = x[i]
        if v == v:
            d = v - c
            s += d
            s2 += d * d
            nobs += 1
            if v == prev:
                same += 1
            else:
                same = 1
                prev = v
        new_start = _window_start(time, span, w, i, start)
        while start < new_start:
            u = x[start]
            if u == u:
                d = u - c
                s -= d
                s2 -= d * d
                nobs -= 1
            start += 1
        since += 1
        if since > i - start and prev == prev:
            c = prev
            s = 0.0
            s2 = 0.0
            for j in range(start, i + 1):
                u = x[j]
                if u == u:
                    d = u - c
                    s += d
                    s2 += d * d
            since = 0
        if nobs < min_periods:
            mean[i] = np.nan
            std[i] = np.nan
        elif same >= nobs:
            mean[i] = prev
            std[i] = 0.0 if nobs > 1 else np.nan
        else:
            mu = s / nobs
            mean[i] = c + mu
            var = (s2 - s * mu) / (nobs - 1) if nobs > 1 else np.nan
            std[i] = np.sqrt(var) if var > 0.0 else (0.0 if nobs > 1 else np.nan)


# The rolling median keeps the window's non-NaN values in two binary heaps stored in one
# array ``key`` of 2 × capacity: [0, capacity) the lower half as a min-heap of −value (its root
# is the largest lower value), [capacity, 2 capacity) the upper half as a min-heap of value;
# size[0] − size[1] is 0 or 1. A value lives in ring slot i mod capacity; ``slot`` names the
# slot of each heap node, ``pos`` and ``side`` the node and heap of each slot, so a leaving
# value is found in O(1) and every update costs O(log w).

@njit(cache=True, inline="always")
def _sift_up(key, slot, pos, base, j):
    k = key[base + j]
    s = slot[base + j]
    while j > 0:
        parent = (j - 1) >> 1
        kp = key[base + parent]
        if kp <= k:
            break
        key[base + j] = kp
        sp = slot[base + parent]
        slot[base + j] = sp
        pos[sp] = j
        j = parent
    key[base + j] = k
    slot[base + j] = s
    pos[s] = j


@njit(cache=True, inline="always")
def _sift_down(key, slot, pos, base, j, n):
    k = key[base + j]
    s = slot[base + j]
    while True:
        c = 2 * j + 1
        if c >= n:
            break
        kc = key[base + c]
        if c + 1 < n:
            kd = key[base + c + 1]
            if kd < kc:
                c += 1
                kc = kd
        if kc >= k:
            break
        key[base + j] = kc
        sc = slot[base + c]
        slot[base + j] = sc
        pos[sc] = j
        j = c
    key[base + j] = k
    slot[base + j] = s
    pos[s] = j


@njit(cache=True)
def _push(key, slot, pos, side, size, cap, h, k, s):
    j = size[h]
    key[h * cap + j] = k
    slot[h * cap + j] = s
    side[s] = h
    size[h] += 1
    _sift_up(key, slot, pos, h * cap, j)


@njit(cache=True)
def _pop_at(key, slot, pos, size, cap, h, j):
    base = h * cap
    size[h] -= 1
    last = size[h]
    if j != last:
        k_old = key[base + j]
        k = key[base + last]
        s = slot[base + last]
        key[base + j] = k
        slot[base + j] = s
        pos[s] = j
        if k < k_old:
            _sift_up(key, slot, pos, base, j)
        else:
            _sift_down(key, slot, pos, base, j, last)


@njit(cache=True)
def _rebalance(key, slot, pos, side, size, cap):
    if size[0] > size[1] + 1:
        f = 0
    elif size[1] > size[0]:
        f = 1
    else:
        return
    s = slot[f * cap]
    k = -key[f * cap]
    _pop_at(key, slot, pos, size, cap, f, 0)
    _push(key, slot, pos, side, size, cap, 1 - f, k, s)


@njit(cache=True)
def _median_insert(key, slot, pos, side, size, cap, v, s):
    if size[0] == 0 or v <= -key[0]:
        _push(key, slot, pos, side, size, cap, 0, -v, s)
    else:
        _push(key, slot, pos, side, size, cap, 1, v, s)
    _rebalance(key, slot, pos, side, size, cap)


@njit(cache=True)
def _median_delete(key, slot, pos, side, size, cap, s):
    _pop_at(key, slot, pos, size, cap, side[s], pos[s])
    _rebalance(key, slot, pos, side, size, cap)


@njit(cache=True)
def _median_replace(key, slot, pos, side, size, cap, s_old, s, v):
    # the value of slot s_old leaves and v enters in slot s: v takes its node, is re-sifted in
    # that heap, then the roots are swapped if the halves cross (sizes are unchanged)
    h = side[s_old]
    j = pos[s_old]
    base = h * cap
    slot[base + j] = s
    pos[s] = j
    side[s] = h
    k_new = -v if h == 0 else v
    k_old = key[base + j]
    if k_new == k_old:
        return
    key[base + j] = k_new
    if k_new < k_old:
        _sift_up(key, slot, pos, base, j)
    else:
        _sift_down(key, slot, pos, base, j, size[h])
    if size[1] > 0 and -key[0] > key[cap]:
        a = slot[0]
        b = slot[cap]
        va = -key[0]
        key[0] = -key[cap]
        slot[0] = b
        side[b] = 0
        key[cap] = va
        slot[cap] = a
        side[a] = 1
        _sift_down(key, slot, pos, 0, 0, size[0])
        _sift_down(key, slot, pos, cap, 0, size[1])


@njit(cache=True)
def _rolling_median(x, time, span, w, min_periods, capacity, out):
    # fills ``out`` (see _rolling_mean_std on why the caller allocates it)
    n = x.shape[0]
    cap = max(capacity, 1)
    key = np.empty(2 * cap)
    slot = np.empty(2 * cap, np.int64)
    pos = np.empty(cap, np.int64)
    side = np.empty(cap, np.int64)
    size = np.zeros(2, np.int64)
    start = 0
    s = 0  # ring slot of x[i]
    for i in range(n):
        v = x[i]
        new_start = _window_start(time, span, w, i, start)
        if time.shape[0] == 0 and new_start > 0:  # x[i - w] leaves, from slot s
            old = x[i - w]
            if old == old and v == v:
                _median_replace(key, slot, pos, side, size, cap, s, s, v)
            elif old == old:
                _median_delete(key, slot, pos, side, size, cap, s)
            elif v == v:
                _median_insert(key, slot, pos, side, size, cap, v, s)
        else:
            entered = v != v  # NaN never enters
            while start < new_start:
                if x[start] == x[start]:
                    if entered:
                        _median_delete(key, slot, pos, side, size, cap, start % cap)
                    else:
                        _median_replace(key, slot, pos, side, size, cap, start % cap, s, v)
                        entered = True
                start += 1
            if not entered:
                _median_insert(key, slot, pos, side, size, cap, v, s)
        start = new_start
        s = s + 1 if s + 1 < cap else 0
        m = size[0] + size[1]
        if m < min_periods:
            out[i] = np.nan
        else:
            out[i] = -key[0] if m & 1 else 0.5 * (-key[0] + key[cap])
    return out


def _window(x: np.ndarray, window, time, min_periods, low: int
            ) -> tuple[np.ndarray, float, int, int, int]:
    """Validated window of a rolling function: (time or empty, span, count, min_periods,
    largest number of values in one window)."""
    if x.ndim != 1:
        _validate.fail("x", f"an array of shape {x.shape}", "a 1-D array")
    if time is None:
        w = _validate.integer("window", window, low=low)
        _validate.elements("window", float(w))
        mp = w if min_periods is None else _validate.integer("min_periods", min_periods, low=1,
                                                             high=w, high_name="window")
        return _NO_TIME, float(w), w, mp, min(w, x.size)
    span = _validate.positive("window", window)
    t = _validate.series("time", time)
    if t.shape != x.shape or not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
        _validate.fail("time", f"an array of shape {t.shape}",
                       f"finite non-decreasing times, one per value ({x.size})")
    mp = 1 if min_periods is None else _validate.integer("min_periods", min_periods, low=1)
    size = np.arange(x.size) - np.searchsorted(t, t - span, side="right") + 1
    return t, span, 0, mp, int(size.max(initial=0))


def rolling_mean_std(x: np.ndarray, window, time: np.ndarray | None = None,
                     min_periods: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation, as pandas ``rolling``.

    Without ``time``, the window is the ``window`` (integer >= 2) values ending at each one;
    with ``time`` (non-decreasing, one per value), the values whose time lies in
    (t − ``window``, t], as pandas ``rolling(f"{window}s")`` on a time index. NaN values are
    skipped; a result is NaN when the window holds fewer than ``min_periods`` values (default:
    ``window`` for count windows, i.e. NaN until full and while a NaN is inside; 1 for time
    windows), the standard deviation also when it holds fewer than two.
    """
    x = _validate.series("x", x)
    t, span, w, mp, _ = _window(x, window, time, min_periods, low=2)
    mean, std = np.empty(x.size), np.empty(x.size)
    _rolling_mean_std(x, t, span, w, mp, mean, std)
    return mean, std


def rolling_median(x: np.ndarray, window, time: np.ndarray | None = None,
                   min_periods: int | None = None) -> np.ndarray:
    """Rolling median, as pandas ``rolling(...).median()``: windows, NaN values and
    ``min_periods`` as in :func:`rolling_mean_std` (count windows: an integer >= 1). Costs
    O(log w) per value for windows of at most w values (two heaps)."""
    x = _validate.series("x", x)
    t, span, w, mp, capacity = _window(x, window, time, min_periods, low=1)
    out = np.empty(x.size)
    _rolling_median(x, t, span, w, mp, capacity, out)
    return out


@njit(cache=True, error_model="numpy")
def _features_kernel(bid, ask, bid_size, ask_size, window, depth_window, out):
    # out: the 8 feature columns of ``features`` (rows), filled in place
    mid, spread, imbalance, depth, mean, std, z, median = out
    n = bid.shape[0]
    for i in range(n):
        mid[i] = 0.5 * (bid[i] + ask[i])
        spread[i] = ask[i] - bid[i]
        depth[i] = bid_size[i] + ask_size[i]
        imbalance[i] = (bid_size[i] - ask_size[i]) / depth[i]
    _rolling_mean_std(spread, _NO_TIME, float(window), window, window, mean, std)
    for i in range(n):
        z[i] = (spread[i] - mean[i]) / std[i] if std[i] > 0.0 else np.nan
    _rolling_median(depth, _NO_TIME, float(depth_window), depth_window, depth_window,
                    min(depth_window, n), median)


def features(snap: pd.DataFrame, window: int, depth_window: int) -> pd.DataFrame:
    """The snapshot features of the module docstring, added to a copy of ``snap`` (one kernel
    call computes them all)."""
    _validate.instance("snap", snap, pd.DataFrame)
    if not {"bid", "ask", "bid_size", "ask_size"} <= set(snap.columns):
        _validate.fail("snap", list(snap.columns), "a frame of snapshots (bid, ask, bid_size, "
                       "ask_size)")
    window = _validate.integer("window", window, low=2)
    depth_window = _validate.integer("depth_window", depth_window, low=1)
    for name, w in (("window", window), ("depth_window", depth_window)):
        _validate.elements(name, float(w))
    cols = [snap[c].to_numpy(np.float64) for c in ("bid", "ask", "bid_size", "ask_size")]
    names = ("mid", "spread", "imbalance", "top_depth", "spread_mean", "spread_std", "spread_z",
             "depth_median")
    values = np.empty((len(names), len(snap)))
    _features_kernel(*[np.ascontiguousarray(c) for c in cols], window, depth_window, values)
    # values.T has pandas' own block layout: the frame wraps it without a copy
    return pd.concat([snap, pd.DataFrame(values.T, index=snap.index, columns=list(names),
                                         copy=False)], axis=1)


def detect(feat: pd.DataFrame, z_threshold: float = 3.0, depth_fraction: float = 0.3
           ) -> pd.DataFrame:
    """Boolean columns ``spread_spike`` and ``liquidity_gap`` per snapshot."""
    _validate.instance("feat", feat, pd.DataFrame)
    if not {"spread_z", "top_depth", "depth_median"} <= set(feat.columns):
        _validate.fail("feat", list(feat.columns), "a frame from features()")
    z_threshold = _validate.real("z_threshold", z_threshold)
    depth_fraction = _validate.real("depth_fraction", depth_fraction, low=0.0, high=1.0)
    return pd.DataFrame({"spread_spike": (feat["spread_z"] > z_threshold).to_numpy(),
                         "liquidity_gap": (feat["top_depth"]
                                           < depth_fraction * feat["depth_median"]).to_numpy()})


def cluster_alerts(alerts: np.ndarray, gap: int) -> np.ndarray:
    """Indices of the first alert of each event (alerts closer than ``gap`` snapshots to the
    previous alert join its event)."""
    gap = _validate.integer("gap", gap, low=1)
    idx = np.flatnonzero(_validate.series("alerts", alerts, dtype=bool))
    if idx.size == 0:
        return idx
    return idx[np.concatenate(([True], np.diff(idx) >= gap))]


def evaluate_events(mid: np.ndarray, events: np.ndarray, h: int, n_random: int, seed: int
                    ) -> dict[str, float]:
    """Mean absolute return and realised volatility (bps) over ``h`` snapshots after the
    events against matched random times, with permutation p-values (module docstring)."""
    mid = _validate.series("mid", mid)
    h = _validate.integer("h", h, low=1)
    n_random = _validate.integer("n_random", n_random, low=1)
    seed = _validate.seed("seed", seed)
    ev = _validate.series("events", events, dtype=np.float64)
    if np.any(ev != np.round(ev)) or np.any((ev < 0) | (ev >= mid.size)):
        _validate.fail("events", "<indices>", f"snapshot indices into mid, in [0, {mid.size})")
    ev = ev.astype(np.int64)
    ret1 = np.diff(mid) / mid[:-1] * 1e4
    n = max(mid.size - h, 0)
    absret = np.full(mid.size, np.nan)
    absret[:n] = np.abs(mid[h:] / mid[:n] - 1.0) * 1e4
    sq = np.concatenate(([0.0], np.cumsum(np.where(np.isnan(ret1), 0.0, ret1) ** 2)))
    vol = np.full(mid.size, np.nan)
    cnt = np.concatenate(([0], np.cumsum(np.isnan(ret1))))
    if n:
        vol[:n] = np.sqrt((sq[h:h + n] - sq[:n]) / h)
        vol[:n][(cnt[h:h + n] - cnt[:n]) > 0] = np.nan
    ok = np.flatnonzero(np.isfinite(absret) & np.isfinite(vol))
    ev = ev[np.isin(ev, ok)]
    out = {"events": float(ev.size)}
    if ev.size == 0:
        return out | {k: np.nan for k in ("absret", "absret_random", "absret_p", "vol",
                                          "vol_random", "vol_p")}
    _validate.work("n_random, events", float(n_random) * ev.size)
    draws = np.random.default_rng(seed).choice(ok, size=(n_random, ev.size), replace=True)
    for name, stat in (("absret", absret), ("vol", vol)):
        obs = float(stat[ev].mean())
        null = stat[draws].mean(axis=1)
        out |= {name: obs, f"{name}_random": float(null.mean()),
                f"{name}_p": float((1 + np.sum(null >= obs)) / (n_random + 1))}
    return out
