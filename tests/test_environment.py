"""environment.yml (conda) and pyproject.toml (pip) describe the same environment."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO


def _split(req: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = [r for reqs in project["optional-dependencies"].values() for r in reqs]
    pip_reqs = dict(_split(r) for r in project["dependencies"] + extras)
    deps = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    pip_section = [r for d in deps if isinstance(d, dict) for r in d.get("pip", [])]
    conda_reqs = dict(_split(d) for d in [*deps, *pip_section] if isinstance(d, str))
    conda_reqs.pop("pip", None)
    assert conda_reqs.pop("python") == ">=3.11" == project["requires-python"]
    assert conda_reqs == pip_reqs
