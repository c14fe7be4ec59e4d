"""Headline findings handed from each executed notebook to the report index, as small JSON files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from workbench.io import atomic_write_text


def write_findings(
    out_dir: str | os.PathLike | None, name: str, findings: dict[str, Any]
) -> Path | None:
    """Save a notebook's headline findings as `findings-<name>.json` in out_dir (no-op when None)."""
    if not out_dir:
        return None
    path = Path(out_dir) / f"findings-{name}.json"
    atomic_write_text(path, json.dumps(findings, indent=2, default=str, sort_keys=True))
    return path


def read_findings(out_dir: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Load every `findings-*.json` in out_dir, keyed by notebook name."""
    result: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(out_dir).glob("findings-*.json")):
        result[path.stem.removeprefix("findings-")] = json.loads(path.read_text())
    return result
