"""The JVM engine times exactly the timed round's ops inside the JVM, labelled as JVM figures."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.datalevin


def test_jvm_engine_times_one_round_per_op_after_discarded_warmup(dl, tmp_path) -> None:
    from workbench.bench.jvm import JVM_STORES, OPS, run_jvm
    from workbench.memory.generate import generate_memory

    data = generate_memory(entries=60, seed=3).value
    n, warmup = 25, 2
    stores = ["edn-app", "datalevin-kv[datalevin-default]", "cached-write-behind[sync]"]
    assert set(stores) <= set(JVM_STORES)
    df = run_jvm(data, stores=stores, n=n, warmup=warmup, workdir=tmp_path)
    assert len(df) == len(stores) * len(OPS)
    assert set(df["engine"]) == {"jvm"}  # never mixed with bridge or Python figures
    assert set(df["warmup_rounds"]) == {warmup}
    for store, rows in df.groupby("store"):
        counts = dict(zip(rows["op"], rows["n"], strict=True))
        # warm-up rounds are not sampled: one sample per op of the timed round only
        assert counts["noop"] == counts["get"] == counts["save"] == n, (store, counts)
        assert counts["startup"] in (0, 3), (store, counts)
        assert (rows.loc[rows["op"] != "startup", "p50_us"] > 0).all(), store
    assert set(df.loc[df["store"] == "edn-app", "durability"]) == {JVM_STORES["edn-app"][1]}
