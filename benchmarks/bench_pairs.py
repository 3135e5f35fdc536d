"""Pairs trading: the whole walk-forward, the backtest kernel and the Kalman hedge kernel.

1. Walk-forward (12-month formation, 6-month trading) over all 190 pairs of the 20-stock
   universe (``data/pairs/sp500_prices.parquet``; synthetic 20 × 8313 prices if it is missing)
   with Gatev et al.'s rules, every pair traded: wall time, split into selection + signals
   (Python, per pair) and the jitted portfolio backtests.
2. The backtest kernel against a vectorised pandas implementation of the same accounting
   (gross sizing decided at entry, static hedge, one-bar delay, proportional costs; no caps or
   stops, which a vectorised version cannot express): 190 pairs over the full sample, same
   P&L, time ratio.
3. The Kalman hedge-ratio kernel (``mslab.pairs.kalman_hedge``) against pykalman's
   ``KalmanFilter.filter`` on the same pair and model: time ratio and largest β difference.

Run with ``python benchmarks/bench_pairs.py``.
"""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
import pandas as pd

from mslab.pairs import kalman_hedge, load_prices
from mslab.pairs.backtest import Execution, backtest_portfolio
from mslab.pairs.walkforward import PairRule, gatev_rule, walk_forward
from timing import best_time

FEE = 5.0  # bps per leg traded


def universe() -> tuple[pd.DataFrame, str]:
    try:
        return load_prices(), "S&P 500 sample (20 stocks)"
    except FileNotFoundError:
        g = np.random.default_rng(0)
        n, m = 8313, 20
        logp = np.cumsum(g.normal(0.0003, 0.01, (n, 1)) + g.normal(0, 0.012, (n, m)), axis=0)
        idx = pd.bdate_range("1990-01-02", periods=n, name="date")
        return (pd.DataFrame(50 * np.exp(logp), index=idx,
                             columns=[f"S{i:02d}" for i in range(m)]), "synthetic 20 x 8313")


def timed_rule(rule: PairRule, clock: list[float]) -> PairRule:
    """The same rule, accumulating the time spent in select and signal into clock[0]."""
    def select(formation):
        t0 = time.perf_counter()
        out = rule.select(formation)
        clock[0] += time.perf_counter() - t0
        return out

    def signal(y, x, start):
        t0 = time.perf_counter()
        out = rule.signal(y, x, start)
        clock[0] += time.perf_counter() - t0
        return out

    return PairRule(select, signal, rule.name)


def vectorised_backtest(prices: pd.DataFrame, pairs, signals: np.ndarray,
                        fee_bps: float) -> np.ndarray:
    """Per-pair net daily P&L with pandas/NumPy array operations (hedge 1, max_gross 2,
    capital 1 per pair): units u = 2/(y + x) are fixed when the signal changes to a new
    non-zero value and held while it persists; holdings trade one bar after the signal."""
    iy = [prices.columns.get_loc(a) for a, _ in pairs]
    ix = [prices.columns.get_loc(b) for _, b in pairs]
    p = prices.to_numpy()
    y, x = p[:, iy], p[:, ix]
    sig = pd.DataFrame(signals)
    new = (sig != sig.shift(1, fill_value=0.0)) & (sig != 0)
    units = pd.DataFrame(np.where(new, 2.0 / (y + x), np.nan)).ffill().fillna(0.0)
    target = (sig * units).to_numpy()
    qy = np.vstack([np.zeros((1, len(pairs))), target[:-1]])  # one-bar delay
    qy[-1] = 0.0                                              # closed at the last bar
    qx = -qy
    dqy, dqx = np.diff(qy, axis=0, prepend=0.0), np.diff(qx, axis=0, prepend=0.0)
    gross = np.vstack([np.zeros((1, len(pairs))),
                       qy[:-1] * np.diff(y, axis=0) + qx[:-1] * np.diff(x, axis=0)])
    cost = fee_bps * 1e-4 * (np.abs(dqy) * y + np.abs(dqx) * x)
    return gross - cost


def main() -> None:
    prices, label = universe()
    pairs = list(combinations(prices.columns, 2))
    n = len(prices)
    print(f"Pairs benchmarks on {label}: {n} days, {len(pairs)} pairs")

    # 1. Walk-forward, all pairs.
    ex = Execution(fee_bps=FEE)
    walk_forward(prices.iloc[:600], gatev_rule(top_n=None), execution=ex)  # compile/cache
    clock = [0.0]
    t0 = time.perf_counter()
    wf = walk_forward(prices, timed_rule(gatev_rule(top_n=None), clock), execution=ex)
    total = time.perf_counter() - t0
    n_win = len(wf.windows)
    perf = wf.performance()
    print(f"  walk-forward, Gatev rules, all pairs: {total:.2f} s for {n_win} windows x "
          f"{len(pairs)} pairs ({n_win * len(pairs)} pair-windows, {len(wf.trades)} trades)")
    print(f"    selection + signals (Python/pandas per pair) {clock[0]:.2f} s, backtests and "
          f"bookkeeping {total - clock[0]:.2f} s")
    print(f"    out-of-sample: Sharpe {perf.sharpe:.2f}, annual return "
          f"{perf.annual_return:.2%}, max drawdown {perf.max_drawdown:.1%}")

    # 2. Backtest kernel vs vectorised pandas, same accounting.
    g = np.random.default_rng(1)
    signals = np.zeros((n, len(pairs)))
    state = np.zeros(len(pairs))
    for t in range(n):
        flip = g.random(len(pairs)) < 0.05
        state = np.where(flip, g.integers(-1, 2, len(pairs)), state)
        signals[t] = state
    kernel = lambda: backtest_portfolio(prices, pairs, signals, 1.0,  # noqa: E731
                                        execution=ex, capital=float(len(pairs)))
    kernel()
    ours = kernel().pair_pnl
    ref = vectorised_backtest(prices, pairs, signals, FEE)
    diff = float(np.max(np.abs(ours - ref)))
    t_kernel = best_time(kernel)
    t_vec = best_time(lambda: vectorised_backtest(prices, pairs, signals, FEE))
    rate = n * len(pairs) / t_kernel / 1e6
    print(f"  portfolio backtest, {len(pairs)} pairs x {n} days (incl. input checks): numba "
          f"{t_kernel * 1e3:.1f} ms ({rate:.1f} M pair-days/s), vectorised pandas "
          f"{t_vec * 1e3:.1f} ms: {t_vec / t_kernel:.1f}x; max |P&L difference| {diff:.1e} $")

    # 3. Kalman hedge kernel vs pykalman.
    from pykalman import KalmanFilter

    y, x = prices.iloc[:, 0], prices.iloc[:, 1]
    delta, ve, c0 = 1e-4, 1e-3, 1.0
    kalman_hedge(y.iloc[:50], x.iloc[:50])  # compile/cache
    ours = lambda: kalman_hedge(y, x, delta=delta, obs_var=ve, initial_cov=c0)  # noqa: E731
    obs = np.stack([x.to_numpy(), np.ones(n)], axis=1)[:, None, :]
    kf = KalmanFilter(transition_matrices=np.eye(2), observation_matrices=obs,
                      transition_covariance=delta / (1 - delta) * np.eye(2),
                      observation_covariance=np.array([[ve]]), initial_state_mean=np.zeros(2),
                      initial_state_covariance=c0 * np.eye(2))
    theirs = lambda: kf.filter(y.to_numpy()[:, None])  # noqa: E731
    t_ours, t_theirs = best_time(ours), best_time(theirs, repeats=2)
    beta_diff = float(np.max(np.abs(ours().beta.to_numpy() - theirs()[0][:, 0])))
    print(f"  Kalman hedge ratio, {n} days ({y.name}/{x.name}): numba {t_ours * 1e3:.2f} ms, "
          f"pykalman {t_theirs * 1e3:.0f} ms: {t_theirs / t_ours:,.0f}x; "
          f"max |beta difference| {beta_diff:.1e}")


if __name__ == "__main__":
    main()
