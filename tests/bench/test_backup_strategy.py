"""The backup comparison: kill-halfway restores, the live-backup consistency check, the
recommendation rule, the output files; and (one JVM test) every method on a small memory."""

from __future__ import annotations

import pytest

from workbench import edn
from workbench.bench import backup as bb
from workbench.bench._backup_restore import fingerprint, restore_dir
from workbench.memory.generate import generate_memory
from workbench.memory.model import memory_from_text
from workbench.migrate.backup import backup_lmdb
from workbench.stores.lmdb_kv import LmdbKvStore

K = edn.Keyword


@pytest.fixture(scope="module")
def small():
    """A generated memory of 60 entries, loaded like a user's file."""
    return memory_from_text(generate_memory(entries=60, seed=3).text)


def _two_backups(tmp_path, memory):
    """An LMDB store backed up twice with a change in between: (old backup, new backup)."""
    data = {e.key: e.value for e in memory.entries}
    store = LmdbKvStore(tmp_path / "src")
    store.put_many(data)
    backup_lmdb(store, tmp_path / "A")
    store.put(next(iter(data)), "changed")
    backup_lmdb(store, tmp_path / "B")
    store.close()
    return tmp_path / "A", tmp_path / "B"


def test_staged_swap_survives_a_kill_at_every_step(tmp_path, small) -> None:
    a, b = _two_backups(tmp_path, small)
    old = restore_dir(a, tmp_path / "old")
    new_state = {k: v for k, v in fingerprint(b).items() if k != "MANIFEST.json"}
    points, survived, note = bb.kill_restore("dir", b, old, new_state, tmp_path / "k")
    assert points >= 2  # the half-written copy and the swap, at least
    assert (survived, note) == (points, "")


def test_restore_lmdb_swaps_in_one_step_a_kill_never_finds_the_destination_missing(
    tmp_path, small
) -> None:
    a, b = _two_backups(tmp_path, small)
    old = restore_dir(a, tmp_path / "old")
    new_state = {"data.mdb": fingerprint(b)["data.mdb"]}
    points, survived, note = bb.kill_restore("lmdb", b, old, new_state, tmp_path / "k")
    # the kill point is the one exchange (the staged copy streams while hashing, no file step);
    # killed there, or anywhere before, the destination is whole: the old state or the new one
    # (the two-rename form had two points, and a kill between them found it missing)
    assert points >= 1, (points, survived, note)
    assert (survived, note) == (points, ""), (points, survived, note)


def test_exchange_swaps_two_folders(tmp_path) -> None:
    from workbench.io import exchange

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("b")
    exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "x").read_text() == "b" and (tmp_path / "b" / "x").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_kill_test_refuses_to_claim_anything_when_old_equals_new(tmp_path, small) -> None:
    a, _b = _two_backups(tmp_path, small)
    old = restore_dir(a, tmp_path / "old")
    state = fingerprint(old)
    assert bb.kill_restore("dir", a, old, state, tmp_path / "k")[:2] == (0, 0)


def test_live_differences_accepts_the_traces_writes_and_counts_the_rest() -> None:
    s = K("presence", "s1")
    data = {s: {K("a", "b"): 1}, K("x", "y"): "v"}
    touched = {s: {K("a", "b"): 1, K("workbench", "touched"): 5}, K("x", "y"): "v"}
    assert bb.live_differences(touched, data) == 0
    assert bb.live_differences({**touched, K("davidwu", "trace-0-3"): {}}, data) == 0
    assert bb.live_differences({s: touched[s]}, data) == 1  # an entry missing
    assert bb.live_differences({**touched, K("x", "y"): "torn"}, data) == 1
    assert bb.live_differences({**touched, K("other", "new"): 1}, data) == 1


def _row(method: str, **kw) -> bb.BackupRow:
    base = dict(
        data="m.edn",
        entries=10,
        method=method,
        runs_in="x",
        bytes=100,
        identical=10,
        app_reads="yes: fine",
        kill_points=2,
        kill_survived=2,
    )
    return bb.BackupRow(**{**base, **kw})


def test_recommendation_follows_the_measurements(tmp_path) -> None:
    good = [
        _row("Datalevin copy", bytes=200),
        _row("Datalevin copy, compacted", bytes=150),
        _row("workbench EDN export", bytes=50),
    ]
    rec = bb.backup_recommendation(good)
    assert rec["status"] == "go" and "compact? true" in rec["sentence"] and not rec["why"]
    unsafe = [*good, _row("py-lmdb compacting copy (lmdb-kv)", kill_survived=1)]
    rec = bb.backup_recommendation(unsafe)
    assert rec["status"] == "needs attention" and "lmdb-kv" in rec["why"]
    lost = [_row(r.method, identical=9) for r in good]
    assert bb.backup_recommendation(lost)["status"] == "no-go"


def test_outputs_have_the_backup_heading_and_every_row(tmp_path) -> None:
    rows = [_row("Datalevin copy"), _row("workbench EDN export", errors=["boom"])]
    csv_path, md_path = bb.write_backup_outputs(rows, tmp_path)
    text = md_path.read_text()
    assert text.startswith("# Backup") and "## Recommendation" in text
    assert csv_path.read_text().count("\n") == 3
    table = bb.backup_table(rows)
    assert list(table["method"]) == ["Datalevin copy", "workbench EDN export"]
    assert table.loc[0, "restore survives a kill"].startswith("yes: 2/2")


@pytest.mark.datalevin
def test_every_method_restores_identical_data_on_datalevin(dl, small) -> None:
    handed = []
    rows = bb.compare_backups(small, "small", repeats=1, progress=False, on_row=handed.append)
    assert [r.method for r in rows] == list(bb.METHOD_NAMES)
    assert handed == rows  # each row handed over as its method ended, in order
    for r in rows:
        assert r.errors == [], r.method
        assert (r.identical, r.live_differences) == (len(small.entries), 0), r.method
        assert r.bytes > 0 and r.restore_s > 0
        assert r.app_ops_during >= 0 and r.backup_s_writing > 0
        # every method's kill column is a measurement: at least one kill, each left old or new
        assert r.kill_points >= 1 and r.kill_safe, (r.method, r.kill_points, r.kill_note)
        assert list(r.phase_s) == list(bb.PHASES), r.method  # every step timed, once, in order
    by = {r.method: r for r in rows}
    for name in ("Datalevin copy", "Datalevin copy, compacted", "Datalevin datom dump/load"):
        assert by[name].app_reads.startswith("yes: Datalevin opens it"), by[name].app_reads
        assert by[name].runs_in.startswith("JVM")
    assert by["Datalevin copy, compacted"].bytes < by["Datalevin copy"].bytes
    # the load of a dump killed half-way, after the load and after the swap (its own JVM each)
    assert by["Datalevin datom dump/load"].kill_points == 3
    # restore_lmdb swaps the restored folder in with one renameat2 exchange: no kill window left
    assert by["py-lmdb compacting copy (lmdb-kv)"].app_reads.startswith("no: Datalevin open-kv")
    nan = len(_holding_nan({e.key: e.value for e in small.entries}))
    assert by["workbench EDN export"].app_reads == (
        f"yes: clojure.edn/read-string gives {len(small.entries) - nan:,} entries = to the file's"
        + (f", {nan:,} hold ##NaN (never = to itself in Clojure)" if nan else "")
    )


def _holding_nan(data) -> list:
    """Keys whose value holds a NaN somewhere (what the app's check counts apart)."""
    import math

    from workbench.stores.datalevin.bridge import walk_values

    return [
        k
        for k, v in data.items()
        if any(isinstance(x, float) and math.isnan(x) for x in walk_values(v))
    ]


@pytest.mark.datalevin
def test_the_kill_test_catches_a_load_that_is_not_staged(dl, small, tmp_path) -> None:
    """The control: the same load of a dump, written straight into the destination (old state
    removed first), killed half-way leaves neither the old nor the new state, and the kill test
    says so (one child JVM)."""
    from workbench.bench import _backup_jvm as bj
    from workbench.bench._backup_methods import _dl_load
    from workbench.bench._backup_restore import stage_dir

    data = {e.key: e.value for e in small.entries}
    src = bj.JvmSource(data, _mapping(small), tmp_path / "src")
    try:
        src.backup("dump", tmp_path / "a.nippy")
        with src.writing():  # the app's saves land in the second dump
            src.backup("dump", tmp_path / "b.nippy")
        _export_reads_back_and_the_app_check_sees_a_changed_entry(src, data, tmp_path)
    finally:
        src.close()
    _dl_load(tmp_path / "a.nippy", tmp_path / "old")
    t = bj.load_dump(stage_dir(tmp_path / "x"), tmp_path / "b.nippy")
    _dl_load(tmp_path / "b.nippy", tmp_path / "new")
    new = bj.content_state(tmp_path / "new")
    assert new not in (None, "unopenable", bj.content_state(tmp_path / "old"))
    points, survived, note = bb.kill_restore(
        "load-unstaged", tmp_path / "b.nippy", tmp_path / "old", new, tmp_path / "k",
        max_points=1, state=bj.content_state, half_s=t / 2, parallel=False,
    )  # fmt: skip
    assert (points, survived) == (1, 0), (points, survived, note)
    assert any(w in note for w in ("neither old nor new", "missing", "not a database")), note


def _export_reads_back_and_the_app_check_sees_a_changed_entry(src, data, tmp_path) -> None:
    """The EDN export written from the stored blobs (no decoding) reads back identical to the
    file; the app's check in the JVM counts an entry changed in the file as differing."""
    from workbench.bench._backup_methods import METHODS, app_reads

    export = next(m for m in METHODS if m.kill_restore == "file")
    path = tmp_path / "export.edn"
    path.write_text(src.edn_text(), encoding="utf-8")
    back = edn.load(path)
    assert len(back) == len(data) and all(edn.identical(back[k], v) for k, v in data.items())
    nan = _holding_nan(data)
    assert app_reads(export, path, data, src).startswith(
        f"yes: clojure.edn/read-string gives {len(data) - len(nan)} entries"
    )
    k = next(k for k, v in data.items() if isinstance(v, dict) and k not in nan)
    path.write_text(edn.dumps({**back, k: "changed"}), encoding="utf-8")
    got = app_reads(export, path, data, src)
    assert got.startswith("partly:") and edn.printed(k, 40) in got
    assert f"{len(data) - 1 - len(nan)} of {len(data)} entries" in got
    path.write_text("{:a", encoding="utf-8")
    assert app_reads(export, path, data, src).startswith("no: clojure.edn/read-string")


def _mapping(memory):
    from workbench.analysis.schema import get_mapping

    return get_mapping("inferred", memory=memory)


def test_the_trace_sample_keeps_every_hot_key_and_bounds_the_rest() -> None:
    from workbench.bench import _backup_jvm as bj
    from workbench.bench.workloads import hot_keys

    mem = memory_from_text(generate_memory(entries=3000, seed=1).text)
    data = {e.key: e.value for e in mem.entries}
    sample = bj.trace_sample(data)
    assert set(hot_keys(data)) <= set(sample)
    assert len(sample) <= len(hot_keys(data)) + bj.TRACE_SAVES + bj.TRACE_CREATES + bj.TRACE_ANY
    assert len(sample) < len(data)
    assert all(sample[k] is data[k] for k in sample)
    assert bj.trace_sample(data) == sample  # seeded: the same sample every run
    touched = bj.touch({K("a", "b"): 1})
    assert touched == {K("a", "b"): 1, bj.TOUCHED: bj.TOUCHED_AT}
    # the consistency check accepts what the JVM trace's save writes, and only that
    s = next(k for k in sample if isinstance(data[k], dict))
    assert bb.live_differences({**data, s: bj.touch(data[s])}, data) == 0
    assert bb.live_differences({**data, s: "torn"}, data) == 1


def test_app_writing_on_an_empty_memory_replays_nothing_and_does_not_fail(tmp_path):
    store = LmdbKvStore(tmp_path / "kv", durability="nosync")
    try:
        with bb.AppWriting(store, {}) as app:
            assert not app._thread.is_alive()  # the warm-up wait ends with the trace
        assert app.errors == [] and app.stamps == []
    finally:
        store.close()


def test_the_table_says_how_often_each_row_was_timed(tmp_path) -> None:
    rows = [_row("Datalevin copy", repeats=3), _row("workbench EDN export", repeats=1)]
    table = bb.backup_table(rows)
    assert list(table["timed"]) == ["median of 3", "once"]
    assert bb.default_repeats(2_000) == 3 and bb.default_repeats(bb.ONE_RUN_FROM) == 1
    text = bb.write_backup_outputs(rows, tmp_path)[1].read_text()
    assert "| median of 3 |" in text and "| once |" in text


def test_the_progress_bar_counts_every_step_once_and_ends_at_its_total() -> None:
    bar = bb._Progress("x", list(bb.METHODS), 100_000, 1, disable=False)
    bar.advance(bb.step_cost("schema", "infer", 100_000))
    for source in {m.source for m in bb.METHODS}:
        bar.loading(source)(100_000)
    for m in bb.METHODS:
        for step in bb.PHASES:
            with bar.step(m, step, {}):
                pass
    assert bar.bar.n == pytest.approx(bar.bar.total, abs=0.1)
    # the weights follow the size: a 100k memory's steps weigh more than a small one's
    small = bb._Progress("x", list(bb.METHODS), 60, 1, disable=True)
    assert small.bar.total < bar.bar.total
