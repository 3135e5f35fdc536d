#!/usr/bin/env python3
"""Regenerate ``data/pairs/sp500_prices.parquet`` from skfolio's S&P 500 data set.

skfolio (BSD-3-Clause, see ``data/pairs/LICENSE-skfolio-data.txt``) ships daily adjusted
closing prices of 20 large US stocks, 1990-01-02 to 2022-12-28, as
``skfolio.datasets.load_sp500_dataset()``. The project does not depend on skfolio: run this
script once, by hand, in a separate environment that has it, e.g.

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install skfolio pyarrow
    /tmp/skvenv/bin/python tools/extract_sp500.py

The prices are written unchanged (float64, as rounded by skfolio to 3 decimals) with the
index named ``date``, zstd-compressed; :func:`mslab.pairs.read_prices` reads the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "pairs" / "sp500_prices.parquet"


def extract() -> pd.DataFrame:
    from skfolio.datasets import load_sp500_dataset

    prices = load_sp500_dataset().astype("float64")
    prices.index = pd.DatetimeIndex(prices.index, name="date").as_unit("ns")
    prices.columns = pd.Index([str(c) for c in prices.columns], name="ticker")
    assert prices.index.is_monotonic_increasing and prices.index.is_unique
    assert np.isfinite(prices.to_numpy()).all() and (prices.to_numpy() > 0).all()
    return prices


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = p.parse_args()
    prices = extract()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    prices.to_parquet(args.out, engine="pyarrow", compression="zstd", compression_level=19)
    import skfolio

    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {prices.shape[0]} days x "
          f"{prices.shape[1]} tickers, {prices.index[0].date()} to {prices.index[-1].date()}, "
          f"skfolio {skfolio.__version__}")


if __name__ == "__main__":
    main()
