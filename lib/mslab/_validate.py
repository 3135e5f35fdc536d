"""Parameter validation shared by every public function.

Each check raises ``ValueError`` naming the parameter, the value received and what is allowed,
so that bad input is reported before any kernel runs.

Work and memory bounds
----------------------
A jitted kernel cannot be interrupted with Ctrl-C, and an allocation beyond the machine's memory
fails with a raw ``MemoryError`` (or worse, swaps). Every public simulator therefore computes,
from its parameters and before any kernel runs, how many elements its largest array holds and
how many elementary steps its kernels take (path-steps, client arrivals, matrix-vector entries)
and refuses, with a ``ValueError`` naming the parameters, anything beyond

* :data:`MAX_ELEMENTS` elements in one array (10^8: 0.8 GB of float64), and
* :data:`MAX_WORK` elementary steps in one call (10^10: a few minutes on one core).

The bounds are module attributes, read at call time, so a caller (or a test) may change them.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from numbers import Integral, Real

import numpy as np


MAX_ELEMENTS = 10**8
"""Largest number of elements of any one array a public function allocates."""
MAX_WORK = 10**10
"""Largest number of elementary kernel steps (path-steps, arrivals, ...) of one call."""


def fail(name: str, value: object, allowed: str) -> None:
    """Raise the library's standard ValueError: the parameter, its value, what is allowed."""
    raise ValueError(f"{name}={value!r} is not allowed: {name} must be {allowed}")


def _bound_text(bound: float | None, label: str | None, infinite: str) -> str:
    """A bound as shown in a message: ``T = 1.0`` when it is another parameter's value."""
    if bound is None:
        return infinite
    return f"{label} = {bound}" if label else str(bound)


def real(name: str, value: object, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, high_open: bool = False, low_name: str | None = None,
         high_name: str | None = None) -> float:
    """Return ``value`` as a finite float inside the (optionally open) interval [low, high];
    ``low_name``/``high_name`` name the parameter a bound comes from (e.g. ``dt <= T``)."""
    lo_br, hi_br = ("(" if low_open else "["), (")" if high_open else "]")
    interval = (f"{lo_br}{_bound_text(low, low_name, '-inf')}, "
                f"{_bound_text(high, high_name, 'inf')}{hi_br}")
    allowed = f"a finite real number in {interval}"
    if isinstance(value, bool) or not isinstance(value, Real):
        fail(name, value, allowed)
    x = float(value)
    if not math.isfinite(x):
        fail(name, value, allowed)
    if low is not None and (x < low or (low_open and x == low)):
        fail(name, value, allowed)
    if high is not None and (x > high or (high_open and x == high)):
        fail(name, value, allowed)
    return x


def positive(name: str, value: object) -> float:
    """A finite real number > 0."""
    return real(name, value, low=0.0, low_open=True)


def nonnegative(name: str, value: object) -> float:
    """A finite real number >= 0."""
    return real(name, value, low=0.0)


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None,
            low_name: str | None = None, high_name: str | None = None) -> int:
    """An integer (not a bool) inside [low, high] (bounds named as in :func:`real`)."""
    bounds = (f"{_bound_text(low, low_name, '-inf')} <= {name} <= "
              f"{_bound_text(high, high_name, 'inf')}")
    allowed = f"an integer with {bounds}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        fail(name, value, allowed)
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        fail(name, value, allowed)
    return v


def seed(name: str, value: object) -> int:
    """A non-negative integer seed."""
    return integer(name, value, low=0)


def choice(name: str, value: object, allowed: Collection[str]) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str) or value not in allowed:
        fail(name, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value  # type: ignore[return-value]


def real_array(name: str, value: object, *, low: float | None = None) -> np.ndarray:
    """A scalar or array of finite real numbers (>= low if given), returned as a float array."""
    allowed = "finite real numbers" + ("" if low is None else f" >= {low}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(name, value, allowed)
    if np.asarray(value).dtype == bool or not np.all(np.isfinite(arr)) or (
            low is not None and np.any(arr < low)):
        fail(name, value, allowed)
    return arr


def real_vector(name: str, value: object, *, low: float | None = None,
                high: float | None = None, high_name: str | None = None,
                what: str = "real numbers") -> np.ndarray:
    """A non-empty 1-D array (not of bools) of finite real numbers in [low, high], returned as
    a C-contiguous float array; ``what`` describes the elements in the message."""
    bounds = "".join([f" >= {low}" if low is not None else "",
                      f" <= {_bound_text(high, high_name, '')}" if high is not None else ""])
    allowed = f"a non-empty 1-D array of finite {what}{bounds}"
    try:
        arr = np.asarray(value, dtype=float)
        raw_dtype = np.asarray(value).dtype
    except (TypeError, ValueError):
        fail(name, value, allowed)
    if (raw_dtype == bool or arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr))
            or (low is not None and arr.min() < low) or (high is not None and arr.max() > high)):
        fail(name, value, allowed)
    return np.ascontiguousarray(arr)


def _bound(names: str, what: str, value: float, limit: float, attribute: str) -> None:
    if not (math.isfinite(value) and value <= limit):
        raise ValueError(f"{names}: these values ask for {value:.4g} {what}, beyond the bound "
                         f"of {limit:.4g} (mslab._validate.{attribute}); reduce {names}")


def elements(names: str, value: float) -> None:
    """Refuse an array of ``value`` elements above :data:`MAX_ELEMENTS`; ``names`` lists the
    parameters that determine its size (e.g. ``"n_paths, record_paths"``)."""
    _bound(names, "array elements", float(value), MAX_ELEMENTS, "MAX_ELEMENTS")


def work(names: str, value: float) -> None:
    """Refuse ``value`` elementary kernel steps above :data:`MAX_WORK`; ``names`` lists the
    parameters that determine them."""
    _bound(names, "kernel steps", float(value), MAX_WORK, "MAX_WORK")


def derived(names: str, what: str, value: object, *, positive: bool = False) -> np.ndarray:
    """Check a quantity computed from parameters (e.g. ``gamma * sigma**2 * T``): every value
    must be finite (and, with ``positive``, a normal float > 0, i.e. not underflowed), else a
    ``ValueError`` naming the parameters ``names`` and the quantity ``what``. Returns it as a
    float array."""
    with np.errstate(all="ignore"):
        arr = np.asarray(value, dtype=float)
    ok = np.isfinite(arr) & ((arr >= np.finfo(float).tiny) if positive else True)
    if not np.all(ok):
        kind = "a finite number > 0 that does not underflow" if positive else "finite"
        bad = float(arr[~ok].ravel()[0])
        raise ValueError(f"{names}: these values make {what} = {bad!r}, which must be {kind} "
                         "in double precision; use values of a more moderate magnitude")
    return arr


def jitted_model(name: str, model: object, signature: object, allowed: str) -> object:
    """A numba function compiled for ``signature`` (a model passed to a kernel as a first-class
    function, e.g. a queue, latency or fee model); ``ValueError`` naming ``name`` otherwise."""
    from numba.core.dispatcher import Dispatcher

    if not isinstance(model, Dispatcher) or tuple(signature.args) not in model.overloads:
        fail(name, model, allowed)
    return model


def instance(name: str, value: object, cls: type) -> object:
    """``value`` itself if it is a ``cls`` (e.g. a loaded capture or a trade tape)."""
    if not isinstance(value, cls):
        fail(name, type(value).__name__, f"a {cls.__name__}")
    return value


def series(name: str, value: object, *, dtype: type = float) -> np.ndarray:
    """A 1-D array of ``dtype`` (NaN allowed), returned C-contiguous."""
    try:
        arr = np.asarray(value)
        ok = arr.ndim == 1 and arr.dtype != object and arr.dtype.kind not in "SUMmV"
        arr = np.ascontiguousarray(arr, dtype=dtype) if ok else arr
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        fail(name, f"{type(value).__name__}", f"a 1-D array of {np.dtype(dtype).name} values")
    return arr
