"""Sphinx extension: a page that pastes glue from a chapter is rebuilt when the chapter changes.

The landing page (``book/intro.md``) quotes each chapter's headline result with MyST-NB's
cross-document paste, ``{glue:text}`chapter::key```. MyST-NB resolves such a reference when the
page is written, from the chapter's glue outputs, but does not record that the page depends on
the chapter: after ``mslab-run`` re-executes a chapter, an incremental ``jupyter-book build``
re-reads the chapter and would leave the landing page with the old numbers. This extension
records every pasted-from chapter as a dependency of the pasting page (Sphinx then re-reads
and rewrites the page whenever the chapter's file is newer). Enabled in ``_config.yml`` under
``sphinx: extra_extensions``.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from myst_nb.ext.glue.utils import PendingGlueReference
from sphinx.application import Sphinx


def glue_sources(doctree: nodes.document) -> list[str]:
    """The documents (Sphinx docnames) ``doctree`` pastes glue from, sorted, without repeats."""
    return sorted({node.refdoc for node in doctree.findall(PendingGlueReference)})


def note_glue_sources(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read`` handler: the page being read depends on every document it pastes from."""
    for docname in glue_sources(doctree):
        app.env.note_dependency(str(app.env.doc2path(docname)))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handler (Sphinx extension entry point)."""
    app.connect("doctree-read", note_glue_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
