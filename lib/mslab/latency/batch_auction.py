"""Frequent batch auctions (Budish, Cramton & Shim, 2015, section VI), stylised.

The market clears in uniform-price auctions every τ seconds. A jump of the fundamental value
that arrives more than δ before the next auction is seen by every firm, and competing liquidity
providers update their quotes before it: no one is sniped. Only a jump within the last δ before
an auction can be exploited by a firm that is δ faster than the others, so the value of the
speed advantage δ is δ/τ of its value in continuous trading (δ < τ). With competitive
liquidity provision the half-spread solves λ_invest·h = (δ/τ)·λ_jump·E[(|J| − h)⁺]
(:func:`mslab.latency.bcs_equilibrium.half_spread` with ``sniping_share = δ/τ``), which falls to
zero as τ grows. Rates per second, prices in price units, times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from mslab import _validate
from mslab.latency.bcs_equilibrium import _check_law
from mslab.latency.bcs_simulation import MAX_EVENTS
from mslab.latency.jumps import DISCRETE, JumpLaw, draw_jump
from mslab.rng import exponential, path_states, uniform


def sniping_share(delta: float, tau: float) -> float:
    """The share δ/τ (capped at 1) of jumps a firm δ faster than the others can snipe."""
    delta = _validate.nonnegative("delta", delta)
    tau = _validate.positive("tau", tau)
    return min(delta / tau, 1.0)


@njit(cache=True, parallel=True)
def _simulate(states, horizon, lam_invest, lam_jump, kind, sizes, cum, h, tau, delta):
    n = states.shape[0]
    out = np.zeros((n, 5))  # provider pnl, sniping value batch, sniping value continuous,
    total = lam_invest + lam_jump  # investors, jumps
    p_jump = lam_jump / total
    for i in prange(n):
        s = states[i]
        t = exponential(s, total)
        while t < horizon:
            if uniform(s) < p_jump:
                size = draw_jump(s, kind, sizes, cum)
                excess = max(size - h, 0.0)
                to_auction = (np.floor(t / tau) + 1.0) * tau - t
                out[i, 2] += excess
                if to_auction <= delta:
                    out[i, 1] += excess
                    out[i, 0] -= excess
                out[i, 4] += 1.0
            else:
                out[i, 0] += h
                out[i, 3] += 1.0
            t += exponential(s, total)
    return out


@dataclass(frozen=True)
class BatchRun:
    """Per-path results of :func:`simulate_batch` (rates per second)."""

    provider: np.ndarray          # provider's profit rate in the batch market
    sniping_batch: np.ndarray     # value of the speed advantage δ in the batch market
    sniping_continuous: np.ndarray  # the same jumps' value in continuous trading
    events: int


def simulate_batch(lam_invest: float, lam_jump: float, law: JumpLaw, half_spread: float,
                   tau: float, delta: float, *, horizon: float = 1000.0, n_paths: int = 64,
                   seed: int = 0) -> BatchRun:
    """Simulate the batch market with interval ``tau`` and a firm ``delta`` faster than the
    others, the provider quoting at ``half_spread``; the same jumps valued in continuous
    trading (where the fast firm snipes every stale quote) give the benchmark."""
    lam_invest = _validate.positive("lam_invest", lam_invest)
    lam_jump = _validate.positive("lam_jump", lam_jump)
    law = _check_law(law)
    h = _validate.nonnegative("half_spread", half_spread)
    tau = _validate.positive("tau", tau)
    delta = _validate.nonnegative("delta", delta)
    horizon = _validate.positive("horizon", horizon)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    expected = n_paths * horizon * (lam_invest + lam_jump)
    if expected > MAX_EVENTS:
        _validate.fail("horizon", horizon, f"such that n_paths·horizon·(λ_invest + λ_jump) "
                       f"≤ {MAX_EVENTS:,} expected events (got {expected:,.0f})")
    out = _simulate(path_states(seed, n_paths), horizon, lam_invest, lam_jump, law.kind,
                    law.sizes, np.cumsum(law.probs), h, tau, delta)
    return BatchRun(out[:, 0] / horizon, out[:, 1] / horizon, out[:, 2] / horizon,
                    int(out[:, 3].sum() + out[:, 4].sum()))


def simulated_half_spread(lam_invest: float, lam_jump: float, law: JumpLaw, tau: float | None,
                          delta: float = 0.0, *, horizon: float = 1000.0, n_paths: int = 64,
                          seed: int = 0) -> float:
    """The break-even half-spread found by simulation: the h at which the provider's simulated
    revenue from investors equals its simulated sniping loss (brentq under common random
    numbers). ``tau=None`` is the continuous market (every stale quote is sniped by someone:
    the provider's profit equals a sniper's exactly when revenue equals the total loss);
    otherwise a batch market with interval ``tau`` and speed advantage ``delta``."""
    from scipy.optimize import brentq

    law = _check_law(law)
    t = 1.0 if tau is None else tau
    d = 1.0 if tau is None else delta

    def gap(h: float) -> float:
        return float(simulate_batch(lam_invest, lam_jump, law, h, t, d, horizon=horizon,
                                    n_paths=n_paths, seed=seed).provider.mean())

    upper = float(law.sizes.max()) if law.kind == DISCRETE else 50.0 * law.mean
    if gap(0.0) >= 0.0:
        return 0.0
    return float(brentq(gap, 0.0, upper, xtol=1e-10))
