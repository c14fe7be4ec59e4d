"""The store contract: every Store subclass must pass these tests (import and subclass them).

Usage (e.g. for the Datalevin store)::

    from store_contract import StoreContract

    @pytest.mark.datalevin
    class TestDatalevinStore(StoreContract):
        def open_store(self, path):
            return DatalevinStore(path, shape="kv")

Class attributes a subclass may set: ``max_key_bytes`` (511 for LMDB-based stores, None when
keys are unlimited), ``exact`` (values round-trip identically), ``persistent`` (re-opening the
path gives the data back).
"""

from __future__ import annotations

import decimal
import fractions
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from workbench import edn
from workbench.memory.queries import QUERIES, QUERY_DEFAULTS, run_query
from workbench.stores import MISSING, KeyTooLongError, Store

K = edn.Keyword

#: Values of every EDN type the app can hold (plus the rarer legal ones).
EXOTIC_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1 << 62,
    1 << 80,
    3.5,
    float("inf"),
    "",
    'unicode: é ✓ "q" \\',
    K(None, "a"),
    K("ns", "name"),
    K("review", "davidwu/x-1"),
    edn.sym("foo/bar"),
    edn.Char("c"),
    edn.BigInt(12),
    decimal.Decimal("1.50"),
    fractions.Fraction(2, 3),
    uuid.UUID(int=42),
    edn.Inst("2026-02-18T15:31:01.428123Z"),
    edn.Vector([1, edn.Vector([2]), edn.List([3])]),
    edn.List([]),
    frozenset({1, "1", K(None, "one")}),
    {},
    {None: edn.List([]), "s": {1: 2}},
    {edn.FrozenMap({K(None, "a"): 1}): edn.Vector([]), edn.Vector([1, 2]): frozenset()},
    edn.Tagged(edn.sym("object"), edn.Vector(["java.lang.Object", 1])),
]

SAMPLE: dict[Any, Any] = {
    K("projects", "davidwu"): {
        "davidwu/project-a-1": {
            K("project", "id"): "davidwu/project-a-1",
            K("project", "name"): "Alpha",
            K("project", "status"): K(None, "draft"),
        }
    },
    K("presence", ":s1"): {
        "u1": {
            K("user", "id"): "u1",
            K("user", "name"): "Ann",
            K("user", "joined-at"): 1_771_000_000_000,
        }
    },
    K("davidwu", "edn-tips-1771000000000-1"): {
        K("learning", "id"): "davidwu/edn-tips-1771000000000-1",
        K("learning", "title"): "EDN Tips",
        K("learning", "tags"): frozenset({"edn", "clojure"}),
        K("learning", "status"): K(None, "active"),
        K("learning", "insights"): edn.Vector(["Keywords are interned"]),
    },
    K("notifications", "last-davidwu"): {
        K(None, "timestamp"): 1_771_000_000_001,
        K(None, "due-count"): 2,
    },
    K(None, "test-key"): "Hello WORLD",
    K(None, "nil-value"): None,
}


class StoreContract:
    """Parametrize-free contract: subclass and implement open_store(path)."""

    max_key_bytes: int | None = 511
    exact: bool = True
    persistent: bool = True

    def open_store(self, path: Path) -> Store:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path):
        s = self.open_store(tmp_path / "store")
        yield s
        s.close()

    def _filled(self, store: Store) -> Store:
        assert store.put_many(SAMPLE) == len(SAMPLE)
        return store

    # ---------------------------------------------------------------- basic map semantics
    def test_get_put_and_missing_versus_nil(self, store):
        key = K("a", "b")
        assert store.lookup(key) is MISSING
        with pytest.raises(KeyError):
            store.get(key)
        assert store.get(key, "dflt") == "dflt"
        store.put(key, None)
        assert store.lookup(key) is None
        assert store.get(key) is None and store.get(key, "dflt") is None
        assert key in store and len(store) == 1
        store.put(key, {K(None, "x"): 1})
        assert store.get(key) == {K(None, "x"): 1}
        assert len(store) == 1

    def test_delete_reports_presence(self, store):
        store.put(K(None, "k"), 1)
        assert store.delete(K(None, "k")) is True
        assert store.delete(K(None, "k")) is False
        assert K(None, "k") not in store and len(store) == 0
        with pytest.raises(KeyError):
            del store[K(None, "k")]

    def test_update_is_read_modify_write_with_default(self, store):
        assert store.update(K(None, "n"), lambda v: v + 1, default=10) == 11
        assert store.update(K(None, "n"), lambda v: v * 2) == 22
        assert store.get(K(None, "n")) == 22
        store.put(K(None, "z"), None)
        assert store.update(K(None, "z"), lambda v: edn.Vector([v]), default="x") == edn.Vector(
            [None]
        )

    def test_update_is_atomic_across_threads(self, store):
        store.put(K(None, "count"), 0)

        def work() -> None:
            for _ in range(25):
                store.update(K(None, "count"), lambda v: v + 1)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.get(K(None, "count")) == 100

    def test_keys_items_len_and_clear(self, store):
        self._filled(store)
        assert len(store) == len(SAMPLE)
        assert set(store.keys()) == set(SAMPLE)
        got = dict(store.items())
        assert set(got) == set(SAMPLE)
        for k, v in SAMPLE.items():
            assert edn.identical(got[k], v), k
        store.clear()
        assert (
            len(store) == 0
            and list(store.items()) == []
            and store.lookup(K(None, "test-key")) is MISSING
        )

    @pytest.mark.parametrize("i", range(len(EXOTIC_VALUES)))
    def test_every_edn_value_round_trips(self, store, i):
        value = EXOTIC_VALUES[i]
        store.put(K("v", f"k{i}"), value)
        back = store.get(K("v", f"k{i}"))
        if self.exact:
            assert edn.identical(back, value), (value, back)
        else:
            assert back == value

    def test_non_keyword_keys(self, store):
        keys = [
            "string-key",
            7,
            None,
            edn.Vector([1, "a"]),
            K(None, "a/b"),
            K("embed-token", "0ab"),
        ]
        for i, k in enumerate(keys):
            store.put(k, i)
        for i, k in enumerate(keys):
            assert store.get(k) == i, k
        assert {type(k) for k in store.keys()} == {type(k) for k in keys}

    def test_long_keys(self, store):
        long_key = K("projects", "x" * 600)
        if self.max_key_bytes is None:
            store.put(long_key, 1)
            assert store.get(long_key) == 1
            return
        with pytest.raises(KeyTooLongError, match=r":projects/xxxx.*511"):
            store.put(long_key, 1)
        ok = K("p", "y" * (self.max_key_bytes - 3))
        store.put(ok, 2)
        assert store.get(ok) == 2

    # --------------------------------------------------------------------- search, queries
    def test_search_is_case_insensitive_over_keys_and_values(self, store):
        self._filled(store)
        hits = store.search("hello world")
        assert [k for k, _ in hits] == [K(None, "test-key")]
        assert {k for k, _ in store.search("PRESENCE")} == {K("presence", ":s1")}
        assert {k for k, _ in store.search("edn tips")} == {
            K("davidwu", "edn-tips-1771000000000-1")
        }
        assert store.search("no such text anywhere") == []

    @pytest.mark.parametrize("name", sorted(QUERIES))
    def test_queries_match_the_reference(self, store, name):
        self._filled(store)
        params = dict(QUERY_DEFAULTS[name])
        if name == "learning_by_tag":
            params["tag"] = "edn"
        expected = run_query(name, SAMPLE.items(), **params)
        assert store.query(name, **params) == expected

    def test_reference_results_on_the_sample(self, store):
        self._filled(store)
        assert store.query("learning_by_tag", tag="edn") == ["davidwu/edn-tips-1771000000000-1"]
        assert store.query("learning_by_level", level=":active") == [
            "davidwu/edn-tips-1771000000000-1"
        ]
        assert store.query("sessions_with_users") == [[":s1", "u1"]]
        assert store.query("sessions_active_since", since_ms=1_771_000_000_000) == [":s1"]
        assert store.query("sessions_active_since", since_ms=1_771_000_000_001) == []
        with pytest.raises(ValueError, match="unknown query"):
            store.query("nope")

    # ------------------------------------------------------------------ lifecycle
    def test_reopen_keeps_the_data(self, tmp_path):
        path = tmp_path / "reopen"
        with self.open_store(path) as s:
            self._filled(s)
            s.put(K(None, "late"), edn.Vector([1]))
            s.flush()
        if not self.persistent:
            return
        with self.open_store(path) as s2:
            assert len(s2) == len(SAMPLE) + 1
            assert edn.identical(s2.get(K(None, "late")), edn.Vector([1]))
            for k, v in SAMPLE.items():
                assert edn.identical(s2.get(k), v)

    def test_close_is_idempotent(self, tmp_path):
        s = self.open_store(tmp_path / "c")
        s.put(K(None, "a"), 1)
        s.close()
        s.close()
