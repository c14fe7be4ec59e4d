"""Rehearsal results and their report: Markdown, JSON and a PNG timeline (all written atomically)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.io import atomic_write_text
from workbench.plots import legend_outside


@dataclass
class PhaseResult:
    """One phase: mode, time span, ops played, latency per op, validation summary."""

    name: str
    mode: str
    start: float
    end: float = 0.0
    ops: int = 0
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    validation: dict[str, Any] | None = None


@dataclass
class RehearsalResult:
    """Everything a rehearsal measured."""

    input: str
    input_sha256: str
    target: str
    mapping: str
    faults: list[str]
    entries: int
    phases: list[PhaseResult] = field(default_factory=list)
    events: list[tuple[float, str, str]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rollback: dict[str, Any] | None = None
    context: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every success metric passed (rows marked "plan": False are context)."""
        return all(m["pass"] for m in self.metrics if m.get("plan", True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        d = asdict(self)
        d["passed"] = self.passed
        return d

    def metrics_frame(self):
        """Success metrics as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.metrics)

    def latency_frame(self):
        """Median latency per phase and op (ms) as a DataFrame."""
        import pandas as pd

        rows = [
            {"phase": p.name, "mode": p.mode, "op": op, **stats}
            for p in self.phases
            for op, stats in p.latency.items()
        ]
        return pd.DataFrame(rows)


def _latency(
    samples: list[tuple[float, str, str, float]], phase: str
) -> dict[str, dict[str, float]]:
    per: dict[str, list[float]] = {}
    for _, ph, op, ms in samples:
        if ph == phase:
            per.setdefault(op, []).append(ms)
    out = {}
    for op, xs in sorted(per.items()):
        xs.sort()
        out[op] = {
            "n": len(xs),
            "median_ms": statistics.median(xs),
            "p95_ms": xs[min(len(xs) - 1, int(0.95 * len(xs)))],
            "mean_ms": statistics.fmean(xs),
        }
    return out


#: event kind -> (colour, line style, legend): injected faults apart from divergences found.
_EVENT_STYLE = {
    "fault": ("#ef6c00", ":", "fault injected (crash, outage, full disk)"),
    "diverged": ("#c62828", "-", "divergence found"),
    "copy": ("#78909c", "--", "copy started / resumed"),
    "repair": ("#2e7d32", "--", "repair log replayed"),
    "rollback": ("#6a1b9a", "-.", "rollback"),
}


def timeline_figure(res: RehearsalResult):
    """Matplotlib figure: op latency over time, phases shaded, events marked."""
    import matplotlib.pyplot as plt

    from workbench.plots import titled

    fig, ax = plt.subplots(figsize=(11, 4.8))
    samples = getattr(res, "_samples", [])
    ops = sorted({s[2] for s in samples})
    for op in ops:
        xs = [s[0] for s in samples if s[2] == op]
        ys = [max(s[3], 1e-4) for s in samples if s[2] == op]
        ax.scatter(xs, ys, s=4, label=op, alpha=0.6)
    colors = ["#eeeeee", "#e3f2fd", "#fff3e0", "#e8f5e9", "#fce4ec"]
    for i, p in enumerate(res.phases):
        ax.axvspan(p.start, p.end or p.start, color=colors[i % len(colors)], zorder=0)
        ax.text(
            p.start,
            0.02 + 0.05 * (i % 2),
            f" {p.name}",
            transform=ax.get_xaxis_transform(),
            fontsize=7,
            va="bottom",
        )
        v = p.validation or {}
        if "consistency" in v:  # what each phase's validation found, on the plot itself
            ok = float(v["consistency"]) >= 100.0
            ax.text(
                (p.start + (p.end or p.start)) / 2,
                0.97,
                f"{float(v['consistency']):.1f}% consistent",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                ha="center",
                va="top",
                color="#1b5e20" if ok else "#b71c1c",
                fontweight="normal" if ok else "bold",
            )
    for t, kind, _text in res.events:
        if kind in _EVENT_STYLE:
            color, ls, _label = _EVENT_STYLE[kind]
            ax.axvline(t, color=color, lw=0.8, ls=ls)
    ax.set_yscale("log")
    for kind in dict.fromkeys(k for _t, k, _x in res.events if k in _EVENT_STYLE):
        color, ls, label = _EVENT_STYLE[kind]
        ax.plot([], [], color=color, lw=0.8, ls=ls, label=label)
    stack = res.context.get("latency_stack", "Python")
    titled(
        ax,
        f"Rehearsal timeline: {res.target}/{res.mapping} ({res.entries} entries); "
        f"timed by {stack.split(' (')[0]}",
        "time since start (s)",
        "operation latency (ms, log)",
    )
    if ax.get_legend_handles_labels()[0]:
        legend_outside(ax, fontsize=7, markerscale=3)
    fig.tight_layout()
    return fig


def _md_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines)


def report_markdown(res: RehearsalResult, png_name: str | None = None) -> str:
    """The rehearsal report as Markdown."""
    out = [
        f"# Migration rehearsal: {res.target} / mapping `{res.mapping}`",
        "",
        f"Input `{res.input}` (sha256 {res.input_sha256[:16]}..., untouched), {res.entries} entries; "
        f"faults: {', '.join(res.faults) or 'none'}; {res.seconds:.1f} s.",
        "",
        f"**Verdict: {'PASS' if res.passed else 'FAIL'}**",
        "",
        "## Success metrics",
        "",
        _md_table(
            [
                {
                    **m,
                    "pass": ("pass" if m["pass"] else "FAIL")
                    + ("" if m.get("plan", True) else " (context)"),
                }
                for m in res.metrics
            ],
            ["metric", "target", "measured", "pass", "stack"],
        ),
        "",
    ]
    jvm = res.context.get("jvm")
    if jvm:
        out += _jvm_section(res, jvm)
    else:
        out += [
            "Latency ratios compare medians with the EDN-only baseline of the same run, timed in "
            f"{res.context.get('latency_stack', 'Python')}. The app's EDN save only assoc's "
            "into an in-memory map (the file is rewritten ~100 ms later, not durable), so a "
            "durable per-write commit in the new store cannot be within +20% of it; the figures "
            "show by how much it is not.",
            "",
        ]
    if res.context.get("edn_durable_save_ms"):
        c = res.context
        out += [
            f"For context, timed in {res.context.get('latency_stack', 'Python')}: "
            f"a *durable* EDN save (the whole-file rewrite) took "
            f"{c['edn_durable_save_ms']:.1f} ms; the slowest phase's median save "
            f"took {c.get('new_store_save_ms_worst_phase', 0):.2f} ms "
            f"(x{c.get('ratio_vs_durable_edn_save', 0):.3f} of the durable EDN save).",
            "",
        ]
    if png_name:
        out += [f"![timeline]({png_name})", ""]
    out += [
        "## Phases",
        "",
        f"Latencies in this table and the timeline: {res.context.get('latency_stack', 'Python')}.",
        "",
    ]
    rows = []
    for p in res.phases:
        v = p.validation or {}
        rows.append(
            {
                "phase": p.name,
                "mode": p.mode,
                "seconds": f"{p.end - p.start:.2f}",
                "ops": p.ops,
                "get ms (median)": f"{p.latency.get('get_value', {}).get('median_ms', 0):.4f}",
                "save ms (median)": f"{p.latency.get('save_value', {}).get('median_ms', 0):.4f}",
                "consistency": f"{v['consistency']:.2f}%" if v else "",
                "discrepancies": v.get("discrepancies_total", "") if v else "",
            }
        )
    out += [_md_table(rows, list(rows[0]) if rows else []), "", "## Timeline", ""]
    out += [f"- {t:7.2f} s  {kind}: {text}" for t, kind, text in res.events]
    if res.rollback:
        out += ["", f"## Rollback: {res.rollback['scenario']}", ""]
        out += [f"- {s}" for s in res.rollback["steps"]]
        out += [f"- verification: {'nothing lost' if res.rollback['ok'] else 'LOSS DETECTED'}"]
    out += ["", f"## Discrepancies ({len(res.discrepancies)})", ""]
    if res.discrepancies:
        summary: dict[tuple, int] = {}
        for d in res.discrepancies:
            k = (d["phase"], d["kind"], d["data_type"], d["category"])
            summary[k] = summary.get(k, 0) + 1
        out.append(
            _md_table(
                [
                    {"phase": a, "kind": b, "data type": c, "category": r, "count": n}
                    for (a, b, c, r), n in sorted(summary.items())
                ],
                ["phase", "kind", "data type", "category", "count"],
            )
        )
        out += ["", "Every discrepancy (key, phase, kind, path, reason):", ""]
        out += [
            f"- `{d['key']}` {d['phase']} {d['kind']} at {d['path'] or '-'}: {d['reason']}"
            for d in res.discrepancies
        ]
    else:
        out.append("None: every entry identical (edn.identical) after every phase.")
    out += [
        "",
        "## Notes",
        "",
        "- The rehearsal works on a copy of the input; its EDN store rewrites that copy "
        "atomically (the app's plain overwrite loses the file when killed mid-write: see "
        "tests/test_crash.py).",
        "- Phases 2-3 compare the EDN store with the new store; phase 4 (writes cut over) "
        "compares the new store with the app's acknowledged state, and the export back to "
        "memory.edn with the same state.",
        "- The crash-during-copy fault stops the copy between batches in-process; real SIGKILLs "
        "at random points are exercised by tests/test_crash.py (child processes).",
    ]
    if res.errors:
        out += ["", "## Errors (app operations, export)", ""] + [f"- {e}" for e in res.errors[:200]]
    return "\n".join(out) + "\n"


def _jvm_section(res: RehearsalResult, jvm: dict[str, Any]) -> list[str]:
    """The JVM replay behind the latency metrics: per store p50s, ops, answers, window of loss."""
    rows = []
    for store, x in jvm["stores"].items():
        row = {"store": store}
        for op in ("get", "save", "delete", "update", "noop"):
            if x.get(f"{op}_p50_us") is not None:
                row[f"{op} p50 (us)"] = f"{x[f'{op}_p50_us']:.3g} (n={x.get(f'{op}_n', 0):,})"
        differ = jvm["answers_differing"].get(store)
        row["gets answered unlike the rehearsal"] = (
            "n/a (atom holds entities)" if differ is None else differ
        )
        rows.append(row)
    cols = list(dict.fromkeys(c for r in rows for c in r))
    out = [
        f"## Latency inside the JVM ({jvm['stack']})",
        "",
        f"The trace this rehearsal played ({jvm['ops_replayed']:,} get/save/delete/update ops in "
        f"order; {jvm['ops_left_out']:,} left out: search, get-all, keys that are not keywords) "
        f"was replayed on `{jvm['label']}` (the target's architecture) and on the app's EDN "
        "store, `edn-app` (atom; save = swap! + debounced 100 ms spit: the in-memory baseline) "
        "and `edn-app[durable]` (save = whole file + fsync + rename: the durable baseline), each "
        "loaded with the input's entries, timed op by op after a discarded warm-up on a second "
        "store of the same kind. Read latency is the get p50, write latency the save p50, "
        "judged by the benchmark's verdict code (workbench.bench.verdict).",
        "",
        _md_table(rows, cols),
        "",
    ]
    short = {s: n for s, n in jvm.get("ops_timed", {}).items() if n < jvm["ops_replayed"]}
    if short:
        out += [
            "Timed within the budget: "
            + ", ".join(f"{s} the first {n:,} ops" for s, n in short.items())
            + ".",
            "",
        ]
    win = res.context.get("window_of_loss")
    if win:
        if win["policy"] == "write-behind":
            out += [
                f"Window of loss (write-behind): a save returns before it is on disk; the queue is "
                f"written every {win['configured_ms']:g} ms, and in this rehearsal (the Python "
                f"wrapper, writing through the bridge) queued writes "
                f"waited up to {win['max_pending_ms']:g} ms ({win['max_pending_writes']} at most "
                f"at once, {win['batches']:,} batches): a crash loses them, as today's debounce.",
                "",
            ]
        else:
            out += ["Window of loss (write-through): none; a save returns once committed.", ""]
    return out


def write_rehearsal_report(res: RehearsalResult, out_dir: str | Path) -> dict[str, str]:
    """Write rehearsal-<target>-<mapping>.{json,md,png} atomically; returns the paths."""
    import matplotlib.pyplot as plt

    from workbench.plots import save_png

    out = Path(out_dir)
    stem = f"rehearsal-{res.target}-{res.mapping}"
    fig = timeline_figure(res)
    png = save_png(fig, out / f"{stem}.png")
    plt.close(fig)
    md = atomic_write_text(out / f"{stem}.md", report_markdown(res, png.name))
    res.files = {"png": str(png), "md": str(md), "json": str(out / f"{stem}.json")}
    atomic_write_text(out / f"{stem}.json", json.dumps(res.to_dict(), indent=1, default=str))
    return res.files


_TRIGGERS = {
    "performance": "latency past the plan's target after the read cutover",
    "corruption": "the new store returns wrong or unreadable values",
    "instability": "the new store fails or times out under load",
}


def rollback_runbook(rollbacks: dict[str, dict[str, Any]]) -> str:
    """The rollback runbook as rehearsed: per scenario its trigger, steps, duration and checks."""
    out = [
        "# Rollback runbook (as rehearsed)",
        "",
        "Each scenario was played on its own copy after the read cutover, with the app writing "
        "throughout; the steps are the ones the rehearsal took, in order.",
    ]
    for scenario, r in rollbacks.items():
        out += ["", f"## {scenario}: {_TRIGGERS.get(scenario, 'rollback')}", ""]
        out.append(
            f"From mode `{r.get('mode_before', '?')}` to `{r.get('mode_after', '?')}`, "
            f"{float(r.get('seconds', 0)):.2f} s in all; result: "
            + ("nothing lost." if r.get("ok") else "**LOSS DETECTED**.")
        )
        out.append("")
        out += [f"{i}. {step}" for i, step in enumerate(r.get("steps", []), 1)]
        checks = r.get("checks") or {}
        if checks:
            out += ["", "Checks after the rollback:", ""]
            out += [
                f"- {name}: {float(c['consistency']):.2f}% consistent, "
                f"{int(c['discrepancies']):,} discrepancies"
                for name, c in checks.items()
            ]
    return "\n".join(out) + "\n"
