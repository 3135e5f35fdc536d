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
    """Load each funding file (CSV or Parquet in the Binance format), keyed by its file stem
    (a repeated stem gets its position appended)."""
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
    """``rate`` and ``mark`` on the complete settlement grid (NaN where missing)."""
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
    settlements without a mark price."""
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
