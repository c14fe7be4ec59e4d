"""The JVM benchmark engine: the app's stores timed inside the JVM (System/nanoTime), not via Python.

``run_jvm(data)`` loads the package's ``bench/jvm/harness.clj`` into the JVM the datalevin extra
starts, hands it the memory's entries and one op sequence (converted exactly by the bridge's
``to_clj``, so keys clojure.edn would refuse still arrive), runs the sequence ``warmup`` times
untimed, then once timed, and returns per-op percentiles in one DataFrame labelled
``engine="jvm"``. Stores: ``edn-app`` (atom + debounced 100 ms spit of pr-str; durable variant:
temp file, fsync, rename on each save), ``datalevin-kv`` with Datalevin's default flags and with
the workbench's durability table flags, and the atom-in-front cached architectures
(write-through, write-behind every 100 ms). Python-side figures are never put in this frame.
"""

from __future__ import annotations

import importlib.resources
import random
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import edn
from workbench.bench._timing import summarize
from workbench.stores.durability import durability as durability_mode

__all__ = ["JVM_STORES", "run_jvm", "make_ops", "harness_source"]

ENGINE = "jvm"
#: label -> (constructor, durability label). "datalevin-default" = open-kv without :flags.
JVM_STORES: dict[str, tuple[str, str]] = {
    "edn-app": ("edn-app", "app-overwrite"),
    "edn-app[durable]": ("edn-durable", "atomic-fsync"),
    "datalevin-kv[datalevin-default]": ("datalevin-kv", "datalevin-default"),
    "datalevin-kv[sync]": ("datalevin-kv", "sync"),
    "cached-write-through[sync]": ("write-through", "sync"),
    "cached-write-behind[sync]": ("write-behind", "sync (100 ms window)"),
}
OPS = ("noop", "get", "save", "startup")


def harness_source() -> str:
    """The Clojure source of the JVM engine (package data)."""
    return (importlib.resources.files("workbench.bench") / "jvm" / "harness.clj").read_text()


def make_ops(
    data: Mapping, n: int = 1000, seed: int = 0, startups: int = 3
) -> list[tuple[str, Any, Any]]:
    """One op sequence for every store: n no-ops, n gets, n saves (a key with its own value),
    `startups` startups; interleaved at random (seeded)."""
    rng = random.Random(seed)
    keys = list(data)
    ops: list[tuple[str, Any, Any]] = [("noop", None, None)] * n
    ops += [("get", k, None) for k in (keys[rng.randrange(len(keys))] for _ in range(n))]
    ops += [("save", k, data[k]) for k in (keys[rng.randrange(len(keys))] for _ in range(n))]
    ops += [("startup", None, None)] * startups
    rng.shuffle(ops)
    return ops


def _var(name: str) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    wdl.load_source("workbench.bench.harness", harness_source())
    return wdl.clj().var("workbench.bench.harness", name)


def _open(label: str, folder: Path, jdata: Any) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    kind, dur = JVM_STORES[label]
    safe = label.replace("[", "-").replace("]", "")
    path = c.JString(str(folder / safe))
    if kind in ("edn-app", "edn-durable"):
        return _var("edn-app").invoke(path, jdata, kind == "edn-durable")
    opts = (
        None
        if dur == "datalevin-default"
        else c.read(f"{{:flags {durability_mode('sync').datalevin}}}")
    )
    inner = _var("datalevin-kv").invoke(path, jdata, opts)
    if kind == "datalevin-kv":
        return inner
    return _var("cached").invoke(inner, jdata, c.kw(kind))


def jvm_ops(ops: Sequence[tuple[str, Any, Any]]) -> Any:
    """The op sequence as a Clojure vector of [kind key value]."""
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    return c.PersistentVector.create(
        c.ObjectArray(
            [
                c.PersistentVector.create(c.ObjectArray([c.kw(kind), wdl.to_clj(k), wdl.to_clj(v)]))
                for kind, k, v in ops
            ]
        )
    )


def run_jvm(
    data: Mapping,
    stores: Sequence[str] = tuple(JVM_STORES),
    n: int = 1000,
    warmup: int = 2,
    seed: int = 0,
    dataset: str = "",
    workdir: str | Path | None = None,
) -> pd.DataFrame:
    """Time the op sequence inside the JVM for each store: one row per store x op (engine "jvm")."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    # the KV store's keys are typed :keyword and Datalevin refuses nil: keep what every store takes
    data = {k: v for k, v in data.items() if type(k) is edn.Keyword and v is not None}
    jdata = wdl.to_clj(data)
    ops = make_ops(data, n=n, seed=seed)
    jops = jvm_ops(ops)
    run_ops = _var("run-ops")
    close = c.kw("close")
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-jvm-"))
    rows = []
    try:
        for label in stores:
            store = _open(label, root, jdata)
            try:
                result = run_ops.invoke(store, jops, int(warmup))
            finally:
                store.valAt(close).invoke()
            for kind in OPS:
                samples = result.valAt(c.kw(kind))
                s = summarize([int(x) for x in samples] if samples is not None else [])
                rows.append(
                    {
                        "engine": ENGINE,
                        "store": label,
                        "op": kind,
                        "dataset": dataset,
                        "entries": len(data),
                        "durability": JVM_STORES[label][1],
                        "warmup_rounds": int(warmup),
                        **s,
                    }
                )
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return pd.DataFrame(rows)
