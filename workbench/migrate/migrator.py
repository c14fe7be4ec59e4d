"""Background migrator: copies every entry from the EDN store into the new store in batches.

Guarantees: a live write is never overwritten by an older copy (per-key write generations kept
by MigratingMemory, checked under its lock just before each batch is written); a checkpoint
stored in the target, written in the same `put_many` as the batch, lets a killed run resume;
running twice is idempotent; progress via tqdm.auto; optional throttle (entries/s).
Copy order follows the plan's priority: sessions, projects, learning records/indexes, the rest.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from tqdm.auto import tqdm

from workbench import edn
from workbench.memory.classify import SESSION_NAMESPACES
from workbench.migrate.modes import ABSENT, RESERVED_NS, MigratingMemory, is_reserved

CHECKPOINT_KEY = edn.Keyword(RESERVED_NS, "checkpoint")


def priority(key: Any) -> int:
    """Plan's migration priority of a key: 0 sessions, 1 projects, 2 learning, 3 other."""
    if isinstance(key, edn.Keyword):
        ns = key.namespace
        if ns in SESSION_NAMESPACES:
            return 0
        if ns == "projects":
            return 1
        if ns in ("learning", "review") or (
            ns and "/" not in key.name and "-" in key.name and key.name[-1:].isdigit()
        ):
            return 2
    return 3


def sort_key(key: Any) -> tuple[int, str]:
    """Deterministic copy order: (priority, printed key)."""
    return (priority(key), edn.printed(key))


@dataclass
class Checkpoint:
    """Progress record kept inside the target store."""

    last: tuple[int, str] | None = None
    copied: int = 0
    done: bool = False
    runs: int = 0

    def to_text(self) -> str:
        """JSON text (a plain string survives every codec, even the plan's JSON)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_value(cls, value: Any) -> Checkpoint:
        """Parse a stored checkpoint value."""
        data = json.loads(value)
        last = tuple(data["last"]) if data.get("last") else None
        return cls(last, data.get("copied", 0), data.get("done", False), data.get("runs", 0))


def read_checkpoint(target: Any) -> Checkpoint | None:
    """The checkpoint stored in the target, or None."""
    value = target.get(CHECKPOINT_KEY, ABSENT)
    if value is ABSENT or not isinstance(value, str):
        return None
    return Checkpoint.from_value(value)


def clear_checkpoint(target: Any) -> None:
    """Forget the checkpoint (the next run copies everything again)."""
    target.delete(CHECKPOINT_KEY)


@dataclass
class MigrationResult:
    """What one run did."""

    total: int
    copied: int
    skipped_live: int
    resumed_from: int
    batches: int
    seconds: float
    done: bool
    error: str | None = None
    pruned: int = 0


class Migrator:
    """Copy source -> target in batches, resumable, safe against concurrent live writes."""

    def __init__(
        self,
        source: Any,
        target: Any,
        *,
        memory: MigratingMemory | None = None,
        batch_size: int = 500,
        rate: float | None = None,
        pause: float = 0.0,
        progress: bool = True,
        prune: bool = False,
        on_batch: Callable[[int, int], None] | None = None,
    ):
        self.source, self.target, self.memory = source, target, memory
        self.batch_size = batch_size
        self.rate = rate  # entries per second, None = unthrottled
        self.pause = pause  # extra sleep after every batch
        self.progress = progress
        self.on_batch = on_batch
        self.prune = prune  # delete target keys the source no longer has (after a restore)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.result: MigrationResult | None = None

    def stop(self) -> None:
        """Ask a running copy to stop after its current batch (checkpoint kept)."""
        self._stop.set()

    def start(self, *, restart: bool = False) -> threading.Thread:
        """Run in a background thread; `join()` then read `.result`."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run_catching, kwargs={"restart": restart}, name="migrator", daemon=True
        )
        self._thread.start()
        return self._thread

    @property
    def running(self) -> bool:
        """True while a background run started with start() is still copying."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> MigrationResult | None:
        """Wait for the background run."""
        if self._thread:
            self._thread.join(timeout)
        return self.result

    def _run_catching(self, restart: bool) -> None:
        try:
            for store in (self.source, self.target):
                attach = getattr(store, "attach_thread", None)  # e.g. a JVM-backed store
                if callable(attach):
                    attach()
            self.run(restart=restart)
        except Exception as exc:  # noqa: BLE001 - reported in result, the app keeps serving
            r = self.result
            self.result = MigrationResult(
                r.total if r else 0,
                r.copied if r else 0,
                r.skipped_live if r else 0,
                r.resumed_from if r else 0,
                r.batches if r else 0,
                r.seconds if r else 0.0,
                False,
                f"{type(exc).__name__}: {exc}",
            )

    def run(self, *, restart: bool = False) -> MigrationResult:
        """Copy everything not yet copied (from the checkpoint unless restart); returns a result."""
        t0 = time.perf_counter()
        cp = None if restart else read_checkpoint(self.target)
        if cp is None:
            cp = Checkpoint()
        cp.runs += 1
        cp.done = False
        ordered = sorted(
            ((sort_key(k), k) for k in self.source.keys() if not is_reserved(k)), key=_first
        )
        sort_keys = [sk for sk, _ in ordered]
        start = bisect.bisect_right(sort_keys, cp.last) if cp.last is not None else 0
        total = len(ordered)
        self.result = MigrationResult(total, 0, 0, start, 0, 0.0, False)
        bar = tqdm(
            total=total,
            initial=start,
            desc="migrate",
            unit="entry",
            disable=not self.progress,
            leave=False,
        )
        try:
            i = start
            while i < total:
                if self._stop.is_set():
                    break
                tb = time.perf_counter()
                chunk = ordered[i : i + self.batch_size]
                gen = self.memory.generation if self.memory else 0
                items = []
                for _, k in chunk:
                    v = self.source.get(k, ABSENT)
                    if v is not ABSENT:
                        items.append((k, v))
                cp.last = chunk[-1][0]
                copied, skipped = self._write_batch(items, gen, cp)
                self.result.copied += copied
                self.result.skipped_live += skipped
                self.result.batches += 1
                i += len(chunk)
                bar.update(len(chunk))
                if self.on_batch:
                    self.on_batch(i, total)
                self._throttle(len(chunk), time.perf_counter() - tb)
            if i >= total:
                if self.prune:
                    self.result.pruned = self._prune()
                cp.done = True
                self.target.put_many([(CHECKPOINT_KEY, cp.to_text())])
                self.target.flush()
        finally:
            bar.close()
        self.result.done = cp.done
        self.result.seconds = time.perf_counter() - t0
        return self.result

    def _write_batch(
        self, items: list[tuple[Any, Any]], gen: int, cp: Checkpoint
    ) -> tuple[int, int]:
        if self.memory is None:
            cp.copied += len(items)
            self.target.put_many(items + [(CHECKPOINT_KEY, cp.to_text())])
            return len(items), 0
        with self.memory.lock:  # no live write can slip between the check and the write
            fresh = [(k, v) for k, v in items if not self.memory.written_since(k, gen)]
            cp.copied += len(fresh)
            self.target.put_many(fresh + [(CHECKPOINT_KEY, cp.to_text())])
        return len(fresh), len(items) - len(fresh)

    def _prune(self) -> int:
        gen = self.memory.generation if self.memory else 0
        stale = [
            k
            for k in list(self.target.keys())
            if not is_reserved(k) and self.source.get(k, ABSENT) is ABSENT
        ]
        if not stale:
            return 0
        lock = self.memory.lock if self.memory else threading.RLock()
        with lock:
            gone = [k for k in stale if not (self.memory and self.memory.written_since(k, gen))]
            for k in gone:
                self.target.delete(k)
        return len(gone)

    def _throttle(self, n: int, elapsed: float) -> None:
        delay = self.pause
        if self.rate:
            delay += max(0.0, n / self.rate - elapsed)
        if delay > 0:
            self._stop.wait(delay)


def migrate(source: Any, target: Any, **kw: Any) -> MigrationResult:
    """Run one foreground copy (see Migrator)."""
    restart = kw.pop("restart", False)
    return Migrator(source, target, **kw).run(restart=restart)


def reconcile(source: Any, target: Any, *, memory: MigratingMemory | None = None) -> dict[str, int]:
    """Make target equal to source entry by entry; returns {"copied": n, "deleted": n}.

    The recovery step after an unclean stop in a dual-write mode: a process killed between the two
    halves of a dual write leaves that key different in the second store, and only a comparison
    finds it (the repair log records failed writes, not interrupted ones). Run with `source` =
    the store the mode writes first (EDN in dual-write, the new store in datalevin-first).
    """
    lock = memory.lock if memory is not None else threading.RLock()
    with lock:
        src = {k: v for k, v in source.items() if not is_reserved(k)}
        puts = []
        for k, v in src.items():
            current = target.get(k, ABSENT)
            if current is ABSENT or not edn.identical(current, v):
                puts.append((k, v))
        stale = [k for k in target.keys() if not is_reserved(k) and k not in src]
        if puts:
            target.put_many(puts)
        for k in stale:
            target.delete(k)
        target.flush()
    return {"copied": len(puts), "deleted": len(stale)}


def key_order(keys: Any) -> list[Any]:
    """Keys in the migrator's copy order."""
    return [
        k for _, k in sorted(((sort_key(k), k) for k in keys if not is_reserved(k)), key=_first)
    ]


def _first(pair: tuple) -> Any:
    return pair[0]


__all__ = [
    "CHECKPOINT_KEY",
    "Checkpoint",
    "MigrationResult",
    "Migrator",
    "clear_checkpoint",
    "key_order",
    "migrate",
    "priority",
    "read_checkpoint",
    "reconcile",
    "sort_key",
    "edn",
]
