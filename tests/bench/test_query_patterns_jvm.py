"""Query patterns on real Datalevin: the JVM's Datalog and the bridge answer like the EDN map."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.datalevin


def test_datalevin_answers_every_pattern_like_the_edn_map(dl, tmp_path) -> None:
    from workbench.bench.queries import (
        BASIS_JVM,
        BRIDGE,
        CACHED,
        EDN,
        EDN_JVM,
        JVM,
        LMDB,
        measure_queries,
        rank_queries,
    )
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import load_memory

    path = tmp_path / "memory.edn"
    generate_memory(entries=120, seed=5).write(path)
    mem = load_memory(path, progress=False)
    costs = measure_queries(
        mem, quick=True, datalevin=True, bridge=True, workdir=tmp_path / "work", progress=False
    )
    patterns = set(costs["pattern"])
    # the data-suggested component-record and time-range queries are among them
    from workbench.bench.queries import query_patterns

    kinds = {p.kind for p in query_patterns(mem) if p.name in patterns}
    assert {"lookup", "component", "range"} <= kinds, kinds
    for store in (EDN, LMDB, JVM, CACHED):
        assert set(costs.loc[costs["store"] == store, "pattern"]) == patterns, store
    # the bridge offers every pattern but the attribute lookups (no store method for them)
    bridge = set(costs.loc[costs["store"] == BRIDGE, "pattern"])
    assert bridge == set(costs.loc[costs["source"] != "data-suggested", "pattern"])
    # the map as a Clojure map: every pattern, so every ranked row divides figures of the JVM
    assert set(costs.loc[costs["store"] == EDN_JVM, "pattern"]) == patterns
    assert costs.attrs["clojure_map_failed"] == []
    assert set(rank_queries(costs)["basis"]) == {BASIS_JVM}
    wrong = costs.loc[costs["equal"] != True, ["pattern", "store"]]  # noqa: E712
    assert wrong.empty, wrong
    assert costs.attrs["skipped_keys"] == []
    jvm = costs[costs["store"] == JVM]
    assert (jvm["n"] >= 3).all() and (jvm["median_us"] > 0).all()


def _hand_made_map() -> dict:
    """A small map exercising each pattern kind's edge: ISO times with offsets, commas, blanks,
    sub-millisecond digits and an impossible date; 1, 1.0 and true; sets, vectors and lists."""
    from workbench import edn

    K, V, L = edn.Keyword, edn.Vector, edn.List
    s, lr, c = (lambda n: K("session", n)), (lambda n: K("learning", n)), K("comment", "author")
    at = K("comment", "created-at")
    return {
        K("builder-sessions", "ann"): {
            "s1": {s("id"): "s1", s("type"): K(None, "empathy-map"),
                   s("created-at"): " 2024-01-01T10:00:00,5+01:30 "},
            "s2": {s("id"): "s2", s("type"): K(None, "journey"), s("updated-at"): 1704103200000,
                   s("completed-at"): 1.7041032e12},
        },
        K("session", "s3"): {s("id"): K(None, "s3"), s("type"): K(None, "empathy-map"),
                             s("updated-at"): "2024-02-30T10:00"},
        K("presence", ":s9"): {
            "u1": {K("user", "id"): "u1", K("user", "joined-at"): 1704103199999},
            K(None, "u2"): {K("user", "joined-at"): "2024-01-01T10:00Z"},
            "u3": "not a map",
        },
        K("learning", "l1"): {lr("id"): "l1", lr("tags"): frozenset({"clojure", "db"}),
                              lr("status"): K(None, "active"), lr("updated-at"): 1704103200000,
                              K("x", "n"): 1},
        K("learning", "l2"): {lr("id"): "l2", lr("tags"): V(("clojure",)),
                              lr("level"): K(None, "active"), lr("updated-at"): 1704103200001,
                              K("x", "n"): 1.0},
        K("learning", "l3"): {lr("id"): "l3", lr("tags"): "clojure", K("x", "n"): True,
                              lr("status"): K(None, "active"), lr("level"): K(None, "expert")},
        K("comments", "t1"): {"c1": {c: "zed", at: "2024-01-01T10:00:00.12399+01:30"},
                              "c2": {c: "ann", at: "2024-01-01T08:30:00.200Z"}},
        K("comments", "t2"): {"c3": {c: "ann", at: "2024-01-01T08:30:00.122999999Z"}},
        K("offline-queue", "q1"): V(({K("op", "type"): K(None, "put")},
                                     {K("op", "type"): K(None, "del")})),
        K("offline-queue", "q2"): L(({K("op", "type"): K(None, "put")},)),
        "plain key": "Clojure in a string value",
    }  # fmt: skip


def _hand_made_patterns(data: dict) -> list:
    from workbench import edn
    from workbench.analysis.profile import iso_to_ms
    from workbench.bench._query_patterns import Pattern
    from workbench.memory.queries import QUERIES, QUERY_DEFAULTS

    K = edn.Keyword
    lo = iso_to_ms("2024-01-01T08:30:00.123Z")  # c1's time; c3's is a millisecond earlier
    params = {**QUERY_DEFAULTS, "sessions_active_since": {"since_ms": 1704103200000}}
    return [
        Pattern("get_by_key", "app access", "", "get", keys=tuple(data)),
        Pattern("search", "app access", "", "search", {"text": "CLOJURE"}),
        *(Pattern(q, "plan query", "", "query", dict(params[q])) for q in QUERIES),
        Pattern("x_n", "data-suggested", "", "lookup", attr=K("x", "n"), value=1),
        Pattern("thread_by_author", "data-suggested", "", "component", attr=K("comment", "author"),
                value="zed", entry_kind="comments", layout="values", field=K("comment", "author"),
                namespaces=("comments",)),
        Pattern("queue_by_op", "data-suggested", "", "component", attr=K("op", "type"),
                value=K(None, "put"), entry_kind="offline-queue", layout="items",
                field=K("op", "type"), namespaces=("offline-queue",)),
        Pattern("comment_window", "data-suggested", "", "range", attr=K("comment", "created-at"),
                entry_kind="comments", layout="values", field=K("comment", "created-at"),
                namespaces=("comments",), lo=lo, hi=lo + 1000),
        Pattern("learning_window", "data-suggested", "", "range", attr=K("learning", "updated-at"),
                entry_kind="learning-record", layout="root", field=K("learning", "updated-at"),
                lo=1704103200001, hi=1704103200001),
    ]  # fmt: skip


def test_the_clojure_map_answers_every_pattern_kind_like_the_python_reference(dl) -> None:
    from workbench.bench import queries as bq
    from workbench.bench._query_patterns import edn_answer

    data = _hand_made_map()
    patterns = _hand_made_patterns(data)
    assert {p.kind for p in patterns} == {"get", "search", "query", "lookup", "component", "range"}
    refs = {p.name: edn_answer(p, data) for p in patterns}
    # the edges the map holds are in the references: none trivially empty
    assert all(refs.values()), [n for n, r in refs.items() if not r]
    assert refs["x_n"] == [":learning/l1"]  # not 1.0, not true
    assert refs["comment_window"] == [":comments/t1"]  # .12399 is .123; c3's .122999999 is not
    assert refs["sessions_active_since"] == [":s9", "s2"]
    rows: list[dict] = []

    def add(p, store, samples, answer, ref) -> None:
        rows.append(bq._row(p, store, samples, answer, ref, len(data)))

    timing = (1, 2, 0.0, 1)
    failed = bq._clojure_map(patterns, data, refs, add, timing, bq._jvm_vars())
    assert failed == []
    assert [r["pattern"] for r in rows] == [p.name for p in patterns]
    assert {r["store"] for r in rows} == {bq.EDN_JVM}
    assert all(r["equal"] for r in rows), [r["pattern"] for r in rows if not r["equal"]]
    assert all(r["n"] >= 1 and r["median_us"] > 0 for r in rows)

    # a wrong answer: the Clojure map without l1 answers the lookup without it; flagged
    lookup = next(p for p in patterns if p.kind == "lookup")
    short = {k: v for k, v in data.items() if str(k) != refs["x_n"][0]}
    rows.clear()
    assert bq._clojure_map([lookup], short, refs, add, timing, bq._jvm_vars()) == []
    wrong = rows
    assert [r["equal"] for r in wrong] == [False] and wrong[0]["rows"] == 0
    jvm = {**wrong[0], "store": bq.JVM, "equal": True}
    ranked = bq.rank_queries(pd.DataFrame([wrong[0], jvm]))
    assert ranked["rank"].isna().all()
    assert ranked["reason"][0].startswith("flagged") and bq.EDN_JVM in ranked["reason"][0]
