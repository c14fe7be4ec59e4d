"""The JVM benchmark engine: the app's stores timed inside the JVM (System/nanoTime), not via Python.

``run_jvm(data)`` loads the package's ``bench/jvm/harness.clj`` into the JVM the datalevin extra
starts and hands it the memory's entries (converted exactly by the bridge's ``to_clj``). For each
store and op kind (noop = the harness's own cost, get, save, startup) it runs an untimed warm-up
(the plan's calls or time, then longer while the op still gets faster: harness.clj's
``still-warming?``), then two timed runs (run 1 of every op before run 2 of any), each of up to
``n`` samples within a time budget. A sample is one call, or for an op under 1 us (an atom read, a write-behind save) a
batch of calls lasting about 2 us, divided by its size (``calls_per_sample``): a nanoTime pair
costs ~25 ns and ticks coarsely, so a 50 ns op timed alone reads as the clock's steps. Rows are
labelled ``engine="jvm"``; Python-side figures never go in this frame.
Stores: ``edn-app`` (atom + debounced 100 ms spit of pr-str), ``edn-app[durable]`` (temp file,
fsync, rename on each save), ``datalevin-kv`` with Datalevin's default flags (which fsync every
commit, = the workbench's ``sync``) and with ``nosync``, and the atom-in-front cached architectures
(write-through; write-behind in one transaction every 100 ms), and ``datalevin-datalog``: one entity
per key under the inferred hybrid schema (the Datalevin store's own mapping builds the entities in
Python; the JVM transacts, pulls and queries them), whose extra ops are the plan's four queries
(the same Datalog as DatalevinStore's, timed with bench/jvm/queries.clj; on the default-flag store
only, as the nosync variant reads through the same code). Every Datalevin store's
initial load, 1,000 entries per transaction, is timed as the ``bulk-load`` op, but for a Datalog
store after the first of a run: it opens a copy of that one's files (``loaded_from``; a second
load of 100k entities took 24 s and only repeated the first's transactions without fsync).
A store whose startup runs the same code on the same data as an earlier store's (``startup_as``)
repeats that store's startup row (``timed_as``), and an op kind the JVM has warmed up already
for the same kind of store warms up for less (``_WARMED``).
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from workbench import edn
from workbench.bench._output import _fmt_us
from workbench.bench._timing import load_1m, summarize
from workbench.stores.durability import durability as durability_mode

__all__ = [
    "JVM_STORES",
    "JVM_PLANS",
    "OPS",
    "JvmStore",
    "JvmInput",
    "jvm_input",
    "subset_input",
    "run_jvm",
    "harness_source",
    "jvm_overhead",
    "jvm_spread",
    "spread_summary",
    "jvm_answers",
    "jvm_query_answers",
    "PLAN_QUERIES",
    "jvm_data",
    "datalevin_server_status",
]

ENGINE = "jvm"
OPS = ("noop", "get", "save", "startup")
PLAN_QUERIES = (
    "sessions_by_type",
    "learning_by_level",
    "sessions_active_since",
    "sessions_with_users",
)


@dataclass(frozen=True)
class JvmStore:
    """One JVM store: harness constructor, flags, durability label, window of loss (ms; None =
    whatever the OS had not yet written), and the store whose startup runs the same code on the
    same data (its startup is then timed once, under that store, and shown for both)."""

    kind: str
    flags: str | None
    durability: str
    window_ms: float | None
    startup_as: str | None = None
    #: op kinds timed over their whole budget rather than stopping at n samples: the store has a
    #: background writer (write-behind: a drain every 100 ms), and a run shorter than its period
    #: either meets a drain or does not, by chance (measured: a 0.13 us save timed 0.26 us)
    whole_budget: tuple[str, ...] = ()


_SYNC = "fsync per commit (Datalevin default #{:nordahead :notls} = workbench sync)"
#: label -> store. Datalevin's default env flags are the workbench's `sync` (both fsync each commit,
#: checked in datalevin/constants.clj), so the contrasting variant measured is `nosync`.
JVM_STORES: dict[str, JvmStore] = {
    "edn-app": JvmStore("edn-app", None, "none: debounced 100 ms spit, no fsync", 100.0),
    # the durable variant differs in its saves only: startup = the same slurp + read-string
    "edn-app[durable]": JvmStore(
        "edn-durable", None, "temp file + fsync + rename per save", 0.0, startup_as="edn-app"
    ),
    "datalevin-kv[default]": JvmStore("datalevin-kv", None, _SYNC, 0.0),
    "datalevin-kv[nosync]": JvmStore(
        "datalevin-kv", durability_mode("nosync").datalevin, "nosync: no fsync", None
    ),
    "cached-write-through[default]": JvmStore("write-through", None, _SYNC, 0.0),
    # the write policy differs in saves only: startup = the same reopen + load of every entry
    "cached-write-behind[default]": JvmStore(
        "write-behind",
        None,
        "batched every 100 ms, then fsync",
        100.0,
        startup_as="cached-write-through[default]",
        whole_budget=("save",),
    ),
    "datalevin-datalog[default]": JvmStore("datalevin-datalog", None, _SYNC, 0.0),
    "datalevin-datalog[nosync]": JvmStore(
        "datalevin-datalog", durability_mode("nosync").datalevin, "nosync: no fsync", None
    ),
}

#: op kind -> (n per timed run, budget ms per run, warm-up calls, warm-up budget ms). Datalevin's
#: get-value reaches the JIT's steady state after ~10^5 calls (measured: 28 us p50 after 3*10^4
#: warm-up gets, 10 us after 3*10^5 on the loaded 2-core machine), hence the long get warm-up.
#: Saves warm up by time rather than by count: 1,000 warm-up saves (the former plan) were 10 ms
#: of a 10 us nosync commit, and its first timed run came out 15-30% slower than its second.
#: These are the least warm-up: it goes on while the op still gets faster (harness.clj's warm-up).
JVM_PLANS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "quick": {
        "noop": (20_000, 200, 20_000, 200),
        "get": (20_000, 400, 300_000, 3_000),
        "save": (2_000, 400, 20_000, 2_000),
        "startup": (3, 2_000, 1, 2_000),
        "query": (200, 400, 20, 400),
    },
    "full": {
        "noop": (100_000, 2_000, 100_000, 2_000),
        "get": (100_000, 1_500, 300_000, 3_000),
        "save": (10_000, 2_000, 20_000, 2_000),
        "startup": (10, 5_000, 2, 3_000),  # one warm-up call once a startup takes 3 s (100k)
        "query": (1_000, 1_000, 100, 1_000),
    },
}


def harness_source() -> str:
    """The Clojure source of the JVM engine (package data)."""
    return (importlib.resources.files("workbench.bench") / "jvm" / "harness.clj").read_text()


def _var(name: str) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    wdl.load_source("workbench.bench.harness", harness_source())
    return wdl.clj().var("workbench.bench.harness", name)


@dataclass
class _Datalog:
    """The Datalog store's input, built once per dataset by the Datalevin store's own mapping:
    {key text: entity}, the schema, {key text: value} (the consistency check), key -> text."""

    entities: Any
    schema: Any
    values: Any
    texts: dict
    mapping: Any
    skipped: int


def _datalog_input(data: Mapping, jdata: Any = None) -> _Datalog:
    """The Datalog store's input from data; jdata: data already converted (its values are
    reused, not converted again)."""
    from workbench.analysis.schema import get_mapping
    from workbench.memory.classify import classify
    from workbench.memory.model import Entry
    from workbench.stores.base import KeyTooLongError
    from workbench.stores.datalevin import bridge as wdl
    from workbench.stores.datalevin._datalog import KEY_ATTR, entity_of

    entries = [Entry(k, v, 0, 0, 0, *classify(k, v)) for k, v in data.items()]
    mapping = get_mapping("inferred", memory=entries)  # the schema inferred from these entries
    ents, vals, texts = {}, {}, {}
    for k, v in data.items():
        try:
            ent = entity_of(mapping, k, v)
            jent = wdl.to_clj(ent)
            jval = wdl.to_clj(v) if jdata is None else jdata.valAt(wdl.to_clj(k))
        except (wdl.Unstorable, KeyTooLongError):
            continue
        text = ent[KEY_ATTR]
        ents[text], vals[text], texts[k] = jent, jval, text
    c = wdl.clj()

    def jmap(d: dict) -> Any:
        arr = c.ObjectArray(2 * len(d))
        for i, (k, x) in enumerate(d.items()):
            arr[2 * i], arr[2 * i + 1] = c.JString(k), x
        return c.PersistentHashMap.create(arr)

    schema = wdl.schema_to_clj(mapping.schema, extra={KEY_ATTR: ("string", "one", "identity")})
    return _Datalog(jmap(ents), schema, jmap(vals), texts, mapping, len(data) - len(texts))


@dataclass
class JvmInput:
    """A dataset converted once for the JVM, for run_jvm and run_decomposition to share: the
    entries every JVM store takes, how many were left out, their Clojure map and, once a Datalog
    store needs it, the Datalog store's input."""

    data: dict
    skipped: int
    jdata: Any
    datalog: _Datalog | None = None


def jvm_input(data: Mapping | JvmInput, datalog: bool = True) -> JvmInput:
    """data converted for the JVM stores (the bridge's exact to_clj; with datalog, also the
    Datalog store's entities by its own mapping); a JvmInput is completed, not converted again.
    Raises ValueError when no entry has a keyword key and a non-nil value."""
    from workbench.stores.datalevin import bridge as wdl

    if not isinstance(data, JvmInput):
        wdl.start_jvm()
        wdl.clj().attach_thread()
        kept, skipped = jvm_data(data)
        if not kept:
            raise ValueError("no entry with a keyword key and a non-nil value to benchmark")
        data = JvmInput(kept, skipped, wdl.to_clj(kept))
    if datalog and data.datalog is None:
        data.datalog = _datalog_input(data.data, data.jdata)
    return data


def subset_input(inp: JvmInput, keys: Sequence[Any]) -> JvmInput:
    """The JvmInput of `keys` (keys of inp.data), taken from inp's converted values and entities
    (the Datalog schema stays inp's): nothing is converted again but the keys."""
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    select = c.var("clojure.core", "select-keys")
    data = {k: inp.data[k] for k in keys}
    out = JvmInput(data, 0, select.invoke(inp.jdata, wdl.to_clj(edn.Vector(keys))))
    dlg = inp.datalog
    if dlg is not None:
        texts = {k: dlg.texts[k] for k in keys if k in dlg.texts}
        jtexts = c.PersistentVector.create(c.ObjectArray([c.JString(t) for t in texts.values()]))
        out.datalog = _Datalog(
            select.invoke(dlg.entities, jtexts),
            dlg.schema,
            select.invoke(dlg.values, jtexts),
            texts,
            dlg.mapping,
            len(keys) - len(texts),
        )
    return out


def _open(
    label: str,
    folder: Path,
    jdata: Any,
    dlg: _Datalog | None = None,
    loaded_copy: Path | None = None,
) -> Any:
    """JVM store `label` in folder, loaded with the data; loaded_copy: the closed folder of a
    Datalog store loaded with the same entities, whose files are copied instead of loading."""
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    spec = JVM_STORES[label]
    path = c.JString(str(folder))
    if spec.kind == "datalevin-datalog":
        opts = c.read(f"{{:kv-opts {{:flags {spec.flags}}}}}") if spec.flags else None
        mode = "load"
        if loaded_copy is not None:
            shutil.copytree(loaded_copy, folder, dirs_exist_ok=True)
            _fsync_tree(folder)  # else the copy's writeback lands in the timed runs
            mode = "loaded"
        return _var("datalevin-datalog").invoke(path, dlg.entities, dlg.schema, opts, c.kw(mode))
    if spec.kind in ("edn-app", "edn-durable"):
        mode = c.kw("durable" if spec.kind == "edn-durable" else "app")
        return _var("edn-app").invoke(c.JString(str(folder / "memory.edn")), jdata, mode)
    opts = c.read(f"{{:flags {spec.flags}}}") if spec.flags else None
    inner = _var("datalevin-kv").invoke(path, jdata, opts)
    if spec.kind == "datalevin-kv":
        return inner
    return _var("cached").invoke(inner, jdata, c.kw(spec.kind))


def _plan(plan: Mapping[str, tuple[int, int, int, int]]) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    text = " ".join(
        f":{k} {{:n {n} :budget-ms {b} :warmup {w} :warmup-ms {wb}}}"
        for k, (n, b, w, wb) in plan.items()
    )
    return wdl.clj().read("{" + text + "}")


def _fsync_tree(folder: Path) -> None:
    """Flush every file under folder to disk (a copy of hundreds of MB is written back by the
    kernel seconds later, on the CPUs and the disk the benchmark is timing)."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _samples(arr: Any) -> list[int]:
    return np.asarray(memoryview(arr), dtype=np.int64).tolist() if arr is not None else []


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def jvm_data(data: Mapping) -> tuple[dict, int]:
    """The entries every JVM store takes (keyword keys, non-nil values; the KV DBI's keys are
    typed :keyword and Datalevin refuses nil) and how many were left out."""
    kept = {k: v for k, v in data.items() if type(k) is edn.Keyword and v is not None}
    return kept, len(data) - len(kept)


def run_jvm(
    data: Mapping | JvmInput,
    stores: Sequence[str] = tuple(JVM_STORES),
    plan: str | Mapping[str, tuple[int, int, int, int]] = "quick",
    seed: int = 0,
    dataset: str = "",
    workdir: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Time every op kind inside the JVM for each store: one row per store x op (engine "jvm"),
    percentiles over both timed runs, each run's p50 and their spread, plus the store's
    consistency/completion read back from disk, file size, durability window and the 1-min load
    average as the store's run began. ``timed_as`` names the store whose run timed the row: a
    store's own label, or for a startup that runs the same code on the same data as an earlier
    store's (JvmStore.startup_as), that store's, whose figures the row repeats."""
    from workbench.stores.datalevin import bridge as wdl

    plan_d = JVM_PLANS[plan] if isinstance(plan, str) else dict(plan)
    inp = jvm_input(data, datalog=any(_is_datalog(s) for s in stores))
    c = wdl.clj()
    c.attach_thread()
    data, skipped, jdata, dlg = inp.data, inp.skipped, inp.jdata, inp.datalog
    timed_here = {k: v for k, v in plan_d.items() if k != "query"}
    measure, consistency = _var("measure"), _var("consistency")
    close = c.kw("close")
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-jvm-"))
    rows = []
    startups: dict[str, dict] = {}  # store -> its startup row's figures (for startup_as)
    loaded_datalog: tuple[str, Path] | None = None  # a closed Datalog store holding every entity
    try:
        bar = tqdm(stores, desc=f"JVM bench, {len(data):,} entries", unit="store",
                   disable=not progress)  # fmt: skip
        for label in bar:
            spec = JVM_STORES[label]
            bar.set_postfix_str(label)
            folder = root / label.replace("[", "-").replace("]", "")
            folder.mkdir(parents=True, exist_ok=True)
            load_at_start = load_1m()
            t0 = time.perf_counter()
            datalog = _is_datalog(label)
            copied_from = loaded_datalog if datalog else None
            store = _open(label, folder, jdata, dlg, copied_from[1] if copied_from else None)
            load_s = time.perf_counter() - t0
            shared = spec.startup_as if spec.startup_as in startups else None
            kinds = {
                k: _warm_plan(v, (spec.kind, k) in _WARMED, k in spec.whole_budget, k)
                for k, v in timed_here.items()
                if not (shared and k == "startup")
            }
            try:
                result = measure.invoke(
                    store, dlg.entities if datalog else jdata, _plan(kinds), 2, seed
                )
                # queries only read: the nosync variant would time the same code again
                timed_queries = datalog and spec.flags is None
                queries = _time_queries(store, data, plan_d, dlg) if timed_queries else {}
                check = dlg.values if datalog else jdata
                same, present, total = (int(x) for x in consistency.invoke(store, check))
                load_ns = _samples(store.valAt(c.kw("load-ns")))
            finally:
                store.valAt(close).invoke()
            _WARMED.update((spec.kind, k) for k in kinds)
            if datalog:
                loaded_datalog = (label, folder)
            common = {
                "engine": ENGINE,
                "store": label,
                "dataset": dataset,
                "entries": len(data),
                "skipped_entries": skipped + (dlg.skipped if datalog else 0),
                "durability": spec.durability,
                "window_ms": spec.window_ms,
                "consistent_pct": 100.0 * same / total,
                "complete_pct": 100.0 * present / total,
                "file_bytes": _folder_bytes(folder),
                "load_s": load_s,
                # a Datalog store after the first: its files copied from that one's, not loaded
                "loaded_from": copied_from[0] if copied_from else "",
                "load_1m": load_at_start,  # the machine's 1-min load average as the store's run began
            }
            per = result.valAt(c.kw("per"))
            warm_calls, warm_ns = (result.valAt(c.kw(k)) for k in ("warmup-calls", "warmup-ns"))
            for kind in plan_d:
                if kind == "startup" and shared:  # the same code on the same data, timed once
                    rows.append({**common, **startups[shared], "timed_as": shared})
                    continue
                runs = result.valAt(c.kw(kind))
                if runs is None:
                    continue
                calls = int(per.valAt(c.kw(kind)))
                per_run = [[x / calls for x in _samples(r)] for r in runs]
                figures = {
                    "op": kind,
                    # the calls and seconds the untimed warm-up took (longer while still speeding up)
                    "warmup": int(warm_calls.valAt(c.kw(kind))),
                    "warmup_s": int(warm_ns.valAt(c.kw(kind))) / 1e9,
                    # > 1: a sample timed this many calls; its p95/p99 are of batch means
                    "calls_per_sample": calls,
                    **_runs_figures(per_run),
                    "drift_pct": _drift_pct(per_run),
                }
                if kind == "startup":
                    startups[label] = figures
                rows.append({**common, **figures, "timed_as": label})
            for name, (per_run, answer) in queries.items():
                rows.append(
                    {
                        **common,
                        "op": f"query:{name}",
                        "warmup": plan_d["query"][2],
                        **_runs_figures(per_run),
                        "answer_rows": len(answer),
                        "timed_as": label,
                    }
                )
            if load_ns:  # the initial load, 1,000 entries per transaction
                loaded = total if datalog else len(data)
                rows.append(
                    {
                        **common,
                        "op": "bulk-load",
                        "warmup": 0,
                        **summarize(load_ns),
                        "batch": 1000,
                        # the median batch's rate: the first batches also pay the JIT's warm-up
                        "per_s": loaded / len(load_ns) / (float(np.median(load_ns)) / 1e9),
                        "timed_as": label,
                    }
                )
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return pd.DataFrame(rows)


#: (store kind, op kind) pairs this process's JVM has warmed up. The JIT keeps what it compiled,
#: so a later store of the same kind (another size, the other flags) warms up for less: a quarter
#: of the plan's calls, within a quarter of its time but at least 1.5 s (or the plan's time when
#: shorter). Measured: Datalevin's pull-based get reaches its steady state after ~4 s in a fresh
#: JVM and within ~1 s on a second store of the kind; after 0.75 s on another dataset its first
#: timed run was still 33% slower than its second.
_WARMED: set[tuple[str, str]] = set()
_WARMED_MIN_MS = 1_500


def _warm_plan(
    op_plan: tuple[int, int, int, int], warmed: bool, whole_budget: bool = False, op: str = ""
) -> tuple[int, int, int, int]:
    """An op kind's plan (n, budget ms, warm-up calls, warm-up ms), with the shorter warm-up of
    code the JVM has warmed already (at least one call, but none for a startup: at 100k one reads
    the whole file for seconds, on code the smaller datasets compiled); whole_budget: n raised so
    that a run lasts its budget (JvmStore.whole_budget)."""
    n, budget_ms, warmup, warmup_ms = op_plan
    if whole_budget:
        n *= 100
    if warmed:
        warmup = 0 if op == "startup" else max(1, warmup // 4)
        warmup_ms = max(warmup_ms // 4, min(warmup_ms, _WARMED_MIN_MS))
    return (n, budget_ms, warmup, warmup_ms)


def _is_datalog(label: str) -> bool:
    return JVM_STORES[label].kind == "datalevin-datalog"


def _time_queries(
    store: Any, data: Mapping, plan: Mapping[str, tuple[int, int, int, int]], dlg: _Datalog
) -> dict[str, tuple[list[list[int]], list]]:
    """The plan's four queries on the store's connection, each timed inside the JVM in two runs
    after one warm-up (queries.clj time-ops, Datalevin's result cache off; the warm-up lasts at
    least the budget): {name: ([run1, run2] ns, answer)}."""
    from workbench.bench._query_patterns import app_patterns, jvm_ops
    from workbench.bench.queries import _jvm_source
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    wdl.load_source("workbench.bench.queries", _jvm_source())
    time_ops = c.var("workbench.bench.queries", "time-ops")
    conn = store.valAt(c.kw("conn")).invoke()
    n, budget_ms, warmup, _warm_ms = plan.get("query", JVM_PLANS["quick"]["query"])
    out = {}
    for p in app_patterns(data):
        if p.name not in PLAN_QUERIES:
            continue
        planned = jvm_ops(p, c, conn, dlg.mapping.schema, None)
        if planned is None:  # the schema does not type what the Datalog needs
            continue
        ops, answer_of = planned
        jops = c.PersistentVector.create(c.ObjectArray(ops))
        res = time_ops.invoke(conn, jops, warmup, n, 3, int(budget_ms * 1e6), False, 2)
        runs = [[int(x) for x in run] for run in res.valAt(c.kw("runs"))]
        out[p.name] = (runs, answer_of(res.valAt(c.kw("result"))))
    return out


def _runs_figures(per_run: Sequence[Sequence[float]]) -> dict[str, float]:
    """Percentiles over both timed runs, each run's p50 and their spread (|a-b| / min, in %)."""
    p50s = [summarize(s).get("p50_us", float("nan")) for s in per_run]
    return {
        **summarize([x for s in per_run for x in s]),
        "run1_p50_us": p50s[0],
        "run2_p50_us": p50s[1],
        "spread_pct": 100.0 * abs(p50s[0] - p50s[1]) / min(p50s),
    }


#: A run's fifths, each of at least this many samples, give its drift (_drift_pct).
_DRIFT_PARTS, _DRIFT_MIN_SAMPLES = 5, 20


def _drift_pct(runs: Sequence[Sequence[float]]) -> float:
    """How far the p50 moves inside one run: each run cut in fifths (consecutive samples), the
    largest slowest-over-fastest fifth p50 in % (NaN when a fifth would hold under
    _DRIFT_MIN_SAMPLES samples). Two runs apart by less differ by the machine's drift during a
    run, not by the benchmark's warm-up."""
    if not runs or any(len(r) < _DRIFT_PARTS * _DRIFT_MIN_SAMPLES for r in runs):
        return float("nan")
    drifts = []
    for run in runs:
        p50s = [float(np.median(part)) for part in np.array_split(np.asarray(run), _DRIFT_PARTS)]
        drifts.append(100.0 * (max(p50s) / min(p50s) - 1.0))
    return max(drifts)


def jvm_overhead(frame: pd.DataFrame) -> float:
    """The harness's own cost per timed op (median over stores of the empty op's p50, us)."""
    noop = frame.loc[(frame["engine"] == ENGINE) & (frame["op"] == "noop"), "p50_us"]
    return float(noop.median()) if len(noop) else float("nan")


def jvm_spread(frame: pd.DataFrame, ops: Sequence[str] = ("get", "save")) -> pd.DataFrame:
    """Run-to-run spread of the p50s: store x op with both runs' p50, |a-b| / min in % and in ns
    (a 15% spread of a 20 ns atom read is 3 ns), the drift inside one run (_drift_pct), and
    the calls each sample timed (ops under 1 us are timed in batches)."""
    sel = frame[(frame["engine"] == ENGINE) & frame["op"].isin(ops)]
    cols = ["entries", "store", "op", "calls_per_sample", "run1_p50_us", "run2_p50_us"]
    diff_ns = (sel["run1_p50_us"] - sel["run2_p50_us"]).abs() * 1e3
    return sel[[*cols, "spread_pct"]].assign(diff_ns=diff_ns, drift_pct=sel["drift_pct"])


def spread_summary(spread: pd.DataFrame, within_pct: float = 15.0) -> str:
    """What jvm_spread's table says, in words: how many rows agree within `within_pct`, the
    largest spread and its gap, and how many of the others differ by less than their own drift."""
    within = int((spread["spread_pct"] <= within_pct).sum())
    worst = spread.loc[spread["spread_pct"].idxmax()]
    d = worst.diff_ns
    apart = _fmt_us(d / 1e3) if d >= 1e3 else f"{d:.0f} ns"  # an atom read's gap is a few ns
    lines = [
        f"  {within} of {len(spread)} rows within {within_pct:g}%; largest "
        f"{worst.spread_pct:.1f}% ({worst.store} {worst.op}, {worst.entries:,} entries: "
        f"{apart} apart)"
    ]
    out_of = spread[spread["spread_pct"] > within_pct]
    if len(out_of):
        inside = int((out_of["spread_pct"] <= out_of["drift_pct"]).sum())
        lines.append(
            f"  of the other {len(out_of)}, {inside} differ by less than their p50 moved inside "
            "one run (drift_pct: the slowest over the fastest fifth of a run's samples)"
        )
    return "\n".join(lines)


@contextmanager
def _opened(data: Mapping, label: str, workdir: str | Path) -> Iterator[tuple[Any, dict, Any]]:
    """JVM store `label` loaded with data (the entries every JVM store takes): (store, data,
    the Datalog input or None); closed on exit."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    data, _ = jvm_data(data)
    dlg = _datalog_input(data) if _is_datalog(label) else None
    folder = Path(workdir) / label.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    store = _open(label, folder, wdl.to_clj(data), dlg)
    try:
        yield store, data, dlg
    finally:
        store.valAt(c.kw("close")).invoke()


def jvm_answers(data: Mapping, label: str, keys: Sequence[Any], workdir: str | Path) -> list[Any]:
    """What JVM store `label`, loaded with data, answers to a get of each key (as workbench.edn
    values): the differential check against the Python stores."""
    from workbench.stores.datalevin import bridge as wdl

    with _opened(data, label, workdir) as (store, _data, dlg):
        asked = [dlg.texts[k] for k in keys] if dlg else list(keys)
        got = _var("answers").invoke(store, wdl.to_clj(asked))
        return [wdl.to_edn(v) for v in got]


def jvm_query_answers(data: Mapping, label: str, workdir: str | Path) -> dict[str, list]:
    """The plan's four queries' answers (canonical, as workbench.memory.queries.run_query gives
    them) from JVM Datalog store `label` loaded with data, each run through the timed path."""
    tiny = {"query": (1, 1, 1, 1)}  # queries.clj warms up for at least the budget
    with _opened(data, label, workdir) as (store, data, dlg):
        return {name: answer for name, (_runs, answer) in
                _time_queries(store, data, tiny, dlg).items()}  # fmt: skip


def datalevin_server_status() -> str:
    """Whether the multi-process architecture (Datalevin's client/server mode, its server started
    from the runtime jar) can be measured here: "" if the JVM's class path has the server, else
    why not. The datalevin package's runtime jar is built without datalevin.server (Datalevin's
    build.clj excludes datalevin/server and its HA dependencies from it)."""
    import jpype

    from workbench.stores.datalevin import bridge as wdl

    wdl.start_jvm()
    loader = jpype.JClass("clojure.lang.RT").baseLoader()
    names = ("datalevin/server.clj", "datalevin/server__init.class")
    if any(loader.getResource(n) is not None for n in names):
        return ""
    return (
        "not measured: the Datalevin runtime on the JVM's class path (the datalevin package's "
        f"jar) has no datalevin.server (neither {' nor '.join(names)}), so no server can be "
        "started from it; the client/server mode needs Datalevin's full jar or its dtlv binary"
    )
