"""Data of the latency chapter's explorable race: the Budish–Cramton–Shim equilibrium for a
grid of N fast firms and batch intervals τ, so that two sliders can set N and τ in the browser
(:mod:`mslab.explorable`). Theory only (closed forms and one root per τ): no simulation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.latency.batch_auction import sniping_share
from mslab.latency.bcs_equilibrium import half_spread
from mslab.latency.bcs_simulation import MAX_FAST
from mslab.latency.jumps import JumpLaw

__all__ = ["race_grid"]

MAX_POINTS = 10_000
"""Largest len(n_values) · len(tau_values) of :func:`race_grid` (the table goes into a page)."""


def race_grid(lam_invest: float, lam_jump: float, law: JumpLaw, *, delta: float,
              c_speed: float, n_values: Sequence[int], tau_values: Sequence[float]) -> pd.DataFrame:
    """The race's rates for every N of ``n_values`` and batch interval τ of ``tau_values`` (s).

    A firm ``delta`` seconds faster than the rest snipes a share min(δ/τ, 1) of the jumps
    (:func:`~mslab.latency.batch_auction.sniping_share`; τ ≤ δ is continuous trading); the
    half-spread h solves λ_invest·h = share·λ_jump·E[(|J| − h)⁺]
    (:func:`~mslab.latency.bcs_equilibrium.half_spread`), which does not depend on N. In
    equilibrium the provider and each of the N − 1 snipers earn the same, the sniping prize
    divided by N; each firm pays ``c_speed`` for its speed.

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units).
    delta : float
        Speed advantage δ in seconds, > 0.
    c_speed : float
        Cost of speed per firm, ≥ 0, in price units per second.
    n_values : list of int
        Numbers N of fast firms, integers in [2, 10,000].
    tau_values : list of float
        Batch intervals τ in seconds, > 0.

    Returns
    -------
    pandas.DataFrame
        One row per (N, τ), τ-major in the order of ``tau_values``: ``N``, ``tau`` (s),
        ``share``, ``half_spread`` (ticks: the price unit of the jump sizes), and rates in
        ticks per second: ``investors`` (what investors pay in half-spreads, λ_invest·h),
        ``speed_total`` (N·c_speed, the arms race), ``firm_gross`` (each firm's profit before
        its speed cost) and ``firm_net`` (after it).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, a grid of more than :data:`MAX_POINTS`
        (10,000) points, or rates that :func:`~mslab.latency.bcs_equilibrium.half_spread`
        refuses.
    """
    h_continuous = half_spread(lam_invest, lam_jump, law)  # validates lam_invest, lam_jump, law
    delta = _validate.positive("delta", delta)
    c_speed = _validate.nonnegative("c_speed", c_speed)
    n_grid = _validate.real_vector("n_values", n_values, low=2, high=MAX_FAST, what="integers")
    if np.any(n_grid != np.round(n_grid)):
        _validate.fail("n_values", n_values, f"integers in [2, {MAX_FAST}]")
    taus = _validate.real_vector("tau_values", tau_values, low=0.0, what="batch intervals (s)")
    if np.any(taus == 0.0):
        _validate.fail("tau_values", tau_values, "a non-empty 1-D array of batch intervals > 0")
    if n_grid.size * taus.size > MAX_POINTS:
        _validate.fail("n_values, tau_values", (n_grid.size, taus.size),
                       f"grids of at most {MAX_POINTS:,} (N, τ) points")
    rows = []
    for tau in taus:
        share = sniping_share(delta, float(tau))
        h = h_continuous if share == 1.0 else half_spread(lam_invest, lam_jump, law, share)
        investors = lam_invest * h  # = the sniping prize in equilibrium
        for n in n_grid.astype(int):
            rows.append({"N": int(n), "tau": float(tau), "share": share, "half_spread": h,
                         "investors": investors, "speed_total": n * c_speed,
                         "firm_gross": investors / n, "firm_net": investors / n - c_speed})
    return pd.DataFrame(rows)
