"""Avellaneda & Stoikov (2008): optimal quoting of a risk-averse market maker.

Model (units: price in currency, time in the horizon's unit, quantities in shares):
the mid-price follows dS = σ dW; a quote at distance δ from the mid is hit by market orders
with Poisson intensity λ(δ) = A·exp(−kδ). The agent maximises E[−exp(−γ(X_T + q_T S_T))].
The approximate optimal quotes are centred on the reservation price

    r(s, q, t) = s − q·γ·σ²·(T − t)

with total spread  δᵃ + δᵇ = γσ²(T − t) + (2/γ)·ln(1 + γ/k).

The simulation follows the paper's discrete scheme: on each step of length dt the ask is
lifted with probability min(1, λ(δᵃ)·dt) (q −= 1, cash += ask), the bid is hit with probability
min(1, λ(δᵇ)·dt) (q += 1, cash −= bid), then the mid moves ±σ√dt with probability ½ each.
Profit is X_T + q_T·S_T.

Strategies
----------
``"inventory"``  quotes around the reservation price (the paper's optimal strategy).
``"symmetric"``  the same total spread, centred on the mid. ``symmetric_spread`` says which
                 spread that is: ``"full"`` (γσ²(T − t) + (2/γ)ln(1 + γ/k), the inventory
                 strategy's spread at each t) or ``"constant"`` ((2/γ)ln(1 + γ/k), the value in
                 the paper's "Spread" column) — the paper does not say which it used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from mslab import _validate, rng

STRATEGIES = ("inventory", "symmetric")
SYMMETRIC_SPREADS = ("full", "constant")


@dataclass(frozen=True)
class QuotePaths:
    """Per-step paths of the first recorded simulations; arrays are (n_recorded, n_steps + 1)
    for levels (value at t_n before the step's fills) and (n_recorded, n_steps) for fills."""

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
    """Outcome of a quoting simulation (:func:`simulate_avellaneda_stoikov` or
    :func:`simulate_linear_quotes`).

    ``profit`` (currency), ``final_inventory`` (shares) and the fill counts hold one value per
    path. ``spread`` is (2/γ)·ln(1 + γ/k), the paper's "Spread" column, for Avellaneda–Stoikov
    runs (NaN otherwise); ``params`` records what the simulation was run with.
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
        return int(self.profit.size)

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation of profit and final inventory, with standard errors
        (of a mean: s/√n; of a standard deviation: s/√(2(n − 1)), the normal-theory value)."""
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


def reservation_price(s: float | np.ndarray, q: float | np.ndarray, gamma: float, sigma: float,
                      tau: float | np.ndarray) -> np.ndarray:
    """Reservation price r = s − q·γ·σ²·τ with τ = T − t the time to the horizon."""
    return np.asarray(s) - np.asarray(q) * gamma * sigma**2 * np.asarray(tau)


def optimal_spread(gamma: float, k: float, sigma: float, tau: float | np.ndarray) -> np.ndarray:
    """Total optimal spread δᵃ + δᵇ = γσ²τ + (2/γ)·ln(1 + γ/k)."""
    return gamma * sigma**2 * np.asarray(tau) + (2.0 / gamma) * np.log1p(gamma / k)


@njit(parallel=True, cache=True)
def _simulate(states, skew, half, base_p, k, dt, s0, sigma, n_steps, profit, final_q, n_bid, n_ask,
              rec_mid, rec_bid, rec_ask, rec_q, rec_cash, rec_bf, rec_af):
    """Kernel. Per step n: quotes are centre ± half[n] with centre = s − q·skew[n]; the fill
    probabilities factor as A·dt·exp(−k·half[n]) · exp(±k·q·skew[n]), and base_p[n] holds the
    path-independent factor A·dt·exp(−k·half[n]) (skew[n] = 0 for the symmetric strategy)."""
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
    """Number of steps of length dt in [0, T]; T/dt must be a whole number (to 1e-9)."""
    n = round(T / dt)
    if n < 1 or abs(n * dt - T) > 1e-9 * max(1.0, T):
        raise ValueError(f"dt={dt!r} is not allowed: T/dt must be a whole number >= 1 (T={T!r})")
    return int(n)


def simulate_linear_quotes(
    half_spread: np.ndarray,
    skew: np.ndarray,
    k: float = 1.5,
    A: float = 140.0,
    sigma: float = 2.0,
    s0: float = 100.0,
    dt: float = 0.005,
    n_paths: int = 1000,
    seed: int = 0,
    record_paths: int = 0,
) -> QuotingResult:
    """Monte Carlo of the Avellaneda–Stoikov discrete scheme for any *linear quoting rule*:
    on step n the agent quotes bid/ask = s − q·skew[n] ∓ half_spread[n].

    ``half_spread`` (currency, ≥ 0) and ``skew`` (currency per share) are arrays with one value
    per step; the horizon is ``len(half_spread)·dt``. Both Avellaneda–Stoikov strategies are
    such rules; the chapter also uses this to test readings of the paper.
    Other parameters as in :func:`simulate_avellaneda_stoikov`.
    """
    half_spread = _schedule("half_spread", half_spread, nonnegative=True)
    skew = _schedule("skew", skew, nonnegative=False)
    if skew.shape != half_spread.shape:
        raise ValueError(f"skew has {skew.size} steps but half_spread has {half_spread.size}: "
                         "skew must have one value per step, like half_spread")
    return _run(half_spread, skew, k=k, A=A, sigma=sigma, s0=s0, dt=dt, n_paths=n_paths,
                seed=seed, record_paths=record_paths, spread=float("nan"), params={})


def _schedule(name: str, values: object, *, nonnegative: bool) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < 1 or not np.all(np.isfinite(arr)) or (
            nonnegative and np.any(arr < 0)):
        kind = "non-negative " if nonnegative else ""
        raise ValueError(f"{name}={values!r} is not allowed: {name} must be a non-empty 1-D "
                         f"array of finite {kind}numbers, one per time step")
    return np.ascontiguousarray(arr)


def _run(half: np.ndarray, skew: np.ndarray, *, k: float, A: float, sigma: float, s0: float,
         dt: float, n_paths: int, seed: int, record_paths: int, spread: float,
         params: dict[str, object]) -> QuotingResult:
    k = _validate.positive("k", k)
    A = _validate.nonnegative("A", A)
    sigma = _validate.nonnegative("sigma", sigma)
    s0 = _validate.real("s0", s0)
    dt = _validate.positive("dt", dt)
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    seed = _validate.seed("seed", seed)
    record_paths = _validate.integer("record_paths", record_paths, low=0, high=n_paths)
    n_steps = half.size
    base_p = A * dt * np.exp(-k * half)

    states = rng.path_states(seed, n_paths)
    profit = np.empty(n_paths)
    final_q = np.empty(n_paths, dtype=np.int64)
    n_bid = np.empty(n_paths, dtype=np.int64)
    n_ask = np.empty(n_paths, dtype=np.int64)
    levels = (record_paths, n_steps + 1)
    mid, bid, ask, cash = (np.empty(levels) for _ in range(4))
    inv = np.empty(levels, dtype=np.int64)
    bid_fill, ask_fill = (np.zeros((record_paths, n_steps), dtype=np.bool_) for _ in range(2))
    _simulate(states, skew, half, base_p, k, dt, s0, sigma, n_steps, profit, final_q, n_bid,
              n_ask, mid, bid, ask, inv, cash, bid_fill, ask_fill)

    paths = None
    if record_paths:
        paths = QuotePaths(times=np.arange(n_steps + 1) * dt, mid=mid, bid=bid, ask=ask,
                           inventory=inv, cash=cash, bid_fill=bid_fill, ask_fill=ask_fill)
    params = dict(params, k=k, A=A, sigma=sigma, s0=s0, dt=dt, n_paths=n_paths, seed=seed)
    return QuotingResult(params=params, dt=dt, n_steps=n_steps, spread=spread, profit=profit,
                         final_inventory=final_q, n_bid_fills=n_bid, n_ask_fills=n_ask,
                         paths=paths)


def simulate_avellaneda_stoikov(
    gamma: float = 0.1,
    k: float = 1.5,
    A: float = 140.0,
    sigma: float = 2.0,
    s0: float = 100.0,
    T: float = 1.0,
    dt: float = 0.005,
    n_paths: int = 1000,
    seed: int = 0,
    strategy: str = "inventory",
    symmetric_spread: str = "full",
    record_paths: int = 0,
) -> QuotingResult:
    """Monte Carlo of the Avellaneda–Stoikov discrete scheme (defaults: the paper's parameters).

    Parameters
    ----------
    gamma : risk aversion γ > 0 (1/currency).
    k : decay of the fill intensity in the quote distance, k > 0 (1/currency).
    A : fill intensity at zero distance, A ≥ 0 (fills per unit time).
    sigma : mid-price volatility σ ≥ 0 (currency per √time).
    s0 : initial mid-price (currency). T : horizon > 0. dt : step, T/dt a whole number.
    n_paths : number of simulated paths ≥ 1. seed : non-negative integer.
    strategy : ``"inventory"`` or ``"symmetric"`` (see the module docstring).
    symmetric_spread : ``"full"`` or ``"constant"``; only used by the symmetric strategy.
    record_paths : keep per-step mid, quotes, inventory, cash and fills of the first
        ``record_paths`` paths (0 ≤ record_paths ≤ n_paths).

    Paths are simulated in parallel, each with its own random stream derived from
    ``(seed, path index)``: results do not depend on the number of threads.
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    sigma = _validate.nonnegative("sigma", sigma)
    T = _validate.positive("T", T)
    dt = _validate.real("dt", dt, low=0.0, high=T, low_open=True)
    strategy = _validate.choice("strategy", strategy, STRATEGIES)
    symmetric_spread = _validate.choice("symmetric_spread", symmetric_spread, SYMMETRIC_SPREADS)
    n_steps = n_steps_for(T, dt)

    tau = T - np.arange(n_steps) * dt
    if strategy == "symmetric" and symmetric_spread == "constant":
        half = np.full(n_steps, np.log1p(gamma / k) / gamma)
    else:
        half = 0.5 * optimal_spread(gamma, k, sigma, tau)
    skew = gamma * sigma**2 * tau if strategy == "inventory" else np.zeros(n_steps)
    params = dict(gamma=gamma, T=T, strategy=strategy, symmetric_spread=symmetric_spread)
    return _run(half, skew, k=k, A=A, sigma=sigma, s0=s0, dt=dt, n_paths=n_paths, seed=seed,
                record_paths=record_paths, spread=float((2.0 / gamma) * np.log1p(gamma / k)),
                params=params)
