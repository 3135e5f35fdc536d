"""Fee models of the order-book backtest (:func:`mslab.orderbook.run_backtest`).

A fee model is one numba function compiled for :data:`FEE_MODEL_SIGNATURE`,

    model(params: float64[::1], maker: int64, value: float64) -> float64

returning the fee in dollars (negative: a rebate) of a fill of traded ``value`` dollars, as
maker (``maker`` = 1) or taker. The backtest charges it at the exchange and again when the
fill report reaches the quoter (its own cash), calling the model as a first-class function.
"""

from __future__ import annotations

from numba import njit, types

FEE_MODEL_SIGNATURE = types.float64(types.float64[::1], types.int64, types.float64)
FEE_MODEL_TYPE = types.FunctionType(FEE_MODEL_SIGNATURE)


@njit(FEE_MODEL_SIGNATURE, cache=True)
def proportional_fee(params, maker, value):
    """Proportional fee: fee = rate × traded value, with the maker or the taker rate.

    Parameters
    ----------
    params : numpy.ndarray
        ``(maker rate, taker rate)``, float64, shape (2,): fractions of the traded value
        (e.g. 0.0001 = 1 bp); a negative rate is a rebate.
    maker : int
        Non-zero for a maker fill (the maker rate applies), 0 for a taker fill.
    value : float
        Traded value of the fill (dollars).

    Returns
    -------
    float
        The fee in dollars (negative: a rebate).
    """
    return (params[0] if maker else params[1]) * value
