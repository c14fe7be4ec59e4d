"""Fault injection for rehearsals: a second store with outages, an LMDB map that cannot grow."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from workbench.stores.base import Store


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
