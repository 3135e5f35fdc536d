"""The discrete-time quoting scheme of Avellaneda & Stoikov (2008), shared by every quoting rule.

On a grid of steps of length dt the market maker posts a bid and an ask around the mid S (price
units); on each step the ask is lifted with probability min(1, A·exp(−k·δᵃ)·dt) (q −= 1,
cash += ask), the bid is hit with probability min(1, A·exp(−k·δᵇ)·dt) (q += 1, cash −= bid),
both decided at the inventory of the start of the step, then the mid moves ±σ√dt with
probability ½ each. Profit is cash_T + q_T·S_T.

Two kinds of quoting rule are simulated by the same kernel, with the same random draws:

* a *linear rule* (Avellaneda–Stoikov): bid/ask = S − q·skew[n] ∓ half[n];
* an *inventory table* (Guéant–Lehalle–Fernandez-Tapia): depths bid_depth[n, q + Q] and
  ask_depth[n, q + Q] for q ∈ [−Q, Q], NaN on a side that is not quoted (probability 0).

Each path owns a random stream derived from (seed, path index) (:mod:`mslab.rng`): per step one
uniform decides the ask, a second the bid, and the lowest bit of the second moves the mid, so
results do not depend on the number of threads and rules can be compared on the same mid paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from mslab import _validate, rng


@dataclass(frozen=True)
class QuotePaths:
    """Per-step paths of the first recorded simulations; arrays are (n_recorded, n_steps + 1)
    for levels (value at t_n before the step's fills) and (n_recorded, n_steps) for fills.

    Attributes
    ----------
    times : numpy.ndarray
        t_n = n·dt, shape (n_steps + 1,).
    mid : numpy.ndarray
        Mid-price S at t_n (price units), shape (n_recorded, n_steps + 1).
    bid : numpy.ndarray
        Bid posted on step n (price units); NaN in the last column and where the bid is not
        quoted. Shape (n_recorded, n_steps + 1).
    ask : numpy.ndarray
        Ask posted on step n (price units), NaN as for ``bid``.
    inventory : numpy.ndarray
        Inventory q at t_n (shares, int64), shape (n_recorded, n_steps + 1).
    cash : numpy.ndarray
        Cash at t_n (price units), shape (n_recorded, n_steps + 1).
    bid_fill : numpy.ndarray
        Whether the bid was hit on step n (bool), shape (n_recorded, n_steps).
    ask_fill : numpy.ndarray
        Whether the ask was lifted on step n (bool), shape (n_recorded, n_steps).
    """

    times: np.ndarray
    mid: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    inventory: np.ndarray
    cash: np.ndarray
    bid_fill: np.ndarray
    ask_fill: np.ndarray


@dataclass(frozen=True)
class QuotingResult:
    """Outcome of a quoting simulation
    (:func:`~mslab.inventory.avellaneda_stoikov.simulate_avellaneda_stoikov` or
    :func:`~mslab.inventory.avellaneda_stoikov.simulate_linear_quotes`).

    ``profit`` (currency), ``final_inventory`` (shares) and the fill counts hold one value per
    path. ``spread`` is (2/γ)·ln(1 + γ/k), the paper's "Spread" column, for Avellaneda–Stoikov
    runs (NaN otherwise); ``params`` records what the simulation was run with.

    Attributes
    ----------
    params : dict
        The parameters the simulation was run with (strategy, market parameters, seed, ...).
    dt : float
        Step length.
    n_steps : int
        Number of steps.
    spread : float
        (2/γ)·ln(1 + γ/k) (price units) for Avellaneda–Stoikov runs, NaN otherwise.
    profit : numpy.ndarray
        Profit cash_T + q_T·S_T of each path (price units), shape (n_paths,).
    final_inventory : numpy.ndarray
        Inventory q_T of each path (shares, int64), shape (n_paths,).
    n_bid_fills : numpy.ndarray
        Number of bid fills of each path (int64), shape (n_paths,).
    n_ask_fills : numpy.ndarray
        Number of ask fills of each path (int64), shape (n_paths,).
    paths : QuotePaths or None
        The recorded paths, None when no path was recorded.
    """

    params: dict[str, object]
    dt: float
    n_steps: int
    spread: float
    profit: np.ndarray
    final_inventory: np.ndarray
    n_bid_fills: np.ndarray
    n_ask_fills: np.ndarray
    paths: QuotePaths | None

    @property
    def n_paths(self) -> int:
        """Number of simulated paths."""
        return int(self.profit.size)

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation of profit and final inventory, with standard errors
        (of a mean: s/√n; of a standard deviation: s/√(2(n − 1)), the normal-theory value).

        Returns
        -------
        dict
            ``spread``, ``n_paths``; ``mean_``, ``std_`` (ddof = 1; 0 for one path),
            ``se_mean_`` and ``se_std_`` (NaN for one path) of ``profit`` (price units) and of
            ``final_q`` (shares); ``mean_fills``, the mean number of fills (bid + ask) per path.
            All values are floats.
        """
        n = self.n_paths
        out: dict[str, float] = {"spread": self.spread, "n_paths": float(n)}
        for name, x in (("profit", self.profit), ("final_q", self.final_inventory.astype(float))):
            mean, sd = float(np.mean(x)), float(np.std(x, ddof=1)) if n > 1 else 0.0
            out[f"mean_{name}"] = mean
            out[f"std_{name}"] = sd
            out[f"se_mean_{name}"] = sd / np.sqrt(n)
            out[f"se_std_{name}"] = sd / np.sqrt(2.0 * (n - 1)) if n > 1 else float("nan")
        out["mean_fills"] = float(np.mean(self.n_bid_fills + self.n_ask_fills))
        return out


# error_model="numpy": a prange kernel must never raise (see mslab.inventory.dealers).
@njit(parallel=True, cache=True, error_model="numpy")
def _simulate(states, half, skew, base_p, k, bid_depth, ask_depth, p_bid_table, p_ask_table, Q,
              dt, s0, sigma, n_steps, profit, final_q, n_bid, n_ask,
              rec_mid, rec_bid, rec_ask, rec_q, rec_cash, rec_bf, rec_af):
    """Kernel. With Q = 0 the linear rule: the fill probabilities factor as
    A·dt·exp(−k·half[n]) · exp(±k·q·skew[n]), base_p[n] holding the path-independent factor.
    With Q > 0 the inventory table: depths and (capped) fill probabilities are looked up."""
    n_rec = rec_mid.shape[0]
    ds = sigma * np.sqrt(dt)
    for i in prange(states.shape[0]):
        a, b, c, d = states[i, 0], states[i, 1], states[i, 2], states[i, 3]
        s = s0
        q = 0
        cash = 0.0
        nb = 0
        na = 0
        for n in range(n_steps):
            if Q > 0:
                j = q + Q
                bid = s - bid_depth[n, j]  # NaN when not quoted; its probability is then 0
                ask = s + ask_depth[n, j]
                p_bid = p_bid_table[n, j]
                p_ask = p_ask_table[n, j]
            else:
                shift = q * skew[n]
                bid = s - shift - half[n]
                ask = s - shift + half[n]
                tilt = np.exp(k * shift) if shift != 0.0 else 1.0
                p_ask = min(1.0, base_p[n] * tilt)
                p_bid = min(1.0, base_p[n] / tilt)
            u1, a, b, c, d = rng.xoshiro_step(a, b, c, d)
            u2, a, b, c, d = rng.xoshiro_step(a, b, c, d)
            ask_hit = rng.to_unit(u1) < p_ask
            bid_hit = rng.to_unit(u2) < p_bid
            if i < n_rec:
                rec_mid[i, n] = s
                rec_bid[i, n] = bid
                rec_ask[i, n] = ask
                rec_q[i, n] = q
                rec_cash[i, n] = cash
                rec_af[i, n] = ask_hit
                rec_bf[i, n] = bid_hit
            if ask_hit:
                q -= 1
                cash += ask
                na += 1
            if bid_hit:
                q += 1
                cash -= bid
                nb += 1
            # The lowest bit of u2 is independent of the 53 high bits used for the bid draw.
            if u2 & np.uint64(1):
                s += ds
            else:
                s -= ds
        if i < n_rec:
            rec_mid[i, n_steps] = s
            rec_bid[i, n_steps] = np.nan
            rec_ask[i, n_steps] = np.nan
            rec_q[i, n_steps] = q
            rec_cash[i, n_steps] = cash
        profit[i] = cash + q * s
        final_q[i] = q
        n_bid[i] = nb
        n_ask[i] = na


def n_steps_for(T: float, dt: float) -> int:
    """Number of steps of length dt in [0, T]; T/dt must be a whole number (to 1e-9) and at most
    :data:`mslab._validate.MAX_ELEMENTS` (per-step arrays are allocated).

    Parameters
    ----------
    T : float
        Horizon (time units); the callers have validated T > 0.
    dt : float
        Step length (time units), 0 < dt.

    Returns
    -------
    int
        n = T/dt, rounded to the nearest integer.

    Raises
    ------
    ValueError
        If T/dt exceeds :data:`mslab._validate.MAX_ELEMENTS` (or is not finite), is below 1, or
        |n·dt − T| > 1e-9·max(1, T).
    """
    with np.errstate(all="ignore"):
        ratio = float(np.float64(T) / np.float64(dt))
    _validate.elements("T, dt (T/dt steps)", ratio)
    n = round(ratio)
    if n < 1 or abs(n * dt - T) > 1e-9 * max(1.0, T):
        raise ValueError(f"dt={dt!r} is not allowed: T/dt must be a whole number >= 1 (T={T!r})")
    return int(n)


def check_paths(n_paths: int, n_steps: int, record_paths: int) -> None:
    """Refuse, before any kernel runs, ``n_paths`` paths of ``n_steps`` steps beyond
    :data:`mslab._validate.MAX_WORK` path-steps, or recording ``record_paths`` paths of
    ``n_steps + 1`` values beyond :data:`mslab._validate.MAX_ELEMENTS`.

    Parameters
    ----------
    n_paths : int
        Number of simulated paths.
    n_steps : int
        Number of steps per path.
    record_paths : int
        Number of recorded paths.

    Raises
    ------
    ValueError
        If either bound is exceeded.
    """
    steps = "T/dt (the steps; len(half_spread) for a linear rule)"
    _validate.work(f"n_paths, {steps}", float(n_paths) * n_steps)
    _validate.elements(f"record_paths, {steps}", float(record_paths) * (n_steps + 1))


def simulate_scheme(*, k: float, A: float, sigma: float, s0: float, dt: float, n_paths: int,
                    seed: int, record_paths: int, params: dict[str, object],
                    half: np.ndarray | None = None, skew: np.ndarray | None = None,
                    bid_depth: np.ndarray | None = None, ask_depth: np.ndarray | None = None,
                    spread: float = float("nan")) -> QuotingResult:
    """Run the scheme for a linear rule (``half``, ``skew``: one value per step) or an inventory
    table (``bid_depth``, ``ask_depth``: (n_steps, 2Q + 1), NaN where not quoted). Validates the
    market parameters; the callers validate their rule.

    Parameters
    ----------
    k : float
        Decay of the fill intensity in the quote distance, k > 0 (1/price unit).
    A : float
        Fill intensity at zero distance, A ≥ 0 (fills per time unit).
    sigma : float
        Mid-price volatility σ ≥ 0 (price units per √time).
    s0 : float
        Initial mid-price (price units).
    dt : float
        Step length > 0.
    n_paths : int
        Number of simulated paths ≥ 1.
    seed : int
        Non-negative integer.
    record_paths : int
        Number of recorded paths, 0 ≤ record_paths ≤ n_paths.
    params : dict
        Rule parameters to record in the result; the market parameters are added.
    half : numpy.ndarray or None
        Linear rule: half-spread on each step (price units), shape (n_steps,).
    skew : numpy.ndarray or None
        Linear rule: skew per share on each step (price units per share), shape (n_steps,).
    bid_depth : numpy.ndarray or None
        Inventory table: bid depth (price units) for step n and inventory q at
        ``[n, q + Q]``, shape (n_steps, 2Q + 1); NaN where the bid is not quoted. When given,
        ``half`` and ``skew`` are ignored.
    ask_depth : numpy.ndarray or None
        Inventory table: ask depths, as ``bid_depth``.
    spread : float
        Value of the result's ``spread`` field (NaN by default).

    Returns
    -------
    QuotingResult
        Profit, final inventory and fill counts of every path, and the recorded paths.

    Raises
    ------
    ValueError
        For a market parameter outside the ranges above, the work or memory bounds of
        :func:`check_paths` exceeded, or a non-finite simulated profit.
    """
    k = _validate.positive("k", k)
    A = _validate.nonnegative("A", A)
    sigma = _validate.nonnegative("sigma", sigma)
    s0 = _validate.real("s0", s0)
    dt = _validate.positive("dt", dt)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    seed = _validate.seed("seed", seed)
    record_paths = _validate.integer("record_paths", record_paths, low=0, high=n_paths,
                                      high_name="n_paths")
    n_steps = half.size if bid_depth is None else bid_depth.shape[0]
    check_paths(n_paths, n_steps, record_paths)
    empty_1d, empty_2d = np.empty(0), np.empty((0, 1))
    if bid_depth is None:
        n_steps, Q = half.size, 0
        base_p = A * dt * np.exp(-k * half)
        tables = (empty_2d, empty_2d, empty_2d, empty_2d)
    else:
        n_steps, Q = bid_depth.shape[0], (bid_depth.shape[1] - 1) // 2
        half = skew = base_p = empty_1d
        with np.errstate(over="ignore"):
            p_bid = np.where(np.isnan(bid_depth), 0.0, np.minimum(1.0, A * dt * np.exp(-k * bid_depth)))
            p_ask = np.where(np.isnan(ask_depth), 0.0, np.minimum(1.0, A * dt * np.exp(-k * ask_depth)))
        tables = (bid_depth, ask_depth, p_bid, p_ask)

    states = rng.path_states(seed, n_paths)
    profit = np.full(n_paths, np.nan)
    final_q, n_bid, n_ask = (np.zeros(n_paths, dtype=np.int64) for _ in range(3))
    levels = (record_paths, n_steps + 1)
    mid, bid, ask, cash = (np.full(levels, np.nan) for _ in range(4))
    inv = np.zeros(levels, dtype=np.int64)
    bid_fill, ask_fill = (np.zeros((record_paths, n_steps), dtype=np.bool_) for _ in range(2))
    _simulate(states, half, skew, base_p, k, *tables, Q, dt, s0, sigma, n_steps, profit, final_q,
              n_bid, n_ask, mid, bid, ask, inv, cash, bid_fill, ask_fill)
    _validate.derived("s0, sigma, A, dt", "the simulated profit", profit)

    paths = None
    if record_paths:
        paths = QuotePaths(times=np.arange(n_steps + 1) * dt, mid=mid, bid=bid, ask=ask,
                           inventory=inv, cash=cash, bid_fill=bid_fill, ask_fill=ask_fill)
    params = dict(params, k=k, A=A, sigma=sigma, s0=s0, dt=dt, n_paths=n_paths, seed=seed)
    return QuotingResult(params=params, dt=dt, n_steps=n_steps, spread=spread, profit=profit,
                         final_inventory=final_q, n_bid_fills=n_bid, n_ask_fills=n_ask,
                         paths=paths)
