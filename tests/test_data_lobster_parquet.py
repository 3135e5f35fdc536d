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
