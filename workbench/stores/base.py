"""The one interface every store implements (EDN file, LMDB key-value, LMDB entities, Datalevin).

Keys are EDN values (usually keywords); values are any EDN value. ``None`` is a storable value,
distinct from a missing key: ``get(key)`` raises ``KeyError`` when the key is absent and no
default is given, ``get(key, None)`` returns ``None`` in both cases, and
``store.lookup(key)`` returns the ``MISSING`` sentinel when absent.

A subclass implements ``lookup``, ``put``, ``delete``, ``items``, ``__len__``, ``clear``,
``close`` and, when it can do better than the defaults, ``put_many``, ``update``, ``keys``,
``search``, ``query`` and ``flush``.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["MISSING", "Store", "StoreError", "KeyTooLongError"]


class _Missing:
    """Sentinel type for "no value stored" (distinct from a stored None)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class StoreError(RuntimeError):
    """A store could not do what was asked (bad key, closed store, failed background write)."""


class KeyTooLongError(StoreError, ValueError):
    """The printed key is longer than LMDB's 511-byte key limit."""


class Store(abc.ABC):
    """Common interface: dict-like access, search, plan queries, flush/close, context manager."""

    name: str = "store"
    path: Path | None = None

    def __init__(self) -> None:
        self._update_lock = threading.RLock()

    # ---- primitives every store implements -------------------------------------------------
    @abc.abstractmethod
    def lookup(self, key: Any) -> Any:
        """Return the stored value, or MISSING when the key is absent."""

    @abc.abstractmethod
    def put(self, key: Any, value: Any) -> None:
        """Store `value` under `key` (None is a value)."""

    @abc.abstractmethod
    def delete(self, key: Any) -> bool:
        """Remove `key`; True when it was present."""

    @abc.abstractmethod
    def items(self) -> Iterator[tuple[Any, Any]]:
        """Iterate over (key, value) pairs (a consistent snapshot)."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """Number of keys."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every key."""

    @abc.abstractmethod
    def close(self) -> None:
        """Flush pending writes and release resources (idempotent)."""

    # ---- defaults built on the primitives ---------------------------------------------------
    def get(self, key: Any, default: Any = MISSING) -> Any:
        """Value under `key`; `default` when absent, KeyError when absent and no default."""
        value = self.lookup(key)
        if value is MISSING:
            if default is MISSING:
                raise KeyError(key)
            return default
        return value

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        if not self.delete(key):
            raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        return self.lookup(key) is not MISSING

    def __iter__(self) -> Iterator[Any]:
        return self.keys()

    def keys(self) -> Iterator[Any]:
        """Iterate over keys."""
        for key, _ in self.items():
            yield key

    def update(self, key: Any, fn: Callable[[Any], Any], default: Any = None) -> Any:
        """Read-modify-write like the app's update!: store fn(current or default); return it."""
        with self._update_lock:
            current = self.lookup(key)
            new = fn(default if current is MISSING else current)
            self.put(key, new)
            return new

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Store many pairs (one transaction where the store has them); return the count."""
        pairs = items.items() if isinstance(items, dict) else items
        n = 0
        for key, value in pairs:
            self.put(key, value)
            n += 1
        return n

    def search(self, text: str) -> list[tuple[Any, Any]]:
        """Case-insensitive substring search over printed keys and values (like memory/search)."""
        from workbench.memory.queries import search_items

        return search_items(self.items(), text)

    def query(self, name: str, **params: Any) -> list:
        """Run one of the plan's queries (workbench.memory.queries.QUERIES); canonical sorted result."""
        from workbench.memory.queries import run_query

        return run_query(name, self.items(), **params)

    def flush(self) -> None:
        """Make every accepted change durable per the store's settings (no-op by default)."""
        return None

    def file_size(self) -> int:
        """Bytes on disk used by the store (0 when it has no path)."""
        if self.path is None:
            return 0
        p = Path(self.path)
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return p.stat().st_size if p.exists() else 0

    def as_dict(self) -> dict:
        """Every (key, value) as a dict."""
        return dict(self.items())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.path}>"
