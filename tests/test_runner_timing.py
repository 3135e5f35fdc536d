"""The runner's timing: longest chapters first, the recorded wall times and the closing report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from mslab import runner
from mslab.runner import Job, Result, order_by_duration, read_timings, timing_report, write_timings


def _job(name: str) -> Job:
    return Job(name, Path(f"{name}.ipynb"), Path("out"), Path("."), "python3", {})


def test_longest_recorded_chapter_starts_first_and_untimed_chapters_before_all():
    jobs = [_job(n) for n in ("a", "b", "new", "c", "newer")]
    times = {"a": 10.0, "b": 90.0, "c": 45.0, "gone": 500.0}
    assert [j.name for j in order_by_duration(jobs, times)] == ["new", "newer", "b", "c", "a"]
    # no history: the order given
    assert [j.name for j in order_by_duration(jobs, {})] == ["a", "b", "new", "c", "newer"]


def test_timings_round_trip_keep_other_chapters_and_skip_failures(tmp_path: Path):
    path = tmp_path / "sub" / "times.json"
    assert read_timings(path) == {}
    write_timings(path, [Result("a", True, seconds=12.3456), Result("b", False, seconds=1.0)])
    assert read_timings(path) == {"a": 12.346}
    write_timings(path, [Result("c", True, seconds=3.0)])
    assert read_timings(path) == {"a": 12.346, "c": 3.0}
    assert [p.name for p in path.parent.iterdir()] == ["times.json"]  # no temporary file left


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"a": "slow", "b": -1, "c": true}'])
def test_unreadable_or_odd_timings_are_ignored(tmp_path: Path, text: str):
    path = tmp_path / "times.json"
    path.write_text(text)
    assert read_timings(path) == {}


def test_report_lists_every_chapter_the_total_and_the_load():
    results = [Result("order_book_market_making", True, seconds=41.25),
               Result("funding_basis", False, "boom", seconds=3.0)]
    text = timing_report(results, 44.5, 2, 2)
    lines = text.splitlines()
    assert re.match(r"mslab-run: wall time per chapter, 2 process\(es\) on 2 core\(s\), "
                    r"load average (\d+\.\d+ ){2}\d+\.\d+$", lines[0]), lines[0]
    assert re.match(r"  order_book_market_making\s+41\.2 s$", lines[1]), lines[1]
    assert re.match(r"  funding_basis\s+3\.0 s  \(failed\)$", lines[2]), lines[2]
    assert re.match(r"  all 2 chapter\(s\)\s+44\.5 s \(wall\)$", lines[3]), lines[3]


def tiny_chapter(tmp_path: Path) -> Path:
    """A chapters directory holding one chapter, ``tiny``, of one parameters cell."""
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, chapters / "tiny.ipynb")
    return chapters


def test_a_run_prints_the_report_and_records_its_time(tmp_path: Path, capsys):
    chapters = tiny_chapter(tmp_path)
    out = tmp_path / "out"
    assert runner.main(["--chapters-dir", str(chapters), "--output-dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^  tiny\s+\d+\.\d s$", err, re.M), err
    assert re.search(r"^  all 1 chapter\(s\)\s+\d+\.\d s \(wall\)$", err, re.M), err
    recorded = json.loads((out / runner.TIMINGS).read_text())
    assert list(recorded) == ["tiny"] and recorded["tiny"] > 0


def test_unwritable_timings_file_is_reported_not_fatal(tmp_path: Path, capsys):
    chapters = tiny_chapter(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert runner.main(["--chapters-dir", str(chapters), "--output-dir", str(tmp_path / "out"),
                        "--timings", str(blocked / "times.json")]) == 0
    err = capsys.readouterr().err
    assert "cannot record the chapters' times in" in err and "all 1 chapter(s)" in err
