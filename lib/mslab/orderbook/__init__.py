"""Limit order books: a price-level book replayed from LOBSTER messages and an event-driven
market-making backtest on it with swappable quoters, queue, latency and fee models; a
Cont–Stoikov–Talreja order-flow generator with its calibration, flow statistics and crypto
snapshots; and a micromarket-style snapshot backtest for L2 snapshots without a message
stream."""

from mslab.orderbook.backtest import Fills, MarketMakingResult, run_backtest
from mslab.orderbook.book import (
    BookFileCheck,
    Divergence,
    check_book_file,
    crossing_state,
    replay_divergence,
    replay_lobster,
)
from mslab.orderbook.calibration import (
    Calibration,
    CalibrationTargets,
    calibrate,
    calibration_table,
)
from mslab.orderbook.crypto_snapshots import simulate_snapshots
from mslab.orderbook.cst_flow import CSTParams, SyntheticFlow, simulate_cst
from mslab.orderbook.fills import (
    Markouts,
    fit_fill_intensity,
    market_order_reach,
    markouts,
    mid_volatility,
    queue_depletion,
)
from mslab.orderbook.flow_measures import FlowStatistics, flow_statistics
from mslab.orderbook.metrics import BacktestMetrics, compute_metrics
from mslab.orderbook.queue import QUEUE_MODEL_SIGNATURE, QUEUE_MODELS, queue_after
from mslab.orderbook.quoters import (
    QUOTER_SIGNATURE,
    MarketView,
    Quoter,
    avellaneda_stoikov_quoter,
    custom_quoter,
    glft_quoter,
    grid_quoter,
)
from mslab.orderbook.snapshot import SnapshotBacktest, SnapshotSweepTask, backtest_snapshots

__all__ = [
    "QUEUE_MODELS",
    "QUEUE_MODEL_SIGNATURE",
    "QUOTER_SIGNATURE",
    "BacktestMetrics",
    "BookFileCheck",
    "CSTParams",
    "Calibration",
    "CalibrationTargets",
    "Divergence",
    "Fills",
    "FlowStatistics",
    "MarketMakingResult",
    "MarketView",
    "Markouts",
    "SnapshotBacktest",
    "SnapshotSweepTask",
    "Quoter",
    "SyntheticFlow",
    "avellaneda_stoikov_quoter",
    "backtest_snapshots",
    "calibrate",
    "calibration_table",
    "check_book_file",
    "compute_metrics",
    "crossing_state",
    "custom_quoter",
    "fit_fill_intensity",
    "flow_statistics",
    "glft_quoter",
    "grid_quoter",
    "market_order_reach",
    "markouts",
    "mid_volatility",
    "queue_after",
    "queue_depletion",
    "replay_divergence",
    "replay_lobster",
    "run_backtest",
    "simulate_cst",
    "simulate_snapshots",
]
