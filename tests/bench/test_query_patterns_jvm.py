"""Query patterns on real Datalevin: the JVM's Datalog and the bridge answer like the EDN map."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.datalevin


def test_datalevin_answers_every_pattern_like_the_edn_map(dl, tmp_path) -> None:
    from workbench.bench.queries import (
        BRIDGE,
        CACHED,
        EDN,
        EDN_JVM,
        JVM,
        LMDB,
        measure_queries,
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
    # the map as a Clojure map: get by key and search only
    assert set(costs.loc[costs["store"] == EDN_JVM, "pattern"]) == {"get_by_key", "search"}
    wrong = costs.loc[costs["equal"] != True, ["pattern", "store"]]  # noqa: E712
    assert wrong.empty, wrong
    assert costs.attrs["skipped_keys"] == []
    jvm = costs[costs["store"] == JVM]
    assert (jvm["n"] >= 3).all() and (jvm["median_us"] > 0).all()
