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
    keyed ``"<venue> <symbol>"``.

    Parameters
    ----------
    paths : list of str
        Paths of at least two capture files (each loaded whole by
        :func:`~mslab.data.binance.load_binance_capture`); a single string is refused.

    Returns
    -------
    dict
        ``"<venue> <symbol>"`` (venue ``spot``, ``USD-M`` or ``COIN-M``, e.g.
        ``"USD-M BTCUSDT"``) → the capture's best quotes, in the order of ``paths``.

    Raises
    ------
    ValueError
        If ``paths`` is not a list of at least two paths, two captures share venue and
        symbol, or a capture cannot be loaded.
    """
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
    ``y``, ``lag_ms``, ``estimator``, ``correlation``.

    Parameters
    ----------
    quotes : dict
        Venue key → quotes frame, as :func:`load_venue_quotes` returns: at least two frames
        with columns ``time_ms``, ``bid``, ``ask`` and ``log_mid`` and at least 2 rows each.
    max_lag_ms : int
        Largest lag in ms, 1 to 5,000; lags run over every whole ms in between.

    Returns
    -------
    pandas.DataFrame
        For each pair of keys (x, y) in the order of ``quotes``, the Hayashi–Yoshida rows
        (:func:`~mslab.latency.leadlag.hayashi_yoshida_lead_lag`) then the ``1-ms grid`` rows
        (:func:`~mslab.latency.leadlag.grid_cross_correlation`), one per lag: ``pair``
        (``"x → y"``), ``x``, ``y``, ``lag_ms``, ``estimator`` (``"Hayashi–Yoshida"`` or
        ``"1-ms grid"``) and ``correlation``.

    Raises
    ------
    ValueError
        For malformed ``quotes``, ``max_lag_ms`` out of range, or anything the estimators
        refuse (times not strictly increasing, venues that do not overlap in time, a mid that
        never changes).
    """
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
    the leading venue (the peak's sign; ``"neither"`` at lag 0).

    Parameters
    ----------
    curves : pandas.DataFrame
        A frame from :func:`lead_lag_curves` (columns ``x``, ``y``, ``estimator``, ``lag_ms``,
        ``correlation``, lag 0 included).

    Returns
    -------
    pandas.DataFrame
        One row per (x, y, estimator) in order of appearance: ``x``, ``y``, ``estimator``,
        ``lead_ms`` (|lag| of the peak, ms; :func:`~mslab.latency.leadlag.peak_lag`),
        ``peak_corr`` (the largest correlation), ``corr_at_0`` (the correlation at lag 0) and
        ``leader`` (x for a positive peak lag, y for a negative one, ``"neither"`` at 0).

    Raises
    ------
    ValueError
        If ``curves`` is not a non-empty frame with those columns and a lag 0 in every
        (x, y, estimator) curve, or a curve is all NaN.
    """
    columns = {"x", "y", "estimator", "lag_ms", "correlation"}
    allowed = "a frame from lead_lag_curves (lag 0 in every curve)"
    if not (isinstance(curves, pd.DataFrame) and columns <= set(curves.columns) and len(curves)):
        _validate.fail("curves", type(curves).__name__, allowed)
    groups = list(curves.groupby(["x", "y", "estimator"], sort=False))
    for (x, y, est), g in groups:
        if not np.any(g["lag_ms"] == 0):
            _validate.fail("curves", f"<frame whose curve {x} → {y}, {est} has no lag 0>",
                           allowed)
    rows = []
    for (x, y, est), g in groups:
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
    ``basis_window``).

    Parameters
    ----------
    quotes : dict
        Venue key → quotes frame, as :func:`load_venue_quotes` returns: at least two frames
        with columns ``time_ms``, ``bid``, ``ask`` and ``log_mid`` and at least 2 rows each.
    basis_window : float
        Trailing median window of the basis in seconds, as for
        :func:`~mslab.latency.dislocations.merge_quotes`.
    fees_bp : list of float
        Round-trip fees in bp (≥ 0), 1 to 100 of them; each is a threshold for
        :func:`~mslab.latency.dislocations.dislocations`.

    Returns
    -------
    tuple
        ``(episodes, spans)``: ``episodes`` a DataFrame with the columns of
        :func:`~mslab.latency.dislocations.dislocations` plus ``pair`` (``"x / y"``) and
        ``fee_bp``, for every pair and fee; ``spans`` a Series named ``minutes`` indexed by
        pair, the time from the first to the last row of the merged quotes (0 if none).

    Raises
    ------
    ValueError
        For malformed ``quotes`` or ``fees_bp``, or anything ``merge_quotes`` refuses.
    """
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
    how many outlast ``latency_ms`` (reachable by a trader that slow, at the best price only).

    Parameters
    ----------
    episodes : pandas.DataFrame
        The episodes of :func:`dislocation_episodes` (columns ``pair``, ``fee_bp``,
        ``duration_ms``).
    spans : pandas.Series
        The spans of :func:`dislocation_episodes`: minutes observed per pair, finite, ≥ 0.
    fee_bp : float
        Round-trip fee in bp, ≥ 0; one of the fees of ``episodes``.
    latency_ms : float
        A trader's latency in ms, ≥ 0.

    Returns
    -------
    pandas.DataFrame
        One row per pair of ``spans``: ``pair``, ``minutes``, ``count`` (episodes, those still
        open at the end included), ``per_minute`` (count / minutes; NaN for 0 minutes),
        ``median_ms`` and ``p90_ms`` (duration of the closed episodes; NaN without one) and
        ``outlast_latency`` (closed episodes longer than ``latency_ms``).

    Raises
    ------
    ValueError
        If ``episodes`` or ``spans`` is not of that form, ``fee_bp`` or ``latency_ms`` is
        negative or not finite, or ``fee_bp`` is not among the fees of ``episodes``.
    """
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
