"""Inventory risk and optimal quoting: Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia and
quote-driven dealer markets."""

from mslab.inventory.avellaneda_stoikov import (
    QuotePaths,
    QuotingResult,
    optimal_spread,
    reservation_price,
    simulate_avellaneda_stoikov,
    simulate_linear_quotes,
)

__all__ = [
    "QuotePaths",
    "QuotingResult",
    "optimal_spread",
    "reservation_price",
    "simulate_avellaneda_stoikov",
    "simulate_linear_quotes",
]
