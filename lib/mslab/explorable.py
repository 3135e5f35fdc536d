"""Explorable figures: Altair parameters bound to controls, over data computed in advance.

A reader of the static book has no server, so an explorable figure carries its answers with
it: a library function computes the model's output for a small grid of the knob (risk aversion
γ, a queue model, λ, N and τ, …), the chart embeds that table, and a control bound to an
Altair parameter picks the rows to draw (``transform_filter``). Everything runs in the browser
from the page (``mslab.figures``' offline renderer), from ``file://`` as from a server.

Building blocks
---------------
* :func:`grid_slider` — a slider that steps exactly through an evenly spaced grid (linearly or
  in ``log10``), and :func:`slider_value`, the column the data must carry to be matched;
* :func:`on_grid` — the filter expression selecting the grid point under the slider;
* :func:`choice` — a dropdown (or radio buttons) over a list of labels, with :func:`is_choice`;
* :func:`long_metrics` — a table with one column per metric made long (one row per metric);
* :func:`relabel` — an expression giving short codes their labels (keeps the embedded data
  small: store ``"inv"``, show "investors pay");
* :func:`value_text` — a one-line view that prints an expression of the controls, e.g. the
  value a log slider selects;
* :func:`check_size` — refuse a chart whose embedded spec exceeds :data:`MAX_BYTES` (keep the
  pages light: thin the grid, round the numbers).

Controls are labelled by their ``label`` (with units); Vega shows the slider's current value
beside it. A chart with several views adds each parameter once (``add_params`` on the
top-level chart or on one view).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from mslab import _validate, figures

__all__ = ["MAX_BYTES", "check_size", "choice", "grid_slider", "is_choice", "long_metrics",
           "on_grid", "relabel", "slider_value", "value_text"]

MAX_BYTES = 300_000
"""Largest JSON size (bytes) of one explorable chart's spec, data included."""

_DIGITS = 6  # slider positions and data are rounded to this many decimals before matching


def _grid(name: str, grid: object, log: bool) -> tuple[np.ndarray, float]:
    """The slider coordinates of ``grid`` (log10 when ``log``) and their common step."""
    g = _validate.real_vector(name, grid, low=0.0 if log else None)
    if g.size < 2 or np.any(np.diff(g) <= 0) or (log and g.min() <= 0):
        _validate.fail(name, grid, "an increasing grid of at least two values"
                       + (" > 0" if log else ""))
    x = np.log10(g) if log else g
    step = (x[-1] - x[0]) / (x.size - 1)
    if not np.allclose(np.diff(x), step, rtol=1e-6, atol=1e-12):
        _validate.fail(name, grid, "evenly spaced" + (" in log10" if log else ""))
    return np.round(x, _DIGITS), float(np.round(step, _DIGITS))


def slider_value(grid: object, values: object, *, log: bool = False) -> np.ndarray:
    """The slider coordinate of each of ``values`` (points of ``grid``): the value itself, or
    its ``log10`` when ``log``, rounded as :func:`grid_slider` rounds the slider's positions.
    Store it as a column of the chart's data and filter with :func:`on_grid`.

    Parameters
    ----------
    grid : list of float or numpy.ndarray
        The knob's grid: increasing, at least two values, evenly spaced (in log10 when ``log``,
        and then > 0).
    values : float, list of float or numpy.ndarray
        Points of ``grid`` (a scalar or an array of any shape).
    log : bool
        The grid is evenly spaced in log10 and the slider moves in log10 of the value. Default
        False.

    Returns
    -------
    numpy.ndarray
        Float array of the shape of ``values``: the values (or their log10), rounded to 6
        decimals.

    Raises
    ------
    ValueError
        If ``grid`` is not such a grid, or a value is not finite or not a point of the grid.
    """
    x, _ = _grid("grid", grid, log)
    v = _validate.real_array("values", values, low=0.0 if log else None)
    if log and np.any(v <= 0):
        _validate.fail("values", values, "points of the grid (> 0)")
    vx = np.round(np.log10(v) if log else v, _DIGITS)
    if not np.all(np.isin(vx, x)):
        _validate.fail("values", values, "points of the grid")
    return vx


def grid_slider(name: str, grid: object, label: str, value: float | None = None, *,
                log: bool = False) -> alt.Parameter:
    """A parameter ``name`` bound to a slider that steps through ``grid`` (evenly spaced, or
    evenly spaced in log10 with ``log=True``, when the slider shows ``log10`` of the value:
    say so in ``label``). Starts at the grid point nearest ``value`` (default: the first).

    Parameters
    ----------
    name : str
        Name of the parameter (a Vega signal name: a Python identifier).
    grid : list of float or numpy.ndarray
        The knob's grid: increasing, at least two values, evenly spaced (in log10 when ``log``,
        and then > 0).
    label : str
        Text shown beside the slider (with units).
    value : float or None
        Starting value, in the units of the grid (not log10; > 0 when ``log``); the slider starts
        at the nearest grid point (nearest in log10 when ``log``). Default None: the first point.
    log : bool
        The grid is evenly spaced in log10 and the slider moves in log10 of the value. Default
        False.

    Returns
    -------
    altair.Parameter
        The parameter, bound to a range input from the first to the last grid point (their log10
        when ``log``) in steps of the grid step, rounded to 6 decimals.

    Raises
    ------
    ValueError
        If ``name`` is not an identifier, ``label`` is not a string, ``grid`` is not such a grid,
        or ``value`` is not a finite number (> 0 when ``log``).
    """
    if not isinstance(name, str) or not name.isidentifier():
        _validate.fail("name", name, "a Vega signal name (a Python identifier)")
    label = _validate.instance("label", label, str)
    x, step = _grid("grid", grid, log)
    start = x[0]
    if value is not None:
        v = _validate.positive("value", value) if log else _validate.real("value", value)
        start = x[np.argmin(np.abs(x - (np.log10(v) if log else v)))]
    return alt.param(name=name, value=float(start), bind=alt.binding_range(
        min=float(x[0]), max=float(x[-1]), step=step, name=label.rstrip() + " "))


def on_grid(field: str, param: alt.Parameter | str, grid: object, *, log: bool = False) -> str:
    """Vega expression true for the rows whose ``field`` (a :func:`slider_value` column) is the
    grid point under the slider ``param``: within half a grid step, so that the slider's own
    floating-point arithmetic does not drop a row.

    Parameters
    ----------
    field : str
        Column of the chart's data holding :func:`slider_value` of each row.
    param : altair.Parameter or str
        The control's parameter, or its name.
    grid : list of float or numpy.ndarray
        The knob's grid: increasing, at least two values, evenly spaced (in log10 when ``log``,
        and then > 0).
    log : bool
        The grid is evenly spaced in log10 and the slider moves in log10 of the value. Default
        False.

    Returns
    -------
    str
        The expression ``abs(datum["field"] - name) < step/2``, for ``transform_filter``.

    Raises
    ------
    ValueError
        If ``grid`` is not such a grid.
    """
    _, step = _grid("grid", grid, log)
    name = param if isinstance(param, str) else param.name
    return f"abs(datum[{json.dumps(field)}] - {name}) < {step / 2!r}"


def choice(name: str, options: Sequence[str], label: str, value: str | None = None, *,
           radio: bool = False) -> alt.Parameter:
    """A parameter ``name`` bound to a dropdown (or radio buttons) over ``options``; starts at
    ``value`` (default: the first option).

    Parameters
    ----------
    name : str
        Name of the parameter (a Vega signal name: a Python identifier).
    options : list of str
        The labels to choose from: non-empty and distinct.
    label : str
        Text shown beside the control.
    value : str or None
        The option chosen at the start. Default None: the first option.
    radio : bool
        Radio buttons instead of a dropdown. Default False.

    Returns
    -------
    altair.Parameter
        The parameter, bound to the dropdown or radio buttons.

    Raises
    ------
    ValueError
        If ``name`` is not an identifier, ``label`` is not a string, ``options`` is not a
        non-empty sequence of distinct strings (a single string is refused), or ``value`` is not
        one of them.
    """
    if not isinstance(name, str) or not name.isidentifier():
        _validate.fail("name", name, "a Vega signal name (a Python identifier)")
    label = _validate.instance("label", label, str)
    opts = list(options) if not isinstance(options, str) else []
    if not opts or not all(isinstance(o, str) for o in opts) or len(set(opts)) != len(opts):
        _validate.fail("options", options, "a non-empty sequence of distinct strings")
    start = opts[0] if value is None else _validate.choice("value", value, opts)
    binding = alt.binding_radio if radio else alt.binding_select
    return alt.param(name=name, value=start,
                     bind=binding(options=opts, name=label.rstrip() + " "))


def is_choice(field: str, param: alt.Parameter | str) -> str:
    """Vega expression true for the rows whose ``field`` equals the option chosen in ``param``.

    Parameters
    ----------
    field : str
        Column of the chart's data holding the options.
    param : altair.Parameter or str
        The control's parameter, or its name.

    Returns
    -------
    str
        The expression ``datum["field"] == name``, for ``transform_filter``.
    """
    name = param if isinstance(param, str) else param.name
    return f"datum[{json.dumps(field)}] == {name}"


def long_metrics(frame: pd.DataFrame, keys: Sequence[str], metrics: Mapping[str, str], *,
                 digits: int = 6) -> pd.DataFrame:
    """``frame``'s ``keys`` columns and one row per (row, metric): ``metric`` (the label given
    in ``metrics``, a mapping column → label with units) and ``value`` rounded to ``digits``
    decimals (rounding keeps the embedded data small).

    Parameters
    ----------
    frame : pandas.DataFrame
        Wide table: one column per key and per metric.
    keys : list of str
        Columns of ``frame`` kept on every row (e.g. the knob's values).
    metrics : dict
        Column of ``frame`` → label (with units), non-empty; the columns must be numeric.
    digits : int
        Decimals of ``value``, in [0, 15]. Default 6.

    Returns
    -------
    pandas.DataFrame
        Columns ``keys``, ``metric`` and ``value`` (float): ``len(frame) × len(metrics)`` rows,
        all rows of the first metric, then of the second, and so on.

    Raises
    ------
    ValueError
        If ``frame`` is not a DataFrame, a ``keys`` column is missing, ``metrics`` is empty or
        one of its columns is missing, or ``digits`` is outside [0, 15].
    """
    _validate.instance("frame", frame, pd.DataFrame)
    keys = list(keys)
    missing_keys = [c for c in keys if c not in frame.columns]
    if missing_keys:
        _validate.fail("keys", keys, f"columns of frame (missing: {missing_keys})")
    missing = [c for c in metrics if c not in frame.columns]
    if missing or not metrics:
        _validate.fail("metrics", dict(metrics), f"columns of frame (missing: {missing})"
                       if missing else "a non-empty mapping of column -> label")
    digits = _validate.integer("digits", digits, low=0, high=15)
    out = frame[[*keys, *metrics]].rename(columns=dict(metrics)).melt(
        id_vars=keys, var_name="metric", value_name="value")
    out["value"] = out["value"].astype(float).round(digits)
    return out


def relabel(field: str, labels: Mapping[str, str]) -> str:
    """Vega expression mapping the codes in ``field`` to their ``labels`` (other values pass
    through), for ``transform_calculate``.

    Parameters
    ----------
    field : str
        Column of the chart's data holding the codes.
    labels : dict
        Code → label (e.g. ``{"inv": "investors pay"}``), non-empty.

    Returns
    -------
    str
        A chain of ``datum["field"] == code ? label : …`` tests, in the order of ``labels``,
        ending with ``datum["field"]`` itself.

    Raises
    ------
    ValueError
        If ``labels`` is empty.
    """
    if not labels:
        _validate.fail("labels", labels, "a non-empty mapping of code -> label")
    expr = f"datum[{json.dumps(field)}]"
    for code, label in reversed(list(labels.items())):
        expr = f"datum[{json.dumps(field)}] == {json.dumps(code)} ? {json.dumps(label)} : {expr}"
    return expr


def value_text(expr: str, *, width: int = figures.WIDTH) -> alt.Chart:
    """A one-line view, ``width`` px wide, that prints the Vega string expression ``expr`` (of
    the controls' parameters), e.g. ``"'γ = ' + format(pow(10, lg), '.3~g')"``; put it above
    the chart in a ``vconcat``.

    Parameters
    ----------
    expr : str
        Vega expression evaluating to the text.
    width : int
        Width of the view in pixels, ≥ 1. Default :data:`mslab.figures.WIDTH`.

    Returns
    -------
    altair.Chart
        A text mark 18 px high, left-aligned, 13 px font.

    Raises
    ------
    ValueError
        If ``expr`` is not a string or ``width`` is not an integer ≥ 1.
    """
    expr = _validate.instance("expr", expr, str)
    width = _validate.integer("width", width, low=1)
    return (alt.Chart(pd.DataFrame({"row": [0]})).transform_calculate(text=expr)
            .mark_text(align="left", baseline="middle", x=0, y=9, fontSize=13)
            .encode(text="text:N").properties(width=width, height=18))


def check_size(chart: alt.TopLevelMixin, max_bytes: int | None = None) -> alt.TopLevelMixin:
    """Return ``chart`` if its JSON spec (data included) is at most ``max_bytes`` (default
    :data:`MAX_BYTES`); otherwise raise a ValueError giving the size.

    Parameters
    ----------
    chart : altair.TopLevelMixin
        A top-level Altair chart (a chart, layer or concatenation).
    max_bytes : int or None
        Largest size in bytes of the compact JSON spec (UTF-8), ≥ 1. Default None:
        :data:`MAX_BYTES`.

    Returns
    -------
    altair.TopLevelMixin
        ``chart`` itself.

    Raises
    ------
    ValueError
        If ``max_bytes`` is not an integer ≥ 1, ``chart`` is not an Altair top-level chart, or
        its spec is larger than the limit.
    """
    limit = MAX_BYTES if max_bytes is None else _validate.integer("max_bytes", max_bytes, low=1)
    if not isinstance(chart, alt.TopLevelMixin):
        _validate.fail("chart", type(chart).__name__, "an Altair chart")
    size = len(json.dumps(chart.to_dict(validate=False), separators=(",", ":")).encode())
    if size > limit:
        _validate.fail("chart", f"<chart of {size:,} bytes>",
                       f"at most {limit:,} bytes of JSON: thin the grid or round the data")
    return chart
