"""Parameter sweeps with a resumable, duplicate-free experiments table.

A sweep runs a function ``func(params, instrument, split) -> dict of scalar metrics`` on every
(configuration, instrument, split) task. ``func`` must be picklable (a module-level function,
a ``functools.partial`` of one, or an instance of a module-level class such as
:class:`mslab.orderbook.snapshot.SnapshotSweepTask`), since tasks run in worker processes.

Experiments table
-----------------
A Parquet file with one row per task: ``key``, ``function``, ``version``, ``instrument``,
``split``, ``params_json``, one column per parameter, then the metrics. ``key`` is the SHA-256
(first 32 hex digits) of the canonical JSON (sorted keys, no spaces, shortest float repr) of
``{"function", "version", "instrument", "split", "params"}``, so it is stable across runs and
machines. JSON keeps ``20`` and ``20.0`` apart: use one type per parameter. Anything else that
changes results (code, data files) must change ``version``. A column of the table holds one kind
of value — numbers (int or float), booleans or strings, with None/NaN allowed anywhere — so a
parameter or metric that mixes kinds is refused up front (parameters before any task runs,
metrics when a task returns them) with an error naming it, instead of failing at the write.

* Re-running skips every task whose key is already in the table.
* Results are appended in chunks as they finish (every ``chunk_size`` results or
  ``flush_seconds``, and on any exit, including an exception or Ctrl-C): each append rewrites
  the table to a temporary file and renames it over the old one (atomic on POSIX), so a killed
  sweep leaves the last complete table and resumes from there.
* An append holds an exclusive lock (``<table>.lock``) while it reads, merges and replaces the
  table, and never adds a key that is already there, so duplicates cannot appear, even from
  two sweeps writing the same table at once.

Where tasks run
---------------
By default on ``n_workers`` local processes (spawned, default: the available cores; each gets
``NUMBA_NUM_THREADS = cores // n_workers``); ``n_workers=1`` runs them in the calling process.
Given ``scheduler`` (a ``dask.distributed`` scheduler address), the same tasks run on that Dask
cluster through ``distributed.Client(scheduler).get_executor()``; this needs the
``distributed`` package. At most two tasks per worker (thread, on Dask) are in flight, so a
failure or Ctrl-C wastes little work. When a task raises, the sweep submits nothing more, waits
for the tasks in flight (keeping their results), writes the table and re-raises the error.
Results depend only on the task, never on the worker count or the order of completion.
Local workers die with the sweep: if the calling process is killed (even by SIGKILL), each
worker notices within a second (``PR_SET_PDEATHSIG`` on Linux, and a thread watching its parent
process id everywhere) and exits.
Local workers are spawned, so a *script* running a sweep must do so under
``if __name__ == "__main__":`` (notebooks need nothing).
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from mslab import _validate
from mslab._system import available_cores

KEY_COLUMNS = ("key", "function", "version", "instrument", "split", "params_json")

Scalar = str | int | float | bool | None
_INT64 = (-(2**63), 2**63 - 1)
Task = Callable[[dict[str, Scalar], str, str], Mapping[str, Scalar]]


# --------------------------------------------------------------------------- configurations


def _scalar(name: str, value: object, *, finite: bool = True) -> Scalar:
    """A str, int, float, bool or None (numpy scalars unwrapped); with ``finite``, no NaN/inf
    (parameters must be; metrics may be NaN, e.g. an undefined Sharpe ratio)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        _validate.fail(name, value, "a str, int, float, bool or None")
    if finite and isinstance(value, float) and not math.isfinite(value):
        _validate.fail(name, value, "finite")
    if isinstance(value, int) and not isinstance(value, bool) and not (
            _INT64[0] <= value <= _INT64[1]):
        _validate.fail(name, value, "an int that fits in 64 bits")
    return value


def _kind(value: Scalar) -> str | None:
    """The kind of column a value needs: "number", "bool", "str" (None fits any)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "str"


def _column_kind(column: pd.Series) -> str | None:
    """The kind of an existing table column (None if it holds no value yet)."""
    if pd.api.types.is_bool_dtype(column):
        return "bool"
    if pd.api.types.is_numeric_dtype(column):
        return None if column.isna().all() else "number"
    kinds = {_kind(v) for v in column.dropna()}
    return kinds.pop() if len(kinds) == 1 else None


def _check_kinds(kinds: dict[str, str], row: Mapping[str, Scalar], what: str,
                 where: str) -> None:
    """Record the kind of each value of ``row`` in ``kinds`` and refuse a second kind."""
    for name, value in row.items():
        kind = _kind(value)
        if kind is None:
            continue
        seen = kinds.setdefault(name, kind)
        if seen != kind:
            raise ValueError(f"{what} {name!r}={value!r} is not allowed: {what} {name!r} must "
                             f"hold one kind of value, but it is a {kind} {where} and a {seen} "
                             "elsewhere (a table column holds numbers, booleans or strings, "
                             "not a mix)")


def _config(params: Mapping[str, object], name: str = "configs") -> dict[str, Scalar]:
    if not isinstance(params, Mapping):
        _validate.fail(name, params, "a mapping from parameter names to values"
                       if name != "configs" else
                       "a sequence of mappings from parameter names to values")
    out = {}
    for name, value in params.items():
        if not isinstance(name, str) or name in KEY_COLUMNS:
            _validate.fail("parameter name", name,
                           "a str other than " + ", ".join(KEY_COLUMNS))
        out[name] = _scalar(name, value)
    return out


def expand_grid(grid: Mapping[str, Sequence[object]],
                fixed: Mapping[str, object] | None = None) -> list[dict[str, Scalar]]:
    """All combinations of ``grid`` (parameter -> non-empty list of values), in
    ``itertools.product`` order (last parameter fastest), each merged with the constant
    parameters ``fixed``. For example ``expand_grid(MICROMARKET_GRID, MICROMARKET_COSTS)``
    (:mod:`mslab.orderbook.experiments`) gives the 144 micromarket configurations.

    Parameters
    ----------
    grid : dict
        Parameter name → non-empty list (or tuple) of values; the order of the names sets the
        order of the product.
    fixed : dict or None
        Parameter name → value, added to every configuration; a name may not also be in
        ``grid``. Default None: no constant parameter.

    Returns
    -------
    list of dict
        One configuration (parameter name → value) per combination; NumPy scalars are turned
        into the Python values they hold.

    Raises
    ------
    ValueError
        If ``grid`` is not a mapping, a value list is empty or not a sequence (a string is
        refused), a name is in both ``grid`` and ``fixed``, a name is not a string or is one of
        :data:`KEY_COLUMNS`, or a value is not a str, int (64-bit), finite float, bool or None.

    Examples
    --------
    >>> from mslab.sweeps import expand_grid
    >>> expand_grid({"a": [1, 2], "b": ["x", "y"]}, fixed={"c": 0.5})
    [{'a': 1, 'b': 'x', 'c': 0.5}, {'a': 1, 'b': 'y', 'c': 0.5}, {'a': 2, 'b': 'x', 'c': 0.5}, {'a': 2, 'b': 'y', 'c': 0.5}]
    """
    fixed = _config({} if fixed is None else fixed, "fixed")
    if not isinstance(grid, Mapping):
        _validate.fail("grid", grid, "a mapping from parameter names to lists of values")
    names = list(grid)
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            _validate.fail(name, values, "a non-empty list of values")
        if name in fixed:
            _validate.fail(name, values, "in grid or in fixed, not both")
    return [_config({**dict(zip(names, combo, strict=True)), **fixed})
            for combo in itertools.product(*(grid[n] for n in names))]


def stratified_sample(configs: Sequence[Mapping[str, object]], n: int, *,
                      by: str | Sequence[str], seed: int = 0) -> list[dict[str, Scalar]]:
    """``n`` of ``configs`` drawn without replacement, stratified by the values of the
    parameter(s) ``by``: each stratum gets its proportional share of ``n`` (rounded by largest
    remainder, ties to the stratum met first) and its members are drawn uniformly with
    ``numpy.random.default_rng(seed)``. Returned in the order of ``configs``. E.g. 40 of the
    144 micromarket configurations ``by="spread_multiplier"``: 10 per multiplier.

    Parameters
    ----------
    configs : list of dict
        The configurations (parameter name → value), non-empty, e.g. from :func:`expand_grid`.
    n : int
        Number of configurations to draw, in [1, ``len(configs)``].
    by : str or list of str
        Parameter(s) defining the strata (one stratum per distinct combination of values); each
        must be in every configuration.
    seed : int
        Seed of the draw (≥ 0). Default 0.

    Returns
    -------
    list of dict
        The ``n`` chosen configurations (validated copies), in the order of ``configs``.

    Raises
    ------
    ValueError
        If ``configs`` is not a non-empty sequence of valid configurations (as in
        :func:`expand_grid`), ``n`` is outside [1, ``len(configs)``], ``by`` is not a parameter
        name present in every configuration (or a non-empty list of them), or ``seed`` is not an
        integer ≥ 0.
    """
    if isinstance(configs, Mapping) or not isinstance(configs, Sequence) or not configs:
        _validate.fail("configs", configs, "a non-empty list of parameter mappings")
    configs = [_config(c) for c in configs]
    n = _validate.integer("n", n, low=1, high=len(configs))
    by = [by] if isinstance(by, str) else by
    if not isinstance(by, Sequence) or not by or not all(isinstance(b, str) for b in by):
        _validate.fail("by", by, "a parameter name or a non-empty list of them")
    for name in by:
        if not all(name in c for c in configs):
            _validate.fail("by", name, "a parameter present in every configuration")
    seed = _validate.seed("seed", seed)
    strata: dict[str, list[int]] = {}
    for i, c in enumerate(configs):
        strata.setdefault(canonical_json([c[name] for name in by]), []).append(i)
    members = list(strata.values())
    exact = [n * len(m) / len(configs) for m in members]
    quota = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(members)), key=lambda j: (-(exact[j] - quota[j]), j))
    for j in by_remainder[: n - sum(quota)]:
        quota[j] += 1
    generator = np.random.default_rng(seed)
    chosen = [int(i) for m, k in zip(members, quota, strict=True)
              for i in generator.choice(m, size=k, replace=False)]
    return [configs[i] for i in sorted(chosen)]


# --------------------------------------------------------------------------- keys


def canonical_json(obj: object) -> str:
    """JSON with sorted keys, no whitespace, no NaN/inf: equal objects give equal strings.

    Parameters
    ----------
    obj : object
        A JSON-serialisable value (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    str
        The JSON text (non-ASCII characters kept as they are; floats in their shortest repr).

    Raises
    ------
    ValueError
        If ``obj`` holds a NaN or ±inf float.
    TypeError
        If ``obj`` holds a value JSON cannot encode.
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False)


def task_key(function: str, version: str, instrument: str, split: str,
             params: Mapping[str, object]) -> str:
    """The experiment key: first 32 hex digits of the SHA-256 of the canonical JSON of the task.

    Parameters
    ----------
    function : str
        Name of the sweep function (``name`` of :func:`run_sweep`).
    version : str
        Version of the sweep (``version`` of :func:`run_sweep`).
    instrument : str
        The instrument.
    split : str
        The split (e.g. ``"train"``).
    params : dict
        The configuration (parameter name → value), validated as in :func:`expand_grid`.

    Returns
    -------
    str
        32 lowercase hexadecimal digits.

    Raises
    ------
    ValueError
        If ``params`` is not a valid configuration.

    Examples
    --------
    The key depends on the task's content only, not on the order of the parameters:

    >>> from mslab.sweeps import task_key
    >>> task_key("f", "1", "AAPL", "train", {"a": 1, "b": 2}) == task_key("f", "1", "AAPL", "train", {"b": 2, "a": 1})
    True
    """
    text = canonical_json({"function": function, "version": version, "instrument": instrument,
                           "split": split, "params": _config(params, "params")})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def function_name(func: Callable[..., object]) -> str:
    """``module.qualname`` of a function (of the wrapped function for ``functools.partial``,
    of the class for a callable instance): the default ``name`` of a sweep.

    Parameters
    ----------
    func
        A function, a ``functools.partial`` of one, or a callable instance.

    Returns
    -------
    str
        ``"<module>.<qualname>"``.
    """
    target = func.func if isinstance(func, functools.partial) else func
    owner = target if hasattr(target, "__qualname__") else type(target)
    return f"{owner.__module__}.{owner.__qualname__}"


# --------------------------------------------------------------------------- the table


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """The experiments table at ``path`` (an empty table if there is none yet).

    Read without taking the table's lock: the file is only ever replaced whole (atomic rename).

    Parameters
    ----------
    path : str or os.PathLike
        Path of the Parquet file.

    Returns
    -------
    pandas.DataFrame
        One row per task (columns as in the module docstring); with no file, an empty table with
        the columns :data:`KEY_COLUMNS`.

    Raises
    ------
    ValueError
        If ``path`` is not a str or path-like, is a directory, or lies in a directory that does
        not exist.
    """
    path = _table_path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY_COLUMNS})
    return pd.read_parquet(path)


def _table_path(path: object) -> Path:
    """``path`` as the Path of a table file: an existing directory (which pandas would read as
    a Parquet dataset) or a path in a missing directory is refused."""
    if not isinstance(path, (str, os.PathLike)):
        _validate.fail("table", path, "the path of a Parquet file (str or os.PathLike)")
    path = Path(path)
    if path.exists() and not path.is_file():
        _validate.fail("table", str(path), "the path of a Parquet file, not a directory")
    if not path.parent.is_dir():
        _validate.fail("table", str(path), "a file path in an existing directory")
    return path


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class _TableWriter:
    """Buffers finished rows and appends them to the table in chunks."""

    def __init__(self, path: Path, chunk_size: int, flush_seconds: float) -> None:
        self.path, self.chunk_size, self.flush_seconds = path, chunk_size, flush_seconds
        self.rows: list[dict[str, Scalar]] = []
        self.last = time.monotonic()

    def add(self, row: dict[str, Scalar]) -> None:
        self.rows.append(row)
        if (len(self.rows) >= self.chunk_size
                or time.monotonic() - self.last >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with _locked(self.path):
                existing = read_table(self.path)
                new = pd.DataFrame(self.rows).drop_duplicates("key")
                new = new[~new["key"].isin(existing["key"])]
                if len(new):
                    merged = pd.concat([existing, new], ignore_index=True) if len(existing) else new
                    _write_atomic(merged, self.path)
            self.rows.clear()
        self.last = time.monotonic()


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class _Todo:
    key: str
    params_json: str
    params: dict[str, Scalar]
    instrument: str
    split: str


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when process ``parent`` dies: the kernel's parent-death signal on
    Linux, plus a daemon thread that checks the parent process id every 0.5 s (portable, and
    covers a parent that died before the signal was armed)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="mslab-parent-watch", daemon=True).start()


def _init_worker(numba_threads: int, parent: int) -> None:
    """Local worker set-up: Ctrl-C is handled by the parent; kernels get a share of the cores;
    the worker dies with the parent ``parent``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["NUMBA_NUM_THREADS"] = str(numba_threads)
    _die_with_parent(parent)


def _executor(n_workers: int,
              scheduler: str | None) -> tuple[Executor, int, Callable[[bool], None]]:
    """(executor, tasks to keep in flight, close(wait))."""
    if scheduler is not None:
        from distributed import Client

        client = Client(scheduler)
        executor = client.get_executor(pure=False)
        threads = max(1, sum(client.nthreads().values()))

        def close(wait: bool) -> None:
            executor.shutdown(wait=wait)
            client.close()

        return executor, 2 * threads, close
    threads = max(1, available_cores() // n_workers)
    pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(threads, os.getpid()))
    return pool, 2 * n_workers, lambda wait: pool.shutdown(wait=wait, cancel_futures=True)


def _execute(func: Task, todo: list[_Todo], n_workers: int, scheduler: str | None,
             record: Callable[[_Todo, Mapping[str, Scalar]], None]) -> None:
    if scheduler is None and n_workers == 1:
        for task in todo:
            try:
                metrics = func(dict(task.params), task.instrument, task.split)
            except Exception as exc:
                exc.add_note(f"in sweep task {task.instrument}/{task.split} {task.params_json}")
                raise
            record(task, metrics)
        return
    executor, width, close = _executor(n_workers, scheduler)
    queue = iter(todo)
    running: dict[Future, _Todo] = {}
    error: BaseException | None = None
    clean = False
    try:
        while True:
            while error is None and len(running) < width and (task := next(queue, None)):
                running[executor.submit(func, dict(task.params), task.instrument,
                                        task.split)] = task
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                exc = future.exception()
                if exc is None:
                    record(task, future.result())
                elif error is None:
                    exc.add_note(f"in sweep task {task.instrument}/{task.split} "
                                 f"{task.params_json}")
                    error = exc
        clean = True
    finally:
        close(clean)
    if error is not None:
        raise error


def _row(name: str, version: str, task: _Todo, metrics: Mapping[str, object],
         kinds: dict[str, str]) -> dict[str, Scalar]:
    if not isinstance(metrics, Mapping):
        raise TypeError(f"sweep function returned {type(metrics).__name__} for task "
                        f"{task.instrument}/{task.split} {task.params_json}: it must return a "
                        "mapping from metric names to scalars")
    row: dict[str, Scalar] = {"key": task.key, "function": name, "version": version,
                              "instrument": task.instrument, "split": task.split,
                              "params_json": task.params_json, **task.params}
    for metric, value in metrics.items():
        if not isinstance(metric, str) or metric in row:
            raise ValueError(f"metric name {metric!r} returned by the sweep function clashes "
                             f"with a parameter or key column ({', '.join(row)})")
        row[metric] = _scalar(metric, value, finite=False)
    _check_kinds(kinds, {m: row[m] for m in metrics}, "metric",
                 f"in task {task.instrument}/{task.split} {task.params_json}")
    return row


def run_sweep(
    func: Task,
    configs: Sequence[Mapping[str, object]],
    *,
    instruments: Sequence[str],
    splits: Sequence[str],
    table: str | os.PathLike,
    version: str = "1",
    name: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = 256,
    flush_seconds: float = 10.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Run ``func(params, instrument, split)`` for every configuration × instrument × split
    not yet in the experiments table ``table`` (see the module docstring) and return the table's
    rows for all these tasks, in that order (configurations outermost). Duplicate tasks run
    once.

    ``name`` (default :func:`function_name`) and ``version`` enter the key. ``n_workers``:
    local processes (default: available cores; 1: in this process); ``scheduler``: a
    ``dask.distributed`` scheduler address to run on instead (then leave ``n_workers`` None).
    ``chunk_size`` (>= 1) and ``flush_seconds`` (>= 0) set how often results are written;
    ``progress`` shows a tqdm bar.

    Parameters
    ----------
    func
        The task, called as ``func(params, instrument, split)`` with ``params`` a dict and
        returning a mapping from metric names (str, not a parameter or key column) to scalars
        (str, int, float, bool or None; NaN allowed). Picklable unless ``n_workers`` is 1.
    configs : list of dict
        The configurations (parameter name → value, as from :func:`expand_grid`); non-empty.
    instruments : list of str
        Instruments, non-empty strings; at least one.
    splits : list of str
        Splits (e.g. ``["train", "validation", "test"]``), non-empty strings; at least one.
    table : str or os.PathLike
        Path of the Parquet experiments table, in an existing directory; created if missing.
    version : str
        Non-empty version string, part of the key. Default ``"1"``.
    name : str or None
        Non-empty function name, part of the key. Default None: :func:`function_name` of
        ``func``.
    n_workers : int or None
        Number of local worker processes (≥ 1; 1 runs the tasks in this process). Default None:
        the available cores. Must be None when ``scheduler`` is given.
    scheduler : str or None
        Address of a ``dask.distributed`` scheduler to run the tasks on. Default None: local
        processes.
    chunk_size : int
        Results buffered before an append to the table (≥ 1). Default 256.
    flush_seconds : float
        Seconds (≥ 0) after which buffered results are appended even if fewer than
        ``chunk_size``. Default 10.
    progress : bool
        Show a tqdm progress bar. Default True.

    Returns
    -------
    pandas.DataFrame
        The table's row of each distinct task (columns ``key``, ``function``, ``version``,
        ``instrument``, ``split``, ``params_json``, then every parameter and metric column of
        the table), ordered by configuration, then instrument, then split.

    Raises
    ------
    ValueError
        For an argument outside the ranges above, a parameter or metric whose values mix
        numbers, booleans and strings, or a metric name that clashes with a parameter or key
        column.
    TypeError
        If ``func`` returns something other than a mapping.
    Exception
        Whatever ``func`` raises, re-raised (with a note naming the task) after the results of
        the tasks in flight are written.
    """
    if not callable(func):
        _validate.fail("func", func, "a picklable callable func(params, instrument, split)")
    name = function_name(func) if name is None else name
    for label, value in (("name", name), ("version", version)):
        if not isinstance(value, str) or not value:
            _validate.fail(label, value, "a non-empty str")
    for label, values in (("instruments", instruments), ("splits", splits)):
        if (isinstance(values, str) or not isinstance(values, Sequence) or not values
                or not all(isinstance(v, str) and v for v in values)):
            _validate.fail(label, values, "a non-empty list of non-empty strings")
    if isinstance(configs, Mapping) or not isinstance(configs, Sequence) or not configs:
        _validate.fail("configs", configs, "a non-empty list of parameter mappings "
                       "(see expand_grid)")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler:
            _validate.fail("scheduler", scheduler, "a dask.distributed scheduler address")
        if n_workers is not None:
            _validate.fail("n_workers", n_workers, "None when a scheduler is given (the "
                           "cluster decides)")
        n_workers = 0
    else:
        n_workers = _validate.integer("n_workers", available_cores()
                                      if n_workers is None else n_workers, low=1)
    chunk_size = _validate.integer("chunk_size", chunk_size, low=1)
    flush_seconds = _validate.nonnegative("flush_seconds", flush_seconds)
    path = _table_path(table)
    existing = read_table(path)
    kinds = {c: k for c in existing.columns if c not in KEY_COLUMNS
             and (k := _column_kind(existing[c])) is not None}

    tasks: dict[str, _Todo] = {}
    for i, params in enumerate(configs):
        params = _config(params)
        _check_kinds(kinds, params, "parameter", f"in configs[{i}]")
        params_json = canonical_json(params)
        for instrument in instruments:
            for split in splits:
                key = task_key(name, version, instrument, split, params)
                tasks.setdefault(key, _Todo(key, params_json, params, instrument, split))
    done = set(existing["key"])
    todo = [t for k, t in tasks.items() if k not in done]

    writer = _TableWriter(path, chunk_size, flush_seconds)
    with tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=name.rsplit(".", 1)[-1],
              unit="task", disable=not progress) as bar:

        def record(task: _Todo, metrics: Mapping[str, Scalar]) -> None:
            writer.add(_row(name, version, task, metrics, kinds))
            bar.update()

        try:
            if todo:
                _execute(func, todo, n_workers, scheduler, record)
        finally:
            writer.flush()
    rows = read_table(path).set_index("key")
    return rows.loc[list(tasks)].reset_index()
