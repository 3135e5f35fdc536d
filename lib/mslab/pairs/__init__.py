"""Pairs trading and statistical arbitrage: price data, a synthetic universe with known
cointegrated pairs, pair selection (distance, Engle–Granger, Johansen, multiple testing),
static and Kalman-filter hedge ratios, Ornstein–Uhlenbeck mean-reversion signals, a jitted
backtest with realistic execution costs, walk-forward evaluation and capital allocation across
the traded pairs, and what a reader's own price file must hold (performance metrics live in :mod:`mslab.performance`)."""

from mslab.pairs.allocation import (
    Allocation,
    allocate,
    allocation_table,
    kelly_weights,
    mean_variance_weights,
    risk_parity_weights,
    weight_bootstrap,
)
from mslab.pairs.backtest import (
    Execution,
    PairBacktestResult,
    Risk,
    backtest_pair,
    backtest_portfolio,
    holding_days,
    share_hedge,
)
from mslab.pairs.data import (
    PriceFile,
    check_prices,
    describe_year_blocks,
    load_crude,
    load_prices,
    pair_prices,
    read_prices,
    year_blocks,
)
from mslab.pairs.hedge import (
    KalmanHedge,
    KalmanTrading,
    StaticHedge,
    kalman_hedge,
    kalman_trading,
    ols_hedge,
    rolling_ols_hedge,
)
from mslab.pairs.meanrev import (
    OUFit,
    fit_ou,
    rolling_sscore,
    rolling_zscore,
    score_positions,
)
from mslab.pairs.selection import (
    SelectionScore,
    adjust_pvalues,
    candidate_pairs,
    distance_pairs,
    engle_granger_pairs,
    johansen_pairs,
    score_methods,
    score_selection,
    selection_power,
)
from mslab.pairs.synthetic import CointegratedPair, SyntheticUniverse, make_synthetic_universe
from mslab.pairs.walkforward import (
    PairRule,
    WalkForwardResult,
    cointegration_rule,
    gatev_rule,
    memoised,
    summary_table,
    walk_forward,
)
from mslab.pairs.baskets import (BasketUniverse, BasketWalkForward, basket_selection_power,
                                 basket_strategy_returns, basket_walk_forward, candidate_baskets,
                                 johansen_baskets, johansen_trace, make_basket_universe,
                                 score_baskets, trace_null, trace_pvalue)
from mslab.pairs.universe import PairChoice, choose_pairs, describe_pairs, require_universe
from mslab.pairs.holdings import HoldingsResult, backtest_holdings, returns_table
from mslab.pairs.pca_residuals import (FactorResiduals, factor_portfolio_targets,
                                       factor_positions, factor_residuals,
                                       factor_strategy_returns, factor_targets)

__all__ = [
    "Allocation",
    "allocate",
    "allocation_table",
    "kelly_weights",
    "mean_variance_weights",
    "risk_parity_weights",
    "weight_bootstrap",
    "CointegratedPair",
    "Execution",
    "KalmanHedge",
    "KalmanTrading",
    "OUFit",
    "PairBacktestResult",
    "PairRule",
    "Risk",
    "SelectionScore",
    "StaticHedge",
    "SyntheticUniverse",
    "WalkForwardResult",
    "adjust_pvalues",
    "backtest_pair",
    "backtest_portfolio",
    "candidate_pairs",
    "check_prices",
    "describe_year_blocks",
    "cointegration_rule",
    "distance_pairs",
    "engle_granger_pairs",
    "fit_ou",
    "gatev_rule",
    "holding_days",
    "johansen_pairs",
    "kalman_hedge",
    "kalman_trading",
    "load_crude",
    "load_prices",
    "PriceFile",
    "read_prices",
    "make_synthetic_universe",
    "memoised",
    "ols_hedge",
    "pair_prices",
    "rolling_ols_hedge",
    "rolling_sscore",
    "rolling_zscore",
    "score_methods",
    "score_positions",
    "score_selection",
    "selection_power",
    "share_hedge",
    "summary_table",
    "walk_forward",
    "year_blocks",
    # factor residuals, baskets and the holdings backtest
    "BasketUniverse", "BasketWalkForward", "FactorResiduals", "HoldingsResult",
    "backtest_holdings", "basket_selection_power", "basket_strategy_returns",
    "basket_walk_forward", "candidate_baskets", "factor_portfolio_targets", "factor_positions",
    "factor_residuals", "factor_strategy_returns", "factor_targets", "johansen_baskets",
    "johansen_trace", "make_basket_universe", "returns_table", "score_baskets", "trace_null",
    "trace_pvalue",
    # price files of other universes
    "PairChoice", "choose_pairs", "describe_pairs", "require_universe",
]
