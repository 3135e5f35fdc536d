"""Simulated crypto order-book snapshots: the Cont–Stoikov–Talreja flow
(:mod:`mslab.orderbook.cst_flow`) sampled every Δt seconds into the snapshot schema of
:mod:`mslab.data.crypto` (top levels per side with distances and notionals, and the notional
cancelled, added and executed per level during each interval)."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.orderbook.cst_flow import GRID, CSTParams, price_ticks, run_cst


MAX_SNAPSHOTS = 10_000_000


def _utc_timestamp(name: str, value: object) -> pd.Timestamp:
    """A date-time (string, ``datetime`` or ``Timestamp``; naive means UTC) as a UTC
    ``Timestamp``; ``ValueError`` naming ``name`` for anything else, including missing values."""
    allowed = "a date-time such as '2021-04-07 00:00:00' (UTC if no time zone is given)"
    if not isinstance(value, (str, datetime.datetime)):
        _validate.fail(name, value, allowed)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        _validate.fail(name, value, allowed)
    if stamp is pd.NaT or pd.isna(stamp):
        _validate.fail(name, value, allowed)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def simulate_snapshots(params: CSTParams, *, duration: float, interval: float,
                       tick_size: float, price: float, size_unit: float = 1.0,
                       levels: int = 15, warmup: float = 300.0, seed: int = 0,
                       start_time: str | datetime.datetime = "2021-04-07 00:00:00"
                       ) -> pd.DataFrame:
    """Sample simulated Cont–Stoikov–Talreja books every ``interval`` seconds into the crypto
    snapshot schema (:mod:`mslab.data.crypto`; ``levels`` levels per side).

    Prices are ticks × ``tick_size`` (quote currency); an order of n shares is
    n × ``size_unit`` units of the base asset, so notionals are price × n × size_unit. Row k
    is the book at ``start_time`` (UTC) + (k + 1)·interval; its flow columns (and ``buys`` /
    ``sells``, the notional bought / sold by market orders) cover the interval ending there.
    A flow is attributed to the level its price occupies when it happens (for a market order,
    before it executes); flows beyond the last recorded level count only in ``buys``/``sells``.
    A level absent from the book has NaN distance and zero notional.

    Parameters
    ----------
    params : CSTParams
        The flow model (rates per second, distances in ticks, sizes in shares).
    duration : float
        Seconds sampled after the warm-up, > 0; ⌊duration / interval⌋ snapshots are taken.
    interval : float
        Seconds between snapshots, > 0 and at most ``duration`` (at most 10 000 000
        snapshots).
    tick_size : float
        Tick in quote currency, in (0, 10⁶].
    price : float
        Initial best bid in quote currency, a positive multiple of ``tick_size`` (at most
        2⁴⁰ ticks).
    size_unit : float
        Units of the base asset per share of the model, in (0, 10⁶] (default 1).
    levels : int
        Levels recorded per side, 1 to 15.
    warmup : float
        Seconds simulated before the first interval, ≥ 0 (default 300).
    seed : int
        Non-negative seed; the same seed gives the same snapshots.
    start_time : str or datetime.datetime
        Time of the end of the warm-up (a string, ``datetime`` or ``pandas.Timestamp``;
        naive means UTC).

    Returns
    -------
    pandas.DataFrame
        One row per snapshot with the columns of ``mslab.data.crypto.columns(levels)`` in
        order: ``system_time`` (UTC), ``midpoint`` and ``spread`` (NaN unless both sides are
        occupied), ``buys``, ``sells``, then for ``bids`` and ``asks`` and level i the
        ``distance`` (relative to the midpoint), ``notional`` and the ``cancel``, ``limit``
        and ``market`` notionals of the interval (quote currency).

    Raises
    ------
    ValueError
        If an argument is out of its range, ``start_time`` is not a date-time (or too late
        for ``duration``), the simulation would exceed the work or output bounds of
        :mod:`mslab.orderbook.cst_flow`, or the price leaves the simulated window.
    """
    from mslab.data.crypto import columns as crypto_columns

    duration = _validate.positive("duration", duration)
    interval = _validate.positive("interval", interval)
    ratio = duration / interval
    if not ratio < MAX_SNAPSHOTS + 1:
        _validate.fail("interval", interval, f">= duration / {MAX_SNAPSHOTS:,} (at most "
                       f"{MAX_SNAPSHOTS:,} snapshots; duration={duration!r})")
    n_snap = int(math.floor(ratio + 1e-9))
    if n_snap < 1:
        _validate.fail("interval", interval, f"at most duration={duration!r}")
    tick_size = _validate.real("tick_size", tick_size, low=0.0, high=1e6, low_open=True)
    p0 = price_ticks(price, tick_size)
    size_unit = _validate.real("size_unit", size_unit, low=0.0, high=1e6, low_open=True)
    levels = _validate.integer("levels", levels, low=1, high=15)
    warmup = _validate.nonnegative("warmup", warmup)
    seed = _validate.seed("seed", seed)
    t0 = _utc_timestamp("start_time", start_time)
    if (pd.Timestamp.max.tz_localize("UTC") - t0).total_seconds() <= duration:
        _validate.fail("start_time", start_time, f"at least duration={duration:g} s before "
                       f"{pd.Timestamp.max} (the latest time pandas represents)")
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
