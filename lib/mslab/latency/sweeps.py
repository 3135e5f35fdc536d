"""The Budish–Cramton–Shim half-spread against one parameter at a time, by theory
(:func:`~mslab.latency.bcs_equilibrium.half_spread`) and by simulation
(:func:`~mslab.latency.bcs_simulation.simulated_indifference_spread` for continuous trading,
:func:`~mslab.latency.batch_auction.simulated_half_spread` for batch auctions)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mslab import _validate
from mslab.latency.batch_auction import simulated_half_spread, sniping_share
from mslab.latency.bcs_equilibrium import half_spread
from mslab.latency.bcs_simulation import simulated_indifference_spread
from mslab.latency.jumps import JumpLaw

MAX_POINTS = 200


def spread_sweeps(lam_invest: float, lam_jump: float, law: JumpLaw, *, n_fast: int,
                  n_values: Sequence[int], lam_jump_values: Sequence[float],
                  jump_scales: Sequence[float], tau_values: Sequence[float], delta: float,
                  horizon: float = 1000.0, n_paths: int = 32, seed: int = 0) -> pd.DataFrame:
    """One row per (parameter, value): ``parameter`` (``"N"``, ``"lam_jump"``, ``"jump_scale"``,
    ``"tau"``), ``value``, ``theory`` and ``simulated`` half-spreads (price units). All other
    parameters stay at their base values; ``jump_scales`` multiply every jump size; ``tau``
    rows are batch auctions with speed advantage ``delta`` (s), the others continuous trading
    with ``n_fast`` fast firms."""
    grids = {"N": list(n_values), "lam_jump": list(lam_jump_values),
             "jump_scale": list(jump_scales), "tau": list(tau_values)}
    if sum(len(g) for g in grids.values()) > MAX_POINTS:
        _validate.fail("n_values", "<grids>", f"grids with ≤ {MAX_POINTS} points in total")
    sim = dict(horizon=horizon, n_paths=n_paths, seed=seed)
    rows = []
    for n in grids["N"]:
        rows.append(("N", n, half_spread(lam_invest, lam_jump, law),
                     simulated_indifference_spread(lam_invest, lam_jump, law, n, **sim)))
    for lj in grids["lam_jump"]:
        rows.append(("lam_jump", lj, half_spread(lam_invest, lj, law),
                     simulated_indifference_spread(lam_invest, lj, law, n_fast, **sim)))
    for k in grids["jump_scale"]:
        scaled = law.scaled(k)
        rows.append(("jump_scale", k, half_spread(lam_invest, lam_jump, scaled),
                     simulated_indifference_spread(lam_invest, lam_jump, scaled, n_fast, **sim)))
    for tau in grids["tau"]:
        share = sniping_share(delta, tau)
        rows.append(("tau", tau, half_spread(lam_invest, lam_jump, law, share),
                     simulated_half_spread(lam_invest, lam_jump, law, tau, delta, **sim)))
    return pd.DataFrame(rows, columns=["parameter", "value", "theory", "simulated"])
