"""The per-path xoshiro256** streams: reference outputs, independence from threads, moments."""

from __future__ import annotations

import os

import numpy as np
import pytest

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
