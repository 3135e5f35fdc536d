"""Microstructure Lab: jitted simulation kernels for market-microstructure research.

Sub-packages are named after what they model (``mslab.inventory`` for inventory risk and
optimal quoting, ...). Kernels are compiled with ``@njit(cache=True)``; when the package is
used from its source tree the compiled cache goes to ``build/numba-cache`` at the repository
root (unless ``NUMBA_CACHE_DIR`` is already set), so rebuilding the book does not recompile.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]
if "NUMBA_CACHE_DIR" not in os.environ and (_REPO_ROOT / "pyproject.toml").is_file():
    os.environ["NUMBA_CACHE_DIR"] = str(_REPO_ROOT / "build" / "numba-cache")

__version__ = "0.1.0"
