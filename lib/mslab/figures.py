"""Altair setup for the book: an offline renderer and a house theme.

Call :func:`enable` once at the top of every chapter notebook::

    import altair as alt
    from mslab import figures
    figures.enable()

Why a custom renderer
---------------------
The book must read fully offline, including from ``file://``. Altair's default ``html``
renderer loads Vega, Vega-Lite and vega-embed from a CDN (via require.js or ES-module imports),
so its charts are blank without network. The ``"mslab"`` renderer registered here emits, for
each chart,

* ``text/html``: an empty ``<div class="mslab-chart" id="mslab-chart-...">`` followed by an
  inline classic script that calls the global ``vegaEmbed`` with the inlined spec
  (:data:`EMBED_OPTIONS`: SVG renderer, an actions menu with SVG/PNG export and no network
  action), then adds :data:`DATA_ACTION` links to that menu: the chart's inlined data as CSV
  in a ``data:`` URL (one link per dataset), so a reader can export a figure and its numbers
  offline, from ``file://`` as from a server. ``vegaEmbed`` comes from
  ``book/_static/vega-bundle.js`` (vendored by ``tools/vendor_js.py``), which Jupyter Book adds
  to every page. If it is not there yet the script waits for the window ``load`` event; if
  rendering fails the error is written into a ``<pre class="mslab-chart-error">`` inside the
  div, which ``tests/test_book_offline.py`` looks for.
* the Vega-Lite spec under ``application/vnd.vegalite.v6+json`` (the major version follows
  Altair's schema), for front ends that render it natively, plus a short ``text/plain``.
  (Altair 6's own constant, ``application/vnd.vegalite.v6.json``, lacks the ``+json`` suffix,
  and nbformat then rejects a dict value: papermill fails with NotebookValidationError.)

Ids are ``mslab-chart-<first 12 hex of sha256(spec)>`` plus ``-<n>`` for the n-th repeat of the
same spec in a kernel session, so re-executing a notebook yields byte-identical outputs.

Data: Altair's default data transformer is kept (data is inlined into the page, and it refuses
more than 5000 rows). Do not disable the limit: aggregate or thin out in pandas first (a
simulation path of 10^6 steps belongs in a summary table or a decimated series, not in the
HTML).

In JupyterLab: Lab ranks ``text/html`` above its Vega renderer, and a live Lab has no
``window.vegaEmbed``, so the chart cell shows the ``mslab-chart-error`` message there. For
interactive work switch the renderer after :func:`enable` (the theme stays), e.g.
``alt.renderers.enable("default")`` when online; chapters executed for the book must keep
``"mslab"``.

Captioned, cross-referenced figures (the pattern chapters must use)
-------------------------------------------------------------------
Code cell (``display=False`` so the chart is not also shown where it is computed)::

    from myst_nb import glue
    chart = alt.Chart(df).mark_line().encode(x="t:Q", y="inventory:Q")
    glue("fig-inventory-paths", chart, display=False)

Markdown cell::

    ```{glue:figure} fig-inventory-paths
    :name: fig-inventory-paths

    Inventory paths under the optimal quotes.
    ```

    As {numref}`fig-inventory-paths` shows, ...

``glue:figure`` takes the glued ``text/html`` output (myst-nb's HTML render priority puts it
first; the Vega-Lite MIME type is ignored by Sphinx), wraps it in a numbered ``<figure>`` with
the caption, and ``{numref}`` resolves to "Fig. N" (``numfig: true`` in ``_config.yml``).
Rules: the glue key and ``:name:`` must be unique across the whole book (use a chapter-specific
prefix); the ``glue`` call and the directive must be in the same notebook; do not give the
chart an Altair ``title`` when it has a caption; and do not display the glued chart a second
time in the same cell.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import altair as alt

RENDERER = "mslab"
THEME = "mslab"

#: Options passed to vegaEmbed (see https://github.com/vega/vega-embed#options). The actions
#: menu (the "…" button at a chart's top right) offers "Save as SVG" and "Save as PNG", both
#: drawn in the browser; "View Source", "View Compiled Vega" and "Open in Vega Editor" are off
#: (the editor needs the network). The renderer's script adds "Download data (CSV)" to the menu.
EMBED_OPTIONS: dict[str, Any] = {
    "mode": "vega-lite",
    "renderer": "svg",
    "actions": {"export": {"svg": True, "png": True}, "source": False, "compiled": False,
                "editor": False},
}

#: Text of the data-export link(s) added to every chart's actions menu.
DATA_ACTION = "Download data (CSV)"

#: System font stack: nothing is fetched, every platform has one of these.
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif'
WIDTH = 540  # with the y axis and its title, fits the sphinx-book-theme text column (~690 px)
HEIGHT = 360

_seen: Counter[str] = Counter()


def _vegalite_mime_type() -> str:
    """``application/vnd.vegalite.v<major>+json`` for the Vega-Lite version Altair targets.

    Not Altair 6's own ``VEGALITE_MIME_TYPE`` (``application/vnd.vegalite.v6.json``): without
    the ``+json`` suffix nbformat requires a string value, so a dict spec under that key makes
    papermill/nbformat reject the notebook (``NotebookValidationError``).
    """
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return f"application/vnd.vegalite.v{major}+json"


def reset_ids() -> None:
    """Forget the ids handed out so far (the counter of repeated specs)."""
    _seen.clear()


def _chart_id(spec: dict[str, Any]) -> str:
    digest = hashlib.sha256(
        json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()[:12]
    _seen[digest] += 1
    n = _seen[digest]
    return f"mslab-chart-{digest}" if n == 1 else f"mslab-chart-{digest}-{n}"


def _js_literal(obj: Any) -> str:
    """JSON that is safe inside an HTML <script> element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=True, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_SCRIPT = """<script type="text/javascript">
(function () {
  var id = %(id)s, spec = %(spec)s, opt = %(opt)s;
  var cur = document.currentScript, el = null;
  function target() {
    if (!el || !el.isConnected) {
      var prev = cur && cur.previousElementSibling;
      el = (prev && prev.id === id) ? prev : document.getElementById(id);
    }
    return el;
  }
  function fail(err) {
    var t = target();
    if (window.console) { console.error("mslab chart " + id + ":", err); }
    if (!t) { return; }
    var pre = document.createElement("pre");
    pre.className = "mslab-chart-error";
    pre.textContent = "Chart could not be rendered: " + ((err && err.message) || err);
    t.appendChild(pre);
  }
  function show() {
    var t = target();
    if (!t) { return; }
    if (typeof window.vegaEmbed !== "function") {
      fail(new Error("vegaEmbed is not loaded (the book ships it as _static/vega-bundle.js)"));
      return;
    }
    try { Promise.resolve(window.vegaEmbed(t, spec, opt)).then(addDataLinks).catch(fail); }
    catch (err) { fail(err); }
  }
  function cell(v) {
    if (v === null || v === undefined) { return ""; }
    var s = typeof v === "object" ? JSON.stringify(v) : String(v);
    return /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv(rows) {
    var cols = [], seen = {};
    rows.forEach(function (r) {
      Object.keys(r).forEach(function (k) { if (!seen[k]) { seen[k] = 1; cols.push(k); } });
    });
    return [cols.map(cell).join(",")].concat(rows.map(function (r) {
      return cols.map(function (k) { return cell(r[k]); }).join(",");
    })).join("\\r\\n") + "\\r\\n";
  }
  function addDataLinks() {
    var t = target(), menu = t && t.querySelector(".vega-actions");
    if (!menu) { return; }
    var sets = [], ds = spec.datasets || {};
    Object.keys(ds).forEach(function (k) { if (Array.isArray(ds[k])) { sets.push(ds[k]); } });
    if (spec.data && Array.isArray(spec.data.values)) { sets.push(spec.data.values); }
    sets.forEach(function (rows, i) {
      var a = document.createElement("a"), n = sets.length > 1 ? " " + (i + 1) : "";
      a.textContent = %(label)s.replace(" (", n + " (");
      a.className = "mslab-data-action";
      a.download = id + (n ? "-data" + (i + 1) : "-data") + ".csv";
      a.href = "data:text/csv;charset=utf-8," + encodeURIComponent(csv(rows));
      menu.appendChild(a);
    });
  }
  target();
  if (typeof window.vegaEmbed === "function" || document.readyState === "complete") { show(); }
  else { window.addEventListener("load", show); }
})();
</script>"""


def _html(spec: dict[str, Any], chart_id: str, opt: dict[str, Any]) -> str:
    div = (
        f'<div class="mslab-chart" id="{chart_id}" '
        'style="max-width:100%;overflow-x:auto;"></div>'
    )
    script = _SCRIPT % {
        "id": _js_literal(chart_id),
        "spec": _js_literal(spec),
        "opt": _js_literal(opt),
        "label": _js_literal(DATA_ACTION),
    }
    return div + "\n" + script


def renderer(spec: dict[str, Any], embed_options: dict[str, Any] | None = None, **_: Any):
    """Altair renderer: offline ``text/html`` + the Vega-Lite MIME type (see module docs).

    Each call counts ``spec`` towards its id (``mslab-chart-<hash>``, then ``-2``, ``-3``, … for
    repeats of the same spec; :func:`reset_ids` starts again).

    Parameters
    ----------
    spec : dict
        The Vega-Lite spec of the chart, data inlined (what Altair passes to a renderer).
    embed_options : dict or None
        vegaEmbed options that override :data:`EMBED_OPTIONS` (and the default
        ``downloadFileName``, the chart id). Default None: no override.
    **_
        Any other renderer option Altair passes; ignored.

    Returns
    -------
    dict
        The MIME bundle: ``text/html`` (the div and its script), the Vega-Lite MIME type
        (``application/vnd.vegalite.v<major>+json``) holding ``spec``, and ``text/plain``
        (``<Altair chart <id>>``).
    """
    chart_id = _chart_id(spec)
    opt = {**EMBED_OPTIONS, "downloadFileName": chart_id}
    if embed_options:
        opt.update(embed_options)
    bundle = {
        "text/html": _html(spec, chart_id, opt),
        _vegalite_mime_type(): spec,
        "text/plain": f"<Altair chart {chart_id}>",
    }
    return bundle


def theme() -> dict[str, Any]:
    """The book's chart theme: system fonts, WIDTH × HEIGHT (540 × 360 px) views, left-aligned
    titles.

    No text is ever cut short: Vega truncates axis labels, legend labels and titles and facet
    headers with an ellipsis beyond a default pixel limit (180 or 160 px, and an axis title at
    the axis length), so every such limit is switched off (0 means no limit). Charts must
    therefore be laid out so that their text fits the page column: views are :data:`WIDTH`
    wide, legends go below the plot in one row (a chart with many or long entries sets
    ``direction="vertical"`` or uses :data:`LEGEND_BELOW`), and ``tests/test_book_offline.py``
    fails on any text that ends in "…" or reaches outside its chart or the column. Axis labels
    that would overlap are thinned out (``labelOverlap``), and the end labels of continuous axes
    are kept inside the axis extent (``labelFlush``), so a last tick such as "1,000" is not
    clipped.

    Returns
    -------
    dict
        ``{"config": {...}}``: the Vega-Lite config (font :data:`FONT`, view size, title, axis,
        legend, header and mark defaults).
    """
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "title": {"fontSize": 15, "fontWeight": 600, "anchor": "start", "offset": 10,
                      "limit": 0},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": 600,
                "labelLimit": 0,
                "titleLimit": 0,
                "labelOverlap": True,
                "gridColor": "#e6e6e6",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            "axisQuantitative": {"labelFlush": True, "tickCount": 6},
            "axisTemporal": {"labelFlush": True},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": 600,
                       "labelLimit": 0, "titleLimit": 0, "symbolOpacity": 1,
                       "labelOverlap": True, "orient": "bottom", "direction": "horizontal"},
            "header": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 0,
                       "titleLimit": 0},
            "line": {"strokeWidth": 2},
            "point": {"size": 40},
        }
    }


#: Legend placement for wide charts and small multiples: below the plot, entries in rows.
LEGEND_BELOW: dict[str, Any] = {"orient": "bottom", "direction": "horizontal", "columns": 3,
                                "titleOrient": "left"}


def enable() -> None:
    """Register and enable the ``"mslab"`` renderer and theme (idempotent)."""
    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, renderer)
    alt.renderers.enable(RENDERER)
    themes = getattr(alt, "theme", None)
    if themes is None:  # Altair < 5.5
        themes = alt.themes
        if THEME not in themes.names():
            themes.register(THEME, theme)
    elif THEME not in themes.names():
        themes.register(THEME, enable=False)(theme)
    themes.enable(THEME)
