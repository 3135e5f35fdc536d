"""Laws of the absolute jump size |J| of the fundamental value in the Budish–Cramton–Shim model.

A jump moves the value up or down with equal probability by a magnitude drawn from the law.
Two laws: ``discrete`` (finite support, as in the paper) and ``exponential`` (closed-form
equilibrium, used as a test case). Units: price units (e.g. ticks or dollars).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslab import _validate
from mslab.rng import uniform

DISCRETE, EXPONENTIAL = 0, 1


@dataclass(frozen=True)
class JumpLaw:
    """A law of the jump magnitude.

    Attributes
    ----------
    kind : int
        ``DISCRETE`` or ``EXPONENTIAL``.
    sizes : numpy.ndarray
        Support of a discrete law (> 0); ``[mean]`` for the exponential law.
    probs : numpy.ndarray
        Probabilities of the sizes (summing to 1); ``[1]`` for the exponential law.
    """

    kind: int
    sizes: np.ndarray
    probs: np.ndarray

    @property
    def mean(self) -> float:
        """E|J| (price units)."""
        return float(np.dot(self.sizes, self.probs))

    def expected_excess(self, half_spread: float) -> float:
        """E[(|J| − h)⁺] = Pr(|J| > h)·E[|J| − h | |J| > h], the expected sniping loss per jump
        of a quote at half-spread h (price units).

        Parameters
        ----------
        half_spread : float
            Half-spread h of the quote, ≥ 0, in price units.

        Returns
        -------
        float
            E[(|J| − h)⁺] in price units: m·e^{−h/m} for the exponential law of mean m,
            Σ pₖ·max(sₖ − h, 0) for a discrete law.

        Raises
        ------
        ValueError
            If ``half_spread`` is negative or not finite.
        """
        h = _validate.nonnegative("half_spread", half_spread)
        if self.kind == EXPONENTIAL:
            m = float(self.sizes[0])
            return m * float(np.exp(-h / m))
        return float(np.dot(np.maximum(self.sizes - h, 0.0), self.probs))

    def scaled(self, factor: float) -> JumpLaw:
        """The same law with every size multiplied by ``factor`` (> 0).

        Parameters
        ----------
        factor : float
            Scale factor, finite and > 0.

        Returns
        -------
        JumpLaw
            The same kind and probabilities, sizes (the mean, for the exponential law) times
            ``factor``.

        Raises
        ------
        ValueError
            If ``factor`` is not a finite number > 0.
        """
        factor = _validate.positive("factor", factor)
        return JumpLaw(self.kind, self.sizes * factor, self.probs)


def discrete_jumps(sizes: object, probs: object) -> JumpLaw:
    """A discrete law of |J| on ``sizes`` (> 0) with probabilities ``probs`` (≥ 0, sum 1).

    Parameters
    ----------
    sizes : numpy.ndarray
        Jump magnitudes (price units), finite and > 0; flattened to 1-D.
    probs : numpy.ndarray
        One probability per size, ≥ 0, summing to 1 within 1e-9 (renormalised to sum 1).

    Returns
    -------
    JumpLaw
        A ``DISCRETE`` law.

    Raises
    ------
    ValueError
        If ``sizes`` is empty or holds a value ≤ 0 or not finite, or ``probs`` has a negative
        or non-finite entry, a different length or a sum other than 1.
    """
    s = _validate.real_array("sizes", sizes).ravel()
    p = _validate.real_array("probs", probs, low=0.0).ravel()
    if s.size == 0 or np.any(s <= 0.0):
        _validate.fail("sizes", sizes, "a non-empty array of jump magnitudes > 0")
    if p.size != s.size or abs(p.sum() - 1.0) > 1e-9:
        _validate.fail("probs", probs, f"one probability per entry of sizes ({s.size} sizes), "
                       "summing to 1")
    return JumpLaw(DISCRETE, s, p / p.sum())


def exponential_jumps(mean: float) -> JumpLaw:
    """An exponential law of |J| with the given mean (> 0, price units).

    Parameters
    ----------
    mean : float
        Mean jump magnitude E|J|, finite and > 0, in price units.

    Returns
    -------
    JumpLaw
        An ``EXPONENTIAL`` law (``sizes = [mean]``, ``probs = [1]``).

    Raises
    ------
    ValueError
        If ``mean`` is not a finite number > 0.

    Examples
    --------
    >>> from mslab.latency.jumps import exponential_jumps
    >>> law = exponential_jumps(mean=1.0)
    >>> round(law.expected_excess(0.5), 6)       # E[(|J| − 0.5)⁺] = e^{−0.5}
    0.606531
    """
    m = _validate.positive("mean", mean)
    return JumpLaw(EXPONENTIAL, np.array([m]), np.array([1.0]))


@njit(cache=True)
def draw_jump(state: np.ndarray, kind: int, sizes: np.ndarray, cum: np.ndarray) -> float:
    """One jump magnitude from a law given by ``kind``, ``sizes`` and cumulative ``cum``.

    Jitted and unchecked (called inside the simulation kernels); consumes one uniform draw.

    Parameters
    ----------
    state : numpy.ndarray
        One :mod:`mslab.rng` stream state (four uint64 words), advanced in place.
    kind : int
        ``DISCRETE`` or ``EXPONENTIAL`` (``JumpLaw.kind``).
    sizes : numpy.ndarray
        ``JumpLaw.sizes`` (price units; the mean for the exponential law).
    cum : numpy.ndarray
        Cumulative probabilities of ``sizes``, ``numpy.cumsum(law.probs)``.

    Returns
    -------
    float
        A magnitude |J| in price units: −mean·ln(1 − U) for the exponential law, else the
        first size whose cumulative probability exceeds U (the last size if none does).
    """
    u = uniform(state)
    if kind == EXPONENTIAL:
        return -sizes[0] * np.log(1.0 - u)
    k = 0
    while k < cum.size - 1 and u >= cum[k]:
        k += 1
    return sizes[k]
