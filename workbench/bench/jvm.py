"""The JVM benchmark engine: the app's stores timed inside the JVM (System/nanoTime), not via Python.

``run_jvm(data)`` loads the package's ``bench/jvm/harness.clj`` into the JVM the datalevin extra
starts and hands it the memory's entries (converted exactly by the bridge's ``to_clj``). For each
store and op kind (noop = the harness's own cost, get, save, startup) it runs an untimed warm-up,
then two timed runs (run 1 of every op before run 2 of any), each of up to ``n`` calls within a
time budget. Rows are labelled ``engine="jvm"``; Python-side figures never go in this frame.
Stores: ``edn-app`` (atom + debounced 100 ms spit of pr-str), ``edn-app[durable]`` (temp file,
fsync, rename on each save), ``datalevin-kv`` with Datalevin's default flags (which fsync every
commit, = the workbench's ``sync``) and with ``nosync``, and the atom-in-front cached architectures
(write-through; write-behind in one transaction every 100 ms).
"""

from __future__ import annotations

import importlib.resources
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from workbench import edn
from workbench.bench._timing import summarize
from workbench.stores.durability import durability as durability_mode

__all__ = [
    "JVM_STORES",
    "JVM_PLANS",
    "OPS",
    "JvmStore",
    "run_jvm",
    "harness_source",
    "jvm_overhead",
    "jvm_spread",
    "jvm_answers",
    "jvm_data",
]

ENGINE = "jvm"
OPS = ("noop", "get", "save", "startup")


@dataclass(frozen=True)
class JvmStore:
    """One JVM store: harness constructor, flags, durability label, window of loss (ms; None =
    whatever the OS had not yet written), and which store it caches (cached architectures)."""

    kind: str
    flags: str | None
    durability: str
    window_ms: float | None


_SYNC = "fsync per commit (Datalevin default #{:nordahead :notls} = workbench sync)"
#: label -> store. Datalevin's default env flags are the workbench's `sync` (both fsync each commit,
#: checked in datalevin/constants.clj), so the contrasting variant measured is `nosync`.
JVM_STORES: dict[str, JvmStore] = {
    "edn-app": JvmStore("edn-app", None, "none: debounced 100 ms spit, no fsync", 100.0),
    "edn-app[durable]": JvmStore("edn-durable", None, "temp file + fsync + rename per save", 0.0),
    "datalevin-kv[default]": JvmStore("datalevin-kv", None, _SYNC, 0.0),
    "datalevin-kv[nosync]": JvmStore(
        "datalevin-kv", durability_mode("nosync").datalevin, "nosync: no fsync", None
    ),
    "cached-write-through[default]": JvmStore("write-through", None, _SYNC, 0.0),
    "cached-write-behind[default]": JvmStore(
        "write-behind", None, "batched every 100 ms, then fsync", 100.0
    ),
}

#: op kind -> (n per timed run, budget ms per run, warm-up calls, warm-up budget ms). Datalevin's
#: get-value reaches the JIT's steady state after ~10^5 calls (measured: 28 us p50 after 3*10^4
#: warm-up gets, 10 us after 3*10^5 on the loaded 2-core machine), hence the long get warm-up.
JVM_PLANS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "quick": {
        "noop": (20_000, 200, 20_000, 200),
        "get": (20_000, 400, 150_000, 2_000),
        "save": (2_000, 400, 200, 400),
        "startup": (3, 2_000, 1, 2_000),
    },
    "full": {
        "noop": (100_000, 2_000, 100_000, 2_000),
        "get": (100_000, 3_000, 300_000, 6_000),
        "save": (10_000, 2_000, 1_000, 2_000),
        "startup": (10, 10_000, 2, 10_000),
    },
}


def harness_source() -> str:
    """The Clojure source of the JVM engine (package data)."""
    return (importlib.resources.files("workbench.bench") / "jvm" / "harness.clj").read_text()


def _var(name: str) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    wdl.load_source("workbench.bench.harness", harness_source())
    return wdl.clj().var("workbench.bench.harness", name)


def _open(label: str, folder: Path, jdata: Any) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    spec = JVM_STORES[label]
    path = c.JString(str(folder))
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
    data: Mapping,
    stores: Sequence[str] = tuple(JVM_STORES),
    plan: str | Mapping[str, tuple[int, int, int, int]] = "quick",
    seed: int = 0,
    dataset: str = "",
    workdir: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Time every op kind inside the JVM for each store: one row per store x op (engine "jvm"),
    percentiles over both timed runs, each run's p50 and their spread, plus the store's
    consistency/completion read back from disk, file size and durability window."""
    from workbench.stores.datalevin import bridge as wdl

    plan_d = JVM_PLANS[plan] if isinstance(plan, str) else dict(plan)
    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    data, skipped = jvm_data(data)
    if not data:
        raise ValueError("no entry with a keyword key and a non-nil value to benchmark")
    jdata = wdl.to_clj(data)
    jplan = _plan(plan_d)
    measure, consistency = _var("measure"), _var("consistency")
    close = c.kw("close")
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-jvm-"))
    rows = []
    try:
        bar = tqdm(stores, desc=f"JVM bench, {len(data):,} entries", unit="store",
                   disable=not progress)  # fmt: skip
        for label in bar:
            spec = JVM_STORES[label]
            bar.set_postfix_str(label)
            folder = root / label.replace("[", "-").replace("]", "")
            folder.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            store = _open(label, folder, jdata)
            load_s = time.perf_counter() - t0
            try:
                result = measure.invoke(store, jdata, jplan, 2, seed)
                same, present, total = (int(x) for x in consistency.invoke(store, jdata))
            finally:
                store.valAt(close).invoke()
            common = {
                "engine": ENGINE,
                "store": label,
                "dataset": dataset,
                "entries": len(data),
                "skipped_entries": skipped,
                "durability": spec.durability,
                "window_ms": spec.window_ms,
                "consistent_pct": 100.0 * same / total,
                "complete_pct": 100.0 * present / total,
                "file_bytes": _folder_bytes(folder),
                "load_s": load_s,
            }
            for kind in plan_d:
                runs = result.valAt(c.kw(kind))
                if runs is None:
                    continue
                per_run = [_samples(r) for r in runs]
                p50s = [summarize(s).get("p50_us", float("nan")) for s in per_run]
                rows.append(
                    {
                        **common,
                        "op": kind,
                        "warmup": plan_d[kind][2],
                        **summarize([x for s in per_run for x in s]),
                        "run1_p50_us": p50s[0],
                        "run2_p50_us": p50s[1],
                        "spread_pct": 100.0 * abs(p50s[0] - p50s[1]) / min(p50s),
                    }
                )
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return pd.DataFrame(rows)


def jvm_overhead(frame: pd.DataFrame) -> float:
    """The harness's own cost per timed op (median over stores of the empty op's p50, us)."""
    noop = frame.loc[(frame["engine"] == ENGINE) & (frame["op"] == "noop"), "p50_us"]
    return float(noop.median()) if len(noop) else float("nan")


def jvm_spread(frame: pd.DataFrame, ops: Sequence[str] = ("get", "save")) -> pd.DataFrame:
    """Run-to-run spread of the p50s: store x op with both runs' p50 and |a-b| / min in %."""
    sel = frame[(frame["engine"] == ENGINE) & frame["op"].isin(ops)]
    return sel[["entries", "store", "op", "run1_p50_us", "run2_p50_us", "spread_pct"]]


def jvm_answers(data: Mapping, label: str, keys: Sequence[Any], workdir: str | Path) -> list[Any]:
    """What JVM store `label`, loaded with data, answers to a get of each key (as workbench.edn
    values): the differential check against the Python stores."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    data, _ = jvm_data(data)
    folder = Path(workdir) / label.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    store = _open(label, folder, wdl.to_clj(data))
    try:
        got = _var("answers").invoke(store, wdl.to_clj(list(keys)))
        return [wdl.to_edn(v) for v in got]
    finally:
        store.valAt(c.kw("close")).invoke()
