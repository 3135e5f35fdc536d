"""Write the library reference pages in book/reference/ from the public API of `mslab`.

One page per sub-package (``mslab.inventory``, ...) and per top-level module
(``mslab.performance``, ...). A page opens with the package docstring, then documents each
name under the module that defines it, after that module's docstring (the model, its units and
conventions) and a summary table of its names. The public API is :func:`public_api`: a
package's or module's ``__all__``, or else the functions and classes a module defines without a
leading underscore (a package without ``__all__`` exposes its modules' public names), plus the
upper-case constants each module documents with a docstring (bounds, signatures, names).

Run ``python tools/reference_pages.py`` after adding or removing a public name;
``tests/test_reference.py`` fails while a page lists other names than the API.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "book" / "reference"

# page name -> (module, title); the order of the reference's table of contents.
SUBJECTS = {
    "inventory": ("mslab.inventory", "Inventory risk and optimal quoting"),
    "orderbook": ("mslab.orderbook", "Order books and the market-making backtest"),
    "execution": ("mslab.execution", "Optimal execution and transaction costs"),
    "funding": ("mslab.funding", "Perpetual funding and basis"),
    "latency": ("mslab.latency", "Latency arbitrage"),
    "pairs": ("mslab.pairs", "Pairs trading"),
    "data": ("mslab.data", "Market data loaders"),
    "performance": ("mslab.performance", "Performance metrics"),
    "glue": ("mslab.glue", "Numbers into prose"),
    "tables": ("mslab.tables", "Numbered tables"),
    "figures": ("mslab.figures", "Figures"),
    "explorable": ("mslab.explorable", "Explorable figures"),
    "rng": ("mslab.rng", "Random streams for parallel Monte Carlo"),
    "sweeps": ("mslab.sweeps", "Parameter sweeps"),
    "selection_bias": ("mslab.selection_bias", "Selection bias of a sweep"),
    "runner": ("mslab.runner", "The chapter runner"),
}


# Types that public functions return although their package does not export them.
EXTRA = {"mslab.data.lobster": ["LobsterName"]}


def _defines(module: object, name: str) -> bool:
    obj = getattr(module, name)
    return ((inspect.isfunction(obj) or inspect.isclass(obj) or hasattr(obj, "py_func"))
            and getattr(obj, "__module__", None) == module.__name__)


def _module_names(module: object) -> list[str]:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [n for n in vars(module) if not n.startswith("_") and _defines(module, n)]


def _constants(module: object) -> list[str]:
    """The upper-case constants a module documents: assigned at its top level and followed
    by a docstring (bounds, signatures, names the docstrings refer to), in source order."""
    body = ast.parse(Path(module.__file__).read_text(encoding="utf-8")).body
    names = []
    for node, after in zip(body, body[1:]):
        documented = (isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                      and isinstance(after.value.value, str))
        target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else node.target if isinstance(node, ast.AnnAssign) else None)
        if documented and isinstance(target, ast.Name) and target.id.isupper() \
                and not target.id.startswith("_"):
            names.append(target.id)
    return names


def _origins(package: object) -> dict[str, str]:
    """Name -> defining module for the names a package's ``__init__`` imports."""
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    return {alias.asname or alias.name: node.module
            for node in tree.body if isinstance(node, ast.ImportFrom)
            for alias in node.names}


def public_api(name: str) -> dict[str, list[str]]:
    """The public names of package or module ``name``, grouped by the module defining them.

    A package's groups are all its modules: first those its ``__init__`` imports from (in
    import order), then the others (alphabetically); a module the package exports nothing
    from is still a group (its docstring describes part of the model), possibly empty."""
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return {name: _with_constants(module, _module_names(module))}
    modules = list(dict.fromkeys(_origins(module).values()))
    modules += sorted(f"{name}.{info.name}" for info in pkgutil.iter_modules(module.__path__)
                      if not info.name.startswith("_") and f"{name}.{info.name}" not in modules)
    grouped: dict[str, list[str]] = {m: [] for m in modules}
    if hasattr(module, "__all__"):
        origins = _origins(module)
        for n in module.__all__:
            grouped[origins[n]].append(n)
    else:
        for m in modules:
            grouped[m] = _module_names(importlib.import_module(m))
    return {m: _with_constants(importlib.import_module(m), names) + EXTRA.get(m, [])
            for m, names in grouped.items()}


def _with_constants(module: object, names: list[str]) -> list[str]:
    return names + [c for c in _constants(module) if c not in names]


def _directive(module: str, name: str) -> str:
    obj = getattr(importlib.import_module(module), name)
    if inspect.isclass(obj):
        return f".. autoclass:: {name}\n   :members:\n   :undoc-members:\n"
    if inspect.isfunction(obj) or hasattr(obj, "py_func"):
        return f".. autofunction:: {name}\n"
    return f".. autodata:: {name}\n"


def page(key: str) -> str:
    """The MyST source of one reference page."""
    name, title = SUBJECTS[key]
    api = public_api(name)
    lines = [f"# `{name}`: {title}", "", "```{eval-rst}", f".. automodule:: {name}",
             "   :no-members:", "```", ""]
    for module, names in api.items():
        if module != name:
            lines += [f"## `{module}`", "", "```{eval-rst}", f".. automodule:: {module}",
                      "   :no-members:", "```", ""]
        if names:
            lines += ["```{eval-rst}", f".. currentmodule:: {module}", "", ".. autosummary::",
                      "   :nosignatures:", ""]
            lines += [f"   {n}" for n in names]
            lines += [""] + [_directive(module, n) for n in names]
            lines += ["```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    PAGES.mkdir(parents=True, exist_ok=True)
    for key in SUBJECTS:
        (PAGES / f"{key}.md").write_text(page(key), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
