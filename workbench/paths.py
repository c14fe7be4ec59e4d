"""Locate the repository's folders so notebooks and the CLI resolve relative inputs the same way."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_SAMPLES = REPO_ROOT / "data-samples"
REPORTS = REPO_ROOT / "reports"
DEFAULT_INPUT = DATA_SAMPLES / "memory.edn"


def resolve_input(path: str | os.PathLike | None) -> Path:
    """Resolve an input path: absolute, relative to cwd, or relative to the repository root."""
    if path is None:
        return DEFAULT_INPUT
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p.resolve()
    candidate = REPO_ROOT / p
    return candidate if candidate.exists() else p
