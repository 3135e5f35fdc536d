"""Daily backtest of target dollar holdings, for strategies that are not two-leg pairs (a stock
against factor portfolios, a basket of stocks weighted by a cointegrating vector).

Model (units: holdings in $ per $1 of the strategy's capital, returns per day, costs in bps of
traded notional). A strategy k decides at the close of day t its target holdings
``targets[t, k, :]`` in every asset, from data of days ≤ t. As in
:mod:`mslab.pairs.backtest`, the decision is executed at the close of t + 1 and earns from
t + 2 on:

* between trades the holdings drift with prices: h ← h·(1 + r_t), r_t = p_t/p_{t−1} − 1;
* at the close of t + 1 the strategy trades to its target if the target changed since the last
  decision (a new position, or a re-estimated hedge); otherwise it keeps its drifted holdings
  (a basket trade holds its shares);
* the P&L of day t is Σ_i h_i,t−1·r_i,t − cost_t with cost_t = ``cost_bps``·1e−4·Σ_i |Δh_i,t|,
  the traded notional of the day's trades, all assets charged alike (the chapter's one-way cost
  per leg);
* returns are P&L over a fixed capital of 1 (no reinvestment), like the pairs backtest.

A NaN target is not allowed; use 0 for "no position".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab import performance as perf
from mslab.pairs.data import check_prices


@dataclass(frozen=True)
class HoldingsResult:
    """Daily results of :func:`backtest_holdings`, one column per strategy (dates × strategies).

    Attributes
    ----------
    returns : pandas.DataFrame
        Net daily return (P&L after costs over a capital of 1).
    gross : pandas.DataFrame
        Daily return before costs.
    costs : pandas.DataFrame
        Daily costs, as a return (``cost_bps``·1e−4 × traded notional).
    turnover : pandas.DataFrame
        Daily traded notional over capital.
    gross_exposure : pandas.DataFrame
        Σ|h_i| after each day's trades ($ per $1 of capital).
    """

    returns: pd.DataFrame
    gross: pd.DataFrame
    costs: pd.DataFrame
    turnover: pd.DataFrame
    gross_exposure: pd.DataFrame


@njit(cache=True)
def _simulate_holdings(p, targets, rate, ret, cost, traded, expo):
    n, n_strat, n_assets = targets.shape
    for k in range(n_strat):
        h = np.zeros(n_assets)
        for t in range(n):
            pnl = 0.0
            if t > 0:
                for i in range(n_assets):
                    r = p[t, i] / p[t - 1, i] - 1.0
                    pnl += h[i] * r
                    h[i] *= 1.0 + r
            turn = 0.0
            if t > 1:
                changed = False
                for i in range(n_assets):
                    if targets[t - 1, k, i] != targets[t - 2, k, i]:
                        changed = True
                        break
                if changed:
                    for i in range(n_assets):
                        turn += abs(targets[t - 1, k, i] - h[i])
                        h[i] = targets[t - 1, k, i]
            elif t == 1:
                for i in range(n_assets):
                    turn += abs(targets[0, k, i] - h[i])
                    h[i] = targets[0, k, i]
            g = 0.0
            for i in range(n_assets):
                g += abs(h[i])
            ret[t, k] = pnl
            cost[t, k] = rate * turn
            traded[t, k] = turn
            expo[t, k] = g


def backtest_holdings(prices: pd.DataFrame, targets: np.ndarray, *, cost_bps: float = 0.0,
                      names: list[str] | None = None) -> HoldingsResult:
    """Backtest target dollar holdings (module docstring).

    Parameters
    ----------
    prices : pandas.DataFrame
        A price table ($, dates × assets; :func:`mslab.pairs.data.check_prices`).
    targets : numpy.ndarray
        Target holdings, $ per $1 of capital, shape (n_days, n_strategies, n_assets), assets in
        the column order of ``prices``; finite (0 for no position).
    cost_bps : float
        Cost, bps of traded notional, ≥ 0, charged on every asset alike.
    names : list of str or None
        One label per strategy; None (default) for 0, 1, ...

    Returns
    -------
    HoldingsResult
        Daily net and gross returns, costs, turnover and gross exposure per strategy.

    Raises
    ------
    ValueError
        If ``prices`` is not a valid price table, ``targets`` has the wrong shape or a
        non-finite value, ``cost_bps`` < 0, ``names`` has the wrong length, or the output
        exceeds the size bound.
    """
    prices = check_prices(prices, min_rows=2)
    cost_bps = _validate.nonnegative("cost_bps", cost_bps)
    arr = np.asarray(targets, dtype=float)
    n, n_assets = prices.shape
    if arr.ndim != 3 or arr.shape[0] != n or arr.shape[2] != n_assets:
        raise ValueError(f"targets has shape {arr.shape} but must be (n_days, n_strategies, "
                         f"n_assets) = ({n}, k, {n_assets}): one row of holdings per date and "
                         "strategy, one column per asset of prices")
    if not np.isfinite(arr).all():
        t, k, i = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"targets[{t}, {k}, {i}] ({prices.index[t].date()}, "
                         f"{prices.columns[i]!r}) is {arr[t, k, i]!r}: targets must be finite "
                         "(0 for no position)")
    n_strat = arr.shape[1]
    _validate.elements("len(prices), n_strategies", 5.0 * n * n_strat)
    if names is None:
        names = list(range(n_strat))
    elif len(names) != n_strat:
        _validate.fail("names", names, f"{n_strat} labels, one per strategy")
    out = [np.zeros((n, n_strat)) for _ in range(4)]
    _simulate_holdings(np.ascontiguousarray(prices.to_numpy()), np.ascontiguousarray(arr),
                       cost_bps * 1e-4, *out)
    gross, cost, traded, expo = out
    frames = [pd.DataFrame(v, index=prices.index, columns=names)
              for v in (gross - cost, gross, cost, traded, expo)]
    return HoldingsResult(*frames)


SUMMARY_COLUMNS = ("strategy", "costs", "annual_return", "volatility", "sharpe", "sharpe_se",
                   "turnover", "p_value", "breakeven_bps")


def returns_table(runs: Mapping[tuple[str, float], tuple[pd.Series, pd.Series]], *,
                  n_boot: int = 999, seed: int = 0, periods_per_year: int = 252
                  ) -> pd.DataFrame:
    """Performance of several runs, one row per run.

    The columns of :func:`mslab.pairs.walkforward.summary_table` that do not need trades.

    Parameters
    ----------
    runs : dict
        Non-empty mapping (strategy label, cost in bps per leg) -> (daily returns, daily
        turnover), each a pandas.Series (or 1-D array) of one value per day.
    n_boot : int
        Stationary-bootstrap resamples of the Sharpe-ratio test.
    seed : int
        Seed of the bootstrap.
    periods_per_year : int
        Periods per year used to annualise (252 for daily returns).

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``costs`` (bps per leg), ``annual_return``, ``volatility``
        (annualised), ``sharpe`` and its standard error ``sharpe_se``, ``turnover`` (annual),
        ``p_value`` (stationary bootstrap, H0: Sharpe ≤ 0) and ``breakeven_bps``
        (:func:`with_breakeven`: from the strategy's run at cost 0, NaN without one).

    Raises
    ------
    ValueError
        If ``runs`` is not a non-empty mapping, a cost is negative, or
        :mod:`mslab.performance` refuses a series or parameter.
    """
    if not isinstance(runs, Mapping) or not runs:
        _validate.fail("runs", runs, "a non-empty mapping (label, cost) -> (returns, turnover)")
    rows = []
    for (label, cost), (ret, turn) in runs.items():
        p = perf.performance(ret, turnover=turn, periods_per_year=periods_per_year)
        rows.append(dict(strategy=label, costs=_validate.nonnegative("cost", cost),
                         annual_return=p.annual_return, volatility=p.annual_volatility,
                         sharpe=p.sharpe, sharpe_se=p.sharpe_se, turnover=p.turnover,
                         p_value=perf.sharpe_pvalue(ret, n_boot=n_boot, seed=seed,
                                                    periods_per_year=periods_per_year).p_value))
    return with_breakeven(pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-1]))


def with_breakeven(table: pd.DataFrame) -> pd.DataFrame:
    """A table of runs with each strategy's break-even cost added (the input is not modified).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per strategy and cost, with columns ``strategy``, ``costs`` (bps per leg),
        ``annual_return`` and ``turnover`` (annual). It is left unchanged.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with a ``breakeven_bps`` column (replaced if present): each
        strategy's :func:`mslab.performance.breakeven_cost_bps` from its row at cost 0 (NaN
        without one).
    """
    gross = table[table["costs"] == 0.0].set_index("strategy")
    breakeven = {lab: perf.breakeven_cost_bps(row["annual_return"], row["turnover"])
                 for lab, row in gross.iterrows()}
    return table.assign(breakeven_bps=table["strategy"].map(breakeven).astype(float))
