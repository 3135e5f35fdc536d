"""The book's front matter and publishing: the table of contents in reading order with parts,
the landing page's results pasted by key from the chapters (never typed), the citation, the
GitHub Actions workflow that tests and publishes the book, and ``make serve``."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
INTRO = BOOK / "intro.md"
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"
READING_ORDER = ["inventory_risk", "order_book_market_making", "execution_quality",
                 "funding_basis", "latency_arbitrage", "cointegrated_pairs"]
PASTE = re.compile(r"\{glue:text\}`([^`]*)`")
GLUE_CALL = re.compile(r"""\b(?:glue|glue_num|glue_text|glue_number|glue_table)\(\s*f?["']([^"']+)["']""")


def toc() -> dict:
    return yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))


def test_toc_has_the_chapters_in_reading_order_in_numbered_parts():
    parts = toc()["parts"]
    chapters = [c["file"] for p in parts if p.get("numbered") for c in p["chapters"]]
    assert chapters[:len(READING_ORDER)] == READING_ORDER
    assert [p["caption"].split(" — ")[0] for p in parts[:4]] == ["Part I", "Part II", "Part III",
                                                                  "Part IV"]
    back = [p for p in parts if p["caption"] == "Back matter"]  # other parts may follow it
    assert len(back) == 1 and not back[0].get("numbered")
    assert [c["file"] for c in back[0]["chapters"]] == ["bibliography"]
    assert toc()["root"] == "intro"
    # numbering runs on across parts (Jupyter Book's multitoc numbering is not switched off)
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert config.get("html", {}).get("use_multitoc_numbering", True) is True


def pastes() -> list[tuple[str, str, str]]:
    """(chapter, key, format) of every ``{glue:text}`chapter.ipynb::key:format``` in intro.md."""
    found = []
    for ref in PASTE.findall(INTRO.read_text(encoding="utf-8")):
        doc, _, rest = ref.partition("::")
        key, _, fmt = rest.rpartition(":")
        found.append((doc, key, fmt))
    return found


def glues(chapter: str, key: str) -> bool:
    """Whether the chapter's code glues ``key``: a literal name, or an f-string name whose
    ``{...}`` fields can make it (``f"ob-q-{tag}-markout-ra"``)."""
    nb = nbformat.read(REPO / "chapters" / f"{chapter}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    patterns = ["".join(".+" if part.startswith("{") else re.escape(part)
                        for part in re.split(r"(\{[^}]*\})", name))
                for name in GLUE_CALL.findall(code)]
    return any(re.fullmatch(p, key) for p in patterns)


def test_landing_page_results_are_pasted_from_the_chapters_by_key():
    refs = pastes()
    assert {doc.removesuffix(".ipynb") for doc, _, _ in refs} == set(READING_ORDER)
    for doc, key, fmt in refs:
        assert doc.endswith(".ipynb") and doc.removesuffix(".ipynb") in READING_ORDER, doc
        # MyST-NB splits the format off at the last colon: without one, "doc::key" breaks
        assert fmt, f"{doc}::{key} needs a format (:s for glued text)"
        assert glues(doc.removesuffix(".ipynb"), key), f"{doc} glues no key {key!r}"
    assert not glues("inventory_risk", "ob-q-join-markout-ra")  # the check can fail


def test_landing_page_results_type_no_numbers():
    """Every chapter card's Result paragraph states its numbers by paste only."""
    text = INTRO.read_text(encoding="utf-8")
    results = re.findall(r"\*\*Result\.\*\*(.*?)\n:::", text, re.S)
    assert len(results) == len(READING_ORDER)
    for result in results:
        bare = PASTE.sub("", result)
        bare = re.sub(r"\$[^$]*\$|\{cite:p\}`[^`]*`", "", bare)  # math symbols, citations
        assert not re.search(r"\d", bare), f"a typed number in a headline result: {bare!r}"


def test_citation_file_and_bibtex_agree():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"].startswith("1.2") and cff["type"] == "software"
    bib = re.search(r"```bibtex\n(.*?)```", INTRO.read_text(encoding="utf-8"), re.S).group(1)
    title = re.search(r"title\s*=\s*\{(.*)\}", bib).group(1)
    assert title == cff["title"]
    assert cff["preferred-citation"]["title"] == cff["title"]


# ------------------------------------------------------------------------- the workflow


def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as True
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_workflow_triggers_permissions_and_concurrency():
    wf = workflow()
    assert wf["on"]["push"]["branches"] == ["main"] and "workflow_dispatch" in wf["on"]
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False


def test_workflow_builds_tests_and_publishes_the_book():
    build, deploy = workflow()["jobs"]["build"], workflow()["jobs"]["deploy"]
    assert re.fullmatch(r"python:3\.(1[1-9])-\w+", build["container"])
    runs = [s.get("run", "") for s in steps(build)]
    uses = [s.get("uses", "") for s in steps(build)]
    assert any("apt-get install" in r and "chromium" in r for r in runs)
    assert [r.strip() for r in runs if "make" in r.split()] == ["make test"]
    caches = {s["with"]["path"].strip() for s in steps(build) if s.get("uses", "").startswith(
        "actions/cache@")}
    assert "build/numba-cache" in caches
    assert any("build/experiments" in c.split() and "book/_chapter_times.json" in c.split()
               for c in caches)
    upload = next(s for s in steps(build) if s.get("uses", "").startswith(
        "actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "book/_build/html"
    # order: checkout, chromium, mtimes, caches ... make test, upload
    order = [i for i, s in enumerate(steps(build)) if "make test" in s.get("run", "")]
    assert order and order[0] < uses.index(upload["uses"])
    assert uses.index(next(u for u in uses if u.startswith("actions/checkout@"))) == 0
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in steps(deploy)] == ["actions/deploy-pages"]


def test_workflow_dates_library_files_so_the_numba_cache_is_used():
    """numba's cache index stores each source file's modification time; the workflow sets the
    library's files to their commit time before restoring the cache."""
    build = workflow()["jobs"]["build"]
    checkout = next(s for s in steps(build) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s.get("run", "") for s in steps(build)]
    stamp = next(i for i, r in enumerate(runs) if "touch -d" in r and "git log -1" in r)
    cache = next(i for i, s in enumerate(steps(build)) if "numba-cache" in str(s.get("with")))
    assert stamp < cache and "lib" in runs[stamp]
    assert build["defaults"]["run"]["shell"] == "bash"  # the loop reads NUL-separated names


def test_experiments_table_default_is_under_the_cached_directory():
    nb = nbformat.read(REPO / "chapters" / "order_book_market_making.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    default = re.search(r'^experiments_table = "([^"]+)"', params.source, re.M).group(1)
    assert (REPO / "chapters" / default).resolve().parent == (REPO / "build" / "experiments")


# ------------------------------------------------------------------------- make serve


def test_make_serve_serves_the_built_book_on_port():
    out = subprocess.run(["make", "-n", "serve", "PORT=8123"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"-m http\.server 8123 .*--directory book/_build/html", out), out
    assert "test -f book/_build/html/index.html || make" in out


@pytest.mark.book
def test_built_landing_page_shows_the_chapters_values():
    """In the built book, each pasted value is the chapter's glued value (same format)."""
    from myst_nb.core.variables import format_plain_text

    from mslab.glue import prose_sign

    html = (BOOK / "_build" / "html" / "intro.html").read_text(encoding="utf-8")
    shown = re.findall(r'<span class="pasted-text">(.*?)</span>', html)
    expected = []
    for doc, key, fmt in pastes():
        nb = json.loads((BOOK / doc).read_text(encoding="utf-8"))
        data = next(o["data"] for c in nb["cells"] for o in c.get("outputs", [])
                    if o.get("metadata", {}).get("scrapbook", {}).get("name") == key)
        plain = next(v for k, v in data.items() if k.endswith("text/plain"))
        expected.append(prose_sign(format_plain_text(plain, fmt)))
    import html as html_lib
    assert [html_lib.unescape(s) for s in shown] == expected


@pytest.mark.book
def test_pasted_numbers_carry_the_books_minus_sign():
    """No number pasted into prose keeps Python's hyphen-minus (the prose_numbers extension);
    the chapters do paste negative numbers."""
    pasted = [re.findall(r'<span class="pasted-text">(.*?)</span>', p.read_text(encoding="utf-8"))
              for p in (BOOK / "_build" / "html").glob("*.html")]
    pasted = [s for page in pasted for s in page]
    assert not [s for s in pasted if re.fullmatch(r"-[\d.].*", s)]
    assert any(s.startswith("−") for s in pasted)
