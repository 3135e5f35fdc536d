"""Premium index, its time-weighted average, and the funding paid or received on a position.

Binance's premium index at a sampling time (every ``rule.sample_seconds``, 5 s) is

    P = [max(0, impact bid − index) − max(0, index − impact ask)] / index,

zero while the index lies between the impact bid and ask. Over a settlement interval of ``n``
samples the rule uses the average with linearly increasing weights
``P̄ = Σ_{i=1}^{n} i·P_i / Σ_{i=1}^{n} i`` (the latest sample weighs most) and
turns it into the funding rate with :meth:`mslab.funding.venues.FundingRule.rate`.

The simulator makes the perpetual's mid deviate from the index by an Ornstein–Uhlenbeck
premium ``d`` (fractions of the index), ``dd = −θ(d − μ)dt + σ dW`` sampled exactly every
``sample_seconds``, with impact bid and ask at ``d ∓ h`` around the index (``h`` the half
impact spread, a fraction). Draws come from :mod:`mslab.rng` (one stream, from ``seed``).

A position of ``q`` base units (``q > 0`` long) pays ``q · mark · rate`` at each settlement
(receives it when the product is negative): :func:`funding_cashflows`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslab import _validate, rng
from mslab.funding.venues import FundingRule

MAX_SAMPLES = 50_000_000
"""Largest number of premium samples one simulation may draw (work bound)."""


@njit(cache=True)
def premium_index_kernel(index: np.ndarray, impact_bid: np.ndarray,
                         impact_ask: np.ndarray) -> np.ndarray:
    """Premium index samples, the module docstring's P, elementwise (jitted, unchecked:
    :func:`premium_index` validates and calls it).

    Parameters
    ----------
    index : numpy.ndarray
        1-D float64 array of index prices (> 0).
    impact_bid : numpy.ndarray
        Impact bid prices, same shape and price unit.
    impact_ask : numpy.ndarray
        Impact ask prices, same shape and price unit.

    Returns
    -------
    numpy.ndarray
        1-D array of ``index.size`` premium samples, fractions of the index.
    """
    out = np.empty(index.size)
    for i in range(index.size):
        x = index[i]
        out[i] = (max(0.0, impact_bid[i] - x) - max(0.0, x - impact_ask[i])) / x
    return out


@njit(cache=True)
def weighted_average_kernel(premium: np.ndarray, n: int) -> np.ndarray:
    """Linearly weighted average ``Σ i·P_i / Σ i`` of each consecutive block of ``n`` samples
    (jitted, unchecked: :func:`average_premium` validates and calls it).

    Parameters
    ----------
    premium : numpy.ndarray
        1-D float64 array of premium samples (fractions).
    n : int
        Samples per block, ≥ 1; a trailing partial block is ignored.

    Returns
    -------
    numpy.ndarray
        1-D array of ``premium.size // n`` block averages (fractions).
    """
    m = premium.size // n
    out = np.empty(m)
    norm = n * (n + 1) / 2.0
    for k in range(m):
        s = 0.0
        for i in range(n):
            s += (i + 1) * premium[k * n + i]
        out[k] = s / norm
    return out


def premium_index(index: object, impact_bid: object, impact_ask: object) -> np.ndarray:
    """Premium index samples (fractions) from index, impact bid and impact ask prices.

    Parameters
    ----------
    index : numpy.ndarray
        1-D array of index (spot) prices, finite and > 0.
    impact_bid : numpy.ndarray
        Impact bid prices of the perpetual, finite, same shape and unit as ``index``.
    impact_ask : numpy.ndarray
        Impact ask prices, finite, same shape and unit, each ≥ its impact bid.

    Returns
    -------
    numpy.ndarray
        Shape of ``index``: P = [max(0, impact bid − index) − max(0, index − impact ask)] /
        index, a fraction of the index (0 where the index lies between impact bid and ask).

    Raises
    ------
    ValueError
        For non-finite values, shapes that differ or are not 1-D, an index price ≤ 0 or an
        impact bid above its impact ask.
    """
    x = _validate.real_array("index", index)
    b = _validate.real_array("impact_bid", impact_bid)
    a = _validate.real_array("impact_ask", impact_ask)
    if x.ndim != 1 or b.shape != x.shape or a.shape != x.shape:
        _validate.fail("impact_bid, impact_ask", f"shapes {b.shape}, {a.shape}",
                       f"1-D arrays of the shape of index {x.shape}")
    if np.any(x <= 0):
        _validate.fail("index", "<array with a price <= 0>", "prices > 0")
    if np.any(b > a):
        _validate.fail("impact_bid", "<array above impact_ask>", "prices <= impact_ask")
    return premium_index_kernel(x, b, a)


def average_premium(premium: object, samples_per_interval: int) -> np.ndarray:
    """Linearly weighted average of each block of ``samples_per_interval`` samples.

    Parameters
    ----------
    premium : numpy.ndarray
        Non-empty 1-D array of finite premium samples (fractions), in time order.
    samples_per_interval : int
        Samples n per settlement interval, ≥ 1, a divisor of ``len(premium)`` (e.g. the
        ``samples_per_interval`` of a :class:`FundingRule`).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(premium) // n,)``: P̄ = Σ_{i=1}^{n} i·P_i / Σ_{i=1}^{n} i of each block
        (the latest sample weighs most), a fraction.

    Raises
    ------
    ValueError
        If ``premium`` is not a non-empty 1-D array of finite numbers or ``samples_per_interval``
        is not an integer ≥ 1 dividing its length.
    """
    p = _validate.real_array("premium", premium)
    if p.ndim != 1 or p.size == 0:
        _validate.fail("premium", f"<array of shape {p.shape}>", "a non-empty 1-D array")
    n = _validate.integer("samples_per_interval", samples_per_interval, low=1)
    if p.size % n:
        _validate.fail("samples_per_interval", n, f"a divisor of len(premium) = {p.size}")
    return weighted_average_kernel(p, n)


@dataclass(frozen=True)
class PremiumSimulation:
    """Per settlement: ``average_premium`` (P̄, a fraction), ``rate`` (paid at the settlement),
    ``last_premium`` (the last sample of the interval); the rule and the inputs.

    Attributes
    ----------
    rule : FundingRule
        The rule simulated.
    average_premium : numpy.ndarray
        Shape ``(n_intervals,)``: P̄ of each interval, a fraction of the index.
    rate : numpy.ndarray
        Shape ``(n_intervals,)``: the rate paid at each settlement (fraction of notional,
        positive: longs pay), ``rule.rate(average_premium)``.
    last_premium : numpy.ndarray
        Shape ``(n_intervals,)``: the last premium sample of each interval (fraction).
    seed : int
        Seed of the simulation.
    """

    rule: FundingRule
    average_premium: np.ndarray
    rate: np.ndarray
    last_premium: np.ndarray
    seed: int


@njit(cache=True)
def _simulate_kernel(states: np.ndarray, n_intervals: int, n: int, dt: float, mean: float,
                     theta: float, sigma: float, half_spread: float, d0: float):
    s = states[0]
    decay = np.exp(-theta * dt)
    sd = sigma * np.sqrt((1.0 - decay * decay) / (2.0 * theta))
    avg = np.empty(n_intervals)
    last = np.empty(n_intervals)
    norm = n * (n + 1) / 2.0
    d = d0
    for k in range(n_intervals):
        acc = 0.0
        p = 0.0
        for i in range(n):
            d = mean + (d - mean) * decay + sd * rng.normal(s)
            # impact bid/ask at d -/+ h around an index of 1
            p = max(0.0, d - half_spread) - max(0.0, -(d + half_spread))
            acc += (i + 1) * p
        avg[k] = acc / norm
        last[k] = p
    return avg, last


def simulate_premium(rule: FundingRule, n_intervals: int, *, mean: float = 2e-4,
                     reversion_per_hour: float = 1.0, vol_per_sqrt_hour: float = 3e-4,
                     half_spread: float = 5e-5, seed: int = 0) -> PremiumSimulation:
    """Simulate the premium index every ``rule.sample_seconds`` over ``n_intervals`` settlement
    intervals and the funding rate each one pays (module docstring). ``mean`` is μ (fraction),
    ``reversion_per_hour`` θ (1/h), ``vol_per_sqrt_hour`` σ (fraction per √h), ``half_spread``
    h (fraction). The premium is a price deviation, not a rate: P̄ enters the 8-hour formula as
    is and the rule scales its result by N/8 for an N-hour interval (Binance's
    ``[P̄ + clamp(I − P̄)] / (8/N)``).

    The premium d starts at ``mean``; the simulation draws ``rule.samples_per_interval`` samples
    per interval.

    Parameters
    ----------
    rule : FundingRule
        The venue's rule (its ``sample_seconds`` and ``samples_per_interval`` set the sampling).
    n_intervals : int
        Number of settlement intervals, ≥ 1.
    mean : float
        Long-run mean μ of the premium d, a fraction of the index in [−0.05, 0.05]; default
        2e-4.
    reversion_per_hour : float
        Mean-reversion rate θ per hour, in [1e-6, 1e4]; default 1.
    vol_per_sqrt_hour : float
        Volatility σ of d, a fraction per √hour, ≥ 0; default 3e-4.
    half_spread : float
        Half impact spread h, a fraction of the index, ≥ 0; default 5e-5.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` stream; default 0.

    Returns
    -------
    PremiumSimulation
        P̄, the rate paid and the last premium sample of each interval, with ``rule`` and
        ``seed``.

    Raises
    ------
    ValueError
        If ``rule`` is not a ``FundingRule``, a parameter is outside the ranges above, the
        samples (``n_intervals`` × samples per interval) exceed :data:`MAX_SAMPLES` or the work
        bound, or the simulated premium is not finite.
    """
    if not isinstance(rule, FundingRule):
        _validate.fail("rule", type(rule).__name__, "a FundingRule (mslab.funding.venues)")
    n_intervals = _validate.integer("n_intervals", n_intervals, low=1)
    mean = _validate.real("mean", mean, low=-0.05, high=0.05)
    theta = _validate.real("reversion_per_hour", reversion_per_hour, low=1e-6, high=1e4)
    sigma = _validate.nonnegative("vol_per_sqrt_hour", vol_per_sqrt_hour)
    half_spread = _validate.nonnegative("half_spread", half_spread)
    seed = _validate.seed("seed", seed)
    n = rule.samples_per_interval
    _validate.elements("n_intervals", n_intervals)
    _validate.work("n_intervals, rule.sample_seconds", float(n) * n_intervals)
    if n * n_intervals > MAX_SAMPLES:
        _validate.fail("n_intervals", n_intervals, f"at most {MAX_SAMPLES // n:,} intervals "
                       f"of {n} samples (work bound {MAX_SAMPLES:,} samples)")
    dt = rule.sample_seconds / 3600.0
    avg, last = _simulate_kernel(rng.path_states(seed, 1), n_intervals, n, dt, mean, theta,
                                 sigma, half_spread, mean)
    _validate.derived("mean, reversion_per_hour, vol_per_sqrt_hour, half_spread",
                      "the premium index", [avg, last])
    return PremiumSimulation(rule=rule, average_premium=avg, rate=rule.rate(avg),
                             last_premium=last, seed=seed)


def funding_cashflows(position: object, mark: object, rate: object) -> np.ndarray:
    """Funding received at each settlement by a position of ``position`` base units (> 0 long)
    at mark price ``mark``: ``−position · mark · rate`` (longs pay a positive rate).

    Parameters
    ----------
    position : float or numpy.ndarray
        Position in base units (> 0 long, < 0 short), finite.
    mark : float or numpy.ndarray
        Mark price at each settlement (quote currency per base unit), finite and ≥ 0.
    rate : float or numpy.ndarray
        Funding rate paid at each settlement (fraction of notional), finite.

    Returns
    -------
    numpy.ndarray
        Funding received, in quote currency, of the broadcast shape of the three inputs
        (negative: paid).

    Raises
    ------
    ValueError
        For non-finite inputs, a negative mark price, shapes that do not broadcast, or a
        cash flow that overflows.

    Examples
    --------
    A long of 1 BTC pays a positive rate and receives a negative one:

    >>> import numpy as np
    >>> from mslab.funding.premium import funding_cashflows
    >>> funding_cashflows(1.0, np.array([60000.0, 61000.0]), np.array([0.0001, -0.0002]))
    array([-6. , 12.2])
    """
    q = _validate.real_array("position", position)
    m = _validate.real_array("mark", mark, low=0.0)
    r = _validate.real_array("rate", rate)
    try:
        q, m, r = np.broadcast_arrays(q, m, r)
    except ValueError:
        _validate.fail("position, mark, rate", f"shapes {q.shape}, {m.shape}, {r.shape}",
                       "arrays of broadcastable shapes")
    with np.errstate(all="ignore"):
        flows = -q * m * r
    return _validate.derived("position, mark, rate", "the funding cash flow", flows)
