"""Sphinx extension: numbers pasted into prose by MyST-NB get the book's minus sign.

``{glue:text}`key:.2f``` pastes a glued number formatted by Python, which writes a negative
number with a hyphen-minus ("-0.10"), where the numbers written by :func:`mslab.glue.number`
and the tables use a true minus sign ("−0.10"). Once every paste is resolved (those from other
documents included), each pasted number's sign is rewritten by :func:`mslab.glue.prose_sign`.
"""

from __future__ import annotations

from docutils import nodes

from mslab.glue import prose_sign


def rewrite_signs(app: object, doctree: nodes.document, docname: str) -> None:
    """Rewrite the sign of every number pasted by ``{glue:text}`` in ``doctree``."""
    for node in doctree.findall(nodes.inline):
        if "pasted-text" in node.get("classes", ()):
            text = node.astext()
            shown = prose_sign(text)
            if shown != text:
                node.children = []
                node += nodes.Text(shown)


def setup(app: object) -> dict[str, object]:
    app.connect("doctree-resolved", rewrite_signs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
