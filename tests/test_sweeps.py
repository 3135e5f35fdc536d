"""Tests of mslab.sweeps (resumable parameter sweeps) and mslab.selection_bias (split, selection)."""

from __future__ import annotations

import json
import subprocess
import sys
import signal
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from mslab import sweeps
from mslab.orderbook.experiments import MICROMARKET_COSTS, MICROMARKET_GRID
from mslab.orderbook.snapshot import SnapshotSweepTask
from mslab.sweeps import expand_grid, read_table, run_sweep, stratified_sample, task_key
from mslab.selection_bias import (expected_max_normal, select_best, selection_bias,
                               split_slices)
from test_snapshot_backtest import synthetic_snapshots

QUIET = dict(progress=False, flush_seconds=1e9)
TOY_GRID = {"a": [0, 1, 2, 3, 4, 5], "b": [0.5, 1.5]}

# --------------------------------------------------------------------------- task functions
# Module level, so that worker processes can unpickle them.

CALLS = {"n": 0, "limit": None}


def toy(params, instrument, split):
    """Deterministic metrics of the task alone; raises once more than CALLS["limit"] ran."""
    CALLS["n"] += 1
    if CALLS["limit"] is not None and CALLS["n"] > CALLS["limit"]:
        raise RuntimeError("interrupted")
    seed = int(task_key("toy", "1", instrument, split, params)[:8], 16)
    return {"score": float(np.random.default_rng(seed).normal()), "n_periods": 10,
            "undefined": float("nan")}


def fails_on_three(params, instrument, split):
    if params["a"] == 3:
        raise ValueError("boom")
    return toy(params, instrument, split)


@pytest.fixture
def calls():
    CALLS.update(n=0, limit=None)
    yield CALLS
    CALLS.update(n=0, limit=None)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("key").reset_index(drop=True)


# --------------------------------------------------------------------------- grids


def test_micromarket_grid_and_stratified_sample():
    configs = expand_grid(MICROMARKET_GRID, MICROMARKET_COSTS)
    assert len(configs) == 144 and len({json.dumps(c, sort_keys=True) for c in configs}) == 144
    assert configs[0] == {"spread_multiplier": 0.3, "fill_probability": 0.6, "max_inventory": 20,
                          "inventory_penalty": 1e-4, **MICROMARKET_COSTS}
    sample = stratified_sample(configs, 40, by="spread_multiplier", seed=5)
    assert len(sample) == 40 and all(c in configs for c in sample)
    counts = pd.Series([c["spread_multiplier"] for c in sample]).value_counts()
    assert counts.to_dict() == {0.3: 10, 0.5: 10, 0.8: 10, 1.2: 10}
    assert sample == stratified_sample(configs, 40, by="spread_multiplier", seed=5)
    assert sample != stratified_sample(configs, 40, by="spread_multiplier", seed=6)
    two = stratified_sample(configs, 13, by=["fill_probability", "max_inventory"], seed=0)
    assert len(two) == 13  # 9 strata of 16: 1 each, plus the 4 largest remainders (ties: first)
    with pytest.raises(ValueError, match="n=145 is not allowed"):
        stratified_sample(configs, 145, by="spread_multiplier")
    with pytest.raises(ValueError, match="by='gamma' is not allowed"):
        stratified_sample(configs, 4, by="gamma")


def test_task_key_is_canonical():
    key = task_key("f", "1", "BTC", "test", {"x": 1, "y": 0.5})
    assert key == task_key("f", "1", "BTC", "test", {"y": 0.5, "x": 1})
    assert key == task_key("f", "1", "BTC", "test", {"y": np.float64(0.5), "x": np.int64(1)})
    others = [task_key("f", "2", "BTC", "test", {"x": 1, "y": 0.5}),
              task_key("g", "1", "BTC", "test", {"x": 1, "y": 0.5}),
              task_key("f", "1", "ETH", "test", {"x": 1, "y": 0.5}),
              task_key("f", "1", "BTC", "validation", {"x": 1, "y": 0.5}),
              task_key("f", "1", "BTC", "test", {"x": 1.0, "y": 0.5})]  # JSON keeps 1 != 1.0
    assert len({key, *others}) == 6 and len(key) == 32
    with pytest.raises(ValueError, match="y=nan is not allowed"):
        task_key("f", "1", "BTC", "test", {"y": float("nan")})


# --------------------------------------------------------------------------- resume, dedupe


def test_interrupted_sweep_resumes_without_duplicates(tmp_path, calls):
    configs = expand_grid(TOY_GRID)  # 12 configurations x 2 instruments x 2 splits = 48 tasks
    args = dict(instruments=["BTC", "ETH"], splits=["validation", "test"], name="toy",
                n_workers=1, chunk_size=5, **QUIET)
    reference = run_sweep(toy, configs, table=tmp_path / "ref.parquet", **args)
    assert len(reference) == 48 and reference["key"].is_unique

    table = tmp_path / "exp.parquet"
    calls.update(n=0, limit=17)
    with pytest.raises(RuntimeError, match="interrupted") as info:
        run_sweep(toy, configs, table=table, **args)
    assert any("in sweep task" in note for note in info.value.__notes__)
    partial = read_table(table)
    assert len(partial) == 17 and partial["key"].is_unique  # flushed on the way out

    calls.update(n=0, limit=None)
    resumed = run_sweep(toy, configs, table=table, **args)
    assert calls["n"] == 48 - 17
    calls.update(n=0)
    again = run_sweep(toy, configs + configs[:3], table=table, **args)  # nothing left to do
    assert calls["n"] == 0
    stored = read_table(table)
    assert len(stored) == 48 and stored["key"].is_unique
    pd.testing.assert_frame_equal(_sorted(stored), _sorted(reference))
    pd.testing.assert_frame_equal(resumed, reference)  # returned in task order
    pd.testing.assert_frame_equal(again, reference)
    assert list(reference.columns[:8]) == [*sweeps.KEY_COLUMNS, "a", "b"]
    assert reference["undefined"].isna().all()


def test_killed_sweep_leaves_a_valid_table(tmp_path):
    """SIGKILL in the middle of a sweep: the table holds the chunks written before the kill
    (two of them, four rows) and the resumed sweep completes it."""
    table = tmp_path / "exp.parquet"
    code = textwrap.dedent(f"""
        import os, signal
        from mslab.sweeps import expand_grid, run_sweep
        calls = 0
        def f(params, instrument, split):
            global calls
            calls += 1
            if calls == 6:
                os.kill(os.getpid(), signal.SIGKILL)
            return {{"score": params["a"] * 1.5}}
        run_sweep(f, expand_grid({{"a": list(range(10))}}), instruments=["X"], splits=["test"],
                  table={str(table)!r}, name="killed", n_workers=1, chunk_size=2,
                  progress=False, flush_seconds=1e9)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=False)
    assert out.returncode == -9, out.stderr
    assert sorted(read_table(table)["a"]) == [0, 1, 2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.parquet", "exp.parquet.lock"]
    done = run_sweep(lambda p, i, s: {"score": p["a"] * 1.5}, expand_grid({"a": list(range(10))}),
                     instruments=["X"], splits=["test"], table=table, name="killed",
                     n_workers=1, **QUIET)
    assert done["a"].tolist() == list(range(10)) and done["key"].is_unique
    np.testing.assert_array_equal(done["score"], np.arange(10) * 1.5)


# --------------------------------------------------------------------------- executors


@pytest.fixture(scope="module")
def snapshot_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshots")
    paths = {}
    for seed, name in enumerate(["BTC", "ETH"]):
        paths[name] = str(folder / f"{name}.parquet")
        synthetic_snapshots(n=1500, seed=seed).to_parquet(paths[name])
    return paths


def test_process_pool_and_dask_match_in_process(tmp_path, snapshot_files):
    """The real snapshot task on 8 configurations x 2 instruments x 3 splits: identical tables
    in-process, on 2 worker processes and on a Dask cluster; then honest selection."""
    distributed = pytest.importorskip("distributed")
    configs = expand_grid({"spread_multiplier": [0.5, 1.2], "fill_probability": [0.6, 0.9],
                           "max_inventory": [1, 5], "inventory_penalty": [0.01]},
                          {"fee_per_share": 2e-4, "slippage_per_volume": 5e-5})
    task = SnapshotSweepTask(snapshot_files)
    args = dict(instruments=["BTC", "ETH"], splits=["train", "validation", "test"], **QUIET)
    serial = run_sweep(task, configs, table=tmp_path / "serial.parquet", n_workers=1, **args)
    pooled = run_sweep(task, configs, table=tmp_path / "pool.parquet", n_workers=2, **args)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        dasked = run_sweep(task, configs, table=tmp_path / "dask.parquet",
                           scheduler=cluster.scheduler_address, **args)
    assert len(serial) == 48 and serial["function"].iloc[0].endswith("SnapshotSweepTask")
    pd.testing.assert_frame_equal(pooled, serial)
    pd.testing.assert_frame_equal(dasked, serial)

    best = select_best(serial)
    assert list(best.index) == ["BTC", "ETH"] and (best["n_configs"] == 8).all()
    assert best["spread_multiplier"].isin([0.5, 1.2]).all()
    for instrument, row in best.iterrows():
        rows = serial[(serial["instrument"] == instrument)]
        val = rows[rows["split"] == "validation"]
        assert row["sharpe_validation"] == val["sharpe"].max()
        pick = rows[(rows["params_json"] == row["params_json"]) & (rows["split"] == "test")]
        assert row["sharpe_test"] == pick["sharpe"].item()


def test_worker_error_stops_the_sweep_and_keeps_finished_work(tmp_path, calls):
    configs = expand_grid({"a": list(range(8))})
    args = dict(instruments=["X"], splits=["test"], table=tmp_path / "exp.parquet", **QUIET)
    with pytest.raises(ValueError, match="boom"):
        run_sweep(fails_on_three, configs, name="toy", n_workers=2, **args)
    kept = set(read_table(args["table"])["a"])
    assert {0, 1, 2} <= kept and 3 not in kept  # submitted before the failure: finished, kept
    done = run_sweep(toy, configs, name="toy", n_workers=1, **args)
    assert done["a"].tolist() == list(range(8)) and read_table(args["table"])["key"].is_unique
    assert calls["n"] == 8 - len(kept)


@pytest.mark.parametrize("change, message", [
    ({"instruments": "BTC"}, "instruments='BTC' is not allowed"),
    ({"splits": []}, r"splits=\[\] is not allowed"),
    ({"configs": {"a": [1]}}, "configs=.* is not allowed"),
    ({"configs": [{"a": [1, 2]}]}, r"a=\[1, 2\] is not allowed"),
    ({"configs": [{"key": 1}]}, "parameter name='key' is not allowed"),
    ({"n_workers": 0}, "n_workers=0 is not allowed"),
    ({"n_workers": 2, "scheduler": "tcp://localhost:1"}, "n_workers=2 is not allowed"),
    ({"chunk_size": 0}, "chunk_size=0 is not allowed"),
    ({"version": ""}, "version='' is not allowed"),
])
def test_bad_sweep_arguments_are_rejected(tmp_path, change, message):
    args = dict(configs=[{"a": 1}], instruments=["X"], splits=["test"],
                table=tmp_path / "t.parquet", n_workers=1, **QUIET)
    args.update(change)
    with pytest.raises(ValueError, match=message):
        run_sweep(toy, **args)
    assert not (tmp_path / "t.parquet").exists()


def test_metric_clashing_with_a_parameter_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="metric name 'a' .* clashes"):
        run_sweep(lambda p, i, s: {"a": 1.0}, [{"a": 1}], instruments=["X"], splits=["test"],
                  table=tmp_path / "t.parquet", n_workers=1, **QUIET)


# --------------------------------------------------------------------------- walk-forward


def test_split_slices():
    s = split_slices(1000)
    assert s == {"train": slice(0, 600), "validation": slice(600, 800), "test": slice(800, 1000)}
    assert split_slices(11) == {"train": slice(0, 6), "validation": slice(6, 8),
                                "test": slice(8, 11)}
    assert split_slices(10, (0.5, 0.25, 0.25))["test"] == slice(7, 10)
    with pytest.raises(ValueError, match="n=7 is not allowed"):
        split_slices(7)  # boundaries 4 and 5: validation would hold 1 snapshot
    with pytest.raises(ValueError, match="fractions=.* is not allowed"):
        split_slices(100, (0.6, 0.3, 0.3))


def test_expected_max_normal():
    assert expected_max_normal(1) == pytest.approx(0.0, abs=1e-9)
    assert expected_max_normal(2) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-9)
    assert expected_max_normal(3) == pytest.approx(1.5 / np.sqrt(np.pi), rel=1e-9)
    assert expected_max_normal(100) == pytest.approx(2.5076, abs=1e-4)


def test_selection_bias_on_a_pure_noise_grid():
    """N = 20 configurations with true Sharpe ratio 0 on each of R = 400 instruments; Sharpe
    ratios of T = 250 i.i.d. normal daily returns (annualised: standard error 1). Picking by the
    test Sharpe reports ~E[max of 20] = 1.87; picking on validation reports ~0 out of sample."""
    n_inst, n_conf, n_obs = 400, 20, 250
    returns = np.random.default_rng(11).normal(size=(n_inst, n_conf, 2, n_obs))
    sharpe = returns.mean(axis=-1) / returns.std(axis=-1, ddof=1) * np.sqrt(250.0)
    inst, conf, split = np.meshgrid(np.arange(n_inst), np.arange(n_conf), [0, 1], indexing="ij")
    table = pd.DataFrame({"instrument": [f"i{i:03d}" for i in inst.ravel()],
                          "params_json": [f'{{"c":{c}}}' for c in conf.ravel()],
                          "split": np.array(["validation", "test"])[split.ravel()],
                          "sharpe": sharpe.ravel(), "n_periods": n_obs,
                          "periods_per_year": 250.0})
    bias = selection_bias(table)
    assert len(bias) == n_inst and (bias["n_configs"] == n_conf).all()
    np.testing.assert_allclose(bias["null_se"], 1.0)
    expected = expected_max_normal(n_conf)
    np.testing.assert_allclose(bias["expected_max_under_null"], expected)

    def mean_and_se(col):
        return bias[col].mean(), bias[col].std(ddof=1) / np.sqrt(n_inst)

    oos_pick, se = mean_and_se("test_pick_test")
    assert abs(oos_pick - expected) < 4 * se and oos_pick > 1.5  # inflated, as predicted
    in_sample, se = mean_and_se("validation_pick_validation")
    assert abs(in_sample - expected) < 4 * se
    honest, se = mean_and_se("validation_pick_test")
    assert abs(honest) < 4 * se  # unbiased within error
    assert abs(bias["test_mean"].mean()) < 0.05
    assert bias["test_sd"].mean() == pytest.approx(1.0, abs=0.05)
    best = select_best(table)
    np.testing.assert_array_equal(best["sharpe_test"], bias["validation_pick_test"])


def test_selection_ignores_nan_and_breaks_ties_deterministically():
    rows = [("X", '{"c":1}', "validation", np.nan), ("X", '{"c":1}', "test", 9.0),
            ("X", '{"c":2}', "validation", 1.0), ("X", '{"c":2}', "test", 0.1),
            ("X", '{"c":0}', "validation", 1.0), ("X", '{"c":0}', "test", 0.2)]
    table = pd.DataFrame(rows, columns=["instrument", "params_json", "split", "sharpe"])
    best = select_best(table)
    assert best.loc["X", "params_json"] == '{"c":0}' and best.loc["X", "sharpe_test"] == 0.2
    assert best.loc["X", "n_configs"] == 2  # {"c":1} has no validation metric: not a candidate
    bias = selection_bias(table)
    # A configuration with a NaN metric on either split (it never traded) is not one of the N
    # candidates, so it can neither be the test pick nor inflate E[max of N].
    assert bias.loc["X", "n_configs"] == 2
    assert bias.loc["X", "test_pick_test"] == 0.2 and "null_se" not in bias
    with pytest.raises(ValueError, match="select_on='oos' is not allowed"):
        select_best(table, select_on="oos")
    with pytest.raises(ValueError, match="splits \\['train'\\]"):
        select_best(table, select_on="train")
    with pytest.raises(ValueError, match="one row per"):
        select_best(pd.concat([table, table]))


# --------------------------------------------------------------------------- extremes


def test_expand_grid_names_the_bad_argument():
    with pytest.raises(ValueError, match=r"^fixed=1\.0 is not allowed"):
        expand_grid({"a": [1, 2]}, fixed=1.0)
    with pytest.raises(ValueError, match=r"^grid="):
        expand_grid([("a", [1])])


def test_mixed_parameter_types_are_refused_before_anything_runs(tmp_path):
    table = tmp_path / "exp.parquet"
    configs = [{"a": 1.0}, {"a": "high"}]
    with pytest.raises(ValueError, match=r"parameter 'a'='high' is not allowed.*configs\[1\]"):
        run_sweep(lambda p, i, s: {"m": 1.0}, configs, instruments=["X"], splits=["test"],
                  table=table, name="mixed", n_workers=1, **QUIET)
    assert not table.exists()
    run_sweep(lambda p, i, s: {"m": 1.0}, [{"a": 1.0}], instruments=["X"], splits=["test"],
              table=table, name="mixed", n_workers=1, **QUIET)
    with pytest.raises(ValueError, match=r"parameter 'a'='x' .* a str in configs\[0\] and a "
                                         r"number elsewhere"):  # against the stored table
        run_sweep(lambda p, i, s: {"m": 1.0}, [{"a": "x"}], instruments=["X"], splits=["test"],
                  table=table, name="mixed", n_workers=1, **QUIET)


def test_mixed_metric_types_keep_the_valid_rows(tmp_path):
    table = tmp_path / "exp.parquet"

    def f(params, instrument, split):
        return {"m": "bad" if params["a"] == 3 else float(params["a"]), "ok": True}

    with pytest.raises(ValueError, match=r"metric 'm'='bad' is not allowed.*task X/test"):
        run_sweep(f, expand_grid({"a": [0, 1, 2, 3, 4]}), instruments=["X"], splits=["test"],
                  table=table, name="mixed", n_workers=1, **QUIET)
    stored = read_table(table)
    assert sorted(stored["a"]) == [0, 1, 2] and stored["m"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("bad", ["dir", 3, None])
def test_table_must_be_a_file_path(tmp_path, bad):
    table = {"dir": tmp_path, 3: 3, None: None}[bad]
    with pytest.raises(ValueError, match=r"^table=.*is not allowed"):
        run_sweep(lambda p, i, s: {"m": 1.0}, [{"a": 1}], instruments=["X"], splits=["test"],
                  table=table, name="t", n_workers=1, **QUIET)
    with pytest.raises(ValueError, match=r"^table="):
        read_table(tmp_path)


def test_huge_int_parameter_is_refused():
    with pytest.raises(ValueError, match=r"fits in 64 bits"):
        expand_grid({"a": [2**70]})


def test_workers_die_with_a_killed_parent(tmp_path):
    """SIGKILL the process running a 2-worker sweep: its workers exit within a few seconds."""
    code = textwrap.dedent(f"""
        import os, time
        from mslab.sweeps import expand_grid, run_sweep

        def f(params, instrument, split):
            open(os.path.join({str(tmp_path)!r}, f"worker-{{os.getpid()}}"), "w").close()
            time.sleep(120)
            return {{"m": 1.0}}

        if __name__ == "__main__":
            run_sweep(f, expand_grid({{"a": list(range(8))}}), instruments=["X"],
                      splits=["test"], table={str(tmp_path / "t.parquet")!r}, name="orphans",
                      n_workers=2, progress=False)
    """)
    script = tmp_path / "parent.py"
    script.write_text(code)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("worker-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
        assert len(pids) == 2, "the workers did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie awaiting its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_selection_bias_of_a_metric_with_standard_errors():
    """For a metric with a ``<metric>_se`` column the null s.e. is the median test s.e. of the
    candidates, and the expected maximum is measured from the test mean."""
    rows = []
    for c, (val, test, se) in enumerate([(1.0, 0.5, 0.2), (2.0, 0.1, 0.4), (0.5, 0.9, 0.3),
                                         (np.nan, 5.0, 9.0)]):
        rows += [("X", f'{{"c":{c}}}', "validation", val, se),
                 ("X", f'{{"c":{c}}}', "test", test, se)]
    table = pd.DataFrame(rows, columns=["instrument", "params_json", "split", "pnl_per_hour",
                                        "pnl_per_hour_se"])
    bias = selection_bias(table, metric="pnl_per_hour")
    assert bias.loc["X", "n_configs"] == 3
    assert bias.loc["X", "validation_pick_test"] == 0.1 and bias.loc["X", "test_pick_test"] == 0.9
    assert bias.loc["X", "null_se"] == pytest.approx(0.3)  # the NaN-validation row left out
    assert bias.loc["X", "expected_max_under_null"] == pytest.approx(
        0.5 + expected_max_normal(3) * 0.3)
