"""The Datalog shape of DatalevinStore: one entity per memory key, the plan's queries as Datalog."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.analysis.schema import resolve_mapping
from workbench.stores.base import MISSING, KeyTooLongError, StoreError
from workbench.stores.datalevin import bridge as wdl
from workbench.stores.datalevin._kv import _store_error
from workbench.stores.keys import decode_key, encode_key

KEY_ATTR = edn.Keyword("workbench", "key")
_KW = edn.Keyword


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


def entity_of(mapping: Any, key: Any, value: Any) -> dict:
    """The mapping's entity for (key, value) plus the exact :workbench/key."""
    entity = dict(mapping.to_entity(key, value))
    entity[KEY_ATTR] = key_text(key)
    return entity


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
        return entity_of(self.mapping, key, value)

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

    def _keyed_eids(self, db: Any) -> list[tuple[Any, Any]]:
        q = self.c.read("[:find ?e ?k :where [?e :workbench/key ?k]]")
        return [(row[0], row[1]) for row in self.c.core("q", q, db)]

    def items(self) -> list[tuple[Any, Any]]:
        # A Datalevin db value reads the live store, not a snapshot: an entity deleted or replaced
        # between the listing and the pull comes back without its key; read that key again.
        db = self.db()
        keyed = self._keyed_eids(db)
        if not keyed:
            return []
        eids = self.vec(self.c.ObjectArray([e for e, _ in keyed]))
        pulled = self.c.core("pull-many", db, self.pull_all, eids)
        out = []
        for (_, text), p in zip(keyed, pulled, strict=True):
            if p is not None and p.valAt(self.key_attr) is not None:
                out.append(self._from_pulled(p))
                continue
            key = key_from_text(str(text))
            value = self.lookup(key)
            if value is not MISSING:
                out.append((key, value))
        return out

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
