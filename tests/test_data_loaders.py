"""Tests of mslab.data: loaders and their validation reports, and the committed samples."""

from __future__ import annotations

import gzip
import hashlib
import runpy

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from mslab.data import (DataValidationError, load_crypto_snapshots, load_lobster, load_quotes,
                        load_trades, parse_name, write_crypto_snapshots, write_lobster)
from mslab.data.crypto import columns as crypto_columns
from mslab.orderbook import CSTParams, simulate_snapshots

DATA = REPO / "data"
STEM = "SYNTH_2024-01-02_34200000_34500000"
SAMPLES = [f"{STEM}_message_10.csv", f"{STEM}_orderbook_10.csv", "SYNTH_2024-01-02_trades.csv",
           "SYNTH_2024-01-02_quotes.csv"]
DA, DB = 9_999_999_999, -9_999_999_999

# A consistent two-level LOBSTER pair: bid 10.00 x100, then ask 10.01 x200, a second bid
# level, a partial cancel, an execution and a deletion.
MESSAGES = [
    "34200.001,1,1,100,100000,1",
    "34200.002,1,2,200,100100,-1",
    "34200.003,1,3,50,99900,1",
    "34200.004,2,2,20,100100,-1",
    "34200.005,4,1,100,100000,1",
    "34200.006,3,3,50,99900,1",
]
BOOK = [
    f"{DA},0,100000,100,{DA},0,{DB},0",
    f"100100,200,100000,100,{DA},0,{DB},0",
    f"100100,200,100000,100,{DA},0,99900,50",
    f"100100,180,100000,100,{DA},0,99900,50",
    f"100100,180,99900,50,{DA},0,{DB},0",
    f"100100,180,{DB},0,{DA},0,{DB},0",
]


def write_pair(tmp_path, messages=MESSAGES, book=BOOK, stem="TEST_2024-01-02_34200000_34260000",
               levels=2):
    m = tmp_path / f"{stem}_message_{levels}.csv"
    b = tmp_path / f"{stem}_orderbook_{levels}.csv"
    m.write_text("\n".join(messages) + "\n")
    b.write_text("\n".join(book) + "\n")
    return m, b


def only_issue(report, problem):
    found = [i for i in report.issues if i.problem == problem]
    assert len(found) == 1, report
    return found[0]


def test_clean_pair_loads_with_an_empty_report(tmp_path):
    m, b = write_pair(tmp_path)
    data = load_lobster(m, strict=True)
    assert data.report.issues == () and data.report.ok and data.report.rows_kept == 6
    assert (data.ticker, data.date, data.start, data.end, data.levels) == (
        "TEST", "2024-01-02", 34200.0, 34260.0, 2)
    assert data.orderbook_path == b and data.book.dtype == np.int64 and data.book.shape == (6, 8)
    arrays = data.arrays()
    assert arrays["time"].dtype == np.float64 and arrays["size"].dtype == np.int64
    np.testing.assert_array_equal(arrays["type"], [1, 1, 1, 2, 4, 3])
    assert list(data.messages.index) == [1, 2, 3, 4, 5, 6]
    assert list(data.book_frame().columns[:4]) == ["ask_price_1", "ask_size_1", "bid_price_1",
                                                   "bid_size_1"]


def test_gzip_compressed_pair_loads_like_the_plain_pair(tmp_path):
    """A LOBSTER pair kept as downloaded and compressed (``.csv.gz``): the order-book file is
    found by the convention and the rows, the book and the report equal the plain pair's; a
    malformed row is reported at the same row."""
    msgs = list(MESSAGES)
    msgs[2] = "34200.003,1,3,50,99900"          # 5 fields
    (tmp_path / "plain").mkdir()
    m, b = write_pair(tmp_path / "plain", messages=msgs)
    gz = tmp_path / "gz"
    gz.mkdir()
    for src in (m, b):
        (gz / (src.name + ".gz")).write_bytes(gzip.compress(src.read_bytes()))
    plain, packed = load_lobster(m), load_lobster(gz / (m.name + ".gz"))
    assert packed.orderbook_path == gz / (b.name + ".gz")
    pd.testing.assert_frame_equal(packed.messages, plain.messages)
    np.testing.assert_array_equal(packed.book, plain.book)
    assert [(i.problem, list(i.rows)) for i in packed.report.issues] == [
        (i.problem, list(i.rows)) for i in plain.report.issues]
    assert list(only_issue(packed.report, "malformed_row").rows) == [3]


def test_malformed_and_unparseable_rows_are_dropped_in_pairs_and_reported(tmp_path):
    msgs = list(MESSAGES)
    msgs[2] = "34200.003,1,3,50,99900"          # 5 fields
    msgs[4] = "34200.005,4,1,100,abc,1"         # not a number
    m, b = write_pair(tmp_path, messages=msgs)
    data = load_lobster(m)
    rep = data.report
    malformed = only_issue(rep, "malformed_row")
    assert malformed.file == str(m) and list(malformed.rows) == [3] and malformed.count == 1
    assert malformed.action == "dropped" and "expected 6" in malformed.detail
    bad = only_issue(rep, "unparseable_value")
    assert list(bad.rows) == [5] and "price" in bad.detail
    paired = only_issue(rep, "paired_row_dropped")
    assert paired.file == str(b) and list(paired.rows) == [3, 5]
    assert list(data.messages.index) == [1, 2, 4, 6] and data.book.shape == (4, 8)
    np.testing.assert_array_equal(data.book[:, 1], [0, 200, 180, 180])
    assert rep.n_dropped == 4 and rep.rows_kept == 4 and not rep.ok
    assert str(m) in str(rep) and "malformed_row ×1 (dropped) at row 3" in str(rep)
    with pytest.raises(DataValidationError, match="malformed_row") as err:
        load_lobster(m, strict=True)
    assert err.value.report is not None and isinstance(err.value, ValueError)


def test_empty_and_fractional_integers_are_dropped(tmp_path):
    msgs = list(MESSAGES)
    msgs[1] = "34200.002,1,2,,100100,-1"
    msgs[3] = "34200.004,2,2,20.5,100100,-1"
    m, _ = write_pair(tmp_path, messages=msgs)
    rep = load_lobster(m).report
    assert list(only_issue(rep, "missing_value").rows) == [2]
    assert list(only_issue(rep, "non_integer_value").rows) == [4]


def test_crossed_and_locked_books_are_flagged(tmp_path):
    book = list(BOOK)
    book[2] = f"99800,200,100000,100,{DA},0,99900,50"  # ask below bid
    book[3] = f"100000,180,100000,100,{DA},0,99900,50"  # ask = bid
    m, b = write_pair(tmp_path, book=book)
    data = load_lobster(m)
    crossed = only_issue(data.report, "crossed_book")
    assert crossed.file == str(b) and list(crossed.rows) == [3] and crossed.action == "flagged"
    assert list(only_issue(data.report, "locked_book").rows) == [4]
    assert data.report.rows_kept == 6  # flagged rows are kept
    with pytest.raises(DataValidationError, match="crossed_book"):
        load_lobster(m, strict=True)


def test_dummy_price_misuse_and_unsorted_levels_are_flagged(tmp_path):
    book = list(BOOK)
    book[0] = f"100100,0,100000,100,{DA},0,{DB},0"     # empty level with a real price
    book[1] = f"{DA},200,100000,100,{DA},0,{DB},0"      # dummy price with a size
    book[2] = f"100100,200,100000,100,{DA},0,100050,50"  # bid level 2 above level 1
    book[3] = f"100100,180,{DB},0,{DA},0,99900,50"      # empty bid level 1, level 2 not
    m, b = write_pair(tmp_path, book=book)
    rep = load_lobster(m).report
    dummy = only_issue(rep, "dummy_price_convention")
    assert dummy.file == str(b) and list(dummy.rows) == [1, 2] and dummy.count == 2
    assert list(only_issue(rep, "levels_not_sorted").rows) == [3, 4]


def test_non_monotonic_time_and_other_message_checks(tmp_path):
    msgs = list(MESSAGES)
    msgs[2] = "34200.0005,1,3,50,99900,1"      # earlier than row 2
    msgs[3] = "34200.004,8,2,20,100100,-1"     # unknown type
    msgs[4] = "34200.005,4,1,0,100000,0"       # size 0, direction 0
    msgs[5] = "34300.006,3,3,50,-5,1"          # after the window end (34260 s), bad price
    m, _ = write_pair(tmp_path, messages=msgs)
    rep = load_lobster(m).report
    assert list(only_issue(rep, "non_monotonic_time").rows) == [3]
    assert list(only_issue(rep, "unknown_type").rows) == [4]
    assert list(only_issue(rep, "non_positive_size").rows) == [5]
    assert list(only_issue(rep, "bad_direction").rows) == [5]
    assert list(only_issue(rep, "time_outside_window").rows) == [6]
    assert list(only_issue(rep, "bad_price").rows) == [6]


def test_trading_halts_are_not_size_or_price_errors(tmp_path):
    msgs = MESSAGES + ["34200.007,7,0,0,-1,-1", "34200.008,7,0,0,1,-1"]
    book = BOOK + [BOOK[-1], BOOK[-1]]
    m, _ = write_pair(tmp_path, messages=msgs, book=book)
    assert load_lobster(m, strict=True).report.issues == ()


@pytest.mark.parametrize("extra_in", ["book", "messages"])
def test_row_count_mismatch_is_reported_with_the_unpaired_rows(tmp_path, extra_in):
    msgs, book = list(MESSAGES), list(BOOK)
    if extra_in == "book":
        book += [BOOK[-1], BOOK[-1]]
    else:
        msgs += ["34200.007,1,9,10,100200,-1", "34200.008,1,10,10,100200,-1"]
    m, b = write_pair(tmp_path, messages=msgs, book=book)
    data = load_lobster(m)
    issue = only_issue(data.report, "row_count_mismatch")
    assert issue.file == str(b if extra_in == "book" else m)
    assert list(issue.rows) == [7, 8] and issue.count == 2 and issue.action == "dropped"
    assert "8 rows" in issue.detail and "has 6" in issue.detail
    assert data.report.rows_kept == 6 and data.report.rows_read == {str(m): len(msgs),
                                                                     str(b): len(book)}


def test_file_names(tmp_path):
    assert parse_name(f"{STEM}_message_10.csv").start_ms == 34_200_000
    assert parse_name("AAPL_2012-06-21_34200000_57600000_orderbook_5.csv").levels == 5
    assert parse_name("messages.csv") is None
    # no sibling order book: messages only, with a note (notes do not fail strict mode)
    m = tmp_path / "TEST_2024-01-02_34200000_34260000_message_2.csv"
    m.write_text("\n".join(MESSAGES) + "\n")
    data = load_lobster(m, strict=True)
    assert data.book is None and only_issue(data.report, "no_orderbook_file").action == "note"
    # names outside the convention: levels come from the column count, no time window
    odd_m, odd_b = tmp_path / "msgs.csv", tmp_path / "book.csv"
    odd_m.write_text("\n".join(MESSAGES) + "\n")
    odd_b.write_text("\n".join(BOOK) + "\n")
    data = load_lobster(odd_m, odd_b, strict=True)
    assert data.levels == 2 and data.ticker is None and data.start is None
    assert {i.problem for i in data.report.issues} == {"file_name"}
    # a pair whose names disagree is flagged
    other = tmp_path / "TEST_2024-01-03_34200000_34260000_orderbook_2.csv"
    other.write_text("\n".join(BOOK) + "\n")
    assert only_issue(load_lobster(m, other).report, "file_name_mismatch").action == "flagged"


def test_loader_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"^message_path=.* is not allowed: message_path must "
                                         "be an existing file"):
        load_lobster(tmp_path / "missing.csv")
    m, _ = write_pair(tmp_path)
    with pytest.raises(ValueError, match=r"^strict='yes' is not allowed"):
        load_lobster(m, strict="yes")
    with pytest.raises(ValueError, match=r"^levels=16 is not allowed"):
        load_crypto_snapshots(write_crypto_snapshots(crypto_frame(), tmp_path / "X_1min.csv"),
                              levels=16)
    with pytest.raises(ValueError, match=r"^ticker=.* is not allowed"):
        write_lobster(tmp_path, "A B", "2024-01-02", 0, 1, {}, np.zeros((0, 4), dtype=int))


def test_write_lobster_names_messages_for_a_bad_message_column(tmp_path):
    n = 3
    book = np.tile([10100, 5, 10000, 5], (n, 1))
    good = {"time": np.arange(n, dtype=float), "type": np.ones(n, int), "order_id": np.arange(n),
            "size": np.ones(n, int), "price": np.full(n, 10000), "direction": np.ones(n, int)}
    for bad in ({"size": np.ones(n - 1, int)}, {"price": np.ones((n, 1), int)},
                {"time": np.float64(1.0)}):
        with pytest.raises(ValueError, match=r"^messages=.* is not allowed: messages must be a "
                                             "mapping of the six message columns to 1-D"):
            write_lobster(tmp_path, "T", "2024-01-02", 0, 1, good | bad, book)
    with pytest.raises(ValueError, match=r"^book=.* is not allowed"):
        write_lobster(tmp_path, "T", "2024-01-02", 0, 1, good, book[:2])

# --- crypto snapshots ------------------------------------------------------------------------


def crypto_frame(n=6, levels=15):
    """A clean snapshot frame with mid 100 and spread 0.02."""
    out = {"system_time": pd.date_range("2021-04-07", periods=n, freq="1s", tz="UTC"),
           "midpoint": np.full(n, 100.0), "spread": np.full(n, 0.02),
           "buys": np.full(n, 10.0), "sells": np.full(n, 5.0)}
    for side, sign in (("bids", -1), ("asks", 1)):
        for name in ("distance", "notional", "cancel_notional", "limit_notional",
                     "market_notional"):
            for i in range(levels):
                out[f"{side}_{name}_{i}"] = np.full(n, sign * (1e-4 + 1e-4 * i)
                                                    if name == "distance" else 50.0)
    return pd.DataFrame(out)[crypto_columns(levels)]


def test_crypto_clean_file_round_trips(tmp_path):
    frame = crypto_frame()
    for name in ("X_1sec.csv", "X_1sec.parquet"):
        path = write_crypto_snapshots(frame, tmp_path / name)
        snap = load_crypto_snapshots(path, strict=True)
        assert snap.report.issues == ()
        pd.testing.assert_frame_equal(snap.frame.reset_index(drop=True), frame,
                                      check_dtype=False)
        np.testing.assert_allclose(snap.level_prices("asks")[0, :2], [100.01, 100.02])
    assert (tmp_path / "X_1sec.csv").read_text().startswith(",system_time,midpoint,spread,")


def test_crypto_bad_rows_are_reported_with_their_line_numbers(tmp_path):
    path = write_crypto_snapshots(crypto_frame(), tmp_path / "X_1sec.csv")
    lines = path.read_text().splitlines()  # line 1 is the header, data rows are lines 2..7
    f = lines[2].split(",")
    lines[2] = ",".join(f[:-3])                             # line 3: missing fields
    f = lines[3].split(",")
    f[3] = "oops"                                           # line 4: midpoint not a number
    lines[3] = ",".join(f)
    f = lines[4].split(",")
    f[1] = "not a time"                                     # line 5: bad system_time
    lines[4] = ",".join(f)
    f = lines[5].split(",")
    f[1], f[4], f[5] = "2021-04-06 23:59:59.000000+00:00", "", "-3"  # line 6: earlier, NaN
    lines[5] = ",".join(f)
    f = lines[6].split(",")
    f[3] = "-0.01"                                          # line 7: negative spread
    f[6 + 0] = "0.5"                                        # and a positive bid distance
    lines[6] = ",".join(f)
    path.write_text("\n".join(lines) + "\n")
    snap = load_crypto_snapshots(path)
    rep = snap.report
    assert list(only_issue(rep, "malformed_row").rows) == [3]
    assert "expected 156" in only_issue(rep, "malformed_row").detail
    assert list(only_issue(rep, "unparseable_value").rows) == [4]
    assert list(only_issue(rep, "unparseable_time").rows) == [5]
    nan = only_issue(rep, "missing_value")
    assert list(nan.rows) == [6] and "buys" in nan.detail and nan.action == "flagged"
    assert list(only_issue(rep, "non_monotonic_time").rows) == [6]
    assert list(only_issue(rep, "negative_volume").rows) == [6]
    assert list(only_issue(rep, "crossed_book").rows) == [7]
    assert list(only_issue(rep, "distance_sign").rows) == [7]
    assert list(snap.frame.index) == [2, 6, 7] and rep.n_dropped == 3
    assert all(i.file == str(path) for i in rep.issues)
    with pytest.raises(DataValidationError, match="crossed_book"):
        load_crypto_snapshots(path, strict=True)


def test_crypto_missing_columns_are_named(tmp_path):
    frame = crypto_frame().drop(columns=["sells", "asks_market_notional_14"])
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataValidationError,
                       match=r"2 required column\(s\) missing: 'sells', 'asks_market_notional_14'"):
        load_crypto_snapshots(path)
    # with levels=14 the deeper column is not needed, but 'sells' still is
    with pytest.raises(DataValidationError, match=r"missing: 'sells'$"):
        load_crypto_snapshots(path, levels=14)


def test_crypto_extra_columns_are_noted_and_duplicates_flagged(tmp_path):
    frame = crypto_frame()
    frame["venue"] = "X"
    frame.loc[3, "system_time"] = frame.loc[2, "system_time"]
    path = tmp_path / "x.parquet"
    frame.to_parquet(path)
    rep = load_crypto_snapshots(path).report
    assert only_issue(rep, "ignored_columns").action == "note"
    assert list(only_issue(rep, "duplicate_time").rows) == [4]  # Parquet rows count from 1


# --- trades and quotes -----------------------------------------------------------------------


def test_trades_checks(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text("time,price,size,side,venue\n"
                    "1.0,10.0,5,buy,X\n"
                    "2.0,10.1,5,S,X\n"
                    "1.5,10.2,5,1,X\n"        # line 4: earlier
                    "3.0,10.2,5,hold,X\n"     # line 5: unknown side
                    "4.0,,5,-1,X\n"           # line 6: missing price
                    "5.0,-1,0,sell,X\n"       # line 7: bad price and size
                    "6.0,10.0,5\n")           # line 8: malformed
    tr = load_trades(path)
    rep = tr.report
    assert list(only_issue(rep, "non_monotonic_time").rows) == [4]
    assert list(only_issue(rep, "unknown_side").rows) == [5]
    assert list(only_issue(rep, "missing_value").rows) == [6]
    assert list(only_issue(rep, "non_positive_price").rows) == [7]
    assert list(only_issue(rep, "non_positive_size").rows) == [7]
    assert list(only_issue(rep, "malformed_row").rows) == [8]
    assert only_issue(rep, "ignored_columns").count == 1
    np.testing.assert_array_equal(tr.frame["side"], [1, -1, 1, -1, -1])
    assert tr.frame["side"].dtype == np.int8 and tr.frame["time"].dtype == np.float64


def test_quotes_checks_and_datetime_times(tmp_path):
    frame = pd.DataFrame({"time": pd.date_range("2024-01-02 14:30", periods=4, freq="1s",
                                                tz="UTC").astype(str),
                          "bid": [10.0, 10.0, 10.1, 10.0], "ask": [10.1, 10.0, 10.0, 10.1],
                          "bid_size": [1, 2, 3, 0], "ask_size": [1, 2, 3, 4]})
    for path in (tmp_path / "q.csv", tmp_path / "q.parquet"):
        frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path)
        q = load_quotes(path)
        offset = 1 if path.suffix == ".csv" else 0  # CSV rows are line numbers
        assert list(only_issue(q.report, "locked_quote").rows) == [2 + offset]
        assert list(only_issue(q.report, "crossed_quote").rows) == [3 + offset]
        assert list(only_issue(q.report, "empty_quote").rows) == [4 + offset]
        assert isinstance(q.frame["time"].dtype, pd.DatetimeTZDtype)
    with pytest.raises(DataValidationError, match=r"missing: 'ask_size'"):
        frame.drop(columns="ask_size").to_csv(tmp_path / "bad.csv", index=False)
        load_quotes(tmp_path / "bad.csv")


# --- committed samples -----------------------------------------------------------------------


def test_committed_samples_load_with_an_empty_report():
    lob = load_lobster(DATA / SAMPLES[0], strict=True)
    assert lob.report.issues == () and lob.levels == 10 and lob.ticker == "SYNTH"
    assert lob.report.rows_kept == lob.book.shape[0] > 4000
    assert load_trades(DATA / SAMPLES[2], strict=True).report.issues == ()
    assert load_quotes(DATA / SAMPLES[3], strict=True).report.issues == ()



def test_simulated_crypto_snapshots_load_with_an_empty_report(tmp_path):
    """Snapshots simulated by mslab.orderbook.simulate_snapshots (1 s and 1 min, 15 levels),
    written in the crypto schema, load strictly with an empty report."""
    params = CSTParams(k=1.2, alpha=0.3, mu=0.5, theta=0.15, max_distance=30, lot=1,
                       mean_lots=20.0)
    for name, interval in (("SYNBTC_1sec.csv", 1.0), ("SYNETH_1min.csv", 60.0)):
        frame = simulate_snapshots(params, duration=60 * interval, interval=interval,
                                   tick_size=0.5, price=40_000.0, size_unit=0.001, seed=101)
        snap = load_crypto_snapshots(write_crypto_snapshots(frame, tmp_path / name), strict=True)
        assert snap.report.issues == () and snap.frame.shape[1] == 155


def test_samples_regenerate_byte_for_byte(tmp_path):
    write_samples = runpy.run_path(str(DATA / "make_samples.py"))["write_samples"]
    written = write_samples(tmp_path)
    assert sorted(p.name for p in written) == sorted(SAMPLES)
    total = 0
    for name in SAMPLES:
        new, old = (tmp_path / name).read_bytes(), (DATA / name).read_bytes()
        assert hashlib.sha256(new).hexdigest() == hashlib.sha256(old).hexdigest(), name
        total += len(old)
    assert total < 3_000_000


# --- malformed files: encodings, quotes, interleaved lines, extreme values ---------------------


TRADES = "time,price,size,side\n1.0,10.0,5,buy\n2.0,10.1,5,sell\n3.0,10.2,5,buy\n"


@pytest.mark.parametrize("encoding, bom", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                           ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""),
                                           ("utf-16-be", b"")])
def test_byte_order_marks_and_utf16_files_load(tmp_path, encoding, bom):
    path = tmp_path / "trades.csv"
    path.write_bytes(bom + TRADES.encode(encoding))
    tr = load_trades(path)
    assert list(tr.frame.index) == [2, 3, 4] and tr.report.ok
    np.testing.assert_array_equal(tr.frame["price"], [10.0, 10.1, 10.2])
    if bom or encoding != "utf-8":
        assert only_issue(tr.report, "encoding").action == "note"


def test_undecodable_bytes_drop_only_their_row(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_bytes(TRADES.replace("10.1", "10.\xff1").encode("latin-1"))
    tr = load_trades(path)
    issue = only_issue(tr.report, "undecodable_bytes")
    assert list(issue.rows) == [3] and issue.action == "dropped" and issue.file == str(path)
    assert list(tr.frame.index) == [2, 4]


def test_unbalanced_quote_drops_its_row_with_the_absolute_line_number(tmp_path, monkeypatch):
    from mslab.data import report
    monkeypatch.setattr(report, "_CHUNK_LINES", 3)  # the bad line is in the second chunk
    lines = [f"{i}.0,10.0,5,buy" for i in range(1, 8)]
    lines[4] = '5.0,"10.0,5,buy'          # line 6 (header is line 1)
    path = tmp_path / "trades.csv"
    path.write_text("time,price,size,side\n" + "\n".join(lines) + "\n")
    tr = load_trades(path)
    issue = only_issue(tr.report, "malformed_row")
    assert list(issue.rows) == [6] and issue.count == 1 and "quote" in issue.detail
    assert list(tr.frame.index) == [2, 3, 4, 5, 7, 8]


@pytest.mark.parametrize("which", ["message", "orderbook"])
@pytest.mark.parametrize("intruder", ["", "time,type,order_id,size,price,direction",
                                      "ask_price_1,ask_size_1,bid_price_1,bid_size_1"])
def test_blank_or_header_line_inside_lobster_keeps_the_pairing(tmp_path, which, intruder):
    msgs, book = list(MESSAGES), list(BOOK)
    (msgs if which == "message" else book).insert(2, intruder)  # line 3 of that file
    m, b = write_pair(tmp_path, messages=msgs, book=book)
    (tmp_path / "clean").mkdir()
    clean = load_lobster(write_pair(tmp_path / "clean")[0])
    data = load_lobster(m)
    issue = only_issue(data.report, "non_record_line")
    assert list(issue.rows) == [3] and issue.file == str(m if which == "message" else b)
    assert data.report.n_dropped == 1 and "row_count_mismatch" not in str(data.report)
    np.testing.assert_array_equal(data.book, clean.book)  # every message keeps its book row
    np.testing.assert_array_equal(data.messages.to_numpy(), clean.messages.to_numpy())


def test_a_bad_lobster_row_drops_its_partner_and_reports_both(tmp_path):
    book = list(BOOK)
    book[3] = "100100,oops,100000,100,0,0,0,0"  # book row 4
    m, b = write_pair(tmp_path, book=book)
    data = load_lobster(m)
    assert list(only_issue(data.report, "unparseable_value").rows) == [4]
    paired = only_issue(data.report, "paired_row_dropped")
    assert paired.file == str(m) and list(paired.rows) == [4]
    assert list(data.messages.index) == [1, 2, 3, 5, 6]
    np.testing.assert_array_equal(data.messages["order_id"], [1, 2, 3, 1, 3])


@pytest.mark.parametrize("value", ["18446744073709551615", "9223372036854775808", "1e30", "inf",
                                   "-inf"])
def test_out_of_range_integers_are_dropped_not_wrapped(tmp_path, value):
    msgs = list(MESSAGES)
    msgs[1] = f"34200.002,1,2,{value},100100,-1"
    m, _ = write_pair(tmp_path, messages=msgs)
    data = load_lobster(m)
    assert list(only_issue(data.report, "out_of_range_integer").rows) == [2]
    assert (data.messages["size"] > 0).all() and 2 not in data.messages.index


def test_infinite_prices_and_sizes_are_flagged(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text("time,price,size,side\n1.0,inf,5,buy\n2.0,10.1,-inf,sell\n3.0,10.2,5,buy\n"
                    "inf,10.2,5,buy\n")
    tr = load_trades(path)
    issue = only_issue(tr.report, "infinite_value")
    assert list(issue.rows) == [2, 3] and issue.action == "flagged"
    assert "price" in issue.detail and "size" in issue.detail
    assert list(only_issue(tr.report, "unparseable_time").rows) == [5]
    q = tmp_path / "quotes.csv"
    q.write_text("time,bid,ask,bid_size,ask_size\n1.0,10.0,inf,1,1\n")
    assert list(only_issue(load_quotes(q).report, "infinite_value").rows) == [2]
    frame = crypto_frame(n=3)
    frame.loc[1, "asks_notional_2"] = np.inf
    snap = load_crypto_snapshots(write_crypto_snapshots(frame, tmp_path / "X_1sec.csv"))
    assert list(only_issue(snap.report, "infinite_value").rows) == [3]


def test_header_only_files_give_an_empty_result(tmp_path):
    path = write_crypto_snapshots(crypto_frame(n=0), tmp_path / "X_1sec.csv")
    snap = load_crypto_snapshots(path)
    assert len(snap.frame) == 0 and snap.report.rows_kept == 0 and snap.report.ok
    t = tmp_path / "trades.csv"
    t.write_text("time,price,size,side\n")
    assert len(load_trades(t).frame) == 0
