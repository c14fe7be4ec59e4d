"""Backup strategy: Datalevin's native copy and datom dump against py-lmdb's copy and the EDN export.

For each method (`_backup_methods.METHODS`), on one memory:

1. back up while the app writes: the workbench's mixed trace (hot-key reads, session saves,
   learning creation, as fast as it can) runs against the source; the backup's time and the app
   operations done meanwhile are recorded; that backup is restored and checked *consistent*:
   every entry is the file's value or a value the trace wrote, no entry missing;
2. with the app idle (the trace's saves undone), back up again, restore it over the first restore
   and compare every entry with the file (*identical*); ask the session JVM whether the app can read
   it (clojure.edn/read-string for EDN, Datalevin open-kv for a folder);
3. kill a child process doing that restore at each of its steps (half-way through a file copy or
   through Datalevin's load of a dump, right after the load, each rename or swap) and check the
   destination is the old state or the new, never anything else.

The Datalevin methods run inside the JVM (bench/jvm/backup.clj): the source database, the trace
writing to it, the copy / dump / load, and the entry-by-entry check of a restored database; Python
passes paths and counts. The EDN export writes the source's stored EDN blobs as one map (no value
decoded), and the app's reading of it is checked in the JVM too. The py-lmdb copies and their
trace run in Python. Each row says where, how often it was timed (`default_repeats`: once on a
large memory) and how long each step took (`phase_s`); rows are handed over as each method ends,
under one progress bar whose ETA weighs each step by its measured cost (STEP_COST).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.bench import _backup_jvm as bj
from workbench.bench import _backup_restore as br
from workbench.bench._backup_methods import METHODS, Method, app_reads, read_restored
from workbench.bench._backup_report import (
    TABLE_HEADING,
    backup_recommendation,
    backup_table,
    table_records,
    write_backup_outputs,
)
from workbench.bench.workloads import mixed_trace, session_keys
from workbench.stores.base import Store

__all__ = [
    "BackupRow",
    "METHOD_NAMES",
    "TABLE_HEADING",
    "table_records",
    "generated_memory",
    "compare_backups",
    "backup_table",
    "backup_recommendation",
    "write_backup_outputs",
    "live_differences",
    "kill_restore",
    "default_repeats",
]

METHOD_NAMES = tuple(m.name for m in METHODS)
_log = logging.getLogger(__name__)
_TOUCHED = edn.Keyword("workbench", "touched")


@dataclass
class BackupRow:
    """One method's figures on one memory."""

    data: str
    entries: int
    method: str
    runs_in: str
    repeats: int = 1
    backup_s_writing: float = 0.0  # medians over `repeats` runs, *_min/*_max their spread
    backup_s_writing_min: float = 0.0
    backup_s_writing_max: float = 0.0
    app_ops_during: int = 0
    backup_s_idle: float = 0.0
    backup_s_idle_min: float = 0.0
    backup_s_idle_max: float = 0.0
    bytes: int = 0
    restore_s: float = 0.0
    restore_s_min: float = 0.0
    restore_s_max: float = 0.0
    identical: int = 0
    live_differences: int = 0
    live_failed: int = 0  # backups taken while the app wrote that raised
    live_error: str = ""
    app_reads: str = ""
    kill_points: int = 0
    kill_survived: int = 0
    kill_note: str = ""
    skipped: int = 0  # entries the source could not hold (Datalevin refused them)
    errors: list[str] = field(default_factory=list)
    phase_s: dict[str, float] = field(default_factory=dict)  # wall seconds of each step (PHASES)

    @property
    def faithful(self) -> bool:
        """Restored identical, a live backup consistent, no error."""
        return (
            self.identical == self.entries
            and self.live_differences == 0
            and not self.live_failed
            and not self.errors
        )

    @property
    def kill_safe(self) -> bool | None:
        """Every kill left the old or the new state (None: not tested)."""
        return None if not self.kill_points else self.kill_survived == self.kill_points


# --------------------------------------------------------------------------- the app writing


class _CountingStore:
    """The store as mixed_trace sees it, recording when each app operation ended."""

    def __init__(self, store: Store, stamps: list[float]):
        self.store, self.stamps = store, stamps

    def get(self, key: Any, default: Any = None) -> Any:
        out = self.store.get(key, default)
        self.stamps.append(time.perf_counter())
        return out

    def put(self, key: Any, value: Any) -> None:
        self.store.put(key, value)
        self.stamps.append(time.perf_counter())

    def delete(self, key: Any) -> bool:
        out = self.store.delete(key)
        self.stamps.append(time.perf_counter())
        return out

    def flush(self) -> None:
        self.store.flush()


class AppWriting:
    """mixed_trace in a thread, in chunks of `chunk` ops (each cleans up its new keys) until
    stopped; over the trace's sample of the data (`_backup_jvm.trace_sample`), as the JVM's."""

    def __init__(self, store: Store, data: dict, chunk: int = 20):
        self.stamps: list[float] = []
        self.errors: list[str] = []
        self._store = _CountingStore(store, self.stamps)
        self._data, self._chunk = bj.trace_sample(data), chunk
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        seed = 0
        if not self._data:
            return  # an empty memory: the app has nothing to read or save
        while not self._stop.is_set():
            try:
                mixed_trace(self._store, self._data, n_ops=self._chunk, seed=seed)
            except Exception as exc:  # noqa: BLE001 - an app-visible error is a finding
                self.errors.append(f"{type(exc).__name__}: {exc}")
                return
            seed += 1

    def __enter__(self) -> AppWriting:
        self._thread.start()
        deadline = time.perf_counter() + 30
        while (
            len(self.stamps) < 2 * self._chunk
            and self._thread.is_alive()  # a trace that ended (nothing to replay, an error) stays so
            and time.perf_counter() < deadline
        ):
            time.sleep(0.01)  # warm: the app has saved sessions before the backup starts
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def live_differences(back: Mapping, data: Mapping) -> int:
    """Entries of a backup taken while the trace wrote that are neither the file's value nor a
    value the trace wrote (a touched session, a `trace-*` learning record), plus missing entries."""
    bad = 0
    for k, v in data.items():
        if k not in back:
            bad += 1
            continue
        b = back[k]
        if edn.identical(b, v):
            continue
        if isinstance(b, Mapping) and _TOUCHED in b:
            if edn.identical({x: y for x, y in b.items() if x != _TOUCHED}, v):
                continue
        bad += 1
    for k in back:
        if k not in data and not (isinstance(k, edn.Keyword) and str(k.name).startswith("trace-")):
            bad += 1
    return bad


# ------------------------------------------------------------------------------ kill test


def _copy_state(src: Path, dest: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*br.LOCK_FILES))
    else:
        shutil.copyfile(src, dest)


def _await_line(child: subprocess.Popen, timeout: float) -> str:
    """The child's first PAUSED or DONE line (other output skipped), "" on EOF or timeout."""
    import queue

    got: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(("PAUSED", "DONE")):
                got.put(line.strip())
                return
        got.put("")

    threading.Thread(target=read, daemon=True).start()
    try:
        return got.get(timeout=timeout)
    except queue.Empty:
        return ""


#: the steps of the load of a dump the kill test stops at (see _backup_kill): half-way through
#: the load, after it, after the swap
LOAD_STEPS = 3
#: JVM options of a kill-test child that loads a dump: it lives for one restore, so the serial
#: collector, and for a short load the JIT's first tier only (Clojure and Datalevin start several
#: times faster); a load of LONG_LOAD_S or more (a large memory) gets the optimising tier too
CHILD_JVM_ARGS = "-XX:+UseSerialGC"
SHORT_LOAD_JVM_ARGS = "-XX:TieredStopAtLevel=1"
LONG_LOAD_S = 5.0


def _spawn(restore: str, backup: Path, dest: Path, at: int, half_s: float) -> subprocess.Popen:
    spec = {"restore": restore, "backup": str(backup), "dest": str(dest), "at": at}
    env = dict(os.environ)
    if restore.startswith("load"):
        spec["half_s"] = half_s
        extra = CHILD_JVM_ARGS + ("" if 2 * half_s >= LONG_LOAD_S else " " + SHORT_LOAD_JVM_ARGS)
        env["DATALEVIN_JVM_ARGS"] = (env.get("DATALEVIN_JVM_ARGS", "") + " " + extra).strip()
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.bench._backup_kill", json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill_restore(
    restore: str,
    backup: Path,
    old: Path,
    new_state: Any,
    work: Path,
    max_points: int = 12,
    state: Callable[[Path], Any] = br.fingerprint,
    half_s: float = 0.0,
    timeout: float = 900.0,
    parallel: bool | None = None,
) -> tuple[int, int, str]:
    """Kill a child restoring `backup` over a copy of `old` at each of its steps; return (kill
    points, points that left the old or the new state, what went wrong where). `state` reads a
    destination's state (default: the sha256 of each file); `half_s`: where the load of a dump
    is killed half-way (half the load's measured seconds). parallel (default: for a load, whose
    children each start a JVM and load the whole dump): run the children for steps 1..max_points
    at once, and no child past them (sequentially, the child past the last step says DONE)."""
    old_state = state(old)
    if old_state == new_state:
        return 0, 0, "not tested: the old and the new state are the same"
    if parallel is None:
        parallel = restore.startswith("load")
    points = survived = 0
    notes: list[str] = []
    steps = list(range(1, max_points + 1))
    children: dict[int, tuple[subprocess.Popen, Path]] = {}

    def start(at: int) -> None:
        dest = work / f"kill-{at}"
        _copy_state(old, dest)
        children[at] = (_spawn(restore, backup, dest, at, half_s), dest)

    try:
        if parallel:
            for at in steps:
                start(at)
        for at in steps:
            if at not in children:
                start(at)
            child, dest = children[at]
            line = _await_line(child, timeout)
            child.kill()
            _out, err = child.communicate()
            if not line.startswith("PAUSED"):
                if not line.startswith("DONE"):
                    notes.append(f"child failed: {(err or line).strip().splitlines()[-1:]}")
                break
            points += 1
            got = state(dest)
            if got in (old_state, new_state):
                survived += 1
            else:
                what = (
                    "missing"
                    if got is None
                    else "not a database"
                    if got == "unopenable"
                    else "neither old nor new"
                )
                notes.append(f"killed after {line.split(' ', 2)[2]}: destination {what}")
    finally:
        for child, _dest in children.values():
            if child.poll() is None:
                child.kill()
                child.communicate()
    return points, survived, "; ".join(notes)


# ------------------------------------------------------------------------------ comparison


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(
        f.stat().st_size for f in path.iterdir() if f.is_file() and f.name not in br.LOCK_FILES
    )


def _identical(back: Mapping, data: Mapping) -> int:
    if len(back) != len(data):
        extra = len([k for k in back if k not in data])
    else:
        extra = 0
    same = sum(1 for k, v in data.items() if k in back and edn.identical(back[k], v))
    return same - extra


def _timed(fn: Callable[[int], Any], repeats: int) -> tuple[float, float, float]:
    """(median, min, max) seconds of fn(i) for i in range(repeats)."""
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


#: the steps of one method's run, as the progress bar names them and BackupRow.phase_s keys them
PHASES = (
    "backup while the app writes",
    "restore and check the live backup",
    "backup, app idle",
    "restore",
    "compare with the file",
    "app reads it",
    "kill test",
)
#: steps timed `repeats` times
REPEATED = frozenset({"backup while the app writes", "backup, app idle", "restore"})


def _run_method(
    m: Method,
    source: Any,
    data: dict,
    mapping: Any,
    label: str,
    work: Path,
    kill: bool,
    repeats: int = 1,
    progress: _Progress | None = None,
) -> BackupRow:
    row = BackupRow(label, len(data), m.name, m.runs_in, repeats=repeats)
    row.skipped = len(source.skipped) if m.jvm_source else 0
    suffix = ".edn" if m.kill_restore == "file" else ".nippy" if m.kill_restore == "load" else ""
    bar = progress or _Progress(None, [], 0, 1, disable=True)

    def step(name: str) -> Any:
        return bar.step(m, name, row.phase_s)

    def artifact(kind: str, i: int) -> Path:
        return work / f"{kind}-{i}{suffix}"

    dest = work / ("dest.edn" if m.kill_restore == "file" else "dest")
    old = work / ("old.edn" if m.kill_restore == "file" else "old")
    made: list[Path] = []
    live: list[tuple[float, int]] = []

    def backup(i: int, kind: str, counter: Callable[[], int], ops: Any = None) -> None:
        t0, n0 = time.perf_counter(), counter()
        path, seconds, n = m.backup(source, artifact(kind, i), ops)
        wall, done = time.perf_counter() - t0, counter() - n0
        made.append(path)
        live.append((wall if seconds is None else seconds, done if n is None else n))

    def live_backup(i: int) -> None:
        try:
            backup(i, "live", counter, ops)
        except Exception as exc:  # noqa: BLE001 - a backup the app's writes break is a finding
            row.live_failed += 1
            row.live_error = row.live_error or _error(exc)

    with step("backup while the app writes"):
        if m.jvm_source:  # the trace in the JVM, on the JVM's source
            with source.writing() as ops:
                counter = ops.get
                _timed(live_backup, repeats)
            row.errors += [f"app: {e}" for e in source.trace_errors]
        else:
            with AppWriting(source, data) as app:
                ops, counter = None, lambda: len(app.stamps)
                _timed(live_backup, repeats)
            row.errors += [f"app: {e}" for e in app.errors]
            source.put_many({k: data[k] for k in session_keys(app._data)})  # undo the saves
            source.flush()
    if live:
        times = [t for t, _n in live]
        row.backup_s_writing = statistics.median(times)
        row.backup_s_writing_min, row.backup_s_writing_max = min(times), max(times)
        row.app_ops_during = int(statistics.median(n for _t, n in live))
    with step("restore and check the live backup"):
        if made:
            m.restore(made[-1], dest)
            _copy_state(dest, old)  # the "old state" the kill test starts from
            if m.datalog_folder:
                got = source.compare(dest, live=True)
                row.live_differences = got["missing"] + got["differing"] + got["extra_other"]
            else:
                row.live_differences = live_differences(read_restored(m, dest, mapping), data)
        _drop(made[:-1])  # only the last live backup is restored: the rest are disk space
    made.clear()
    live.clear()
    with step("backup, app idle"):
        for i in range(repeats):
            backup(i, "idle", lambda: 0)
        _drop(made[:-1])
    times = [t for t, _n in live]
    row.backup_s_idle = statistics.median(times)
    row.backup_s_idle_min, row.backup_s_idle_max = min(times), max(times)
    idle = made[-1]
    row.bytes = _size(idle)
    with step("restore"):
        spread = _timed(lambda i: m.restore(idle, dest), repeats)
    row.restore_s, row.restore_s_min, row.restore_s_max = spread
    state = bj.content_state if m.kill_restore == "load" else br.fingerprint
    with step("compare with the file"):
        new_state = state(dest)
        if not old.exists():  # no live backup: the kill test starts from an empty old state
            if m.kill_restore == "file":
                old.write_text("{}", encoding="utf-8")
            else:
                old.mkdir()
        if m.datalog_folder:
            got = source.compare(dest, live=False)
            row.identical = got["identical"] - got["extra_trace"] - got["extra_other"]
        else:
            row.identical = _identical(read_restored(m, dest, mapping), data)
    with step("app reads it"):
        row.app_reads = app_reads(m, dest, data, source)
    with step("kill test"):
        if kill:
            _drop([dest])  # the kill test makes its own copies of the old state
            row.kill_points, row.kill_survived, row.kill_note = kill_restore(
                m.kill_restore,
                idle,
                old,
                new_state,
                work,
                max_points=LOAD_STEPS if m.kill_restore == "load" else 12,
                state=state,
                half_s=row.restore_s / 2,
            )
        else:
            row.kill_note = "not tested (kill test off)"
    return row


def _drop(paths: list[Path]) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ progress

#: (fixed seconds, seconds per 1,000 entries) of each step, measured on the development machine
#: (2 cores, shared: load 6 to 12; `phase_s` of a bench-backup run's rows at 1,693 entries, 3
#: repeats, and 100,000, once; the schema and the sources from the log of a 100k run): the progress bar's weights, so
#: that its ETA follows the work left rather than the number of methods. Keys: (method name,
#: a step of PHASES), ("source NAME", "load"), ("schema", "infer").
STEP_COST: dict[tuple[str, str], tuple[float, float]] = {
    ("schema", "infer"): (0.2, 0.28),
    ("source datalevin", "load"): (0.5, 1.64),
    ("source lmdb-kv", "load"): (0.1, 0.034),
    ("source lmdb-entity", "load"): (0.1, 0.39),
    ("Datalevin copy", "backup while the app writes"): (0.64, 0.000),
    ("Datalevin copy", "restore and check the live backup"): (0.62, 0.029),
    ("Datalevin copy", "backup, app idle"): (0.01, 0.002),
    ("Datalevin copy", "restore"): (0.01, 0.012),
    ("Datalevin copy", "compare with the file"): (0.12, 0.028),
    ("Datalevin copy", "app reads it"): (0.03, 0.000),
    ("Datalevin copy", "kill test"): (1.12, 0.029),
    ("Datalevin copy, compacted", "backup while the app writes"): (0.55, 0.034),
    ("Datalevin copy, compacted", "restore and check the live backup"): (0.12, 0.028),
    ("Datalevin copy, compacted", "backup, app idle"): (0.01, 0.003),
    ("Datalevin copy, compacted", "restore"): (0.01, 0.010),
    ("Datalevin copy, compacted", "compare with the file"): (0.17, 0.026),
    ("Datalevin copy, compacted", "app reads it"): (0.01, 0.000),
    ("Datalevin copy, compacted", "kill test"): (1.43, 0.022),
    ("Datalevin datom dump/load", "backup while the app writes"): (0.64, 0.115),
    ("Datalevin datom dump/load", "restore and check the live backup"): (1.29, 0.165),
    ("Datalevin datom dump/load", "backup, app idle"): (0.07, 0.058),
    ("Datalevin datom dump/load", "restore"): (0.43, 0.115),
    ("Datalevin datom dump/load", "compare with the file"): (0.97, 0.116),
    ("Datalevin datom dump/load", "app reads it"): (0.01, 0.017),
    ("Datalevin datom dump/load", "kill test"): (140.95, 0.060),
    ("py-lmdb compacting copy (lmdb-kv)", "backup while the app writes"): (0.07, 0.013),
    ("py-lmdb compacting copy (lmdb-kv)", "restore and check the live backup"): (0.01, 0.398),
    ("py-lmdb compacting copy (lmdb-kv)", "backup, app idle"): (0.02, 0.005),
    ("py-lmdb compacting copy (lmdb-kv)", "restore"): (0.01, 0.007),
    ("py-lmdb compacting copy (lmdb-kv)", "compare with the file"): (0.01, 0.354),
    ("py-lmdb compacting copy (lmdb-kv)", "app reads it"): (0.01, 0.000),
    ("py-lmdb compacting copy (lmdb-kv)", "kill test"): (1.23, 0.002),
    ("py-lmdb compacting copy (lmdb-entity)", "backup while the app writes"): (0.29, 0.018),
    ("py-lmdb compacting copy (lmdb-entity)", "restore and check the live backup"): (0.01, 0.400),
    ("py-lmdb compacting copy (lmdb-entity)", "backup, app idle"): (0.06, 0.011),
    ("py-lmdb compacting copy (lmdb-entity)", "restore"): (0.02, 0.014),
    ("py-lmdb compacting copy (lmdb-entity)", "compare with the file"): (0.01, 0.422),
    ("py-lmdb compacting copy (lmdb-entity)", "app reads it"): (0.01, 0.000),
    ("py-lmdb compacting copy (lmdb-entity)", "kill test"): (1.75, 0.020),
    ("workbench EDN export", "backup while the app writes"): (0.91, 0.060),
    ("workbench EDN export", "restore and check the live backup"): (0.83, 0.072),
    ("workbench EDN export", "backup, app idle"): (0.01, 0.072),
    ("workbench EDN export", "restore"): (0.01, 0.006),
    ("workbench EDN export", "compare with the file"): (0.37, 0.077),
    ("workbench EDN export", "app reads it"): (0.39, 0.117),
    ("workbench EDN export", "kill test"): (1.17, 0.017),
}
_DEFAULT_COST = (0.5, 0.1)


def step_cost(kind: str, step: str, entries: int, repeats: int = 1) -> float:
    """The bar's weight of one step: its estimated seconds on the development machine."""
    fixed, per_k = STEP_COST.get((kind, step), _DEFAULT_COST)
    return (fixed + per_k * entries / 1000) * (repeats if step in REPEATED else 1)


class _Progress:
    """One tqdm bar over a memory's comparison, in estimated seconds of work (STEP_COST):
    each step advances it by its weight, so the ETA (average rate, no smoothing) is the
    weighted work left at the pace measured so far. The postfix names the step running."""

    def __init__(
        self,
        label: str | None,
        methods: list[Method],
        entries: int,
        repeats: int,
        kill: bool = True,
        disable: bool | None = None,
    ) -> None:
        from tqdm.auto import tqdm

        self.entries, self.repeats, self.kill = entries, repeats, kill
        total = sum(self._weight(m, p) for m in methods for p in PHASES)
        total += sum(step_cost(f"source {s}", "load", entries) for s in {m.source for m in methods})
        total += step_cost("schema", "infer", entries)
        self.bar = tqdm(
            total=round(total, 1),
            desc=f"backups of {label}",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}",
            smoothing=0,
            disable=disable is True or label is None,
        )

    def _weight(self, m: Method, step: str) -> float:
        if step == "kill test" and not self.kill:
            return 0.0
        return step_cost(m.name, step, self.entries, self.repeats)

    @contextmanager
    def step(self, m: Method, name: str, record: dict[str, float]) -> Any:
        """A step of method m: named on the bar, timed into record[name], then counted."""
        self.bar.set_postfix_str(f"{m.name}: {name}", refresh=True)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            record[name] = round(time.perf_counter() - t0, 3)
            self.advance(self._weight(m, name))

    def loading(self, source: str) -> Callable[[int], None]:
        """An updater for a source's load: called with each batch's entries done."""
        self.bar.set_postfix_str(f"loading the {source} source", refresh=True)
        weight = step_cost(f"source {source}", "load", self.entries) / max(self.entries, 1)
        return lambda n: self.advance(n * weight)

    def advance(self, n: float) -> None:
        """Count n units of work as done (never past the total)."""
        self.bar.update(min(n, self.bar.total - self.bar.n))

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()


def _sources(
    data: dict, mapping: Any, root: Path, methods: list[Method], progress: _Progress
) -> dict[str, Any]:
    """The sources the chosen methods back up, loaded with data: the JVM's Datalevin database
    and the Python LMDB stores."""
    from workbench.stores.lmdb_entity import LmdbEntityStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    wanted = {m.source for m in methods}
    out: dict[str, Any] = {}
    makers = {
        "datalevin": lambda done: bj.JvmSource(data, mapping, root / "datalevin", progress=done),
        "lmdb-kv": lambda done: _filled(LmdbKvStore(root / "lmdb-kv"), data, done),
        "lmdb-entity": lambda done: _filled(
            LmdbEntityStore(root / "lmdb-entity", mapping=mapping), data, done
        ),
    }
    if "datalevin" in wanted:
        (root / "datalevin").mkdir(parents=True, exist_ok=True)
    for name, make in makers.items():
        if name in wanted:
            t0 = time.perf_counter()
            out[name] = make(progress.loading(name))
            _log.info(
                "source %s: %d entries loaded in %.2f s", name, len(data), time.perf_counter() - t0
            )
    return out


def _filled(store: Store, data: dict, done: Callable[[int], None]) -> Store:
    """store with every entry of data put, a batch at a time (each batch counted by done)."""
    items, batch = list(data.items()), 10 * bj.LOAD_BATCH
    for i in range(0, len(items), batch):
        store.put_many(dict(items[i : i + batch]))
        done(len(items[i : i + batch]))
    store.flush()
    return store


#: from this many entries on a memory is timed once by default (a run of every method takes
#: minutes there; its spread is left unmeasured, and the table's "timed" column says so)
ONE_RUN_FROM = 20_000
DEFAULT_REPEATS = 3


def default_repeats(entries: int) -> int:
    """How many times each backup and restore is timed on a memory of `entries` entries when
    the caller does not say: DEFAULT_REPEATS, once from ONE_RUN_FROM entries on."""
    return 1 if entries >= ONE_RUN_FROM else DEFAULT_REPEATS


def compare_backups(
    memory: Any,
    label: str,
    *,
    methods: tuple[str, ...] | None = None,
    limit: int | None = None,
    repeats: int | None = None,
    kill: bool = True,
    work_dir: str | Path | None = None,
    progress: bool | None = None,
    on_row: Callable[[BackupRow], None] | None = None,
) -> list[BackupRow]:
    """Run every backup method on one memory (its first `limit` entries when given; backups and
    restores timed `repeats` times, default_repeats() when None; see the module docstring); rows
    in METHODS order, each handed to on_row as soon as its method is done."""
    from workbench.analysis.schema import get_mapping

    data = {e.key: e.value for e in memory.entries[:limit]}
    if repeats is None:
        repeats = default_repeats(len(data))
    chosen = [m for m in METHODS if methods is None or m.name in methods]
    bar = _Progress(label, chosen, len(data), repeats, kill, disable=progress is False)
    bar.bar.set_postfix_str("inferring the schema", refresh=True)
    t0 = time.perf_counter()
    mapping = get_mapping("inferred", memory=memory)
    _log.info(
        "schema of %d entries inferred in %.2f s", len(memory.entries), time.perf_counter() - t0
    )
    bar.advance(step_cost("schema", "infer", len(data)))
    root = Path(tempfile.mkdtemp(prefix="wb-backup-", dir=work_dir))
    rows = []
    try:
        sources = _sources(data, mapping, root / "sources", chosen, bar)
        try:
            for m in chosen:
                work = root / f"m{len(rows)}"
                work.mkdir()
                try:
                    row = _run_method(
                        m, sources[m.source], data, mapping, label, work, kill, repeats, bar
                    )
                except Exception as exc:  # noqa: BLE001 - a method that fails is a row saying so
                    row = BackupRow(
                        label, len(data), m.name, m.runs_in, repeats=repeats, errors=[_error(exc)]
                    )
                rows.append(row)
                shutil.rmtree(work, ignore_errors=True)
                if on_row is not None:
                    on_row(row)
        finally:
            for store in sources.values():
                store.close()
    finally:
        bar.close()
        shutil.rmtree(root, ignore_errors=True)
    return rows


def generated_memory(entries: int, seed: int = 0, work_dir: str | Path | None = None) -> Any:
    """A generated memory of `entries` entries, written to a temp file and loaded like a user's."""
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import load_memory

    folder = Path(tempfile.mkdtemp(prefix="wb-backup-gen-", dir=work_dir))
    try:
        path = generate_memory(entries=entries, seed=seed).write(folder / "memory.edn")
        return load_memory(path, progress=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _error(exc: BaseException) -> str:
    from workbench.stores.datalevin import bridge as wdl

    return f"{type(exc).__name__}: {wdl.java_error_text(exc)}"
