"""DatalevinStore: the migration's real destination, in two shapes.

``shape="kv"``: Datalevin's key-value API, one entry per memory key, what the app would read with
``(d/get-value kv "memory" :projects/davidwu :keyword :data)``. Keyword keys are typed
``:keyword`` and values are stored natively as ``:data`` (Clojure values built with Clojure's own
constructors: keywords, vectors, lists, sets, chars, BigInt, Ratio, UUID...). What Datalevin
refuses or would change goes to a second sub-database ``"memory-edn"`` (keys ``:raw`` = the
stores' printed key bytes, values ``:bytes`` = ``e`` + printed EDN, or ``b`` + the exact binary
codec when EDN cannot re-read it): a top-level ``nil`` value ("Value cannot be nil"), values
holding tagged literals (nippy cannot freeze ``TaggedLiteral``), ``#inst`` (a ``java.util.Date``
would drop the original text and sub-millisecond digits) or keywords/symbols Clojure would split
differently (``(keyword "a/b")``), and keys that are not plain keywords (strings, numbers, nil,
vectors, ``:a/b`` names, over 509 printed bytes). Keys over 511 bytes are refused with
KeyTooLongError.

``shape="datalog"``: one entity per memory key, built by the schema's mapping
(``workbench.analysis.schema.get_mapping``, "inferred" by default), the schema passed when the connection
opens, the plan's queries run as real Datalog (``DATALOG_QUERIES``; a query whose attributes the
schema does not type falls back to the reference over items). Every entity also carries
``:workbench/key`` (the exact key text, unique identity) so a key is found, replaced and deleted
by a lookup ref. Replacing an entity is one transaction: the new map on the same entity id plus
retractions of whatever the new entity no longer has (component records included). ``put_many``
transacts ``batch_size`` (default 1000) entities per transaction.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.analysis.schema import resolve_mapping
from workbench.stores.base import MISSING, KeyTooLongError, Store, StoreError
from workbench.stores.datalevin import bridge as wdl
from workbench.stores.durability import durability as durability_mode
from workbench.stores.keys import decode_key, encode_key, simple_ident

__all__ = ["DatalevinStore", "DatalevinKvStore", "DatalevinDatalogStore", "SHAPES", "KEY_ATTR"]

SHAPES = ("kv", "datalog")
MAIN_DBI = "memory"
TEXT_DBI = "memory-edn"
KEY_ATTR = edn.Keyword("workbench", "key")
_KW = edn.Keyword


def _store_error(exc: BaseException, key: Any = MISSING) -> StoreError:
    """Translate a Datalevin exception into a StoreError naming the key and the reason."""
    reason = wdl.java_error_text(exc)
    where = "" if key is MISSING else f"key {edn.printed(key, 120)}: "
    if "larger than 511 bytes" in reason:
        return KeyTooLongError(f"{where}Datalevin keys are limited to 511 bytes ({reason})")
    return StoreError(f"{where}Datalevin refused it: {reason}")


class DatalevinStore(Store):
    """Memory map in a real Datalevin database (key-value or Datalog shape)."""

    def __init__(
        self,
        path: str | os.PathLike,
        shape: str = "kv",
        mapping: Any = "inferred",
        batch_size: int = 1000,
        memory: Any = None,
        schema: Any = None,
        durability: str = "sync",
    ) -> None:
        """Open (or create) the Datalevin database directory at `path`.

        durability: "sync" (Datalevin's default flags: every commit durable), "nometasync" or
        "nosync" (LMDB flags, as for the LMDB stores)."""
        super().__init__()
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, not {shape!r}")
        env_flags = durability_mode(durability).datalevin
        wdl.require()
        wdl.start_jvm()
        self.shape = shape
        self.name = f"datalevin-{shape}"
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.batch_size = int(batch_size)
        self._c = wdl.clj()
        self._closed = False
        self._lock = threading.RLock()
        self.durability = durability
        flags = f"{{:flags {env_flags}}}"
        if shape == "kv":
            self._impl: _KvShape | _DatalogShape = _KvShape(self._c, self.path, self._c.read(flags))
        else:
            self._impl = _DatalogShape(
                self._c,
                self.path,
                mapping,
                memory=memory,
                schema=schema,
                opts=self._c.read(f"{{:kv-opts {flags}}}"),
            )

    # ---- Store primitives ------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.name} store at {self.path} is closed")

    def lookup(self, key: Any) -> Any:
        """Stored value or MISSING."""
        self._check_open()
        return self._impl.lookup(key)

    def put(self, key: Any, value: Any) -> None:
        """Store value under key (one Datalevin write transaction)."""
        self._check_open()
        with self._lock:
            self._impl.put_batch([(key, value)])

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Store many pairs, `batch_size` per Datalevin transaction; return the count."""
        self._check_open()
        pairs = items.items() if isinstance(items, dict) else items
        n = 0
        batch: list[tuple[Any, Any]] = []
        with self._lock:
            for pair in pairs:
                batch.append(pair)
                if len(batch) >= self.batch_size:
                    self._impl.put_batch(batch)
                    n += len(batch)
                    batch = []
            if batch:
                self._impl.put_batch(batch)
                n += len(batch)
        return n

    def delete(self, key: Any) -> bool:
        """Remove key; True when it was present."""
        self._check_open()
        with self._lock:
            return self._impl.delete(key)

    def items(self) -> Iterator[tuple[Any, Any]]:
        """All (key, value) pairs, read in one read transaction per sub-database."""
        self._check_open()
        return iter(self._impl.items())

    def keys(self) -> Iterator[Any]:
        """All keys."""
        self._check_open()
        return iter(self._impl.keys())

    def __len__(self) -> int:
        self._check_open()
        return self._impl.count()

    def clear(self) -> None:
        """Remove every key."""
        self._check_open()
        with self._lock:
            self._impl.clear()

    def query(self, name: str, **params: Any) -> list:
        """The plan's query: Datalog in the datalog shape, the reference over items in kv."""
        self._check_open()
        if self.shape == "datalog":
            return self._impl.query(name, **params)
        return super().query(name, **params)

    def flush(self) -> None:
        """Datalevin commits each transaction durably (default flags); force an fsync anyway."""
        self._check_open()
        self._impl.sync()

    def close(self) -> None:
        """Close the database (idempotent)."""
        if not self._closed:
            self._closed = True
            self._impl.close()


# ------------------------------------------------------------------------------------ kv shape


class _KvShape:
    """One KV entry per memory key (see the module docstring for the two sub-databases)."""

    def __init__(self, c: Any, path: Path, opts: Any) -> None:
        self.c = c
        self.kv = c.core("open-kv", c.JString(str(path)), opts)
        c.core("open-dbi", self.kv, c.JString(MAIN_DBI))
        c.core("open-dbi", self.kv, c.JString(TEXT_DBI))
        self.t_keyword = c.kw("keyword")
        self.t_data = c.kw("data")
        self.t_bytes = c.kw("bytes")
        self.t_raw = c.kw("raw")  # no type header: the full 511 bytes are usable
        self.op_put = c.kw("put")
        self.op_del = c.kw("del")
        self.all = c.read("[:all]")

    def _tx(self, *parts: Any) -> Any:
        return self.c.PersistentVector.create(self.c.ObjectArray(list(parts)))

    def _bkey(self, key: Any) -> Any:
        return self.c.bytes(encode_key(key))

    def _ops(self, key: Any, value: Any) -> list[Any]:
        main = native_key(key)
        if main and not wdl.needs_text(value, _not_native):
            try:
                jval = wdl.to_clj(value)
            except wdl.Unstorable:
                jval = MISSING
            if jval is not MISSING:
                jkey = wdl.to_clj(key)
                return [
                    self._tx(self.op_put, MAIN_DBI, jkey, jval, self.t_keyword, self.t_data),
                    self._tx(self.op_del, TEXT_DBI, self._bkey(key), self.t_raw),
                ]
        ops = [
            self._tx(
                self.op_put,
                TEXT_DBI,
                self._bkey(key),
                self.c.bytes(encode_value(value)),
                self.t_raw,
                self.t_bytes,
            )
        ]
        if main:
            ops.append(self._tx(self.op_del, MAIN_DBI, wdl.to_clj(key), self.t_keyword))
        return ops

    def put_batch(self, pairs: list[tuple[Any, Any]]) -> None:
        ops: list[Any] = []
        for key, value in pairs:
            ops.extend(self._ops(key, value))
        try:
            self.c.core("transact-kv", self.kv, self._tx(*ops))
        except Exception as exc:  # noqa: BLE001 - Java exception: translate
            raise _store_error(exc, pairs[0][0] if len(pairs) == 1 else MISSING) from None

    def lookup(self, key: Any) -> Any:
        if native_key(key):
            got = self.c.core(
                "get-value", self.kv, MAIN_DBI, wdl.to_clj(key), self.t_keyword, self.t_data
            )
            if got is not None:
                return wdl.to_edn(got)
        try:
            bkey = self._bkey(key)
        except KeyTooLongError:
            return MISSING
        data = self.c.core("get-value", self.kv, TEXT_DBI, bkey, self.t_raw, self.t_bytes)
        return MISSING if data is None else decode_value(bytes(data))

    def delete(self, key: Any) -> bool:
        if self.lookup(key) is MISSING:
            return False
        ops = [self._tx(self.op_del, TEXT_DBI, self._bkey(key), self.t_raw)]
        if native_key(key):
            ops.append(self._tx(self.op_del, MAIN_DBI, wdl.to_clj(key), self.t_keyword))
        self.c.core("transact-kv", self.kv, self._tx(*ops))
        return True

    def items(self) -> list[tuple[Any, Any]]:
        c = self.c
        out = []
        for pair in c.core("get-range", self.kv, MAIN_DBI, self.all, self.t_keyword, self.t_data):
            out.append((wdl.to_edn(pair.get(0)), wdl.to_edn(pair.get(1))))
        for pair in c.core("get-range", self.kv, TEXT_DBI, self.all, self.t_raw, self.t_bytes):
            out.append((decode_key(bytes(pair.get(0))), decode_value(bytes(pair.get(1)))))
        return out

    def keys(self) -> list[Any]:
        c = self.c
        out = [
            wdl.to_edn(k) for k in c.core("key-range", self.kv, MAIN_DBI, self.all, self.t_keyword)
        ]
        out += [
            decode_key(bytes(k))
            for k in c.core("key-range", self.kv, TEXT_DBI, self.all, self.t_raw)
        ]
        return out

    def count(self) -> int:
        return int(self.c.core("entries", self.kv, MAIN_DBI)) + int(
            self.c.core("entries", self.kv, TEXT_DBI)
        )

    def clear(self) -> None:
        self.c.core("clear-dbi", self.kv, MAIN_DBI)
        self.c.core("clear-dbi", self.kv, TEXT_DBI)

    def sync(self) -> None:
        self.c.core("sync", self.kv)

    def close(self) -> None:
        self.c.core("close-kv", self.kv)


NATIVE_KEY_BYTES = 509  # Datalevin's :keyword encoding adds 2 bytes to the printed keyword


def native_key(key: Any) -> bool:
    """True when `key` is stored in the typed `:keyword` sub-database."""
    return (
        type(key) is _KW and simple_ident(key) and len(str(key).encode("utf-8")) <= NATIVE_KEY_BYTES
    )


def _not_native(v: Any) -> bool:
    return type(v) in (_KW, edn.Symbol) and not simple_ident(v)


def encode_value(value: Any) -> bytes:
    """Fallback value bytes: b"e" + EDN text when it re-reads identically, else b"b" + binary."""
    try:
        text = edn.dumps(value)
        if edn.identical(edn.loads(text), value):
            return b"e" + text.encode("utf-8")
    except Exception:  # noqa: BLE001 - unreadable print: binary below
        pass
    return b"b" + _binary().encode(value)


def decode_value(data: bytes) -> Any:
    """Inverse of encode_value."""
    if data[:1] == b"e":
        return edn.loads(data[1:].decode("utf-8"), source=f"<datalevin {TEXT_DBI}>")
    return _binary().decode(data[1:])


def _binary() -> Any:
    from workbench.codecs import get_codec

    return get_codec("binary")


# ------------------------------------------------------------------------------- datalog shape


def key_text(key: Any) -> str:
    """Exact text of a key for :workbench/key: printed EDN, or NUL + base64 of the binary form."""
    data = encode_key(key)
    if data[:1] == b"\x00":
        return "\x00" + base64.b64encode(data[1:]).decode("ascii")
    return data.decode("utf-8")


def key_from_text(text: str) -> Any:
    """Inverse of key_text."""
    if text[:1] == "\x00":
        return decode_key(b"\x00" + base64.b64decode(text[1:]))
    return decode_key(text.encode("utf-8"))


_MEMORY_KEY = _KW("memory", "key")


def value_from_entity(mapping: Any, entity: dict) -> Any:
    """mapping.from_entity(entity)[1]; the key comes from :workbench/key, so when the mapping
    cannot re-read its printed :memory/key (e.g. `:embed-token/0ab`, which clojure.edn refuses)
    it is given a readable stand-in."""
    try:
        return mapping.from_entity(entity)[1]
    except edn.EdnSyntaxError:
        if _MEMORY_KEY not in entity:
            raise
        return mapping.from_entity({**entity, _MEMORY_KEY: "nil"})[1]


class _DatalogShape:
    """One entity per memory key through the schema helper's mapping."""

    def __init__(
        self,
        c: Any,
        path: Path,
        mapping: Any,
        memory: Any = None,
        schema: Any = None,
        opts: Any = None,
    ) -> None:
        self.c = c
        self.mapping = resolve_mapping(mapping, memory=memory, schema=schema)
        self.schema = self.mapping.schema
        attrs = self.schema.attributes
        self.many = {a for a, attr in attrs.items() if attr.cardinality == "many"}
        self.jschema = wdl.schema_to_clj(
            self.schema, extra={KEY_ATTR: ("string", "one", "identity")}
        )
        try:
            self.conn = c.core("get-conn", c.JString(str(path)), self.jschema, opts)
        except Exception as exc:  # noqa: BLE001
            raise _store_error(exc) from None
        J = c.Keyword.intern
        self.key_attr = J(KEY_ATTR.namespace, KEY_ATTR.name)
        self.pull_all = c.read(wdl.pull_pattern(self.schema))
        # the inferred mapping rebuilds a value from its blob alone: pull just that for get()
        blob_only = (
            type(self.mapping).__name__ == "InferredMapping"
            and getattr(self.mapping, "identity", None) == _MEMORY_KEY
        )
        self.pull_value = (
            c.read("[:workbench/key :memory/key :memory/value]") if blob_only else self.pull_all
        )
        self.retract_entity = c.kw("db/retractEntity")
        self.retract = c.kw("db/retract")
        self.db_id = c.kw("db/id")
        self.many_j = c.PersistentHashSet.create(
            c.ObjectArray([J(a.namespace, a.name) for a in self.many])
        )
        self.component_j = c.PersistentHashSet.create(
            c.ObjectArray(
                [
                    J(a.namespace, a.name)
                    for a, attr in attrs.items()
                    if attr.value_type == "db.type/ref"
                ]
            )
        )
        self.identity_j = [
            J(a.namespace, a.name) for a, attr in attrs.items() if attr.unique == "identity"
        ]
        self.vec = c.PersistentVector.create

    def db(self) -> Any:
        return self.c.core("db", self.conn)

    def _ref(self, key: Any) -> Any:
        return self.vec(self.c.ObjectArray([self.key_attr, self.c.JString(key_text(key))]))

    def _eid(self, db: Any, key: Any) -> Any:
        return self.c.core("entid", db, self._ref(key))

    def entity_of(self, key: Any, value: Any) -> dict:
        """The mapping's entity for (key, value) plus the exact :workbench/key."""
        entity = dict(self.mapping.to_entity(key, value))
        entity[KEY_ATTR] = key_text(key)
        return entity

    def put_batch(self, pairs: list[tuple[Any, Any]]) -> None:
        """One transaction: new entities as maps; replaced ones as a diff against the stored
        entity (retract what the new entity no longer has, component records included)."""
        c = self.c
        db = self.db()
        latest = {key_text(k): (k, v) for k, v in pairs}  # last write wins within a batch
        existing = self._existing(db, list(latest))
        txs: list[Any] = []
        for text, (key, value) in latest.items():
            try:
                jent = wdl.to_clj(self.entity_of(key, value))
            except wdl.Unstorable as exc:
                raise StoreError(f"key {edn.printed(key, 120)}: {exc}") from None
            eid = existing.get(text)
            if eid is not None:
                old = c.core("pull", db, self.pull_all, eid)
                txs.extend(self._retractions(old, jent))
                jent = jent.assoc(self.db_id, eid)
            txs.append(jent)
        try:
            c.core("transact!", self.conn, self.vec(c.ObjectArray(txs)))
        except Exception as exc:  # noqa: BLE001
            raise _store_error(exc, pairs[0][0] if len(pairs) == 1 else MISSING) from None

    def _existing(self, db: Any, texts: list[str]) -> dict[str, Any]:
        """Entity ids of the keys (by exact key text) already stored: one query per batch."""
        if len(texts) == 1:
            eid = self.c.core(
                "entid", db, self.vec(self.c.ObjectArray([self.key_attr, self.c.JString(texts[0])]))
            )
            return {} if eid is None else {texts[0]: eid}
        q = self.c.read("[:find ?k ?e :in $ [?k ...] :where [?e :workbench/key ?k]]")
        rows = self.c.core("q", q, db, self.vec(self.c.ObjectArray(texts)))
        return {str(r[0]): r[1] for r in rows}

    def _identity_of(self, m: Any) -> Any:
        for attr in self.identity_j:
            v = m.valAt(attr) if hasattr(m, "valAt") else m.get(attr)
            if v is not None:
                return (attr, v)
        return None

    def _retractions(self, old: Any, new: Any) -> list[Any]:
        """Retractions turning the pulled entity `old` into the entity map `new`."""
        c = self.c
        out: list[Any] = []
        eid = old.valAt(self.db_id)
        for e in old.entrySet():
            attr = e.getKey()
            if attr.equals(self.db_id):
                continue
            nv = new.valAt(attr)
            many = self.many_j.contains(attr)
            olds = list(e.getValue()) if many else [e.getValue()]
            if self.component_j.contains(attr):
                kept = {}
                for sub in nv or ():
                    ident = self._identity_of(sub)
                    if ident is not None:
                        kept[(str(ident[0]), str(ident[1]))] = sub
                for osub in olds:
                    ident = self._identity_of(osub)
                    match = kept.get((str(ident[0]), str(ident[1]))) if ident else None
                    if match is None:
                        out.append(
                            self.vec(c.ObjectArray([self.retract_entity, osub.valAt(self.db_id)]))
                        )
                    else:
                        out.extend(self._retractions(osub, match))
                continue
            for ov in olds:
                if nv is None or (many and not nv.contains(ov)):
                    out.append(self.vec(c.ObjectArray([self.retract, eid, attr, ov])))
        return out

    def _from_pulled(self, pulled: Any) -> tuple[Any, Any]:
        ent = wdl.to_edn(pulled)
        ent.pop(_KW("db", "id"), None)
        key = key_from_text(ent.pop(KEY_ATTR))
        for attr in self.many:
            if attr in ent and not isinstance(ent[attr], frozenset):
                ent[attr] = frozenset(ent[attr]) if attr not in self.refs else ent[attr]
        return key, value_from_entity(self.mapping, ent)

    @property
    def refs(self) -> set:
        return {a for a, attr in self.schema.attributes.items() if attr.value_type == "db.type/ref"}

    def lookup(self, key: Any) -> Any:
        try:
            ref = self._ref(key)
        except KeyTooLongError:
            return MISSING
        pulled = self.c.core("pull", self.db(), self.pull_value, ref)
        return MISSING if pulled is None else self._from_pulled(pulled)[1]

    def delete(self, key: Any) -> bool:
        c = self.c
        try:
            ref = self._ref(key)
        except KeyTooLongError:
            return False
        if c.core("entid", self.db(), ref) is None:
            return False
        c.core(
            "transact!",
            self.conn,
            self.vec(c.ObjectArray([self.vec(c.ObjectArray([self.retract_entity, ref]))])),
        )
        return True

    def _all_eids(self, db: Any) -> list[Any]:
        q = self.c.read("[:find [?e ...] :where [?e :workbench/key _]]")
        return list(self.c.core("q", q, db))

    def items(self) -> list[tuple[Any, Any]]:
        db = self.db()
        eids = self._all_eids(db)
        if not eids:
            return []
        pulled = self.c.core("pull-many", db, self.pull_all, self.vec(self.c.ObjectArray(eids)))
        return [self._from_pulled(p) for p in pulled]

    def keys(self) -> list[Any]:
        q = self.c.read("[:find [?k ...] :where [_ :workbench/key ?k]]")
        return [key_from_text(str(k)) for k in self.c.core("q", q, self.db())]

    def count(self) -> int:
        return len(self._all_eids(self.db()))

    def clear(self) -> None:
        c = self.c
        eids = self._all_eids(self.db())
        for i in range(0, len(eids), 1000):
            ops = [self.vec(c.ObjectArray([self.retract_entity, e])) for e in eids[i : i + 1000]]
            c.core("transact!", self.conn, self.vec(c.ObjectArray(ops)))

    def query(self, name: str, **params: Any) -> list:
        from workbench.memory.queries import run_query

        native = DATALOG_QUERIES.get(name)
        if native is None or not native.usable(self.schema):
            return run_query(name, self.items(), **params)
        return native.run(self, **params)

    def q(self, text: str, *inputs: Any) -> Any:
        """Run a Datalog query (EDN text) with workbench.edn inputs; Java result."""
        query = self._queries.get(text) if hasattr(self, "_queries") else None
        if query is None:
            self._queries = getattr(self, "_queries", {})
            query = self._queries[text] = self.c.read(text)
        return self.c.core("q", query, self.db(), *(wdl.to_clj(i) for i in inputs))

    def sync(self) -> None:
        """Datalog transactions are durable on commit."""

    def close(self) -> None:
        self.c.core("close", self.conn)


# ------------------------------------------------------------------------- the plan's queries


class _DatalogQuery:
    """A plan query as Datalog: the attributes it needs typed, and how to run it."""

    def __init__(self, needs: tuple[str, ...], fn: Any) -> None:
        self.needs = tuple(edn.kw(a) for a in needs)
        self.fn = fn

    def usable(self, schema: Any) -> bool:
        """True when every needed attribute is typed in the schema (else: reference fallback)."""
        return all(a in schema.attributes for a in self.needs)

    def run(self, shape: _DatalogShape, **params: Any) -> list:
        """Canonical result, comparable with workbench.memory.queries.run_query."""
        from workbench.memory.queries import canonical

        return canonical(self.fn(shape, **params))


def _typed(shape: _DatalogShape, *attrs: str) -> list[str]:
    return [a for a in attrs if edn.kw(a) in shape.schema.attributes]


def _q_sessions_by_type(shape: _DatalogShape, type: Any) -> list:  # noqa: A002
    from workbench.memory.queries import as_keyword

    q = "[:find [?id ...] :in $ ?t :where [?e :session/type ?t] [?e :session/id ?id]]"
    return [wdl.to_edn(i) for i in shape.q(q, as_keyword(type))]


def _q_learning_by_level(shape: _DatalogShape, level: Any) -> list:
    from workbench.memory.queries import as_keyword

    if _typed(shape, "learning/level"):
        rule = (
            "(or-join [?e ?lv] [?e :learning/level ?lv] "
            "(and [(missing? $ ?e :learning/level)] [?e :learning/status ?lv]))"
        )
    else:  # never stored by the app: the documented fallback to the status
        rule = "[?e :learning/status ?lv]"
    q = f"[:find [?id ...] :in $ ?lv :where [?e :learning/id ?id] {rule}]"
    return [wdl.to_edn(i) for i in shape.q(q, as_keyword(level))]


def _presence(rows: Any) -> list[tuple[Any, Any]]:
    out = []
    for row in rows:
        key = key_from_text(str(row[0]))
        if type(key) is _KW and key.namespace == "presence":
            out.append((key, wdl.to_edn(row[1])))
    return out


_PRESENCE = (
    '[?p :workbench/key ?k] [(clojure.string/starts-with? ?k ":presence/")] [?p :memory/records ?r]'
)


def _q_sessions_active_since(shape: _DatalogShape, since_ms: int) -> list:
    out: list[Any] = []
    times = _typed(shape, "session/updated-at", "session/created-at", "session/completed-at")
    if times:
        alts = " ".join(f"[?e :{a} ?t]" for a in times)
        q = (
            f"[:find [?id ...] :in $ ?since :where [?e :session/id ?id] (or {alts}) "
            "[(>= ?t ?since)]]"
        )
        out += [wdl.to_edn(i) for i in shape.q(q, int(since_ms))]
    if _typed(shape, "user/joined-at"):
        q = (
            f"[:find ?k ?t :in $ ?since :where {_PRESENCE} [?r :user/joined-at ?t] "
            "[(>= ?t ?since)]]"
        )
        out += [key.name for key, _t in _presence(shape.q(q, int(since_ms)))]
    return out


def _q_sessions_with_users(shape: _DatalogShape) -> list:
    from workbench.analysis.schema.mapping import identity_text as key_printed
    from workbench.edn import printed

    q = f"[:find ?k ?rid :where {_PRESENCE} [?r :record/id ?rid]]"
    out = []
    for key, rid in _presence(shape.q(q)):
        uid = edn.loads(rid[len(key_printed(key)) + 1 :], source="<:record/id>")
        out.append([key.name, uid if type(uid) is str else printed(uid)])
    return out


def _q_learning_by_tag(shape: _DatalogShape, tag: str) -> list:
    q = "[:find [?id ...] :in $ ?tag :where [?e :learning/tags ?tag] [?e :learning/id ?id]]"
    return [wdl.to_edn(i) for i in shape.q(q, tag)]


DATALOG_QUERIES: dict[str, _DatalogQuery] = {
    "sessions_by_type": _DatalogQuery(("session/type", "session/id"), _q_sessions_by_type),
    "learning_by_level": _DatalogQuery(("learning/id", "learning/status"), _q_learning_by_level),
    "sessions_active_since": _DatalogQuery(
        ("session/id", "memory/records", "record/id"), _q_sessions_active_since
    ),
    "sessions_with_users": _DatalogQuery(("memory/records", "record/id"), _q_sessions_with_users),
    "learning_by_tag": _DatalogQuery(("learning/tags", "learning/id"), _q_learning_by_tag),
}


class DatalevinKvStore(DatalevinStore):
    """DatalevinStore(shape="kv") for `open_store("datalevin-kv", path)`."""

    def __init__(self, path: str | os.PathLike, **opts: Any) -> None:
        """Open the key-value shape at `path`."""
        super().__init__(path, **{"shape": "kv", **opts})


class DatalevinDatalogStore(DatalevinStore):
    """DatalevinStore(shape="datalog") for `open_store("datalevin-datalog", path)`."""

    def __init__(self, path: str | os.PathLike, **opts: Any) -> None:
        """Open the Datalog shape at `path`."""
        super().__init__(path, **{"shape": "datalog", **opts})
