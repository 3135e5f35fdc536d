"""The equilibrium of Budish, Cramton & Shim (2015) for continuous limit order books.

One liquidity provider quotes at half-spread h around the fundamental value; N − 1 fast
snipers race it after every jump. Per unit of time (rates in 1/s, prices in price units):

* provider: λ_invest·h − λ_jump·E[(|J| − h)⁺]·(N − 1)/N,
* each sniper: λ_jump·E[(|J| − h)⁺]/N.

Indifference between the two roles gives the half-spread h* that solves
λ_invest·h = λ_jump·E[(|J| − h)⁺] (independent of N), and free entry at speed cost c_speed gives
N*·c_speed = λ_invest·h*: investors pay the whole arms race through the spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from mslab import _validate
from mslab.latency.jumps import EXPONENTIAL, JumpLaw

MAX_RATE_RATIO = 1e12
"""Largest λ_jump/λ_invest (times the sniping share) for which the half-spread is solved; beyond
it the equilibrium is far outside any market and the root finder's bracket degenerates."""


def _check_law(law: object) -> JumpLaw:
    if not isinstance(law, JumpLaw):
        _validate.fail("law", type(law).__name__, "a JumpLaw (discrete_jumps or exponential_jumps)")
    return law


def half_spread(lam_invest: float, lam_jump: float, law: JumpLaw,
                sniping_share: float = 1.0) -> float:
    """The half-spread h solving λ_invest·h = sniping_share·λ_jump·E[(|J| − h)⁺] (brentq).

    ``sniping_share`` = 1 is the continuous market; a frequent batch auction with speed
    advantage δ and interval τ has sniping_share = δ/τ (:mod:`mslab.latency.batch_auction`).

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units), from
        :func:`~mslab.latency.jumps.discrete_jumps` or
        :func:`~mslab.latency.jumps.exponential_jumps`.
    sniping_share : float
        Share of jumps that can be sniped, in [0, 1]; default 1 (continuous trading).

    Returns
    -------
    float
        The half-spread h in price units (0 when sniping_share = 0).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, or sniping_share·λ_jump/λ_invest above
        :data:`MAX_RATE_RATIO`.

    Examples
    --------
    With exponential jumps of mean 1 and λ_invest = λ_jump, the half-spread solves h = e^{−h}
    (the omega constant):

    >>> from mslab.latency.bcs_equilibrium import half_spread
    >>> from mslab.latency.jumps import exponential_jumps
    >>> round(half_spread(lam_invest=1.0, lam_jump=1.0, law=exponential_jumps(1.0)), 6)
    0.567143
    """
    lam_invest = _validate.positive("lam_invest", lam_invest)
    lam_jump = _validate.positive("lam_jump", lam_jump)
    law = _check_law(law)
    share = _validate.real("sniping_share", sniping_share, low=0.0, high=1.0)
    if share == 0.0:
        return 0.0
    ratio = share * lam_jump / lam_invest
    if not ratio <= MAX_RATE_RATIO:
        raise ValueError(f"lam_jump={lam_jump!r} with lam_invest={lam_invest!r} is not allowed: "
                         f"sniping_share*lam_jump/lam_invest must be <= {MAX_RATE_RATIO:g} "
                         f"(mslab.latency.bcs_equilibrium.MAX_RATE_RATIO; got {ratio:g})")

    def gap(h: float) -> float:
        return lam_invest * h - share * lam_jump * law.expected_excess(h)

    # gap(upper) >= 0: excess <= mean; excess = 0 beyond the largest discrete size; for the
    # exponential law (mean m) lam_invest*h >= share*lam_jump*m*exp(-h/m) at h = m*max(1, log ratio)
    upper = ratio * law.mean
    if law.kind == EXPONENTIAL:
        upper = min(upper, law.mean * max(1.0, float(np.log(ratio))))
    else:
        upper = min(upper, float(law.sizes.max()))
    return float(brentq(gap, 0.0, upper, xtol=1e-13, rtol=1e-13)) if upper > 0 else 0.0


@dataclass(frozen=True)
class Profits:
    """Expected profit rates (price units per second) at a given half-spread and N.

    Attributes
    ----------
    provider : float
        The provider's rate, λ_invest·h − λ_jump·E[(|J| − h)⁺]·(N − 1)/N.
    sniper : float
        Each sniper's rate, λ_jump·E[(|J| − h)⁺]/N.
    sniping_loss : float
        λ_jump·E[(|J| − h)⁺], the total value of stale-quote sniping.
    """

    provider: float
    sniper: float
    sniping_loss: float  # λ_jump·E[(|J| − h)⁺], the total value of stale-quote sniping


def profits(lam_invest: float, lam_jump: float, law: JumpLaw, h: float, n_fast: int) -> Profits:
    """Expected profit rates of the provider quoting at half-spread ``h`` (price units) and of
    each of the N − 1 snipers (N = n_fast).

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units), from
        :func:`~mslab.latency.jumps.discrete_jumps` or
        :func:`~mslab.latency.jumps.exponential_jumps`.
    h : float
        The provider's half-spread, ≥ 0, in price units.
    n_fast : int
        Number N ≥ 2 of fast firms (the provider and N − 1 snipers).

    Returns
    -------
    Profits
        The provider's and each sniper's profit rate and the total sniping loss (price units
        per second).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above or profit rates that are not finite.
    """
    lam_invest = _validate.positive("lam_invest", lam_invest)
    lam_jump = _validate.positive("lam_jump", lam_jump)
    law = _check_law(law)
    h = _validate.nonnegative("h", h)
    n = _validate.integer("n_fast", n_fast, low=2)
    loss = lam_jump * law.expected_excess(h)
    rates = Profits(lam_invest * h - loss * (n - 1) / n, loss / n, loss)
    _validate.derived("lam_invest, lam_jump, h, law", "the profit rates",
                      [rates.provider, rates.sniper])
    return rates


def entry(lam_invest: float, lam_jump: float, law: JumpLaw, c_speed: float) -> tuple[float, float]:
    """Free entry: ``(N*, arms-race cost N*·c_speed)`` with N* = λ_invest·h*/c_speed (not
    rounded; price units per second for the cost).

    h* is :func:`half_spread` in continuous trading (sniping share 1).

    Parameters
    ----------
    lam_invest : float
        Investor arrival rate λ_invest, per second, > 0.
    lam_jump : float
        Jump rate λ_jump of the fundamental value, per second, > 0.
    law : JumpLaw
        Law of the jump magnitude |J| (price units), from
        :func:`~mslab.latency.jumps.discrete_jumps` or
        :func:`~mslab.latency.jumps.exponential_jumps`.
    c_speed : float
        Cost of speed per fast firm, > 0, in price units per second.

    Returns
    -------
    tuple of float
        ``(n_star, cost)``: the number of fast firms N* = λ_invest·h*/c_speed and the arms-race
        cost N*·c_speed = λ_invest·h* (price units per second).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, as :func:`half_spread`, or an N* that is not
        finite.
    """
    c = _validate.positive("c_speed", c_speed)
    h = half_spread(lam_invest, lam_jump, law)
    n_star = lam_invest * h / c
    _validate.derived("c_speed, lam_invest, lam_jump, law", "N* = lam_invest*h/c_speed", n_star)
    return n_star, n_star * c
