"""Pairs trading and statistical arbitrage: price data, a synthetic universe with known
cointegrated pairs, pair selection (distance, Engle–Granger, Johansen, multiple testing),
static and Kalman-filter hedge ratios, Ornstein–Uhlenbeck mean-reversion signals, a jitted
backtest with realistic execution costs and walk-forward evaluation (performance metrics live in
:mod:`mslab.performance`)."""

from mslab.pairs.backtest import (
    PairBacktestResult,
    Execution,
    Risk,
    backtest_pair,
    backtest_portfolio,
    share_hedge,
)
from mslab.pairs.data import check_prices, load_crude, load_sp500, pair_prices
from mslab.pairs.hedge import KalmanHedge, StaticHedge, kalman_hedge, ols_hedge
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
)
from mslab.pairs.synthetic import CointegratedPair, SyntheticUniverse, make_synthetic_universe
from mslab.pairs.walkforward import (
    PairRule,
    WalkForwardResult,
    cointegration_rule,
    gatev_rule,
    memoised,
    walk_forward,
)

__all__ = [
    "PairBacktestResult",
    "CointegratedPair",
    "Execution",
    "KalmanHedge",
    "OUFit",
    "Risk",
    "SelectionScore",
    "StaticHedge",
    "PairRule",
    "SyntheticUniverse",
    "WalkForwardResult",
    "adjust_pvalues",
    "backtest_pair",
    "backtest_portfolio",
    "candidate_pairs",
    "check_prices",
    "cointegration_rule",
    "distance_pairs",
    "engle_granger_pairs",
    "fit_ou",
    "gatev_rule",
    "johansen_pairs",
    "kalman_hedge",
    "load_crude",
    "load_sp500",
    "make_synthetic_universe",
    "memoised",
    "ols_hedge",
    "pair_prices",
    "rolling_sscore",
    "rolling_zscore",
    "score_methods",
    "score_positions",
    "score_selection",
    "share_hedge",
    "walk_forward",
]
