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
``p = 1`` when ``f(back) + f(front) = 0``; when ``f`` overflows (a huge exponent) ``p`` is
computed from the ratio ``f(front)/f(back)`` instead, so it stays in [0, 1]. A negative
``front`` means that the trades printed at our price went beyond the queue ahead: ``−front``
shares of our order have traded, rounded to the nearest share (halves up), as hftbacktest does
(:func:`fillable`); so an estimate of −0.5 already counts as one share reached.

Queue models. A model is one numba function compiled for :data:`QUEUE_MODEL_SIGNATURE`,

    model(front, traded, prev_qty, new_qty, param) -> new front

(``param`` is the model's one parameter, e.g. the power model's exponent; the others ignore
it). :data:`QUEUE_MODELS` maps the built-in models' names to their functions; the backtest
kernel calls the chosen model as a first-class function, so a new model is one function
(registered here, or passed to :func:`~mslab.orderbook.run_backtest` directly).
:func:`queue_after` is the validated public form of the update and :func:`fillable` the
jitted rule the kernel applies to prints.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.dispatcher import Dispatcher

from mslab import _validate

QUEUE_MODEL_SIGNATURE = types.float64(types.float64, types.float64, types.float64,
                                       types.float64, types.float64)
"""The numba signature of a queue model, ``(front, traded, prev_qty, new_qty, param) -> front``."""
QUEUE_MODEL_TYPE = types.FunctionType(QUEUE_MODEL_SIGNATURE)


@njit(QUEUE_MODEL_SIGNATURE, cache=True)
def risk_averse_model(front, traded, prev_qty, new_qty, param):
    """The queue ahead shrinks only through trades: ``front ← min(front, new)``.

    Parameters
    ----------
    front : float
        Estimated shares ahead of our order, net of the trades already printed at its price
        (negative once trades went beyond the queue ahead).
    traded : float
        Shares traded at the order's price since the level's last size change (shares).
    prev_qty, new_qty : float
        The level's visible size before (``prev_qty``) and after (``new_qty``) the change
        (shares).
    param : float
        Ignored.

    Returns
    -------
    float
        The new estimate of ``front`` (shares).
    """
    return min(front, new_qty)


@njit(cache=True, inline="always")
def _split_decrease(front, traded, prev_qty, new_qty, f_back, f_front):
    """``front`` after a decrease of the level split between the parts behind and ahead with
    probabilities ``f_back / (f_back + f_front)`` and its complement."""
    chg = prev_qty - new_qty - traded
    back = prev_qty - front
    s = f_back + f_front
    p = f_back / s if s > 0.0 else 1.0
    return min(front - (1.0 - p) * chg + min(back - p * chg, 0.0), new_qty)


@njit(QUEUE_MODEL_SIGNATURE, cache=True)
def power_model(front, traded, prev_qty, new_qty, param):
    """Probabilistic model with ``f(x) = x^param`` (see the module docstring).

    Parameters
    ----------
    front : float
        Estimated shares ahead of our order, net of the trades already printed at its price
        (negative once trades went beyond the queue ahead).
    traded : float
        Shares traded at the order's price since the level's last size change (shares).
    prev_qty, new_qty : float
        The level's visible size before (``prev_qty``) and after (``new_qty``) the change
        (shares).
    param : float
        The exponent n of ``f(x) = xⁿ`` (> 0 when validated by the backtest).

    Returns
    -------
    float
        The new estimate of ``front`` (shares).
    """
    if prev_qty - new_qty - traded < 0.0:
        return min(front, new_qty)
    back = prev_qty - front
    f_back = back**param if back > 0.0 else 0.0
    f_front = front**param if front > 0.0 else 0.0
    if (not f_back + f_front < np.inf or (back > 0.0 and f_back == 0.0)
            or (front > 0.0 and f_front == 0.0)):
        # x^param over- or underflows: scale both parts by the larger one first
        big = max(back, front)
        f_back = (back / big) ** param if back > 0.0 else 0.0
        f_front = (front / big) ** param if front > 0.0 else 0.0
    return _split_decrease(front, traded, prev_qty, new_qty, f_back, f_front)


@njit(QUEUE_MODEL_SIGNATURE, cache=True)
def log_model(front, traded, prev_qty, new_qty, param):
    """Probabilistic model with ``f(x) = ln(1 + x)`` (see the module docstring).

    Parameters
    ----------
    front : float
        Estimated shares ahead of our order, net of the trades already printed at its price
        (negative once trades went beyond the queue ahead).
    traded : float
        Shares traded at the order's price since the level's last size change (shares).
    prev_qty, new_qty : float
        The level's visible size before (``prev_qty``) and after (``new_qty``) the change
        (shares).
    param : float
        Ignored.

    Returns
    -------
    float
        The new estimate of ``front`` (shares).
    """
    if prev_qty - new_qty - traded < 0.0:
        return min(front, new_qty)
    back = prev_qty - front
    return _split_decrease(front, traded, prev_qty, new_qty,
                           np.log1p(back) if back > 0.0 else 0.0,
                           np.log1p(front) if front > 0.0 else 0.0)


QUEUE_MODELS = {"risk_averse": risk_averse_model, "power": power_model, "log": log_model}
"""The built-in queue models by name (the ``queue_model`` argument of the backtest)."""


def resolve_queue_model(name: str, model: object) -> Dispatcher:
    """The function of a queue ``model`` given by name or as a numba function.

    Parameters
    ----------
    name : str
        The parameter name shown in the error message (e.g. ``"queue_model"``).
    model : str or numba.core.dispatcher.Dispatcher
        A key of :data:`QUEUE_MODELS` or a numba function compiled for
        :data:`QUEUE_MODEL_SIGNATURE`.

    Returns
    -------
    numba.core.dispatcher.Dispatcher
        The queue-model function.

    Raises
    ------
    ValueError
        Naming ``name``, if ``model`` is neither a built-in model's name nor a numba function
        compiled for :data:`QUEUE_MODEL_SIGNATURE`.
    """
    if isinstance(model, str):
        return QUEUE_MODELS[_validate.choice(name, model, tuple(QUEUE_MODELS))]
    return _validate.jitted_model(name, model, QUEUE_MODEL_SIGNATURE,
                                  f"one of {', '.join(QUEUE_MODELS)} or a numba function "
                                  "compiled for QUEUE_MODEL_SIGNATURE")


@njit(cache=True, inline="always")
def fillable(front: float) -> int:
    """Shares of our order that trades at its price have reached: ``−front`` rounded to the
    nearest integer (halves up), or 0.

    Parameters
    ----------
    front : float
        Estimated shares ahead of our order (negative once trades went beyond it).

    Returns
    -------
    int
        Shares reached, ≥ 0 (0 when ``front`` > −0.5).
    """
    return int(np.floor(0.5 - front)) if front <= -0.5 else 0


def queue_after(model: str | Dispatcher, front: float, prev_qty: float, new_qty: float,
                traded: float = 0.0, power: float = 2.0) -> float:
    """The estimated quantity ahead of our order after a trade of ``traded`` shares at its
    price followed by a change of the level's visible size from ``prev_qty`` to ``new_qty``
    (pass ``traded = 0`` for a pure size change and ``new_qty = prev_qty − traded`` for a
    visible execution). See the module docstring for the models.

    Parameters
    ----------
    model : str or numba.core.dispatcher.Dispatcher
        ``"risk_averse"``, ``"power"`` (exponent ``power``) or ``"log"``, or a queue-model
        function compiled for :data:`QUEUE_MODEL_SIGNATURE` (its parameter is ``power``).
    front : float
        Shares ahead of our order before the trade, finite and ≤ ``prev_qty`` (may be
        negative).
    prev_qty, new_qty : float
        The level's visible size before (``prev_qty``) and after (``new_qty``) the change
        (shares, finite, ≥ 0).
    traded : float
        Shares traded at the order's price (finite, ≥ 0); default 0, a pure size change.
    power : float
        The model parameter, > 0: the exponent of the power model (default 2).

    Returns
    -------
    float
        The estimated shares ahead of our order after the trade and the size change;
        negative when the trade went beyond the queue ahead (see :func:`fillable`).

    Raises
    ------
    ValueError
        If ``model`` is not a known model name nor a queue-model function, a size or
        ``power`` is out of its range, or ``front`` > ``prev_qty``.

    Examples
    --------
    Our order has 300 shares ahead at a level of 500. A trade of 100 at the front leaves 200
    ahead; a cancellation of 50 somewhere in the level leaves 300 under the risk-averse model
    (the cancelled shares were behind us) and fewer under the power model:

    >>> from mslab.orderbook import queue_after
    >>> queue_after("risk_averse", front=300, prev_qty=500, new_qty=400, traded=100)
    200.0
    >>> queue_after("risk_averse", front=300, prev_qty=500, new_qty=450)
    300.0
    >>> round(queue_after("power", front=300, prev_qty=500, new_qty=450), 2)
    265.38
    """
    function = resolve_queue_model("model", model)
    front = _validate.real("front", front)
    prev_qty = _validate.nonnegative("prev_qty", prev_qty)
    new_qty = _validate.nonnegative("new_qty", new_qty)
    traded = _validate.nonnegative("traded", traded)
    power = _validate.positive("power", power)
    if front > prev_qty:
        _validate.fail("front", front, f"<= prev_qty={prev_qty!r} (the level's size)")
    return float(function(front - traded, traded, prev_qty, new_qty, power))
