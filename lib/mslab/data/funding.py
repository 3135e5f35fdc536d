"""Perpetual-futures funding-rate histories in the Binance format: checked loading.

One row per funding settlement (CSV with header, or Parquet), Binance's column names:

* ``fundingTime`` — settlement time, ms since 1970-01-01 UTC (integer);
* ``fundingRate`` — the rate paid at that settlement for the interval it closes, a fraction of
  the position's notional (0.0001 = 0.01 %); positive: longs pay shorts;
* ``markPrice`` — optional; the mark price at the settlement (quote currency), empty where the
  source has none (Binance's endpoint returns it only since 2023-10-31).

Other venues' histories can be converted to these three columns. Settlements fall on a nominal
grid: every ``interval`` since midnight UTC (8 h: 00:00, 08:00, 16:00; 1 h: every hour). The
loader infers the interval as the most common spacing of consecutive settlements (rounded to
the minute) unless ``interval_hours`` is given, and places each settlement on its nearest grid
time. Recorded times jitter around the grid (Binance: up to ~50 ms); jitter up to
``max_jitter_ms`` (default 1 s) is tolerated and returned (``jitter_ms``), larger offsets are
flagged.

Returned frame (indexed by row number): ``time`` (datetime64[ns, UTC], the recorded
``fundingTime``), ``funding_time_ms`` (int64), ``settlement`` (datetime64[ns, UTC], the nominal
grid time), ``jitter_ms`` (int64, time − settlement), ``rate`` (float64, per interval),
``mark_price`` (float64, NaN where missing), ``interval_h`` (float64, hours since the previous
settlement; NaN on the first row).

Checks (see :mod:`mslab.data.report`): dropped — ``malformed_row``, ``unparseable_value``,
``missing_value`` (no time or no rate), ``non_integer_value`` (a time that is not whole ms),
``time_out_of_range`` (before 1970 or after 2262);
flagged — ``non_monotonic_time``, ``duplicate_settlement`` (within 2 × ``max_jitter_ms`` of
the previous row), ``gap`` (a spacing of k ≥ 2 intervals: k − 1 settlements missing; the detail
counts them), ``irregular_interval`` (a spacing farther than 2 × ``max_jitter_ms`` from a whole
number of intervals), ``off_schedule`` (|jitter| > ``max_jitter_ms``),
``non_positive_price`` (mark price ≤ 0); notes — missing mark prices (the count), the interval
found, other spacings seen. Gaps are never filled and duplicates never
merged. Missing columns raise :class:`~mslab.data.report.DataValidationError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.data import report as rep
from mslab.data.report import Collector, DataValidationError, ValidationReport

TIME, RATE, MARK = "fundingTime", "fundingRate", "markPrice"
MS_PER_HOUR = 3_600_000
MAX_INTERVAL_HOURS = 24 * 7
MIN_INTERVAL_HOURS = 1 / 60
MAX_TIME_MS = 9_000_000_000_000_000  # datetime64[ns] ends in 2262


@dataclass(frozen=True, eq=False)
class FundingHistory:
    """A loaded funding history (see the module docstring for the columns of ``frame``).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per kept settlement, indexed by row number (columns in the module docstring).
    interval_hours : float
        Nominal settlement interval (hours), given or inferred.
    max_jitter_ms : int
        Largest tolerated distance of a recorded time from its settlement (ms).
    path : pathlib.Path
        The file read.
    report : ValidationReport
        Every dropped or flagged row and the notes.
    """

    frame: pd.DataFrame
    interval_hours: float
    max_jitter_ms: int
    path: Path
    report: ValidationReport

    @property
    def rate(self) -> pd.Series:
        """Funding rate per interval, indexed by nominal settlement time."""
        return pd.Series(self.frame["rate"].to_numpy(), name="rate",
                         index=pd.DatetimeIndex(self.frame["settlement"], name="settlement"))

    def between(self, start: str | pd.Timestamp, end: str | pd.Timestamp) -> pd.DataFrame:
        """Rows whose nominal settlement lies in [start, end] (UTC; a date alone means its
        00:00).

        Parameters
        ----------
        start : str or pandas.Timestamp
            First settlement time included; a naive time is taken as UTC.
        end : str or pandas.Timestamp
            Last settlement time included, not before ``start``.

        Returns
        -------
        pandas.DataFrame
            The rows of ``frame`` in the window (same columns and index).

        Raises
        ------
        ValueError
            If ``start`` or ``end`` is not a date-time string or Timestamp, or ``end`` is
            before ``start``.
        """
        lo, hi = _timestamp("start", start), _timestamp("end", end)
        if hi < lo:
            _validate.fail("end", end, f"a time not before start={start!r}")
        s = self.frame["settlement"]
        return self.frame[(s >= lo) & (s <= hi)]


def _timestamp(name: str, value: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ts = pd.NaT
    if not isinstance(value, (str, pd.Timestamp)) or ts is pd.NaT:
        _validate.fail(name, value, "a date-time string or pandas Timestamp (UTC)")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _infer_interval(times: np.ndarray) -> int:
    """Most common spacing of consecutive times (ms), rounded to the minute; ties go to the
    shorter spacing."""
    step = np.round(np.diff(times) / 60_000.0).astype(np.int64) * 60_000
    step = step[step > 0]
    if step.size == 0:
        raise DataValidationError("fewer than two distinct settlement times: the interval "
                                  "cannot be inferred (give interval_hours)")
    values, counts = np.unique(step, return_counts=True)
    return int(values[np.argmax(counts)])


def load_funding(path: str | Path, *, interval_hours: float | None = None,
                 max_jitter_ms: int = 1_000, strict: bool = False) -> FundingHistory:
    """Load and check a funding history (CSV with header, or ``.parquet``).

    ``interval_hours`` (1/60 ≤ h ≤ 168) fixes the nominal settlement interval instead of
    inferring it; ``max_jitter_ms`` (0..3,600,000) is the largest tolerated distance of a
    recorded time from its nominal settlement. With ``strict=True`` any dropped or flagged row
    raises :class:`~mslab.data.report.DataValidationError`; otherwise the data is returned with
    its report (see the module docstring for the checks).

    Parameters
    ----------
    path : str or pathlib.Path
        An existing CSV file with a header, or a Parquet file (suffix ``.parquet`` or ``.pq``).
    interval_hours : float or None
        Nominal settlement interval (hours, 1/60 ≤ h ≤ 168); None (default) infers it as the
        most common spacing of consecutive settlements, rounded to the minute.
    max_jitter_ms : int
        Largest tolerated offset of a recorded time from its nominal settlement (ms,
        0..3,600,000); 1 s by default.
    strict : bool
        With True, any dropped or flagged row raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    FundingHistory
        The kept settlements, typed, with the interval and the validation report.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file or a parameter is outside its range.
    DataValidationError
        If the file cannot be read, a required column is missing, no valid settlement
        remains, the interval cannot be inferred (fewer than two distinct times), or
        (``strict=True``) a row is dropped or flagged.

    Examples
    --------
    A Binance-format file with a missing settlement: the gap is reported, never filled.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from mslab.data.funding import load_funding
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "BTCUSDT_funding.csv"
    >>> _ = path.write_text("fundingTime,fundingRate\\n1704067200000,0.0001\\n"
    ...                     "1704096000000,0.00012\\n1704153600000,-0.00005\\n")
    >>> history = load_funding(path)
    >>> history.interval_hours, len(history.frame)
    (8.0, 3)
    >>> [(issue.problem, issue.action, issue.count) for issue in history.report.issues]
    [('no_mark_price', 'note', 1), ('interval', 'note', 2), ('gap', 'flagged', 1)]
    >>> tmp.cleanup()
    """
    path = rep.check_path("path", path)
    if interval_hours is not None:
        interval_hours = _validate.real("interval_hours", interval_hours,
                                        low=MIN_INTERVAL_HOURS, high=MAX_INTERVAL_HOURS)
    max_jitter_ms = _validate.integer("max_jitter_ms", max_jitter_ms, low=0, high=MS_PER_HOUR)
    strict = rep.check_strict("strict", strict)
    collector = Collector()
    table = rep.read_table(path, collector)
    rep.require_columns(table, [TIME, RATE])
    file = table.file
    has_mark = MARK in table.columns
    if not has_mark:
        collector.note(file, "no_mark_price", f"no {MARK} column: mark prices are NaN")
        table.frame[MARK] = np.nan
    ignored = [c for c in table.columns if c not in (TIME, RATE, MARK)]
    if ignored:
        collector.note(file, "ignored_columns", "columns outside the format were ignored: "
                       + ", ".join(ignored[:10]), count=len(ignored))
    table.frame = table.frame[[TIME, RATE, MARK]].copy()
    rep.to_numeric(table, [TIME, RATE, MARK], collector)
    t = table.frame[TIME].to_numpy()
    rate = table.frame[RATE].to_numpy()
    rep.drop_rows(table, ~np.isfinite(t) | ~np.isfinite(rate), collector, "missing_value",
                  f"an empty, NaN or infinite {TIME} or {RATE}")
    t = table.frame[TIME].to_numpy()
    rep.drop_rows(table, t != np.round(t), collector, "non_integer_value",
                  f"{TIME} must be whole milliseconds")
    t = table.frame[TIME].to_numpy()
    rep.drop_rows(table, (t < 0) | (t > MAX_TIME_MS), collector, "time_out_of_range",
                  f"{TIME} must lie in [0, {MAX_TIME_MS}] ms (1970 to 2262)")
    frame = table.frame
    if frame.empty:
        raise DataValidationError(f"{file}: no valid settlement\n"
                                  f"{collector.report({file: table.n_rows}, 0)}")
    idx = frame.index
    ms = frame[TIME].to_numpy().astype(np.int64)
    interval = (int(round(interval_hours * MS_PER_HOUR)) if interval_hours is not None
                else _infer_interval(ms))
    nominal = np.round(ms / interval).astype(np.int64) * interval
    jitter = ms - nominal
    mark = frame[MARK].to_numpy(dtype=np.float64)

    back = np.concatenate(([False], np.diff(ms) < 0))
    rep.flag(collector, file, idx, back, "non_monotonic_time",
             f"{TIME} earlier than on the previous row")
    # spacing of recorded times, in intervals; two jitters of slack
    step = np.diff(ms)
    k = np.round(step / interval).astype(np.int64)
    on_grid = np.abs(step - k * interval) <= 2 * max_jitter_ms
    dup = np.concatenate(([False], on_grid & (k == 0)))
    rep.flag(collector, file, idx, dup, "duplicate_settlement",
             "the same settlement as the previous row (within two jitters)")
    gap = np.concatenate(([False], on_grid & (k > 1)))
    if gap.any():
        missing = int(np.sum(k[on_grid & (k > 1)] - 1))
        rep.flag(collector, file, idx, gap, "gap",
                 f"settlements missing before the row ({missing} in all, not filled)")
    irregular = np.concatenate(([False], ~on_grid & (step > 0)))
    rep.flag(collector, file, idx, irregular, "irregular_interval",
             f"spacing is not a whole number of {interval / MS_PER_HOUR:g} h intervals")
    rep.flag(collector, file, idx, np.abs(jitter) > max_jitter_ms, "off_schedule",
             f"more than {max_jitter_ms} ms from the nominal settlement time")
    rep.flag(collector, file, idx, mark <= 0, "non_positive_price", f"{MARK} <= 0")
    n_missing = int(np.isnan(mark).sum())
    if n_missing and has_mark:
        last = idx[np.isnan(mark)][-1]
        collector.note(file, "missing_mark_price", f"{MARK} empty on {n_missing} row(s) (the "
                       f"last at row {last}); kept as NaN", count=n_missing)
    spacing = pd.Series(np.round(np.diff(ms) / MS_PER_HOUR, 3)).value_counts()
    collector.note(file, "interval", f"nominal interval {interval / MS_PER_HOUR:g} h "
                   f"({'given' if interval_hours is not None else 'inferred'}); spacings "
                   "seen (h × count): " + ", ".join(f"{h:g} × {c}" for h, c in
                                                   spacing.head(5).items()),
                   count=int(spacing.size))

    out = pd.DataFrame({
        "time": pd.to_datetime(ms, unit="ms", utc=True),
        "funding_time_ms": ms,
        "settlement": pd.to_datetime(nominal, unit="ms", utc=True),
        "jitter_ms": jitter,
        "rate": frame[RATE].to_numpy(dtype=np.float64),
        "mark_price": mark,
        "interval_h": np.concatenate(([np.nan], np.diff(ms) / MS_PER_HOUR)),
    }, index=idx)
    report = rep.finish(collector, {file: table.n_rows}, len(out), strict)
    return FundingHistory(frame=out, interval_hours=interval / MS_PER_HOUR,
                          max_jitter_ms=max_jitter_ms, path=path, report=report)
