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

Normal draws use the ziggurat method (Marsaglia & Tsang, 2000) with 256 layers and 64-bit
words, as in NumPy's ``standard_normal``; :func:`normal_step` is the register form for the
hottest loops (:func:`normal` wraps it for a state array). Each draw takes one xoshiro output
``r``: its low 8 bits pick the layer, bit 8 the sign and the top 52 bits the uniform abscissa,
so the layer and the uniform are independent (Doornik, 2005, showed that reusing the uniform's
low bits as the layer index, as Marsaglia & Tsang's 32-bit code does, makes the draws fail
tests of randomness). 98.5 % of draws are accepted by one comparison (an average over the
layers of x_{i+1}/x_i); the rest are finished exactly by rejection
against the density (the wedges) or by Marsaglia's (1964) exact method for the tail beyond
``ZIGGURAT_R``. The method is exact up to the 52-bit resolution of the uniforms: no
approximation of the normal distribution is made.

References: G. Marsaglia and W. W. Tsang (2000), "The ziggurat method for generating random
variables", Journal of Statistical Software 5(8); J. A. Doornik (2005), "An improved ziggurat
method to generate normal random samples", University of Oxford; G. Marsaglia (1964),
"Generating a variable from the tail of the normal distribution", Technometrics 6(1), 101-102.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from mslab import _validate

__all__ = ["ZIGGURAT_R", "exponential", "next_u64", "normal", "normal_draws", "normal_step",
           "path_states", "poisson", "randint", "to_unit", "uniform", "xoshiro_step"]

_U53 = np.float64(1.0 / 9007199254740992.0)  # 2**-53


def path_states(seed: int, n_paths: int) -> np.ndarray:
    """Independent xoshiro256** states for ``n_paths`` paths, derived from ``seed``: the words
    of ``numpy.random.SeedSequence(seed).generate_state(4 * n_paths, np.uint64)``, computed by
    a compiled copy of that function (``_generate_state``).

    Parameters
    ----------
    seed : int
        Seed of the ``numpy.random.SeedSequence`` (≥ 0).
    n_paths : int
        Number of paths, ≥ 1; ``4 n_paths`` is at most :data:`mslab._validate.MAX_ELEMENTS`.

    Returns
    -------
    numpy.ndarray
        A C-contiguous ``(n_paths, 4)`` uint64 array: row i is the state of path i.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer ≥ 0, ``n_paths`` is not an integer ≥ 1, or
        ``4 n_paths`` exceeds :data:`mslab._validate.MAX_ELEMENTS`.
    RuntimeError
        For an all-zero state (which xoshiro cannot leave); its probability is 2**-256.

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
    pool = np.random.SeedSequence(seed).pool.astype(np.uint64)
    states = _generate_state(pool, 4 * n_paths).reshape(n_paths, 4)
    if np.any(~states.any(axis=1)):
        raise RuntimeError("SeedSequence produced an all-zero xoshiro state")
    return states


_MASK32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, error_model="numpy")
def _generate_state(pool: np.ndarray, n_words: int) -> np.ndarray:
    """``numpy.random.SeedSequence.generate_state(n_words, np.uint64)`` for the entropy pool
    ``pool`` (its default 4 words of 32 bits), bit for bit, compiled: NumPy's loop costs about 0.1 µs a
    word, more than a simulated path of a few hundred steps.

    O'Neill's (2015) ``seed_seq_fe`` output function: 32-bit word j is pool[j mod 4] mixed with
    a multiplicative hash constant; 64-bit word k is 32-bit words 2k (low) and 2k + 1 (high)."""
    out = np.empty(n_words, dtype=np.uint64)
    hash_const = np.uint64(0x8B51F9DD)
    for k in range(n_words):
        word = np.uint64(0)
        for half in range(2):
            value = pool[(2 * k + half) & 3] ^ hash_const
            hash_const = (hash_const * np.uint64(0x58F38DED)) & _MASK32
            value = (value * hash_const) & _MASK32
            value ^= value >> np.uint64(16)
            word |= value << np.uint64(32 * half)
        out[k] = word
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(cache=True, inline="always", error_model="numpy")
def xoshiro_step(a: np.uint64, b: np.uint64, c: np.uint64, d: np.uint64):
    """One xoshiro256** step on a state held in four words; returns (output, a, b, c, d).

    Parameters
    ----------
    a, b, c, d : numpy.uint64
        The state's words, in order (a row of :func:`path_states`).

    Returns
    -------
    tuple
        ``(output, a, b, c, d)``: the 64-bit output (numpy.uint64) and the four words of the
        advanced state. The same output as :func:`next_u64` on the state array.
    """
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
    """Map 64 random bits to a uniform on [0, 1) using the top 53 bits.

    Parameters
    ----------
    x : numpy.uint64
        64 random bits (an output of :func:`next_u64` or :func:`xoshiro_step`).

    Returns
    -------
    float
        ``(x >> 11)·2⁻⁵³``, a multiple of 2⁻⁵³ in [0, 1).
    """
    return np.float64(x >> np.uint64(11)) * _U53


@njit(cache=True, error_model="numpy")
def next_u64(s: np.ndarray) -> np.uint64:
    """Advance the state ``s`` (4 uint64, in place) and return the next 64-bit output.

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.

    Returns
    -------
    numpy.uint64
        The next xoshiro256** output.
    """
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
    """A uniform draw on [0, 1) with 53 random bits.

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.

    Returns
    -------
    float
        A uniform on [0, 1): :func:`to_unit` of the next output.
    """
    return to_unit(next_u64(s))


ZIGGURAT_R = 3.6541528853610088
"""Right edge of the base layer of the 256-layer normal ziggurat (Marsaglia & Tsang, 2000):
the start of the tail, in standard deviations."""

_LAYERS = 256


def _ziggurat_edges(r: float = ZIGGURAT_R,
                    layers: int = _LAYERS) -> tuple[np.ndarray, float]:
    """Edges ``x_0 > x_1 = r > ... > x_layers = 0`` of a ziggurat of equal-area layers under
    f(x) = exp(−x²/2) (the unnormalised half-normal density), and the common area v.

    Layer i ≥ 1 is the box [0, x_i) × [f(x_i), f(x_{i+1})]; layer 0 is the box
    [0, r) × [0, f(r)] plus the tail beyond r, and x_0 = v / f(r) is the width of a box of
    the same area and height. The recurrence x_{i+1} = f⁻¹(f(x_i) + v / x_i) makes every
    layer's area v; r is the value for which the top layer closes at f = 1 (x_layers = 0)."""
    f_r = math.exp(-0.5 * r * r)
    v = r * f_r + math.sqrt(math.pi / 2.0) * math.erfc(r / math.sqrt(2.0))
    x = np.empty(layers + 1)
    x[0], x[1], x[layers] = v / f_r, r, 0.0
    for i in range(1, layers - 1):
        x[i + 1] = math.sqrt(-2.0 * math.log(math.exp(-0.5 * x[i] * x[i]) + v / x[i]))
    return x, v


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables of :func:`normal_step`, indexed by the low 9 bits of a draw (layer, sign):
    the signed abscissa per unit of the 52-bit uniform, the fast-acceptance bound of the
    uniform (x < x_{i+1}) and the density at the edges."""
    x, _ = _ziggurat_edges()
    w = x[:_LAYERS] / 2.0**52
    scale = np.concatenate([w, -w])  # bit 8 of the draw is the sign
    accept = np.floor(x[1:] / x[:_LAYERS] * 2.0**52).astype(np.uint64)
    return scale, accept, np.exp(-0.5 * x * x)


_ZIG_SCALE, _ZIG_ACCEPT, _ZIG_DENSITY = _ziggurat_tables()
_M8 = np.uint64(0xFF)
_M9 = np.uint64(0x1FF)
_S12 = np.uint64(12)


@njit(cache=True, inline="always", error_model="numpy")
def _candidate(r: np.uint64):
    """Layer, signed abscissa and fast acceptance of the draw ``r`` (independent bits)."""
    i = r & _M8
    u = r >> _S12  # the top 52 bits
    return i, np.float64(np.int64(u)) * _ZIG_SCALE[r & _M9], u < _ZIG_ACCEPT[i]


@njit(cache=True, error_model="numpy")
def _finish_normal(i: np.uint64, x: float, a: np.uint64, b: np.uint64, c: np.uint64,
                   d: np.uint64):
    """Complete a draw whose fast test failed: the wedge or tail test, then fresh draws until
    one is accepted. Returns (z, a, b, c, d)."""
    while True:
        if i == 0:  # the tail beyond r, by Marsaglia's (1964) exact method
            while True:
                r1, a, b, c, d = xoshiro_step(a, b, c, d)
                r2, a, b, c, d = xoshiro_step(a, b, c, d)
                t = -np.log1p(-to_unit(r1)) / ZIGGURAT_R
                y = -np.log1p(-to_unit(r2))
                if y + y > t * t:
                    return math.copysign(ZIGGURAT_R + t, x), a, b, c, d
        r, a, b, c, d = xoshiro_step(a, b, c, d)
        low, high = _ZIG_DENSITY[i], _ZIG_DENSITY[i + 1]
        if low + to_unit(r) * (high - low) < np.exp(-0.5 * x * x):  # under the density
            return x, a, b, c, d
        r, a, b, c, d = xoshiro_step(a, b, c, d)
        i, x, fast = _candidate(r)
        if fast:
            return x, a, b, c, d


@njit(cache=True, inline="always", error_model="numpy")
def normal_step(a: np.uint64, b: np.uint64, c: np.uint64, d: np.uint64):
    """One standard normal draw (ziggurat) from a xoshiro256** state held in four words;
    returns (z, a, b, c, d). The same draws as :func:`normal` on the state array.

    Parameters
    ----------
    a, b, c, d : numpy.uint64
        The state's words, in order (a row of :func:`path_states`).

    Returns
    -------
    tuple
        ``(z, a, b, c, d)``: the N(0, 1) draw (float) and the four words of the advanced state
        (one step, more when the fast test fails).
    """
    r, a, b, c, d = xoshiro_step(a, b, c, d)
    i, x, fast = _candidate(r)
    if fast:
        return x, a, b, c, d
    return _finish_normal(i, x, a, b, c, d)


@njit(cache=True, error_model="numpy")
def normal(s: np.ndarray) -> float:
    """A standard normal draw (ziggurat, see the module docstring); advances ``s`` in place.

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.

    Returns
    -------
    float
        An N(0, 1) draw.
    """
    z, a, b, c, d = normal_step(s[0], s[1], s[2], s[3])
    s[0], s[1], s[2], s[3] = a, b, c, d
    return z


@njit(cache=True, error_model="numpy")
def _normal_draws(states: np.ndarray, n_draws: int) -> np.ndarray:
    out = np.empty((states.shape[0], n_draws))
    for i in range(states.shape[0]):
        a, b, c, d = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
        for k in range(n_draws):
            out[i, k], a, b, c, d = normal_step(a, b, c, d)
    return out


def normal_draws(seed: int, n_paths: int, n_draws: int) -> np.ndarray:
    """The first ``n_draws`` standard normals of each of the ``n_paths`` streams of ``seed``
    (:func:`path_states`): row i is what a kernel drawing only normals on path i sees.

    Parameters
    ----------
    seed : int
        Seed of the streams (≥ 0).
    n_paths : int
        Number of paths (streams), ≥ 1.
    n_draws : int
        Number of draws per path, ≥ 1; ``n_paths × n_draws`` is at most
        :data:`mslab._validate.MAX_ELEMENTS`.

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(n_paths, n_draws)``.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer ≥ 0, ``n_paths`` or ``n_draws`` is not an integer ≥ 1,
        or ``n_paths × n_draws`` exceeds :data:`mslab._validate.MAX_ELEMENTS`.

    Examples
    --------
    >>> from mslab.rng import normal_draws
    >>> z = normal_draws(seed=0, n_paths=2, n_draws=3)
    >>> z.shape
    (2, 3)
    >>> bool((normal_draws(0, 1, 3) == z[:1]).all())  # a path's draws do not depend on n_paths
    True
    """
    seed = _validate.seed("seed", seed)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    n_draws = _validate.integer("n_draws", n_draws, low=1)
    _validate.elements("n_paths, n_draws", float(n_paths) * n_draws)
    return _normal_draws(path_states(seed, n_paths), n_draws)


@njit(cache=True, error_model="numpy")
def exponential(s: np.ndarray, rate: float) -> float:
    """An exponential waiting time with the given rate (mean 1/rate).

    Drawn by inversion, ``−log(1 − U)/rate`` with U = :func:`uniform`.

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.
    rate : float
        Rate λ > 0 (events per unit of time; not checked: 0 gives inf).

    Returns
    -------
    float
        The waiting time, in the inverse units of ``rate`` (seconds for a rate per second).
    """
    return -np.log(1.0 - uniform(s)) / rate


@njit(cache=True, error_model="numpy")
def poisson(s: np.ndarray, lam: float) -> int:
    """A Poisson(lam) count: Knuth's product method for lam < 30, else a normal approximation
    rounded to the nearest non-negative integer (never used with large lam in this library).

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.
    lam : float
        Mean count λ (not checked; λ ≤ 0 gives 0).

    Returns
    -------
    int
        The count, ≥ 0.
    """
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
    """A uniform integer in {0, ..., n-1}.

    Parameters
    ----------
    s : numpy.ndarray
        A path's xoshiro256** state, shape (4,), uint64 (a row of :func:`path_states`);
        advanced in place.
    n : int
        Number of values, ≥ 1 (not checked).

    Returns
    -------
    int
        ``min(⌊U·n⌋, n − 1)`` with U = :func:`uniform`.
    """
    return min(int(uniform(s) * n), n - 1)
