"""The query patterns compared by workbench.bench.queries: what each asks, and how each store runs it.

The data-suggested patterns come in three kinds: equality lookups on selective top-level
attributes (``lookup``), entries holding a component record with a selective attribute value
(``component``: comment threads with a comment by one author, queues holding an op of one type),
and entries whose time attribute falls in the latest window of the data (``range``: top-level
times such as ``:learning/updated-at``, or record times such as ``:comment/created-at``).

A pattern has one answer (a canonical list: ``workbench.memory.queries.canonical``) and four ways
to get it: the in-memory map (a Python emulation of the app's scan over its atom), the Python LMDB
entity store's public methods, the Datalevin store through the Python bridge, and the Datalog
ops run inside the JVM (``[:q form input ...]`` or ``[:pull pattern ref]``; built by ``jvm_ops``).
The plan's queries take their Datalog from ``DATALOG_QUERIES`` itself: a recording stand-in for the
store's Datalog shape captures the exact queries the store runs, so they are not written twice.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench import edn
from workbench.analysis.schema.mapping import RECORD_LAYOUT, qualify
from workbench.memory.queries import (
    QUERY_DEFAULTS,
    as_keyword,
    canonical,
    iter_builder_sessions,
    iter_presence,
    run_query,
    search_items,
    session_last_active,
    to_ms,
)
from workbench.stores.datalevin.store import DATALOG_QUERIES, KEY_ATTR, key_from_text, key_text

K = edn.Keyword
MEMORY_KEY = K("memory", "key")
MEMORY_KIND, MEMORY_RECORDS = K("memory", "kind"), K("memory", "records")
WINDOW_SHARE = 0.05  # a time-range pattern asks for the latest 5% of the attribute's values
DAY_MS = 86_400_000
#: value types a data-suggested equality lookup is made for (the stored value is the file's value)
LOOKUP_TYPES = ("db.type/keyword", "db.type/string", "db.type/boolean", "db.type/long")
PULL_VALUE = "[:workbench/key :memory/key :memory/value]"
SEARCH_Q = (
    "[:find [?wk ...] :in $ ?re :where [?e :workbench/key ?wk] [?e :memory/key ?k] "
    "[?e :memory/value ?v] (or-join [?k ?v ?re] [(re-find ?re ?k)] [(re-find ?re ?v)])]"
)


@dataclass(frozen=True)
class Pattern:
    """One access or query: its name, where it comes from, its parameters."""

    name: str
    source: str  # "app access", "plan query", "data-suggested"
    what: str  # one line for the table
    kind: str  # "get", "search", "query" (a memory.queries query), "lookup", "component", "range"
    params: dict[str, Any] = field(default_factory=dict)
    keys: tuple = ()  # get: the keys read in one pass
    attr: Any = None  # lookup, component, range: the attribute
    value: Any = None  # lookup, component: the value
    why: str = ""  # data-suggested: what the profile found
    entry_kind: str = ""  # component, range: the kind of entry holding the attribute
    layout: str = ""  # component, range: where its records sit ("root", "values", "items")
    field: Any = None  # component, range: the record's own key (attr before qualifying)
    namespaces: tuple = ()  # component, range (records): the key namespaces of the kind
    lo: int = 0  # range: epoch ms, inclusive
    hi: int = 0

    @property
    def calls(self) -> int:
        """Store calls in one timed pass (a pass of `get` reads every key once)."""
        return max(1, len(self.keys)) if self.kind == "get" else 1


def _ident(text: str) -> str:
    """A pattern name from attribute text: usable as an identifier (no "-" or "?")."""
    return text.replace("-", "_").replace("?", "")


def _printed(value: Any) -> str:
    return value if type(value) is str else edn.printed(value)


# ------------------------------------------------------------------------------- the patterns


def latest_activity(data: Mapping) -> int | None:
    """Latest session activity in the data (builder sessions and presence), epoch ms."""
    items = list(data.items())
    times = [t for t in (session_last_active(s) for s in iter_builder_sessions(items)) if t]
    for _sid, _uid, user in iter_presence(items):
        if isinstance(user, Mapping):
            t = to_ms(user.get(K("user", "joined-at")))
            if t is not None:
                times.append(t)
    return max(times) if times else None


def app_patterns(data: Mapping, n_keys: int = 50, needle: str = "clojure") -> list[Pattern]:
    """The app's own accesses and the plan's four queries, with parameters taken from the data."""
    keys = list(data)
    step = max(1, len(keys) // max(1, n_keys))
    picked = tuple(keys[::step][:n_keys])
    latest = latest_activity(data)
    since = (latest - DAY_MS) if latest is not None else 0
    d = QUERY_DEFAULTS
    return [
        Pattern("get_by_key", "app access", "get-value of one key", "get", keys=picked),
        Pattern(
            "search",
            "app access",
            f"substring search over keys and values ({needle!r})",
            "search",
            {"text": needle},
        ),
        Pattern(
            "learning_by_tag",
            "app access",
            f"tag -> learning records ({d['learning_by_tag']['tag']!r})",
            "query",
            dict(d["learning_by_tag"]),
        ),
        Pattern(
            "sessions_by_type",
            "plan query",
            f"sessions by type ({edn.printed(d['sessions_by_type']['type'])})",
            "query",
            dict(d["sessions_by_type"]),
        ),
        Pattern(
            "learning_by_level",
            "plan query",
            f"learning records by level ({edn.printed(d['learning_by_level']['level'])}, status "
            "where level is absent)",
            "query",
            dict(d["learning_by_level"]),
        ),
        Pattern(
            "sessions_active_since",
            "plan query",
            "sessions active in the 24 h before the latest activity",
            "query",
            {"since_ms": since},
        ),
        Pattern(
            "sessions_with_users", "plan query", "sessions with their users (presence)", "query"
        ),
    ]


def suggested_patterns(profile: Any, schema: Any, limit: int = 3) -> list[Pattern]:
    """Equality lookups on the attributes the profile finds selective: typed top-level scalars
    with a few distinct values, each asked for its rarest value (the fewest entities)."""
    from workbench.analysis.profile import TOP_VALUES

    found = []
    for (kind, path), st in profile.stats.items():
        if RECORD_LAYOUT.get(kind) != "root" or len(path) != 1 or st.overflow:
            continue
        attr = path[0]
        a = schema.attributes.get(attr)
        if type(attr) is not K or not attr.namespace or a is None or a.cardinality != "one":
            continue
        if a.value_type not in LOOKUP_TYPES or st.iso or st.ms:
            continue
        values = {v: n for (_t, v), n in st.values.items() if v is not None}
        if not 2 <= len(values) <= TOP_VALUES:
            continue
        value, n = min(values.items(), key=lambda kv: (kv[1], edn.printed(kv[0])))
        share = n / st.count if st.count else 1.0
        found.append((share, kind, attr, value, n, len(values), st.count))
    found.sort(key=lambda r: (r[0], edn.printed(r[2])))
    out = []
    for share, kind, attr, value, n, distinct, count in found[:limit]:
        out.append(
            Pattern(
                _ident(f"{attr.namespace}_{attr.name}"),
                "data-suggested",
                f"{kind} entries with {attr} = {edn.printed(value)}",
                "lookup",
                attr=attr,
                value=value,
                why=f"{distinct} distinct values in {count:,} {kind} entries; "
                f"{edn.printed(value)} in {n:,} ({share:.1%})",
            )
        )
    return out


def _records(value: Any, layout: str) -> Any:
    """The record maps of one entry's value under its kind's layout (RECORD_LAYOUT)."""
    if layout == "root":
        return (value,) if isinstance(value, Mapping) else ()
    if layout == "values":
        return value.values() if isinstance(value, Mapping) else ()
    return value if isinstance(value, edn.Vector | edn.List) else ()


def _ms(x: Any) -> int | None:
    """A time field as the mapping types it: a long as it is, an ISO-8601 string as epoch ms."""
    from workbench.analysis.profile import iso_to_ms

    if type(x) is int:
        return x
    return iso_to_ms(x) if type(x) is str else None


def _iso(ms: int) -> str:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).strftime("%Y-%m-%d %H:%M")


def _pure_namespaces(entries: list, kind: str) -> tuple | None:
    """The key namespaces of a kind when no key of another kind shares them (a scan can then
    pick the kind's entries by namespace, as the app does); None when they are shared."""
    mine = {e.key.namespace for e in entries if e.kind == kind and type(e.key) is K}
    if not mine or any(e.kind == kind and type(e.key) is not K for e in entries):
        return None
    if any(e.kind != kind and type(e.key) is K and e.key.namespace in mine for e in entries):
        return None
    return tuple(sorted(mine))


def _fields(entries: list, schema: Any) -> dict[tuple, dict]:
    """(kind, layout, field) -> {attr, entries, values: [typed value per record]} for every
    record field the schema types with cardinality one (the mapping's own typing)."""
    from workbench.analysis.profile import edn_type
    from workbench.analysis.schema.model import EDN_TYPE_OF

    found: dict[tuple, dict] = {}
    for e in entries:
        layout = RECORD_LAYOUT.get(e.kind)
        if layout is None:
            continue
        for rec in _records(e.value, layout):
            if not isinstance(rec, Mapping):
                continue
            for f, x in rec.items():
                if type(f) is not K:
                    continue
                attr = qualify(e.kind, f)
                a = schema.attributes.get(attr)
                if a is None or a.cardinality != "one" or x is None:
                    continue
                if a.value_type == "db.type/long" and type(x) is str:
                    x = _ms(x)
                elif edn_type(x) != EDN_TYPE_OF.get(a.value_type):
                    continue
                if x is None:
                    continue
                slot = found.setdefault(
                    (e.kind, layout, f), {"attr": attr, "entries": set(), "values": []}
                )
                slot["entries"].add(e.key)
                slot["values"].append(x)
    return found


def _exact_scan(entries: list, kind: str, layout: str, f: Any) -> tuple | None:
    """The namespaces a scan for field f of `kind` must keep to ((): none, a top-level field no
    other kind holds), or None when no scan of the map can tell the kind's entries apart."""
    if layout != "root":
        return _pure_namespaces(entries, kind)
    for e in entries:
        if e.kind != kind and isinstance(e.value, Mapping) and f in e.value:
            owner = RECORD_LAYOUT.get(e.kind) == "root" and qualify(e.kind, f) == qualify(kind, f)
            if not owner:
                return None
    return ()


def component_patterns(entries: list, schema: Any, limit: int = 2) -> list[Pattern]:
    """Entries holding a component record with a selective attribute value: record fields (of
    projects, sessions, presence, comments, versions, ops, queues) with a few distinct values,
    each asked for its rarest value; at most one per kind, the most selective first."""
    from workbench.analysis.profile import TOP_VALUES

    found = []
    for (kind, layout, f), slot in _fields(entries, schema).items():
        attr = slot["attr"]
        a = schema.attributes[attr]
        if layout == "root" or a.value_type not in LOOKUP_TYPES or _is_time(attr, slot):
            continue
        counts: dict[Any, int] = {}
        for x in slot["values"]:
            counts[x] = counts.get(x, 0) + 1
        if not 2 <= len(counts) <= TOP_VALUES:
            continue
        nss = _exact_scan(entries, kind, layout, f)
        if nss is None:
            continue
        value, n = min(counts.items(), key=lambda kv: (kv[1], edn.printed(kv[0])))
        holders = sum(
            1
            for e in entries
            if e.kind == kind
            and any(
                isinstance(r, Mapping) and type(r.get(f)) is type(value) and r.get(f) == value
                for r in _records(e.value, layout)
            )
        )
        share = holders / max(1, len(slot["entries"]))
        found.append((share, kind, layout, f, attr, value, n, len(counts), slot, nss, holders))
    found.sort(key=lambda r: (r[0], edn.printed(r[4])))
    out, kinds = [], set()
    for share, kind, layout, f, attr, value, n, distinct, slot, nss, holders in found:
        if kind in kinds or len(out) >= limit:
            continue
        kinds.add(kind)
        out.append(
            Pattern(
                _ident(f"{kind}_by_{attr.namespace}_{attr.name}"),
                "data-suggested",
                f"{kind} entries holding a record with {attr} = {edn.printed(value)}",
                "component",
                attr=attr,
                value=value,
                entry_kind=kind,
                layout=layout,
                field=f,
                namespaces=nss,
                why=f"component records: {distinct} distinct values in {len(slot['values']):,} "
                f"{kind} records; {edn.printed(value)} in {n:,} records of {holders:,} of "
                f"{len(slot['entries']):,} entries ({share:.1%})",
            )
        )
    return out


def _is_time(attr: Any, slot: dict) -> bool:
    """A long attribute every value of which is an epoch-ms time (2000..2100) or came from ISO."""
    from workbench.analysis.profile import MS_MAX, MS_MIN

    vals = slot["values"]
    return bool(vals) and all(type(x) is int and MS_MIN <= x <= MS_MAX for x in vals)


def range_patterns(entries: list, schema: Any, limit: int = 2) -> list[Pattern]:
    """Entries whose time attribute falls in the latest window of the data (WINDOW_SHARE of its
    values): top-level times and component-record times, the attribute with most values first,
    at most one per kind and one of each layout before a second of any."""
    found = []
    for (kind, layout, f), slot in _fields(entries, schema).items():
        attr = slot["attr"]
        if schema.attributes[attr].value_type != "db.type/long" or not _is_time(attr, slot):
            continue
        vals = sorted(slot["values"])
        if len(vals) < 4 or vals[0] == vals[-1]:
            continue
        nss = _exact_scan(entries, kind, layout, f)
        if nss is None:
            continue
        lo, hi = vals[-max(1, math.ceil(len(vals) * WINDOW_SHARE))], vals[-1]
        found.append((len(vals), kind, layout, f, attr, lo, hi, vals, slot, nss))
    found.sort(key=lambda r: (-r[0], edn.printed(r[4])))
    by_layout: dict[bool, list] = {True: [], False: []}
    for r in found:
        by_layout[r[2] == "root"].append(r)
    order = [r for pair in zip(by_layout[True], by_layout[False], strict=False) for r in pair]
    order += [r for r in found if r not in order]
    out, kinds = [], set()
    for n, kind, layout, f, attr, lo, hi, vals, _slot, nss in order:
        if kind in kinds or len(out) >= limit:
            continue
        kinds.add(kind)
        inside = sum(1 for v in vals if lo <= v <= hi)
        where = "entries" if layout == "root" else "records"
        out.append(
            Pattern(
                _ident(f"{kind}_{attr.name}_window"),
                "data-suggested",
                f"{kind} entries with {attr} in the latest window ({_iso(lo)} to {_iso(hi)} UTC)",
                "range",
                attr=attr,
                entry_kind=kind,
                layout=layout,
                field=f,
                namespaces=nss,
                lo=int(lo),
                hi=int(hi),
                why=f"time attribute: {n:,} values in {kind} {where} from {_iso(vals[0])} to "
                f"{_iso(vals[-1])} UTC; the window holds the latest {inside:,} "
                f"({inside / n:.1%})",
            )
        )
    return out


def _scan(p: Pattern, data: Mapping) -> list:
    """The app's scan of its map for a component or range pattern: the keys of the entries of
    the kind (picked by key namespace for records) holding a matching record."""
    f, layout, nss = p.field, p.layout, frozenset(p.namespaces)
    if p.kind == "component":
        want, t = p.value, type(p.value)

        def hit(r: Any) -> bool:
            x = r.get(f)
            return type(x) is t and x == want
    else:
        lo, hi = p.lo, p.hi

        def hit(r: Any) -> bool:
            ms = _ms(r.get(f))
            return ms is not None and lo <= ms <= hi

    out = []
    for k, v in data.items():
        if nss and not (type(k) is K and k.namespace in nss):
            continue
        for r in _records(v, layout):
            if isinstance(r, Mapping) and hit(r):
                out.append(k)
                break
    return out


# ------------------------------------------------------------------------------- the answers


def edn_answer(p: Pattern, data: Mapping) -> list:
    """The pattern on the in-memory map (Python emulation of the app's scan of its atom)."""
    if p.kind == "get":
        return canonical([[_printed(k), edn.printed(data.get(k))] for k in p.keys])
    if p.kind == "search":
        return canonical(_printed(k) for k, _v in search_items(data.items(), p.params["text"]))
    if p.kind == "query":
        return run_query(p.name, data.items(), **p.params)
    if p.kind in ("component", "range"):
        return canonical(_printed(k) for k in _scan(p, data))
    want, t = p.value, type(p.value)
    return canonical(
        _printed(k)
        for k, v in data.items()
        if isinstance(v, Mapping) and type(v.get(p.attr)) is t and v.get(p.attr) == want
    )


def edn_call(p: Pattern, data: Mapping) -> Callable[[], Any]:
    """One timed pass on the in-memory map (the scan only; canonical sorting left out)."""
    if p.kind == "get":
        keys = p.keys
        return lambda: [data.get(k) for k in keys]
    if p.kind == "search":
        text = p.params["text"]
        return lambda: search_items(data.items(), text)
    if p.kind == "query":
        from workbench.memory.queries import QUERIES

        fn, params = QUERIES[p.name], p.params
        return lambda: fn(data.items(), **params)
    if p.kind in ("component", "range"):
        return lambda: _scan(p, data)
    attr, want, t = p.attr, p.value, type(p.value)
    return lambda: [
        k
        for k, v in data.items()
        if isinstance(v, Mapping) and type(v.get(attr)) is t and v.get(attr) == want
    ]


#: each query's one argument to its Clojure map function (bench/jvm/queries.clj map-queries)
_MAP_QUERY_ARG: dict[str, Callable[[dict], Any]] = {
    "sessions_by_type": lambda params: as_keyword(params["type"]),
    "learning_by_level": lambda params: as_keyword(params["level"]),
    "sessions_active_since": lambda params: int(params["since_ms"]),
    "sessions_with_users": lambda _params: None,
    "learning_by_tag": lambda params: params["tag"],
}
#: the queries answering [session id, user id] pairs, not ids
_PAIR_QUERIES = frozenset({"sessions_with_users"})


def map_op(p: Pattern) -> list:
    """The op answering p on the app's map as a Clojure map (queries.clj map-thunk), as EDN
    values to convert: [:get keys], [:search text], [:query name arg], [:lookup attr value],
    [:component namespaces layout field value] or [:range namespaces layout field lo hi]."""
    kind = K(None, p.kind)
    if p.kind == "get":
        return [kind, list(p.keys)]
    if p.kind == "search":
        return [kind, p.params["text"]]
    if p.kind == "query":
        return [kind, p.name, _MAP_QUERY_ARG[p.name](p.params)]
    if p.kind == "lookup":
        return [kind, p.attr, p.value]
    match = [p.value] if p.kind == "component" else [int(p.lo), int(p.hi)]
    return [kind, list(p.namespaces), p.layout, p.field, *match]


def map_answer(p: Pattern, result: Any) -> list:
    """The canonical answer from the Clojure map's result for p (a get's values are the
    caller's: their reference depends on the bridge's round trip)."""
    from workbench.stores.datalevin import bridge as wdl

    items = [wdl.to_edn(x) for x in result]
    if p.kind == "query" and p.name in _PAIR_QUERIES:
        return canonical([_printed(x) for x in pair] for pair in items)
    return canonical(_printed(x) for x in items)


class EntityKeys:
    """Entity id -> printed key of an LMDB entity store, built once, untimed (its public
    `entities_with` answers entity ids; the key of each is read back here)."""

    def __init__(self, store: Any, data: Mapping) -> None:
        from workbench.analysis.schema.mapping import identity_text

        self.of: dict[int, str] = {}
        for k in data:
            try:
                text = identity_text(k)
            except Exception:  # noqa: BLE001 - a key the mapping cannot print has no entity
                continue
            for eid in store.entities_with(MEMORY_KEY, text):
                self.of[eid] = _printed(k)


def lmdb_call(p: Pattern, store: Any) -> Callable[[], Any]:
    """One timed pass on the LMDB entity store, through its public methods."""
    if p.kind == "get":
        keys = p.keys
        return lambda: [store.lookup(k) for k in keys]
    if p.kind == "search":
        text = p.params["text"]
        return lambda: store.search(text)
    if p.kind == "query":
        name, params = p.name, p.params
        return lambda: store.query(name, **params)
    if p.kind == "range" and p.layout == "root":
        return lambda: [e for _v, e in store.entities_in_range(p.attr, p.lo, p.hi)]
    if p.kind in ("component", "range"):
        kind = K(None, p.entry_kind)

        def holders() -> set:
            if p.kind == "range":
                records = [r for _v, r in store.entities_in_range(p.attr, p.lo, p.hi)]
            else:
                records = store.entities_with(p.attr, p.value)
            of_kind = set(store.entities_with(MEMORY_KIND, kind))
            return {e for r in records for e in store.entities_with(MEMORY_RECORDS, r)} & of_kind

        return holders
    return lambda: store.entities_with(p.attr, p.value)


def store_answer(p: Pattern, result: Any, keys: EntityKeys | None = None) -> list:
    """The canonical answer from a store call's result (LMDB entity or Datalevin store)."""
    if p.kind == "get":
        return canonical(
            [[_printed(k), edn.printed(v)] for k, v in zip(p.keys, result, strict=True)]
        )
    if p.kind == "search":
        return canonical(_printed(k) for k, _v in result)
    if p.kind == "query":
        return result
    of = keys.of if keys is not None else {}
    return canonical(of.get(eid, f"<entity {eid}>") for eid in result)


def bridge_call(p: Pattern, store: Any) -> Callable[[], Any] | None:
    """One timed pass on the Datalevin store through the Python bridge (None: no store method
    for an attribute lookup, component or range query; its Datalog is timed in the JVM only)."""
    return None if p.kind in ("lookup", "component", "range") else lmdb_call(p, store)


# ------------------------------------------------------------------------------ JVM Datalog


class Recorder:
    """Stands in for the Datalevin store's Datalog shape: runs each query the plan's Datalog
    (DATALOG_QUERIES) asks for on the JVM-side connection, and records it for timing."""

    def __init__(self, c: Any, conn: Any, schema: Any) -> None:
        self.c, self.conn, self.schema = c, conn, schema
        self.ops: list[Any] = []

    def q(self, text: str, *inputs: Any) -> Any:
        from workbench.stores.datalevin import bridge as wdl

        c = self.c
        op = [c.kw("q"), c.read(text), *(wdl.to_clj(i) for i in inputs)]
        self.ops.append(c.PersistentVector.create(c.ObjectArray(op)))
        return c.core("q", op[1], c.core("db", self.conn), *op[2:])


def jvm_ops(p: Pattern, c: Any, conn: Any, schema: Any, ci_pattern: Any) -> tuple[list, Any] | None:
    """(ops, answer from the JVM result): the Datalog ops of one pass, and a function turning
    the pass's result (a vector, one item per op) into the canonical answer. None when the
    schema does not type what the plan's Datalog needs (the store then scans its items)."""
    from workbench.stores.datalevin import bridge as wdl

    vec = c.PersistentVector.create
    if p.kind == "query":
        if not DATALOG_QUERIES[p.name].usable(schema):
            return None
        rec = Recorder(c, conn, schema)
        answer = DATALOG_QUERIES[p.name].run(rec, **p.params)
        return rec.ops, lambda _result: answer
    if p.kind == "get":
        pattern, key_kw = c.read(PULL_VALUE), c.kw(f"{KEY_ATTR.namespace}/{KEY_ATTR.name}")
        ops = [
            vec(c.ObjectArray([c.kw("pull"), pattern, vec(c.ObjectArray([key_kw, key_text(k)]))]))
            for k in p.keys
        ]
        return ops, lambda result: _pulled_values(p, schema, result)
    if p.kind == "search":
        regex = ci_pattern.invoke(c.JString(p.params["text"]))
        ops = [vec(c.ObjectArray([c.kw("q"), c.read(SEARCH_Q), regex]))]
    elif p.kind in ("component", "range"):
        q, inputs = datalog_of(p)
        ops = [vec(c.ObjectArray([c.kw("q"), c.read(q), *(wdl.to_clj(i) for i in inputs)]))]
    else:
        q = f"[:find [?wk ...] :in $ ?v :where [?e {p.attr} ?v] [?e :workbench/key ?wk]]"
        ops = [vec(c.ObjectArray([c.kw("q"), c.read(q), wdl.to_clj(p.value)]))]
    return ops, lambda result: canonical(_printed(key_from_text(str(t))) for t in (result[0] or ()))


def datalog_of(p: Pattern) -> tuple[str, list]:
    """The Datalog (text, inputs) of a component or range pattern: the record (or entry) by its
    attribute, joined to its entry through :memory/records and the entry's kind."""
    if p.kind == "range":
        match, inputs = f"[?r {p.attr} ?t] [(<= ?lo ?t)] [(<= ?t ?hi)]", ["?lo", "?hi"]
        values: list = [int(p.lo), int(p.hi)]
    else:
        match, inputs, values = f"[?r {p.attr} ?v]", ["?v"], [p.value]
    if p.layout == "root":
        where = match.replace("?r ", "?e ", 1)
    else:
        where = f"{match} [?e :memory/records ?r] [?e :memory/kind ?kind]"
        inputs.append("?kind")
        values.append(K(None, p.entry_kind))
    q = f"[:find [?wk ...] :in $ {' '.join(inputs)} :where {where} [?e :workbench/key ?wk]]"
    return q, values


def _pulled_values(p: Pattern, schema: Any, result: Any) -> list:
    from workbench.analysis.schema import get_mapping
    from workbench.stores.datalevin import bridge as wdl
    from workbench.stores.datalevin.store import value_from_entity

    mapping = get_mapping("inferred", schema=schema)
    rows = []
    for k, pulled in zip(p.keys, result, strict=True):
        ent = wdl.to_edn(pulled) if pulled is not None else None
        if not ent:
            rows.append([_printed(k), edn.printed(None)])
            continue
        ent.pop(K("db", "id"), None)
        ent.pop(KEY_ATTR, None)
        rows.append([_printed(k), edn.printed(value_from_entity(mapping, ent))])
    return canonical(rows)
