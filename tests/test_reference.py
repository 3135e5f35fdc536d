"""The library reference (book/reference/) keeps up with the library.

* every sub-package and top-level module of ``mslab`` has a reference page, in ``_toc.yml``;
* each page documents every public name of its package (``__all__``, or the public functions
  and classes its modules define), each under the module that defines it — checked here
  independently of ``tools/reference_pages.py``, and the committed pages are what that script
  writes (run it after changing the public API);
* the Sphinx extension's docstring conventions (``book/_ext/mslab_source.py``) turn the house
  style into the reST napoleon reads.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import mslab

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "book" / "reference"


def _load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _load(REPO / "tools" / "reference_pages.py")
EXT = _load(REPO / "book" / "_ext" / "mslab_source.py")

ENTRY = re.compile(r"^   (\w+)$")
CURRENT = re.compile(r"^\.\. currentmodule:: ([\w.]+)$")


def documented(text: str) -> set[tuple[str, str]]:
    """(module, name) of every autosummary entry of a page."""
    found, module = set(), None
    for line in text.splitlines():
        if m := CURRENT.match(line):
            module = m.group(1)
        elif (m := ENTRY.match(line)) and module:
            found.add((module, m.group(1)))
    return found


def _public(module: object) -> dict[str, object]:
    if hasattr(module, "__all__"):
        return {n: getattr(module, n) for n in module.__all__}
    return {n: o for n, o in vars(module).items()
            if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o)
                                          or hasattr(o, "py_func"))
            and o.__module__ == module.__name__}


def public_objects(name: str) -> dict[str, object]:
    """Public name -> object of package or module ``name`` (computed without the tool)."""
    module = importlib.import_module(name)
    if hasattr(module, "__all__") or not hasattr(module, "__path__"):
        return _public(module)
    names: dict[str, object] = {}
    for info in pkgutil.iter_modules(module.__path__):
        if not info.name.startswith("_"):
            names.update(_public(importlib.import_module(f"{name}.{info.name}")))
    return names


def missing(name: str, text: str) -> list[str]:
    """Public names of ``name`` that the page ``text`` does not document where defined."""
    entries = documented(text)
    return sorted(n for n, obj in public_objects(name).items()
                  if not any(e == n and getattr(importlib.import_module(m), e, None) is obj
                             for m, e in entries))


def test_every_subpackage_and_module_has_a_page() -> None:
    subjects = {module for module, _ in TOOL.SUBJECTS.values()}
    for info in pkgutil.iter_modules(mslab.__path__):
        if not info.name.startswith("_"):
            assert f"mslab.{info.name}" in subjects, f"mslab.{info.name} has no reference page"


def test_pages_are_in_the_table_of_contents() -> None:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("chapters", []) + entry.get("sections", []))

    walk(toc["parts"])
    assert "reference/index" in files
    for key in TOOL.SUBJECTS:
        assert f"reference/{key}" in files, f"reference/{key} is not in _toc.yml"
        assert (PAGES / f"{key}.md").is_file()


@pytest.mark.parametrize("key", list(TOOL.SUBJECTS))
def test_page_lists_every_public_name(key: str) -> None:
    name, _ = TOOL.SUBJECTS[key]
    text = (PAGES / f"{key}.md").read_text(encoding="utf-8")
    assert not missing(name, text), f"book/reference/{key}.md lacks {missing(name, text)}"
    assert TOOL.page(key) == text, (f"book/reference/{key}.md is out of date: run "
                                    "python tools/reference_pages.py")


def test_a_name_missing_from_a_page_is_detected() -> None:
    text = (PAGES / "performance.md").read_text(encoding="utf-8")
    assert missing("mslab.performance", text) == []
    assert missing("mslab.performance", text.replace("   sharpe_ratio\n", "")) == ["sharpe_ratio"]
    # a name listed under the wrong module does not count
    moved = text.replace(".. currentmodule:: mslab.performance", ".. currentmodule:: mslab.glue")
    assert "sharpe_ratio" in missing("mslab.performance", moved)


def test_docstring_conventions_become_rest() -> None:
    lines = [
        "Sniping loss E[(|J| − h)⁺] with ``|q| <= 2``.",
        "",
        "Parameters",
        "----------",
        "gamma : risk aversion γ > 0 (1/currency).",
        "digits : int or dict",
        "    Decimals.",
        "y, x : Series on the same dates",
        "    (finite values).",
        "",
        "``rolling_zscore``  (X_t − mean)/std over the last",
        "                    ``window`` values.",
        "",
        "| a | b |",
    ]
    assert EXT.house_style(lines) == [
        r"Sniping loss E[(\|J\| − h)⁺] with ``|q| <= 2``.",
        "",
        "Parameters",
        "----------",
        "gamma",
        "    risk aversion γ > 0 (1/currency).",
        "digits : int or dict",
        "    Decimals.",
        "y, x",
        "    Series on the same dates",
        "    (finite values).",
        "",
        "``rolling_zscore``",
        "    (X_t − mean)/std over the last",
        "    ``window`` values.",
        "",
        "| a | b |",
    ]
