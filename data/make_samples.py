"""Write the synthetic sample data sets under ``data/`` (see data/README.md).

    python data/make_samples.py            # rewrite the committed samples in data/
    python data/make_samples.py --out DIR  # write them somewhere else

Everything is simulated by :mod:`mslab.orderbook.cst_flow` (Cont–Stoikov–Talreja order flow)
with fixed parameters and seeds, so a re-run reproduces the files byte for byte
(tests/test_data_loaders.py checks this). Nothing here is real market data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mslab.data import write_lobster
from mslab.orderbook import CalibrationTargets, CSTParams, calibration_table, simulate_cst
from mslab.orderbook.messages import PRICE_SCALE

HERE = Path(__file__).resolve().parent

# LOBSTER-format stock sample: 5 minutes from the open, 10 levels. The parameters are
# calibrate(LOBSTER_TARGETS, duration=3600, seed=0, mean_lots=2.0, partial_cancel=0.2)
# rounded to three significant digits.
LOBSTER_TARGETS = CalibrationTargets(mean_spread=1.25, depth=(400, 450, 450, 430, 410),
                                     trades_per_minute=20, limit_orders_per_minute=400)
LOBSTER = dict(ticker="SYNTH", date="2024-01-02", start_ms=34_200_000, end_ms=34_500_000,
               levels=10, tick_size=0.01, price=100.00, warmup=300.0, seed=20240102,
               params=CSTParams(k=0.402, alpha=0.117, mu=0.167, theta=0.198, max_distance=10,
                                lot=100, mean_lots=2.0, partial_cancel=0.2))


def _trades_and_quotes(flow, out: Path, stem: str) -> list[Path]:
    """Generic trades (one per execution) and quotes (each change of the best quotes after the
    initial book is in place) derived from the LOBSTER sample."""
    execs = flow.type == 4
    trades = pd.DataFrame({"time": flow.time[execs],
                           "price": flow.price[execs] / PRICE_SCALE,
                           "size": flow.size[execs],
                           # a sell (buy) limit order executed: buyer- (seller-) initiated
                           "side": np.where(flow.direction[execs] == -1, "buy", "sell")})
    top = flow.book[flow.n_initial - 1:, :4]
    change = np.ones(top.shape[0], dtype=bool)
    change[1:] = (top[1:] != top[:-1]).any(axis=1)
    rows = np.flatnonzero(change) + flow.n_initial - 1
    quotes = pd.DataFrame({"time": flow.time[rows], "bid": flow.book[rows, 2] / PRICE_SCALE,
                           "ask": flow.book[rows, 0] / PRICE_SCALE, "bid_size": flow.book[rows, 3],
                           "ask_size": flow.book[rows, 1]})
    paths = [out / f"{stem}_trades.csv", out / f"{stem}_quotes.csv"]
    for frame, path in zip((trades, quotes), paths, strict=True):
        frame.to_csv(path, index=False, float_format="%.9f", lineterminator="\n")
    return paths


def write_samples(out: Path = HERE, *, verbose: bool = False) -> list[Path]:
    """Simulate and write every sample file into ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = LOBSTER
    start = cfg["start_ms"] / 1000.0
    flow = simulate_cst(cfg["params"], duration=(cfg["end_ms"] - cfg["start_ms"]) / 1000.0,
                        levels=cfg["levels"], tick_size=cfg["tick_size"], price=cfg["price"],
                        start=start, warmup=cfg["warmup"], seed=cfg["seed"])
    paths = list(write_lobster(out, cfg["ticker"], cfg["date"], cfg["start_ms"], cfg["end_ms"],
                               flow.messages(), flow.book))
    paths += _trades_and_quotes(flow, out, f"{cfg['ticker']}_{cfg['date']}")
    if verbose:
        print(f"LOBSTER sample: {flow.time.size} messages ({flow.n_initial} for the initial "
              "book); statistics over the window vs the calibration targets:")
        print(calibration_table(LOBSTER_TARGETS, flow.stats).round(3).to_string())
    if verbose:
        for p in paths:
            print(f"{p.name}: {p.stat().st_size / 1e6:.3f} MB")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = parser.parse_args(argv)
    write_samples(args.out, verbose=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
