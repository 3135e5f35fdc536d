"""Latency models of the order-book backtest (:func:`mslab.orderbook.run_backtest`).

A latency model is one numba function compiled for :data:`LATENCY_MODEL_SIGNATURE`,

    model(values: int64[::1], message: int64) -> int64

returning a latency in integer nanoseconds; ``values`` are the model's data and ``message``
the index of the last market message the exchange has processed when the order or report
leaves. The backtest calls the order-entry model when a request is sent and the response
model when the exchange generates a report, as first-class functions (one compiled kernel for
every model), so a new model — say one interpolated in time, as hftbacktest's
``IntpOrderLatency`` — is one function here. Feed latency shifts the whole message stream and
is applied before the kernel runs (:func:`feed_arrival`).

Measured latencies enter through :func:`empirical_latency`, a model that draws from an
empirical distribution (e.g. the feed latency of a capture relative to its floor,
:func:`mslab.data.binance.receive_lag_ms`): :func:`empirical_latency_values` turns a sample
into its input, and :func:`empirical_draws` gives the same draws for every message at once
(the feed latency, which is not a model).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types

from mslab import _validate

LATENCY_MODEL_SIGNATURE = types.int64(types.int64[::1], types.int64)
LATENCY_MODEL_TYPE = types.FunctionType(LATENCY_MODEL_SIGNATURE)
MAX_LATENCY = 86_400.0  # seconds: a latency beyond one day is refused
MAX_SEED = 2**31 - 1  # seed of empirical_latency (stored as values[0] nanoseconds)
MAX_MESSAGES = 50_000_000  # most messages empirical_latency_values writes a value for (memory)
_NS = 1e9


@njit(LATENCY_MODEL_SIGNATURE, cache=True)
def constant_latency(values, message):
    """The same latency ``values[0]`` for every order and report.

    Parameters
    ----------
    values : numpy.ndarray
        int64 array; ``values[0]`` is the latency in nanoseconds.
    message : int
        Index of the last market message processed (ignored).

    Returns
    -------
    int
        The latency in nanoseconds.
    """
    return values[0]


@njit(LATENCY_MODEL_SIGNATURE, cache=True)
def per_message_latency(values, message):
    """One latency per market message: ``values[message]``.

    Parameters
    ----------
    values : numpy.ndarray
        int64 array of latencies in nanoseconds, one per market message.
    message : int
        Index of the last market message the exchange has processed.

    Returns
    -------
    int
        The latency in nanoseconds.
    """
    return values[message]


def latency_values(name: str, value: object, n: int) -> np.ndarray:
    """A latency in seconds (a number, or one per message: a 1-D array of length ``n``) as
    int64 nanoseconds.

    Parameters
    ----------
    name : str
        The parameter named in error messages (e.g. ``"feed_latency"``).
    value : float or numpy.ndarray
        Seconds in [0, :data:`MAX_LATENCY`]: a real number (not a bool), or a 1-D numeric
        array of ``n`` finite values, one per message.
    n : int
        Number of messages of the stream.

    Returns
    -------
    numpy.ndarray
        int64 nanoseconds (rounded to the nearest): one value for a number, ``n`` for an
        array.

    Raises
    ------
    ValueError
        Naming ``name``, for any other value (a bool, a non-finite or out-of-range number, or
        an array of another shape or dtype).
    """
    allowed = (f"a number of seconds in [0, {MAX_LATENCY:g}] or a 1-D array of them, one per "
               f"message ({n})")
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        seconds = _validate.real(name, value, low=0.0, high=MAX_LATENCY)
        return np.array([round(seconds * _NS)], np.int64)
    arr = np.asarray(value)
    if (arr.ndim != 1 or arr.size != n or arr.dtype == bool
            or not np.issubdtype(arr.dtype, np.number)
            or not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > MAX_LATENCY)):
        _validate.fail(name, f"<{arr.dtype} array of shape {arr.shape}>", allowed)
    return np.round(arr.astype(np.float64) * _NS).astype(np.int64)


def latency_model(name: str, model: object, values: np.ndarray):
    """The latency model the backtest calls: ``model`` if given (a numba function compiled for
    :data:`LATENCY_MODEL_SIGNATURE`, called with :func:`latency_values`' output), else the
    built-in one for ``values`` (constant or per message).

    Parameters
    ----------
    name : str
        The parameter named in error messages (e.g. ``"entry_latency_model"``).
    model
        ``None``, or a numba function already compiled for :data:`LATENCY_MODEL_SIGNATURE`.
    values : numpy.ndarray
        The int64 nanoseconds of :func:`latency_values`: one value selects
        :func:`constant_latency`, more :func:`per_message_latency` (when ``model`` is
        ``None``).

    Returns
    -------
    numba.core.dispatcher.Dispatcher
        The model function.

    Raises
    ------
    ValueError
        Naming ``name``, if ``model`` is neither ``None`` nor a numba function compiled for
        the signature.
    """
    if model is None:
        return constant_latency if values.size == 1 else per_message_latency
    return _validate.jitted_model(name, model, LATENCY_MODEL_SIGNATURE,
                                  "None or a numba function compiled for "
                                  "LATENCY_MODEL_SIGNATURE")


def feed_arrival(time_ns: np.ndarray, feed: np.ndarray) -> np.ndarray:
    """When each message reaches us: ``time + feed latency``, made FIFO (non-decreasing).

    Parameters
    ----------
    time_ns : numpy.ndarray
        int64 message times at the exchange (ns), shape ``(n,)``.
    feed : numpy.ndarray
        int64 feed latency (ns) of :func:`latency_values`: one value, or one per message.

    Returns
    -------
    numpy.ndarray
        int64 arrival times (ns), shape ``(n,)``: the running maximum of ``time_ns + feed``.
    """
    return np.maximum.accumulate(time_ns + (feed if feed.size > 1 else feed[0]))


@njit(cache=True)
def _mix(seed, message):
    """SplitMix64 finaliser of (seed, message): a well-mixed 64-bit hash, as uint64."""
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(message) + np.uint64(1)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(LATENCY_MODEL_SIGNATURE, cache=True)
def empirical_latency(values, message):
    """A draw from an empirical distribution: ``values[0]`` is a seed and ``values[1:]`` the
    distribution's quantiles (ns, as :func:`empirical_latency_values` writes them); message
    ``message`` gets the quantile picked by a SplitMix64 hash of (seed, message). The draws are
    deterministic given the seed, independent of the order of calls, and uniform over the
    quantiles, i.e. distributed as the sample.

    Parameters
    ----------
    values : numpy.ndarray
        int64 array ``[seed, q₁, …, q_m]`` with m ≥ 1 quantiles in nanoseconds.
    message : int
        Index of the last market message the exchange has processed.

    Returns
    -------
    int
        The latency in nanoseconds, one of ``q₁, …, q_m``.
    """
    n = values.size - 1
    return values[1 + np.int64(_mix(values[0], message) % np.uint64(n))]


@njit(cache=True)
def _draws(values, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = empirical_latency(values, i)
    return out


def empirical_latency_values(sample: object, n: int, seed: int) -> np.ndarray:
    """The latency argument of :func:`~mslab.orderbook.run_backtest` (seconds, one per message)
    for :func:`empirical_latency`: ``[seed × 1e-9, q₁, …, q_{n−1}]``.

    The seed is stored as nanoseconds, and ``q_j`` is the quantile of ``sample`` (a value of
    the sample, ``inverted_cdf`` method) at probability ``(j − ½)/(n − 1)``, ``j = 1..n−1``:
    with ``n`` the number of messages of the stream, the distribution is resolved to
    ``n − 1`` quantiles.

    Parameters
    ----------
    sample : numpy.ndarray
        A non-empty 1-D array of measured latencies, seconds in [0, :data:`MAX_LATENCY`].
    n : int
        Number of messages of the stream, 2 ≤ n ≤ :data:`MAX_MESSAGES`.
    seed : int
        Seed of the draws, an integer in [0, :data:`MAX_SEED`].

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n`` (seconds), to pass as ``entry_latency`` or
        ``response_latency`` with ``empirical_latency`` as the model.

    Raises
    ------
    ValueError
        If ``sample``, ``n`` or ``seed`` is outside the ranges above.
    """
    x = _validate.real_vector("sample", sample, low=0.0, high=MAX_LATENCY,
                              what="latencies in seconds")
    n = _validate.integer("n", n, low=2, high=MAX_MESSAGES)
    seed = _validate.integer("seed", seed, low=0, high=MAX_SEED)
    probs = (np.arange(1, n) - 0.5) / (n - 1)
    return np.concatenate([[seed / _NS], np.quantile(x, probs, method="inverted_cdf")])


def empirical_draws(sample: object, n: int, seed: int) -> np.ndarray:
    """The draws of :func:`empirical_latency` for messages ``0..n−1`` (seconds), e.g. a feed
    latency per message drawn from a measured distribution (``feed_latency=`` of
    :func:`~mslab.orderbook.run_backtest`); arguments as :func:`empirical_latency_values`.

    Parameters
    ----------
    sample : numpy.ndarray
        A non-empty 1-D array of measured latencies, seconds in [0, :data:`MAX_LATENCY`].
    n : int
        Number of messages, 2 ≤ n ≤ :data:`MAX_MESSAGES`.
    seed : int
        Seed of the draws, an integer in [0, :data:`MAX_SEED`].

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n``: the latency of each message in seconds (a quantile of
        the sample rounded to the nanosecond).

    Raises
    ------
    ValueError
        If ``sample``, ``n`` or ``seed`` is outside the ranges above.
    """
    values = latency_values("sample", empirical_latency_values(sample, n, seed), n)
    return _draws(values, n) / _NS
