"""The Budish–Cramton–Shim half-spread against one parameter at a time, by theory
(:func:`~mslab.latency.bcs_equilibrium.half_spread`) and by simulation
(:func:`~mslab.latency.bcs_simulation.simulated_indifference_spread` for continuous trading,
:func:`~mslab.latency.batch_auction.simulated_half_spread` for batch auctions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.latency.batch_auction import simulated_half_spread, sniping_share
from mslab.latency.bcs_equilibrium import half_spread
from mslab.latency.bcs_simulation import MAX_FAST, check_market, simulated_indifference_spread
from mslab.latency.jumps import JumpLaw

MAX_POINTS = 200


def _positive_grid(name: str, values: object) -> list[float]:
    """A non-empty 1-D grid of finite values > 0, as a list."""
    grid = _validate.real_vector(name, values, low=0.0)
    if np.any(grid == 0.0):
        _validate.fail(name, values, "a non-empty 1-D array of finite real numbers > 0")
    return grid.tolist()


def spread_sweeps(lam_invest: float, lam_jump: float, law: JumpLaw, *, n_fast: int,
                  n_values: Sequence[int], lam_jump_values: Sequence[float],
                  jump_scales: Sequence[float], tau_values: Sequence[float], delta: float,
                  horizon: float = 1000.0, n_paths: int = 32, seed: int = 0) -> pd.DataFrame:
    """One row per (parameter, value): ``parameter`` (``"N"``, ``"lam_jump"``, ``"jump_scale"``,
    ``"tau"``), ``value``, ``theory`` and ``simulated`` half-spreads (price units). All other
    parameters stay at their base values; ``jump_scales`` multiply every jump size; ``tau``
    rows are batch auctions with speed advantage ``delta`` (s), the others continuous trading
    with ``n_fast`` fast firms.

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0 (base value).
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0 (base value).
    law : JumpLaw
        Law of the jump magnitude |J| (price units; base law).
    n_fast : int
        Number N of fast firms in the ``lam_jump`` and ``jump_scale`` rows, 2 to 10,000.
    n_values : list of int
        Values of N for the ``N`` rows, integers in [2, 10,000].
    lam_jump_values : list of float
        Jump rates (per second, > 0) for the ``lam_jump`` rows.
    jump_scales : list of float
        Factors (> 0) applied to every jump size for the ``jump_scale`` rows.
    tau_values : list of float
        Batch intervals τ in seconds (> 0) for the ``tau`` rows.
    delta : float
        Speed advantage δ in seconds (≥ 0) of the ``tau`` rows.
    horizon : float
        Length of each simulated path in seconds, > 0; default 1000.
    n_paths : int
        Simulated paths per point, ≥ 1; default 32.
    seed : int
        Seed (≥ 0) of every simulation (common random numbers); default 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter``, ``value``, ``theory`` and ``simulated``; the ``N`` rows, then
        the ``lam_jump``, ``jump_scale`` and ``tau`` rows, each in the order of its grid.

    Raises
    ------
    ValueError
        For a grid that is empty, not 1-D or out of range, grids of more than
        :data:`MAX_POINTS` (200) points in total, a ``lam_jump_values`` entry beyond the
        bounds of :func:`~mslab.latency.bcs_simulation.check_market` or
        :func:`~mslab.latency.bcs_equilibrium.half_spread`, or anything the simulations refuse
        (including a root finder without a sign change).
    """
    n_grid = _validate.real_vector("n_values", n_values, low=2, high=MAX_FAST, what="integers")
    if np.any(n_grid != np.round(n_grid)):
        _validate.fail("n_values", n_values, f"integers in [2, {MAX_FAST}]")
    grids = {"N": [int(n) for n in n_grid],
             "lam_jump": _positive_grid("lam_jump_values", lam_jump_values),
             "jump_scale": _positive_grid("jump_scales", jump_scales),
             "tau": _positive_grid("tau_values", tau_values)}
    if sum(len(g) for g in grids.values()) > MAX_POINTS:
        _validate.fail("n_values", "<grids>", f"grids (with lam_jump_values, jump_scales and "
                       f"tau_values) of ≤ {MAX_POINTS} points in total")
    sim = dict(horizon=horizon, n_paths=n_paths, seed=seed)
    for lj in grids["lam_jump"]:  # each value's own bounds, named as the grid's
        try:
            check_market(lam_invest, lj, law, 0.0, horizon, n_paths)
            half_spread(lam_invest, lj, law)
        except ValueError as exc:
            raise ValueError(f"lam_jump_values contains {lj!r}: {exc}") from exc
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
