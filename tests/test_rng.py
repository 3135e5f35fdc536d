"""The per-path xoshiro256** streams and the ziggurat normals: reference outputs, the
ziggurat's geometry, distribution tests against scipy and NumPy, serial independence,
independence from threads."""

from __future__ import annotations

import math
import os

import numba
import numpy as np
import pytest
from conftest import run_in_subprocess
from scipy import stats

from mslab import rng

MASK = (1 << 64) - 1


def _xoshiro_reference(s: list[int], n: int) -> list[int]:
    """Pure-Python transcription of the reference C code of xoshiro256** (Vigna)."""
    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK
    s = list(s)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & MASK, 7) * 9) & MASK)
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def test_next_u64_matches_reference_transcription():
    state = np.array([1, 2, 3, 4], dtype=np.uint64)
    got = [int(rng.next_u64(state)) for _ in range(1000)]
    assert got[:2] == [11520, 0]  # the published first outputs for the state {1, 2, 3, 4}
    assert got == _xoshiro_reference([1, 2, 3, 4], 1000)


def test_path_states_deterministic_and_distinct():
    a, b = rng.path_states(7, 1000), rng.path_states(7, 1000)
    assert a.dtype == np.uint64 and a.shape == (1000, 4)
    np.testing.assert_array_equal(a, b)
    assert len({tuple(r) for r in a}) == 1000
    assert not np.array_equal(rng.path_states(8, 10), a[:10])


def test_draw_moments():
    s = rng.path_states(3, 1)[0]
    u = np.array([rng.uniform(s) for _ in range(100_000)])
    z = np.array([rng.normal(s) for _ in range(100_000)])
    e = np.array([rng.exponential(s, 2.0) for _ in range(100_000)])
    p = np.array([rng.poisson(s, 3.5) for _ in range(100_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(z.mean()) < 5 / np.sqrt(z.size) and abs(z.std() - 1.0) < 0.01
    assert abs(e.mean() - 0.5) < 5 * 0.5 / np.sqrt(e.size)
    assert abs(p.mean() - 3.5) < 5 * np.sqrt(3.5 / p.size) and abs(p.var() - 3.5) < 0.1
    r = np.array([rng.randint(s, 6) for _ in range(60_000)])
    assert set(np.unique(r)) == set(range(6))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_path_states_rejects_bad_seed(bad):
    with pytest.raises(ValueError, match="seed"):
        rng.path_states(bad, 3)


def test_path_states_refuses_memory_beyond_the_bound():
    with pytest.raises(ValueError, match="n_paths.*MAX_ELEMENTS"):
        rng.path_states(0, 10**12)


def test_draws_never_raise_on_degenerate_parameters():
    """Kernel building blocks run inside prange loops, where an exception would be lost:
    a zero rate or count gives a value, never ZeroDivisionError."""
    s = rng.path_states(1, 1)[0]
    assert rng.exponential(s, 0.0) == np.inf
    assert rng.poisson(s, float("nan")) >= 0


@pytest.mark.parametrize("numba_first", [True, False])
def test_kernel_cache_goes_to_build_even_if_numba_is_imported_first(tmp_path, numba_first):
    """numba reads NUMBA_CACHE_DIR when it is imported; mslab must still send the cache of a
    source-tree checkout to build/numba-cache, never to lib/**/__pycache__."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    src = Path(rng.__file__).resolve().parent
    shutil.copytree(src, tmp_path / "lib" / "mslab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pyproject.toml").write_text("")
    code = ("import numba\n" if numba_first else "") + (
        "import mslab.rng as r\n"
        "print(r.uniform(r.path_states(0, 1)[0]))\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(tmp_path / "lib")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=240, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    cached = list((tmp_path / "build" / "numba-cache").rglob("*.nbi"))
    assert any("rng" in p.name for p in cached), cached
    assert not [p for p in (tmp_path / "lib").rglob("*") if p.suffix in (".nbi", ".nbc")]


def test_path_states_are_numpys_seed_sequence_words():
    """path_states computes SeedSequence.generate_state in a compiled loop: bit for bit."""
    for seed in (0, 7, 2**40 + 3, 2**100 + 1):
        for n_paths in (1, 5, 2_000):
            np.testing.assert_array_equal(
                rng.path_states(seed, n_paths),
                np.random.SeedSequence(seed).generate_state(4 * n_paths, np.uint64)
                .reshape(n_paths, 4))


# --- the ziggurat ------------------------------------------------------------------------

N_DRAWS = 2_000_000


@numba.njit(error_model="numpy")
def _draws(states: np.ndarray, n: int) -> np.ndarray:
    """``n`` normals from each path's stream, by the array form (``rng.normal``)."""
    out = np.empty((states.shape[0], n))
    for i in range(states.shape[0]):
        s = states[i].copy()
        for k in range(n):
            out[i, k] = rng.normal(s)
    return out


@numba.njit(error_model="numpy")
def _tail_draws(states: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of the tail method alone (layer 0 after a failed fast test, sign +)."""
    out = np.empty(n)
    a, b, c, d = states[0, 0], states[0, 1], states[0, 2], states[0, 3]
    for k in range(n):
        out[k], a, b, c, d = rng._finish_normal(np.uint64(0), 1.0, a, b, c, d)
    return out


@pytest.fixture(scope="module")
def z() -> np.ndarray:
    """2 × 10^6 normals: 8 paths of 250,000 draws (seed 2026)."""
    return rng.normal_draws(2026, 8, N_DRAWS // 8).ravel()


def _edges_close(r: float) -> float:
    """f(x_255) + v / x_255 − 1: zero when the top layer closes at the density's peak."""
    x, v = rng._ziggurat_edges(r)
    return math.exp(-0.5 * x[255] ** 2) + v / x[255] - 1.0


def test_ziggurat_layers_have_equal_areas_and_close_at_the_top():
    x, v = rng._ziggurat_edges()
    f = np.exp(-0.5 * x * x)
    assert x[1] == rng.ZIGGURAT_R and x[256] == 0.0 and np.all(np.diff(x) < 0)
    # base layer: the box [0, r) x [0, f(r)] plus the tail; equal to the box x_0 f(r)
    tail = math.sqrt(2.0 * math.pi) * stats.norm.sf(rng.ZIGGURAT_R)
    assert rng.ZIGGURAT_R * f[1] + tail == pytest.approx(v, rel=1e-14)
    assert x[0] * f[1] == pytest.approx(v, rel=1e-14)
    # every other layer [0, x_i) x [f(x_i), f(x_{i+1})] has the same area, the last one ends at f = 1
    np.testing.assert_allclose(x[1:256] * (f[2:] - f[1:256]), v, rtol=1e-12)
    assert abs(_edges_close(rng.ZIGGURAT_R)) < 1e-13
    assert v == pytest.approx(4.92867323399e-3, rel=1e-11)  # published to 12 digits (NumPy)
    # r is the root: moving it by 1e-9 opens the top by far more than the round-off above
    assert _edges_close(rng.ZIGGURAT_R + 1e-9) * _edges_close(rng.ZIGGURAT_R - 1e-9) < 0
    assert min(abs(_edges_close(rng.ZIGGURAT_R + s * 1e-9)) for s in (-1, 1)) > 1e-10


def test_kernel_tables_follow_the_edges():
    x, _ = rng._ziggurat_edges()
    np.testing.assert_array_equal(rng._ZIG_SCALE[:256], x[:256] / 2.0**52)
    np.testing.assert_array_equal(rng._ZIG_SCALE[256:], -x[:256] / 2.0**52)
    assert np.all(rng._ZIG_ACCEPT.astype(float) <= x[1:] / x[:256] * 2.0**52)
    assert np.all(rng._ZIG_ACCEPT.astype(float) > x[1:] / x[:256] * 2.0**52 - 1.0)
    np.testing.assert_array_equal(rng._ZIG_DENSITY, np.exp(-0.5 * x * x))


def test_candidate_takes_layer_sign_and_uniform_from_disjoint_bits():
    """Doornik's (2005) fix: the layer (bits 0-7), the sign (bit 8) and the 52-bit uniform
    (bits 12-63) share no bit, so they are independent for independent random bits."""
    x, _ = rng._ziggurat_edges()
    for layer, sign, u in [(0, 0, 0), (5, 1, 2**51 + 17), (255, 0, 2**52 - 1), (130, 1, 12345)]:
        for junk in (0, 7):  # bits 9-11 are unused
            r = np.uint64((u << 12) | (junk << 9) | (sign << 8) | layer)
            i, xr, fast = rng._candidate(r)
            assert i == layer
            assert xr == (-1.0 if sign else 1.0) * float(u) * (x[layer] / 2.0**52)
            assert fast == (u < int(rng._ZIG_ACCEPT[layer]))


def _bins() -> np.ndarray:
    """Chi-square bins: 40 equiprobable bins inside ±3 and the tail regions beyond
    3, the tail-method edge r and 4, on both sides."""
    inner = stats.norm.ppf(np.linspace(stats.norm.cdf(-3.0), stats.norm.cdf(3.0), 41))
    right = np.array([rng.ZIGGURAT_R, 4.0, np.inf])
    return np.concatenate([-right[::-1], inner, right])


def _chi2_pvalue(sample: np.ndarray) -> float:
    edges = _bins()
    observed = np.histogram(sample, edges)[0]
    expected = sample.size * np.diff(stats.norm.cdf(edges))
    assert expected.min() > 50  # the (4, inf) bins hold about 63 expected draws
    return stats.chisquare(observed, expected).pvalue


def test_normal_draws_pass_ks_and_chi_square_against_scipy(z):
    assert z.size >= 10**6 and np.isfinite(z).all()
    assert stats.kstest(z, stats.norm.cdf).pvalue > 1e-3
    assert _chi2_pvalue(z) > 1e-3
    # the tests have power: a 1 % error of scale, or a tail cut at r, is rejected
    assert stats.kstest(1.01 * z, stats.norm.cdf).pvalue < 1e-6
    assert _chi2_pvalue(np.clip(z, -rng.ZIGGURAT_R, rng.ZIGGURAT_R)) < 1e-6
    # tail counts against their binomial sd
    for edge in (3.0, rng.ZIGGURAT_R, 4.0):
        p = 2.0 * stats.norm.sf(edge)
        count = np.count_nonzero(np.abs(z) > edge)
        assert abs(count - z.size * p) < 5.0 * math.sqrt(z.size * p * (1 - p)), edge


def test_tail_method_draws_the_normal_tail_beyond_r():
    t = _tail_draws(rng.path_states(5, 1), 200_000)
    assert t.min() > rng.ZIGGURAT_R
    tail = stats.truncnorm(rng.ZIGGURAT_R, np.inf)
    assert stats.kstest(t, tail.cdf).pvalue > 1e-3
    assert stats.kstest(t + 0.01, tail.cdf).pvalue < 1e-6  # power: a shift of 0.01 is seen


def test_normal_moments(z):
    n = z.size
    assert abs(z.mean()) < 5.0 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 5.0 * math.sqrt(2.0 / n)
    assert abs(stats.skew(z)) < 5.0 * math.sqrt(6.0 / n)
    assert abs(stats.kurtosis(z)) < 5.0 * math.sqrt(24.0 / n)


def _pair_grid_pvalue(first: np.ndarray, second: np.ndarray) -> float:
    """Chi-square p-value of pairs (first_k, second_k) of normals over a 10 x 10 grid of
    equiprobable cells."""
    deciles = stats.norm.ppf(np.linspace(0.1, 0.9, 9))
    cells = 10 * np.digitize(first, deciles) + np.digitize(second, deciles)
    return stats.chisquare(np.bincount(cells, minlength=100)).pvalue


def test_normal_draws_are_serially_independent(z):
    n = z.size - 1
    for f in (lambda v: v, np.abs, np.square):
        assert abs(np.corrcoef(f(z[:-1]), f(z[1:]))[0, 1]) < 5.0 / math.sqrt(n)
    # consecutive draws (1st, 2nd), (3rd, 4th), ... fall evenly in the grid
    assert _pair_grid_pvalue(z[0::2], z[1::2]) > 1e-3
    # power: a correlation of 0.02 between the two draws of a pair is rejected
    rho = 0.02
    assert _pair_grid_pvalue(z[0::2], rho * z[0::2] + math.sqrt(1 - rho**2) * z[1::2]) < 1e-6


def test_normal_draws_agree_with_numpys_standard_normal(z):
    theirs = np.random.default_rng(2026).standard_normal(z.size)
    assert stats.ks_2samp(z, theirs).pvalue > 1e-3
    assert stats.ks_2samp(z, 1.01 * theirs).pvalue < 1e-6  # power


def test_register_and_array_forms_give_the_same_draws():
    """normal_draws (register form, normal_step) and rng.normal on the state array agree."""
    z = rng.normal_draws(9, 50, 400)
    np.testing.assert_array_equal(z, _draws(rng.path_states(9, 50), 400))
    np.testing.assert_array_equal(z, rng.normal_draws(9, 50, 400))
    # a path's draws depend on (seed, path) only: not on how many paths were drawn
    np.testing.assert_array_equal(z[:3], rng.normal_draws(9, 3, 400))
    assert not np.array_equal(z[:3], rng.normal_draws(10, 3, 400))


@pytest.mark.parametrize("bad", [dict(n_paths=0), dict(n_draws=0), dict(n_draws=1.5),
                                 dict(seed=-1), dict(n_paths=10**6, n_draws=10**6)])
def test_normal_draws_rejects_bad_arguments(bad):
    args = {"seed": 0, "n_paths": 2, "n_draws": 3, **bad}
    with pytest.raises(ValueError, match=next(iter(bad))):
        rng.normal_draws(**args)


_THREAD_SCRIPT = """
import hashlib, json, numba, numpy as np
from mslab.execution import almgren_chriss as ac
from mslab.execution.schedule_mc import simulate_costs
p = ac.ACParams(X=1e6, T=5.0, N=50, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
costs = simulate_costs(p, ac.trajectory(p, 2e-6), 20_000, 4)
print(json.dumps([numba.get_num_threads(), hashlib.sha256(costs.tobytes()).hexdigest()]))
"""


def test_monte_carlo_draws_do_not_depend_on_the_number_of_threads():
    one, two = run_in_subprocess(_THREAD_SCRIPT, 1), run_in_subprocess(_THREAD_SCRIPT, 2)
    assert one[0] == 1 and two[0] == 2 and one[1] == two[1]


def test_fast_acceptance_rate():
    """One comparison accepts 98.5 % of candidates: the mean over layers of x_{i+1} / x_i."""
    x, _ = rng._ziggurat_edges()
    assert np.mean(x[1:] / x[:256]) == pytest.approx(0.98508, abs=1e-5)
