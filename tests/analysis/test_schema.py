"""Tests for workbench.analysis.schema: inference, EDN round trip, mappings, collisions, losses, diff."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import edn
from workbench.analysis.schema import (
    MEMORY_KEY,
    MEMORY_RECORDS,
    MEMORY_VALUE,
    RECORD_ID,
    Attr,
    Schema,
    collision_report,
    coverage,
    diff,
    get_mapping,
    infer_schema,
    load_plan_schema,
    loss_report,
    plan_classify,
    to_tx_data,
    validate,
)
from workbench.analysis.schema.mapping import PLAN_SCHEMA_PATH

K = edn.Keyword
ISO = "2026-02-18T15:31:01.428Z"


@dataclass
class E:
    key: Any
    value: Any
    data_type: str = "Other"
    kind: str = "unclassified"


def entry(key, value):
    from workbench.memory.classify import classify

    dt, kind = classify(key, value)
    return E(key, value, dt, kind)


@lru_cache(maxsize=1)
def generated():
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import memory_from_text

    return memory_from_text(generate_memory(entries=600, seed=3).text, source="<gen>")


@lru_cache(maxsize=1)
def default_sample():
    """data-samples/memory.edn when it exists (the target's sample), else the generated one."""
    from support import DEFAULT_INPUT

    from workbench.memory.model import load_memory

    return load_memory(DEFAULT_INPUT) if DEFAULT_INPUT.exists() else generated()


def learning(i, extra=None):
    v = {
        K("learning", "id"): f"davidwu/fix-{i}-1771428661428-{i}",
        K("learning", "title"): f"title {i}",
        K("learning", "created"): ISO,
        K("learning", "tags"): frozenset({"a", f"t{i}"}),
        K("learning", "status"): K(None, "active"),
        K("learning", "insights"): edn.Vector(("x" * 600,)),
        K("learning", "confidence"): i % 5 + 1,
    }
    v.update(extra or {})
    return entry(K("davidwu", f"fix-{i}-1771428661428-{i}"), v)


# ------------------------------------------------------------------------------ inference


def test_inference_decisions_with_reasons():
    ents = [learning(i) for i in range(6)]
    ents[0].value[K("learning", "pattern")] = "text"
    ents[1].value[K("learning", "pattern")] = K(None, "oops")
    s = infer_schema(ents)
    a = s.attributes
    assert a[MEMORY_KEY].unique == "identity"
    assert a[K("learning", "tags")] == Attr(
        "db.type/string", "many", None, a[K("learning", "tags")].reason
    )
    assert a[K("learning", "created")].value_type == "db.type/long"
    assert "TIME_AS_STRING" in a[K("learning", "created")].reason
    assert a[K("learning", "status")].value_type == "db.type/keyword"
    assert a[K("learning", "confidence")].value_type == "db.type/long"
    assert a[K("learning", "id")].unique is None
    assert "not declared unique" in a[K("learning", "id")].reason
    assert "LONG_VALUE" in s.blob_only[K("learning", "insights")]
    assert "MIXED_TYPES" in s.blob_only[K("learning", "pattern")]
    assert K("learning", "pattern") not in a


@pytest.mark.parametrize("one_set", [True, False])
def test_a_set_mixing_iso_dates_and_other_strings_is_not_typed_as_time(one_set):
    # #{"2026-01-01T..." "tag0"}: mixed in one set, or ISO-only sets beside plain ones
    if one_set:
        tags = [frozenset({"2026-01-01T00:00:00Z", f"tag{i}"}) for i in range(4)]
    else:
        tags = [frozenset({ISO}), frozenset({"2026-01-02T00:00:00.000Z"})] + [
            frozenset({f"tag{i}"}) for i in range(2)
        ]
    ents = [learning(i, {K("learning", "tags"): t}) for i, t in enumerate(tags)]
    a = infer_schema(ents).attributes[K("learning", "tags")]
    assert a.value_type == "db.type/string" and a.cardinality == "many", a
    assert "ISO" not in a.reason
    # all ISO strings: epoch-ms longs (the rule the mixed case must not trigger)
    iso_only = [learning(i, {K("learning", "tags"): frozenset({ISO})}) for i in range(3)]
    assert infer_schema(iso_only).attributes[K("learning", "tags")].value_type == "db.type/long"


def test_attribute_names_over_511_bytes_stay_in_the_blob():
    long_kw = K("learning", "x" * 520)
    ents = [learning(i, {long_kw: i}) for i in range(3)]
    s = infer_schema(ents)
    assert long_kw not in s.attributes
    assert "TOO_LONG_FOR_KEY" in s.blob_only[long_kw]


def test_container_records_become_component_subentities():
    projects = {
        "davidwu/p-1": {
            K("project", "id"): "davidwu/p-1",
            K("project", "status"): K(None, "draft"),
            K("project", "created-at"): ISO,
        },
        "davidwu/p-2": {
            K("project", "id"): "davidwu/p-2",
            K("project", "status"): K(None, "active"),
            K("project", "created-at"): ISO,
        },
    }
    e = entry(K("projects", "davidwu"), projects)
    m = get_mapping("inferred", memory=[e])
    ent = m.to_entity(e.key, e.value)
    recs = ent[MEMORY_RECORDS]
    assert {r[RECORD_ID] for r in recs} == {
        ':projects/davidwu "davidwu/p-1"',
        ':projects/davidwu "davidwu/p-2"',
    }
    assert {r[K("project", "status")] for r in recs} == {K(None, "draft"), K(None, "active")}
    assert all(r[K("project", "created-at")] == 1771428661428 for r in recs)
    assert m.schema.attributes[MEMORY_RECORDS].component


def test_values_that_do_not_fit_are_left_out_and_validated():
    good = [learning(i) for i in range(4)]
    schema = infer_schema(good)
    bad = learning(9, {K("learning", "confidence"): "high", K("learning", "status"): None})
    m = get_mapping("inferred", schema=schema)
    ent = m.to_entity(bad.key, bad.value)
    assert K("learning", "confidence") not in ent and K("learning", "status") not in ent
    v = validate([bad], schema)
    probs = dict(zip(v["attribute"], v["problem"], strict=True))
    assert "type does not fit" in probs[":learning/confidence"]
    assert "nil" in probs[":learning/status"]
    assert validate(good, schema).empty
    # and it still round-trips through the blob
    k2, v2 = m.from_entity(ent)
    assert edn.identical(k2, bad.key) and edn.identical(v2, bad.value)


# ------------------------------------------------------------------------------ EDN round trip


def test_schema_edn_round_trip():
    s = infer_schema(generated())
    text = s.to_edn()
    assert ":memory/key {:db/valueType :db.type/string :db/unique :db.unique/identity" in text
    back = Schema.from_edn(text)
    assert back.attributes == s.attributes
    bare = Schema.from_edn(s.to_edn(doc=False))
    assert {
        k: (a.value_type, a.cardinality, a.unique, a.component) for k, a in bare.attributes.items()
    } == {k: (a.value_type, a.cardinality, a.unique, a.component) for k, a in s.attributes.items()}


def test_from_edn_rejects_non_maps():
    with pytest.raises(ValueError):
        Schema.from_edn("[1 2]")


def test_plan_schema_file_matches_the_shared_table():
    s = load_plan_schema()
    a = s.attributes
    assert len(a) == 38
    idents = {str(k) for k, x in a.items() if x.unique == "identity"}
    assert idents == {
        ":session/id",
        ":presence/user-id",
        ":project/id",
        ":learning/id",
        ":tag/name",
        ":cache/key",
    }
    assert a[K("tag", "learning-id")].cardinality == "many"
    assert a[K("learning", "level")].value_type == "db.type/keyword"
    assert a[K("session", "data")].value_type == "db.type/string"
    assert PLAN_SCHEMA_PATH.exists()


# ------------------------------------------------------------------------------ inferred mapping


@pytest.mark.parametrize("which", ["generated", "default sample"])
def test_inferred_mapping_round_trips_without_collisions_or_losses(which):
    mem = generated() if which == "generated" else default_sample()
    m = get_mapping("inferred", memory=mem)
    for e in mem.entries:
        k, v = m.from_entity(m.to_entity(e.key, e.value))
        assert edn.identical(k, e.key) and edn.identical(v, e.value), e.key
    assert collision_report(mem, m).empty
    assert loss_report(mem, m, "edn").empty
    assert loss_report(mem, m, "binary").empty
    assert not loss_report(mem, m, "json").empty


def test_tx_data_has_no_nil_or_nan_and_one_identity_per_entry():
    ents = [
        entry(K("x", "a"), {K("notification", "t"): None}),
        entry(
            K("notifications", "last-u"),
            {K(None, "timestamp"): 1771428661428, K(None, "due-count"): None},
        ),
        entry(K("x", "b"), math.nan),
    ]
    tx = to_tx_data(ents, get_mapping("inferred", memory=ents))
    assert [t[MEMORY_KEY] for t in tx] == [":x/a", ":notifications/last-u", ":x/b"]
    for t in tx:
        for v in t.values():
            assert v is not None and not (isinstance(v, float) and math.isnan(v))


_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.builds(
        K,
        st.sampled_from([None, "a", "b.c"]),
        st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True),
    ),
)
_values = st.recursive(
    _scalar,
    lambda ch: st.one_of(
        st.lists(ch, max_size=4).map(lambda xs: edn.Vector(tuple(xs))),
        st.lists(ch, max_size=4).map(lambda xs: edn.List(tuple(xs))),
        st.dictionaries(
            st.one_of(_scalar.filter(lambda x: not isinstance(x, float))), ch, max_size=4
        ),
    ),
    max_leaves=12,
)


def test_damaged_sample_round_trips_through_the_inferred_mapping():
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import memory_from_text

    g = generate_memory(entries=150, seed=5, damage="all")
    mem = memory_from_text(g.text, source="<damaged>")
    tagged = {"x": edn.Tagged(edn.Symbol("my.ns", "Rec"), {K(None, "a"): 1})}
    ents = list(mem.entries) + [E(K("test", "rec"), tagged)]
    m = get_mapping("inferred", memory=ents)
    for e in ents:
        k, v = m.from_entity(m.to_entity(e.key, e.value))
        assert edn.identical(k, e.key) and edn.identical(v, e.value), e.key
    assert loss_report(ents, m).empty


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        [
            K("projects", "u"),
            K("learning", "wal"),
            K("ops", "s1"),
            K("x", "y"),
            "string-key",
            K("webhook", "ab12"),
        ]
    ),
    _values,
)
def test_inferred_round_trip_property(key, value):
    m = get_mapping("inferred")
    k2, v2 = m.from_entity(m.to_entity(key, value))
    assert edn.identical(k2, key) and edn.identical(v2, value)


# ------------------------------------------------------------------------------ plan defects


def test_plan_classifier_sends_every_real_key_to_cache():
    mem = default_sample()
    m = get_mapping("plan")
    assert {m.kind_of(e.key, e.value) for e in mem.entries} == {"cache"}
    assert plan_classify(K("x", "session/1")) == "session"  # only the name is looked at
    assert plan_classify(K("session", "1")) == "cache"


def test_plan_defects_on_the_default_sample_are_all_reported():
    mem = default_sample()
    col = collision_report(mem, "plan")
    kinds = {frozenset((a, b)) for a, b in zip(col["kind_a"], col["kind_b"], strict=True)}
    assert frozenset(("projects", "builder-sessions")) in kinds
    loss = loss_report(mem, "plan")
    overwritten = set(loss.loc[loss["reason"].str.contains("overwritten by"), "key"])
    # every key that loses its entity to a later colliding key has its own row
    later = {}
    for e in mem.entries:
        later[e.key.name if isinstance(e.key, K) else str(e.key)] = str(e.key)
    expected = {
        str(e.key)
        for e in mem.entries
        if later[e.key.name if isinstance(e.key, K) else str(e.key)] != str(e.key)
    }
    assert overwritten == expected and expected
    assert loss["reason"].str.contains("keyword became string").any()


def test_plan_defects_table_measures_every_defect_on_the_default_sample():
    from workbench.analysis.schema import plan_defects

    d = plan_defects(default_sample()).set_index("defect")["count"]
    assert len(d) == 9
    assert (d > 0).all(), d[d == 0]
    assert d["classifier reads the keyword name only"] == len(default_sample().entries)
    clean = [E(K("x", "a"), {K(None, "n"): 1})]
    d2 = plan_defects(clean).set_index("defect")["count"]
    assert d2["cache key drops the namespace"] == 0
    assert d2["JSON: keyword values become strings"] == 0


def test_plan_cache_key_drops_namespace_and_collides():
    ents = [
        entry(K("projects", "davidwu"), {}),
        entry(K("builder-sessions", "davidwu"), {}),
        entry(K("presence", "s1"), {}),
        entry(K("ops", "s1"), edn.Vector(())),
        entry(K("comments", "s1"), {}),
    ]
    col = collision_report(ents, "plan")
    pairs = {frozenset((a, b)) for a, b in zip(col["key_a"], col["key_b"], strict=True)}
    assert frozenset((":projects/davidwu", ":builder-sessions/davidwu")) in pairs
    assert frozenset((":presence/s1", ":ops/s1")) in pairs
    assert len(col) == 1 + 3  # 1 pair for davidwu, 3 pairs among the 3 keys of session s1
    assert collision_report(ents, "inferred").empty
    loss = loss_report(ents, "plan")
    assert loss["reason"].str.contains("overwritten by :builder-sessions/davidwu").any()
    assert loss["reason"].str.contains("namespace dropped").any()


def test_plan_json_losses_each_named():
    value = {
        K(None, "kw"): K(None, "draft"),
        K(None, "set"): frozenset({1}),
        K(None, "list"): edn.List((1, 2)),
        "string-key": 1,
        None: 2,
        K(None, "big"): edn.BigInt(7),
    }
    e = entry(K("x", "thing"), value)
    reasons = set(loss_report([e], "plan")["reason"])
    for want in (
        "keyword became string",
        "set became vector",
        "list became vector",
        "string key became keyword",
        "nil key became keyword",
    ):
        assert any(want in r for r in reasons), (want, reasons)
    assert loss_report([e], "inferred").empty


def test_plan_timestamps_replaced_by_now():
    v = {
        K("session", "id"): "s-1",
        K("session", "type"): K(None, "mvp-planning"),
        K("session", "created-at"): ISO,
    }
    e = E(K("x", "session/s-1"), v)
    m = get_mapping("plan", now_ms=1_800_000_000_000)
    ent = m.to_entity(e.key, e.value)
    assert ent[K("session", "created-at")] == 1_800_000_000_000
    reasons = loss_report([e], m)["reason"]
    assert reasons.str.contains("differs from the value").any()


def test_plan_timestamp_now_without_source_attribute():
    v = {K("project", "name"): "p", K("project", "created-at"): ISO}
    e = E(K("x", "project/p-1"), v)
    m = get_mapping("plan", now_ms=1_800_000_000_000)
    assert m.to_entity(e.key, e.value)[K("project", "created-at")] == 1_800_000_000_000
    assert (
        loss_report([e], m)["reason"].str.contains("differs from the value|replaced by now").any()
    )


def test_plan_project_statuses_differ_from_documented():
    e = E(
        K("x", "project/p-1"), {K("project", "status"): K(None, "draft"), K("project", "name"): "p"}
    )
    v = validate([e], get_mapping("plan"))
    assert (v["problem"] == "value not among the documented values").any()
    ok = E(K("x", "project/p-2"), {K("project", "status"): K(None, "active")})
    assert validate([ok], get_mapping("plan")).empty


def test_plan_never_stores_learning_level():
    ents = [
        E(
            K("x", "learning/l-1"),
            {K("learning", "title"): "t", K("learning", "level"): K(None, "expert")},
        )
    ]
    ents += list(generated().entries)
    cov = coverage(ents, "plan").set_index("attribute")
    assert bool(cov.loc[":learning/level", "never_stored"])
    assert cov.loc[":learning/title", "stored"] == 1
    assert cov.loc[":cache/key", "stored"] == len(generated().entries)


def test_loss_report_precision_and_nan():
    e = E(
        K("x", "n"),
        {
            K(None, "d"): edn.loads("1.5M"),
            K(None, "r"): edn.loads("1/3"),
            K(None, "nan"): math.nan,
            K(None, "inf"): math.inf,
            K(None, "big"): edn.loads("12345678901234567890123N"),
        },
    )
    reasons = set(loss_report([e], "inferred", "json")["reason"])
    assert "Infinity became string" in reasons
    assert "bigint lost its N marker (prints differently)" in reasons
    assert "precision: bigdec became double" in reasons
    assert "precision: ratio became double" in reasons
    assert "NaN became string" in reasons


# ------------------------------------------------------------------------------ diff


def test_diff_added_removed_changed_with_evolution():
    a = Schema(
        {
            K("a", "x"): Attr("db.type/string"),
            K("a", "y"): Attr("db.type/long"),
            K("a", "z"): Attr("db.type/string", "many"),
            K("a", "u"): Attr("db.type/string"),
        }
    )
    b = Schema(
        {
            K("a", "x"): Attr("db.type/long"),
            K("a", "z"): Attr("db.type/string", "one"),
            K("a", "u"): Attr("db.type/string", unique="identity"),
            K("a", "w"): Attr("db.type/keyword"),
        }
    )
    d = diff(a, b)
    rows = {(r.attribute, r.change, r.field): r.apply for r in d.itertuples()}
    assert rows[(":a/w", "added", "")] == "in place"
    assert rows[(":a/y", "removed", "")] == "in place"
    assert rows[(":a/x", "changed", "value_type")] == "reload"
    assert rows[(":a/z", "changed", "cardinality")] == "reload"
    assert rows[(":a/u", "changed", "unique")] == "in place"  # Datalevin: unless duplicates
    back = diff(b, a)
    assert {(r.attribute, r.field): r.apply for r in back.itertuples()}[
        (":a/z", "cardinality")
    ] == "in place"
    assert diff(a, a).empty


def test_diff_plan_vs_inferred_lists_changes():
    d = diff(load_plan_schema(), infer_schema(generated()))
    assert (d["change"] == "added").any() and (d["change"] == "removed").any()


def test_override_in_notebook_style():
    s = infer_schema(generated())
    s2 = s.with_attr(K("session", "type"), value_type="db.type/string").without(
        K("project", "status")
    )
    assert s2.attributes[K("session", "type")].value_type == "db.type/string"
    assert K("project", "status") in s2.blob_only
    assert set(diff(s, s2)["attribute"]) == {":session/type", ":project/status"}


# ------------------------------------------------------------------------------ Datalevin


@pytest.mark.datalevin
def test_datalevin_accepts_inferred_schema_and_reads_back_equal_values(dl, tmp_path):
    mem = default_sample()
    mapping = get_mapping("inferred", memory=mem)
    schema_map = dl.read_edn(mapping.schema.to_edn())
    conn = dl.connect(str(tmp_path / "db"), schema_map)
    try:
        tx = to_tx_data(mem, mapping)
        for i in range(0, len(tx), 500):
            conn.transact(dl.read_edn(edn.dumps(edn.Vector(tuple(tx[i : i + 500])))))
        rows = conn.query("[:find ?k ?v :where [?e :memory/key ?k] [?e :memory/value ?v]]")
        got = {k: v for k, v in rows}
        assert len(got) == len({str(e.key) for e in mem.entries})
        for e in mem.entries:
            k, v = mapping.from_entity(
                {
                    MEMORY_KEY: mapping.to_entity(e.key, e.value)[MEMORY_KEY],
                    MEMORY_VALUE: got[edn.dumps(e.key)],
                }
            )
            assert edn.identical(k, e.key) and edn.identical(v, e.value), e.key
        tags = conn.query("[:find ?k ?t :where [?e :memory/key ?k] [?e :learning/tags ?t]]")
        want = {(t[MEMORY_KEY], tag) for t in tx for tag in t.get(K("learning", "tags"), ())}
        assert {(k, t) for k, t in tags} == want and want
        recs = conn.query(
            "[:find ?k ?id :where [?e :memory/key ?k] [?e :memory/records ?r] [?r :record/id ?id]]"
        )
        want = {(t[MEMORY_KEY], r[RECORD_ID]) for t in tx for r in t.get(MEMORY_RECORDS, ())}
        assert {(k, i) for k, i in recs} == want and want
        types = conn.query("[:find ?t :where [?e :session/type ?t]]")
        assert types, "typed :session/type values are queryable"
    finally:
        conn.close()
    # the plan's schema opens too, and its collisions really merge entities in Datalevin
    plan = get_mapping("plan", now_ms=1_800_000_000_000)
    conn = dl.connect(str(tmp_path / "plan"), dl.read_edn(plan.schema.to_edn()))
    try:
        ptx = to_tx_data(mem, plan)
        for i in range(0, len(ptx), 500):
            conn.transact(dl.read_edn(edn.dumps(edn.Vector(tuple(ptx[i : i + 500])))))
        n = conn.query("[:find (count ?e) :where [?e :cache/key _]]")[0][0]
        names = {t[K("cache", "key")] for t in ptx}
        assert n == len(names) < len(mem.entries)
    finally:
        conn.close()


def test_cli_schema_writes_edn_and_diffs_against_plan(tmp_path, capsys):
    from workbench.cli import main
    from workbench.memory.generate import generate_memory

    src = tmp_path / "memory.edn"
    generate_memory(entries=150, seed=4).write(src)
    out = tmp_path / "schema.edn"
    reports = tmp_path / "reports"
    assert (
        main(
            [
                "schema",
                str(src),
                "--out",
                str(out),
                "--against",
                str(PLAN_SCHEMA_PATH),
                "--reports",
                str(reports),
            ]
        )
        == 0
    )
    assert {
        "losses-plan.csv",
        "collisions-plan.csv",
        "plan-defects.csv",
        "diff-plan-inferred.csv",
    } <= {p.name for p in reports.iterdir()}
    assert main(["schema", str(tmp_path / "nope.edn"), "--out", str(out)]) == 2
    s = Schema.from_edn(out.read_text())
    assert s.attributes[MEMORY_KEY].unique == "identity"
    text = capsys.readouterr().out
    assert "0 collisions, 0 losses" in text
    assert ":learning/level" in text and "removed" in text


def test_shipped_default_schema_is_what_the_generator_infers() -> None:
    """default-schema.edn (package data, so opening a store never runs the generator) is current:
    regenerate it with `default_schema_from_generator().to_edn()` when the generator changes."""
    from workbench.analysis.schema.mapping import DEFAULT_SCHEMA_PATH, default_schema

    fresh = default_schema_from_generator()
    assert DEFAULT_SCHEMA_PATH.read_text(encoding="utf-8") == fresh.to_edn()
    assert default_schema().attributes == fresh.attributes


def default_schema_from_generator():
    from workbench.analysis.schema import infer_schema
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import memory_from_text

    g = generate_memory(entries=1500, seed=0)
    return infer_schema(memory_from_text(g.text), name="inferred-default")
