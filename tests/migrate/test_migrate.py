"""MigratingMemory (every mode x operation cell), repair log, migrator, validation, rollback, backup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from workbench import edn
from workbench.migrate import (
    CHECKPOINT_KEY,
    MODE_TABLE,
    MODES,
    OPERATIONS,
    Ledger,
    MigratingMemory,
    Migrator,
    RepairLog,
    read_checkpoint,
    rollback_corruption,
    rollback_instability,
    rollback_performance,
    validate,
)
from workbench.stores.base import MISSING, Store

K = edn.kw


class DictStore(Store):
    """In-memory stand-in for a store (tests only), with optional write failures."""

    def __init__(self, data: dict | None = None, name: str = "dict") -> None:
        super().__init__()
        self.data: dict = dict(data or {})
        self.name = name
        self.fail_writes = 0  # number of next writes that raise
        self.put_many_calls = 0

    def _maybe_fail(self) -> None:
        if self.fail_writes:
            self.fail_writes -= 1
            raise OSError(f"{self.name}: injected write failure")

    def lookup(self, key: Any) -> Any:
        return self.data.get(key, MISSING)

    def put(self, key: Any, value: Any) -> None:
        self._maybe_fail()
        self.data[key] = value

    def put_many(self, items) -> int:
        self._maybe_fail()
        self.put_many_calls += 1
        pairs = list(items)
        self.data.update(pairs)
        return len(pairs)

    def delete(self, key: Any) -> bool:
        self._maybe_fail()
        return self.data.pop(key, MISSING) is not MISSING

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(list(self.data.items()))

    def __len__(self) -> int:
        return len(self.data)

    def clear(self) -> None:
        self._maybe_fail()
        self.data.clear()

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- mode x operation table
# Written independently of MODE_TABLE: which store(s) each op reads (in order) and writes.
SPEC = {
    "edn-only": (("edn",), ("edn",)),
    "dual-write": (("edn",), ("edn", "new")),
    "datalevin-first": (("new", "edn"), ("new", "edn")),
    "datalevin-only": (("new",), ("new",)),
}
READ_OPS = {"get_value", "update", "get_all", "search"}
WRITE_OPS = {"save_value", "delete_value", "update", "clear"}


def _fixture_stores() -> tuple[DictStore, DictStore]:
    e = DictStore(
        {K(":a"): "edn-a", K(":only/edn"): "E", K(":f"): "edn-f", K(":n"): "edn-n"}, "edn"
    )
    n = DictStore({K(":a"): "new-a", K(":only/new"): "N", K(":f"): False, K(":n"): None}, "new")
    return e, n


def test_mode_table_matches_spec():
    for mode in MODES:
        for op in OPERATIONS:
            cell = MODE_TABLE[mode][op]
            assert cell["reads"] == (SPEC[mode][0] if op in READ_OPS else ()), (mode, op)
            assert cell["writes"] == (SPEC[mode][1] if op in WRITE_OPS else ()), (mode, op)


def _expected_read(mode: str, stores: dict, key: Any) -> Any:
    for name in SPEC[mode][0]:
        if key in stores[name].data:
            return stores[name].data[key]
    return "DEFAULT"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPERATIONS)
def test_mode_operation_cell(mode: str, op: str):
    e, n = _fixture_stores()
    stores = {"edn": e, "new": n}
    before = {name: dict(s.data) for name, s in stores.items()}
    mm = MigratingMemory(e, n, mode)
    reads, writes = SPEC[mode]
    key = K(":a")
    if op == "get_value":
        for k in (K(":a"), K(":only/edn"), K(":only/new"), K(":f"), K(":n"), K(":absent")):
            assert mm.get_value(k, "DEFAULT") == _expected_read(mode, stores, k), k
        # stored false / nil are values: no fallback to EDN, no default
        if reads[0] == "new":
            assert mm.get_value(K(":f"), "DEFAULT") is False
            assert mm.get_value(K(":n"), "DEFAULT") is None
    elif op == "save_value":
        mm.save_value(key, "saved")
    elif op == "delete_value":
        assert mm.delete_value(key) is True
    elif op == "update":
        seen = []
        result = mm.update(key, lambda old: seen.append(old) or f"{old}+1")
        assert seen == [f"{reads[0]}-a"]
        assert result == f"{reads[0]}-a+1"
    elif op == "clear":
        mm.clear()
    elif op == "get_all":
        got = mm.get_all()
        want = {}
        for name in reversed(reads):
            want.update(before[name])
        assert got == want
    elif op == "search":
        got = dict(mm.search("only"))
        want = {
            k: v for name in reversed(reads) for k, v in before[name].items() if "only" in str(k)
        }
        assert got == want
    for name, s in stores.items():
        if op in WRITE_OPS and name in writes:
            if op in ("save_value", "update"):
                expect = dict(before[name])
                expect[key] = "saved" if op == "save_value" else f"{reads[0]}-a+1"
            elif op == "delete_value":
                expect = {k: v for k, v in before[name].items() if k != key}
            else:
                expect = {}
            assert s.data == expect, (name, s.data)
        else:
            assert s.data == before[name], f"{op} in {mode} must not write {name}"


def test_set_mode_live_and_rejects_unknown():
    e, n = _fixture_stores()
    mm = MigratingMemory(e, n, "edn-only")
    assert mm.get_value(K(":a")) == "edn-a"
    assert mm.set_mode("datalevin-first") == "edn-only"
    assert mm.get_value(K(":a")) == "new-a"
    with pytest.raises(ValueError):
        mm.set_mode("datalevin-last")


def test_set_mode_is_thread_safe_with_writers():
    e, n = DictStore(name="edn"), DictStore(name="new")
    mm = MigratingMemory(e, n, "dual-write")

    def writer(tid: int) -> None:
        for i in range(400):
            mm.save_value(K(f":w{tid}/k{i % 50}"), i)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    switches = 0
    while any(t.is_alive() for t in threads) or switches < 50:
        mm.set_mode("datalevin-first" if switches % 2 else "dual-write")
        switches += 1
    for t in threads:
        t.join()
    assert e.data == n.data and len(e.data) == 150


# ---------------------------------------------------------------- dual-write failures
def test_second_write_retried_then_succeeds():
    e, n = DictStore(name="edn"), DictStore(name="new")
    mm = MigratingMemory(e, n, "dual-write", retries=2, retry_delay=0)
    n.fail_writes = 2
    mm.save_value(K(":x"), 1)
    assert n.data == {K(":x"): 1} and len(mm.repair_log) == 0


def test_second_write_failure_goes_to_persisted_repair_log(tmp_path):
    log = tmp_path / "repair.json"
    e, n = DictStore(name="edn"), DictStore(name="new")
    mm = MigratingMemory(e, n, "dual-write", repair_log=log, retries=1, retry_delay=0)
    n.fail_writes = 100
    mm.save_value(K(":x"), edn.Vector((1, None)))
    mm.save_value(K(":y"), False)
    assert K(":x") not in n.data
    assert len(RepairLog(log)) == 2 and RepairLog(log).entries[0].key == K(":x")
    assert [ev for ev in mm.events if ev[1] == "diverged"]
    # reads in datalevin-first never serve the stale side while the key awaits repair
    mm._mode = "datalevin-first"
    assert mm.get_value(K(":y"), "DEFAULT") is False
    mm._mode = "dual-write"
    n.fail_writes = 0
    assert mm.repair() == 2
    assert validate(e, n).ok and len(RepairLog(log)) == 0


def test_repair_log_survives_restart(tmp_path):
    log = tmp_path / "repair.json"
    e, n = DictStore(name="edn"), DictStore(name="new")
    mm = MigratingMemory(e, n, "datalevin-first", repair_log=log, retries=0)
    e.fail_writes = 5
    mm.delete_value(K(":nope"))
    mm.save_value(K(":k"), "v")
    e.fail_writes = 0
    mm2 = MigratingMemory(e, n, "dual-write", repair_log=log)  # a restarted app
    assert mm2.get_value(K(":k")) == "v"  # served from the side holding the acknowledged write
    assert mm2.repair() == 2 and e.data == {K(":k"): "v"}


def test_primary_failure_reaches_caller_and_nothing_diverges():
    e, n = DictStore(name="edn"), DictStore(name="new")
    mm = MigratingMemory(e, n, "dual-write")
    e.fail_writes = 1
    with pytest.raises(OSError):
        mm.save_value(K(":x"), 1)
    assert e.data == {} and n.data == {}


# ---------------------------------------------------------------- migrator
def _source(n: int = 120) -> DictStore:
    data = {}
    for i in range(n):
        ns = ("presence", "projects", "davidwu", "misc")[i % 4]
        data[K(f":{ns}/k{i:04d}")] = {
            K(":i"): i,
            K(":tags"): frozenset({"a", f"t{i}"}),
            K(":l"): edn.List((i, None)),
        }
    data[K(":nil/value")] = None
    data[K(":false/value")] = False
    return DictStore(data, "edn")


def test_migrator_copies_everything_in_priority_order_with_checkpoint():
    src, tgt = _source(), DictStore(name="new")
    res = Migrator(src, tgt, batch_size=25, progress=False).run()
    assert res.done and res.copied == len(src.data)
    assert validate(src, tgt).ok
    cp = read_checkpoint(tgt)
    assert cp.done and cp.copied == len(src.data)
    first = list(tgt.data)[0]
    assert first.namespace == "presence"  # sessions first, as the plan orders it


def test_migrator_resumes_after_stop_and_is_idempotent():
    src, tgt = _source(), DictStore(name="new")
    m = Migrator(src, tgt, batch_size=10, progress=False)
    m.on_batch = lambda i, n: m.stop() if i >= 40 else None
    r1 = m.run()
    assert not r1.done and r1.copied == 40
    assert read_checkpoint(tgt).copied == 40 and not validate(src, tgt).ok
    r2 = Migrator(src, tgt, batch_size=10, progress=False).run()
    assert r2.resumed_from == 40 and r2.copied == len(src.data) - 40 and r2.done
    assert validate(src, tgt).ok

    def user_data():
        return {k: v for k, v in tgt.data.items() if k != CHECKPOINT_KEY}

    snapshot = user_data()
    r3 = Migrator(src, tgt, batch_size=10, progress=False).run()  # second run: nothing to do
    assert r3.copied == 0 and user_data() == snapshot and read_checkpoint(tgt).runs == 3
    r4 = Migrator(src, tgt, batch_size=10, progress=False).run(restart=True)
    assert r4.copied == len(src.data) and validate(src, tgt).ok


class RacingSource(DictStore):
    """A source whose read of one key lets a live write happen before the batch is written."""

    def __init__(self, data, on_read):
        super().__init__(data, "edn")
        self.on_read = on_read

    def lookup(self, key):
        value = self.data.get(key, MISSING)
        self.on_read(key)
        return value


@pytest.mark.parametrize("live_op", ["save", "delete", "clear"])
def test_migrator_never_overwrites_a_newer_live_write(live_op):
    base = _source(40).data
    victim = sorted(base, key=str)[3]
    fired = []

    def race(key):
        if key == victim and not fired:
            fired.append(key)
            if live_op == "save":
                mm.save_value(victim, "LIVE")
            elif live_op == "delete":
                mm.delete_value(victim)
            else:
                mm.clear()

    src = RacingSource(base, race)
    tgt = DictStore(name="new")
    mm = MigratingMemory(src, tgt, "dual-write")
    res = Migrator(src, tgt, memory=mm, batch_size=100, progress=False).run()
    assert fired and res.skipped_live >= 1
    assert validate(src, tgt).ok, validate(src, tgt).to_dict()
    if live_op == "save":
        assert tgt.data[victim] == "LIVE"
    else:
        assert victim not in tgt.data


def test_background_migrator_with_live_traffic_keeps_stores_equal():
    src, tgt = _source(400), DictStore(name="new")
    mm = MigratingMemory(src, tgt, "dual-write")
    ledger = Ledger(mm)
    m = Migrator(src, tgt, memory=mm, batch_size=7, pause=0.0005, progress=False)
    m.start()
    keys = list(src.data)
    i = 0
    while m.running or i < 300:
        k = keys[(i * 37) % len(keys)]
        if i % 5 == 0:
            ledger.delete_value(k)
        elif i % 3 == 0:
            ledger.update(k, lambda v: edn.Vector((v, "u")))
        else:
            ledger.save_value(k, i)
        i += 1
    res = m.join()
    assert res.done and res.error is None
    assert validate(src, tgt).ok
    assert validate(ledger.expected, mm.get_all()).ok


def test_migrator_throttle_limits_rate():
    src, tgt = _source(60), DictStore(name="new")
    res = Migrator(src, tgt, batch_size=10, rate=600, progress=False).run()
    assert res.seconds >= 60 / 600 * 0.8


# ---------------------------------------------------------------- validation
def test_validation_on_crafted_differences():
    a = {
        K(":same"): {K(":x"): 1},
        K(":kw"): {K(":status"): K(":active")},
        K(":set"): frozenset({"a", "b"}),
        K(":list"): edn.List((1, 2)),
        K(":num"): 3,
        K(":strkey"): {"tag": 1},
        K(":nilval"): {K(":p"): None, K(":q"): 1},
        K(":changed"): {K(":t"): 1000},
        K(":missing"): 1,
        K(":nil"): None,
    }
    b = {
        K(":same"): {K(":x"): 1},
        K(":kw"): {K(":status"): "active"},
        K(":set"): edn.Vector(("a", "b")),
        K(":list"): edn.Vector((1, 2)),
        K(":num"): 3.0,
        K(":strkey"): {K(":tag"): 1},
        K(":nilval"): {K(":q"): 1},
        K(":changed"): {K(":t"): 2000},
        K(":extra"): 1,
        K(":nil"): None,
    }
    r = validate(a, b)
    kinds = {d.key: (d.kind, d.reason) for d in r.discrepancies}
    assert r.matched == 2
    assert r.counts == {"missing": 1, "extra": 1, "lossy": 5, "different": 2}
    assert kinds[":kw"] == ("lossy", "keyword -> string")
    assert kinds[":set"][0] == "lossy" and "set" in kinds[":set"][1]
    assert kinds[":list"][0] == "lossy" and "list" in kinds[":list"][1]
    assert kinds[":num"] == ("lossy", "long -> double")
    assert kinds[":strkey"][0] == "lossy" and "map key" in kinds[":strkey"][1]
    assert kinds[":nilval"] == ("different", "key :p with nil value dropped")
    assert kinds[":changed"][0] == "different" and "1000 -> 2000" in kinds[":changed"][1]
    assert kinds[":missing"][0] == "missing" and kinds[":extra"][0] == "extra"
    assert r.consistency == pytest.approx(100 * 2 / 11)
    assert r.completion == pytest.approx(100 * 9 / 10)
    assert sum(sum(c.values()) for c in r.by_type.values()) == 9
    assert not r.ok and len(r.to_frame()) == 9


def test_validation_ignores_checkpoint_and_sees_key_type_change():
    a = {edn.Vector((1, 2)): "v"}
    b = {edn.List((1, 2)): "v", CHECKPOINT_KEY: "{}"}
    r = validate(a, b)
    assert r.counts["different"] == 1 and r.discrepancies[0].path == "key"


# ---------------------------------------------------------------- rollback scenarios
def _migrated(mode: str) -> tuple[Ledger, DictStore, DictStore]:
    src, tgt = _source(80), DictStore(name="new")
    mm = MigratingMemory(src, tgt, "dual-write")
    Migrator(src, tgt, memory=mm, progress=False).run()
    mm.set_mode(mode)
    return Ledger(mm), src, tgt


def _writes(tag: str):
    def during(ledger: Ledger) -> None:
        ledger.save_value(K(f":during/{tag}"), tag)
        ledger.update(K(":presence/k0000"), lambda v: edn.Vector((tag, v)))
        ledger.delete_value(K(":projects/k0001"))
        ledger.save_value(K(":during/nil"), None)

    return during


def test_rollback_performance():
    ledger, src, tgt = _migrated("datalevin-first")
    ledger.save_value(K(":before/x"), 1)
    res = rollback_performance(ledger, during=_writes("perf"))
    assert res.ok and ledger.memory.mode == "dual-write"
    assert tgt.data[K(":during/perf")] == "perf"  # dual-write continued
    assert res.checks["app-view"].source_entries == len(ledger.expected)


def test_rollback_corruption_restarts_from_safe_point():
    ledger, src, tgt = _migrated("datalevin-first")
    safe = dict(tgt.data)
    gen = ledger.memory.generation
    ledger.save_value(K(":after-backup/x"), 2)
    ledger.delete_value(K(":presence/k0004"))
    for k in list(tgt.data)[:10]:  # corruption in the new store
        tgt.data[k] = "garbage"
    assert not validate(src, tgt).ok

    def reopen(backup):
        return DictStore(backup, "new")

    res = rollback_corruption(
        ledger,
        backup=safe,
        backup_generation=gen,
        reopen=reopen,
        during=_writes("corr"),
        resume_mode="dual-write",
    )
    assert res.ok, res.summary()
    assert ledger.memory.mode == "dual-write"
    assert validate(ledger.memory.stores["edn"], ledger.memory.stores["new"]).ok


def test_rollback_instability_from_datalevin_only(tmp_path):
    from workbench.stores.edn_file import EdnFileStore

    path = tmp_path / "memory.edn"
    e = EdnFileStore(path, debounce=0, write_mode="safe")
    e.put_many(_source(30).data)
    tgt = DictStore(name="new")
    mm = MigratingMemory(e, tgt, "dual-write")
    Migrator(e, tgt, memory=mm, progress=False).run()
    mm.set_mode("datalevin-only")
    ledger = Ledger(mm)
    ledger.save_value(K(":cutover/x"), "only in new")  # EDN is stale from here on
    res = rollback_instability(ledger, during=_writes("inst"), edn_path=path)
    assert res.ok, res.summary()
    assert mm.mode == "edn-only"
    assert res.checks["edn-file"].source_entries == len(ledger.expected)


def test_rollback_verification_can_fail():
    ledger, src, tgt = _migrated("datalevin-first")

    def lose(ledger: Ledger) -> None:
        ledger.save_value(K(":lost"), 1)
        del src.data[K(":lost")]  # a write the app acknowledged disappears behind its back

    assert not rollback_performance(ledger, during=lose).ok


def test_validation_fast_path_on_lmdb_agrees_with_slow_path(tmp_path):
    from workbench.stores.lmdb_kv import LmdbKvStore

    a = {K(f":k/{i}"): {K(":i"): i, K(":s"): frozenset({i, "x"})} for i in range(50)}
    a[K(":order")] = {K(":x"): 1, K(":y"): 2}
    a[K(":gone")] = None
    with LmdbKvStore(tmp_path / "db") as s:
        s.put_many({k: v for k, v in a.items() if k != K(":gone")})
        s.put(K(":order"), {K(":y"): 2, K(":x"): 1})  # identical value, other byte order
        s.put(K(":k/3"), {K(":i"): 3.0, K(":s"): frozenset({3, "x"})})
        s.put(K(":k/4"), "changed")
        s.put(K(":extra"), edn.List(()))
        s.put(CHECKPOINT_KEY, "{}")
        fast, slow = validate(a, s), validate(a, s, fast=False)
    for r in (fast, slow):
        assert r.counts == {"missing": 1, "extra": 1, "lossy": 1, "different": 1}, r.counts
        assert r.matched == 49 and r.target_entries == 52
    assert sorted((d.key, d.kind) for d in fast.discrepancies) == sorted(
        (d.key, d.kind) for d in slow.discrepancies
    )


def test_reconcile_fixes_an_interrupted_dual_write():
    from workbench.migrate import reconcile

    src = _source(20)
    tgt = DictStore(dict(src.data), "new")
    tgt.data[CHECKPOINT_KEY] = "{}"
    k = next(iter(src.data))
    src.data[k] = "written to EDN, then the process died"
    tgt.data[K(":deleted-in-edn-only")] = 1
    del tgt.data[K(":nil/value")]
    assert not validate(src, tgt).ok
    assert reconcile(src, tgt) == {"copied": 2, "deleted": 1}
    assert validate(src, tgt).ok and tgt.data[CHECKPOINT_KEY] == "{}"


def test_damaged_repair_log_error_names_file_line_and_column(tmp_path):
    log = tmp_path / "repair.json"
    log.write_text('[\n {"key": ":a", "op": "put",\n')
    with pytest.raises(ValueError, match=r"repair.json: line \d+, column \d+"):
        RepairLog(log)


def test_failed_second_clear_is_repaired_and_never_read_stale():
    e = DictStore({K(":a"): 1}, "edn")
    n = DictStore({K(":a"): 1}, "new")
    mm = MigratingMemory(e, n, "dual-write", retries=0)
    n.fail_writes = 1
    mm.clear()
    assert n.data == {K(":a"): 1} and len(mm.repair_log) == 1
    mm._mode = "datalevin-first"  # bypass set_mode's automatic repair to look at reads
    assert mm.get_all() == {} and mm.get_value(K(":a"), "DEFAULT") == "DEFAULT"
    assert mm.repair() == 1 and n.data == {}
