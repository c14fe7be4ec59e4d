"""The hybrid schema on LMDB: entities with typed attributes, EAV and AVE indexes, a blob.

Every memory entry becomes an entity through a mapping (``workbench.analysis.schema.get_mapping``):
typed attributes from the mapping's schema, the whole value in a blob attribute, component
sub-entities for records inside container entries. Sub-databases of one LMDB environment:

- ``eav``: ``eid(8) aid(4) n(4)`` -> value (exact binary codec); ``n`` numbers the values of a
  cardinality-many attribute. A pull by entity id is one prefix scan.
- ``ave``: ``aid(4) sortable(value) eid(8)`` -> ``b""`` for every indexable value (not blobs):
  longs big-endian with the sign bit flipped, doubles order-preserving, strings UTF-8 (first
  400 bytes; longer ones are marked and checked against ``eav``), keywords as printed, refs as
  longs. Lookups by value and ranges over long/instant attributes are prefix/range scans.
- ``keys``: printed store key -> eid (the store's own directory of memory keys);
  ``attrs``: printed attribute -> aid; ``meta``: counters.

A put is an upsert by unique identity: the identity's AVE entry finds the existing entity, whose
datoms (and component sub-entities) are retracted before the new ones are written, in one
transaction. Queries (``query``) run natively on the indexes; for a mapping without the needed
attributes they fall back to the reference implementation (``self.native_queries`` says which).

Concurrent use: several processes may open the same folder, read and write at once. LMDB
serialises the writers; each write transaction first reloads the entity-id counter and, when
another process added attributes, the attribute table, so ids never collide; each read
transaction reloads the attribute table when it grew. A map grown by another process
(``MDB_MAP_RESIZED``) is adopted (``set_mapsize(0)``) and the transaction retried, in every
transaction path. As for LmdbKvStore: no other transaction of this process may be open while the
size is adopted, and the folder must be on a local file system.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import lmdb

from workbench import edn
from workbench.codecs import get_codec
from workbench.memory.queries import QUERIES, canonical, run_query
from workbench.stores._entity_queries import INFERRED_QUERIES, PLAN_QUERIES, native_plan
from workbench.stores.base import MISSING, Store
from workbench.stores.keys import decode_key, encode_key
from workbench.stores.lmdb_kv import LmdbEnvironment, lmdb_flags

__all__ = ["LmdbEntityStore", "sortable", "LocalMapping"]

K = edn.Keyword
_BIN = get_codec("binary")
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")
_F64 = struct.Struct(">d")
_STR_LIMIT = 400
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
REF_TYPE = "db.type/ref"

T_BOOL, T_LONG, T_BIGINT, T_DOUBLE, T_STR, T_KW, T_SYM, T_UUID, T_OTHER = (
    b"\x01",
    b"\x02",
    b"\x03",
    b"\x04",
    b"\x05",
    b"\x06",
    b"\x07",
    b"\x08",
    b"\x0a",
)
_END, _TRUNC = b"\x00\x00", b"\x00\x01"


def _text_key(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > _STR_LIMIT:
        return data[:_STR_LIMIT].replace(b"\x00", b"\x00\xff") + _TRUNC
    return data.replace(b"\x00", b"\x00\xff") + _END


def sortable(value: Any) -> bytes | None:
    """Order-preserving, type-tagged AVE encoding of a scalar; None when not indexable."""
    t = type(value)
    if t is bool:
        return T_BOOL + (b"\x01" if value else b"\x00")
    if isinstance(value, int) and t is not bool:
        if _INT64_MIN <= value <= _INT64_MAX:
            return T_LONG + _U64.pack(value + (1 << 63))
        data = _BIN.encode(value)
        return T_BIGINT + data if len(data) <= _STR_LIMIT else None
    if t is float:
        bits = _U64.unpack(_F64.pack(value))[0]
        bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | (1 << 63)
        return T_DOUBLE + _U64.pack(bits)
    if t is str:
        return T_STR + _text_key(value)
    if t is K:
        return T_KW + _text_key(str(value))
    if t is edn.Symbol:
        return T_SYM + _text_key(str(value))
    if t is edn.Char:
        return T_OTHER + _text_key(edn.dumps(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    import uuid as _uuid

    if t is _uuid.UUID:
        return T_UUID + value.bytes
    return None


class LocalMapping:
    """Minimal stand-in mapping (identity :memory/key, blob :memory/value, no typed attributes)."""

    name = "local"

    def __init__(self) -> None:
        from workbench.analysis.schema.model import Attr, Schema

        self.schema = Schema(
            {
                K("memory", "key"): Attr("db.type/string", unique="identity"),
                K("memory", "value"): Attr("db.type/bytes"),
            },
            {},
            "local",
        )
        self.identity = K("memory", "key")

    def to_entity(self, key: Any, value: Any) -> dict:
        """{:memory/key printed-key :memory/value binary blob}."""
        from workbench.edn import printed

        return {K("memory", "key"): printed(key), K("memory", "value"): _BIN.encode(value)}

    def from_entity(self, entity: Mapping) -> tuple[Any, Any]:
        """Inverse of to_entity (the key as far as its printed form tells)."""
        text = entity[K("memory", "key")]
        return decode_key(text.encode("utf-8")), _BIN.decode(entity[K("memory", "value")])

    def identities(self, entity: Mapping) -> list[tuple]:
        """The identity pair."""
        return [(K("memory", "key"), entity[K("memory", "key")])]


def resolve_mapping(mapping: Any, blob_codec: str = "binary") -> Any:
    """A mapping object from a name ("inferred", "plan", "local") or an object."""
    if not isinstance(mapping, str):
        return mapping
    if mapping == "local":
        return LocalMapping()
    from workbench.analysis.schema import resolve_mapping as resolve

    return resolve(mapping, codec=blob_codec)


class LmdbEntityStore(LmdbEnvironment, Store):
    """Entities with typed attributes, EAV/AVE indexes, identity upsert, blob attribute."""

    def __init__(
        self,
        path: str | os.PathLike,
        mapping: Any = "inferred",
        durability: str = "sync",
        map_size: int = 256 << 20,
        batch_size: int = 2_000,
        blob_codec: str = "binary",
    ) -> None:
        """Open (or create) the environment at `path` with the given mapping."""
        super().__init__()
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.mapping = resolve_mapping(mapping, blob_codec)
        self.schema = self.mapping.schema
        self.name = f"lmdb-entity-{getattr(self.mapping, 'name', 'custom')}"
        self.durability = durability
        self.batch_size = max(1, int(batch_size))
        self.env = lmdb.open(
            str(self.path),
            map_size=int(map_size),
            max_dbs=8,
            subdir=True,
            readahead=False,
            **lmdb_flags(durability),
        )
        self.eav = self.env.open_db(b"eav")
        self.ave = self.env.open_db(b"ave")
        self.keydb = self.env.open_db(b"keys")
        self.attrdb = self.env.open_db(b"attrs")
        self.meta = self.env.open_db(b"meta")
        self._aid: dict[Any, int] = {}
        self._attr_of: dict[int, Any] = {}
        self._attr_lock = threading.Lock()  # the app's thread and a copy thread share the store
        self._next_eid = 1
        self._read(lambda txn: self._sync(txn, counters=True))
        attrs = self.schema.attributes
        self._identity = getattr(self.mapping, "identity", None)
        self._refs = {a for a, d in attrs.items() if d.value_type == REF_TYPE}
        self._many = {a for a, d in attrs.items() if d.cardinality == "many"}
        self._component = {a for a, d in attrs.items() if d.component}
        self._blob_attrs = {a for a, d in attrs.items() if d.value_type == "db.type/bytes"}
        self._blob_attrs |= {
            a
            for a in (
                K("memory", "value"),
                K("session", "data"),
                K("project", "data"),
                K("learning", "data"),
                K("cache", "value"),
            )
            if a in attrs
        }
        self.map_growths = 0
        self._closed = False
        self.native_queries = self._native_plan()

    # ------------------------------------------------------------------ low-level helpers
    def _sync(self, txn: lmdb.Transaction, counters: bool = False) -> None:
        """Catch up with what other processes wrote: the attributes the table gained (and, in a
        write transaction, the entity-id counter). Attributes are only ever added: a read
        transaction's older snapshot must not drop one that another thread's open write
        transaction has just added, or the next new attribute would get the same id."""
        if txn.stat(self.attrdb)["entries"] > len(self._aid):
            with self._attr_lock:
                for k, v in txn.cursor(db=self.attrdb):
                    attr = edn.loads(bytes(k).decode("utf-8"))
                    aid = _U32.unpack(v)[0]
                    self._aid[attr] = aid
                    self._attr_of[aid] = attr
        if counters:
            raw = txn.get(b"next-eid", db=self.meta)
            self._next_eid = _U64.unpack(raw)[0] if raw else 1

    def _read(self, body: Callable[[lmdb.Transaction], Any], buffers: bool = False) -> Any:
        """Run body in one read transaction (attributes synced first; see LmdbEnvironment)."""

        def synced(txn: lmdb.Transaction) -> Any:
            self._sync(txn)
            return body(txn)

        return super()._read(synced, buffers)

    def _write(self, body: Callable[[lmdb.Transaction], Any]) -> Any:
        """Run body in one write transaction (serialised by LMDB's writer lock, counters reloaded
        inside it); on a full map roll the in-memory counters back, double the map size and
        retry; on a map another process grew, adopt its size and retry."""
        while True:
            try:
                txn = self.env.begin(write=True)
            except lmdb.MapResizedError:
                self._adopt_map_size()
                continue
            with self._attr_lock:
                saved = (self._next_eid, dict(self._aid), dict(self._attr_of))
            try:
                self._sync(txn, counters=True)
                out = body(txn)
                txn.put(b"next-eid", _U64.pack(self._next_eid), db=self.meta)
                txn.commit()
                return out
            except lmdb.MapFullError:
                txn.abort()
                self._restore(saved)
                self.env.set_mapsize(self.env.info()["map_size"] * 2)
                self.map_growths += 1
            except lmdb.MapResizedError:
                txn.abort()
                self._restore(saved)
                self._adopt_map_size()
            except BaseException:
                txn.abort()
                self._restore(saved)
                raise

    def _restore(self, saved: tuple[int, dict, dict]) -> None:
        """Forget what an aborted write transaction added to the counters and attribute table."""
        with self._attr_lock:
            self._next_eid, self._aid, self._attr_of = saved

    def _aid_for(self, txn: lmdb.Transaction, attr: Any) -> int:
        aid = self._aid.get(attr)
        if aid is None:
            with self._attr_lock:
                # the table as this write transaction sees it (its own additions included):
                # write transactions take turns, so the next id is never given twice
                aid = txn.stat(self.attrdb)["entries"] + 1
                txn.put(edn.dumps(attr).encode("utf-8"), _U32.pack(aid), db=self.attrdb)
                self._aid[attr] = aid
                self._attr_of[aid] = attr
        return aid

    def _indexable(self, attr: Any) -> bool:
        return attr not in self._blob_attrs

    def _assert(self, txn: lmdb.Transaction, eid: int, attr: Any, values: list) -> None:
        aid = self._aid_for(txn, attr)
        prefix = _U64.pack(eid) + _U32.pack(aid)
        index = self._indexable(attr)
        for n, v in enumerate(values):
            txn.put(prefix + _U32.pack(n), _BIN.encode(v), db=self.eav)
            if index:
                s = sortable(v)
                if s is not None:
                    txn.put(_U32.pack(aid) + s + _U64.pack(eid), b"", db=self.ave)

    def _datoms(self, txn: lmdb.Transaction, eid: int) -> list[tuple[int, Any]]:
        prefix = _U64.pack(eid)
        out = []
        cur = txn.cursor(db=self.eav)
        if cur.set_range(prefix):
            for k, v in cur:
                if k[:8] != prefix:
                    break
                out.append((_U32.unpack_from(k, 8)[0], _BIN.decode(v)))
        return out

    def _retract(self, txn: lmdb.Transaction, eid: int) -> dict[str, int]:
        """Remove an entity's datoms and its components'; return {record identity: eid}."""
        reused: dict[str, int] = {}
        datoms = self._datoms(txn, eid)
        prefix = _U64.pack(eid)
        cur = txn.cursor(db=self.eav)
        while cur.set_range(prefix) and cur.key()[:8] == prefix:
            cur.delete()
        for aid, v in datoms:
            attr = self._attr_of.get(aid)
            if self._indexable(attr):
                s = sortable(v)
                if s is not None:
                    txn.delete(_U32.pack(aid) + s + _U64.pack(eid), db=self.ave)
            if attr in self._component and isinstance(v, int):
                child = self._datoms(txn, v)
                for caid, cv in child:
                    cattr = self._attr_of.get(caid)
                    if cattr is not None and self._schema_unique(cattr) and isinstance(cv, str):
                        reused[cv] = v
                self._retract(txn, v)
        return reused

    def _schema_unique(self, attr: Any) -> bool:
        a = self.schema.attributes.get(attr)
        return bool(a and a.unique == "identity")

    def _lookup_unique(self, txn: lmdb.Transaction, attr: Any, value: Any) -> int | None:
        for eid in self._ave_eq(txn, attr, value):
            return eid
        return None

    def _ave_eq(self, txn: lmdb.Transaction, attr: Any, value: Any) -> Iterator[int]:
        aid = self._aid.get(attr)
        s = sortable(value)
        if aid is None or s is None:
            return
        prefix = _U32.pack(aid) + s
        truncated = s.endswith(_TRUNC) and s[:1] in (T_STR, T_KW, T_SYM, T_OTHER)
        cur = txn.cursor(db=self.ave)
        if not cur.set_range(prefix):
            return
        for k in cur.iternext(keys=True, values=False):
            if not k.startswith(prefix) or len(k) != len(prefix) + 8:
                if k.startswith(prefix):
                    continue
                break
            eid = _U64.unpack_from(k, len(prefix))[0]
            if truncated and not any(a == aid and v == value for a, v in self._datoms(txn, eid)):
                continue
            yield eid

    def _ave_range(
        self, txn: lmdb.Transaction, attr: Any, lo: int | None, hi: int | None
    ) -> Iterator[tuple[int, int]]:
        """(value, eid) for long values lo <= v <= hi of `attr`, in value order."""
        aid = self._aid.get(attr)
        if aid is None:
            return
        head = _U32.pack(aid) + T_LONG
        start = head + (_U64.pack(lo + (1 << 63)) if lo is not None else b"")
        cur = txn.cursor(db=self.ave)
        if not cur.set_range(start):
            return
        for k in cur.iternext(keys=True, values=False):
            if not k.startswith(head):
                break
            v = _U64.unpack_from(k, 5)[0] - (1 << 63)
            if hi is not None and v > hi:
                break
            yield v, _U64.unpack_from(k, 13)[0]

    def _ave_scan(self, txn: lmdb.Transaction, attr: Any) -> Iterator[tuple[bytes, int]]:
        aid = self._aid.get(attr)
        if aid is None:
            return
        head = _U32.pack(aid)
        cur = txn.cursor(db=self.ave)
        if not cur.set_range(head):
            return
        for k in cur.iternext(keys=True, values=False):
            if not k.startswith(head):
                break
            yield k[4:-8], _U64.unpack_from(k, len(k) - 8)[0]

    def _pull(self, txn: lmdb.Transaction, eid: int, components: bool = True) -> dict:
        ent: dict[Any, Any] = {}
        for aid, v in self._datoms(txn, eid):
            attr = self._attr_of[aid]
            if attr in self._component and components and isinstance(v, int):
                v = self._pull(txn, v)
            if attr in self._many:
                ent.setdefault(attr, []).append(v)
            else:
                ent[attr] = v
        for attr in self._many & ent.keys():
            if attr not in self._component:
                ent[attr] = frozenset(ent[attr])
        return ent

    def _attr_value(self, txn: lmdb.Transaction, eid: int, attr: Any) -> Any:
        aid = self._aid.get(attr)
        if aid is None:
            return MISSING
        raw = txn.get(_U64.pack(eid) + _U32.pack(aid) + _U32.pack(0), db=self.eav)
        return MISSING if raw is None else _BIN.decode(raw)

    # ----------------------------------------------------------------------- writes
    def _put_txn(self, txn: lmdb.Transaction, key: Any, value: Any) -> None:
        kb = encode_key(key)
        entity = self.mapping.to_entity(key, value)
        ident = self.mapping.identities(entity)[0]
        eid = self._lookup_unique(txn, *ident)
        old = txn.get(kb, db=self.keydb)
        if eid is None and old is not None:
            eid = _U64.unpack(old)[0]
        reused: dict[str, int] = {}
        if eid is None:
            eid = self._new_eid()
        else:
            reused = self._retract(txn, eid)
        if old is not None and _U64.unpack(old)[0] != eid:
            self._retract(txn, _U64.unpack(old)[0])
        self._write_entity(txn, eid, entity, reused)
        txn.put(kb, _U64.pack(eid), db=self.keydb)

    def _new_eid(self) -> int:
        eid = self._next_eid
        self._next_eid += 1
        return eid

    def _write_entity(
        self, txn: lmdb.Transaction, eid: int, entity: Mapping, reused: dict[str, int]
    ) -> None:
        for attr, v in entity.items():
            if v is None or (type(v) is float and v != v):
                continue
            if attr in self._component:
                children = []
                for sub in v if isinstance(v, list | tuple) else [v]:
                    ident = next((x for a, x in sub.items() if self._schema_unique(a)), None)
                    cid = reused.get(ident) if isinstance(ident, str) else None
                    cid = cid or self._new_eid()
                    self._write_entity(txn, cid, sub, {})
                    children.append(cid)
                self._assert(txn, eid, attr, children)
            elif attr in self._many and isinstance(v, frozenset | set | list | tuple):
                self._assert(txn, eid, attr, sorted(v, key=edn.dumps))
            else:
                self._assert(txn, eid, attr, [v])

    def put(self, key: Any, value: Any) -> None:
        """Upsert the entry's entity (one transaction)."""
        self._write(lambda txn: self._put_txn(txn, key, value))

    def put_many(self, items: Iterable[tuple[Any, Any]] | dict) -> int:
        """Upsert many entries, batch_size entities per transaction."""
        pairs = list(items.items() if isinstance(items, dict) else items)
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]

            def body(txn: lmdb.Transaction, chunk: list = chunk) -> None:
                for k, v in chunk:
                    self._put_txn(txn, k, v)

            self._write(body)
        return len(pairs)

    def delete(self, key: Any) -> bool:
        """Retract the entry's entity and its components."""
        kb = encode_key(key)

        def body(txn: lmdb.Transaction) -> bool:
            raw = txn.get(kb, db=self.keydb)
            if raw is None:
                return False
            eid = _U64.unpack(raw)[0]
            self._retract(txn, eid)
            txn.delete(kb, db=self.keydb)
            return True

        return bool(self._write(body))

    def update(self, key: Any, fn: Callable[[Any], Any], default: Any = None) -> Any:
        """Read-modify-write in one write transaction."""

        def body(txn: lmdb.Transaction) -> Any:
            current = self._get_txn(txn, key)
            new = fn(default if current is MISSING else current)
            self._put_txn(txn, key, new)
            return new

        return self._write(body)

    def clear(self) -> None:
        """Drop every entity (attribute ids are kept)."""

        def body(txn: lmdb.Transaction) -> None:
            for db in (self.eav, self.ave, self.keydb):
                txn.drop(db, delete=False)

        self._write(body)

    # ------------------------------------------------------------------------ reads
    def _get_txn(self, txn: lmdb.Transaction, key: Any) -> Any:
        raw = txn.get(encode_key(key), db=self.keydb)
        if raw is None:
            return MISSING
        eid = _U64.unpack(raw)[0]
        codec = getattr(self.mapping, "codec", _BIN)
        if getattr(self.mapping, "name", "") in ("inferred", "local"):
            # the value is the blob: decode it directly (from_entity would also re-read the key)
            blob = self._attr_value(txn, eid, K("memory", "value"))
            if blob is MISSING:
                return MISSING
            return codec.decode(blob.encode("utf-8") if isinstance(blob, str) else blob)
        else:
            entity = self._pull(txn, eid)
            if not entity:
                return MISSING
        return self.mapping.from_entity(entity)[1]

    def lookup(self, key: Any) -> Any:
        """Value rebuilt from the entity (blob decode), or MISSING."""
        return self._read(lambda txn: self._get_txn(txn, key))

    def pull(self, attr: Any, value: Any) -> dict | None:
        """The entity whose unique `attr` is `value` (components pulled too), or None."""

        def body(txn: lmdb.Transaction) -> dict | None:
            eid = self._lookup_unique(txn, attr, value)
            return None if eid is None else self._pull(txn, eid)

        return self._read(body)

    def entities_with(self, attr: Any, value: Any) -> list[int]:
        """Entity ids whose `attr` equals `value` (AVE lookup)."""
        return self._read(lambda txn: list(self._ave_eq(txn, attr, value)))

    def entities_in_range(self, attr: Any, lo: int | None = None, hi: int | None = None) -> list:
        """(value, eid) with lo <= value <= hi for a long/instant attribute (AVE range)."""
        return self._read(lambda txn: list(self._ave_range(txn, attr, lo, hi)))

    def items(self) -> Iterator[tuple[Any, Any]]:
        """Every (key, value), rebuilt from the entities, in printed-key order."""

        def body(txn: lmdb.Transaction) -> list[tuple[Any, Any]]:
            rows = []
            for kb, _eid in txn.cursor(db=self.keydb):
                key = decode_key(kb)
                value = self._get_txn(txn, key)
                if value is not MISSING:
                    rows.append((key, value))
            return rows

        return iter(self._read(body))

    def keys(self) -> Iterator[Any]:
        """Every key (from the key directory)."""
        return iter(
            self._read(
                lambda txn: [
                    decode_key(k) for k in txn.cursor(db=self.keydb).iternext(values=False)
                ]
            )
        )

    def __contains__(self, key: Any) -> bool:
        kb = encode_key(key)
        return self._read(lambda txn: txn.get(kb, db=self.keydb) is not None)

    def __len__(self) -> int:
        return self._read(lambda txn: int(txn.stat(self.keydb)["entries"]))

    # ---------------------------------------------------------------------- queries
    def _native_plan(self) -> dict[str, bool]:
        return native_plan(self.schema.attributes, getattr(self.mapping, "name", ""))

    def query(self, name: str, **params: Any) -> list:
        """Run a plan query natively on the indexes (reference fallback where impossible)."""
        if name not in QUERIES:
            raise ValueError(f"unknown query {name!r}; known: {', '.join(QUERIES)}")
        if not self.native_queries.get(name):
            return run_query(name, self.items(), **params)
        impl = PLAN_QUERIES if getattr(self.mapping, "name", "") == "plan" else INFERRED_QUERIES
        return self._read(lambda txn: canonical(impl[name](self, txn, **params)))
