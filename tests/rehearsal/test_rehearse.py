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


@pytest.mark.datalevin
def test_rehearse_into_datalevin_kv(dl, tmp_path):
    """The target is pluggable by name: the same four phases into Datalevin's key-value shape."""
    from support import DATA_SAMPLES

    res = rehearse(
        DATA_SAMPLES / "memory-small.edn",
        tmp_path,
        target="datalevin",
        mapping="kv",
        ops_per_phase=30,
        progress=False,
    )
    assert _metric(res, "data consistency")["value"] == 100.0, res.discrepancies[:3]
    assert _metric(res, "completion")["value"] == 100.0
    assert res.phases[-1].validation["export_consistency"] == 100.0
