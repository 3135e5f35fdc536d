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

from mslab import _validate
from mslab.latency.bcs_equilibrium import _check_law
from mslab.latency.bcs_simulation import check_market, simulate_market
from mslab.latency.jumps import DISCRETE, JumpLaw
from mslab.rng import path_states


def sniping_share(delta: float, tau: float) -> float:
    """The share δ/τ (capped at 1) of jumps a firm δ faster than the others can snipe.

    Parameters
    ----------
    delta : float
        Speed advantage δ in seconds, ≥ 0.
    tau : float
        Batch interval τ in seconds, > 0.

    Returns
    -------
    float
        min(δ/τ, 1).

    Raises
    ------
    ValueError
        If ``delta`` < 0 or ``tau`` ≤ 0 (or either is not finite).

    Examples
    --------
    A firm 1 ms faster than the others snipes 1 % of the jumps of a 100-ms batch interval:

    >>> from mslab.latency.batch_auction import sniping_share
    >>> sniping_share(delta=0.001, tau=0.1), sniping_share(delta=0.2, tau=0.1)
    (0.01, 1.0)
    """
    delta = _validate.nonnegative("delta", delta)
    tau = _validate.positive("tau", tau)
    return min(delta / tau, 1.0)


@dataclass(frozen=True)
class BatchRun:
    """Per-path results of :func:`simulate_batch` (rates per second).

    Attributes
    ----------
    provider : numpy.ndarray
        ``(n_paths,)``: the provider's profit rate in the batch market (price units per
        second).
    sniping_batch : numpy.ndarray
        ``(n_paths,)``: value of the speed advantage δ in the batch market, Σ (|J| − h)⁺ over
        the jumps in the last δ before an auction, per second.
    sniping_continuous : numpy.ndarray
        ``(n_paths,)``: the same jumps' value in continuous trading, Σ (|J| − h)⁺ over all
        jumps, per second.
    events : int
        Events simulated over all paths (investors + jumps).
    """

    provider: np.ndarray          # provider's profit rate in the batch market
    sniping_batch: np.ndarray     # value of the speed advantage δ in the batch market
    sniping_continuous: np.ndarray  # the same jumps' value in continuous trading
    events: int


def simulate_batch(lam_invest: float, lam_jump: float, law: JumpLaw, half_spread: float,
                   tau: float, delta: float, *, horizon: float = 1000.0, n_paths: int = 64,
                   seed: int = 0) -> BatchRun:
    """Simulate the batch market with interval ``tau`` and a firm ``delta`` faster than the
    others, the provider quoting at ``half_spread``; the same jumps valued in continuous
    trading (where the fast firm snipes every stale quote) give the benchmark.

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units).
    half_spread : float
        The provider's half-spread, ≥ 0, in price units.
    tau : float
        Batch interval τ in seconds, > 0.
    delta : float
        Speed advantage δ of the fast firm in seconds, ≥ 0 (δ ≥ τ: every jump is sniped).
    horizon : float
        Length of each path in seconds, > 0; default 1000.
    n_paths : int
        Number of independent paths, ≥ 1; default 64.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` streams, one per path; default 0.

    Returns
    -------
    BatchRun
        Per-path profit and sniping rates.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above or beyond the bounds of
        :func:`~mslab.latency.bcs_simulation.check_market`.
    """
    lam_invest, lam_jump, law, h, horizon, n_paths = check_market(
        lam_invest, lam_jump, law, half_spread, horizon, n_paths)
    tau = _validate.positive("tau", tau)
    delta = _validate.nonnegative("delta", delta)
    out = simulate_market(path_states(seed, n_paths), horizon, lam_invest, lam_jump, law.kind,
                          law.sizes, np.cumsum(law.probs), h, 2, tau, delta)
    return BatchRun(out[:, 7] / horizon, out[:, 5] / horizon, out[:, 6] / horizon,
                    int(out[:, 2].sum() + out[:, 3].sum()))


def simulated_half_spread(lam_invest: float, lam_jump: float, law: JumpLaw, tau: float | None,
                          delta: float = 0.0, *, horizon: float = 1000.0, n_paths: int = 64,
                          seed: int = 0) -> float:
    """The break-even half-spread found by simulation: the h at which the provider's simulated
    revenue from investors equals its simulated sniping loss (brentq under common random
    numbers). ``tau=None`` is the continuous market (every stale quote is sniped by someone:
    the provider's profit equals a sniper's exactly when revenue equals the total loss);
    otherwise a batch market with interval ``tau`` and speed advantage ``delta``.

    Each evaluation runs :func:`simulate_batch` with the same ``seed``; the root is searched in
    [0, largest size] for a discrete law and [0, 50 · mean] for the exponential law.

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units).
    tau : float or None
        Batch interval τ in seconds (> 0), or ``None`` for continuous trading.
    delta : float
        Speed advantage δ in seconds, ≥ 0 (ignored when ``tau`` is ``None``); default 0.
    horizon : float
        Length of each path in seconds, > 0; default 1000.
    n_paths : int
        Number of independent paths, ≥ 1; default 64.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` streams, one per path; default 0.

    Returns
    -------
    float
        The break-even half-spread in price units; 0 when the provider breaks even at h = 0
        (e.g. ``delta`` = 0: nothing is sniped).

    Raises
    ------
    ValueError
        For a parameter that :func:`simulate_batch` refuses, or (from
        ``scipy.optimize.brentq``) when the provider's profit is still negative at the top of
        the bracket.
    """
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
