"""Quoters — the quoting rules of the order-book backtest (:func:`mslab.orderbook.run_backtest`).

Interface. A quoter's rule is a numba function compiled for :data:`QUOTER_SIGNATURE`::

    rule(view: MarketView, params: float64[::1], orders: int64[:, ::1],
             quotes: int64[:, ::1]) -> None

which the backtest kernel calls as a first-class function, without leaving compiled code, at
each decision time (only when the local book has both sides). ``view`` is what the market
maker knows at that moment (:class:`MarketView`: the book as last received through the feed,
its own inventory and cash as last reported); ``params`` are the quoter's parameters;
``orders`` is its own order table (one row per slot: ``ORDER_SIDE`` +1 buy / −1 sell,
``ORDER_TICK``, ``ORDER_LEAVES`` shares, ``ORDER_STATE`` ``FREE`` / ``OPEN`` / ``CANCELLING``
/ ``FINISHED``; read only). The rule fills ``quotes``, one row per quote level with
columns ``BID_TICK``, ``BID_QTY``, ``ASK_TICK``, ``ASK_QTY`` (prices in ticks, sizes in
shares; a size of 0, the value on entry, means no quote). The backtest then keeps the
resting orders whose price is still quoted (and their queue positions), cancels the others
and sends the missing ones.

Because the kernel takes the rule as a typed function pointer, one compiled (and cached)
kernel serves every quoter, including ones written in a notebook::

    @njit(QUOTER_SIGNATURE)
    def join_best(view, params, orders, quotes):
        quotes[0, BID_TICK], quotes[0, BID_QTY] = view.best_bid, view.order_size
        quotes[0, ASK_TICK], quotes[0, ASK_QTY] = view.best_ask, view.order_size

    run_backtest(messages, custom_quoter(join_best), ...)

Built-in rules (prices in ticks, time in seconds, inventory ``q`` in lots of ``order_size``;
bids are rounded down and asks up to the tick grid, so a quote is never closer to the
reference price than the formula says):

``grid_quoter``  ``levels`` quotes per side at ``mid ∓ (half_spread + l·step)``.
``avellaneda_stoikov_quoter``  around the reservation price ``r = mid − q·γσ²τ`` with total
    spread ``γσ²τ + (2/γ)·ln(1 + γ/k)``, ``τ = max(horizon − elapsed, 0)``
    (:func:`mslab.inventory.reservation_price`, :func:`mslab.inventory.optimal_spread`).
``glft_quoter``  the Guéant–Lehalle–Fernandez-Tapia asymptotic depths
    ``mid − δᵇ(q)``, ``mid + δᵃ(q)`` (:func:`mslab.inventory.glft_asymptotic_quotes`).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit, types
from numba.core.dispatcher import Dispatcher

from mslab import _validate
from mslab.inventory.avellaneda_stoikov import reservation_formula, spread_formula
from mslab.inventory.glft import asymptotic_ask_depth, asymptotic_bid_depth, asymptotic_constants

MarketView = namedtuple("MarketView", [
    "time",           # local clock, seconds after midnight
    "elapsed",        # seconds since the first message of the stream
    "best_bid",       # ticks
    "best_ask",       # ticks
    "bid_qty",        # shares at the best bid
    "ask_qty",        # shares at the best ask
    "mid",            # ticks, (best_bid + best_ask) / 2
    "inventory",      # shares, as reported by fills received so far
    "cash",           # dollars, net of fees, as reported so far
    "open_bid_qty",   # shares in own buy orders not known to be finished
    "open_ask_qty",   # shares in own sell orders not known to be finished
    "order_size",     # shares, the backtest's order size
    "max_inventory",  # shares, the backtest's inventory limit
])
_I, _F = types.int64, types.float64
MARKET_VIEW_TYPE = types.NamedTuple([_F, _F, _I, _I, _I, _I, _F, _I, _F, _I, _I, _I, _I],
                                    MarketView)
QUOTER_SIGNATURE = types.void(MARKET_VIEW_TYPE, types.float64[::1], types.int64[:, ::1],
                                types.int64[:, ::1])
"""The numba signature of a quoter's rule, ``(view, params, orders, quotes) -> None``."""
QUOTER_TYPE = types.FunctionType(QUOTER_SIGNATURE)

BID_TICK, BID_QTY, ASK_TICK, ASK_QTY = 0, 1, 2, 3  # columns of the quote table
ORDER_SIDE, ORDER_TICK, ORDER_LEAVES, ORDER_STATE = 0, 1, 2, 3  # columns of the order table
FREE, OPEN, CANCELLING, FINISHED = 0, 1, 2, 3  # ORDER_STATE values


@dataclass(frozen=True)
class Quoter:
    """A quoting rule for :func:`~mslab.orderbook.run_backtest`: ``function`` (compiled for
    :data:`QUOTER_SIGNATURE`), its ``params`` (float64 array) and the number of quote
    ``levels`` per side it may fill.

    Attributes
    ----------
    name : str
        Label of the quoter (``"grid"``, ``"avellaneda_stoikov"``, ``"glft"`` or the name
        given to :func:`custom_quoter`).
    function
        The rule: a numba function compiled for :data:`QUOTER_SIGNATURE`.
    params : numpy.ndarray
        1-D C-contiguous float64 array passed to the rule as ``params``.
    levels : int
        Rows of the quote table the rule receives (quote levels per side), 1..64.
    """

    name: str
    function: Dispatcher
    params: np.ndarray
    levels: int


@njit(QUOTER_SIGNATURE, cache=True)
def grid_rule(view, params, orders, quotes):
    """``params = (half_spread, step)``: level l at mid ∓ (half_spread + l·step).

    Each row ``l`` of ``quotes`` gets a bid at ``floor(mid − half_spread − l·step)`` and an
    ask at ``ceil(mid + half_spread + l·step)`` ticks, ``order_size`` shares each.

    Parameters
    ----------
    view : MarketView
        What the market maker knows at the decision (prices in ticks, sizes in shares).
    params : numpy.ndarray
        float64 parameters, ``(half_spread, step)`` in ticks.
    orders : numpy.ndarray
        int64 order table (one row per slot; not read).
    quotes : numpy.ndarray
        int64 quote table of shape ``(levels, 4)``, every row filled, written in place.
    """
    half, step = params[0], params[1]
    for lev in range(quotes.shape[0]):
        d = half + lev * step
        quotes[lev, BID_TICK] = int(np.floor(view.mid - d))
        quotes[lev, BID_QTY] = view.order_size
        quotes[lev, ASK_TICK] = int(np.ceil(view.mid + d))
        quotes[lev, ASK_QTY] = view.order_size


@njit(QUOTER_SIGNATURE, cache=True)
def avellaneda_stoikov_rule(view, params, orders, quotes):
    """``params = (gamma, sigma, k, horizon)``; see the module docstring.

    With ``q`` = inventory / order_size (lots) and ``τ = max(horizon − elapsed, 0)`` (s), the
    reservation price is ``r = mid − q·γσ²τ`` and the half-spread
    ``h = ½·(γσ²τ + (2/γ)·ln(1 + γ/k))``; row 0 gets a bid at ``floor(r − h)`` and an ask at
    ``ceil(r + h)`` ticks, ``order_size`` shares each.

    Parameters
    ----------
    view : MarketView
        What the market maker knows at the decision (prices in ticks, sizes in shares).
    params : numpy.ndarray
        float64 parameters, ``(gamma, sigma, k, horizon)`` (see
        :func:`avellaneda_stoikov_quoter` for units).
    orders : numpy.ndarray
        int64 order table (one row per slot; not read).
    quotes : numpy.ndarray
        int64 quote table of shape ``(levels, 4)``, row 0 filled, written in place.
    """
    gamma, sigma, k, horizon = params[0], params[1], params[2], params[3]
    q = view.inventory / view.order_size
    tau = max(horizon - view.elapsed, 0.0)
    reservation = reservation_formula(view.mid, q, gamma, sigma, tau)
    half = 0.5 * spread_formula(gamma, k, sigma, tau)
    quotes[0, BID_TICK] = int(np.floor(reservation - half))
    quotes[0, BID_QTY] = view.order_size
    quotes[0, ASK_TICK] = int(np.ceil(reservation + half))
    quotes[0, ASK_QTY] = view.order_size


@njit(QUOTER_SIGNATURE, cache=True)
def glft_rule(view, params, orders, quotes):
    """``params = (base, C, drift)`` with base = ln(1 + γ/k)/γ, C the GLFT constant and
    drift = μ/(γσ²): δᵇ = base + (−drift + (2q + 1)/2)·C, δᵃ = base + (drift − (2q − 1)/2)·C.

    With ``q`` = inventory / order_size (lots), row 0 gets a bid at ``floor(mid − δᵇ(q))``
    and an ask at ``ceil(mid + δᵃ(q))`` ticks, ``order_size`` shares each.

    Parameters
    ----------
    view : MarketView
        What the market maker knows at the decision (prices in ticks, sizes in shares).
    params : numpy.ndarray
        float64 parameters, ``(base, C, drift)``: base and C in ticks, drift in lots
        (:func:`glft_quoter`).
    orders : numpy.ndarray
        int64 order table (one row per slot; not read).
    quotes : numpy.ndarray
        int64 quote table of shape ``(levels, 4)``, row 0 filled, written in place.
    """
    base, c, drift = params[0], params[1], params[2]
    q = view.inventory / view.order_size
    quotes[0, BID_TICK] = int(np.floor(view.mid - asymptotic_bid_depth(base, c, drift, q)))
    quotes[0, BID_QTY] = view.order_size
    quotes[0, ASK_TICK] = int(np.ceil(view.mid + asymptotic_ask_depth(base, c, drift, q)))
    quotes[0, ASK_QTY] = view.order_size


def grid_quoter(half_spread: float = 0.5, levels: int = 1, step: int = 1) -> Quoter:
    """Fixed-spread grid: ``levels`` quotes per side at ``mid ∓ (half_spread + l·step)`` ticks
    (l = 0..levels−1), bids rounded down and asks up.

    Parameters
    ----------
    half_spread
        Distance of the first quotes from the mid, ticks ≥ 0 (0.5, the default, joins the
        best quotes of a one-tick market).
    levels
        Quotes per side, 1..64 (default 1).
    step
        Distance between successive levels, an integer number of ticks ≥ 1 (default 1).

    Returns
    -------
    Quoter
        Named ``"grid"``, with ``params = [half_spread, step]``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above.

    Examples
    --------
    >>> from mslab.orderbook import grid_quoter
    >>> quoter = grid_quoter(half_spread=0.5, levels=2)    # join the best, and one tick behind
    >>> quoter.name, quoter.params, quoter.levels
    ('grid', array([0.5, 1. ]), 2)
    """
    half_spread = _validate.nonnegative("half_spread", half_spread)
    levels = _validate.integer("levels", levels, low=1, high=64)
    step = _validate.integer("step", step, low=1)
    return Quoter("grid", grid_rule, np.array([half_spread, float(step)]), levels)


def avellaneda_stoikov_quoter(gamma: float, sigma: float, k: float, horizon: float) -> Quoter:
    """Avellaneda–Stoikov quotes around the reservation price (see the module docstring).

    One quote per side: around ``r = mid − q·γσ²τ`` with total spread
    ``γσ²τ + (2/γ)·ln(1 + γ/k)``, ``q`` the inventory in lots of ``order_size`` and
    ``τ = max(horizon − elapsed, 0)``.

    Parameters
    ----------
    gamma
        Risk aversion > 0 (per tick per lot).
    sigma
        Volatility ≥ 0 (ticks per √s).
    k
        Decay of the fill intensity with depth > 0 (per tick).
    horizon
        Horizon > 0 (s after the first message); after it τ = 0.

    Returns
    -------
    Quoter
        Named ``"avellaneda_stoikov"``, one level, ``params = [gamma, sigma, k, horizon]``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above.
    """
    gamma = _validate.positive("gamma", gamma)
    sigma = _validate.nonnegative("sigma", sigma)
    k = _validate.positive("k", k)
    horizon = _validate.positive("horizon", horizon)
    return Quoter("avellaneda_stoikov", avellaneda_stoikov_rule,
                    np.array([gamma, sigma, k, horizon]), 1)


def glft_quoter(gamma: float, sigma: float, k: float, A: float, mu: float = 0.0) -> Quoter:
    """GLFT asymptotic quotes with inventory skew (Guéant–Lehalle–Fernandez-Tapia).

    One quote per side at ``mid − δᵇ(q)`` and ``mid + δᵃ(q)``, ``q`` the inventory in lots of
    ``order_size`` (:func:`mslab.inventory.glft_asymptotic_quotes`).

    Parameters
    ----------
    gamma
        Risk aversion > 0 (per tick per lot).
    sigma
        Volatility > 0 (ticks per √s).
    k
        Decay of the fill intensity with depth > 0 (per tick).
    A
        Fill intensity at zero depth > 0 (fills per s).
    mu
        Drift of the mid (ticks per s), default 0.

    Returns
    -------
    Quoter
        Named ``"glft"``, one level, ``params = [base, C, drift]`` of the asymptotic depths
        (see :func:`glft_rule`), computed once here, all finite.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, or parameters whose constants are not finite
        (extreme magnitudes: σ² overflowing, γσ² underflowing to 0, an infinite drift).
    """
    gamma = _validate.positive("gamma", gamma)
    sigma = _validate.positive("sigma", sigma)
    k = _validate.positive("k", k)
    A = _validate.positive("A", A)
    mu = _validate.real("mu", mu)
    return Quoter("glft", glft_rule, np.array(asymptotic_constants(gamma, sigma=sigma, k=k, A=A,
                                                                   mu=mu)), 1)


def custom_quoter(function: object, params: object = (), levels: int = 1,
                  name: str = "custom") -> Quoter:
    """Wrap a user rule as a :class:`Quoter`.

    Parameters
    ----------
    function
        An ``@njit`` function that compiles for :data:`QUOTER_SIGNATURE` (it is compiled for
        it here if it has not been yet).
    params
        A 1-D sequence of finite numbers, passed to the rule as float64 (default: empty).
    levels
        Rows of the rule's quote table (quote levels per side), 1..64 (default 1).
    name
        Label of the quoter (default ``"custom"``).

    Returns
    -------
    Quoter
        The rule with its parameters as a C-contiguous float64 array.

    Raises
    ------
    ValueError
        If ``function`` is not a numba ``@njit`` function or does not compile for the
        signature (the message quotes numba's error), or for ``params``, ``levels`` or
        ``name`` outside the ranges above.
    """
    if not isinstance(function, Dispatcher):
        _validate.fail("function", function, "a numba @njit function")
    try:
        if tuple(QUOTER_SIGNATURE.args) not in function.overloads:
            function.compile(QUOTER_SIGNATURE)
    except Exception as exc:  # numba raises several error types
        _validate.fail("function", function, "compilable for QUOTER_SIGNATURE "
                       f"(view, params, orders, quotes) -> None; numba said: {exc}")
    try:
        arr = np.asarray(params, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or not np.all(np.isfinite(arr)):
        _validate.fail("params", params, "a 1-D sequence of finite numbers")
    levels = _validate.integer("levels", levels, low=1, high=64)
    if not isinstance(name, str):
        _validate.fail("name", name, "a string")
    return Quoter(name, function, np.ascontiguousarray(arr, dtype=np.float64), levels)
