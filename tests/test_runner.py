"""The chapter runner ``mslab-run`` on tiny throwaway notebooks (not the real chapters).

Kernel start-up dominates the run time, so only three notebooks are executed: a good and a
failing chapter together with ``-j 2`` (in-process ``main``), and one good chapter end to end
through ``python -m mslab.runner``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mslab import runner

PARAMS = '''gamma = 0.1  # risk aversion
strategy = "inventory"
n = 3
partner = ""  # another chapter to meet while running (empty: none)
scale = gamma * 2
'''

# Both chapters announce themselves in the working directory and, when given a partner, wait
# for it: this only completes if the two run at the same time (and with cwd = chapters dir).
MEET = '''import json, os, pathlib, time
pathlib.Path("{me}.started").touch()
deadline = time.monotonic() + 60
while {partner} and not pathlib.Path({partner} + ".started").exists():
    assert time.monotonic() < deadline, "partner chapter never started"
    time.sleep(0.05)
'''

RECORD = '''pathlib.Path("good.json").write_text(json.dumps(dict(
    gamma=gamma, strategy=strategy, n=n, scale=scale,
    numba_threads=os.environ.get("NUMBA_NUM_THREADS"))))
print(gamma, strategy, n, scale)
'''


def _notebook(path: Path, cells: list[nbformat.NotebookNode]) -> None:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def _params_cell(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


@pytest.fixture
def chapters(tmp_path: Path) -> Path:
    """``good``: markdown, parameters, work; ``bad``: parameters, meet, ``raise`` at index 2."""
    d = tmp_path / "chapters"
    d.mkdir()
    _notebook(d / "good.ipynb", [nbformat.v4.new_markdown_cell("# Good"), _params_cell(PARAMS),
                                 nbformat.v4.new_code_cell(MEET.format(me="good", partner="partner")
                                                           + RECORD)])
    _notebook(d / "bad.ipynb", [_params_cell("gamma = 0.1\n"),
                                nbformat.v4.new_code_cell(MEET.format(me="bad", partner="'good'")),
                                nbformat.v4.new_code_cell('raise ValueError("boom")')])
    return d


def _args(chapters: Path, *extra: str) -> list[str]:
    return [*extra, "--chapters-dir", str(chapters), "--output-dir", str(chapters.parent / "out")]


# ---------------------------------------------------------------- parameters (no kernels)


@pytest.mark.parametrize("text, value", [
    ("0.5", 0.5), ("3", 3), ("1e-3", 1e-3), ("-2", -2), ("True", True), ("false", False),
    ("None", None), ("null", None), ("inventory", "inventory"), ("yes", "yes"),
    ("2024-01-01", "2024-01-01"), ("[1, 2.5]", [1, 2.5]), ("'7'", "7"), ("", ""),
])
def test_parse_value_is_a_yaml_scalar(text, value):
    got = runner.parse_value(text)
    assert got == value and type(got) is type(value)


def test_yaml_file_then_p_wins(tmp_path):
    f = tmp_path / "params.yaml"
    f.write_text("gamma: 0.3\nstrategy: momentum\nn: 5\n")
    got = runner.collect_overrides([["gamma", "0.5"], ["n", "7"]], str(f))
    assert got == {"gamma": 0.5, "strategy": "momentum", "n": 7}


def test_yaml_file_must_be_a_mapping(tmp_path, chapters, capsys):
    f = tmp_path / "params.yaml"
    f.write_text("- gamma\n- 0.5\n")
    assert runner.main(_args(chapters, "good", "-f", str(f))) == 2
    assert "must be a YAML mapping" in capsys.readouterr().err


def test_unknown_parameter_is_rejected_before_anything_runs(chapters, capsys):
    assert runner.main(_args(chapters, "good", "-p", "gamm", "0.5")) == 2
    err = capsys.readouterr().err
    assert "'gamm'" in err and "'good'" in err
    assert "gamma, strategy, n, partner, scale" in err
    assert not (chapters.parent / "out").exists()


def test_override_must_exist_in_some_selected_chapter(chapters, capsys):
    assert runner.main(_args(chapters, "-p", "strategy", "x", "bad")) == 2
    assert "'strategy' is not a parameter of chapter 'bad'" in capsys.readouterr().err
    assert runner.main(_args(chapters, "-p", "nope", "1")) == 2  # all chapters
    assert "'nope' is not a parameter of any selected chapter" in capsys.readouterr().err


def test_override_applies_only_to_chapters_that_have_it(chapters):
    jobs = runner.plan(runner.discover(chapters), [], {"gamma": 0.5, "strategy": "x"},
                       Path("out"), None, "python3")
    assert {j.name: j.overrides for j in jobs} == {"bad": {"gamma": 0.5},
                                                  "good": {"gamma": 0.5, "strategy": "x"}}
    assert all(j.cwd == chapters for j in jobs)


def test_a_mapping_override_updates_a_mapping_default(tmp_path, capsys):
    d = tmp_path / "chapters"
    d.mkdir()
    _notebook(d / "m.ipynb", [_params_cell('schedule = {"shares": 2000, "minutes": 30}\n'
                                           'horizons = [1.0, 5.0]\n')])
    found = runner.discover(d)
    (job,) = runner.plan(found, ["m"], {"schedule": {"shares": 5000}, "horizons": [2.0]},
                         Path("out"), None, "python3")
    assert job.overrides == {"schedule": {"shares": 5000, "minutes": 30}, "horizons": [2.0]}
    assert runner.main([*_args(d, "m"), "-p", "schedule", "{sharez: 1}"]) == 2
    err = capsys.readouterr().err
    assert "'sharez' is not a key of 'schedule'" in err and "'shares', 'minutes'" in err


def test_unknown_chapter_lists_available(chapters, capsys):
    assert runner.main(_args(chapters, "goood")) == 2
    assert "unknown chapter 'goood': available chapters are bad, good" in capsys.readouterr().err


def test_injected_cell_has_every_parameter_and_both_cells_are_hidden(chapters):
    (job,) = runner.plan(runner.discover(chapters), ["good"], {"gamma": 0.5}, Path("out"), None,
                         "python3")
    nb = runner.prepare(job)
    params, injected = nb.cells[1], nb.cells[2]
    assert "hide-cell" in params.metadata.tags
    assert injected.metadata.tags == ["injected-parameters", "hide-cell"]
    assert injected.source.splitlines()[1:] == [
        "gamma = 0.5  # overridden", "strategy = \"inventory\"", "n = 3", "partner = \"\"",
        "scale = gamma * 2"]
    assert nb.metadata["papermill"]["parameters"] == {"gamma": 0.5, "strategy": "inventory", "n": 3,
                                                "partner": ""}


def test_list_shows_parameters_and_defaults(chapters, capsys):
    assert runner.main(_args(chapters, "--list")) == 0
    out = capsys.readouterr().out
    assert "good  (" in out and "    gamma = 0.1  # risk aversion" in out and "bad  (" in out


# ---------------------------------------------------------------- execution


def test_parallel_run_one_good_one_failing(chapters, capsys):
    out = chapters.parent / "out"
    (out / "_failed").mkdir(parents=True)
    for stale in (out / "bad.ipynb", out / "_failed" / "good.ipynb"):  # from an earlier run
        stale.write_text("{}")
    code = runner.main(_args(chapters, "good", "bad", "-j", "2", "-p", "gamma", "0.5",
                             "-p", "partner", "bad"))
    err = capsys.readouterr().err
    assert code == 1, err
    # the failure names the chapter, the cell (index in chapters/bad.ipynb) and the exception
    assert ("chapter 'bad' failed in cell 2 (In [4]: raise ValueError(\"boom\")): "
            "ValueError: boom") in err
    assert f"saved in {out / '_failed' / 'bad.ipynb'}" in err
    assert "1 of 2 chapter(s) succeeded; failed: bad" in err
    assert not (out / "bad.ipynb").exists() and (out / "_failed" / "bad.ipynb").exists()
    assert not (out / "_failed" / "good.ipynb").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left over
    # the good chapter ran next to the bad one (they met), in the chapters dir, and landed
    nb = nbformat.read(out / "good.ipynb", as_version=4)
    injected = nb.cells[2]
    assert injected.metadata.tags == ["injected-parameters", "hide-cell"]
    assert "hide-cell" in nb.cells[1].metadata.tags
    assert "gamma = 0.5" in injected.source and "partner = \"bad\"" in injected.source
    assert nb.metadata.papermill.input_path == str(chapters / "good.ipynb")
    record = (chapters / "good.json").read_text()
    cores = runner.available_cores()
    assert f'"numba_threads": "{max(1, cores // 2)}"' in record
    assert '"scale": 1.0' in record  # the derived default follows the override


def test_console_entry_end_to_end(chapters, tmp_path):
    out = tmp_path / "out"
    f = tmp_path / "params.yaml"
    f.write_text("strategy: momentum\ngamma: 0.3\n")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "mslab.runner", "good", "-f", str(f),
                           "-p", "gamma", "0.25", "--chapters-dir", str(chapters),
                           "--output-dir", str(out)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    nb = nbformat.read(out / "good.ipynb", as_version=4)
    assert nb.cells[3].outputs[0].text == "0.25 momentum 3 0.5\n"
    assert nb.metadata.papermill.parameters["strategy"] == "momentum"
    assert "1 of 1 chapter(s) succeeded" in proc.stderr


# ---------------------------------------------------------------- signals (subprocesses)

SLOW = '''import os, pathlib, time
pathlib.Path("slow.worker").write_text(str(os.getppid()))  # the kernel's parent: the worker
pathlib.Path("slow.started").touch()
time.sleep(pause)
'''


def _start_slow(tmp_path: Path, pause: float) -> tuple[subprocess.Popen, Path, Path]:
    """``mslab-run slow`` in its own session (a terminal's process group), once its chapter
    is executing; returns the process, the chapters dir and the output dir."""
    d = tmp_path / "chapters"
    d.mkdir(exist_ok=True)
    (d / "slow.started").unlink(missing_ok=True)
    _notebook(d / "slow.ipynb", [_params_cell("pause = 0.0\n"), nbformat.v4.new_code_cell(SLOW)])
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen([sys.executable, "-m", "mslab.runner", "slow", "-p", "pause",
                             str(pause), "--chapters-dir", str(d), "--output-dir", str(out)],
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (d / "slow.started").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.1)
    return proc, d, out


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not runner._alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_ctrl_c_gives_one_line_and_exit_code_130(tmp_path):
    proc, _, out = _start_slow(tmp_path, pause=60)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "ZMQError" not in err
    assert err.rstrip().splitlines()[-1] == "mslab-run: interrupted"
    assert not list(out.iterdir())  # no chapter, no temporary directory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_only_the_runner_stops_its_workers_before_they_write(tmp_path):
    proc, d, out = _start_slow(tmp_path, pause=3)  # the chapter would finish 3 s later
    worker = int((d / "slow.worker").read_text())
    proc.kill()
    proc.wait(timeout=10)
    assert _gone(worker, 30), "the worker outlived the runner"
    time.sleep(4)
    assert not (out / "slow.ipynb").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_temporaries_of_a_killed_process_group_are_removed_at_the_next_start(tmp_path):
    proc, d, out = _start_slow(tmp_path, pause=60)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert _gone(int((d / "slow.worker").read_text()), 30)
    stale = [p for p in out.iterdir() if "-running-" in p.name]
    assert stale  # SIGKILL leaves no chance to clean up
    live = out / f".other-running-{os.getpid()}-x"  # a live run's directory is kept
    live.mkdir()
    assert runner.main(["slow", "-p", "pause", "0", "--chapters-dir", str(tmp_path / "chapters"),
                        "--output-dir", str(out)]) == 0
    assert not any(p.exists() for p in stale) and live.is_dir()
    assert (out / "slow.ipynb").exists()
