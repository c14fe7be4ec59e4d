"""DatalevinStore: the migration's real destination, in two shapes.

``shape="kv"``: Datalevin's key-value API, one entry per memory key, what the app would read with
``(d/get-value kv "memory" :projects/davidwu :keyword :data)``. Keyword keys are typed
``:keyword`` and values are stored natively as ``:data`` (Clojure values built with Clojure's own
constructors: keywords, vectors, lists, sets, chars, BigInt, Ratio, UUID...). What Datalevin
refuses or would change goes to a second sub-database ``"memory-edn"`` (keys ``:raw`` = the
stores' printed key bytes, values ``:bytes`` = ``e`` + printed EDN, or ``b`` + the exact binary
codec when EDN cannot re-read it): a top-level ``nil`` value ("Value cannot be nil"), values
holding tagged literals (nippy cannot freeze ``TaggedLiteral``), ``#inst`` (a ``java.util.Date``
would drop the original text and sub-millisecond digits) or keywords/symbols Clojure would split
differently (``(keyword "a/b")``), and keys that are not plain keywords (strings, numbers, nil,
vectors, ``:a/b`` names, over 509 printed bytes). Keys over 511 bytes are refused with
KeyTooLongError.

``shape="datalog"``: one entity per memory key, built by the schema's mapping
(``workbench.analysis.schema.get_mapping``, "inferred" by default), the schema passed when the connection
opens, the plan's queries run as real Datalog (``DATALOG_QUERIES``; a query whose attributes the
schema does not type falls back to the reference over items). Every entity also carries
``:workbench/key`` (the exact key text, unique identity) so a key is found, replaced and deleted
by a lookup ref. Replacing an entity is one transaction: the new map on the same entity id plus
retractions of whatever the new entity no longer has (component records included). ``put_many``
transacts ``batch_size`` (default 1000) entities per transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from workbench.stores.base import Store, StoreError
from workbench.stores.datalevin import bridge as wdl
from workbench.stores.datalevin._datalog import (
    DATALOG_QUERIES,
    KEY_ATTR,
    _DatalogShape,
    key_from_text,
    key_text,
    value_from_entity,
)
from workbench.stores.datalevin._kv import (
    MAIN_DBI,
    NATIVE_KEY_BYTES,
    TEXT_DBI,
    _KvShape,
    decode_value,
    encode_value,
    native_key,
)
from workbench.stores.durability import durability as durability_mode

__all__ = [
    "DatalevinStore",
    "DatalevinKvStore",
    "DatalevinDatalogStore",
    "SHAPES",
    "KEY_ATTR",
    "DATALOG_QUERIES",
    "MAIN_DBI",
    "TEXT_DBI",
    "NATIVE_KEY_BYTES",
    "native_key",
    "encode_value",
    "decode_value",
    "key_text",
    "key_from_text",
    "value_from_entity",
]

SHAPES = ("kv", "datalog")


class DatalevinStore(Store):
    """Memory map in a real Datalevin database (key-value or Datalog shape)."""

    def __init__(
        self,
        path: str | os.PathLike,
        shape: str = "kv",
        mapping: Any = "inferred",
        batch_size: int = 1000,
        memory: Any = None,
        schema: Any = None,
        durability: str = "sync",
    ) -> None:
        """Open (or create) the Datalevin database directory at `path`.

        durability: "sync" (Datalevin's default flags: every commit durable), "nometasync" or
        "nosync" (LMDB flags, as for the LMDB stores)."""
        super().__init__()
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, not {shape!r}")
        env_flags = durability_mode(durability).datalevin
        wdl.require()
        wdl.start_jvm()
        self.shape = shape
        self.name = f"datalevin-{shape}"
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.batch_size = int(batch_size)
        self._c = wdl.clj()
        self._closed = False
        self._lock = threading.RLock()
        self.durability = durability
        flags = f"{{:flags {env_flags}}}"
        if shape == "kv":
            self._impl: _KvShape | _DatalogShape = _KvShape(self._c, self.path, self._c.read(flags))
        else:
            self._impl = _DatalogShape(
                self._c,
                self.path,
                mapping,
                memory=memory,
                schema=schema,
                opts=self._c.read(f"{{:kv-opts {flags}}}"),
            )

    # ---- Store primitives ------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.name} store at {self.path} is closed")

    def lookup(self, key: Any) -> Any:
        """Stored value or MISSING."""
        self._check_open()
        return self._impl.lookup(key)

    def put(self, key: Any, value: Any) -> None:
        """Store value under key (one Datalevin write transaction)."""
        self._check_open()
        with self._lock:
            self._impl.put_batch([(key, value)])

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Store many pairs, `batch_size` per Datalevin transaction; return the count."""
        self._check_open()
        pairs = items.items() if isinstance(items, dict) else items
        n = 0
        batch: list[tuple[Any, Any]] = []
        with self._lock:
            for pair in pairs:
                batch.append(pair)
                if len(batch) >= self.batch_size:
                    self._impl.put_batch(batch)
                    n += len(batch)
                    batch = []
            if batch:
                self._impl.put_batch(batch)
                n += len(batch)
        return n

    def delete(self, key: Any) -> bool:
        """Remove key; True when it was present."""
        self._check_open()
        with self._lock:
            return self._impl.delete(key)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """All (key, value) pairs, read in one read transaction per sub-database."""
        self._check_open()
        return iter(self._impl.items())

    def keys(self) -> Iterator[Any]:
        """All keys."""
        self._check_open()
        return iter(self._impl.keys())

    def __len__(self) -> int:
        self._check_open()
        return self._impl.count()

    def clear(self) -> None:
        """Remove every key."""
        self._check_open()
        with self._lock:
            self._impl.clear()

    def query(self, name: str, **params: Any) -> list:
        """The plan's query: Datalog in the datalog shape, the reference over items in kv."""
        self._check_open()
        if self.shape == "datalog":
            return self._impl.query(name, **params)
        return super().query(name, **params)

    def flush(self) -> None:
        """Datalevin commits each transaction durably (default flags); force an fsync anyway."""
        self._check_open()
        self._impl.sync()

    def close(self) -> None:
        """Close the database (idempotent)."""
        if not self._closed:
            self._closed = True
            self._impl.close()


class DatalevinKvStore(DatalevinStore):
    """DatalevinStore(shape="kv") for `open_store("datalevin-kv", path)`."""

    def __init__(self, path: str | os.PathLike, **opts: Any) -> None:
        """Open the key-value shape at `path`."""
        super().__init__(path, **{"shape": "kv", **opts})


class DatalevinDatalogStore(DatalevinStore):
    """DatalevinStore(shape="datalog") for `open_store("datalevin-datalog", path)`."""

    def __init__(self, path: str | os.PathLike, **opts: Any) -> None:
        """Open the Datalog shape at `path`."""
        super().__init__(path, **{"shape": "datalog", **opts})
