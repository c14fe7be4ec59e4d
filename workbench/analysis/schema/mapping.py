"""Mappings from memory entries (key, value) to Datalevin entities and back, and schema inference.

Two presets (`get_mapping`):

- ``"inferred"``: one entity per entry with a stable identity ``:memory/key`` (printed key, unique
  identity), the whole value as a lossless blob ``:memory/value`` (EDN text by default; bytes with
  the binary codec), the kind ``:memory/kind`` (keyword) and data type ``:memory/data-type``, plus
  typed copies of the queryable scalars of each record (``:session/type``, ``:project/status``,
  ``:learning/tags`` many, ...; unqualified record keys get a kind namespace: ``:review/level``).
  Records that live inside a container entry (projects, builder sessions, presence users,
  comments, versions, ops, offline-queue items: ``RECORD_LAYOUT``) become component sub-entities
  under ``:memory/records`` (ref, many, isComponent) with identity ``:record/id`` = printed entry
  key + space + printed record key (or ``[i]`` for items). ISO-8601 strings become epoch-ms longs;
  nil/NaN values and values that do not fit their attribute are left out (they survive in the
  blob). ``from_entity`` decodes the blob, so it is exact (``edn.identical``).
- ``"plan"``: the team's draft (plan-schema.edn, shipped with the package) with its classifier: it tests the
  keyword's NAME only, so real keys all land in ``cache``; ``:cache/key`` is ``(name key)``
  (namespace dropped -> collisions); values are JSON blobs (``workbench.codecs`` "json");
  timestamps are "now"; ``:learning/level`` is never written. ``from_entity`` returns what the plan
  would give back (key without namespace, JSON-decoded value).

Entity shape (both presets): ``dict[Keyword, value]``; a value is a scalar (str, int, float,
bool, Keyword, ...), a ``frozenset`` for cardinality-many attributes, bytes for a binary blob, or
(``:memory/records`` only) a list of sub-entity dicts. ``mapping.identities(entity)`` lists the
(attribute, value) pairs that identify it; ``InferredMapping.identity`` is ``:memory/key``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.analysis.profile import (
    LONG_VALUE_BYTES,
    MAX_KEY_BYTES,
    SCALAR_TYPES,
    Profile,
    edn_type,
    iso_to_ms,
    profile,
)
from workbench.analysis.schema.model import EDN_TYPE_OF, TYPE_FOR_EDN, Attr, Schema
from workbench.codecs import Codec, get_codec
from workbench.memory.classify import RECORD_LAYOUT, classify

K = edn.Keyword
MEMORY_KEY, MEMORY_VALUE = K("memory", "key"), K("memory", "value")
MEMORY_KIND, MEMORY_TYPE = K("memory", "kind"), K("memory", "data-type")
MEMORY_RECORDS, RECORD_ID = K("memory", "records"), K("record", "id")
BOOKKEEPING = frozenset(
    {MEMORY_KEY, MEMORY_VALUE, MEMORY_KIND, MEMORY_TYPE, MEMORY_RECORDS, RECORD_ID}
)

# namespace given to unqualified record keys (:level in a review -> :review/level)
KIND_NS = {
    "notifications": "notification",
    "learning-record": "learning",
    "builder-sessions": "session",
    "projects": "project",
    "offline-queue": "op",
    "embed-token": "token",
    "snapshot": "snapshot",
}


def identity_text(key: Any) -> str:
    """Printed EDN form of a key (`:projects/davidwu`), the entity's identity.

    Strict, unlike edn.printed: a composite key holding an unreadable keyword raises here rather
    than becoming an identity that parse_printed_key cannot read back.
    """
    return str(key) if type(key) is K else edn.dumps(key)


def parse_printed_key(text: str) -> Any:
    """The key back from its printed form; keywords are split like the reader does, so keys the
    reader refuses (`:embed-token/0abc...`) come back too."""
    if text.startswith(":") and len(text) > 1:
        body = text[1:]
        i = body.find("/")
        if i <= 0 or body == "/":
            return K(None, body)
        return K(body[:i], body[i + 1 :])
    return edn.loads(text, source="<:memory/key>")


def qualify(kind: str, k: edn.Keyword) -> edn.Keyword:
    """Attribute name for a record key: itself when namespaced, else kind-namespaced."""
    return k if k.namespace else K(KIND_NS.get(kind, kind), k.name)


def _entries(memory: Any) -> list:
    return list(getattr(memory, "entries", memory))


# ------------------------------------------------------------------------------------ inference

CORE_ATTRS = {
    MEMORY_KEY: Attr(
        "db.type/string",
        unique="identity",
        reason="printed key of the entry: stable identity, one entity per key",
    ),
    MEMORY_VALUE: Attr("db.type/string", reason="the whole value as EDN text: lossless blob"),
    MEMORY_KIND: Attr("db.type/keyword", reason="entry kind from workbench.memory.classify"),
    MEMORY_TYPE: Attr("db.type/string", reason="entry data type from workbench.memory.classify"),
    MEMORY_RECORDS: Attr(
        "db.type/ref",
        cardinality="many",
        component=True,
        reason="records inside a container entry (projects, sessions, ops...)",
    ),
    RECORD_ID: Attr(
        "db.type/string",
        unique="identity",
        reason="printed entry key + record key: stable identity of a record",
    ),
}


def record_paths(kind: str) -> tuple | None:
    """Path prefix (profile segments) of the records of a kind, None when it has none."""
    layout = RECORD_LAYOUT.get(kind)
    return {"root": (), "values": ("*",), "items": ("[]",)}.get(layout) if layout else None


def infer_schema(data: Any, *, blob_codec: str = "edn", name: str = "inferred") -> Schema:
    """Infer a Datalevin schema from a memory, a list of entries or a Profile (reasons included)."""
    prof = data if isinstance(data, Profile) else profile(data, max_depth=3)
    # gather, per target attribute, the stats of every (kind, path) it comes from
    sources: dict[edn.Keyword, list] = {}
    for (kind, path), st in prof.stats.items():
        prefix = record_paths(kind)
        if prefix is None or len(path) != len(prefix) + 1 or path[: len(prefix)] != prefix:
            continue
        last = path[-1]
        if type(last) is not K:
            continue
        sources.setdefault(qualify(kind, last), []).append((kind, path, st))
    attrs = dict(CORE_ATTRS)
    if blob_codec == "binary":
        attrs[MEMORY_VALUE] = Attr("db.type/bytes", reason="the whole value, binary codec")
    elif blob_codec != "edn":
        attrs[MEMORY_VALUE] = Attr("db.type/string", reason=f"the whole value, {blob_codec} codec")
    blob: dict[edn.Keyword, str] = {}
    for target, srcs in sorted(sources.items(), key=lambda kv: (kv[0].namespace or "", kv[0].name)):
        if target in BOOKKEEPING:
            blob[target] = "name reserved for the workbench's bookkeeping"
            continue
        if len(str(target).encode("utf-8")) > MAX_KEY_BYTES:
            blob[target] = f"TOO_LONG_FOR_KEY: attribute name over {MAX_KEY_BYTES} bytes"
            continue
        decided = _decide(target, srcs, prof)
        if isinstance(decided, Attr):
            attrs[target] = decided
        else:
            blob[target] = decided
    kinds = {t: tuple(sorted({k for k, _p, _s in srcs})) for t, srcs in sources.items()}
    return Schema(attrs, blob, name, kinds)


def _decide(target: edn.Keyword, srcs: list, prof: Profile) -> Attr | str:
    types: dict[str, int] = {}
    iso = ms = count = nan = long_values = 0
    for _kind, _path, st in srcs:
        for t, n in st.types.items():
            if t != "nil":
                types[t] = types.get(t, 0) + n
        iso += st.iso
        ms += st.ms
        nan += st.nan
        long_values += st.n_long
        count += st.count
    where = ", ".join(sorted({k for k, _p, _s in srcs}))
    if not types:
        return f"always nil ({where}): nothing to type"
    if len(types) > 1:
        mix = ", ".join(f"{t}:{n}" for t, n in sorted(types.items()))
        return f"MIXED_TYPES ({mix}) in {where}: kept in the blob"
    ((t, n),) = types.items()
    if t in ("vector", "list", "set"):
        elem: dict[str, int] = {}
        e_iso = e_n = e_long = 0
        for kind, path, _st in srcs:
            es = prof.stats.get((kind, path + ("[]",)))
            if es is None:
                continue
            for et, en in es.types.items():
                elem[et] = elem.get(et, 0) + en
            e_iso += es.iso
            e_long += es.n_long
            e_n += es.count
        if not elem:
            return f"always empty {t} ({where}): nothing to type"
        if len(elem) > 1 or next(iter(elem)) not in SCALAR_TYPES:
            return f"{t} of {', '.join(sorted(elem))} ({where}): kept in the blob"
        et = next(iter(elem))
        if et not in TYPE_FOR_EDN:
            return f"{t} of {et}: no Datalevin type; kept in the blob"
        if e_long:
            return (
                f"{t} of long {et}s (LONG_VALUE: {e_long} over {LONG_VALUE_BYTES} bytes): "
                "kept in the blob only"
            )
        vt = TYPE_FOR_EDN[et]
        reason = f"{t} of {et} in {where}: cardinality many (order and duplicates kept in the blob)"
        if et == "string" and e_iso == e_n:
            vt, reason = "db.type/long", reason + "; ISO-8601 times stored as epoch-ms longs"
        return Attr(vt, cardinality="many", reason=reason)
    if t == "map":
        return f"nested map ({where}): kept in the blob"
    if t not in TYPE_FOR_EDN:
        return f"{t} has no Datalevin value type ({where}): kept in the blob"
    if t == "string":
        if iso == n:
            return Attr(
                "db.type/long",
                reason=f"TIME_AS_STRING: ISO-8601 strings in {where} "
                "stored as epoch-ms longs for range queries; exact text in the blob",
            )
        if long_values:
            return (
                f"LONG_VALUE: {long_values} strings over {LONG_VALUE_BYTES} bytes in {where}: "
                "kept in the blob only"
            )
    reason = f"{t} in {where}"
    if t == "long" and ms == n:
        reason += ": epoch-ms time"
    if nan:
        reason += f"; {nan} NaN values left out (Datalevin cannot store NaN)"
    if any(st.nil for _k, _p, st in srcs):
        reason += "; nil values left out (kept in the blob)"
    total_distinct = sum(len(st.values) for _k, _p, st in srcs)
    if n >= 2 and total_distinct == n:
        reason += "; unique in the sample but not declared unique (:memory/key is the identity)"
    return Attr(TYPE_FOR_EDN[t], reason=reason)


DEFAULT_SCHEMA_PATH = Path(__file__).with_name("default-schema.edn")  # package data


@lru_cache(maxsize=1)
def default_schema() -> Schema:
    """The schema a mapping uses when none is given: shipped data (default-schema.edn), inferred
    once from a deterministic generated memory (tests/analysis/test_schema.py keeps it current)."""
    text = DEFAULT_SCHEMA_PATH.read_text(encoding="utf-8")
    return Schema.from_edn(text, source=str(DEFAULT_SCHEMA_PATH), name="inferred-default")


# ------------------------------------------------------------------------------------- mappings

_SKIP = object()


def convert(attr: Attr, v: Any) -> Any:
    """The value stored for `v` in `attr`, or _SKIP when it does not fit (nil, NaN, wrong type)."""
    if attr.cardinality == "many":
        if edn_type(v) not in ("vector", "list", "set"):
            return _SKIP
        out = set()
        for item in v:
            c = _convert_one(attr.value_type, item)
            if c is not _SKIP:
                out.add(c)
        return frozenset(out) if out else _SKIP
    return _convert_one(attr.value_type, v)


def _convert_one(vt: str, v: Any) -> Any:
    if v is None:
        return _SKIP
    t = edn_type(v)
    want = EDN_TYPE_OF.get(vt)
    if t == want:
        if t == "double" and math.isnan(v):
            return _SKIP
        return v
    if vt == "db.type/long" and t == "string":
        ms = iso_to_ms(v)
        return _SKIP if ms is None else ms
    return _SKIP


class InferredMapping:
    """Entry <-> entity with the inferred schema (lossless through the blob)."""

    name = "inferred"

    def __init__(self, schema: Schema | None = None, codec: str | Codec = "edn") -> None:
        self.schema = schema if schema is not None else default_schema()
        self.codec = get_codec(codec)
        blob_type = "db.type/bytes" if self.codec.name == "binary" else "db.type/string"
        current = self.schema.attributes.get(MEMORY_VALUE)
        if current is not None and current.value_type != blob_type:
            self.schema = self.schema.with_attr(
                MEMORY_VALUE,
                value_type=blob_type,
                reason=f"the whole value, {self.codec.name} codec",
            )
        self.identity = MEMORY_KEY
        self._attrs = self.schema.attributes

    def kind_of(self, key: Any, value: Any) -> str:
        """The entry's kind (workbench.memory.classify)."""
        return classify(key, value)[1]

    def _blob(self, value: Any) -> Any:
        data = self.codec.encode(value)
        return data if self.codec.name == "binary" else data.decode("utf-8")

    def candidates(self, key: Any, value: Any, kind: str | None = None) -> Iterable[tuple]:
        """(entity path, attribute, raw value) of every typed value the entry offers."""
        kind = kind or self.kind_of(key, value)
        layout = RECORD_LAYOUT.get(kind)
        if layout == "root" and isinstance(value, Mapping):
            for k, v in value.items():
                if type(k) is K:
                    yield (), qualify(kind, k), v
        elif layout == "values" and isinstance(value, Mapping):
            for rk, rv in value.items():
                if isinstance(rv, Mapping):
                    rid = edn.dumps(rk)
                    for k, v in rv.items():
                        if type(k) is K:
                            yield (rid,), qualify(kind, k), v
        elif layout == "items" and edn_type(value) in ("vector", "list"):
            for i, rv in enumerate(value):
                if isinstance(rv, Mapping):
                    for k, v in rv.items():
                        if type(k) is K:
                            yield (f"[{i}]",), qualify(kind, k), v

    def to_entity(self, key: Any, value: Any) -> dict:
        """The entity for one entry (identity, blob, kind, typed scalars, record sub-entities)."""
        data_type, kind = classify(key, value)
        pk = identity_text(key)
        ent: dict[Any, Any] = {
            MEMORY_KEY: pk,
            MEMORY_VALUE: self._blob(value),
            MEMORY_KIND: K(None, kind),
            MEMORY_TYPE: data_type,
        }
        records: dict[str, dict] = {}
        attrs = self._attrs
        for where, attr, v in self.candidates(key, value, kind):
            a = attrs.get(attr)
            if a is None or attr in BOOKKEEPING:
                continue
            c = convert(a, v)
            if c is _SKIP:
                continue
            if where:
                rec = records.get(where[0])
                if rec is None:
                    rec = records[where[0]] = {RECORD_ID: f"{pk} {where[0]}"}
                rec[attr] = c
            else:
                ent[attr] = c
        if records and MEMORY_RECORDS in attrs:
            ent[MEMORY_RECORDS] = list(records.values())
        return ent

    def from_entity(self, entity: Mapping) -> tuple[Any, Any]:
        """(key, value) back from an entity: the printed key and the blob, decoded exactly."""
        key = parse_printed_key(entity[MEMORY_KEY])
        blob = entity[MEMORY_VALUE]
        value = self.codec.decode(blob.encode("utf-8") if isinstance(blob, str) else blob)
        return key, value

    def identities(self, entity: Mapping) -> list[tuple]:
        """(attribute, value) of every unique identity in the entity and its sub-entities."""
        out = [(MEMORY_KEY, entity.get(MEMORY_KEY))]
        for rec in entity.get(MEMORY_RECORDS, ()):
            out.append((RECORD_ID, rec.get(RECORD_ID)))
        return out

    def with_codec(self, codec: str | Codec) -> InferredMapping:
        """The same mapping with another blob codec."""
        return InferredMapping(self.schema, codec)


PLAN_SCHEMA_PATH = Path(__file__).with_name("plan-schema.edn")  # package data
# The shared document says the real statuses (:draft :active :completed :archived) differ from the
# documented ones without listing them; these stand for "the documented ones" (edit to match).
PLAN_DOCUMENTED_PROJECT_STATUSES = frozenset(
    {K(None, "active"), K(None, "paused"), K(None, "archived")}
)
PLAN_PREFIXES = (
    ("session", "session"),
    ("presence", "presence"),
    ("project", "project"),
    ("learning", "learning"),
    ("tag", "tag"),
)
PLAN_IDENTITY = {
    "session": K("session", "id"),
    "presence": K("presence", "user-id"),
    "project": K("project", "id"),
    "learning": K("learning", "id"),
    "tag": K("tag", "name"),
    "cache": K("cache", "key"),
}
PLAN_BLOB = {
    "session": K("session", "data"),
    "project": K("project", "data"),
    "learning": K("learning", "data"),
    "cache": K("cache", "value"),
}
PLAN_COPIED = {  # plan entity type -> attributes copied from the value as they are
    "session": ("session/type",),
    "project": ("project/name", "project/owner", "project/status", "project/type"),
    "learning": (
        "learning/title",
        "learning/user",
        "learning/created",
        "learning/category",
        "learning/confidence",
        "learning/status",
    ),
    "presence": ("user/name", "user/color", "user/avatar"),
}
PLAN_NOW = {
    "session": ("session/created-at", "session/last-active"),
    "project": ("project/created-at", "project/last-modified"),
    "presence": ("presence/joined-at", "presence/last-seen"),
    "cache": ("cache/created-at",),
}


def load_plan_schema(path: Any = None) -> Schema:
    """The team's draft schema (plan-schema.edn, shipped with the package) with its documented statuses."""
    p = PLAN_SCHEMA_PATH if path is None else path
    with open(p, encoding="utf-8") as fh:
        schema = Schema.from_edn(fh.read(), source=str(p), name="plan")
    status = K("project", "status")
    if status in schema.attributes:
        schema = schema.with_attr(status, allowed=PLAN_DOCUMENTED_PROJECT_STATUSES)
    return schema


def plan_classify(key: Any) -> str:
    """The plan's classifier: it tests `(name key)` for "session/", "project/"... prefixes.

    The draft meant the printed key (`:session/...`) but takes the keyword's NAME, which never
    holds its namespace, so no real key matches and everything falls to `cache`.
    """
    name = key.name if isinstance(key, K | edn.Symbol) else str(key)
    for prefix, etype in PLAN_PREFIXES:
        if name.startswith(prefix + "/"):
            return etype
    return "cache"


class PlanMapping:
    """The plan's draft mapping, defects included, so the reports can show them."""

    name = "plan"

    def __init__(
        self, schema: Schema | None = None, codec: str | Codec = "json", now_ms: int | None = None
    ) -> None:
        self.schema = schema if schema is not None else load_plan_schema()
        self.codec = get_codec(codec)
        self.now_ms = now_ms

    def kind_of(self, key: Any, value: Any) -> str:
        """The plan's entity type for a key (name-only classifier)."""
        return plan_classify(key)

    def _now(self) -> int:
        return self.now_ms if self.now_ms is not None else int(time.time() * 1000)

    def _json(self, value: Any) -> str:
        return self.codec.encode(value).decode("utf-8")

    def to_entity(self, key: Any, value: Any) -> dict:
        """The entity the plan's code would write for (key, value)."""
        etype = plan_classify(key)
        name = key.name if isinstance(key, K | edn.Symbol) else str(key)
        now = self._now()
        ent: dict[Any, Any] = {PLAN_IDENTITY[etype]: name}
        if etype in PLAN_BLOB:
            ent[PLAN_BLOB[etype]] = self._json(value)
        for a in PLAN_NOW.get(etype, ()):
            ent[edn.kw(a)] = now
        if etype == "cache":
            ent[K("cache", "expires-at")] = now + 86_400_000
            ent[K("cache", "type")] = K(None, "memory")
        src = value if isinstance(value, Mapping) else {}
        for a in PLAN_COPIED.get(etype, ()):
            kw = edn.kw(a)
            v = src.get(kw)
            target = (
                K("presence", a.split("/")[1].replace("name", "user-name"))
                if etype == "presence"
                else kw
            )
            if v is not None:
                ent[target] = v
        if etype == "session":
            ent[K("session", "user-count")] = len(src)
        if etype == "tag":
            ids = src.get(
                K("tag", "learning-ids"),
                value if edn_type(value) in ("set", "vector", "list") else (),
            )
            ent[K("tag", "learning-id")] = frozenset(str(i) for i in ids)
            ent[K("tag", "count")] = len(ent[K("tag", "learning-id")])
        if etype == "presence":
            ent[K("presence", "session-id")] = name
        return ent

    def from_entity(self, entity: Mapping) -> tuple[Any, Any]:
        """(key, value) as the plan gives them back: key without namespace, JSON-decoded value."""
        etype = next((t for t, a in PLAN_IDENTITY.items() if a in entity), None)
        if etype is None:
            raise KeyError("entity has no plan identity attribute")
        ident = PLAN_IDENTITY[etype]
        key = K(None, str(entity[ident]))
        blob = PLAN_BLOB.get(etype)
        if blob is not None and blob in entity:
            return key, self.codec.decode(entity[blob].encode("utf-8"))
        # presence and tag: only the typed fields exist
        rest = {k: v for k, v in entity.items() if k != ident}
        return key, rest

    def identities(self, entity: Mapping) -> list[tuple]:
        """(attribute, value) of the unique identity of the entity."""
        return [(a, entity[a]) for a in PLAN_IDENTITY.values() if a in entity]

    def with_codec(self, codec: str | Codec) -> PlanMapping:
        """The same mapping with another blob codec."""
        return PlanMapping(self.schema, codec, self.now_ms)


def resolve_mapping(
    mapping: Any, *, memory: Any = None, schema: Schema | None = None, codec: str | None = None
) -> Any:
    """A mapping object as given, or built from a preset name (the stores' one resolver)."""
    if not isinstance(mapping, str):
        return mapping
    return get_mapping(
        mapping, schema=schema, memory=memory, codec=codec if mapping == "inferred" else None
    )


def get_mapping(
    name: str = "inferred",
    schema: Schema | None = None,
    memory: Any = None,
    codec: str | Codec | None = None,
    **kw: Any,
) -> InferredMapping | PlanMapping:
    """A mapping preset: "inferred" (schema given, inferred from memory, or default) or "plan"."""
    if name == "inferred":
        if schema is None and memory is not None:
            schema = infer_schema(memory, blob_codec=codec if isinstance(codec, str) else "edn")
        return InferredMapping(schema, codec or "edn")
    if name == "plan":
        return PlanMapping(schema, codec or "json", **kw)
    raise ValueError(f"unknown mapping {name!r}; choose 'inferred' or 'plan'")


def _clean(v: Any) -> Any:
    if isinstance(v, list):
        return [{a: x for a, x in rec.items() if _storable(x)} for rec in v]
    return v


def _storable(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def to_tx_data(memory: Any, schema_or_mapping: Any = None) -> list[dict]:
    """Entities (tx-data maps) for every entry; nil/NaN values dropped as Datalevin requires."""
    m = schema_or_mapping
    if m is None or isinstance(m, Schema):
        m = InferredMapping(m)
    elif isinstance(m, str):
        m = get_mapping(m)
    out = []
    for e in _entries(memory):
        ent = m.to_entity(e.key, e.value)
        out.append({a: _clean(v) for a, v in ent.items() if _storable(v)})
    return out
