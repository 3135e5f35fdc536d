"""Avellaneda & Stoikov (2008): optimal quoting of a risk-averse market maker.

Model (units: price in currency, time in the horizon's unit, quantities in shares):
the mid-price follows dS = σ dW; a quote at distance δ from the mid is hit by market orders
with Poisson intensity λ(δ) = A·exp(−kδ). The agent maximises E[−exp(−γ(X_T + q_T S_T))].
The approximate optimal quotes are centred on the reservation price

    r(s, q, t) = s − q·γ·σ²·(T − t)

with total spread  δᵃ + δᵇ = γσ²(T − t) + (2/γ)·ln(1 + γ/k).

The simulation follows the paper's discrete scheme (:mod:`mslab.inventory.quoting`): on each
step of length dt the ask is lifted with probability min(1, λ(δᵃ)·dt) (q −= 1, cash += ask), the
bid is hit with probability min(1, λ(δᵇ)·dt) (q += 1, cash −= bid), then the mid moves ±σ√dt
with probability ½ each. Profit is X_T + q_T·S_T.

Strategies
----------
``"inventory"``  quotes around the reservation price (the paper's optimal strategy).
``"symmetric"``  the same total spread, centred on the mid. ``symmetric_spread`` says which
                 spread that is: ``"full"`` (γσ²(T − t) + (2/γ)ln(1 + γ/k), the inventory
                 strategy's spread at each t) or ``"constant"`` ((2/γ)ln(1 + γ/k), the value in
                 the paper's "Spread" column) — the paper does not say which it used.
"""

from __future__ import annotations

import numpy as np
from numba import vectorize

from mslab import _validate
from mslab.inventory.quoting import QuotingResult, n_steps_for, simulate_scheme

STRATEGIES = ("inventory", "symmetric")
SYMMETRIC_SPREADS = ("full", "constant")


@vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def reservation_formula(s, q, gamma, sigma, tau):
    """Reservation price r = s − q·γ·σ²·τ, unvalidated.

    A ufunc that jitted code (the order-book quoter) calls on scalars and
    :func:`reservation_price` on arrays; inputs broadcast, nothing is checked.

    Parameters
    ----------
    s : float
        Mid-price (currency).
    q : float
        Inventory (shares).
    gamma : float
        Risk aversion γ (1/currency).
    sigma : float
        Mid-price volatility σ (currency per √time).
    tau : float
        Time to the horizon τ = T − t.

    Returns
    -------
    float
        The reservation price r (currency); an array when the inputs are arrays.
    """
    return s - q * gamma * sigma**2 * tau


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def spread_formula(gamma, k, sigma, tau):
    """Total spread δᵃ + δᵇ = γσ²τ + (2/γ)·ln(1 + γ/k), unvalidated.

    A ufunc like :func:`reservation_formula`: inputs broadcast, nothing is checked.

    Parameters
    ----------
    gamma : float
        Risk aversion γ (1/currency).
    k : float
        Decay of the fill intensity in the quote distance (1/currency).
    sigma : float
        Mid-price volatility σ (currency per √time).
    tau : float
        Time to the horizon τ = T − t.

    Returns
    -------
    float
        The total spread (currency); an array when the inputs are arrays.
    """
    return gamma * sigma**2 * tau + (2.0 / gamma) * np.log1p(gamma / k)


def reservation_price(s: float | np.ndarray, q: float | np.ndarray, gamma: float, sigma: float,
                      tau: float | np.ndarray) -> np.ndarray:
    """Reservation price r = s − q·γ·σ²·τ (currency) with τ = T − t ≥ 0 the time to the
    horizon; s, q and τ may be arrays (broadcast).

    Parameters
    ----------
    s : float or numpy.ndarray
        Mid-price (currency), finite.
    q : float or numpy.ndarray
        Inventory (shares), finite.
    gamma : float
        Risk aversion γ > 0 (1/currency).
    sigma : float
        Mid-price volatility σ ≥ 0 (currency per √time).
    tau : float or numpy.ndarray
        Time to the horizon τ ≥ 0 (the unit of the horizon).

    Returns
    -------
    numpy.ndarray
        The reservation price (currency), of the broadcast shape of ``s``, ``q`` and ``tau``
        (0-d for scalar inputs).

    Raises
    ------
    ValueError
        If an input is not finite, ``gamma`` ≤ 0, ``sigma`` < 0, ``tau`` < 0, or the result
        overflows.

    Examples
    --------
    With the paper's γ = 0.1 and σ = 2, half-way to the horizon, a long inventory lowers the
    reservation price and a short one raises it:

    >>> import numpy as np
    >>> from mslab.inventory import reservation_price
    >>> reservation_price(100.0, np.array([-2, 0, 2]), gamma=0.1, sigma=2.0, tau=0.5)
    array([100.4, 100. ,  99.6])
    """
    s = _validate.real_array("s", s)
    q = _validate.real_array("q", q)
    gamma = _validate.positive("gamma", gamma)
    sigma = _validate.nonnegative("sigma", sigma)
    tau = _validate.real_array("tau", tau, low=0.0)
    with np.errstate(all="ignore"):
        r = reservation_formula(s, q, gamma, sigma, tau)
    return _validate.derived("s, q, gamma, sigma, tau", "the reservation price", r)


def optimal_spread(gamma: float, k: float, sigma: float, tau: float | np.ndarray) -> np.ndarray:
    """Total optimal spread δᵃ + δᵇ = γσ²τ + (2/γ)·ln(1 + γ/k) (currency), τ = T − t ≥ 0.

    Parameters
    ----------
    gamma : float
        Risk aversion γ > 0 (1/currency).
    k : float
        Decay of the fill intensity A·exp(−kδ) in the quote distance, k > 0 (1/currency).
    sigma : float
        Mid-price volatility σ ≥ 0 (currency per √time).
    tau : float or numpy.ndarray
        Time to the horizon τ ≥ 0 (the unit of the horizon).

    Returns
    -------
    numpy.ndarray
        The total spread (currency), of the shape of ``tau`` (0-d for a scalar).

    Raises
    ------
    ValueError
        If an input is not finite, ``gamma`` or ``k`` ≤ 0, ``sigma`` or ``tau`` < 0, γ/k
        underflows, or the result overflows.

    Examples
    --------
    The spread narrows to its constant part (2/γ)·ln(1 + γ/k) at the horizon:

    >>> import numpy as np
    >>> from mslab.inventory import optimal_spread
    >>> optimal_spread(gamma=0.1, k=1.5, sigma=2.0, tau=np.array([1.0, 0.5, 0.0]))
    array([1.69077042, 1.49077042, 1.29077042])
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    sigma = _validate.nonnegative("sigma", sigma)
    tau = _validate.real_array("tau", tau, low=0.0)
    _validate.derived("gamma, k", "gamma / k", gamma / k, positive=True)
    with np.errstate(all="ignore"):
        spread = spread_formula(gamma, k, sigma, tau)
    return _validate.derived("gamma, k, sigma, tau", "the optimal spread", spread)


def symmetric_constant_mean_profit(gamma: float, k: float = 1.5, A: float = 140.0,
                                   T: float = 1.0, dt: float = 0.005) -> float:
    """Expected profit of the symmetric strategy with the constant spread, in closed form.

    In the discrete scheme both quotes stay at δ = (1/γ)·ln(1 + γ/k) from the mid for all
    N = T/dt steps, each side fills with probability p = min(1, A·exp(−kδ)·dt) per step, and the
    inventory term Σ q·dS has mean zero (the mid's steps are independent of the inventory), so

        E[X_T + q_T·S_T] = 2·N·p·δ   (currency).

    The parameters are those of :func:`simulate_avellaneda_stoikov` (σ and s₀ do not enter).

    Parameters
    ----------
    gamma : float
        Risk aversion γ > 0 (1/currency).
    k : float
        Decay of the fill intensity in the quote distance, k > 0 (1/currency).
    A : float
        Fill intensity at zero distance, A ≥ 0 (fills per unit time).
    T : float
        Horizon > 0.
    dt : float
        Step, 0 < dt ≤ T, with T/dt a whole number.

    Returns
    -------
    float
        The expected profit E[X_T + q_T·S_T] (currency).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, T/dt not a whole number (or more than
        :data:`mslab._validate.MAX_ELEMENTS` steps), or a non-finite result.

    Examples
    --------
    >>> from mslab.inventory import symmetric_constant_mean_profit
    >>> round(symmetric_constant_mean_profit(gamma=0.1), 2)      # the paper's parameters
    68.64
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    A = _validate.nonnegative("A", A)
    T = _validate.positive("T", T)
    dt = _validate.real("dt", dt, low=0.0, high=T, low_open=True, high_name="T")
    n_steps = n_steps_for(T, dt)
    _validate.derived("gamma, k", "gamma / k", gamma / k, positive=True)
    with np.errstate(all="ignore"):
        delta = np.log1p(gamma / k) / gamma
        p = min(1.0, A * np.exp(-k * delta) * dt)
        mean = 2.0 * n_steps * p * delta
    return float(_validate.derived("gamma, k, A, T, dt", "the mean profit", mean))


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
    The other parameters are those of :func:`simulate_avellaneda_stoikov`.

    Parameters
    ----------
    half_spread : numpy.ndarray
        Half-spread on each step (currency, ≥ 0), shape (n_steps,).
    skew : numpy.ndarray
        Skew of both quotes per share of inventory on each step (currency per share), shape
        (n_steps,) like ``half_spread``.
    k : float
        Decay of the fill intensity in the quote distance, k > 0 (1/currency).
    A : float
        Fill intensity at zero distance, A ≥ 0 (fills per unit time).
    sigma : float
        Mid-price volatility σ ≥ 0 (currency per √time).
    s0 : float
        Initial mid-price (currency).
    dt : float
        Step > 0.
    n_paths : int
        Number of simulated paths ≥ 1.
    seed : int
        Non-negative integer.
    record_paths : int
        Keep the per-step paths of the first ``record_paths`` simulations
        (0 ≤ record_paths ≤ n_paths).

    Returns
    -------
    QuotingResult
        Profit, final inventory and fill counts of every path (``spread`` is NaN,
        ``params["strategy"]`` is ``"linear"``), and the recorded paths.

    Raises
    ------
    ValueError
        If ``half_spread`` or ``skew`` is not a non-empty 1-D array of finite numbers
        (``half_spread`` ≥ 0), their lengths differ, another parameter is outside its range,
        or the work or memory bounds are exceeded (as in :func:`simulate_avellaneda_stoikov`).
    """
    half_spread = _schedule("half_spread", half_spread, nonnegative=True)
    skew = _schedule("skew", skew, nonnegative=False)
    if skew.shape != half_spread.shape:
        raise ValueError(f"skew has {skew.size} steps but half_spread has {half_spread.size}: "
                         "skew must have one value per step, like half_spread")
    return simulate_scheme(half=half_spread, skew=skew, k=k, A=A, sigma=sigma, s0=s0, dt=dt,
                           n_paths=n_paths, seed=seed, record_paths=record_paths,
                           params=dict(strategy="linear"))


def _schedule(name: str, values: object, *, nonnegative: bool) -> np.ndarray:
    return _validate.real_vector(name, values, low=0.0 if nonnegative else None,
                                 what="numbers, one per time step")


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
    gamma
        Risk aversion γ > 0 (1/currency).
    k
        Decay of the fill intensity in the quote distance, k > 0 (1/currency).
    A
        Fill intensity at zero distance, A ≥ 0 (fills per unit time).
    sigma
        Mid-price volatility σ ≥ 0 (currency per √time).
    s0
        Initial mid-price (currency).
    T
        Horizon > 0.
    dt
        Step, with T/dt a whole number.
    n_paths
        Number of simulated paths ≥ 1.
    seed
        Non-negative integer.
    strategy
        ``"inventory"`` or ``"symmetric"`` (see the module docstring).
    symmetric_spread
        ``"full"`` or ``"constant"``; only used by the symmetric strategy.
    record_paths
        Keep per-step mid, quotes, inventory, cash and fills of the first ``record_paths``
        paths (0 ≤ record_paths ≤ n_paths).

    Returns
    -------
    QuotingResult
        Profit, final inventory and fill counts of every path, and the recorded paths.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, or beyond the work bounds: at most
        :data:`mslab._validate.MAX_WORK` path-steps (``n_paths·T/dt``) and
        :data:`mslab._validate.MAX_ELEMENTS` steps or recorded values are simulated.

    Notes
    -----
    Paths are simulated in parallel, each with its own random stream derived from
    ``(seed, path index)``: results do not depend on the number of threads.
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    sigma = _validate.nonnegative("sigma", sigma)
    T = _validate.positive("T", T)
    dt = _validate.real("dt", dt, low=0.0, high=T, low_open=True, high_name="T")
    strategy = _validate.choice("strategy", strategy, STRATEGIES)
    symmetric_spread = _validate.choice("symmetric_spread", symmetric_spread, SYMMETRIC_SPREADS)
    n_steps = n_steps_for(T, dt)
    spread = float(optimal_spread(gamma, k, 0.0, 0.0))

    tau = T - np.arange(n_steps) * dt
    if strategy == "symmetric" and symmetric_spread == "constant":
        half = np.full(n_steps, np.log1p(gamma / k) / gamma)
    else:
        half = 0.5 * optimal_spread(gamma, k, sigma, tau)
    skew = gamma * sigma**2 * tau if strategy == "inventory" else np.zeros(n_steps)
    params = dict(gamma=gamma, T=T, strategy=strategy, symmetric_spread=symmetric_spread)
    return simulate_scheme(half=half, skew=skew, k=k, A=A, sigma=sigma, s0=s0, dt=dt,
                           n_paths=n_paths, seed=seed, record_paths=record_paths, params=params,
                           spread=spread)
