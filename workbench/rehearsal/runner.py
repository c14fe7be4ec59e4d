"""Migration rehearsal: phases 1-4 on a copy of memory.edn under a mixed app trace, with faults.

`rehearse(input, out_dir, target="lmdb", mapping="inferred")` copies the input (never touched),
plays a baseline (EDN only), then phase 1 preparation (backup, target opened), phase 2
dual-write with the background migrator running while the trace keeps going, phase 3
datalevin-first (read cutover), phase 4 datalevin-only (write cutover, final EDN archive and an
export back to memory.edn). Every phase is validated; latencies are compared with the baseline of
the same run; faults ("crash-during-copy", "failing-second-write", "full-disk") are optional.
It writes rehearsal-<target>-<mapping>.{md,json,png} atomically (see
workbench.rehearsal.report). `rehearse_all` runs several mappings
side by side ("plan": the team's draft, lossy; "inferred": lossless; "kv": one key per entry).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.io import atomic_write_text, sha256_file
from workbench.migrate import Ledger, MigratingMemory, Migrator, validate
from workbench.migrate.backup import backup_edn, backup_lmdb, export_edn
from workbench.migrate.faults import FlakyStore, cap_map_size, uncap_map_size
from workbench.migrate.modes import is_reserved
from workbench.rehearsal.cached import CachedStore
from workbench.rehearsal.jvm_latency import (
    CACHED_TARGETS,
    JVM_TARGETS,
    STACK_VALIDATION,
    jvm_latency,
    python_latency_rows,
    python_stack,
)
from workbench.rehearsal.report import (
    PhaseResult,
    RehearsalResult,
    _latency,
    _md_table,
    report_markdown,
    timeline_figure,
    write_rehearsal_report,
)
from workbench.rehearsal.trace import TracePlayer, simple_trace
from workbench.stores.base import Store

PHASES = (
    ("baseline", "edn-only"),
    ("1-preparation", "edn-only"),
    ("2-dual-write", "dual-write"),
    ("3-read-cutover", "datalevin-first"),
    ("4-write-cutover", "datalevin-only"),
)
FAULTS = ("crash-during-copy", "failing-second-write", "full-disk")
MAPPINGS = ("plan", "inferred", "kv")
ROLLBACKS = ("performance", "corruption", "instability")  # the plan's three rollback scenarios


# ------------------------------------------------------------------------------- targets
def _open_lmdb(mapping: str, path: Path, **opts: Any) -> Store:
    from workbench.stores import open_store

    if mapping == "kv":
        return open_store("lmdb-kv", path, codec="binary", **opts)
    return open_store("lmdb-entity", path, mapping=mapping, **opts)


def _open_generic(target: str) -> Callable[..., Store]:
    def opener(mapping: str, path: Path, **opts: Any) -> Store:
        from workbench.stores import open_store

        opts.pop("map_size", None)
        if mapping == "kv":
            return open_store(target, path, shape="kv", **opts)
        return open_store(target, path, shape="datalog", mapping=mapping, **opts)

    return opener


def _open_cached(policy: str) -> Callable[..., Store]:
    def opener(mapping: str, path: Path, **opts: Any) -> Store:
        return CachedStore(_open_generic("datalevin")(mapping, path, **opts), policy)

    return opener


#: target name -> opener(mapping, path, **opts); other names go through open_store(name, ...).
#: The cached targets put the app's in-memory map in front of the Datalevin store.
TARGETS: dict[str, Callable[..., Store]] = {
    "lmdb": _open_lmdb,
    **{target: _open_cached(policy) for target, policy in CACHED_TARGETS.items()},
}


def _persisted(store: Store) -> Store:
    """What a restart would find: a cache's inner store once its queue is written; else store."""
    try:
        persisted = getattr(store, "persisted", None)
    except RuntimeError:  # a store switched off by a rollback
        return store
    return persisted() if callable(persisted) else store


def open_target(target: str, mapping: str, path: str | Path, **opts: Any) -> Store:
    """Open the migration target `target` ("lmdb", "datalevin", ...) with a mapping preset."""
    if mapping not in MAPPINGS:
        raise ValueError(f"unknown mapping {mapping!r}; expected one of {MAPPINGS}")
    opener = TARGETS.get(target) or _open_generic(target)
    return opener(mapping, Path(path), **opts)


# ------------------------------------------------------------------------------- runner
def rehearse(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    target: str = "lmdb",
    mapping: str = "inferred",
    quick: bool = False,
    seed: int = 0,
    ops_per_phase: int | None = None,
    faults: Iterable[str] = (),
    rollback: str | None = None,
    batch_size: int = 200,
    rate: float | None = None,
    durability: str | None = None,
    app_trace: bool = True,
    fault_rate: float = 0.2,
    progress: bool = True,
    write_report: bool = True,
    keep_work: bool = False,
    drop_unreadable: bool = False,
    jvm_plan: dict[str, int | None] | None = None,
) -> RehearsalResult:
    """Run the four phases on a copy of input_path and write the report into out_dir.

    The work folder (copy of the input, target store, backups, export) is removed at the end
    unless keep_work is true. The export back to memory.edn refuses values the app cannot read
    (an error of the run, listing the keys) unless drop_unreadable, which leaves them out.
    With a Datalevin target (JVM_TARGETS) the latency metrics come from the JVM replay of the
    trace played (workbench.rehearsal.jvm_latency; jvm_plan overrides its warm-up and budget).
    """
    from workbench.stores.edn_file import EdnFileStore

    faults = list(faults)
    for f in faults:
        if f not in FAULTS:
            raise ValueError(f"unknown fault {f!r}; expected some of {FAULTS}")
    t_start = time.perf_counter()
    src = Path(input_path)
    out = Path(out_dir)
    work = out / f"work-{target}-{mapping}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    input_sha = sha256_file(src)
    copy = work / "memory.edn"
    shutil.copyfile(src, copy)
    n_ops = ops_per_phase or (300 if quick else 3000)

    edn_store = EdnFileStore(copy, debounce=0.1, write_mode="safe")
    opts: dict[str, Any] = {}
    if durability and target == "lmdb":
        opts["durability"] = durability
    if "full-disk" in faults:  # a map half the EDN size: the copy runs out of room midway
        opts["map_size"] = max(64 << 10, (copy.stat().st_size // 2) // 4096 * 4096)
    new_store: Store = open_target(target, mapping, work / "target", **opts)
    capped = new_store
    cached = new_store if isinstance(new_store, CachedStore) else None
    if "full-disk" in faults and not cap_map_size(new_store):
        faults.remove("full-disk")
    flaky = None
    if "failing-second-write" in faults:
        flaky = new_store = FlakyStore(new_store, rate=fault_rate, seed=seed)
    mm = MigratingMemory(edn_store, new_store, "edn-only", repair_log=work / "repair-log.json")
    ledger = Ledger(mm, edn_store.as_dict())
    initial = dict(ledger.expected)  # the state the trace starts from (the JVM replay's data)
    res = RehearsalResult(str(src), input_sha, target, mapping, faults, len(edn_store))
    res.context["latency_stack"] = python_stack(target)
    t0 = time.perf_counter()
    wall0 = time.time()
    player = TracePlayer(
        ledger,
        simple_trace(list(edn_store.keys()), 10**9, seed),
        t0,
        app_trace=app_trace,
        seed=seed,
    )

    def event(kind: str, text: str) -> None:
        res.events.append((time.perf_counter() - t0, kind, text))

    def check(phase: PhaseResult, against_ledger: bool = False) -> None:
        mm.flush()
        if against_ledger:
            rep = validate(ledger.expected, _persisted(new_store))
        else:
            rep = validate(edn_store, _persisted(new_store))
        phase.validation = rep.to_dict(limit=0)
        for d in rep.discrepancies:
            row = asdict(d)
            row["phase"] = phase.name
            res.discrepancies.append(row)
        event(
            "validate",
            f"{phase.name}: consistency {rep.consistency:.2f}%, "
            f"{len(rep.discrepancies)} discrepancies ({rep.seconds:.2f} s)",
        )

    def begin(name: str, mode: str) -> PhaseResult:
        if mm.mode != mode:
            mm.set_mode(mode)
        event("phase", f"{name} ({mode})")
        p = PhaseResult(name, mode, time.perf_counter() - t0)
        res.phases.append(p)
        return p

    def end(p: PhaseResult) -> None:
        p.end = time.perf_counter() - t0
        p.ops = sum(1 for sample in player.samples if sample[1] == p.name)
        p.latency = _latency(player.samples, p.name)

    try:
        # baseline
        p = begin(*PHASES[0])
        p.ops = player.play(p.name, n_ops)
        end(p)
        # 1 preparation
        p = begin(*PHASES[1])
        mm.flush()
        info = backup_edn(copy, work / "backup" / "memory.edn")
        event("backup", f"EDN backup {info.bytes} bytes sha256 {info.files['memory.edn'][:12]}")
        p.ops = player.play(p.name, n_ops // 2)
        durable = []
        for i in range(1 if quick else 3):  # what a durable EDN save costs: whole-file rewrite
            t = time.perf_counter()
            key = edn.Keyword("rehearsal", f"durable-{i}")
            ledger.save_value(key, i)
            edn_store.flush()
            durable.append((time.perf_counter() - t) * 1000)
            player.recorded.append((p.name, "save_value", key, i, None))  # part of the trace
        res.context["edn_durable_save_ms"] = statistics.median(durable)
        end(p)
        # 2 dual-write + background copy
        p = begin(*PHASES[2])
        if flaky is not None:
            flaky.active = True
            event("fault", f"second-write outages start on {fault_rate:.0%} of writes")
        migrator = Migrator(
            edn_store, new_store, memory=mm, batch_size=batch_size, rate=rate, progress=progress
        )
        if "crash-during-copy" in faults:
            half = max(1, min(batch_size, len(edn_store) // 3))
            migrator.on_batch = lambda i, n: migrator.stop() if i >= half else None
        migrator.start()
        p.ops = player.play(p.name, until=lambda: not migrator.running, min_ops=n_ops)
        r = migrator.join()
        event(
            "copy",
            f"copied {r.copied}, skipped {r.skipped_live} newer live writes, "
            f"{r.batches} batches, {r.seconds:.2f} s" + (f", error {r.error}" if r.error else ""),
        )
        attempts = 0
        while not r.done and attempts < 3:  # the operator resumes the copy from its checkpoint
            attempts += 1
            if r.error and "full-disk" in faults and "MapFull" in r.error:
                event("fault", f"target full: {r.error}; operator grows the map")
                uncap_map_size(capped)
            elif r.error is None:
                event("fault", f"copy killed after {r.copied} entries; resuming from checkpoint")
            else:
                event("error", f"copy failed: {r.error}; retrying from checkpoint")
            m2 = Migrator(
                edn_store, new_store, memory=mm, batch_size=batch_size, rate=rate, progress=progress
            )
            if attempts < 3:
                m2.start()
                p.ops += player.play(p.name, until=lambda m=m2: not m.running)
                r = m2.join()
            else:  # last attempt in the foreground, app ops played between batches
                event("copy", "foreground copy (trace interleaved between batches)")
                m2.on_batch = lambda i, n: player.play(p.name, 5)
                try:
                    r = m2.run()
                except Exception as exc:  # noqa: BLE001 - reported, validation shows the gap
                    r = m2.result or r
                    r.error = f"{type(exc).__name__}: {exc}"
            event(
                "copy",
                f"resumed at {r.resumed_from}: copied {r.copied}, done={r.done}"
                + (f", error {r.error}" if r.error else ""),
            )
        if flaky is not None:
            flaky.active = False
            event("fault", f"second-write failures injected: {flaky.failures}")
        if len(mm.repair_log):
            n = len(mm.repair_log)
            fixed = mm.repair()
            res.context["repaired_keys"] = fixed
            event("repair", f"repair log: {n} keys, {fixed} replayed")
        end(p)
        check(p)
        completion = p.validation["completion"]
        safe_point = None
        if getattr(new_store, "env", None) is not None:
            mm.flush()
            with mm.lock:
                b = backup_lmdb(new_store, work / "backup" / "lmdb")
                safe_point = (b.path, mm.generation)
            event("backup", f"compact LMDB copy {b.bytes} bytes in {b.seconds:.2f} s (safe point)")
        # 3 read cutover
        p = begin(*PHASES[3])
        p.ops = player.play(p.name, n_ops)
        end(p)
        check(p)
        if rollback:
            res.rollback = _run_rollback(
                rollback, ledger, new_store, safe_point, work, player, target, mapping, copy, n_ops
            )
            new_store = mm.stores["new"]
            event("rollback", f"{rollback}: ok={res.rollback['ok']}")
        # 4 write cutover (skipped after an instability rollback: the new store is off)
        if not (rollback == "instability"):
            if rollback:
                mm.set_mode("dual-write")
            p = begin(*PHASES[4])
            mm.flush()
            arch = backup_edn(copy, work / "archive" / "memory.edn")
            event("archive", f"final EDN archive {arch.bytes} bytes")
            p.ops = player.play(p.name, n_ops)
            end(p)
            check(p, against_ledger=True)
            try:
                exp = export_edn(
                    _persisted(new_store),
                    work / "export" / "memory.edn",
                    verify=False,
                    drop_unreadable=drop_unreadable,
                )
                if exp.dropped:
                    event(
                        "export",
                        f"dropped {len(exp.dropped)} entries the app cannot read: "
                        + ", ".join(exp.dropped[:10]),
                    )
                back = validate(
                    {k: v for k, v in ledger.expected.items() if edn.printed(k) not in exp.dropped},
                    edn.load(exp.path),
                )
                event(
                    "export",
                    f"exported {exp.entries} entries; read back vs app state: "
                    f"{back.consistency:.2f}% consistent",
                )
                p.validation["export_consistency"] = round(back.consistency, 4)
            except (TypeError, ValueError, OSError) as exc:  # the way back itself fails
                event("export", f"export back to memory.edn FAILED: {exc}")
                res.errors.append(f"export: {exc}")
                p.validation["export_consistency"] = 0.0
    finally:
        try:
            mm.flush()
        except Exception as exc:  # noqa: BLE001
            res.errors.append(f"flush: {exc}")
        edn_store.close()
        try:
            mm.stores["new"].close()
        except Exception:  # noqa: BLE001 - switched off by a rollback
            pass
    res.errors.extend(player.errors)
    for t, kind, text in mm.events:  # wall-clock events of the wrapper (mode switches, repairs)
        res.events.append((t - wall0, kind, text))
    res.events.sort(key=lambda e: e[0])
    if sha256_file(src) != input_sha:
        res.errors.append(f"{src}: input changed during the rehearsal")
    if cached is not None:
        res.context["window_of_loss"] = cached.window()
    jvm = None
    if target in JVM_TARGETS:
        consist = [p.validation["consistency"] for p in res.phases if p.validation]
        try:
            jvm = jvm_latency(
                initial,
                player.recorded,
                target,
                mapping,
                consistency=min(consist) if consist else 0.0,
                completion=completion,
                quick=quick,
                workdir=work / "jvm-replay",
                plan=jvm_plan,
                progress=progress,
            )
            res.context["jvm"] = {k: v for k, v in jvm.items() if k != "metrics"}
        except Exception as exc:  # noqa: BLE001 - reported; the Python figures say their stack
            res.errors.append(f"JVM replay failed: {type(exc).__name__}: {exc}")
    res.metrics = _metrics(res, completion, jvm)
    saves = [
        p.latency["save_value"]["median_ms"] for p in res.phases[2:] if "save_value" in p.latency
    ]
    if saves and res.context.get("edn_durable_save_ms"):
        res.context["new_store_save_ms_worst_phase"] = max(saves)
        res.context["ratio_vs_durable_edn_save"] = max(saves) / res.context["edn_durable_save_ms"]
    res.seconds = time.perf_counter() - t_start
    res._samples = player.samples  # type: ignore[attr-defined]
    if write_report:
        write_rehearsal_report(res, out)
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return res


def _run_rollback(
    name: str,
    ledger: Ledger,
    new_store: Store,
    safe_point: Any,
    work: Path,
    player: TracePlayer,
    target: str,
    mapping: str,
    copy: Path,
    n_ops: int,
) -> dict:
    from workbench.migrate import rollback_corruption, rollback_instability, rollback_performance
    from workbench.migrate.backup import restore_lmdb

    def during(_ledger: Ledger) -> None:
        player.play(f"rollback-{name}", max(20, n_ops // 5))

    if name == "performance":
        r = rollback_performance(ledger, during=during)
    elif name == "corruption":
        victims = [k for k in list(new_store.keys()) if not is_reserved(k)][:5]
        for k in victims:
            new_store.put(k, "corrupted")

        def reopen(backup: Any) -> Store:
            new_store.close()
            if backup:
                restore_lmdb(backup, work / "target")
            else:
                shutil.rmtree(work / "target", ignore_errors=True)
            return open_target(target, mapping, work / "target")

        bpath, gen = safe_point if safe_point else (None, 0)
        r = rollback_corruption(
            ledger,
            backup=bpath,
            backup_generation=gen,
            reopen=reopen,
            during=during,
            resume_mode="dual-write",
        )
    elif name == "instability":
        r = rollback_instability(ledger, during=during, edn_path=copy)
    else:
        raise ValueError(f"unknown rollback {name!r}")
    return r.summary()


def _metrics(
    res: RehearsalResult, completion: float, jvm: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The success metrics; latency from the JVM replay when there is one, else from Python."""
    consist = [p.validation["consistency"] for p in res.phases if p.validation]
    min_c = min(consist) if consist else 0.0
    latency = python_latency_rows(res) if jvm is None else [dict(m) for m in jvm["metrics"]]
    window = res.context.get("window_of_loss") or {}
    for m in latency:
        if m["metric"].startswith("durability window") and "max_pending_ms" in window:
            m["measured"] += (
                f"; the rehearsal's write-behind cache (Python, through the bridge): queued "
                f"writes waited up to "
                f"{window['max_pending_ms']:g} ms ({window['max_pending_writes']} at most at once)"
            )
    rows = [
        {
            "metric": "data consistency",
            "target": "100%",
            "measured": f"{min_c:.2f}% (lowest phase)",
            "value": min_c,
            "pass": min_c >= 100.0,
            "stack": STACK_VALIDATION,
        },
        *latency,
        {
            "metric": "completion",
            "target": "100%",
            "measured": f"{completion:.2f}%",
            "value": completion,
            "pass": completion >= 100.0,
            "stack": STACK_VALIDATION,
        },
    ]
    if res.rollback:
        rows.append(
            {
                "metric": f"rollback ({res.rollback['scenario']})",
                "target": "nothing lost",
                "measured": "; ".join(
                    f"{k} {v['consistency']:.2f}%" for k, v in res.rollback["checks"].items()
                ),
                "value": res.rollback["ok"],
                "pass": res.rollback["ok"],
                "stack": STACK_VALIDATION,
            }
        )
    return rows


def rehearse_all(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    target: str = "lmdb",
    mappings: Iterable[str] = MAPPINGS,
    **kw: Any,
) -> dict[str, RehearsalResult]:
    """Run one rehearsal per mapping and write a side-by-side summary (rehearsal.md/.json)."""
    results = {m: rehearse(input_path, out_dir, target=target, mapping=m, **kw) for m in mappings}
    out = Path(out_dir)
    rows = []
    for m, r in results.items():
        row = {"mapping": m, "verdict": "PASS" if r.passed else "FAIL"}
        for metric in r.metrics:
            row[metric["metric"]] = f"{metric['measured']} ({'pass' if metric['pass'] else 'FAIL'})"
        row["discrepancies"] = len(r.discrepancies)
        rows.append(row)
    cols = list(dict.fromkeys(c for r in rows for c in r))
    md = [f"# Migration rehearsal: mappings side by side ({target})", "", _md_table(rows, cols), ""]
    stacks = dict.fromkeys(
        f"{x['metric']}: {x['stack']}"
        for r in results.values()
        for x in r.metrics
        if "latency" in x["metric"]
    )
    md += ["Which stack timed each latency metric:", ""] + [f"- {s}" for s in stacks] + [""]
    md += [
        f"- {m}: [{Path(r.files.get('md', '')).name}]({Path(r.files.get('md', '')).name})"
        for m, r in results.items()
    ]
    atomic_write_text(out / "rehearsal.md", "\n".join(md) + "\n")
    atomic_write_text(
        out / "rehearsal.json",
        json.dumps({m: r.to_dict() for m, r in results.items()}, indent=1, default=str),
    )
    return results


def verdicts(results: dict[str, RehearsalResult]) -> dict[str, dict[str, Any]]:
    """mapping -> {metric: pass, ..., "verdict": ...} for findings."""
    return {
        m: {
            "verdict": "pass" if r.passed else "fail",
            **{
                x["metric"]: {
                    "pass": bool(x["pass"]),
                    "measured": x["measured"],
                    "stack": x.get("stack", ""),
                    "plan": bool(x.get("plan", True)),  # False: context, not a plan metric
                }
                for x in r.metrics
            },
            "discrepancies": len(r.discrepancies),
        }
        for m, r in results.items()
    }


__all__ = [
    "FAULTS",
    "MAPPINGS",
    "PHASES",
    "RehearsalResult",
    "TARGETS",
    "open_target",
    "rehearse",
    "rehearse_all",
    "simple_trace",
    "verdicts",
    "write_rehearsal_report",
    "FlakyStore",
    "PhaseResult",
    "TracePlayer",
    "cap_map_size",
    "report_markdown",
    "timeline_figure",
]
