"""What changed between two report runs: this week's memory.edn against last week's, before cutover.

`compare_runs(old_dir, new_dir)` reads both report folders (their run.json, the key list notebook 01
writes as tables/explore-keys.csv and the inferred schema.edn of notebook 03) and returns plain
tables; `render_compare` makes the `compare.html` page the index links.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.analysis.schema.model import Schema, diff
from workbench.report.answers import answer_questions
from workbench.report.results import ReportResult, load_result
from workbench.report.tables import TABLES_DIR, table_html

KEYS_TABLE = "explore-keys"
SCHEMA_FILE = Path("schema") / "schema.edn"


@dataclass
class Comparison:
    """The differences between an old and a new run, as tables and a headline."""

    old: str
    new: str
    per_type: pd.DataFrame
    keys: (
        pd.DataFrame | None
    )  # change (added/removed), data_type, keys, examples; None: no key list
    damage: pd.DataFrame
    schema: pd.DataFrame | None
    answers: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def headline(self) -> str:
        """One sentence: entries, keys added/removed, damage, schema changes, verdicts that moved."""
        t = self.per_type
        d_entries = int(t["entries new"].sum() - t["entries old"].sum())
        k = self.keys
        damage_new = int(self.damage["new"].sum())
        moved = int((self.answers["old badge"] != self.answers["new badge"]).sum())
        parts = [
            f"{d_entries:+,} entries",
            "keys not compared (no key list in a report)"
            if k is None
            else f"{int(k.loc[k['change'] == 'added', 'keys'].sum()):,} keys added, "
            f"{int(k.loc[k['change'] == 'removed', 'keys'].sum()):,} removed",
            f"{damage_new:,} damage(s) now"
            + (f" ({damage_new - int(self.damage['old'].sum()):+,})" if len(self.damage) else ""),
        ]
        if self.schema is not None:
            parts.append(f"{len(self.schema):,} schema change(s)")
        parts.append(f"{moved} answer badge(s) changed")
        return f"From {self.old} to {self.new}: " + "; ".join(parts) + "."


def _findings(result: ReportResult) -> dict[str, dict[str, Any]]:
    return {name: f for run in result.runs for name, f in run.findings.items()}


def _per_type(old: dict, new: dict) -> pd.DataFrame:
    eo, en = (old.get("explore") or {}), (new.get("explore") or {})
    types = sorted(set(eo.get("entries_by_type", {})) | set(en.get("entries_by_type", {})))
    rows = []
    for t in types:
        row = {"data type": t}
        for col, key in (("entries", "entries_by_type"), ("bytes", "bytes_by_type")):
            o = int((eo.get(key) or {}).get(t, 0))
            n = int((en.get(key) or {}).get(t, 0))
            row |= {f"{col} old": o, f"{col} new": n, f"{col} change": n - o}
        rows.append(row)
    cols = ["data type"] + [
        f"{c} {w}" for c in ("entries", "bytes") for w in ("old", "new", "change")
    ]
    return pd.DataFrame(rows, columns=cols)


def _keys(old_dir: Path, new_dir: Path, notes: list[str]) -> pd.DataFrame | None:
    cols = ["change", "data type", "keys", "examples"]
    frames = []
    for d in (old_dir, new_dir):
        path = d / TABLES_DIR / f"{KEYS_TABLE}.csv"
        if not path.is_file():
            notes.append(f"{path} is missing: keys added and removed are not compared")
            return None
        frames.append(pd.read_csv(path, usecols=["key", "data_type"], keep_default_na=False))
    old, new = frames
    rows = []
    for change, a, b in (("added", new, old), ("removed", old, new)):
        diff_keys = a[~a["key"].isin(set(b["key"]))]
        for dtype, g in diff_keys.groupby("data_type", sort=True):
            rows.append(
                {
                    "change": change,
                    "data type": dtype,
                    "keys": len(g),
                    "examples": ", ".join(g["key"].head(3)),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def _damage(old: dict, new: dict) -> pd.DataFrame:
    o = int((old.get("explore") or {}).get("diagnostics", 0))
    n = int((new.get("explore") or {}).get("diagnostics", 0))
    u_o = int((old.get("explore") or {}).get("unstable_keys", 0))
    u_n = int((new.get("explore") or {}).get("unstable_keys", 0))
    return pd.DataFrame(
        [
            {"what": "damaged stretches (diagnostics)", "old": o, "new": n, "change": n - o},
            {"what": "keys that read back changed", "old": u_o, "new": u_n, "change": u_n - u_o},
        ]
    )


def _schema(old_dir: Path, new_dir: Path, notes: list[str]) -> pd.DataFrame | None:
    paths = [old_dir / SCHEMA_FILE, new_dir / SCHEMA_FILE]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        notes.append(f"{', '.join(missing)} missing: the inferred schemas are not compared")
        return None
    old, new = (
        Schema.from_edn(p.read_text(encoding="utf-8"), source=str(p), name=n)
        for p, n in zip(paths, ("old", "new"), strict=True)
    )
    return diff(old, new)


def _answers(old: dict, new: dict) -> pd.DataFrame:
    rows = []
    for a, b in zip(answer_questions(old), answer_questions(new), strict=True):
        rows.append(
            {
                "question": b.question,
                "old badge": a.status,
                "new badge": b.status,
                "new answer": b.sentence if b.sentence != a.sentence else "(unchanged)",
            }
        )
    return pd.DataFrame(rows)


def compare_runs(old_dir: str | os.PathLike, new_dir: str | os.PathLike) -> Comparison:
    """Compare two report folders written by `workbench report` (each with its run.json)."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    old, new = load_result(old_dir), load_result(new_dir)
    fo, fn = _findings(old), _findings(new)
    notes: list[str] = []
    return Comparison(
        old=f"{old.input.get('name', '?')} of {old.started}",
        new=f"{new.input.get('name', '?')} of {new.started}",
        per_type=_per_type(fo, fn),
        keys=_keys(old_dir, new_dir, notes),
        damage=_damage(fo, fn),
        schema=_schema(old_dir, new_dir, notes),
        answers=_answers(fo, fn),
        notes=notes,
    )


def _compared(frame: pd.DataFrame | None, unchanged: str) -> str:
    """A difference table; or why there is none: not compared (None) or nothing changed (empty)."""
    if frame is None:
        return "<p>Not compared (see the notes).</p>"
    return table_html(frame) if len(frame) else f"<p>{escape(unchanged)}</p>"


def render_compare(c: Comparison, css: str = "") -> str:
    """The compare.html page."""
    parts = [
        f'<h2 id="headline">What changed</h2><p class="next">{escape(c.headline())}</p>',
        '<h2 id="per-type">Entries and bytes per data type</h2>' + table_html(c.per_type),
        '<h2 id="keys">Keys added and removed</h2>' + _compared(c.keys, "No key added or removed."),
        '<h2 id="damage">Damage</h2>' + table_html(c.damage),
        '<h2 id="schema">Inferred schema: old to new</h2>'
        + _compared(c.schema, "The inferred schema did not change."),
        '<h2 id="answers">Answers: badges and sentences that moved</h2>' + table_html(c.answers),
    ]
    if c.notes:
        parts.append(
            '<h2 id="notes">Notes</h2><ul>'
            + "".join(f"<li>{escape(n)}</li>" for n in c.notes)
            + "</ul>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Compared: {escape(c.new)} against {escape(c.old)}</title><style>{css}"
        ".wb-table td.num,.wb-table th.num{text-align:right}</style></head><body>"
        f"<header><h1>What changed since the last report</h1><p>{escape(c.old)} &rarr; "
        f'{escape(c.new)}</p></header><main><p><a href="index.html">&larr; back to the index</a></p>'
        + "".join(f"<section>{p}</section>" for p in parts)
        + "</main></body></html>\n"
    )
