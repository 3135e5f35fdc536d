"""Lead–lag between two asynchronously observed prices.

Two estimators of the correlation between the log-price changes of x at time t and of y at
t + ℓ, over a grid of lags ℓ (ms):

* :func:`grid_cross_correlation`: both prices sampled on a regular grid (previous tick), the
  correlation of their grid changes at lags of whole grid steps;
* :func:`hayashi_yoshida_lead_lag`: the Hayashi–Yoshida (2005) covariance, which sums the
  products of the changes of x and y over every pair of observation intervals that overlap — no
  synchronisation, no grid — applied to y's times shifted by −ℓ (Hoffmann, Rosenbaum & Yoshida,
  2013), normalised by the realised variances to a correlation.

A positive lag at the peak means x leads y (y moves ℓ ms after x).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mslab import _validate

MAX_LAGS = 100_000


@njit(cache=True)
def _hy_covariance(tx: np.ndarray, x: np.ndarray, ty: np.ndarray, y: np.ndarray) -> float:
    """Kernel of :func:`hayashi_yoshida_covariance`:
    Σᵢⱼ Δxᵢ Δyⱼ 1{(tx[i−1], tx[i]] ∩ (ty[j−1], ty[j]] ≠ ∅}.

    ``tx``, ``ty`` strictly increasing observation times; ``x``, ``y`` the observed (log)
    prices. O(n + m) by a sweep over the two sorted time lines.
    """
    n, m = tx.size, ty.size
    cov = 0.0
    jlo = 1
    for i in range(1, n):
        a, b = tx[i - 1], tx[i]
        dx = x[i] - x[i - 1]
        while jlo < m and ty[jlo] <= a:
            jlo += 1
        j = jlo
        while j < m and ty[j - 1] < b:
            cov += dx * (y[j] - y[j - 1])
            j += 1
    return cov


@njit(cache=True)
def _hy_curve(tx, x, ty, y, lags):
    out = np.empty(lags.size)
    for k in range(lags.size):
        out[k] = _hy_covariance(tx, x, ty - lags[k], y)
    return out


def _check_series(name: str, times: object, values: object) -> tuple[np.ndarray, np.ndarray]:
    """Observation times ``t<name>`` (strictly increasing) and values ``<name>`` (as many)."""
    t = _validate.real_array(f"t{name}", times).ravel()
    v = _validate.real_array(name, values).ravel()
    if t.size != v.size or t.size < 2:
        _validate.fail(name, f"<{v.size} values>",
                       f"as many values as t{name} has times ({t.size}), at least 2")
    if np.any(np.diff(t) <= 0):
        _validate.fail(f"t{name}", f"<{t.size} times>", "strictly increasing")
    return t, v


def _check_lags(lags: object) -> np.ndarray:
    g = _validate.real_array("lags", lags).ravel()
    if g.size == 0 or g.size > MAX_LAGS:
        _validate.fail("lags", f"<{g.size} lags>", f"between 1 and {MAX_LAGS} lags")
    return g


def hayashi_yoshida_covariance(tx: object, x: object, ty: object, y: object) -> float:
    """Hayashi–Yoshida covariance of x and y observed at their own strictly increasing times:
    Σᵢⱼ Δxᵢ Δyⱼ over every pair of observation intervals that overlap (O(n + m)).

    Parameters
    ----------
    tx : numpy.ndarray
        Observation times of x, strictly increasing, finite (any time unit, e.g. ms).
    x : numpy.ndarray
        Observed values of x (e.g. log prices), finite, one per time; at least 2.
    ty : numpy.ndarray
        Observation times of y, strictly increasing, in the unit of ``tx``.
    y : numpy.ndarray
        Observed values of y, finite, one per time; at least 2.

    Returns
    -------
    float
        The covariance, in the unit of x times the unit of y (not annualised).

    Raises
    ------
    ValueError
        If a time or value array holds a non-finite number, has fewer than 2 entries or a
        length other than its times', or if times are not strictly increasing.
    """
    tx, x = _check_series("x", tx, x)
    ty, y = _check_series("y", ty, y)
    return float(_hy_covariance(tx, x, ty, y))


def hayashi_yoshida_lead_lag(tx: object, x: object, ty: object, y: object,
                             lags: object) -> np.ndarray:
    """Hayashi–Yoshida correlation of x(t) and y(t + ℓ) for each ℓ in ``lags`` (same time
    unit as the observation times).

    Parameters
    ----------
    tx : numpy.ndarray
        Observation times of x, strictly increasing, finite (any time unit, e.g. ms).
    x : numpy.ndarray
        Observed values of x (e.g. log prices), finite, one per time; at least 2.
    ty : numpy.ndarray
        Observation times of y, strictly increasing, in the unit of ``tx``.
    y : numpy.ndarray
        Observed values of y, finite, one per time; at least 2.
    lags : numpy.ndarray
        Lags ℓ in the time unit, finite, 1 to 100,000 of them (flattened).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(lags),)``: the Hayashi–Yoshida covariance of x and y observed at
        ``ty − ℓ``, divided by √(Σ Δx² · Σ Δy²) (the realised variances); positive at ℓ > 0
        when x leads.

    Raises
    ------
    ValueError
        If a time or value array holds a non-finite number, has fewer than 2 entries or a
        length other than its times', or if times are not strictly increasing, for
        a number of lags out of range, when x or y never changes (the message names the
        constant one), or when the product of the realised variances underflows to 0.
    """
    tx, x = _check_series("x", tx, x)
    ty, y = _check_series("y", ty, y)
    g = _check_lags(lags)
    var_x, var_y = np.sum(np.diff(x) ** 2), np.sum(np.diff(y) ** 2)
    scale = np.sqrt(var_x * var_y)
    if scale == 0.0:
        for name, var in (("x", var_x), ("y", var_y)):
            if var == 0.0:
                _validate.fail(name, "<constant>",
                               "a series that changes at least once (both x and y)")
        _validate.derived("x, y", "the product of the realised variances", var_x * var_y,
                          positive=True)
    return _hy_curve(tx, x, ty, y, g) / scale


@njit(cache=True)
def _previous_tick(t, v, grid):
    out = np.empty(grid.size)
    k = 0
    for i in range(grid.size):
        while k + 1 < t.size and t[k + 1] <= grid[i]:
            k += 1
        out[i] = v[k]
    return out


@njit(cache=True)
def _cross_corr(dx, dy, steps):
    n = dx.size
    out = np.empty(steps.size)
    for k in range(steps.size):
        ell = steps[k]
        sxy = 0.0
        for i in range(max(0, -ell), min(n, n - ell)):
            sxy += dx[i] * dy[i + ell]
        out[k] = sxy
    return out / np.sqrt(np.sum(dx * dx) * np.sum(dy * dy))


def grid_cross_correlation(tx: object, x: object, ty: object, y: object, step: float,
                           max_lag_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of the grid changes of x at t and y at t + ℓ for ℓ = −max_lag_steps·step …
    +max_lag_steps·step; both series sampled (previous tick) every ``step`` over the span where
    both exist. Returns ``(lags, correlations)`` (non-centred: mean changes are ~0 at these
    frequencies). Bounds: grid points ≤ :data:`mslab._validate.MAX_ELEMENTS`, grid points ×
    lags ≤ :data:`mslab._validate.MAX_WORK`.

    The grid runs from the later first observation in steps of ``step`` up to the earlier last
    one; each series takes its last value at or before each grid time.

    Parameters
    ----------
    tx : numpy.ndarray
        Observation times of x, strictly increasing, finite (any time unit, e.g. ms).
    x : numpy.ndarray
        Observed values of x (e.g. log prices), finite, one per time; at least 2.
    ty : numpy.ndarray
        Observation times of y, strictly increasing, in the unit of ``tx``.
    y : numpy.ndarray
        Observed values of y, finite, one per time; at least 2.
    step : float
        Grid step, > 0, in the time unit.
    max_lag_steps : int
        Largest lag K in grid steps, 0 to 100,000.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lags, correlations)``, each of shape ``(2K + 1,)``: lags −K·step … K·step in the
        time unit, and Σᵢ Δxᵢ Δy_{i+ℓ} / √(Σ Δx² · Σ Δy²) over the grid changes.

    Raises
    ------
    ValueError
        If a time or value array holds a non-finite number, has fewer than 2 entries or a
        length other than its times', or if times are not strictly increasing, for
        ``step`` or ``max_lag_steps`` out of range, observation spans that do not overlap, a
        grid beyond the element or work bound, or a grid on which x or y never changes.
    """
    tx, x = _check_series("x", tx, x)
    ty, y = _check_series("y", ty, y)
    step = _validate.positive("step", step)
    max_lag_steps = _validate.integer("max_lag_steps", max_lag_steps, low=0, high=MAX_LAGS)
    start, end = max(tx[0], ty[0]), min(tx[-1], ty[-1])
    if end <= start:
        _validate.fail("ty", f"[{ty[0]}, {ty[-1]}]", f"overlapping tx's [{tx[0]}, {tx[-1]}]")
    n = (end - start) / step + 1.0
    _validate.elements("step, tx, ty", n)  # grid points over the common span
    _validate.work("step, tx, ty, max_lag_steps", n * (2 * max_lag_steps + 1))
    n = int(n)
    grid = start + step * np.arange(n)
    dx = np.diff(_previous_tick(tx, x, grid))
    dy = np.diff(_previous_tick(ty, y, grid))
    if not (dx.any() and dy.any()):
        _validate.fail("step", step, "fine enough for x and y to change on the grid of step "
                       f"{step:g} over their common span [{start:g}, {end:g}]")
    steps = np.arange(-max_lag_steps, max_lag_steps + 1)
    return steps * step, _cross_corr(dx, dy, steps)


def peak_lag(lags: np.ndarray, corr: np.ndarray) -> float:
    """The lag of the largest correlation (positive: x leads); NaN correlations are ignored.

    Parameters
    ----------
    lags : numpy.ndarray
        Non-empty 1-D array of finite lags.
    corr : numpy.ndarray
        1-D array of one correlation per lag, NaN allowed but not everywhere.

    Returns
    -------
    float
        The lag at the largest correlation (the first one on a tie), in the unit of ``lags``.

    Raises
    ------
    ValueError
        If ``lags`` is not a non-empty 1-D array of finite numbers, or ``corr`` is not 1-D, has
        another length or is all NaN.
    """
    lags = _validate.real_vector("lags", lags)
    corr = _validate.series("corr", corr)
    if corr.size != lags.size or np.all(np.isnan(corr)):
        _validate.fail("corr", f"<{corr.size} values>",
                       f"one correlation per entry of lags ({lags.size}), not all NaN")
    return float(lags[int(np.nanargmax(corr))])
