"""Stores: the shared contract for every store, store-specific behaviour, and the differential
suite (same generated memory, same queries -> identical answers from every store).

Other stores join by subclassing `store_contract.StoreContract` and adding a factory to
`STORE_FACTORIES` (kind -> callable(path) -> Store) for the differential test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import lmdb
import pytest
from store_contract import SAMPLE, StoreContract

from workbench import edn
from workbench.memory.queries import QUERIES, run_query
from workbench.stores import KeyTooLongError, Store, StoreError, open_store
from workbench.stores.edn_file import EdnFileStore
from workbench.stores.keys import decode_key, encode_key, encode_keys
from workbench.stores.lmdb_entity import LmdbEntityStore, sortable
from workbench.stores.lmdb_kv import LmdbKvStore

K = edn.Keyword

#: kind -> factory(path) used by the differential suite (extend for new stores).
STORE_FACTORIES: dict[str, Callable[[Path], Store]] = {
    "edn": lambda p: EdnFileStore(p.with_suffix(".edn"), debounce=0.05),
    "edn-safe-sync": lambda p: EdnFileStore(p.with_suffix(".edn"), debounce=0, write_mode="safe"),
    "lmdb-kv-binary": lambda p: LmdbKvStore(p, codec="binary", durability="nosync"),
    "lmdb-kv-edn": lambda p: LmdbKvStore(p, codec="edn", durability="nometasync"),
    "lmdb-entity": lambda p: LmdbEntityStore(p, mapping="inferred", durability="nosync"),
}


# ------------------------------------------------------------------------ contract per store
class TestEdnFileStoreDebounced(StoreContract):
    max_key_bytes = None

    def open_store(self, path):
        return EdnFileStore(path.with_suffix(".edn"), debounce=0.02)


class TestEdnFileStoreSafeSync(StoreContract):
    max_key_bytes = None

    def open_store(self, path):
        return EdnFileStore(path.with_suffix(".edn"), debounce=0, write_mode="safe")


class TestLmdbKvBinary(StoreContract):
    def open_store(self, path):
        return LmdbKvStore(path, codec="binary", durability="nosync", map_size=1 << 20)


class TestLmdbKvEdn(StoreContract):
    def open_store(self, path):
        return LmdbKvStore(path, codec="edn", durability="sync")


class TestLmdbEntityLocal(StoreContract):
    def open_store(self, path):
        return LmdbEntityStore(path, mapping="local", durability="nosync")


class TestLmdbEntityInferred(StoreContract):
    def open_store(self, path):
        return LmdbEntityStore(path, mapping="inferred", durability="nosync", map_size=1 << 20)


# --------------------------------------------------------------------------- EDN file store
def test_edn_store_coalesces_a_burst_into_one_rewrite(tmp_path):
    path = tmp_path / "memory.edn"
    s = EdnFileStore(path, debounce=0.2)
    for i in range(50):
        s.put(K("k", f"n{i}"), i)
    assert s.writes == 0 and s.pending
    s.flush()
    assert s.writes == 1 and not s.pending
    text = path.read_text()
    assert text == edn.dumps(s.as_dict(), pr_str=True)
    assert ", " in text  # pr-str separators
    s.close()
    assert s.writes == 1


def test_edn_store_writes_after_the_debounce_without_flush(tmp_path):
    path = tmp_path / "memory.edn"
    s = EdnFileStore(path, debounce=0.01)
    s.put(K(None, "a"), 1)
    deadline = time.monotonic() + 5
    while s.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not s.pending and edn.loads(path.read_text()) == {K(None, "a"): 1}
    s.close()


def test_edn_store_sync_mode_writes_every_change(tmp_path):
    path = tmp_path / "memory.edn"
    with EdnFileStore(path, debounce=0) as s:
        s.put(K(None, "a"), 1)
        assert edn.loads(path.read_text()) == {K(None, "a"): 1}
        s.delete(K(None, "a"))
        assert path.read_text() == "{}"
        assert s.writes == 2


def test_edn_store_app_mode_overwrites_in_place_safe_mode_renames(tmp_path):
    app, safe = tmp_path / "app.edn", tmp_path / "safe.edn"
    app.write_text("{}")
    safe.write_text("{}")
    inode_app, inode_safe = app.stat().st_ino, safe.stat().st_ino
    with EdnFileStore(app, debounce=0) as s:
        s.put(K(None, "x"), 1)
    with EdnFileStore(safe, debounce=0, write_mode="safe") as s:
        s.put(K(None, "x"), 1)
    assert app.stat().st_ino == inode_app
    assert safe.stat().st_ino != inode_safe
    assert edn.loads(app.read_text()) == edn.loads(safe.read_text()) == {K(None, "x"): 1}
    with pytest.raises(ValueError, match="write_mode"):
        EdnFileStore(tmp_path / "x.edn", write_mode="fast")


def test_edn_store_salvages_a_damaged_file_and_refuses_non_maps(tmp_path):
    path = tmp_path / "memory.edn"
    path.write_text('{:a 1 :embed-token/0abc {:x 1} :b "two"}')
    s = EdnFileStore(path, debounce=0)
    assert s.get(K(None, "b")) == "two"
    assert s.diagnostics or K("embed-token", "0abc") in s
    s.close()
    bad = tmp_path / "vec.edn"
    bad.write_text("[1 2]")
    with pytest.raises(StoreError, match="not a map"):
        EdnFileStore(bad)


def test_edn_store_flush_reports_a_failed_background_write(tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    s = EdnFileStore(folder / "m.edn", debounce=0.01)
    folder.rmdir()
    s.put(K(None, "a"), 1)
    with pytest.raises(StoreError, match="background rewrite failed"):
        s.flush()
    folder.mkdir()
    s.close()


def test_edn_store_concurrent_writers_and_flush(tmp_path):
    path = tmp_path / "memory.edn"
    s = EdnFileStore(path, debounce=0.005)

    def work(n: int) -> None:
        for i in range(40):
            s.put(K(f"t{n}", f"n{i}"), i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s.close()
    assert len(edn.loads(path.read_text())) == 120


# -------------------------------------------------------------------------- LMDB kv store
def test_lmdb_kv_map_grows_by_itself(tmp_path):
    s = LmdbKvStore(tmp_path / "kv", durability="nosync", map_size=64 << 10)
    big = "x" * 1000
    s.put_many((K("k", str(i)), big) for i in range(2000))
    s.put(K(None, "one-more"), big * 50)
    assert len(s) == 2001 and s.map_growths >= 1
    assert s.stats()["map_size"] > 64 << 10
    s.close()


def test_lmdb_kv_durability_modes_and_errors(tmp_path):
    for mode in ("sync", "nometasync", "nosync"):
        with LmdbKvStore(tmp_path / mode, durability=mode) as s:
            s.put(K(None, "a"), 1)
            assert s.get(K(None, "a")) == 1
    with pytest.raises(ValueError, match="durability"):
        LmdbKvStore(tmp_path / "bad", durability="sometimes")
    with LmdbKvStore(tmp_path / "k", codec="json") as s:
        s.put(K(None, "a"), K(None, "kw"))
        assert s.get(K(None, "a")) == "kw"  # the plan's JSON loses keyword-ness
    with LmdbKvStore(tmp_path / "k2") as s:
        with pytest.raises(KeyTooLongError) as err:
            s.put("s" * 600, 1)
        assert "LMDB keys are limited to 511 bytes" in str(err.value)


def test_lmdb_kv_stores_printed_keys_and_batches(tmp_path):
    with LmdbKvStore(tmp_path / "kv", codec="edn", batch_size=3) as s:
        assert s.put_many({K("projects", "davidwu"): 1, K("b", "c"): 2, "s": 3, 4: 4}) == 4
        assert s.get_raw(K("projects", "davidwu")) == b"1"
        with s.env.begin() as txn:
            keys = [k for k, _ in txn.cursor()]
        assert b":projects/davidwu" in keys and b"4" in keys and b'"s"' in keys


def test_encode_keys_matches_encode_key_and_round_trips():
    keys = [
        K("projects", "davidwu"),  # readable: printed form cached on the keyword
        K(None, "plain"),
        K("embed-token", "0abc"),  # not readable by clojure.edn, still stored as printed text
        K(None, "a/b"),  # a slash in the name: printed form would split it, binary form
        K("", "x"),
        K("a", "b/c"),
        "s",
        4,
        edn.Vector([K(None, "v"), 1]),
        frozenset({1}),
        None,
    ]
    encoded = encode_keys(keys)
    assert encoded == [encode_key(k) for k in keys]
    assert encoded[:3] == [b":projects/davidwu", b":plain", b":embed-token/0abc"]
    assert encoded[3][:1] == b"\x00" and encoded[4][:1] == b"\x00"
    for k, data in zip(keys, encoded, strict=True):
        assert edn.identical(decode_key(data), k), k
    for long_key in (K("p", "y" * 600), K("embed-token", "0" + "y" * 600)):
        with pytest.raises(KeyTooLongError, match="511"):
            encode_keys([K(None, "ok"), long_key])
        with pytest.raises(KeyTooLongError, match="511"):
            encode_key(long_key)


def test_lmdb_kv_put_many_batches_in_order_last_write_wins(tmp_path):
    with LmdbKvStore(tmp_path / "kv", durability="nosync", batch_size=3) as s:
        items = [(K(None, f"k{i % 4}"), i) for i in range(10)]  # duplicates across batches
        assert s.put_many(iter(items)) == 10
        assert dict(s.items()) == {
            K(None, "k0"): 8,
            K(None, "k1"): 9,
            K(None, "k2"): 6,
            K(None, "k3"): 7,
        }
        assert s.put_many([]) == 0 and s.put_many({}) == 0


def test_lmdb_kv_put_many_refused_value_stops_after_the_written_batches(tmp_path):
    import gc

    with LmdbKvStore(tmp_path / "kv", durability="nosync", batch_size=2) as s:
        items = [(K(None, "a"), 1), (K(None, "b"), 2), (K(None, "c"), object()), (K(None, "d"), 4)]
        with pytest.raises(TypeError, match="cannot encode"):
            s.put_many(items)
        assert dict(s.items()) == {K(None, "a"): 1, K(None, "b"): 2}
        assert gc.isenabled()  # the GC pause ends with the error


def test_lmdb_kv_put_many_grows_the_map_before_a_batch_not_after_a_failed_one(tmp_path):
    s = LmdbKvStore(tmp_path / "kv", durability="nosync", map_size=256 << 10, batch_size=500)
    runs = []  # transaction bodies run: a batch that filled the map runs twice
    write = s._write
    s._write = lambda body: write(lambda txn: (runs.append(1), body(txn))[1])
    value = {K("x", "text"): "y" * 1000, K("x", "n"): 1}
    assert s.put_many((K("k", str(i)), value) for i in range(3000)) == 3000
    assert len(s) == 3000 and s.map_growths >= 2 and len(runs) == 6
    s.put(K(None, "big"), "z" * (4 << 20))  # a single put grows when the map is full
    assert len(runs) == 8 and s.get(K(None, "big")) == "z" * (4 << 20)
    s.close()


def test_lmdb_kv_put_many_on_a_map_that_may_not_grow_writes_what_fits(tmp_path):
    from workbench.migrate.faults import cap_map_size, uncap_map_size

    s = LmdbKvStore(tmp_path / "kv", durability="nosync", map_size=256 << 10, batch_size=50)
    assert cap_map_size(s)  # a full disk: _grow raises MapFullError
    items = [(K("k", str(i)), "y" * 1000) for i in range(3000)]
    with pytest.raises(lmdb.MapFullError):
        s.put_many(items)
    written = len(s)
    assert 50 <= written < 3000 and written % 50 == 0 and s.map_growths == 0
    uncap_map_size(s)
    assert s.put_many(items) == 3000 and len(s) == 3000
    s.close()


# ------------------------------------------------------------------------ LMDB entity store
def test_sortable_encoding_preserves_order():
    longs = [-(1 << 63), -5, -1, 0, 1, 7, 1 << 40, (1 << 63) - 1]
    assert sorted(longs, key=sortable) == longs
    doubles = [float("-inf"), -2.5, -0.0, 0.5, 3.0, float("inf")]
    assert [sortable(d) for d in sorted(doubles, key=sortable)] == [sortable(d) for d in doubles]
    strings = ["", "a", "a\x00", "ab", "b"]
    assert sorted(strings, key=sortable) == strings
    assert sortable(K("a", "b")) != sortable(":a/b")  # types never collide
    assert sortable(b"blob") is None


def test_entity_store_indexes_upserts_and_pulls(tmp_path):
    s = LmdbEntityStore(tmp_path / "e", mapping="inferred", durability="nosync")
    s.put_many(SAMPLE)
    rec = s.pull(K("memory", "key"), ":davidwu/edn-tips-1771000000000-1")
    assert rec[K("learning", "tags")] == frozenset({"edn", "clojure"})  # cardinality many
    assert rec[K("learning", "status")] == K(None, "active")
    eids = s.entities_with(K("learning", "tags"), "edn")
    assert len(eids) == 1
    joined = s.entities_in_range(K("user", "joined-at"), 1_771_000_000_000, None)
    assert [v for v, _ in joined] == [1_771_000_000_000]
    assert s.entities_in_range(K("user", "joined-at"), None, 1_770_999_999_999) == []
    # upsert: same identity keeps the entity, replaces its datoms and components
    key = K("davidwu", "edn-tips-1771000000000-1")
    before = s.entities_with(K("memory", "key"), str(key))
    new = dict(SAMPLE[key])
    new[K("learning", "tags")] = frozenset({"lmdb"})
    s.put(key, new)
    assert s.entities_with(K("memory", "key"), str(key)) == before
    assert s.entities_with(K("learning", "tags"), "edn") == []
    assert s.query("learning_by_tag", tag="lmdb") == ["davidwu/edn-tips-1771000000000-1"]
    users = s.pull(K("memory", "key"), ":presence/:s1")[K("memory", "records")]
    assert [u[K("user", "name")] for u in users] == ["Ann"]
    assert s.delete(K("presence", ":s1"))
    assert s.entities_in_range(K("user", "joined-at")) == []
    assert all(s.native_queries.values()), s.native_queries
    s.close()


def test_entity_store_plan_mapping_shows_the_plans_defects(tmp_path):
    s = LmdbEntityStore(tmp_path / "plan", mapping="plan", durability="nosync")
    s.put(K("projects", "davidwu"), {"p": 1})
    s.put(K("builder-sessions", "davidwu"), {"s": 2})
    # both keys classify as cache with (name key) = "davidwu": one entity, last write wins
    assert s.pull(K("cache", "key"), "davidwu") is not None
    assert len(s.entities_with(K("cache", "key"), "davidwu")) == 1
    assert s.get(K("builder-sessions", "davidwu")) == {K(None, "s"): 2}
    assert s.query("learning_by_level", level=":active") == []
    s.close()


def test_open_store_factory(tmp_path):
    with open_store("lmdb-kv", tmp_path / "a", codec="edn") as s:
        assert isinstance(s, LmdbKvStore) and s.codec.name == "edn"
    with open_store("edn", tmp_path / "m.edn", debounce=0) as s:
        assert isinstance(s, EdnFileStore)
    with pytest.raises(ValueError, match="unknown store kind"):
        open_store("redis", tmp_path / "r")


def test_lmdb_readers_see_committed_state_only(tmp_path):
    with LmdbKvStore(tmp_path / "kv", durability="nosync") as s:
        s.put(K(None, "a"), 1)
        with s.env.begin() as reader:
            s.put(K(None, "a"), 2)
            assert s._decode(reader.get(b":a")) == 1
        assert s.get(K(None, "a")) == 2
        assert isinstance(s.env, lmdb.Environment)


# ------------------------------------------------------------------------------ differential
@pytest.fixture(scope="module")
def generated():
    from workbench.memory.generate import generate_memory

    return generate_memory(entries=400, seed=3).value


def _query_params(data: dict) -> list[tuple[str, dict]]:
    from workbench.bench.workloads import query_params

    out = []
    for name in sorted(QUERIES):
        for params in query_params(name, data.items(), variants=3):
            out.append((name, params))
    return out


def test_differential_every_store_gives_identical_answers(tmp_path, generated):
    stores = {kind: make(tmp_path / kind) for kind, make in STORE_FACTORIES.items()}
    try:
        for s in stores.values():
            s.put_many(generated)
        cases = _query_params(generated)
        nonempty = 0
        for name, params in cases:
            expected = run_query(name, generated.items(), **params)
            nonempty += bool(expected)
            for kind, s in stores.items():
                assert s.query(name, **params) == expected, (kind, name, params)
        assert nonempty >= len(QUERIES), "generated data should make most queries non-empty"
        for needle in ("davidwu", "EMPATHY", "zz-no-such-text"):
            ref = [k for k, _ in stores["edn"].search(needle)]
            for kind, s in stores.items():
                assert [k for k, _ in s.search(needle)] == ref, (kind, needle)
        for kind, s in stores.items():
            got = dict(s.items())
            assert got.keys() == generated.keys(), kind
            bad = [k for k in generated if not edn.identical(got[k], generated[k])]
            assert not bad, (kind, bad[:3])
    finally:
        for s in stores.values():
            s.close()


def test_entity_store_read_in_another_thread_never_gives_an_attribute_id_twice(tmp_path):
    """A read's older snapshot taken while another thread's write transaction adds attributes
    used to reset the attribute table, so the next new attribute took an id already given: the
    rehearsal's copy thread and the app's thread then read values under the wrong attributes
    (a plan-mapping cache entity read back {:cache/key <created-at> :cache/value <expires-at>})."""
    import threading

    s = LmdbEntityStore(tmp_path / "e", mapping="plan", durability="nosync")
    s.put(K("a", "b"), "text")  # the plan's cache entity: its attributes are in the table
    before = len(s._aid)

    def body(txn):
        first = s._aid_for(txn, K("t", "first"))
        reader = threading.Thread(target=s.get, args=(K("a", "b"),))  # a snapshot without it
        reader.start()
        reader.join()
        return first, s._aid_for(txn, K("t", "second"))

    first, second = s._write(body)
    assert (first, second) == (before + 1, before + 2)
    s.close()
    with LmdbEntityStore(tmp_path / "e", mapping="plan", durability="nosync") as again:
        ids = list(again._aid.values())
        assert len(ids) == len(set(ids)) == before + 2  # one attribute per id on disk too
        assert again.get(K("a", "b")) == "text"


def test_entity_store_map_grows_and_rolls_back_counters(tmp_path, generated):
    s = LmdbEntityStore(
        tmp_path / "grow",
        mapping="inferred",
        durability="nosync",
        map_size=128 << 10,
        batch_size=500,
    )
    items = list(generated.items())[:300]
    s.put_many(items)
    assert s.map_growths >= 1
    assert len(s) == 300
    got = dict(s.items())
    assert all(edn.identical(got[k], v) for k, v in items)
    s.close()
    with LmdbEntityStore(tmp_path / "grow", mapping="inferred") as again:  # counters persisted
        again.put(K(None, "late"), 1)
        assert len(again) == 301 and again.get(K(None, "late")) == 1
        assert again.get(items[0][0]) is not None
