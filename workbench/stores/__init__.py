"""Stores behind one interface: the app's EDN file, LMDB key-value, LMDB entities, Datalevin."""

from __future__ import annotations

import importlib
import os
from typing import Any

from workbench.stores.base import MISSING, KeyTooLongError, Store, StoreError

__all__ = [
    "MISSING",
    "Store",
    "StoreError",
    "KeyTooLongError",
    "STORE_KINDS",
    "open_store",
    "EdnFileStore",
    "LmdbKvStore",
    "LmdbEntityStore",
]

#: kind -> (module, class name), imported on demand.
STORE_KINDS: dict[str, tuple[str, str]] = {
    "edn": ("workbench.stores.edn_file", "EdnFileStore"),
    "lmdb-kv": ("workbench.stores.lmdb_kv", "LmdbKvStore"),
    "lmdb-entity": ("workbench.stores.lmdb_entity", "LmdbEntityStore"),
    "datalevin": ("workbench.stores.datalevin.store", "DatalevinStore"),
    "datalevin-kv": ("workbench.stores.datalevin.store", "DatalevinKvStore"),
    "datalevin-datalog": ("workbench.stores.datalevin.store", "DatalevinDatalogStore"),
}


def store_class(kind: str) -> type[Store]:
    """The Store subclass for `kind` (imported on demand)."""
    try:
        module, cls = STORE_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown store kind {kind!r}; known: {', '.join(STORE_KINDS)}") from None
    return getattr(importlib.import_module(module), cls)


def open_store(kind: str, path: str | os.PathLike, **opts: Any) -> Store:
    """Open a store of `kind` ("edn", "lmdb-kv", "lmdb-entity", "datalevin") at `path`."""
    return store_class(kind)(path, **opts)


def __getattr__(name: str) -> Any:
    for module, cls in STORE_KINDS.values():
        if cls == name:
            return getattr(importlib.import_module(module), cls)
    raise AttributeError(name)
