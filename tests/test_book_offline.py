"""The built book renders fully offline: text, math (MathJax) and Altair charts.

Runs against an already built book (``make book``; ``make test`` builds it first). Set
``MSLAB_BOOK_HTML`` to check another build directory.

* ``test_no_network_resources``: no HTML page loads a script, stylesheet, font, image, iframe
  (or any other subresource) from the network, and no CSS under ``_static`` pulls one in with
  ``url(...)`` or ``@import``. Ordinary ``<a href="https://...">`` links are fine.
* ``test_*_render_offline``: every page with a chart or math, plus ``intro.html``, is opened
  from ``file://`` in headless Chromium with networking disabled, driven over the DevTools
  protocol on a pipe (``--remote-debugging-pipe``; standard library only). Checked after the
  load event: every ``div.mslab-chart`` holds an ``<svg>``/``<canvas>`` and no
  ``mslab-chart-error``; every ``.math`` element was typeset by MathJax with no ``merror``;
  no uncaught JavaScript exception; no request to anything but ``file:``/``data:``/``blob:``.
  Without ``/usr/bin/chromium`` (or ``$MSLAB_CHROMIUM``) these skip, unless ``$CI`` is set.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

REPO = Path(__file__).resolve().parents[1]
BOOK_HTML = Path(os.environ.get("MSLAB_BOOK_HTML", REPO / "book" / "_build" / "html"))
CHROMIUM = os.environ.get("MSLAB_CHROMIUM", "/usr/bin/chromium")

# Chromium with every network path closed: no proxy reachable, no DNS, no background services.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1280,1024",
    "--remote-debugging-pipe",
]
PAGE_LOAD_TIMEOUT = 30.0  # s, until the load event
RENDER_TIMEOUT_MS = 15000  # ms, for charts and MathJax after the load event

NETWORK_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //cdn...
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "chrome-error:", "devtools:")
# <link rel=...> values that make the browser fetch (or connect to) the href.
FETCHING_RELS = {
    "stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch",
    "icon", "apple-touch-icon", "mask-icon", "manifest", "font", "prerender",
}
# Uncaught exceptions known to be harmless. Jupyter Book 1 always loads sphinx-thebe, whose
# inline `const THEBE_JS_URL = ...` config script ends up twice in every page (as does
# sphinx-togglebutton's, which uses `var`); the second copy throws a SyntaxError and is ignored.
# Thebe is off (launch_buttons.thebe: false), so nothing reads the value.
KNOWN_HARMLESS_EXCEPTIONS = [
    re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
]
CSS_NETWORK = re.compile(
    r"""url\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)]*\)"""
    r"""|@import\s+(?:url\(\s*)?['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//[^;]*""",
    re.I,
)


def _require_book() -> Path:
    if not (BOOK_HTML / "intro.html").is_file():
        pytest.fail(
            f"The built book is missing ({BOOK_HTML}/intro.html not found). "
            "Run `make book` first (`make test` does it for you).",
            pytrace=False,
        )
    return BOOK_HTML


def _html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


# --------------------------------------------------------------------------- static check


class _ResourceScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def _check(self, what: str, url: str | None) -> None:
        if url and NETWORK_URL.match(url):
            self.found.append(f"{what} {url.strip()}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script":
            self._check("<script src>", a.get("src"))
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & FETCHING_RELS or a.get("as"):
                self._check(f"<link rel={a.get('rel')!r}>", a.get("href"))
        elif tag in ("img", "iframe", "embed", "source", "track", "audio", "video", "input", "frame"):
            self._check(f"<{tag} src>", a.get("src"))
            for part in a.get("srcset", "").split(","):
                self._check(f"<{tag} srcset>", part.strip().split(" ")[0])
            if tag == "video":
                self._check("<video poster>", a.get("poster"))
        elif tag == "object":
            self._check("<object data>", a.get("data"))
        elif tag == "image":  # SVG <image href>
            self._check("<svg image>", a.get("href") or a.get("xlink:href"))
        elif tag == "use":  # SVG <use href> (external sprites)
            self._check("<svg use>", a.get("href") or a.get("xlink:href"))
        if tag == "style":
            self._in_style = True
        if "style" in a:
            self.found += [f"style attribute {m}" for m in CSS_NETWORK.findall(a["style"])]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style> {m}" for m in CSS_NETWORK.findall(data)]


def test_no_network_resources():
    root = _require_book()
    pages = _html_pages(root)
    assert pages, f"no HTML pages under {root}"
    problems: list[str] = []
    for page in pages:
        scanner = _ResourceScanner()
        scanner.feed(page.read_text(encoding="utf-8", errors="replace"))
        scanner.close()
        problems += [f"{page.relative_to(root)}: {f}" for f in scanner.found]
    for css in sorted(root.rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        problems += [f"{css.relative_to(root)}: {m[:120]}" for m in CSS_NETWORK.findall(text)]
    assert not problems, "the book loads resources from the network:\n  " + "\n  ".join(problems)


def test_vendored_assets_present():
    root = _require_book()
    for rel in ("_static/vega-bundle.js", "mathjax/tex-mml-svg.js", "mathjax/LICENSE"):
        assert (root / rel).is_file(), f"{rel} missing from the build: run tools/vendor_js.py"


# --------------------------------------------------------------------------- browser check


class _Chromium:
    """Minimal DevTools-protocol client over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, exe: str, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def _child_fds() -> None:  # runs in the child between fork and exec
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)  # Chromium reads commands from fd 3 ...
            os.dup2(b, 4)  # ... and writes replies and events to fd 4
            os.close(a)
            os.close(b)

        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # our pipe ends are non-inheritable; only fds 3 and 4 pass
            preexec_fn=_child_fds,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium exited (rc={self.proc.poll()})")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict:
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev.get("method") == method and ev.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev
            self.events.append(ev)


# Evaluated in the page after its load event: wait for charts and MathJax, then report.
_PAGE_REPORT_JS = """
(async () => {
  const deadline = Date.now() + %(timeout)d;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const charts = () => Array.from(document.querySelectorAll("div.mslab-chart"));
  const settled = (d) => d.querySelector("svg, canvas, pre.mslab-chart-error");
  while (Date.now() < deadline && !charts().every(settled)) { await sleep(50); }
  let mathjax = window.MathJax && window.MathJax.startup ? "loaded" : "absent";
  if (mathjax === "loaded" && window.MathJax.startup.promise) {
    const t = await Promise.race([
      window.MathJax.startup.promise.then(() => "ok", (e) => "error: " + e),
      sleep(Math.max(0, deadline - Date.now())).then(() => "timeout"),
    ]);
    mathjax = t;
  }
  const math = Array.from(document.querySelectorAll(".math"));
  const short = (s) => (s || "").trim().replace(/\\s+/g, " ").slice(0, 160);
  return {
    charts: charts().length,
    chartsWithoutGraphics: charts().filter((d) => !d.querySelector("svg, canvas")).map((d) => d.id),
    chartErrors: Array.from(document.querySelectorAll(".mslab-chart-error")).map((e) => short(e.textContent)),
    mathElements: math.length,
    mathUntypeset: math.filter((e) => !e.querySelector("mjx-container")).map((e) => short(e.textContent)),
    mjxContainers: document.querySelectorAll("mjx-container").length,
    mathErrors: Array.from(new Set(Array.from(document.querySelectorAll("[data-mjx-error], mjx-merror, [data-mml-node='merror']"))
      .map((e) => short(e.getAttribute("data-mjx-error") || e.textContent)))),
    mathjax: mathjax,
    chartText: charts().map(chartTextReport).filter((r) => r.cut.length || r.outside.length),
  };
})()
"""

# Text of every drawn chart (Vega's SVG renderer): a label, title or legend entry that Vega cut
# short ends with its ellipsis "…"; a text whose box reaches beyond its own chart's <svg>, or
# beyond the page column (a chart wider than the column is scrolled, its right part hidden), is
# clipped or drawn over its neighbours. Text hidden by Vega (opacity 0, e.g. axis labels
# removed by labelOverlap) and empty text are ignored; 1 px of tolerance for anti-aliasing.
_CHART_TEXT_JS = """
function chartTextReport(div) {
  const svg = div.querySelector("svg");
  const out = { id: div.id, cut: [], outside: [] };
  if (!svg) { return out; }
  // The chart's visible area: its <svg>, cut to the width of the page column that holds it
  // (the chart's div scrolls horizontally, so anything beyond its client width is hidden).
  const svgBox = svg.getBoundingClientRect(), divBox = div.getBoundingClientRect();
  const box = { left: Math.max(svgBox.left, divBox.left), top: svgBox.top, bottom: svgBox.bottom,
                right: Math.min(svgBox.right, divBox.left + div.clientWidth) };
  const hidden = (el) => {
    for (let e = el; e && e !== svg; e = e.parentElement) {
      const op = e.getAttribute("opacity");
      if (op !== null && parseFloat(op) === 0) { return true; }
      const cs = window.getComputedStyle(e);
      if (cs.display === "none" || cs.visibility === "hidden" || parseFloat(cs.opacity) === 0) { return true; }
    }
    return false;
  };
  for (const t of svg.querySelectorAll("text")) {
    const s = (t.textContent || "").trim();
    if (!s || hidden(t)) { continue; }
    if (s.endsWith("\u2026")) { out.cut.push(s); }
    const r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { continue; }
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      out.outside.push(s);
    }
  }
  return out;
}
"""


def _pages_to_open(root: Path) -> list[Path]:
    pages = []
    for page in _html_pages(root):
        rel = page.relative_to(root)
        if rel.parts[0] in ("_static", "_sources", "_images", "mathjax"):
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        if rel == Path("intro.html") or 'class="mslab-chart' in text or re.search(
            r'class="math[ "]', text
        ):
            pages.append(page)
    return pages


def _chromium_or_skip() -> str:
    exe = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not exe or not os.access(exe, os.X_OK):
        msg = f"headless Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; it is required when CI is set", pytrace=False)
        pytest.skip(msg)
    return exe


@pytest.fixture(scope="module")
def rendered_pages() -> dict[str, dict]:
    root = _require_book()
    exe = _chromium_or_skip()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mslab-chromium-") as profile:
        browser = _Chromium(exe, profile)
        try:
            for page in _pages_to_open(root):
                results[str(page.relative_to(root))] = _render(browser, page.resolve().as_uri())
        finally:
            browser.close()
    return results


def _render(browser: _Chromium, url: str) -> dict:
    started = time.monotonic()
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Runtime", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.events.clear()
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_event("Page.loadEventFired", session, PAGE_LOAD_TIMEOUT)
        reply = browser.send(
            "Runtime.evaluate",
            {"expression": _CHART_TEXT_JS + _PAGE_REPORT_JS % {"timeout": RENDER_TIMEOUT_MS},
             "awaitPromise": True, "returnByValue": True},
            session=session,
            timeout=RENDER_TIMEOUT_MS / 1000 + 15,
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page report failed: {reply['exceptionDetails']}")
        report = reply["result"]["value"]
        # drain what is already queued without waiting
        requests, exceptions = [], []
        for ev in browser.events:
            if ev.get("sessionId") != session:
                continue
            if ev.get("method") == "Network.requestWillBeSent":
                req_url = ev["params"]["request"]["url"]
                if not req_url.startswith(LOCAL_SCHEMES):
                    requests.append(req_url)
            elif ev.get("method") == "Runtime.exceptionThrown":
                d = ev["params"]["exceptionDetails"]
                desc = (d.get("exception") or {}).get("description") or d.get("text", "")
                text = f"{desc.splitlines()[0] if desc else d} ({d.get('url', '')}:{d.get('lineNumber')})"
                if not any(rx.search(text) for rx in KNOWN_HARMLESS_EXCEPTIONS):
                    exceptions.append(text)
        report["networkRequests"] = requests
        report["exceptions"] = exceptions
        report["seconds"] = round(time.monotonic() - started, 2)
        return report
    finally:
        browser.send("Target.closeTarget", {"targetId": target})
        browser.events.clear()


def _fmt(problems: dict[str, list]) -> str:
    return "\n".join(f"  {page}: {items}" for page, items in problems.items())


def test_pages_opened(rendered_pages):
    assert "intro.html" in rendered_pages
    slow = {p: r["seconds"] for p, r in rendered_pages.items() if r["seconds"] > 20}
    assert not slow, f"pages took too long to render: {slow}"


def test_charts_render_offline(rendered_pages):
    problems = {}
    for page, r in rendered_pages.items():
        items = [f"chart without <svg>/<canvas>: {c}" for c in r["chartsWithoutGraphics"]]
        items += [f"mslab-chart-error: {e}" for e in r["chartErrors"]]
        if items:
            problems[page] = items
    assert not problems, "Altair charts did not render offline:\n" + _fmt(problems)


def test_math_renders_offline(rendered_pages):
    problems = {}
    for page, r in rendered_pages.items():
        if not r["mathElements"]:
            continue
        items = []
        if r["mathjax"] != "ok":
            items.append(f"MathJax state: {r['mathjax']}")
        if not r["mjxContainers"]:
            items.append("no mjx-container on a page with math")
        items += [f"not typeset: {m}" for m in r["mathUntypeset"]]
        items += [f"MathJax error: {m}" for m in r["mathErrors"]]
        if items:
            problems[page] = items
    assert not problems, "math did not render offline:\n" + _fmt(problems)


def test_no_network_requests_or_js_errors(rendered_pages):
    problems = {}
    for page, r in rendered_pages.items():
        items = [f"request: {u}" for u in r["networkRequests"]]
        items += [f"uncaught exception: {e}" for e in r["exceptions"]]
        if items:
            problems[page] = items
    assert not problems, "pages tried the network or threw:\n" + _fmt(problems)


def _chart_text_problems(report: dict) -> list[str]:
    items = []
    for chart in report["chartText"]:
        items += [f"{chart['id']}: text cut short: {t!r}" for t in chart["cut"]]
        items += [f"{chart['id']}: text outside its chart: {t!r}" for t in chart["outside"]]
    return items


def test_chart_text_is_never_cut_short(rendered_pages):
    """No label, title, legend entry or facet header is truncated or reaches outside its chart."""
    problems = {p: items for p, r in rendered_pages.items() if (items := _chart_text_problems(r))}
    assert not problems, "chart text is cut short or outside its chart:\n" + _fmt(problems)


def test_chart_text_check_catches_cut_and_misplaced_text(tmp_path):
    """The check above can fail: a legend label Vega truncates, an axis title pushed outside
    the chart, and a clean chart, rendered offline from a scratch page."""
    import altair as alt
    import pandas as pd
    from mslab import figures

    exe = _chromium_or_skip()
    bundle = REPO / "book" / "_static" / "vega-bundle.js"
    data = pd.DataFrame({"x": [1, 2, 3], "y": [1.0, 3.0, 2.0],
                         "series": ["Avellaneda–Stoikov, γ = 0.1", "GLFT (exact, bounded)", "c"]})
    base = alt.Chart(data).mark_line(point=True).properties(width=300, height=150)
    cut = base.encode(x="x:Q", y="y:Q", color=alt.Color(
        "series:N", legend=alt.Legend(labelLimit=60, title="strategy")))
    outside = base.encode(x="x:Q", y=alt.Y("y:Q", title="far away", axis=alt.Axis(titleX=-900))
                          ).properties(autosize=alt.AutoSizeParams(type="none"))
    clean = base.encode(x="x:Q", y="y:Q", color="series:N")
    figures.enable()
    html = "".join(figures.renderer(c.to_dict())["text/html"] for c in (cut, outside, clean))
    page = tmp_path / "charts.html"
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8">'
                    f'<script src="{bundle.as_uri()}"></script></head><body>{html}</body></html>',
                    encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="mslab-chromium-") as profile:
        browser = _Chromium(exe, profile)
        try:
            report = _render(browser, page.as_uri())
        finally:
            browser.close()
    assert report["charts"] == 3 and not report["chartsWithoutGraphics"]
    problems = _chart_text_problems(report)
    flagged = {p.split(":")[0] for p in problems}
    assert len(report["chartText"]) == 2, problems
    assert any("text cut short" in p and p.endswith("…'") for p in problems), problems
    assert any("text outside its chart: 'far away'" in p for p in problems), problems
    assert len(flagged) == 2
