"""A two-venue latency-arbitrage simulator with inventory, capital, transfer delay and fees.

Model (time in seconds, latencies and delays given in ms, prices in price units, fees in bp of
the price):

* The fundamental value V jumps at Poisson rate λ_jump by ±|J| (a
  :class:`~mslab.latency.jumps.JumpLaw`), starting from ``v0``.
* The *fast* venue's quotes are V ± ``h_fast`` at all times. On the *slow* venue a passive
  liquidity provider (LP) quotes ``v_slow`` ± ``h_slow`` and moves ``v_slow`` to V
  ``lp_latency`` + U·``lp_jitter`` ms after each jump (a later jump replaces a pending update).
* Investors arrive on the slow venue at rate λ_invest and buy or sell one unit from the LP.
* An arbitrageur sees every jump on the fast venue at once. If taking the slow venue's stale
  quote and hedging on the fast venue earns more than both venues' fees, it sends an order that
  arrives ``arb_latency`` + U·``arb_jitter`` ms later and fills only if it beats the LP's update
  (otherwise the race is *lost*). Buying on one venue needs cash there and room under the
  inventory limit; selling needs units there (no short sales). If a leg cannot be funded the
  opportunity is *missed*. After a trade the arbitrageur sends the unit it gained and the cash
  it raised to the other venue; they arrive ``transfer_delay`` ms later and are *stranded*
  (unusable) in between. The trade is booked when the order is sent (jumps within one latency
  are rare at the default rates).

Units are conserved (fast + slow + in transit = 2·``units0``) and so is cash up to the trading
profits; both are checked in the tests. Every LP fill is recorded with its time, the LP's side,
price and whether the counterparty was the arbitrageur, for markouts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from mslab import _validate
from mslab.latency.bcs_equilibrium import _check_law
from mslab.latency.jumps import JumpLaw, draw_jump
from mslab.rng import exponential, path_states, uniform

FAST, SLOW = 0, 1


@njit(cache=True)
def _simulate(state, horizon, lam_jump, kind, sizes, cum, lam_invest, v0, h_fast, h_slow,
              fee_fast, fee_slow, lp_lat, lp_jit, arb_lat, arb_jit, delay, units0, cash0,
              inv_limit, n_max):
    fill_t, fill_side = np.empty(n_max), np.empty(n_max, np.int64)
    fill_price, fill_arb = np.empty(n_max), np.zeros(n_max, np.bool_)
    jump_t, jump_v = np.empty(n_max), np.empty(n_max)
    q_t, q_to, q_units, q_cash = np.empty(n_max), np.empty(n_max, np.int64), np.empty(n_max), np.empty(n_max)
    units, cash = np.array([units0, units0]), np.array([cash0, cash0])
    stats = np.zeros(12)  # opportunities, trades, lost, missed, pnl, stranded unit-s, stranded cash-s,
    # min units, max units, min cash, units in transit, cash in transit
    stats[7], stats[8], stats[9] = units0, units0, cash0
    head = tail = nf = nj = 0
    v, v_slow, upd_t, upd_v = v0, v0, np.inf, v0
    transit_u = transit_c = 0.0
    last = 0.0
    total = lam_jump + lam_invest
    t = exponential(state, total)
    while t < horizon and nf < n_max - 1 and nj < n_max and tail < n_max:
        while head < tail and q_t[head] <= t:  # transfers arrive
            stats[5] += transit_u * (q_t[head] - last)
            stats[6] += transit_c * (q_t[head] - last)
            last = q_t[head]
            units[q_to[head]] += q_units[head]
            cash[q_to[head]] += q_cash[head]
            transit_u -= q_units[head]
            transit_c -= q_cash[head]
            head += 1
        if upd_t <= t:
            v_slow, upd_t = upd_v, np.inf
        if uniform(state) < lam_jump / total:
            up = uniform(state) < 0.5
            v += draw_jump(state, kind, sizes, cum) * (1.0 if up else -1.0)
            jump_t[nj], jump_v[nj] = t, v
            nj += 1
            upd_t, upd_v = t + lp_lat + lp_jit * uniform(state), v
            arrival = t + arb_lat + arb_jit * uniform(state)
            d = 1.0 if up else -1.0  # +1: buy on slow, sell on fast
            slow_px, fast_px = v_slow + d * h_slow, v - d * h_fast
            edge = d * (fast_px - slow_px) - 1e-4 * (fee_fast * fast_px + fee_slow * slow_px)
            if edge <= 0.0:
                pass
            else:
                stats[0] += 1.0
                buy, sell = (SLOW, FAST) if up else (FAST, SLOW)
                buy_px = slow_px if up else fast_px
                sell_px = fast_px if up else slow_px
                fee_buy = 1e-4 * buy_px * (fee_slow if up else fee_fast)
                fee_sell = 1e-4 * sell_px * (fee_fast if up else fee_slow)
                if (cash[buy] < buy_px + fee_buy or units[buy] + 1.0 > inv_limit
                        or units[sell] < 1.0):
                    stats[3] += 1.0
                elif arrival >= upd_t:
                    stats[2] += 1.0
                else:
                    stats[1] += 1.0
                    stats[4] += edge
                    units[buy] += 1.0
                    units[sell] -= 1.0
                    cash[buy] -= buy_px + fee_buy
                    cash[sell] += sell_px - fee_sell
                    fill_t[nf], fill_side[nf] = arrival, int(-d)
                    fill_price[nf], fill_arb[nf] = slow_px, True
                    nf += 1
                    stats[5] += transit_u * (t - last)
                    stats[6] += transit_c * (t - last)
                    last = t
                    proceeds = sell_px - fee_sell
                    units[buy] -= 1.0  # send the unit back where it was sold, the cash back
                    cash[sell] -= proceeds  # where it was spent
                    transit_u += 1.0
                    transit_c += proceeds
                    q_t[tail], q_to[tail], q_units[tail], q_cash[tail] = t + delay, sell, 1.0, 0.0
                    tail += 1
                    q_t[tail], q_to[tail], q_units[tail], q_cash[tail] = t + delay, buy, 0.0, proceeds
                    tail += 1
            stats[7] = min(stats[7], units.min())
            stats[8] = max(stats[8], units.max())
            stats[9] = min(stats[9], cash.min())
        else:
            side = 1 if uniform(state) < 0.5 else -1  # investor buys (+1) or sells
            fill_t[nf], fill_side[nf] = t, -side
            fill_price[nf] = v_slow + side * h_slow
            nf += 1
        t += exponential(state, total)
    end = min(t, horizon)
    stats[5] += transit_u * (end - last)
    stats[6] += transit_c * (end - last)
    stats[10], stats[11] = transit_u, transit_c
    return (stats, units, cash, fill_t[:nf], fill_side[:nf], fill_price[:nf], fill_arb[:nf],
            jump_t[:nj], jump_v[:nj], end)


MAX_GRID = 400
"""Largest number of (latency, delay) points of :func:`latency_transfer_grid`."""


@dataclass(frozen=True)
class TwoVenueRun:
    """Result of :func:`simulate_two_venue`.

    Attributes
    ----------
    summary : dict
        ``opportunities`` (jumps whose stale quote beats both fees), ``trades``, ``lost``
        (races lost to the LP's update), ``missed`` (a leg could not be funded), ``profit``
        (price units, the edges of the trades net of fees) and ``profit_per_hour``,
        ``stranded_units`` and ``stranded_cash`` (time averages of the units and cash in
        transit), ``min_units`` and ``max_units`` on any venue, ``min_cash``,
        ``transit_units`` and ``transit_cash`` (still in transit at the end), and the final
        ``units_fast``, ``units_slow``, ``cash_fast`` and ``cash_slow`` (the minima and
        maxima are sampled after each jump).
    fills : pandas.DataFrame
        The slow LP's fills in the order recorded: ``time`` (s; an arbitrageur's fill at its
        order's arrival, so the times need not be sorted), ``side`` (+1 LP bought / −1 sold),
        ``price`` (price units) and ``arbitrageur`` (bool).
    jumps : pandas.DataFrame
        ``time`` (s) and the value ``v`` after each jump.
    v0 : float
        The value before the first jump (price units).
    """

    summary: dict
    fills: pd.DataFrame
    jumps: pd.DataFrame
    v0: float


def simulate_two_venue(*, law: JumpLaw, lam_jump: float = 1.0, lam_invest: float = 5.0,
                       v0: float = 100.0, h_fast: float = 0.005, h_slow: float = 0.01,
                       fee_fast_bp: float = 0.5, fee_slow_bp: float = 0.5,
                       lp_latency_ms: float = 20.0, lp_jitter_ms: float = 10.0,
                       arb_latency_ms: float = 5.0, arb_jitter_ms: float = 10.0,
                       transfer_delay_ms: float = 1000.0, units0: float = 2.0,
                       cash0: float = 300.0, inv_limit: float = 4.0,
                       horizon: float = 3600.0, seed: int = 0) -> TwoVenueRun:
    """Simulate one path of ``horizon`` seconds (see the module docstring for the model).

    Work bound: horizon·(λ_jump + λ_invest) expected events ≤ :data:`mslab._validate.MAX_WORK`
    (and the event buffers ≤ :data:`mslab._validate.MAX_ELEMENTS`).

    Parameters
    ----------
    law : JumpLaw
        Law of the jump magnitude |J| (price units); required.
    lam_jump : float
        Jump rate λ_jump per second, > 0; default 1.
    lam_invest : float
        Investor arrival rate λ_invest on the slow venue per second, > 0; default 5.
    v0 : float
        Initial fundamental value V, > 0, in price units; default 100.
    h_fast : float
        Half-spread of the fast venue's quotes around V, ≥ 0, price units; default 0.005.
    h_slow : float
        Half-spread of the slow LP's quotes, ≥ 0, price units; default 0.01.
    fee_fast_bp : float
        Fee on the fast venue, ≥ 0, bp of the trade price; default 0.5.
    fee_slow_bp : float
        Fee on the slow venue, ≥ 0, bp of the trade price; default 0.5.
    lp_latency_ms : float
        Fixed part of the LP's update delay after a jump, ≥ 0, ms; default 20.
    lp_jitter_ms : float
        Largest uniform extra delay of the LP's update, ≥ 0, ms; default 10.
    arb_latency_ms : float
        Fixed part of the arbitrageur's order delay, ≥ 0, ms; default 5.
    arb_jitter_ms : float
        Largest uniform extra delay of the arbitrageur's order, ≥ 0, ms; default 10.
    transfer_delay_ms : float
        Time for a transfer of units or cash between venues, ≥ 0, ms; default 1000.
    units0 : float
        Units of the asset the arbitrageur holds on each venue at the start, ≥ 0; default 2.
    cash0 : float
        Cash on each venue at the start (price units), ≥ 0; default 300.
    inv_limit : float
        Most units the arbitrageur may hold on one venue, ≥ ``units0``; default 4.
    horizon : float
        Simulated time in seconds, > 0; default 3600.
    seed : int
        Seed (≥ 0) of the :mod:`mslab.rng` stream; default 0.

    Returns
    -------
    TwoVenueRun
        The summary, the LP's fills and the jumps of the path.

    Raises
    ------
    ValueError
        If ``law`` is not a ``JumpLaw``, a parameter is outside the ranges above, or the
        expected events exceed the work or element bound.
    RuntimeError
        If the event buffers fill up before the horizon (an improbable path).
    """
    law = _check_law(law)
    lam_jump, lam_invest = _validate.positive("lam_jump", lam_jump), _validate.positive("lam_invest", lam_invest)
    v0 = _validate.positive("v0", v0)
    h_fast, h_slow = _validate.nonnegative("h_fast", h_fast), _validate.nonnegative("h_slow", h_slow)
    fees = [_validate.nonnegative(n, x) for n, x in (("fee_fast_bp", fee_fast_bp), ("fee_slow_bp", fee_slow_bp))]
    ms = [_validate.nonnegative(n, x) / 1000.0 for n, x in (
        ("lp_latency_ms", lp_latency_ms), ("lp_jitter_ms", lp_jitter_ms),
        ("arb_latency_ms", arb_latency_ms), ("arb_jitter_ms", arb_jitter_ms),
        ("transfer_delay_ms", transfer_delay_ms))]
    units0 = _validate.real("units0", units0, low=0.0)
    cash0 = _validate.nonnegative("cash0", cash0)
    inv_limit = _validate.real("inv_limit", inv_limit, low=units0, low_name="units0")
    horizon = _validate.positive("horizon", horizon)
    expected = horizon * (lam_jump + lam_invest)
    names = "horizon, lam_jump, lam_invest"  # horizon*(lam_jump + lam_invest) expected events
    _validate.work(names, expected)
    _validate.elements(names, expected + 10 * np.sqrt(expected) + 100)  # the event buffers
    n_max = int(expected + 10 * np.sqrt(expected) + 100)
    st, units, cash, ft, fs, fp, fa, jt, jv, end = _simulate(
        path_states(seed, 1)[0], horizon, lam_jump, law.kind, law.sizes, np.cumsum(law.probs),
        lam_invest, v0, h_fast, h_slow, fees[0], fees[1], *ms, units0, cash0, inv_limit, n_max)
    if end < horizon:
        raise RuntimeError("simulation stopped before the horizon: event buffers full")
    summary = dict(opportunities=int(st[0]), trades=int(st[1]), lost=int(st[2]),
                   missed=int(st[3]), profit=float(st[4]), profit_per_hour=3600.0 * st[4] / horizon,
                   stranded_units=st[5] / horizon, stranded_cash=st[6] / horizon,
                   min_units=st[7], max_units=st[8], min_cash=st[9], transit_units=st[10],
                   transit_cash=st[11], units_fast=units[FAST], units_slow=units[SLOW],
                   cash_fast=cash[FAST], cash_slow=cash[SLOW])
    fills = pd.DataFrame({"time": ft, "side": fs, "price": fp, "arbitrageur": fa})
    return TwoVenueRun(summary, fills, pd.DataFrame({"time": jt, "v": jv}), v0)


def value_at(run: TwoVenueRun, times: np.ndarray) -> np.ndarray:
    """The fundamental value at ``times`` (s, a 1-D array; NaN gives NaN) on the run's path.

    Parameters
    ----------
    run : TwoVenueRun
        A simulated path.
    times : numpy.ndarray
        1-D array of times in seconds; NaN allowed.

    Returns
    -------
    numpy.ndarray
        Shape of ``times``: the value after the last jump at or before each time (``run.v0``
        before the first jump), in price units; NaN where the time is NaN.

    Raises
    ------
    ValueError
        If ``run`` is not a ``TwoVenueRun`` or ``times`` is not a 1-D numeric array.
    """
    run = _validate.instance("run", run, TwoVenueRun)
    times = _validate.series("times", times)
    k = np.searchsorted(run.jumps["time"].to_numpy(), times, side="right") - 1
    v = np.where(k >= 0, run.jumps["v"].to_numpy()[np.maximum(k, 0)], run.v0)
    return np.where(np.isnan(times), np.nan, v)


def markouts(run: TwoVenueRun, horizon_ms: float, fast_window_ms: float) -> pd.DataFrame:
    """The slow LP's markout of every fill, side·(V(t + horizon) − price) (price units; the LP's
    profit marked to the value ``horizon_ms`` later), with ``fast``: the toxic-flow detector's
    tag — the fill came within ``fast_window_ms`` of a move of the fast venue (a jump).

    Parameters
    ----------
    run : TwoVenueRun
        A simulated path.
    horizon_ms : float
        Markout horizon in ms, ≥ 0.
    fast_window_ms : float
        Window of the detector in ms, ≥ 0: a fill at most this long after the latest jump at
        or before it is tagged fast.

    Returns
    -------
    pandas.DataFrame
        ``run.fills`` with two more columns: ``markout`` (price units per fill) and ``fast``
        (bool).

    Raises
    ------
    ValueError
        If ``run`` is not a ``TwoVenueRun`` or a window is negative or not finite.
    """
    run = _validate.instance("run", run, TwoVenueRun)
    horizon_ms = _validate.nonnegative("horizon_ms", horizon_ms)
    w = _validate.nonnegative("fast_window_ms", fast_window_ms) / 1000.0
    f = run.fills
    t = f["time"].to_numpy()
    mark = f["side"].to_numpy() * (value_at(run, t + horizon_ms / 1000.0) - f["price"].to_numpy())
    jt = run.jumps["time"].to_numpy()
    k = np.searchsorted(jt, t, side="right") - 1
    since = np.where(k >= 0, t - jt[np.maximum(k, 0)], np.inf)
    return f.assign(markout=mark, fast=since <= w)


def detector_table(marked: pd.DataFrame) -> pd.DataFrame:
    """How well the speed tag finds the arbitrageur's fills: per tag (fast / slow), the fills,
    the share that are the arbitrageur's (precision for the fast tag), the share of the
    arbitrageur's fills it catches (recall), and the mean markout (price units per fill).

    Parameters
    ----------
    marked : pandas.DataFrame
        A frame from :func:`markouts` (columns ``arbitrageur``, ``fast``, ``markout``).

    Returns
    -------
    pandas.DataFrame
        One row per tag present, ``slow`` then ``fast``: ``tag``, ``fills``,
        ``arbitrageur share``, ``recall`` (the tag's share of all the arbitrageur's fills; 0
        when there are none) and ``mean markout``.

    Raises
    ------
    ValueError
        If ``marked`` is not a DataFrame with those columns.
    """
    if not (isinstance(marked, pd.DataFrame)
            and {"arbitrageur", "fast", "markout"} <= set(marked.columns)):
        _validate.fail("marked", type(marked).__name__, "a frame from markouts")
    n_arb = max(int(marked["arbitrageur"].sum()), 1)
    rows = []
    for tag, g in marked.groupby("fast"):
        rows.append(("fast" if tag else "slow", len(g), float(g["arbitrageur"].mean()),
                     float(g["arbitrageur"].sum() / n_arb), float(g["markout"].mean())))
    return pd.DataFrame(rows, columns=["tag", "fills", "arbitrageur share", "recall",
                                       "mean markout"])


def latency_transfer_grid(latencies_ms: list[float], delays_ms: list[float],
                          **model: object) -> pd.DataFrame:
    """:func:`simulate_two_venue` (same seed: common random numbers) for every arbitrageur
    latency and transfer delay: one row each with ``arb_latency_ms``, ``transfer_delay_ms`` and
    the summary's ``opportunities``, ``trades``, ``lost``, ``missed``, ``profit_per_hour`` and
    ``stranded_units``. At most :data:`MAX_GRID` points.

    Parameters
    ----------
    latencies_ms : list of float
        Arbitrageur latencies ``arb_latency_ms`` (ms, ≥ 0), a non-empty 1-D list.
    delays_ms : list of float
        Transfer delays ``transfer_delay_ms`` (ms, ≥ 0), a non-empty 1-D list.
    **model
        The other keyword arguments of :func:`simulate_two_venue`; ``law`` is required.

    Returns
    -------
    pandas.DataFrame
        One row per (delay, latency), delay-major in the order of the lists.

    Raises
    ------
    ValueError
        For a malformed list, more than :data:`MAX_GRID` (400) points, or anything
        :func:`simulate_two_venue` refuses.
    RuntimeError
        As :func:`simulate_two_venue`.
    """
    latencies_ms = _validate.real_vector("latencies_ms", latencies_ms, low=0.0)
    delays_ms = _validate.real_vector("delays_ms", delays_ms, low=0.0)
    if latencies_ms.size * delays_ms.size > MAX_GRID:
        _validate.fail("latencies_ms", f"<{latencies_ms.size} latencies>",
                       f"a grid of ≤ {MAX_GRID} (latency, delay) points with delays_ms "
                       f"({delays_ms.size} delays)")
    keys = ["opportunities", "trades", "lost", "missed", "profit_per_hour", "stranded_units"]
    rows = []
    for d in delays_ms.tolist():
        for lat in latencies_ms.tolist():
            s = simulate_two_venue(arb_latency_ms=lat, transfer_delay_ms=d, **model).summary
            rows.append({"arb_latency_ms": lat, "transfer_delay_ms": d, **{k: s[k] for k in keys}})
    return pd.DataFrame(rows)
