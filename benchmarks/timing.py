"""Wall-clock timing shared by the benchmarks."""

from __future__ import annotations

import math
import time


def best_time(fn, repeats: int = 3) -> float:
    """Shortest wall time of ``repeats`` calls of ``fn()``, in seconds."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
