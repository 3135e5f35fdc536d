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


# Explorable figures and export, evaluated after the page report. For every chart: the actions
# menu offers "Save as SVG", "Save as PNG" and the data as CSV and nothing that needs the network
# (no "Open in Vega Editor"); the first chart of the page is exported (SVG and PNG through
# vega-embed's own links, which build their URL on mousedown; the CSV from its data: URL) and
# the files read back. Then every bound control (Vega's .vega-bind inputs) is moved to another
# value (a slider to its other end, a dropdown to its next option, another radio button), with
# the events a reader's move fires, and the chart must redraw: its <svg>, text left out (a label
# that prints the slider's value is not a redraw), must change within REDRAW_TIMEOUT_MS and no
# chart error may appear.
REDRAW_TIMEOUT_MS = 5000
_EXPLORE_JS = """
(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const charts = Array.from(document.querySelectorAll("div.mslab-chart"));
  const out = { charts: charts.length, controls: 0, moves: [], exports: [], menus: [] };
  // The drawn marks without any text: a control must move data, not only a label.
  const graphics = (div) => {
    const g = div.querySelector("svg");
    return g ? g.innerHTML.replace(/<text[\\s\\S]*?<\\/text>/g, "") : "";
  };
  const readBack = async (a) => {
    const ev = new MouseEvent("mousedown", { bubbles: true, cancelable: true });
    a.dispatchEvent(ev);
    const until = Date.now() + %(timeout)d;
    while (Date.now() < until && (a.getAttribute("href") || "#") === "#") { await sleep(50); }
    const href = a.getAttribute("href") || "#";
    if (!/^(data|blob):/.test(href)) { return { href: href.slice(0, 40), bytes: 0, head: "" }; }
    const text = await (await fetch(href)).text();
    return { href: href.slice(0, 30), bytes: text.length, head: text.slice(0, 200) };
  };
  for (const [i, div] of charts.entries()) {
    const links = Array.from(div.querySelectorAll(".vega-actions a"));
    const names = links.map((a) => a.textContent.trim());
    out.menus.push({ id: div.id, actions: names });
    if (i === 0) {
      const find = (t) => links.find((a) => a.textContent.trim() === t);
      const svg = find("Save as SVG"), png = find("Save as PNG");
      const data = links.filter((a) => a.classList.contains("mslab-data-action"));
      const csv = data.map((a) => {
        const href = a.getAttribute("href") || "";
        const body = href.startsWith("data:text/csv") ? decodeURIComponent(href.slice(href.indexOf(",") + 1)) : "";
        return { download: a.getAttribute("download"), lines: body.split("\\r\\n").filter((l) => l).length,
                 header: body.split("\\r\\n")[0] };
      });
      out.exports.push({ id: div.id, svg: svg ? await readBack(svg) : null,
                         png: png ? await readBack(png) : null, csv: csv });
    }
    const controls = Array.from(div.querySelectorAll(".vega-bind input, .vega-bind select"))
      .filter((c) => c.type !== "radio" || !c.checked);
    const seenRadio = new Set();
    for (const c of controls) {
      if (c.type === "radio") { if (seenRadio.has(c.name)) { continue; } seenRadio.add(c.name); }
      out.controls += 1;
      const before = graphics(div);
      const label = ((c.closest(".vega-bind") || c).textContent || c.name || "").trim().slice(0, 80);
      let from = c.value, to;
      if (c.tagName === "SELECT") {
        c.selectedIndex = (c.selectedIndex + 1) %% c.options.length; to = c.value;
      } else if (c.type === "range") {
        const lo = c.min === "" ? 0 : parseFloat(c.min), hi = c.max === "" ? 100 : parseFloat(c.max);
        to = String(Math.abs(parseFloat(c.value) - hi) < 1e-12 ? lo : hi); c.value = to;
      } else if (c.type === "radio" || c.type === "checkbox") {
        c.click(); to = c.value;
      } else { to = c.value; }
      c.dispatchEvent(new Event("input", { bubbles: true }));
      c.dispatchEvent(new Event("change", { bubbles: true }));
      const until = Date.now() + %(timeout)d;
      let after = before;
      while (Date.now() < until) {
        await sleep(50);
        after = graphics(div);
        if (after !== before) { await sleep(100); break; }
      }
      out.moves.push({ id: div.id, control: label, from: from, to: to,
                       redrawn: after !== before && after.length > 0,
                       errors: Array.from(div.querySelectorAll(".mslab-chart-error")).map((e) => e.textContent.slice(0, 160)) });
    }
  }
  return out;
})()
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
        report["seconds"] = round(time.monotonic() - started, 2)  # to a drawn page
        if report["charts"]:
            reply = browser.send(
                "Runtime.evaluate",
                {"expression": _EXPLORE_JS % {"timeout": REDRAW_TIMEOUT_MS},
                 "awaitPromise": True, "returnByValue": True},
                session=session, timeout=120,
            )
            if "exceptionDetails" in reply:
                raise RuntimeError(f"explore report failed: {reply['exceptionDetails']}")
            report["explore"] = reply["result"]["value"]
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


def _render_scratch(tmp_path: Path, charts) -> dict:
    """Render Altair ``charts`` with the book's renderer on a scratch page (offline, vendored
    bundle) and return the page report."""
    from mslab import figures

    exe = _chromium_or_skip()
    bundle = REPO / "book" / "_static" / "vega-bundle.js"
    figures.enable()
    html = "".join(figures.renderer(c.to_dict())["text/html"] for c in charts)
    page = tmp_path / "charts.html"
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8">'
                    f'<script src="{bundle.as_uri()}"></script></head><body>{html}</body></html>',
                    encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="mslab-chromium-") as profile:
        browser = _Chromium(exe, profile)
        try:
            return _render(browser, page.as_uri())
        finally:
            browser.close()


def test_chart_text_check_catches_cut_and_misplaced_text(tmp_path):
    """The check above can fail: a legend label Vega truncates, an axis title pushed outside
    the chart, and a clean chart, rendered offline from a scratch page."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame({"x": [1, 2, 3], "y": [1.0, 3.0, 2.0],
                         "series": ["Avellaneda–Stoikov, γ = 0.1", "GLFT (exact, bounded)", "c"]})
    base = alt.Chart(data).mark_line(point=True).properties(width=300, height=150)
    cut = base.encode(x="x:Q", y="y:Q", color=alt.Color(
        "series:N", legend=alt.Legend(labelLimit=60, title="strategy")))
    outside = base.encode(x="x:Q", y=alt.Y("y:Q", title="far away", axis=alt.Axis(titleX=-900))
                          ).properties(autosize=alt.AutoSizeParams(type="none"))
    clean = base.encode(x="x:Q", y="y:Q", color="series:N")
    report = _render_scratch(tmp_path, (cut, outside, clean))
    assert report["charts"] == 3 and not report["chartsWithoutGraphics"]
    problems = _chart_text_problems(report)
    flagged = {p.split(":")[0] for p in problems}
    assert len(report["chartText"]) == 2, problems
    assert any("text cut short" in p and p.endswith("…'") for p in problems), problems
    assert any("text outside its chart: 'far away'" in p for p in problems), problems
    assert len(flagged) == 2


# --------------------------------------------------------------------------- explorable figures

CHAPTERS = sorted(p.stem for p in (REPO / "chapters").glob("*.ipynb"))
EXPORT_ACTIONS = ("Save as SVG", "Save as PNG")
NETWORK_ACTIONS = ("Open in Vega Editor",)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_an_explorable_figure(rendered_pages, chapter):
    """Each chapter page has at least one chart with a control bound to it (issue 12 §2)."""
    page = f"{chapter}.html"
    assert page in rendered_pages, f"{page} was not built or has no chart"
    explore = rendered_pages[page].get("explore") or {}
    assert explore.get("controls", 0) >= 1, (
        f"{page}: no chart with a bound control (slider, dropdown or radio buttons)")


def _redraw_problems(explore: dict) -> list[str]:
    return [f"{m['id']}: moving {m['control']!r} from {m['from']} to {m['to']} "
            + ("raised " + "; ".join(m["errors"]) if m["errors"] else "did not redraw the chart")
            for m in explore.get("moves", []) if not m["redrawn"] or m["errors"]]


def test_moving_a_control_redraws_its_chart(rendered_pages):
    """Every bound control of every page, moved as a reader would, redraws its chart."""
    problems = {p: items for p, r in rendered_pages.items()
                if (items := _redraw_problems(r.get("explore") or {}))}
    assert not problems, "controls that do not redraw their chart:\n" + _fmt(problems)
    assert sum((r.get("explore") or {}).get("controls", 0) for r in rendered_pages.values()) >= 1


def _export_problems(explore: dict) -> list[str]:
    items = []
    for menu in explore.get("menus", []):
        acts = menu["actions"]
        items += [f"{menu['id']}: no {a!r} action" for a in EXPORT_ACTIONS if a not in acts]
        if not any(a.startswith("Download data") for a in acts):
            items.append(f"{menu['id']}: no data (CSV) action")
        items += [f"{menu['id']}: network action {a!r}" for a in acts if a in NETWORK_ACTIONS]
    for ex in explore.get("exports", []):
        svg, png = ex["svg"] or {}, ex["png"] or {}
        if "<svg" not in svg.get("head", ""):
            items.append(f"{ex['id']}: SVG export gave {svg}")
        if png.get("bytes", 0) < 100:
            items.append(f"{ex['id']}: PNG export gave {png}")
        if not ex["csv"] or any(c["lines"] < 2 or not c["header"] or not c["download"].endswith(".csv")
                                for c in ex["csv"]):
            items.append(f"{ex['id']}: data export gave {ex['csv']}")
    return items


def test_charts_export_svg_png_and_data_offline(rendered_pages):
    """Every chart's actions menu offers SVG, PNG and CSV export and no network action; the
    first chart of each page is exported (files read back from their data:/blob: URLs)."""
    problems = {p: items for p, r in rendered_pages.items()
                if (items := _export_problems(r.get("explore") or {}))}
    assert not problems, "chart export does not work offline:\n" + _fmt(problems)
    assert sum(len((r.get("explore") or {}).get("exports", [])) for r in rendered_pages.values())


def test_redraw_check_catches_a_broken_binding(tmp_path):
    """The redraw check can fail: a slider bound to a parameter that the chart uses, and the
    same slider on a chart whose data ignores it (a broken binding; only a label prints the
    slider's value), rendered from a scratch page."""
    import altair as alt
    import pandas as pd
    from mslab import explorable

    data = pd.DataFrame({"x": [1, 2, 3, 1, 2, 3], "y": [1.0, 2.0, 3.0, 3.0, 1.0, 2.0],
                         "k": [1, 1, 1, 2, 2, 2]})
    slider = explorable.grid_slider("kk", [1, 2], "series k")
    base = alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q").properties(width=200, height=100)
    working = base.transform_filter(explorable.on_grid("k", slider, [1, 2])).add_params(slider)
    # broken: the slider only changes a label, not the data drawn
    broken = alt.vconcat(explorable.value_text("'k = ' + kk", width=200),
                         base.transform_filter("datum.k == 1")).add_params(slider)
    report = _render_scratch(tmp_path, (working, broken))
    explore = report["explore"]
    assert explore["controls"] == 2, explore
    working_id, broken_id = (m["id"] for m in explore["moves"])
    problems = _redraw_problems(explore)
    assert len(problems) == 1 and problems[0].startswith(broken_id), problems
    assert "did not redraw" in problems[0] and working_id != broken_id
    assert not _export_problems(explore), _export_problems(explore)
