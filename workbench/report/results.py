"""The record of one report run (run.json): the notebooks run, their findings, pages and times."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class NotebookRun:
    """One executed notebook and what it produced (paths relative to the output folder)."""

    stem: str
    source: str
    title: str
    seconds: float
    executed: str
    html: str
    images: list[str] = field(default_factory=list)
    featured: list[str] = field(default_factory=list)
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    headings: list[tuple[str, str]] = field(default_factory=list)  # (text, href from the index)


@dataclass
class ReportResult:
    """Everything the index shows about one run."""

    input: dict[str, Any]
    machine: dict[str, Any]
    started: str
    quick: bool
    with_code: bool
    notebooks_dir: str
    out_dir: str
    runs: list[NotebookRun] = field(default_factory=list)
    seconds: float = 0.0
    compared: dict[str, str] = field(default_factory=dict)  # old report folder, headline, page

    def to_json(self) -> str:
        """The run as JSON (saved as run.json next to index.html)."""
        return json.dumps(asdict(self), indent=2, default=str)


def last_times(out_dir: str | os.PathLike, quick: bool) -> dict[str, float]:
    """Seconds per notebook of the last run of the same mode in `out_dir` (empty if none)."""
    try:
        previous = load_result(out_dir)
    except (OSError, ValueError, TypeError):
        return {}
    return {r.stem: r.seconds for r in previous.runs} if previous.quick == quick else {}


def load_result(out_dir: str | os.PathLike) -> ReportResult:
    """The ReportResult an earlier run saved as run.json in `out_dir` (FileNotFoundError if none)."""
    data = json.loads((Path(out_dir) / "run.json").read_text(encoding="utf-8"))
    runs = [
        NotebookRun(**{**r, "headings": [tuple(h) for h in r.get("headings", [])]})
        for r in data.pop("runs", [])
    ]
    return ReportResult(**data, runs=runs)
