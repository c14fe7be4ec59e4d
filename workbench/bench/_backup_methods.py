"""The backup methods compared by workbench.bench.backup: how each backs up, restores and is read.

Datalevin's own operations (`datalevin.core/copy` with and without compaction, the datom dump
`datalevin.dump/dump-datalog` and its `load-datalog`) run in this process's JVM through the Python
bridge (JPype); py-lmdb's compacting copy and the EDN export run in Python. Every restore stages the
new state beside the destination and swaps it in (see `_backup_restore`), except py-lmdb's, which is
`workbench.migrate.backup.restore_lmdb` as the rehearsal uses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.bench import _backup_restore as br
from workbench.migrate import backup as mb
from workbench.stores.base import Store

BRIDGE = "Datalevin via the Python bridge (JPype)"
PYTHON = "Python (workbench)"
PY_LMDB = "py-lmdb (Python)"


@dataclass(frozen=True)
class Method:
    """One backup method: which source store it backs up and its four steps."""

    name: str
    source: str  # "datalevin" | "lmdb-kv" | "lmdb-entity": the store it backs up
    runs_in: str  # where the backup and restore run (bridge / Python)
    backup: Callable[[Store, Path], Path]  # (live store, destination) -> the backup artifact
    restore: Callable[[Path, Path], Path]  # (artifact, destination) -> destination
    kill_restore: str | None  # the kill-test child's restore ("dir", "lmdb", "file"), None: JVM


# ------------------------------------------------------------------------------- Datalevin


def _clj() -> Any:
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    c.attach_thread()
    return c


def _dl_copy(compact: bool) -> Callable[[Store, Path], Path]:
    def backup(store: Store, dest: Path) -> Path:
        c = _clj()
        db = store._impl.db()  # the store's current Datalog db value (no public accessor)
        c.core("copy", db, c.JString(str(dest)), c.Boolean.TRUE if compact else c.Boolean.FALSE)
        return dest

    return backup


def _java_io() -> tuple[Any, Any, Any, Any]:
    import jpype

    J = jpype.JClass
    return (
        J("java.io.DataOutputStream"),
        J("java.io.FileOutputStream"),
        J("java.io.DataInputStream"),
        J("java.io.FileInputStream"),
    )


def _dl_dump(store: Store, dest: Path) -> Path:
    c = _clj()
    c.var("clojure.core", "require").invoke(c.read("datalevin.dump"))
    dos, fos, _dis, _fis = _java_io()
    out = dos(fos(c.JString(str(dest))))
    try:  # the nippy form of the dump, as `dtlv dump -n` writes it
        c.var("datalevin.dump", "dump-datalog").invoke(store._impl.conn, out)
        out.flush()
    finally:
        out.close()
    return dest


def _dl_load(backup: Path, dest: Path) -> Path:
    c = _clj()
    c.var("clojure.core", "require").invoke(c.read("datalevin.dump"))
    _dos, _fos, dis, fis = _java_io()
    stage = br.stage_dir(dest)
    inp = dis(fis(c.JString(str(backup))))
    try:
        c.var("datalevin.dump", "load-datalog").invoke(
            c.JString(str(stage)), inp, c.read("{}"), c.read("{}"), c.Boolean.TRUE
        )
    finally:
        inp.close()
    return br.swap_in(stage, dest)


def open_datalevin(path: Path, mapping: Any) -> Store:
    """Open a Datalevin folder as the workbench's Datalog store (what the app would open)."""
    from workbench.stores.datalevin.store import DatalevinStore

    return DatalevinStore(path, shape="datalog", mapping=mapping)


# ------------------------------------------------------------------------ py-lmdb and EDN


def _lmdb_backup(store: Store, dest: Path) -> Path:
    return Path(mb.backup_lmdb(store, dest).path)


def _lmdb_restore(backup: Path, dest: Path) -> Path:
    return mb.restore_lmdb(backup, dest)


def _edn_export(store: Store, dest: Path) -> Path:
    return Path(mb.export_edn(store.items(), dest).path)


METHODS: tuple[Method, ...] = (
    Method("Datalevin copy", "datalevin", BRIDGE, _dl_copy(False), br.restore_dir, "dir"),
    Method("Datalevin copy, compacted", "datalevin", BRIDGE, _dl_copy(True), br.restore_dir, "dir"),
    Method("Datalevin datom dump/load", "datalevin", BRIDGE, _dl_dump, _dl_load, None),
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
    if method.source == "datalevin" and method.kill_restore != "file":
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


def _holds_nan(value: Any) -> bool:
    from workbench.stores.datalevin.bridge import walk_values

    return any(isinstance(v, float) and math.isnan(v) for v in walk_values(value))


def app_reads(method: Method, path: Path, data: Mapping) -> str:
    """Can the Clojure app read the restored backup? Asked of the session JVM (through the bridge):
    clojure.edn/read-string for an EDN file, each entry compared with the file's value by
    clojure.core/= (the app's equality: 1 and 1N are equal); Datalevin's open-kv for a folder."""
    from workbench.stores.datalevin import bridge as wdl

    c = _clj()
    if method.kill_restore == "file":
        try:
            read = c.var("clojure.edn", "read-string").invoke(
                c.JString(path.read_text(encoding="utf-8"))
            )
        except Exception as exc:  # noqa: BLE001 - the reader's refusal is the finding
            return f"no: clojure.edn/read-string: {wdl.java_error_text(exc)}"
        equal = c.var("clojure.core", "=")
        differ = []
        for k, v in data.items():
            try:
                jk = wdl.to_clj(k)
                same = bool(read.containsKey(jk)) and bool(
                    equal.invoke(read.valAt(jk), wdl.to_clj(v))
                )
            except wdl.Unstorable:
                same = False
            if not same:
                differ.append(k)
        nan = [k for k in differ if _holds_nan(data[k])]
        differ = [k for k in differ if k not in nan]
        n = len(data) - len(differ) - len(nan)
        note = f", {len(nan):,} hold ##NaN (never = to itself in Clojure)" if nan else ""
        if not differ and int(read.count()) == len(data):
            return f"yes: clojure.edn/read-string gives {n:,} entries = to the file's{note}"
        shown = ", ".join(edn.printed(k, 40) for k in differ[:3])
        return (
            f"partly: clojure.edn/read-string reads it; {n:,} of {len(data):,} entries = to the "
            f"file's{note}; differs: {shown}"
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
