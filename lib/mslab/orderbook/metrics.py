"""Performance summary of an order-book backtest (:func:`mslab.orderbook.run_backtest`).

All money amounts in dollars, quantities in shares. The Sharpe ratio is
:func:`mslab.performance.sharpe_ratio` of the equity increments between samples, annualised with
``seconds_per_year / sample_interval`` periods a year; it is NaN when there are fewer than two
increments or they have zero variance (a strategy that never trades), by the degenerate-case
rules of :mod:`mslab.performance`. The default year, 252 days of 6.5 hours, is the US equity
trading year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslab import _validate
from mslab.performance import equity_drawdown, sharpe_ratio


@dataclass(frozen=True)
class BacktestMetrics:
    """Performance summary of one order-book backtest (see the module docstring).

    Attributes
    ----------
    final_pnl : float
        Last equity sample (dollars).
    max_drawdown : float
        Largest fall of equity from its running peak (dollars, ≥ 0).
    sharpe : float
        Annualised Sharpe ratio of the equity increments between samples; NaN if undefined.
    n_fills : int
        Number of our fills.
    n_maker_fills : int
        Number of fills as maker.
    n_taker_fills : int
        Number of fills as taker.
    maker_share : float
        Share of the traded shares filled as maker, in [0, 1]; NaN without fills.
    fees : float
        Total fees paid (dollars; negative means net rebates), ``maker_fees + taker_fees``.
    maker_fees : float
        Fees of the maker fills (dollars).
    taker_fees : float
        Fees of the taker fills (dollars).
    mean_abs_inventory : float
        Mean of |inventory| over the samples (shares).
    traded_volume : int
        Shares traded, both sides.
    turnover : float
        Traded value (dollars).
    """

    final_pnl: float
    max_drawdown: float
    sharpe: float
    n_fills: int
    n_maker_fills: int
    n_taker_fills: int
    maker_share: float
    fees: float
    maker_fees: float
    taker_fees: float
    mean_abs_inventory: float
    traded_volume: int
    turnover: float


def compute_metrics(result: object, seconds_per_year: float = 252 * 6.5 * 3600) -> BacktestMetrics:
    """Summary statistics of a :class:`~mslab.orderbook.backtest.MarketMakingResult`.

    Parameters
    ----------
    result : mslab.orderbook.backtest.MarketMakingResult
        The output of :func:`mslab.orderbook.run_backtest`.
    seconds_per_year : float
        Seconds in a year, > 0, for annualising the Sharpe ratio (``seconds_per_year /
        sample_interval`` periods a year); the default is 252 days of 6.5 hours.

    Returns
    -------
    BacktestMetrics
        The summary (dollars, shares).

    Raises
    ------
    ValueError
        If ``result`` is not a ``MarketMakingResult``, or ``seconds_per_year`` or the result's
        ``sample_interval`` is not a finite number > 0.
    """
    from mslab.orderbook.backtest import MarketMakingResult

    if not isinstance(result, MarketMakingResult):
        _validate.fail("result", type(result).__name__,
                       "a MarketMakingResult (the output of mslab.orderbook.run_backtest)")
    seconds_per_year = _validate.positive("seconds_per_year", seconds_per_year)
    equity = result.equity
    fills = result.fills
    dt = _validate.positive("result.params['sample_interval']", result.params["sample_interval"])
    sharpe = sharpe_ratio(np.diff(equity), seconds_per_year / dt)
    drawdown = equity_drawdown(equity)
    volume = int(fills.qty.sum())
    maker_volume = int(fills.qty[fills.maker].sum())
    return BacktestMetrics(
        final_pnl=float(equity[-1]),
        max_drawdown=drawdown,
        sharpe=sharpe,
        n_fills=int(fills.qty.size),
        n_maker_fills=int(fills.maker.sum()),
        n_taker_fills=int((~fills.maker).sum()),
        maker_share=maker_volume / volume if volume else float("nan"),
        fees=float(fills.fee.sum()),
        maker_fees=float(fills.fee[fills.maker].sum()),
        taker_fees=float(fills.fee[~fills.maker].sum()),
        mean_abs_inventory=float(np.mean(np.abs(result.inventory))),
        traded_volume=volume,
        turnover=float(fills.value.sum()),
    )
