"""Migration rehearsal: phases 1-4 on a copy of memory.edn under a mixed app trace, with faults.

`rehearse(input, out_dir, target="lmdb", mapping="inferred")` copies the input (never touched),
plays a baseline (EDN only), then phase 1 preparation (backup, target opened), phase 2
dual-write with the background migrator running while the trace keeps going, phase 3
datalevin-first (read cutover), phase 4 datalevin-only (write cutover, final EDN archive and an
export back to memory.edn). Every phase is validated; latencies are compared with the baseline of
the same run; faults ("crash-during-copy", "failing-second-write", "full-disk") are optional.
It writes rehearsal-<mapping>.{md,json,png} (atomically). `rehearse_all` runs several mappings
side by side ("plan": the team's draft, lossy; "inferred": lossless; "kv": one key per entry).
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.backup import backup_edn, backup_lmdb, export_edn
from workbench.io import atomic_write_text, sha256_file
from workbench.migrate import Ledger, MigratingMemory, Migrator, validate
from workbench.migrate.modes import ABSENT, is_reserved
from workbench.stores.base import Store

PHASES = (("baseline", "edn-only"), ("1-preparation", "edn-only"), ("2-dual-write", "dual-write"),
          ("3-read-cutover", "datalevin-first"), ("4-write-cutover", "datalevin-only"))
FAULTS = ("crash-during-copy", "failing-second-write", "full-disk")
MAPPINGS = ("plan", "inferred", "kv")
READ_LIMIT, WRITE_LIMIT = 1.10, 1.20


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


#: target name -> opener(mapping, path, **opts); other names go through open_store(name, ...).
TARGETS: dict[str, Callable[..., Store]] = {"lmdb": _open_lmdb}


def open_target(target: str, mapping: str, path: str | Path, **opts: Any) -> Store:
    """Open the migration target `target` ("lmdb", "datalevin", ...) with a mapping preset."""
    if mapping not in MAPPINGS:
        raise ValueError(f"unknown mapping {mapping!r}; expected one of {MAPPINGS}")
    opener = TARGETS.get(target) or _open_generic(target)
    return opener(mapping, Path(path), **opts)


# ------------------------------------------------------------------------------- faults
class FlakyStore(Store):
    """Wraps a store; while `active`, an outage starts on a write with probability `rate`.

    An outage fails either one attempt (healed by the wrapper's retry) or three in a row (the
    key lands in the repair log). Bulk `put_many` (the migrator's copy) is not affected.
    """

    def __init__(self, inner: Store, rate: float = 0.3, seed: int = 0) -> None:
        super().__init__()
        self.inner, self.rate, self.active = inner, rate, False
        self.name, self.path = f"flaky-{inner.name}", inner.path
        self._rng = random.Random(seed)
        self.failures = 0
        self._outage = 0

    def _maybe_fail(self) -> None:
        if not self.active:
            return
        if self._outage > 0:
            self._outage -= 1
        elif self._rng.random() < self.rate:
            self._outage = self._rng.choice((0, 2, 2))
        else:
            return
        self.failures += 1
        raise OSError("injected failure of the second write")

    def lookup(self, key: Any) -> Any:
        return self.inner.lookup(key)

    def put(self, key: Any, value: Any) -> None:
        self._maybe_fail()
        self.inner.put(key, value)

    def delete(self, key: Any) -> bool:
        self._maybe_fail()
        return self.inner.delete(key)

    def put_many(self, items: Any) -> int:
        return self.inner.put_many(items)

    def items(self) -> Iterator[tuple[Any, Any]]:
        return self.inner.items()

    def keys(self) -> Iterator[Any]:
        return self.inner.keys()

    def search(self, text: str) -> list[tuple[Any, Any]]:
        return self.inner.search(text)

    def __len__(self) -> int:
        return len(self.inner)

    def clear(self) -> None:
        self._maybe_fail()
        self.inner.clear()

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, attr: str) -> Any:
        inner = self.__dict__.get("inner")
        if inner is None:
            raise AttributeError(attr)
        return getattr(inner, attr)


def cap_map_size(store: Store) -> bool:
    """Stop an LMDB store from growing its map (so a small map_size behaves like a full disk)."""
    if hasattr(store, "_grow"):
        def no_grow() -> None:
            import lmdb

            raise lmdb.MapFullError("simulated full disk: map size capped")
        store._grow = no_grow  # type: ignore[attr-defined]
        return True
    return False


def uncap_map_size(store: Store) -> None:
    """Undo cap_map_size (the operator added disk space)."""
    store.__dict__.pop("_grow", None)


# ------------------------------------------------------------------------------- trace
OP_WEIGHTS = {"get_value": 60, "save_value": 18, "update": 10, "delete_value": 4, "search": 2,
              "get_all": 1, "get_missing": 5}


def simple_trace(keys: list[Any], n: int, seed: int = 0) -> Iterator[tuple[str, Any, Any]]:
    """A mixed trace of app operations (op, key, value) over existing and new keys."""
    rng = random.Random(seed)
    ops, weights = zip(*OP_WEIGHTS.items(), strict=True)
    live = list(keys) or [edn.Keyword("trace", "k0")]
    for i in range(n):
        op = rng.choices(ops, weights)[0]
        if op == "save_value" and rng.random() < 0.3:
            key = edn.Keyword("trace", f"k{seed}-{i}")
            live.append(key)
        else:
            key = rng.choice(live)
        if op == "get_missing":
            yield "get_value", edn.Keyword("trace-missing", f"m{i}"), None
        elif op == "save_value":
            value = {edn.Keyword("op", "i"): i, edn.Keyword("op", "at"): 1_760_000_000_000 + i,
                     edn.Keyword("op", "tags"): frozenset({"t", f"t{i % 7}"}),
                     edn.Keyword("op", "nil"): None}
            yield op, key, value if rng.random() > 0.05 else rng.choice([None, False])
        elif op == "search":
            yield op, None, rng.choice(["davidwu", "session", "zzz-none", "learning"])
        else:
            yield op, key, None


def _bump(v: Any) -> Any:
    """update! function of the trace: count updates in a small map."""
    if isinstance(v, dict):
        out = dict(v)
        out[edn.Keyword("trace", "updates")] = out.get(edn.Keyword("trace", "updates"), 0) + 1
        return out
    return {edn.Keyword("trace", "was"): v, edn.Keyword("trace", "updates"): 1}


class _AppFacade:
    """Store-shaped face of a Ledger, so workbench.workloads.mixed_trace can drive the wrapper."""

    def __init__(self, player: TracePlayer, phase: str):
        self.player, self.phase = player, phase

    def _timed(self, op: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - an app-visible error is a finding
            self.player.errors.append(f"{self.phase} {op}: {type(exc).__name__}: {exc}")
            return None
        finally:
            self.player.samples.append((t - self.player.t0, self.phase, op,
                                        (time.perf_counter() - t) * 1000))

    def get(self, key: Any, default: Any = None) -> Any:
        return self._timed("get_value", lambda: self.player.ledger.get_value(key, default))

    def put(self, key: Any, value: Any) -> None:
        self._timed("save_value", lambda: self.player.ledger.save_value(key, value))

    def delete(self, key: Any) -> bool:
        return bool(self._timed("delete_value", lambda: self.player.ledger.delete_value(key)))

    def flush(self) -> None:
        """The app never flushes explicitly (debounced writes); nothing to do."""


class TracePlayer:
    """Plays a mixed trace through a Ledger and records (t, phase, op, latency_ms).

    Chunks alternate between `workbench.workloads.mixed_trace` (the app's pattern: hot-key reads,
    session saves, learning creation) when that module exists and `simple_trace`, which also
    exercises update!, delete, search and get-all, so every API operation runs in every phase.
    """

    CHUNK = 40

    def __init__(self, ledger: Ledger, trace: Iterator[tuple[str, Any, Any]], t0: float,
                 app_trace: bool = True, seed: int = 0):
        self.ledger, self.trace, self.t0 = ledger, trace, t0
        self.samples: list[tuple[float, str, str, float]] = []
        self.errors: list[str] = []
        self.seed = seed
        self._turn = 0
        self._mixed = None
        if app_trace:
            try:
                from workbench.workloads import mixed_trace
            except ImportError:  # pragma: no cover - workloads is another helper's module
                mixed_trace = None
            self._mixed = mixed_trace

    def play(self, phase: str, n: int | None = None, until: Callable[[], bool] | None = None,
             min_ops: int = 0) -> int:
        """Play n ops (or until `until()` is true, at least min_ops)."""
        done = 0
        while True:
            if n is not None and done >= n:
                break
            if until is not None and until() and done >= min_ops:
                break
            chunk = self.CHUNK if n is None else min(self.CHUNK, n - done)
            self._turn += 1
            if self._mixed is not None and self._turn % 2 == 0 and self.ledger.expected:
                before = len(self.samples)
                try:
                    self._mixed(_AppFacade(self, phase), dict(self.ledger.expected), n_ops=chunk,
                                seed=self.seed * 100_003 + self._turn)
                except Exception as exc:  # noqa: BLE001
                    self.errors.append(f"{phase} mixed_trace: {type(exc).__name__}: {exc}")
                done += max(1, len(self.samples) - before)
            else:
                done += self._play_simple(phase, chunk)
        return done

    def _play_simple(self, phase: str, n: int) -> int:
        done = 0
        mem = self.ledger
        while done < n:
            try:
                op, key, value = next(self.trace)
            except StopIteration:
                break
            t = time.perf_counter()
            try:
                if op == "get_value":
                    mem.get_value(key)
                elif op == "save_value":
                    mem.save_value(key, value)
                elif op == "update":
                    mem.update(key, _bump)
                elif op == "delete_value":
                    mem.delete_value(key)
                elif op == "search":
                    mem.memory.search(value)
                elif op == "get_all":
                    mem.memory.get_all()
            except Exception as exc:  # noqa: BLE001 - an app-visible error is a finding
                self.errors.append(f"{phase} {op}: {type(exc).__name__}: {exc}")
            dt = (time.perf_counter() - t) * 1000
            self.samples.append((t - self.t0, phase, op, dt))
            done += 1
        return done


# ------------------------------------------------------------------------------- results
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
        """True when every success metric passed."""
        return all(m["pass"] for m in self.metrics)

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

        rows = [{"phase": p.name, "mode": p.mode, "op": op, **stats}
                for p in self.phases for op, stats in p.latency.items()]
        return pd.DataFrame(rows)


def _latency(samples: list[tuple[float, str, str, float]], phase: str) -> dict[str, dict[str, float]]:
    per: dict[str, list[float]] = {}
    for _, ph, op, ms in samples:
        if ph == phase:
            per.setdefault(op, []).append(ms)
    out = {}
    for op, xs in sorted(per.items()):
        xs.sort()
        out[op] = {"n": len(xs), "median_ms": statistics.median(xs),
                   "p95_ms": xs[min(len(xs) - 1, int(0.95 * len(xs)))], "mean_ms": statistics.fmean(xs)}
    return out


# ------------------------------------------------------------------------------- runner
def rehearse(input_path: str | Path, out_dir: str | Path, *, target: str = "lmdb",
             mapping: str = "inferred", quick: bool = False, seed: int = 0,
             ops_per_phase: int | None = None, faults: Iterable[str] = (),
             rollback: str | None = None, batch_size: int = 200, rate: float | None = None,
             durability: str | None = None, app_trace: bool = True, fault_rate: float = 0.2,
             progress: bool = True,
             write_report: bool = True) -> RehearsalResult:
    """Run the four phases on a copy of input_path and write the report into out_dir."""
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
    if "full-disk" in faults and not cap_map_size(new_store):
        faults.remove("full-disk")
    flaky = None
    if "failing-second-write" in faults:
        flaky = new_store = FlakyStore(new_store, rate=fault_rate, seed=seed)
    mm = MigratingMemory(edn_store, new_store, "edn-only", repair_log=work / "repair-log.json")
    ledger = Ledger(mm, edn_store.as_dict())
    res = RehearsalResult(str(src), input_sha, target, mapping, faults, len(edn_store))
    t0 = time.perf_counter()
    wall0 = time.time()
    player = TracePlayer(ledger, simple_trace(list(edn_store.keys()), 10**9, seed), t0,
                         app_trace=app_trace, seed=seed)

    def event(kind: str, text: str) -> None:
        res.events.append((time.perf_counter() - t0, kind, text))

    def check(phase: PhaseResult, against_ledger: bool = False) -> None:
        mm.flush()
        if against_ledger:
            rep = validate(ledger.expected, new_store)
        else:
            rep = validate(edn_store, new_store)
        phase.validation = rep.to_dict(limit=0)
        for d in rep.discrepancies:
            row = asdict(d)
            row["phase"] = phase.name
            res.discrepancies.append(row)
        event("validate", f"{phase.name}: consistency {rep.consistency:.2f}%, "
                          f"{len(rep.discrepancies)} discrepancies ({rep.seconds:.2f} s)")

    def begin(name: str, mode: str) -> PhaseResult:
        if mm.mode != mode:
            mm.set_mode(mode)
        event("phase", f"{name} ({mode})")
        p = PhaseResult(name, mode, time.perf_counter() - t0)
        res.phases.append(p)
        return p

    def end(p: PhaseResult) -> None:
        p.end = time.perf_counter() - t0
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
            ledger.save_value(edn.Keyword("rehearsal", f"durable-{i}"), i)
            edn_store.flush()
            durable.append((time.perf_counter() - t) * 1000)
        res.context["edn_durable_save_ms"] = statistics.median(durable)
        end(p)
        # 2 dual-write + background copy
        p = begin(*PHASES[2])
        if flaky is not None:
            flaky.active = True
            event("fault", f"second-write outages start on {fault_rate:.0%} of writes")
        migrator = Migrator(edn_store, new_store, memory=mm, batch_size=batch_size, rate=rate,
                            progress=progress)
        if "crash-during-copy" in faults:
            half = max(1, min(batch_size, len(edn_store) // 3))
            migrator.on_batch = lambda i, n: migrator.stop() if i >= half else None
        migrator.start()
        p.ops = player.play(p.name, until=lambda: not migrator._thread.is_alive(), min_ops=n_ops)
        r = migrator.join()
        event("copy", f"copied {r.copied}, skipped {r.skipped_live} newer live writes, "
                      f"{r.batches} batches, {r.seconds:.2f} s" + (f", error {r.error}" if r.error else ""))
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
            m2 = Migrator(edn_store, new_store, memory=mm, batch_size=batch_size, rate=rate,
                          progress=progress)
            m2.start()
            p.ops += player.play(p.name, until=lambda m=m2: not m._thread.is_alive())
            r = m2.join()
            event("copy", f"resumed at {r.resumed_from}: copied {r.copied}, done={r.done}"
                          + (f", error {r.error}" if r.error else ""))
        if flaky is not None:
            flaky.active = False
            event("fault", f"second-write failures injected: {flaky.failures}")
        if len(mm.repair_log):
            n = len(mm.repair_log)
            fixed = mm.repair()
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
            res.rollback = _run_rollback(rollback, ledger, new_store, safe_point, work, player,
                                         target, mapping, copy, n_ops)
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
                exp = export_edn(new_store, work / "export" / "memory.edn", verify=False)
                back = validate(ledger.expected, edn.load(exp.path))
                event("export", f"exported {exp.entries} entries; read back vs app state: "
                                f"{back.consistency:.2f}% consistent")
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
    res.metrics = _metrics(res, completion)
    saves = [p.latency["save_value"]["median_ms"] for p in res.phases[2:]
             if "save_value" in p.latency]
    if saves and res.context.get("edn_durable_save_ms"):
        res.context["new_store_save_ms_worst_phase"] = max(saves)
        res.context["ratio_vs_durable_edn_save"] = max(saves) / res.context["edn_durable_save_ms"]
    res.seconds = time.perf_counter() - t_start
    res._samples = player.samples  # type: ignore[attr-defined]
    if write_report:
        write_rehearsal_report(res, out)
    return res


def _run_rollback(name: str, ledger: Ledger, new_store: Store, safe_point: Any, work: Path,
                  player: TracePlayer, target: str, mapping: str, copy: Path, n_ops: int) -> dict:
    from workbench.backup import restore_lmdb
    from workbench.migrate import rollback_corruption, rollback_instability, rollback_performance

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
        r = rollback_corruption(ledger, backup=bpath, backup_generation=gen, reopen=reopen,
                                during=during, resume_mode="dual-write")
    elif name == "instability":
        r = rollback_instability(ledger, during=during, edn_path=copy)
    else:
        raise ValueError(f"unknown rollback {name!r}")
    return r.summary()


def _ratio(res: RehearsalResult, op: str, phases: tuple[str, ...]) -> tuple[float | None, str]:
    base = res.phases[0].latency.get(op)
    worst, where = None, ""
    for p in res.phases:
        if p.name in phases and op in p.latency and base:
            ratio = p.latency[op]["median_ms"] / max(base["median_ms"], 1e-9)
            if worst is None or ratio > worst:
                worst, where = ratio, p.name
    return worst, where


def _metrics(res: RehearsalResult, completion: float) -> list[dict[str, Any]]:
    consist = [p.validation["consistency"] for p in res.phases if p.validation]
    min_c = min(consist) if consist else 0.0
    read, read_at = _ratio(res, "get_value", ("3-read-cutover", "4-write-cutover"))
    write, write_at = _ratio(res, "save_value", ("2-dual-write", "3-read-cutover", "4-write-cutover"))
    rows = [
        {"metric": "data consistency", "target": "100%", "measured": f"{min_c:.2f}% (lowest phase)",
         "value": min_c, "pass": min_c >= 100.0},
        {"metric": "read latency", "target": "<= x1.10 EDN (+10%)",
         "measured": "n/a" if read is None else f"x{read:.1f} EDN median get ({read_at})",
         "value": read, "pass": read is not None and read <= READ_LIMIT},
        {"metric": "write latency", "target": "<= x1.20 EDN (+20%)",
         "measured": "n/a" if write is None else f"x{write:.1f} EDN median save ({write_at})",
         "value": write, "pass": write is not None and write <= WRITE_LIMIT},
        {"metric": "completion", "target": "100%", "measured": f"{completion:.2f}%",
         "value": completion, "pass": completion >= 100.0},
    ]
    if res.rollback:
        rows.append({"metric": f"rollback ({res.rollback['scenario']})", "target": "nothing lost",
                     "measured": "; ".join(f"{k} {v['consistency']:.2f}%"
                                           for k, v in res.rollback["checks"].items()),
                     "value": res.rollback["ok"], "pass": res.rollback["ok"]})
    return rows


# ------------------------------------------------------------------------------- report
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
        ax.text(p.start, 0.02 + 0.05 * (i % 2), f" {p.name}", transform=ax.get_xaxis_transform(),
                fontsize=7, va="bottom")
    for t, kind, _text in res.events:
        if kind in ("fault", "repair", "rollback", "copy", "diverged"):
            ax.axvline(t, color="red" if kind in ("fault", "diverged") else "gray", lw=0.6, ls="--")
    ax.set_yscale("log")
    ax.plot([], [], color="red", lw=0.6, ls="--", label="fault / divergence")
    ax.plot([], [], color="gray", lw=0.6, ls="--", label="copy / repair / rollback")
    titled(ax, f"Rehearsal timeline: {res.target}/{res.mapping} ({res.entries} entries)",
           "time since start (s)", "operation latency (ms, log)")
    if ops:
        ax.legend(loc="upper right", fontsize=7, markerscale=3, ncol=2)
    fig.tight_layout()
    return fig


def _md_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines)


def report_markdown(res: RehearsalResult, png_name: str | None = None) -> str:
    """The rehearsal report as Markdown."""
    out = [f"# Migration rehearsal: {res.target} / mapping `{res.mapping}`", "",
           f"Input `{res.input}` (sha256 {res.input_sha256[:16]}..., untouched), {res.entries} entries; "
           f"faults: {', '.join(res.faults) or 'none'}; {res.seconds:.1f} s.", "",
           f"**Verdict: {'PASS' if res.passed else 'FAIL'}**", "", "## Success metrics", "",
           _md_table([{**m, "pass": "pass" if m["pass"] else "FAIL"} for m in res.metrics],
                     ["metric", "target", "measured", "pass"]), ""]
    out += ["Latency ratios compare medians with the EDN-only baseline of the same run. The app's "
            "EDN save only assoc's into an in-memory map (the file is rewritten ~100 ms later, "
            "not durable), so a durable per-write commit in the new store cannot be within +20% "
            "of it; the figures show by how much it is not.", ""]
    if res.context.get("edn_durable_save_ms"):
        c = res.context
        out += [f"For context: a *durable* EDN save (the whole-file rewrite) took "
                f"{c['edn_durable_save_ms']:.1f} ms; the slowest phase's median save "
                f"took {c.get('new_store_save_ms_worst_phase', 0):.2f} ms "
                f"(x{c.get('ratio_vs_durable_edn_save', 0):.3f} of the durable EDN save).", ""]
    if png_name:
        out += [f"![timeline]({png_name})", ""]
    out += ["## Phases", ""]
    rows = []
    for p in res.phases:
        v = p.validation or {}
        rows.append({"phase": p.name, "mode": p.mode, "seconds": f"{p.end - p.start:.2f}",
                     "ops": p.ops,
                     "get ms (median)": f"{p.latency.get('get_value', {}).get('median_ms', 0):.4f}",
                     "save ms (median)": f"{p.latency.get('save_value', {}).get('median_ms', 0):.4f}",
                     "consistency": f"{v['consistency']:.2f}%" if v else "",
                     "discrepancies": v.get("discrepancies_total", "") if v else ""})
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
        out.append(_md_table([{"phase": a, "kind": b, "data type": c, "category": r, "count": n}
                              for (a, b, c, r), n in sorted(summary.items())],
                             ["phase", "kind", "data type", "category", "count"]))
        out += ["", "Every discrepancy (key, phase, kind, path, reason):", ""]
        out += [f"- `{d['key']}` {d['phase']} {d['kind']} at {d['path'] or '-'}: {d['reason']}"
                for d in res.discrepancies]
    else:
        out.append("None: every entry identical (edn.identical) after every phase.")
    if res.errors:
        out += ["", "## Errors seen by the app", ""] + [f"- {e}" for e in res.errors[:200]]
    return "\n".join(out) + "\n"


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


def rehearse_all(input_path: str | Path, out_dir: str | Path, *, target: str = "lmdb",
                 mappings: Iterable[str] = MAPPINGS, **kw: Any) -> dict[str, RehearsalResult]:
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
    md += [f"- {m}: [{Path(r.files.get('md', '')).name}]({Path(r.files.get('md', '')).name})"
           for m, r in results.items()]
    atomic_write_text(out / "rehearsal.md", "\n".join(md) + "\n")
    atomic_write_text(out / "rehearsal.json",
                      json.dumps({m: r.to_dict() for m, r in results.items()}, indent=1, default=str))
    return results


def verdicts(results: dict[str, RehearsalResult]) -> dict[str, dict[str, Any]]:
    """mapping -> {metric: pass, ..., "verdict": ...} for findings."""
    return {m: {"verdict": "pass" if r.passed else "fail",
                **{x["metric"]: {"pass": bool(x["pass"]), "measured": x["measured"]} for x in r.metrics},
                "discrepancies": len(r.discrepancies)}
            for m, r in results.items()}


__all__ = ["FAULTS", "MAPPINGS", "PHASES", "RehearsalResult", "TARGETS", "open_target", "rehearse",
           "rehearse_all", "simple_trace", "verdicts", "write_rehearsal_report", "ABSENT"]
