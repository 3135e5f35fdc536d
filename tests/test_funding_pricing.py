"""Tests of mslab.funding.pricing: closed forms against hand values and anchoring, and the
random-maturity Monte Carlo within its standard error."""

from __future__ import annotations

import pytest

from mslab.funding.pricing import basis, monte_carlo_price, price_ratio


def test_closed_forms_by_hand():
    # linear continuous: (3 - 0.1)/(3 + 0.01 - 0.05) = 2.9/2.96
    assert price_ratio(3.0, 0.1, 0.05, 0.01) == pytest.approx(2.9 / 2.96)
    # discrete: (0.5 - 0.1)(1.01)/(0.01 - 0.05 + 0.5*1.01)
    assert price_ratio(0.5, 0.1, 0.05, 0.01, funding="discrete") == pytest.approx(
        0.4 * 1.01 / (0.01 - 0.05 + 0.505))
    # inverse continuous: (3 + 0.05 - 0.01)/(3 - 0.1)
    assert price_ratio(3.0, 0.1, 0.05, 0.01, contract="inverse") == pytest.approx(3.04 / 2.9)


@pytest.mark.parametrize("kw", [{}, {"funding": "discrete"}, {"contract": "inverse"}])
def test_perfect_anchoring(kw):
    kappa = 0.7 if kw.get("funding") == "discrete" else 1095.0
    r_a, r_b = 0.04, 0.01
    iota = {(): r_a - r_b, ("discrete",): (r_a - r_b) / (1 + r_b),  # linear
            ("inverse",): r_b - r_a}[tuple(kw.values())]  # inverse: the roles swap
    assert basis(kappa, iota, r_a, r_b, **kw) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("kw,kappa", [({}, 3.0), ({"funding": "discrete"}, 0.5),
                                      ({"contract": "inverse"}, 3.0)])
def test_monte_carlo_within_error(kw, kappa):
    mc = monte_carlo_price(kappa, 0.1, 0.05, 0.01, sigma=0.3, n_paths=100_000, seed=7, **kw)
    assert abs(mc.ratio - mc.closed_form) < 4 * mc.standard_error
    again = monte_carlo_price(kappa, 0.1, 0.05, 0.01, sigma=0.3, n_paths=100_000, seed=7, **kw)
    assert again.ratio == mc.ratio


def test_monte_carlo_detects_a_wrong_formula():
    # the estimator is sharp enough to reject a 1 % error in the price
    mc = monte_carlo_price(3.0, 0.1, 0.05, 0.01, sigma=0.3, n_paths=100_000, seed=1)
    assert abs(mc.ratio - 1.01 * mc.closed_form) > 4 * mc.standard_error


def test_validation():
    with pytest.raises(ValueError, match="kappa"):
        price_ratio(0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="iota"):
        price_ratio(1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="funding"):
        price_ratio(1.0, 0.0, 0.0, 0.0, contract="inverse", funding="discrete")
    with pytest.raises(ValueError, match="n_paths"):
        monte_carlo_price(1.0, 0.0, 0.0, 0.0, n_paths=1)


@pytest.mark.parametrize("r_b", [0.5, 0.1])  # κ + r_a − r_b < 0 and = 0: E[1/x_θ] infinite
def test_inverse_without_finite_price_is_refused(r_b):
    with pytest.raises(ValueError, match=r"^kappa=0\.1 is not allowed.*r_b − r_a"):
        price_ratio(0.1, 0.0, 0.0, r_b, contract="inverse")
    with pytest.raises(ValueError, match=r"^kappa=0\.1 is not allowed"):
        basis(0.1, 0.0, 0.0, r_b, contract="inverse")
    with pytest.raises(ValueError, match=r"^kappa=0\.1 is not allowed"):
        monte_carlo_price(0.1, 0.0, 0.0, r_b, contract="inverse", n_paths=100)
