"""Query patterns: every store answers each pattern like the EDN map; the ranking on given costs."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench import edn
from workbench.bench.queries import (
    BASIS_JVM,
    BASIS_PYTHON,
    CACHED,
    EDN,
    EDN_JVM,
    JVM,
    LMDB,
    measure_queries,
    queries_finding,
    queries_markdown,
    query_patterns,
    rank_queries,
    table_rows,
)

K = edn.Keyword


@pytest.fixture(scope="module")
def small_memory(tmp_path_factory):
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import load_memory

    path = tmp_path_factory.mktemp("queries") / "memory.edn"
    generate_memory(entries=160, seed=11).write(path)
    return load_memory(path, progress=False)


def test_patterns_cover_the_app_the_plan_and_the_profile(small_memory) -> None:
    patterns = query_patterns(small_memory)
    names = {p.name for p in patterns}
    assert {"get_by_key", "search", "learning_by_tag"} <= names
    assert {
        "sessions_by_type",
        "learning_by_level",
        "sessions_active_since",
        "sessions_with_users",
    } <= names
    suggested = [p for p in patterns if p.source == "data-suggested"]
    assert suggested, "the profile suggested no selective attribute"
    assert all(p.attr is not None and p.why for p in suggested)


def test_python_stores_answer_every_pattern_like_the_edn_map(small_memory, tmp_path) -> None:
    costs = measure_queries(
        small_memory, quick=True, datalevin=False, workdir=tmp_path, progress=False
    )
    patterns = {p.name for p in query_patterns(small_memory)}
    assert set(costs["store"]) == {EDN, LMDB}
    for store, g in costs.groupby("store"):
        assert set(g["pattern"]) == patterns, store
    assert costs["equal"].all(), costs.loc[~costs["equal"], ["pattern", "store"]]
    assert (costs["median_us"] > 0).all()
    edn_rows = costs[costs["store"] == EDN].set_index("pattern")["rows"]
    # the answers compared are not trivially empty: the map finds something for most patterns
    assert (edn_rows > 0).sum() >= len(patterns) - 1, edn_rows
    # a selective lookup returns fewer entries than the memory holds
    suggested = [p.name for p in query_patterns(small_memory) if p.source == "data-suggested"]
    assert all(0 < edn_rows[n] < len(small_memory.entries) for n in suggested)
    ranked = rank_queries(costs)
    assert ranked["rank"].isna().all()  # no Datalevin figure: nothing is ranked
    assert all("no Datalevin" in r for r in ranked["reason"])


def _costs(rows: list[tuple]) -> pd.DataFrame:
    """Hand-made measure_queries rows: (pattern, store, median_us, rows, equal)."""
    out = []
    for pattern, store, med, n, equal in rows:
        out.append(
            {
                "pattern": pattern,
                "source": "plan query",
                "what": pattern,
                "why": "",
                "store": store,
                "median_us": med,
                "q1_us": med * 0.9,
                "q3_us": med * 1.1,
                "n": 9,
                "rows": n,
                "equal": equal,
                "entries": 1000,
            }
        )
    return pd.DataFrame(out)


HAND_MADE = [
    ("even", EDN, 100.0, 300, True),
    ("even", JVM, 80.0, 300, True),
    ("scan", EDN, 5000.0, 10, True),
    ("scan", LMDB, 40.0, 10, True),
    ("scan", JVM, 50.0, 10, True),
    ("scan", CACHED, 5.0, 10, True),
    ("get", EDN, 0.1, 1, True),
    ("get", JVM, 30.0, 1, True),
    ("wrong", EDN, 9000.0, 5, True),
    ("wrong", JVM, 1.0, 4, False),
    ("unmeasured", EDN, 10.0, 2, True),
]


def test_ranking_orders_by_gain_and_flags_differing_answers() -> None:
    ranked = rank_queries(_costs(HAND_MADE))
    assert list(ranked["pattern"][:3]) == ["scan", "even", "get"]
    assert list(ranked["rank"][:3]) == [1, 2, 3]
    by = ranked.set_index("pattern")
    assert by.loc["scan", "ratio"] == pytest.approx(100.0)
    assert "gains 100.0x" in by.loc["scan", "reason"]
    assert "selective" in by.loc["scan", "reason"]  # 10 of 1,000 entries
    assert "about even" in by.loc["even", "reason"]
    assert "stays on the map" in by.loc["get", "reason"]
    # the fastest-looking row answers differently: flagged, never ranked
    assert pd.isna(by.loc["wrong", "rank"])
    assert "flagged" in by.loc["wrong", "reason"] and JVM in by.loc["wrong", "reason"]
    assert by.loc["unmeasured", "reason"].startswith("not ranked")
    shown = {r["pattern"]: r for r in table_rows(ranked)}
    assert shown["wrong"]["rank"] == "flagged"
    assert shown["scan"]["map / Datalog"] == "100.0x"
    assert shown["scan"]["ratio of"] == BASIS_PYTHON  # no Clojure map figure in these rows
    assert shown["scan"][CACHED].startswith("5.0 us")
    md = queries_markdown(ranked, "memory.edn")
    assert md.startswith("# Query patterns ranked")
    assert md.count("\n| ") == len(ranked) + 1  # header + one row per pattern


def test_finding_names_the_top_queries_and_judges_the_run() -> None:
    flagged = queries_finding(rank_queries(_costs(HAND_MADE)))
    assert flagged["status"] == "needs attention" and "wrong" in flagged["why"]
    assert flagged["sentence"].startswith("Most valuable as Datalog: scan (100.0x")
    clean = [r for r in HAND_MADE if r[0] != "wrong"]
    assert queries_finding(rank_queries(_costs(clean)))["status"] == "go"
    losing = [r for r in HAND_MADE if r[0] == "get"]
    assert queries_finding(rank_queries(_costs(losing)))["status"] == "needs attention"


DAY = 86_400_000
BASE = 1_775_000_000_000


def _threads_memory():
    """20 comment threads (2 comments each; "zed" wrote one comment, in :comments/t7; times one
    day apart) and 12 learning records with ISO-8601 update times, a day apart."""
    from workbench.memory.model import memory_from_text

    parts = []
    for t in range(20):
        comments = []
        for c in range(2):
            author = "zed" if (t, c) == (7, 1) else ("ann", "bob", "cy")[(t + c) % 3]
            comments.append(
                f'"c{t}-{c}" {{:comment/id "c{t}-{c}" :comment/author "{author}" '
                f":comment/created-at {BASE + (2 * t + c) * DAY} :comment/resolved? {str(c == 1).lower()}}}"
            )
        parts.append(f":comments/t{t} {{{' '.join(comments)}}}")
    for i in range(12):
        day = f"2026-04-{i + 1:02d}T10:00:00Z"
        parts.append(
            f':davidwu/l{i} #:learning{{:id "davidwu/l{i}" :title "t{i}" :updated-at "{day}" '
            f":status :{('active', 'archived')[i % 2]}}}"
        )
    return memory_from_text("{" + " ".join(parts) + "}")


def test_component_and_time_range_patterns_answer_what_the_data_holds(tmp_path) -> None:
    from workbench.bench._query_patterns import datalog_of, edn_answer

    mem = _threads_memory()
    data = {e.key: e.value for e in mem.entries}
    patterns = {p.kind: p for p in reversed(query_patterns(mem)) if p.source == "data-suggested"}
    comp = next(p for p in query_patterns(mem) if p.kind == "component")
    assert (comp.entry_kind, str(comp.attr), comp.value) == ("comments", ":comment/author", "zed")
    assert edn_answer(comp, data) == [":comments/t7"]
    assert "component records" in comp.why and "1 of 20 entries" in comp.why
    ranges = [p for p in query_patterns(mem) if p.kind == "range"]
    by_attr = {str(p.attr): p for p in ranges}
    rec = by_attr[":comment/created-at"]
    # 40 times, the latest 5%: the last two comments, both in the last thread
    assert (rec.lo, rec.hi) == (BASE + 38 * DAY, BASE + 39 * DAY)
    assert edn_answer(rec, data) == [":comments/t19"]
    q, inputs = datalog_of(rec)
    assert "[?e :memory/records ?r]" in q and inputs[-1] == K(None, "comments")
    root = by_attr[":learning/updated-at"]  # ISO-8601 text, typed as epoch ms
    assert root.layout == "root" and edn_answer(root, data) == [":davidwu/l11"]
    assert "[?e :learning/updated-at ?t]" in datalog_of(root)[0]
    assert "range" in patterns and "component" in patterns
    # the LMDB entity store's indexes give the same answers as the map's scan
    costs = measure_queries(mem, quick=True, datalevin=False, workdir=tmp_path, progress=False)
    new = costs[costs["pattern"].isin([comp.name, rec.name, root.name])]
    assert len(new) == 6 and new["equal"].all(), new[["pattern", "store", "rows", "equal"]]


def test_the_ratio_divides_figures_of_one_stack_when_the_clojure_map_was_timed() -> None:
    rows = [("scan", EDN, 5000.0, 10, True), ("scan", EDN_JVM, 500.0, 10, True),
            ("scan", JVM, 50.0, 10, True), ("py", EDN, 400.0, 10, True),
            ("py", JVM, 100.0, 10, True)]  # fmt: skip
    by = rank_queries(_costs(rows)).set_index("pattern")
    assert by.loc["scan", "ratio"] == pytest.approx(10.0)  # Clojure map / Datalevin, not 100x
    assert by.loc["scan", "basis"] == BASIS_JVM
    assert "as a Clojure map in the JVM" in by.loc["scan", "reason"]
    assert by.loc["py", "basis"] == BASIS_PYTHON and by.loc["py", "ratio"] == pytest.approx(4.0)
    sentence = queries_finding(rank_queries(_costs(rows)))["sentence"]
    assert "scan (10.0x: 500.0 us on the map, 50.0 us in Datalog)" in sentence
    assert "py (4.0x: 400.0 us on the map (Python emulation)" in sentence


def test_a_ranking_all_on_the_jvm_says_so_and_keeps_the_python_emulation_as_evidence() -> None:
    rows = [("scan", EDN, 5000.0, 10, True), ("scan", EDN_JVM, 500.0, 10, True),
            ("scan", JVM, 50.0, 10, True), ("get", EDN, 1.0, 1, True),
            ("get", EDN_JVM, 0.2, 1, True), ("get", JVM, 20.0, 1, True)]  # fmt: skip
    ranked = rank_queries(_costs(rows))
    assert set(ranked["basis"]) == {BASIS_JVM}
    by = ranked.set_index("pattern")
    assert "the Python emulation of the map takes 5.00 ms" in by.loc["scan", "reason"]
    assert all(r["ratio of"] == BASIS_JVM for r in table_rows(ranked))
    finding = queries_finding(ranked)
    assert "as a Clojure map, both timed inside the JVM" in finding["sentence"]
    assert "Python emulation" not in finding["sentence"]
    assert f"| {BASIS_JVM} |" in queries_markdown(ranked)
