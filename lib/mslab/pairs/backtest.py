"""Daily backtest of pairs trades, one pair or a portfolio of pairs, with execution costs.

Model (units: prices in $ per share, holdings in shares, P&L and costs in $, bars are days).

Position. A pair trades the spread ``y − h·x``: one *unit* is long 1 share of ``y`` and short
``h`` shares of ``x`` (``h`` is the hedge ratio in shares of x per share of y: a static β, or a
series such as a Kalman filter's). A signal ``s_t ∈ {−1, 0, +1}`` asks to be long (+1), flat
or short (−1) the spread. Holdings are ``q_y = s·u`` and ``q_x = −s·u·h`` with ``u`` units.
A hedge ratio estimated on log prices (dollars of x per dollar of y) converts to shares with
:func:`share_hedge`. Fractional shares are allowed.

Timing (one-bar execution delay). Everything decided at the close of day t — from the signal,
hedge ratio, prices and volumes of days ≤ t — is executed at the close of day t + 1, at that
day's price. The P&L of day t is ``q_{t−1}·(p_t − p_{t−1}) − costs_t``: holdings bought at the
close of t + 1 earn from day t + 2 on. With ``close_at_end`` every open trade is closed at the
last bar (Gatev et al. close open positions at the end of the trading period).

Sizing (decided at entry, held for the trade). With ``Risk.sizing == "gross"`` a trade gets
``u = max_gross·C_p / (y_t + |h_t|·x_t)``, i.e. a gross exposure of ``max_gross`` times the
pair's capital ``C_p`` at the decision prices (``max_gross = 2``: $1 long and $1 short per $1,
Gatev's self-financing convention). With ``"vol_target"`` it gets
``u = target_vol·C_p / σ̂``, where σ̂ is the annualised sample standard deviation (√A·std,
A = ``periods_per_year``, 252) of the daily $ P&L of one unit, ``Δy_τ − h_t·Δx_τ``, over the
``vol_window`` days ending at t, capped at the same gross exposure. The hedge ratio is frozen
at its entry value for the life of the trade unless ``rehedge=True``, which re-hedges the x leg
every day to the latest ``h`` (trading costs included). In a portfolio every pair's capital is ``C_p = capital / n_pairs``
(returns are on committed capital), so vol-target sizing gives inverse-trailing-volatility,
equal-risk weights; ``max_portfolio_gross`` caps the sum of all pairs' gross exposure: when
the trades entering on a day do not fit beside the ones already held they are all scaled down
by the same factor (held trades are never resized), and a trade that gets no room waits
while its signal persists.

Stop-loss (per trade, on *gross* mark-to-market P&L, so the trading path never depends on
costs). A trade is stopped at the close of t (executed at t + 1) when its cumulative gross loss
exceeds ``stop_loss`` × its gross exposure at entry, or ``stop_sigma`` × σ_S × u, σ_S being the
sample standard deviation of the spread level ``y − h·x`` over the ``vol_window`` days before
entry: the spread moved ``stop_sigma`` of its standard deviations against the trade. After a
stop the pair stays flat until its signal leaves the stopped direction. Entries need
``vol_window`` days of history when the sizing or the sigma stop needs a trailing estimate.

Costs, in bps of traded notional ``|Δq|·p_t`` per leg: ``half_spread_bps`` (a constant or, as
a spread model, a per-asset, per-day array), ``fee_bps``, fixed ``slippage_bps`` and variable
slippage ``impact_bps·√(|Δq| / ADV)`` (square-root market impact, only where volume is known).
ADV is the mean volume (shares) over the ``adv_window`` days ending at the decision day,
ignoring missing values; where volume is unknown (not given, or no value in the window) trades
are neither capped nor charged impact.

Participation cap (partial execution). With ``max_participation`` a leg trades at most that
fraction of its ADV per day. Both legs of the day's order are scaled by the same fraction, so a
partly filled order stays on the line between current and target holdings; the rest is worked
on the following days while the target stands. A day's closing order (to flat) is worked before
an opening order and the opening order gets the capacity left. The forced close at the last bar
is not capped.

Trades. A trade opens when a pair's holdings leave zero and closes when they are back at zero;
costs of closing orders belong to the closing trade, costs of opening and adjusting orders to
the open one. ``cost_bps`` is the trade's costs over its traded notional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate

SIZINGS = ("gross", "vol_target")
EXIT_REASONS = ("signal", "stop", "end", "open")
_SIGNAL, _STOP, _END, _OPEN = 0, 1, 2, 3


@dataclass(frozen=True)
class Execution:
    """Execution costs and the participation cap of a backtest (module docstring).

    Attributes
    ----------
    half_spread_bps : float
        Half the bid-ask spread paid on each trade, bps of traded notional, ≥ 0 (overridden per
        asset and day by the ``half_spread_bps`` argument of the backtest).
    fee_bps : float
        Fees, bps of traded notional, ≥ 0.
    slippage_bps : float
        Fixed slippage, bps of traded notional, ≥ 0.
    impact_bps : float
        Coefficient of the square-root impact ``impact_bps·√(|Δq| / ADV)``, bps, ≥ 0.
    max_participation : float or None
        Largest fraction of ADV a leg trades per day, > 0; None (default) for no cap.
    adv_window : int
        Days of volume (ending at the decision day) whose mean is the ADV, ≥ 1.

    Raises
    ------
    ValueError
        If a cost is negative or not finite, ``max_participation`` is not positive, or
        ``adv_window`` is not an integer ≥ 1.
    """

    half_spread_bps: float = 0.0
    fee_bps: float = 0.0
    slippage_bps: float = 0.0
    impact_bps: float = 0.0
    max_participation: float | None = None
    adv_window: int = 20

    def __post_init__(self) -> None:
        for name in ("half_spread_bps", "fee_bps", "slippage_bps", "impact_bps"):
            object.__setattr__(self, name, _validate.nonnegative(name, getattr(self, name)))
        if self.max_participation is not None:
            object.__setattr__(self, "max_participation",
                               _validate.positive("max_participation", self.max_participation))
        object.__setattr__(self, "adv_window",
                           _validate.integer("adv_window", self.adv_window, low=1))


@dataclass(frozen=True)
class Risk:
    """Sizing and stops of a backtest (module docstring).

    Attributes
    ----------
    sizing : str
        ``"gross"`` (fixed gross exposure) or ``"vol_target"`` (target volatility).
    max_gross : float
        Gross exposure per $ of the pair's capital, > 0: the size under ``"gross"``, the cap
        under ``"vol_target"`` (2: $1 long and $1 short per $1).
    target_vol : float
        Annualised volatility of a trade's $ P&L per $ of the pair's capital, > 0
        (``"vol_target"``).
    vol_window : int
        Days, ≥ 2, of the trailing estimates: the unit P&L volatility (``"vol_target"``) and the
        spread's standard deviation (``stop_sigma``).
    stop_loss : float or None
        Stop when a trade's cumulative gross loss exceeds this fraction of its entry gross
        exposure, > 0; None (default) for no such stop.
    stop_sigma : float or None
        Stop when the spread has moved this many of its (pre-entry) standard deviations against
        the trade, > 0; None (default) for no such stop.

    Raises
    ------
    ValueError
        If ``sizing`` is unknown or a number is out of range.
    """

    sizing: str = "gross"
    max_gross: float = 2.0
    target_vol: float = 0.10
    vol_window: int = 60
    stop_loss: float | None = None
    stop_sigma: float | None = None

    def __post_init__(self) -> None:
        _validate.choice("sizing", self.sizing, SIZINGS)
        object.__setattr__(self, "max_gross", _validate.positive("max_gross", self.max_gross))
        object.__setattr__(self, "target_vol", _validate.positive("target_vol", self.target_vol))
        object.__setattr__(self, "vol_window",
                           _validate.integer("vol_window", self.vol_window, low=2))
        for name in ("stop_loss", "stop_sigma"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _validate.positive(name, getattr(self, name)))


@dataclass(frozen=True)
class PairBacktestResult:
    """Daily paths of a backtest (:func:`backtest_pair`, :func:`backtest_portfolio`).

    Attributes
    ----------
    index : pandas.Index
        The dates (rows) of the prices.
    pairs : tuple
        The (y, x) labels of each pair, in order.
    capital : float
        The capital ($) returns and turnover are measured on.
    prices_y : numpy.ndarray
        Prices ($ per share) of each pair's y leg, shape (n_days, n_pairs).
    prices_x : numpy.ndarray
        Prices ($ per share) of each pair's x leg, shape (n_days, n_pairs).
    shares_y : numpy.ndarray
        Holdings (shares) of the y legs after each day's trades, shape (n_days, n_pairs).
    shares_x : numpy.ndarray
        Holdings (shares) of the x legs after each day's trades, shape (n_days, n_pairs).
    pair_pnl : numpy.ndarray
        Net daily P&L ($) of each pair, shape (n_days, n_pairs).
    pair_costs : numpy.ndarray
        Daily execution costs ($) of each pair, shape (n_days, n_pairs).
    pair_traded : numpy.ndarray
        Daily traded notional ($) of each pair, shape (n_days, n_pairs).
    trades : pandas.DataFrame
        One row per trade: ``pair`` (its position in ``pairs``), its ``y`` and ``x`` labels,
        ``direction`` (+1 long, −1 short the spread), ``entry`` and ``exit`` (bars of the entry
        and exit executions; exit −1 while open) with ``entry_date`` and ``exit_date`` (NaT while
        open), ``gross_pnl``, ``cost`` and net ``pnl`` ($), ``traded_notional`` ($),
        ``entry_gross`` (gross exposure at entry, $), ``return`` = pnl / entry_gross,
        ``cost_bps`` (cost over traded notional, bps) and ``exit_reason`` (``"signal"``,
        ``"stop"``, ``"end"`` or ``"open"``).
    """

    index: pd.Index
    pairs: tuple[tuple[object, object], ...]
    capital: float
    prices_y: np.ndarray
    prices_x: np.ndarray
    shares_y: np.ndarray
    shares_x: np.ndarray
    pair_pnl: np.ndarray
    pair_costs: np.ndarray
    pair_traded: np.ndarray
    trades: pd.DataFrame

    @property
    def pnl(self) -> pd.Series:
        """Net daily P&L of all pairs ($)."""
        return pd.Series(self.pair_pnl.sum(axis=1), index=self.index, name="pnl")

    @property
    def costs(self) -> pd.Series:
        """Daily execution costs of all pairs ($)."""
        return pd.Series(self.pair_costs.sum(axis=1), index=self.index, name="costs")

    @property
    def returns(self) -> pd.Series:
        """Daily net P&L over the (fixed) capital."""
        return pd.Series(self.pair_pnl.sum(axis=1) / self.capital, index=self.index,
                         name="returns")

    @property
    def turnover(self) -> pd.Series:
        """Daily traded notional over the capital."""
        return pd.Series(self.pair_traded.sum(axis=1) / self.capital, index=self.index,
                         name="turnover")

    @property
    def gross_exposure(self) -> pd.Series:
        """|q_y|·y + |q_x|·x summed over pairs, after each day's trades ($)."""
        g = np.abs(self.shares_y) * self.prices_y + np.abs(self.shares_x) * self.prices_x
        return pd.Series(g.sum(axis=1), index=self.index, name="gross_exposure")

    @property
    def holding_days(self) -> float:
        """Mean holding period of a trade in bars (:func:`holding_days`)."""
        return holding_days(self.trades)

    @property
    def equity(self) -> pd.Series:
        """Capital plus cumulative net P&L ($; no reinvestment)."""
        return pd.Series(self.capital + np.cumsum(self.pair_pnl.sum(axis=1)), index=self.index,
                         name="equity")


def holding_days(trades: pd.DataFrame) -> float:
    """Mean holding period of the closed trades, in bars.

    Parameters
    ----------
    trades : pandas.DataFrame
        A trade table of :class:`PairBacktestResult` (columns ``entry`` and ``exit``, bars); open
        trades, with exit −1, are left out.

    Returns
    -------
    float
        Mean number of bars from entry to exit execution; NaN without a closed trade.
    """
    closed = trades[trades["exit"] >= 0]
    if not len(closed):
        return float("nan")
    return float((closed["exit"] - closed["entry"]).mean())


def share_hedge(beta: object, y: object, x: object) -> np.ndarray:
    """Convert a dollar hedge ratio into shares of x per share of y, β·y/x, day by day.

    Parameters
    ----------
    beta : numpy.ndarray or float
        Dollar hedge ratio β, e.g. from a regression of log y on log x: $β of x per $1 of y;
        a scalar or one value per day.
    y, x : numpy.ndarray or pandas.Series
        Prices ($ per share) of the two legs, one per day (or scalars).

    Returns
    -------
    numpy.ndarray
        β·y/x, shares of x per share of y, with the broadcast shape of the inputs. Nothing is
        validated: a zero or missing price gives inf or NaN.
    """
    return np.asarray(beta, dtype=float) * np.asarray(y, dtype=float) / np.asarray(x, dtype=float)


def backtest_pair(y: object, x: object, signal: object, hedge: object = 1.0, *,
                  volume_y: object = None, volume_x: object = None,
                  half_spread_bps: object = None, execution: Execution = Execution(),
                  risk: Risk = Risk(), capital: float = 1.0, rehedge: bool = False,
                  close_at_end: bool = True, periods_per_year: int = 252) -> PairBacktestResult:
    """Backtest one pair (see the module docstring for timing, sizing, stops and costs).

    A wrapper of :func:`backtest_portfolio` for a single pair with the whole ``capital``.

    Parameters
    ----------
    y, x : numpy.ndarray or pandas.Series
        Prices ($ per share, finite, > 0) of the two legs, 1-D, one per date; two Series must
        have the same index.
    signal : numpy.ndarray or pandas.Series
        Desired position in {−1, 0, +1} units of the spread, decided at each close: one per
        date.
    hedge : float or numpy.ndarray or pandas.Series
        Hedge ratio in shares of x per share of y (finite): a scalar or one value per date.
    volume_y, volume_x : numpy.ndarray or None
        Daily volume (shares, ≥ 0, NaN where unknown) of each leg, one per date; None (default)
        for unknown (no participation cap, no impact cost on that leg).
    half_spread_bps : numpy.ndarray or None
        Half spread (bps, finite, ≥ 0) per date and leg, shape (n, 2): y then x; None (default)
        for ``execution.half_spread_bps``.
    execution : Execution
        Costs and participation cap.
    risk : Risk
        Sizing and stops.
    capital : float
        Capital ($) of the pair, > 0.
    rehedge : bool
        Re-hedge the x leg daily to the latest hedge ratio (default False: frozen at entry).
    close_at_end : bool
        Close every open trade at the last bar (default True).
    periods_per_year : int
        Bars per year, ≥ 1, used to annualise the volatility in vol-target sizing.

    Returns
    -------
    PairBacktestResult
        Daily holdings, P&L, costs and traded notional, and the trade table, with the pair
        labelled ``("y", "x")``.

    Raises
    ------
    ValueError
        If the legs differ in length or dates, a price is missing, not finite or ≤ 0, a signal
        is not −1, 0 or +1, an input has the wrong shape, or a parameter is out of range.
    """
    n_y, n_x = _length("y", y), _length("x", x)
    if n_y != n_x:
        raise ValueError(f"y has {n_y} prices but x has {n_x}: the legs must be aligned, one "
                         "price of each per date")
    if isinstance(y, pd.Series) and isinstance(x, pd.Series) and not y.index.equals(x.index):
        i = int(np.flatnonzero(np.asarray(y.index != x.index))[0])
        raise ValueError(f"y and x are misaligned: at row {i} y is dated {y.index[i]} but x "
                         f"{x.index[i]}; align them on one calendar first")
    index = y.index if isinstance(y, pd.Series) else (
        x.index if isinstance(x, pd.Series) else None)
    prices = pd.DataFrame({"y": _floats("y", y), "x": _floats("x", x)}, index=index)
    for name, v in (("signal", signal), ("hedge", hedge)):
        if np.ndim(v) != 0:
            _vector(name, v, n_y)
    volumes = None
    if volume_y is not None or volume_x is not None:
        nan = np.full(n_y, np.nan)
        volumes = np.column_stack([nan if v is None else _vector(nm, v, n_y)
                                   for nm, v in (("volume_y", volume_y), ("volume_x", volume_x))])
    return backtest_portfolio(prices, [("y", "x")], _column(signal, "signal"),
                              _column(hedge, "hedge"), volumes=volumes,
                              half_spread_bps=half_spread_bps, execution=execution, risk=risk,
                              capital=capital, rehedge=rehedge, close_at_end=close_at_end,
                              periods_per_year=periods_per_year)


def backtest_portfolio(prices: object, pairs: Sequence[tuple[object, object]], signals: object,
                       hedges: object = 1.0, *, volumes: object = None,
                       half_spread_bps: object = None, execution: Execution = Execution(),
                       risk: Risk = Risk(), capital: float = 1.0,
                       max_portfolio_gross: float | None = None, rehedge: bool = False,
                       close_at_end: bool = True, periods_per_year: int = 252
                       ) -> PairBacktestResult:
    """Backtest a portfolio of pairs on one calendar.

    Each pair gets ``capital / n_pairs``; see the module docstring for timing, sizing, stops,
    costs and the participation cap. Only the assets of ``pairs`` are checked and used.

    Parameters
    ----------
    prices : pandas.DataFrame or numpy.ndarray
        Prices ($ per share), shape (n_days, n_assets), at least 2 dates: a DataFrame with a
        strictly increasing index and unique columns, or a 2-D array; the assets used must be
        finite and > 0.
    pairs : list of tuple
        (y, x) column labels of each pair (integer positions for an array), two different
        columns each.
    signals : numpy.ndarray or pandas.DataFrame
        Desired positions in {−1, 0, +1} units of each pair's spread, shape (n_days, n_pairs)
        (a 1-D array for one pair).
    hedges : float or numpy.ndarray or pandas.DataFrame
        Hedge ratios in shares of x per share of y (finite): a scalar, one per pair
        (n_pairs,), or (n_days, n_pairs).
    volumes : numpy.ndarray or pandas.DataFrame or None
        Daily volumes (shares, ≥ 0, NaN where unknown), shaped like ``prices`` (same columns for
        a DataFrame); None (default) for unknown.
    half_spread_bps : numpy.ndarray or pandas.DataFrame or None
        Half spreads (bps, finite, ≥ 0) shaped like ``prices``; None (default) for
        ``execution.half_spread_bps``.
    execution : Execution
        Costs and participation cap.
    risk : Risk
        Sizing and stops, applied to every pair.
    capital : float
        Total capital ($), > 0.
    max_portfolio_gross : float or None
        Cap on the total gross exposure of all pairs, as a multiple of ``capital`` (> 0); None
        (default) for no cap.
    rehedge : bool
        Re-hedge the x legs daily to the latest hedge ratio (default False: frozen at entry).
    close_at_end : bool
        Close every open trade at the last bar (default True).
    periods_per_year : int
        Bars per year, ≥ 1, used to annualise the volatility in vol-target sizing.

    Returns
    -------
    PairBacktestResult
        Daily holdings, P&L, costs and traded notional of every pair, and the trade table.

    Raises
    ------
    ValueError
        If the prices, pairs, signals, hedges, volumes or spreads are malformed or misaligned
        (the message names the first bad row), or a parameter is out of range.
    """
    capital = _validate.positive("capital", capital)
    ann = _validate.integer("periods_per_year", periods_per_year, low=1)
    if max_portfolio_gross is not None:
        max_portfolio_gross = _validate.positive("max_portfolio_gross", max_portfolio_gross)
    for name, flag in (("rehedge", rehedge), ("close_at_end", close_at_end)):
        if not isinstance(flag, (bool, np.bool_)):
            _validate.fail(name, flag, "True or False")
    if not isinstance(execution, Execution):
        _validate.fail("execution", execution, "an Execution")
    if not isinstance(risk, Risk):
        _validate.fail("risk", risk, "a Risk")

    frame = _price_frame(prices)
    n = len(frame)
    index = frame.index
    cols, iy, ix = _pair_columns(frame, pairs)
    used = sorted(set(iy) | set(ix))
    values = frame.to_numpy(dtype=float)
    for j in used:
        _check_prices(values[:, j], f"prices[{frame.columns[j]!r}]", index)
    n_pairs = len(cols)
    sig = _signals(signals, n, n_pairs, index)
    hedge = _hedges(hedges, n, n_pairs, index)

    adv = np.full(values.shape, np.nan)
    if volumes is not None:
        vol = _asset_table("volumes", volumes, frame, used, allow_nan=True)
        adv[:, used] = (pd.DataFrame(vol[:, used])
                        .rolling(execution.adv_window, min_periods=1).mean().to_numpy())
    hs = np.full(values.shape, execution.half_spread_bps)
    if half_spread_bps is not None:
        hs[:, used] = _asset_table("half_spread_bps", half_spread_bps, frame, used,
                                   allow_nan=False)[:, used]

    bound = int(((sig[:-1] != 0) & (sig[:-1] != np.vstack([np.zeros((1, n_pairs)),
                                                           sig[:-2]]))).sum()) + 1
    qy, qx, pnl, cost, traded = (np.zeros((n, n_pairs)) for _ in range(5))
    tr_i = np.empty((bound, 5), dtype=np.int64)      # pair, dir, entry, exit, reason
    tr_f = np.zeros((bound, 4))                      # gross, cost, traded, entry_gross
    inf = np.inf
    n_tr = _simulate_pairs_portfolio(
        values, np.asarray(iy, np.int64), np.asarray(ix, np.int64), sig, hedge, adv, hs * 1e-4,
        (execution.fee_bps + execution.slippage_bps) * 1e-4, execution.impact_bps * 1e-4,
        inf if execution.max_participation is None else execution.max_participation,
        risk.sizing == "vol_target", risk.target_vol, risk.vol_window, risk.max_gross,
        capital / max(n_pairs, 1),
        inf if max_portfolio_gross is None else max_portfolio_gross * capital,
        0.0 if risk.stop_sigma is None else risk.stop_sigma,
        0.0 if risk.stop_loss is None else risk.stop_loss,
        bool(rehedge), bool(close_at_end), float(ann), qy, qx, pnl, cost, traded, tr_i, tr_f)
    return PairBacktestResult(index=index, pairs=tuple(cols), capital=capital,
                          prices_y=values[:, iy], prices_x=values[:, ix], shares_y=qy,
                          shares_x=qx, pair_pnl=pnl, pair_costs=cost, pair_traded=traded,
                          trades=_trade_table(tr_i[:n_tr], tr_f[:n_tr], cols, index))


# --------------------------------------------------------------------------------- kernel


@njit(cache=True)
def _trailing_std(p, a, b, h, t, w, diff):
    """Sample std of (y − h·x) levels (or of their daily changes) over days t−w+1..t."""
    m = 0.0
    for k in range(t - w + 1, t + 1):
        v = p[k, a] - h * p[k, b]
        if diff:
            v -= p[k - 1, a] - h * p[k - 1, b]
        m += v
    m /= w
    s = 0.0
    for k in range(t - w + 1, t + 1):
        v = p[k, a] - h * p[k, b]
        if diff:
            v -= p[k - 1, a] - h * p[k - 1, b]
        s += (v - m) * (v - m)
    return np.sqrt(s / (w - 1))


@njit(cache=True)
def _fraction(dy, dx, cap_y, cap_x):
    """Largest f ≤ 1 with |f·dy| ≤ cap_y and |f·dx| ≤ cap_x."""
    f = 1.0
    if abs(dy) > cap_y:
        f = min(f, cap_y / abs(dy))
    if abs(dx) > cap_x:
        f = min(f, cap_x / abs(dx))
    return f


@njit(cache=True)
def _leg_cost(dq, price, rate, impact, adv):
    """Cost ($) and notional ($) of trading dq shares at price."""
    a = abs(dq)
    if a == 0.0:
        return 0.0, 0.0
    notional = a * price
    if impact > 0.0 and adv > 0.0:
        rate += impact * np.sqrt(a / adv)
    return notional * rate, notional


@njit(cache=True)
def _pair_cost(dy, dx, price_y, price_x, rate_y, rate_x, impact, adv_y, adv_x):
    """Cost ($) and notional ($) of trading dy shares of y and dx shares of x."""
    cy, vy = _leg_cost(dy, price_y, rate_y, impact, adv_y)
    cx, vx = _leg_cost(dx, price_x, rate_x, impact, adv_x)
    return cy + cx, vy + vx


@njit(cache=True)
def _charge_trade(tr_f, r, dy, dx, p, t, a, b, rate_y, rate_x, impact, adv):
    """Cost and notional ($) of an order of dy shares of y (column a) and dx of x (column b) at
    the close of day t, added to trade r's cost (tr_f[r, 1]) and traded notional (tr_f[r, 2])."""
    c, v = _pair_cost(dy, dx, p[t, a], p[t, b], rate_y, rate_x, impact, adv[t - 1, a],
                      adv[t - 1, b])
    tr_f[r, 1] += c
    tr_f[r, 2] += v
    return c, v


@njit(cache=True)
def _simulate_pairs_portfolio(p, iy, ix, sig, hedge, adv, hs, fixed, impact, max_part, vol_sizing, target_vol,
              window, max_gross, pair_capital, port_cap, stop_sigma, stop_loss, rehedge,
              close_at_end, ann, qy, qx, pnl, cost, traded, tr_i, tr_f):
    """Kernel; see the module docstring. Returns the number of trades written to tr_i/tr_f."""
    n = p.shape[0]
    n_pairs = iy.size
    tdir = np.zeros(n_pairs, np.int64)       # target direction
    units = np.zeros(n_pairs)
    h0 = np.zeros(n_pairs)                   # hedge ratio at entry
    sig_s = np.zeros(n_pairs)                # spread-level std at entry (sigma stop)
    base = np.zeros(n_pairs)                 # gross exposure at entry
    blocked = np.zeros(n_pairs, np.int64)    # direction stopped out, until the signal leaves it
    reason = np.zeros(n_pairs, np.int64)     # exit reason of the open trade once tdir leaves it
    rec = np.full(n_pairs, -1)               # open trade's row in tr_i/tr_f
    cand = np.zeros(n_pairs, np.int64)
    cand_u = np.zeros(n_pairs)
    cand_h = np.zeros(n_pairs)
    cand_s = np.zeros(n_pairs)
    cur_y = np.zeros(n_pairs)
    cur_x = np.zeros(n_pairs)
    n_tr = 0
    for t in range(n):
        final = close_at_end and t == n - 1
        if t > 0:
            for k in range(n_pairs):
                r = rec[k]
                if r < 0 and tdir[k] == 0:        # flat and staying flat (outputs are 0)
                    continue
                a, b = iy[k], ix[k]
                g = cur_y[k] * (p[t, a] - p[t - 1, a]) + cur_x[k] * (p[t, b] - p[t - 1, b])
                if r >= 0:
                    tr_f[r, 0] += g
                cap_y, cap_x = np.inf, np.inf
                if not final:
                    if adv[t - 1, a] >= 0.0:
                        cap_y = max_part * adv[t - 1, a]
                    if adv[t - 1, b] >= 0.0:
                        cap_x = max_part * adv[t - 1, b]
                rate_y, rate_x = hs[t, a] + fixed, hs[t, b] + fixed
                c_day, v_day = 0.0, 0.0
                if r >= 0 and (final or tdir[k] != tr_i[r, 1]):       # closing order first
                    f = _fraction(cur_y[k], cur_x[k], cap_y, cap_x)
                    dy, dx = -f * cur_y[k], -f * cur_x[k]
                    c, v = _charge_trade(tr_f, r, dy, dx, p, t, a, b, rate_y, rate_x, impact, adv)
                    c_day += c
                    v_day += v
                    cap_y -= abs(dy)
                    cap_x -= abs(dx)
                    if f == 1.0:
                        cur_y[k], cur_x[k] = 0.0, 0.0
                        tr_i[r, 3] = t
                        tr_i[r, 4] = _END if (final and tdir[k] == tr_i[r, 1]) else reason[k]
                        rec[k] = -1
                        r = -1
                    else:
                        cur_y[k] += dy
                        cur_x[k] += dx
                if not final and tdir[k] != 0 and (r < 0 or tr_i[r, 1] == tdir[k]):
                    h = hedge[t - 1, k] if rehedge else h0[k]
                    ty, tx = tdir[k] * units[k], -tdir[k] * units[k] * h
                    dy, dx = ty - cur_y[k], tx - cur_x[k]
                    f = _fraction(dy, dx, cap_y, cap_x)
                    if (dy != 0.0 or dx != 0.0) and f > 0.0:
                        if r < 0:
                            if n_tr == tr_i.shape[0]:
                                raise RuntimeError("more trades than signal runs")
                            r = n_tr
                            n_tr += 1
                            rec[k] = r
                            tr_i[r, 0], tr_i[r, 1], tr_i[r, 2] = k, tdir[k], t
                            tr_i[r, 3], tr_i[r, 4] = -1, _OPEN
                            tr_f[r, 0], tr_f[r, 1], tr_f[r, 2] = 0.0, 0.0, 0.0
                            tr_f[r, 3] = base[k]
                        if f == 1.0:
                            cur_y[k], cur_x[k] = ty, tx
                        else:
                            dy, dx = f * dy, f * dx
                            cur_y[k] += dy
                            cur_x[k] += dx
                        c, v = _charge_trade(tr_f, r, dy, dx, p, t, a, b, rate_y, rate_x, impact,
                                             adv)
                        c_day += c
                        v_day += v
                pnl[t, k] = g - c_day
                cost[t, k] = c_day
                traded[t, k] = v_day
        qy[t] = cur_y
        qx[t] = cur_x
        if t >= n - 1:
            break
        # Decisions at the close of t, executed at t + 1.
        n_cand = 0
        for k in range(n_pairs):
            s = sig[t, k]
            cand[k] = 0
            if s == 0 and tdir[k] == 0:
                blocked[k] = 0
                continue
            if blocked[k] != 0 and s != blocked[k]:
                blocked[k] = 0
            want = 0 if blocked[k] == s else s
            r = rec[k]
            holding = r >= 0 and tdir[k] != 0 and tr_i[r, 1] == tdir[k]
            stopped = False
            if holding and want == tdir[k]:
                loss = -tr_f[r, 0]
                stopped = ((stop_loss > 0.0 and loss > stop_loss * base[k])
                           or (stop_sigma > 0.0 and loss > stop_sigma * sig_s[k] * units[k]))
                if stopped:
                    want = 0
                    blocked[k] = tdir[k]
            if want == tdir[k]:
                continue
            if holding:
                reason[k] = _STOP if stopped else _SIGNAL
            tdir[k] = 0
            if want == 0 or (t < window and (vol_sizing or stop_sigma > 0.0)):
                continue
            a, b = iy[k], ix[k]
            h = hedge[t, k]
            u = max_gross * pair_capital / (p[t, a] + abs(h) * p[t, b])
            if vol_sizing:
                sd = _trailing_std(p, a, b, h, t, window, True) * np.sqrt(ann)
                if sd > 0.0:
                    u = min(u, target_vol * pair_capital / sd)
            cand[k] = want
            cand_u[k] = u
            cand_h[k] = h
            cand_s[k] = _trailing_std(p, a, b, h, t, window, False) if stop_sigma > 0.0 else 0.0
            n_cand += 1
        if n_cand == 0:
            continue
        scale = 1.0
        if port_cap < np.inf:
            held, wanted = 0.0, 0.0
            for k in range(n_pairs):
                a, b = iy[k], ix[k]
                if cand[k] != 0:
                    wanted += cand_u[k] * (p[t, a] + abs(cand_h[k]) * p[t, b])
                elif tdir[k] != 0:
                    h = hedge[t, k] if rehedge else h0[k]
                    held += units[k] * (p[t, a] + abs(h) * p[t, b])
            room = port_cap - held
            if room <= 1e-12 * port_cap:        # full, up to rounding
                scale = 0.0
            elif wanted > room:
                scale = room / wanted
        if scale > 0.0:
            for k in range(n_pairs):
                if cand[k] != 0:
                    a, b = iy[k], ix[k]
                    tdir[k] = cand[k]
                    units[k] = scale * cand_u[k]
                    h0[k] = cand_h[k]
                    sig_s[k] = cand_s[k]
                    base[k] = units[k] * (p[t, a] + abs(h0[k]) * p[t, b])
    return n_tr


# ----------------------------------------------------------------------------- inputs


def _length(name: str, v: object) -> int:
    arr = np.asarray(v)
    if arr.ndim != 1:
        _validate.fail(f"{name}.ndim", arr.ndim, "1 (one price per date)")
    return arr.size


def _floats(name: str, v: object) -> np.ndarray:
    """``v`` as a float array, or the standard ValueError naming ``name``."""
    try:
        return np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        _validate.fail(name, f"<{type(v).__name__}>", "numbers (a scalar, array or Series)")


def _vector(name: str, v: object, n: int) -> np.ndarray:
    arr = _floats(name, v)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape} but the prices have {n} dates: "
                         f"{name} must hold one value per date")
    return arr


def _column(v: object, name: str) -> object:
    """A pair's per-day series as an (n, 1) column, a scalar unchanged."""
    if isinstance(v, pd.Series):
        return v.to_frame(name)
    arr = _floats(name, v)
    return arr if arr.ndim == 0 else arr.reshape(-1, 1)


def _price_frame(prices: object) -> pd.DataFrame:
    if isinstance(prices, pd.DataFrame):
        frame = prices
    else:
        arr = np.asarray(prices, dtype=float)
        if arr.ndim != 2:
            _validate.fail("prices.ndim", arr.ndim, "2 (dates × assets)")
        frame = pd.DataFrame(arr)
    if len(frame) < 2:
        _validate.fail("len(prices)", len(frame), "at least 2 dates")
    if frame.columns.has_duplicates:
        _validate.fail("prices.columns", list(frame.columns), "unique labels")
    idx = frame.index
    if idx.hasnans:
        i = int(np.flatnonzero(idx.isna())[0])
        raise ValueError(f"prices.index has a missing date at row {i}")
    if not idx.is_monotonic_increasing or not idx.is_unique:
        i = int(np.flatnonzero(np.asarray(idx[1:] <= idx[:-1]))[0]) + 1
        raise ValueError(f"prices.index is not strictly increasing: row {i} ({idx[i]}) does not "
                         f"come after row {i - 1} ({idx[i - 1]})")
    return frame


def _check_prices(col: np.ndarray, name: str, index: pd.Index) -> None:
    bad = ~(np.isfinite(col) & (col > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "missing (NaN)" if np.isnan(col[i]) else repr(float(col[i]))
        raise ValueError(f"{name} at row {i} ({index[i]}) is {what}: prices must be finite and "
                         f"> 0 ({int(bad.sum())} bad value(s) in all)")


def _pair_columns(frame: pd.DataFrame, pairs: object) -> tuple[list, list[int], list[int]]:
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        _validate.fail("pairs", pairs, "a sequence of (y, x) column labels")
    cols, iy, ix = [], [], []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or pair[0] == pair[1]:
            _validate.fail("pairs", pair, "(y, x): two different column labels")
        for lab, out in zip(pair, (iy, ix)):
            if lab not in frame.columns:
                _validate.fail("pairs", pair, f"made of columns of prices ({lab!r} is not one)")
            out.append(int(frame.columns.get_loc(lab)))
        cols.append((pair[0], pair[1]))
    return cols, iy, ix


def _aligned(name: str, v: object, index: pd.Index) -> np.ndarray:
    if isinstance(v, (pd.Series, pd.DataFrame)) and not isinstance(index, pd.RangeIndex):
        if len(v.index) == len(index) and not v.index.equals(index):
            i = int(np.flatnonzero(np.asarray(v.index != index))[0])
            raise ValueError(f"{name} is misaligned with the prices: at row {i} it is dated "
                             f"{v.index[i]} but the prices {index[i]}")
    return _floats(name, v)


def _signals(signals: object, n: int, n_pairs: int, index: pd.Index) -> np.ndarray:
    arr = _aligned("signals", signals, index)
    if arr.ndim == 1 and n_pairs == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape != (n, n_pairs):
        raise ValueError(f"signals has shape {arr.shape} but must be (n_days, n_pairs) = "
                         f"({n}, {n_pairs}): one signal per date and pair")
    bad = ~np.isin(arr, (-1.0, 0.0, 1.0))
    if bad.any():
        i, k = np.argwhere(bad)[0]
        raise ValueError(f"signals[{i}, {k}] ({index[i]}) is {float(arr[i, k])!r}: signals must be "
                         "-1, 0 or +1")
    return np.ascontiguousarray(arr.astype(np.int64))


def _hedges(hedges: object, n: int, n_pairs: int, index: pd.Index) -> np.ndarray:
    arr = _aligned("hedges", hedges, index)
    if arr.ndim == 0 or arr.shape == (n_pairs,):
        arr = np.broadcast_to(arr, (n, n_pairs))
    elif arr.ndim == 1 and n_pairs == 1 and arr.size == n:
        arr = arr.reshape(-1, 1)
    if arr.shape != (n, n_pairs):
        raise ValueError(f"hedges has shape {arr.shape} but must be a scalar, ({n_pairs},) or "
                         f"({n}, {n_pairs}): one hedge ratio per pair, or per date and pair")
    if not np.isfinite(arr).all():
        i, k = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"hedges[{i}, {k}] ({index[i]}) is {float(arr[i, k])!r}: hedge ratios "
                         "must be finite")
    return np.ascontiguousarray(arr, dtype=float)


def _asset_table(name: str, v: object, frame: pd.DataFrame, used: list[int], *,
                 allow_nan: bool) -> np.ndarray:
    """A per-date, per-asset table like the prices; only the ``used`` columns are checked."""
    if isinstance(v, pd.DataFrame):
        if not v.columns.equals(frame.columns):
            raise ValueError(f"{name} has columns {list(v.columns)} but the prices have "
                             f"{list(frame.columns)}: they must match")
    arr = _aligned(name, v, frame.index).copy()
    if arr.shape != frame.shape:
        raise ValueError(f"{name} has shape {arr.shape} but the prices have {frame.shape}: "
                         f"{name} must hold one value per date and asset")
    bad = np.zeros(arr.shape, dtype=bool)
    bad[:, used] = (arr[:, used] < 0) | np.isinf(arr[:, used]) | (
        np.isnan(arr[:, used]) & (not allow_nan))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name}[{frame.columns[j]!r}] at row {i} ({frame.index[i]}) is "
                         f"{float(arr[i, j])!r}: {name} must be finite and >= 0"
                         + (" (NaN where unknown)" if allow_nan else ""))
    return arr


def _trade_table(ti: np.ndarray, tf: np.ndarray, cols: list, index: pd.Index) -> pd.DataFrame:
    exit_ok = ti[:, 3] >= 0
    exit_dates = np.where(exit_ok, ti[:, 3], 0)
    gross, cost, traded, entry_gross = tf.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_bps = np.where(traded > 0, cost / traded * 1e4, np.nan)
        ret = (gross - cost) / entry_gross
    return pd.DataFrame({
        "pair": ti[:, 0],
        "y": np.array([c[0] for c in cols] or [None], dtype=object)[ti[:, 0]],
        "x": np.array([c[1] for c in cols] or [None], dtype=object)[ti[:, 0]],
        "direction": ti[:, 1],
        "entry": ti[:, 2],
        "exit": ti[:, 3],
        "entry_date": index[ti[:, 2]] if len(ti) else index[:0],
        "exit_date": pd.Series(index[exit_dates] if len(ti) else index[:0]).where(exit_ok).values,
        "gross_pnl": gross,
        "cost": cost,
        "pnl": gross - cost,
        "traded_notional": traded,
        "entry_gross": entry_gross,
        "return": ret,
        "cost_bps": cost_bps,
        "exit_reason": pd.Categorical.from_codes(ti[:, 4], categories=EXIT_REASONS),
    })
