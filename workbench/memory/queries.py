"""The plan's queries, defined once over (key, value) items: the reference every store must match.

EDN and LMDB key-value stores run these over their items; the entity and Datalevin stores run
them natively and must return the same canonical result (the differential test checks it).

Definitions (shape-based, so they work whatever the key looks like):

- a *builder session* is a map holding ``:session/id``, found as a top-level value or as a value
  inside a top-level map (``:builder-sessions/U`` holds ``{session-id session-map}``);
- a *learning record* is a top-level map value holding ``:learning/id``;
- a *collaboration session* is a ``:presence/<sid>`` key; its id is the key's name (``<sid>``,
  printed as in the file: ``:presence/:s1`` -> ``":s1"``); its users are the presence map's
  entries ``{user-id {:user/id .. :user/joined-at ms}}``.

Queries (each returns a canonical list: sorted, plain str / list values):

- ``sessions_by_type(type)``: ids of builder sessions whose ``:session/type`` equals ``type``
  (a keyword, or its text with or without the colon).
- ``learning_by_level(level)``: ids of learning records whose ``:learning/level`` equals
  ``level``; the app never stores ``:learning/level``, so where it is absent the record's
  ``:learning/status`` is used instead (``level=:active`` finds active records). Documented
  fallback: without it the plan's query is always empty.
- ``sessions_active_since(since_ms)``: ids of sessions with activity at or after ``since_ms``
  (epoch ms): builder sessions by the latest of ``:session/updated-at``, ``:session/created-at``,
  ``:session/completed-at`` (ISO strings or ms); collaboration sessions by the latest
  ``:user/joined-at`` of their presence entries.
- ``sessions_with_users()``: ``[session-id, user-id]`` pairs from presence (the plan's join of
  sessions with presence), user id as text (strings as is, other values printed as EDN).
- ``learning_by_tag(tag)``: ids of learning records whose ``:learning/tags`` contains ``tag``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from workbench import edn

__all__ = [
    "QUERIES",
    "QUERY_DEFAULTS",
    "run_query",
    "canonical",
    "search_items",
    "matches",
    "to_ms",
    "as_keyword",
    "iter_builder_sessions",
    "iter_learning_records",
    "iter_presence",
]

K = edn.Keyword
SESSION_ID = K("session", "id")
SESSION_TYPE = K("session", "type")
SESSION_TIMES = (
    K("session", "updated-at"),
    K("session", "created-at"),
    K("session", "completed-at"),
)
LEARNING_ID = K("learning", "id")
LEARNING_LEVEL = K("learning", "level")
LEARNING_STATUS = K("learning", "status")
LEARNING_TAGS = K("learning", "tags")
USER_ID = K("user", "id")
USER_JOINED = K("user", "joined-at")

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def print_like_app(value: Any, pr_str: bool = True) -> str:
    """pr-str of the map; like Clojure, unreadable keywords (:embed-token/0abc) print as they are,
    which is how the app's own save makes its file unreadable."""
    return edn.dumps(value, pr_str=pr_str, unreadable="print")


def to_ms(value: Any) -> int | None:
    """Epoch milliseconds of a ms long, an ISO-8601 string or an #inst; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and type(value) is str:
        m = _ISO.match(value.strip())
        if not m:
            return None
        y, mo, d, h, mi, s, frac, tz = m.groups()
        try:
            moment = _dt.datetime(
                int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=_dt.UTC
            )
        except ValueError:
            return None
        ms = int(moment.timestamp()) * 1000 + (int((frac or "0").ljust(3, "0")[:3]))
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            ms -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
        return ms
    to_dt = getattr(value, "to_datetime", None)
    if callable(to_dt):
        try:
            return int(to_dt().timestamp() * 1000)
        except Exception:  # noqa: BLE001 - unparseable #inst: no time
            return None
    return None


def as_keyword(value: Any) -> Any:
    """A keyword from a keyword or its text (":a/b" or "a/b"); other values unchanged."""
    if isinstance(value, str) and type(value) is str:
        text = value[1:] if value.startswith(":") else value
        i = text.find("/")
        if i <= 0 or text == "/":
            return K(None, text)
        return K(text[:i], text[i + 1 :])
    return value


def _id_text(value: Any) -> str:
    return value if type(value) is str else edn.printed(value)


# ---------------------------------------------------------------------------- record finders


def iter_builder_sessions(items: Iterable[tuple[Any, Any]]) -> Iterable[Mapping]:
    """Builder session maps (maps with :session/id), top-level or one level down."""
    for _key, value in items:
        if not isinstance(value, Mapping):
            continue
        if SESSION_ID in value:
            yield value
            continue
        for inner in value.values():
            if isinstance(inner, Mapping) and SESSION_ID in inner:
                yield inner


def iter_learning_records(items: Iterable[tuple[Any, Any]]) -> Iterable[Mapping]:
    """Top-level learning record maps (maps with :learning/id)."""
    for _key, value in items:
        if isinstance(value, Mapping) and LEARNING_ID in value:
            yield value


def iter_presence(items: Iterable[tuple[Any, Any]]) -> Iterable[tuple[str, Any, Any]]:
    """(session id, user id, user map) for every entry of every :presence/<sid> map."""
    for key, value in items:
        if type(key) is K and key.namespace == "presence" and isinstance(value, Mapping):
            for user_id, user in value.items():
                yield key.name, user_id, user


def session_last_active(session: Mapping) -> int | None:
    """Latest of a builder session's updated/created/completed times, in epoch ms."""
    times = [t for t in (to_ms(session.get(a)) for a in SESSION_TIMES) if t is not None]
    return max(times) if times else None


def learning_level(record: Mapping) -> Any:
    """:learning/level when present, else :learning/status (the documented fallback)."""
    level = record.get(LEARNING_LEVEL)
    return record.get(LEARNING_STATUS) if level is None else level


# ---------------------------------------------------------------------------------- queries


def sessions_by_type(items: Iterable[tuple[Any, Any]], type: Any) -> list:  # noqa: A002
    """Ids of builder sessions of the given :session/type."""
    want = as_keyword(type)
    return [
        _id_text(s[SESSION_ID]) for s in iter_builder_sessions(items) if s.get(SESSION_TYPE) == want
    ]


def learning_by_level(items: Iterable[tuple[Any, Any]], level: Any) -> list:
    """Ids of learning records at `level` (status where level is absent)."""
    want = as_keyword(level)
    return [
        _id_text(r[LEARNING_ID]) for r in iter_learning_records(items) if learning_level(r) == want
    ]


def sessions_active_since(items: Iterable[tuple[Any, Any]], since_ms: int) -> list:
    """Ids of builder and collaboration sessions active at or after since_ms."""
    items = list(items)
    out = []
    for s in iter_builder_sessions(items):
        t = session_last_active(s)
        if t is not None and t >= since_ms:
            out.append(_id_text(s[SESSION_ID]))
    latest: dict[str, int] = {}
    for sid, _uid, user in iter_presence(items):
        t = to_ms(user.get(USER_JOINED)) if isinstance(user, Mapping) else None
        if t is not None:
            latest[sid] = max(t, latest.get(sid, t))
    out.extend(sid for sid, t in latest.items() if t >= since_ms)
    return out


def sessions_with_users(items: Iterable[tuple[Any, Any]]) -> list:
    """[session id, user id] pairs from presence."""
    return [[sid, _id_text(uid)] for sid, uid, _user in iter_presence(items)]


def learning_by_tag(items: Iterable[tuple[Any, Any]], tag: str) -> list:
    """Ids of learning records tagged `tag`."""
    out = []
    for r in iter_learning_records(items):
        tags = r.get(LEARNING_TAGS)
        if isinstance(tags, frozenset | set | tuple | list) and tag in tags:
            out.append(_id_text(r[LEARNING_ID]))
    return out


QUERIES: dict[str, Callable[..., list]] = {
    "sessions_by_type": sessions_by_type,
    "learning_by_level": learning_by_level,
    "sessions_active_since": sessions_active_since,
    "sessions_with_users": sessions_with_users,
    "learning_by_tag": learning_by_tag,
}

#: Example parameters (used by workloads when none are given; `since_ms` is relative to "now").
QUERY_DEFAULTS: dict[str, dict[str, Any]] = {
    "sessions_by_type": {"type": K(None, "empathy-map")},
    "learning_by_level": {"level": K(None, "active")},
    "sessions_active_since": {"since_ms": 0},
    "sessions_with_users": {},
    "learning_by_tag": {"tag": "clojure"},
}


def canonical(result: Iterable[Any]) -> list:
    """Sorted, de-duplicated list of plain values (str, or lists of str) for comparison."""
    rows = []
    seen = set()
    for row in result:
        if isinstance(row, list | tuple):
            row = [r if type(r) is str else edn.printed(r) for r in row]
            marker = tuple(row)
        else:
            row = row if type(row) is str else edn.printed(row)
            marker = row
        if marker not in seen:
            seen.add(marker)
            rows.append(row)
    return sorted(rows, key=lambda r: (isinstance(r, list), r))


def run_query(name: str, items: Iterable[tuple[Any, Any]], **params: Any) -> list:
    """Run query `name` over (key, value) items; canonical result."""
    try:
        fn = QUERIES[name]
    except KeyError:
        raise ValueError(f"unknown query {name!r}; known: {', '.join(QUERIES)}") from None
    return canonical(fn(items, **params))


# ----------------------------------------------------------------------------------- search


def matches(needle_lower: str, key: Any, value: Any) -> bool:
    """True when the lower-cased needle occurs in the printed key or the printed value."""
    return needle_lower in edn.printed(key).lower() or needle_lower in edn.printed(value).lower()


def search_items(items: Iterable[tuple[Any, Any]], text: str) -> list[tuple[Any, Any]]:
    """Case-insensitive substring search over printed keys and values, sorted by printed key."""
    needle = text.lower()
    hits = [(k, v) for k, v in items if matches(needle, k, v)]
    hits.sort(key=lambda kv: edn.printed(kv[0]))
    return hits
