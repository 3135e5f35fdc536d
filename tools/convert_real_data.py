"""Convert the raw public market data into the compact files shipped in ``data/``.

Usage (from the repository root)::

    python tools/convert_real_data.py [RAW_DIR] [--out data]

``RAW_DIR`` (default ``../shared/data``) holds the raw public files, laid out as
``lobster/``, ``binance/`` and ``funding/``. Nothing in the project reads ``RAW_DIR`` at build
or test time: the files this script writes are committed. A re-run writes the same bytes
(deterministic Parquet, :mod:`mslab.data.parquet`); the script prints every file's size and
SHA-256.

Public sources (licences and attribution in ``data/README.md``):

* LOBSTER sample files (https://lobsterdata.com/info/DataSamples.php; Huang & Polak, 2011):
  AMZN and AAPL, NASDAQ, 2012-06-21, 09:30-16:00, level 1, message and order-book files; and
  the first 998 messages of the 10-level AAPL sample, as redistributed by the MIT-licensed
  repository YileZheng/OrderBook_HLS (https://github.com/YileZheng/OrderBook_HLS).
  Written as ``data/lobster/<LOBSTER name>.parquet``: message columns ``time`` (float64),
  ``type`` (int8), ``order_id``, ``size``, ``price`` (int64), ``direction`` (int8); order-book
  columns ``ask_price_1, ask_size_1, bid_price_1, bid_size_1, ...`` (int64).
* Binance BTC market-data captures of 2024-08-08 23:54 to 2024-08-09 00:05 UTC from the
  examples of the MIT-licensed repository nkaz001/hftbacktest
  (https://github.com/nkaz001/hftbacktest): spot BTCUSDT, USDⓈ-M BTCUSDT and COIN-M
  BTCUSD_PERP; the parts of each capture (one file per UTC day) concatenated in time order and
  written in the compact schema of :mod:`mslab.data.binance` as
  ``data/binance/<first part's stem>.parquet``.
* Binance USDⓈ-M funding-rate histories of BTCUSDT and ETHUSDT from the MIT-licensed repository
  BTspaceC/crypto-swing-backtest (https://github.com/BTspaceC/crypto-swing-backtest), which
  took them from Binance's public endpoint ``/fapi/v1/fundingRate``; written as
  ``data/funding/<SYMBOL>_funding.parquet`` with the Binance columns ``fundingTime`` (int64,
  ms), ``fundingRate`` (float64) and ``markPrice`` (float64, NaN where empty).

The Binance and funding files are loaded with their ``mslab.data`` loaders in strict mode
before they are written, so a malformed line stops the conversion; the LOBSTER files are read
with pandas as integer columns (a non-integer value stops it) and checked through
``mslab.data.load_lobster`` by ``tests/test_data_shipped.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from mslab.data.binance import load_binance_capture, write_binance_capture  # noqa: E402
from mslab.data.funding import load_funding  # noqa: E402
from mslab.data.lobster import (MESSAGE_COLUMNS, PARQUET_TYPES, book_columns,  # noqa: E402
                                parse_name)
from mslab.data.parquet import write_parquet  # noqa: E402

LOBSTER_FILES = [
    "AMZN_2012-06-21_34200000_57600000_{kind}_1.csv.gz",
    "AAPL_2012-06-21_34200000_57600000_{kind}_1.csv.gz",
    "AAPL_10_levels_first_998_messages/AAPL_2012-06-21_34200000_57600000_{kind}_10.csv.gz",
]
BINANCE_CAPTURES = [
    ("spot_btcusdt_20240808.gz", "spot_btcusdt_20240809.gz"),
    ("usdm_btcusdt_20240808.gz",),
    ("cm_btcusd_perp_20240808.gz", "cm_btcusd_perp_20240809.gz"),
]
FUNDING_FILES = ["BTCUSDT_funding.csv", "ETHUSDT_funding.csv"]
LICENCES = {
    "binance": ["LICENSE-hftbacktest.txt"],
    "funding": ["LICENSE-crypto-swing-backtest.txt"],
    "lobster": ["LOBSTER_SampleFiles_ReadMe.txt"],
}


def convert_lobster(src: Path, out: Path) -> list[Path]:
    """Each LOBSTER message/order-book pair as two Parquet files with the LOBSTER name."""
    written = []
    for pattern in LOBSTER_FILES:
        for kind in ("message", "orderbook"):
            raw = src / pattern.format(kind=kind)
            name = parse_name(raw.name.removesuffix(".gz"))
            if name is None:
                raise ValueError(f"{raw}: not a LOBSTER file name")
            columns = list(MESSAGE_COLUMNS) if kind == "message" else book_columns(name.levels)
            dtypes = PARQUET_TYPES if kind == "message" else dict.fromkeys(columns, np.int64)
            frame = pd.read_csv(raw, header=None, names=columns, dtype=dtypes)
            target = out / raw.name.removesuffix(".csv.gz")
            written.append(write_parquet(pa.Table.from_pandas(frame, preserve_index=False),
                                         target.with_suffix(".parquet")))
    return written


def convert_binance(src: Path, out: Path) -> list[Path]:
    """Each capture (its parts concatenated) as one compact Parquet file."""
    written = []
    for parts in BINANCE_CAPTURES:
        capture = load_binance_capture([src / p for p in parts], strict=True)
        print(capture.report)
        target = out / parts[0].removesuffix(".gz")
        written.append(write_binance_capture(capture, target.with_suffix(".parquet")))
    return written


def convert_funding(src: Path, out: Path) -> list[Path]:
    """Each funding history as Parquet in the Binance columns."""
    written = []
    for name in FUNDING_FILES:
        history = load_funding(src / name, strict=True)
        print(history.report)
        frame = pd.read_csv(src / name, dtype={"fundingTime": np.int64,
                                               "fundingRate": np.float64,
                                               "markPrice": np.float64})
        target = (out / name).with_suffix(".parquet")
        written.append(write_parquet(pa.Table.from_pandas(frame, preserve_index=False), target))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", nargs="?", default=str(REPO.parent / "shared" / "data"),
                        help="folder of the raw public files (default ../shared/data)")
    parser.add_argument("--out", default=str(REPO / "data"), help="output folder (data/)")
    args = parser.parse_args(argv)
    src, out = Path(args.raw), Path(args.out)
    written = (convert_lobster(src / "lobster", out / "lobster")
               + convert_binance(src / "binance", out / "binance")
               + convert_funding(src / "funding", out / "funding"))
    for folder, names in LICENCES.items():
        for name in names:
            written.append(Path(shutil.copyfile(src / folder / name, out / folder / name)))
    for path in written:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.stat().st_size:>10,d}  {digest}  {path.relative_to(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
