"""Every public function, class and method of mslab documents itself in NumPy style: a
docstring, a Parameters section when it takes parameters and a Returns (or Yields) section when
it returns a value (properties excepted). The reference pages render these sections."""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "mslab"


def _returns_value(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None
               and not (isinstance(n.value, ast.Constant) and n.value.value is None)
               for n in ast.walk(fn))


def _public(tree: ast.Module) -> set[str] | None:
    """The names in the module's ``__all__`` (with any ``__all__ +=``), None without one."""
    names = None
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", None) == "__all__" for t in targets):
                names = (names or set()) | {e.value for e in node.value.elts}
    return names


def gaps(path: Path, root: Path = LIB.parent) -> list[str]:
    """The public functions and methods of ``path`` missing a docstring or a section, each as
    ``file:line name: no ...`` with the file relative to ``root``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = _public(tree)
    out = []

    def check(fn: ast.FunctionDef, qual: str) -> None:
        doc = ast.get_docstring(fn) or ""
        args = [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]
        prop = any(getattr(d, "id", None) == "property" for d in fn.decorator_list)
        missing = [what for what, bad in (
            ("docstring", not doc),
            ("Parameters", args and "Parameters" not in doc),
            ("Returns", _returns_value(fn) and not prop
             and "Returns" not in doc and "Yields" not in doc)) if bad]
        if missing:
            out.append(f"{path.relative_to(root)}:{fn.lineno} {qual}: "
                       f"no {', '.join(missing)}")

    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        if names is not None and node.name not in names:
            continue
        if isinstance(node, ast.FunctionDef):
            check(node, node.name)
            continue
        if not ast.get_docstring(node):
            out.append(f"{path.relative_to(root)}:{node.lineno} {node.name}: no docstring")
        for sub in node.body:
            if isinstance(sub, ast.FunctionDef) and not sub.name.startswith("_"):
                check(sub, f"{node.name}.{sub.name}")
    return out


def test_public_api_has_numpy_sections():
    files = [p for p in sorted(LIB.rglob("*.py")) if not p.name.startswith("_")]
    assert len(files) > 80
    missing = [g for p in files for g in gaps(p)]
    assert not missing, "\n".join(missing)


def test_the_check_finds_a_missing_section(tmp_path):
    """The check is not vacuous: an undocumented parameter and return value are reported."""
    f = tmp_path / "m.py"
    f.write_text('__all__ = ["f", "g"]\n\ndef f(x):\n    """Twice x."""\n    return 2 * x\n\n'
                 'def g():\n    pass\n\ndef h(y):\n    return y\n', encoding="utf-8")
    assert [g.split(" ", 1)[1] for g in gaps(f, tmp_path)] == ["f: no Parameters, Returns",
                                                   "g: no docstring"]
