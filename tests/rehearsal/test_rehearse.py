"""Rehearsal runner, its report, faults, rollbacks via the runner, backup/restore/export, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench import edn
from workbench.io import sha256_file
from workbench.migrate.backup import (
    BackupError,
    backup_edn,
    backup_lmdb,
    export_edn,
    restore_edn,
    restore_lmdb,
    verify_backup,
)
from workbench.rehearsal.runner import rehearse

K = edn.kw


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from workbench.memory.generate import generate_memory

    path = tmp_path_factory.mktemp("rehearse") / "memory.edn"
    generate_memory(entries=150, seed=3).write(path)
    return path


def _metric(res, name):
    return next(m for m in res.metrics if m["metric"] == name)


def test_rehearse_kv_all_phases_consistent_and_input_untouched(sample, tmp_path):
    before = sha256_file(sample)
    res = rehearse(sample, tmp_path, mapping="kv", ops_per_phase=80, progress=False)
    assert sha256_file(sample) == before and not res.errors
    assert [p.name for p in res.phases] == [
        "baseline",
        "1-preparation",
        "2-dual-write",
        "3-read-cutover",
        "4-write-cutover",
    ]
    assert _metric(res, "data consistency")["pass"] and _metric(res, "completion")["pass"]
    for p in res.phases[2:]:
        assert p.validation["consistency"] == 100.0
        assert p.latency["get_value"]["n"] > 0
    assert res.phases[-1].validation["export_consistency"] == 100.0
    md = Path(res.files["md"]).read_text()
    assert "## Success metrics" in md and "read latency" in md
    data = json.loads(Path(res.files["json"]).read_text())
    assert data["mapping"] == "kv" and len(data["metrics"]) == 4
    # the latency metrics say which stack timed them: Python against the Python EDN emulation
    for m in data["metrics"]:
        if "latency" in m["metric"]:
            assert m["stack"].startswith("Python, py-lmdb"), m
            assert f"| {m['stack']} |" in md
    assert Path(res.files["png"]).stat().st_size > 1000


def test_rehearse_inferred_lossless_and_plan_lossy(sample, tmp_path):
    inferred = rehearse(sample, tmp_path, mapping="inferred", ops_per_phase=40, progress=False)
    assert _metric(inferred, "data consistency")["value"] == 100.0, inferred.discrepancies[:3]
    plan = rehearse(sample, tmp_path, mapping="plan", ops_per_phase=40, progress=False)
    assert not _metric(plan, "data consistency")["pass"]
    kinds = {d["kind"] for d in plan.discrepancies}
    assert kinds & {"lossy", "different", "missing"}
    assert "## Discrepancies" in Path(plan.files["md"]).read_text()


def test_rehearse_with_every_fault_still_ends_consistent(sample, tmp_path):
    res = rehearse(
        sample,
        tmp_path,
        mapping="kv",
        ops_per_phase=80,
        progress=False,
        batch_size=20,
        fault_rate=0.5,
        faults=["crash-during-copy", "failing-second-write", "full-disk"],
    )
    kinds = [k for _, k, _ in res.events]
    assert "fault" in kinds and "repair" in kinds
    texts = [text for _, _, text in res.events]
    assert any("resumed at" in t for t in texts)
    assert any("copy killed" in t for t in texts)  # crash during copy, resumed from checkpoint
    assert any("MapFullError" in t for t in texts)  # the capped LMDB map really filled up
    assert _metric(res, "data consistency")["value"] == 100.0
    assert _metric(res, "completion")["value"] == 100.0


@pytest.mark.parametrize("scenario", ["performance", "corruption", "instability"])
def test_rehearse_rollback_scenarios_lose_nothing(sample, tmp_path, scenario):
    res = rehearse(
        sample, tmp_path, mapping="kv", ops_per_phase=60, progress=False, rollback=scenario
    )
    assert res.rollback["ok"], res.rollback
    assert _metric(res, f"rollback ({scenario})")["pass"]


# ------------------------------------------------------------------ backup / restore / export
def test_lmdb_backup_restore_and_tamper_detection(tmp_path):
    from workbench.stores.lmdb_kv import LmdbKvStore

    data = {K(f":k/{i}"): {K(":i"): i, K(":s"): frozenset({i})} for i in range(300)}
    with LmdbKvStore(tmp_path / "db") as s:
        s.put_many(data)
        for i in range(200):
            s.delete(K(f":k/{i}"))
        info = backup_lmdb(s, tmp_path / "bk")
        s.put(K(":after"), 1)
    assert info.bytes > 0 and verify_backup(tmp_path / "bk").files == info.files
    restore_lmdb(tmp_path / "bk", tmp_path / "db")
    with LmdbKvStore(tmp_path / "db") as s:
        assert K(":after") not in s and len(s) == 100
        assert edn.identical(s.get(K(":k/250")), data[K(":k/250")])
    closed = backup_lmdb(tmp_path / "db", tmp_path / "bk2")  # from a closed env folder
    assert verify_backup(tmp_path / "bk2").files["data.mdb"] == closed.files["data.mdb"]
    with pytest.raises(BackupError, match="not empty"):
        backup_lmdb(tmp_path / "db", tmp_path / "bk2")
    (tmp_path / "bk" / "data.mdb").write_bytes(b"garbage")
    with pytest.raises(BackupError, match="checksum"):
        restore_lmdb(tmp_path / "bk", tmp_path / "db")


def test_edn_backup_restore_and_export_round_trip(sample, tmp_path):
    info = backup_edn(sample, tmp_path / "b" / "memory.edn")
    assert info.files["memory.edn"] == sha256_file(sample)
    out = restore_edn(tmp_path / "b" / "memory.edn", tmp_path / "restored.edn")
    assert sha256_file(out) == sha256_file(sample)
    (tmp_path / "b" / "memory.edn").write_text("{}")
    with pytest.raises(BackupError):
        restore_edn(tmp_path / "b" / "memory.edn", tmp_path / "restored.edn")
    value = edn.load(sample)
    value[K(":odd/list")] = edn.List((1, None, False))
    exp = export_edn(value, tmp_path / "export.edn")
    assert exp.verified and exp.entries == len(value)
    assert edn.identical(edn.load(tmp_path / "export.edn"), value)


def test_cli_rehearse(sample, tmp_path, capsys):
    from workbench.cli import main

    code = main(["rehearse", str(sample), "--mapping", "kv", "--out", str(tmp_path), "--ops", "30"])
    out = capsys.readouterr().out
    assert code in (0, 1) and "lmdb/kv" in out and "data consistency" in out
    assert (tmp_path / "rehearsal.md").exists() and (tmp_path / "rehearsal-lmdb-kv.json").exists()


def test_cached_store_write_behind_queues_until_flushed_and_measures_its_window(tmp_path):
    from workbench.rehearsal.cached import CachedStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    inner = LmdbKvStore(tmp_path / "db")
    inner.put(K(":a"), 1)
    cache = CachedStore(inner, "write-behind", interval=3600)  # no background batch in the test
    assert cache.get(K(":a")) == 1  # loaded from the store
    cache.put(K(":b"), {K(":x"): None})
    assert cache.delete(K(":a"))
    assert cache.get(K(":b")) == {K(":x"): None} and K(":a") not in cache
    assert K(":b") not in inner and inner.get(K(":a")) == 1  # acknowledged, not yet written
    store = cache.persisted()  # the queue is written in one batch
    assert store is inner and inner.get(K(":b")) == {K(":x"): None} and K(":a") not in inner
    window = cache.window()
    assert window["max_pending_writes"] == 2 and window["max_pending_ms"] > 0
    assert window["batches"] == 1 and window["configured_ms"] == 3_600_000
    through = CachedStore(inner, "write-through")
    through.put(K(":c"), 3)
    assert inner.get(K(":c")) == 3 and through.window()["configured_ms"] == 0.0
    cache.close()  # closes inner too
    with pytest.raises(ValueError, match="policy"):
        CachedStore(LmdbKvStore(tmp_path / "db2"), "write-around")


TINY_REPLAY = {"warmup-gets": 50, "warmup": 20, "warmup-ms": 60_000, "budget-ms": None}


@pytest.mark.datalevin
def test_jvm_replay_times_each_op_and_answers_like_the_python_store(dl, tmp_path):
    """Every replayable op of the sequence is timed once, in order, on every JVM store; what the
    gets answer equals what the Python store answers to the same sequence."""
    from workbench.bench.jvm import jvm_data
    from workbench.bench.jvm_replay import replay_frame, replay_jvm
    from workbench.memory.generate import generate_memory
    from workbench.stores.lmdb_kv import LmdbKvStore

    data, _ = jvm_data(generate_memory(entries=80, seed=5).value)
    keys = list(data)
    new = K(":trace/new")
    ops = [
        ("get", keys[0], None),
        ("save", keys[1], {K(":v"): 1, K(":tags"): frozenset({"a"})}),
        ("get", keys[1], None),
        ("get", new, None),  # missing
        ("save", new, edn.Vector((1, 2.5, "x"))),
        ("get", new, None),
        ("update", keys[2], {K(":trace/updates"): 1}),
        ("get", keys[2], None),
        ("delete", keys[3], None),
        ("get", keys[3], None),
        ("save", keys[4], None),  # nil: replayed as a delete
        ("get", keys[4], None),
        ("save", keys[5], False),
        ("get", keys[5], None),
        ("search", None, "session"),  # left out: no JVM op
        ("get", "a string key", None),  # left out: not a keyword
    ]
    py = LmdbKvStore(tmp_path / "py")
    py.put_many(data)
    expected = []
    for kind, key, value in ops[:-2]:
        if kind == "get":
            expected.append(py.get(key, None))
        elif kind in ("save", "update"):
            py.put(key, value)
        else:
            py.delete(key)
    py.close()
    stores = ["edn-app", "edn-app[durable]", "datalevin-kv[default]",
              "datalevin-datalog[default]", "cached-write-behind[default]",
              "cached-write-through[default]+datalog"]  # fmt: skip
    replays, kept = replay_jvm(
        data, ops, stores, plan=TINY_REPLAY, answers=True, workdir=tmp_path / "jvm", progress=False
    )
    assert kept == list(range(len(ops) - 2))
    want_kinds = [k if v is not None or k != "save" else "delete" for k, _key, v in ops[:-2]]
    for label in stores:
        r = replays[label]
        assert r.kinds == want_kinds and len(r.ns) == len(kept) == len(r.noop_ns), label
        assert all(ns > 0 for ns in r.ns) and r.file_bytes > 0, label
        got = [a for a, kind in zip(r.answers, r.kinds, strict=True) if kind == "get"]
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert edn.identical(a, b), (label, a, b)
    frame = replay_frame(replays, entries=len(data))
    counts = frame[frame["store"] == "edn-app"].set_index("op")["n"].to_dict()
    assert counts == {"noop": len(kept), "get": 8, "save": 3, "update": 1, "delete": 2}


@pytest.mark.datalevin
def test_rehearse_into_datalevin_kv(dl, tmp_path):
    """The target is pluggable by name: the same four phases into Datalevin's key-value shape;
    its latency metrics come from the JVM replay of the trace, both baselines, labelled."""
    from support import DATA_SAMPLES

    res = rehearse(
        DATA_SAMPLES / "memory-small.edn",
        tmp_path,
        target="datalevin",
        mapping="kv",
        ops_per_phase=30,
        progress=False,
        jvm_plan=TINY_REPLAY,
    )
    assert _metric(res, "data consistency")["value"] == 100.0, res.discrepancies[:3]
    assert _metric(res, "completion")["value"] == 100.0
    assert res.phases[-1].validation["export_consistency"] == 100.0
    _assert_jvm_metrics(res, "datalevin-kv[default]")


def _assert_jvm_metrics(res, label):
    jvm = res.context["jvm"]
    assert jvm["label"] == label and not res.errors
    assert set(jvm["ops_timed"].values()) == {jvm["ops_replayed"]} and jvm["ops_replayed"] > 50
    assert set(jvm["answers_differing"].values()) == {0}, jvm["answers_differing"]
    data = json.loads(Path(res.files["json"]).read_text())
    md = Path(res.files["md"]).read_text()
    latency = [m for m in data["metrics"] if "latency" in m["metric"]]
    assert {m["metric"] for m in latency} == {
        f"{w} latency ({b} baseline)" for w in ("read", "write") for b in ("in-memory", "durable")
    }
    for m in latency:
        assert m["stack"].startswith("JVM, System/nanoTime") and m["plan"] is True, m
        assert f"| {m['stack']} |" in md
        assert m["value"] > 0
    assert "## Latency inside the JVM" in md and label in md
    assert res.context["latency_stack"].startswith("Python bridge (JPype)")


@pytest.mark.datalevin
def test_rehearse_cached_write_behind_passes_consistency_and_shows_its_window(dl, tmp_path):
    from support import DATA_SAMPLES

    res = rehearse(
        DATA_SAMPLES / "memory-small.edn",
        tmp_path,
        target="cached-write-behind",
        mapping="kv",
        ops_per_phase=30,
        progress=False,
        jvm_plan=TINY_REPLAY,
    )
    assert _metric(res, "data consistency")["value"] == 100.0, res.discrepancies[:3]
    assert _metric(res, "completion")["value"] == 100.0
    _assert_jvm_metrics(res, "cached-write-behind[default]")
    window = res.context["window_of_loss"]
    assert window["policy"] == "write-behind" and window["max_pending_ms"] > 0
    rows = {m["metric"]: m for m in res.metrics}
    assert rows["durability window (in-memory baseline)"]["pass"]  # today's 100 ms debounce
    assert not rows["durability window (durable baseline)"]["pass"]  # not on disk on return
    assert not rows["durability window (durable baseline)"]["plan"]
    md = Path(res.files["md"]).read_text()
    assert "Window of loss (write-behind)" in md and f"{window['max_pending_ms']:g} ms" in md
