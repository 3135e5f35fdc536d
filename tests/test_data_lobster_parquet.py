"""load_lobster reads the Parquet copies of LOBSTER files like the CSV originals."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data.lobster import MESSAGE_COLUMNS, book_columns, load_lobster, write_lobster
from mslab.data.report import DataValidationError

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"
TEN = DATA / "AAPL_2012-06-21_34200000_57600000_message_10.parquet"


def test_parquet_equals_csv_copy(tmp_path):
    data = load_lobster(TEN, strict=True)
    assert data.levels == 10 and data.ticker == "AAPL" and data.book.shape == (999, 40)
    assert data.orderbook_path.name.endswith("orderbook_10.parquet")
    mpath, _ = write_lobster(tmp_path, "AAPL", "2012-06-21", 34200000, 57600000,
                             data.arrays(), data.book)
    csv = load_lobster(mpath, strict=True)
    np.testing.assert_array_equal(csv.book, data.book)
    pd.testing.assert_frame_equal(csv.messages, data.messages)


def test_parquet_level_one_day_counts():
    data = load_lobster(DATA / "AMZN_2012-06-21_34200000_57600000_message_1.parquet")
    assert data.report.ok and len(data.messages) == 57_515 and data.levels == 1
    assert int(np.isin(data.messages["type"], (4, 5)).sum()) == 11_419


def _copy(tmp_path, messages, book):
    m = tmp_path / TEN.name
    b = tmp_path / TEN.name.replace("message", "orderbook")
    messages.to_parquet(m)
    book.to_parquet(b)
    return m


def test_parquet_checks_apply(tmp_path):
    msg = pd.read_parquet(TEN)
    book = pd.read_parquet(TEN.with_name(TEN.name.replace("message", "orderbook")))
    msg.loc[5, "direction"] = 3
    data = load_lobster(_copy(tmp_path, msg, book))
    assert data.report.rows("bad_direction").tolist() == [6]
    with pytest.raises(DataValidationError):
        load_lobster(_copy(tmp_path, msg, book), strict=True)


def test_parquet_missing_column(tmp_path):
    msg = pd.read_parquet(TEN).drop(columns="price")
    book = pd.read_parquet(TEN.with_name(TEN.name.replace("message", "orderbook")))
    with pytest.raises(DataValidationError, match="'price'"):
        load_lobster(_copy(tmp_path, msg, book))
    assert list(MESSAGE_COLUMNS)[4] == "price" and book_columns(1)[0] == "ask_price_1"


def _issues(report):
    """(problem, action, rows) of each issue, files left out, in report order."""
    return [(i.problem, i.action, i.rows.tolist()) for i in report.issues]


def test_odd_rows_are_reported_as_from_the_csv_copy(tmp_path):
    """NaN and infinite times, a flagged direction, a crossed book and a missing share count:
    the Parquet copy (read straight from Arrow, or through pandas where a column has nulls)
    reports the same rows as the CSV copy of the same data."""
    msg = pd.read_parquet(TEN)
    book = pd.read_parquet(TEN.with_name(TEN.name.replace("message", "orderbook")))
    msg.loc[3, "time"] = np.nan
    msg.loc[7, "time"] = np.inf
    msg.loc[20, "direction"] = 0
    book.loc[30, "ask_price_1"] = book.loc[30, "bid_price_1"] - 100
    for nulls in (False, True):
        m, b = msg.copy(), book.copy()
        if nulls:
            m["size"] = m["size"].astype("Int64")
            m.loc[40, "size"] = pd.NA
        parquet = _copy(tmp_path, m, b)
        csv_dir = tmp_path / "csv"
        csv_dir.mkdir(exist_ok=True)
        csv = csv_dir / TEN.name.replace(".parquet", ".csv")
        m.to_csv(csv, header=False, index=False, float_format="%.9f")
        b.to_csv(csv.with_name(csv.name.replace("message", "orderbook")), header=False,
                 index=False)
        from_parquet, from_csv = load_lobster(parquet), load_lobster(csv)
        assert _issues(from_parquet.report) == _issues(from_csv.report)
        pd.testing.assert_frame_equal(from_parquet.messages, from_csv.messages)
        np.testing.assert_array_equal(from_parquet.book, from_csv.book)
        dropped = [4, 8] + ([41] if nulls else [])
        assert from_parquet.report.rows("paired_row_dropped").tolist() == dropped
        assert from_parquet.report.rows("bad_direction").tolist() == [21]
        assert from_parquet.report.rows("crossed_book").tolist() == [31]
        assert from_parquet.book.shape == (999 - len(dropped), 40)


def test_narrow_integer_columns_load_as_int64(tmp_path):
    msg = pd.read_parquet(TEN)
    book = pd.read_parquet(TEN.with_name(TEN.name.replace("message", "orderbook")))
    narrow = msg.astype({"size": np.int32, "price": np.int32, "order_id": np.uint32,
                         "time": np.float32})
    sizes = [c for c in book.columns if "size" in c]
    data = load_lobster(_copy(tmp_path, narrow, book.astype(dict.fromkeys(sizes, np.int16))),
                        strict=True)
    expected = load_lobster(TEN, strict=True)
    assert (data.messages.dtypes.drop("time") == np.int64).all()
    np.testing.assert_array_equal(data.book, expected.book)
    pd.testing.assert_frame_equal(data.messages.drop(columns="time"),
                                  expected.messages.drop(columns="time"))
    np.testing.assert_array_equal(data.messages["time"], msg["time"].astype(np.float32))


@pytest.mark.parametrize("path", sorted(DATA.glob("*_message_*.parquet")), ids=lambda p: p.stem)
def test_every_shipped_pair_loads_from_parquet_with_an_empty_report(path):
    data = load_lobster(path, strict=True)
    assert data.report.issues == () and data.book.shape == (len(data.messages), 4 * data.levels)
