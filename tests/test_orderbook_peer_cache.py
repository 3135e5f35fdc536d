"""The cached peer comparison (mslab.orderbook.peer.cached_comparison): computed once per inputs,
settings and code version, read back unchanged afterwards, computed again for anything else."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from mslab.orderbook import peer
from mslab.orderbook.peer import cached_comparison, compare_with_hftbacktest, input_fingerprint
from mslab.sweeps import read_table
from test_orderbook_peer import real_window

pytest.importorskip("hftbacktest")
COLUMNS = ["model", "power", "engine", "fills", "volume", "position", "cash"]


@pytest.fixture(scope="module")
def window():
    return real_window(0, 2)


def test_cached_rows_are_the_computed_rows_and_reused(tmp_path: Path, window):
    msgs, rows, init = window
    table = tmp_path / "peer.parquet"
    models = (("risk_averse", 2.0), ("power", 3.0))
    first = cached_comparison(table, msgs, rows, 100, initial_book=init, models=models)
    direct = compare_with_hftbacktest(msgs, rows, 100, initial_book=init, models=models)
    pd.testing.assert_frame_equal(first[COLUMNS], direct, check_dtype=False)
    assert not first["cached"].any()
    assert first["computed_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC").all()
    assert len(read_table(table)) == 2  # one task per queue model

    with mock.patch.object(peer, "compare_with_hftbacktest",
                           side_effect=AssertionError("recomputed")) as compute:
        again = cached_comparison(table, msgs, rows, 100, initial_book=init, models=models)
    assert compute.call_count == 0 and again["cached"].all()
    pd.testing.assert_frame_equal(again.drop(columns="cached"), first.drop(columns="cached"))


def test_other_data_settings_or_code_compute_again(tmp_path: Path, window):
    msgs, rows, init = window
    table = tmp_path / "peer.parquet"
    cached_comparison(table, msgs, rows, 100, initial_book=init)
    other = {k: v[:-50] for k, v in msgs.items()}
    assert not cached_comparison(table, other, rows[:-50], 100, initial_book=init)["cached"].any()
    assert not cached_comparison(table, msgs, rows, 100, initial_book=init,
                                 entry_latency=0.002)["cached"].any()
    with mock.patch.object(peer, "peer_version", return_value="another engine"):
        assert not cached_comparison(table, msgs, rows, 100, initial_book=init)["cached"].any()
    assert len(read_table(table)) == 4
    assert cached_comparison(table, msgs, rows, 100, initial_book=init)["cached"].all()


def test_fingerprint_sees_every_value():
    msgs = {"time": np.arange(4.0), "size": np.array([1, 2, 3, 4])}
    rows = np.ones((4, 4), np.int64)
    base = input_fingerprint(msgs, rows)
    assert base.startswith("sha256:") and input_fingerprint(dict(msgs), rows.copy()) == base
    changed = rows.copy()
    changed[3, 3] = 2
    assert input_fingerprint(msgs, changed) != base
    assert input_fingerprint({**msgs, "size": np.array([1, 2, 3, 5])}, rows) != base
    assert input_fingerprint(msgs, rows, initial_book=rows[0]) != base
    assert input_fingerprint(msgs, rows.astype(np.int32)) != base  # the dtype counts too


def test_bad_input_is_refused_before_anything_runs(tmp_path: Path, window):
    msgs, rows, init = window
    table = tmp_path / "peer.parquet"
    with pytest.raises(ValueError, match=r"^table="):
        cached_comparison(3, msgs, rows, 100)
    with pytest.raises(ValueError, match=r"^models="):
        cached_comparison(table, msgs, rows, 100, models=(("fifo", 2.0),))
    with pytest.raises(ValueError, match=r"^rows="):
        cached_comparison(table, msgs, rows[:-1], 100)
    with pytest.raises(ValueError, match=r"^table="):
        cached_comparison(tmp_path / "missing" / "peer.parquet", msgs, rows, 100)
    assert not table.exists()
