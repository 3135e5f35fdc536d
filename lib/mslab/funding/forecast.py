"""Walk-forward autoregressive forecast of the next funding rate.

An AR(p) model ``r_t = c + Σ_{j=1}^{p} φ_j r_{t−j} + ε_t`` is fitted by least squares on the
settlements strictly before a refit time, on the nominal settlement grid (rows with a missing
settlement among ``r_t, …, r_{t−p}`` are left out, never filled), and refitted every ``refit``
settlements on an expanding window once ``min_train`` complete rows exist. ``forecast[t]`` is
the prediction of ``r_t`` from ``r_{t−1}, …, r_{t−p}`` with the parameters of the last refit at
or before ``t − 1``: it uses nothing observed at or after settlement ``t`` (NaN before the first
fit or when a lag is missing).
"""

from __future__ import annotations

import numpy as np

from mslab import _validate


def grid_values(name: str, values: object, n: int | None = None) -> np.ndarray:
    """``values`` as a 1-D float array on the settlement grid (``n`` values if given): finite
    numbers, NaN marking a missing settlement; else the standard ``ValueError``.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    values : numpy.ndarray
        Values on the settlement grid (any array-like of real numbers), finite or NaN.
    n : int or None
        Required length; ``None`` (default) accepts any length.

    Returns
    -------
    numpy.ndarray
        ``values`` as a 1-D float array (a copy only when a conversion is needed).

    Raises
    ------
    ValueError
        If ``values`` is not 1-D, holds booleans, non-numbers or ±inf, or has a length other
        than ``n``.
    """
    allowed = (f"a 1-D array{'' if n is None else f' of {n}'} real numbers, finite or NaN "
               "(NaN marks a missing settlement)")
    try:
        a = np.asarray(values, dtype=float)
        raw = np.asarray(values)
    except (TypeError, ValueError):
        _validate.fail(name, values, allowed)
    if raw.dtype == bool or a.ndim != 1 or np.isinf(a).any() or (n is not None and a.size != n):
        _validate.fail(name, f"<array of shape {a.shape}, dtype {raw.dtype}>", allowed)
    return a


def _design(r: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows t = p..n−1: target r_t, regressors [1, r_{t−1}, …, r_{t−p}], and completeness."""
    n = r.size
    x = np.ones((n - p, p + 1))
    for j in range(1, p + 1):
        x[:, j] = r[p - j:n - j]
    y = r[p:]
    ok = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    return y, x, ok


def walk_forward_ar(rate: object, *, order: int = 3, refit: int = 90,
                    min_train: int = 270) -> np.ndarray:
    """One-step forecasts of ``rate`` (a 1-D array on the settlement grid, NaN = missing); see
    the module docstring. ``order`` p (1..30), ``refit`` and ``min_train`` in settlements.
    Work: one least-squares fit of n × (p + 1) every ``refit`` settlements, bounded by
    :func:`mslab._validate.work`.

    Parameters
    ----------
    rate : numpy.ndarray
        1-D array of funding rates on the nominal settlement grid (fractions per settlement),
        NaN marking a missing settlement.
    order : int
        AR order p, 1 to 30; default 3.
    refit : int
        Settlements between refits, ≥ 1; default 90 (30 days of 8-hour funding).
    min_train : int
        Complete design rows needed before the first fit, ≥ ``order`` + 2; default 270.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(rate),)``: the one-step forecast of each settlement's rate, in the units of
        ``rate``; NaN for the first ``order`` settlements, before the first fit and where a lag
        is missing.

    Raises
    ------
    ValueError
        For ``rate`` not a 1-D array of finite numbers or NaN, a parameter outside the ranges
        above, or beyond the element and work bounds.
    """
    r = grid_values("rate", rate)
    order = _validate.integer("order", order, low=1, high=30)
    refit = _validate.integer("refit", refit, low=1)
    min_train = _validate.integer("min_train", min_train, low=order + 2, low_name="order + 2")
    _validate.elements("rate, order", r.size * (order + 1.0))
    _validate.work("rate, order, refit", (r.size / refit + 1.0) * r.size * (order + 1.0) ** 2)
    out = np.full(r.size, np.nan)
    if r.size <= order:
        return out
    y, x, ok = _design(r, order)
    rows = np.arange(order, r.size)  # settlement index of each design row
    beta = None
    next_fit = 0
    for t in range(order, r.size):
        # refit at settlement t-1 with rows whose target is at or before t-1
        if t - 1 >= next_fit:
            use = ok & (rows <= t - 1)
            if use.sum() >= min_train:
                beta = np.linalg.lstsq(x[use], y[use], rcond=None)[0]
                next_fit = t - 1 + refit
        if beta is not None and np.isfinite(x[t - order]).all():
            out[t] = float(x[t - order] @ beta)
    return out
