"""Counter-free, per-path random streams for parallel Monte Carlo.

Every simulated path owns an independent xoshiro256** generator (Blackman & Vigna, 2018) whose
256-bit state is drawn from ``numpy.random.SeedSequence(seed)``. A path's random numbers thus
depend only on ``(seed, path index)``, never on which thread simulated it, so results are
identical for any ``NUMBA_NUM_THREADS``.

Kernels receive the ``(n_paths, 4)`` uint64 state array from :func:`path_states` and either
call the jitted draws below on ``states[i]`` (a view, advanced in place), or — in the hottest
loops — load the row into four local variables and advance them with :func:`xoshiro_step`,
which lets the compiler keep the state in registers (about 20 % faster).

The draws are kernel building blocks: they do not validate their arguments (the public
simulator that calls them does) and are compiled with ``error_model="numpy"`` so that they
never raise — numba cannot carry an exception out of a ``prange`` loop: it is lost, the
kernel's outputs stay unwritten and a later parallel call may fail with ``SystemError``. A
division by zero gives ``inf``/NaN instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab import _validate

__all__ = ["exponential", "next_u64", "normal", "path_states", "poisson", "randint", "to_unit",
           "uniform", "xoshiro_step"]

_U53 = np.float64(1.0 / 9007199254740992.0)  # 2**-53


def path_states(seed: int, n_paths: int) -> np.ndarray:
    """Independent xoshiro256** states for ``n_paths`` paths, derived from ``seed``.

    Returns a C-contiguous ``(n_paths, 4)`` uint64 array; ``4 n_paths`` is at most
    :data:`mslab._validate.MAX_ELEMENTS`. An all-zero state (which xoshiro
    cannot leave) has probability 2**-256 and is rejected.

    Examples
    --------
    >>> from mslab.rng import path_states
    >>> states = path_states(seed=0, n_paths=2)
    >>> states.shape, states.dtype.name
    ((2, 4), 'uint64')
    >>> bool((path_states(0, 2) == states).all())     # the same seed, the same streams
    True
    """
    seed = _validate.seed("seed", seed)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    _validate.elements("n_paths", 4.0 * n_paths)
    states = np.random.SeedSequence(seed).generate_state(4 * n_paths, dtype=np.uint64)
    states = states.reshape(n_paths, 4).copy()
    if np.any(~states.any(axis=1)):
        raise RuntimeError("SeedSequence produced an all-zero xoshiro state")
    return states


@njit(cache=True, inline="always", error_model="numpy")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(cache=True, inline="always", error_model="numpy")
def xoshiro_step(a: np.uint64, b: np.uint64, c: np.uint64, d: np.uint64):
    """One xoshiro256** step on a state held in four words; returns (output, a, b, c, d)."""
    result = _rotl(b * np.uint64(5), np.uint64(7)) * np.uint64(9)
    t = b << np.uint64(17)
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = _rotl(d, np.uint64(45))
    return result, a, b, c, d


@njit(cache=True, inline="always", error_model="numpy")
def to_unit(x: np.uint64) -> float:
    """Map 64 random bits to a uniform on [0, 1) using the top 53 bits."""
    return np.float64(x >> np.uint64(11)) * _U53


@njit(cache=True, error_model="numpy")
def next_u64(s: np.ndarray) -> np.uint64:
    """Advance the state ``s`` (4 uint64, in place) and return the next 64-bit output."""
    result = _rotl(s[1] * np.uint64(5), np.uint64(7)) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], np.uint64(45))
    return result


@njit(cache=True, error_model="numpy")
def uniform(s: np.ndarray) -> float:
    """A uniform draw on [0, 1) with 53 random bits."""
    return to_unit(next_u64(s))


@njit(cache=True, error_model="numpy")
def normal(s: np.ndarray) -> float:
    """A standard normal draw (Box–Muller; one of the pair is discarded for statelessness)."""
    u1 = 1.0 - uniform(s)  # (0, 1]
    u2 = uniform(s)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True, error_model="numpy")
def exponential(s: np.ndarray, rate: float) -> float:
    """An exponential waiting time with the given rate (mean 1/rate)."""
    return -np.log(1.0 - uniform(s)) / rate


@njit(cache=True, error_model="numpy")
def poisson(s: np.ndarray, lam: float) -> int:
    """A Poisson(lam) count: Knuth's product method for lam < 30, else a normal approximation
    rounded to the nearest non-negative integer (never used with large lam in this library)."""
    if lam <= 0.0:
        return 0
    if lam < 30.0:
        limit = np.exp(-lam)
        k = 0
        p = uniform(s)
        while p > limit:
            k += 1
            p *= uniform(s)
        return k
    x = lam + np.sqrt(lam) * normal(s) + 0.5
    return max(0, int(np.floor(x)))


@njit(cache=True, error_model="numpy")
def randint(s: np.ndarray, n: int) -> int:
    """A uniform integer in {0, ..., n-1}."""
    return min(int(uniform(s) * n), n - 1)
