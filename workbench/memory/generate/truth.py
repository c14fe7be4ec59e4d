"""What the generator wrote (the ground truth of every entry and damage) and the salvage check."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.io import atomic_write_text


@dataclass(slots=True)
class EntryTruth:
    """Ground truth for one top-level entry written to the text."""

    key: Any
    key_text: str
    kind: str
    data_type: str
    style: str
    line: int
    column: int
    offset: int  # UTF-8 bytes
    length: int  # UTF-8 bytes, key through value
    clean: bool = True
    damage: str | None = None


@dataclass(slots=True)
class DamageTruth:
    """Ground truth for one injected damage: where the offending text starts and what it hits."""

    kind: str
    line: int
    column: int
    offset: int
    key: Any  # the key the app meant (None when it cannot be built)
    key_text: str  # the key as written in the file
    text: str  # the offending text (start of it)
    end_line: int = 0
    end_column: int = 0


@dataclass
class Truth:
    """What the generator wrote: every entry and every injected damage."""

    entries: list[EntryTruth] = field(default_factory=list)
    damages: list[DamageTruth] = field(default_factory=list)

    def clean_entries(self) -> list[EntryTruth]:
        """Entries whose text is intact and unambiguous (a salvage must recover them identical)."""
        return [e for e in self.entries if e.clean]

    def damaged_keys(self) -> list[Any]:
        """Keys of the entries affected by damage."""
        return [e.key for e in self.entries if not e.clean]

    def to_json(self) -> str:
        """The truth as JSON (keys printed as EDN)."""

        def row(obj: Any) -> dict:
            d = asdict(obj)
            d["key"] = None if obj.key is None else edn.printed(obj.key)
            return d

        return json.dumps(
            {"entries": [row(e) for e in self.entries], "damages": [row(d) for d in self.damages]},
            indent=1,
            ensure_ascii=False,
        )


@dataclass
class Generated:
    """A generated memory: its text, the intended data and the ground truth."""

    text: str
    value: dict
    truth: Truth
    seed: int
    style: str
    clean: dict = field(default_factory=dict)

    def write(self, path: str | os.PathLike, truth_path: str | os.PathLike | None = None) -> Path:
        """Write the text atomically (and optionally the truth as JSON)."""
        p = atomic_write_text(path, self.text)
        if truth_path is not None:
            atomic_write_text(truth_path, self.truth.to_json())
        return p


def check_salvage(g: Generated, memory: Any) -> dict[str, list]:
    """Compare a salvaged Memory with the generator's truth; every list is empty when it all holds.

    missing: clean keys not recovered; different: recovered but not edn.identical;
    misplaced: recovered at another line/column/offset/length; unreported: damages with no
    diagnostic at their line and column; misnamed: reported under another damage name.
    """
    from workbench.memory.model import damage_kind

    got = {e.key: e for e in memory.entries}
    out: dict[str, list] = {
        k: [] for k in ("missing", "different", "misplaced", "unreported", "misnamed")
    }
    for t in g.truth.entries:
        if not t.clean:
            continue
        e = got.get(t.key)
        if e is None:
            out["missing"].append(t.key)
            continue
        if t.key in g.clean and not edn.identical(e.value, g.clean[t.key]):
            out["different"].append(t.key)
        if (e.line, e.column, e.offset, e.length) != (t.line, t.column, t.offset, t.length):
            out["misplaced"].append(t.key)
    found = {(d.line, d.column): d for d in memory.diagnostics}
    for d in g.truth.damages:
        diag = found.get((d.line, d.column))
        if diag is None:
            out["unreported"].append(d)
        elif damage_kind(diag) != d.kind:
            out["misnamed"].append((d, diag))
    return out
