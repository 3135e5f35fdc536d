"""Lead–lag estimators: Hayashi–Yoshida against a brute-force O(n·m) sum, and both estimators
against a synthetic lead–lag with a known lag."""

import numpy as np
import pytest

from mslab.latency.leadlag import (grid_cross_correlation, hayashi_yoshida_lead_lag,
                                   hayashi_yoshida_covariance, peak_lag)


def brute_force_hy(tx, x, ty, y):
    total = 0.0
    for i in range(1, tx.size):
        for j in range(1, ty.size):
            if tx[i - 1] < ty[j] and ty[j - 1] < tx[i]:
                total += (x[i] - x[i - 1]) * (y[j] - y[j - 1])
    return total


def random_times(rng, n, span):
    return np.unique(np.sort(rng.uniform(0, span, n)))


def test_hy_equals_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(20):
        tx, ty = random_times(rng, rng.integers(2, 60), 100), random_times(rng, rng.integers(2, 60), 100)
        x, y = rng.normal(size=tx.size).cumsum(), rng.normal(size=ty.size).cumsum()
        expected = brute_force_hy(tx, x, ty, y)
        assert hayashi_yoshida_covariance(tx, x, ty, y) == pytest.approx(expected, abs=1e-10)
    # shared integer times (ties between the two time lines)
    tx, ty = np.arange(0.0, 30.0), np.arange(0.0, 30.0, 3.0)
    x, y = rng.normal(size=tx.size).cumsum(), rng.normal(size=ty.size).cumsum()
    expected = brute_force_hy(tx, x, ty, y)
    assert hayashi_yoshida_covariance(tx, x, ty, y) == pytest.approx(expected, abs=1e-10)


def test_hy_synchronous_equals_realised_covariance():
    rng = np.random.default_rng(1)
    t = np.arange(50.0)
    x, y = rng.normal(size=50).cumsum(), rng.normal(size=50).cumsum()
    assert hayashi_yoshida_covariance(t, x, t, y) == pytest.approx(np.sum(np.diff(x) * np.diff(y)))


def synthetic_pair(lag, seed=2, span=20_000.0):
    """x a Brownian path on a 1 ms grid observed at random times; y = x(t − lag) observed at
    other random times, plus noise: x leads y by ``lag`` ms."""
    rng = np.random.default_rng(seed)
    grid = np.arange(0.0, span)
    path = rng.normal(size=grid.size).cumsum()
    tx = random_times(rng, 4000, span)
    ty = random_times(rng, 4000, span)
    ty = ty[ty > lag]
    x = np.interp(np.floor(tx), grid, path)
    y = np.interp(np.floor(ty - lag), grid, path) + 0.1 * rng.normal(size=ty.size)
    return tx, x, ty, y


@pytest.mark.parametrize("lag", [0.0, 25.0, -40.0])
def test_lead_lag_recovered(lag):
    if lag >= 0:
        tx, x, ty, y = synthetic_pair(lag)
    else:  # y leads x: swap roles
        ty, y, tx, x = synthetic_pair(-lag)
    lags = np.arange(-100.0, 101.0)
    hy = hayashi_yoshida_lead_lag(tx, x, ty, y, lags)
    assert abs(peak_lag(lags, hy) - lag) <= 3.0
    assert hy.max() > 0.5
    grid_lags, cc = grid_cross_correlation(tx, x, ty, y, 1.0, 100)
    assert abs(peak_lag(grid_lags, cc) - lag) <= 3.0


def test_unrelated_series_have_small_correlation():
    rng = np.random.default_rng(3)
    tx, ty = random_times(rng, 3000, 10_000), random_times(rng, 3000, 10_000)
    hy = hayashi_yoshida_lead_lag(tx, rng.normal(size=tx.size).cumsum(), ty,
                                  rng.normal(size=ty.size).cumsum(), np.arange(-20.0, 21.0))
    assert np.abs(hy).max() < 0.1


@pytest.mark.parametrize("args, match", [
    (([0.0, 1.0], [1.0, 2.0], [1.0, 0.0], [1.0, 2.0], [0.0]), "ty="),
    (([0.0, 1.0], [1.0, 2.0, 3.0], [0.0, 1.0], [1.0, 2.0], [0.0]), "x="),
    (([0.0, 1.0], [1.0, 1.0], [0.0, 1.0], [1.0, 2.0], [0.0]), "x="),
    (([0.0, 1.0], [1.0, 2.0], [0.0, 1.0], [1.0, 2.0], []), "lags"),
])
def test_bad_input_raises(args, match):
    with pytest.raises(ValueError, match=match):
        hayashi_yoshida_lead_lag(*args)


def test_constant_series_is_named():
    t, moving = [0.0, 1.0, 2.0], [1.0, 2.0, 1.5]
    with pytest.raises(ValueError, match=r"^y='<constant>' is not allowed"):
        hayashi_yoshida_lead_lag(t, moving, t, [3.0, 3.0, 3.0], [0.0])
    with pytest.raises(ValueError, match=r"^x='<constant>' is not allowed"):
        hayashi_yoshida_lead_lag(t, [3.0, 3.0, 3.0], t, moving, [0.0])
    with pytest.raises(ValueError, match=r"^x, y: .*realised variances"):  # product underflows
        hayashi_yoshida_lead_lag(t, [0.0, 1e-100, 0.0], t, [0.0, 1e-100, 0.0], [0.0])


def test_covariance_validates():
    with pytest.raises(ValueError, match="tx="):
        hayashi_yoshida_covariance([1.0, 1.0], [1.0, 2.0], [0.0, 1.0], [1.0, 2.0])


def test_grid_bound():
    with pytest.raises(ValueError, match="step"):
        grid_cross_correlation([0.0, 1e9], [1.0, 2.0], [0.0, 1e9], [1.0, 2.0], 1.0, 10)
