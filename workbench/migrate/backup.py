"""Backups and the way back: compact LMDB copies, checksummed EDN copies, restore, EDN export.

Every backup has a ``MANIFEST.json`` (LMDB: inside the backup folder; EDN: ``<file>.manifest.json``)
holding the sha256 of each file; restore refuses a backup whose checksum does not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench import io as wio
from workbench.io import atomic_write_bytes, atomic_write_text, sha256_file


class BackupError(RuntimeError):
    """A backup is missing, incomplete or fails its checksum."""


class UnreadableValuesError(BackupError, ValueError):
    """An EDN file for the app would hold values the app's reader refuses (.keys lists them)."""

    def __init__(self, path: Any, problems: list[tuple[str, str]]) -> None:
        self.keys = [k for k, _ in problems]
        shown = ", ".join(f"{k} ({why})" for k, why in problems[:10])
        more = f" and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(
            f"{path}: {len(problems)} entries hold values the app's reader (clojure.edn) refuses: "
            f"{shown}{more}; nothing was written: drop them with --drop-unreadable"
        )


@dataclass
class BackupInfo:
    """Where a backup is and what it holds."""

    path: str
    kind: str  # "lmdb" | "edn"
    source: str
    files: dict[str, str]  # relative file name -> sha256
    bytes: int
    seconds: float
    created: float


def _manifest_path(backup: Path, kind: str) -> Path:
    return (
        backup / "MANIFEST.json"
        if kind == "lmdb"
        else backup.with_name(backup.name + ".manifest.json")
    )


def _write_manifest(info: BackupInfo) -> None:
    atomic_write_text(
        _manifest_path(Path(info.path), info.kind), json.dumps(asdict(info), indent=1)
    )


def read_manifest(backup: str | os.PathLike) -> BackupInfo:
    """Load a backup's manifest (LMDB folder or EDN file)."""
    p = Path(backup)
    m = p / "MANIFEST.json" if p.is_dir() else p.with_name(p.name + ".manifest.json")
    if not m.exists():
        raise BackupError(f"{p}: no manifest at {m}")
    return BackupInfo(**json.loads(m.read_text(encoding="utf-8")))


def verify_backup(backup: str | os.PathLike) -> BackupInfo:
    """Check every file of a backup against its manifest checksum; raise BackupError if not."""
    info = read_manifest(backup)
    base = Path(info.path) if info.kind == "lmdb" else Path(info.path).parent
    for name, digest in info.files.items():
        f = base / name
        if not f.exists():
            raise BackupError(f"{f}: missing from backup")
        actual = sha256_file(f)
        if actual != digest:
            raise BackupError(
                f"{f}: checksum mismatch (manifest {digest[:12]}..., file {actual[:12]}...)"
            )
    return info


def _lmdb_env(source: Any):
    env = getattr(source, "env", None) or getattr(source, "_env", None)
    return env


def backup_lmdb(source: Any, dest: str | os.PathLike) -> BackupInfo:
    """Compact copy (env.copy(compact=True)) of an open LMDB store or an env folder, checksummed."""
    import lmdb

    t0 = time.perf_counter()
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest}: backup folder is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    env = _lmdb_env(source)
    src_path = str(getattr(source, "path", source))
    opened = None
    if env is None:
        opened = env = lmdb.open(src_path, readonly=True, lock=False, max_dbs=64)
    try:
        if hasattr(source, "flush"):
            source.flush()
        if env.flags().get("subdir", True):
            env.copy(str(dest), compact=True)
        else:
            env.copy(str(dest / "data.mdb"), compact=True)
    finally:
        if opened is not None:
            opened.close()
    data = dest / "data.mdb"
    info = BackupInfo(
        str(dest),
        "lmdb",
        src_path,
        {"data.mdb": sha256_file(data)},
        data.stat().st_size,
        time.perf_counter() - t0,
        time.time(),
    )
    _write_manifest(info)
    return info


def _backup_file(backup: Path, kind: str) -> tuple[Path, str]:
    """The one data file of a backup and the sha256 its manifest holds for it."""
    info = read_manifest(backup)
    if info.kind != kind:
        raise BackupError(f"{backup}: a {info.kind} backup, not an {kind} one")
    name = "data.mdb" if kind == "lmdb" else backup.name
    digest = info.files.get(name)
    if digest is None:
        raise BackupError(f"{backup}: the manifest lists no {name}")
    f = backup / name if kind == "lmdb" else backup
    if not f.exists():
        raise BackupError(f"{f}: missing from backup")
    return f, digest


def _mismatch(f: Path, digest: str, actual: str) -> BackupError:
    return BackupError(
        f"{f}: checksum mismatch (manifest {digest[:12]}..., file {actual[:12]}...); "
        "nothing was restored"
    )


def _verified_bytes(f: Path, digest: str) -> bytes:
    """The file's bytes, read once and checked against digest: the bytes a restore writes."""
    data = f.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise _mismatch(f, digest, actual)
    return data


def _copy_verified(f: Path, digest: str, out: Path, chunk: int = 4 << 20) -> None:
    """Copy f to out (fsync'd), hashing the very bytes written; raise (out removed) on mismatch."""
    h = hashlib.sha256()
    try:
        with open(f, "rb") as src, open(out, "wb") as dst:
            while block := src.read(chunk):
                h.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        if h.hexdigest() != digest:
            raise _mismatch(f, digest, h.hexdigest())
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def restore_lmdb(
    backup: str | os.PathLike, dest: str | os.PathLike, *, subdir: bool = True
) -> Path:
    """Put a compact LMDB backup in place of `dest` (the store must be closed).

    The backup's bytes are hashed as they are copied beside `dest` and only those bytes, once
    they match the manifest, replace it: a corrupt backup, or one that changes during the
    restore, is refused with `dest` left byte-identical.
    """
    f, digest = _backup_file(Path(backup), "lmdb")
    dest = Path(dest)
    if subdir:
        tmp = dest.with_name(f".{dest.name}.restore-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            _copy_verified(f, digest, tmp / "data.mdb")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if dest.exists():
            # one atomic swap (renameat2 RENAME_EXCHANGE): a kill at any moment leaves dest
            # whole, old or new; tmp then holds the old state
            wio.exchange(tmp, dest)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    else:
        atomic_write_bytes(dest, _verified_bytes(f, digest))
        Path(str(dest) + "-lock").unlink(missing_ok=True)
    return dest


def backup_edn(path: str | os.PathLike, dest: str | os.PathLike) -> BackupInfo:
    """Byte-exact copy of an EDN file plus a sha256 manifest (source checked before and after)."""
    t0 = time.perf_counter()
    src, dest = Path(path), Path(dest)
    before = sha256_file(src)
    data = src.read_bytes()
    if hashlib.sha256(data).hexdigest() != before:
        raise BackupError(f"{src}: file changed while it was copied")
    atomic_write_bytes(dest, data)
    digest = sha256_file(dest)
    if digest != before:
        raise BackupError(f"{dest}: copy does not match {src}")
    info = BackupInfo(
        str(dest),
        "edn",
        str(src),
        {dest.name: digest},
        len(data),
        time.perf_counter() - t0,
        time.time(),
    )
    _write_manifest(info)
    return info


def restore_edn(backup: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Write an EDN backup atomically to `dest`: its bytes are read once, checked, then written.

    A backup that fails its checksum is refused before anything is written (`dest` untouched).
    """
    f, digest = _backup_file(Path(backup), "edn")
    return atomic_write_bytes(dest, _verified_bytes(f, digest))


@dataclass
class ExportInfo:
    """An export of a store back to memory.edn."""

    path: str
    entries: int
    bytes: int
    sha256: str
    verified: bool
    seconds: float
    dropped: list[str] = field(default_factory=list)  # printed keys left out (--drop-unreadable)


def export_edn(
    items: Any, path: str | os.PathLike, *, verify: bool = True, drop_unreadable: bool = False
) -> ExportInfo:
    """Write a store (or dict) as one EDN map the app can read, atomically; verify it reads back.

    Entries whose value the app's reader refuses (`#"regex"`, `#object[...]`, records: kept by
    the salvaging loader) make it raise UnreadableValuesError listing them, before anything is
    written; with drop_unreadable they are left out and listed in ExportInfo.dropped.
    """
    from workbench.migrate.modes import is_reserved

    t0 = time.perf_counter()
    pairs = items.items() if hasattr(items, "items") else items
    data = {k: v for k, v in pairs if not is_reserved(k)}
    problems = [(edn.printed(k), why) for k, v in data.items() if (why := edn.app_unreadable(v))]
    if problems and not drop_unreadable:
        raise UnreadableValuesError(path, problems)
    dropped = {k for k, _ in problems}
    if dropped:
        data = {k: v for k, v in data.items() if edn.printed(k) not in dropped}
    text = edn.dumps(data, pr_str=True)
    target = atomic_write_text(path, text)
    verified = False
    if verify:
        back = edn.load(target)  # strict: what the app reads
        if not edn.identical(back, data):
            bad = [
                edn.dumps(k) for k in data if k not in back or not edn.identical(back[k], data[k])
            ]
            raise BackupError(
                f"{target}: export does not read back equal ({len(bad)} entries, first {bad[:3]})"
            )
        verified = True
    return ExportInfo(
        str(target),
        len(data),
        len(text.encode("utf-8")),
        sha256_file(target),
        verified,
        time.perf_counter() - t0,
        sorted(dropped),
    )
