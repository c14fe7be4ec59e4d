"""Workloads runnable against every store: the app's operations, the plan's queries, a mixed trace.

A workload prepares a list of zero-argument operations from the data (``ops(store, n, rng)``);
the harness (``workbench.bench.harness``) times each call. Operations that change the store undo their
change outside the timed call when the next operation needs the original state (delete is
followed by an untimed re-put), so every sample sees a store of the same size.

Operation categories (for the plan's success metrics): ``read`` (get, full load, search,
queries, startup) and ``write`` (save, delete, update!).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench import edn
from workbench.memory.classify import SESSION_NAMESPACES
from workbench.memory.queries import (
    QUERIES,
    iter_builder_sessions,
    iter_learning_records,
    iter_presence,
    session_last_active,
    to_ms,
)
from workbench.stores.base import Store

__all__ = [
    "Workload",
    "WORKLOADS",
    "WRITE_OPS",
    "READ_OPS",
    "query_params",
    "hot_keys",
    "mixed_trace",
    "TraceResult",
    "Op",
]

K = edn.Keyword
Op = Callable[[], Any]
DAY_MS = 86_400_000


@dataclass
class Workload:
    """One named operation kind: category 'read' or 'write', builder of timed operations."""

    name: str
    category: str
    build: Callable[[Store, dict, int, random.Random], list[tuple[Op, Op | None]]]
    doc: str = ""


def _keys_of(data: Mapping) -> list:
    return list(data.keys())


def _pick(keys: list, n: int, rng: random.Random) -> list:
    return [keys[rng.randrange(len(keys))] for _ in range(n)]


def _kind_keys(data: Mapping, namespaces: Iterable[str]) -> list:
    nss = set(namespaces)
    return [k for k in data if type(k) is K and k.namespace in nss]


def hot_keys(data: Mapping) -> list:
    """The few keys the app reads all the time: projects, builder sessions, learning indexes."""
    wanted = {"projects", "builder-sessions"}
    keys = [k for k in data if type(k) is K and k.namespace in wanted]
    keys += [
        k
        for k in (K("learning", "index"), K("learning", "tag-index"), K("learning", "review-index"))
        if k in data
    ]
    return keys or _keys_of(data)[:5]


def session_keys(data: Mapping) -> list:
    """Keys the app saves often: presence, ops, comments, versions, snapshots, builder sessions."""
    keys = _kind_keys(data, SESSION_NAMESPACES)
    return keys or _keys_of(data)


def _build_get(store: Store, data: dict, n: int, rng: random.Random) -> list:
    keys = _pick(_keys_of(data), n, rng)
    return [(lambda k=k: store.get(k), None) for k in keys]


def _build_save(store: Store, data: dict, n: int, rng: random.Random) -> list:
    keys = _pick(session_keys(data), n, rng)
    return [(lambda k=k: store.put(k, data[k]), None) for k in keys]


def _build_delete(store: Store, data: dict, n: int, rng: random.Random) -> list:
    keys = _pick(_keys_of(data), n, rng)
    return [(lambda k=k: store.delete(k), lambda k=k: store.put(k, data[k])) for k in keys]


def _touch(value: Any) -> Any:
    """What update! does to a session value: a shallow change of the same size."""
    if isinstance(value, dict):
        out = dict(value)
        out[K("workbench", "touched")] = int(time.time() * 1000)
        return out
    return value


def _build_update(store: Store, data: dict, n: int, rng: random.Random) -> list:
    keys = _pick(session_keys(data), n, rng)
    return [(lambda k=k: store.update(k, _touch), lambda k=k: store.put(k, data[k])) for k in keys]


def _build_full_load(store: Store, data: dict, n: int, rng: random.Random) -> list:
    return [(lambda: store.as_dict(), None) for _ in range(n)]


SEARCH_TERMS = ("davidwu", "empathy", "clojure", "#ff", "zzq-no-match")


def _build_search(store: Store, data: dict, n: int, rng: random.Random) -> list:
    terms = [SEARCH_TERMS[i % len(SEARCH_TERMS)] for i in range(n)]
    return [(lambda t=t: store.search(t), None) for t in terms]


def _build_query(name: str) -> Callable:
    def build(store: Store, data: dict, n: int, rng: random.Random) -> list:
        variants = query_params(name, data.items(), variants=4)
        chosen = [variants[i % len(variants)] for i in range(n)]
        return [(lambda p=p: store.query(name, **p), None) for p in chosen]

    return build


WORKLOADS: dict[str, Workload] = {
    "get": Workload("get", "read", _build_get, "get-value of a random key"),
    "full_load": Workload("full_load", "read", _build_full_load, "get-all: every entry"),
    "search": Workload("search", "read", _build_search, "case-insensitive substring search"),
    "save": Workload(
        "save",
        "write",
        _build_save,
        "save-value! of a session-like key (durable per store settings)",
    ),
    "delete": Workload("delete", "write", _build_delete, "delete-value! (re-put untimed)"),
    "update": Workload("update", "write", _build_update, "update! read-modify-write"),
}
for _q in QUERIES:
    WORKLOADS[f"q:{_q}"] = Workload(f"q:{_q}", "read", _build_query(_q), f"plan query {_q}")

READ_OPS = tuple(n for n, w in WORKLOADS.items() if w.category == "read") + ("startup",)
WRITE_OPS = tuple(n for n, w in WORKLOADS.items() if w.category == "write")


# ------------------------------------------------------------------------ query parameters


def query_params(name: str, items: Iterable[tuple[Any, Any]], variants: int = 3) -> list[dict]:
    """Parameter sets for query `name` drawn from the data (values that occur, and one miss)."""
    items = list(items)
    if name == "sessions_with_users":
        return [{}]
    if name == "sessions_by_type":
        types = sorted(
            {s.get(K("session", "type")) for s in iter_builder_sessions(items)} - {None}, key=str
        )
        return [{"type": t} for t in types[:variants]] + [{"type": K(None, "no-such-type")}]
    if name == "learning_by_level":
        levels = sorted(
            {
                r.get(K("learning", "level"), r.get(K("learning", "status")))
                for r in iter_learning_records(items)
            }
            - {None},
            key=str,
        )
        return [{"level": lv} for lv in levels[:variants]] + [{"level": K(None, "no-such")}]
    if name == "learning_by_tag":
        counts: dict[str, int] = {}
        for r in iter_learning_records(items):
            tags = r.get(K("learning", "tags"))
            if isinstance(tags, frozenset | set | tuple | list):
                for t in tags:
                    if type(t) is str:
                        counts[t] = counts.get(t, 0) + 1
        tags = sorted(counts, key=lambda t: (-counts[t], t))
        return [{"tag": t} for t in tags[:variants]] + [{"tag": "no-such-tag"}]
    if name == "sessions_active_since":
        times = [t for t in (session_last_active(s) for s in iter_builder_sessions(items)) if t]
        times += [
            t
            for t in (
                to_ms(u.get(K("user", "joined-at"))) if isinstance(u, Mapping) else None
                for _s, _u, u in iter_presence(items)
            )
            if t
        ]
        if not times:
            return [{"since_ms": 0}]
        latest = max(times)
        times.sort()
        picks = [latest - DAY_MS, times[len(times) // 2], latest + 1]
        return [{"since_ms": int(t)} for t in picks[:variants]]
    raise ValueError(f"unknown query {name!r}")


# ---------------------------------------------------------------------------- mixed trace


@dataclass
class TraceResult:
    """Per-operation latencies of a mixed trace and what it did."""

    latencies_ns: dict[str, list[int]] = field(default_factory=dict)
    ops: int = 0
    seconds: float = 0.0
    rate: float | None = None

    def throughput(self) -> float:
        """Operations per second achieved."""
        return self.ops / self.seconds if self.seconds else 0.0


def mixed_trace(
    store: Store,
    data: dict,
    n_ops: int = 1000,
    rate: float | None = None,
    seed: int = 0,
    mix: Mapping[str, float] | None = None,
) -> TraceResult:
    """Replay the app's pattern: mostly reads of a few hot keys, saves of sessions and presence,
    occasional learning creation; `rate` ops/s paces the trace (None: as fast as possible)."""
    rng = random.Random(seed)
    mix = dict(
        mix or {"read_hot": 0.75, "read_any": 0.05, "save_session": 0.17, "create_learning": 0.03}
    )
    hot, sess, every = hot_keys(data), session_keys(data), _keys_of(data)
    learning = [
        (k, v) for k, v in data.items() if isinstance(v, Mapping) and K("learning", "id") in v
    ] or list(data.items())[:1]
    names, weights = list(mix), list(mix.values())
    result = TraceResult(rate=rate)
    period = 1.0 / rate if rate else 0.0
    clock = time.perf_counter_ns
    start = time.perf_counter()
    created = []
    for i in range(n_ops):
        if period:
            due = start + i * period
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        kind = rng.choices(names, weights)[0]
        if kind == "read_hot":
            k = hot[rng.randrange(len(hot))]
            t0 = clock()
            store.get(k, None)
        elif kind == "read_any":
            k = every[rng.randrange(len(every))]
            t0 = clock()
            store.get(k, None)
        elif kind == "save_session":
            k = sess[rng.randrange(len(sess))]
            v = _touch(data[k])
            t0 = clock()
            store.put(k, v)
        else:
            base_key, base = learning[rng.randrange(len(learning))]
            user = getattr(base_key, "namespace", None) or "davidwu"
            new_key = K(user, f"trace-{seed}-{i}")
            v = dict(base) if isinstance(base, Mapping) else base
            if isinstance(v, dict):
                v[K("learning", "id")] = f"{user}/trace-{seed}-{i}"
            t0 = clock()
            store.put(new_key, v)
            created.append(new_key)
        result.latencies_ns.setdefault(kind, []).append(clock() - t0)
        result.ops += 1
    store.flush()
    result.seconds = time.perf_counter() - start
    for k in created:  # leave the store as it was
        store.delete(k)
    store.flush()
    return result
