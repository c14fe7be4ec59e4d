"""Migration timeline: each phase's duration for the user's file and at 10x / 100x its size, from
rates measured in a rehearsal (or given by the user), and how long dual-write must run.

Formula (shown with the estimate):
- copy = entries / copy rate (entries/s, the background copy of the rehearsal);
- validate = entries / validation rate (entries/s, the rehearsal's entry-by-entry validation);
- dual-write = max over key kinds k of N / w_k + validate, where w_k = W * share_k is the app's write
  rate reaching kind k (W: the trace's writes/s, or the user's; share_k: kind k's share of the file's
  entries, the assumption when the trace's per-kind mix is not recorded), so every kind has been
  written and then validated at least N times; never shorter than the copy;
- read cutover = validate (one more full validation), write cutover = validate (final check).
Rates are the rehearsal's, measured through the workbench's stores (and the Python bridge for
Datalevin), not the Clojure app's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

WRITE_OPS = ("save_value", "update", "delete_value")  # the trace player's op names
SCALES = (1, 10, 100)


@dataclass
class TimelineInputs:
    """The rates and counts the estimate uses (each with where it came from)."""

    entries: int
    copy_rate: float  # entries/s
    validate_rate: float  # entries/s
    write_rate: float  # app writes/s, all kinds
    kinds: dict[str, int]  # key kind -> entries in the file
    n_writes: int = 3
    sources: dict[str, str] = field(default_factory=dict)


def estimate(inp: TimelineInputs, scales: tuple[int, ...] = SCALES) -> list[dict[str, Any]]:
    """One row per scale and phase: phase, start and duration in seconds."""
    total = max(1, sum(inp.kinds.values()))
    rows = []
    for s in scales:
        n = inp.entries * s
        # an empty file: nothing to copy or validate (its rehearsal measured no rate)
        copy = n / inp.copy_rate if n else 0.0
        validate = n / inp.validate_rate if n else 0.0
        per_kind = {
            k: inp.n_writes / (inp.write_rate * c / total)
            for k, c in inp.kinds.items()
            if c and inp.write_rate > 0
        }
        slowest = max(per_kind, key=per_kind.get) if per_kind else ""
        dual = max(copy, per_kind.get(slowest, 0.0)) + validate
        t = 0.0
        for phase, d, why in (
            ("2 dual-write + copy", dual, f"max(copy {copy:.1f} s, N/w of {slowest}) + validate"),
            ("3 read cutover", validate, "one full validation"),
            ("4 write cutover", validate, "final validation before EDN is archived"),
        ):
            rows.append(
                {"scale": s, "entries": n, "phase": phase, "start_s": t, "seconds": d, "why": why}
            )
            t += d
    return rows


def inputs_from_rehearsal(
    result: Any, kinds: dict[str, int], n_writes: int = 3, write_rate: float | None = None
) -> TimelineInputs:
    """Rates measured by a rehearsal: copy entries/s, validation entries/s, trace writes/s."""
    copy_rate = validate_rate = 0.0
    for _t, kind, text in result.events:
        m = re.search(r"copied (\d+),.* ([\d.]+) s", text) if kind == "copy" else None
        if m and float(m.group(2)) > 0 and not copy_rate:
            copy_rate = int(m.group(1)) / float(m.group(2))
    vals = [p.validation for p in result.phases if p.validation and p.validation.get("seconds")]
    if vals:
        v = max(vals, key=lambda x: x["seconds"])
        validate_rate = v["source_entries"] / v["seconds"]
    dual = next((p for p in result.phases if p.mode == "dual-write"), None)
    measured = 0.0
    if dual is not None and dual.end > dual.start:
        writes = sum(s["n"] for op, s in dual.latency.items() if op in WRITE_OPS)
        measured = writes / (dual.end - dual.start)
    sources = {
        "copy_rate": "rehearsal: background copy, entries / copy seconds",
        "validate_rate": "rehearsal: slowest phase validation, entries / seconds",
        "write_rate": "given by the user"
        if write_rate
        else "rehearsal trace: writes / dual-write s",
        "kinds": "the file's entries per data type (write mix assumed proportional)",
    }
    return TimelineInputs(
        entries=result.entries,
        copy_rate=copy_rate or float(result.entries),
        validate_rate=validate_rate or float(result.entries),
        write_rate=write_rate if write_rate else measured,
        kinds=kinds,
        n_writes=n_writes,
        sources=sources,
    )


def _human(s: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.1f} {unit}"
    return f"{s:.1f} s"


def summary(inp: TimelineInputs, rows: list[dict[str, Any]]) -> str:
    """The estimate as text: inputs with their source, the formula, one line per scale."""
    lines = [
        "migration timeline estimate (rates from the rehearsal's stores, not the Clojure app):",
        f"  inputs: entries {inp.entries}, copy {inp.copy_rate:,.0f} entries/s, validation "
        f"{inp.validate_rate:,.0f} entries/s, app writes {inp.write_rate:.2f}/s, N={inp.n_writes}",
        "  dual-write = max(entries/copy, max_k N/(writes*share_k)) + entries/validation; "
        "read cutover = write cutover = entries/validation",
    ]
    lines.append(f"  dual-write at 1x: {rows[0]['why']}" if rows else "  no rows")
    for s in sorted({r["scale"] for r in rows}):
        rs = [r for r in rows if r["scale"] == s]
        lines.append(
            f"  {s:>3}x ({rs[0]['entries']:,} entries): "
            + ", ".join(f"{r['phase']} {_human(r['seconds'])}" for r in rs)
            + f"; total {_human(sum(r['seconds'] for r in rs))}"
        )
    return "\n".join(lines)


def finding(inp: TimelineInputs, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The estimate as the report's timeline answer: a sentence with the figures, status and why."""
    scales = sorted({r["scale"] for r in rows})

    def total(scale: int, dual_only: bool = False) -> float:
        return sum(
            r["seconds"]
            for r in rows
            if r["scale"] == scale and (not dual_only or "dual" in r["phase"])
        )

    sentence = (
        f"At this rehearsal's rates ({inp.copy_rate:,.0f} entries/s copied, "
        f"{inp.validate_rate:,.0f}/s validated, {inp.write_rate:.1f} app writes/s), migrating "
        f"this file's {inp.entries:,} entries takes {_human(total(1))}, dual-write "
        f"{_human(total(1, dual_only=True))} (until every key kind is written {inp.n_writes} "
        f"times); at {scales[-1]}x the file, {_human(total(scales[-1]))}."
    )
    given = inp.sources.get("write_rate") == "given by the user"
    return {
        "sentence": sentence,
        "status": "go" if given else "needs attention",
        "why": "estimated at the app write rate given"
        if given
        else "the trace writes faster than the app does, so dual-write is shorter than it will be",
        "next": ""
        if given
        else "rerun with the app's real write rate: `workbench rehearse FILE --write-rate W`",
        "seconds_by_scale": {f"{s}x": round(total(s), 1) for s in scales},
    }


def plot(rows: list[dict[str, Any]]) -> Any:
    """Phases on a time axis (seconds), one bar row per file scale."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3))
    colors = {}
    scales = sorted({r["scale"] for r in rows})
    for i, s in enumerate(scales):
        for r in (r for r in rows if r["scale"] == s):
            c = colors.setdefault(r["phase"], f"C{len(colors)}")
            ax.barh(
                i, r["seconds"], left=r["start_s"], color=c, label=r["phase"] if i == 0 else None
            )
    ax.set_yticks(range(len(scales)), [f"{s}x file" for s in scales])
    ax.set_xlabel("time since dual-write starts (s)")
    ax.set_title("Migration timeline per file size (rehearsal rates)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig
