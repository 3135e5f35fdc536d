"""Speed of the mslab.funding kernels: premium samples/s of the simulator, paths/s of the
pricing Monte Carlo, back-tests/s of the carry grid, against plain-Python/NumPy baselines.

Run: python benchmarks/bench_funding.py (prints rates and ratios; no assertions)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mslab.funding.carry import carry_backtest
from mslab.funding.premium import average_premium, simulate_premium
from mslab.funding.pricing import _mc_kernel, monte_carlo_price
from mslab.rng import path_states
from mslab.funding.venues import BINANCE_USDM


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def python_weighted_average(p, n):
    out = []
    for k in range(len(p) // n):
        s = 0.0
        for i in range(n):
            s += (i + 1) * p[k * n + i]
        out.append(s / (n * (n + 1) / 2))
    return out


def main() -> None:
    simulate_premium(BINANCE_USDM, 1)
    n_int = 270
    t = best(lambda: simulate_premium(BINANCE_USDM, n_int))
    samples = n_int * BINANCE_USDM.samples_per_interval
    print(f"premium simulator: {samples / t:,.0f} samples/s")
    p = np.random.default_rng(0).standard_normal(5760 * 30) * 1e-4
    average_premium(p, 5760)
    tj = best(lambda: average_premium(p, 5760))
    tp = best(lambda: python_weighted_average(p.tolist(), 5760), repeat=1)
    print(f"weighted average: jitted {p.size / tj:,.0f} samples/s, Python {p.size / tp:,.0f}; "
          f"ratio {tp / tj:.0f}x")
    monte_carlo_price(3.0, 0.1, 0.05, 0.0, n_paths=1000)
    n = 1_000_000
    t = best(lambda: monte_carlo_price(3.0, 0.1, 0.05, 0.0, n_paths=n), repeat=1)
    states = path_states(0, n)
    tk = best(lambda: _mc_kernel(states, 3.0, 0.05, 0.6, False))
    g = np.random.default_rng(1)

    def numpy_mc():
        th = g.exponential(1 / 3.0, n)
        return np.exp((0.05 - 0.18) * th + 0.6 * np.sqrt(th) * g.standard_normal(n)).mean()

    tn = best(numpy_mc)
    print(f"AHJ Monte Carlo: {n / t:,.0f} paths/s including per-path seeding "
          f"(mslab.rng.path_states), kernel alone {n / tk:,.0f} paths/s; NumPy vectorised "
          f"(one stream) {n / tn:,.0f}; kernel ratio {tn / tk:.2f}x")
    idx = pd.date_range("2019-09-10", periods=7741, freq="8h", tz="UTC")
    r = pd.Series(1e-4 + 2e-4 * g.standard_normal(idx.size), index=idx)
    f = r.shift(1).to_numpy()
    m = 30_000 * np.exp(np.cumsum(0.02 * g.standard_normal(idx.size)))
    carry_backtest(r, f, m)
    t = best(lambda: carry_backtest(r, f, m))
    print(f"carry back-test: {idx.size / t:,.0f} settlements/s ({1 / t:,.0f} back-tests/s)")


if __name__ == "__main__":
    main()
