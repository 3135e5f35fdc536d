"""Data of the inventory chapter's explorable figure: the quoting rules' depths for a grid of
risk aversions γ, so that a slider can pick γ in the browser (:mod:`mslab.explorable`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.inventory.avellaneda_stoikov import optimal_spread, reservation_price
from mslab.inventory.glft import glft_asymptotic_quotes

__all__ = ["quote_curves"]

RULE_LABELS = {"as_start": "Avellaneda–Stoikov, start (T − t = T)",
               "as_horizon": "Avellaneda–Stoikov, horizon (T − t = 0)",
               "glft": "GLFT, long-horizon closed form"}
"""Labels of the ``rule`` codes of :func:`quote_curves` (codes keep the embedded data small)."""
SIDE_LABELS = {"ask": "ask δᵃ", "bid": "bid δᵇ"}
"""Labels of the ``side`` codes of :func:`quote_curves`."""

MAX_ROWS = 20_000
"""Largest table :func:`quote_curves` builds (rows): the data is embedded in a page."""


def quote_curves(gammas: object, *, k: float, A: float, sigma: float, T: float,
                 max_inventory: int = 10) -> pd.DataFrame:
    """Bid and ask depths (distance from the mid, $) of three quoting rules for every γ of
    ``gammas`` (1/$) and inventory q = −``max_inventory`` … ``max_inventory`` (shares).

    Rules: Avellaneda–Stoikov at the start (T − t = T) and at the horizon (T − t = 0),
    δᵃ = r − s + ½(δᵃ + δᵇ) and δᵇ = s − r + ½(δᵃ + δᵇ) (:func:`reservation_price`,
    :func:`optimal_spread`); and the GLFT long-horizon closed form
    (:func:`glft_asymptotic_quotes`, needs ``A``). Intensity A·exp(−k·δ) (``k`` in 1/$),
    volatility ``sigma`` ($ per √time), horizon ``T``.

    Parameters
    ----------
    gammas : numpy.ndarray
        Risk aversions γ > 0 (1/$): a non-empty 1-D array (or list) of finite numbers.
    k : float
        Decay of the fill intensity in the depth, > 0 (1/$).
    A : float
        Fill intensity at zero depth, > 0 (per time unit).
    sigma : float
        Mid-price volatility, > 0 ($ per √time).
    T : float
        Horizon > 0 (time units).
    max_inventory : int
        Largest |q| (shares), 0 ≤ max_inventory ≤ 1000; 10 by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``gamma``, ``rule`` (a code of :data:`RULE_LABELS`), ``side`` ("ask" or "bid",
        :data:`SIDE_LABELS`), ``q``, ``depth`` ($); 6·len(gammas)·(2·max_inventory + 1)
        rows.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, more than :data:`MAX_ROWS` rows, or a γ for
        which a rule's depths are not finite (the message names that γ).
    """
    g = _validate.real_vector("gammas", gammas, what="risk aversions > 0")
    if g.min() <= 0:
        _validate.fail("gammas", gammas, "a non-empty 1-D array of risk aversions > 0")
    for name, value in (("k", k), ("A", A), ("sigma", sigma), ("T", T)):
        _validate.positive(name, value)
    qmax = _validate.integer("max_inventory", max_inventory, low=0, high=1000)
    q = np.arange(-qmax, qmax + 1)
    if g.size * q.size * 6 > MAX_ROWS:
        _validate.fail("gammas, max_inventory", (g.size, qmax),
                       f"at most {MAX_ROWS:,} rows (len(gammas) * (2 * max_inventory + 1) * 6)")
    parts = []
    for gamma in g:
        rules = {}
        try:
            for tau, code in ((T, "as_start"), (0.0, "as_horizon")):
                skew = reservation_price(0.0, q, gamma, sigma, tau)  # r − s
                half = 0.5 * optimal_spread(gamma, k, sigma, tau)
                rules[code] = (skew + half, half - skew)
            glft = glft_asymptotic_quotes(gamma, k, A, sigma, q)
        except ValueError as exc:
            raise ValueError(f"gammas contains {gamma!r}: {exc}") from exc
        rules["glft"] = (glft.ask_depth, glft.bid_depth)
        for rule, (ask, bid) in rules.items():
            for side, depth in (("ask", ask), ("bid", bid)):
                parts.append(pd.DataFrame({"gamma": gamma, "rule": rule, "side": side, "q": q,
                                           "depth": np.broadcast_to(depth, q.shape)}))
    return pd.concat(parts, ignore_index=True)
