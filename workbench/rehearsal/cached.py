"""The plan's "add caching" for the rehearsal's functional phases: the app's atom in front of a store.

`CachedStore(inner, "write-through")` answers reads from memory and writes `inner` before a save
returns; `"write-behind"` queues the change and a background thread writes the queue every
`interval` s (0.1: today's debounce) in one batch, the last op per key winning, so the window of
loss is the queue: `max_pending_ms` (the oldest queued write's age when its batch reached the
store) and `max_pending` (the most writes queued at once) measure it. The same two policies as
harness.clj's `cached` (whose JVM replay gives the rehearsal its latency figures); here they only
have to be right: validation reads `persisted()`, the inner store, never the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from workbench.stores.base import MISSING, Store, StoreError

POLICIES = ("write-through", "write-behind")


class CachedStore(Store):
    """The app's in-memory map in front of `inner`, written through or behind (see the module)."""

    def __init__(self, inner: Store, policy: str, interval: float = 0.1) -> None:
        """Load inner's entries into memory; write-behind starts its background writer."""
        super().__init__()
        if policy not in POLICIES:
            raise ValueError(f"unknown cache policy {policy!r}; expected one of {POLICIES}")
        self.inner, self.policy, self.interval = inner, policy, interval
        self.name, self.path = f"cached-{policy}-{inner.name}", inner.path
        self._lock = threading.RLock()  # the map and the queue
        self._drain_lock = threading.Lock()  # one writer of the inner store at a time
        self._cache: dict[Any, Any] = dict(inner.items())
        self._queue: dict[Any, tuple[str, Any]] = {}  # key -> ("put", value) | ("delete", None)
        self._since: float | None = None  # when the oldest queued write was acknowledged
        self.max_pending_ms = 0.0
        self.max_pending = 0
        self.drains = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if policy == "write-behind":
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    # ---- write-behind ---------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._drain()
            except Exception as exc:  # noqa: BLE001 - kept queued; flush() reports it
                self.error = f"{type(exc).__name__}: {exc}"

    def _queue_op(self, key: Any, op: str, value: Any) -> None:
        self._queue[key] = (op, value)
        if self._since is None:
            self._since = time.perf_counter()

    def _drain(self) -> None:
        """Write the queue to the inner store (puts in one batch, then deletes)."""
        with self._drain_lock:
            with self._lock:
                queue, since = self._queue, self._since
                self._queue, self._since = {}, None
            if not queue:
                return
            try:
                puts = [(k, v) for k, (op, v) in queue.items() if op == "put"]
                if puts:
                    self.inner.put_many(puts)
                for k, (op, _v) in queue.items():
                    if op == "delete":
                        self.inner.delete(k)
            except Exception:
                with self._lock:  # back in the queue, behind any newer op on the same key
                    for k, op in queue.items():
                        self._queue.setdefault(k, op)
                    self._since = since if self._since is None else min(since, self._since)
                raise
            self.max_pending_ms = max(self.max_pending_ms, (time.perf_counter() - since) * 1000)
            self.max_pending = max(self.max_pending, len(queue))
            self.drains += 1

    # ---- Store primitives ------------------------------------------------------------------
    def lookup(self, key: Any) -> Any:
        """The value in memory, or MISSING."""
        with self._lock:
            return self._cache.get(key, MISSING)

    def put(self, key: Any, value: Any) -> None:
        """Into memory; through to the store before returning, or queued (write-behind)."""
        if self.policy == "write-through":
            with self._drain_lock:
                self.inner.put(key, value)
            with self._lock:
                self._cache[key] = value
            return
        with self._lock:
            self._cache[key] = value
            self._queue_op(key, "put", value)

    def delete(self, key: Any) -> bool:
        """Remove key from memory and the store (now, or with the next batch)."""
        with self._lock:
            present = key in self._cache
        if self.policy == "write-through":
            with self._drain_lock:
                self.inner.delete(key)
            with self._lock:
                self._cache.pop(key, None)
            return present
        with self._lock:
            self._cache.pop(key, None)
            self._queue_op(key, "delete", None)
        return present

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """A bulk write (the migrator's copy) goes to the store at once, after the queue."""
        pairs = list(items.items() if isinstance(items, dict) else items)
        self._drain()
        with self._drain_lock:
            n = self.inner.put_many(pairs)
        with self._lock:
            self._cache.update(pairs)
        return n

    def items(self) -> Iterator[tuple[Any, Any]]:
        """What the app sees: the map in memory."""
        with self._lock:
            return iter(list(self._cache.items()))

    def keys(self) -> Iterator[Any]:
        """Keys in memory."""
        with self._lock:
            return iter(list(self._cache))

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    def clear(self) -> None:
        """Remove every key (the queue is written first)."""
        self._drain()
        with self._drain_lock:
            self.inner.clear()
        with self._lock:
            self._cache.clear()

    def flush(self) -> None:
        """Write the queue and flush the store; a failed background write is raised here."""
        self._drain()
        self.inner.flush()
        if self.error:
            error, self.error = self.error, None
            raise StoreError(f"{self.name}: a background write failed: {error}")

    def persisted(self) -> Store:
        """The inner store once the queue is written: what a restart would find."""
        self._drain()
        return self.inner

    def window(self) -> dict[str, Any]:
        """The window of loss as configured and as observed."""
        if self.policy == "write-through":
            return {"policy": self.policy, "configured_ms": 0.0}
        return {
            "policy": self.policy,
            "configured_ms": self.interval * 1000,
            "max_pending_ms": round(self.max_pending_ms, 1),
            "max_pending_writes": self.max_pending,
            "batches": self.drains,
        }

    def close(self) -> None:
        """Stop the background writer, write the queue, close the store (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        try:
            self._drain()
        finally:
            self.inner.close()
