"""The funding carry trade: long spot and short perpetual (the reverse when funding is
negative), with fees, the basis at entry and exit, and the margin of the perpetual leg.

Timeline (settlements t = 0, 1, …, on the nominal grid). Just after settlement t − 1 the
trader sets the side ``s_t`` held over (t − 1, t] from the forecast ``forecast[t]`` of
``rate[t]`` (made with information up to t − 1, :mod:`mslab.funding.forecast`):

* flat → ``s = +1`` (long spot, short perpetual) if forecast > ``entry``; → ``s = −1`` (short
  spot, long perpetual) if forecast < −``entry`` and ``allow_reverse``;
* in a position, exit when ``s · forecast < exit`` (hysteresis: ``exit ≤ entry``) or when the
  forecast is missing (a gap in the history); a side is reversed by an exit and an entry at the
  same time.

Per unit of notional on each leg the trader commits capital ``1 + 1/L`` (the spot leg plus the
perpetual's initial margin at leverage ``L``); returns are on that capital. Over the interval
the position earns ``s_t · rate[t]`` (shorts receive positive funding). Each entry or exit
trades both legs and pays ``2 · fee`` (``fee`` per leg and side, a fraction of notional). The
basis (perpetual over spot, a fraction) is proxied by the premium implied by the settlement's
rate, ``b_t = rate[t] · 8 / h`` per 8 h (exact outside Binance's dead zone, where
F = P̄; inside it only known to lie within ±0.05 % of the interest): a position opened at
``b_e`` and closed at ``b_x`` gains ``s · (b_e − b_x)``.

Margin: the perpetual leg's equity is ``1/L − s·(m_t/m_e − 1) + funding received`` per unit
of notional (``m`` the mark price, ``m_e`` at entry); it is liquidated when that falls below
``maintenance · m_t/m_e``. A liquidation costs ``liquidation_fee`` (of notional) plus the spot
leg's closing fee; the trader is flat until the next entry signal. Mark prices are only known
at settlements (and only where the history has them), so liquidations between settlements are
missed: the count is a lower bound, and none can be detected where ``mark`` is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.funding.forecast import grid_values
from mslab.performance import performance

MAX_GRID = 10_000


@njit(cache=True)
def _carry_kernel(rate, forecast, mark, basis, entry, exit_, allow_reverse, leverage, fee,
                  maintenance, liquidation_fee):
    n = rate.size
    ret = np.zeros(n)
    side = np.zeros(n, np.int8)
    traded = np.zeros(n)
    liquidated = np.zeros(n, np.bool_)
    entered = np.zeros(n, np.bool_)
    capital = 1.0 + 1.0 / leverage
    s = 0
    m_e = np.nan
    b_e = 0.0
    funding_acc = 0.0
    for t in range(1, n):
        f = forecast[t]
        pnl = 0.0
        new = s
        if s != 0 and (not np.isfinite(f) or s * f < exit_):
            new = 0
        if new == 0 and np.isfinite(f):
            if f > entry:
                new = 1
            elif allow_reverse and f < -entry:
                new = -1
        b_prev = basis[t - 1]
        if new != s:
            if s != 0:  # close: both legs, basis P&L
                pnl -= 2.0 * fee
                traded[t] += 2.0
                if np.isfinite(b_prev):
                    pnl += s * (b_e - b_prev)
            if new != 0:  # open
                entered[t] = True
                pnl -= 2.0 * fee
                traded[t] += 2.0
                b_e = b_prev if np.isfinite(b_prev) else 0.0
                m_e = mark[t - 1]
                funding_acc = 0.0
            s = new
        side[t] = s
        if s != 0:
            r = rate[t]
            if np.isfinite(r):
                pnl += s * r
                funding_acc += s * r
            m = mark[t]
            if np.isfinite(m) and np.isfinite(m_e):
                equity = 1.0 / leverage - s * (m / m_e - 1.0) + funding_acc
                if equity < maintenance * m / m_e:
                    pnl -= liquidation_fee + fee
                    traded[t] += 2.0
                    liquidated[t] = True
                    s = 0
            elif not np.isfinite(m_e) and np.isfinite(m):
                m_e = m  # first mark price seen during the position: margin tracked from here
        ret[t] = pnl / capital
    return ret, side, traded / capital, liquidated, entered


@dataclass(frozen=True)
class CarryResult:
    """Per settlement: ``returns`` (on capital), ``side`` held over the interval ending there
    (+1 long spot/short perpetual, −1 the reverse, 0 flat), ``turnover`` (traded notional over
    capital), ``liquidated`` (closed by liquidation at it), ``entered`` (opened just after the
    previous settlement); and the inputs.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed like the back-test's ``rate``, one row per settlement: ``returns`` (return
        over the interval ending there, on capital 1 + 1/L; 0 at the first settlement),
        ``side`` (int8: +1, −1 or 0), ``turnover`` (notional traded at that settlement over
        capital), ``liquidated`` and ``entered`` (bool).
    leverage : float
        Leverage L of the perpetual leg.
    fee : float
        Fee per leg and side, a fraction of notional.
    periods_per_year : float
        Settlements per year, 365 · 24 / ``interval_hours``.
    """

    frame: pd.DataFrame
    leverage: float
    fee: float
    periods_per_year: float

    @property
    def n_liquidations(self) -> int:
        """Number of settlements at which a liquidation was detected (a lower bound)."""
        return int(self.frame["liquidated"].sum())

    @property
    def n_entries(self) -> int:
        """Number of positions opened (a reversal counts as one entry)."""
        return int(self.frame["entered"].sum())

    def performance(self):
        """:func:`mslab.performance.performance` of the returns.

        Returns
        -------
        mslab.performance.Performance
            Metrics of ``frame["returns"]`` with ``frame["turnover"]`` as turnover, annualised
            with ``periods_per_year``.

        Raises
        ------
        ValueError
            If the back-test has fewer than two settlements.
        """
        return performance(self.frame["returns"].to_numpy(),
                           turnover=self.frame["turnover"].to_numpy(),
                           periods_per_year=self.periods_per_year)


def carry_backtest(rate: pd.Series, forecast: object, mark: object, *, interval_hours: float = 8.0,
                   leverage: float = 3.0, fee: float = 4e-4, entry: float = 1e-4,
                   exit: float = 0.5e-4, allow_reverse: bool = True,
                   maintenance: float = 4e-3, liquidation_fee: float = 1.25e-2) -> CarryResult:
    """Back-test the carry trade (module docstring) on ``rate`` (a Series on the settlement
    grid, NaN = missing), ``forecast`` and ``mark`` (arrays aligned with it). ``fee``,
    ``entry``, ``exit``, ``maintenance`` and ``liquidation_fee`` are fractions; ``leverage``
    1 ≤ L ≤ 125.

    Parameters
    ----------
    rate : pandas.Series
        Funding rate of each settlement on the nominal grid (fraction of notional per
        settlement, positive: longs pay), finite or NaN (missing settlement: no funding).
    forecast : numpy.ndarray
        One value per entry of ``rate``: the forecast of ``rate[t]`` made with information up
        to t − 1 (e.g. :func:`~mslab.funding.forecast.walk_forward_ar`), finite or NaN (no
        forecast: exit, no entry).
    mark : numpy.ndarray
        One mark price per entry of ``rate`` (quote currency), finite or NaN (unknown: no
        margin check).
    interval_hours : float
        Settlement interval in hours, > 0; default 8. Sets the basis proxy
        ``rate · 8 / interval_hours`` and the settlements per year.
    leverage : float
        Leverage L of the perpetual leg, in [1, 125]; default 3.
    fee : float
        Fee per leg and side, a fraction of notional in [0, 0.01]; default 4e-4 (4 bp).
    entry : float
        Entry threshold on the forecast, a fraction per settlement in [0, 0.01]; default 1e-4.
    exit : float
        Exit threshold on ``side · forecast``, in [−0.01, ``entry``]; default 0.5e-4.
    allow_reverse : bool
        Whether to take the reverse trade (short spot, long perpetual) on a forecast below
        −``entry``; default True.
    maintenance : float
        Maintenance margin, a fraction of notional in [0, 1/L]; default 4e-3.
    liquidation_fee : float
        Cost of a liquidation, a fraction of notional in [0, 0.1]; default 1.25e-2.

    Returns
    -------
    CarryResult
        The per-settlement frame (indexed like ``rate``), ``leverage``, ``fee`` and
        ``periods_per_year``.

    Raises
    ------
    ValueError
        If ``rate`` is not a Series of finite numbers or NaN, ``forecast`` or ``mark`` is not
        a 1-D array of its length (finite or NaN), or a parameter is outside the ranges above
        (``allow_reverse`` must be a bool).
    """
    if not isinstance(rate, pd.Series):
        _validate.fail("rate", type(rate).__name__, "a pandas Series on the settlement grid")
    r = grid_values("rate", rate.to_numpy())
    f = grid_values("forecast", forecast, r.size)
    m = grid_values("mark", mark, r.size)
    interval_hours = _validate.positive("interval_hours", interval_hours)
    leverage = _validate.real("leverage", leverage, low=1.0, high=125.0)
    fee = _validate.real("fee", fee, low=0.0, high=0.01)
    entry = _validate.real("entry", entry, low=0.0, high=0.01)
    exit_ = _validate.real("exit", exit, low=-0.01, high=entry, high_name="entry")
    if not isinstance(allow_reverse, bool):
        _validate.fail("allow_reverse", allow_reverse, "True or False")
    maintenance = _validate.real("maintenance", maintenance, low=0.0, high=1.0 / leverage)
    liquidation_fee = _validate.real("liquidation_fee", liquidation_fee, low=0.0, high=0.1)
    basis = r * (8.0 / interval_hours)
    ret, side, turnover, liq, entered = _carry_kernel(r, f, m, basis, entry, exit_, allow_reverse,
                                             leverage, fee, maintenance, liquidation_fee)
    frame = pd.DataFrame({"returns": ret, "side": side, "turnover": turnover,
                          "liquidated": liq, "entered": entered}, index=rate.index)
    return CarryResult(frame=frame, leverage=leverage, fee=fee,
                       periods_per_year=365.0 * 24.0 / interval_hours)


def carry_grid(rate: pd.Series, forecast: object, mark: object, *, leverages: object,
               fees: object, **kwargs: object) -> pd.DataFrame:
    """:func:`carry_backtest` for every leverage × fee: one row each with ``leverage``,
    ``fee_bp``, ``annual_return``, ``sharpe``, ``sharpe_se``, ``max_drawdown``,
    ``liquidations``, ``entries``. At most :data:`MAX_GRID` combinations.

    Parameters
    ----------
    rate : pandas.Series
        As for :func:`carry_backtest`.
    forecast : numpy.ndarray
        As for :func:`carry_backtest`.
    mark : numpy.ndarray
        As for :func:`carry_backtest`.
    leverages : numpy.ndarray
        Leverages to try, each in [1, 125] (flattened; any array-like).
    fees : numpy.ndarray
        Fees per leg and side to try, fractions of notional in [0, 0.01] (flattened).
    **kwargs
        Further keyword arguments of :func:`carry_backtest` (``interval_hours``, ``entry``,
        ``exit``, ``allow_reverse``, ``maintenance``, ``liquidation_fee``).

    Returns
    -------
    pandas.DataFrame
        One row per (leverage, fee), leverage-major: ``leverage``, ``fee_bp`` (fee × 10⁴),
        ``annual_return``, ``sharpe``, ``sharpe_se`` and ``max_drawdown`` (of
        :meth:`CarryResult.performance`), ``liquidations`` and ``entries``.

    Raises
    ------
    ValueError
        For an empty grid or one of more than :data:`MAX_GRID` (10,000) combinations, a
        leverage or fee out of range, or anything :func:`carry_backtest` or
        :func:`mslab.performance.performance` refuses.
    """
    lev = _validate.real_array("leverages", leverages, low=1.0).ravel()
    fees_ = _validate.real_array("fees", fees, low=0.0).ravel()
    if lev.size * fees_.size > MAX_GRID or lev.size == 0 or fees_.size == 0:
        _validate.fail("leverages × fees", f"{lev.size} × {fees_.size}",
                       f"a non-empty grid of at most {MAX_GRID} combinations")
    for name, values, high in (("leverages", lev, 125.0), ("fees", fees_, 0.01)):
        if values.max() > high:
            _validate.fail(name, values.max(), f"at most {high} (see carry_backtest)")
    rows = []
    for L in lev:
        for c in fees_:
            res = carry_backtest(rate, forecast, mark, leverage=float(L), fee=float(c),
                                 **kwargs)  # type: ignore[arg-type]
            p = res.performance()
            rows.append({"leverage": float(L), "fee_bp": float(c) * 1e4,
                         "annual_return": p.annual_return, "sharpe": p.sharpe,
                         "sharpe_se": p.sharpe_se, "max_drawdown": p.max_drawdown,
                         "liquidations": res.n_liquidations, "entries": res.n_entries})
    return pd.DataFrame(rows)


HE_CARRY = {"BTC": {"annual_return": 0.1018, "sharpe": 2.24},
            "ETH": {"annual_return": 0.1322, "sharpe": 2.66}}
"""He, Manela, Ross & von Wachter's carry benchmark, gross of fees."""
HE_SAMPLE = ("2020-01-01", "2024-03-31 23:59")
"""Their sample of realised funding (UTC)."""

