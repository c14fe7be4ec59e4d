"""The plan's success metrics judged on JVM figures, against two baselines, and one sentence.

Baselines: "in-memory" (the plan as it reads: the app's atom read and its save = swap! plus the
debounced whole-file spit, on disk within 100 ms) and "durable" (the save returns once the change
is on disk: the EDN whole-file write + fsync + rename). Reads are the atom read in both. Plan
metrics (the four "all metrics"): read latency <= 1.10x, write latency <= 1.20x, consistency and
completion 100%. Also reported: durability window (<= today's 100 ms / 0 ms), file size and
startup (no plan target: passed is None). A latency difference smaller than the harness's empty
op (its timer resolution) is not held against an architecture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

__all__ = [
    "BASELINES",
    "PLAN_METRICS",
    "compute_verdict",
    "verdict_sentence",
    "verdict_records",
    "verdict_table",
]

#: baseline -> (store giving the read, store giving the write)
BASELINES: dict[str, tuple[str, str]] = {
    "in-memory": ("edn-app", "edn-app"),
    "durable": ("edn-app", "edn-app[durable]"),
}
PLAN_METRICS = ("read latency", "write latency", "consistency", "completion")
_RATIO = {"read latency": ("get", 1.10), "write latency": ("save", 1.20)}


def _p50(df: pd.DataFrame, store: str, op: str) -> float:
    sel = df.loc[(df["store"] == store) & (df["op"] == op), "p50_us"]
    return float(sel.iloc[0]) if len(sel) else math.nan


def _first(df: pd.DataFrame, store: str, col: str) -> float:
    sel = df.loc[df["store"] == store, col]
    return float(sel.iloc[0]) if len(sel) and pd.notna(sel.iloc[0]) else math.nan


def compute_verdict(results: pd.DataFrame, entries: int | None = None) -> pd.DataFrame:
    """Architecture x metric x baseline rows (measured, target, passed) from JVM result rows
    (columns store, op, p50_us, consistent_pct, complete_pct, window_ms, file_bytes)."""
    df = results[results["engine"] == "jvm"] if "engine" in results else results
    if entries is None and len(df):
        entries = int(df["entries"].max())
    df = df[df["entries"] == entries]
    noop = df.loc[df["op"] == "noop", "p50_us"]
    resolution = float(noop.median()) if len(noop) else 0.0
    baselines = {s for pair in BASELINES.values() for s in pair}
    rows = []
    for arch in [s for s in dict.fromkeys(df["store"]) if s not in baselines]:
        for baseline, (read_store, write_store) in BASELINES.items():
            for metric, (op, limit) in _RATIO.items():
                base = _p50(df, read_store if op == "get" else write_store, op)
                got = _p50(df, arch, op)
                ratio = got / base if base else math.nan
                ok = got <= limit * base + resolution if not math.isnan(ratio) else None
                rows.append((arch, metric, baseline, ratio, f"<= x{limit:.2f}", ok, got, base))
            for metric, col in (("consistency", "consistent_pct"), ("completion", "complete_pct")):
                got = _first(df, arch, col)
                rows.append((arch, metric, baseline, got, "100%", got == 100.0, got, 100.0))
            window = _first(df, arch, "window_ms")
            limit = _first(df, write_store, "window_ms")
            ok = (window <= limit) if not math.isnan(window) else False
            rows.append((arch, "durability window (ms)", baseline, window, f"<= {limit:g} ms", ok,
                         window, limit))  # fmt: skip
            for metric, op_or_col in (("file size (bytes)", "file_bytes"), ("startup", "startup")):
                if op_or_col == "startup":
                    got, base = _p50(df, arch, "startup"), _p50(df, write_store, "startup")
                else:
                    got, base = _first(df, arch, op_or_col), _first(df, write_store, op_or_col)
                ratio = got / base if base else math.nan
                rows.append((arch, metric, baseline, ratio, "no plan target", None, got, base))
    return pd.DataFrame(
        rows,
        columns=[
            "architecture",
            "metric",
            "baseline",
            "measured",
            "target",
            "passed",
            "value",
            "baseline_value",
        ],
    )


def _meets_all(v: pd.DataFrame, baseline: str) -> list[str]:
    sel = v[(v["baseline"] == baseline) & v["metric"].isin(PLAN_METRICS)]
    return [a for a, g in sel.groupby("architecture", sort=False) if (g["passed"] == True).all()]  # noqa: E712


def _cost(v: pd.DataFrame, arch: str, baseline: str) -> str:
    sel = v[(v["architecture"] == arch) & (v["baseline"] == baseline)].set_index("metric")
    w = sel.loc["write latency"]
    window = sel.loc["durability window (ms)", "value"]
    win = "unbounded (no fsync)" if math.isnan(window) else f"{window:g} ms"
    took = f"{w['value'] / 1000:.3g} ms" if w["value"] >= 1000 else f"{w['value']:.3g} us"
    return f"{arch} (a save x{w['measured']:.3g} the baseline's, {took}; window of loss {win})"


def verdict_sentence(v: pd.DataFrame) -> dict[str, str]:
    """{"sentence", "status", "why"}: which architecture meets all four plan metrics against each
    baseline, at what cost; status go (one meets all under both), needs attention (under one), no-go."""
    if v.empty:
        return {"sentence": "No JVM figures to judge.", "status": "needs attention", "why": ""}
    meets = {b: _meets_all(v, b) for b in BASELINES}
    both = [a for a in meets["in-memory"] if a in meets["durable"]]
    parts = []
    for b, archs in meets.items():
        label = "the in-memory baseline (atom read, swap!)" if b == "in-memory" else (
            "the durable baseline (EDN save returning once fsynced)")  # fmt: skip
        if archs:
            parts.append(
                f"against {label}, {' and '.join(_cost(v, a, b) for a in archs)} "
                f"{'meets' if len(archs) == 1 else 'meet'} all four"
            )
        else:
            parts.append(f"against {label}, no architecture meets all four")
    sentence = "Inside the JVM, " + "; ".join(parts) + " of the plan's metrics."
    fails = v[v["metric"].isin(PLAN_METRICS) & (v["passed"] == False)]  # noqa: E712
    worst: dict[str, dict[str, float]] = {}  # architecture -> metric -> worst ratio, any baseline
    for r in fails.itertuples():
        if r.metric in _RATIO:
            m = worst.setdefault(r.architecture, {})
            m[r.metric] = max(m.get(r.metric, 0.0), float(r.measured))
    why = "; ".join(
        f"{arch} misses "
        + " and ".join(f"{metric} (x{ratio:.3g})" for metric, ratio in metrics.items())
        for arch, metrics in worst.items()
    )
    status = "go" if both else ("needs attention" if any(meets.values()) else "no-go")
    return {"sentence": sentence, "status": status, "why": why or "every plan metric met"}


def verdict_records(v: pd.DataFrame, columns: Sequence[str] = ()) -> list[dict]:
    """verdict.json rows: plain JSON values (NaN -> None)."""
    cols = list(columns) or list(v.columns)
    out = []
    for rec in v[cols].to_dict("records"):
        out.append(
            {k: (None if isinstance(x, float) and math.isnan(x) else x) for k, x in rec.items()}
        )
    return out


def _shown(metric: str, x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "unbounded (no fsync)" if metric.startswith("durability") else "n/a"
    if metric in ("consistency", "completion"):
        return f"{x:.1f}%"
    if metric.startswith("durability"):
        return f"{x:g} ms"
    return f"x{x:.3g}"


def verdict_table(v: pd.DataFrame) -> pd.DataFrame:
    """The verdict for reading: architecture x metric rows, one column per baseline with the
    measured figure (ratio to the baseline, %, or ms) and pass / FAIL / "-" (no plan target)."""
    if v.empty:
        return pd.DataFrame()
    cells = v.assign(
        shown=[
            _shown(m, x) + (" pass" if p is True else " FAIL" if p is False else "")
            for m, x, p in zip(v["metric"], v["measured"], v["passed"], strict=True)
        ]
    )
    table = cells.pivot_table(
        index=["architecture", "metric"], columns="baseline", values="shown", aggfunc="first"
    )
    order = {m: i for i, m in enumerate(dict.fromkeys(v["metric"]))}
    table = table.sort_index(level=1, key=lambda s: s.map(order), sort_remaining=False)
    table = table.sort_index(level=0, sort_remaining=False)
    table.columns = [f"vs {b} baseline" for b in table.columns]
    return table[[f"vs {b} baseline" for b in BASELINES if f"vs {b} baseline" in table.columns]]
