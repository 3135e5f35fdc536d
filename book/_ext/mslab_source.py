"""Sphinx extension for the library reference (book/reference/, written by
tools/reference_pages.py).

1. autodoc documents the `mslab` of this tree. Jupyter Book appends this directory to
   ``sys.path`` and loads the module as an extension; putting ``lib/`` first makes autodoc
   import the library next to the book rather than another copy installed in the environment
   (several work trees may share one venv).

2. mslab's docstrings are plain text with Unicode formulas, in NumPy style with two house
   conventions. :func:`house_style` turns them into the reST that napoleon and autodoc expect,
   before napoleon runs:

   * ``|x|`` is an absolute value: the bars are escaped (outside inline literals and table
     borders) so that reST does not read a substitution reference (the book defines none);
   * a parameter may be given as ``name : description`` (its type comes from the annotation):
     when the text after the colon is prose rather than a type, it becomes the description;
   * a table of named things written as ````name````, two spaces, then text (continued on
     more-indented lines) becomes a definition list.

3. A docstring may name an object as Python would in that module: a name the module imports
   (``:func:`simulate_cst``` in a module that imports it) or a package-level re-export
   (``:func:`mslab.orderbook.run_backtest```). :func:`resolve` links such a reference to the
   documented object (the reference documents each object under the module that defines
   it), and shows a reference to an existing but undocumented (private) object as code
   without a link. A name that does not exist still fails the nitpicky build.

4. The parameter and return types autodoc adds from the annotations go before a docstring's
   Examples, as in a NumPy docstring, not after them (:func:`fields_first`).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

LIB = str(Path(__file__).resolve().parents[2] / "lib")
if LIB not in sys.path:
    sys.path.insert(0, LIB)

_LITERAL = re.compile(r"(``.+?``)")
_TABLE_BORDER = re.compile(r"^\s*(\+[-=]|\|\s)")
_SECTION = re.compile(r"^\s*(Parameters|Other Parameters|Attributes)\s*$")
_FIELD = re.compile(r"^(\s*)([A-Za-z_*][\w*]*(?:,\s*[A-Za-z_*][\w*]*)*)\s+:\s+(.+)$")
_TYPE = re.compile(r"^[\w.]+(?:\s*(?:,|or|of)\s*[\w.]+)*(?:,\s*optional)?$")
_TERM = re.compile(r"^(\s*)(``[^`]+``)\s{2,}(\S.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def escape_bars(line: str) -> str:
    """``line`` with every ``|`` outside inline literals escaped (table borders are kept)."""
    if _TABLE_BORDER.match(line):
        return line
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else p.replace("|", r"\|") for i, p in enumerate(parts))


def house_style(lines: list[str]) -> list[str]:
    """The docstring ``lines`` in the reST + NumPy form napoleon reads (module docstring)."""
    out: list[str] = []
    in_fields = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _SECTION.match(line) and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            in_fields = True
        elif line.strip() and set(line.strip()) == {"-"}:
            pass
        elif line.strip() and _indent(line) == 0 and not _FIELD.match(line):
            in_fields = False
        field = _FIELD.match(line) if in_fields else None
        if field and _TYPE.match(field.group(3).strip()):
            field = None  # a NumPy ``name : type`` line: napoleon reads it as it is
        definition = field or _TERM.match(line)
        if not definition:
            out.append(escape_bars(line))
            i += 1
            continue
        # term on its own line, then the text after it and its continuation lines indented
        pad, term, text = definition.groups()
        out += [f"{pad}{term}", f"{pad}    {escape_bars(text)}"]
        i += 1
        while i < len(lines) and lines[i].strip() and _indent(lines[i]) > len(pad):
            out.append(f"{pad}    {escape_bars(lines[i].strip())}")
            i += 1
    return out


def process_docstring(app: object, what: str, name: str, obj: object, options: object,
                      lines: list[str]) -> None:
    lines[:] = house_style(lines)


def _lookup(target: str, module: str | None) -> tuple[object, str] | None:
    """The object ``target`` names from module ``module`` (or as an absolute name), and the
    full name it was found under."""
    candidates = ([f"{module}.{target}"] if module else []) + [target]
    for name in candidates:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                break
            return obj, name
    return None


def _canonical(obj: object) -> str | None:
    if isinstance(obj, type(sys)):
        return obj.__name__
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    return f"{module}.{qualname}" if module and qualname else None


def resolve(app: object, env: object, node: object, contnode: object) -> object | None:
    if node.get("refdomain") != "py":
        return None
    found = _lookup(node["reftarget"], node.get("py:module"))
    if found is None or not found[1].startswith("mslab."):
        return None  # not a name of mslab: the nitpicky build reports it
    obj, name = found
    domain = env.get_domain("py")
    canonical = _canonical(obj) or name
    if canonical in domain.objects:
        newnode = node.deepcopy()
        newnode["reftarget"] = canonical
        return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                   canonical, newnode, contnode)
    return contnode  # exists, but the reference does not document it: code, not a link


def fields_first(app: object, domain: str, objtype: str, content: object) -> None:
    """Move the field lists (parameters, returns) after an Examples rubric to before it."""
    from docutils import nodes

    rubrics = [c for c in content.children
               if isinstance(c, nodes.rubric) and c.astext() == "Examples"]
    if domain != "py" or not rubrics:
        return
    examples = content.index(rubrics[0])
    for field_list in [c for c in content.children[examples + 1:]
                       if isinstance(c, nodes.field_list)]:
        content.remove(field_list)
        content.insert(content.index(rubrics[0]), field_list)


def setup(app: object) -> dict[str, object]:
    # Before napoleon (priority 500) turns the NumPy sections into reST.
    app.connect("autodoc-process-docstring", process_docstring, priority=100)
    app.connect("missing-reference", resolve)
    # After autodoc's merge_typehints (priority 500) has added the types.
    app.connect("object-description-transform", fields_first, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
