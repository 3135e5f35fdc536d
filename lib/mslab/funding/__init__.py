"""Perpetual-futures funding: venue rules, the premium-index and funding simulator, no-arbitrage
pricing, stylized facts of funding histories, a funding forecast and the basis carry trade.

Modules: :mod:`~mslab.funding.venues` (each venue's funding rule as a named model),
:mod:`~mslab.funding.premium` (premium index and funding payments, jitted),
:mod:`~mslab.funding.pricing` (Ackerer–Hugonnier–Jermann prices and their Monte Carlo check),
:mod:`~mslab.funding.facts` (stylized facts with autocorrelation-robust standard errors),
:mod:`~mslab.funding.basis` (spot/perpetual basis from market-data captures),
:mod:`~mslab.funding.forecast` (walk-forward autoregressive funding forecast),
:mod:`~mslab.funding.carry` (the carry trade back-test and its leverage/fee grid).
"""

from mslab.funding.basis import MeanReversion, basis_series, mean_reversion, sample_mid
from mslab.funding.carry import CarryResult, carry_backtest, carry_grid
from mslab.funding.facts import (MeanEstimate, autocorrelations, hac_mean, newey_west_lags, on_grid,
                                 stylized_facts, yearly_means)
from mslab.funding.forecast import walk_forward_ar
from mslab.funding.history import grid_frame, load_histories, report_table
from mslab.funding.premium import (PremiumSimulation, average_premium, funding_cashflows,
                                   premium_index, simulate_premium)
from mslab.funding.pricing import MonteCarloPrice, monte_carlo_price, price_ratio
from mslab.funding.venues import FundingRule, rule_table

# pricing.basis (the implied basis f/x − 1) stays in its module: here ``basis`` is the
# submodule. The jitted *_kernel functions validate nothing and are reached through the
# validated functions above.
__all__ = [
    "CarryResult",
    "FundingRule",
    "MeanEstimate",
    "MeanReversion",
    "MonteCarloPrice",
    "PremiumSimulation",
    "autocorrelations",
    "average_premium",
    "basis_series",
    "carry_backtest",
    "carry_grid",
    "funding_cashflows",
    "grid_frame",
    "hac_mean",
    "load_histories",
    "mean_reversion",
    "monte_carlo_price",
    "newey_west_lags",
    "on_grid",
    "premium_index",
    "price_ratio",
    "report_table",
    "rule_table",
    "sample_mid",
    "simulate_premium",
    "stylized_facts",
    "walk_forward_ar",
    "yearly_means",
]
