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
    the module docstring. ``order`` p (1..30), ``refit`` and ``min_train`` in settlements."""
    r = np.asarray(rate, dtype=float)
    if r.ndim != 1 or np.isinf(r).any():
        _validate.fail("rate", f"<array of shape {r.shape}>",
                       "a 1-D array of finite rates (NaN marks a missing settlement)")
    order = _validate.integer("order", order, low=1, high=30)
    refit = _validate.integer("refit", refit, low=1)
    min_train = _validate.integer("min_train", min_train, low=order + 2)
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
