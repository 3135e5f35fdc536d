"""The real data shipped in data/lobster, data/binance and data/funding: every file loads with
its mslab.data loader, with the row counts and invariants that data/README.md states, and
re-writing a file from what was loaded reproduces its bytes (the converter is deterministic).
Nothing here reads the raw files (../shared/data)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from mslab.data import load_lobster, write_lobster
from mslab.data.binance import load_binance_capture, receive_lag_ms, write_binance_capture
from mslab.data.funding import load_funding
from mslab.data.lobster import MESSAGE_COLUMNS, book_columns, parse_name
from mslab.data.parquet import write_parquet

DATA = REPO / "data"
STEM = "2012-06-21_34200000_57600000"

# ticker, levels: rows, message-type counts (data/README.md)
LOBSTER = {
    ("AMZN", 1): (57_515, {1: 27_845, 2: 16, 3: 18_235, 4: 8_974, 5: 2_445}),
    ("AAPL", 1): (118_497, {1: 54_818, 2: 252, 3: 28_437, 4: 23_658, 5: 11_332}),
    ("AAPL", 10): (999, {1: 471, 3: 369, 4: 98, 5: 61}),
}
# file: lines, snapshots, depth diffs, bookTickers, trades, diffs older than the snapshot
BINANCE = {
    "spot_btcusdt_20240808.parquet": ("spot", 99_574, 1, 6_495, 73_174, 19_904, 2),
    "usdm_btcusdt_20240808.parquet": ("usdm", 93_954, 1, 6_551, 66_089, 21_313, 4),
    "cm_btcusd_perp_20240808.parquet": ("coinm", 98_386, 1, 44_795, 48_355, 5_235, 23),
}
# file: rows, first and last settlement, missing mark prices
FUNDING = {
    "BTCUSDT_funding.parquet": (7_741, "2019-09-10 08:00", "2026-10-03 08:00", 4_536),
    "ETHUSDT_funding.parquet": (7_507, "2019-11-27 08:00", "2026-10-03 08:00", 4_302),
}
LICENCES = ["binance/LICENSE-hftbacktest.txt", "funding/LICENSE-crypto-swing-backtest.txt",
            "lobster/LOBSTER_SampleFiles_ReadMe.txt"]
MAX_TOTAL_BYTES = 15_000_000


def test_every_shipped_file_is_listed_and_the_total_stays_small():
    listed = {f"lobster/{t}_{STEM}_{k}_{lev}.parquet" for t, lev in LOBSTER
              for k in ("message", "orderbook")}
    listed |= {f"binance/{f}" for f in BINANCE} | {f"funding/{f}" for f in FUNDING}
    listed |= set(LICENCES)
    found = {str(p.relative_to(DATA)) for d in ("lobster", "binance", "funding")
             for p in (DATA / d).iterdir()}
    assert found == listed
    readme = (DATA / "README.md").read_text()
    for name in listed:
        assert name.split("/")[1] in readme, name
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total <= MAX_TOTAL_BYTES


@pytest.mark.parametrize("ticker, levels", list(LOBSTER))
def test_lobster_days_load_with_the_stated_counts(tmp_path, ticker, levels):
    n, types = LOBSTER[(ticker, levels)]
    mpath = DATA / "lobster" / f"{ticker}_{STEM}_message_{levels}.parquet"
    bpath = DATA / "lobster" / f"{ticker}_{STEM}_orderbook_{levels}.parquet"
    name = parse_name(mpath.name.replace(".parquet", ".csv"))
    messages, book = pd.read_parquet(mpath), pd.read_parquet(bpath)
    assert list(messages.columns) == list(MESSAGE_COLUMNS)
    assert list(book.columns) == book_columns(levels) and (book.dtypes == np.int64).all()
    assert len(messages) == len(book) == n
    assert messages["type"].value_counts().sort_index().to_dict() == types
    # load_lobster reads LOBSTER's CSV layout: check the copy through it
    m, _ = write_lobster(tmp_path, ticker, name.date, name.start_ms, name.end_ms,
                         {c: messages[c].to_numpy() for c in MESSAGE_COLUMNS}, book.to_numpy())
    data = load_lobster(m, strict=True)
    assert data.report.issues == () and data.report.rows_kept == n and data.levels == levels
    np.testing.assert_array_equal(data.book, book.to_numpy())


def test_amzn_day_starts_with_a_hidden_execution_before_any_submission():
    m = pd.read_parquet(DATA / "lobster" / f"AMZN_{STEM}_message_1.parquet")
    assert m["type"].iloc[0] == 5 and m["order_id"].iloc[0] == 0
    assert m["time"].is_monotonic_increasing


@pytest.mark.parametrize("name", list(BINANCE))
def test_binance_captures_load_with_the_stated_counts(name):
    venue, lines, snaps, diffs, tickers, trades, before = BINANCE[name]
    cap = load_binance_capture(DATA / "binance" / name, strict=True)
    assert cap.venue == venue and cap.report.rows_kept == lines
    assert (len(cap.snapshots), len(cap.depth), len(cap.bbo), len(cap.trades)) == (
        snaps, diffs, tickers, trades)
    assert [i.problem for i in cap.report.issues] == ["diffs_before_snapshot"]
    assert cap.report.issues[0].count == before
    assert not cap.depth["chain_break"].any()
    assert (cap.depth["action"] != "wait").sum() == diffs - before
    assert (cap.snapshots[["n_bids", "n_asks"]] == 1000).all().all()
    # the local clock runs about 1.27 s behind the exchange's, with a spread of milliseconds
    lag = receive_lag_ms(cap, "trade")
    assert -1280 < lag.min() and lag.median() < -1260 and lag.quantile(0.99) < lag.min() + 35
    assert receive_lag_ms(cap, "depth").median() == pytest.approx(lag.median(), abs=10)
    local = cap.records.column("local_ns").to_numpy()
    assert (np.diff(local) >= 0).all()
    assert pd.Timestamp(local[0]) > pd.Timestamp("2024-08-08 23:54")
    assert pd.Timestamp(local[-1]) < pd.Timestamp("2024-08-09 00:05:05")


@pytest.mark.parametrize("name", list(FUNDING))
def test_funding_histories_load_with_the_stated_counts(name):
    rows, first, last, missing = FUNDING[name]
    h = load_funding(DATA / "funding" / name, strict=True)
    f = h.frame
    assert len(f) == rows and h.interval_hours == 8.0
    assert f["settlement"].iloc[0] == pd.Timestamp(first, tz="UTC")
    assert f["settlement"].iloc[-1] == pd.Timestamp(last, tz="UTC")
    assert (np.diff(f["settlement"].to_numpy()) == np.timedelta64(8, "h")).all()  # no gaps
    assert f["jitter_ms"].abs().max() == 47
    assert f["mark_price"].isna().sum() == missing
    assert f["mark_price"].first_valid_index() == f.index[missing]
    assert f.loc[f["mark_price"].first_valid_index(), "settlement"] == pd.Timestamp(
        "2023-10-31 08:00", tz="UTC")


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rewriting_the_shipped_files_reproduces_their_bytes(tmp_path):
    """Byte identity holds for the Parquet library that wrote the files (its version is in the
    footer); with another version the content must still be identical."""
    rewritten = []
    for name in BINANCE:
        cap = load_binance_capture(DATA / "binance" / name)
        rewritten.append((DATA / "binance" / name,
                          write_binance_capture(cap, tmp_path / name)))
    for path in list((DATA / "lobster").glob("*.parquet")) + list(
            (DATA / "funding").glob("*.parquet")):
        rewritten.append((path, write_parquet(pq.read_table(path), tmp_path / path.name)))
    assert len(rewritten) == 11
    for shipped, out in rewritten:
        same_writer = (pq.ParquetFile(shipped).metadata.created_by
                       == pq.ParquetFile(out).metadata.created_by)
        if same_writer:
            assert sha(out) == sha(shipped), shipped.name
        else:
            assert pq.read_table(out).equals(pq.read_table(shipped)), shipped.name
