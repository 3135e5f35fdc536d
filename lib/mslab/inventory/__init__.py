"""Inventory risk and optimal quoting: Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia and
quote-driven dealer markets."""

from mslab.inventory.avellaneda_stoikov import (
    ASResult,
    QuotePaths,
    optimal_spread,
    reservation_price,
    simulate_avellaneda_stoikov,
)

__all__ = [
    "ASResult",
    "QuotePaths",
    "optimal_spread",
    "reservation_price",
    "simulate_avellaneda_stoikov",
]
