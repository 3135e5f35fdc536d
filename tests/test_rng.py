"""The per-path xoshiro256** streams: reference outputs, independence from threads, moments."""

from __future__ import annotations

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
