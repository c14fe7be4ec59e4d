"""Query patterns: every store answers each pattern like the EDN map; the ranking on given costs."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.bench.queries import (
    CACHED,
    EDN,
    JVM,
    LMDB,
    measure_queries,
    queries_finding,
    queries_markdown,
    query_patterns,
    rank_queries,
    table_rows,
)


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
    assert shown["scan"]["EDN / JVM"] == "100.0x"
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
