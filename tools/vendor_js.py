#!/usr/bin/env python3
"""Regenerate the JavaScript the book vendors so that it renders fully offline.

Run by hand (``make vendor``) after upgrading ``vl-convert-python`` or MathJax; the normal book
build never runs it. The generated files are committed:

``book/_static/vega-bundle.js``
    Vega + Vega-Lite + vega-embed (and their bundled dependencies) as produced by
    ``vl_convert.javascript_bundle()``, wrapped in a function scope so that its top-level
    ``const`` names do not clash with Sphinx's own scripts. It is a classic (non-module) script
    that sets ``window.vegaEmbed``; Jupyter Book adds every ``*.js`` under ``_static`` to every
    page, which is how the charts written by :mod:`mslab.figures` find it. (The bundle also
    assigns ``window.vega`` / ``window.vegaLite``, but vl-convert tree-shakes those to ``null``;
    only ``vegaEmbed`` is usable.)

``book/_vendor/mathjax/``
    ``tex-mml-svg.js`` from ``npm pack mathjax@3`` plus its Apache-2.0 ``LICENSE`` and the TeX
    extension files (``input/tex/extensions/*.js``) that MathJax's autoload fetches relative to
    the script (``\\boldsymbol``, ``\\cancel``, ``\\ce``, ``\\color``, ...). ``html_extra_path``
    copies the folder to the HTML root as ``mathjax/``. It must NOT live under ``_static``:
    Jupyter Book would add every extension file as a <script> to every page.

Needs ``npm`` on PATH (only ``npm pack``: downloads a tarball, installs nothing) and ``node``
to read the library versions out of the bundle for its header.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VEGA_OUT = REPO / "book" / "_static" / "vega-bundle.js"
MATHJAX_DIR = REPO / "book" / "_vendor" / "mathjax"
MATHJAX_SPEC = "mathjax@3"


def _vegalite_version(bundle: str) -> str:
    """Full Vega-Lite version inside the bundle (vl-convert only reports major.minor)."""
    import vl_convert

    minor = vl_convert.get_vegalite_versions()[-1]  # e.g. "6.4" (the bundle's default)
    found = set(re.findall(r'"(' + re.escape(minor) + r'\.\d+)"', bundle))
    return found.pop() if len(found) == 1 else minor


def build_vega_bundle(out: Path = VEGA_OUT) -> str:
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    if re.search(r"^\s*(import|export)\b", bundle, re.M):
        sys.exit("vl_convert.javascript_bundle() now contains ES module syntax; cannot wrap it")
    versions = {
        "vega": vl_convert.get_vega_version(),
        "vega-lite": _vegalite_version(bundle),
        "vega-embed": vl_convert.get_vega_embed_version(),
    }
    names = ", ".join(f"{k} {v}" for k, v in versions.items())
    header = (
        f"/*! {names} (BSD-3-Clause, (c) University of Washington Interactive Data Lab) with "
        f"bundled dependencies under their own permissive licences (ISC/BSD/MIT); built by "
        f"vl-convert-python {vl_convert.__version__} via tools/vendor_js.py - do not edit. */\n"
    )
    text = header + "(function () {\n" + bundle.rstrip() + "\n})();\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    _check_bundle(out)
    return names


def _check_bundle(path: Path) -> None:
    """Evaluate the wrapped bundle in node as a classic script and check window.vegaEmbed."""
    node = shutil.which("node")
    if node is None:
        print("  (node not found: skipped the smoke test of the bundle)")
        return
    js = (
        "globalThis.window = globalThis;"
        f"require('vm').runInThisContext(require('fs').readFileSync({json.dumps(str(path))}, 'utf8'));"
        "if (typeof window.vegaEmbed !== 'function') { console.error('no vegaEmbed'); process.exit(1); }"
    )
    subprocess.run([node, "-e", js], check=True)


def build_mathjax(out_dir: Path = MATHJAX_DIR, spec: str = MATHJAX_SPEC) -> str:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch MathJax (npm pack " + spec + ")")
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            [npm, "pack", spec, "--silent", "--pack-destination", tmp],
            check=True, capture_output=True, text=True, cwd=tmp,
        )
        tgz = Path(tmp) / res.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tf:
            tf.extractall(tmp, filter="data")
        pkg = Path(tmp) / "package"
        version = json.loads((pkg / "package.json").read_text())["version"]
        if out_dir.exists():
            shutil.rmtree(out_dir)
        (out_dir / "input" / "tex" / "extensions").mkdir(parents=True)
        shutil.copy2(pkg / "es5" / "tex-mml-svg.js", out_dir / "tex-mml-svg.js")
        shutil.copy2(pkg / "LICENSE", out_dir / "LICENSE")
        for ext in sorted((pkg / "es5" / "input" / "tex" / "extensions").glob("*.js")):
            if ext.name == "all-packages.js":  # 200 kB aggregate of the others; never autoloaded
                continue
            shutil.copy2(ext, out_dir / "input" / "tex" / "extensions" / ext.name)
    (out_dir / "README.txt").write_text(
        f"MathJax {version} (Apache-2.0, see LICENSE), from `npm pack {spec}`: `es5/tex-mml-svg.js` and\n"
        "`es5/input/tex/extensions/*.js` (loaded on demand by the autoload extension).\n"
        "Generated by `tools/vendor_js.py`; do not edit.\n",
        encoding="utf-8",
    )
    return f"mathjax {version}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["vega", "mathjax"], help="regenerate just one of them")
    args = ap.parse_args(argv)
    if args.only in (None, "vega"):
        print(f"{VEGA_OUT.relative_to(REPO)}: {build_vega_bundle()}")
    if args.only in (None, "mathjax"):
        print(f"{MATHJAX_DIR.relative_to(REPO)}/: {build_mathjax()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
