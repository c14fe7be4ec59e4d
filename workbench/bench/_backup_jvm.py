"""The backup comparison's Datalevin source, run inside the JVM (bench/jvm/backup.clj).

``JvmSource(data, mapping, folder)`` builds each entry's entity with the Datalevin store's own
mapping (``entity_of``: the inferred schema, :workbench/key, component records), hands them to the
JVM a batch at a time and loads them there into a Datalog database under the store's schema: the database the
app would back up. From then on the JVM does the work: the app's mixed trace writing while a
backup runs (``writing``), Datalevin's copy / compacted copy / datom dump (``backup``), the load
of a dump (``load_dump``), the checks of a restored database against the file's blobs
(``compare``), the EDN export's text from the stored blobs (``edn_text``) and the app's reading of
an exported file (``edn_reads``). The file's blobs stay in the JVM (a 100k-entry memory is not
held twice); Python only moves paths, counts and the export's text across the bridge.
"""

from __future__ import annotations

import importlib.resources
import random
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.bench.workloads import hot_keys, session_keys
from workbench.stores.base import KeyTooLongError

NS = "workbench.bench.backup"
#: the trace's samples: saves and creations draw from at most this many keys (built once)
TRACE_SAVES, TRACE_CREATES, TRACE_ANY = 500, 200, 2000
TOUCHED = edn.Keyword("workbench", "touched")
TOUCHED_AT = 1_700_000_000_000  # the trace's :workbench/touched stamp (fixed: the check knows it)


def source_text() -> str:
    """The Clojure source of the JVM side (package data)."""
    return (importlib.resources.files("workbench.bench") / "jvm" / "backup.clj").read_text()


def var(name: str) -> Any:
    """A var of backup.clj (loaded into the session JVM once)."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.load_source(NS, source_text())
    c = wdl.clj()
    c.attach_thread()
    return c.var(NS, name)


def touch(value: Any) -> Any:
    """What the trace's save does to a session value (workloads._touch, with a fixed stamp)."""
    if isinstance(value, Mapping):
        return {**value, TOUCHED: TOUCHED_AT}
    return value


def trace_sample(data: Mapping, seed: int = 0) -> dict:
    """The entries the app's trace touches: every hot key, and samples of the session keys, the
    learning records and the other keys (the Python trace replays over it too, so neither trace
    rescans the whole memory between chunks)."""
    rng = random.Random(seed)
    hot = hot_keys(data)
    sess = session_keys(data)
    learning = [k for k, v in data.items() if isinstance(v, Mapping) and _LEARNING_ID in v]
    keys = list(data)
    picked = list(dict.fromkeys(hot))
    for pool, n in ((sess, TRACE_SAVES), (learning, TRACE_CREATES), (keys, TRACE_ANY)):
        picked += rng.sample(pool, min(n, len(pool)))
    return {k: data[k] for k in dict.fromkeys(picked)}


_LEARNING_ID = edn.Keyword("learning", "id")


#: entities built and sent to the JVM per transaction while the source loads
LOAD_BATCH = 1000


class JvmSource:
    """The Datalevin source database in the JVM, loaded with data, and the trace's inputs.
    The file's values (blobs and printed keys) live in the JVM only (`expected`, `printed`),
    and entities cross the bridge a batch at a time: no copy of the memory is held twice."""

    def __init__(
        self,
        data: Mapping,
        mapping: Any,
        folder: Path,
        seed: int = 0,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        from workbench.stores.datalevin import bridge as wdl
        from workbench.stores.datalevin._datalog import entity_of
        from workbench.stores.datalevin.store import KEY_ATTR

        self.c = c = wdl.clj()
        c.attach_thread()
        self.mapping, self.folder = mapping, Path(folder)
        self.texts, self.skipped = {}, []

        def build(k: Any, v: Any) -> tuple[dict, Any] | None:
            try:
                ent = entity_of(mapping, k, v)
                return ent, wdl.to_clj(ent)
            except (wdl.Unstorable, KeyTooLongError, ValueError, TypeError):
                return None

        schema = wdl.schema_to_clj(mapping.schema, extra={KEY_ATTR: ("string", "one", "identity")})
        self.conn = var("open-source").invoke(c.JString(str(self.folder)), schema)
        import jpype

        hash_map = jpype.JClass("java.util.HashMap")
        self.expected, self.printed = hash_map(), hash_map()
        load = var("load-batch!")
        items = list(data.items())
        for i in range(0, len(items), LOAD_BATCH):
            jents = []
            for k, v in items[i : i + LOAD_BATCH]:
                built = build(k, v)
                if built is None:
                    self.skipped.append(edn.printed(k, 40))
                    continue
                jents.append(built[1])
                self.texts[k] = built[0][KEY_ATTR]
            load.invoke(self.conn, c.ObjectArray(jents), self.expected, self.printed)
            if progress is not None:
                progress(len(items[i : i + LOAD_BATCH]))
        self._trace(data, build, seed)

    def _jmap(self, d: Mapping) -> Any:
        c = self.c
        arr = c.ObjectArray(2 * len(d))
        for i, (k, x) in enumerate(d.items()):
            arr[2 * i] = c.JString(k)
            arr[2 * i + 1] = c.JString(x) if type(x) is str else c.bytes(x)
        return c.PersistentHashMap.create(arr)

    def _trace(self, data: Mapping, build: Any, seed: int) -> None:
        """The trace's inputs, built once: key texts to read, (touched, original) entity pairs
        to save, new learning entities to create; and the blobs a live backup may hold."""
        from workbench.stores.datalevin.store import KEY_ATTR

        c, sample = self.c, trace_sample(data, seed)
        arr = lambda xs: c.ObjectArray(list(xs))  # noqa: E731
        hot = [self.texts[k] for k in hot_keys(sample) if k in self.texts]
        anyk = [self.texts[k] for k in sample if k in self.texts]
        saves, touched = [], {}
        for k in session_keys(sample)[:TRACE_SAVES]:
            new, old = build(k, touch(data[k])), build(k, data[k])
            if new is None or old is None or k not in self.texts:
                continue
            saves.append(c.PersistentVector.create(arr([new[1], old[1]])))
            touched[self.texts[k]] = new[0][edn.Keyword("memory", "value")]
        creates, self.trace_keys = [], []
        learning = [
            (k, v) for k, v in sample.items() if isinstance(v, Mapping) and _LEARNING_ID in v
        ]
        for i, (k, v) in enumerate(learning[:TRACE_CREATES]):
            user = getattr(k, "namespace", None) or "davidwu"
            new_key = edn.Keyword(user, f"trace-{seed}-{i}")
            built = build(new_key, {**v, _LEARNING_ID: f"{user}/trace-{seed}-{i}"})
            if built is not None:
                creates.append(built[1])
                self.trace_keys.append(built[0][KEY_ATTR])
        self.hot, self.any = arr(hot or anyk), arr(anyk)
        self.saves, self.creates = arr(saves), arr(creates)
        self.touched = self._jmap(touched)

    @contextmanager
    def writing(self, seed: int = 0, chunk: int = 20, warm_ops: int = 40) -> Any:
        """The app's trace running in the JVM for the block (after `warm_ops` ops, so sessions
        have been saved before a backup starts); yields the trace (its :ops counter), whose
        errors are in `self.trace_errors` afterwards. The saves are undone on exit."""
        import time

        trace = var("start-trace").invoke(
            self.conn, self.hot, self.any, self.saves, self.creates, seed, chunk
        )
        kw = self.c.kw
        ops = trace.valAt(kw("ops"))
        deadline = time.perf_counter() + 30
        while ops.get() < warm_ops and time.perf_counter() < deadline:
            time.sleep(0.01)
        try:
            yield ops
        finally:
            done = trace.valAt(kw("stop")).invoke()
            self.trace_errors = [str(e) for e in done.valAt(kw("errors"))]
            self.trace_unreadable = int(done.valAt(kw("unreadable")))
            var("undo-saves").invoke(self.conn, self.saves)

    def backup(self, kind: str, dest: Path, ops: Any = None) -> tuple[float, int]:
        """Datalevin's own backup of the source (kind copy / copy-compact / dump) to dest, timed
        in the JVM: (seconds, app ops done meanwhile)."""
        ns, n = var("backup!").invoke(self.conn, self.c.kw(kind), self.c.JString(str(dest)), ops)
        return int(ns) / 1e9, int(n)

    def edn_text(self) -> str:
        """Every entry of the source as one EDN map, written from the blobs as stored (one
        query, no value decoded): `printed-key blob` pairs, comma-separated, in braces. A blob
        that is not EDN text (a binary codec) is decoded and printed."""
        from workbench.migrate.modes import RESERVED_NS

        flat = var("source-blobs").invoke(self.conn)
        reserved = f":{RESERVED_NS}/"
        parts = []
        for i in range(0, len(flat), 2):
            pk, b = str(flat[i]), flat[i + 1]
            if pk.startswith(reserved):
                continue  # the migrator's bookkeeping, never exported (as migrate.export_edn)
            if isinstance(b, str | self.c.String):
                text = str(b)
            else:
                text = edn.dumps(self.mapping.codec.decode(bytes(b)), pr_str=True)
            parts.append(f"{pk} {text}")
        return "{" + ", ".join(parts) + "}"

    def edn_reads(self, path: Path) -> tuple[int, int, int, int, list[str]]:
        """The app's reading of the EDN file at path, in the JVM (`edn-reads` in backup.clj):
        (entries read, equal to the file's, holding ##NaN, differing, first differing keys)."""
        got = var("edn-reads").invoke(self.c.JString(str(path)), self.expected, self.printed)
        n, same, nan, differ, shown = got
        return int(n), int(same), int(nan), int(differ), [str(k) for k in shown]

    def compare(self, path: Path, live: bool) -> dict[str, int]:
        """The restored database at path against the file's blobs (live: the trace's touched
        sessions and its learning records count as consistent): identical, missing, differing,
        extra_trace, extra_other entries."""
        c = self.c
        touched = self.touched if live else None
        keys = c.PersistentHashSet.create(c.ObjectArray(self.trace_keys if live else []))
        got = var("compare-db").invoke(c.JString(str(path)), self.expected, touched, keys)
        names = ("identical", "missing", "differing", "extra_trace", "extra_other")
        return dict(zip(names, (int(x) for x in got), strict=True))

    def close(self) -> None:
        """Close the source database."""
        var("close-conn").invoke(self.conn)


def load_dump(stage: Path, dump: Path) -> float:
    """Load a nippy datom dump into the empty folder stage inside the JVM; seconds (JVM)."""
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    return int(var("load-dump!").invoke(c.JString(str(stage)), c.JString(str(dump)))) / 1e9


def content_state(path: Path) -> Any:
    """The kill test's state of a Datalog folder: None when absent, "unopenable" when Datalevin
    cannot open it as a Datalog database, else the sha256 of its datoms (what a load rebuilds)."""
    from workbench.stores.datalevin import bridge as wdl

    if not Path(path).exists():
        return None
    got = var("content-hash").invoke(wdl.clj().JString(str(path)))
    return "unopenable" if got is None else str(got)
