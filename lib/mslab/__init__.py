"""Microstructure Lab: jitted simulation kernels for market-microstructure research.

Sub-packages are named after what they model (``mslab.inventory`` for inventory risk and
optimal quoting, ...). Kernels are compiled with ``@njit(cache=True)``; when the package is
used from its source tree the compiled cache goes to ``build/numba-cache`` at the repository
root (unless ``NUMBA_CACHE_DIR`` is already set), so rebuilding the book does not recompile.

numba reads ``NUMBA_CACHE_DIR`` once, when it is imported. If it was imported before mslab
without that variable, setting the variable now would be too late (the cache would land in
``__pycache__`` next to the sources), so the already-loaded ``numba.config.CACHE_DIR`` is set
too: numba consults it whenever a cached function creates its cache locator.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]
if "NUMBA_CACHE_DIR" not in os.environ and (_REPO_ROOT / "pyproject.toml").is_file():
    os.environ["NUMBA_CACHE_DIR"] = str(_REPO_ROOT / "build" / "numba-cache")
    if "numba.core.config" in sys.modules and not sys.modules["numba.core.config"].CACHE_DIR:
        sys.modules["numba.core.config"].CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]

__version__ = "0.1.0"
