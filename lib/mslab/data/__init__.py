"""Market data in the formats the book uses — LOBSTER message/order-book files, crypto L2
snapshots, generic trades and quotes — loaded with a validation report that lists every dropped
or flagged row (:mod:`mslab.data.report`)."""

from mslab.data.crypto import CryptoSnapshots, load_crypto_snapshots, write_crypto_snapshots
from mslab.data.lobster import LobsterData, load_lobster, parse_name, write_lobster
from mslab.data.report import DataValidationError, Issue, ValidationReport
from mslab.data.trades import Quotes, Trades, load_quotes, load_trades

__all__ = [
    "CryptoSnapshots",
    "DataValidationError",
    "Issue",
    "LobsterData",
    "Quotes",
    "Trades",
    "ValidationReport",
    "load_crypto_snapshots",
    "load_lobster",
    "load_quotes",
    "load_trades",
    "parse_name",
    "write_crypto_snapshots",
    "write_lobster",
]
