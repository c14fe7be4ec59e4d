"""The benchmark's outputs: Markdown summary, CSV/JSON/PNG files, headline findings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from workbench.bench._config import BenchResult
from workbench.io import atomic_write_bytes, atomic_write_text

# ------------------------------------------------------------------------------- output


def _fmt_us(v: float) -> str:
    if v != v:  # NaN
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:.2f} s"
    if v >= 1e3:
        return f"{v / 1e3:.2f} ms"
    return f"{v:.1f} us"


def markdown_summary(result: BenchResult) -> str:
    """A Markdown report: machine, p50 table with ratios, success metrics, notes."""
    df = result.frame
    m = result.machine
    lines = [
        "# Benchmark: the EDN file store against LMDB",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"{', '.join(f'{k} {v}' for k, v in m['packages'].items())}; {m['time_utc']}; "
        f"load average at the end {m.get('load_average')}.",
        "",
        f"Harness overhead: {result.overhead_ns:.0f} ns per timed operation.",
        "",
    ]
    for entries, sub in df[~df["op"].isin(["put_many"])].groupby("entries", sort=True):
        lines += [
            f"## {entries} entries ({sub['dataset'].iloc[0]})",
            "",
            "| op | " + " | ".join(sub["store"].unique()) + " |",
            "|---|" + "---|" * sub["store"].nunique(),
        ]
        for op, g in sub.groupby("op", sort=False):
            cells = []
            for store in sub["store"].unique():
                r = g[g["store"] == store]
                if r.empty:
                    cells.append("")
                    continue
                r = r.iloc[0]
                ratio = r.get("ratio_p50_vs_edn")
                extra = "" if r["kind"] == "edn" or ratio != ratio else f" ({ratio:.2f}x)"
                cells.append(_fmt_us(r["p50_us"]) + extra + f" n={int(r['n'])}")
            lines.append(f"| {op} | " + " | ".join(cells) + " |")
        sizes = sub.drop_duplicates("store")[["store", "file_bytes", "peak_mem_bytes"]]
        lines += [
            "",
            "| store | file size | peak resident growth (open + load; LMDB counts mapped pages) |",
            "|---|---|---|",
        ]
        for r in sizes.itertuples(index=False):
            pm = (
                "-"
                if r.peak_mem_bytes != r.peak_mem_bytes or r.peak_mem_bytes is None
                else f"{r.peak_mem_bytes / 1e6:.1f} MB"
            )
            lines.append(f"| {r.store} | {r.file_bytes / 1e6:.2f} MB | {pm} |")
        lines.append("")
    pm = df[df["op"] == "put_many"]
    if not pm.empty:
        lines += [
            "## put_many by batch size",
            "",
            "| entries | batch | entries/s |",
            "|---|---|---|",
        ]
        for r in pm.itertuples(index=False):
            lines.append(f"| {r.entries} | {int(r.batch_size)} | {r.entries_per_s:,.0f} |")
        lines.append("")
    met = result.metrics
    if not met.empty:
        lines += [
            "## The plan's success metrics (p50 against EDN, same run)",
            "",
            "| entries | store | op | verdict |",
            "|---|---|---|---|",
        ]
        for r in met.itertuples(index=False):
            lines.append(f"| {r.entries} | {r.store} | {r.op} | {r.verdict} |")
        lines.append("")
    lines += ["## Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    return "\n".join(lines)


def save_results(result: BenchResult, out_dir: str | os.PathLike, plots: bool = True) -> dict:
    """Write results.csv, results.json (rows + machine + config + metrics), PNG plots, summary.md."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "results.csv",
        "json": out / "results.json",
        "metrics_csv": out / "success-metrics.csv",
        "summary": out / "summary.md",
    }
    atomic_write_text(paths["csv"], result.frame.to_csv(index=False))
    atomic_write_text(paths["metrics_csv"], result.metrics.to_csv(index=False))
    payload = {
        "machine": result.machine,
        "config": result.config,
        "harness_overhead_ns": result.overhead_ns,
        "notes": result.notes,
        "rows": json.loads(result.frame.to_json(orient="records")),
        "success_metrics": json.loads(result.metrics.to_json(orient="records")),
    }
    atomic_write_bytes(paths["json"], json.dumps(payload, indent=1, default=str).encode())
    atomic_write_text(paths["summary"], markdown_summary(result))
    if plots:
        from workbench.bench.plots import save_all_plots

        paths.update(save_all_plots(result.frame, out))
    return paths


def headline_findings(result: BenchResult) -> dict[str, Any]:
    """Headline figures for the report: ratios per op (largest size) and success-metric verdicts."""
    df = result.frame
    largest = df["entries"].max()
    top = df[(df["entries"] == largest) & df["ratio_p50_vs_edn"].notna() & (df["kind"] != "edn")]
    ratios = {
        f"{r.store} {r.op}": round(float(r.ratio_p50_vs_edn), 3)
        for r in top.itertuples(index=False)
    }
    met = result.metrics
    return {
        "entries": int(largest),
        "ratios_p50_vs_edn": ratios,
        "success_metrics": {
            f"{r.entries} {r.store} {r.op}": r.verdict for r in met.itertuples(index=False)
        },
        "passed": int(met["pass"].sum()) if not met.empty else 0,
        "failed": int((~met["pass"]).sum()) if not met.empty else 0,
        "harness_overhead_ns": round(result.overhead_ns, 1),
        "machine": {k: result.machine[k] for k in ("cpu", "cores", "python")},
    }
