"""A market maker on the real AMZN day under several fee schedules: fees change the cash but not
the fills, fee drag is the rate times the traded value, net = gross − fees per block, and the
capture and adverse-selection markouts agree with mslab.orderbook.fills.markouts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mslab.data.lobster import load_lobster
from mslab.execution.maker_fees import fee_schedule_blocks, fee_schedule_table
from mslab.orderbook import grid_quoter, run_backtest
from mslab.orderbook.experiments import book_mid
from mslab.orderbook.fills import markouts
from mslab.orderbook.messages import message_arrays

DATA = Path(__file__).resolve().parents[1] / "data" / "lobster"
KW = dict(order_size=100, max_inventory=300, decision_interval=1.0, sample_interval=10.0,
          feed_latency=0.001, entry_latency=0.001, response_latency=0.001)
FEES = {"none": (0.0, 0.0), "rebate": (-2e-5, 3e-5), "flat": (1e-5, 1e-5)}


@pytest.fixture(scope="module")
def day():
    lob = load_lobster(DATA / "AMZN_2012-06-21_34200000_57600000_message_1.parquet")
    blocks = fee_schedule_blocks(lob.messages, lob.book, grid_quoter(0.5), FEES, block=3600.0,
                                 markout_horizon=5.0, **KW)
    return lob, blocks


def test_fees_change_the_cash_not_the_fills(day):
    lob, blocks = day
    by = {k: g.reset_index(drop=True) for k, g in blocks.groupby("schedule")}
    assert len(by["none"]) == 7  # 6.5 hours in 1-hour blocks
    for name in FEES:
        pd.testing.assert_series_equal(by[name]["gross"], by["none"]["gross"], check_names=False)
        pd.testing.assert_series_equal(by[name]["volume"], by["none"]["volume"], check_names=False)
        np.testing.assert_allclose(by[name]["net"], by[name]["gross"] - by[name]["fees"], atol=1e-6)
    assert (by["none"]["fees"] == 0).all()
    # a flat rate: fees = rate × traded value of the whole day
    r = run_backtest(lob.messages, grid_quoter(0.5), tick=100, book=lob.book, **KW)
    assert by["flat"]["fees"].sum() == pytest.approx(1e-5 * r.fills.value.sum(), rel=1e-9)
    # the markouts of the block are those of mslab.orderbook.fills.markouts on the engine's
    # clock (integer ns: a fill triggered by message i is then exactly at its time, after it)
    times = message_arrays(lob.messages, 100).time_ns * 1e-9
    mk = markouts(r.fills, times, book_mid(lob.book, 100), 5.0, tick=0.01)
    w = mk.per_fill["qty"]
    first = mk.per_fill["time"] < lob.messages["time"].iloc[0] + 3600.0
    expect = float(np.sum((w * mk.per_fill["adverse"])[first]) / w[first].sum())
    assert by["none"]["adverse"].iloc[0] == pytest.approx(expect, rel=1e-12)


def test_table(day):
    _, blocks = day
    table, stats = fee_schedule_table(blocks)
    assert list(table.columns) == list(FEES) and table.loc["fees ($/block)", "none"] == "0\u00a0±\u00a00"
    assert ((stats["maker_share"] > 0.9) & (stats["maker_share"] <= 1.0)).all()
    assert stats.loc["rebate", "net_mean"] > stats.loc["flat", "net_mean"]  # rebates on maker fills
    assert (stats["blocks"] == 7).all()


def test_validation(day):
    lob, _ = day
    with pytest.raises(ValueError, match="fee_schedules"):
        fee_schedule_blocks(lob.messages, lob.book, grid_quoter(0.5), {}, **KW)
    with pytest.raises(ValueError, match="fee_schedules"):
        fee_schedule_blocks(lob.messages, lob.book, grid_quoter(0.5), {"x": (0.0,)}, **KW)
    with pytest.raises(ValueError, match="block"):
        fee_schedule_blocks(lob.messages, lob.book, grid_quoter(0.5), FEES, block=0.0, **KW)
    with pytest.raises(ValueError, match="blocks"):
        fee_schedule_table(pd.DataFrame({"schedule": ["a"]}))
