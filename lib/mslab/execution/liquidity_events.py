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
    n = int((quote_time[-1] - quote_time[0]) // step_s) + 1
    _validate.elements("step_s", float(n))
    grid = quote_time[0] + step_s * np.arange(n)
    return grid, np.searchsorted(quote_time, grid, side="right") - 1


def lobster_snapshots(data: LobsterData, step_s: float) -> pd.DataFrame:
    """Level-1 snapshots of a LOBSTER day every ``step_s`` seconds (prices in dollars)."""
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
    bbo = capture.bbo.sort_values("local_ns", kind="stable")
    t = (bbo["local_ns"].to_numpy(np.int64) - int(bbo["local_ns"].iloc[0])) / 1e9
    grid, k = _grid(t, step_s)
    cols = {c: bbo[c].to_numpy(np.float64)[k] for c in ("bid", "ask", "bid_qty", "ask_qty")}
    return pd.DataFrame({"time": grid, "bid": cols["bid"], "ask": cols["ask"],
                         "bid_size": cols["bid_qty"], "ask_size": cols["ask_qty"]})


@njit(cache=True)
def _rolling_mean_std(x, w):
    # Running sums of (x - c), with the centre c moved to the current value and the sums
    # recomputed every w steps (amortised O(1) per value): the round-off of s2 - s²/w then
    # scales with the spread of values inside a window, not with their level.
    n = x.shape[0]
    mean = np.full(n, np.nan)
    std = np.full(n, np.nan)
    c = 0.0
    s = 0.0
    s2 = 0.0
    bad = 0
    for i in range(n):
        v = x[i]
        if np.isnan(v):
            bad += 1
        if i >= w and np.isnan(x[i - w]):
            bad -= 1
        if i % w == 0 and not np.isnan(v):
            c = v
            s = 0.0
            s2 = 0.0
            for j in range(max(0, i - w + 1), i + 1):
                if not np.isnan(x[j]):
                    s += x[j] - c
                    s2 += (x[j] - c) ** 2
        else:
            if not np.isnan(v):
                s += v - c
                s2 += (v - c) ** 2
            if i >= w and not np.isnan(x[i - w]):
                s -= x[i - w] - c
                s2 -= (x[i - w] - c) ** 2
        if i >= w - 1 and bad == 0:
            mean[i] = c + s / w
            var = (s2 - s * s / w) / (w - 1)
            std[i] = np.sqrt(var) if var > 0.0 else 0.0
    return mean, std


@njit(cache=True)
def _rolling_median(x, w):
    n = x.shape[0]
    out = np.full(n, np.nan)
    buf = np.empty(w)  # the window, kept sorted
    filled = 0
    bad = 0
    for i in range(n):
        v = x[i]
        if i >= w:  # remove x[i - w] from the sorted buffer
            old = x[i - w]
            if np.isnan(old):
                bad -= 1
            else:
                j = np.searchsorted(buf[:filled], old)
                for q in range(j, filled - 1):
                    buf[q] = buf[q + 1]
                filled -= 1
        if np.isnan(v):
            bad += 1
        else:
            j = np.searchsorted(buf[:filled], v)
            for q in range(filled, j, -1):
                buf[q] = buf[q - 1]
            buf[j] = v
            filled += 1
        if i >= w - 1 and bad == 0:
            h = w // 2
            out[i] = buf[h] if w % 2 else 0.5 * (buf[h - 1] + buf[h])
    return out


def rolling_mean_std(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation over ``window`` values (NaN until the
    window is full or while it holds a NaN; all NaN when ``window`` exceeds the series)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    window = _validate.integer("window", window, low=2)
    _validate.elements("window", float(window))
    return _rolling_mean_std(x, window)


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Rolling median over ``window`` values (NaN until full or while it holds a NaN)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    window = _validate.integer("window", window, low=1)
    _validate.elements("window", float(window))
    _validate.work("x, window", float(x.size) * window)
    return _rolling_median(x, window)


def features(snap: pd.DataFrame, window: int, depth_window: int) -> pd.DataFrame:
    """The snapshot features of the module docstring, added to a copy of ``snap``."""
    out = snap.copy()
    out["mid"] = 0.5 * (out["bid"] + out["ask"])
    out["spread"] = out["ask"] - out["bid"]
    depth = out["bid_size"] + out["ask_size"]
    out["imbalance"] = (out["bid_size"] - out["ask_size"]) / depth
    out["top_depth"] = depth
    mean, std = rolling_mean_std(out["spread"].to_numpy(), window)
    out["spread_mean"], out["spread_std"] = mean, std
    with np.errstate(divide="ignore", invalid="ignore"):
        out["spread_z"] = np.where(std > 0, (out["spread"].to_numpy() - mean) / std, np.nan)
    out["depth_median"] = rolling_median(depth.to_numpy(), depth_window)
    return out


def detect(feat: pd.DataFrame, z_threshold: float = 3.0, depth_fraction: float = 0.3
           ) -> pd.DataFrame:
    """Boolean columns ``spread_spike`` and ``liquidity_gap`` per snapshot."""
    z_threshold = _validate.real("z_threshold", z_threshold)
    depth_fraction = _validate.real("depth_fraction", depth_fraction, low=0.0, high=1.0)
    return pd.DataFrame({"spread_spike": (feat["spread_z"] > z_threshold).to_numpy(),
                         "liquidity_gap": (feat["top_depth"]
                                           < depth_fraction * feat["depth_median"]).to_numpy()})


def cluster_alerts(alerts: np.ndarray, gap: int) -> np.ndarray:
    """Indices of the first alert of each event (alerts closer than ``gap`` snapshots to the
    previous alert join its event)."""
    gap = _validate.integer("gap", gap, low=1)
    idx = np.flatnonzero(np.asarray(alerts, dtype=bool))
    if idx.size == 0:
        return idx
    return idx[np.concatenate(([True], np.diff(idx) >= gap))]


def evaluate_events(mid: np.ndarray, events: np.ndarray, h: int, n_random: int, seed: int
                    ) -> dict[str, float]:
    """Mean absolute return and realised volatility (bps) over ``h`` snapshots after the
    events against matched random times, with permutation p-values (module docstring)."""
    mid = np.asarray(mid, dtype=np.float64)
    h = _validate.integer("h", h, low=1)
    n_random = _validate.integer("n_random", n_random, low=1)
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
    ev = np.asarray(events, dtype=np.int64)
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
