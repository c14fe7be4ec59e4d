"""environment.yml (conda) and pyproject.toml (pip) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"python-lmdb": "lmdb", "msgpack-python": "msgpack"}
NOT_PACKAGES = {"python", "pip"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _name(spec: str) -> str:
    return _norm(re.split(r"[<>=!~;\[\s]", spec.strip(), maxsplit=1)[0])


def pyproject_deps(text: str) -> set[str]:
    """Every dependency named in pyproject.toml, extras included."""
    project = tomllib.loads(text)["project"]
    specs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    return {_name(s) for s in specs}


def environment_deps(text: str) -> set[str]:
    """Every dependency named in environment.yml (conda and pip sections), as pip names."""
    names = set()
    in_deps = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith((" ", "-")):
            in_deps = line.startswith("dependencies:")
            continue
        item = line.strip()
        if not in_deps or not item.startswith("- "):
            continue
        spec = item[2:].strip()
        if spec.endswith(":") or spec.startswith("-e ") or spec in (".", "-e ."):
            continue  # the "pip:" header, or the editable install of the project itself
        name = _name(spec)
        names.add(CONDA_TO_PIP.get(name, name))
    return names - NOT_PACKAGES


def mismatch(pyproject_text: str, environment_text: str) -> tuple[set[str], set[str]]:
    """(only in pyproject.toml, only in environment.yml)."""
    pip = pyproject_deps(pyproject_text)
    conda = environment_deps(environment_text)
    return pip - conda, conda - pip


def test_same_dependencies() -> None:
    only_pip, only_conda = mismatch(
        (ROOT / "pyproject.toml").read_text(), (ROOT / "environment.yml").read_text()
    )
    assert not only_pip, f"in pyproject.toml but not environment.yml: {sorted(only_pip)}"
    assert not only_conda, f"in environment.yml but not pyproject.toml: {sorted(only_conda)}"


def test_parsers_see_the_real_lists() -> None:
    pip = pyproject_deps((ROOT / "pyproject.toml").read_text())
    conda = environment_deps((ROOT / "environment.yml").read_text())
    for name in ("pandas", "lmdb", "msgpack", "pytest", "edn-format"):
        assert name in pip and name in conda
    assert "python" not in conda and "pip" not in conda


def test_mismatch_is_detected() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    env = (ROOT / "environment.yml").read_text()
    broken_env = "\n".join(ln for ln in env.splitlines() if "pandas" not in ln)
    only_pip, only_conda = mismatch(pyproject, broken_env)
    assert only_pip == {"pandas"} and not only_conda
    extra_env = env.replace("  - pip\n", "  - pip\n  - numba>=0.59\n", 1)
    only_pip, only_conda = mismatch(pyproject, extra_env)
    assert only_conda == {"numba"} and not only_pip


def test_conda_names_are_mapped() -> None:
    env = "dependencies:\n  - python=3.11\n  - python-lmdb>=1.4\n  - msgpack-python\n  - pip:\n      - foo_bar==1\n"
    assert environment_deps(env) == {"lmdb", "msgpack", "foo-bar"}
