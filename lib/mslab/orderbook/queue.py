"""Queue position of a resting limit order in a price-level (L2) book.

An L2 feed shows the size of each level but not where our order stands in its queue, so the
quantity ahead of us, ``front`` (shares), is estimated. An order joins at the back: ``front``
starts at the level's visible size. Then (the models of hftbacktest):

* a trade printing ``qty`` at the order's price removes shares from the front:
  ``front ← front − qty`` (all models);
* a change of the level's visible size from ``prev`` to ``new`` (``chg = prev − new``) moves
  the front only in the probabilistic models:

  ``"risk_averse"``  the queue ahead shrinks only through trades: ``front ← min(front, new)``
                     (cancellations are all assumed to come from behind us);
  ``"power"``, ``"log"``  net of the trades already counted at this level since the last size
                     change (``chg ← chg − traded``), a decrease is split between the parts
                     ahead and behind: with ``back = prev − front`` the part behind has
                     probability ``p = f(back) / (f(back) + f(front))``, ``f(x) = xⁿ``
                     (power, exponent ``n``) or ``f(x) = ln(1 + x)`` (log), and
                     ``front ← min(front − (1 − p)·chg + min(back − p·chg, 0), new)``;
                     an increase only caps ``front`` at ``new``.

``f(x)`` is taken as 0 for ``x ≤ 0`` (an order already at the front stays there), and
``p = 1`` when ``f(back) + f(front) = 0``. A negative ``front`` means that the trades printed
at our price went beyond the queue ahead: ``−front`` shares of our order have traded, rounded
to the nearest share (halves up), as hftbacktest does (:func:`fillable`); so an estimate of
−0.5 already counts as one share reached.

:func:`queue_after` is the validated public form of the update; :func:`on_depth` and
:func:`fillable` are the jitted building blocks the backtest kernel calls.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab import _validate

QUEUE_MODELS = ("risk_averse", "power", "log")
RISK_AVERSE, POWER, LOG = 0, 1, 2


@njit(cache=True, inline="always")
def _f(model: int, x: float, power: float) -> float:
    if x <= 0.0:
        return 0.0
    return x**power if model == POWER else np.log1p(x)


@njit(cache=True)
def on_depth(model: int, power: float, front: float, traded: float, prev_qty: float,
             new_qty: float) -> float:
    """``front`` after the level's visible size went from ``prev_qty`` to ``new_qty``;
    ``traded`` is the quantity printed at the level since its last size change."""
    if model == RISK_AVERSE:
        return min(front, new_qty)
    chg = prev_qty - new_qty - traded
    if chg < 0.0:
        return min(front, new_qty)
    back = prev_qty - front
    fb = _f(model, back, power)
    ff = _f(model, front, power)
    p = fb / (fb + ff) if fb + ff > 0.0 else 1.0
    return min(front - (1.0 - p) * chg + min(back - p * chg, 0.0), new_qty)


@njit(cache=True, inline="always")
def fillable(front: float) -> int:
    """Shares of our order that trades at its price have reached: ``−front`` rounded to the
    nearest integer (halves up), or 0."""
    return int(np.floor(0.5 - front)) if front <= -0.5 else 0


def queue_after(model: str, front: float, prev_qty: float, new_qty: float, traded: float = 0.0,
                power: float = 2.0) -> float:
    """The estimated quantity ahead of our order after a trade of ``traded`` shares at its
    price followed by a change of the level's visible size from ``prev_qty`` to ``new_qty``
    (pass ``traded = 0`` for a pure size change and ``new_qty = prev_qty − traded`` for a
    visible execution). ``model`` is one of ``"risk_averse"``, ``"power"`` (exponent
    ``power`` > 0) or ``"log"``; see the module docstring. Sizes in shares, ≥ 0.
    """
    code = QUEUE_MODELS.index(_validate.choice("model", model, QUEUE_MODELS))
    front = _validate.real("front", front)
    prev_qty = _validate.nonnegative("prev_qty", prev_qty)
    new_qty = _validate.nonnegative("new_qty", new_qty)
    traded = _validate.nonnegative("traded", traded)
    power = _validate.positive("power", power)
    if front > prev_qty:
        _validate.fail("front", front, f"<= prev_qty={prev_qty!r} (the level's size)")
    return float(on_depth(code, power, front - traded, traded, prev_qty, new_qty))

