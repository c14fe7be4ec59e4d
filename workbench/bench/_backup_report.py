"""The backup comparison's table, its recommendation sentence and its files (backup.csv, backup.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.io import atomic_write_text
from workbench.plots import human_bytes

TABLE_HEADING = "Backup methods compared"
COLUMNS = (
    "data",
    "method",
    "runs in",
    "timed",
    "backup s (app writing)",
    "app ops during backup",
    "backup s (idle)",
    "size",
    "restore s",
    "identical after restore",
    "live backup consistent",
    "app can read it",
    "restore survives a kill",
)


def _seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def _spread(median: float, lo: float, hi: float, repeats: int) -> str:
    text = _seconds(median)
    return text if repeats < 2 else f"{text} ({_seconds(lo)} to {_seconds(hi)})"


def _timed(row: Any) -> str:
    return "once" if row.repeats < 2 else f"median of {row.repeats}"


def _live(row: Any) -> str:
    if row.live_failed:
        return f"no: {row.live_failed} of {row.repeats} backups failed ({row.live_error})"
    if row.live_differences:
        return f"no: {row.live_differences:,} entries torn or missing"
    return "yes"


def _kill(row: Any) -> str:
    if not row.kill_points:
        return row.kill_note or "not tested"
    verdict = "yes" if row.kill_safe else "no"
    text = f"{verdict}: {row.kill_survived}/{row.kill_points} kill points left old or new state"
    return text + (f"; {row.kill_note}" if row.kill_note else "")


def table_records(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """One display record per row: numbers formatted, no paths."""
    out = []
    for r in rows:
        if r.errors and not r.bytes:
            out.append(
                {
                    "data": r.data,
                    "method": r.method,
                    "runs in": r.runs_in,
                    "app can read it": "failed: " + "; ".join(r.errors),
                }
            )
            continue
        out.append(
            {
                "data": f"{r.data} ({r.entries:,} entries)",
                "method": r.method,
                "runs in": r.runs_in,
                "timed": _timed(r),
                "backup s (app writing)": _spread(
                    r.backup_s_writing, r.backup_s_writing_min, r.backup_s_writing_max, r.repeats
                ),
                "app ops during backup": f"{r.app_ops_during:,}",
                "backup s (idle)": _spread(
                    r.backup_s_idle, r.backup_s_idle_min, r.backup_s_idle_max, r.repeats
                ),
                "size": human_bytes(r.bytes),
                "restore s": _spread(r.restore_s, r.restore_s_min, r.restore_s_max, r.repeats),
                "identical after restore": f"{r.identical:,} / {r.entries:,}",
                "live backup consistent": _live(r),
                "app can read it": r.app_reads,
                "restore survives a kill": _kill(r),
            }
        )
    return out


def backup_table(rows: Sequence[Any]) -> Any:
    """The comparison as a pandas DataFrame, formatted for reading."""
    import pandas as pd

    return pd.DataFrame(table_records(rows), columns=list(COLUMNS))


def _ok(row: Any) -> bool:
    return row.faithful and row.app_reads.startswith("yes") and row.kill_safe is not False


def backup_recommendation(rows: Sequence[Any]) -> dict[str, str]:
    """The report's answer: {"sentence", "status" (go / needs attention / no-go), "why"} from rows."""
    if not rows:
        return {"sentence": "No backup method was run.", "status": "no-go", "why": "no rows"}
    biggest = max(r.entries for r in rows)
    at = [r for r in rows if r.entries == biggest]
    native = [r for r in at if r.method.startswith("Datalevin copy") and _ok(r)]
    export = next((r for r in at if "EDN export" in r.method), None)
    unsafe = [r.method for r in at if r.kill_safe is False]
    lost = [r.method for r in at if not r.faithful]
    if not native:
        return {
            "sentence": f"No Datalevin copy restored {biggest:,} entries identical and readable; "
            "keep the EDN export as the backup until it does.",
            "status": "no-go",
            "why": "failing: " + ", ".join(lost or [r.method for r in at]),
        }
    best = min(native, key=lambda r: (r.bytes, r.backup_s_idle))
    how = "compacting copy" if "compacted" in best.method else "copy"
    flag = "true" if "compacted" in best.method else "false"
    sentence = (
        f"Back up with Datalevin's own {how} (`datalevin.core/copy` with compact? {flag}): on "
        f"{best.data} ({best.entries:,} entries) it took {_seconds(best.backup_s_writing)} while the "
        f"app wrote, {human_bytes(best.bytes)}, restored all entries identical in "
        f"{_seconds(best.restore_s)}"
    )
    sentence += (
        ", and a restore killed at every step left the old or the new state"
        if (best.kill_safe)
        else ""
    )
    if export is not None and export.faithful:
        sentence += (
            f"; keep the workbench EDN export ({_seconds(export.backup_s_idle)}, "
            f"{human_bytes(export.bytes)}) as the archive the app reads without Datalevin"
        )
    sentence += " (Datalevin's copy timed inside the JVM)."
    why = []
    if export is not None and export.app_reads and not export.app_reads.startswith("yes"):
        why.append(f"EDN export: {export.app_reads}")
    if unsafe:
        why.append("a kill mid-restore left a half state for " + ", ".join(unsafe))
    if lost:
        why.append("not identical, torn or failing while the app wrote: " + ", ".join(lost))
    return {
        "sentence": sentence,
        "status": "needs attention" if why else "go",
        "why": "; ".join(why),
    }


def _markdown(records: list[dict[str, Any]]) -> str:
    cols = list(COLUMNS)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for rec in records:
        cells = [str(rec.get(c, "")).replace("|", "\\|") for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_backup_outputs(rows: Sequence[Any], out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write DIR/backup.csv (raw figures) and DIR/backup.md (table + recommendation), atomically."""
    import csv
    import io
    from dataclasses import asdict

    out = Path(out_dir)
    raw = [asdict(r) for r in rows]
    buf = io.StringIO()
    fields = list(raw[0]) if raw else ["method"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for rec in raw:
        phases = "; ".join(f"{k}: {v:.2f} s" for k, v in rec.get("phase_s", {}).items())
        writer.writerow({**rec, "errors": "; ".join(rec.get("errors", [])), "phase_s": phases})
    csv_path = atomic_write_text(out / "backup.csv", buf.getvalue())
    rec = backup_recommendation(rows)
    text = (
        f"# {TABLE_HEADING}\n\n{_markdown(table_records(rows))}\n\n## Recommendation\n\n"
        f"{rec['sentence']}\n\nStatus: {rec['status']}."
        + (f" {rec['why'][:1].upper()}{rec['why'][1:]}." if rec["why"] else "")
        + "\n\nTimes are medians over each row's runs (column 'timed'; min to max in brackets); "
        "a row timed once shows its one run, with no spread. "
        "Datalevin's copy, dump and load, the app's trace writing to the Datalevin source and "
        "the entry-by-entry check of a restored Datalevin database ran inside the workbench's "
        "JVM (bench/jvm/backup.clj, System/nanoTime), not in the Clojure app; the py-lmdb "
        'copies, their trace and the EDN export ran in Python. Every "restore survives a '
        'kill" figure is measured: a child process restoring is killed (SIGKILL) at each step.\n'
    )
    md_path = atomic_write_text(out / "backup.md", text)
    return csv_path, md_path
