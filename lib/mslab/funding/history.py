"""Funding histories for analysis: several files loaded with their validation reports and
placed on their nominal settlement grid (missing settlements stay missing)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.data import report as rep
from mslab.data.funding import FundingHistory, load_funding
from mslab.funding.facts import on_grid

MAX_FILES = 50
_CHAPTER = "the funding chapter's parameter funding_files"


def load_histories(paths: Sequence[str | Path]) -> dict[str, FundingHistory]:
    """Load each funding file (CSV or Parquet in the Binance format), keyed by its file stem.

    Each file is read by :func:`~mslab.data.funding.load_funding` (non-strict: problems are
    reported, not raised). The key is the file stem without a ``_funding`` suffix
    (``BTCUSDT_funding.csv`` → ``BTCUSDT``); a repeated stem gets its 1-based position in
    ``paths`` appended, e.g. ``"BTCUSDT (2)"``.

    Parameters
    ----------
    paths : list of str
        Paths (``str`` or :class:`pathlib.Path`) of 1 to :data:`MAX_FILES` (50) existing files;
        a single string is refused.

    Returns
    -------
    dict
        File key → :class:`~mslab.data.funding.FundingHistory` (with its validation report), in
        the order of ``paths``.

    Raises
    ------
    ValueError
        If ``paths`` is not a non-empty list of paths, has more than 50 entries or names a
        missing file; ``DataValidationError`` (a ``ValueError``) for a file that cannot be read
        as a funding history.
    """
    if isinstance(paths, (str, Path)) or not isinstance(paths, Sequence) or not paths:
        _validate.fail("paths", paths, f"a non-empty list of file paths ({_CHAPTER})")
    if len(paths) > MAX_FILES:
        _validate.fail("paths", f"<{len(paths)} files>", f"at most {MAX_FILES} files ({_CHAPTER})")
    for p in paths:
        rep.check_path("paths", p)
    out: dict[str, FundingHistory] = {}
    for i, p in enumerate(paths):
        h = load_funding(p)
        name = Path(p).stem.removesuffix("_funding")
        out[name if name not in out else f"{name} ({i + 1})"] = h
    return out


def grid_frame(history: FundingHistory) -> pd.DataFrame:
    """``rate`` and ``mark`` on the complete settlement grid (NaN where missing).

    Parameters
    ----------
    history : FundingHistory
        A loaded funding history (:func:`load_histories`).

    Returns
    -------
    pandas.DataFrame
        Indexed by every nominal settlement time from the first to the last, one
        ``interval_hours`` apart (:func:`~mslab.funding.facts.on_grid`): ``rate`` (fraction of
        notional per settlement) and ``mark`` (mark price, quote currency). Both are NaN at a
        missing settlement, ``mark`` also where the file has no mark price; of duplicate
        settlements the first row is kept.

    Raises
    ------
    ValueError
        If ``history`` is not a ``FundingHistory``, or its grid exceeds the element bound of
        :func:`mslab._validate.elements`.
    """
    if not isinstance(history, FundingHistory):
        _validate.fail("history", type(history).__name__, "a FundingHistory")
    rate = history.rate
    keep = ~rate.index.duplicated(keep="first")
    mark = pd.Series(history.frame["mark_price"].to_numpy()[keep], index=rate.index[keep])
    g = on_grid(rate, history.interval_hours)
    return pd.DataFrame({"rate": g, "mark": mark.reindex(g.index)})


def report_table(histories: dict[str, FundingHistory]) -> pd.DataFrame:
    """One row per file: settlements kept, interval, first and last settlement, missing
    settlements (gaps), flagged irregular intervals, off-schedule and duplicate rows, and
    settlements without a mark price.

    Parameters
    ----------
    histories : dict
        File key → :class:`~mslab.data.funding.FundingHistory`, as :func:`load_histories`
        returns.

    Returns
    -------
    pandas.DataFrame
        One row per entry of ``histories``, in order, with columns ``file`` (the key),
        ``settlements`` (rows kept), ``interval (h)``, ``first`` and ``last`` (nominal
        settlement times, ``"YYYY-MM-DD HH:MM"`` UTC), ``missing settlements`` (NaN rates on the
        complete grid), ``irregular intervals``, ``off schedule`` and ``duplicates`` (rows
        flagged in the validation report) and ``without mark price`` (rows with a NaN mark
        price).

    Raises
    ------
    ValueError
        If ``histories`` is not a dict whose values are all ``FundingHistory``.
    """
    if not isinstance(histories, dict) or not all(isinstance(h, FundingHistory)
                                                  for h in histories.values()):
        _validate.fail("histories", type(histories).__name__,
                       "a dict of FundingHistory (as load_histories returns)")
    rows = []
    for name, h in histories.items():
        summary = h.report.summary()
        counts = (summary.groupby("problem")["count"].sum() if len(summary)
                  else pd.Series(dtype=float))
        g = grid_frame(h)
        rows.append({
            "file": name, "settlements": len(h.frame), "interval (h)": h.interval_hours,
            "first": h.frame["settlement"].iloc[0].strftime("%Y-%m-%d %H:%M"),
            "last": h.frame["settlement"].iloc[-1].strftime("%Y-%m-%d %H:%M"),
            "missing settlements": int(g["rate"].isna().sum()),
            "irregular intervals": int(counts.get("irregular_interval", 0)),
            "off schedule": int(counts.get("off_schedule", 0)),
            "duplicates": int(counts.get("duplicate_settlement", 0)),
            "without mark price": int(np.isnan(h.frame["mark_price"].to_numpy()).sum()),
        })
    return pd.DataFrame(rows)
