"""Budish–Cramton–Shim: the equilibrium spread against closed forms, the simulated profits
against the equilibrium conditions, frequent batch auctions against δ/τ."""

import numpy as np
import pytest
from scipy.special import lambertw

from mslab.latency.batch_auction import simulate_batch, simulated_half_spread, sniping_share
from mslab.latency.bcs_equilibrium import entry, half_spread, profits
from mslab.latency.bcs_simulation import simulate_continuous
from mslab.latency.jumps import discrete_jumps, exponential_jumps

LAM_I, LAM_J = 10.0, 1.0


def test_half_spread_constant_jump_closed_form():
    # λ_i h = λ_j (j − h)  =>  h = λ_j j / (λ_i + λ_j)
    law = discrete_jumps([3.0], [1.0])
    assert half_spread(LAM_I, LAM_J, law) == pytest.approx(LAM_J * 3.0 / (LAM_I + LAM_J), rel=1e-10)


def test_half_spread_exponential_jump_lambert_w():
    # λ_i h = λ_j m exp(−h/m)  =>  h = m W(λ_j / λ_i)
    for m, lam_j in [(1.0, 1.0), (2.5, 4.0), (0.3, 0.2)]:
        expected = m * float(np.real(lambertw(lam_j / LAM_I)))
        assert half_spread(LAM_I, lam_j, exponential_jumps(m)) == pytest.approx(expected, rel=1e-9)


def test_half_spread_two_point_law_and_sniping_share():
    law = discrete_jumps([1.0, 4.0], [0.5, 0.5])
    h = half_spread(LAM_I, LAM_J, law)
    assert LAM_I * h == pytest.approx(LAM_J * law.expected_excess(h), rel=1e-10)
    assert 0.0 < half_spread(LAM_I, LAM_J, law, sniping_share=0.1) < h
    assert half_spread(LAM_I, LAM_J, law, sniping_share=0.0) == 0.0


def test_profits_equalised_and_free_entry():
    law = discrete_jumps([1.0, 4.0], [0.5, 0.5])
    h = half_spread(LAM_I, LAM_J, law)
    for n in (2, 5, 20):
        p = profits(LAM_I, LAM_J, law, h, n)
        assert p.provider == pytest.approx(p.sniper, rel=1e-9)
        assert p.sniper == pytest.approx(LAM_I * h / n, rel=1e-9)
    n_star, cost = entry(LAM_I, LAM_J, law, c_speed=0.05)
    assert n_star == pytest.approx(LAM_I * h / 0.05) and cost == pytest.approx(LAM_I * h)


@pytest.mark.parametrize("n_fast", [2, 6])
def test_simulated_profits_match_equilibrium_within_mc_error(n_fast):
    law = discrete_jumps([1.0, 4.0], [0.5, 0.5])
    h = half_spread(LAM_I, LAM_J, law)
    run = simulate_continuous(LAM_I, LAM_J, law, h, n_fast, horizon=2000.0, n_paths=64, seed=3)
    theory = profits(LAM_I, LAM_J, law, h, n_fast)
    for sim, exp in [(run.provider, theory.provider), (run.sniper, theory.sniper)]:
        se = sim.std(ddof=1) / np.sqrt(sim.size)
        assert abs(sim.mean() - exp) < 4 * se
    diff = run.provider - run.sniper
    assert abs(diff.mean()) < 4 * diff.std(ddof=1) / np.sqrt(diff.size)
    # the provider loses the race with probability (N − 1)/N on each jump beyond h
    beyond = law.probs[law.sizes > h].sum()
    assert run.sniped.mean() == pytest.approx(beyond * (n_fast - 1) / n_fast, abs=0.01)
    # off equilibrium the test can fail: at twice h* the provider earns clearly more
    off = simulate_continuous(LAM_I, LAM_J, law, 2 * h, n_fast, horizon=2000.0, n_paths=64, seed=3)
    assert (off.provider - off.sniper).mean() > 10 * (off.provider - off.sniper).std() / 8


def test_simulation_deterministic_and_seed_dependent():
    law = exponential_jumps(1.0)
    a = simulate_continuous(LAM_I, LAM_J, law, 0.2, 3, horizon=100.0, n_paths=8, seed=1)
    b = simulate_continuous(LAM_I, LAM_J, law, 0.2, 3, horizon=100.0, n_paths=8, seed=1)
    c = simulate_continuous(LAM_I, LAM_J, law, 0.2, 3, horizon=100.0, n_paths=8, seed=2)
    assert np.array_equal(a.provider, b.provider) and not np.array_equal(a.provider, c.provider)


def test_batch_auction_speed_value_is_delta_over_tau():
    law = exponential_jumps(1.0)
    for tau, delta in [(0.1, 0.01), (1.0, 0.05)]:
        run = simulate_batch(LAM_I, LAM_J, law, 0.1, tau, delta, horizon=2000.0, n_paths=64, seed=5)
        ratio = run.sniping_batch.sum() / run.sniping_continuous.sum()
        assert ratio == pytest.approx(sniping_share(delta, tau), rel=0.1)


def test_simulated_half_spread_matches_theory():
    law = discrete_jumps([1.0, 4.0], [0.5, 0.5])
    h_cont = simulated_half_spread(LAM_I, LAM_J, law, None, horizon=2000.0, n_paths=64)
    assert h_cont == pytest.approx(half_spread(LAM_I, LAM_J, law), rel=0.03)
    h_fba = simulated_half_spread(LAM_I, LAM_J, law, 1.0, 0.1, horizon=2000.0, n_paths=64)
    assert h_fba == pytest.approx(half_spread(LAM_I, LAM_J, law, sniping_share=0.1), rel=0.05)
    assert h_fba < 0.5 * h_cont


@pytest.mark.parametrize("call, match", [
    (lambda: half_spread(-1.0, 1.0, exponential_jumps(1.0)), "lam_invest"),
    (lambda: half_spread(1.0, 1.0, "exp"), "law"),
    (lambda: discrete_jumps([1.0, -2.0], [0.5, 0.5]), "sizes"),
    (lambda: discrete_jumps([1.0, 2.0], [0.5, 0.6]), "probs"),
    (lambda: simulate_continuous(1.0, 1.0, exponential_jumps(1.0), 0.1, 1), "n_fast"),
    (lambda: simulate_continuous(1.0, 1.0, exponential_jumps(1.0), 0.1, 2, horizon=1e12), "horizon"),
    (lambda: simulate_batch(1.0, 1.0, exponential_jumps(1.0), 0.1, 0.0, 0.01), "tau"),
])
def test_bad_parameters_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_simulation_independent_of_thread_count():
    import numba

    law = exponential_jumps(1.0)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_continuous(LAM_I, LAM_J, law, 0.2, 3, horizon=50.0, n_paths=8, seed=9)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = simulate_continuous(LAM_I, LAM_J, law, 0.2, 3, horizon=50.0, n_paths=8, seed=9)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.provider, many.provider) and np.array_equal(one.sniper, many.sniper)
