"""``mslab-run``: execute the chapter notebooks with papermill and drop them into the book.

Each ``chapters/<name>.ipynb`` is a parameterized notebook (one cell tagged ``parameters``).
Running a chapter

1. checks every override against the chapter's ``parameters`` cell (``papermill.inspect_notebook``),
2. injects the *full* parameter set after that cell: every default as written in the chapter
   (so a derived default such as ``dt = T / n_steps`` follows an overridden ``T``), with the
   overridden ones replaced by their values and marked ``# overridden``. (papermill skips a
   parameters-cell line holding two ``=``, e.g. in its comment: such a name is no parameter),
3. tags the ``parameters`` and ``injected-parameters`` cells ``hide-cell`` (collapsed in the HTML),
4. executes the notebook with the chapters directory as working directory into a temporary file
   inside the output directory and moves it to ``<output-dir>/<name>.ipynb`` only on success.

A failed chapter is saved to ``<output-dir>/_failed/<name>.ipynb`` and any earlier
``<output-dir>/<name>.ipynb`` is removed, so the book never renders a stale or half-run chapter.
Chapters run concurrently in worker processes; ``NUMBA_NUM_THREADS`` is set for their kernels so
that workers x threads does not exceed the available cores. The longest chapters start first:
each successful chapter's wall time is kept in a small JSON file (``--timings``, default
``<output-dir>/_chapter_times.json``) and the next run orders its chapters by those times, longest
first (chapters never timed first of all, in the order given). At the end the runner prints
every chapter's wall time, the total wall time, the cores and the load average.

Interruption: Ctrl-C (or SIGTERM) stops the running chapters, removes their temporary
directories and exits with one line, ``mslab-run: interrupted`` (code 130; 143 for SIGTERM).
Workers die with the runner (Linux ``PR_SET_PDEATHSIG``) and check that it is alive before
moving a result into place, so a killed runner never has a chapter written after its death.
Temporary directories ``<output-dir>/.<name>-running-<pid>-*`` left by killed processes are
removed at the next start. A kernel's own stderr goes to a log in the temporary directory
(quoted when the kernel dies), so kernel shutdown noise never reaches the terminal.

Examples::

    mslab-run                                     # every chapter
    mslab-run inventory_risk -p gamma 0.5 -p strategy inventory
    mslab-run -f params.yaml -j 2
    mslab-run --list

The closing report looks like::

    mslab-run: wall time per chapter, 2 process(es) on 2 core(s), load average 0.52 0.61 0.80
      order_book_market_making      41.2 s
      ...
      all 6 chapter(s)              95.3 s (wall)

Exit codes: 0 success, 1 some chapter failed, 2 bad command line (nothing executed), 130 Ctrl-C,
143 SIGTERM.
"""

from __future__ import annotations

import argparse
import ast
import ctypes
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml
from tqdm import tqdm

from mslab._system import available_cores

__all__ = ["collect_overrides", "main", "parse_value"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
HIDE = "hide-cell"
TIMINGS = "_chapter_times.json"  # in the output directory: each chapter's last wall time
INJECTED = "injected-parameters"


class UsageError(ValueError):
    """A bad chapter name, parameter or option: reported before anything runs (exit code 2)."""


@dataclass
class Job:
    """One chapter to run: where it is, where it goes and what it is run with."""

    name: str
    source: Path
    output_dir: Path
    cwd: Path
    kernel: str
    defaults: dict[str, dict[str, str]]  # papermill.inspect_notebook(source), in cell order
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    """What a worker reports back (plain data, so it pickles across processes)."""

    name: str
    ok: bool
    message: str = ""
    seconds: float = 0.0  # wall time from submission (= start: workers never queue) to the end


# --------------------------------------------------------------------------- parameters


def parse_value(text: str) -> Any:
    """Parse a ``-p`` value like papermill: a YAML scalar (or flow list/mapping), else a string.

    ``0.5`` -> float, ``3`` -> int, ``1e-3`` -> float, ``true``/``True`` -> bool,
    ``None``/``null`` -> None, ``[1, 2]`` -> list, ``inventory`` -> ``'inventory'``,
    ``"'7'"`` -> ``'7'`` (quote to force a string).
    Anything YAML would turn into another type (dates, ...) stays the string given.

    Parameters
    ----------
    text : str
        The value as typed on the command line.

    Returns
    -------
    bool, int, float, list, dict, str or None
        The parsed value. YAML 1.1 booleans other than true/false (``yes``, ``no``, ``on``,
        ``off``), text YAML cannot parse and an empty or blank string stay the string given.

    Raises
    ------
    UsageError
        If ``text`` is not a string (``UsageError`` is a ``ValueError``).
    """
    if not isinstance(text, str):
        raise UsageError(f"text={text!r} is not allowed: text must be a string")
    if text in ("None", "True", "False"):  # papermill's spellings
        return {"None": None, "True": True, "False": False}[text]
    try:
        value = yaml.safe_load(text) if text.strip() else text
    except yaml.YAMLError:
        return text
    if isinstance(value, bool) and text.lower() not in ("true", "false"):
        return text  # YAML 1.1 yes/no/on/off stay strings, as in papermill
    if isinstance(value, str):
        if value != text:  # quoted: a string on purpose
            return value
        try:  # YAML 1.1 reads 1e-3 as a string; papermill reads it as a float
            return float(value) if any(c.isdigit() for c in value) else value
        except ValueError:
            return value
    return value if isinstance(value, (bool, int, float, list, dict, type(None))) else text


def collect_overrides(pairs: Sequence[Sequence[str]] | None,
                      yaml_file: str | None) -> dict[str, Any]:
    """Merge ``-f params.yaml`` (a mapping) and ``-p NAME VALUE`` pairs; ``-p`` wins.

    Parameters
    ----------
    pairs : list of tuple or None
        The ``-p`` options, each a ``(NAME, VALUE)`` pair of strings; VALUE is read by
        :func:`parse_value`. None: no ``-p`` option.
    yaml_file : str, pathlib.Path or None
        Path of a YAML file holding a mapping of parameter names to values (an empty file is an
        empty mapping). None (or an empty string): no file.

    Returns
    -------
    dict
        Parameter name → value: the file's entries, then the ``-p`` pairs in order (a later
        pair wins over an earlier one and over the file).

    Raises
    ------
    UsageError
        If ``pairs`` is not a list or tuple of string pairs, ``yaml_file`` is not a path, or the
        file cannot be read or is not a YAML mapping with string keys (``UsageError`` is a
        ``ValueError``).
    """
    if pairs is not None and not (isinstance(pairs, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in pairs)):
        raise UsageError(f"pairs={pairs!r} is not allowed: pairs must be a list of "
                         "(NAME, VALUE) string pairs")
    if yaml_file is not None and not isinstance(yaml_file, (str, Path)):
        raise UsageError(f"yaml_file={yaml_file!r} is not allowed: yaml_file must be a path")
    overrides: dict[str, Any] = {}
    if yaml_file:
        try:
            loaded = yaml.safe_load(Path(yaml_file).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"-f {yaml_file}: cannot read a YAML mapping: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
            raise UsageError(f"-f {yaml_file}: must be a YAML mapping of parameter names to "
                             f"values, got {type(loaded).__name__}")
        overrides.update(loaded)
    for name, value in pairs or ():
        overrides[name] = parse_value(value)
    return overrides


# --------------------------------------------------------------------------- chapters


def discover(chapters_dir: Path) -> dict[str, Path]:
    """Chapter name (file stem) -> notebook, for every ``*.ipynb`` directly in ``chapters_dir``."""
    if not chapters_dir.is_dir():
        raise UsageError(f"--chapters-dir={str(chapters_dir)!r} is not a directory")
    return {p.stem: p for p in sorted(chapters_dir.glob("*.ipynb")) if not p.name.startswith(".")}


def chapter_parameters(path: Path) -> dict[str, dict[str, str]]:
    """The parameters of the chapter's ``parameters`` cell: name -> {default, help, ...}."""
    import papermill

    try:
        return papermill.inspect_notebook(path)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, ...
        raise UsageError(f"cannot read chapter {path}: {type(exc).__name__}: {exc}") from exc


def plan(chapters: dict[str, Path], names: Sequence[str], overrides: dict[str, Any],
         output_dir: Path, cwd: Path | None, kernel: str) -> list[Job]:
    """Resolve chapter names and give each chapter the overrides it has a parameter for.

    Raises ``UsageError`` for an unknown chapter, or for an override that is not a parameter of
    the chapter (one chapter) or of any selected chapter (several chapters).
    """
    unknown = [n for n in names if n not in chapters]
    if unknown:
        available = ", ".join(chapters) or "(none)"
        raise UsageError(f"unknown chapter {', '.join(map(repr, unknown))}: "
                         f"available chapters are {available}")
    selected = list(dict.fromkeys(names)) or list(chapters)
    if not selected:
        raise UsageError("no chapters (*.ipynb) to run")
    jobs = [Job(name, chapters[name], output_dir, cwd or chapters[name].parent, kernel,
                chapter_parameters(chapters[name])) for name in selected]
    for key, value in overrides.items():
        takers = [job for job in jobs if key in job.defaults]
        if not takers:
            allowed = "; ".join(f"chapter {job.name!r} allows {', '.join(job.defaults) or '(none)'}"
                                for job in jobs)
            which = f"chapter {jobs[0].name!r}" if len(jobs) == 1 else "any selected chapter"
            raise UsageError(f"{key}={value!r} is not allowed: {key!r} is not a parameter of "
                             f"{which} ({allowed})")
        for job in takers:
            job.overrides[key] = merge_mapping(job, key, value)
    return jobs


def merge_mapping(job: Job, key: str, value: Any) -> Any:
    """``value``, or, when both it and the chapter's default of ``key`` are mappings, the
    default updated with it: ``-p schedule "{shares: 5000}"`` changes one entry and keeps the
    others. A key the default does not have is a ``UsageError`` naming the allowed keys."""
    if not isinstance(value, dict):
        return value
    try:
        default = ast.literal_eval(job.defaults[key]["default"])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value
    if not isinstance(default, dict):
        return value
    unknown = [k for k in value if k not in default]
    if unknown:
        raise UsageError(f"{key}={value!r} is not allowed: {', '.join(map(repr, unknown))} "
                         f"is not a key of {key!r} in chapter {job.name!r} (allowed: "
                         f"{', '.join(map(repr, default))})")
    return {**default, **value}


# --------------------------------------------------------------------------- one chapter


def prepare(job: Job) -> nbformat.NotebookNode:
    """The chapter with its full parameter set injected and both parameter cells hidden."""
    from papermill.translators import PythonTranslator as Py

    nb = nbformat.read(job.source, as_version=4)
    nb.cells = [c for c in nb.cells if INJECTED not in c.metadata.get("tags", [])]
    lines = [f"# Parameters: every value chapter {job.name!r} ran with (injected by mslab-run)"]
    recorded: dict[str, Any] = {}
    for name, info in job.defaults.items():
        if name in job.overrides:
            recorded[name] = job.overrides[name]
            lines.append(f"{name} = {Py.translate(job.overrides[name])}  # overridden")
            continue
        default = info["default"]
        try:
            ast.parse(default, mode="eval")
        except SyntaxError:  # papermill could not isolate the expression: leave it to the cell
            lines.append(f"# {name}: default kept from the parameters cell")
            continue
        lines.append(f"{name} = {default}")
        try:
            recorded[name] = ast.literal_eval(default)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass  # an expression: visible in the cell, not recordable as a value
    recorded = {k: v for k, v in recorded.items() if _is_json(v)}
    injected = nbformat.v4.new_code_cell("\n".join(lines) + "\n")
    injected.metadata["tags"] = [INJECTED, HIDE]
    at = next((i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), -1)
    if at >= 0:
        tags = nb.cells[at].metadata.setdefault("tags", [])
        if HIDE not in tags:
            tags.append(HIDE)
    nb.cells.insert(at + 1, injected)
    nb.metadata.setdefault("papermill", {})["parameters"] = recorded
    return nb


def _is_json(value: Any) -> bool:
    """Whether ``value`` can go into the notebook metadata (JSON)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def describe_failure(job: Job, nb: nbformat.NotebookNode, exc: BaseException) -> str:
    """``chapter 'x' failed in cell <i> (In [n]: <first line>): <Type>: <message>``.

    The cell index is 0-based and counts the cells of ``chapters/<name>.ipynb`` (the injected
    cell is not counted); ``In [n]`` is the execution count in the executed notebook.
    """
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return f"chapter {job.name!r} failed: {type(exc).__name__}: {exc}"
    injected = next(i for i, c in enumerate(nb.cells) if INJECTED in c.metadata.get("tags", []))
    first = next((ln.strip() for ln in exc.source.splitlines() if ln.strip()), "")
    where = ("the injected parameters cell" if exc.cell_index == injected
             else f"cell {exc.cell_index - (exc.cell_index > injected)}")
    return (f"chapter {job.name!r} failed in {where} (In [{exc.exec_count}]: {first}): "
            f"{exc.ename}: {exc.evalue}")


class Orphaned(Exception):
    """The runner that started this worker is gone: the worker must not write anything."""


_PARENT_PID: int | None = None  # the runner's pid, in a worker process


def _check_parent() -> None:
    if _PARENT_PID is not None and os.getppid() != _PARENT_PID:
        raise Orphaned(f"the runner (pid {_PARENT_PID}) is gone")


def _finish(tmp: Path, dest: Path, job: Job) -> None:
    """Point the papermill metadata at the real paths and move ``tmp`` to ``dest`` atomically
    (in a worker, only while the runner that started it is alive)."""
    nb = nbformat.read(tmp, as_version=4)
    nb.metadata.papermill.update(input_path=str(job.source), output_path=str(dest))
    nbformat.write(nb, tmp)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _check_parent()
    os.replace(tmp, dest)


_RUNNING = re.compile(r"^\.(?P<name>.+)-running-(?P<pid>\d+)-")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (an orphan whose exit status
    nobody collected, as under an init that does not reap)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # no procfs
        return True


def clean_stale(output_dir: Path) -> list[Path]:
    """Remove the temporary directories ``.<name>-running-<pid>-*`` of ``output_dir`` whose
    process is gone (a run killed with SIGKILL cannot clean up); returns what was removed."""
    removed = []
    if not output_dir.is_dir():
        return removed
    for path in output_dir.iterdir():
        m = _RUNNING.match(path.name)
        if path.is_dir() and (m is None and "-running-" in path.name
                              or m is not None and not _alive(int(m["pid"]))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class _KernelStderr:
    """Send file descriptor 2 to ``log`` while a chapter runs, so that the kernel (which
    inherits it) does not write to the terminal; Python's ``sys.stderr`` (progress bars, our
    messages) keeps the terminal."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def __enter__(self) -> _KernelStderr:
        sys.stderr.flush()
        self._saved_fd = os.dup(2)
        self._saved = sys.stderr
        fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stderr = open(os.dup(self._saved_fd), "w", buffering=1,  # noqa: SIM115
                          encoding=getattr(self._saved, "encoding", None) or "utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stderr.flush()
        sys.stderr.close()
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        sys.stderr = self._saved
        if _SILENT:
            _silence()

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def run_chapter(job: Job, progress_bar: bool = False) -> Result:
    """Execute one chapter (in a worker process); never raises for a failing notebook. A
    worker interrupted after its runner died exits once it has cleaned up."""
    try:
        return _run_chapter(job, progress_bar)
    except (KeyboardInterrupt, Orphaned):
        if _PARENT_PID is not None and os.getppid() != _PARENT_PID:
            os._exit(EXIT_INTERRUPTED)  # nobody is left to report to
        raise


def _run_chapter(job: Job, progress_bar: bool) -> Result:
    import papermill
    from nbclient.exceptions import DeadKernelError

    final = job.output_dir / f"{job.name}.ipynb"
    failed = job.output_dir / "_failed" / f"{job.name}.ipynb"
    in_worker = multiprocessing.parent_process() is not None
    if in_worker:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _interrupt_once)
    job.output_dir.mkdir(parents=True, exist_ok=True)
    nb = prepare(job)
    # The temporary files live in the output directory so that the final move is a rename;
    # the pid in the name lets a later run remove them if this process is killed.
    prefix = f".{job.name}-running-{os.getpid()}-"
    with tempfile.TemporaryDirectory(dir=job.output_dir, prefix=prefix) as tmp:
        tmp_in, tmp_out = Path(tmp, "input.ipynb").resolve(), Path(tmp, job.source.name).resolve()
        nbformat.write(nb, tmp_in)
        try:
            with _KernelStderr(Path(tmp, "kernel-stderr.log")) as kernel_log:
                # Written once at the end (also when a cell fails), not after every cell:
                # rewriting a notebook of several MB of embedded figures after each of its
                # cells cost the pairs chapter about 15 s.
                papermill.execute_notebook(tmp_in, tmp_out, kernel_name=job.kernel,
                                           cwd=job.cwd.resolve(), progress_bar=progress_bar,
                                           request_save_on_cell_execute=False)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
            message = describe_failure(job, nb, exc)
            if isinstance(exc, DeadKernelError) and kernel_log.tail():
                message += "\n  the kernel's last words:\n" + kernel_log.tail()
            _check_parent()
            final.unlink(missing_ok=True)  # never leave an older build looking current
            if tmp_out.exists():
                _finish(tmp_out, failed, job)
                message += f"\n  the failed notebook is saved in {failed}"
            return Result(job.name, False, message)
        finally:
            if in_worker:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # idle workers ignore Ctrl-C
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _finish(tmp_out, final, job)
    failed.unlink(missing_ok=True)
    return Result(job.name, True)


# --------------------------------------------------------------------------- many chapters


def _interrupt_once(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM in a worker running a chapter: raise ``KeyboardInterrupt`` once, so
    that nbclient's clean-up (kernel shutdown) and the temporary-file removal are not
    interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _silence()
    raise KeyboardInterrupt


_SILENT = False


def _silence() -> None:
    """After an interrupt a worker has nothing to tell (the runner prints the one line), but
    asyncio and the kernel client report the tasks they abandon: send stderr to /dev/null."""
    global _SILENT
    _SILENT = True
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to send SIGTERM to this process when the runner dies (elsewhere the parent
    check before each write still keeps an orphan from writing)."""
    global _PARENT_PID
    _PARENT_PID = parent_pid
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the runner died before prctl took effect
        os._exit(1)


def _init_worker(numba_threads: int, parent_pid: int) -> None:
    """Worker set-up: Ctrl-C is handled by the parent; the worker dies with it; kernels
    inherit the thread budget."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    os.environ["NUMBA_NUM_THREADS"] = str(numba_threads)


def worker_count(max_workers: int, n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` chapters: at most ``max_workers``, at least one."""
    return max(1, min(max_workers, n_jobs))


def run_jobs(jobs: list[Job], max_workers: int) -> list[Result] | None:
    """Run the chapters in up to ``max_workers`` processes; ``None`` if interrupted by Ctrl-C.

    At most ``max_workers`` chapters are submitted at a time, so "started" means started.
    """
    workers = worker_count(max_workers, len(jobs))
    threads = max(1, available_cores() // workers)
    single = len(jobs) == 1  # then papermill's own per-cell progress bar is shown

    def say(msg: str) -> None:
        tqdm.write(msg, file=sys.stderr)

    say(f"running {len(jobs)} chapter(s) in {workers} process(es), NUMBA_NUM_THREADS={threads}")
    bar = None if single else tqdm(total=len(jobs), unit="chapter", desc="chapters",
                                   file=sys.stderr)
    queue: list[Job] = list(jobs)
    running: dict[Future[Result], tuple[Job, float]] = {}  # future -> (chapter, start time)
    results: list[Result] = []
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, os.getpid()))
    try:
        while queue or running:
            while queue and len(running) < workers:
                job = queue.pop(0)
                running[pool.submit(run_chapter, job, single)] = (job, time.monotonic())
                say(f"started  {job.name}")
            if bar is not None:
                bar.set_postfix_str(", ".join(j.name for j, _ in running.values()))
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job, start = running.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OOM killer
                    result = Result(job.name, False, f"chapter {job.name!r} failed: "
                                                     f"{type(exc).__name__}: {exc}")
                result.seconds = time.monotonic() - start
                results.append(result)
                status = "finished" if result.ok else "FAILED  "
                say(f"{status} {job.name} after {result.seconds:.1f} s")
                if not result.ok:
                    say(result.message)
                if bar is not None:
                    bar.update()
    except KeyboardInterrupt:
        for future in running:
            future.cancel()
        # Ctrl-C in a terminal reaches the workers too, `kill -INT <pid>` only this process:
        # forward it (a worker reacts once; see _interrupt_once). The pool's process table is
        # private API, hence the defensive getattr.
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGINT)
        pool.shutdown(wait=True, cancel_futures=True)
        for job in jobs:
            clean_stale(job.output_dir)
        return None
    finally:
        if bar is not None:
            bar.close()
    pool.shutdown(wait=True)
    return results


# --------------------------------------------------------------------------- timings


def read_timings(path: Path) -> dict[str, float]:
    """Chapter name -> wall time (s) of its last successful run, from ``path``; an empty
    mapping if the file is missing or unreadable (the times only order the chapters)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(k, str)
            and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0}


def write_timings(path: Path, results: Sequence[Result]) -> None:
    """Record the wall times of the successful ``results`` in ``path`` (other chapters' times
    are kept); written to a temporary file and renamed, so a reader never sees half a file."""
    path = Path(path)
    times = read_timings(path)
    times.update({r.name: round(r.seconds, 3) for r in results if r.ok})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def order_by_duration(jobs: Sequence[Job], times: dict[str, float]) -> list[Job]:
    """``jobs`` longest first by their recorded ``times``; chapters never timed come first, in
    the order given (a new chapter may be long). With two workers, starting the longest chapter
    first keeps one long chapter from running alone at the end."""
    order = sorted(range(len(jobs)),
                   key=lambda i: (jobs[i].name in times, -times.get(jobs[i].name, 0.0), i))
    return [jobs[i] for i in order]


def timing_report(results: Sequence[Result], wall: float, workers: int, cores: int) -> str:
    """The runner's closing table: each chapter's wall time (in the order they finished), the
    total wall time, and the machine's cores and load average (timings depend on both)."""
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    width = max([len(r.name) for r in results] + [20])
    lines = [f"mslab-run: wall time per chapter, {workers} process(es) on {cores} core(s), "
             f"load average {load}"]
    lines += [f"  {r.name:<{width}}  {r.seconds:7.1f} s" + ("" if r.ok else "  (failed)")
              for r in results]
    lines.append(f"  {f'all {len(results)} chapter(s)':<{width}}  {wall:7.1f} s (wall)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """The ``mslab-run`` argument parser."""
    p = argparse.ArgumentParser(
        prog="mslab-run",
        description="Execute the parameterized chapter notebooks with papermill and write the "
                    "executed copies where the Jupyter Book build picks them up.",
        epilog="Parameter values are YAML scalars, as in papermill: -p gamma 0.5 is a float, "
               "-p strategy inventory a string. An override applies to the selected chapters "
               "that have that parameter and must exist in at least one of them.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER",
                   help="chapter names (file stems in --chapters-dir); default: all chapters")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   dest="parameters", help="override a parameter (repeatable; wins over -f)")
    p.add_argument("-f", "--parameters-file", metavar="YAML",
                   help="YAML mapping of parameter overrides")
    p.add_argument("--chapters-dir", default="chapters", type=Path, metavar="DIR",
                   help="where the chapter notebooks are (default: %(default)s)")
    p.add_argument("--output-dir", default="book", type=Path, metavar="DIR",
                   help="where the executed notebooks go (default: %(default)s)")
    p.add_argument("--cwd", type=Path, default=None, metavar="DIR",
                   help="working directory of the kernels (default: the chapters directory)")
    p.add_argument("-j", "--jobs", type=int, default=available_cores(), metavar="N",
                   help="chapters run at the same time (default: available cores, %(default)s)")
    p.add_argument("--kernel", default="python3", metavar="NAME",
                   help="Jupyter kernel (default: %(default)s)")
    p.add_argument("--timings", default=None, type=Path, metavar="JSON",
                   help="wall times of earlier runs, used to start the longest chapters first "
                   f"and updated after this run (default: <output-dir>/{TIMINGS})")
    p.add_argument("--list", action="store_true",
                   help="list the chapters and their parameters with defaults, run nothing")
    return p


def list_chapters(chapters: dict[str, Path]) -> None:
    """Print every chapter with its parameters, defaults and help comments."""
    for name, path in chapters.items():
        print(f"{name}  ({path})")
        for pname, info in chapter_parameters(path).items():
            hint = f"  # {info['help']}" if info.get("help") else ""
            print(f"    {pname} = {info['default']}{hint}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mslab-run`` / ``python -m mslab.runner``; returns the exit code.

    Parses the command line (see the module docstring and ``mslab-run --help``), runs the
    selected chapters and prints the timing report and a summary to stderr.

    Parameters
    ----------
    argv : list of str or None
        The command-line arguments without the program name. Default None: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every chapter succeeded (or with ``--list``), 1 when some chapter failed, 2 for a
        bad chapter name, parameter or option (nothing is executed), 130 after Ctrl-C, 143 after
        SIGTERM while the chapters run.

    Raises
    ------
    SystemExit
        From argparse, for an unknown option or a malformed argument (code 2) and for
        ``--help`` (code 0), as argparse does.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C before or after the chapters ran
        print("mslab-run: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    if argv is not None and not (isinstance(argv, (list, tuple))
                                 and all(isinstance(a, str) for a in argv)):
        print(f"mslab-run: error: argv={argv!r} is not allowed: argv must be a list of "
              "strings", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser().parse_args(argv)
    try:
        if args.jobs < 1:
            raise UsageError(f"--jobs={args.jobs} is not allowed: --jobs must be an integer >= 1")
        chapters = discover(args.chapters_dir)
        if args.list:
            list_chapters(chapters)
            return EXIT_OK
        overrides = collect_overrides(args.parameters, args.parameters_file)
        jobs = plan(chapters, args.chapters, overrides, args.output_dir, args.cwd, args.kernel)
        timings = args.timings or args.output_dir / TIMINGS
        jobs = order_by_duration(jobs, read_timings(timings))
    except UsageError as exc:
        print(f"mslab-run: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for output_dir in {job.output_dir for job in jobs}:
        clean_stale(output_dir)
    received: list[int] = []

    def terminate(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    wall = time.monotonic()
    try:
        results = run_jobs(jobs, args.jobs)
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        results = None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if results is None:
        print("mslab-run: interrupted", file=sys.stderr)
        return 128 + received[0] if received else EXIT_INTERRUPTED
    wall = time.monotonic() - wall
    try:
        write_timings(timings, results)
    except OSError as exc:  # the times only order the next run: say so and go on
        print(f"mslab-run: cannot record the chapters' times in {timings}: {exc}",
              file=sys.stderr)
    print(timing_report(results, wall, worker_count(args.jobs, len(jobs)), available_cores()),
          file=sys.stderr)
    failed = [r.name for r in results if not r.ok]
    ok = len(results) - len(failed)
    summary = f"mslab-run: {ok} of {len(results)} chapter(s) succeeded"
    if failed:
        summary += f"; failed: {', '.join(failed)} (see {args.output_dir / '_failed'})"
    print(summary, file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
