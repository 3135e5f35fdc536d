"""A synthetic stock universe whose cointegrated pairs are known, to score pair selection.

Model (units: log-prices, time in trading days, volatilities per √day). ``n_factors`` common
factors F_f are driftless random walks with daily volatility ``factor_vol``. Every *free*
stock i (the x leg of each pair, and every pure random walk) has

    log P_i(t) = log P_i(0) + μt + Σ_f ℓ_if F_f(t) + idio_vol·W_i(t),   ℓ_if ~ U(0.5, 1.5),

so free stocks are correlated through the factors but no two are cointegrated: each carries
its own random walk W_i. The y leg of pair k is tied to its x leg by

    log Y_k(t) = m_k + β_k log X_k(t) + U_k(t),     dU = −κ_k U dt + σ_k dB,

an Ornstein–Uhlenbeck spread started in its stationary law and simulated exactly on the daily
grid (U(t+1) = e^{−κ}U(t) + σ_eq·√(1 − e^{−2κ})·ε, σ_eq = σ/√(2κ)). β_k, the half-life
ln 2/κ_k and σ_eq,k are drawn uniformly from the given ranges; m_k is set so that
exp(m_k + β_k log X_k(0)) is drawn from U(20, 200) $, the law of every free stock's start.
The true cointegrated pairs are exactly the (Y_k, X_k); any other pair contains two
independent random walks.

Two features make selection realistically hard. The drift μ (``drift``, per day) matters to
the tests' deterministic terms: statsmodels' Johansen test with a constant (det_order = 0) is
correctly sized only for drifting prices (about 12 % false rejections at 5 % for driftless
random walks). And a y leg carries its stationary spread U into every pair it is part of: a
random walk plus sizeable stationary noise, which residual-based unit-root tests reject too
often in finite samples, so false positives concentrate on pairs containing a y leg.

Randomness: one xoshiro256** stream (:mod:`mslab.rng`) per factor, per pair leg and per random
walk, laid out as [factors | pair 0 x, pair 0 spread, pair 1 x, ... | random walks], so adding
random walks or days does not change the pairs already drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit, prange

from mslab import _validate, rng

_N_PARAM_DRAWS = 4  # uniforms per stream besides the factor loadings
MAX_DRAWS = 10**8
"""Largest number of random draws (streams × (days + factors + 4), 800 MB) of one universe."""


@dataclass(frozen=True)
class CointegratedPair:
    """One true pair: log y = mean + beta·log x + U, U an Ornstein–Uhlenbeck spread.

    Attributes
    ----------
    y : str
        Name of the y leg.
    x : str
        Name of the x leg.
    beta : float
        Coefficient β of log x (log-price per log-price).
    mean : float
        Constant m (log-price).
    kappa : float
        Mean-reversion speed κ of U, per trading day.
    sigma : float
        Diffusion σ of U, log-price per √day.
    """

    y: str
    x: str
    beta: float
    mean: float
    kappa: float
    sigma: float

    @property
    def sigma_eq(self) -> float:
        """Stationary standard deviation σ/√(2κ) of the spread (log-price)."""
        return self.sigma / np.sqrt(2.0 * self.kappa)

    @property
    def half_life(self) -> float:
        """ln 2/κ, in trading days."""
        return np.log(2.0) / self.kappa


@dataclass(frozen=True)
class SyntheticUniverse:
    """A simulated universe (:func:`make_synthetic_universe`).

    Attributes
    ----------
    prices : pandas.DataFrame
        Prices ($), one column per stock (pairs' Y.. and X.., then random walks R..), on a
        business-day index.
    pairs : tuple
        The true pairs, :class:`CointegratedPair` each.
    spreads : pandas.DataFrame
        The pairs' spreads log y − β log x (= mean + U), one column ``"y/x"`` per pair.
    params : dict
        The parameters of the simulation.
    """

    prices: pd.DataFrame
    pairs: tuple[CointegratedPair, ...]
    spreads: pd.DataFrame
    params: dict[str, object]

    @property
    def true_pairs(self) -> frozenset[frozenset[str]]:
        """The cointegrated pairs as unordered name pairs (what selection is scored against)."""
        return frozenset(frozenset((p.y, p.x)) for p in self.pairs)


@njit(parallel=True, cache=True)
def stream_draws(states, uniforms, normals):
    """Fill row i of ``uniforms`` then row i of ``normals`` from the xoshiro stream ``states[i]``.

    Each row depends on its stream only (:mod:`mslab.rng`), so the draws are the same for any
    thread count. The random draws of the synthetic pairs and baskets universes
    (:mod:`mslab.pairs.baskets`). A jitted kernel: the arguments are not validated.

    Parameters
    ----------
    states : numpy.ndarray
        Stream states, one row per stream (``mslab.rng.path_states``); advanced in place.
    uniforms : numpy.ndarray
        Float64 output, shape (n_streams, n_uniforms): filled with uniform draws on [0, 1).
    normals : numpy.ndarray
        Float64 output, shape (n_streams, n_normals): filled with N(0, 1) draws.
    """
    for i in prange(states.shape[0]):
        s = states[i]
        for j in range(uniforms.shape[1]):
            uniforms[i, j] = rng.uniform(s)
        for t in range(normals.shape[1]):
            normals[i, t] = rng.normal(s)


def make_synthetic_universe(
    n_pairs_coint: int = 5,
    n_random_walks: int = 10,
    n_days: int = 1000,
    n_factors: int = 1,
    factor_vol: float = 0.01,
    idio_vol: float = 0.01,
    drift: float = 0.0003,
    beta_range: tuple[float, float] = (0.5, 1.5),
    half_life_range: tuple[float, float] = (5.0, 60.0),
    sigma_eq_range: tuple[float, float] = (0.02, 0.08),
    seed: int = 0,
    start: str = "2000-01-03",
) -> SyntheticUniverse:
    """Simulate the universe described in the module docstring.

    Parameters
    ----------
    n_pairs_coint
        Number of cointegrated pairs (2 stocks each), ≥ 0.
    n_random_walks
        Number of unpaired random-walk stocks, ≥ 0 (at least 2 stocks in all).
    n_days
        Number of trading days ≥ 2.
    n_factors
        Common factors ≥ 0.
    factor_vol, idio_vol
        Daily log-return volatility of each factor / idiosyncratic walk; ``idio_vol`` > 0 (it
        is what keeps free stocks from being cointegrated).
    drift
        Daily drift μ of every free stock's log-price (default 0.0003, about 7.5 % a year).
    beta_range, half_life_range, sigma_eq_range
        (low, high) with 0 < low ≤ high: the uniform laws of β, ln 2/κ (trading days) and
        σ_eq (log-price) of each pair.
    seed
        Non-negative integer.
    start
        First date of the business-day calendar.

    Returns
    -------
    SyntheticUniverse
        The prices and the true cointegrated pairs with their parameters.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above. The simulation needs streams × (days +
        factors + 4) random draws, streams = factors + stocks; more than :data:`MAX_DRAWS` is
        refused before anything is allocated.
    """
    n_pairs = _validate.integer("n_pairs_coint", n_pairs_coint, low=0)
    n_rw = _validate.integer("n_random_walks", n_random_walks, low=0)
    if 2 * n_pairs + n_rw < 2:
        _validate.fail("n_random_walks", n_random_walks,
                       f"at least {2 - 2 * n_pairs} so that the universe has 2 stocks")
    n_days = _validate.integer("n_days", n_days, low=2)
    n_factors = _validate.integer("n_factors", n_factors, low=0)
    factor_vol = _validate.nonnegative("factor_vol", factor_vol)
    idio_vol = _validate.positive("idio_vol", idio_vol)
    drift = _validate.real("drift", drift)
    beta_lo, beta_hi = _range("beta_range", beta_range)
    hl_lo, hl_hi = _range("half_life_range", half_life_range)
    sd_lo, sd_hi = _range("sigma_eq_range", sigma_eq_range)
    seed = _validate.seed("seed", seed)
    n_streams = n_factors + 2 * n_pairs + n_rw
    if n_streams * (n_days + n_factors + _N_PARAM_DRAWS) > MAX_DRAWS:
        _validate.fail("n_days", n_days, f"small enough that streams × (days + factors + "
                       f"{_N_PARAM_DRAWS}) <= {MAX_DRAWS:,} random draws, with {n_streams} "
                       "streams (factors + stocks)")
    try:
        dates = pd.bdate_range(start=pd.Timestamp(start), periods=n_days, name="date")
    except (TypeError, ValueError):
        _validate.fail("start", start, "a date (anything pandas.Timestamp accepts)")

    uniforms = np.empty((n_streams, n_factors + _N_PARAM_DRAWS))
    normals = np.empty((n_streams, n_days))
    stream_draws(rng.path_states(seed, n_streams), uniforms, normals)

    factors = factor_vol * np.cumsum(normals[:n_factors, 1:], axis=1)
    factors = np.concatenate([np.zeros((n_factors, 1)), factors], axis=1)

    def free_log_price(stream: int) -> np.ndarray:
        u = uniforms[stream]
        loadings = 0.5 + u[:n_factors]
        log_p0 = np.log(20.0 + 180.0 * u[n_factors])
        walk = idio_vol * np.concatenate([[0.0], np.cumsum(normals[stream, 1:])])
        return log_p0 + drift * np.arange(n_days) + loadings @ factors + walk

    width = max(2, len(str(max(n_pairs, n_rw) - 1)))
    columns: dict[str, np.ndarray] = {}
    pairs, spreads = [], {}
    for k in range(n_pairs):
        sx, ss = n_factors + 2 * k, n_factors + 2 * k + 1
        log_x = free_log_price(sx)
        u = uniforms[ss]
        beta = beta_lo + (beta_hi - beta_lo) * u[0]
        kappa = np.log(2.0) / (hl_lo + (hl_hi - hl_lo) * u[1])
        sigma_eq = sd_lo + (sd_hi - sd_lo) * u[2]
        mean = np.log(20.0 + 180.0 * u[3]) - beta * log_x[0]
        b = np.exp(-kappa)
        ou = np.empty(n_days)
        ou[0] = sigma_eq * normals[ss, 0]
        shock = sigma_eq * np.sqrt(1.0 - b * b)
        for t in range(1, n_days):
            ou[t] = b * ou[t - 1] + shock * normals[ss, t]
        name_y, name_x = f"Y{k:0{width}d}", f"X{k:0{width}d}"
        columns[name_y] = mean + beta * log_x + ou
        columns[name_x] = log_x
        spreads[f"{name_y}/{name_x}"] = mean + ou
        pairs.append(CointegratedPair(name_y, name_x, float(beta), float(mean), float(kappa),
                                      float(sigma_eq * np.sqrt(2.0 * kappa))))
    for j in range(n_rw):
        columns[f"R{j:0{width}d}"] = free_log_price(n_factors + 2 * n_pairs + j)

    prices = pd.DataFrame(np.exp(np.column_stack(list(columns.values()))), index=dates,
                          columns=pd.Index(list(columns), name="ticker"))
    params = dict(n_pairs_coint=n_pairs, n_random_walks=n_rw, n_days=n_days, n_factors=n_factors,
                  factor_vol=factor_vol, idio_vol=idio_vol, drift=drift,
                  beta_range=(beta_lo, beta_hi), half_life_range=(hl_lo, hl_hi),
                  sigma_eq_range=(sd_lo, sd_hi), seed=seed)
    return SyntheticUniverse(prices, tuple(pairs),
                             pd.DataFrame(spreads, index=dates, dtype=float), params)


def _range(name: str, value: object) -> tuple[float, float]:
    allowed = "a (low, high) pair of finite reals with 0 < low <= high"
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        _validate.fail(name, value, allowed)
    try:
        lo = _validate.positive(f"{name}[0]", value[0])
        hi = _validate.positive(f"{name}[1]", value[1])
    except ValueError:
        _validate.fail(name, value, allowed)
    if lo > hi:
        _validate.fail(name, value, allowed)
    return lo, hi
