"""Selection bias of a parameter sweep: a time-ordered train/validation/test split and the
selection of a configuration from an experiments table, with the bias of picking the best one
made measurable.

The split cuts each instrument's snapshots, in time order, into consecutive slices (60/20/20 by
default); each slice is backtested on its own. The honest protocol picks the configuration with
the best metric on the *validation* slice and reports its metric on the untouched *test*
slice. Picking by the test metric itself (what "micromarket" did) reports the maximum of N
noisy estimates, which is biased upwards even when no configuration has any skill: for N
independent configurations with true Sharpe ratio 0, each estimated on T periods, the
annualised estimates are roughly normal with standard error ``sqrt(periods_per_year / T)``
(Lo, 2002; :func:`mslab.performance.null_sharpe_se`), so the reported maximum is inflated by about ``E[max of N standard normals]``
times that standard error (correlated configurations inflate less; the same ``N`` is the
effective number of independent trials in Bailey & López de Prado's deflated Sharpe ratio).

Tables are the experiments tables of :mod:`mslab.sweeps`: one row per (configuration,
instrument, split), the configuration identified by its canonical JSON in ``params_json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid
from scipy.special import ndtr

from mslab import _validate
from mslab.performance import null_sharpe_se

SPLITS = ("train", "validation", "test")
FRACTIONS = (0.6, 0.2, 0.2)


def split_slices(n: int, fractions: Sequence[float] = FRACTIONS) -> dict[str, slice]:
    """Consecutive slices of ``range(n)`` named :data:`SPLITS`, of lengths proportional to
    ``fractions`` (three positive numbers summing to 1): the boundaries are
    ``floor(n·f₀)`` and ``floor(n·(f₀ + f₁))``. Every slice must hold at least two snapshots
    (one P&L increment).

    Parameters
    ----------
    n : int
        Number of snapshots, ≥ 2.
    fractions : tuple of float
        Shares of the train, validation and test slices: three positive numbers summing to 1
        (within 10⁻⁹). Default :data:`FRACTIONS` (0.6, 0.2, 0.2).

    Returns
    -------
    dict
        ``{"train": slice, "validation": slice, "test": slice}``, covering ``range(n)`` in
        order.

    Raises
    ------
    ValueError
        If ``n`` is not an integer ≥ 2, ``fractions`` is not three positive numbers summing to
        1, or a slice would hold fewer than two snapshots.

    Examples
    --------
    >>> from mslab.selection_bias import split_slices
    >>> split_slices(10)
    {'train': slice(0, 6, None), 'validation': slice(6, 8, None), 'test': slice(8, 10, None)}
    """
    n = _validate.integer("n", n, low=2)
    allowed = "three positive numbers summing to 1"
    if isinstance(fractions, (str, bytes)) or not isinstance(fractions, Sequence):
        _validate.fail("fractions", fractions, allowed)
    if len(fractions) != 3:
        _validate.fail("fractions", tuple(fractions), allowed)
    f = [_validate.positive("fractions", x) for x in fractions]
    if abs(sum(f) - 1.0) > 1e-9:
        _validate.fail("fractions", tuple(fractions), allowed)
    b1 = int(np.floor(round(n * f[0], 9)))
    b2 = int(np.floor(round(n * (f[0] + f[1]), 9)))
    bounds = (0, b1, b2, n)
    if min(np.diff(bounds)) < 2:
        _validate.fail("n", n, f"large enough for every split to hold >= 2 snapshots with "
                       f"fractions={tuple(fractions)} (boundaries {bounds})")
    return {name: slice(bounds[i], bounds[i + 1]) for i, name in enumerate(SPLITS)}


def expected_max_normal(n: int) -> float:
    """``E[max(Z₁, ..., Z_n)]`` for independent standard normals (0 for n = 1; about 1.54 for
    10, 2.51 for 100), by quadrature of ``∫ x · n φ(x) Φ(x)^(n−1) dx``.

    The trapezoidal rule runs on 48 001 points of [−12, 12].

    Parameters
    ----------
    n : int
        Number of normals, ≥ 1.

    Returns
    -------
    float
        The expected maximum, in standard deviations.

    Raises
    ------
    ValueError
        If ``n`` is not an integer ≥ 1.

    Examples
    --------
    The best of 100 skill-free configurations looks 2.5 standard errors good:

    >>> from mslab.selection_bias import expected_max_normal
    >>> round(expected_max_normal(10), 4), round(expected_max_normal(100), 4)
    (1.5388, 2.5076)
    """
    n = _validate.integer("n", n, low=1)
    x = np.linspace(-12.0, 12.0, 48001)
    density = n * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi) * ndtr(x) ** (n - 1)
    return float(trapezoid(x * density, x))


def _wide(table: pd.DataFrame, metric: str, splits: Sequence[str]) -> pd.DataFrame:
    """One row per (instrument, params_json) with ``metric`` per split as columns."""
    if not isinstance(table, pd.DataFrame):
        _validate.fail("table", type(table).__name__, "an experiments table (a pandas DataFrame)")
    if not isinstance(metric, str) or metric not in table.columns:
        _validate.fail("metric", metric, "the name of a metric column of the table ("
                       + ", ".join(map(str, table.columns)) + ")")
    for col in ("instrument", "split", "params_json"):
        if col not in table.columns:
            _validate.fail("table", f"<columns {list(table.columns)}>",
                           f"an experiments table with a {col!r} column")
    missing = set(splits) - set(table["split"])
    if missing:
        _validate.fail("table", f"<splits {sorted(set(table['split']))}>",
                       f"a table holding the splits {sorted(missing)}")
    rows = table[table["split"].isin(splits)]
    if rows.duplicated(["instrument", "params_json", "split"]).any():
        _validate.fail("table", "<duplicate rows>", "one row per (instrument, params_json, "
                       "split): select one function and version of a shared table first")
    wide = rows.pivot(index=["instrument", "params_json"], columns="split", values=metric)
    return wide.reindex(columns=list(splits))


def _pick(wide: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per instrument, the row with the largest ``column`` (NaN never beats a number; ties go to
    the smallest ``params_json``, so the pick is deterministic)."""
    ordered = wide.reset_index().sort_values(["instrument", "params_json"], kind="stable")
    ordered = ordered.sort_values(["instrument", column], ascending=[True, False],
                                  na_position="last", kind="stable")
    return ordered.groupby("instrument", sort=True).head(1).set_index("instrument")


def select_best(table: pd.DataFrame, *, metric: str = "sharpe", select_on: str = "validation",
                report_on: str = "test") -> pd.DataFrame:
    """Per instrument, the configuration with the best ``metric`` on the ``select_on`` split and
    its ``metric`` on the ``report_on`` split (the honest out-of-sample figure when
    ``select_on="validation"``).

    The best is the largest value; NaN never beats a number, and ties go to the smallest
    ``params_json``, so the pick is deterministic.

    Parameters
    ----------
    table : pandas.DataFrame
        An experiments table (:mod:`mslab.sweeps`): one row per (instrument, ``params_json``,
        split), with columns ``instrument``, ``split``, ``params_json`` and ``metric``.
    metric : str
        The metric column to maximise (larger is better). Default ``"sharpe"``.
    select_on : str
        Split the configuration is picked on, one of :data:`SPLITS`. Default ``"validation"``.
    report_on : str
        Split whose metric is reported, one of :data:`SPLITS`. Default ``"test"``.

    Returns
    -------
    pandas.DataFrame
        One row per instrument (the index, sorted): ``params_json``, ``<metric>_<select_on>``,
        ``<metric>_<report_on>``, ``n_configs`` (the number of configurations compared: those
        whose ``metric`` on ``select_on`` is not NaN), and the chosen parameters decoded from
        ``params_json``, one column each (a parameter named like one of the columns before is
        left out).

    Raises
    ------
    ValueError
        If ``select_on`` or ``report_on`` is not a split name, ``table`` is not a DataFrame or
        lacks a column or one of the two splits, ``metric`` is not a column, or a (instrument,
        ``params_json``, split) occurs twice.
    """
    _validate.choice("select_on", select_on, SPLITS)
    _validate.choice("report_on", report_on, SPLITS)
    splits = list(dict.fromkeys([select_on, report_on]))
    wide = _wide(table, metric, splits)
    best = _pick(wide, select_on)
    out = pd.DataFrame({"params_json": best["params_json"],
                        f"{metric}_{select_on}": best[select_on],
                        f"{metric}_{report_on}": best[report_on]})
    out["n_configs"] = wide[select_on].notna().groupby(level="instrument").sum()
    params = pd.DataFrame([json.loads(p) for p in out["params_json"]], index=out.index)
    return out.join(params.drop(columns=[c for c in params if c in out], errors="ignore"))


def selection_bias(table: pd.DataFrame, *, metric: str = "sharpe") -> pd.DataFrame:
    """The two selection protocols side by side, per instrument.

    Columns: ``n_configs`` (N); ``validation_pick_validation`` (the validation-picked
    configuration's validation metric: in-sample, inflated); ``validation_pick_test`` (its test
    metric: the honest out-of-sample figure); ``test_pick_test`` (the best test metric:
    micromarket's number, inflated by selection); ``test_mean`` and ``test_sd`` (mean and
    standard deviation of the test metric across configurations); and, for ``metric="sharpe"``
    when the table has ``n_periods`` and ``periods_per_year`` columns, ``null_se`` (the standard
    error ``sqrt(periods_per_year / T)`` of an annualised Sharpe ratio with true value 0 over
    the test slice's T periods) and ``expected_max_under_null`` (``E[max of N] · null_se``: what
    the test pick reports on average when no configuration has skill and the N are independent).
    For another metric whose standard error the table holds in a ``<metric>_se`` column (e.g.
    ``pnl_per_hour`` and ``pnl_per_hour_se`` of :mod:`mslab.orderbook.snapshot`), ``null_se``
    is the median of the configurations' standard errors on the test slice (NaN where none is
    defined) and ``expected_max_under_null`` as above, measured from the test mean instead of 0:
    ``test_mean + E[max of N] · null_se``.
    Configurations whose metric is NaN on either split (e.g. they never traded) are not
    candidates: they are left out of N and of every column.

    Parameters
    ----------
    table : pandas.DataFrame
        An experiments table (:mod:`mslab.sweeps`): one row per (instrument, ``params_json``,
        split), with columns ``instrument``, ``split``, ``params_json`` and ``metric``.
        It must hold the ``validation`` and ``test`` splits; optional columns ``n_periods`` and
        ``periods_per_year`` (for the Sharpe ratio: T and A are their medians over the
        instrument's test rows) or ``<metric>_se``.
    metric : str
        The metric column compared (larger is better). Default ``"sharpe"``.

    Returns
    -------
    pandas.DataFrame
        One row per instrument with at least one candidate (the index, sorted), with the columns
        above (``test_sd`` is NaN for N = 1); ``null_se`` and ``expected_max_under_null`` only
        when the table has the columns they need.

    Raises
    ------
    ValueError
        If ``table`` is not a DataFrame or lacks the ``instrument``, ``split`` or
        ``params_json`` column or the ``validation`` or ``test`` split, ``metric`` is not a
        column, or a (instrument, ``params_json``, split) occurs twice.
    """
    wide = _wide(table, metric, ["validation", "test"])
    wide = wide[wide["validation"].notna() & wide["test"].notna()]
    by_val = _pick(wide, "validation")
    by_test = _pick(wide, "test")
    grouped = wide.groupby(level="instrument")["test"]
    out = pd.DataFrame({
        "n_configs": grouped.size(),
        "validation_pick_validation": by_val["validation"],
        "validation_pick_test": by_val["test"],
        "test_pick_test": by_test["test"],
        "test_mean": grouped.mean(),
        "test_sd": grouped.std(ddof=1),
    })
    if metric == "sharpe" and {"n_periods", "periods_per_year"} <= set(table.columns):
        test = table[table["split"] == "test"]
        per = test.groupby("instrument")[["n_periods", "periods_per_year"]].median()
        out["null_se"] = null_sharpe_se(per["n_periods"], per["periods_per_year"])
        e_max = {int(k): expected_max_normal(int(k)) for k in out["n_configs"].unique()}
        out["expected_max_under_null"] = out["n_configs"].map(e_max) * out["null_se"]
    elif f"{metric}_se" in table.columns:
        test = table[table["split"] == "test"]
        candidates = test.set_index(["instrument", "params_json"]).index.isin(wide.index)
        out["null_se"] = test[candidates].groupby("instrument")[f"{metric}_se"].median()
        e_max = {int(k): expected_max_normal(int(k)) for k in out["n_configs"].unique()}
        out["expected_max_under_null"] = (out["test_mean"]
                                          + out["n_configs"].map(e_max) * out["null_se"])
    return out
