"""Throughput of the execution kernels against pandas on the same data.

* rolling mean and standard deviation (60 values) and rolling median (600 values) of the
  spread/depth series: `mslab.execution.liquidity_events` vs `pandas.Series.rolling`;
* markouts at the eight Rule 605 horizons: `mslab.execution.tca.markouts` vs
  `pandas.merge_asof` (one as-of join per horizon).

Data: the AAPL LOBSTER day's event-level spread and depth (118,497 events) tiled to 2 million
values, and its 34,990 executions against its quotes. Prints events per second and the ratios
(target >= 10x). Run with `make bench`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mslab.data.lobster import load_lobster
from mslab.execution.liquidity_events import rolling_mean_std, rolling_median
from mslab.execution.tca import RULE_605_HORIZONS, lobster_tape, markouts
from timing import best_time

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"


def pandas_markouts(tape, horizons):
    quotes = pd.DataFrame({"t": tape.quote_time, "mid": tape.mid})
    trades = pd.DataFrame({"t": tape.time, "p": tape.price, "d": tape.side,
                           "m0": tape.arrival_mid})
    out = []
    for h in horizons:
        later = pd.merge_asof(trades.assign(t=trades["t"] + h), quotes, on="t")
        out.append(2 * trades["d"] * (later["mid"] - trades["m0"]))
    return out


def main() -> None:
    data = load_lobster(DATA / "AAPL_2012-06-21_34200000_57600000_message_1.parquet")
    book = data.book.astype(np.float64)
    spread = np.tile(book[:, 0] - book[:, 2], 17)[:2_000_000]
    depth = np.tile(book[:, 1] + book[:, 3], 17)[:2_000_000]
    n = spread.size
    rolling_mean_std(spread[:1000], 60), rolling_median(depth[:1000], 600)  # compile
    t_nb = best_time(lambda: rolling_mean_std(spread, 60))
    t_pd = best_time(lambda: (pd.Series(spread).rolling(60).mean(), pd.Series(spread).rolling(60).std()))
    print(f"rolling mean+std (60): numba {n / t_nb:,.0f} values/s, pandas {n / t_pd:,.0f} "
          f"values/s, ratio {t_pd / t_nb:.1f}x")
    t_nb = best_time(lambda: rolling_median(depth, 600))
    t_pd = best_time(lambda: pd.Series(depth).rolling(600).median())
    print(f"rolling median (600): numba {n / t_nb:,.0f} values/s, pandas {n / t_pd:,.0f} "
          f"values/s, ratio {t_pd / t_nb:.1f}x")
    tape = lobster_tape(data)
    markouts(tape)  # compile
    m = tape.time.size * len(RULE_605_HORIZONS)
    t_nb = best_time(lambda: markouts(tape))
    t_pd = best_time(lambda: pandas_markouts(tape, RULE_605_HORIZONS))
    print(f"markouts ({len(RULE_605_HORIZONS)} horizons): numba {m / t_nb:,.0f} trade-horizons/s, "
          f"pandas {m / t_pd:,.0f} trade-horizons/s, ratio {t_pd / t_nb:.1f}x")


if __name__ == "__main__":
    main()
