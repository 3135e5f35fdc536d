"""The basis between spot and perpetual prices, observed in market-data captures, and its
mean reversion.

The basis of a perpetual over spot is ``b = f / x − 1`` (in bp: × 10⁴) with ``f`` and ``x``
the mid prices. Captures of different venues tick at different times, so each mid is sampled
on a common grid of ``step_ms`` milliseconds (local receive time; the last mid at or before
each grid time, only where both captures have started and not ended).

Mean reversion: an AR(1) ``b_{k+1} − μ = φ (b_k − μ) + ε`` fitted by ``statsmodels``
``AutoReg`` (with constant) on the grid; the half-life of a deviation is
``−ln 2 / ln φ · step`` (an Ornstein–Uhlenbeck process sampled every step has
``φ = e^{−θ·step}``), infinite when φ ≥ 1 and undefined when φ ≤ 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.ar_model import AutoReg

from mslab import _validate

MAX_GRID_POINTS = 20_000_000


def mid_times(name: str, mid: object) -> np.ndarray:
    """The ns times of a mid series (as :func:`mslab.data.binance_book.mid_series` returns),
    checked: a non-empty Series of finite prices > 0 with a non-decreasing integer index.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    mid : pandas.Series
        Non-empty Series of mid prices (quote currency, finite, > 0) indexed by integer ns
        times (local receive time), non-decreasing, as
        :func:`~mslab.data.binance_book.mid_series` returns.

    Returns
    -------
    numpy.ndarray
        The index as a 1-D int64 array of ns times.

    Raises
    ------
    ValueError
        If ``mid`` is not such a Series.
    """
    allowed = ("a non-empty Series of finite prices > 0 indexed by non-decreasing integer ns "
               "times")
    if not isinstance(mid, pd.Series) or mid.empty or mid.index.dtype.kind not in "iu":
        _validate.fail(name, type(mid).__name__, allowed)
    t = mid.index.to_numpy(dtype=np.int64)
    try:
        values = mid.to_numpy(dtype=float)
    except (TypeError, ValueError):
        _validate.fail(name, f"<Series of dtype {mid.dtype}>", allowed)
    if mid.dtype == bool or not (np.isfinite(values).all() and (values > 0).all()
                                 and (np.diff(t) >= 0).all()):
        _validate.fail(name, f"<Series of {mid.size} values>", allowed)
    return t


def sample_mid(mid: pd.Series, grid_ns: np.ndarray) -> np.ndarray:
    """The last value of ``mid`` (indexed by increasing ns times) at or before each grid time
    (a 1-D integer array), NaN before its first value.

    Parameters
    ----------
    mid : pandas.Series
        Non-empty Series of mid prices (quote currency, finite, > 0) indexed by integer ns
        times (local receive time), non-decreasing, as
        :func:`~mslab.data.binance_book.mid_series` returns.
    grid_ns : numpy.ndarray
        1-D integer array of grid times (ns, same clock as the index of ``mid``).

    Returns
    -------
    numpy.ndarray
        Float array of the shape of ``grid_ns``: the mid in force at each grid time (the last
        value at or before it, also after the last update), NaN before the first one.

    Raises
    ------
    ValueError
        If ``mid`` fails the checks above or ``grid_ns`` is not a 1-D integer array.
    """
    t = mid_times("mid", mid)
    g = np.asarray(grid_ns)
    if g.ndim != 1 or g.dtype.kind not in "iu":
        _validate.fail("grid_ns", f"<array of shape {g.shape}, dtype {g.dtype}>",
                       "a 1-D integer array of ns times")
    pos = np.searchsorted(t, g.astype(np.int64), side="right") - 1
    out = np.where(pos >= 0, mid.to_numpy(dtype=float)[np.maximum(pos, 0)], np.nan)
    return out


def basis_series(perp: pd.Series, spot: pd.Series, *, step_ms: int = 1_000) -> pd.Series:
    """Basis ``perp/spot − 1`` in bp on a grid of ``step_ms`` over the captures' overlap,
    indexed by grid time (datetime64, UTC).

    The grid holds the multiples of ``step_ms`` strictly after the later first update and up
    to the earlier last update of the two captures; each mid is sampled by
    :func:`sample_mid`.

    Parameters
    ----------
    perp : pandas.Series
        Mids of the perpetual, at least 2: a Series of mid prices (quote currency, finite,
        > 0) indexed by integer ns times (local receive time), non-decreasing, as
        :func:`~mslab.data.binance_book.mid_series` returns.
    spot : pandas.Series
        Mids of spot, the same form.
    step_ms : int
        Grid step in milliseconds, 1 to 3,600,000; default 1,000.

    Returns
    -------
    pandas.Series
        Named ``basis_bp``: (perp / spot − 1) × 10⁴ at each grid time, indexed by a UTC
        ``DatetimeIndex`` (empty when no grid time falls in the overlap).

    Raises
    ------
    ValueError
        For a malformed or too short mid series, ``step_ms`` out of range, captures that do
        not overlap in time, or a grid of more than 20,000,000 points.
    """
    step_ms = _validate.integer("step_ms", step_ms, low=1, high=3_600_000)
    for name, s in (("perp", perp), ("spot", spot)):
        mid_times(name, s)
        if s.size < 2:
            _validate.fail(name, f"<Series of {s.size} values>", "a Series of >= 2 mids")
    lo = max(perp.index[0], spot.index[0])
    hi = min(perp.index[-1], spot.index[-1])
    if hi <= lo:
        _validate.fail("perp, spot", "<captures that do not overlap>", "overlapping captures")
    step = step_ms * 1_000_000
    first = (lo // step + 1) * step
    n = (hi - first) // step + 1
    if n > MAX_GRID_POINTS:
        _validate.fail("step_ms", step_ms, f"large enough for at most {MAX_GRID_POINTS:,} points")
    grid = first + step * np.arange(n, dtype=np.int64)
    b = (sample_mid(perp, grid) / sample_mid(spot, grid) - 1.0) * 1e4
    return pd.Series(b, index=pd.to_datetime(grid, unit="ns", utc=True), name="basis_bp")


@dataclass(frozen=True)
class MeanReversion:
    """AR(1) fit of a basis series: ``phi`` (± ``phi_se``), long-run mean ``mu`` (bp),
    ``half_life_s`` (seconds) and the number of observations.

    Attributes
    ----------
    phi : float
        AR(1) coefficient φ per grid step.
    phi_se : float
        Standard error of φ (``statsmodels`` ``AutoReg``).
    mu : float
        Long-run mean c / (1 − φ), in the units of the series (bp for :func:`basis_series`);
        NaN when φ = 1.
    half_life_s : float
        Half-life −ln 2 / ln φ · step of a deviation, in seconds; inf when φ ≥ 1, NaN when
        φ ≤ 0.
    n : int
        Number of values of the series (the fit uses n − 1 pairs).
    """

    phi: float
    phi_se: float
    mu: float
    half_life_s: float
    n: int


def mean_reversion(basis: pd.Series, step_seconds: float) -> MeanReversion:
    """Fit the module docstring's AR(1) to ``basis`` (NaNs must be absent).

    Parameters
    ----------
    basis : pandas.Series
        1-D series (or array) of at least 10 finite basis values on a regular grid, e.g. from
        :func:`basis_series` after dropping NaN (bp).
    step_seconds : float
        Grid step in seconds, > 0 (converts the half-life to seconds).

    Returns
    -------
    MeanReversion
        φ with its standard error, the long-run mean, the half-life and the number of values.

    Raises
    ------
    ValueError
        If ``step_seconds`` ≤ 0, ``basis`` is not a 1-D array of at least 10 finite values,
        or the fitted φ or its standard error is not finite.
    """
    step_seconds = _validate.positive("step_seconds", step_seconds)
    b = _validate.real_vector("basis", basis, what="basis values (no NaN)")
    if b.size < 10:
        _validate.fail("basis", f"<{b.size} values>", "at least 10 finite values")
    fit = AutoReg(b, lags=1, trend="c").fit()
    c, phi = float(fit.params[0]), float(fit.params[1])
    _validate.derived("basis", "the AR(1) coefficient and its standard error",
                      [phi, float(fit.bse[1])])
    if phi >= 1.0:
        half = float("inf")
    elif phi <= 0.0:
        half = float("nan")
    else:
        half = -np.log(2.0) / np.log(phi) * step_seconds
    mu = c / (1.0 - phi) if phi != 1.0 else float("nan")
    return MeanReversion(phi=phi, phi_se=float(fit.bse[1]), mu=mu, half_life_s=half,
                         n=int(b.size))
