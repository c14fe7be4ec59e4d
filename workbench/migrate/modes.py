"""MigratingMemory: the app's memory API over an EDN store and a new store, in four modes.

Which store each operation reads and writes, per mode (``MODE_TABLE`` holds the same as data):

| op | edn-only | dual-write | datalevin-first | datalevin-only |
|---|---|---|---|---|
| get_value | edn | edn | new, else edn when missing | new |
| save_value | edn | edn, then new | new, then edn | new |
| delete_value | edn | edn, then new | new, then edn | new |
| update | edn -> edn | edn -> edn, then new | new/edn -> new, then edn | new -> new |
| clear | edn | edn, then new | new, then edn | new |
| get_all | edn | edn | new + edn keys missing in new | new |
| search | edn | edn | new + edn keys missing in new | new |

"then" marks the second write of a dual write: it is retried, and when it still fails the key is
recorded in the repair log (persisted when a path is given) and reads of that key are served from
the store that holds the acknowledged value until ``repair()`` replays it: the stores never
silently diverge. A stored nil/false is a value: only a *missing* key falls back to EDN.
The plan's phase 2 text says dual-write "reads Datalevin first"; here dual-write reads EDN (the
new store is incomplete while the background copy runs) and ``datalevin-first`` is the phase-3
read cutover, so rollback scenario 1 ("reads back to EDN, dual-write continues") is a mode switch.
Keys in the reserved namespace ``:workbench.migrate/*`` (the migrator's checkpoint) are hidden.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.io import atomic_write_text

MODES = ("edn-only", "dual-write", "datalevin-first", "datalevin-only")
OPERATIONS = ("get_value", "save_value", "delete_value", "update", "clear", "get_all", "search")
RESERVED_NS = "workbench.migrate"
ABSENT = object()

# mode -> operation -> {"reads": [...], "writes": [...]} ; store names are "edn" and "new";
# reads are tried in order (the second only when the key is missing in the first).
MODE_TABLE: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
_READS = {
    "edn-only": ("edn",),
    "dual-write": ("edn",),
    "datalevin-first": ("new", "edn"),
    "datalevin-only": ("new",),
}
_WRITES = {
    "edn-only": ("edn",),
    "dual-write": ("edn", "new"),
    "datalevin-first": ("new", "edn"),
    "datalevin-only": ("new",),
}
for _mode in MODES:
    MODE_TABLE[_mode] = {}
    for _op in OPERATIONS:
        reads = _READS[_mode] if _op in ("get_value", "update", "get_all", "search") else ()
        writes = _WRITES[_mode] if _op in ("save_value", "delete_value", "update", "clear") else ()
        MODE_TABLE[_mode][_op] = {"reads": reads, "writes": writes}


def mode_table_frame():
    """MODE_TABLE as a pandas DataFrame (operations x modes, cells like 'r: new>edn / w: new+edn')."""
    import pandas as pd

    def cell(spec: dict[str, tuple[str, ...]]) -> str:
        parts = []
        if spec["reads"]:
            parts.append("read " + " else ".join(spec["reads"]))
        if spec["writes"]:
            parts.append("write " + " then ".join(spec["writes"]))
        return "; ".join(parts)

    return pd.DataFrame({m: {op: cell(MODE_TABLE[m][op]) for op in OPERATIONS} for m in MODES})


def is_reserved(key: Any) -> bool:
    """True for the migrator's own bookkeeping keys (hidden from the app API and validation)."""
    return isinstance(key, edn.Keyword) and key.namespace == RESERVED_NS


@dataclass
class RepairEntry:
    """One dual write whose second half failed: `source` holds the acknowledged state."""

    key: Any
    op: str  # "put" | "delete" | "clear"
    source: str  # "edn" | "new"
    error: str
    at: float = field(default_factory=time.time)


class RepairLog:
    """Keys whose second write failed; persisted atomically as JSON when a path is given."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.entries: list[RepairEntry] = []
        if self.path and self.path.exists():
            text = self.path.read_text(encoding="utf-8")
            try:
                rows = json.loads(text)
            except json.JSONDecodeError as exc:
                lines = text.splitlines()
                line = lines[exc.lineno - 1] if exc.lineno <= len(lines) else "<end of file>"
                raise ValueError(
                    f"{self.path}: line {exc.lineno}, column {exc.colno}: {exc.msg}: {line[:80]!r}"
                ) from None
            for row in rows:
                key = None if row["key"] is None else edn.loads(row["key"], source=str(self.path))
                self.entries.append(
                    RepairEntry(key, row["op"], row["source"], row["error"], row["at"])
                )

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: RepairEntry) -> None:
        """Record an entry and persist the log."""
        self.entries.append(entry)
        self._save()

    def replace(self, entries: Iterable[RepairEntry]) -> None:
        """Replace all entries (after a repair pass) and persist."""
        self.entries = list(entries)
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        rows = [
            {
                "key": None if e.op == "clear" else edn.dumps(e.key),
                "op": e.op,
                "source": e.source,
                "error": e.error,
                "at": e.at,
            }
            for e in self.entries
        ]
        atomic_write_text(self.path, json.dumps(rows, indent=1))


class MigratingMemory:
    """The app's memory API routed to an EDN store and a new store according to `mode`."""

    def __init__(
        self,
        edn_store: Any,
        new_store: Any,
        mode: str = "edn-only",
        *,
        repair_log: RepairLog | str | Path | None = "auto",
        retries: int = 2,
        retry_delay: float = 0.005,
    ):
        """Wrap two stores; repair_log "auto" persists next to the new store when it has a path."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        self.stores = {"edn": edn_store, "new": new_store}
        self._mode = mode
        self.lock = threading.RLock()
        if repair_log == "auto":
            base = getattr(new_store, "path", None)
            repair_log = Path(f"{base}.repair-log.json") if base else None
        self.repair_log = repair_log if isinstance(repair_log, RepairLog) else RepairLog(repair_log)
        self.retries = retries
        self.retry_delay = retry_delay
        self._gen = 0
        self._written: dict[Any, int] = {}
        self._clear_gen = 0
        self._pending: dict[Any, str] = {}  # key -> store holding the acknowledged value
        self._pending_clear: str | None = None
        self.events: list[tuple[float, str, str]] = []
        for e in self.repair_log.entries:
            self._mark_pending(e)

    # ---- modes -------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """Current mode."""
        return self._mode

    def set_mode(self, mode: str) -> str:
        """Switch mode live (waits for in-flight writes); returns the previous mode."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        with self.lock:
            if len(self.repair_log):
                self.repair()  # never switch reads onto a side that misses acknowledged writes
            previous, self._mode = self._mode, mode
            self._event("mode", f"{previous} -> {mode}")
            return previous

    def _event(self, kind: str, text: str) -> None:
        self.events.append((time.time(), kind, text))

    # ---- version tracking (read by the background migrator) ---------------------------------
    @property
    def generation(self) -> int:
        """Counter bumped by every live write; the migrator snapshots it before reading a batch."""
        return self._gen

    def written_since(self, key: Any, gen: int) -> bool:
        """True when `key` was written (or deleted, or the memory cleared) live after `gen`."""
        return self._clear_gen > gen or self._written.get(key, 0) > gen

    def _touch(self, key: Any) -> None:
        self._gen += 1
        self._written[key] = self._gen

    # ---- reads -------------------------------------------------------------------------------
    def _read_order(self, mode: str) -> tuple[str, ...]:
        return MODE_TABLE[mode]["get_value"]["reads"]

    def _get(self, key: Any, mode: str) -> Any:
        pending = self._pending.get(key) or self._pending_clear
        order = (pending,) if pending and len(_WRITES[mode]) > 1 else self._read_order(mode)
        for name in order:
            value = self.stores[name].get(key, ABSENT)
            if value is not ABSENT:
                return value
        return ABSENT

    def get_value(self, key: Any, default: Any = None) -> Any:
        """Value stored under key; `default` only when the key is missing (nil/false are values)."""
        value = self._get(key, self._mode)
        return default if value is ABSENT else value

    def contains(self, key: Any) -> bool:
        """True when the key is present (even with a nil value)."""
        return self._get(key, self._mode) is not ABSENT

    def _merged_items(self, mode: str) -> dict[Any, Any]:
        order = self._read_order(mode)
        if self._pending_clear and len(_WRITES[mode]) > 1:
            order = (self._pending_clear,)
        result: dict[Any, Any] = {}
        for name in order:
            for k, v in self.stores[name].items():
                if not is_reserved(k) and k not in result:
                    result[k] = v
        for k, src in self._pending.items():  # diverged keys: the acknowledged side wins
            if len(_WRITES[mode]) > 1:
                v = self.stores[src].get(k, ABSENT)
                if v is ABSENT:
                    result.pop(k, None)
                else:
                    result[k] = v
        return result

    def get_all(self) -> dict[Any, Any]:
        """Every key -> value, as the app's `get-all`."""
        return self._merged_items(self._mode)

    def search(self, text: str) -> list[tuple[Any, Any]]:
        """Case-insensitive substring search over printed keys and values."""
        mode = self._mode
        order = self._read_order(mode)
        if len(order) == 1 and not self._pending and not self._pending_clear:
            return [(k, v) for k, v in self.stores[order[0]].search(text) if not is_reserved(k)]
        needle = text.lower()
        return [
            (k, v)
            for k, v in self._merged_items(mode).items()
            if needle in edn.printed(k).lower() or needle in edn.printed(v).lower()
        ]

    # ---- writes ------------------------------------------------------------------------------
    def _dual(self, op: str, key: Any, fn: Callable[[Any], Any]) -> None:
        names = _WRITES[self._mode]
        fn(self.stores[names[0]])  # primary: an error here reaches the caller, nothing diverged
        if len(names) == 1:
            return
        last: BaseException | None = None
        for attempt in range(self.retries + 1):
            try:
                fn(self.stores[names[1]])
                if op == "clear":  # both sides empty: nothing is diverged any more
                    self._pending.clear()
                    self._pending_clear = None
                else:
                    self._pending.pop(key, None)
                return
            except Exception as exc:  # noqa: BLE001 - any store failure is recorded, not hidden
                last = exc
                if attempt < self.retries:
                    time.sleep(self.retry_delay * (attempt + 1))
        entry = RepairEntry(key, op, names[0], f"{type(last).__name__}: {last}")
        self.repair_log.add(entry)
        self._mark_pending(entry)
        self._event("diverged", f"{op} {edn.printed(key) if op != 'clear' else ''} -> repair log")

    def _mark_pending(self, entry: RepairEntry) -> None:
        if entry.op == "clear":
            self._pending_clear = entry.source
            self._pending.clear()
        else:
            self._pending[entry.key] = entry.source

    def save_value(self, key: Any, value: Any) -> Any:
        """Store value under key in the mode's write stores; returns value."""
        if is_reserved(key):
            raise KeyError(f"{edn.printed(key)} is reserved for the migrator")
        with self.lock:
            self._touch(key)
            self._dual("put", key, lambda s: s.put(key, value))
        return value

    def delete_value(self, key: Any) -> bool:
        """Delete key from the mode's write stores; True when it existed."""
        with self.lock:
            existed = self._get(key, self._mode) is not ABSENT
            self._touch(key)
            self._dual("delete", key, lambda s: s.delete(key))
        return existed

    def update(self, key: Any, fn: Callable[[Any], Any]) -> Any:
        """Read-modify-write `fn(current-or-nil)` atomically; returns the new value."""
        with self.lock:
            current = self._get(key, self._mode)
            new = fn(None if current is ABSENT else current)
            self.save_value(key, new)
            return new

    def clear(self) -> None:
        """Remove every key from the mode's write stores."""
        with self.lock:
            self._gen += 1
            self._clear_gen = self._gen
            self._written.clear()
            self._dual("clear", None, lambda s: s.clear())

    # ---- repair ------------------------------------------------------------------------------
    def repair(self) -> int:
        """Replay the repair log (copy the acknowledged side over the other); returns keys fixed."""
        with self.lock:
            remaining: list[RepairEntry] = []
            fixed = 0
            entries = self.repair_log.entries
            for i, e in enumerate(entries):
                src = self.stores[e.source]
                dst = self.stores["new" if e.source == "edn" else "edn"]
                try:
                    if e.op == "clear":
                        dst.clear()
                        for k, v in src.items():
                            dst.put(k, v)
                    else:
                        value = src.get(e.key, ABSENT)
                        if value is ABSENT:
                            dst.delete(e.key)
                        else:
                            dst.put(e.key, value)
                    fixed += 1
                except Exception as exc:  # noqa: BLE001
                    remaining.extend(entries[i:])
                    self._event("repair-failed", f"{type(exc).__name__}: {exc}")
                    break
            self.repair_log.replace(remaining)
            self._pending.clear()
            self._pending_clear = None
            for e in remaining:
                self._mark_pending(e)
            if fixed:
                self._event("repaired", f"{fixed} repair-log entries replayed")
            return fixed

    def flush(self) -> None:
        """Flush both stores."""
        for s in self.stores.values():
            s.flush()
