"""The published-figure gap, measured: the published benchmark's own data shape beside ours, warm.

The migration plan's published Datalevin figures come from Datalevin's ``benchmarks/write-bench``:
per KV pair an 8-byte long key and a 36-character random UUID string (no nippy), per Datalog
entity two attributes ``{:k long :v string}``, into an empty store with the default flags, timed
over 1M writes (so long past the JIT's warm-up). ``run_decomposition`` times, inside the JVM
(harness.clj's decomposition section), each condition that separates that setup from ours, every
one warm (an untimed warm-up of the same calls first) and in a fresh store of its own:

- machine steps, once per run: the published shapes themselves (one KV write, KV batches of
  1,000, Datalog batches of 1,000) and a 4 KB overwrite + fdatasync alone;
- data steps, per dataset: our entries in KV batches (fresh keys, nippy-encoded ``:data``
  values), Datalevin's nippy encoding of our values alone, Datalog batches of the published shape
  carrying our whole-value blob as ``:v``, and our entities (component records and blob).

The load average (1 min) is read before each step. ``workbench.bench.sanity`` turns the rows into
the gap's factors (machine x data x warm-up) and the "why" sentences.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from workbench.bench._timing import load_1m
from workbench.bench.jvm import JvmInput, _plan, _var, jvm_data, jvm_input, subset_input

__all__ = [
    "DATA_STEP_ENTRIES",
    "DECOMPOSE_PLANS",
    "STEPS",
    "decomposition_input",
    "run_decomposition",
]

#: step -> (figure it explains, condition shown, machine step: run once, not per dataset)
STEPS: dict[str, tuple[str, str, bool]] = {
    "fsync": ("KV, one durable write at a time", "4 KB overwrite + fdatasync alone", True),
    "kv-one-published": (
        "KV, one durable write at a time",
        "published shape (8-byte key, 36-char string), warm",
        True,
    ),
    "kv-batch-published": (
        "KV, batches of 1,000",
        "published shape (8-byte key, 36-char string), warm",
        True,
    ),
    "nippy": ("KV, batches of 1,000", "nippy encoding of our values alone, warm", False),
    "kv-batch-ours": ("KV, batches of 1,000", "our entries (fresh keys), warm", False),
    "datalog-published": (
        "Datalog, durable writes",
        "published shape {:k long :v 36-char string}, warm",
        True,
    ),
    "datalog-blob": (
        "Datalog, durable writes",
        "published shape with our whole-value blob as :v, warm",
        False,
    ),
    "datalog-ours": ("Datalog, durable writes", "our entities (fresh identities), warm", False),
}

#: The data steps take at most this many of a dataset's entries (every k-th): a step's batches
#: cycle through 1,000-entry chunks of them, so a 100k dataset would only cost converting it (in
#: Python, for its Datalog entities) without changing what a batch holds.
DATA_STEP_ENTRIES = 20_000

#: step -> (n timed calls, budget ms, warm-up calls, warm-up budget ms); a call is one commit
#: (or one batch's encoding), at least 3 timed and 1 warm-up call whatever the budget. The steps
#: run after run_jvm in the same JVM, so the code paths they share with it are compiled already.
DECOMPOSE_PLANS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "quick": {
        "fsync": (100, 200, 10, 50),
        "kv-one-published": (200, 300, 200, 300),
        "kv-batch-published": (20, 400, 20, 500),
        "nippy": (10, 200, 10, 200),
        "kv-batch-ours": (10, 500, 10, 600),
        "datalog-published": (8, 500, 8, 600),
        "datalog-blob": (5, 400, 5, 500),
        "datalog-ours": (3, 600, 2, 600),
    },
    "full": {
        "fsync": (1_000, 2_000, 100, 500),
        "kv-one-published": (2_000, 3_000, 1_000, 2_000),
        "kv-batch-published": (100, 3_000, 100, 3_000),
        # the data steps run after run_jvm: their code is compiled, the warm-up fills the store
        "nippy": (100, 2_000, 50, 1_000),
        "kv-batch-ours": (50, 4_000, 20, 2_000),
        "datalog-published": (40, 4_000, 30, 3_000),
        "datalog-blob": (40, 4_000, 10, 1_500),
        "datalog-ours": (20, 6_000, 5, 3_000),
    },
}


def _num(res: Any, key: Any) -> float:
    x = res.valAt(key)
    return float(x) if x is not None else float("nan")


def _iqr_pct(ns: np.ndarray) -> float:
    """The spread of the timed calls: interquartile range over the median, in %."""
    if not len(ns):
        return float("nan")
    q25, q50, q75 = np.percentile(ns, [25, 50, 75])
    return 100.0 * float(q75 - q25) / float(q50)


def decomposition_input(data: Mapping | JvmInput) -> JvmInput:
    """The entries the data steps draw from, converted for the JVM: all of data's, or every k-th
    past DATA_STEP_ENTRIES (the same mix of kinds and sizes), taken from a JvmInput's converted
    values when given one. Raises ValueError when no entry is one a JVM store takes."""
    kept = data.data if isinstance(data, JvmInput) else jvm_data(data)[0]
    step = -(-len(kept) // DATA_STEP_ENTRIES)
    if step <= 1:
        return jvm_input(data)
    keys = list(kept)[::step]
    if isinstance(data, JvmInput):
        return subset_input(jvm_input(data), keys)
    return jvm_input({k: kept[k] for k in keys})


def run_decomposition(
    datasets: Mapping[str, Mapping | JvmInput],
    plan: str | Mapping[str, tuple[int, int, int, int]] = "quick",
    workdir: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Time every decomposition step inside the JVM: machine steps once (dataset ""), data steps
    per dataset (its entries, or the JvmInput run_jvm took: nothing is converted again). One row
    per step: figure, condition, entries per call (batch), timed calls (n), p50 per call (ms) and
    its spread (interquartile range / median, %), entries per second at that p50, bytes per
    value, datoms per entity (Datalog), entries stored by the step's end, the dataset's entries
    the data steps drew from (at most DATA_STEP_ENTRIES), the 1-min load average before the step
    and the CPU count."""
    from workbench.stores.datalevin import bridge as wdl

    plan_d = DECOMPOSE_PLANS[plan] if isinstance(plan, str) else dict(plan)
    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    step_f = _var("decompose-step")
    inputs: dict[str, JvmInput] = {}
    for name, data in datasets.items():
        try:
            inputs[name] = decomposition_input(data)
        except ValueError:  # no entry a JVM store takes
            continue
    if not inputs:
        raise ValueError("no entry with a keyword key and a non-nil value to decompose")
    jobs = [("", s) for s, (_f, _c, machine) in STEPS.items() if machine and s in plan_d]
    jobs += [(n, s) for n in inputs for s, (_f, _c, m) in STEPS.items() if not m and s in plan_d]
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-decompose-"))
    rows = []
    try:
        bar = tqdm(jobs, desc="published-figure decomposition", unit="step",
                   disable=not progress)  # fmt: skip
        for ds, step in bar:
            bar.set_postfix_str(f"{step} {ds}".strip())
            inp = inputs.get(ds)  # machine steps (dataset "") take no data
            jdata, dlg = (inp.jdata, inp.datalog) if inp else (None, None)
            if dlg is not None and step.startswith("datalog") and not dlg.texts:
                continue  # no entry the Datalog store takes: nothing to time
            folder = root / f"{len(rows):02d}-{step}"
            folder.mkdir(parents=True, exist_ok=True)
            load = load_1m()
            res = step_f.invoke(
                c.JString(str(folder)),
                jdata,
                dlg.entities if dlg else None,
                dlg.schema if dlg else None,
                c.kw(step),
                _plan({"p": plan_d[step]}).valAt(c.kw("p")),
            )
            ns = np.asarray(memoryview(res.valAt(c.kw("ns"))), dtype=np.int64)
            shutil.rmtree(folder, ignore_errors=True)  # a step's store is never reused
            figure, condition, _machine = STEPS[step]
            batch = int(res.valAt(c.kw("batch")))
            p50_ms = float(np.median(ns)) / 1e6 if len(ns) else float("nan")
            value_bytes = _num(res, c.kw("value-bytes"))
            if step in ("kv-one-published", "kv-batch-published", "datalog-published"):
                value_bytes = 36.0  # a random UUID's text: the published value
            rows.append(
                {
                    "dataset": ds,
                    "step": step,
                    "figure": figure,
                    "condition": condition,
                    "batch": batch,
                    "n": len(ns),
                    "p50_ms": p50_ms,
                    "iqr_pct": _iqr_pct(ns),
                    "per_s": batch / (p50_ms / 1e3) if p50_ms > 0 else float("nan"),
                    "value_bytes": value_bytes,
                    "datoms_per_entity": _num(res, c.kw("datoms-per-entity")),
                    "stored": _num(res, c.kw("stored")),  # entries in the step's store at its end
                    # the dataset's entries the data steps drew from (DATA_STEP_ENTRIES)
                    "entries_used": len(inputs[ds].data) if ds else 0,
                    "load_1m": load,
                    "cpus": os.cpu_count() or 0,
                }
            )
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return pd.DataFrame(rows)
