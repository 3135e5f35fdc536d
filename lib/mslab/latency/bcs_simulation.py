"""Jitted event simulation of the Budish–Cramton–Shim continuous limit order book.

The fundamental value jumps at Poisson rate λ_jump by ±|J| (|J| from a
:class:`~mslab.latency.jumps.JumpLaw`); investors arrive at rate λ_invest and trade one unit
against the provider's quote at half-spread h (the provider earns h). After a jump larger than h
the provider's quote is stale: the provider (cancelling) and the N − 1 snipers (taking) race;
each of the N fast messages arrives after an i.i.d. uniform jitter and the first one wins, so each
wins with probability 1/N. A winning sniper earns |J| − h and the provider loses it. Every
quantity is marked to the fundamental value; rates are per second, prices in price units.

Random numbers come from :mod:`mslab.rng` (one stream per path) and a path consumes the same
draws whatever h is (the race is drawn at every jump), so profits are continuous in h under
common random numbers and results do not depend on the thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from mslab import _validate
from mslab.latency.bcs_equilibrium import _check_law
from mslab.latency.jumps import JumpLaw, draw_jump
from mslab.rng import exponential, path_states, uniform

MAX_FAST = 10_000


@njit(cache=True, parallel=True)
def simulate_market(states, horizon, lam_invest, lam_jump, kind, sizes, cum, h, n_fast, tau,
                    delta):
    """Kernel shared by the continuous and the batch market, one row per path: provider pnl
    in continuous trading, total sniper pnl, investors, jumps, sniped jumps, then for a batch
    market with interval ``tau`` and a firm ``delta`` faster than the rest: the value of its
    speed advantage, the same jumps' total value E[(|J| − h)⁺] in continuous trading, and the
    provider's pnl.

    Jitted (parallel over paths) and unchecked: :func:`simulate_continuous` and
    :func:`~mslab.latency.batch_auction.simulate_batch` validate and call it.

    Parameters
    ----------
    states : numpy.ndarray
        ``(n_paths, 4)`` uint64 stream states (:func:`mslab.rng.path_states`), advanced in
        place.
    horizon : float
        Path length in seconds.
    lam_invest : float
        Investor arrival rate, per second.
    lam_jump : float
        Jump rate, per second.
    kind : int
        ``JumpLaw.kind``.
    sizes : numpy.ndarray
        ``JumpLaw.sizes`` (price units).
    cum : numpy.ndarray
        Cumulative probabilities of ``sizes``.
    h : float
        The provider's half-spread (price units).
    n_fast : int
        Number N of racing messages (message 0 is the provider's cancel).
    tau : float
        Batch interval in seconds (> 0).
    delta : float
        Speed advantage in seconds (≥ 0).

    Returns
    -------
    numpy.ndarray
        ``(n_paths, 8)`` totals over each path (price units or counts, not rates), columns:
        0 the provider's pnl in continuous trading, 1 the snipers' total pnl, 2 investors,
        3 jumps, 4 jumps sniped by a sniper, 5 the value of the speed advantage in the batch
        market (Σ (|J| − h)⁺ over jumps in the last δ before an auction), 6 Σ (|J| − h)⁺ over
        all jumps, 7 the provider's pnl in the batch market.
    """
    n = states.shape[0]
    out = np.zeros((n, 8))
    total = lam_invest + lam_jump
    p_jump = lam_jump / total
    for i in prange(n):
        s = states[i]
        t = exponential(s, total)
        while t < horizon:
            if uniform(s) < p_jump:
                size = draw_jump(s, kind, sizes, cum)
                winner, best = 0, 2.0
                for k in range(n_fast):  # the race: first of N jittered messages wins
                    arrival = uniform(s)
                    if arrival < best:
                        best, winner = arrival, k
                excess = max(size - h, 0.0)
                out[i, 3] += 1.0
                if excess > 0.0 and winner > 0:  # a sniper (k > 0) beat the provider (k = 0)
                    out[i, 0] -= excess
                    out[i, 1] += excess
                    out[i, 4] += 1.0
                out[i, 6] += excess
                if (np.floor(t / tau) + 1.0) * tau - t <= delta:  # in the last δ before an auction
                    out[i, 5] += excess
                    out[i, 7] -= excess
            else:
                out[i, 0] += h
                out[i, 7] += h
                out[i, 2] += 1.0
            t += exponential(s, total)
    return out


def check_market(lam_invest: float, lam_jump: float, law: JumpLaw, half_spread: float,
                 horizon: float, n_paths: int) -> tuple[float, float, JumpLaw, float, float, int]:
    """Validate the parameters shared by the simulators (and the work bound:
    n_paths·horizon·(λ_invest + λ_jump) expected events ≤ :data:`mslab._validate.MAX_WORK`).

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
    horizon : float
        Path length in seconds, > 0.
    n_paths : int
        Number of paths, ≥ 1.

    Returns
    -------
    tuple
        ``(lam_invest, lam_jump, law, half_spread, horizon, n_paths)`` checked, the numbers as
        ``float`` (``n_paths`` as ``int``).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, beyond the work bound, or when
        10·half_spread·horizon·(λ_invest + λ_jump) is not finite.
    """
    lam_invest = _validate.positive("lam_invest", lam_invest)
    lam_jump = _validate.positive("lam_jump", lam_jump)
    law = _check_law(law)
    h = _validate.nonnegative("half_spread", half_spread)
    horizon = _validate.positive("horizon", horizon)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    _validate.work("n_paths, horizon, lam_invest, lam_jump",  # expected events
                   n_paths * horizon * (lam_invest + lam_jump))
    _validate.derived("half_spread, horizon, lam_invest, lam_jump", "a bound on one path's "
                      "revenue, 10*half_spread*horizon*(lam_invest + lam_jump)",
                      10.0 * h * horizon * (lam_invest + lam_jump))
    return lam_invest, lam_jump, law, h, horizon, n_paths


@dataclass(frozen=True)
class ContinuousRun:
    """Per-path results of :func:`simulate_continuous` (rates per second over ``horizon``).

    Attributes
    ----------
    provider : numpy.ndarray
        ``(n_paths,)``: the provider's profit rate (price units per second).
    sniper : numpy.ndarray
        ``(n_paths,)``: profit rate of one sniper, total sniping profit / (N − 1) (price units
        per second).
    investors : numpy.ndarray
        ``(n_paths,)``: investor arrivals per second.
    jumps : numpy.ndarray
        ``(n_paths,)``: jumps per second.
    sniped : numpy.ndarray
        ``(n_paths,)``: share of jumps in which a sniper hit the stale quote (0 without jumps).
    events : int
        Events simulated over all paths (investors + jumps).
    """

    provider: np.ndarray      # provider's profit rate
    sniper: np.ndarray        # profit rate of one sniper (total sniping profit / (N − 1))
    investors: np.ndarray     # investor arrivals per second
    jumps: np.ndarray         # jumps per second
    sniped: np.ndarray        # share of jumps in which a sniper hit the stale quote
    events: int               # events simulated (investors + jumps)


def simulate_continuous(lam_invest: float, lam_jump: float, law: JumpLaw, half_spread: float,
                        n_fast: int, *, horizon: float = 1000.0, n_paths: int = 64,
                        seed: int = 0) -> ContinuousRun:
    """Simulate ``n_paths`` independent paths of ``horizon`` seconds of the continuous market
    with the provider quoting at ``half_spread`` and ``n_fast`` (N ≥ 2) fast firms.

    Work bound: n_paths·horizon·(λ_invest + λ_jump) expected events ≤
    :data:`mslab._validate.MAX_WORK`.

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
    n_fast : int
        Number N of fast firms (the provider and N − 1 snipers), 2 to 10,000.
    horizon : float
        Length of each path in seconds, > 0; default 1000.
    n_paths : int
        Number of independent paths, ≥ 1; default 64.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` streams, one per path; default 0.

    Returns
    -------
    ContinuousRun
        Per-path profit rates, arrival rates and sniped share.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above or beyond the bounds of :func:`check_market`.
    """
    lam_invest, lam_jump, law, h, horizon, n_paths = check_market(
        lam_invest, lam_jump, law, half_spread, horizon, n_paths)
    n_fast = _validate.integer("n_fast", n_fast, low=2, high=MAX_FAST)
    out = simulate_market(path_states(seed, n_paths), horizon, lam_invest, lam_jump, law.kind,
                          law.sizes, np.cumsum(law.probs), h, n_fast, 1.0, 0.0)
    jumps = np.maximum(out[:, 3], 1.0)
    return ContinuousRun(out[:, 0] / horizon, out[:, 1] / horizon / (n_fast - 1),
                         out[:, 2] / horizon, out[:, 3] / horizon, out[:, 4] / jumps,
                         int(out[:, 2].sum() + out[:, 3].sum()))


def simulated_indifference_spread(lam_invest: float, lam_jump: float, law: JumpLaw, n_fast: int,
                                  *, horizon: float = 1000.0, n_paths: int = 64,
                                  seed: int = 0) -> float:
    """The half-spread at which the simulated provider earns as much as a simulated sniper
    (brentq over h under common random numbers; the difference rises with h).

    Each evaluation runs :func:`simulate_continuous` with the same ``seed``; the root is
    searched in [0, 50 · the largest size of ``law``] (its mean for the exponential law).

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units).
    n_fast : int
        Number N of fast firms, 2 to 10,000.
    horizon : float
        Length of each path in seconds, > 0; default 1000.
    n_paths : int
        Number of independent paths, ≥ 1; default 64.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` streams, one per path; default 0.

    Returns
    -------
    float
        The simulated indifference half-spread, in price units.

    Raises
    ------
    ValueError
        For a parameter that :func:`simulate_continuous` refuses, or (from
        ``scipy.optimize.brentq``) when the provider–sniper difference has the same sign at
        both ends of the bracket.
    """
    from scipy.optimize import brentq

    law = _check_law(law)

    def gap(h: float) -> float:
        run = simulate_continuous(lam_invest, lam_jump, law, h, n_fast, horizon=horizon,
                                  n_paths=n_paths, seed=seed)
        return float(run.provider.mean() - run.sniper.mean())

    return float(brentq(gap, 0.0, 50.0 * float(law.sizes.max()), xtol=1e-10))
