"""Parameter validation shared by every public function.

Each check raises ``ValueError`` naming the parameter, the value received and what is allowed,
so that bad input is reported before any kernel runs.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from numbers import Integral, Real

import numpy as np


def fail(name: str, value: object, allowed: str) -> None:
    """Raise the library's standard ValueError: the parameter, its value, what is allowed."""
    raise ValueError(f"{name}={value!r} is not allowed: {name} must be {allowed}")


def real(name: str, value: object, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float inside the (optionally open) interval [low, high]."""
    lo_br, hi_br = ("(" if low_open else "["), (")" if high_open else "]")
    interval = f"{lo_br}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi_br}"
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


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (not a bool) inside [low, high]."""
    bounds = f"{'-inf' if low is None else low} <= {name} <= {'inf' if high is None else high}"
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
