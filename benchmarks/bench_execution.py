"""Throughput of the execution kernels against pandas / NumPy computing the same outputs.

Data: the shipped AAPL LOBSTER day (2012-06-21, 118,497 events, its executions and quotes)
repeated ``COPIES`` times, each copy's clock shifted by one trading day (23,400 s) plus one
second, so the series have real values, ties and gaps but millions of events:

* features (spread, mid, imbalance, top depth, spread rolling mean/std/z over 60 events, top
  depth rolling median over 600 events): `liquidity_events.features` vs the same columns by
  pandas `rolling`;
* rolling mean + standard deviation (60) and rolling median (600) alone, and the median over
  600-s time windows (`rolling("600s")`, closed right); each with one numba thread and with
  all of them (`numba.set_num_threads`; the kernels cut the series into one run per thread);
* markouts (effective spread, realized spread and impact in the tape's price unit, at the eight
  Rule 605 horizons): `tca.markouts` on one thread and on all numba threads vs
  `pandas.merge_asof` (one as-of join per horizon). Neither converts to bps: `tca.in_bps` is a
  NumPy multiply, applied where a result is wanted in bps;
* the Almgren–Chriss schedule Monte Carlo (`schedule_mc.simulate_costs`, paper parameters with
  N = 250 steps) vs a NumPy version vectorised across paths.

Every pair is first checked to give the same outputs (tolerances printed), then timed: best of
``ROUNDS`` rounds that interleave the contenders. Prints events per second and the ratios
(target >= 10x), and for the features and the markouts the time of only writing their outputs
into new arrays: the bound that memory sets on any kernel. First it prints how much faster all
numba threads do equal tasks of throughput-bound integer work than one thread: the most that
more threads can give a compute-bound kernel on the machine. Run with `make bench`.
"""

from __future__ import annotations

import time
from pathlib import Path

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from mslab import rng
from mslab.data.lobster import load_lobster
from mslab.execution import almgren_chriss as ac
from mslab.execution.liquidity_events import features, rolling_mean_std, rolling_median
from mslab.execution.schedule_mc import simulate_costs
from mslab.execution.tca import RULE_605_HORIZONS, TradeTape, lobster_tape, markouts

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"
COPIES = 18
ROUNDS = 15
DAY_S = 23_400.0 + 1.0


def tile(a: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """``COPIES`` copies of ``a``, copy k shifted by k × ``shift``."""
    return np.concatenate([a + k * shift for k in range(COPIES)])


def interleaved(contenders: dict) -> dict[str, float]:
    """Best wall time (s) of each contender over ``ROUNDS`` rounds, run in turn every round."""
    best = dict.fromkeys(contenders, np.inf)
    for _ in range(ROUNDS):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


@njit(cache=True, parallel=True)
def _fill(a: np.ndarray) -> None:
    for i in prange(a.size):
        a[i] = 0.0


@njit(cache=True, parallel=True)
def _integer_work(steps: int, tasks: int) -> np.ndarray:
    # ``tasks`` independent streams of four interleaved 64-bit LCG + xorshift chains: work bound
    # by instruction throughput, with no memory traffic
    out = np.empty(tasks, np.uint64)
    mul = np.uint64(6364136223846793005)
    for j in prange(tasks):
        a, b, c, d = np.uint64(j + 1), np.uint64(3), np.uint64(5), np.uint64(7)
        e, f, g, h = np.uint64(11), np.uint64(13), np.uint64(17), np.uint64(19)
        for _ in range(steps):
            a, b = a * mul + np.uint64(1), b * mul + np.uint64(3)
            c, d = c * mul + np.uint64(5), d * mul + np.uint64(7)
            e, f = (e ^ (e >> np.uint64(7))) + a, (f ^ (f << np.uint64(3))) + b
            g, h = (g ^ (g >> np.uint64(5))) + c, (h ^ (h << np.uint64(9))) + d
        out[j] = a ^ b ^ c ^ d ^ e ^ f ^ g ^ h
    return out


def thread_scaling() -> None:
    """Print how much faster all numba threads do two equal tasks of throughput-bound integer
    work than one thread: the most a compute-bound kernel can gain from them here (the
    thread count for two full cores)."""
    threads = numba.get_num_threads()
    if threads < 2:
        return
    t = {}
    for k in (1, threads):
        numba.set_num_threads(k)
        t[k] = interleaved({"work": lambda: _integer_work(20_000_000, threads)})["work"]
    numba.set_num_threads(threads)
    print(f"machine: {threads} numba threads do {threads} tasks of throughput-bound integer work "
          f"{t[1] / t[threads]:.2f}x as fast as one thread ({threads:.2f}x for {threads} full cores)")


def write_floor(what: str, shapes: list[tuple[int, ...]], t_theirs: float) -> None:
    """Print the best time of only allocating arrays of ``shapes`` and writing every element
    (new pages, all numba threads): the least time any kernel returning them can take."""
    def fill():
        arrays = [np.empty(shape).reshape(-1) for shape in shapes]  # all alive at once
        for a in arrays:
            _fill(a)

    mb = sum(np.prod(shape) for shape in shapes) * 8 / 1e6
    t = interleaved({"fill": fill})["fill"]
    print(f"  {what}: {mb:,.0f} MB of new arrays written in {t * 1e3:.1f} ms at "
          f"{numba.get_num_threads()} threads, so at most {t_theirs / t:.0f}x faster than pandas")


def report(what: str, units: str, n: float, t: dict[str, float], ours: str, theirs: str) -> None:
    print(f"{what}: mslab {n / t[ours] / 1e6:,.1f} M {units}/s, {theirs} "
          f"{n / t[theirs] / 1e6:,.2f} M {units}/s, ratio {t[theirs] / t[ours]:.1f}x")


def pandas_features(snap: pd.DataFrame, window: int, depth_window: int) -> pd.DataFrame:
    out = snap.copy()
    out["mid"] = 0.5 * (out["bid"] + out["ask"])
    out["spread"] = out["ask"] - out["bid"]
    depth = out["bid_size"] + out["ask_size"]
    out["imbalance"] = (out["bid_size"] - out["ask_size"]) / depth
    out["top_depth"] = depth
    r = out["spread"].rolling(window)
    out["spread_mean"], out["spread_std"] = r.mean(), r.std()
    out["spread_z"] = ((out["spread"] - out["spread_mean"]) / out["spread_std"]).where(
        out["spread_std"] > 0)
    out["depth_median"] = depth.rolling(depth_window).median()
    return out


def pandas_markouts(tape: TradeTape, horizons) -> dict[str, np.ndarray]:
    quotes = pd.DataFrame({"t": tape.quote_time, "mid": tape.mid})
    trades = pd.DataFrame({"t": tape.time, "p": tape.price, "d2": 2.0 * tape.side,
                           "m0": tape.arrival_mid})
    real, imp = [], []
    for h in horizons:
        later = pd.merge_asof(trades[["t"]] + h, quotes, on="t")["mid"]
        real.append(trades["d2"] * (trades["p"] - later))
        imp.append(trades["d2"] * (later - trades["m0"]))
    return {"effective": (trades["d2"] * (trades["p"] - trades["m0"])).to_numpy(),
            "realized": pd.concat(real, axis=1).to_numpy(),
            "impact": pd.concat(imp, axis=1).to_numpy()}


def numpy_costs(p: ac.ACParams, trades: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """Costs of the paths driven by the normals ``xi`` (paths × N), vectorised across paths."""
    vol = p.sigma * np.sqrt(p.tau)
    moves = vol * xi - p.gamma * trades
    before = np.cumsum(moves, axis=1) - moves  # price before each interval's trade
    executed = before - np.where(trades > 0, p.epsilon, 0.0) - p.eta / p.tau * trades
    return -(trades * executed).sum(axis=1)


def bench_rolling(data) -> None:
    book = data.book.astype(np.float64)
    t = tile(data.messages["time"].to_numpy(), DAY_S)
    snap = pd.DataFrame({"time": t, "bid": tile(book[:, 2]), "ask": tile(book[:, 0]),
                         "bid_size": tile(book[:, 3]), "ask_size": tile(book[:, 1])})
    n = len(snap)
    spread = (snap["ask"] - snap["bid"]).to_numpy()
    depth = (snap["bid_size"] + snap["ask_size"]).to_numpy()
    t_ns = np.round(t * 1e9)  # exact integers in float: window edges agree with pandas
    by_time = pd.Series(depth, index=pd.to_datetime(t_ns.astype(np.int64)))
    threads = numba.get_num_threads()
    counts = sorted({1, threads})
    print(f"rolling features: {n:,} events ({COPIES} copies of the AAPL day); numba threads "
          f"{', '.join(map(str, counts))}")

    ref = pandas_features(snap, 60, 600)
    r = pd.Series(spread).rolling(60)
    ref_mean, ref_std = r.mean(), r.std()
    ref_median = by_time.rolling("600s").median()
    zok = ref["spread_std"] > 1e-3  # pandas leaves round-off where a window is constant
    for k in counts:
        numba.set_num_threads(k)
        ours = features(snap, 60, 600)
        for c in ("mid", "spread", "imbalance", "top_depth", "depth_median"):
            np.testing.assert_array_equal(ours[c], ref[c])
        np.testing.assert_allclose(ours["spread_mean"], ref["spread_mean"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(ours["spread_std"], ref["spread_std"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(ours["spread_z"][zok], ref["spread_z"][zok], rtol=1e-6,
                                   atol=1e-9)
        mean, std = rolling_mean_std(spread, 60)
        np.testing.assert_allclose(mean, ref_mean, rtol=0, atol=1e-9)
        np.testing.assert_allclose(std, ref_std, rtol=0, atol=1e-4)
        np.testing.assert_array_equal(rolling_median(depth, 600e9, time=t_ns), ref_median)
    print("  same outputs at every thread count: medians bit for bit; mean within 1e-9, std "
          "within 1e-4 (spread in $ x 10,000; pandas' own add/remove round-off is up to ~1e-4)")

    ours = {"features": lambda: features(snap, 60, 600),
            "mean+std": lambda: rolling_mean_std(spread, 60),
            "median": lambda: rolling_median(depth, 600),
            "median 600 s": lambda: rolling_median(depth, 600e9, time=t_ns)}
    theirs = {"features": lambda: pandas_features(snap, 60, 600),
              "mean+std": lambda: (pd.Series(spread).rolling(60).mean(),
                                   pd.Series(spread).rolling(60).std()),
              "median": lambda: pd.Series(depth).rolling(600).median(),
              "median 600 s": lambda: by_time.rolling("600s").median()}

    def on(k, fn):
        return lambda: (numba.set_num_threads(k), fn())

    contenders = {}
    for name, fn in ours.items():
        contenders |= {f"{name}, {k}": on(k, fn) for k in counts}
        contenders[f"pandas {name}"] = theirs[name]
    t_ = interleaved(contenders)
    numba.set_num_threads(threads)
    for name, what in (("features", "all features"), ("mean+std", "rolling mean+std (60)"),
                       ("median", "rolling median (600)"),
                       ("median 600 s", "rolling median (600 s)")):
        for k in counts:
            report(f"  {what}, {k} thread{'s' * (k > 1)}", "events", n, t_, f"{name}, {k}",
                   f"pandas {name}")
    write_floor("the features' outputs alone", [(8, n)], t_["pandas features"])


def bench_markouts(data) -> None:
    one = lobster_tape(data)
    tape = TradeTape(name="AAPL x copies", time=tile(one.time, DAY_S), price=tile(one.price),
                     size=tile(one.size), side=tile(one.side), arrival_mid=tile(one.arrival_mid),
                     quote_time=tile(one.quote_time, DAY_S), mid=tile(one.mid), unit=one.unit,
                     hidden=tile(one.hidden))
    hz = RULE_605_HORIZONS
    threads = numba.get_num_threads()

    def kernel(k):
        numba.set_num_threads(k)
        return markouts(tape, hz)

    ref = pandas_markouts(tape, hz)
    for k in (1, threads):
        ours = kernel(k)
        for key, v in ref.items():
            np.testing.assert_array_equal(ours[key], v)
    m = tape.time.size * len(hz)
    print(f"markouts: {tape.time.size:,} trades x {len(hz)} horizons against "
          f"{tape.quote_time.size:,} quotes; same outputs bit for bit (1 and {threads} threads)")
    t_ = interleaved({"1 thread": lambda: kernel(1), f"{threads} threads": lambda: kernel(threads),
                      "pandas": lambda: pandas_markouts(tape, hz)})
    numba.set_num_threads(threads)
    for name in ("1 thread", f"{threads} threads"):
        report(f"  markouts, {name}", "trade-horizons", m, t_, name, "pandas")
    n = tape.time.size
    write_floor("the markouts' outputs alone", [(n,), (n, len(hz)), (n, len(hz))], t_["pandas"])


def bench_schedule_mc() -> None:
    p = ac.ACParams(X=1e6, T=5.0, N=250, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, epsilon=0.0625)
    x = ac.trajectory(p, 2e-6)
    trades = -np.diff(x)
    n_paths, seed = 40_000, 11
    xi = rng.normal_draws(seed, n_paths, p.N)  # the kernel's draws
    np.testing.assert_allclose(simulate_costs(p, x, n_paths, seed), numpy_costs(p, trades, xi),
                               rtol=1e-9, atol=1e-6)
    print(f"schedule Monte Carlo: {n_paths:,} paths x {p.N} steps; same costs within 1e-9 "
          "(same normal draws)")
    threads = numba.get_num_threads()

    def kernel(k):
        numba.set_num_threads(k)
        simulate_costs(p, x, n_paths, seed)

    def numpy_mc():
        numpy_costs(p, trades, np.random.default_rng(seed).standard_normal((n_paths, p.N)))

    t_ = interleaved({"1 thread": lambda: kernel(1), f"{threads} threads": lambda: kernel(threads),
                      "numpy": numpy_mc})
    numba.set_num_threads(threads)
    for name in ("1 thread", f"{threads} threads"):
        report(f"  kernel, {name}", "path-steps", n_paths * p.N, t_, name, "numpy")


def main() -> None:
    data = load_lobster(DATA / "AAPL_2012-06-21_34200000_57600000_message_1.parquet")
    thread_scaling()
    bench_rolling(data)
    bench_markouts(data)
    bench_schedule_mc()


if __name__ == "__main__":
    main()
