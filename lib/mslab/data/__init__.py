"""Market data in the formats the book uses — LOBSTER message/order-book files, crypto L2
snapshots, generic trades and quotes, Binance captures (depth snapshots and diffs, best
bid/offer, trades) with the L2 book rebuilt from them, and perpetual-futures funding histories —
loaded with a validation report that lists every dropped or flagged row
(:mod:`mslab.data.report`)."""

from mslab.data.binance import (BinanceCapture, load_binance_capture, receive_lag_ms,
                                write_binance_capture)
from mslab.data.binance_book import (L2Book, best_bid_offer, mid_series, rebuild_book,
                                     ticker_agreement)
from mslab.data.crypto import CryptoSnapshots, load_crypto_snapshots, write_crypto_snapshots
from mslab.data.funding import FundingHistory, load_funding
from mslab.data.lobster import LobsterData, load_lobster, parse_name, write_lobster
from mslab.data.report import DataValidationError, Issue, ValidationReport
from mslab.data.trades import Quotes, Trades, load_quotes, load_trades

__all__ = [
    "BinanceCapture",
    "CryptoSnapshots",
    "DataValidationError",
    "FundingHistory",
    "Issue",
    "L2Book",
    "LobsterData",
    "Quotes",
    "Trades",
    "ValidationReport",
    "best_bid_offer",
    "load_binance_capture",
    "load_crypto_snapshots",
    "load_funding",
    "load_lobster",
    "load_quotes",
    "load_trades",
    "mid_series",
    "parse_name",
    "rebuild_book",
    "receive_lag_ms",
    "ticker_agreement",
    "write_binance_capture",
    "write_crypto_snapshots",
    "write_lobster",
]
