"""File-level restore steps of the backup comparison, and the state check of the kill test.

A restore that can be killed at any moment must leave its destination either as it was or as the
backup, never half: the new state is staged in a sibling folder, fsync'd, then swapped in with one
atomic step. For a folder that step is Linux `renameat2(RENAME_EXCHANGE)`, which swaps two paths
atomically; where it is missing the swap falls back to two renames, with a window in between.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from workbench.io import atomic_write_bytes, exchange

#: files a database keeps beside its data that are not part of its state (locks)
LOCK_FILES = frozenset({"lock.mdb", "data.mdb-lock"})


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage_dir(dest: Path) -> Path:
    """An empty staging folder beside `dest` (same file system, so the swap is a rename)."""
    stage = dest.with_name(f".{dest.name}.restore-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    return stage


def swap_in(stage: Path, dest: Path) -> Path:
    """Put a fully written staging folder in place of `dest` in one atomic step, drop the old."""
    for f in stage.iterdir():
        if f.is_file():
            _fsync_path(f)
    _fsync_path(stage)
    if dest.exists():
        exchange(stage, dest)  # stage now holds the old state
        shutil.rmtree(stage, ignore_errors=True)
    else:
        os.replace(stage, dest)
    _fsync_path(dest.parent)
    return dest


def restore_dir(backup: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Restore a copied database folder (every file but locks) over `dest`: stage, then swap."""
    src, dest = Path(backup), Path(dest)
    stage = stage_dir(dest)
    for f in sorted(src.iterdir()):
        if f.is_file() and f.name not in LOCK_FILES and f.name != "MANIFEST.json":
            shutil.copyfile(f, stage / f.name)
    return swap_in(stage, dest)


def place_file(backup: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Restore a single-file backup (an EDN export) as `dest`, atomically."""
    return atomic_write_bytes(dest, Path(backup).read_bytes())


def fingerprint(path: str | os.PathLike) -> dict[str, str] | None:
    """The state of a file or folder: {file name: sha256} (locks left out); None when absent."""
    p = Path(path)
    if not p.exists():
        return None
    files = [p] if p.is_file() else sorted(f for f in p.iterdir() if f.is_file())
    out = {}
    for f in files:
        if f.name in LOCK_FILES:
            continue
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
        out[f.name if p.is_dir() else ""] = h.hexdigest()
    return out
