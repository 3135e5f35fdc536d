"""Quote-driven (dealer) markets: dealers absorb client flow and carry the inventory risk.

Common model, on the grid ``t_n = n dt`` (``dt`` must divide ``T``):

* The mid ``S`` is an arithmetic Brownian motion: ``S_{n+1} = S_n + sigma sqrt(dt) Z_n`` with
  ``Z_n`` standard normal (``sigma`` in price units per square-root time unit), ``S_0 = s0``.
* Clients arrive as two independent Poisson flows, buyers and sellers, each at ``arrival_rate``
  per time unit. Within step ``n`` the number of arrivals is Poisson(``2 arrival_rate dt``)
  and each arrival is a buyer or a seller with probability 1/2 (the superposition of the two
  flows). Arrivals within a step trade one after the other at the mid ``S_n``, and quotes are
  updated after each trade.
* Client sizes are integers, geometric on ``1, 2, ...`` with mean ``mean_size`` (>= 1):
  ``P(size = s) = p (1 - p)^(s - 1)`` with ``p = 1 / mean_size``; ``mean_size = 1`` gives unit
  trades. A client trades its whole size at the quoted price or not at all.
* Clients are price-sensitive: a client offered a price ``delta`` worse than the mid (per
  unit; ``delta = ask - S`` for a buyer, ``S - bid`` for a seller) trades with probability
  ``exp(-price_sensitivity * max(delta, 0))`` and otherwise walks away (a *declined* trade).
  This thins each Poisson flow to the Avellaneda–Stoikov intensity
  ``arrival_rate * exp(-k delta)`` with ``k = price_sensitivity`` (capped at ``arrival_rate``
  for quotes through the mid); ``price_sensitivity = 0`` makes every client trade. Without it a
  monopolist dealer's quotes could not influence its inventory.
* Per arrival the draws are: one uniform for the side, one for the size, one for the client's
  acceptance; per step one Poisson count before the arrivals and one normal after them. The
  draws never depend on the dealers' decisions, so :func:`simulate_dealer` and
  :func:`simulate_hedging_dealer` see the same mid path and the same client flow for the same
  seed (the competition adds one uniform per trade on which quotes tie).

A dealer's inventory ``q`` is in units of the asset, cash in price units; the P&L is marked at
the mid, ``pnl = cash_T + q_T S_T``. Every path owns its random stream (:mod:`mslab.rng`), so
results depend only on the seed, not on the number of threads.

Bounds: ``T/dt`` steps at most :data:`mslab._validate.MAX_ELEMENTS`; ``n_paths`` x steps x (1 +
expected client arrivals per step x dealers) at most :data:`mslab._validate.MAX_WORK`;
``mean_size`` at most :data:`MAX_MEAN_SIZE`; a P&L that overflows double precision is refused.
Beyond, a ``ValueError`` names the parameters before (or, for the P&L, instead of) a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from mslab import _validate, rng
from mslab.inventory.quoting import n_steps_for

# Largest mean client size: sizes (up to ~37 mean_size for 53-bit uniforms) summed over every
# arrival of a path stay far inside int64 for any simulation within mslab._validate.MAX_WORK.
MAX_MEAN_SIZE = 1e6
# Two quotes count as the same price (a tie) if they differ by at most this fraction of
# max(1, |best price|): far above rounding noise, far below any economic difference.
_TIE_RTOL = 1e-12


@dataclass(frozen=True)
class DealerResult:
    """Per-path results (arrays of length ``n_paths``) of a single dealer.

    ``pnl = cash_T + q_T S_T``; ``final_inventory``; ``n_filled`` / ``n_rejected`` client trades
    (rejected: refused by the dealer because of its inventory limit) and their volumes
    ``volume_filled`` / ``volume_rejected`` (units); ``n_declined``: clients who walked away
    from the price; ``max_abs_inventory``: largest ``|q|`` after any trade (and hedge);
    ``mean_abs_inventory`` and ``mean_sq_inventory``: time averages of ``|q|`` and ``q^2`` held
    over the steps. The P&L decomposes exactly as
    ``pnl = spread_income + inventory_pnl``: ``spread_income`` sums, over filled client trades,
    ``size * (price - mid)`` when the dealer sells and ``size * (mid - price)`` when it buys
    (negative when the skew pushes a quote through the mid); ``inventory_pnl`` is
    ``sum_n q_n (S_{n+1} - S_n)``, the inventory held over each step marked to market.

    Attributes
    ----------
    pnl : numpy.ndarray
        ``cash_T + q_T S_T`` (price units).
    final_inventory : numpy.ndarray
        ``q_T`` (units, int64).
    n_filled : numpy.ndarray
        Client trades filled (int64).
    n_rejected : numpy.ndarray
        Client trades refused because of the inventory limit (int64).
    n_declined : numpy.ndarray
        Clients who walked away from the price (int64).
    volume_filled : numpy.ndarray
        Volume of the filled client trades (units, int64).
    volume_rejected : numpy.ndarray
        Volume of the rejected client trades (units, int64).
    max_abs_inventory : numpy.ndarray
        Largest ``|q|`` after any trade (and hedge) (units, int64; 0 without fills).
    mean_abs_inventory : numpy.ndarray
        Average of ``|q|`` at the end of each step's trades, over the steps (units).
    mean_sq_inventory : numpy.ndarray
        Average of ``q^2`` likewise (units squared).
    spread_income : numpy.ndarray
        Income from the quoted prices' distance to the mid (price units).
    inventory_pnl : numpy.ndarray
        Mark-to-market P&L of the inventory held over the steps (price units).
    """

    pnl: np.ndarray
    final_inventory: np.ndarray
    n_filled: np.ndarray
    n_rejected: np.ndarray
    n_declined: np.ndarray
    volume_filled: np.ndarray
    volume_rejected: np.ndarray
    max_abs_inventory: np.ndarray
    mean_abs_inventory: np.ndarray
    mean_sq_inventory: np.ndarray
    spread_income: np.ndarray
    inventory_pnl: np.ndarray


@dataclass(frozen=True)
class HedgingDealerResult(DealerResult):
    """:class:`DealerResult` plus the hedging activity per path: ``n_hedges`` (outside trades),
    ``hedged_volume`` (units) and ``hedging_cost`` (price units); the identity becomes
    ``pnl = spread_income + inventory_pnl - hedging_cost``.

    Attributes
    ----------
    n_hedges : numpy.ndarray
        Outside trades per path (int64).
    hedged_volume : numpy.ndarray
        Volume traded outside per path (units, int64).
    hedging_cost : numpy.ndarray
        ``hedged_volume * (outside_half_spread + hedge_fee)`` per path (price units).
    """

    n_hedges: np.ndarray
    hedged_volume: np.ndarray
    hedging_cost: np.ndarray


@dataclass(frozen=True)
class CompetitionResult:
    """Dealer competition. Per path and dealer (arrays ``(n_paths, n_dealers)``):
    ``final_inventory``, ``pnl`` (``cash_T + q_T S_T``), ``trades_won``, ``volume`` (units
    traded) and ``mean_abs_inventory`` (time average of ``|q|``). Per path: ``n_client_trades``
    (executed), ``n_declined`` (clients who walked away from the best price) and
    ``net_client_flow`` (executed client buy volume minus sell volume). ``skew`` holds each
    dealer's skew per unit of inventory, ``risk_aversion * sigma^2 * holding_time``.

    Attributes
    ----------
    final_inventory : numpy.ndarray
        ``q_T`` (units, int64), shape (n_paths, n_dealers).
    pnl : numpy.ndarray
        ``cash_T + q_T S_T`` (price units), shape (n_paths, n_dealers).
    trades_won : numpy.ndarray
        Client trades executed with each dealer (int64), shape (n_paths, n_dealers).
    volume : numpy.ndarray
        Volume traded by each dealer (units, int64), shape (n_paths, n_dealers).
    mean_abs_inventory : numpy.ndarray
        Average over the steps of ``|q|`` at the end of each step's trades (units), shape
        (n_paths, n_dealers).
    n_client_trades : numpy.ndarray
        Executed client trades (int64), shape (n_paths,).
    n_declined : numpy.ndarray
        Clients who walked away from the best price (int64), shape (n_paths,).
    net_client_flow : numpy.ndarray
        Executed client buy volume minus sell volume (units, int64), shape (n_paths,).
    skew : numpy.ndarray
        Each dealer's skew ``risk_aversion * sigma^2 * holding_time`` (price units per unit
        of inventory), shape (n_dealers,).
    """

    final_inventory: np.ndarray
    pnl: np.ndarray
    trades_won: np.ndarray
    volume: np.ndarray
    mean_abs_inventory: np.ndarray
    n_client_trades: np.ndarray
    n_declined: np.ndarray
    net_client_flow: np.ndarray
    skew: np.ndarray


def _market(sigma: object, arrival_rate: object, mean_size: object, price_sensitivity: object,
            s0: object, T: object, dt: object, n_paths: object, seed: object,
            n_dealers: int = 1) -> tuple[float, float, float, float, float, int, int, int]:
    """Validate the shared market parameters; return ``(sigma sqrt(dt), 2 arrival_rate dt,
    p_size, price_sensitivity, s0, n_steps, n_paths, seed)``. Refuses more than
    :data:`mslab._validate.MAX_WORK` steps and client quotes (``n_paths`` x steps x (1 +
    expected arrivals per step x ``n_dealers``)) and ``mean_size`` above :data:`MAX_MEAN_SIZE`."""
    sigma = _validate.nonnegative("sigma", sigma)
    arrival_rate = _validate.nonnegative("arrival_rate", arrival_rate)
    mean_size = _validate.real("mean_size", mean_size, low=1.0, high=MAX_MEAN_SIZE)
    price_sensitivity = _validate.nonnegative("price_sensitivity", price_sensitivity)
    s0 = _validate.real("s0", s0)
    T = _validate.positive("T", T)
    dt = _validate.real("dt", dt, low=0.0, high=T, low_open=True, high_name="T")
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    seed = _validate.seed("seed", seed)
    n_steps = n_steps_for(T, dt)
    if 2.0 * arrival_rate * dt >= 30.0:  # keeps rng.poisson exact (Knuth's method)
        _validate.fail("dt", dt, f"< 15 / arrival_rate = {15.0 / arrival_rate:.6g} "
                                  "(fewer than 30 expected arrivals per step)")
    _validate.work("n_paths, T, dt, arrival_rate",
                   float(n_paths) * n_steps * (1.0 + 2.0 * arrival_rate * dt * n_dealers))
    _validate.derived("sigma, dt", "sigma * sqrt(dt)", sigma * np.sqrt(dt))
    return (sigma * np.sqrt(dt), 2.0 * arrival_rate * dt, 1.0 / mean_size, price_sensitivity, s0,
            n_steps, n_paths, seed)


@njit(cache=True, error_model="numpy")
def _client_size(s: np.ndarray, p: float) -> int:
    """Geometric size on {1, 2, ...} with success probability ``p`` (mean 1/p); one uniform."""
    u = rng.uniform(s)
    if p >= 1.0:
        return 1
    return 1 + int(np.floor(np.log(1.0 - u) / np.log(1.0 - p)))


@njit(cache=True, error_model="numpy")
def _client_accepts(s: np.ndarray, price_sensitivity: float, edge: float) -> bool:
    """Whether a client offered a price ``edge`` worse than the mid trades, with probability
    ``exp(-price_sensitivity * edge)`` (always when ``edge <= 0``); one uniform."""
    return rng.uniform(s) < np.exp(-price_sensitivity * edge)


# error_model="numpy" (here, in every function a prange loop calls and in mslab.rng): numba
# cannot carry an exception out of a prange loop; it is lost, the outputs stay unwritten and a
# later parallel call may fail. So the kernels never raise: inputs are validated first, a float
# division by zero gives inf/NaN instead of ZeroDivisionError, and outputs start as NaN (or 0).
@njit(parallel=True, cache=True, error_model="numpy")
def _dealer_paths(states, half_spread, skew, max_inventory, hedge_threshold, hedge_unit_cost,
                  step_sd, lam, p_size, price_sensitivity, s0, n_steps):
    """One dealer: bid ``S - h - skew q``, ask ``S + h - skew q``; a trade taking ``|q|`` above
    ``max_inventory`` is rejected; after each fill, inventory beyond ``hedge_threshold`` is
    traded away at ``S -+ hedge_unit_cost``."""
    n_paths = states.shape[0]
    pnl = np.full(n_paths, np.nan)
    final_q = np.zeros(n_paths, dtype=np.int64)
    n_filled = np.zeros(n_paths, dtype=np.int64)
    n_rejected = np.zeros(n_paths, dtype=np.int64)
    n_declined = np.zeros(n_paths, dtype=np.int64)
    vol_filled = np.zeros(n_paths, dtype=np.int64)
    vol_rejected = np.zeros(n_paths, dtype=np.int64)
    max_abs = np.zeros(n_paths, dtype=np.int64)
    mean_abs = np.full(n_paths, np.nan)
    mean_sq = np.full(n_paths, np.nan)
    spread_income = np.zeros(n_paths)
    inventory_pnl = np.zeros(n_paths)
    n_hedges = np.zeros(n_paths, dtype=np.int64)
    hedged_vol = np.zeros(n_paths, dtype=np.int64)
    hedge_cost = np.zeros(n_paths)
    for p in prange(n_paths):
        s = states[p]
        q = 0
        cash = 0.0
        mid = s0
        sum_abs = 0.0
        sum_sq = 0.0
        for _ in range(n_steps):
            for _ in range(rng.poisson(s, lam)):
                client_buys = rng.uniform(s) < 0.5
                size = _client_size(s, p_size)
                # the dealer sells at the ask, mid + edge, or buys at the bid, mid - edge
                edge = half_spread - skew * q if client_buys else half_spread + skew * q
                accepts = _client_accepts(s, price_sensitivity, edge)
                new_q = q - size if client_buys else q + size
                if abs(new_q) > max_inventory:
                    n_rejected[p] += 1
                    vol_rejected[p] += size
                    continue
                if not accepts:
                    n_declined[p] += 1
                    continue
                if client_buys:
                    cash += size * (mid + edge)
                else:
                    cash -= size * (mid - edge)
                spread_income[p] += size * edge
                n_filled[p] += 1
                vol_filled[p] += size
                q = new_q
                excess = abs(q) - hedge_threshold
                if excess > 0:
                    if q > 0:
                        cash += excess * (mid - hedge_unit_cost)
                        q -= excess
                    else:
                        cash -= excess * (mid + hedge_unit_cost)
                        q += excess
                    n_hedges[p] += 1
                    hedged_vol[p] += excess
                    hedge_cost[p] += excess * hedge_unit_cost
                max_abs[p] = max(max_abs[p], abs(q))
            sum_abs += abs(q)
            sum_sq += q * q
            d_mid = step_sd * rng.normal(s)
            inventory_pnl[p] += q * d_mid
            mid += d_mid
        pnl[p] = cash + q * mid
        final_q[p] = q
        mean_abs[p] = sum_abs / n_steps
        mean_sq[p] = sum_sq / n_steps
    return (pnl, final_q, n_filled, n_rejected, n_declined, vol_filled, vol_rejected, max_abs,
            mean_abs, mean_sq, spread_income, inventory_pnl, n_hedges, hedged_vol, hedge_cost)


_PNL_NAMES = "s0, sigma, half_spread, skew, mean_size"  # what scales prices and sizes


def _dealer_common(half_spread: object, skew: object,
                   max_inventory: object) -> tuple[float, float, int]:
    """Validate the single dealer's quoting parameters."""
    return (_validate.nonnegative("half_spread", half_spread),
            _validate.nonnegative("skew", skew),
            _validate.integer("max_inventory", max_inventory, low=0))


def simulate_dealer(*, half_spread: float, skew: float, max_inventory: int, sigma: float,
                    arrival_rate: float, mean_size: float, price_sensitivity: float, s0: float,
                    T: float, dt: float, n_paths: int, seed: int) -> DealerResult:
    """One dealer quoting ``bid = S - half_spread - skew q``, ``ask = S + half_spread - skew q``
    to the client flow of the module docstring, with a hard limit ``|q| <= max_inventory``: a
    client trade that would breach it is rejected (counted in ``n_rejected`` and
    ``volume_rejected``; the limit is checked before the client's decision, so a rejected client
    is never counted as declined). ``half_spread``, ``skew`` (price units per unit of inventory)
    >= 0; ``max_inventory`` >= 0 (units).

    Parameters
    ----------
    half_spread : float
        Distance of both quotes from the skewed centre, >= 0 (price units).
    skew : float
        Shift of both quotes per unit of inventory, >= 0 (price units per unit).
    max_inventory : int
        Hard inventory limit >= 0 (units).
    sigma : float
        Mid-price volatility >= 0 (price units per square-root time unit).
    arrival_rate : float
        Arrival rate of client buyers, and of client sellers, >= 0 (per time unit).
    mean_size : float
        Mean client size, 1 <= mean_size <= :data:`MAX_MEAN_SIZE` (units).
    price_sensitivity : float
        k >= 0 of the acceptance probability ``exp(-k max(delta, 0))`` (per price unit).
    s0 : float
        Initial mid-price (price units).
    T : float
        Horizon > 0 (time units).
    dt : float
        Step, ``0 < dt <= T`` with ``T/dt`` a whole number and ``2 arrival_rate dt < 30``.
    n_paths : int
        Number of simulated paths >= 1.
    seed : int
        Non-negative integer.

    Returns
    -------
    DealerResult
        Per-path results, arrays of length ``n_paths``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, a work or memory bound of the module
        docstring exceeded, or a P&L that is not finite in double precision.
    """
    h, skew, q_max = _dealer_common(half_spread, skew, max_inventory)
    step_sd, lam, p_size, k_client, s0, n_steps, n_paths, seed = _market(
        sigma, arrival_rate, mean_size, price_sensitivity, s0, T, dt, n_paths, seed)
    out = _dealer_paths(rng.path_states(seed, n_paths), h, skew, q_max, q_max, 0.0, step_sd, lam,
                        p_size, k_client, s0, n_steps)
    _validate.derived(_PNL_NAMES, "the simulated P&L", out[0])
    return DealerResult(*out[:12])


def simulate_hedging_dealer(*, half_spread: float, skew: float, max_inventory: int,
                            hedge_threshold: int, outside_half_spread: float, hedge_fee: float,
                            sigma: float, arrival_rate: float, mean_size: float,
                            price_sensitivity: float, s0: float, T: float, dt: float,
                            n_paths: int, seed: int) -> HedgingDealerResult:
    """The dealer of :func:`simulate_dealer` that also hedges: right after any client fill
    leaving ``|q| > hedge_threshold`` it trades the excess ``|q| - hedge_threshold`` in an
    outside market at ``S -+ (outside_half_spread + hedge_fee)`` (selling below / buying above
    the mid), so ``|q| <= hedge_threshold`` between trades. The hard limit ``max_inventory``
    still applies to each client trade before hedging; ``0 <= hedge_threshold <=
    max_inventory``. Same seed, same client flow and mid path as :func:`simulate_dealer`.

    Parameters
    ----------
    half_spread : float
        Distance of both quotes from the skewed centre, >= 0 (price units).
    skew : float
        Shift of both quotes per unit of inventory, >= 0 (price units per unit).
    max_inventory : int
        Hard inventory limit >= 0 (units), checked on each client trade.
    hedge_threshold : int
        Inventory kept after hedging, ``0 <= hedge_threshold <= max_inventory`` (units).
    outside_half_spread : float
        Half-spread of the outside market >= 0 (price units).
    hedge_fee : float
        Fee per unit hedged >= 0 (price units).
    sigma : float
        Mid-price volatility >= 0 (price units per square-root time unit).
    arrival_rate : float
        Arrival rate of client buyers, and of client sellers, >= 0 (per time unit).
    mean_size : float
        Mean client size, 1 <= mean_size <= :data:`MAX_MEAN_SIZE` (units).
    price_sensitivity : float
        k >= 0 of the acceptance probability ``exp(-k max(delta, 0))`` (per price unit).
    s0 : float
        Initial mid-price (price units).
    T : float
        Horizon > 0 (time units).
    dt : float
        Step, ``0 < dt <= T`` with ``T/dt`` a whole number and ``2 arrival_rate dt < 30``.
    n_paths : int
        Number of simulated paths >= 1.
    seed : int
        Non-negative integer.

    Returns
    -------
    HedgingDealerResult
        Per-path results, arrays of length ``n_paths``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, a work or memory bound of the module
        docstring exceeded, or a P&L that is not finite in double precision.
    """
    h, skew, q_max = _dealer_common(half_spread, skew, max_inventory)
    threshold = _validate.integer("hedge_threshold", hedge_threshold, low=0, high=q_max,
                                   high_name="max_inventory")
    unit_cost = (_validate.nonnegative("outside_half_spread", outside_half_spread)
                 + _validate.nonnegative("hedge_fee", hedge_fee))
    step_sd, lam, p_size, k_client, s0, n_steps, n_paths, seed = _market(
        sigma, arrival_rate, mean_size, price_sensitivity, s0, T, dt, n_paths, seed)
    out = _dealer_paths(rng.path_states(seed, n_paths), h, skew, q_max, threshold, unit_cost,
                        step_sd, lam, p_size, k_client, s0, n_steps)
    _validate.derived(f"{_PNL_NAMES}, outside_half_spread, hedge_fee", "the simulated P&L",
                      out[0])
    return HedgingDealerResult(*out)


@njit(parallel=True, cache=True, error_model="numpy")
def _competition_paths(states, half_spread, skews, step_sd, lam, p_size, price_sensitivity, s0,
                       n_steps):
    """Dealer ``i`` quotes ``S -+ half_spread - skews[i] q_i``; each client considers the best
    price for it, walks away or trades (ties within ``_TIE_RTOL`` split uniformly, one extra
    uniform per tied trade)."""
    n_paths = states.shape[0]
    n_dealers = skews.size
    final_q = np.zeros((n_paths, n_dealers), dtype=np.int64)
    pnl = np.full((n_paths, n_dealers), np.nan)
    won = np.zeros((n_paths, n_dealers), dtype=np.int64)
    volume = np.zeros((n_paths, n_dealers), dtype=np.int64)
    mean_abs = np.full((n_paths, n_dealers), np.nan)
    n_client = np.zeros(n_paths, dtype=np.int64)
    n_declined = np.zeros(n_paths, dtype=np.int64)
    net_flow = np.zeros(n_paths, dtype=np.int64)
    for p in prange(n_paths):
        s = states[p]
        q = np.zeros(n_dealers, dtype=np.int64)
        cash = np.zeros(n_dealers)
        sum_abs = np.zeros(n_dealers)
        price = np.empty(n_dealers)
        mid = s0
        for _ in range(n_steps):
            for _ in range(rng.poisson(s, lam)):
                client_buys = rng.uniform(s) < 0.5
                size = _client_size(s, p_size)
                sign = 1.0 if client_buys else -1.0  # client pays sign * price per unit
                for i in range(n_dealers):
                    price[i] = mid + sign * half_spread - skews[i] * q[i]
                best = (sign * price).min() * sign
                if not _client_accepts(s, price_sensitivity, sign * (best - mid)):
                    n_declined[p] += 1
                    continue
                tol = _TIE_RTOL * max(1.0, abs(best))
                n_tied = 0
                for i in range(n_dealers):
                    if abs(price[i] - best) <= tol:
                        n_tied += 1
                pick = rng.randint(s, n_tied) if n_tied > 1 else 0
                winner = 0
                for i in range(n_dealers):
                    if abs(price[i] - best) <= tol:
                        if pick == 0:
                            winner = i
                            break
                        pick -= 1
                cash[winner] += sign * size * price[winner]
                q[winner] -= int(sign) * size
                won[p, winner] += 1
                volume[p, winner] += size
                n_client[p] += 1
                net_flow[p] += int(sign) * size
            for i in range(n_dealers):
                sum_abs[i] += abs(q[i])
            mid += step_sd * rng.normal(s)
        for i in range(n_dealers):
            final_q[p, i] = q[i]
            pnl[p, i] = cash[i] + q[i] * mid
            mean_abs[p, i] = sum_abs[i] / n_steps
    return final_q, pnl, won, volume, mean_abs, n_client, n_declined, net_flow


def simulate_dealer_competition(risk_aversions: np.ndarray, *, half_spread: float,
                                holding_time: float, sigma: float, arrival_rate: float,
                                mean_size: float, price_sensitivity: float, s0: float, T: float,
                                dt: float, n_paths: int, seed: int) -> CompetitionResult:
    """``N = len(risk_aversions)`` dealers compete for the client flow of the module docstring.

    Dealer ``i`` quotes around the Avellaneda–Stoikov reservation price with a fixed holding
    horizon: ``bid_i = S - half_spread - c_i q_i`` and ``ask_i = S + half_spread - c_i q_i``
    with skew ``c_i = risk_aversions[i] * sigma^2 * holding_time`` (``risk_aversions`` per
    price unit, ``holding_time`` in time units: how long the dealer expects to carry a
    position). A client buyer considers the lowest ask, a seller the highest bid, and trades
    its whole size there or walks away (module docstring); quotes tied within a relative
    ``1e-12`` share the trade uniformly at random. No inventory limit. ``risk_aversions``:
    non-empty 1-D, finite, >= 0; ``half_spread``, ``holding_time`` >= 0.

    Parameters
    ----------
    risk_aversions : numpy.ndarray
        Risk aversion of each dealer, >= 0 (per price unit), shape (n_dealers,).
    half_spread : float
        Distance of every dealer's quotes from its skewed centre, >= 0 (price units).
    holding_time : float
        Expected holding horizon of a position, >= 0 (time units).
    sigma : float
        Mid-price volatility >= 0 (price units per square-root time unit).
    arrival_rate : float
        Arrival rate of client buyers, and of client sellers, >= 0 (per time unit).
    mean_size : float
        Mean client size, 1 <= mean_size <= :data:`MAX_MEAN_SIZE` (units).
    price_sensitivity : float
        k >= 0 of the acceptance probability ``exp(-k max(delta, 0))`` (per price unit).
    s0 : float
        Initial mid-price (price units).
    T : float
        Horizon > 0 (time units).
    dt : float
        Step, ``0 < dt <= T`` with ``T/dt`` a whole number and ``2 arrival_rate dt < 30``.
    n_paths : int
        Number of simulated paths >= 1.
    seed : int
        Non-negative integer.

    Returns
    -------
    CompetitionResult
        Per-path and per-dealer results.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, a work or memory bound of the module
        docstring exceeded (also ``n_paths * n_dealers`` above
        :data:`mslab._validate.MAX_ELEMENTS`), or skews or a P&L that are not finite.
    """
    gammas = _validate.real_vector("risk_aversions", risk_aversions, low=0.0)
    h = _validate.nonnegative("half_spread", half_spread)
    holding_time = _validate.nonnegative("holding_time", holding_time)
    step_sd, lam, p_size, k_client, s0, n_steps, n_paths, seed = _market(
        sigma, arrival_rate, mean_size, price_sensitivity, s0, T, dt, n_paths, seed,
        n_dealers=gammas.size)
    skews = _validate.derived("risk_aversions, sigma, holding_time",
                              "risk_aversions * sigma**2 * holding_time",
                              gammas * np.float64(sigma) ** 2 * holding_time)
    _validate.elements("n_paths, risk_aversions", float(n_paths) * gammas.size)
    out = _competition_paths(rng.path_states(seed, n_paths), h, skews, step_sd, lam, p_size,
                             k_client, s0, n_steps)
    _validate.derived(f"{_PNL_NAMES}, risk_aversions, holding_time", "the simulated P&L",
                      out[1])
    return CompetitionResult(*out, skew=skews)
