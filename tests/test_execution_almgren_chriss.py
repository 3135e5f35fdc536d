"""Almgren–Chriss closed forms against the paper's example and the general cost formulas;
the Monte Carlo against the closed forms."""

import numpy as np
import pytest

from mslab.execution import almgren_chriss as ac
from mslab.execution.schedule_mc import simulate_costs

PAPER = ac.ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)


def test_paper_example():
    # references/execution_quality.md: kappa = 0.6071/day, theta = 1.647 days, E ~ $911k,
    # sqrt(V) ~ $603k at lambda = 1e-6; TWAP E = $662,500, V = 1.083e12; kappa*T ~ 3.
    assert ac.kappa(PAPER, 1e-6) == pytest.approx(0.6071, abs=5e-5)
    assert ac.half_life(PAPER, 1e-6) == pytest.approx(1.647, abs=5e-4)
    e, v = ac.optimal_cost(PAPER, 1e-6)
    assert e == pytest.approx(911e3, abs=500) and np.sqrt(v) == pytest.approx(603e3, abs=500)
    assert ac.twap_cost(PAPER) == pytest.approx((662_500.0, 1.083e12), rel=1e-12)
    assert ac.kappa(PAPER, 1e-6) * PAPER.T == pytest.approx(3.0, abs=0.05)
    # holding without trading: sigma sqrt(T) = 2.12 $/share
    assert PAPER.sigma * np.sqrt(PAPER.T) == pytest.approx(2.12, abs=0.005)


@pytest.mark.parametrize("lam", [0.0, 2e-7, 1e-6, 2e-6, 1e-4])
def test_closed_forms_equal_general_formulas(lam):
    x = ac.trajectory(PAPER, lam)
    assert x[0] == PAPER.X and x[-1] == 0.0 and np.all(np.diff(x) < 0)
    np.testing.assert_allclose(ac.trade_list(PAPER, lam), -np.diff(x), rtol=1e-10)
    np.testing.assert_allclose(ac.optimal_cost(PAPER, lam), ac.cost_moments(PAPER, x),
                               rtol=1e-9)


def test_optimum_beats_perturbations():
    lam = 1e-6
    x = ac.trajectory(PAPER, lam)
    e, v = ac.cost_moments(PAPER, x)
    for j in range(1, PAPER.N):
        for d in (-1e4, 1e4):
            y = x.copy()
            y[j] += d
            e2, v2 = ac.cost_moments(PAPER, y)
            assert e2 + lam * v2 > e + lam * v


def test_frontier_monotone_and_half_life():
    e, v = ac.efficient_frontier(PAPER, np.array([0.0, 1e-7, 1e-6, 1e-5]))
    assert np.all(np.diff(e) > 0) and np.all(np.diff(v) < 0)
    assert ac.half_life(PAPER, 0.0) == np.inf
    # small-tau limit: kappa -> sqrt(lam sigma^2 / eta)
    fine = ac.ACParams(X=1e6, T=5.0, N=50_000, sigma=0.95, gamma=0.0, eta=2.5e-6)
    assert ac.kappa(fine, 1e-6) == pytest.approx(np.sqrt(1e-6 * 0.95**2 / 2.5e-6), rel=1e-6)


@pytest.mark.parametrize("lam", [0.0, 1e-6])
def test_monte_carlo_matches_closed_form(lam):
    x = ac.trajectory(PAPER, lam)
    e, v = ac.cost_moments(PAPER, x)
    n = 200_000
    costs = simulate_costs(PAPER, x, n, seed=7)
    assert abs(costs.mean() - e) < 4.0 * np.sqrt(v / n)
    # cost is Gaussian: the sample variance has sd V sqrt(2/(n-1))
    assert abs(costs.var(ddof=1) - v) < 4.0 * v * np.sqrt(2.0 / (n - 1))


def test_monte_carlo_deterministic_and_sigma_zero():
    x = ac.trajectory(PAPER, 1e-6)
    np.testing.assert_array_equal(simulate_costs(PAPER, x, 100, 3), simulate_costs(PAPER, x, 100, 3))
    quiet = ac.ACParams(X=1e6, T=5.0, N=5, sigma=0.0, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    np.testing.assert_allclose(simulate_costs(quiet, x, 10, 1), ac.cost_moments(quiet, x)[0],
                               rtol=1e-12)


def test_bad_parameters():
    with pytest.raises(ValueError, match="eta"):
        ac.ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=1.0, eta=1e-6)
    with pytest.raises(ValueError, match="lam"):
        ac.kappa(PAPER, -1.0)
    with pytest.raises(ValueError, match="holdings"):
        ac.cost_moments(PAPER, np.array([1e6, 0.0]))
    with pytest.raises(ValueError, match="n_paths"):
        simulate_costs(PAPER, ac.trajectory(PAPER, 0.0), 1, 0)
