"""Data of the explorable liquidity-event figure: the snapshots that could become alerts as a
reader moves the detectors' thresholds, with a *hit* flag (an absolute midpoint move over the
next ``horizon`` steps above the day's 75th percentile of such moves)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mslab import _validate

__all__ = ["alert_candidates"]


def alert_candidates(feat: pd.DataFrame, horizon: int, z_floor: float = 2.0,
                     ratio_ceiling: float = 0.5, quantile: float = 75.0) -> pd.DataFrame:
    """Snapshots that could become alerts, with a flag for a large midpoint move after them.

    Snapshots of ``feat`` (the columns ``time`` (s), ``mid``, ``spread_z``, ``top_depth`` and
    ``depth_median`` of :func:`mslab.execution.liquidity_events.features`) with a spread z-score
    above ``z_floor`` or a depth ratio below ``ratio_ceiling``; columns ``time (h)``, ``z``,
    ``ratio`` (top depth / rolling median), ``hit`` (0/1: |mid return| over ``horizon`` ≥ 1
    steps above its ``quantile`` percentile). Undefined features become −99 (z) and 99 (ratio)
    so that no threshold flags them (JSON null compares as less than any number).

    The move of a snapshot is |mid_{t+horizon}/mid_t − 1| in bps; the percentile is taken over
    every snapshot of ``feat`` whose move is defined, and the last ``horizon`` snapshots (move
    undefined) are left out.

    Parameters
    ----------
    feat
        Snapshot features, one row per snapshot in time order.
    horizon
        Steps (snapshots) ahead of the move, an integer ≥ 1 and below the number of snapshots.
    z_floor
        A snapshot whose spread z-score exceeds it is a candidate (default 2).
    ratio_ceiling
        A snapshot whose ratio top depth / rolling median depth is below it is a candidate
        (default 0.5).
    quantile
        Percentile (0 to 100; default 75) of the moves above which a move is a hit.

    Returns
    -------
    pandas.DataFrame
        One row per candidate, indexed as in ``feat``: ``time (h)`` (``time`` / 3600), ``z``,
        ``ratio`` and ``hit`` (int, 0 or 1), rounded to 4 decimals.

    Raises
    ------
    ValueError
        If ``feat`` is not a DataFrame with those columns, ``horizon`` is not an integer in
        [1, number of snapshots), ``z_floor`` or ``ratio_ceiling`` is not finite, or
        ``quantile`` is outside [0, 100].
    """
    _validate.instance("feat", feat, pd.DataFrame)
    horizon = _validate.integer("horizon", horizon, low=1)
    z_floor = _validate.real("z_floor", z_floor)
    ratio_ceiling = _validate.real("ratio_ceiling", ratio_ceiling)
    quantile = _validate.real("quantile", quantile, low=0.0, high=100.0)
    need = {"time", "mid", "spread_z", "top_depth", "depth_median"}
    if not need <= set(feat.columns):
        _validate.fail("feat", f"<columns {list(feat.columns)}>", f"features with {sorted(need)}")
    mid = feat["mid"].to_numpy(np.float64)
    if mid.size <= horizon:
        _validate.fail("horizon", horizon, f"< the number of snapshots ({mid.size})")
    move = np.full(mid.size, np.nan)
    move[:-horizon] = np.abs(mid[horizon:] / mid[:-horizon] - 1.0) * 1e4
    cut = np.nanpercentile(move, quantile)
    pts = pd.DataFrame({"time (h)": feat["time"] / 3600, "z": feat["spread_z"],
                        "ratio": feat["top_depth"] / feat["depth_median"],
                        "hit": (move > cut).astype(int)})
    pts = pts[np.isfinite(move) & ((pts["z"] > z_floor) | (pts["ratio"] < ratio_ceiling))]
    return pts.fillna({"z": -99.0, "ratio": 99.0}).round(4)
