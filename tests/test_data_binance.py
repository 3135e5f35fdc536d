"""Tests of mslab.data.binance: raw and compact captures, validation report, the L2 book rebuilt
from snapshot and chained diffs (against hand-worked books and a plain-Python reference on the
shipped captures), and its agreement with the bookTicker stream."""

from __future__ import annotations

import gzip
import heapq
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from test_data_loaders import only_issue as issue
from mslab.data.binance import (BinanceCapture, load_binance_capture, receive_lag_ms,
                                write_binance_capture)
from mslab.data.binance_book import best_bid_offer, mid_series, rebuild_book, ticker_agreement
from mslab.data.report import DataValidationError

SHIPPED = REPO / "data" / "binance"
CAPTURES = ["spot_btcusdt_20240808.parquet", "usdm_btcusdt_20240808.parquet",
            "cm_btcusd_perp_20240808.parquet"]


def line(t: int, obj: dict, stream: str | None = None) -> str:
    body = obj if stream is None else {"stream": stream, "data": obj}
    return f"{t} {json.dumps(body)}"


def spot_depth(E, U, u, b=(), a=()):
    return line(E, {"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": U, "u": u,
                    "b": [list(x) for x in b], "a": [list(x) for x in a]}, "btcusdt@depth@100ms")


def spot_ticker(t, u, b, B, a, A):
    return line(t, {"u": u, "s": "BTCUSDT", "b": b, "B": B, "a": a, "A": A},
                "btcusdt@bookTicker")


def spot_trade(t, tid, p, q, m):
    return line(t, {"e": "trade", "E": t, "s": "BTCUSDT", "t": tid, "p": p, "q": q, "T": t,
                    "m": m, "M": True}, "btcusdt@trade")


def fut_depth(E, U, u, pu, b=(), a=(), symbol="BTCUSDT"):
    stream = f"{symbol.lower()}@depth@0ms"
    return line(E, {"e": "depthUpdate", "E": E, "T": E, "s": symbol, "U": U, "u": u, "pu": pu,
                    "b": [list(x) for x in b], "a": [list(x) for x in a]}, stream)


def fut_snapshot(t, L, bids, asks):
    return line(t, {"lastUpdateId": L, "E": t, "T": t, "bids": [list(x) for x in bids],
                    "asks": [list(x) for x in asks]})


# A spot capture: a diff older than the snapshot, the bridging diff received *before* the
# snapshot, then tickers, a trade and a chained diff.
SPOT = [
    spot_depth(1000, 95, 99, b=[("100.00", "1.0")]),
    spot_depth(1001, 100, 102, b=[("100.00", "2.0")], a=[("101.00", "0")]),
    line(1002, {"lastUpdateId": 100, "bids": [["100.00", "1.0"], ["99.00", "3.0"]],
                "asks": [["101.00", "1.5"], ["102.00", "2.5"]]}),
    spot_ticker(1003, 102, "100.00", "2.0", "102.00", "2.5"),
    spot_trade(1004, 7, "101.00", "0.5", True),
    spot_depth(1005, 103, 105, b=[("99.00", "0"), ("99.50", "4.0")], a=[("101.50", "1.0")]),
    spot_ticker(1006, 105, "100.00", "2.0", "101.50", "1.0"),
    spot_trade(1007, 8, "101.50", "0.25", False),
]


def write(tmp_path, lines, name="capture.txt", gz=False, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    data = (newline.join(lines) + newline).encode(encoding)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def test_spot_capture_book_bbo_and_trades(tmp_path):
    cap = load_binance_capture(write(tmp_path, SPOT), strict=True)
    assert (cap.venue, cap.symbol, cap.base, cap.quote, cap.contract_size) == (
        "spot", "BTCUSDT", "BTC", "USDT", None)
    assert [i.problem for i in cap.report.issues] == ["diffs_before_snapshot"]
    assert list(cap.depth["action"]) == ["wait", "sync", "apply"]
    assert list(cap.snapshots["status"]) == ["used"]
    book = rebuild_book(cap, levels=3)
    np.testing.assert_array_equal(book.live, [False, True, True])
    np.testing.assert_array_equal(book.complete, [False, True, True])
    assert np.isnan(book.bid_price[0]).all()
    np.testing.assert_array_equal(book.bid_price[1], [100.0, 99.0, np.nan])
    np.testing.assert_array_equal(book.bid_qty[1], [2.0, 3.0, np.nan])
    np.testing.assert_array_equal(book.ask_price[1], [102.0, np.nan, np.nan])
    np.testing.assert_array_equal(book.bid_price[2], [100.0, 99.5, np.nan])
    np.testing.assert_array_equal(book.bid_qty[2], [2.0, 4.0, np.nan])
    np.testing.assert_array_equal(book.ask_price[2], [101.5, 102.0, np.nan])
    np.testing.assert_array_equal(book.ask_qty[2], [1.0, 2.5, np.nan])
    # the bridging diff was received before the snapshot: the state is known at its receipt
    np.testing.assert_array_equal(book.local_ns[1:], [1002, 1005])
    seen = book.at(np.array([999, 1001, 1002, 1004, 1005, 5000]))
    np.testing.assert_array_equal(seen.live, [False, False, True, True, True, True])
    np.testing.assert_array_equal(seen.update_id, [-1, 99, 102, 102, 105, 105])
    np.testing.assert_array_equal(seen.bid_price[:, 1], [np.nan, np.nan, 99.0, 99.0, 99.5, 99.5])
    by_exchange = book.at(np.array([1004, 1005]), clock="exchange")
    np.testing.assert_array_equal(by_exchange.ask_price[:, 0], [102.0, 101.5])
    as_dates = book.at(np.array([1004, 1005], dtype="datetime64[ms]"), clock="exchange")
    np.testing.assert_array_equal(as_dates.update_id, by_exchange.update_id)
    for bad in (np.array([2, 1]), np.array([1.5]), [[1]]):
        with pytest.raises(ValueError, match="^times="):
            book.at(bad)
    with pytest.raises(ValueError, match="^clock="):
        book.at(np.array([1]), clock="utc")
    assert list(book.final_bids["price"]) == [100.0, 99.5]
    assert list(book.final_asks["qty"]) == [1.0, 2.5]
    assert ticker_agreement(cap, book) == {"tickers": 2, "aligned": 2, "agree": 2,
                                           "agree_price": 2, "rate": 1.0, "compared": 2,
                                           "agree_price_before": 2}
    assert cap.bbo["event_ms"].isna().all()  # spot bookTicker has no exchange time
    assert receive_lag_ms(cap, "bookTicker").isna().all()
    np.testing.assert_allclose(receive_lag_ms(cap, "trade", "transaction"),
                               [(1004 - 1004e6) / 1e6, (1007 - 1007e6) / 1e6])
    np.testing.assert_array_equal(cap.bbo["mid"], [101.0, 100.75])
    # m true: the buyer was the maker, a seller-initiated trade
    np.testing.assert_array_equal(cap.trades["side"], [-1, 1])
    np.testing.assert_array_equal(cap.trades["line"], [5, 8])
    top = best_bid_offer(cap, "book")
    np.testing.assert_array_equal(top["mid"], [101.0, 100.75])
    mids = mid_series(cap)
    assert list(mids.index) == [1003, 1006] and mids.index.name == "local_ns"


def test_gzip_utf16_bom_and_crlf_load_the_same(tmp_path):
    plain = load_binance_capture(write(tmp_path, SPOT))
    variants = {
        "gzip": write(tmp_path, SPOT, "c.gz", gz=True),
        "crlf": write(tmp_path, SPOT, "c.crlf", newline="\r\n"),
        "utf-16": write(tmp_path, SPOT, "c.u16", encoding="utf-16"),
        "bom": write(tmp_path, ["\ufeff" + SPOT[0]] + SPOT[1:], "c.bom"),
    }
    for name, path in variants.items():
        cap = load_binance_capture(path)
        assert cap.report.ok, (name, cap.report)
        for attr in ("depth", "bbo", "trades", "snapshots"):
            a, b = getattr(cap, attr).drop(columns="file"), getattr(plain, attr).drop(
                columns="file")
            pd.testing.assert_frame_equal(a, b, obj=f"{name}.{attr}")
    assert issue(load_binance_capture(variants["bom"]).report, "byte_order_mark").action == "note"
    assert issue(load_binance_capture(variants["utf-16"]).report, "encoding").action == "note"


def test_malformed_lines_are_dropped_and_reported_with_file_and_line(tmp_path):
    lines = [
        SPOT[4],                                                        # 1 trade
        "",                                                             # 2 blank
        'abc {"stream": "btcusdt@trade", "data": {}}',                  # 3 no receive time
        '1005 {"stream": "btcusdt@trade", "data": {',                   # 4 bad JSON
        line(1006, {"e": "aggTrade", "s": "BTCUSDT"}, "btcusdt@aggTrade"),  # 5 unknown stream
        line(1007, {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 9}, "btcusdt@trade"),  # 6 no p/q
        None,                                                           # 7 not UTF-8
        line(1008, {"lastUpdateId": 5, "bids": [], "asks": []}, "btcusdt@depth20"),  # 8 partial
        spot_trade(1009, 9, "101.00", "1", False),                      # 9
        spot_trade(1001, 10, "101.00", "1", False),                     # 10 time goes back
        spot_ticker(1010, 200, "101.00", "1", "100.00", "1"),           # 11 crossed
        spot_ticker(1011, 201, "101.00", "1", "101.00", "1"),           # 12 locked
        spot_trade(1012, 10, "101.00", "1", False),                     # 13 duplicate id
        line(1013, {"e": "trade", "E": 1, "s": "ETHUSDT", "t": 1, "p": "1", "q": "1",
                    "T": 1, "m": True}, "ethusdt@trade"),               # 14 other symbol
    ]
    text = "\n".join(x if x is not None else "" for x in lines).encode()
    parts = text.split(b"\n")
    parts[6] = b'1004 {"stream": "btcusdt@trade", "data": "\xff\xfe"}'
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\n".join(parts) + b"\n")
    cap = load_binance_capture(path)
    rep = cap.report
    expected = {"blank_line": [2], "bad_local_time": [3], "bad_json": [4],
                "unknown_stream": [5, 8], "bad_message": [6], "bad_encoding": [7],
                "other_symbol": [14]}
    for problem, rows in expected.items():
        found = issue(rep, problem)
        assert (found.action, list(found.rows), found.count, found.file) == (
            "dropped", rows, len(rows), str(path)), problem
    for problem, rows in {"non_monotonic_time": [10], "crossed_bbo": [11], "locked_bbo": [12],
                          "duplicate_trade": [13]}.items():
        found = issue(rep, problem)
        assert (found.action, list(found.rows)) == ("flagged", rows), problem
    assert rep.rows_read == {str(path): 14} and rep.rows_kept == 6 and rep.n_dropped == 8
    assert list(cap.trades["line"]) == [1, 9, 10, 13]
    assert "bad_json ×1 (dropped) at row 4" in str(rep)
    with pytest.raises(DataValidationError, match="strict validation failed") as err:
        load_binance_capture(path, strict=True)
    assert err.value.report is not None and not err.value.report.ok


def test_non_finite_non_integer_and_out_of_range_values_are_dropped(tmp_path):
    lines = [
        spot_trade(1, 1, "NaN", "1", False),                                  # 1
        spot_trade(2, 2, "101", "inf", False),                                # 2
        spot_depth(3, 12.5, 13, b=[("100", "1")]),                            # 3 float id
        spot_depth(4, True, 13, b=[("100", "1")]),                            # 4 bool id
        spot_depth(5, 12, 13, b=[("100", "1", "x")]),                         # 5 triple
        spot_ticker(6, " 7", "100", "1", "101", "1"),                         # 6 spaced id
        f"{2**63} " + SPOT[4].split(" ", 1)[1],                               # 7 > int64
        "\u0661\u0662 " + SPOT[4].split(" ", 1)[1],                           # 8 Arabic digits
        spot_trade(9, 2**64, "101", "1", False),                              # 9 id > int64
        spot_trade(10, 3, "101", "1", False),                                 # 10 valid
    ]
    cap = load_binance_capture(write(tmp_path, lines))
    assert list(issue(cap.report, "bad_message").rows) == [1, 2, 3, 4, 5, 6, 9]
    assert list(issue(cap.report, "bad_local_time").rows) == [7, 8]
    assert list(cap.trades["line"]) == [10]


def test_parquet_rows_missing_required_fields_are_dropped(tmp_path):
    cap = load_binance_capture(write(tmp_path, SPOT))
    rec = cap.records.to_pylist()
    rec[3]["bid"] = float("nan")          # row 4: bookTicker with a NaN bid
    rec[5]["last_id"] = None              # row 6: depth diff without u
    rec[4]["qty"] = None                  # row 5: trade without a quantity
    rec[1]["bid_qtys"] = [2.0, 1.0]       # row 2: more quantities than prices
    rec[2]["ask_prices"] = [101.0, None]  # row 3: a null level price in the snapshot
    table = pa.Table.from_pylist(rec, schema=cap.records.schema)
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)
    back = load_binance_capture(path)
    assert list(issue(back.report, "bad_message").rows) == [2, 3, 4, 5, 6]
    assert len(back.snapshots) == 0 and list(back.trades["line"]) == [8]


def futures_capture(tmp_path):
    bids, asks = [("100.0", "5"), ("99.0", "1")], [("101.0", "2"), ("102.0", "3")]
    lines = [
        fut_snapshot(1000, 200, bids, asks),                      # 1
        fut_depth(1001, 195, 201, 190, b=[("100.0", "6")]),       # 2 bridges U <= 200 <= u
        fut_depth(1002, 202, 205, 201, a=[("101.0", "0")]),       # 3
        fut_depth(1003, 202, 205, 201, a=[("101.0", "0")]),       # 4 duplicate: stale
        fut_depth(1004, 210, 212, 208, b=[("100.5", "1")]),       # 5 pu 208 != 205: break
        fut_depth(1005, 213, 213, 212, b=[("100.6", "1")]),       # 6 older than next snapshot
        fut_snapshot(1006, 215, [("100.0", "7")], [("103.0", "1")]),  # 7
        fut_depth(1007, 214, 216, 213, a=[("102.5", "4")]),       # 8 bridges: resync
        fut_depth(1008, 217, 218, 216, b=[("100.0", "0")]),       # 9
    ]
    return write(tmp_path, lines, "usdm.txt")


def test_broken_chain_stops_the_book_until_a_snapshot_resynchronises_it(tmp_path):
    cap = load_binance_capture(futures_capture(tmp_path))
    assert cap.venue == "usdm"
    assert list(cap.depth["action"]) == ["sync", "apply", "stale", "wait", "wait", "sync",
                                         "apply"]
    assert list(cap.depth["chain_break"]) == [False, False, False, True, False, False, False]
    brk = issue(cap.report, "chain_break")
    assert list(brk.rows) == [5] and "expected pu=205, got pu=208" in brk.detail
    assert "usdm.txt line 5" in brk.detail
    assert list(issue(cap.report, "diff_not_applied").rows) == [5, 6]
    assert list(issue(cap.report, "stale_diff").rows) == [4]
    book = rebuild_book(cap, levels=2)
    np.testing.assert_array_equal(book.live, [True, True, True, False, False, True, True])
    np.testing.assert_array_equal(book.bid_price[1], [100.0, 99.0])
    np.testing.assert_array_equal(book.bid_qty[1], [6.0, 1.0])
    np.testing.assert_array_equal(book.ask_price[2], [102.0, np.nan])
    assert np.isnan(book.bid_price[3:5]).all()  # never continued across the break
    # rebuilt from the second snapshot, not from the stopped book
    np.testing.assert_array_equal(book.bid_price[5], [100.0, np.nan])
    np.testing.assert_array_equal(book.ask_price[5], [102.5, 103.0])
    assert np.isnan(book.bid_price[6]).all()  # the only bid level was removed
    assert list(book.final_asks["price"]) == [102.5, 103.0]


def test_a_capture_in_two_files_chains_across_them_and_reports_each_file(tmp_path):
    lines = futures_capture(tmp_path).read_text().splitlines()
    first = write(tmp_path, lines[:3], "day1.txt")
    second = write(tmp_path, lines[3:], "day2.txt")
    cap = load_binance_capture([first, second])
    whole = load_binance_capture(futures_capture(tmp_path))
    assert list(cap.depth["action"]) == list(whole.depth["action"])
    brk = issue(cap.report, "chain_break")
    assert (brk.file, list(brk.rows)) == (str(second), [2]) and "day2.txt line 2" in brk.detail
    assert list(cap.depth["file"].astype(str)) == [str(first)] * 2 + [str(second)] * 5
    assert cap.report.rows_read == {str(first): 3, str(second): 6}
    back = load_binance_capture([second, first])  # wrong order: time goes back at day1 line 1
    assert issue(back.report, "non_monotonic_time").file == str(first)


def test_snapshot_that_no_diff_bridges_is_reported_and_no_book_is_built(tmp_path):
    lines = [line(1, {"lastUpdateId": 100, "bids": [["1.0", "1"]], "asks": [["2.0", "1"]]}),
             spot_depth(2, 105, 110, b=[("1.0", "2")])]
    cap = load_binance_capture(write(tmp_path, lines))
    assert list(issue(cap.report, "snapshot_not_bridged").rows) == [1]
    assert list(cap.snapshots["status"]) == ["not_bridged"]
    assert not rebuild_book(cap, 1).live.any()
    no_snap = load_binance_capture(write(tmp_path, SPOT[3:5], "t.txt"))
    assert no_snap.report.ok and len(no_snap.depth) == 0 and len(no_snap.trades) == 1


def test_coinm_quantities_are_converted_from_contracts_to_base_units(tmp_path):
    lines = [
        fut_snapshot(1, 10, [("50000.0", "5")], [("50000.1", "10")]),
        fut_depth(2, 9, 12, 8, b=[("49999.9", "20")], symbol="BTCUSD_PERP"),
        line(3, {"e": "trade", "E": 3, "T": 3, "s": "BTCUSD_PERP", "t": 1, "p": "40000.0",
                 "q": "4", "X": "MARKET", "m": False}, "btcusd_perp@trade"),
    ]
    cap = load_binance_capture(write(tmp_path, lines))
    assert (cap.venue, cap.contract_size, cap.quote) == ("coinm", 100.0, "USD")
    assert cap.trades["qty"].iloc[0] == pytest.approx(4 * 100 / 40000.0)
    book = rebuild_book(cap, 2)
    np.testing.assert_allclose(book.bid_qty[0], [500 / 50000.0, 2000 / 49999.9])
    np.testing.assert_allclose(book.ask_qty[0], [1000 / 50000.1, np.nan])
    # the diff's bid lies below the snapshot's lowest bid: deeper levels may be missing there
    assert not book.complete[0] and rebuild_book(cap, 1).complete[0]
    assert load_binance_capture(write(tmp_path, lines), contract_size=10.0).trades[
        "qty"].iloc[0] == pytest.approx(4 * 10 / 40000.0)


def test_parquet_round_trip_keeps_every_frame(tmp_path):
    raw = futures_capture(tmp_path)
    cap = load_binance_capture(raw)
    pq_path = write_binance_capture(cap, tmp_path / "c.parquet")
    back = load_binance_capture(pq_path)
    assert (back.venue, back.symbol) == (cap.venue, cap.symbol)
    for attr in ("snapshots", "depth", "depth_levels", "snapshot_levels", "bbo", "trades"):
        a, b = getattr(back, attr), getattr(cap, attr)
        pd.testing.assert_frame_equal(a.drop(columns=["file", "line"], errors="ignore"),
                                      b.drop(columns=["file", "line"], errors="ignore"),
                                      obj=attr)
    assert list(issue(back.report, "chain_break").rows) == [5]  # Parquet row = raw line here
    again = write_binance_capture(back, tmp_path / "d.parquet")
    assert again.read_bytes() == pq_path.read_bytes()


@pytest.mark.parametrize("call, name", [
    (lambda p: load_binance_capture(3), "paths"),
    (lambda p: load_binance_capture([]), "paths"),
    (lambda p: load_binance_capture(p / "missing.txt"), "paths"),
    (lambda p: load_binance_capture(p / "c.txt", venue="margin"), "venue"),
    (lambda p: load_binance_capture(p / "c.txt", contract_size=0), "contract_size"),
    (lambda p: load_binance_capture(p / "c.txt", strict=1), "strict"),
    (lambda p: rebuild_book(None), "capture"),
    (lambda p: rebuild_book(load_binance_capture(p / "c.txt"), 0), "levels"),
    (lambda p: rebuild_book(load_binance_capture(p / "c.txt"), 1001), "levels"),
    (lambda p: best_bid_offer(load_binance_capture(p / "c.txt"), "quotes"), "source"),
    (lambda p: receive_lag_ms(load_binance_capture(p / "c.txt"), "aggTrade"), "kind"),
    (lambda p: write_binance_capture(load_binance_capture(p / "c.txt"), p / "x.csv"), "path"),
])
def test_bad_parameters_raise_value_errors_naming_them(tmp_path, call, name):
    write(tmp_path, SPOT, "c.txt")
    with pytest.raises(ValueError, match=rf"^{name}="):
        call(tmp_path)


def test_unreadable_inputs_are_refused_clearly(tmp_path):
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress("\n".join(SPOT).encode())[:-30])
    with pytest.raises(DataValidationError, match="gzip file that cannot be read"):
        load_binance_capture(broken)
    empty = write(tmp_path, ["", "garbage"], "e.txt")
    with pytest.raises(DataValidationError, match="no valid message"):
        load_binance_capture(empty)
    other = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(other)
    with pytest.raises(DataValidationError, match="required column"):
        load_binance_capture(other)


# --------------------------------------------------------------------------------------------
# The shipped captures


def reference_book(cap: BinanceCapture, stride: int, levels: int):
    """Plain-Python rebuild, written from Binance's procedure independently of the kernel:
    dict per side, float prices; returns {diff index: (bids, asks)} top levels every
    ``stride`` diffs and the final whole book."""
    snap = cap.snapshots.iloc[0]
    lid = int(snap["last_id"])
    lv = cap.snapshot_levels
    book = {s: dict(zip(lv.loc[lv["side"] == s, "price"], lv.loc[lv["side"] == s, "qty"]))
            for s in (1, -1)}
    dl = cap.depth_levels
    starts = np.searchsorted(dl["diff"].to_numpy(), np.arange(len(cap.depth) + 1))
    prices, qtys, sides = dl["price"].to_numpy(), dl["qty"].to_numpy(), dl["side"].to_numpy()
    futures = cap.futures
    prev_u, samples = None, {}
    for i, (U, u, pu) in enumerate(zip(cap.depth["first_id"], cap.depth["last_id"],
                                       cap.depth["prev_id"].fillna(-1))):
        if prev_u is None:
            if (u < lid) if futures else (u <= lid):
                continue
            assert U <= (lid if futures else lid + 1) <= u
        else:
            assert (pu == prev_u) if futures else (U == prev_u + 1)
        prev_u = u
        for k in range(starts[i], starts[i + 1]):
            side = book[sides[k]]
            if qtys[k] == 0:
                side.pop(prices[k], None)
            else:
                side[prices[k]] = qtys[k]
        if i % stride == 0:
            samples[i] = (heapq.nlargest(levels, book[1].items()),
                          heapq.nsmallest(levels, book[-1].items()))
    return samples, sorted(book[1].items(), reverse=True), sorted(book[-1].items())


@pytest.fixture(scope="module", params=CAPTURES)
def shipped(request):
    cap = load_binance_capture(SHIPPED / request.param, strict=True)
    return cap, rebuild_book(cap, levels=5)


def test_shipped_book_equals_the_plain_python_reference(shipped):
    cap, book = shipped
    samples, bids, asks = reference_book(cap, stride=37, levels=5)
    assert len(samples) > 150
    for i, (ref_b, ref_a) in samples.items():
        assert book.live[i]
        for got_p, got_q, ref in ((book.bid_price, book.bid_qty, ref_b),
                                  (book.ask_price, book.ask_qty, ref_a)):
            np.testing.assert_array_equal(got_p[i, :len(ref)], [p for p, _ in ref])
            np.testing.assert_allclose(got_q[i, :len(ref)], [q for _, q in ref], rtol=1e-12)
    np.testing.assert_array_equal(book.final_bids["price"], [p for p, _ in bids])
    np.testing.assert_allclose(book.final_bids["qty"], [q for _, q in bids], rtol=1e-12)
    np.testing.assert_array_equal(book.final_asks["price"], [p for p, _ in asks])
    np.testing.assert_allclose(book.final_asks["qty"], [q for _, q in asks], rtol=1e-12)


# Measured on the shipped captures (data/README.md): bookTickers, those whose update id equals
# an applied diff's last id (all of them show the rebuilt level 1 exactly: prices and
# quantities), and the share of tickers whose prices equal the book after the last diff not
# newer than them (tickers move between diffs).
AGREEMENT = {"spot_btcusdt_20240808.parquet": (73_174, 1_072, 51.1),
             "usdm_btcusdt_20240808.parquet": (66_089, 629, 62.4),
             "cm_btcusd_perp_20240808.parquet": (48_355, 1_885, 80.1)}


def test_shipped_book_agrees_with_book_ticker_where_update_ids_align(shipped):
    cap, book = shipped
    tickers, aligned, before = AGREEMENT[cap.paths[0].name]
    result = ticker_agreement(cap, book)
    assert (result["tickers"], result["aligned"]) == (tickers, aligned)
    assert result["agree"] == result["aligned"] and result["rate"] == 1.0
    assert round(100 * result["agree_price_before"] / result["compared"], 1) == before
    top = book.top()[book.live]
    assert (top["bid"] < top["ask"]).all()


# Share of live diffs whose sampled levels all lie within the snapshot's price range
# (data/README.md), for 1 and 10 levels.
COMPLETE = {"spot_btcusdt_20240808.parquet": (85.9, 83.5),
            "usdm_btcusdt_20240808.parquet": (89.0, 87.0),
            "cm_btcusd_perp_20240808.parquet": (100.0, 100.0)}


def test_shipped_book_marks_levels_beyond_the_snapshot_range(shipped):
    cap = shipped[0]
    for levels, share in zip((1, 10), COMPLETE[cap.paths[0].name], strict=True):
        book = rebuild_book(cap, levels)
        assert round(100 * book.complete.sum() / book.live.sum(), 1) == share
