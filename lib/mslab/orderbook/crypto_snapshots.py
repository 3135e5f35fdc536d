"""Simulated crypto order-book snapshots: the Cont–Stoikov–Talreja flow
(:mod:`mslab.orderbook.cst_flow`) sampled every Δt seconds into the snapshot schema of
:mod:`mslab.data.crypto` (top levels per side with distances and notionals, and the notional
cancelled, added and executed per level during each interval)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.orderbook.cst_flow import GRID, CSTParams, price_ticks, run_cst


def simulate_snapshots(params: CSTParams, *, duration: float, interval: float,
                       tick_size: float, price: float, size_unit: float = 1.0,
                       levels: int = 15, warmup: float = 300.0, seed: int = 0,
                       start_time: str = "2021-04-07 00:00:00") -> pd.DataFrame:
    """Sample simulated Cont–Stoikov–Talreja books every ``interval`` seconds into the crypto
    snapshot schema (:mod:`mslab.data.crypto`; ``levels`` levels per side).

    Prices are ticks × ``tick_size`` (quote currency); an order of n shares is
    n × ``size_unit`` units of the base asset, so notionals are price × n × size_unit. Row k
    is the book at ``start_time`` (UTC) + (k + 1)·interval; its flow columns (and ``buys`` /
    ``sells``, the notional bought / sold by market orders) cover the interval ending there.
    A flow is attributed to the level its price occupies when it happens (for a market order,
    before it executes); flows beyond the last recorded level count only in ``buys``/``sells``.
    A level absent from the book has NaN distance and zero notional.
    """
    from mslab.data.crypto import columns as crypto_columns

    duration = _validate.positive("duration", duration)
    interval = _validate.positive("interval", interval)
    n_snap = int(math.floor(duration / interval + 1e-9))
    if n_snap < 1:
        _validate.fail("interval", interval, f"at most duration={duration!r}")
    tick_size = _validate.positive("tick_size", tick_size)
    p0 = price_ticks(price, tick_size)
    size_unit = _validate.positive("size_unit", size_unit)
    levels = _validate.integer("levels", levels, low=1, high=15)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    try:
        t0 = pd.Timestamp(start_time, tz="UTC") if pd.Timestamp(start_time).tzinfo is None \
            else pd.Timestamp(start_time).tz_convert("UTC")
    except (TypeError, ValueError):
        _validate.fail("start_time", start_time, "a date-time string such as "
                       "'2021-04-07 00:00:00' (UTC)")
    _, _, _, (s_px, s_sz, s_flow, s_taker) = run_cst(
        params, duration=duration, warmup=warmup, levels=1, base=p0 - GRID // 2, tick=1,
        start=0.0, seed=seed, record=False, interval=interval, n_snap=n_snap,
        snap_levels=levels)

    present = s_px >= 0
    base = p0 - GRID // 2
    px = np.where(present, (base + s_px) * tick_size, np.nan)  # (n, 2, L)
    both = present[:, 0, 0] & present[:, 1, 0]
    mid = np.where(both, 0.5 * (px[:, 0, 0] + px[:, 1, 0]), np.nan)
    out: dict[str, object] = {
        "system_time": t0 + pd.to_timedelta(np.arange(1, n_snap + 1) * interval, unit="s"),
        "midpoint": mid,
        "spread": np.where(both, px[:, 1, 0] - px[:, 0, 0], np.nan),
        "buys": s_taker[:, 0] * tick_size * size_unit,
        "sells": s_taker[:, 1] * tick_size * size_unit,
    }
    scale = tick_size * size_unit
    for s, side in enumerate(("bids", "asks")):
        blocks = {"distance": (px[:, s] - mid[:, None]) / mid[:, None],
                  "notional": np.where(present[:, s], px[:, s] * s_sz[:, s] * size_unit, 0.0),
                  "cancel_notional": s_flow[:, s, 0] * scale,
                  "limit_notional": s_flow[:, s, 1] * scale,
                  "market_notional": s_flow[:, s, 2] * scale}
        for name, block in blocks.items():
            for i in range(levels):
                out[f"{side}_{name}_{i}"] = block[:, i]
    frame = pd.DataFrame(out)
    return frame[crypto_columns(levels)]
