"""The rehearsal's latency metrics, with the stack that measured each, and the JVM replay.

With a Datalevin target (``datalevin``, ``cached-write-through``, ``cached-write-behind``) the
read and write latency metrics come from the JVM: the rehearsal's own trace (every app op it
played, in order) is replayed by ``workbench.bench.jvm_replay.replay_jvm`` on the app's EDN store
(``edn-app``: atom + debounced spit, and ``edn-app[durable]``) and on the target's architecture,
and judged against both baselines by ``workbench.bench.verdict.compute_verdict``, the same code as
the benchmark's verdict. Consistency and completion stay the rehearsal's own (the Python stores
validated entry by entry). With ``lmdb`` the latencies are the Python ones (py-lmdb against the
Python emulation of the EDN file), and say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench import edn

#: target -> cache policy (the names of workbench.bench.jvm.JVM_STORES, without "[default]")
CACHED_TARGETS = {"cached-write-through": "write-through", "cached-write-behind": "write-behind"}
JVM_TARGETS = ("datalevin", *CACHED_TARGETS)
STACK_JVM = "JVM, System/nanoTime (harness.clj replay of this trace)"
STACK_VALIDATION = "Python, validate() entry by entry"
BASELINE_STORES = ("edn-app", "edn-app[durable]")
READ_LIMIT, WRITE_LIMIT = 1.10, 1.20  # the plan's: reads at most 10% slower, writes 20%
#: the rehearsal's op names -> the replay's; search and get-all have no JVM op (left out)
_OPS = {"get_value": "get", "save_value": "save", "delete_value": "delete", "update": "update"}


def python_stack(target: str) -> str:
    """Which stack times the rehearsal's own (Python-side) op latencies for `target`."""
    if target == "lmdb":
        return "Python, py-lmdb (time.perf_counter; baseline: the Python EDN-file emulation)"
    if target in JVM_TARGETS:
        return "Python bridge (JPype) to Datalevin (time.perf_counter; not what the app pays)"
    return f"Python, {target} store (time.perf_counter)"


def jvm_label(target: str, mapping: str) -> str | None:
    """The JVM store replaying `target` with `mapping` (None: no JVM figure for it)."""
    if target == "datalevin":
        return "datalevin-kv[default]" if mapping == "kv" else "datalevin-datalog[default]"
    if target in CACHED_TARGETS:
        return f"{target}[default]" + ("" if mapping == "kv" else "+datalog")
    return None


def replay_ops(recorded: Sequence[tuple[str, str, Any, Any, Any]]) -> list[tuple[str, Any, Any]]:
    """(kind, key, value) of every recorded op (phase, op, key, value, answer), in order."""
    return [(_OPS.get(op, op), key, value) for _phase, op, key, value, _answer in recorded]


def jvm_latency(
    data: Mapping,
    recorded: Sequence[tuple[str, str, Any, Any, Any]],
    target: str,
    mapping: str,
    *,
    consistency: float,
    completion: float,
    quick: bool,
    workdir: Path,
    plan: Mapping[str, int | None] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Replay the recorded trace in the JVM on the baselines and the target's architecture and
    judge it: {"label", "metrics" (rehearsal metric rows), "stores" (p50 per op), "verdict"
    (compute_verdict records), "answers_differing", "ops_replayed", "ops_left_out"}."""
    from workbench.bench.jvm_replay import replay_frame, replay_jvm
    from workbench.bench.verdict import compute_verdict, verdict_records

    label = jvm_label(target, mapping)
    if label is None:
        raise ValueError(f"no JVM store for target {target!r}")
    ops = replay_ops(recorded)
    replays, kept = replay_jvm(
        data,
        ops,
        [*BASELINE_STORES, label],
        plan=plan or ("quick" if quick else "full"),
        answers=True,
        workdir=workdir,
        progress=progress,
    )
    frame = replay_frame(replays, entries=len(data))
    mine = frame["store"] == label
    frame.loc[mine, "consistent_pct"] = consistency
    frame.loc[mine, "complete_pct"] = completion
    verdict = compute_verdict(frame)
    differing = {}
    for name, r in replays.items():
        if r.answers is None:
            continue
        differing[name] = sum(
            1
            for j, i in enumerate(kept[: len(r.ns)])
            if r.kinds[j] == "get" and not edn.identical(r.answers[j], recorded[i][4])
        )
    p50 = frame.pivot_table(index="store", columns="op", values="p50_us", aggfunc="first")
    n = frame.pivot_table(index="store", columns="op", values="n", aggfunc="first")
    stores = {
        s: {f"{op}_p50_us": _num(p50.loc[s, op]) for op in p50.columns}
        | {f"{op}_n": int(n.loc[s, op]) for op in n.columns if not math.isnan(n.loc[s, op])}
        for s in p50.index
    }
    return {
        "label": label,
        "stack": STACK_JVM,
        "metrics": _metric_rows(verdict, label),
        "stores": stores,
        "verdict": verdict_records(verdict),
        "answers_differing": differing,
        "ops_replayed": len(kept),
        "ops_left_out": len(ops) - len(kept),
        "ops_timed": {s: len(r.ns) for s, r in replays.items()},
    }


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 3)


_BASELINE_TEXT = {
    "in-memory": "edn-app: atom read / swap! + debounced spit",
    "durable": "edn-app[durable]: atom read / whole file + fsync + rename",
}


def _metric_rows(verdict: Any, label: str) -> list[dict[str, Any]]:
    """The read/write latency and durability window rows of the verdict, as rehearsal metrics."""
    rows = []
    sel = verdict[verdict["architecture"] == label]
    for r in sel.itertuples():
        if r.metric not in ("read latency", "write latency", "durability window (ms)"):
            continue
        window = r.metric.startswith("durability")
        ok = bool(r.passed) if r.passed is not None else False
        if window:
            shown = "unbounded (no fsync)" if math.isnan(r.value) else f"{r.value:g} ms"
            measured = f"{shown} ({label})"
            target = f"{r.target} (today's {r.baseline} save; not one of the plan's metrics)"
        else:
            op = "get" if r.metric == "read latency" else "save"
            measured = (
                "n/a"
                if math.isnan(r.measured)
                else f"x{r.measured:.3g} {_BASELINE_TEXT[r.baseline]} "
                f"(p50 {op} {r.value:.3g} us vs {r.baseline_value:.3g} us)"
            )
            limit = "1.10" if op == "get" else "1.20"
            target = f"<= x{limit} EDN ({r.baseline} baseline)"
        rows.append(
            {
                "metric": f"{r.metric.replace(' (ms)', '')} ({r.baseline} baseline)",
                "target": target,
                "measured": measured,
                "value": None if math.isnan(r.measured) else float(r.measured),
                "pass": ok,
                "stack": STACK_JVM,
                "plan": not window,
                "baseline": r.baseline,
            }
        )
    return rows


# ------------------------------------------------------------------ Python-side latency
def _ratio(res: Any, op: str, phases: tuple[str, ...]) -> tuple[float | None, str]:
    base = res.phases[0].latency.get(op)
    worst, where = None, ""
    for p in res.phases:
        if p.name in phases and op in p.latency and base:
            ratio = p.latency[op]["median_ms"] / max(base["median_ms"], 1e-9)
            if worst is None or ratio > worst:
                worst, where = ratio, p.name
    return worst, where


def python_latency_rows(res: Any) -> list[dict[str, Any]]:
    """Read/write latency as the rehearsal timed them in Python, against its EDN-only baseline."""
    read, read_at = _ratio(res, "get_value", ("3-read-cutover", "4-write-cutover"))
    write, write_at = _ratio(
        res, "save_value", ("2-dual-write", "3-read-cutover", "4-write-cutover")
    )
    stack = python_stack(res.target)
    return [
        {
            "metric": "read latency",
            "target": "<= x1.10 EDN (+10%)",
            "measured": "n/a" if read is None else f"x{read:.1f} EDN median get ({read_at})",
            "value": read,
            "pass": read is not None and read <= READ_LIMIT,
            "stack": stack,
        },
        {
            "metric": "write latency",
            "target": "<= x1.20 EDN (+20%)",
            "measured": "n/a" if write is None else f"x{write:.1f} EDN median save ({write_at})",
            "value": write,
            "pass": write is not None and write <= WRITE_LIMIT,
            "stack": stack,
        },
    ]
