"""No-arbitrage prices of perpetual futures (Ackerer, Hugonnier & Jermann, 2023).

Spot ``x`` is the price of the base currency in the quote currency; ``r_a`` and ``r_b`` are the
quote and base interest rates, ``κ`` the funding intensity and ``ι`` the interest component of
the funding, all per year (continuous time) or per funding period (discrete time).

* Linear contract, continuous funding (the long receives ``κ(x − f) − ι x`` per unit time):
  ``f = (κ − ι)/(κ + r_b − r_a) · x``.
* Linear contract, discrete funding (paid at the end of each period on the previous
  period's prices): ``f = (κ − ι)(1 + r_b)/(r_b − r_a + κ(1 + r_b)) · x``.
* Inverse contract, continuous funding: ``f = (κ + r_a − r_b)/(κ − ι) · x``.

Perfect anchoring ``f = x`` holds when ``ι = r_a − r_b`` (linear, continuous), ``ι = (r_a −
r_b)/(1 + r_b)`` (linear, discrete) and ``ι = r_b − r_a`` (inverse).

Random-maturity representation (checked by :func:`monte_carlo_price`): with ``θ`` an
exponential time of rate κ (continuous) or a geometric number of periods,
``P(θ = n) = κ/(1 + κ) · (1 + κ)^{−n}``, n = 0, 1, … (discrete),

    f = (1 − ι/κ) · E^Q[x_θ]   (linear),     1/f = (1 − ι/κ) · E^{Q_b}[1/x_θ]   (inverse),

where under the quote measure Q spot is a geometric Brownian motion with drift ``r_a − r_b``
(``E[x_n] = x((1 + r_a)/(1 + r_b))^n`` in discrete time) and the inverse contract is the linear
contract on ``1/x`` under the base measure (drift ``r_b − r_a``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslab import _validate, rng

CONTRACTS = ("linear", "inverse")
FUNDING = ("continuous", "discrete")
MAX_PATHS = 20_000_000


def _inputs(kappa: float, iota: float, r_a: float, r_b: float) -> tuple[float, ...]:
    kappa = _validate.positive("kappa", kappa)
    iota = _validate.real("iota", iota, high=kappa, high_open=True)
    r_a = _validate.real("r_a", r_a, low=-1.0, low_open=True)
    r_b = _validate.real("r_b", r_b, low=-1.0, low_open=True)
    return kappa, iota, r_a, r_b


def price_ratio(kappa: float, iota: float, r_a: float, r_b: float, *,
                contract: str = "linear", funding: str = "continuous") -> float:
    """``f / x`` of the module docstring's formulas. Inverse contracts have only the
    continuous formula here.

    Parameters
    ----------
    kappa : float
        Funding intensity κ > 0, per year (continuous funding) or per funding period
        (discrete funding).
    iota : float
        Interest component ι of the funding, in the units of ``kappa``; ι < κ.
    r_a : float
        Quote-currency interest rate (> −1), per year or per period like ``kappa``.
    r_b : float
        Base-currency interest rate (> −1), per year or per period like ``kappa``.
    contract : str
        ``"linear"`` (default) or ``"inverse"``.
    funding : str
        ``"continuous"`` (default) or ``"discrete"`` (linear contracts only).

    Returns
    -------
    float
        The no-arbitrage ratio f/x of perpetual to spot price (dimensionless; 1 is perfect
        anchoring).

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, an inverse contract with discrete funding,
        a linear contract whose denominator (κ + r_b − r_a, or r_b − r_a + κ(1 + r_b)) is
        ≤ 0, or an inverse contract with κ + r_a − r_b ≤ 0 (E^{Q_b}[1/x_θ] infinite), so that
        no finite price exists.

    Examples
    --------
    Without interest component (ι = 0), a 5 % quote rate and funding intensity κ = 0.5 a
    year put a linear perpetual 11 % above spot, f/x = κ/(κ − r_a):

    >>> from mslab.funding.pricing import price_ratio
    >>> round(price_ratio(kappa=0.5, iota=0.0, r_a=0.05, r_b=0.0), 6)
    1.111111
    >>> price_ratio(kappa=0.5, iota=0.05, r_a=0.05, r_b=0.0)     # ι = r_a − r_b: f = x
    1.0
    """
    kappa, iota, r_a, r_b = _inputs(kappa, iota, r_a, r_b)
    contract = _validate.choice("contract", contract, CONTRACTS)
    funding = _validate.choice("funding", funding, FUNDING)
    if contract == "inverse":
        if funding == "discrete":
            _validate.fail("funding", funding, "'continuous' for an inverse contract")
        num = kappa + r_a - r_b
        if num <= 0:
            _validate.fail("kappa", kappa, f"> r_b − r_a = {r_b - r_a} (else no finite price)")
        return num / (kappa - iota)
    if funding == "continuous":
        den = kappa + r_b - r_a
        if den <= 0:
            _validate.fail("kappa", kappa, f"> r_a − r_b = {r_a - r_b} (else no finite price)")
        return (kappa - iota) / den
    den = r_b - r_a + kappa * (1.0 + r_b)
    if den <= 0:
        _validate.fail("kappa", kappa, "large enough that r_b − r_a + κ(1 + r_b) > 0")
    return (kappa - iota) * (1.0 + r_b) / den


def basis(kappa: float, iota: float, r_a: float, r_b: float, **kwargs: str) -> float:
    """Implied basis ``f / x − 1`` (see :func:`price_ratio`).

    Parameters
    ----------
    kappa : float
        Funding intensity κ > 0, per year (continuous funding) or per funding period
        (discrete funding).
    iota : float
        Interest component ι of the funding, in the units of ``kappa``; ι < κ.
    r_a : float
        Quote-currency interest rate (> −1), per year or per period like ``kappa``.
    r_b : float
        Base-currency interest rate (> −1), per year or per period like ``kappa``.
    **kwargs
        ``contract`` and ``funding``, passed to :func:`price_ratio`.

    Returns
    -------
    float
        f/x − 1, a fraction of spot (positive: the perpetual trades above spot).

    Raises
    ------
    ValueError
        As :func:`price_ratio`.
    """
    return price_ratio(kappa, iota, r_a, r_b, **kwargs) - 1.0


@njit(cache=True)
def _mc_kernel(states: np.ndarray, kappa: float, drift: float, sigma: float,
               discrete: bool) -> np.ndarray:
    n = states.shape[0]
    out = np.empty(n)
    q = 1.0 / (1.0 + kappa)  # geometric: P(theta >= n) = q**n
    g = np.log(1.0 + drift) if discrete else drift
    for i in range(n):
        s = states[i]
        if discrete:
            u = 1.0 - rng.uniform(s)
            theta = np.floor(np.log(u) / np.log(q))
        else:
            theta = rng.exponential(s, kappa)
        z = rng.normal(s)
        out[i] = np.exp((g - 0.5 * sigma * sigma) * theta + sigma * np.sqrt(theta) * z)
    return out


@dataclass(frozen=True)
class MonteCarloPrice:
    """Monte Carlo estimate of ``f / x`` and its standard error, beside the closed form.

    Attributes
    ----------
    ratio : float
        Monte Carlo estimate of f/x (dimensionless).
    standard_error : float
        Its standard error (for the inverse contract by the delta method from that of 1/f).
    closed_form : float
        f/x by :func:`price_ratio`.
    n_paths : int
        Number of simulated random maturities.
    seed : int
        Seed of the :mod:`mslab.rng` streams.
    """

    ratio: float
    standard_error: float
    closed_form: float
    n_paths: int
    seed: int


def monte_carlo_price(kappa: float, iota: float, r_a: float, r_b: float, *, sigma: float = 0.6,
                      contract: str = "linear", funding: str = "continuous",
                      n_paths: int = 200_000, seed: int = 0) -> MonteCarloPrice:
    """Estimate ``f / x`` by the random-maturity representation (module docstring) with
    lognormal spot of volatility ``sigma`` (per √year or per √period), one
    :mod:`mslab.rng` stream per path (deterministic for any thread count).

    Parameters
    ----------
    kappa : float
        Funding intensity κ > 0, per year (continuous funding) or per funding period
        (discrete funding).
    iota : float
        Interest component ι of the funding, in the units of ``kappa``; ι < κ.
    r_a : float
        Quote-currency interest rate (> −1), per year or per period like ``kappa``.
    r_b : float
        Base-currency interest rate (> −1), per year or per period like ``kappa``.
    sigma : float
        Volatility of spot, per √year (continuous funding) or per √period (discrete funding),
        in [0, 10]; default 0.6.
    contract : str
        ``"linear"`` (default) or ``"inverse"``.
    funding : str
        ``"continuous"`` (default) or ``"discrete"`` (linear contracts only).
    n_paths : int
        Number of simulated maturities, 2 to 20,000,000; default 200,000.
    seed : int
        Seed (≥ 0) of the random streams; default 0.

    Returns
    -------
    MonteCarloPrice
        The estimate, its standard error, the closed form of :func:`price_ratio` and the
        inputs ``n_paths`` and ``seed``.

    Raises
    ------
    ValueError
        Whenever :func:`price_ratio` refuses the parameters; for ``sigma``, ``n_paths`` or
        ``seed`` outside the ranges above; with discrete funding when
        (1 + r_a)/((1 + r_b)(1 + κ)) ≥ 1 (E[x_θ] infinite); or when the estimate or its
        standard error is not finite.
    """
    closed = price_ratio(kappa, iota, r_a, r_b, contract=contract, funding=funding)
    kappa, iota, r_a, r_b = _inputs(kappa, iota, r_a, r_b)
    sigma = _validate.real("sigma", sigma, low=0.0, high=10.0)
    n_paths = _validate.integer("n_paths", n_paths, low=2, high=MAX_PATHS)
    _validate.elements("n_paths", n_paths)
    seed = _validate.seed("seed", seed)
    discrete = funding == "discrete"
    if discrete:
        drift = (1.0 + r_a) / (1.0 + r_b) - 1.0
        if (1.0 + drift) / (1.0 + kappa) >= 1.0:
            _validate.fail("kappa", kappa, "large enough that E[x_θ] is finite")
    else:
        drift = r_a - r_b if contract == "linear" else r_b - r_a
    draws = _mc_kernel(rng.path_states(seed, n_paths), kappa, drift, sigma, discrete)
    with np.errstate(all="ignore"):
        w = draws * (1.0 - iota / kappa)
        mean, se = float(w.mean()), float(w.std(ddof=1) / np.sqrt(n_paths))
        if contract == "inverse":  # estimate of 1/f; delta method for f
            mean, se = 1.0 / mean, se / mean**2
    _validate.derived("kappa, iota, r_a, r_b, sigma", "the Monte Carlo estimate and its "
                      "standard error", [mean, se])
    return MonteCarloPrice(ratio=mean, standard_error=se, closed_form=closed, n_paths=n_paths,
                           seed=seed)
