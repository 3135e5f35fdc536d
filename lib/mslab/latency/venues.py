"""Races between venues in real captures: lead–lag and dislocations for every pair of venues
(Binance captures of the same asset, see :mod:`mslab.data.binance`)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.data.binance import load_binance_capture
from mslab.latency.dislocations import dislocations, merge_quotes, venue_quotes
from mslab.latency.leadlag import grid_cross_correlation, hayashi_yoshida_lead_lag, peak_lag

VENUE_NAMES = {"spot": "spot", "usdm": "USD-M", "coinm": "COIN-M"}


def load_venue_quotes(paths: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Best quotes (:func:`~mslab.latency.dislocations.venue_quotes`) of two or more captures,
    keyed ``"<venue> <symbol>"``."""
    if isinstance(paths, str) or not isinstance(paths, Sequence) or len(paths) < 2:
        _validate.fail("paths", paths, "a list of at least two capture files")
    out = {}
    for p in paths:
        cap = load_binance_capture(p)
        key = f"{VENUE_NAMES.get(cap.venue, cap.venue)} {cap.symbol}"
        if key in out:
            _validate.fail("paths", paths, "captures of different venues")
        out[key] = venue_quotes(cap)
    return out


QUOTE_COLUMNS = ("time_ms", "bid", "ask", "log_mid")


def _check_quotes(quotes: object) -> dict[str, pd.DataFrame]:
    """``quotes`` as from :func:`load_venue_quotes`: at least two frames keyed by venue."""
    if not (isinstance(quotes, dict) and len(quotes) >= 2 and all(
            isinstance(q, pd.DataFrame) and set(QUOTE_COLUMNS) <= set(q.columns) and len(q) >= 2
            for q in quotes.values())):
        _validate.fail("quotes", type(quotes).__name__, "a dict of at least two frames from "
                       f"venue_quotes (columns {', '.join(QUOTE_COLUMNS)}, at least 2 rows)")
    return quotes


def lead_lag_curves(quotes: dict[str, pd.DataFrame], max_lag_ms: int) -> pd.DataFrame:
    """Hayashi–Yoshida and 1-ms grid cross-correlations of log mids for every pair (x, y) of
    venues at lags −max_lag_ms … max_lag_ms (ms; positive: x leads): columns ``pair``, ``x``,
    ``y``, ``lag_ms``, ``estimator``, ``correlation``."""
    quotes = _check_quotes(quotes)
    max_lag_ms = _validate.integer("max_lag_ms", max_lag_ms, low=1, high=5000)
    lags = np.arange(-max_lag_ms, max_lag_ms + 1, dtype=float)
    frames = []
    for x, y in combinations(quotes, 2):
        qx, qy = quotes[x], quotes[y]
        hy = hayashi_yoshida_lead_lag(qx["time_ms"], qx["log_mid"], qy["time_ms"], qy["log_mid"],
                                      lags)
        g_lags, cc = grid_cross_correlation(qx["time_ms"], qx["log_mid"], qy["time_ms"],
                                            qy["log_mid"], 1.0, max_lag_ms)
        for name, ell, c in (("Hayashi–Yoshida", lags, hy), ("1-ms grid", g_lags, cc)):
            frames.append(pd.DataFrame({"pair": f"{x} → {y}", "x": x, "y": y, "lag_ms": ell,
                                        "estimator": name, "correlation": c}))
    return pd.concat(frames, ignore_index=True)


def lead_lag_table(curves: pd.DataFrame) -> pd.DataFrame:
    """Peak lag and correlation of each pair and estimator from :func:`lead_lag_curves`, and
    the leading venue (the peak's sign; ``"neither"`` at lag 0)."""
    columns = {"x", "y", "estimator", "lag_ms", "correlation"}
    if not (isinstance(curves, pd.DataFrame) and columns <= set(curves.columns) and len(curves)
            and np.any(curves["lag_ms"] == 0)):
        _validate.fail("curves", type(curves).__name__, "a frame from lead_lag_curves")
    rows = []
    for (x, y, est), g in curves.groupby(["x", "y", "estimator"], sort=False):
        lag = peak_lag(g["lag_ms"].to_numpy(), g["correlation"].to_numpy())
        leader = x if lag > 0 else (y if lag < 0 else "neither")
        rows.append((x, y, est, abs(lag), float(g["correlation"].max()),
                     float(g.loc[g["lag_ms"] == 0, "correlation"].iloc[0]), leader))
    return pd.DataFrame(rows, columns=["x", "y", "estimator", "lead_ms", "peak_corr",
                                       "corr_at_0", "leader"])


def dislocation_episodes(quotes: dict[str, pd.DataFrame], basis_window: float,
                         fees_bp: Sequence[float]) -> tuple[pd.DataFrame, pd.Series]:
    """Dislocation episodes (:func:`~mslab.latency.dislocations.dislocations`) of every pair of
    venues at each round-trip fee in ``fees_bp`` (the threshold the edge must exceed), with
    columns ``pair`` and ``fee_bp``, and each pair's observed span in minutes (after the first
    ``basis_window``)."""
    quotes = _check_quotes(quotes)
    fees = _validate.real_array("fees_bp", fees_bp, low=0.0).ravel()
    if fees.size == 0 or fees.size > 100:
        _validate.fail("fees_bp", fees_bp, "between 1 and 100 fees (bp)")
    frames, spans = [], {}
    for x, y in combinations(quotes, 2):
        pair = f"{x} / {y}"
        m = merge_quotes(quotes[x], quotes[y], basis_window)
        spans[pair] = (m["time_ms"].iloc[-1] - m["time_ms"].iloc[0]) / 60_000.0 if len(m) else 0.0
        for fee in fees:
            frames.append(dislocations(m, float(fee)).assign(pair=pair, fee_bp=float(fee)))
    return pd.concat(frames, ignore_index=True), pd.Series(spans, name="minutes")


def dislocation_summary(episodes: pd.DataFrame, spans: pd.Series, fee_bp: float,
                        latency_ms: float) -> pd.DataFrame:
    """Per pair, for the episodes of :func:`dislocation_episodes` at round-trip fee ``fee_bp``
    (one of its ``fees_bp``): minutes observed, dislocations (runs with the edge above the fee)
    and their rate per minute, median and 90th-percentile duration of the closed ones (ms), and
    how many outlast ``latency_ms`` (reachable by a trader that slow, at the best price only)."""
    if not (isinstance(episodes, pd.DataFrame)
            and {"pair", "fee_bp", "duration_ms"} <= set(episodes.columns)):
        _validate.fail("episodes", type(episodes).__name__, "a frame from dislocation_episodes")
    if not (isinstance(spans, pd.Series) and len(spans) and pd.api.types.is_numeric_dtype(spans)
            and not pd.api.types.is_bool_dtype(spans)
            and np.all(np.isfinite(spans.to_numpy(float))) and spans.ge(0).all()):
        _validate.fail("spans", type(spans).__name__, "a non-empty Series of minutes (finite, "
                       ">= 0) from dislocation_episodes")
    fee_bp = _validate.nonnegative("fee_bp", fee_bp)
    latency_ms = _validate.nonnegative("latency_ms", latency_ms)
    if not np.any(episodes["fee_bp"] == fee_bp):
        _validate.fail("fee_bp", fee_bp, "one of the fees the episodes were computed for, "
                       f"{sorted(set(episodes['fee_bp']))}")
    rows = []
    for pair, minutes in spans.items():
        e = episodes[(episodes["pair"] == pair) & (episodes["fee_bp"] == fee_bp)]
        dur = e["duration_ms"].dropna()
        rows.append((pair, float(minutes), len(e), len(e) / minutes if minutes else np.nan,
                     float(dur.median()) if len(dur) else np.nan,
                     float(dur.quantile(0.9)) if len(dur) else np.nan,
                     int((dur > latency_ms).sum())))
    return pd.DataFrame(rows, columns=["pair", "minutes", "count", "per_minute",
                                       "median_ms", "p90_ms", "outlast_latency"])
