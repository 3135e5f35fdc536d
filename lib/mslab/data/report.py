"""Validation reports shared by the data loaders, and the checked CSV/Parquet reader behind them.

Every loader reads a whole file, checks it, and returns typed data together with a
:class:`ValidationReport`. Nothing is dropped silently:

* a row that cannot be represented in the typed result (wrong number of fields, a value that
  does not parse, an empty field where an integer is required, ...) is **dropped**, and the
  report lists it with its row number and the reason;
* a row that parses but breaks a rule of the format (crossed book, time going backwards, ...)
  is **kept** and **flagged** in the report;
* a remark about a whole file (a file name outside the naming convention, ignored columns) is a
  **note**.

Row numbers are what a text editor shows: 1-based line numbers for CSV files (a header, if
any, is line 1), 1-based row positions for Parquet files.

Text files are read line by line (one line is one row; a quoted field cannot span lines). The
encoding is detected from a byte-order mark (UTF-8, UTF-16 LE/BE; a BOM-less UTF-16 file is
recognised by its NUL bytes), else UTF-8; a note says which was used when it is not plain UTF-8.
A row with bytes that do not decode is dropped (``undecodable_bytes``) and the others are kept;
a row with an unbalanced or misplaced quote is dropped as ``malformed_row``. Typed results use the same numbers as
their index (named ``row``), so ``frame.loc[issue.rows]`` selects a flagged row.

With ``strict=True`` a loader raises :class:`DataValidationError` (a ``ValueError``) listing
every dropped or flagged row instead of returning. Structural problems that leave nothing to
type (an unreadable file, missing columns) raise it in both modes.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _validate

_CHUNK_LINES = 50_000
_SHOW_ROWS = 8


@dataclass(frozen=True, eq=False)
class Issue:
    """One problem found in one file.

    ``rows`` holds the affected row numbers (empty for a note about the whole file); ``count``
    is the number of affected rows, or for a note the number of items it is about (e.g.
    ignored columns).

    Attributes
    ----------
    file : str
        The file the issue is about.
    problem : str
        Short name of the problem, e.g. ``"malformed_row"``, ``"crossed_book"``.
    action : str
        ``"dropped"`` (rows removed from the result), ``"flagged"`` (rows kept) or ``"note"``.
    rows : numpy.ndarray
        Sorted, distinct row numbers affected (int64); empty for a note.
    count : int
        Number of affected rows, or of items a note is about.
    detail : str
        Human-readable explanation.
    """

    file: str
    problem: str
    action: str
    rows: np.ndarray
    count: int
    detail: str

    def __str__(self) -> str:
        where = ""
        if self.rows.size:
            shown = ", ".join(str(r) for r in self.rows[:_SHOW_ROWS])
            extra = self.rows.size - _SHOW_ROWS
            more = f", … (+{extra} more)" if extra > 0 else ""
            where = f" at row{'s' if self.rows.size > 1 else ''} {shown}{more}"
        return f"{self.file}: {self.problem} ×{self.count} ({self.action}){where}: {self.detail}"


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """All issues found while loading, plus row counts.

    ``rows_read`` maps each file to the number of data rows in it (header excluded), and
    ``rows_kept`` is the number of rows in the typed result.

    Attributes
    ----------
    issues : tuple
        The :class:`Issue` objects, notes first.
    rows_read : dict
        Data rows read (header excluded) per file name.
    rows_kept : int
        Rows in the typed result.
    """

    issues: tuple[Issue, ...]
    rows_read: dict[str, int]
    rows_kept: int

    @property
    def ok(self) -> bool:
        """True when nothing was dropped or flagged (notes are allowed)."""
        return all(i.action == "note" for i in self.issues)

    @property
    def n_dropped(self) -> int:
        """Number of distinct rows dropped, summed over files."""
        total = 0
        for name in {i.file for i in self.issues}:
            dropped = [i.rows for i in self.issues if i.file == name and i.action == "dropped"]
            total += np.unique(np.concatenate(dropped)).size if dropped else 0
        return total

    def rows(self, problem: str, file: str | None = None) -> np.ndarray:
        """Sorted row numbers with the given problem (in one file, or in any).

        Parameters
        ----------
        problem : str
            Problem name, e.g. ``"crossed_book"``.
        file : str or None
            Only issues of this file; None (default) for every file.

        Returns
        -------
        numpy.ndarray
            Distinct row numbers (int64), ascending; empty when there is no such issue. Row
            numbers of different files are merged.
        """
        found = [i.rows for i in self.issues
                 if i.problem == problem and (file is None or i.file == file)]
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def summary(self) -> pd.DataFrame:
        """One line per issue: file, problem, action, count, first rows, detail.

        Returns
        -------
        pandas.DataFrame
            Columns ``file``, ``problem``, ``action``, ``count``, ``first_rows`` (the first 8
            row numbers, comma-separated text) and ``detail``; one row per issue.
        """
        cols = ["file", "problem", "action", "count", "first_rows", "detail"]
        data = [[i.file, i.problem, i.action, i.count,
                 ", ".join(str(r) for r in i.rows[:_SHOW_ROWS]), i.detail] for i in self.issues]
        return pd.DataFrame(data, columns=cols)

    def __str__(self) -> str:
        files = ", ".join(f"{f} ({n} rows)" for f, n in self.rows_read.items())
        head = (f"Validation report: read {files}; kept {self.rows_kept} rows, dropped "
                f"{self.n_dropped}; {len(self.issues)} issue(s)")
        return "\n".join([head] + [f"  - {i}" for i in self.issues])


class DataValidationError(ValueError):
    """A file failed validation; ``report`` holds every issue found (when there is one).

    A subclass of ``ValueError``.

    Parameters
    ----------
    message : str
        What failed; in strict mode the message includes the report.
    report : ValidationReport or None
        The report when the raiser passes one (strict mode does); None otherwise (e.g. a
        missing column).

    Attributes
    ----------
    report : ValidationReport or None
        As given.
    """

    def __init__(self, message: str, report: ValidationReport | None = None):
        super().__init__(message)
        self.report = report


class Collector:
    """Accumulates issues while a loader runs (internal to the loaders)."""

    def __init__(self) -> None:
        self._issues: dict[tuple[str, str, str], tuple[list[np.ndarray], list[str]]] = {}
        self._notes: list[Issue] = []

    def add(self, file: str, problem: str, action: str, rows: object, detail: str) -> None:
        """Record ``rows`` (row numbers) of ``file`` as having ``problem``; no-op when empty.
        Repeated calls with the same (file, problem, action) are merged.

        Parameters
        ----------
        file : str
            The file.
        problem : str
            Problem name.
        action : str
            ``"dropped"`` or ``"flagged"``.
        rows : numpy.ndarray
            Row numbers (anything convertible to int64; flattened).
        detail : str
            Explanation; distinct details of merged calls are joined with ``"; "``.

        Raises
        ------
        ValueError
            For any other ``action``.
        """
        if action not in ("dropped", "flagged"):
            raise ValueError(f"action={action!r} is not allowed: action must be 'dropped' or "
                             "'flagged' (use note() for file-level remarks)")
        rows = np.asarray(rows, dtype=np.int64).ravel()
        if rows.size == 0:
            return
        parts, details = self._issues.setdefault((file, problem, action), ([], []))
        parts.append(rows)
        if detail not in details:
            details.append(detail)

    def note(self, file: str, problem: str, detail: str, count: int = 1,
             action: str = "note") -> None:
        """A remark about a whole file (no rows); ``action="flagged"`` makes it count as a
        problem (strict mode raises).

        Parameters
        ----------
        file : str
            The file.
        problem : str
            Name of the remark, e.g. ``"encoding"``.
        detail : str
            Explanation.
        count : int
            Number of items the remark is about; 1 by default.
        action : str
            ``"note"`` (default) or ``"flagged"``; not checked.
        """
        self._notes.append(Issue(file, problem, action, np.empty(0, dtype=np.int64), count,
                                 detail))

    def report(self, rows_read: dict[str, int], rows_kept: int) -> ValidationReport:
        """The report of everything recorded so far.

        Parameters
        ----------
        rows_read : dict
            Data rows read per file name.
        rows_kept : int
            Rows in the typed result.

        Returns
        -------
        ValidationReport
            Notes first, then one issue per (file, problem, action), with distinct sorted
            rows.
        """
        issues = list(self._notes)
        for (file, problem, action), (parts, details) in self._issues.items():
            rows = np.unique(np.concatenate(parts))
            issues.append(Issue(file, problem, action, rows, int(rows.size), "; ".join(details)))
        return ValidationReport(tuple(issues), dict(rows_read), int(rows_kept))


def finish(collector: Collector, rows_read: dict[str, int], rows_kept: int,
           strict: bool) -> ValidationReport:
    """Build the report; in strict mode raise if anything was dropped or flagged.

    Parameters
    ----------
    collector : Collector
        The issues recorded while loading.
    rows_read : dict
        Data rows read per file name.
    rows_kept : int
        Rows in the typed result.
    strict : bool
        Raise instead of returning a report that is not ``ok``.

    Returns
    -------
    ValidationReport
        The report.

    Raises
    ------
    DataValidationError
        With ``strict``, if a row was dropped or flagged (or a note has ``action="flagged"``).
    """
    report = collector.report(rows_read, rows_kept)
    if strict and not report.ok:
        raise DataValidationError(f"strict validation failed\n{report}", report)
    return report


def check_strict(name: str, value: object) -> bool:
    """A loader's ``strict`` flag, which must be a bool.

    Parameters
    ----------
    name : str
        Parameter name for the message.
    value : object
        The value received.

    Returns
    -------
    bool
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        _validate.fail(name, value, "True or False")
    return value  # type: ignore[return-value]


def check_output_path(name: str, value: object) -> Path:
    """A path (str or pathlib.Path, not empty) that need not exist yet.

    Parameters
    ----------
    name : str
        Parameter name for the message.
    value : object
        The value received.

    Returns
    -------
    pathlib.Path
        ``value`` as a Path.

    Raises
    ------
    ValueError
        If ``value`` is not a str or Path, is blank, or contains a NUL character.
    """
    if not isinstance(value, (str, Path)) or not str(value).strip() or "\x00" in str(value):
        _validate.fail(name, value, "a path (str or pathlib.Path)")
    return Path(value)  # type: ignore[arg-type]


def check_path(name: str, value: object) -> Path:
    """An existing file.

    Parameters
    ----------
    name : str
        Parameter name for the message.
    value : object
        The value received.

    Returns
    -------
    pathlib.Path
        ``value`` as a Path.

    Raises
    ------
    ValueError
        If ``value`` is not a path (see :func:`check_output_path`) of an existing file.
    """
    path = check_output_path(name, value)
    if not path.is_file():
        _validate.fail(name, str(value), "an existing file")
    return path


# --------------------------------------------------------------------------------------------
# Checked reading


@dataclass
class Table:
    """Parsed rows of one file: ``frame`` holds pandas-inferred columns indexed by row number
    (rows with the wrong number of fields already dropped and reported); ``n_rows`` counts all
    data rows in the file; ``non_records`` the row numbers of blank or header lines skipped by
    ``read_csv(..., records=True)``."""

    file: str
    columns: list[str]
    frame: pd.DataFrame
    n_rows: int
    non_records: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    first_row: int = 1

    def record_rows(self) -> np.ndarray:
        """Row numbers of the file's records in order (every data row but the
        ``non_records``): record ``r`` (1-based) is on row ``record_rows()[r - 1]``.

        Returns
        -------
        numpy.ndarray
            Row numbers (int64), ascending.
        """
        return record_rows(self.first_row, self.n_rows, self.non_records)


def record_rows(first_row: int, n_rows: int, non_records: np.ndarray) -> np.ndarray:
    """Row numbers of a file's records: the ``n_rows`` data rows from ``first_row`` on, but
    the ``non_records`` (blank or header lines).

    Parameters
    ----------
    first_row : int
        Row number of the first data row (2 after a header, else 1).
    n_rows : int
        Number of data rows in the file.
    non_records : numpy.ndarray
        Row numbers to leave out (int64).

    Returns
    -------
    numpy.ndarray
        Row numbers (int64), ascending.
    """
    rows = np.arange(first_row, first_row + n_rows, dtype=np.int64)
    return np.setdiff1d(rows, non_records) if non_records.size else rows


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def sniff_encoding(path: Path) -> str:
    """The text encoding of ``path``: from its byte-order mark (``utf-8-sig``, ``utf-16``),
    ``utf-16-le``/``utf-16-be`` for BOM-less UTF-16 (NUL bytes in the first 4 kB), else
    ``utf-8``. A gzip file is looked at after decompression.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    str
        A Python codec name: ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be`` or
        ``utf-8``.
    """
    with _open_bytes(path) as fh:
        head = fh.read(4096)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return "utf-16-le" if odd > even else "utf-16-be"
    return "utf-8"


def _open_bytes(path: Path):
    """Open for reading bytes, decompressing a gzip file (recognised by its magic number, so
    ``name.csv.gz`` as downloaded works like ``name.csv``)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _open_text(path: Path, encoding: str):
    """Open for reading lines; undecodable bytes become U+FFFD (the rows are then dropped)."""
    return io.TextIOWrapper(_open_bytes(path), encoding=encoding, errors="replace", newline=None)


def _field_count(line: str) -> int:
    """Comma-separated fields of one line; -1 when its quotes are unbalanced or misplaced."""
    if '"' not in line:
        return line.count(",") + 1
    try:
        return len(next(csv.reader([line.rstrip("\n")], strict=True), []))
    except csv.Error:
        return -1


def _field_counts(lines: list[str], text: str) -> np.ndarray:
    """Comma-separated field count of each line (``text`` is the lines joined)."""
    if '"' in text:  # quoted fields may contain commas: parse those lines properly
        return np.fromiter((_field_count(ln) for ln in lines), dtype=np.int64,
                           count=len(lines))
    buf = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(buf == ord("\n"))
    if ends.size < len(lines):  # last line without a newline
        ends = np.append(ends, buf.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas = np.flatnonzero(buf == ord(","))
    return np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1


def _chunks(path: Path, skip: int, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number of the first line, lines with their newlines) after ``skip`` lines."""
    with _open_text(path, encoding) as fh:
        for _ in range(skip):
            fh.readline()
        first = skip + 1
        while True:
            lines = list(itertools.islice(fh, _CHUNK_LINES))
            if not lines:
                return
            yield first, lines
            first += len(lines)


_NUMERIC_BYTES = b"0123456789+-.,eE\n"  # all a line of plain numbers is made of


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _non_records(lines: list[str], text: str) -> np.ndarray:
    """Positions of blank lines and of lines none of whose fields is a number (a header line
    repeated inside a header-less file)."""
    raw = text.encode("utf-8")
    if not (b"\n\n" in raw or raw.startswith(b"\n") or raw.translate(None, _NUMERIC_BYTES)):
        return np.empty(0, dtype=np.int64)  # the common case, checked at C speed
    return np.array([i for i, ln in enumerate(lines)
                     if not ln.strip() or not any(_is_number(f) for f in ln.split(","))],
                    dtype=np.int64)


def read_csv(path: Path, collector: Collector, *, header: bool,
             n_fields: int | None = None, names: Sequence[str] | None = None,
             records: bool = False) -> Table:
    """Read a comma-separated file in chunks of lines. With ``header`` the first line names
    the columns; otherwise ``names`` does, or (``names=None``) ``n_fields`` unnamed columns
    ``0..n-1`` where ``n_fields=None`` takes the field count of the first line. Lines with the
    wrong number of fields or unbalanced quotes are dropped and reported as ``malformed_row``,
    lines with undecodable bytes as ``undecodable_bytes``. With ``records`` (header-less files
    whose rows pair with another file's), blank lines and lines without any number are
    dropped as ``non_record_line`` and listed in ``Table.non_records``.

    Parameters
    ----------
    path : pathlib.Path
        The file (plain or gzip-compressed text).
    collector : Collector
        Receives the dropped rows and the encoding note.
    header : bool
        Whether the first line names the columns.
    n_fields : int or None
        Number of unnamed columns when there is neither a header nor ``names``; None takes
        the field count of the first line.
    names : list of str or None
        Column names of a header-less file.
    records : bool
        Drop blank lines and lines without a number as ``non_record_line``.

    Returns
    -------
    Table
        The kept rows with pandas-inferred column types, indexed by line number.

    Raises
    ------
    DataValidationError
        If the header line is empty or cannot be parsed, or pandas cannot parse the checked
        lines.
    """
    file = str(path)
    encoding = sniff_encoding(path)
    if encoding != "utf-8":
        collector.note(file, "encoding", f"decoded as {encoding}")
    skip = 0
    if header:
        with _open_text(path, encoding) as fh:
            first_line = fh.readline().rstrip("\n")
        if not first_line.strip():
            raise DataValidationError(f"{file}: the first line must be a header naming the "
                                      "columns, but it is empty")
        try:
            columns = [c.strip() for c in next(csv.reader([first_line], strict=True))]
        except csv.Error as exc:
            raise DataValidationError(f"{file}: the header (row 1) cannot be parsed: "
                                      f"{exc}") from exc
        skip = 1
    elif names is not None:
        columns = list(names)
    else:
        if n_fields is None:
            with _open_text(path, encoding) as fh:
                n_fields = max(_field_count(fh.readline()), 1)
        columns = [str(i) for i in range(n_fields)]
    expected = len(columns)

    frames = []
    n_rows = 0
    skipped = []
    for first, lines in _chunks(path, skip, encoding):
        n_rows += len(lines)
        text = "".join(lines)
        numbers = np.arange(first, first + len(lines), dtype=np.int64)
        bad = np.zeros(len(lines), dtype=bool)
        if records:
            at = _non_records(lines, text)
            bad[at] = True
            skipped.append(numbers[at])
            collector.add(file, "non_record_line", "dropped", numbers[at],
                          "a blank or header line inside the data; skipped, later rows keep "
                          "their pairing")
        if "\ufffd" in text:
            undecodable = np.array(["\ufffd" in ln for ln in lines]) & ~bad
            collector.add(file, "undecodable_bytes", "dropped", numbers[undecodable],
                          f"bytes that are not valid {encoding}")
            bad |= undecodable
        counts = _field_counts(lines, text)
        quote = (counts < 0) & ~bad
        collector.add(file, "malformed_row", "dropped", numbers[quote],
                      "an unbalanced or misplaced quote")
        wrong = (counts != expected) & ~bad & ~quote
        if wrong.any():
            found = ", ".join(str(c) for c in np.unique(counts[wrong])[:5])
            collector.add(file, "malformed_row", "dropped", numbers[wrong],
                          f"expected {expected} comma-separated fields, found {found}")
        bad |= quote | wrong
        if bad.any():
            text = "".join(ln for ln, b in zip(lines, bad, strict=True) if not b)
            if not text:
                continue
        kept = numbers[~bad]
        try:
            chunk = pd.read_csv(io.StringIO(text), header=None, names=range(expected),
                                index_col=False, skip_blank_lines=False, low_memory=False)
        except (pd.errors.ParserError, ValueError) as exc:  # a safety net: lines were checked
            line = re.search(r"line (\d+)", str(exc))
            where = f"row {kept[int(line[1]) - 1]}" if line and int(line[1]) <= kept.size \
                else f"rows {kept[0]}-{kept[-1]}"
            raise DataValidationError(f"{file}: cannot parse {where}: {exc}") from exc
        chunk.columns = columns
        chunk.index = pd.Index(kept, name="row")
        frames.append(chunk)
    if frames:
        frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=float) for c in columns},
                             index=pd.Index([], dtype=np.int64, name="row"))
    non_records = np.concatenate(skipped) if skipped else np.empty(0, dtype=np.int64)
    return Table(file, columns, frame, n_rows, non_records, skip + 1)


def read_parquet(path: Path, *, keep_index: bool = False) -> Table:
    """Read a Parquet file; rows are numbered 1..n. With ``keep_index`` a stored index other
    than the default 0..n-1 (e.g. a ``DatetimeIndex``) becomes the first column(s).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    keep_index : bool
        Keep a stored non-default index as column(s); False by default (it is dropped).

    Returns
    -------
    Table
        All rows, indexed 1..n, column names as stripped strings.

    Raises
    ------
    DataValidationError
        If the file cannot be read as Parquet.
    """
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DataValidationError(f"{path}: cannot be read as Parquet ({exc})") from exc
    stored = keep_index and not (isinstance(frame.index, pd.RangeIndex)
                                 and frame.index.start == 0 and frame.index.step == 1)
    frame = frame.reset_index(drop=not stored)
    frame.index = pd.Index(np.arange(1, len(frame) + 1, dtype=np.int64), name="row")
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(str(path), list(frame.columns), frame, len(frame))


def read_table(path: Path, collector: Collector, *, keep_index: bool = False) -> Table:
    """A CSV (with header) or Parquet file, chosen by suffix (``.parquet``/``.pq`` is Parquet;
    ``keep_index``: see :func:`read_parquet`).

    Parameters
    ----------
    path : pathlib.Path
        The file.
    collector : Collector
        Receives the issues of a CSV file.
    keep_index : bool
        See :func:`read_parquet`; ignored for CSV.

    Returns
    -------
    Table
        The rows read.

    Raises
    ------
    DataValidationError
        If the file cannot be read (see :func:`read_csv`, :func:`read_parquet`).
    """
    if path.suffix.lower() in (".parquet", ".pq"):
        return read_parquet(path, keep_index=keep_index)
    return read_csv(path, collector, header=True)


def require_columns(table: Table, required: Sequence[str]) -> None:
    """Raise DataValidationError naming every missing column.

    Parameters
    ----------
    table : Table
        The table read.
    required : list of str
        Column names it must have.

    Raises
    ------
    DataValidationError
        If a required column is missing (the first 20 are named).
    """
    check_columns(table.file, table.columns, required)


def check_columns(file: str, present: Sequence[str], required: Sequence[str]) -> None:
    """Raise DataValidationError naming every ``required`` column not ``present`` in ``file``.

    Parameters
    ----------
    file : str
        File name for the message.
    present : list of str
        Columns the file has.
    required : list of str
        Columns it must have.

    Raises
    ------
    DataValidationError
        If a required column is missing (the first 20 are named).
    """
    have = set(present)
    missing = [c for c in required if c not in have]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise DataValidationError(f"{file}: {len(missing)} required column(s) missing: "
                                  f"{shown}{more}")


NA_TEXT = {"", "nan", "na", "n/a", "null", "none", "<na>", "-nan", "-na"}


def to_numeric(table: Table, columns: Sequence[str], collector: Collector) -> None:
    """Convert ``columns`` of ``table.frame`` to float64 in place. Rows with a value that is
    neither a number nor a missing-value marker (empty, NaN, NA, null) are dropped and reported
    as ``unparseable_value``; missing values become NaN (the caller decides about them).
    Booleans are not numbers: a bool column drops every row.

    Parameters
    ----------
    table : Table
        The table; its ``frame`` is modified (or replaced when rows are dropped).
    columns : list of str
        Columns to convert.
    collector : Collector
        Receives the dropped rows.
    """
    frame = table.frame
    bad_rows = np.zeros(len(frame), dtype=bool)
    bad_cols: list[str] = []
    for col in columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            frame[col] = values.to_numpy(dtype=np.float64, na_value=np.nan)  # NA of Int64 too
            continue
        converted = pd.to_numeric(values, errors="coerce")
        text = values.astype(str).str.strip().str.lower()
        bad = converted.isna().to_numpy() & ~values.isna().to_numpy() & \
            ~text.isin(NA_TEXT).to_numpy()
        if pd.api.types.is_bool_dtype(values):  # True/False are not numbers here
            bad[:] = True
        if bad.any():
            bad_cols.append(col)
            bad_rows |= bad
        frame[col] = converted.astype(np.float64)
    if bad_rows.any():
        shown = ", ".join(bad_cols[:10]) + (" …" if len(bad_cols) > 10 else "")
        collector.add(table.file, "unparseable_value", "dropped", frame.index[bad_rows],
                      f"a value that is not a number in column(s) {shown}")
        table.frame = frame.loc[~bad_rows].copy()


def drop_rows(table: Table, mask: np.ndarray, collector: Collector, problem: str,
              detail: str) -> None:
    """Drop the rows of ``table.frame`` where ``mask`` is true, reporting them.

    Parameters
    ----------
    table : Table
        The table; ``frame`` is replaced when a row is dropped.
    mask : numpy.ndarray
        Boolean, one value per row of ``table.frame``.
    collector : Collector
        Receives the dropped rows.
    problem : str
        Problem name.
    detail : str
        Explanation.
    """
    if mask.any():
        collector.add(table.file, problem, "dropped", table.frame.index[mask], detail)
        table.frame = table.frame.loc[~mask].copy()


def infinite(table: Table, columns: Sequence[str], collector: Collector, *,
             action: str = "flagged") -> None:
    """Report rows with ``inf`` or ``-inf`` in the float ``columns`` as ``infinite_value``:
    flagged (kept), or dropped with ``action="dropped"``.

    Parameters
    ----------
    table : Table
        The table.
    columns : list of str
        Float columns to check.
    collector : Collector
        Receives the rows.
    action : str
        ``"dropped"`` drops the rows; any other value (default ``"flagged"``) flags them.
    """
    values = table.frame[list(columns)].to_numpy(dtype=np.float64)
    mask = np.isinf(values)
    if not mask.any():
        return
    cols = [columns[j] for j in np.flatnonzero(mask.any(axis=0))]
    detail = "an infinite value in column(s) " + ", ".join(cols[:10])
    rows = mask.any(axis=1)
    if action == "dropped":
        drop_rows(table, rows, collector, "infinite_value", detail)
    else:
        flag(collector, table.file, table.frame.index, rows, "infinite_value", detail)


def flag(collector: Collector, file: str, index: pd.Index, mask: np.ndarray, problem: str,
         detail: str) -> None:
    """Flag (keep) the rows of ``index`` where ``mask`` is true.

    Parameters
    ----------
    collector : Collector
        Receives the rows.
    file : str
        The file.
    index : pandas.Index
        Row numbers.
    mask : numpy.ndarray
        Boolean, one value per entry of ``index``.
    problem : str
        Problem name.
    detail : str
        Explanation.
    """
    if np.any(mask):
        collector.add(file, problem, "flagged", index[np.asarray(mask)], detail)


def flag_time_order(collector: Collector, file: str, index: pd.Index, times: pd.Series,
                    *, duplicates: bool) -> None:
    """Flag rows whose time is earlier than the previous row's (``non_monotonic_time``) and,
    when ``duplicates``, equal to it (``duplicate_time``). ``times`` is a float (seconds) or
    datetime Series; missing times are skipped.

    Parameters
    ----------
    collector : Collector
        Receives the rows.
    file : str
        The file.
    index : pandas.Index
        Row numbers, one per entry of ``times``.
    times : pandas.Series
        Float (seconds) or datetime (naive or tz-aware) times; each is compared with the
        previous non-missing time.
    duplicates : bool
        Also flag a time equal to the previous one.
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(times):
        valid = times.notna().to_numpy()
        x = times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    else:
        x = times.to_numpy(dtype=np.float64)
        valid = ~np.isnan(x)
    pos = np.flatnonzero(valid)
    if pos.size < 2:
        return
    prev, cur = x[pos[:-1]], x[pos[1:]]
    flag(collector, file, index[pos[1:]], cur < prev, "non_monotonic_time",
         "time is earlier than on the previous row")
    if duplicates:
        flag(collector, file, index[pos[1:]], cur == prev, "duplicate_time",
             "time equals the previous row's")
