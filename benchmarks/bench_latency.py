"""Latency arbitrage: simulator throughput and the Hayashi–Yoshida sweep.

1. The Budish–Cramton–Shim continuous-market simulator (``simulate_continuous``, N = 5), the
   batch-auction simulator (``simulate_batch``) and the two-venue simulator
   (``simulate_two_venue``, one path): events (investor arrivals + jumps) per second.
2. The jitted O(n + m) Hayashi–Yoshida covariance against the brute-force O(n·m) double sum
   (NumPy, vectorised by blocks) on the same asynchronous series: same value, time ratio.

Run with ``python benchmarks/bench_latency.py``.
"""

from __future__ import annotations

import numpy as np

from mslab.latency.batch_auction import simulate_batch
from mslab.latency.bcs_equilibrium import half_spread
from mslab.latency.bcs_simulation import simulate_continuous
from mslab.latency.jumps import discrete_jumps
from mslab.latency.leadlag import hayashi_yoshida_covariance
from mslab.latency.two_venue import simulate_two_venue
from timing import best_time


def brute_force_hy(tx, x, ty, y):
    dx, dy = np.diff(x), np.diff(y)
    total = 0.0
    for i in range(0, dx.size, 500):  # blocks of 500 rows of the n × m overlap matrix
        j = min(i + 500, dx.size)
        a, b = tx[i:j][:, None], tx[i + 1:j + 1][:, None]
        overlap = (a < ty[1:][None, :]) & (ty[:-1][None, :] < b)
        total += float(dx[i:j] @ (overlap @ dy))
    return total


def main() -> None:
    law = discrete_jumps([1.0, 2.0, 4.0], [0.5, 0.3, 0.2])
    h = half_spread(10.0, 1.0, law)
    kw = dict(horizon=10_000.0, n_paths=64, seed=1)
    simulate_continuous(10.0, 1.0, law, h, 5, horizon=1.0, n_paths=2)  # compile
    simulate_batch(10.0, 1.0, law, h, 0.1, 0.001, horizon=1.0, n_paths=2)
    cont = simulate_continuous(10.0, 1.0, law, h, 5, **kw)
    t = best_time(lambda: simulate_continuous(10.0, 1.0, law, h, 5, **kw))
    print(f"continuous BCS market: {cont.events:,} events in {t:.3f} s = {cont.events / t:,.0f} events/s")
    batch = simulate_batch(10.0, 1.0, law, h, 0.1, 0.001, **kw)
    t = best_time(lambda: simulate_batch(10.0, 1.0, law, h, 0.1, 0.001, **kw))
    print(f"batch-auction market:  {batch.events:,} events in {t:.3f} s = {batch.events / t:,.0f} events/s")
    tv = discrete_jumps([0.01, 0.02, 0.04], [0.5, 0.3, 0.2])
    simulate_two_venue(law=tv, horizon=1.0)
    run = simulate_two_venue(law=tv, lam_invest=10.0, horizon=100_000.0)
    n = len(run.fills) - run.summary["trades"] + len(run.jumps)
    t = best_time(lambda: simulate_two_venue(law=tv, lam_invest=10.0, horizon=100_000.0))
    print(f"two-venue market:      {n:,} events in {t:.3f} s = {n / t:,.0f} events/s "
          "(including the pandas result frames)")

    g = np.random.default_rng(0)
    tx, ty = np.unique(g.uniform(0, 1e6, 20_000)), np.unique(g.uniform(0, 1e6, 20_000))
    x, y = g.normal(size=tx.size).cumsum(), g.normal(size=ty.size).cumsum()
    hayashi_yoshida_covariance(tx[:10], x[:10], ty[:10], y[:10])
    fast = best_time(lambda: hayashi_yoshida_covariance(tx, x, ty, y))
    slow = best_time(lambda: brute_force_hy(tx, x, ty, y), repeats=1)
    same = np.isclose(hayashi_yoshida_covariance(tx, x, ty, y), brute_force_hy(tx, x, ty, y))
    print(f"Hayashi–Yoshida, n = m = 20,000: jitted sweep {fast * 1e3:.2f} ms, brute force "
          f"{slow * 1e3:.0f} ms, ratio {slow / fast:,.0f}x, same value: {same}")


if __name__ == "__main__":
    main()
