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
