"""Monte Carlo of a liquidation schedule under the Almgren–Chriss price model.

Each path draws ξ_1..ξ_N ~ N(0, 1) (ziggurat, :func:`mslab.rng.normal_step`, the stream's
state held in registers) from its own xoshiro256** stream (:mod:`mslab.rng`), so results do not
depend on the thread count. With S_0 the decision price, the executed price in
interval k is S̃_k = S_{k−1} − ε − (η/τ) n_k and the price moves to
S_k = S_{k−1} + σ√τ ξ_k − γ n_k (zero drift). The cost of a path is X·S_0 − Σ n_k S̃_k ($),
whose mean and variance are the closed forms of :mod:`mslab.execution.almgren_chriss`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from mslab import _validate, rng
from mslab.execution.almgren_chriss import ACParams, check_holdings

__all__ = ["simulate_costs"]


@njit(cache=True, parallel=True, error_model="numpy")
def _costs_kernel(trades: np.ndarray, sigma: float, tau: float, gamma: float, eta: float,
                  epsilon: float, states: np.ndarray) -> np.ndarray:
    n_paths = states.shape[0]
    out = np.empty(n_paths)
    vol = sigma * np.sqrt(tau)
    # per-interval constants: the temporary impact ε + (η/τ) n_k and the permanent move γ n_k
    temporary = np.empty_like(trades)
    permanent = np.empty_like(trades)
    for k in range(trades.shape[0]):
        temporary[k] = (epsilon if trades[k] > 0.0 else 0.0) + eta / tau * trades[k]
        permanent[k] = gamma * trades[k]
    for i in prange(n_paths):
        a, b, c, d = states[i, 0], states[i, 1], states[i, 2], states[i, 3]  # in registers
        price = 0.0  # price relative to S_0
        cost = 0.0
        for k in range(trades.shape[0]):
            cost -= trades[k] * (price - temporary[k])  # n_k × executed price S̃_k
            xi, a, b, c, d = rng.normal_step(a, b, c, d)
            price += vol * xi - permanent[k]
        out[i] = cost
    return out


def simulate_costs(p: ACParams, holdings: np.ndarray, n_paths: int, seed: int) -> np.ndarray:
    """Costs of ``n_paths`` simulated liquidations along ``holdings`` (module docstring).

    Deterministic in ``seed`` whatever the thread count: path i draws from its own stream of
    :func:`mslab.rng.path_states`. The sample mean and variance estimate the E and V of
    :func:`~mslab.execution.almgren_chriss.cost_moments`.

    Parameters
    ----------
    p
        Model parameters (σ, γ, η, ε, τ).
    holdings
        Holdings x_0 = X, …, x_N = 0 in shares, shape (N + 1,), non-increasing (as
        :func:`~mslab.execution.almgren_chriss.check_holdings` accepts).
    n_paths
        Number of simulated paths, an integer ≥ 2.
    seed
        Non-negative integer seed.

    Returns
    -------
    numpy.ndarray
        Cost X·S_0 − Σ n_k S̃_k of each path ($), shape (n_paths,).

    Raises
    ------
    ValueError
        If ``holdings`` is not such a trajectory of ``p``, ``n_paths`` < 2, ``seed`` is not
        a non-negative integer, or the run exceeds the bounds of :mod:`mslab._validate`
        (n_paths · N kernel steps, 4 · n_paths state words).
    """
    x = check_holdings(p, holdings)
    n_paths = _validate.integer("n_paths", n_paths, low=2)
    _validate.work("n_paths, N", float(n_paths) * p.N)
    states = rng.path_states(seed, n_paths)
    return _costs_kernel(np.ascontiguousarray(-np.diff(x)), p.sigma, p.tau, p.gamma, p.eta,
                         p.epsilon, states)
