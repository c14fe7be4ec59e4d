"""The backup methods compared by workbench.bench.backup: how each backs up, restores and is read.

Datalevin's own operations (`datalevin.core/copy` with and without compaction, the datom dump
`datalevin.dump/dump-datalog` and its `load-datalog`) run inside the JVM (bench/jvm/backup.clj,
timed with System/nanoTime) on the source database the JVM holds (`_backup_jvm.JvmSource`);
py-lmdb's compacting copy and the EDN export run in Python. Every restore stages the new state
beside the destination and swaps it in (see `_backup_restore`), except py-lmdb's, which is
`workbench.migrate.backup.restore_lmdb` as the rehearsal uses it. The restore of a Datalevin
copy is a file copy in Python; the load of a dump runs in the JVM, then Python swaps it in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.bench import _backup_jvm as bj
from workbench.bench import _backup_restore as br
from workbench.io import atomic_write_text
from workbench.migrate import backup as mb

JVM = "JVM: Datalevin's API (backup.clj, System/nanoTime)"
PYTHON = "Python (workbench): the JVM's Datalevin source's EDN blobs written as one map"
PY_LMDB = "py-lmdb (Python)"


@dataclass(frozen=True)
class Method:
    """One backup method: which source it backs up and its steps."""

    name: str
    source: str  # "datalevin" (the JVM's source) | "lmdb-kv" | "lmdb-entity" (Python stores)
    runs_in: str  # where the backup and restore run
    # (source, destination, the JVM trace's op counter) -> (artifact, seconds, app ops) measured
    # in the JVM; (artifact, None, None) when timed in Python
    backup: Callable[[Any, Path, Any], tuple[Path, float | None, int | None]]
    restore: Callable[[Path, Path], Path]  # (artifact, destination) -> destination
    kill_restore: str  # the kill-test child's restore: "dir", "lmdb", "file" or "load" (JVM)

    @property
    def jvm_source(self) -> bool:
        """True when the source is the JVM's Datalevin database (the trace runs in the JVM)."""
        return self.source == "datalevin"

    @property
    def datalog_folder(self) -> bool:
        """True when the restored backup is a Datalevin Datalog folder."""
        return self.jvm_source and self.kill_restore != "file"


# ------------------------------------------------------------------------------- Datalevin


def _dl_backup(kind: str) -> Callable[[Any, Path, Any], tuple[Path, float, int]]:
    def backup(src: Any, dest: Path, ops: Any = None) -> tuple[Path, float, int]:
        seconds, n = src.backup(kind, dest, ops)
        return dest, seconds, n

    return backup


def _dl_load(backup: Path, dest: Path) -> Path:
    """Load a datom dump into a staging folder (in the JVM), then swap it in."""
    stage = br.stage_dir(Path(dest))
    bj.load_dump(stage, Path(backup))
    return br.swap_in(stage, Path(dest))


def open_datalevin(path: Path, mapping: Any) -> Any:
    """Open a Datalevin folder as the workbench's Datalog store (what the app would open)."""
    from workbench.stores.datalevin.store import DatalevinStore

    return DatalevinStore(path, shape="datalog", mapping=mapping)


# ------------------------------------------------------------------------ py-lmdb and EDN


def _lmdb_backup(store: Any, dest: Path, ops: Any = None) -> tuple[Path, None, None]:
    return Path(mb.backup_lmdb(store, dest).path), None, None


def _lmdb_restore(backup: Path, dest: Path) -> Path:
    return mb.restore_lmdb(backup, dest)


def _edn_export(src: Any, dest: Path, ops: Any = None) -> tuple[Path, None, None]:
    """Every entry of the JVM's source as one EDN map, from the stored blobs (one query; no blob
    decoded or re-printed), written atomically. Its read-back check is the restore's."""
    return Path(atomic_write_text(dest, src.edn_text())), None, None


METHODS: tuple[Method, ...] = (
    Method("Datalevin copy", "datalevin", JVM, _dl_backup("copy"), br.restore_dir, "dir"),
    Method(
        "Datalevin copy, compacted",
        "datalevin",
        JVM,
        _dl_backup("copy-compact"),
        br.restore_dir,
        "dir",
    ),
    Method("Datalevin datom dump/load", "datalevin", JVM, _dl_backup("dump"), _dl_load, "load"),
    Method(
        "py-lmdb compacting copy (lmdb-kv)", "lmdb-kv", PY_LMDB, _lmdb_backup, _lmdb_restore, "lmdb"
    ),
    Method(
        "py-lmdb compacting copy (lmdb-entity)",
        "lmdb-entity",
        PY_LMDB,
        _lmdb_backup,
        _lmdb_restore,
        "lmdb",
    ),
    Method("workbench EDN export", "datalevin", PYTHON, _edn_export, br.place_file, "file"),
)


def read_restored(method: Method, path: Path, mapping: Any) -> dict:
    """Every entry of a restored backup, read the way its store reads it."""
    if method.datalog_folder:
        store = open_datalevin(path, mapping)
    elif method.source == "lmdb-kv":
        from workbench.stores.lmdb_kv import LmdbKvStore

        store = LmdbKvStore(path)
    elif method.source == "lmdb-entity":
        from workbench.stores.lmdb_entity import LmdbEntityStore

        store = LmdbEntityStore(path, mapping=mapping)
    else:
        return dict(edn.load(path))
    try:
        return dict(store.items())
    finally:
        store.close()


def _short(text: str) -> str:
    """An error's first sentence, without its ex-data map (which holds temp paths)."""
    text = re.sub(r"\s*\{:.*\}\s*$", "", text)
    return text.split(". ")[0].rstrip(".")


def _printed_key(text: str) -> str:
    from workbench.analysis.schema.mapping import parse_printed_key

    try:
        return edn.printed(parse_printed_key(text), 40)
    except ValueError:
        return text[:40]


def app_reads(method: Method, path: Path, data: Mapping, source: Any = None) -> str:
    """Can the Clojure app read the restored backup? Asked of the session JVM: for an EDN file,
    clojure.edn/read-string of it, each entry compared with the file's value (its blob read by
    clojure.edn) by clojure.core/= (the app's equality: 1 and 1N are equal), in the JVM
    (`source.edn_reads`); Datalevin's open-kv for a folder."""
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    c.attach_thread()
    if method.kill_restore == "file":
        try:
            n_read, n_same, n_nan, n_differ, shown = source.edn_reads(path)
        except Exception as exc:  # noqa: BLE001 - the reader's refusal is the finding
            return f"no: clojure.edn/read-string: {wdl.java_error_text(exc)}"
        # entries the Datalevin source could not hold are not in the export: they differ
        n_differ += len(source.skipped)
        shown = [_printed_key(k) for k in shown] + source.skipped
        n = len(data) - n_differ - n_nan
        note = f", {n_nan:,} hold ##NaN (never = to itself in Clojure)" if n_nan else ""
        if not n_differ and n_read == len(data):
            return f"yes: clojure.edn/read-string gives {n:,} entries = to the file's{note}"
        return (
            f"partly: clojure.edn/read-string reads it; {n:,} of {len(data):,} entries = to the "
            f"file's{note}; differs: {', '.join(shown[:3])}"
        )
    try:
        kv = c.core("open-kv", c.JString(str(path)))
    except Exception as exc:  # noqa: BLE001
        return f"no: Datalevin open-kv: {_short(wdl.java_error_text(exc))}"
    try:
        dbis = sorted(str(d) for d in c.core("list-dbis", kv))
    finally:
        c.core("close-kv", kv)
    if method.source != "datalevin":
        return f"no: Datalevin opens it but sees sub-databases {dbis}, not a Datalog DB"
    return f"yes: Datalevin opens it ({len(dbis)} sub-databases)"
