"""A refused restore leaves the live file alone, for every restore and rollback path (issue 13).

Each path is run against a backup that is corrupt (its checksum fails) and against one that
changes while the restore runs (the backup file is rewritten right after it is first read):
the restore either refuses with the destination byte-identical, or writes exactly the bytes that
matched the manifest; never anything else.
"""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path

import pytest

from workbench import edn
from workbench.migrate import Ledger, MigratingMemory, Migrator, rollback_corruption
from workbench.migrate.backup import (
    BackupError,
    backup_edn,
    backup_lmdb,
    restore_edn,
    restore_lmdb,
)
from workbench.stores.edn_file import EdnFileStore
from workbench.stores.lmdb_kv import LmdbKvStore

K = edn.kw
PATHS = ("edn", "lmdb-subdir", "lmdb-file", "rollback-corruption")


def _snapshot(dest: Path) -> dict[str, bytes]:
    """Every file under dest (or dest itself) with its bytes."""
    if dest.is_dir():
        return {p.name: p.read_bytes() for p in sorted(dest.iterdir())}
    return {dest.name: dest.read_bytes()}


def _flip(path: Path) -> None:
    """Change one byte of path in place (same size), without going through open()."""
    fd = os.open(path, os.O_RDWR)
    try:
        first = os.pread(fd, 1, 0)
        os.pwrite(fd, bytes([first[0] ^ 0xFF]), 0)
    finally:
        os.close(fd)


def _change_after_first_read(monkeypatch, target: Path) -> dict:
    """Rewrite target right after the first read handle on it is closed."""
    real_open = builtins.open
    state = {"reads": 0}

    class Handle:
        def __init__(self, fh):
            self._fh = fh

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __iter__(self):
            return iter(self._fh)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

        def close(self):
            self._fh.close()
            state["reads"] += 1
            if state["reads"] == 1:
                _flip(target)

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, os.PathLike)) and "r" in mode and "+" not in mode:
            if os.path.abspath(file) == str(target):
                return Handle(fh)
        return fh

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    return state


def _lmdb(path: Path, n: int, tag: str) -> None:
    with LmdbKvStore(path) as s:
        s.put_many({K(f":k/{i}"): f"{tag}-{i}" for i in range(n)})


def _setup(tmp_path: Path, path: str):
    """(run the restore, destination, backup data file) for one restore path."""
    if path == "edn":
        live = tmp_path / "memory.edn"
        live.write_text('{:a 1, :b "bk"}')
        bk = tmp_path / "bk" / "memory.edn"
        backup_edn(live, bk)
        live.write_text('{:a 2, :b "live, newer"}')
        return (lambda: restore_edn(bk, live)), live, bk
    if path in ("lmdb-subdir", "lmdb-file"):
        src = tmp_path / "src"
        _lmdb(src, 50, "bk")
        backup_lmdb(src, tmp_path / "bk")
        bk = tmp_path / "bk" / "data.mdb"
        if path == "lmdb-subdir":
            live = tmp_path / "db"
            _lmdb(live, 80, "live")
            return (lambda: restore_lmdb(tmp_path / "bk", live)), live, bk
        live = tmp_path / "db.mdb"
        live.write_bytes(b"live lmdb file" * 100)
        return (lambda: restore_lmdb(tmp_path / "bk", live, subdir=False)), live, bk
    # rollback scenario 2, as the rehearsal runs it: reopen = close, restore_lmdb, open
    target = tmp_path / "target"
    restored: dict[str, bytes] = {}
    old = EdnFileStore(tmp_path / "memory.edn", debounce=0, write_mode="safe")
    old.put_many({K(f":presence/k{i}"): {K(":i"): i} for i in range(30)})
    new = LmdbKvStore(target)
    mm = MigratingMemory(old, new, "dual-write")
    Migrator(old, new, memory=mm, progress=False).run()
    backup_lmdb(new, tmp_path / "bk")
    gen = mm.generation
    ledger = Ledger(mm)
    ledger.save_value(K(":after/x"), 1)
    new.close()
    mm.set_mode("datalevin-first")

    def reopen(backup):
        restore_lmdb(backup, target)
        restored["bytes"] = (target / "data.mdb").read_bytes()  # before the store writes again
        return LmdbKvStore(target)

    def run():
        try:
            return rollback_corruption(
                ledger, backup=tmp_path / "bk", backup_generation=gen, reopen=reopen
            )
        finally:
            old.close()

    run.restored = restored
    return run, target, tmp_path / "bk" / "data.mdb"


@pytest.mark.parametrize("path", PATHS)
def test_corrupt_backup_is_refused_and_destination_untouched(tmp_path, path) -> None:
    run, dest, data = _setup(tmp_path, path)
    before = _snapshot(dest)
    _flip(data)
    with pytest.raises(BackupError, match="checksum"):
        run()
    assert _snapshot(dest) == before
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(f".{dest.name}.")]


@pytest.mark.parametrize("path", PATHS)
def test_backup_changing_during_restore_never_reaches_destination(
    tmp_path, monkeypatch, path
) -> None:
    run, dest, data = _setup(tmp_path, path)
    before = _snapshot(dest)
    verified = data.read_bytes()  # the bytes the manifest describes
    state = _change_after_first_read(monkeypatch, data)
    try:
        run()
    except BackupError:
        assert _snapshot(dest) == before  # refused: the live file is untouched
    else:
        got = (dest / "data.mdb") if dest.is_dir() else dest
        restored = getattr(run, "restored", {}).get("bytes", got.read_bytes())
        assert restored == verified  # restored: exactly the bytes that matched
    monkeypatch.undo()
    assert state["reads"] >= 1 and data.read_bytes() != verified  # the backup did change


# ------------------------------------------------------------- files written for the app
DAMAGED = Path(__file__).resolve().parents[2] / "data-samples" / "memory-damaged.edn"


def _salvaged() -> dict:
    from workbench import load_memory

    return load_memory(DAMAGED).as_dict()  # keeps #"regex", #object[...], records (flagged)


def test_export_refuses_values_the_app_cannot_read(tmp_path) -> None:
    from workbench.migrate.backup import UnreadableValuesError, export_edn

    data = _salvaged()
    bad = sorted(edn.printed(k) for k, v in data.items() if edn.app_unreadable(v))
    assert bad  # the sample holds some
    out = tmp_path / "export.edn"
    with pytest.raises(UnreadableValuesError) as exc:
        export_edn(data, out)
    assert sorted(exc.value.keys) == bad and "--drop-unreadable" in str(exc.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing written
    info = export_edn(data, out, drop_unreadable=True)
    assert info.dropped == bad and info.verified and info.entries == len(data) - len(bad)
    assert edn.loads(out.read_text(), unknown_tags="error")  # strict: what the app reads


def test_app_unreadable_names_what_clojure_edn_refuses() -> None:
    value = edn.loads(
        '{:a [1 {:b #{#"x+"}}] :c #inst "2026-01-01" :d #uuid "1-1-1-1-1"}', regex="keep"
    )
    assert edn.app_unreadable(value) == '#"regex"'
    assert edn.app_unreadable(edn.loads('[#object [a 1 "b"]]')) == "#object"
    assert edn.app_unreadable(edn.loads("{:x #my.ns.Rec{:a 1}}")) == "#my.ns.Rec"
    assert edn.app_unreadable(edn.loads('{:c #inst "2026-01-01" :d [1 (2)]}')) is None
    deep = edn.loads("[" * 5000 + '#"x"' + "]" * 5000, regex="keep")
    assert edn.app_unreadable(deep) == '#"regex"'  # iterative


@pytest.mark.datalevin
def test_files_written_for_the_app_read_back_with_clojure_edn(dl, tmp_path) -> None:
    """clojure.edn/read-string (the app's reader, in the session JVM) reads every written file,
    and agrees with the strict Python reader on #"re" and octal escapes."""
    from workbench.migrate.backup import export_edn
    from workbench.stores.datalevin.bridge import clj

    c = clj()
    c.attach_thread()
    c.var("clojure.core", "require").invoke(c.read("clojure.edn"))
    read_string = c.var("clojure.edn", "read-string")
    count = c.var("clojure.core", "count")

    def app_reads(text: str) -> object:
        return read_string.invoke(c.JString(text))

    data = _salvaged()
    exp = export_edn(data, tmp_path / "export.edn", drop_unreadable=True)
    text = (tmp_path / "export.edn").read_text(encoding="utf-8")
    assert int(count.invoke(app_reads(text))) == exp.entries
    clean = tmp_path / "clean.edn"
    clean.write_text(text, encoding="utf-8")
    backup_edn(clean, tmp_path / "bk" / "memory.edn")
    restored = restore_edn(tmp_path / "bk" / "memory.edn", tmp_path / "restored.edn")
    for f in (tmp_path / "bk" / "memory.edn", restored):
        assert int(count.invoke(app_reads(f.read_text(encoding="utf-8")))) == exp.entries
    # without dropping, the salvaged values print as text the app refuses: the refusal is right
    bad = next(v for v in data.values() if edn.app_unreadable(v) == '#"regex"')
    with pytest.raises(Exception, match="dispatch|No reader"):
        app_reads(edn.dumps(bad))
    for strict in ('#"a+"', '"\\0800"', '"\\0080"', '"\\2and"'):
        with pytest.raises(Exception):  # noqa: B017 - a Java exception through JPype
            app_reads(strict)
        with pytest.raises(edn.EdnSyntaxError):
            edn.loads(strict)
    for ok in ('"\\0 x"', '"\\12;"', '"\\0123"', '"\\7,"'):
        assert str(app_reads(ok)) == edn.loads(ok)
