"""Cheap estimators of trading costs from trades alone, to set against the measured ones.

* Roll (1984): with trade prices bouncing between bid and ask, the first-order autocovariance of
  price changes is −S²/4, so S = 2√(−Cov(Δp_t, Δp_{t−1})). When the autocovariance is ≥ 0 the
  estimator is undefined and :func:`roll_spread` returns NaN (not 0).
* Kyle's lambda (Kyle 1985; estimated as in Hasbrouck 2009 and Goyenko, Holden & Trzcinka 2009):
  over intervals n, regress the midpoint return r_n (bps) on the signed square-root dollar
  volume S_n = Σ_k d_k √|P_k v_k| of the trades in the interval; the slope λ is in bps per
  √dollar. Standard errors are Newey–West (HAC) with ``hac_lags`` lags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from mslab import _validate
from mslab.execution.tca import TradeTape

__all__ = ["KyleLambda", "kyle_lambda", "roll_spread"]


def roll_spread(tape: TradeTape) -> float:
    """Roll's (1984) spread estimate from the trade prices of ``tape``.

    S = 2√(−Cov(Δp_t, Δp_{t−1})), the sample autocovariance of successive changes of the
    trade prices in tape order, divided by the mean of the finite arrival midpoints.

    Parameters
    ----------
    tape
        Trades (only ``price`` and ``arrival_mid`` are read).

    Returns
    -------
    float
        The spread in bps of the mean arrival midpoint; NaN when the first-order
        autocovariance of trade-price changes is ≥ 0 or there are fewer than 3 trades.

    Raises
    ------
    ValueError
        If ``tape`` is not a :class:`~mslab.execution.tca.TradeTape`.
    """
    _validate.instance("tape", tape, TradeTape)
    dp = np.diff(tape.price)
    if dp.size < 2:
        return np.nan
    cov = float(np.cov(dp[1:], dp[:-1])[0, 1])
    if cov >= 0.0:
        return np.nan
    return 2.0 * np.sqrt(-cov) / float(np.nanmean(tape.arrival_mid)) * 1e4


@dataclass(frozen=True)
class KyleLambda:
    """Kyle's lambda estimated by :func:`kyle_lambda`.

    Attributes
    ----------
    slope : float
        λ, the OLS slope of the midpoint return on the signed square-root dollar volume
        (bps per √$; $ is the tape's currency unit).
    se : float
        Newey–West (HAC) standard error of the slope (bps per √$).
    r2 : float
        R² of the regression.
    intervals : int
        Number of intervals in the regression (those with a finite midpoint return).
    """

    slope: float
    se: float
    r2: float
    intervals: int


def kyle_lambda(tape: TradeTape, interval_s: float, hac_lags: int = 5) -> KyleLambda:
    """Kyle's lambda from intervals of ``interval_s`` seconds (see the module docstring).

    The intervals start at the tape's first quote time; their number is the span of the quote
    times divided by ``interval_s``, rounded down. r_n is the return (bps) of the midpoint
    prevailing at the interval's end (the last quote at or before it) over the one at its
    start; S_n sums d_k √(P_k v_k) over the trades whose time lies in [start, end), with
    P_k v_k in currency units (``price / unit × size``). The regression r_n = a + λ S_n is
    fitted by OLS on the intervals with a finite return.

    Parameters
    ----------
    tape
        Trades and quotes (``time``, ``price``, ``size``, ``side``, ``quote_time``, ``mid``,
        ``unit``).
    interval_s
        Interval length (s, > 0); it must give at least 10 intervals.
    hac_lags
        Lags of the Newey–West standard error (integer, 0 to 1000; default 5).

    Returns
    -------
    KyleLambda
        Slope λ (bps per √$), its HAC standard error, R² and the number of intervals used.

    Raises
    ------
    ValueError
        If ``tape`` is not a :class:`~mslab.execution.tca.TradeTape` or has no trades or no
        quotes, ``interval_s`` is not > 0 or gives fewer than 10 intervals (or more than
        :data:`mslab._validate.MAX_ELEMENTS`), or ``hac_lags`` is outside 0..1000.
    """
    _validate.instance("tape", tape, TradeTape)
    interval_s = _validate.positive("interval_s", interval_s)
    hac_lags = _validate.integer("hac_lags", hac_lags, low=0, high=1000)
    if tape.quote_time.size == 0 or tape.time.size == 0:
        _validate.fail("tape", tape.name, "a tape with trades and quotes")
    t0 = tape.quote_time[0]
    n = (tape.quote_time[-1] - t0) // interval_s
    _validate.elements("interval_s", n)
    n = int(n)
    if n < 10:
        _validate.fail("interval_s", interval_s, f"an interval giving at least 10 intervals "
                       f"in the {tape.quote_time[-1] - t0:g} s of the tape")
    edges = t0 + interval_s * np.arange(n + 1)
    k = np.searchsorted(tape.quote_time, edges, side="right") - 1
    mids = tape.mid[k]
    ret = (mids[1:] / mids[:-1] - 1.0) * 1e4
    dollars = tape.price / tape.unit * tape.size
    bucket = np.searchsorted(edges, tape.time, side="right") - 1
    inside = (bucket >= 0) & (bucket < n)
    signed = np.bincount(bucket[inside], weights=(tape.side * np.sqrt(dollars))[inside],
                         minlength=n)
    ok = np.isfinite(ret)
    fit = sm.OLS(ret[ok], sm.add_constant(signed[ok])).fit(cov_type="HAC",
                                                          cov_kwds={"maxlags": hac_lags})
    return KyleLambda(float(fit.params[1]), float(fit.bse[1]), float(fit.rsquared), int(ok.sum()))
