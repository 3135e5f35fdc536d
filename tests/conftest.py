"""Shared fixtures and helpers for the test-suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_in_subprocess(code: str, threads: int) -> object:
    """Run ``code`` (which must print one JSON document) in a fresh interpreter with
    ``NUMBA_NUM_THREADS=threads`` and return the decoded output. numba fixes its thread
    pool size per process, so thread-count invariance needs separate processes."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=False, cwd=REPO)
    if out.returncode != 0:
        raise AssertionError(f"subprocess failed (threads={threads}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
