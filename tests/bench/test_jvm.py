"""The JVM engine: exactly the timed runs are sampled, labels never mix, answers match Python's."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.datalevin

TINY = {  # n per run, budget ms, warm-up calls, warm-up ms: budgets far above what n needs
    "noop": (25, 60_000, 7, 60_000),
    "get": (25, 60_000, 2_000, 60_000),  # enough for an atom read to leave the interpreter
    "save": (25, 60_000, 7, 60_000),
    "startup": (2, 60_000, 1, 60_000),
    # queries.clj warms up for at least its budget: keep it short; n = its minimum sample count
    "query": (3, 1, 1, 1),
}


def test_jvm_engine_samples_two_timed_runs_after_discarded_warmup(dl, tmp_path) -> None:
    from workbench.bench.jvm import JVM_STORES, PLAN_QUERIES, run_jvm
    from workbench.memory.generate import generate_memory

    data = generate_memory(entries=60, seed=3).value
    stores = [
        "edn-app",
        "datalevin-kv[default]",
        "cached-write-behind[default]",
        "datalevin-datalog[nosync]",
    ]
    df = run_jvm(data, stores=stores, plan=TINY, workdir=tmp_path)
    assert set(df["engine"]) == {"jvm"}  # never mixed with bridge or Python figures
    for store, rows in df.groupby("store"):
        counts = dict(zip(rows["op"], rows["n"], strict=True))
        # the initial load of every Datalevin store: one sample per 1,000-entry transaction
        if store.startswith(("datalevin", "cached")):
            assert counts.pop("bulk-load") == 1, store
            load = rows[rows["op"] == "bulk-load"].iloc[0]
            assert load["per_s"] > 0 and load["batch"] == 1000
        # a store with a background writer is timed over its whole budget: n is lifted 100x
        lifted = JVM_STORES[store].whole_budget
        want = {op: 2 * n * (100 if op in lifted else 1) for op, (n, *_) in TINY.items()}
        del want["query"]
        if store == "datalevin-datalog[default]":  # the plan's four queries, two timed runs each
            want |= {f"query:{q}": 2 * TINY["query"][0] for q in PLAN_QUERIES}
        # two timed runs of n; the warm-up calls are not among the samples
        assert counts == want, (store, counts)
        assert (rows["p50_us"] > 0).all(), store
        calls = dict(zip(rows["op"], rows["calls_per_sample"], strict=True))
        # the empty op and startup: one call per sample; an fsynced commit is long enough alone
        assert calls["noop"] == calls["startup"] == 1, (store, calls)
        if store == "edn-app":  # an atom read: far below one nanoTime pair's resolution
            assert calls["get"] > 1, calls
        if store == "datalevin-kv[default]":
            assert calls["save"] == 1, calls
        assert set(rows["durability"]) == {JVM_STORES[store].durability}
        # every entry read back from disk after the saves: the NaN one included
        assert set(rows["consistent_pct"]) == {100.0} and set(rows["complete_pct"]) == {100.0}
        assert (rows["file_bytes"] > 0).all()
    assert (df.loc[df["op"] != "bulk-load", "spread_pct"] >= 0).all()  # one load: no spread


def _nan_free(v: object) -> object:
    """v with NaN replaced by a marker (NaN != NaN; containers compare unordered as usual)."""
    if isinstance(v, float) and v != v:
        return "<NaN>"
    if isinstance(v, dict):
        return {_nan_free(k): _nan_free(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_nan_free(x) for x in v) if type(v) in (list, tuple) else v
    if isinstance(v, (set, frozenset)):
        return frozenset(_nan_free(x) for x in v)
    return v


def test_every_jvm_store_answers_gets_like_the_python_stores(dl, tmp_path) -> None:
    from workbench.bench.jvm import JVM_STORES, jvm_answers, jvm_data
    from workbench.memory.generate import generate_memory
    from workbench.stores.edn_file import EdnFileStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    data, _ = jvm_data(generate_memory(entries=80, seed=5).value)
    keys = list(data)
    expected = {}
    for name, store in (
        ("edn", EdnFileStore(tmp_path / "py.edn")),
        ("lmdb-kv", LmdbKvStore(tmp_path / "py-lmdb")),
    ):
        store.put_many(data)
        expected[name] = [_nan_free(store.get(k)) for k in keys]
        store.close()
    assert expected["edn"] == expected["lmdb-kv"] == [_nan_free(data[k]) for k in keys]
    assert any(v == "<NaN>" for x in expected["edn"] if isinstance(x, dict) for v in x.values())
    for label in JVM_STORES:
        got = [_nan_free(v) for v in jvm_answers(data, label, keys, tmp_path / "jvm")]
        assert got == expected["edn"], label


def test_jvm_datalog_queries_answer_like_the_python_reference(dl, tmp_path) -> None:
    from workbench.bench._query_patterns import app_patterns
    from workbench.bench.jvm import PLAN_QUERIES, jvm_data, jvm_query_answers
    from workbench.memory.generate import generate_memory
    from workbench.memory.queries import run_query

    data, _ = jvm_data(generate_memory(entries=300, seed=7).value)
    params = {p.name: p.params for p in app_patterns(data) if p.name in PLAN_QUERIES}
    expected = {q: run_query(q, data.items(), **params[q]) for q in PLAN_QUERIES}
    # the data must exercise the queries: at least three of the four answer something
    assert sum(bool(v) for v in expected.values()) >= 3, expected
    got = jvm_query_answers(data, "datalevin-datalog[default]", tmp_path)
    assert set(got) == set(PLAN_QUERIES)
    assert got == expected


def test_decomposition_times_each_step_in_a_fresh_store_of_its_own(
    dl, tmp_path, monkeypatch
) -> None:
    from workbench.bench import decompose
    from workbench.bench.decompose import STEPS, run_decomposition
    from workbench.bench.jvm import jvm_data
    from workbench.memory.generate import generate_memory

    data = generate_memory(entries=80, seed=11).value
    kept, _ = jvm_data(data)
    # the data steps draw every k-th entry of a dataset larger than DATA_STEP_ENTRIES
    monkeypatch.setattr(decompose, "DATA_STEP_ENTRIES", len(kept) // 2)
    kept = dict(list(kept.items())[::2])
    plan = {s: (3, 60_000, 2, 60_000) for s in STEPS}  # 2 warm-up + 3 timed calls, no budget cut
    dec = run_decomposition({"g": data}, plan=plan, workdir=tmp_path, progress=False)
    assert set(dec.loc[dec["dataset"] == "g", "entries_used"]) == {len(kept)}
    assert sorted(dec["step"]) == sorted(STEPS)
    machine = {s for s, (_f, _c, m) in STEPS.items() if m}
    assert set(dec.loc[dec["dataset"] == "", "step"]) == machine  # run once, not per dataset
    assert set(dec.loc[dec["dataset"] == "g", "step"]) == set(STEPS) - machine
    assert (dec["n"] == 3).all() and (dec["p50_ms"] > 0).all() and (dec["per_s"] > 0).all()
    by = dec.set_index("step")
    for step in ("kv-one-published", "kv-batch-published", "datalog-published"):
        assert by.loc[step, "batch"] == (1 if step == "kv-one-published" else 1000)
    assert by.loc["kv-batch-ours", "batch"] == by.loc["nippy", "batch"] == len(kept)
    assert 0 < by.loc["datalog-ours", "batch"] <= len(kept)
    # every call wrote new entries (fresh keys and identities, never an upsert of round 0's)
    for step in ("kv-one-published", "kv-batch-published", "kv-batch-ours", "datalog-published",
                 "datalog-blob", "datalog-ours"):  # fmt: skip
        assert by.loc[step, "stored"] == 5 * by.loc[step, "batch"], step
    # the published entity is two datoms; ours carry component records and the blob
    assert by.loc["datalog-published", "datoms_per_entity"] == 2.0
    assert by.loc["datalog-ours", "datoms_per_entity"] > 4.0
    assert by.loc["kv-batch-ours", "value_bytes"] > 36.0
    assert by.loc["datalog-blob", "value_bytes"] == by.loc["datalog-ours", "value_bytes"] > 36.0
    assert not any(tmp_path.iterdir())  # each step's store is removed once timed


def test_the_server_status_agrees_with_the_bundled_jar(dl) -> None:
    import zipfile
    from pathlib import Path

    from workbench.bench.jvm import datalevin_server_status

    jars = list((Path(dl.__file__).parent / "jars").glob("*.jar"))
    assert jars, "the datalevin package bundles its runtime jar"
    in_jar = any("datalevin/server.clj" in zipfile.ZipFile(j).namelist() for j in jars)
    status = datalevin_server_status()
    assert (status == "") == in_jar, status
    if status:
        assert status.startswith("not measured") and "datalevin/server.clj" in status


def test_shared_startup_copied_datalog_load_and_shorter_warmup_once_warm(
    dl, tmp_path, monkeypatch
) -> None:
    from workbench.bench import jvm
    from workbench.memory.generate import generate_memory

    monkeypatch.setattr(jvm, "_WARMED", set())  # as in a fresh JVM: nothing warmed yet
    data = generate_memory(entries=60, seed=4).value
    stores = [
        "edn-app",
        "edn-app[durable]",
        "datalevin-datalog[default]",
        "datalevin-datalog[nosync]",
    ]
    df = jvm.run_jvm(data, stores=stores, plan=TINY, workdir=tmp_path)
    row = {(r.store, r.op): r for r in df.itertuples()}
    # the durable variant's startup is the same slurp + read-string: timed once, shown for both
    durable, app = row[("edn-app[durable]", "startup")], row[("edn-app", "startup")]
    assert durable.timed_as == "edn-app" and (durable.p50_us, durable.n) == (app.p50_us, app.n)
    assert durable.durability != app.durability  # the store's own columns stay its own
    own = df[~((df["store"] == "edn-app[durable]") & (df["op"] == "startup"))]
    assert (own["timed_as"] == own["store"]).all()
    # the second Datalog store opens a copy of the first one's files: no second bulk load
    nosync = df[df["store"] == "datalevin-datalog[nosync]"]
    assert "bulk-load" not in set(nosync["op"]) and "bulk-load" in set(
        df.loc[df["store"] == "datalevin-datalog[default]", "op"]
    )
    assert set(nosync["loaded_from"]) == {"datalevin-datalog[default]"}
    assert set(nosync["consistent_pct"]) == {100.0} and set(nosync["complete_pct"]) == {100.0}
    # the same kind of store warmed up already in this JVM: a quarter of the plan's warm-up calls
    warm = {(r.store, r.op): r.warmup for r in df.itertuples()}
    for op in ("noop", "get", "save"):
        first = warm[("datalevin-datalog[default]", op)]
        assert first == TINY[op][2], op
        assert warm[("datalevin-datalog[nosync]", op)] == max(1, first // 4), op
    # another kind: its own warm-up (a save: one call per sample, so the calls are the plan's)
    assert warm[("edn-app[durable]", "save")] == TINY["save"][2]
    assert (df.loc[df["op"].isin(["noop", "get", "save"]), "warmup_s"] > 0).all()
    # a startup once warm: none (at 100k each one reads the whole file for seconds)
    assert warm[("datalevin-datalog[default]", "startup")] == TINY["startup"][2]
    assert warm[("datalevin-datalog[nosync]", "startup")] == 0


def test_warm_up_lasts_while_the_op_still_gets_faster(dl) -> None:
    from workbench.bench.jvm import _plan, _var
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    warming = _var("still-warming?")
    assert not warming.invoke(c.read("[10 10 10 10]"))
    assert warming.invoke(c.read("[10 10 9 9]"))  # the last two 10% below the two before
    assert not warming.invoke(c.read("[10 10 9.8 9.9]"))  # within 3%: steady
    assert not warming.invoke(c.read("[20 10 10]"))  # too few windows to tell
    # an op that spins 20 us at first and 2 us after 2 s, and one that always spins 5 us
    store = c.var("clojure.core", "load-string").invoke(
        c.JString(
            """(let [t0 (atom nil)
                 spin (fn [^long ns] (let [u (+ (System/nanoTime) ns)]
                                      (while (< (System/nanoTime) u))))]
             {:get (fn [_] (let [t (long (or @t0 (reset! t0 (System/nanoTime))))
                                 left (max 0.0 (- 1.0 (/ (- (System/nanoTime) t) 2e9)))]
                             (spin (long (+ 2000 (* 18000 left))))))
              :save (fn [_ _] (spin 5000))})"""
        )
    )
    plan = _plan({"get": (50, 100, 10**9, 1_000), "save": (50, 100, 10**9, 1_000)})
    res = _var("measure").invoke(store, c.read("{:a 1 :b 2}"), plan, 1, 7)
    warm_s = {op: int(res.valAt(c.kw("warmup-ns")).valAt(c.kw(op))) / 1e9 for op in ("get", "save")}
    # the plan's 1 s, then on while the get keeps getting faster (past 2 s); the flat save stops
    assert warm_s["get"] > 2.5 and warm_s["save"] < 2.0, warm_s


def test_decomposition_input_reuses_the_converted_values(dl, monkeypatch) -> None:
    from workbench.bench import decompose
    from workbench.bench.jvm import jvm_input
    from workbench.memory.generate import generate_memory
    from workbench.stores.datalevin import bridge as wdl

    inp = jvm_input(generate_memory(entries=90, seed=12).value)
    monkeypatch.setattr(decompose, "DATA_STEP_ENTRIES", 30)
    sub = decompose.decomposition_input(inp)
    keys = list(inp.data)[:: -(-len(inp.data) // 30)]
    assert list(sub.data) == keys and len(sub.data) <= 30
    # the same Clojure values as converting the subset afresh, taken from inp's
    assert wdl.clj().var("clojure.core", "=").invoke(sub.jdata, wdl.to_clj(sub.data))
    assert set(sub.datalog.texts) == {k for k in keys if k in inp.datalog.texts}
    assert int(sub.datalog.entities.count()) == len(sub.datalog.texts)
    assert decompose.decomposition_input(sub) is sub  # small enough: taken as it is
