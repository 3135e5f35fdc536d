"""Avellaneda–Stoikov kernel against closed forms, invariants and its own determinism."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_in_subprocess
from mslab.inventory import (
    optimal_spread,
    reservation_price,
    simulate_avellaneda_stoikov,
    simulate_linear_quotes,
    symmetric_constant_mean_profit,
)

PAPER = dict(k=1.5, A=140.0, sigma=2.0, s0=100.0, T=1.0, dt=0.005)


def test_closed_forms():
    assert reservation_price(100.0, 3, 0.1, 2.0, 0.5) == pytest.approx(100.0 - 3 * 0.1 * 4 * 0.5)
    # The paper's "Spread" column is (2/γ)ln(1 + γ/k) at τ = 0.
    for gamma, published in ((0.1, 1.29), (0.01, 1.33), (0.5, 1.15)):
        assert optimal_spread(gamma, 1.5, 2.0, 0.0) == pytest.approx(published, abs=0.005)
    assert optimal_spread(0.1, 1.5, 2.0, 1.0) == pytest.approx(0.1 * 4 + 20 * np.log(1 + 0.1 / 1.5))


@pytest.mark.parametrize("strategy", ["inventory", "symmetric"])
def test_no_intensity_no_fills(strategy):
    r = simulate_avellaneda_stoikov(A=0.0, n_paths=200, strategy=strategy, seed=3)
    assert np.all(r.profit == 0.0)
    assert np.all(r.final_inventory == 0)
    assert r.n_bid_fills.sum() == 0 and r.n_ask_fills.sum() == 0


def test_fill_frequency_of_fixed_quotes_matches_intensity():
    """Symmetric quotes with the constant spread sit at δ = (1/γ)ln(1+γ/k) on both sides for the
    whole horizon, so each side fills Binomial(n_steps, A·exp(−kδ)·dt) times per path."""
    gamma, n_paths = 0.1, 4000
    r = simulate_avellaneda_stoikov(gamma=gamma, n_paths=n_paths, strategy="symmetric",
                                    symmetric_spread="constant", seed=11, **PAPER)
    delta = np.log1p(gamma / PAPER["k"]) / gamma
    p = PAPER["A"] * np.exp(-PAPER["k"] * delta) * PAPER["dt"]
    expected = r.n_steps * p
    se = np.sqrt(r.n_steps * p * (1 - p) / n_paths)
    for fills in (r.n_bid_fills, r.n_ask_fills):
        assert abs(fills.mean() - expected) < 4 * se
        assert fills.var() == pytest.approx(r.n_steps * p * (1 - p), rel=0.1)


def test_fill_probability_is_capped_at_one():
    # A·dt = 100 ≫ 1: every quote at a non-negative distance ≤ ln(100)/k fills every step.
    r = simulate_avellaneda_stoikov(A=20000.0, k=1.5, gamma=0.1, n_paths=50, seed=2,
                                    strategy="symmetric", symmetric_spread="constant")
    assert np.all(r.n_bid_fills == r.n_steps) and np.all(r.n_ask_fills == r.n_steps)
    np.testing.assert_allclose(r.profit, r.n_steps * r.spread, rtol=1e-12)


@pytest.mark.parametrize("strategy,symmetric_spread",
                         [("inventory", "full"), ("symmetric", "full"), ("symmetric", "constant")])
def test_cash_inventory_accounting_path_by_path(strategy, symmetric_spread):
    r = simulate_avellaneda_stoikov(gamma=0.1, n_paths=64, record_paths=64, seed=5,
                                    strategy=strategy, symmetric_spread=symmetric_spread, **PAPER)
    p = r.paths
    bf, af = p.bid_fill.astype(int), p.ask_fill.astype(int)
    np.testing.assert_array_equal(np.diff(p.inventory, axis=1), bf - af)
    np.testing.assert_allclose(np.diff(p.cash, axis=1),
                               af * p.ask[:, :-1] - bf * p.bid[:, :-1], atol=1e-9)
    np.testing.assert_allclose(r.profit, p.cash[:, -1] + p.inventory[:, -1] * p.mid[:, -1],
                               atol=1e-9)
    np.testing.assert_array_equal(r.final_inventory, p.inventory[:, -1])
    np.testing.assert_array_equal(r.n_bid_fills, bf.sum(axis=1))
    # The mid is a ±σ√dt binomial walk.
    step = PAPER["sigma"] * np.sqrt(PAPER["dt"])
    np.testing.assert_allclose(np.abs(np.diff(p.mid, axis=1)), step, rtol=1e-9)
    # Quotes: spread as in the closed form, centred on r (inventory) or on the mid (symmetric).
    tau = PAPER["T"] - p.times[:-1]
    spread = p.ask[:, :-1] - p.bid[:, :-1]
    centre = 0.5 * (p.ask[:, :-1] + p.bid[:, :-1])
    if strategy == "symmetric" and symmetric_spread == "constant":
        np.testing.assert_allclose(spread, r.spread, rtol=1e-12)
    else:
        np.testing.assert_allclose(spread, optimal_spread(0.1, PAPER["k"], PAPER["sigma"], tau)
                                   * np.ones_like(spread), rtol=1e-12)
    expected_centre = (reservation_price(p.mid[:, :-1], p.inventory[:, :-1], 0.1, 2.0, tau)
                       if strategy == "inventory" else p.mid[:, :-1])
    np.testing.assert_allclose(centre, expected_centre, rtol=1e-12)


def test_inventory_strategy_reduces_inventory_and_profit_risk():
    kw = dict(gamma=0.1, n_paths=3000, seed=9, **PAPER)
    inv = simulate_avellaneda_stoikov(strategy="inventory", **kw)
    sym = simulate_avellaneda_stoikov(strategy="symmetric", **kw)
    assert inv.final_inventory.std() < 0.5 * sym.final_inventory.std()
    assert inv.profit.std() < 0.7 * sym.profit.std()


def test_symmetric_constant_mean_profit_matches_closed_form():
    """Centred constant quotes: E[profit] = 2·n·p·δ exactly (the inventory term q·dS has mean 0)."""
    gamma, n_paths = 0.5, 20000
    r = simulate_avellaneda_stoikov(gamma=gamma, n_paths=n_paths, strategy="symmetric",
                                    symmetric_spread="constant", seed=4, **PAPER)
    expected = symmetric_constant_mean_profit(gamma, k=PAPER["k"], A=PAPER["A"], T=PAPER["T"],
                                              dt=PAPER["dt"])
    # The closed form against an independent computation from the kernel's own spread and
    # step count: δ = spread/2, p = A·exp(−kδ)·dt (< 1 here), E = 2·n·p·δ.
    delta = r.spread / 2
    independent = 2 * r.n_steps * PAPER["A"] * np.exp(-PAPER["k"] * delta) * PAPER["dt"] * delta
    assert expected == pytest.approx(independent, rel=1e-12)
    se = r.profit.std() / np.sqrt(n_paths)
    assert abs(r.profit.mean() - expected) < 4 * se


def test_symmetric_constant_mean_profit_caps_fill_probability_and_validates():
    # A·dt = 100 ≫ 1: every step fills both sides, so E[profit] = n_steps · spread exactly
    # (the simulation agrees path by path in test_fill_probability_is_capped_at_one).
    r = simulate_avellaneda_stoikov(A=20000.0, k=1.5, gamma=0.1, n_paths=10, seed=2,
                                    strategy="symmetric", symmetric_spread="constant")
    assert symmetric_constant_mean_profit(0.1, k=1.5, A=20000.0) == pytest.approx(
        r.n_steps * r.spread, rel=1e-12)
    assert symmetric_constant_mean_profit(0.1, A=0.0) == 0.0
    for kwargs, name in (({"gamma": 0.0}, "gamma"), ({"gamma": 0.1, "A": -1.0}, "A"),
                         ({"gamma": 0.1, "dt": 2.0}, "dt"), ({"gamma": 0.1, "k": float("nan")}, "k")):
        with pytest.raises(ValueError, match=name):
            symmetric_constant_mean_profit(**kwargs)


def test_same_seed_same_result_any_thread_count():
    code = (
        "import json; from mslab.inventory import simulate_avellaneda_stoikov as s;"
        "r = s(gamma=0.1, n_paths=257, seed=42);"
        "print(json.dumps([r.profit.tolist(), r.final_inventory.tolist()]))"
    )
    one, two = run_in_subprocess(code, 1), run_in_subprocess(code, 2)
    assert one == two
    local = simulate_avellaneda_stoikov(gamma=0.1, n_paths=257, seed=42)
    assert one[0] == local.profit.tolist()
    other_seed = simulate_avellaneda_stoikov(gamma=0.1, n_paths=257, seed=43)
    assert other_seed.profit.tolist() != one[0]


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"gamma": 0.0}, "gamma"), ({"gamma": -1.0}, "gamma"), ({"gamma": float("nan")}, "gamma"),
        ({"k": 0.0}, "k"), ({"A": -1.0}, "A"), ({"sigma": -0.1}, "sigma"),
        ({"s0": float("inf")}, "s0"), ({"T": 0.0}, "T"), ({"dt": 0.0}, "dt"), ({"dt": 2.0}, "dt"),
        ({"dt": 0.003}, "dt"), ({"n_paths": 0}, "n_paths"), ({"n_paths": 2.5}, "n_paths"),
        ({"seed": -1}, "seed"), ({"strategy": "greedy"}, "strategy"),
        ({"symmetric_spread": "wide"}, "symmetric_spread"),
        ({"record_paths": 5, "n_paths": 2}, "record_paths"), ({"gamma": "0.1"}, "gamma"),
    ],
)
def test_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}=") as err:
        simulate_avellaneda_stoikov(**kwargs)
    assert "must be" in str(err.value)


def test_linear_quotes_reproduce_the_avellaneda_stoikov_strategy():
    tau = 1.0 - np.arange(200) * 0.005
    half = 0.5 * optimal_spread(0.1, 1.5, 2.0, tau)
    generic = simulate_linear_quotes(half, 0.1 * 4.0 * tau, n_paths=300, seed=8)
    named = simulate_avellaneda_stoikov(gamma=0.1, n_paths=300, seed=8)
    np.testing.assert_array_equal(generic.profit, named.profit)
    assert np.isnan(generic.spread)


@pytest.mark.parametrize(
    "half,skew,name",
    [([0.5, -0.1], [0.0, 0.0], "half_spread"), ([[0.5]], [[0.0]], "half_spread"),
     ([0.5, np.nan], [0.0, 0.0], "half_spread"), ([0.5, 0.5], [0.0], "skew"),
     ([0.5], [np.inf], "skew")],
)
def test_linear_quotes_reject_bad_schedules(half, skew, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        simulate_linear_quotes(half, skew)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: reservation_price(100.0, 1, 0.0, 2.0, 1.0), "gamma"),
        (lambda: reservation_price(100.0, 1, 0.1, -2.0, 1.0), "sigma"),
        (lambda: reservation_price(100.0, 1, 0.1, 2.0, -1.0), "tau"),
        (lambda: reservation_price([100.0, np.nan], 1, 0.1, 2.0, 1.0), "s"),
        (lambda: reservation_price(100.0, "one", 0.1, 2.0, 1.0), "q"),
        (lambda: optimal_spread(0.1, 0.0, 2.0, 1.0), "k"),
        (lambda: optimal_spread(-0.1, 1.5, 2.0, 1.0), "gamma"),
        (lambda: optimal_spread(0.1, 1.5, 2.0, [1.0, -0.5]), "tau"),
    ],
)
def test_closed_forms_reject_bad_parameters(call, name):
    with pytest.raises(ValueError, match=rf"^{name}="):
        call()


# --- extremes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"T": 1e300}, {"dt": 1e-300}, {"T": 1e12, "dt": 0.01},
                                    {"n_paths": 10**12}, {"n_paths": 10**9},
                                    {"record_paths": 10**5, "n_paths": 10**5, "T": 1e4,
                                     "dt": 1.0}])
def test_work_and_memory_beyond_the_bounds_are_refused(change):
    with pytest.raises(ValueError, match=r"MAX_(WORK|ELEMENTS)"):
        simulate_avellaneda_stoikov(**change)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: reservation_price(100.0, 1.0, 0.1, 1e300, 1.0), "sigma"),
    (lambda: reservation_price(1e308, -1e308, 1e10, 1.0, 1.0), "q"),
    (lambda: optimal_spread(0.1, 1.5, 1e300, 1.0), "sigma"),
    (lambda: optimal_spread(5e-324, 1.5, 2.0, 1.0), "gamma"),
    (lambda: simulate_avellaneda_stoikov(gamma=5e-324), "gamma"),
    (lambda: simulate_avellaneda_stoikov(sigma=1e200), "sigma"),
    (lambda: simulate_linear_quotes("wide", [0.0]), "half_spread"),
    (lambda: simulate_linear_quotes([0.5], [None]), "skew"),
])
def test_overflow_and_underflow_are_named_not_raised_raw(call, name):
    with pytest.raises(ValueError, match=name):
        call()
