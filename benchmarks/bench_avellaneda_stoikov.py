"""Throughput of the Avellaneda–Stoikov Monte Carlo: numba kernel vs plain Python vs NumPy.

All three simulate the same discrete scheme (the paper's parameters, inventory strategy) and
report path-steps per second; the ratios are against the plain-Python loop and the NumPy
version (vectorised across paths, looping over time). Run with `make bench`.
"""

from __future__ import annotations

import math
import os
import random

import numba
import numpy as np

from mslab.inventory import simulate_avellaneda_stoikov
from timing import best_time

P = dict(gamma=0.1, k=1.5, A=140.0, sigma=2.0, s0=100.0, T=1.0, dt=0.005)
N_STEPS = 200


def plain_python(n_paths: int, seed: int = 0) -> list[float]:
    g, k, A, sig, dt, T = P["gamma"], P["k"], P["A"], P["sigma"], P["dt"], P["T"]
    rnd = random.Random(seed)
    c = math.log1p(g / k) / g
    ds = sig * math.sqrt(dt)
    profits = []
    for _ in range(n_paths):
        s, q, cash = P["s0"], 0, 0.0
        for n in range(N_STEPS):
            tau = T - n * dt
            half = 0.5 * g * sig * sig * tau + c
            r = s - q * g * sig * sig * tau
            bid, ask = r - half, r + half
            if rnd.random() < min(1.0, A * math.exp(-k * (ask - s)) * dt):
                q -= 1
                cash += ask
            if rnd.random() < min(1.0, A * math.exp(-k * (s - bid)) * dt):
                q += 1
                cash -= bid
            s += ds if rnd.random() < 0.5 else -ds
        profits.append(cash + q * s)
    return profits


def numpy_vectorised(n_paths: int, seed: int = 0) -> np.ndarray:
    g, k, A, sig, dt, T = P["gamma"], P["k"], P["A"], P["sigma"], P["dt"], P["T"]
    gen = np.random.default_rng(seed)
    c = np.log1p(g / k) / g
    ds = sig * np.sqrt(dt)
    s = np.full(n_paths, P["s0"])
    q = np.zeros(n_paths)
    cash = np.zeros(n_paths)
    for n in range(N_STEPS):
        tau = T - n * dt
        half = 0.5 * g * sig * sig * tau + c
        r = s - q * g * sig * sig * tau
        bid, ask = r - half, r + half
        u = gen.random((3, n_paths))
        hit_a = u[0] < np.minimum(1.0, A * np.exp(-k * (ask - s)) * dt)
        hit_b = u[1] < np.minimum(1.0, A * np.exp(-k * (s - bid)) * dt)
        q += hit_b.astype(float) - hit_a
        cash += np.where(hit_a, ask, 0.0) - np.where(hit_b, bid, 0.0)
        s += np.where(u[2] < 0.5, ds, -ds)
    return cash + q * s


def best_rate(fn, n_paths: int, repeats: int = 3) -> float:
    """Best of `repeats` runs, in path-steps per second."""
    return n_paths * N_STEPS / best_time(lambda: fn(n_paths), repeats)


def main() -> None:
    cores = len(os.sched_getaffinity(0))
    simulate_avellaneda_stoikov(n_paths=10, **P)  # compile / load the cache
    kernel = lambda n: simulate_avellaneda_stoikov(n_paths=n, seed=1, **P)  # noqa: E731
    numba.set_num_threads(1)
    one = best_rate(kernel, 200_000)
    numba.set_num_threads(cores)
    allc = best_rate(kernel, 400_000)
    py = best_rate(plain_python, 2_000, repeats=2)
    npv = best_rate(numpy_vectorised, 100_000)
    # Same scheme, same distribution: the three means must agree within Monte Carlo error.
    m_nb = simulate_avellaneda_stoikov(n_paths=100_000, seed=3, **P).profit.mean()
    m_np = numpy_vectorised(100_000, seed=3).mean()
    m_py = float(np.mean(plain_python(5_000, seed=3)))
    print(f"Avellaneda–Stoikov, inventory strategy, {N_STEPS} steps/path ({cores} cores)")
    print(f"  plain Python           {py / 1e6:10.3f} M path-steps/s")
    print(f"  NumPy (vectorised)     {npv / 1e6:10.3f} M path-steps/s")
    print(f"  numba kernel, 1 thread {one / 1e6:10.3f} M path-steps/s  "
          f"({one / py:,.0f}x plain Python, {one / npv:,.1f}x NumPy)")
    print(f"  numba kernel, {cores} threads{allc / 1e6:9.3f} M path-steps/s  "
          f"({allc / py:,.0f}x plain Python, {allc / npv:,.1f}x NumPy)")
    print(f"  mean profit: numba {m_nb:.3f}, NumPy {m_np:.3f}, Python {m_py:.3f} (same scheme)")


if __name__ == "__main__":
    main()
