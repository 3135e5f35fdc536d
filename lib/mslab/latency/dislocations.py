"""Cross-venue price dislocations: when one venue's bid exceeds another's ask by more than the
normal basis between them.

Two venues' best quotes are merged on the union of their update times (previous tick). The
*basis* is the trailing median of log(mid_A/mid_B) over ``basis_window`` seconds: perpetuals,
spot and coin-margined contracts differ by funding premia and the USDT/USD rate, which move
slowly and are not arbitrage. The *edge* of selling on A and buying on B is
log(bid_A/ask_B) − basis, of the reverse trade log(bid_B/ask_A) + basis (basis points). A
*dislocation* is a maximal run of updates during which one edge exceeds ``threshold_bp``; it lasts
from its first update to the first update at which the edge is back below the threshold.
Times are the collector's local receive times (ms); prices in each venue's quote currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.data.binance import BinanceCapture
from mslab.data.binance_book import best_bid_offer

BP = 1e4


MAX_BASIS_WINDOW = 30 * 86_400.0
"""Longest basis window in seconds (30 days), far beyond any capture, within pandas' time
offsets."""


def venue_quotes(capture: BinanceCapture) -> pd.DataFrame:
    """Best quotes of a capture from its bookTicker stream: ``time_ms`` (local receive time,
    strictly increasing; the last of several updates received in the same ns), ``bid``,
    ``ask``, ``mid`` and ``log_mid``.

    Parameters
    ----------
    capture : BinanceCapture
        A loaded capture (:func:`~mslab.data.binance.load_binance_capture`) with its
        bookTicker stream.

    Returns
    -------
    pandas.DataFrame
        One row per distinct receive time: ``time_ms`` (float ms), ``bid`` and ``ask`` (quote
        currency), ``mid`` = (bid + ask)/2 and ``log_mid`` = ln mid.

    Raises
    ------
    ValueError
        If ``capture`` is not a ``BinanceCapture``.
    """
    bbo = best_bid_offer(capture, "ticker")
    t = bbo["local_ns"].to_numpy()
    keep = np.r_[t[1:] != t[:-1], True]
    out = pd.DataFrame({"time_ms": t[keep] / 1e6, "bid": bbo["bid"].to_numpy()[keep],
                        "ask": bbo["ask"].to_numpy()[keep]})
    out["mid"] = 0.5 * (out["bid"] + out["ask"])
    out["log_mid"] = np.log(out["mid"])
    return out


def merge_quotes(a: pd.DataFrame, b: pd.DataFrame, basis_window: float = 60.0) -> pd.DataFrame:
    """Quotes of venues A and B on the union of their update times within the span both cover,
    with the trailing-median basis and the two edges (bp): columns ``time_ms``, ``bid_a``,
    ``ask_a``, ``bid_b``, ``ask_b``, ``basis_bp``, ``edge_ab_bp`` (sell A, buy B),
    ``edge_ba_bp`` (sell B, buy A). The first ``basis_window`` seconds (> 0, at most
    :data:`MAX_BASIS_WINDOW`) are dropped: their basis would rest on too short a history.

    Parameters
    ----------
    a : pandas.DataFrame
        Quotes of venue A from :func:`venue_quotes` (columns ``time_ms``, ``bid``, ``ask``;
        ``time_ms`` increasing).
    b : pandas.DataFrame
        Quotes of venue B, the same form.
    basis_window : float
        Length of the trailing median window in seconds (rounded to whole ms), in
        (0, 30 days]; default 60.

    Returns
    -------
    pandas.DataFrame
        One row per update time of either venue from ``basis_window`` after the start of the
        common span to its end, each venue's quote being its last at or before that time:
        ``time_ms``, ``bid_a``, ``ask_a``, ``bid_b``, ``ask_b`` (quote currencies),
        ``basis_bp`` (10⁴ × the trailing median of log(mid_A/mid_B), the current update
        included), ``edge_ab_bp`` = 10⁴ · (log(bid_A/ask_B) − basis) and ``edge_ba_bp`` =
        10⁴ · (log(bid_B/ask_A) + basis).

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is not a frame with columns ``time_ms``, ``bid`` and ``ask``,
        ``basis_window`` is out of range, or the two do not overlap in time.
    """
    for name, q in (("a", a), ("b", b)):
        if not isinstance(q, pd.DataFrame) or not {"time_ms", "bid", "ask"} <= set(q.columns):
            _validate.fail(name, type(q).__name__, "a frame from venue_quotes")
    w = _validate.real("basis_window", basis_window, low=0.0, low_open=True,
                       high=MAX_BASIS_WINDOW)
    start = max(a["time_ms"].iloc[0], b["time_ms"].iloc[0])
    end = min(a["time_ms"].iloc[-1], b["time_ms"].iloc[-1])
    if end <= start:
        _validate.fail("b", "<quotes>", "quotes overlapping a's in time")
    t = np.union1d(a["time_ms"].to_numpy(), b["time_ms"].to_numpy())
    t = t[(t >= start) & (t <= end)]
    ia = np.searchsorted(a["time_ms"].to_numpy(), t, side="right") - 1
    ib = np.searchsorted(b["time_ms"].to_numpy(), t, side="right") - 1
    m = pd.DataFrame({"time_ms": t, "bid_a": a["bid"].to_numpy()[ia],
                      "ask_a": a["ask"].to_numpy()[ia], "bid_b": b["bid"].to_numpy()[ib],
                      "ask_b": b["ask"].to_numpy()[ib]})
    log_ratio = pd.Series(np.log((m["bid_a"] + m["ask_a"]) / (m["bid_b"] + m["ask_b"])).to_numpy(),
                          index=pd.to_datetime(t, unit="ms"))
    basis = log_ratio.rolling(f"{int(round(w * 1000))}ms").median().to_numpy()
    m["basis_bp"] = BP * basis
    m["edge_ab_bp"] = BP * (np.log(m["bid_a"] / m["ask_b"]) - basis)
    m["edge_ba_bp"] = BP * (np.log(m["bid_b"] / m["ask_a"]) + basis)
    return m[t >= t[0] + 1000.0 * w].reset_index(drop=True)


@njit(cache=True)
def _episodes(t, e1, e2, threshold):
    n = t.size
    start = np.empty(n, np.int64)
    end_t = np.empty(n)
    peak = np.empty(n)
    side = np.empty(n, np.int64)
    k = 0
    i = 0
    while i < n:
        if e1[i] > threshold or e2[i] > threshold:
            d = 1 if e1[i] >= e2[i] else -1
            e = e1 if d == 1 else e2
            j, best = i, e[i]
            while j + 1 < n and e[j + 1] > threshold:
                j += 1
                best = max(best, e[j])
            start[k], peak[k], side[k] = i, best, d
            end_t[k] = t[j + 1] if j + 1 < n else np.nan  # still open at the end: censored
            k += 1
            i = j + 1
        else:
            i += 1
    return start[:k], end_t[:k], peak[:k], side[:k]


def dislocations(merged: pd.DataFrame, threshold_bp: float = 0.0) -> pd.DataFrame:
    """Dislocation episodes of a :func:`merge_quotes` frame: ``start_ms``, ``duration_ms``
    (NaN if still open at the end of the sample), ``peak_bp`` (largest edge during the episode)
    and ``direction`` (+1: A's bid above B's ask, −1 the reverse).

    An episode starts at an update where an edge exceeds ``threshold_bp`` (the larger edge
    gives the direction) and lasts while that edge stays above it; its duration runs to the
    first update at which the edge is at or below the threshold.

    Parameters
    ----------
    merged : pandas.DataFrame
        A frame from :func:`merge_quotes` (columns ``time_ms``, ``edge_ab_bp``,
        ``edge_ba_bp``).
    threshold_bp : float
        Threshold the edge must exceed, in bp (finite; e.g. the round-trip fee); default 0.

    Returns
    -------
    pandas.DataFrame
        One row per episode, in time order: ``start_ms`` (time of its first update),
        ``duration_ms`` (ms; NaN if still open at the end of the sample), ``peak_bp`` (largest
        edge of its direction during the episode) and ``direction`` (+1 or −1).

    Raises
    ------
    ValueError
        If ``merged`` is not a DataFrame with columns ``time_ms``, ``edge_ab_bp`` and
        ``edge_ba_bp``, or ``threshold_bp`` is not finite.
    """
    if (not isinstance(merged, pd.DataFrame)
            or not {"time_ms", "edge_ab_bp", "edge_ba_bp"} <= set(merged.columns)):
        _validate.fail("merged", type(merged).__name__, "a frame from merge_quotes (columns "
                       "time_ms, edge_ab_bp, edge_ba_bp)")
    thr = _validate.real("threshold_bp", threshold_bp)
    t = merged["time_ms"].to_numpy()
    s, end_t, peak, side = _episodes(t, merged["edge_ab_bp"].to_numpy(),
                                     merged["edge_ba_bp"].to_numpy(), thr)
    return pd.DataFrame({"start_ms": t[s], "duration_ms": end_t - t[s], "peak_bp": peak,
                         "direction": side})
