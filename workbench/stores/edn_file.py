"""The app's store: one EDN map in memory, the whole file rewritten after a debounce on change.

Reproduces Ouroboros' memory: ``(reset! memory (read-string (slurp f)))`` at start, every change
schedules one ``(spit f (pr-str @memory))`` about 100 ms later. A change arms the timer when none
is pending; changes made before it fires are written by the same rewrite. ``debounce=0`` writes
synchronously in the caller. ``flush()`` writes any pending change now and waits for it.

``write_mode="app"`` overwrites the file in place (``open(path, "w")``, as ``spit`` does: a crash
mid-write leaves a truncated file); ``"safe"`` writes a temp file, fsyncs and renames it
(``workbench.io.atomic_write_bytes``). A process killed mid-write leaves that temp file behind:
opening in safe mode removes its own stale ones (``.<name>.XXXXXXXX.tmp`` beside the file, not
touched for ``stale_temp_age`` seconds, so a live writer's file is left alone); nothing else.

Values are treated as immutable once stored (the writer prints a shallow snapshot of the map).
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.io import atomic_write_bytes
from workbench.memory.queries import print_like_app
from workbench.stores.base import MISSING, Store, StoreError

__all__ = ["EdnFileStore", "read_edn_map", "remove_stale_temps"]

WRITE_MODES = ("app", "safe")


def remove_stale_temps(path: Path, older_than: float = 30.0) -> list[Path]:
    """Delete the atomic writer's leftover temp files of `path` (its name pattern only).

    workbench.io.atomic_write_bytes writes `.<name>.<8 random chars>.tmp` beside the target; a
    kill between write and rename leaves it. Only files of exactly that pattern, not modified for
    `older_than` seconds, are removed; returns them.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    now = time.time()
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        if pattern.fullmatch(name) is None:
            continue
        p = path.parent / name
        try:
            st = p.lstat()
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < older_than:
                continue
            p.unlink()
        except OSError:
            continue
        removed.append(p)
    return removed


def read_edn_map(path: Path) -> tuple[dict, list]:
    """Read the whole file as one map (edn.loads); salvage with workbench.memory.model if that fails."""
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return {}, []
    try:
        value = edn.loads(text, source=str(path))
    except edn.EdnSyntaxError:
        from workbench.memory.model import load_memory  # recovering reader: keeps the readable rest

        memory = load_memory(path, strict=False)
        return memory.as_dict(), list(memory.diagnostics)
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        raise StoreError(
            f"{path}: line 1, column 1: top-level form is not a map "
            f"({type(value).__name__}): {text[:60]!r}"
        )
    return value, []


class EdnFileStore(Store):
    """The whole map in memory; one debounced whole-file rewrite per burst of changes."""

    name = "edn"

    def __init__(
        self,
        path: str | os.PathLike,
        debounce: float = 0.1,
        write_mode: str = "app",
        pr_str: bool = True,
        stale_temp_age: float = 30.0,
    ) -> None:
        """Open (or create) the EDN file at `path` (safe mode: stale temp files removed)."""
        super().__init__()
        if write_mode not in WRITE_MODES:
            raise ValueError(f"write_mode must be one of {WRITE_MODES}, not {write_mode!r}")
        self.path = Path(path)
        self.debounce = float(debounce)
        self.write_mode = write_mode
        self.pr_str = pr_str
        self.name = f"edn-{write_mode}" if write_mode != "app" else "edn"
        self.diagnostics: list = []
        self.removed_temps = (
            remove_stale_temps(self.path, stale_temp_age) if write_mode == "safe" else []
        )
        if self.path.exists():
            self._data, self.diagnostics = read_edn_map(self.path)
        else:
            self._data = {}
        self._lock = threading.RLock()
        self._update_lock = self._lock
        self._cv = threading.Condition(self._lock)
        self._version = 0  # bumped by every change
        self._saved = 0  # version written by the last completed rewrite
        self._due: float | None = None  # monotonic time the pending rewrite is due
        self._force = False
        self._inflight = 0  # version the writer thread is rendering/writing
        self._error: BaseException | None = None
        self._closed = False
        self.writes = 0  # whole-file rewrites done
        self._writer: threading.Thread | None = None

    # ------------------------------------------------------------------------- writing
    def _render(self, snapshot: dict) -> bytes:
        return print_like_app(snapshot, pr_str=self.pr_str).encode("utf-8")

    def _write_file(self, data: bytes) -> None:
        if self.write_mode == "safe":
            atomic_write_bytes(self.path, data)
        else:
            with open(self.path, "wb") as fh:
                fh.write(data)
        self.writes += 1

    def _write_now_locked(self) -> None:
        """Synchronous rewrite (debounce=0 or flush in the caller's thread)."""
        version = self._version
        self._write_file(self._render(dict(self._data)))
        self._saved = version
        self._due = None

    def _changed(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path}: store is closed")
        self._version += 1
        if self.debounce <= 0:
            self._write_now_locked()
            return
        if self._due is None:
            self._due = time.monotonic() + self.debounce
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._writer_loop, daemon=True, name=f"edn-writer-{self.path.name}"
                )
                self._writer.start()
            self._cv.notify_all()

    def _writer_loop(self) -> None:
        while True:
            with self._cv:
                while True:
                    if self._due is not None:
                        wait = 0.0 if self._force else self._due - time.monotonic()
                        if wait <= 0:
                            break
                        self._cv.wait(wait)
                    elif self._closed:
                        return
                    else:
                        self._cv.wait()
                version = self._version
                snapshot = dict(self._data)
                self._inflight = version
                self._due = None
                self._force = False
            try:
                data = self._render(snapshot)
                self._write_file(data)
            except BaseException as exc:  # noqa: BLE001 - reported by flush()
                with self._cv:
                    self._error = exc
                    self._inflight = self._saved  # the change is still unsaved: retry allowed
                    self._cv.notify_all()
                continue
            with self._cv:
                self._saved = max(self._saved, version)
                self._cv.notify_all()

    def flush(self) -> None:
        """Write any pending change now and wait until the file holds it."""
        with self._cv:
            if self._writer is None or self.debounce <= 0:
                if self._saved != self._version:
                    self._write_now_locked()
            else:
                target = self._version
                while self._saved < target and self._error is None:
                    if self._due is None and self._inflight < target:
                        self._due = time.monotonic()
                    self._force = True
                    self._cv.notify_all()
                    self._cv.wait(0.5)
            if self._error is not None:
                err, self._error = self._error, None
                raise StoreError(f"{self.path}: background rewrite failed: {err}") from err

    @property
    def pending(self) -> bool:
        """True while a change is not yet written."""
        return self._saved != self._version

    # ---------------------------------------------------------------------- interface
    def lookup(self, key: Any) -> Any:
        """Stored value or MISSING."""
        return self._data.get(key, MISSING)

    def get(self, key: Any, default: Any = MISSING) -> Any:
        """Value under `key` (the in-memory map lookup the app does)."""
        value = self._data.get(key, MISSING)
        if value is MISSING:
            if default is MISSING:
                raise KeyError(key)
            return default
        return value

    def put(self, key: Any, value: Any) -> None:
        """assoc the key and schedule a rewrite."""
        with self._lock:
            self._data[key] = value
            self._changed()

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Store many pairs with one scheduled rewrite."""
        pairs = list(items.items() if isinstance(items, dict) else items)
        with self._lock:
            for key, value in pairs:
                self._data[key] = value
            if pairs:
                self._changed()
        return len(pairs)

    def delete(self, key: Any) -> bool:
        """dissoc the key; schedules a rewrite when it was present."""
        with self._lock:
            if key not in self._data:
                return False
            del self._data[key]
            self._changed()
            return True

    def update(self, key: Any, fn: Callable[[Any], Any], default: Any = None) -> Any:
        """swap! with update: fn(current or default), one rewrite scheduled."""
        with self._lock:
            current = self._data.get(key, MISSING)
            new = fn(default if current is MISSING else current)
            self._data[key] = new
            self._changed()
            return new

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Snapshot of the in-memory map's entries."""
        with self._lock:
            return iter(list(self._data.items()))

    def keys(self) -> Iterator[Any]:
        """Snapshot of the keys."""
        with self._lock:
            return iter(list(self._data))

    def __contains__(self, key: Any) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Empty the map (clear-memory!) and schedule a rewrite."""
        with self._lock:
            self._data.clear()
            self._changed()

    def as_dict(self) -> dict:
        """A copy of the whole map."""
        with self._lock:
            return dict(self._data)

    def close(self) -> None:
        """Flush, stop the writer thread."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            with self._cv:
                self._closed = True
                self._cv.notify_all()
            if self._writer is not None:
                self._writer.join(timeout=30)

    def file_size(self) -> int:
        """Size of the EDN file in bytes."""
        return self.path.stat().st_size if self.path.exists() else 0
