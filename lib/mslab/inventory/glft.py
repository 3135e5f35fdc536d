"""Optimal market making with bounded inventory (Guéant, Lehalle & Fernandez-Tapia, 2013).

Model (the Avellaneda–Stoikov set-up): the mid price is ``dS = sigma dW`` (price units, e.g.
ticks; ``sigma`` in price units per square-root time unit); a bid posted ``delta_b`` below the
mid is hit by market sells at rate ``A exp(-k delta_b)`` (``A`` per time unit, ``k`` per price
unit), an ask posted ``delta_a`` above the mid is lifted at rate ``A exp(-k delta_a)``; the
market maker maximises ``E[-exp(-gamma (X_T + q_T S_T))]`` (``gamma`` per price unit) and keeps
its inventory ``q`` in ``[-Q, Q]``: no bid is posted at ``q = Q`` and no ask at ``q = -Q``.

Exact solution: with ``alpha = (k/2) gamma sigma^2`` and
``eta = A (1 + gamma/k)^-(1 + k/gamma)``, let ``M`` be the symmetric tridiagonal matrix of size
``2Q+1`` with diagonal ``alpha q^2`` (``q = -Q..Q``) and off-diagonals ``-eta``, and
``v(t) = exp(-M (T - t)) 1``. Then

    delta_b*(t, q) = (1/k) ln(v_q / v_{q+1}) + (1/gamma) ln(1 + gamma/k),
    delta_a*(t, q) = (1/k) ln(v_q / v_{q-1}) + (1/gamma) ln(1 + gamma/k).

Only ratios of components of ``v`` matter, but those components span many orders of magnitude
(``v_q`` is roughly Gaussian in ``q``), so ``v`` must be accurate component by component, not
just in norm. An eigendecomposition ``M = U diag(lambda) U^T`` gives every component with an
absolute error of about ``1e-16`` times the largest one, and for the paper's ``sigma = 1.0,
A = 0.2`` example with ``Q = 30`` the tail components (about ``1e-23``) come out with the wrong
sign. We therefore propagate ``v`` with a uniformisation (Jensen) scheme: with
``c = alpha Q^2`` the matrix ``P = c I - M`` has no negative entry, so each Taylor term of
``exp(P h) v`` is a non-negative vector and the sum has no cancellation; every component
keeps its relative accuracy whatever its size (rounding errors of order (terms x sub-steps)
ulps: about 1e-13 over the paper's 600 s). The dropped factor ``exp(-c h)`` and a
renormalisation after each sub-step (by the largest component) are common scalars that cancel
in the ratios, so nothing underflows or overflows, for any horizon. The work grows linearly
with ``(alpha Q^2 + 2 eta) * max(T - t)`` (for the paper's parameters and ``Q = 30``,
``T - t = 10^5`` s takes about 20 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, vectorize

from mslab import _validate
from mslab.inventory.quoting import QuotingResult, n_steps_for, simulate_scheme

# Largest ||P h|| per uniformisation sub-step: the Taylor sum then grows by at most e^30 (far
# from overflow) and needs ~90 terms, i.e. ~3 matrix-vector products per unit of ||P|| tau.
_STEP_NORM = 30.0
_EPS = 2.0**-53


@dataclass(frozen=True)
class _Depths:
    """Bid and ask depths (price units, measured from the mid) by inventory."""

    inventory: np.ndarray
    bid_depth: np.ndarray
    ask_depth: np.ndarray

    @property
    def spread(self) -> np.ndarray:
        """Quoted spread ``bid_depth + ask_depth``; NaN where one side is not quoted."""
        return self.bid_depth + self.ask_depth


@dataclass(frozen=True)
class GLFTAsymptoticQuotes(_Depths):
    """Long-horizon (``T - t -> infinity``) approximate depths, price units, for ``inventory``.

    Attributes
    ----------
    inventory : numpy.ndarray
        Inventories q (int64), shape (n,).
    bid_depth : numpy.ndarray
        Bid depth below the mid for each inventory (price units), shape (n,).
    ask_depth : numpy.ndarray
        Ask depth above the mid for each inventory (price units), shape (n,).
    """


@dataclass(frozen=True)
class GLFTQuotes(_Depths):
    """Optimal depths (price units, measured from the mid) of the bounded-inventory problem.

    ``bid_depth[i, j]`` and ``ask_depth[i, j]`` are the depths at ``times[i]`` for inventory
    ``inventory[j]``; NaN where that side is not quoted (bid at ``q = Q``, ask at ``q = -Q``).

    Attributes
    ----------
    times : numpy.ndarray
        Times t (time units), shape (n_times,), as given to :func:`glft_exact_quotes`.
    inventory : numpy.ndarray
        Inventories ``-Q..Q`` (int64), shape (2Q + 1,).
    bid_depth : numpy.ndarray
        Bid depths (price units), shape (n_times, 2Q + 1); NaN in the last column (q = Q).
    ask_depth : numpy.ndarray
        Ask depths (price units), shape (n_times, 2Q + 1); NaN in the first column (q = -Q).
    """

    times: np.ndarray


def _alpha_eta(gamma: float, k: float, A: float, sigma: float) -> tuple[float, float]:
    _validate.derived("gamma, k", "gamma / k", gamma / k, positive=True)
    with np.errstate(all="ignore"):
        alpha = 0.5 * k * gamma * np.float64(sigma) ** 2
        eta = A * np.exp(-(1.0 + k / gamma) * np.log1p(gamma / k))
    _validate.derived("gamma, k, A, sigma", "alpha = k gamma sigma^2 / 2 and eta", [alpha, eta])
    return float(alpha), float(eta)


def _check_work(alpha: float, eta: float, Q: int, max_tau: float, n_times: int) -> None:
    """Refuse a propagation beyond :data:`mslab._validate.MAX_WORK` matrix-vector entries
    (about 100 terms of size 2Q + 1 per uniformisation sub-step) or an output beyond
    :data:`mslab._validate.MAX_ELEMENTS`."""
    size = 2.0 * Q + 1.0
    _validate.elements("Q, times", size * n_times)
    norm_p = alpha * float(Q) ** 2 + 2.0 * eta
    sub_steps = norm_p * max_tau / _STEP_NORM + n_times
    _validate.work("gamma, k, A, sigma, Q, T, times", 100.0 * size * sub_steps)


@njit(cache=True)
def _uniformisation_step(v: np.ndarray, p_diag: np.ndarray, eta: float, h: float,
                         norm_p: float) -> np.ndarray:
    """``exp(P h) v`` for ``P = diag(p_diag) + eta * (off-diagonal ones)``, all entries >= 0,
    rescaled so that its largest component is 1. Sums Taylor terms until the remainder, bounded
    by ``max(term)`` once ``j >= 2 ||P|| h``, is below ``2^-53`` of the smallest component."""
    n = v.size
    term = v.copy()
    acc = v.copy()
    nxt = np.empty(n)
    j = 0
    while True:
        j += 1
        for i in range(n):
            x = p_diag[i] * term[i]
            if i > 0:
                x += eta * term[i - 1]
            if i < n - 1:
                x += eta * term[i + 1]
            nxt[i] = x * h / j
        term, nxt = nxt, term
        acc += term
        if j >= 2.0 * norm_p * h and term.max() <= _EPS * acc.min():
            break
    return acc / acc.max()


@njit(cache=True)
def _propagate(diag: np.ndarray, eta: float, taus: np.ndarray) -> np.ndarray:
    """Rows ``v(taus[i]) / max(v(taus[i]))`` with ``v(tau) = exp(-M tau) 1``, ``M`` = diag
    ``diag`` (>= 0) and off-diagonals ``-eta``; ``taus`` ascending, >= 0."""
    c = diag.max()
    p_diag = c - diag
    norm_p = c + 2.0 * eta  # row-sum norm of P = c I - M (min(diag) = 0 at q = 0)
    out = np.empty((taus.size, diag.size))
    v = np.ones(diag.size)
    tau_prev = 0.0
    for i in range(taus.size):
        n_sub = int(np.ceil(norm_p * (taus[i] - tau_prev) / _STEP_NORM))
        for _ in range(n_sub):
            v = _uniformisation_step(v, p_diag, eta, (taus[i] - tau_prev) / n_sub, norm_p)
        out[i] = v
        tau_prev = taus[i]
    return out


def glft_exact_quotes(gamma: float, k: float, A: float, sigma: float, Q: int, T: float,
                      times: np.ndarray) -> GLFTQuotes:
    """Exact optimal bid and ask depths at the given ``times`` (in ``[0, T]``) for every
    inventory ``-Q..Q``; see the module docstring for the model and the method.

    ``gamma`` > 0 (per price unit), ``k`` > 0 (per price unit), ``A`` >= 0 (per time unit),
    ``sigma`` >= 0 (price units per square-root time unit), ``Q`` >= 1, ``T`` > 0. The work,
    about ``100 (2Q + 1) (alpha Q^2 + 2 eta) max(T - times) / 30`` vector entries, is bounded by
    :data:`mslab._validate.MAX_WORK` and the output by :data:`mslab._validate.MAX_ELEMENTS`;
    beyond, or when the depths are not finite in double precision, a ``ValueError`` names the
    parameters.

    Parameters
    ----------
    gamma : float
        Risk aversion > 0 (per price unit).
    k : float
        Decay of the fill intensity in the depth, > 0 (per price unit).
    A : float
        Fill intensity at zero depth, >= 0 (per time unit).
    sigma : float
        Mid-price volatility, >= 0 (price units per square-root time unit).
    Q : int
        Inventory bound >= 1 (units).
    T : float
        Horizon > 0 (time units).
    times : numpy.ndarray
        Non-empty 1-D array of times in ``[0, T]`` (time units), in any order.

    Returns
    -------
    GLFTQuotes
        Depths of shape ``(len(times), 2Q + 1)``, one row per entry of ``times``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, a work or output bound exceeded, or depths
        that are not finite in double precision.
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    A = _validate.nonnegative("A", A)
    sigma = _validate.nonnegative("sigma", sigma)
    Q = _validate.integer("Q", Q, low=1)
    T = _validate.positive("T", T)
    times = _validate.real_vector("times", times, low=0.0, high=T, high_name="T",
                                  what="real times")

    alpha, eta = _alpha_eta(gamma, k, A, sigma)
    taus, where = np.unique(T - times, return_inverse=True)
    taus = np.maximum(taus, 0.0)
    _check_work(alpha, eta, Q, float(taus[-1]), times.size)
    inventory = np.arange(-Q, Q + 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # checked below
        log_v = np.log(_propagate(alpha * inventory.astype(float) ** 2, eta, taus))[where]
        base = np.log1p(gamma / k) / gamma
        bid = np.full(log_v.shape, np.nan)
        ask = np.full(log_v.shape, np.nan)
        bid[:, :-1] = (log_v[:, :-1] - log_v[:, 1:]) / k + base
        ask[:, 1:] = (log_v[:, 1:] - log_v[:, :-1]) / k + base
    _validate.derived("gamma, k, A, sigma, Q, T", "the optimal depths (v underflows)",
                      [bid[:, :-1], ask[:, 1:]])
    return GLFTQuotes(times=times.copy(), inventory=inventory, bid_depth=bid, ask_depth=ask)


def asymptotic_constants(gamma: float, k: float, A: float, sigma: float,
                         mu: float) -> tuple[float, float, float]:
    """``(base, C, drift)`` of the asymptotic depths: base = ln(1 + γ/k)/γ,
    C = sqrt(σ²γ/(2kA)·(1 + γ/k)^(1 + k/γ)), drift = μ/(γσ²).

    The parameters are not validated here (the callers do it); the constants are checked to
    be finite, so that extreme magnitudes (an underflowing γσ², an overflowing σ²) raise a
    ``ValueError`` naming the parameters rather than give infinite or NaN constants, a
    ``ZeroDivisionError`` or an ``OverflowError``.

    Parameters
    ----------
    gamma : float
        Risk aversion γ (per price unit).
    k : float
        Decay of the fill intensity in the depth (per price unit).
    A : float
        Fill intensity at zero depth (per time unit).
    sigma : float
        Mid-price volatility σ (price units per square-root time unit).
    mu : float
        Mid-price drift μ (price units per time unit).

    Returns
    -------
    tuple
        ``(base, C, drift)``: base and C in price units, drift in units of inventory.

    Raises
    ------
    ValueError
        If base, C or drift is not finite in double precision (the message names ``gamma, k,
        A, sigma, mu``).
    """
    with np.errstate(all="ignore"):  # checked below
        sigma2 = np.float64(sigma) ** 2  # np.float64: inf instead of a raw OverflowError
        base = np.log1p(np.float64(gamma) / k) / gamma
        C = np.sqrt(sigma2 * gamma / (2.0 * k * A)
                    * np.exp((1.0 + k / np.float64(gamma)) * np.log1p(np.float64(gamma) / k)))
        drift = mu / (gamma * sigma2)  # NaN or inf, not ZeroDivisionError, if γσ² underflows
    _validate.derived("gamma, k, A, sigma, mu", "the asymptotic constants (base, C, drift)",
                      [base, C, drift])
    return base, C, float(drift)


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def asymptotic_bid_depth(base, C, drift, q):
    """δᵇ(q) = base + (−drift + (2q + 1)/2)·C: a ufunc called on arrays by
    :func:`glft_asymptotic_quotes` and on scalars by the order-book GLFT quoter.

    Parameters
    ----------
    base, C, drift : float
        The constants of :func:`asymptotic_constants`.
    q : float
        Inventory (units).

    Returns
    -------
    float
        The bid depth δᵇ(q) (price units); an array when the inputs are arrays.
    """
    return base + (-drift + (2.0 * q + 1.0) / 2.0) * C


@vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def asymptotic_ask_depth(base, C, drift, q):
    """δᵃ(q) = base + (drift − (2q − 1)/2)·C (see :func:`asymptotic_bid_depth`).

    Parameters
    ----------
    base, C, drift : float
        The constants of :func:`asymptotic_constants`.
    q : float
        Inventory (units).

    Returns
    -------
    float
        The ask depth δᵃ(q) (price units); an array when the inputs are arrays.
    """
    return base + (drift - (2.0 * q - 1.0) / 2.0) * C


def glft_asymptotic_quotes(gamma: float, k: float, A: float, sigma: float, q: int | np.ndarray,
                           mu: float = 0.0) -> GLFTAsymptoticQuotes:
    """Closed-form long-horizon depths (GLFT 2013, continuous-inventory approximation).

    With ``C = sqrt(sigma^2 gamma / (2 k A) * (1 + gamma/k)^(1 + k/gamma))`` and a mid-price
    drift ``mu`` (price units per time unit):

        delta_b(q) = (1/gamma) ln(1 + gamma/k) + (-mu/(gamma sigma^2) + (2q + 1)/2) C,
        delta_a(q) = (1/gamma) ln(1 + gamma/k) + ( mu/(gamma sigma^2) - (2q - 1)/2) C.

    ``q`` is an integer or a 1-D array of integers; there is no inventory bound. Requires
    ``gamma, k, A, sigma > 0``.

    Parameters
    ----------
    gamma : float
        Risk aversion > 0 (per price unit).
    k : float
        Decay of the fill intensity in the depth, > 0 (per price unit).
    A : float
        Fill intensity at zero depth, > 0 (per time unit).
    sigma : float
        Mid-price volatility, > 0 (price units per square-root time unit).
    q : int or numpy.ndarray
        Inventory: an integer or a non-empty 1-D array of integers with ``|q| <= 2**53``.
    mu : float
        Mid-price drift (price units per time unit); 0 by default.

    Returns
    -------
    GLFTAsymptoticQuotes
        Depths for each inventory; arrays of shape (1,) for a scalar ``q``.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above, or constants or depths that are not finite
        (or underflow) in double precision.

    Examples
    --------
    A long inventory moves both quotes down (a deeper bid, a closer ask):

    >>> import numpy as np
    >>> from mslab.inventory import glft_asymptotic_quotes
    >>> quotes = glft_asymptotic_quotes(gamma=0.01, k=0.3, A=0.9, sigma=0.3, q=np.array([-1, 0, 1]))
    >>> quotes.bid_depth.round(4), quotes.ask_depth.round(4)
    (array([3.245 , 3.3129, 3.3808]), array([3.3808, 3.3129, 3.245 ]))
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    A = _validate.positive("A", A)
    sigma = _validate.positive("sigma", sigma)
    mu = _validate.real("mu", mu)
    q_arr = np.asarray(q)
    if q_arr.ndim > 1 or q_arr.size == 0 or q_arr.dtype == bool or not np.issubdtype(
            q_arr.dtype, np.integer) or np.abs(q_arr.astype(float)).max() > 2.0**53:
        _validate.fail("q", q, "an integer or a non-empty 1-D array of integers with "
                               "|q| <= 2**53")
    inventory = np.atleast_1d(q_arr).astype(np.int64)

    _validate.derived("gamma, k", "gamma / k", gamma / k, positive=True)
    _validate.derived("gamma, sigma", "gamma sigma^2", gamma * np.float64(sigma) ** 2,
                      positive=True)
    with np.errstate(all="ignore"):
        base, C, drift = asymptotic_constants(gamma, k, A, sigma, mu)
        bid = asymptotic_bid_depth(base, C, drift, inventory)
        ask = asymptotic_ask_depth(base, C, drift, inventory)
    _validate.derived("gamma, k, A, sigma, q, mu", "the depths", [bid, ask])
    return GLFTAsymptoticQuotes(inventory=inventory, bid_depth=bid, ask_depth=ask)


def simulate_glft(gamma: float, k: float, A: float, sigma: float, Q: int, s0: float, T: float,
                  dt: float, n_paths: int, seed: int, record_paths: int = 0) -> QuotingResult:
    """Monte Carlo of the GLFT optimal strategy in the discrete Avellaneda–Stoikov scheme.

    Grid ``t_n = n dt`` (``T/dt`` a whole number), inventory starts at 0, mid at ``s0``. In
    step ``n`` the market maker posts the exact optimal depths for ``(t_n, q)``; the ask is
    lifted with probability ``A exp(-k delta_a) dt`` (``q -= 1``, cash ``+= ask``), the bid is
    hit with probability ``A exp(-k delta_b) dt`` (``q += 1``, cash ``-= bid``), then the mid
    moves ``+-sigma sqrt(dt)`` with probability 1/2 each. The side at the bound is not quoted,
    so ``|q| <= Q`` always. The random draws are those of
    :func:`~mslab.inventory.avellaneda_stoikov.simulate_avellaneda_stoikov`, so for the same
    ``seed``, ``sigma``, ``dt`` and ``s0`` both simulations see the same mid path.

    Returns a :class:`~mslab.inventory.avellaneda_stoikov.QuotingResult` (``spread`` is NaN;
    recorded bid/ask are NaN where a side is not quoted). As in the Avellaneda–Stoikov scheme, a
    fill probability ``A exp(-k delta) dt`` above 1 (a quote deep through the mid near the
    bounds) is capped at 1: that quote fills on every step. Work and memory are bounded as in
    :func:`glft_exact_quotes` and :func:`~mslab.inventory.quoting.check_paths`.

    Parameters
    ----------
    gamma : float
        Risk aversion > 0 (per price unit).
    k : float
        Decay of the fill intensity in the depth, > 0 (per price unit).
    A : float
        Fill intensity at zero depth, >= 0 (per time unit).
    sigma : float
        Mid-price volatility, >= 0 (price units per square-root time unit).
    Q : int
        Inventory bound >= 1 (units).
    s0 : float
        Initial mid-price (price units).
    T : float
        Horizon > 0 (time units).
    dt : float
        Step, ``0 < dt <= T`` with ``T/dt`` a whole number.
    n_paths : int
        Number of simulated paths >= 1.
    seed : int
        Non-negative integer.
    record_paths : int
        Keep the per-step paths of the first ``record_paths`` simulations
        (``0 <= record_paths <= n_paths``); 0 by default.

    Returns
    -------
    QuotingResult
        Profit, final inventory and fill counts of every path, and the recorded paths.

    Raises
    ------
    ValueError
        For a parameter outside the ranges above or a bound exceeded (see above).
    """
    gamma = _validate.positive("gamma", gamma)
    k = _validate.positive("k", k)
    A = _validate.nonnegative("A", A)
    sigma = _validate.nonnegative("sigma", sigma)
    Q = _validate.integer("Q", Q, low=1)
    s0 = _validate.real("s0", s0)
    T = _validate.positive("T", T)
    dt = _validate.real("dt", dt, low=0.0, high=T, low_open=True, high_name="T")
    n_paths = _validate.integer("n_paths", n_paths, low=1)
    seed = _validate.seed("seed", seed)
    record_paths = _validate.integer("record_paths", record_paths, low=0, high=n_paths,
                                      high_name="n_paths")
    n_steps = n_steps_for(T, dt)

    quotes = glft_exact_quotes(gamma, k, A, sigma, Q, T, np.arange(n_steps) * dt)
    return simulate_scheme(bid_depth=quotes.bid_depth, ask_depth=quotes.ask_depth, k=k, A=A,
                           sigma=sigma, s0=s0, dt=dt, n_paths=n_paths, seed=seed,
                           record_paths=record_paths,
                           params=dict(strategy="glft", gamma=gamma, Q=Q, T=T))
