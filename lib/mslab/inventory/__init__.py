"""Inventory risk and optimal quoting: Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia and
quote-driven dealer markets."""

from mslab.inventory.avellaneda_stoikov import (
    optimal_spread,
    reservation_price,
    simulate_avellaneda_stoikov,
    simulate_linear_quotes,
    symmetric_constant_mean_profit,
)
from mslab.inventory.dealers import (
    CompetitionResult,
    DealerResult,
    HedgingDealerResult,
    simulate_dealer,
    simulate_dealer_competition,
    simulate_hedging_dealer,
)
from mslab.inventory.glft import (
    GLFTAsymptoticQuotes,
    GLFTQuotes,
    glft_asymptotic_quotes,
    glft_exact_quotes,
    simulate_glft,
)
from mslab.inventory.quote_explorer import quote_curves
from mslab.inventory.quoting import QuotePaths, QuotingResult

__all__ = [
    "CompetitionResult",
    "DealerResult",
    "GLFTAsymptoticQuotes",
    "GLFTQuotes",
    "HedgingDealerResult",
    "QuotePaths",
    "QuotingResult",
    "glft_asymptotic_quotes",
    "glft_exact_quotes",
    "optimal_spread",
    "quote_curves",
    "reservation_price",
    "simulate_avellaneda_stoikov",
    "simulate_dealer",
    "simulate_dealer_competition",
    "simulate_glft",
    "simulate_hedging_dealer",
    "simulate_linear_quotes",
    "symmetric_constant_mean_profit",
]
