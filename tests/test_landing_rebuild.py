"""The landing page follows a re-run chapter. It pastes the chapters' glue
({glue:text}`chapter.ipynb::key`), which MyST-NB resolves when the page is written; after
`mslab-run` re-executes a chapter, an incremental build must write the landing page again even
though its own source did not change. Checked on a two-page project built twice with the
book's Sphinx and MyST-NB (the landing page holding the toctree that lists the chapter, as the
root of _toc.yml does)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from mslab.glue import Prose

REPO = Path(__file__).resolve().parents[1]


def chapter(path: Path, text: str) -> None:
    """A one-cell notebook that glued ``text`` under ``head`` (as mslab.glue.glue_text does)."""
    from IPython.core.formatters import format_display_data

    data, _ = format_display_data(Prose(text))
    prefix = "application/papermill.record/"
    out = nbformat.v4.new_output("display_data", data={prefix + k: v for k, v in data.items()},
                                 metadata={"scrapbook": {"name": "head", "mime_prefix": prefix}})
    cell = nbformat.v4.new_code_cell("glue_text('head', ...)", outputs=[out])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Chapter"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def build(src: Path) -> str:
    """An incremental HTML build of ``src`` into ``src/../out/html`` (MyST-NB keeps its glue
    data next to it, in ``out/jupyter_execute``); returns the landing page."""
    out = src.parent / "out" / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
                   check=True, capture_output=True, text=True)
    return (out / "index.html").read_text(encoding="utf-8")


def test_pasting_page_follows_a_rerun_chapter(tmp_path: Path):
    tmp_path = tmp_path / "src"
    tmp_path.mkdir()
    (tmp_path / "conf.py").write_text("extensions = ['myst_nb']\nnb_execution_mode = 'off'\n")
    (tmp_path / "index.md").write_text("# Landing\n\nThe result is "
                                       "{glue:text}`chapter.ipynb::head:s`.\n\n"
                                       "```{toctree}\nchapter\n```\n")
    chapter(tmp_path / "chapter.ipynb", "−1,234.50 ± 0.25")
    assert '<span class="pasted-text">−1,234.50 ± 0.25</span>' in build(tmp_path)

    chapter(tmp_path / "chapter.ipynb", "7.00 ± 0.10")  # the chapter re-run; index.md untouched
    html = build(tmp_path)
    assert '<span class="pasted-text">7.00 ± 0.10</span>' in html
    assert "−1,234.50" not in html
