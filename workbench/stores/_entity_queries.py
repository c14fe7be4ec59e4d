"""Native plan queries of the LMDB entity store: index scans per mapping ("inferred", "plan").

Each function takes the store (an ``LmdbEntityStore``) and an open read transaction; the store's
``query`` picks the table for its mapping, ``native_plan`` says which queries a schema can answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import lmdb

from workbench import edn
from workbench.memory.queries import QUERIES
from workbench.stores.base import MISSING
from workbench.stores.keys import decode_key

K = edn.Keyword

#: query -> attributes the inferred mapping's schema must hold to answer it on the indexes.
NATIVE_NEEDS: dict[str, list] = {
    "sessions_by_type": [K("session", "type"), K("session", "id")],
    "learning_by_level": [K("learning", "status"), K("learning", "id")],
    "sessions_active_since": [K("session", "id"), K("user", "joined-at"), K("memory", "records")],
    "sessions_with_users": [K("memory", "records"), K("memory", "kind")],
    "learning_by_tag": [K("learning", "tags"), K("learning", "id")],
}


def native_plan(attributes: Any, mapping_name: str) -> dict[str, bool]:
    """Which plan queries run natively for a schema's attributes under the named mapping."""
    if mapping_name == "plan":
        return dict.fromkeys(QUERIES, True)
    if mapping_name != "inferred":
        return dict.fromkeys(QUERIES, False)
    return {q: all(a in attributes for a in NATIVE_NEEDS[q]) for q in QUERIES}


def _id_text(value: Any) -> str:
    return value if type(value) is str else edn.dumps(value)


def _parent(store: Any, txn: lmdb.Transaction, child: int) -> int | None:
    for eid in store._ave_eq(txn, K("memory", "records"), child):
        return eid
    return None


def _session_ids(store: Any, txn: lmdb.Transaction, eids: Iterable[int]) -> list:
    out = []
    for eid in eids:
        sid = store._attr_value(txn, eid, K("session", "id"))
        if sid is not MISSING:
            out.append(_id_text(sid))
    return out


def _q_sessions_by_type(store: Any, txn: lmdb.Transaction, type: Any) -> list:  # noqa: A002
    from workbench.memory.queries import as_keyword

    return _session_ids(store, txn, store._ave_eq(txn, K("session", "type"), as_keyword(type)))


def _q_learning_by_level(store: Any, txn: lmdb.Transaction, level: Any) -> list:
    from workbench.memory.queries import as_keyword

    want = as_keyword(level)
    level_attr, status_attr, id_attr = (
        K("learning", "level"),
        K("learning", "status"),
        K("learning", "id"),
    )
    eids = set(store._ave_eq(txn, level_attr, want))
    for eid in store._ave_eq(txn, status_attr, want):
        if store._attr_value(txn, eid, level_attr) is MISSING:  # documented fallback
            eids.add(eid)
    out = []
    for eid in eids:
        lid = store._attr_value(txn, eid, id_attr)
        if lid is not MISSING:
            out.append(_id_text(lid))
    return out


def _presence_sid(store: Any, txn: lmdb.Transaction, eid: int) -> str | None:
    pk = store._attr_value(txn, eid, K("memory", "key"))
    if pk is MISSING:
        return None
    key = decode_key(pk.encode("utf-8")) if pk.startswith(":") else edn.loads(pk)
    if type(key) is K and key.namespace == "presence":
        return key.name
    return None


def _q_sessions_active_since(store: Any, txn: lmdb.Transaction, since_ms: int) -> list:
    session_eids = set()
    for attr in (
        K("session", "updated-at"),
        K("session", "created-at"),
        K("session", "completed-at"),
    ):
        session_eids.update(eid for _v, eid in store._ave_range(txn, attr, int(since_ms), None))
    out = _session_ids(store, txn, session_eids)
    for _v, rec in store._ave_range(txn, K("user", "joined-at"), int(since_ms), None):
        parent = _parent(store, txn, rec)
        sid = None if parent is None else _presence_sid(store, txn, parent)
        if sid is not None:
            out.append(sid)
    return out


def _q_sessions_with_users(store: Any, txn: lmdb.Transaction) -> list:
    out = []
    for eid in store._ave_eq(txn, K("memory", "kind"), K(None, "presence")):
        sid = _presence_sid(store, txn, eid)
        if sid is None:
            continue
        pk = store._attr_value(txn, eid, K("memory", "key"))
        rid_prefix = pk + " "
        for aid, child in store._datoms(txn, eid):
            if store._attr_of.get(aid) != K("memory", "records"):
                continue
            rid = store._attr_value(txn, child, K("record", "id"))
            if rid is MISSING or not rid.startswith(rid_prefix):
                continue
            out.append([sid, _id_text(edn.loads(rid[len(rid_prefix) :]))])
    return out


def _q_learning_by_tag(store: Any, txn: lmdb.Transaction, tag: str) -> list:
    out = []
    for eid in store._ave_eq(txn, K("learning", "tags"), tag):
        lid = store._attr_value(txn, eid, K("learning", "id"))
        if lid is not MISSING:
            out.append(_id_text(lid))
    return out


INFERRED_QUERIES = {
    "sessions_by_type": _q_sessions_by_type,
    "learning_by_level": _q_learning_by_level,
    "sessions_active_since": _q_sessions_active_since,
    "sessions_with_users": _q_sessions_with_users,
    "learning_by_tag": _q_learning_by_tag,
}


# The plan's queries on the plan's schema, as its code would run them (defects included).
def _p_by_attr(store: Any, txn: lmdb.Transaction, attr: Any, value: Any, id_attr: Any) -> list:
    out = []
    for eid in store._ave_eq(txn, attr, value):
        v = store._attr_value(txn, eid, id_attr)
        if v is not MISSING:
            out.append(_id_text(v))
    return out


def _pq_sessions_by_type(store: Any, txn: lmdb.Transaction, type: Any) -> list:  # noqa: A002
    from workbench.memory.queries import as_keyword

    return _p_by_attr(store, txn, K("session", "type"), as_keyword(type), K("session", "id"))


def _pq_learning_by_level(store: Any, txn: lmdb.Transaction, level: Any) -> list:
    from workbench.memory.queries import as_keyword

    return _p_by_attr(store, txn, K("learning", "level"), as_keyword(level), K("learning", "id"))


def _pq_sessions_active_since(store: Any, txn: lmdb.Transaction, since_ms: int) -> list:
    eids = [
        eid for _v, eid in store._ave_range(txn, K("session", "last-active"), int(since_ms), None)
    ]
    return _session_ids(store, txn, eids)


def _pq_sessions_with_users(store: Any, txn: lmdb.Transaction) -> list:
    out = []
    for _s, eid in store._ave_scan(txn, K("presence", "session-id")):
        sid = store._attr_value(txn, eid, K("presence", "session-id"))
        uid = store._attr_value(txn, eid, K("presence", "user-id"))
        if sid is not MISSING and uid is not MISSING:
            out.append([_id_text(sid), _id_text(uid)])
    return out


def _pq_learning_by_tag(store: Any, txn: lmdb.Transaction, tag: str) -> list:
    out = []
    for eid in store._ave_eq(txn, K("tag", "name"), tag):
        ids = store._pull(txn, eid).get(K("tag", "learning-id"), ())
        out.extend(_id_text(i) for i in ids)
    return out


PLAN_QUERIES = {
    "sessions_by_type": _pq_sessions_by_type,
    "learning_by_level": _pq_learning_by_level,
    "sessions_active_since": _pq_sessions_active_since,
    "sessions_with_users": _pq_sessions_with_users,
    "learning_by_tag": _pq_learning_by_tag,
}
