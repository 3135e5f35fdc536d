"""Tests of mslab.inventory.glft (Guéant, Lehalle & Fernandez-Tapia 2013)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from mslab.inventory.avellaneda_stoikov import simulate_avellaneda_stoikov
from mslab.inventory.glft import (asymptotic_constants, glft_asymptotic_quotes, glft_exact_quotes,
                                  simulate_glft)
from mslab.orderbook.quoters import glft_quoter

# The paper's example (sigma in ticks s^-1/2, A in s^-1, k and gamma in tick^-1, T in s) and
# its variants: (gamma, k, A, sigma).
PAPER = (0.01, 0.3, 0.9, 0.3)
VARIANTS = [PAPER, (0.01, 0.3, 0.9, 0.4), (0.01, 0.3, 0.2, 1.0), (0.01, 0.9, 0.9, 0.6)]
Q = 30


def _alpha_eta_base(gamma, k, A, sigma):
    alpha = 0.5 * k * gamma * sigma**2
    eta = A * (1 + gamma / k) ** (-(1 + k / gamma))
    return alpha, eta, np.log(1 + gamma / k) / gamma


def _depths_from_v(v, k, base):
    """Bid depth for q = -Q..Q-1 and ask depth for q = -Q+1..Q from a vector v."""
    lv = np.log(v)
    return (lv[:-1] - lv[1:]) / k + base, (lv[1:] - lv[:-1]) / k + base


@pytest.mark.parametrize("params", VARIANTS)
def test_exact_quotes_match_dense_matrix_exponential(params):
    gamma, k, A, sigma = params
    alpha, eta, base = _alpha_eta_base(*params)
    q = np.arange(-Q, Q + 1)
    M = np.diag(alpha * q**2.0) - eta * (np.eye(2 * Q + 1, k=1) + np.eye(2 * Q + 1, k=-1))
    T = 600.0
    taus = np.array([0.5, 10.0, 60.0, 300.0, 600.0])
    quotes = glft_exact_quotes(gamma, k, A, sigma, Q, T, T - taus)
    for i, tau in enumerate(taus):
        bid, ask = _depths_from_v(scipy.linalg.expm(-M * tau) @ np.ones(2 * Q + 1), k, base)
        # 1e-10 relative accuracy on the ratios v_q / v_{q+-1} is 1e-10 / k in depth.
        np.testing.assert_allclose(quotes.bid_depth[i, :-1], bid, rtol=0, atol=1e-10 / k)
        np.testing.assert_allclose(quotes.ask_depth[i, 1:], ask, rtol=0, atol=1e-10 / k)
    assert np.all(np.isnan(quotes.bid_depth[:, -1])) and np.all(np.isnan(quotes.ask_depth[:, 0]))
    assert np.all(np.isfinite(quotes.bid_depth[:, :-1]))
    assert np.all(np.isfinite(quotes.ask_depth[:, 1:]))


@pytest.mark.parametrize("params", VARIANTS)
def test_long_horizon_quotes_equal_ground_state_quotes(params):
    """As T - t -> infinity, v is proportional to the positive ground-state eigenvector u of M.
    Its ratios r_q = u_q / u_{q+1} follow independently from the eigen-equation, run inwards from
    the bound (r_-Q = eta / (alpha Q^2 - lambda0), r_q = eta / (alpha q^2 - lambda0 - eta
    r_{q-1})), a recursion that keeps full relative accuracy in the tails, where u_q is as small
    as 1e-23 for the sigma = 1 variant."""
    gamma, k, A, sigma = params
    alpha, eta, base = _alpha_eta_base(*params)
    q = np.arange(-Q, Q + 1)
    lam0 = scipy.linalg.eigvalsh_tridiagonal(alpha * q**2.0, -eta * np.ones(2 * Q),
                                             select="i", select_range=(0, 0))[0]
    r = np.empty(Q)  # r[j] = u_q / u_{q+1} for q = -Q + j, q < 0
    r[0] = eta / (alpha * Q**2 - lam0)
    for j in range(1, Q):
        r[j] = eta / (alpha * (j - Q) ** 2 - lam0 - eta * r[j - 1])
    log_ratio = np.concatenate([np.log(r), -np.log(r[::-1])])  # u symmetric in q
    T = 1e5
    quotes = glft_exact_quotes(gamma, k, A, sigma, Q, T, [0.0])
    np.testing.assert_allclose(quotes.bid_depth[0, :-1], log_ratio / k + base, rtol=0, atol=1e-9)


@pytest.mark.parametrize("params", VARIANTS[:2])
def test_exact_quotes_approach_asymptotic_closed_form(params):
    """The closed form is the continuum (Hermite-function) approximation of the ground state,
    with relative error of order omega = k C = sqrt(alpha / eta) (0.020 and 0.027 here) on a
    quote that moves by C per unit of inventory, so it is good to about omega * C (1.4e-3 and
    2.5e-3 tick) away from the bounds; we compare for |q| <= Q/3 and allow 2 omega C. At 60 s
    from the end the quotes are still far from stationary; 600 s (the paper's horizon) is
    already long enough."""
    gamma, k, A, sigma = params
    alpha, eta, _ = _alpha_eta_base(*params)
    C = np.sqrt(alpha / eta) / k
    tol = 2 * np.sqrt(alpha / eta) * C
    T = 20_000.0
    taus = np.array([60.0, 600.0, T])
    quotes = glft_exact_quotes(gamma, k, A, sigma, Q, T, T - taus)
    inv = np.arange(-Q // 3, Q // 3 + 1)
    asym = glft_asymptotic_quotes(gamma, k, A, sigma, inv)
    np.testing.assert_allclose(asym.spread, 2 / gamma * np.log1p(gamma / k) + C, rtol=1e-14)
    cols = inv + Q
    err = np.array([np.abs(quotes.bid_depth[i, cols] - asym.bid_depth).max() for i in range(3)])
    err_ask = np.array([np.abs(quotes.ask_depth[i, cols] - asym.ask_depth).max() for i in range(3)])
    np.testing.assert_allclose(err_ask, err, rtol=1e-9)
    assert err[0] > 20 * tol
    assert err[1] < tol and err[2] < tol
    assert np.all(np.abs(quotes.spread[-1, cols] - asym.spread) < tol)


def test_asymptotic_quotes_with_drift():
    gamma, k, A, sigma = PAPER
    mu = 0.002
    C = glft_asymptotic_quotes(gamma, k, A, sigma, 0).spread[0] - 2 / gamma * np.log1p(gamma / k)
    plain = glft_asymptotic_quotes(gamma, k, A, sigma, [-3, 0, 5])
    drift = glft_asymptotic_quotes(gamma, k, A, sigma, np.array([-3, 0, 5]), mu=mu)
    shift = mu / (gamma * sigma**2) * C  # an upward drift lowers the bid and raises the ask
    np.testing.assert_allclose(drift.bid_depth, plain.bid_depth - shift, rtol=1e-13)
    np.testing.assert_allclose(drift.ask_depth, plain.ask_depth + shift, rtol=1e-13)
    np.testing.assert_allclose(np.diff(plain.bid_depth) / np.diff(plain.inventory), C, rtol=1e-12)
    np.testing.assert_array_equal(plain.inventory, [-3, 0, 5])


@pytest.mark.parametrize("params", VARIANTS)
def test_monotone_in_inventory_and_symmetric(params):
    """More inventory: the bid moves away from the mid and the ask towards it (strictly, before
    T); at T both equal (1/gamma) ln(1 + gamma/k). Symmetry: delta_b(q) = delta_a(-q)."""
    gamma, k, A, sigma = params
    T = 600.0
    times = np.linspace(0.0, T, 13)
    quotes = glft_exact_quotes(gamma, k, A, sigma, Q, T, times)
    assert np.all(np.diff(quotes.bid_depth[:-1, :-1], axis=1) > 0)
    assert np.all(np.diff(quotes.ask_depth[:-1, 1:], axis=1) < 0)
    np.testing.assert_allclose(quotes.bid_depth[-1, :-1], np.log1p(gamma / k) / gamma, rtol=1e-14)
    np.testing.assert_allclose(quotes.bid_depth, quotes.ask_depth[:, ::-1], rtol=0, atol=1e-11)
    np.testing.assert_array_equal(quotes.inventory, np.arange(-Q, Q + 1))
    # Longer remaining horizon, more inventory risk: the spread at q = 0 widens towards t = 0
    # (until it is stationary).
    assert np.all(np.diff(quotes.spread[:, Q]) < 1e-12)
    assert quotes.spread[0, Q] > quotes.spread[-2, Q] + 1e-3


def test_simulation_respects_bounds_and_posts_no_quote_at_the_bound():
    gamma, k, A, sigma = PAPER
    Qs, dt, n = 2, 0.5, 64
    sim = simulate_glft(gamma, k, A, sigma, Qs, 100.0, 300.0, dt, n, seed=7, record_paths=n)
    path = sim.paths
    assert np.abs(path.inventory).max() == Qs  # the bound is reached ...
    assert np.abs(sim.final_inventory).max() <= Qs  # ... and never breached
    at_top, at_bottom = path.inventory[:, :-1] == Qs, path.inventory[:, :-1] == -Qs
    assert at_top.any() and at_bottom.any()
    np.testing.assert_array_equal(np.isnan(path.bid[:, :-1]), at_top)
    np.testing.assert_array_equal(np.isnan(path.ask[:, :-1]), at_bottom)
    assert not (path.bid_fill & at_top).any() and not (path.ask_fill & at_bottom).any()
    np.testing.assert_array_equal(sim.n_bid_fills - sim.n_ask_fills, sim.final_inventory)


def test_no_liquidity_means_no_fill():
    gamma, k, _, sigma = PAPER
    sim = simulate_glft(gamma, k, 0.0, sigma, 5, 100.0, 60.0, 0.1, 50, seed=1, record_paths=2)
    assert np.all(sim.profit == 0.0)
    assert np.all(sim.final_inventory == 0)
    assert np.all(sim.n_bid_fills == 0) and np.all(sim.n_ask_fills == 0)
    assert np.ptp(sim.paths.mid[0]) > 0  # the mid still moves


def test_cash_and_inventory_accounting_on_recorded_paths():
    gamma, k, A, sigma = PAPER
    dt, s0, n_rec = 0.2, 100.0, 8
    sim = simulate_glft(gamma, k, A, sigma, 4, s0, 200.0, dt, 40, seed=11, record_paths=n_rec)
    path = sim.paths
    np.testing.assert_allclose(path.times, np.arange(1001) * dt, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.abs(np.diff(path.mid, axis=1)), sigma * np.sqrt(dt), rtol=1e-9)
    assert np.all(path.mid[:, 0] == s0) and np.all(path.inventory[:, 0] == 0)
    assert np.all(path.cash[:, 0] == 0.0)
    bought, sold = path.bid_fill, path.ask_fill
    assert bought.any() and sold.any() and (bought & sold).any()
    np.testing.assert_array_equal(np.diff(path.inventory, axis=1), bought.astype(int) - sold)
    flow = np.where(sold, path.ask[:, :-1], 0.0) - np.where(bought, path.bid[:, :-1], 0.0)
    np.testing.assert_allclose(np.diff(path.cash, axis=1), flow, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(bought.sum(1), sim.n_bid_fills[:n_rec])
    np.testing.assert_array_equal(sold.sum(1), sim.n_ask_fills[:n_rec])
    marked = path.cash[:, -1] + path.inventory[:, -1] * path.mid[:, -1]
    np.testing.assert_allclose(sim.profit[:n_rec], marked, rtol=1e-12)
    np.testing.assert_array_equal(path.inventory[:, -1], sim.final_inventory[:n_rec])
    # Quotes are the exact table: bid = mid - delta_b(t_n, q_n).
    quotes = glft_exact_quotes(gamma, k, A, sigma, 4, 200.0, path.times[:-1])
    rows = np.arange(1000)
    depth = quotes.bid_depth[rows, path.inventory[:, :-1] + 4]
    np.testing.assert_allclose(path.mid[:, :-1] - path.bid[:, :-1], depth, rtol=1e-9)


def test_same_mid_path_as_avellaneda_stoikov():
    """Common random numbers: the same seed gives the same mid path in both simulations."""
    gamma, k, A, sigma = PAPER
    glft = simulate_glft(gamma, k, A, sigma, 5, 100.0, 60.0, 0.5, 16, seed=9, record_paths=16)
    as08 = simulate_avellaneda_stoikov(gamma=gamma, k=k, A=A, sigma=sigma, s0=100.0, T=60.0,
                                       dt=0.5, n_paths=16, seed=9, record_paths=16)
    np.testing.assert_array_equal(glft.paths.mid, as08.paths.mid)
    assert not np.array_equal(glft.profit, as08.profit)
    assert glft.params["strategy"] == "glft" and glft.n_steps == 120


def test_simulation_matches_exact_expectations():
    """The inventory is a Markov chain whose law pi_n follows exactly from the quote table; with
    it, E[bid fills] = sum_n sum_q pi_n(q) p_b(n, q), likewise for the ask, and (the mid being a
    martingale independent of the fills) E[profit] = sum_n sum_q pi_n(q) (p_b delta_b + p_a
    delta_a). Monte Carlo means must agree within 4 standard errors, and the mid moves up half
    of the time."""
    gamma, k, A, sigma = PAPER
    T, dt, n, Qs = 300.0, 0.5, 400, 10
    sim = simulate_glft(gamma, k, A, sigma, Qs, 100.0, T, dt, n, seed=5, record_paths=n)
    up = np.diff(sim.paths.mid, axis=1) > 0  # symmetric +-sigma sqrt(dt) moves
    assert abs(up.mean() - 0.5) < 4 * 0.5 / np.sqrt(up.size)
    quotes = glft_exact_quotes(gamma, k, A, sigma, Qs, T, np.arange(600) * dt)
    pb = np.nan_to_num(A * np.exp(-k * quotes.bid_depth) * dt)
    pa = np.nan_to_num(A * np.exp(-k * quotes.ask_depth) * dt)
    pi = np.zeros(2 * Qs + 1)
    pi[Qs] = 1.0
    fills_b = fills_a = profit = 0.0
    for m in range(600):
        fills_b += pi @ pb[m]
        fills_a += pi @ pa[m]
        bid, ask = np.nan_to_num(quotes.bid_depth[m]), np.nan_to_num(quotes.ask_depth[m])
        profit += pi @ (pb[m] * bid + pa[m] * ask)
        up, down = pi * pb[m] * (1 - pa[m]), pi * pa[m] * (1 - pb[m])
        pi = pi - up - down
        pi[1:] += up[:-1]
        pi[:-1] += down[1:]
    q = np.arange(-Qs, Qs + 1)
    for sample, expected in [(sim.n_bid_fills, fills_b), (sim.n_ask_fills, fills_a),
                             (sim.profit, profit), (sim.final_inventory, pi @ q),
                             (sim.final_inventory**2, pi @ q**2)]:
        assert abs(sample.mean() - expected) < 4 * sample.std() / np.sqrt(n)
    assert fills_b > 50 and abs(pi.sum() - 1) < 1e-12


def test_simulation_is_deterministic_per_seed():
    args = (*PAPER, 5, 100.0, 60.0, 0.5, 30)
    a, b = simulate_glft(*args, seed=3), simulate_glft(*args, seed=3)
    c = simulate_glft(*args, seed=4)
    np.testing.assert_array_equal(a.profit, b.profit)
    assert not np.array_equal(a.profit, c.profit)


GOOD_EXACT = dict(gamma=0.01, k=0.3, A=0.9, sigma=0.3, Q=5, T=60.0, times=[0.0, 30.0])
BAD_EXACT = [("gamma", 0.0), ("gamma", -1.0), ("gamma", float("nan")), ("gamma", "0.1"),
             ("k", 0.0), ("k", float("inf")), ("A", -0.1), ("sigma", -0.3), ("sigma", None),
             ("Q", 0), ("Q", 2.0), ("Q", True), ("T", 0.0), ("times", []), ("times", [-1.0]),
             ("times", [61.0]), ("times", [[0.0]]), ("times", [float("nan")]),
             ("times", "soon"), ("times", [True])]


@pytest.mark.parametrize(("name", "value"), BAD_EXACT)
def test_exact_quotes_reject_bad_parameters(name, value):
    with pytest.raises(ValueError, match=f"^{name}="):
        glft_exact_quotes(**{**GOOD_EXACT, name: value})


GOOD_ASYM = dict(gamma=0.01, k=0.3, A=0.9, sigma=0.3, q=[0, 1], mu=0.0)
BAD_ASYM = [("gamma", 0.0), ("k", -0.3), ("A", 0.0), ("sigma", 0.0), ("q", 1.5), ("q", [0.5]),
            ("q", [[1]]), ("q", []), ("q", True), ("mu", float("nan")), ("mu", "up")]


@pytest.mark.parametrize(("name", "value"), BAD_ASYM)
def test_asymptotic_quotes_reject_bad_parameters(name, value):
    with pytest.raises(ValueError, match=f"^{name}="):
        glft_asymptotic_quotes(**{**GOOD_ASYM, name: value})


GOOD_SIM = dict(gamma=0.01, k=0.3, A=0.9, sigma=0.3, Q=5, s0=100.0, T=60.0, dt=0.5, n_paths=4,
                seed=0, record_paths=1)
BAD_SIM = [("gamma", -0.01), ("k", 0.0), ("A", -1.0), ("sigma", float("inf")), ("Q", -1),
           ("s0", float("nan")), ("T", -60.0), ("dt", 0.0), ("dt", 61.0), ("dt", 0.7),
           ("n_paths", 0), ("n_paths", 2.0), ("seed", -1), ("seed", 1.5),
           ("record_paths", -1), ("record_paths", 5)]


@pytest.mark.parametrize(("name", "value"), BAD_SIM)
def test_simulation_rejects_bad_parameters(name, value):
    with pytest.raises(ValueError, match=f"^{name}="):
        simulate_glft(**{**GOOD_SIM, name: value})


def test_fill_probability_is_capped_at_one():
    """With dt = 5 s the quotes near the bounds have A exp(-k delta) dt > 1: like the
    Avellaneda–Stoikov scheme, such a quote fills on every step instead of raising."""
    res = simulate_glft(**{**GOOD_SIM, "dt": 5.0, "record_paths": 4, "n_paths": 4})
    p = res.paths
    assert np.all(np.abs(p.inventory) <= GOOD_SIM["Q"])
    np.testing.assert_array_equal(np.diff(p.inventory, axis=1),
                                  p.bid_fill.astype(int) - p.ask_fill.astype(int))


# --- extremes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"gamma": 1e12}, {"sigma": 1e6}, {"A": 1e15},
                                    {"T": 1e15, "times": [0.0]}, {"Q": 10**9}])
def test_exact_quotes_refuse_work_beyond_the_bound_at_once(change):
    with pytest.raises(ValueError, match=r"mslab\._validate\.MAX_(WORK|ELEMENTS)"):
        glft_exact_quotes(**{**GOOD_EXACT, **change})


@pytest.mark.parametrize(("change", "name"), [
    ({"gamma": 1e300, "sigma": 1e300}, "sigma"), ({"gamma": 5e-324}, "gamma"),
    ({"A": 0.0, "T": 1e7, "times": [0.0]}, "A"),  # v underflows: depths would be NaN
])
def test_exact_quotes_name_parameters_whose_derived_values_overflow(change, name):
    with pytest.raises(ValueError, match=name):
        glft_exact_quotes(**{**GOOD_EXACT, **change})


@pytest.mark.parametrize(("change", "name"), [
    ({"sigma": 1e-300}, "sigma"), ({"sigma": 1e300}, "sigma"), ({"gamma": 5e-324}, "gamma"),
    ({"q": [2**62]}, "q"), ({"q": np.array([2**64 - 1], dtype=np.uint64)}, "q"),
    ({"mu": 1e308, "sigma": 1e-150}, "mu"),
])
def test_asymptotic_quotes_name_the_parameter_instead_of_raw_errors(change, name):
    with pytest.raises(ValueError, match=name):
        glft_asymptotic_quotes(**{**GOOD_ASYM, **change})


@pytest.mark.parametrize("change", [
    {"gamma": 1e-300, "sigma": 1e-10, "mu": 1.0},  # drift = mu / (gamma sigma^2) overflows
    {"gamma": 1e-300, "sigma": 1e-200},  # gamma sigma^2 underflows to 0: was ZeroDivisionError
    {"sigma": 1e200},  # sigma^2 overflows: was OverflowError
])
def test_asymptotic_constants_and_glft_quoter_refuse_non_finite_constants(change):
    kw = {"gamma": 0.01, "k": 0.3, "A": 0.9, "sigma": 0.3, "mu": 0.0} | change
    for f in (asymptotic_constants, glft_quoter):
        with pytest.raises(ValueError, match=r"^gamma, k, A, sigma, mu: these values make the "
                                             r"asymptotic constants \(base, C, drift\)"):
            f(**kw)
    base, C, drift = asymptotic_constants(0.01, 0.3, 0.9, 0.3, 0.1)
    assert (base, C, drift) == (np.log1p(0.01 / 0.3) / 0.01, np.sqrt(
        0.3**2 * 0.01 / (2.0 * 0.3 * 0.9) * np.exp((1.0 + 0.3 / 0.01) * np.log1p(0.01 / 0.3))),
        0.1 / (0.01 * 0.3**2))


@pytest.mark.parametrize("change", [{"T": 1e300}, {"dt": 1e-300}, {"n_paths": 10**12},
                                    {"n_paths": 10**9}, {"record_paths": 10**6,
                                                         "n_paths": 10**6}])
def test_simulation_refuses_work_beyond_the_bound(change):
    with pytest.raises(ValueError, match=r"MAX_(WORK|ELEMENTS)"):
        simulate_glft(**{**GOOD_SIM, **change})
