"""Crypto L2 order-book snapshots in the schema of the public "high frequency crypto limit order
book" data set (Coinbase BTC, ETH and ADA books sampled every second or minute; files such as
``BTC_1sec.csv``, ``ETH_1min.csv``): checked loading and writing.

One row per snapshot. Columns (units):

* ``system_time``  snapshot time, UTC;
* ``midpoint``     (best bid + best ask) / 2, quote currency (USD);
* ``spread``       best ask − best bid, USD;
* ``buys``, ``sells``  taker (market-order) volume during the bucket ending at the snapshot;
* for each side ``bids``/``asks`` and level i = 0..14 (0 = best):
  ``{side}_distance_i`` signed relative distance of the level's price from the midpoint,
  (price − midpoint)/midpoint (negative for bids, positive for asks);
  ``{side}_notional_i`` resting notional (USD) at the level;
  ``{side}_cancel_notional_i``, ``{side}_limit_notional_i``, ``{side}_market_notional_i``
  notional cancelled, added by limit orders and executed by market orders at the level during
  the bucket.

Columns come in that order (all bid blocks, then all ask blocks); the loader selects them by
name, accepts the real file's leading unnamed index column and reads CSV or Parquet.

Checks (see :mod:`mslab.data.report`): dropped rows — ``malformed_row`` (wrong number of
fields, unbalanced quote), ``undecodable_bytes``, ``unparseable_value``, ``unparseable_time``;
flagged rows — ``missing_value`` (NaN or empty), ``infinite_value`` (``inf`` in a number), ``non_monotonic_time``, ``duplicate_time``, ``crossed_book`` (negative spread or bid
distance above ask distance at level 0), ``locked_book`` (zero spread or equal level-0
distances), ``non_positive_price`` (midpoint ≤ 0), ``negative_volume`` (a negative notional,
``buys`` or ``sells``), ``distance_sign`` (a bid level above or an ask level below the
midpoint), ``levels_not_sorted`` (distances not moving away from the midpoint level by level).
Missing columns raise :class:`~mslab.data.report.DataValidationError`, naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mslab import _validate
from mslab.data import report as rep
from mslab.data.report import Collector, DataValidationError, ValidationReport

LEVELS = 15
SIDES = ("bids", "asks")
LEVEL_FIELDS = ("distance", "notional", "cancel_notional", "limit_notional", "market_notional")
HEAD = ("system_time", "midpoint", "spread", "buys", "sells")
_LEVEL_COLUMN = re.compile(r"^(bids|asks)_(" + "|".join(LEVEL_FIELDS) + r")_\d+$")
_INDEX_NAMES = ("", "Unnamed: 0", "__index_level_0__")


def columns(levels: int = LEVELS) -> list[str]:
    """The schema's column names in file order for ``levels`` levels per side.

    Parameters
    ----------
    levels : int
        Levels per side (15, the data set's, by default); not validated.

    Returns
    -------
    list of str
        The 5 head columns, then for each side (bids, asks) and each level field the
        ``levels`` columns ``{side}_{field}_0`` … : 5 + 10·levels names.
    """
    return list(HEAD) + [f"{side}_{name}_{i}" for side in SIDES for name in LEVEL_FIELDS
                         for i in range(levels)]


@dataclass(frozen=True, eq=False)
class CryptoSnapshots:
    """Loaded snapshots: ``frame`` holds the schema's columns in order (``system_time`` as
    datetime64[ns, UTC], the rest float64), indexed by row number.

    Attributes
    ----------
    frame : pandas.DataFrame
        The kept snapshots, columns ``columns(levels)`` (units in the module docstring).
    levels : int
        Levels per side loaded (1..15).
    path : pathlib.Path
        The file read.
    report : ValidationReport
        Every dropped or flagged row and the notes.
    """

    frame: pd.DataFrame
    levels: int
    path: Path
    report: ValidationReport

    @property
    def time(self) -> pd.Series:
        """Snapshot times, ``frame["system_time"]`` (datetime64[ns, UTC])."""
        return self.frame["system_time"]

    def level_matrix(self, name: str) -> np.ndarray:
        """The (n, levels) array of a per-level quantity, e.g. ``"bids_notional"``.

        Parameters
        ----------
        name : str
            ``"{side}_{field}"`` with side ``bids`` or ``asks`` and field one of
            ``distance``, ``notional``, ``cancel_notional``, ``limit_notional``,
            ``market_notional``.

        Returns
        -------
        numpy.ndarray
            float64 of shape (n_snapshots, levels), column i for level i (0 = best); units of
            the field (distance: a fraction of the midpoint; notionals: USD).

        Raises
        ------
        ValueError
            For any other string ``name``.
        """
        side, _, field = name.partition("_")
        if side not in SIDES or field not in LEVEL_FIELDS:
            _validate.fail("name", name, "'{bids|asks}_{field}' with field one of "
                           + ", ".join(LEVEL_FIELDS))
        cols = [f"{name}_{i}" for i in range(self.levels)]
        return self.frame[cols].to_numpy(dtype=np.float64)

    def level_prices(self, side: str) -> np.ndarray:
        """(n, levels) prices of a side's levels, midpoint × (1 + distance).

        Parameters
        ----------
        side : str
            ``"bids"`` or ``"asks"``.

        Returns
        -------
        numpy.ndarray
            float64 of shape (n_snapshots, levels), quote currency (USD); NaN where the
            midpoint or distance is missing.

        Raises
        ------
        ValueError
            For any other value of ``side``.
        """
        _validate.choice("side", side, SIDES)
        mid = self.frame["midpoint"].to_numpy()[:, None]
        return mid * (1.0 + self.level_matrix(f"{side}_distance"))


def _parse_time(table: rep.Table, collector: Collector) -> None:
    raw = table.frame["system_time"]
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw):
        parsed = pd.to_datetime(raw, utc=True)
    else:
        parsed = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
        text = raw.astype(str).str.strip().str.lower()
        bad = parsed.isna().to_numpy() & ~raw.isna().to_numpy() & \
            ~text.isin(rep.NA_TEXT).to_numpy()
        if bad.any():
            parsed = parsed[~bad]
        rep.drop_rows(table, bad, collector, "unparseable_time",
                      "system_time is not an ISO 8601 date-time")
    table.frame["system_time"] = parsed.astype("datetime64[ns, UTC]")


def load_crypto_snapshots(path: str | Path, *, levels: int = LEVELS,
                          strict: bool = False) -> CryptoSnapshots:
    """Load and check a crypto snapshot file (CSV with header, or ``.parquet``).

    ``levels`` (1..15) is how many levels per side to load; columns of deeper levels are
    ignored. With ``strict=True`` any dropped or flagged row raises
    :class:`~mslab.data.report.DataValidationError`; otherwise the data is returned with its
    report (see the module docstring for the checks).

    Parameters
    ----------
    path : str or pathlib.Path
        An existing CSV file with a header, or a Parquet file (suffix ``.parquet`` or ``.pq``).
    levels : int
        Levels per side to load, 1..15 (15 by default).
    strict : bool
        With True, any dropped or flagged row raises
        :class:`~mslab.data.report.DataValidationError`; with False (default) the data is
        returned with its report.

    Returns
    -------
    CryptoSnapshots
        The kept snapshots, typed, with the validation report.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file, ``levels`` is outside 1..15 or ``strict`` is not
        a bool.
    DataValidationError
        If the file cannot be read, a column is missing, the header repeats a column name,
        or (``strict=True``) a row is dropped or flagged.
    """
    path = rep.check_path("path", path)
    levels = _validate.integer("levels", levels, low=1, high=LEVELS)
    strict = rep.check_strict("strict", strict)
    collector = Collector()
    table = rep.read_table(path, collector)
    wanted = columns(levels)
    rep.require_columns(table, wanted)
    ignored = [c for c in table.columns
               if c not in wanted and c not in _INDEX_NAMES and not _LEVEL_COLUMN.match(c)]
    if ignored:
        collector.note(table.file, "ignored_columns",
                       "columns outside the schema were ignored: " + ", ".join(ignored[:10])
                       + (" …" if len(ignored) > 10 else ""), count=len(ignored))
    if len(set(table.columns)) != len(table.columns):
        raise DataValidationError(f"{table.file}: duplicate column names in the header")
    table.frame = table.frame[wanted].copy()
    _parse_time(table, collector)
    numeric = wanted[1:]
    rep.to_numeric(table, numeric, collector)
    rep.infinite(table, numeric, collector)
    frame = table.frame
    file, idx = table.file, frame.index

    values = frame[numeric].to_numpy(dtype=np.float64)
    nan = np.isnan(values)
    nan_cols = [numeric[j] for j in np.flatnonzero(nan.any(axis=0))]
    time_nat = frame["system_time"].isna().to_numpy()
    if time_nat.any():
        nan_cols.insert(0, "system_time")
    rep.flag(collector, file, idx, nan.any(axis=1) | time_nat, "missing_value",
             "NaN or empty value in column(s) " + ", ".join(nan_cols[:10])
             + (" …" if len(nan_cols) > 10 else ""))
    rep.flag_time_order(collector, file, idx, frame["system_time"], duplicates=True)

    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64)

    def block(side: str, name: str) -> np.ndarray:
        return frame[[f"{side}_{name}_{i}" for i in range(levels)]].to_numpy(dtype=np.float64)

    spread, bd, ad = col("spread"), block("bids", "distance"), block("asks", "distance")
    rep.flag(collector, file, idx, (spread < 0) | (bd[:, 0] > ad[:, 0]), "crossed_book",
             "negative spread or bids_distance_0 > asks_distance_0")
    rep.flag(collector, file, idx, (spread == 0) | (bd[:, 0] == ad[:, 0]), "locked_book",
             "zero spread or bids_distance_0 = asks_distance_0")
    rep.flag(collector, file, idx, col("midpoint") <= 0, "non_positive_price",
             "midpoint <= 0")
    volumes = [col("buys"), col("sells")] + [block(s, n) for s in SIDES
                                             for n in LEVEL_FIELDS[1:]]
    negative = np.zeros(len(frame), dtype=bool)
    for v in volumes:
        negative |= (v < 0) if v.ndim == 1 else (v < 0).any(axis=1)
    rep.flag(collector, file, idx, negative, "negative_volume",
             "a negative notional, buys or sells")
    rep.flag(collector, file, idx, (bd > 0).any(axis=1) | (ad < 0).any(axis=1),
             "distance_sign", "bid distances must be <= 0 and ask distances >= 0")
    if levels > 1:
        rep.flag(collector, file, idx,
                 (np.diff(bd, axis=1) >= 0).any(axis=1) | (np.diff(ad, axis=1) <= 0).any(axis=1),
                 "levels_not_sorted",
                 "distances must move away from the midpoint level by level")

    report = rep.finish(collector, {file: table.n_rows}, len(frame), strict)
    return CryptoSnapshots(frame=frame, levels=levels, path=path, report=report)


def write_crypto_snapshots(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write snapshots in the schema (CSV with the real files' leading unnamed index column, or
    Parquet for a ``.parquet`` or ``.pq`` suffix). ``frame`` must hold ``columns(levels)`` for
    some ``levels``; in CSV, floats are written with 9 significant digits, times as
    ``YYYY-MM-DD HH:MM:SS.ffffff+00:00`` (UTC).

    Parameters
    ----------
    frame : pandas.DataFrame
        Snapshots with exactly the columns ``columns(levels)``, in order; its index is not
        written (the CSV index column counts rows from 0).
    path : str or pathlib.Path
        Output file; missing parent directories are created, an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame with the schema's columns in order, or ``path`` is not
        a path.
    """
    if not isinstance(frame, pd.DataFrame):
        _validate.fail("frame", type(frame).__name__, "a pandas DataFrame")
    n_level_cols = len(frame.columns) - len(HEAD)
    levels = n_level_cols // (2 * len(LEVEL_FIELDS))
    if levels < 1 or list(frame.columns) != columns(levels):
        _validate.fail("frame", f"DataFrame with columns {list(frame.columns)[:6]}…",
                       "a DataFrame with exactly the schema's columns, in order")
    path = rep.check_output_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.reset_index(drop=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        out.to_parquet(path, index=False)
        return path
    out = out.copy()
    t = pd.to_datetime(out["system_time"], utc=True)
    out["system_time"] = t.dt.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00:00"
    out.to_csv(path, index=True, index_label="", float_format="%.9g", lineterminator="\n")
    return path
