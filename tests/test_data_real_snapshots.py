"""Tests of mslab.orderbook.real_snapshots: 1-second snapshots of real LOBSTER days and Binance
captures, checked against a direct pandas computation on the same inputs, and the recognition
of a source file's kind."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data import load_binance_capture, load_lobster, write_crypto_snapshots, write_lobster
from mslab.data.binance_book import rebuild_book
from mslab.orderbook import CSTParams, backtest_snapshots, simulate_snapshots
from mslab.orderbook.real_snapshots import (binance_snapshots, load_snapshot_source,
                                            lobster_snapshots, source_kind)

DATA = Path(__file__).resolve().parents[1] / "data"
AMZN = DATA / "lobster" / "AMZN_2012-06-21_34200000_57600000_message_1.parquet"
AAPL10 = DATA / "lobster" / "AAPL_2012-06-21_34200000_57600000_message_10.parquet"
USDM = DATA / "binance" / "usdm_btcusdt_20240808.parquet"
SPOT = DATA / "binance" / "spot_btcusdt_20240808.parquet"
SECOND = pd.Timedelta(1, "s")


def taker_buckets(times: pd.Series, notional: pd.Series, grid: pd.Index) -> np.ndarray:
    """Notional per right-closed 1-s bucket labelled by its end, by pandas' resampler (times
    as offsets from the epoch, so that whole seconds are bucket edges)."""
    epoch = pd.Timestamp("1970-01-01")
    series = pd.Series(notional.to_numpy(), index=epoch + pd.TimedeltaIndex(times.to_numpy()))
    sums = series.resample("1s", closed="right", label="right", origin="epoch").sum()
    return sums.reindex(epoch + grid, fill_value=0.0).to_numpy()


def test_lobster_day_matches_pandas():
    """The shipped AMZN day: the book at each second is the order-book row after the last
    message at or before it (pandas merge_asof), the taker notional per bucket that of the
    executions (types 4, 5) inside it (pandas resample, right-closed)."""
    data = load_lobster(AMZN)
    frame = lobster_snapshots(data)
    msgs, book = data.messages, data.book_frame()
    t = pd.to_timedelta(np.round(msgs["time"].to_numpy() * 1e9).astype(np.int64), unit="ns")
    state = pd.DataFrame({"t": t, "ask": book["ask_price_1"].to_numpy() / 1e4,
                          "bid": book["bid_price_1"].to_numpy() / 1e4,
                          "ask_size": book["ask_size_1"].to_numpy(),
                          "bid_size": book["bid_size_1"].to_numpy()})
    grid = pd.timedelta_range(34201 * SECOND, 57600 * SECOND, freq="1s").as_unit("ns")
    ref = pd.merge_asof(pd.DataFrame({"t": grid}), state, on="t", direction="backward")
    assert len(frame) == len(grid) == 23400 and frame.attrs["dropped_rows"] == 0
    mid = 0.5 * (ref["ask"] + ref["bid"])
    np.testing.assert_allclose(frame["midpoint"], mid, rtol=1e-15)
    np.testing.assert_allclose(frame["spread"], ref["ask"] - ref["bid"], rtol=1e-12)
    np.testing.assert_allclose(frame["asks_distance_0"], ref["ask"] / mid - 1, atol=1e-15)
    np.testing.assert_allclose(frame["bids_notional_0"], ref["bid"] * ref["bid_size"])
    ex = msgs[msgs["type"].isin([4, 5])]
    notional = ex["size"] * ex["price"] / 1e4
    ex_t = pd.Series(t[msgs["type"].isin([4, 5]).to_numpy()])
    for column, direction in (("buys", -1), ("sells", 1)):
        side = (ex["direction"] == direction).to_numpy()
        expected = taker_buckets(ex_t[side], notional[side], grid)
        np.testing.assert_allclose(frame[column], expected, rtol=1e-12)
    # every taker dollar of the day lands in some bucket (the window is the whole day)
    assert frame["buys"].sum() + frame["sells"].sum() == pytest.approx(notional.sum())
    assert frame["system_time"].iloc[0] == pd.Timestamp("2012-06-21 13:30:01", tz="UTC")


@pytest.mark.parametrize("path", [USDM, SPOT])
def test_binance_capture_matches_pandas(path):
    """The shipped captures: the book at each second is the rebuilt book after the last diff
    received (local clock) at or before it, the taker notional per bucket that of the trades
    received inside it, by aggressor side."""
    capture = load_binance_capture(path)
    book = rebuild_book(capture, levels=2)
    frame = binance_snapshots(capture, book)
    state = pd.DataFrame({"t": pd.to_timedelta(np.maximum.accumulate(book.local_ns), unit="ns"),
                          "bid": book.bid_price[:, 0], "ask": book.ask_price[:, 0],
                          "ask2": book.ask_price[:, 1], "bid_qty2": book.bid_qty[:, 1],
                          "bid2": book.bid_price[:, 1], "live": book.live})
    first = state["t"][state["live"]].min().floor("1s")
    end = max(state["t"].max(), pd.Timedelta(int(capture.trades["local_ns"].max()), "ns"))
    grid = pd.timedelta_range(first + SECOND, end.floor("1s"), freq="1s").as_unit("ns")
    ref = pd.merge_asof(pd.DataFrame({"t": grid}), state, on="t", direction="backward")
    assert ref["live"].all() and len(frame) == len(grid)
    mid = 0.5 * (ref["bid"] + ref["ask"])
    np.testing.assert_allclose(frame["midpoint"], mid, rtol=1e-15)
    np.testing.assert_allclose(frame["asks_distance_1"], ref["ask2"] / mid - 1, atol=1e-15)
    np.testing.assert_allclose(frame["bids_notional_1"], ref["bid2"] * ref["bid_qty2"])
    tr = capture.trades
    tr_t = pd.Series(pd.to_timedelta(tr["local_ns"].to_numpy(), unit="ns"))
    notional = tr["price"] * tr["qty"]
    for column, side in (("buys", 1), ("sells", -1)):
        pick = (tr["side"] == side).to_numpy()
        expected = taker_buckets(tr_t[pick], notional[pick], grid)
        np.testing.assert_allclose(frame[column], expected, rtol=1e-12)
    assert frame["system_time"].iloc[0] == pd.Timestamp(first.value + 10**9, unit="ns", tz="UTC")


def write_day(folder: Path) -> Path:
    """A 4-second LOBSTER day (level 1) built so that events sit exactly on the grid."""
    s = 34200.0
    #        time       type size price     dir   book after: ask, ask size, bid, bid size
    rows = [(s + 0.5, 1, 100, 1000100, -1, (1000100, 100, 999900, 100)),
            (s + 1.0, 4, 40, 1000100, -1, (1000100, 60, 999900, 100)),   # taker buy at t_1
            (s + 1.0, 1, 50, 1000000, 1, (1000100, 60, 1000000, 50)),   # bid joins at t_1
            (s + 1.000000001, 4, 50, 1000000, 1, (1000100, 60, 999900, 100)),  # just after
            (s + 2.5, 3, 60, 1000100, -1, (9999999999, 0, 999900, 100)),  # ask side empties
            (s + 3.5, 1, 10, 1000200, -1, (1000200, 10, 999900, 100))]
    msgs = {name: np.array([r[i] for r in rows]) for i, name in
            enumerate(("time", "type", "size", "price", "direction"))}
    msgs["order_id"] = np.arange(1, len(rows) + 1)
    book = np.array([r[5] for r in rows], dtype=np.int64)
    message_path, _ = write_lobster(folder, "TEST", "2024-01-02", 34200000, 34204000, msgs, book)
    return message_path


def test_no_look_ahead_and_right_closed_buckets(tmp_path):
    """Snapshot k sees every message at or before t_k and none after it; a trade exactly at
    t_k is in bucket k, one a nanosecond later in bucket k + 1; a second whose book is
    one-sided is dropped and counted."""
    frame = lobster_snapshots(load_lobster(write_day(tmp_path)))
    assert frame.attrs == {"interval": 1.0, "grid_rows": 4, "dropped_rows": 1}
    np.testing.assert_allclose(frame["midpoint"], [100.005, 100.0, 100.005])  # t = 1, 2, 4
    np.testing.assert_allclose(frame["spread"], [0.01, 0.02, 0.03])
    np.testing.assert_allclose(frame["buys"], [40 * 100.01, 0.0, 0.0])
    np.testing.assert_allclose(frame["sells"], [0.0, 50 * 100.0, 0.0])
    assert list(frame["system_time"].dt.strftime("%H:%M:%S")) == ["14:30:01", "14:30:02",
                                                                  "14:30:04"]


def test_ten_levels_give_depth_and_level_one_only_the_best(tmp_path):
    deep = load_snapshot_source(AAPL10)
    assert deep.kind == "lobster" and deep.name == "AAPL"
    bids = deep.frame[[f"bids_distance_{i}" for i in range(10)]].to_numpy()
    assert (np.diff(bids, axis=1) < 0).all()  # levels move away from the mid
    top = load_snapshot_source(AMZN).frame
    assert "bids_distance_1" not in top and "bids_distance_0" in top
    # the output feeds the backtest as it is
    res = backtest_snapshots(top.iloc[:600], spread_multiplier=1.0, fill_probability=0.7,
                             max_inventory=5.0, inventory_penalty=0.0, order_size=1.0)
    assert res.interval == 1.0 and res.hours == pytest.approx(599 / 3600)


def test_source_kind_recognises_each_format(tmp_path):
    assert source_kind(AMZN) == "lobster" and source_kind(USDM) == "binance"
    crypto = simulate_snapshots(CSTParams(k=1.2, alpha=0.5, mu=0.6, theta=0.35), duration=20.0,
                                interval=1.0, tick_size=0.5, price=100.0, warmup=5.0)
    for name in ("X_1sec.csv", "X_1sec.parquet"):
        write_crypto_snapshots(crypto, tmp_path / name)
        assert source_kind(tmp_path / name) == "crypto"
        source = load_snapshot_source(tmp_path / name)
        assert source.kind == "crypto" and len(source.frame) == 20
        assert source.frame.attrs["interval"] == 1.0
    raw = tmp_path / "capture.gz"
    with gzip.open(raw, "wt") as handle:
        handle.write("1723161256000000000 " + json.dumps({"lastUpdateId": 1, "bids": [],
                                                          "asks": []}) + "\n")
    assert source_kind(raw) == "binance"
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    with pytest.raises(ValueError, match="path=.*notes.txt.* is not allowed"):
        source_kind(other)
    with pytest.raises(ValueError, match="source=.* is not allowed"):
        load_snapshot_source([AMZN, USDM])
    with pytest.raises(ValueError, match="source=.* is not allowed"):
        load_snapshot_source([])


def test_bad_arguments_are_refused(tmp_path):
    data = load_lobster(write_day(tmp_path))
    with pytest.raises(ValueError, match="interval=0.0 is not allowed"):
        lobster_snapshots(data, interval=0.0)
    with pytest.raises(ValueError, match="interval=1e-06 is not allowed"):
        lobster_snapshots(data, interval=1e-6)
    with pytest.raises(ValueError, match="data='str' is not allowed"):
        lobster_snapshots("x")
    with pytest.raises(ValueError, match="capture='LobsterData' is not allowed"):
        binance_snapshots(data)
    with pytest.raises(ValueError, match="levels=0 is not allowed"):
        load_snapshot_source(AMZN, levels=0)


def test_content_hash_follows_the_data_and_the_sampling(tmp_path):
    day = write_day(tmp_path)
    one, again = load_snapshot_source(day), load_snapshot_source(day)
    assert one.paths == (day, day.with_name(day.name.replace("message", "orderbook")))
    assert one.content_hash() == again.content_hash()
    assert load_snapshot_source(day, interval=2.0).content_hash() != one.content_hash()
    book = one.paths[1]
    book.write_text(book.read_text().replace("1000200,10", "1000200,20"))
    assert load_snapshot_source(day).content_hash() != one.content_hash()
