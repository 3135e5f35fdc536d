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
"""

from __future__ import annotations

import numpy as np
from numba import njit, types

from mslab import _validate

LATENCY_MODEL_SIGNATURE = types.int64(types.int64[::1], types.int64)
LATENCY_MODEL_TYPE = types.FunctionType(LATENCY_MODEL_SIGNATURE)
MAX_LATENCY = 86_400.0  # seconds: a latency beyond one day is refused
_NS = 1e9


@njit(LATENCY_MODEL_SIGNATURE, cache=True)
def constant_latency(values, message):
    """The same latency ``values[0]`` for every order and report."""
    return values[0]


@njit(LATENCY_MODEL_SIGNATURE, cache=True)
def per_message_latency(values, message):
    """One latency per market message: ``values[message]``."""
    return values[message]


def latency_values(name: str, value: object, n: int) -> np.ndarray:
    """A latency in seconds (a number, or one per message: a 1-D array of length ``n``) as
    int64 nanoseconds; ``ValueError`` naming ``name`` unless every value is in
    [0, :data:`MAX_LATENCY`]."""
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
    built-in one for ``values`` (constant or per message); ``ValueError`` naming ``name``."""
    if model is None:
        return constant_latency if values.size == 1 else per_message_latency
    return _validate.jitted_model(name, model, LATENCY_MODEL_SIGNATURE,
                                  "None or a numba function compiled for "
                                  "LATENCY_MODEL_SIGNATURE")


def feed_arrival(time_ns: np.ndarray, feed: np.ndarray) -> np.ndarray:
    """When each message reaches us: ``time + feed latency``, made FIFO (non-decreasing)."""
    return np.maximum.accumulate(time_ns + (feed if feed.size > 1 else feed[0]))
