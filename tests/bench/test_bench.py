"""Benchmark harness and workloads: correct bookkeeping, ratios, verdicts, outputs (never timed)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench import edn
from workbench.bench.harness import (
    BenchConfig,
    headline_findings,
    markdown_summary,
    run_benchmark,
    save_results,
    success_metrics,
    summarize,
    time_ops,
    with_ratios,
)
from workbench.bench.workloads import WORKLOADS, hot_keys, mixed_trace, query_params
from workbench.cli import main as cli_main
from workbench.memory.queries import run_query
from workbench.stores.lmdb_kv import LmdbKvStore

K = edn.Keyword


@pytest.fixture(scope="module")
def data():
    from workbench.memory.generate import generate_memory

    return dict(generate_memory(entries=150, seed=5).value)


def test_time_ops_warmup_undo_and_budget():
    calls, undos = [], []
    ops = [((lambda i=i: calls.append(i)), (lambda i=i: undos.append(i))) for i in range(10)]
    samples = time_ops(ops, warmup=3)
    assert len(samples) == 7 and all(isinstance(s, int) and s >= 0 for s in samples)
    assert calls == list(range(10)) and undos == list(range(10))
    calls.clear()
    samples = time_ops(ops, warmup=0, budget_s=0.0, min_samples=2)
    assert len(samples) == 2 and calls == [0, 1]


def test_summarize_percentiles():
    s = summarize([i * 1000 for i in range(1, 101)])  # 1..100 us
    assert s["n"] == 100
    assert s["p50_us"] == pytest.approx(50.0, abs=1)
    assert s["p95_us"] == pytest.approx(95.0, abs=1)
    assert s["p99_us"] == pytest.approx(99.0, abs=1)
    assert s["min_us"] == 1.0 and s["max_us"] == 100.0
    assert s["throughput_ops_s"] == pytest.approx(1e9 / 50_500)
    assert summarize([]) == {"n": 0}


def test_ratios_and_success_metrics_verdicts():
    rows = []
    for store, kind, get, save in (
        ("edn", "edn", 10.0, 100.0),
        ("a", "lmdb-kv", 10.5, 125.0),
        ("b", "lmdb-kv", 12.0, 110.0),
    ):
        for op, cat, v in (("get", "read", get), ("save", "write", save)):
            rows.append(
                {
                    "dataset": "d",
                    "entries": 5,
                    "store": store,
                    "kind": kind,
                    "op": op,
                    "category": cat,
                    "p50_us": v,
                    "p95_us": v * 2,
                }
            )
    df = with_ratios(pd.DataFrame(rows))
    assert (df[df["kind"] == "edn"]["ratio_p50_vs_edn"] == 1.0).all()
    met = success_metrics(df).set_index(["store", "op"])
    assert bool(met.loc[("a", "get"), "pass"]) is True  # 1.05 <= 1.10
    assert bool(met.loc[("a", "save"), "pass"]) is False  # 1.25 > 1.20
    assert bool(met.loc[("b", "get"), "pass"]) is False  # 1.20 > 1.10
    assert bool(met.loc[("b", "save"), "pass"]) is True  # 1.10 <= 1.20
    assert met.loc[("a", "save"), "verdict"].startswith("FAIL 1.25x")


def test_query_params_come_from_the_data(data):
    for name in (
        "sessions_by_type",
        "learning_by_level",
        "learning_by_tag",
        "sessions_active_since",
    ):
        variants = query_params(name, data.items())
        assert len(variants) >= 2
        hits = [run_query(name, data.items(), **p) for p in variants]
        assert any(hits), name
    assert query_params("sessions_with_users", data.items()) == [{}]
    assert hot_keys(data)


def test_workloads_leave_the_store_as_they_found_it(tmp_path, data):
    import random

    with LmdbKvStore(tmp_path / "kv", durability="nosync") as s:
        s.put_many(data)
        for name in ("delete", "update", "save", "get"):
            ops = WORKLOADS[name].build(s, data, 5, random.Random(1))
            time_ops(ops)
        got = dict(s.items())
        assert got.keys() == data.keys()
        assert all(edn.identical(got[k], data[k]) for k in data)
        tr = mixed_trace(s, data, n_ops=60, seed=2)
        assert tr.ops == 60 and sum(len(v) for v in tr.latencies_ns.values()) == 60
        assert len(s) == len(data)


def test_run_benchmark_small_sweep_and_outputs(tmp_path):
    cfg = BenchConfig(
        sizes=[60],
        stores=["edn", "lmdb-kv", "lmdb-entity"],
        codecs=["binary"],
        durabilities=["nosync"],
        batch_sizes=[10],
        ops=["get", "save", "search", "q:learning_by_tag"],
        repeats=4,
        warmup=1,
        startup_repeats=1,
        trace_ops=20,
        budget_s=5,
        progress=False,
    )
    result = run_benchmark(cfg)
    df = result.frame
    stores = set(df["store"])
    assert stores == {"edn", "lmdb-kv[binary,nosync]", "lmdb-entity[nosync]"}
    for store in stores:
        ops = set(df[df["store"] == store]["op"])
        assert {"get", "save", "search", "q:learning_by_tag", "startup", "bulk_load"} <= ops
    assert (df[(df["op"] == "get")]["n"] == 4).all()
    edn_rows = df[df["kind"] == "edn"]
    assert (edn_rows["ratio_p50_vs_edn"].dropna() == 1.0).all()
    assert (df["file_bytes"].dropna() > 0).all()
    pm = df[df["op"] == "put_many"]
    assert list(pm["batch_size"]) == [10] and (pm["entries_per_s"] > 0).all()
    assert set(result.metrics["op"]) >= {"get", "save"}
    assert result.overhead_ns > 0
    assert result.machine["cores"] and "lmdb" in result.machine["packages"]
    paths = save_results(result, tmp_path / "out")
    for key in (
        "csv",
        "json",
        "summary",
        "latency_png",
        "scaling_png",
        "file_sizes_png",
        "startup_png",
    ):
        assert paths[key].exists() and paths[key].stat().st_size > 0, key
    payload = json.loads(paths["json"].read_text())
    assert payload["machine"]["python"] and len(payload["rows"]) == len(df)
    text = markdown_summary(result)
    assert "success metrics" in text and "harness overhead" in text.lower()
    head = headline_findings(result)
    assert head["passed"] + head["failed"] == len(result.metrics)


def test_cli_bench(tmp_path, capsys):
    out = tmp_path / "bench"
    rc = cli_main(
        [
            "bench",
            "--sizes",
            "40",
            "--stores",
            "edn,lmdb-kv",
            "--codecs",
            "binary",
            "--durability",
            "nosync",
            "--repeats",
            "3",
            "--budget",
            "2",
            "--trace-ops",
            "5",
            "--batch-sizes",
            "10",
            "--no-plots",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "results.csv").exists() and (out / "summary.md").exists()
    assert "lmdb-kv[binary,nosync]" in capsys.readouterr().out
    assert cli_main(["bench", str(tmp_path / "missing.edn"), "--out", str(out)]) == 2
