"""Walk-forward (rolling out-of-sample) evaluation of a pairs rule, as in Gatev, Goetzmann &
Rouwenhorst (2006).

A :class:`PairRule` is what a pairs strategy decides: which pairs to trade (``select``, on a
formation window) and when and how to hold them (``signal``). :func:`walk_forward` rolls the
formation and trading windows and backtests the rule's decisions out of sample.

Windows (units: rows of the price table, i.e. trading days). Window w forms pairs on the
``formation`` days starting at row ``w·step`` (default 252, twelve months) and trades them on the
next ``trading`` days (default 126, six months); the last trading window may be shorter. With
the default ``step = trading`` the trading windows do not overlap and tile the sample after the
first formation period. A smaller ``step`` runs Gatev's overlapping portfolios (they start one
every month, ``step = 21``, so six are active at once): the out-of-sample return of a day is
the average of the returns of the portfolios trading that day.

Per window:

1. *Eligible* assets are those with a finite price > 0 on every formation day (a stock that is
   not listed yet is left out, without looking at the trading window).
2. ``rule.select(formation_prices)`` picks pairs ``(y, x)`` among the eligible assets from
   the formation window only.
3. ``rule.signal(y, x, start)`` gets the pair's prices from the first formation day to the
   last trading day and ``start``, the position of the first trading day, and returns the
   desired position for each trading day and the hedge ratio (shares of x per share of y; a
   scalar or one per trading day). The signal of a day may use prices up to that day only: the
   walk-forward cannot check this, the tests of each rule do.
4. The pairs are backtested together (:func:`mslab.pairs.backtest.backtest_portfolio`) on the
   formation and trading days, flat during formation (which only serves as history for
   trailing estimates), every pair getting ``capital / n_pairs``. Positions open at the end of
   the trading window are closed at its last close. Only trading days enter the results.

A window with no selected pair earns 0 (its capital stays uninvested).

Per-pair returns (``pair_returns``, one column ``"y/x"`` per pair ever selected): the daily net
P&L of the pair over its own committed capital (``capital / n_pairs`` of its window), NaN on
days the pair is not being traded. With non-overlapping windows the equal-weighted mean of a
window's pairs is the walk-forward return of that window; with overlapping portfolios a pair
traded by several portfolios on a day gets the mean of its returns in them. These are the
strategy returns that :mod:`mslab.pairs.allocation` allocates capital across.

:func:`summary_table` tabulates several walk-forward runs (performance, bootstrap p-value,
break-even cost) for a results table. :func:`memoised` wraps a rule so that its selection is computed once per formation window (the
selection never depends on costs or execution, so re-running the walk-forward with other costs
need not repeat an Engle–Granger scan).

Ready-made rules (built on :mod:`mslab.pairs.selection`, :mod:`mslab.pairs.hedge` and
:mod:`mslab.pairs.meanrev`):

:func:`gatev_rule`              the distance method with Gatev et al.'s rules: the ``top_n``
                                pairs with the smallest sum of squared differences of
                                normalised formation prices; in trading, the difference of the
                                two prices normalised to 1 on the first trading day, in units
                                of the formation spread's standard deviation, opens a position
                                beyond ±``threshold`` (2) and closes it when the prices cross
                                (0). Dollar-neutral at entry: hedge ``y_t/x_t`` shares, frozen
                                for the trade ($1 long, $1 short per $1 of y).
:func:`cointegration_rule`      Engle–Granger on formation log prices (Benjamini–Hochberg at
                                ``alpha`` over all candidate pairs by default, the ``top_n``
                                smallest p-values); hedge β from OLS of log y on log x over
                                formation (dollars of x per dollar of y, converted to shares
                                at entry);
                                Avellaneda–Lee s-score of the log spread from a rolling OU fit
                                (``window`` days, reaching back into formation), with their
                                thresholds: open long below −1.25, close above −0.50, open
                                short above +1.25, close below +0.75.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from mslab import _validate
from mslab import performance as perf
from mslab.pairs.backtest import Execution, Risk, backtest_portfolio, holding_days, share_hedge
from mslab.pairs.hedge import ols_hedge
from mslab.pairs.holdings import with_breakeven
from mslab.pairs.meanrev import rolling_sscore, score_positions
from mslab.pairs.selection import adjust_pvalues, distance_pairs, engle_granger_pairs

SelectFn = Callable[[pd.DataFrame], Sequence[tuple[str, str]]]
SignalFn = Callable[[pd.Series, pd.Series, int], tuple[object, object]]


@dataclass(frozen=True)
class PairRule:
    """A pairs rule for :func:`walk_forward` (module docstring).

    Attributes
    ----------
    select : collections.abc.Callable
        ``select(formation_prices) -> [(y, x), ...]``: the pairs to trade, chosen from the
        formation window's prices (a price table of the eligible assets) only.
    signal : collections.abc.Callable
        ``signal(y_prices, x_prices, start) -> (signals, hedge)``: the desired position in
        {−1, 0, +1} for each trading day (from row ``start`` of the pair's prices on) and the
        hedge ratio in shares of x per share of y (a scalar or one per trading day).
    name : str
        The rule's label in results.
    """

    select: SelectFn
    signal: SignalFn
    name: str = "rule"


@dataclass(frozen=True)
class WalkForwardResult:
    """Out-of-sample results of :func:`walk_forward`.

    Attributes
    ----------
    rule : str
        The rule's name.
    returns : pandas.Series
        Daily out-of-sample net return on ``capital`` (the mean over the portfolios trading a
        day when windows overlap).
    turnover : pandas.Series
        Daily traded notional over capital.
    windows : pandas.DataFrame
        One row per window: ``window``, ``formation_start``, ``formation_end``,
        ``trading_start``, ``trading_end``, ``n_eligible``, ``n_pairs``, ``pairs``, ``return``
        (sum of the window's daily returns), ``sharpe`` (annualised) and ``n_trades``.
    trades : pandas.DataFrame
        Every trade, columns as in :class:`mslab.pairs.backtest.PairBacktestResult` plus
        ``window``; ``entry``/``exit`` are rows of ``prices``, ``pair`` the pair's position in
        its window's selection.
    params : dict
        The settings of the run (windows, execution, risk, capital, ...).
    per_pair : tuple
        Per window with pairs: (first trading row in ``dates``, pair labels, daily returns of
        each pair on its own capital); the source of :attr:`pair_returns`.
    dates : pandas.Index or None
        The dates of ``prices``.
    daily : tuple or None
        (rows, returns, turnover, window) of every trading day of every window, used by
        :meth:`at_cost`.
    pair_turnover : tuple
        Per window with pairs, each pair's daily traded notional over its own capital.
    """

    rule: str
    returns: pd.Series
    turnover: pd.Series
    windows: pd.DataFrame
    trades: pd.DataFrame
    params: dict[str, object] = field(default_factory=dict)
    per_pair: tuple[tuple[int, tuple[str, ...], np.ndarray], ...] = field(default=(), repr=False)
    dates: pd.Index | None = field(default=None, repr=False)
    daily: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(default=None,
                                                                              repr=False)
    pair_turnover: tuple[np.ndarray, ...] = field(default=(), repr=False)

    def at_cost(self, half_spread_bps: float) -> WalkForwardResult:
        """The same walk-forward at a flat half spread of ``half_spread_bps`` per leg.

        The trades do not depend on the costs (flat rates per leg), so each day's net return is
        this run's minus the change of cost × traded notional / capital, and each trade's cost,
        P&L and return change likewise. Equal to a direct run at that cost to rounding
        (tested).

        Parameters
        ----------
        half_spread_bps : float
            The new half spread, bps of traded notional per leg, ≥ 0 (replaces
            ``execution.half_spread_bps``; the other costs are kept).

        Returns
        -------
        WalkForwardResult
            The run at the new cost.

        Raises
        ------
        ValueError
            If ``half_spread_bps`` < 0, or this result is not from :func:`walk_forward` with flat
            costs (it was given a ``half_spread_bps`` table).
        """
        new = _validate.nonnegative("half_spread_bps", half_spread_bps)
        execution = self.params.get("execution")
        if self.daily is None or not isinstance(execution, Execution) \
                or self.params.get("half_spread_table"):
            raise ValueError("at_cost needs a walk_forward result with flat costs (no "
                             "half_spread_bps table)")
        delta = (new - execution.half_spread_bps) * 1e-4
        days, rets, turn, window = self.daily
        rets = rets - delta * turn
        by_day = pd.DataFrame({"returns": rets, "turnover": turn},
                              index=self.dates[days]).groupby(level=0, sort=True).mean()
        by_day.index.name = self.dates.name
        windows = self.windows.copy()
        ends = np.flatnonzero(np.r_[window[1:] != window[:-1], True]) + 1
        parts = np.split(rets, ends[:-1])
        windows["return"] = [float(part.sum()) for part in parts]
        windows["sharpe"] = [perf.sharpe_ratio(part) for part in parts]
        trades = self.trades.copy()
        trades["cost"] = trades["cost"] + delta * trades["traded_notional"]
        trades["pnl"] = trades["gross_pnl"] - trades["cost"]
        with np.errstate(divide="ignore", invalid="ignore"):
            trades["return"] = trades["pnl"] / trades["entry_gross"]
            trades["cost_bps"] = np.where(trades["traded_notional"] > 0,
                                          trades["cost"] / trades["traded_notional"] * 1e4, np.nan)
        per_pair = tuple((t0, labs, r - delta * v)
                         for (t0, labs, r), v in zip(self.per_pair, self.pair_turnover))
        params = dict(self.params, execution=dataclasses.replace(execution,
                                                                 half_spread_bps=new))
        return dataclasses.replace(
            self, returns=by_day["returns"].rename("returns"),
            turnover=by_day["turnover"].rename("turnover"), windows=windows, trades=trades,
            params=params, per_pair=per_pair, daily=(days, rets, turn, window))

    @cached_property
    def pair_returns(self) -> pd.DataFrame:
        """Daily returns of each pair on its own capital (module docstring).

        Built on first use from ``per_pair``.

        Returns
        -------
        pandas.DataFrame
            The dates of :attr:`returns` × one column ``"y/x"`` per pair ever selected: the pair's
            net P&L over ``capital / n_pairs`` of its window (the mean over the windows trading it
            on a day), NaN on days it is not traded.
        """
        return _pair_returns(self.per_pair, self.dates, self.returns.index)

    def performance(self, periods_per_year: int = 252) -> perf.Performance:
        """:func:`mslab.performance.performance` of the out-of-sample returns and trades.

        Parameters
        ----------
        periods_per_year : int
            Periods per year used to annualise (252 for daily returns).

        Returns
        -------
        mslab.performance.Performance
            The metrics of :attr:`returns` with :attr:`turnover` and :attr:`trades`.
        """
        return perf.performance(self.returns, turnover=self.turnover, trades=self.trades,
                                periods_per_year=periods_per_year)

    def sharpe_test(self, **kwargs: object) -> perf.SharpeTest:
        """Out-of-sample Sharpe ratio and its bootstrap p-value.

        Parameters
        ----------
        **kwargs
            Keyword arguments of :func:`mslab.performance.sharpe_pvalue` (``n_boot``, ``seed``,
            ``block_length``, ``periods_per_year``).

        Returns
        -------
        mslab.performance.SharpeTest
            The Sharpe ratio of :attr:`returns` and its p-value under H0: Sharpe ≤ 0.
        """
        return perf.sharpe_pvalue(self.returns, **kwargs)

    @property
    def holding_days(self) -> float:
        """Mean holding period of a trade (rows of ``prices`` from entry to exit;
        :func:`mslab.pairs.backtest.holding_days`)."""
        return holding_days(self.trades)


def window_lengths(n_days: int, formation: object, trading: object, step: object, *,
                   min_formation: int = 2) -> tuple[int, int, int]:
    """The validated ``(formation, trading, step)`` of a walk-forward over ``n_days`` days.

    Parameters
    ----------
    n_days : int
        Length of the sample (rows).
    formation : int
        Formation window (days), at least ``min_formation`` and at most ``n_days`` − 2.
    trading : int
        Trading window (days), ≥ 2.
    step : int or None
        Days between window starts, ≥ 1; None for ``trading`` (windows that tile the sample).
    min_formation : int
        Least formation window allowed.

    Returns
    -------
    tuple
        ``(formation, trading, step)`` as ints.

    Raises
    ------
    ValueError
        If a length is out of range.
    """
    formation = _validate.integer("formation", formation, low=min_formation)
    trading = _validate.integer("trading", trading, low=2)
    step = trading if step is None else _validate.integer("step", step, low=1)
    if n_days < formation + 2:
        _validate.fail("formation", formation, f"at most len(prices) - 2 = {n_days - 2}")
    return formation, trading, step


def walk_forward(prices: pd.DataFrame, rule: PairRule, *, formation: int = 252,
                 trading: int = 126, step: int | None = None, volumes: pd.DataFrame | None = None,
                 half_spread_bps: pd.DataFrame | None = None,
                 execution: Execution = Execution(), risk: Risk = Risk(),
                 capital: float = 1.0, max_portfolio_gross: float | None = None,
                 rehedge: bool = False) -> WalkForwardResult:
    """Run ``rule`` window by window over ``prices`` and collect the out-of-sample results.

    See the module docstring for the windows, eligibility and backtest.

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices ($), dates × assets, strictly increasing dates; NaN allowed where an asset is not
        listed (it is then not eligible in that formation window).
    rule : PairRule
        What to select and how to trade it.
    formation : int
        Formation window (days), from 2 to ``len(prices)`` − 2 (default 252).
    trading : int
        Trading window (days), ≥ 2 (default 126).
    step : int or None
        Days between window starts, ≥ 1; None (default) for ``trading``.
    volumes : pandas.DataFrame or None
        Daily volumes (shares) with the dates and columns of ``prices``; None for unknown.
    half_spread_bps : pandas.DataFrame or None
        Half spreads (bps) with the dates and columns of ``prices``; None for
        ``execution.half_spread_bps``.
    execution : Execution
        Costs and participation cap.
    risk : Risk
        Sizing and stops.
    capital : float
        Capital ($) of each window's portfolio, shared equally by its pairs.
    max_portfolio_gross : float or None
        Cap on a window's total gross exposure, multiple of ``capital``; None for no cap.
    rehedge : bool
        Re-hedge daily to the latest hedge ratio (default False: frozen at entry).

    Returns
    -------
    WalkForwardResult
        Daily returns and turnover, windows, trades and per-pair returns.

    Raises
    ------
    ValueError
        If ``rule`` is not a :class:`PairRule`, ``prices`` is not a DataFrame, a window length is
        out of range, ``volumes`` or ``half_spread_bps`` does not match ``prices``, the rule
        returns pairs or signals of the wrong form, or as
        :func:`mslab.pairs.backtest.backtest_portfolio`.
    """
    if not isinstance(rule, PairRule):
        _validate.fail("rule", rule, "a PairRule(select, signal)")
    if not isinstance(prices, pd.DataFrame):
        _validate.fail("prices", type(prices).__name__, "a pandas DataFrame (dates × assets)")
    formation, trading, step = window_lengths(len(prices), formation, trading, step)
    n = len(prices)
    for name, table in (("volumes", volumes), ("half_spread_bps", half_spread_bps)):
        if table is not None and (not isinstance(table, pd.DataFrame)
                                  or not table.index.equals(prices.index)
                                  or not table.columns.equals(prices.columns)):
            raise ValueError(f"{name} must be a DataFrame with the dates and columns of prices")
    values = prices.to_numpy(dtype=float)

    rows, trades, daily, per_pair, pair_turnover = [], [], [], [], []
    for w, f0 in enumerate(range(0, n - formation - 1, step)):
        t0, t1 = f0 + formation, min(f0 + formation + trading, n)
        form = values[f0:t0]
        eligible = prices.columns[(np.isfinite(form) & (form > 0)).all(axis=0)]
        pairs = _checked_pairs(rule.select(prices.iloc[f0:t0][eligible]), eligible)
        hist = prices.iloc[f0:t1]
        rets = np.zeros(t1 - t0)
        turn = np.zeros(t1 - t0)
        n_trades = 0
        if pairs:
            signals, hedges = _window_signals(rule, hist, pairs, formation)
            sub = list(dict.fromkeys(a for pair in pairs for a in pair))
            bt = backtest_portfolio(
                hist[sub], pairs, signals, hedges,
                volumes=None if volumes is None else volumes.iloc[f0:t1][sub],
                half_spread_bps=None if half_spread_bps is None
                else half_spread_bps.iloc[f0:t1][sub],
                execution=execution, risk=risk, capital=capital,
                max_portfolio_gross=max_portfolio_gross, rehedge=rehedge, close_at_end=True)
            rets = bt.pair_pnl[formation:].sum(axis=1) / bt.capital
            turn = bt.pair_traded[formation:].sum(axis=1) / bt.capital
            per_pair.append((t0, tuple(f"{y}/{x}" for y, x in pairs),
                             bt.pair_pnl[formation:] * (len(pairs) / capital)))
            pair_turnover.append(bt.pair_traded[formation:] * (len(pairs) / capital))
            tr = bt.trades.assign(window=w)
            tr["entry"] += f0
            tr.loc[tr["exit"] >= 0, "exit"] += f0
            n_trades = len(tr)
            trades.append(tr)
        daily.append((np.arange(t0, t1), rets, turn, np.full(t1 - t0, w)))
        rows.append({
            "window": w, "formation_start": prices.index[f0],
            "formation_end": prices.index[t0 - 1], "trading_start": prices.index[t0],
            "trading_end": prices.index[t1 - 1], "n_eligible": len(eligible),
            "n_pairs": len(pairs), "pairs": tuple(pairs), "return": float(rets.sum()),
            "sharpe": perf.sharpe_ratio(rets),
            "n_trades": n_trades})

    # one groupby over every window's days (windows overlap when step < trading)
    days, day_rets, day_turn, day_window = (np.concatenate(parts) for parts in zip(*daily))
    by_day = (pd.DataFrame({"returns": day_rets, "turnover": day_turn},
                           index=prices.index[days]).groupby(level=0, sort=True).mean())
    by_day.index.name = prices.index.name
    all_trades = pd.concat(trades, ignore_index=True) if trades else _empty_trades()
    return WalkForwardResult(
        rule=rule.name, returns=by_day["returns"].rename("returns"),
        turnover=by_day["turnover"].rename("turnover"), windows=pd.DataFrame(rows),
        trades=all_trades,
        params=dict(formation=formation, trading=trading, step=step, execution=execution,
                    risk=risk, capital=capital, max_portfolio_gross=max_portfolio_gross,
                    rehedge=rehedge, half_spread_table=half_spread_bps is not None),
        per_pair=tuple(per_pair), dates=prices.index,
        daily=(days, day_rets, day_turn, day_window), pair_turnover=tuple(pair_turnover))


SUMMARY_COLUMNS = ("strategy", "costs", "annual_return", "volatility", "sharpe", "sharpe_se",
                   "sortino", "max_dd", "calmar", "turnover", "n_trades", "hit", "cost_bps",
                   "pairs", "empty", "holding", "p_value", "breakeven_bps")


def summary_table(runs: Mapping[tuple[str, float], WalkForwardResult], *, n_boot: int = 999,
                  seed: int = 0, periods_per_year: int = 252) -> pd.DataFrame:
    """One tidy row per walk-forward run, in the order of ``runs``.

    Parameters
    ----------
    runs : dict
        Non-empty mapping (strategy label, cost in bps per leg ≥ 0) -> WalkForwardResult.
    n_boot : int
        Stationary-bootstrap resamples of the Sharpe-ratio test.
    seed : int
        Seed of the bootstrap.
    periods_per_year : int
        Periods per year used to annualise (252 for daily returns).

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``costs``; the :class:`mslab.performance.Performance` of the
        out-of-sample returns (``annual_return``, ``volatility``, ``sharpe`` and its standard
        error ``sharpe_se``, ``sortino``, ``max_dd``, ``calmar``, ``turnover``, ``n_trades``,
        ``hit`` rate, ``cost_bps``), the mean number of ``pairs`` per window and the share of
        windows with none (``empty``), the mean ``holding`` period (days), the
        stationary-bootstrap ``p_value`` of H0: Sharpe ≤ 0 and ``breakeven_bps``, the cost per
        leg that cancels the strategy's gross return (from its run at cost 0, NaN if there is
        none).

    Raises
    ------
    ValueError
        If ``runs`` is not such a mapping, or a cost is negative.
    """
    if not isinstance(runs, Mapping) or not runs:
        _validate.fail("runs", runs, "a non-empty mapping (label, cost) -> WalkForwardResult")
    rows = []
    for key, wf in runs.items():
        if (not isinstance(key, tuple) or len(key) != 2 or not isinstance(key[0], str)
                or not isinstance(wf, WalkForwardResult)):
            _validate.fail("runs", key, "keys (label, cost) mapped to WalkForwardResult")
        label, cost = key[0], _validate.nonnegative("cost", key[1])
        p = wf.performance(periods_per_year)
        rows.append(dict(
            strategy=label, costs=cost, annual_return=p.annual_return,
            volatility=p.annual_volatility, sharpe=p.sharpe, sharpe_se=p.sharpe_se,
            sortino=p.sortino, max_dd=p.max_drawdown, calmar=p.calmar, turnover=p.turnover,
            n_trades=p.n_trades, hit=p.hit_rate, cost_bps=p.avg_cost_bps,
            pairs=float(wf.windows["n_pairs"].mean()),
            empty=float((wf.windows["n_pairs"] == 0).mean()), holding=wf.holding_days,
            p_value=wf.sharpe_test(n_boot=n_boot, seed=seed,
                                   periods_per_year=periods_per_year).p_value))
    return with_breakeven(pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-1]))


def memoised(rule: PairRule) -> PairRule:
    """The same rule, remembering its selection for each formation window (keyed by the
    window's first and last date and its eligible assets) and its signals for each pair and
    window (keyed by the pair, the window's first and last date and ``start``), so that
    walk-forwards of one rule under other costs or execution settings, or with windows that
    recur (overlapping portfolios, shifted phases), select and compute signals once. The memo
    lives as long as the returned rule: it is never stale across runs of a chapter, and it
    assumes the prices of a date do not change while it lives.

    Parameters
    ----------
    rule : PairRule
        The rule to wrap.

    Returns
    -------
    PairRule
        A rule with the same name, selections and signals.

    Raises
    ------
    ValueError
        If ``rule`` is not a :class:`PairRule`.
    """
    if not isinstance(rule, PairRule):
        _validate.fail("rule", rule, "a PairRule(select, signal)")
    memo: dict[tuple[object, object, tuple[object, ...]], list[tuple[str, str]]] = {}
    signals: dict[tuple[object, ...], tuple[object, object]] = {}

    def select(formation: pd.DataFrame) -> list[tuple[str, str]]:
        key = (formation.index[0], formation.index[-1], tuple(formation.columns))
        if key not in memo:
            memo[key] = list(rule.select(formation))
        return list(memo[key])

    def signal(y: pd.Series, x: pd.Series, start: int) -> tuple[object, object]:
        key = (y.name, x.name, y.index[0], y.index[-1], len(y), start)
        if key not in signals:
            signals[key] = rule.signal(y, x, start)
        return signals[key]

    return PairRule(select, signal, rule.name)


def gatev_rule(top_n: int | None = 20, threshold: float = 2.0) -> PairRule:
    """Gatev, Goetzmann & Rouwenhorst's distance method (module docstring).

    Parameters
    ----------
    top_n : int or None
        Number of closest pairs selected per formation window, ≥ 1; None trades every pair.
    threshold : float
        Opening level, > 0, in formation standard deviations of the normalised-price spread
        (Gatev et al.: 2); positions close when the normalised prices cross.

    Returns
    -------
    PairRule
        The rule, named "distance (Gatev), top N".

    Raises
    ------
    ValueError
        If ``top_n`` < 1 or ``threshold`` ≤ 0.
    """
    if top_n is not None:
        top_n = _validate.integer("top_n", top_n, low=1)
    threshold = _validate.positive("threshold", threshold)

    # Formation spread std of each selected pair, keyed by (y, x, first formation date), so
    # that signal() need not rank the pair again; computed afresh if missing.
    spread_std: dict[tuple[object, object, pd.Timestamp], float] = {}

    def select(formation: pd.DataFrame) -> list[tuple[str, str]]:
        if formation.shape[1] < 2:
            return []
        table = distance_pairs(formation, top_n=top_n)
        pairs = list(zip(table["asset1"], table["asset2"]))
        for pair, sd in zip(pairs, table["spread_std"]):
            spread_std[(*pair, formation.index[0])] = float(sd)
        return pairs

    def signal(y: pd.Series, x: pd.Series, start: int) -> tuple[pd.Series, np.ndarray]:
        key = (y.name, x.name, y.index[0])
        if key not in spread_std:
            table = distance_pairs(pd.concat([y.iloc[:start], x.iloc[:start]], axis=1))
            spread_std[key] = float(table["spread_std"].iloc[0])
        ty, tx = y.to_numpy()[start:], x.to_numpy()[start:]
        z = pd.Series((ty / ty[0] - tx / tx[0]) / spread_std[key], index=y.index[start:])
        pos = score_positions(z, open_long=-threshold, close_long=0.0, open_short=threshold,
                              close_short=0.0)
        return pos, ty / tx

    return PairRule(select, signal, name=f"distance (Gatev), top {top_n or 'all'}")


def cointegration_rule(alpha: float = 0.05, top_n: int | None = 20,
                           correction: str = "fdr_bh", lags: int | None = 1, window: int = 60,
                           min_kappa: float = 1.0 / 30.0,
                           thresholds: tuple[float, float, float, float] = (-1.25, -0.50, 1.25,
                                                                             0.75)) -> PairRule:
    """Engle–Granger selection and Avellaneda–Lee s-score trading (module docstring).

    Parameters
    ----------
    alpha : float
        Significance level in (0, 1) of the Engle–Granger tests.
    top_n : int or None
        Most pairs traded per window (smallest p-values first), ≥ 1; None for all selected.
    correction : str
        The multiple-testing decision of :func:`mslab.pairs.adjust_pvalues`: ``"fdr_bh"``
        (default), ``"bonferroni"`` or ``"raw"``.
    lags : int or None
        ADF lags of the test (default 1; None: chosen by AIC, much slower); checked when the
        rule first selects.
    window : int
        Days of the rolling OU fit of the s-score, ≥ 4.
    min_kappa : float
        Least mean-reversion speed κ (per day, ≥ 0) for an entry; checked when the rule
        first trades.
    thresholds : tuple
        The s-score levels (open long, close long, open short, close short), with open long <
        close long and close short < open short; Avellaneda and Lee's by default.

    Returns
    -------
    PairRule
        The rule, named "cointegration (correction) + s-score, top N".

    Raises
    ------
    ValueError
        If ``alpha``, ``thresholds``, ``correction``, ``top_n`` or ``window`` is not allowed.
    """
    alpha = _validate.real("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)
    levels = _validate.real_array("thresholds", thresholds)
    if levels.shape != (4,) or not (levels[0] < levels[1] and levels[3] < levels[2]):
        _validate.fail("thresholds", thresholds, "four numbers (open long, close long, open "
                       "short, close short) with open long < close long and close short < "
                       "open short")
    open_long, close_long, open_short, close_short = (float(v) for v in levels)
    correction = _validate.choice("correction", correction, ("fdr_bh", "bonferroni", "raw"))
    if top_n is not None:
        top_n = _validate.integer("top_n", top_n, low=1)
    window = _validate.integer("window", window, low=4)

    def select(formation: pd.DataFrame) -> list[tuple[str, str]]:
        if formation.shape[1] < 2:
            return []
        table = adjust_pvalues(engle_granger_pairs(formation, lags=lags), alpha=alpha)
        table = table[table[f"reject_{correction}"]].sort_values("pvalue", kind="stable")
        return list(zip(table["asset1"], table["asset2"]))[:top_n]

    def signal(y: pd.Series, x: pd.Series, start: int) -> tuple[pd.Series, np.ndarray]:
        ly, lx = np.log(y), np.log(x)
        beta = ols_hedge(ly.iloc[:start], lx.iloc[:start]).beta
        score = rolling_sscore(ly - beta * lx, window=window, min_kappa=min_kappa)
        pos = score_positions(score["sscore"], score["tradable"], open_long=open_long,
                              close_long=close_long, open_short=open_short,
                              close_short=close_short)
        return pos.iloc[start:], share_hedge(beta, y, x)[start:]

    return PairRule(select, signal,
                    name=f"cointegration ({correction}) + s-score, top {top_n or 'all'}")


def _checked_pairs(pairs: object, eligible: pd.Index) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        if (not isinstance(pair, (tuple, list)) or len(pair) != 2 or pair[0] == pair[1]
                or pair[0] not in eligible or pair[1] not in eligible):
            raise ValueError(f"rule.select returned {pair!r}: pairs must be (y, x) with two "
                             f"different eligible assets ({', '.join(map(str, eligible))})")
        out.append((pair[0], pair[1]))
    return out


def _window_signals(rule: PairRule, hist: pd.DataFrame, pairs: list[tuple[str, str]],
                    start: int) -> tuple[np.ndarray, np.ndarray]:
    """Signals and hedges over the window (flat during formation) from rule.signal."""
    n, n_trade = len(hist), len(hist) - start
    signals = np.zeros((n, len(pairs)))
    hedges = np.zeros((n, len(pairs)))
    columns = {a: hist[a] for a in dict.fromkeys(a for pair in pairs for a in pair)}
    for k, (y, x) in enumerate(pairs):
        sig, hedge = rule.signal(columns[y], columns[x], start)
        sig = np.asarray(sig, dtype=float)
        hedge = np.asarray(hedge, dtype=float)
        if sig.shape != (n_trade,) or hedge.shape not in ((), (n_trade,)):
            raise ValueError(f"rule.signal for pair ({y!r}, {x!r}) returned signals of "
                             f"shape {sig.shape} and hedge of shape {hedge.shape}: both must "
                             f"have one value per trading day ({n_trade},), or a scalar hedge")
        signals[start:, k] = sig
        hedges[start:, k] = hedge
        hedges[:start, k] = hedge if hedge.ndim == 0 else hedge[0]
    return signals, hedges


def _pair_returns(per_pair: Sequence[tuple[int, Sequence[str], np.ndarray]], dates: pd.Index,
                  days: pd.Index) -> pd.DataFrame:
    """Daily returns of each pair on its own capital (dates ``days``, NaN while not traded;
    the mean over the windows trading a pair on a day), from (first row in ``dates``, pair
    labels, returns) of each window."""
    labels = list(dict.fromkeys(lab for _, labs, _ in per_pair for lab in labs))
    col = {lab: j for j, lab in enumerate(labels)}
    total = np.zeros((len(dates), len(labels)))
    count = np.zeros((len(dates), len(labels)))
    for t0, labs, rets in per_pair:
        cols = [col[lab] for lab in labs]
        total[t0:t0 + len(rets), cols] += rets
        count[t0:t0 + len(rets), cols] += 1.0
    with np.errstate(invalid="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1.0), np.nan)
    rows = dates.get_indexer(days)
    return pd.DataFrame(mean[rows], index=days, columns=pd.Index(labels, dtype=object))


def _empty_trades() -> pd.DataFrame:
    return pd.DataFrame(columns=["pair", "y", "x", "direction", "entry", "exit", "entry_date",
                                 "exit_date", "gross_pnl", "cost", "pnl", "traded_notional",
                                 "entry_gross", "return", "cost_bps", "exit_reason", "window"])
