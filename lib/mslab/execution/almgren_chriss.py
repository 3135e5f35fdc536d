"""Almgren–Chriss (2000) optimal liquidation: closed forms.

Model (units: shares, dollars, time in the unit of ``T``, e.g. days). Sell ``X`` shares over
``T`` in ``N`` intervals of length τ = T/N; holdings x_0 = X, …, x_N = 0, trades
n_j = x_{j−1} − x_j. Arithmetic Brownian price with volatility σ ($/share/time^½), permanent
impact g(v) = γv and temporary impact h(v) = ε·sgn(v) + (η/τ)·n ($/share). With
η̃ = η − ½γτ, the expected cost (shortfall against X·S_0) and its variance of any
non-increasing trajectory are

    E = ½γX² + εX + (η̃/τ) Σ n_j²,     V = σ²τ Σ_{j=1..N} x_j²,

and the mean–variance optimum for risk aversion λ ≥ 0 ($⁻¹) is
x_j = X sinh(κ(T − t_j)) / sinh(κT), with (2/τ²)(cosh κτ − 1) = λσ²/η̃; λ = 0 gives κ = 0,
the straight line (TWAP). The half-life of the position is θ = 1/κ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslab import _validate

__all__ = ["ACParams", "check_holdings", "cost_moments", "efficient_frontier", "half_life", "kappa",
           "optimal_cost", "trade_list", "trajectory", "twap_cost"]


MAX_INTERVALS = 10**7
"""Largest number N of trading intervals of :class:`ACParams`."""


@dataclass(frozen=True)
class ACParams:
    """Parameters of the Almgren–Chriss model (see the module docstring for the model).

    Prices are in dollars per share and time in the unit of ``T`` (e.g. days); σ, γ, η and ε
    are per share, as in Almgren & Chriss (2000).

    Attributes
    ----------
    X : float
        Shares to liquidate (> 0).
    T : float
        Horizon (> 0, in the model's time unit).
    N : int
        Number of trading intervals, 1 ≤ N ≤ :data:`MAX_INTERVALS`; τ = T/N.
    sigma : float
        Volatility σ ≥ 0 of the arithmetic Brownian price ($/share/time^½).
    gamma : float
        Permanent impact γ ≥ 0: selling n shares in an interval lowers the price by γn
        ($/share²).
    eta : float
        Temporary impact η > 0: selling n shares in an interval executes them (η/τ)·n below
        the price ($·time/share²).
    epsilon : float
        Fixed temporary cost ε ≥ 0 per share sold (e.g. half the spread plus fees, $/share);
        default 0.

    Raises
    ------
    ValueError
        For a value outside the ranges above, or when η̃ = η − ½γτ ≤ 0 (trading faster
        would then be free).
    """

    X: float
    T: float
    N: int
    sigma: float
    gamma: float
    eta: float
    epsilon: float = 0.0

    def __post_init__(self) -> None:
        _validate.positive("X", self.X)
        _validate.positive("T", self.T)
        _validate.integer("N", self.N, low=1, high=MAX_INTERVALS)
        _validate.nonnegative("sigma", self.sigma)
        _validate.nonnegative("gamma", self.gamma)
        _validate.positive("eta", self.eta)
        _validate.nonnegative("epsilon", self.epsilon)
        if self.eta_tilde <= 0.0:
            raise ValueError(
                f"eta={self.eta!r} with gamma={self.gamma!r}, T={self.T!r}, N={self.N!r} is not "
                f"allowed: eta must be > gamma*tau/2 = gamma*T/(2*N) = "
                f"{0.5 * self.gamma * self.tau:g} (otherwise eta_tilde <= 0 and trading faster "
                "is free); raise eta or N, or lower gamma or T")

    @property
    def tau(self) -> float:
        """Length τ = T/N of one trading interval (time unit of ``T``)."""
        return self.T / self.N

    @property
    def eta_tilde(self) -> float:
        """η̃ = η − ½γτ, the temporary impact net of the permanent one ($·time/share²)."""
        return self.eta - 0.5 * self.gamma * self.tau


def _check_params(p: object) -> ACParams:
    """``p`` itself if it is an :class:`ACParams`, else a ValueError naming p."""
    return _validate.instance("p", p, ACParams)


def kappa(p: ACParams, lam: float) -> float:
    """Urgency κ of the optimal trajectory.

    κ solves (2/τ²)(cosh κτ − 1) = λσ²/η̃; it is 0 when λ = 0 (or σ = 0), giving TWAP.

    Parameters
    ----------
    p
        Model parameters.
    lam
        Risk aversion λ ≥ 0 ($⁻¹).

    Returns
    -------
    float
        κ ≥ 0, per unit of time (the time unit of ``p.T``).

    Raises
    ------
    ValueError
        If ``p`` is not an :class:`ACParams`, ``lam`` is negative or not finite, or κ
        overflows.
    """
    p = _check_params(p)
    lam = _validate.nonnegative("lam", lam)
    with np.errstate(all="ignore"):
        k = np.arccosh(1.0 + 0.5 * lam * np.float64(p.sigma)**2 / p.eta_tilde * p.tau**2) / p.tau
    return float(_validate.derived("lam, p (sigma, eta, gamma, T, N)", "kappa", k))


def half_life(p: ACParams, lam: float) -> float:
    """Half-life θ = 1/κ of the optimal position.

    Far from the horizon (κT large) the optimal holdings decay as e^(−t/θ), so θ is about the
    time for the position to fall by a factor e.

    Parameters
    ----------
    p
        Model parameters.
    lam
        Risk aversion λ ≥ 0 ($⁻¹).

    Returns
    -------
    float
        θ in the time unit of ``p.T``; ``inf`` when κ = 0 (λ = 0 or σ = 0: TWAP).

    Raises
    ------
    ValueError
        As :func:`kappa`.

    Examples
    --------
    >>> from mslab.execution.almgren_chriss import ACParams, half_life
    >>> p = ACParams(X=1e6, T=5, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    >>> round(half_life(p, lam=1e-6), 4), half_life(p, lam=0.0)    # days; λ = 0 is TWAP
    (1.6472, inf)
    """
    k = kappa(p, lam)
    return np.inf if k == 0.0 else 1.0 / k


def trajectory(p: ACParams, lam: float) -> np.ndarray:
    """Optimal holdings x_0 = X, …, x_N = 0.

    x_j = X sinh(κ(T − t_j)) / sinh(κT) at t_j = jτ; the straight line X(1 − t_j/T) when
    κT < 10⁻¹², and an equivalent exponential form when κT > 700 (where sinh overflows).

    Parameters
    ----------
    p
        Model parameters.
    lam
        Risk aversion λ ≥ 0 ($⁻¹); 0 gives TWAP.

    Returns
    -------
    numpy.ndarray
        Holdings, shape (N + 1,), in shares, non-increasing from ``p.X`` (exactly) to 0
        (exactly).

    Raises
    ------
    ValueError
        As :func:`kappa`.

    Examples
    --------
    Almgren & Chriss's (2000) example: sell 10⁶ shares over 5 days in 5 intervals with
    risk aversion λ = 10⁻⁶:

    >>> from mslab.execution.almgren_chriss import ACParams, trajectory
    >>> p = ACParams(X=1e6, T=5, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    >>> trajectory(p, lam=1e-6).round()
    array([1000000.,  541956.,  289854.,  147897.,   62142.,       0.])
    """
    k = kappa(p, lam)
    t = np.arange(p.N + 1) * p.tau
    if k * p.T < 1e-12:
        x = p.X * (1.0 - t / p.T)
    elif k * p.T > 700.0:  # sinh overflows: use the exponential form
        x = (p.X * np.exp(-k * t) * (1.0 - np.exp(-2.0 * k * (p.T - t)))
             / (1.0 - np.exp(-2.0 * k * p.T)))
    else:
        x = p.X * np.sinh(k * (p.T - t)) / np.sinh(k * p.T)
    x[0], x[-1] = p.X, 0.0
    return x


def trade_list(p: ACParams, lam: float) -> np.ndarray:
    """Optimal trades n_1..n_N (shares sold in each interval).

    From the closed form n_j = 2 sinh(½κτ)/sinh(κT) · cosh(κ(T − t_{j−½})) · X with
    t_{j−½} = (j − ½)τ; when κT < 10⁻¹² or κT > 700 the differences x_{j−1} − x_j of
    :func:`trajectory` instead.

    Parameters
    ----------
    p
        Model parameters.
    lam
        Risk aversion λ ≥ 0 ($⁻¹); 0 gives TWAP (X/N per interval).

    Returns
    -------
    numpy.ndarray
        Trades, shape (N,), in shares (≥ 0, summing to X up to rounding).

    Raises
    ------
    ValueError
        As :func:`kappa`.
    """
    k = kappa(p, lam)
    if k * p.T < 1e-12 or k * p.T > 700.0:
        return -np.diff(trajectory(p, lam))
    t_half = (np.arange(1, p.N + 1) - 0.5) * p.tau
    return 2.0 * np.sinh(0.5 * k * p.tau) / np.sinh(k * p.T) * np.cosh(k * (p.T - t_half)) * p.X


def check_holdings(p: ACParams, holdings: object) -> np.ndarray:
    """``holdings`` checked as a liquidation trajectory of ``p``.

    Parameters
    ----------
    p
        Model parameters.
    holdings
        Holdings x_0..x_N in shares: a 1-D array (or list) of N + 1 finite values ≥ 0,
        non-increasing, with x_0 equal to ``p.X`` and x_N equal to 0 (exactly).

    Returns
    -------
    numpy.ndarray
        The holdings as a float array of shape (N + 1,).

    Raises
    ------
    ValueError
        If ``p`` is not an :class:`ACParams` or ``holdings`` is not such a trajectory.
    """
    p = _check_params(p)
    x = _validate.real_vector("holdings", holdings, low=0.0)
    if x.size != p.N + 1 or x[0] != p.X or x[-1] != 0.0 or np.any(np.diff(x) > 0.0):
        _validate.fail("holdings", f"array of {x.size} values",
                       f"N + 1 = {p.N + 1} non-increasing holdings from X = {p.X:g} to 0")
    return x


def cost_moments(p: ACParams, holdings: np.ndarray) -> tuple[float, float]:
    """Expected cost and variance of liquidating along ``holdings``.

    E = ½γX² + εX + (η̃/τ) Σ n_j² and V = σ²τ Σ_{j=1..N} x_j² with n_j = x_{j−1} − x_j
    (module docstring); the cost is the shortfall against X·S_0.

    Parameters
    ----------
    p
        Model parameters.
    holdings
        Holdings x_0 = X, …, x_N = 0 in shares, shape (N + 1,), non-increasing (as
        :func:`check_holdings` accepts).

    Returns
    -------
    E : float
        Expected cost ($).
    V : float
        Variance of the cost ($²).

    Raises
    ------
    ValueError
        As :func:`check_holdings`.
    """
    x = check_holdings(p, holdings)
    n = -np.diff(x)
    e = 0.5 * p.gamma * p.X**2 + p.epsilon * p.X + p.eta_tilde / p.tau * float(np.sum(n * n))
    v = p.sigma**2 * p.tau * float(np.sum(x[1:] ** 2))
    return e, v


def optimal_cost(p: ACParams, lam: float) -> tuple[float, float]:
    """Expected cost and variance of the optimal strategy, from the paper's closed forms.

    When κ > 0, E = ½γX² + εX + η̃X² tanh(½κτ)(τ sinh 2κT + 2T sinh κτ) / (2τ² sinh² κT) and
    V = ½σ²X² (τ sinh κT cosh κ(T − τ) − T sinh κτ) / (sinh² κT sinh κτ); when κ = 0
    (λ = 0 or σ = 0), those of TWAP (:func:`twap_cost`).

    Parameters
    ----------
    p
        Model parameters.
    lam
        Risk aversion λ ≥ 0 ($⁻¹), with κT ≤ 350.

    Returns
    -------
    E : float
        Expected cost ($).
    V : float
        Variance of the cost ($²).

    Raises
    ------
    ValueError
        As :func:`kappa`, and when κT > 350 (the closed forms overflow; use
        ``cost_moments(p, trajectory(p, lam))``).

    Examples
    --------
    The optimal schedule trades a higher expected cost than TWAP's for a much smaller variance:

    >>> from mslab.execution.almgren_chriss import ACParams, optimal_cost, twap_cost
    >>> p = ACParams(X=1e6, T=5, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    >>> mean, var = optimal_cost(p, lam=1e-6)
    >>> round(mean), f"{var:.4g}"
    (911227, '3.641e+11')
    >>> twap_cost(p)
    (662500.0, 1083000000000.0)
    """
    k = kappa(p, lam)
    if k == 0.0:
        return twap_cost(p)
    X, T, tau = p.X, p.T, p.tau
    if k * T > 350.0:
        _validate.fail("lam", lam, f"a risk aversion with kappa*T <= 350 (got {k * T:g}): use "
                       "cost_moments(p, trajectory(p, lam))")
    s = np.sinh(k * T)
    e = (0.5 * p.gamma * X**2 + p.epsilon * X + p.eta_tilde * X**2 * np.tanh(0.5 * k * tau)
         * (tau * np.sinh(2 * k * T) + 2 * T * np.sinh(k * tau)) / (2 * tau**2 * s**2))
    v = (0.5 * p.sigma**2 * X**2 * (tau * s * np.cosh(k * (T - tau)) - T * np.sinh(k * tau))
         / (s**2 * np.sinh(k * tau)))
    return float(e), float(v)


def twap_cost(p: ACParams) -> tuple[float, float]:
    """Expected cost and variance of the straight-line (TWAP, risk-neutral) schedule.

    E = ½γX² + εX + η̃X²/T and V = ⅓σ²X²T(1 − 1/N)(1 − 1/(2N)).

    Parameters
    ----------
    p
        Model parameters.

    Returns
    -------
    E : float
        Expected cost ($).
    V : float
        Variance of the cost ($²).

    Raises
    ------
    ValueError
        If ``p`` is not an :class:`ACParams`.
    """
    p = _check_params(p)
    X, T, N = p.X, p.T, p.N
    e = 0.5 * p.gamma * X**2 + p.epsilon * X + p.eta_tilde * X**2 / T
    v = p.sigma**2 * X**2 * T * (1 - 1 / N) * (1 - 1 / (2 * N)) / 3.0
    return e, v


def efficient_frontier(p: ACParams, lams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected cost and variance of the optimal strategy for each risk aversion in ``lams``.

    Each point is ``cost_moments(p, trajectory(p, lam))`` (no limit on κT, unlike
    :func:`optimal_cost`).

    Parameters
    ----------
    p
        Model parameters.
    lams
        Risk aversions λ ≥ 0 ($⁻¹): a non-empty 1-D array (or list) of finite values.

    Returns
    -------
    E : numpy.ndarray
        Expected costs ($), shape (len(lams),).
    V : numpy.ndarray
        Variances of the cost ($²), shape (len(lams),).

    Raises
    ------
    ValueError
        If ``p`` is not an :class:`ACParams`, ``lams`` is not such an array, or a κ
        overflows (:func:`kappa`).
    """
    p = _check_params(p)
    lams = _validate.real_vector("lams", lams, low=0.0)
    ev = np.array([cost_moments(p, trajectory(p, lam)) for lam in lams])
    return ev[:, 0], ev[:, 1]
