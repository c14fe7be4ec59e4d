"""The benchmark: the same operations on the same data against every store, in one run.

``run_benchmark(BenchConfig(...))`` returns a ``BenchResult`` with one tidy DataFrame (one row per
dataset x store x operation: p50/p95/p99/mean latency in microseconds, throughput, file size,
peak memory), ratios to the EDN file store measured in the same run, the plan's success metrics
(reads at most 10% slower, writes at most 20% slower than EDN) per operation, the harness
overhead and a machine description. ``save_results`` writes CSV, JSON, PNG plots and a Markdown
summary.

Honest costs: each store is timed doing what it really does. The EDN store is opened with
``debounce=0`` for the timed writes so the whole-file rewrite lands on the operation that causes
it (the app does the same rewrite 100 ms later, off the caller's thread); its write mode is the
app's plain overwrite (no fsync), while LMDB ``sync`` fsyncs every commit: the durability sweep
(``nosync``) gives the like-for-like comparison. A whole-file rewrite grows with the file, so EDN
write and startup repeats are bounded by a time budget (``budget_s`` per operation, at least
``min_samples``); the summary says how many samples each figure rests on.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from workbench.bench._config import (
    DEFAULT_OPS,
    QUICK,
    READ_TARGET,
    WRITE_TARGET,
    BenchConfig,
    BenchResult,
    StoreSpec,
    default_specs,
    quick_config,
)
from workbench.bench._output import headline_findings, markdown_summary, save_results
from workbench.bench._timing import (
    harness_overhead_ns,
    machine_info,
    peak_memory,
    summarize,
    time_ops,
)
from workbench.bench.workloads import WORKLOADS, mixed_trace
from workbench.io import atomic_write_text
from workbench.stores import open_store
from workbench.stores.base import Store

__all__ = [
    "StoreSpec",
    "BenchConfig",
    "BenchResult",
    "run_benchmark",
    "save_results",
    "harness_overhead_ns",
    "time_ops",
    "summarize",
    "machine_info",
    "success_metrics",
    "with_ratios",
    "default_specs",
    "load_dataset",
    "READ_TARGET",
    "WRITE_TARGET",
    "markdown_summary",
    "headline_findings",
    "quick_config",
    "peak_memory",
    "DEFAULT_OPS",
    "QUICK",
]

# ------------------------------------------------------------------------------ datasets


def load_dataset(
    size: int | None = None, input_path: str | os.PathLike | None = None, seed: int = 0
) -> tuple[str, dict]:
    """(dataset name, key -> value) from a memory file or a generated memory of `size` entries."""
    if input_path is not None:
        from workbench.memory.model import load_memory

        return f"file:{Path(input_path).name}", load_memory(input_path).as_dict()
    from workbench.memory.generate import generate_memory

    return f"generated:{size}", dict(generate_memory(entries=int(size), seed=seed).value)


def _write_edn(path: Path, data: Mapping) -> None:
    from workbench.memory.queries import print_like_app

    atomic_write_text(path, print_like_app(dict(data), pr_str=True))


def _populate(spec: StoreSpec, path: Path, data: dict) -> tuple[Store, float]:
    """Open the store fresh and load data (EDN: write the file as the app would); seconds spent
    loading (opening excluded)."""
    if spec.kind == "edn":
        t0 = time.perf_counter()
        _write_edn(path, data)
        dt = time.perf_counter() - t0
        return spec.open(path), dt
    store = spec.open(path)
    t0 = time.perf_counter()
    store.put_many(data)
    store.flush()
    return store, time.perf_counter() - t0


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


# ------------------------------------------------------------------------------- runner


def _row(
    base: Mapping[str, Any], op: str, category: str, samples: Sequence[int], **extra: Any
) -> dict[str, Any]:
    row = dict(base)
    row.update(op=op, category=category, **summarize(samples))
    row.update(extra)
    return row


def _spec_fields(spec: StoreSpec) -> dict[str, Any]:
    o = spec.options
    return {
        "store": spec.label,
        "kind": spec.kind,
        "codec": o.get("codec", "edn-text" if spec.kind == "edn" else ""),
        "durability": o.get(
            "durability",
            "app-overwrite"
            if o.get("write_mode") == "app"
            else ("atomic-fsync" if spec.kind == "edn" else ""),
        ),
        "batch_size": None,
    }


def _bench_store(
    cfg: BenchConfig,
    spec: StoreSpec,
    dataset: str,
    data: dict,
    folder: Path,
    rng_seed: int,
    notes: list[str],
    bar: Any,
) -> list[dict]:
    rows: list[dict] = []
    base = {"dataset": dataset, "entries": len(data), **_spec_fields(spec)}
    path = spec.path_in(folder)
    _remove(path)
    store, load_s = _populate(spec, path, data)
    rows.append(
        _row(
            base,
            "bulk_load",
            "write",
            [int(load_s * 1e9)],
            note="EDN: print + write the file; others: put_many + flush",
            entries_per_s=len(data) / load_s if load_s else None,
        )
    )
    try:
        file_bytes = store.file_size()
        for op in cfg.ops:
            wl = WORKLOADS[op]
            n = cfg.repeats + cfg.warmup
            ops = wl.build(store, data, n, random.Random(rng_seed))
            samples = time_ops(
                ops,
                warmup=min(cfg.warmup, len(ops) - 1),
                budget_s=cfg.budget_s,
                min_samples=cfg.min_samples,
            )
            note = ""
            if len(samples) < cfg.repeats:
                note = f"time budget {cfg.budget_s:g}s: {len(samples)} of {cfg.repeats} samples"
            rows.append(_row(base, op, wl.category, samples, file_bytes=file_bytes, note=note))
            bar.update(1)
        store.flush()
        file_bytes = store.file_size()
        if cfg.trace_ops:
            trace_store = store
            if spec.kind == "edn":  # the app's real debounce for the trace
                store.close()
                trace_store = open_store(
                    "edn", path, debounce=0.1, write_mode=spec.options.get("write_mode", "app")
                )
                store = trace_store
            tr = mixed_trace(
                trace_store, data, n_ops=cfg.trace_ops, rate=cfg.trace_rate, seed=rng_seed
            )
            for kind, lat in sorted(tr.latencies_ns.items()):
                cat = "read" if kind.startswith("read") else "write"
                rows.append(
                    _row(
                        base,
                        f"trace:{kind}",
                        cat,
                        lat,
                        note=f"mixed trace, {tr.ops} ops at "
                        f"{tr.throughput():.0f} ops/s"
                        + (" (EDN debounce 100 ms)" if spec.kind == "edn" else ""),
                    )
                )
            bar.update(1)
    finally:
        store.close()
    # startup: open + first read, then close (untimed); peak memory of open + full load
    first_key = next(iter(data))
    startup_ops = []
    for _ in range(cfg.startup_repeats + 1):
        holder: list[Store] = []

        def op(holder: list = holder) -> None:
            s = spec.open(path)
            holder.append(s)
            s.get(first_key, None)

        def undo(holder: list = holder) -> None:
            holder.pop().close()

        startup_ops.append((op, undo))
    samples = time_ops(startup_ops, warmup=1, budget_s=cfg.budget_s, min_samples=cfg.min_samples)
    rows.append(
        _row(
            base,
            "startup",
            "read",
            samples,
            file_bytes=file_bytes,
            note="open + first get (EDN: read + parse the whole file)",
        )
    )

    def open_and_load() -> int:
        s = spec.open(path)
        try:
            return len(s.as_dict())
        finally:
            s.close()

    _n, peak = peak_memory(open_and_load)
    for r in rows:
        r["file_bytes"] = file_bytes
        r["peak_mem_bytes"] = peak
    bar.update(1)
    _remove(path)
    return rows


def _batch_sweep(cfg: BenchConfig, dataset: str, data: dict, folder: Path, bar: Any) -> list[dict]:
    rows = []
    items = list(data.items())
    dur = cfg.durabilities[0] if cfg.durabilities else "sync"
    for b in cfg.batch_sizes:
        n = min(len(items), max(200, 20 * b) if b < 100 else len(items))
        spec = StoreSpec(
            f"lmdb-kv[binary,{dur}]",
            "lmdb-kv",
            (("codec", "binary"), ("durability", dur), ("batch_size", b)),
        )
        path = folder / f"batch-{b}"
        _remove(path)
        store = spec.open(path)
        try:
            t0 = time.perf_counter_ns()
            store.put_many(items[:n])
            dt = time.perf_counter_ns() - t0
        finally:
            store.close()
            _remove(path)
        base = {"dataset": dataset, "entries": len(data), **_spec_fields(spec), "batch_size": b}
        rows.append(
            _row(
                base,
                "put_many",
                "write",
                [dt // max(1, n)] * 1,
                entries_per_s=n / (dt / 1e9),
                note=f"{n} entries, batches of {b}",
            )
        )
        bar.update(1)
    return rows


def with_ratios(df: pd.DataFrame) -> pd.DataFrame:
    """Add ratio_p50_vs_edn / ratio_p95_vs_edn: each row against the EDN row of the same dataset
    and op measured in the same run."""
    df = df.copy()
    edn = df[df["kind"] == "edn"].drop_duplicates(["dataset", "op"]).set_index(["dataset", "op"])
    idx = list(zip(df["dataset"], df["op"], strict=True))
    for col in ("p50_us", "p95_us"):
        ref = [edn[col].get(i, float("nan")) if i in edn.index else float("nan") for i in idx]
        df[f"edn_{col}"] = ref
        df[f"ratio_{col[:3]}_vs_edn"] = df[col] / df[f"edn_{col}"]
    return df


def success_metrics(df: pd.DataFrame) -> pd.DataFrame:
    """The plan's targets per operation: reads <= 1.10 x EDN, writes <= 1.20 x EDN (p50)."""
    rows = []
    sel = df[(df["kind"] != "edn") & df["ratio_p50_vs_edn"].notna()]
    for r in sel.itertuples(index=False):
        target = READ_TARGET if r.category == "read" else WRITE_TARGET
        rows.append(
            {
                "dataset": r.dataset,
                "entries": r.entries,
                "store": r.store,
                "op": r.op,
                "category": r.category,
                "p50_us": r.p50_us,
                "edn_p50_us": r.edn_p50_us,
                "ratio": r.ratio_p50_vs_edn,
                "target": target,
                "pass": bool(r.ratio_p50_vs_edn <= target),
                "verdict": f"{'PASS' if r.ratio_p50_vs_edn <= target else 'FAIL'} "
                f"{r.ratio_p50_vs_edn:.2f}x EDN (target <= {target:.2f}x)",
            }
        )
    return pd.DataFrame(rows)


def run_benchmark(cfg: BenchConfig) -> BenchResult:
    """Run the sweep described by cfg; everything measured in this one run."""
    notes: list[str] = []
    overhead = harness_overhead_ns()
    specs = default_specs(cfg.stores, cfg.durabilities, cfg.codecs)
    datasets: list[tuple[str, int | None]] = [(f"size:{n}", n) for n in cfg.sizes]
    if cfg.input_path is not None:
        datasets.insert(0, ("file", None))
    per_store = len(cfg.ops) + 1 + (1 if cfg.trace_ops else 0)
    total = len(datasets) * (len(specs) * per_store + len(cfg.batch_sizes))
    rows: list[dict] = []
    tmp_root = Path(cfg.workdir) if cfg.workdir else Path(tempfile.mkdtemp(prefix="wb-bench-"))
    tmp_root.mkdir(parents=True, exist_ok=True)
    try:
        with tqdm(total=total, desc="benchmark", unit="step", disable=not cfg.progress) as bar:
            for label, size in datasets:
                bar.set_postfix_str(f"{label}: preparing data")
                if size is None:
                    name, data = load_dataset(input_path=cfg.input_path)
                    if not data:
                        notes.append(f"{name} has no entry: only the generated data was timed")
                        bar.update(len(specs) * per_store + len(cfg.batch_sizes))
                        continue
                else:
                    name, data = load_dataset(size, seed=cfg.seed)
                folder = tmp_root / name.replace(":", "-")
                folder.mkdir(parents=True, exist_ok=True)
                for spec in specs:
                    bar.set_postfix_str(f"{name} {spec.label}")
                    rows += _bench_store(cfg, spec, name, data, folder, cfg.seed, notes, bar)
                if cfg.batch_sizes and any(s.kind == "lmdb-kv" for s in specs):
                    bar.set_postfix_str(f"{name} batch sweep")
                    rows += _batch_sweep(cfg, name, data, folder, bar)
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        if not cfg.workdir:
            shutil.rmtree(tmp_root, ignore_errors=True)
    df = with_ratios(pd.DataFrame(rows))
    limited = df[df.get("note", pd.Series(dtype=str)).fillna("").str.startswith("time budget")]
    for r in limited.itertuples(index=False):
        notes.append(f"{r.store} {r.op} at {r.entries} entries: {r.note}")
    notes.insert(
        0,
        "EDN writes are timed with debounce=0 (the rewrite lands on the operation); "
        "the app does the same whole-file rewrite 100 ms later, off the caller's "
        "thread; the mixed trace uses the real 100 ms debounce.",
    )
    notes.insert(
        1,
        f"harness overhead {overhead:.0f} ns per timed operation "
        f"({'under' if overhead < 1000 else 'OVER'} the 1 us target)",
    )
    cfg_dict = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()}
    cfg_dict["input_path"] = str(cfg.input_path) if cfg.input_path else None
    cfg_dict["workdir"] = str(cfg.workdir) if cfg.workdir else None
    return BenchResult(df, success_metrics(df), machine_info(), overhead, cfg_dict, notes)
