"""Tests for workbench.analysis.profile: type names, tables, every alert on a fixture built for it, plots."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import edn
from workbench.analysis.profile import (
    ALERTS,
    edn_type,
    iso_to_ms,
    key_pattern,
    plot_bytes_by_type,
    plot_presence_heatmap,
    plot_size_distribution,
    plot_timeline,
    plot_type_mix,
    profile,
)

K = edn.Keyword


@dataclass
class E:
    key: Any
    value: Any
    data_type: str = "Other"
    kind: str = "thing"


def recs(values, kind="thing", ns="thing"):
    return [E(K(ns, f"k{i}"), v, "Other", kind) for i, v in enumerate(values)]


def alerts_of(entries, kind="thing"):
    a = profile(entries).alerts
    return a[a["kind"] == kind]


def has_alert(alerts, alert, path):
    return bool(((alerts["alert"] == alert) & (alerts["path"] == path)).any())


def test_edn_type_names():
    cases = {
        "keyword": K("a", "b"),
        "symbol": edn.Symbol(None, "s"),
        "string": "s",
        "long": 1,
        "bigint": edn.BigInt(5),
        "double": 1.5,
        "bigdec": Decimal("1.5"),
        "ratio": Fraction(1, 3),
        "uuid": UUID(int=1),
        "char": edn.Char("c"),
        "nil": None,
        "boolean": True,
        "vector": edn.Vector((1,)),
        "list": edn.List((1,)),
        "set": frozenset({1}),
        "map": {},
        "tagged": edn.Tagged(edn.Symbol(None, "my/tag"), 1),
    }
    for name, value in cases.items():
        assert edn_type(value) == name, name
    assert edn_type(2**70) == "bigint"
    assert edn_type(False) == "boolean"
    assert edn_type(edn.loads('#inst "2026-01-01T00:00:00Z"')) == "inst"


def test_iso_to_ms_recognises_iso_strings_only():
    assert iso_to_ms("2026-02-18T15:31:01.428Z") == 1771428661428
    assert iso_to_ms("2026-02-18T15:31:01.428123456Z") == 1771428661428
    assert iso_to_ms("hello") is None
    assert iso_to_ms("2026-13-45T99:00:00Z") is None


A = K(None, "a")


@pytest.mark.parametrize(
    "alert,values,path",
    [
        ("MIXED_TYPES", [{A: 1}, {A: "x"}, {A: 2}], ":a"),
        ("MOSTLY_NIL", [{A: None}, {A: None}, {A: 1}], ":a"),
        ("CONSTANT", [{A: K(None, "same")}] * 3, ":a"),
        ("UNIQUE", [{A: f"id-{i}"} for i in range(5)], ":a"),
        ("HIGH_CARDINALITY", [{A: i % 60} for i in range(120)], ":a"),
        ("NIL_OR_NAN", [{A: math.nan}, {A: 1.0}], ":a"),
        ("NIL_OR_NAN", [{None: 1, "x": 2}], "(value)"),
        ("LONG_VALUE", [{A: "x" * 500}, {A: "y"}], ":a"),
        ("TOO_LONG_FOR_KEY", [{A: "é" * 300}, {A: "y"}], ":a"),
        ("TIME_AS_STRING", [{A: "2026-02-18T15:31:01.428Z"}, {A: "2026-02-19T15:31:01Z"}], ":a"),
        ("LIST_AND_VECTOR", [{A: edn.List((1,))}, {A: edn.Vector((1,))}], ":a"),
        ("NAMESPACE_DROPPED", [{K(None, "id"): 1}, {K("item", "id"): 2}], ":id"),
    ],
)
def test_each_alert_fires_on_its_fixture(alert, values, path):
    al = alerts_of(recs(values))
    assert has_alert(al, alert, path), al.to_string()


def test_nil_key_alert_names_the_parent_path():
    al = alerts_of(recs([{None: 1, "x": 2}]))
    row = al[(al["alert"] == "NIL_OR_NAN")]
    assert "nil map keys" in row["detail"].iloc[0]


def test_clean_fixture_has_no_type_alerts():
    vals = [{A: i, K(None, "b"): K(None, "k" + str(i % 2))} for i in range(10)]
    al = alerts_of(recs(vals))
    for bad in (
        "MIXED_TYPES",
        "MOSTLY_NIL",
        "CONSTANT",
        "NIL_OR_NAN",
        "LONG_VALUE",
        "TIME_AS_STRING",
        "LIST_AND_VECTOR",
        "NAMESPACE_DROPPED",
        "HIGH_CARDINALITY",
    ):
        assert not (al["alert"] == bad).any(), bad
    assert has_alert(al, "UNIQUE", ":a")
    assert not has_alert(al, "UNIQUE", ":b")


def test_long_key_alert():
    entries = [E(K("x", "y" * 600), 1)]
    al = alerts_of(entries)
    assert has_alert(al, "TOO_LONG_FOR_KEY", "(key)")


def test_alert_counts_lists_every_alert():
    p = profile(recs([{A: 1}, {A: "x"}]))
    counts = p.alert_counts()
    assert set(counts) == set(ALERTS)
    assert counts["MIXED_TYPES"] == 1


def test_attribute_stats_presence_types_ranges():
    vals = [
        {A: 1771428661428, K(None, "s"): "abc", K(None, "t"): frozenset({"x", "y"})},
        {A: 1771428662428, K(None, "s"): "abcdef"},
        {A: 1771428663428},
        {A: 1771428664428},
    ]
    p = profile(recs(vals))
    a = p.attributes.set_index("path")
    assert a.loc[":a", "presence"] == 1.0
    assert a.loc[":s", "presence"] == 0.5
    assert a.loc[":t", "presence"] == 0.25
    assert a.loc[":a", "t_long"] == 4
    assert a.loc[":a", "min"] == 1771428661428
    assert a.loc[":a", "max"] == 1771428664428
    assert a.loc[":a", "ms_longs"] == 4
    assert str(a.loc[":a", "time_min"]).startswith("2026-02-18")
    assert a.loc[":s", "str_len_min"] == 3 and a.loc[":s", "str_len_max"] == 6
    assert a.loc[":t", "coll_len_max"] == 2
    assert a.loc[":t.[]", "t_string"] == 2
    assert a.loc[":a", "unique_ratio"] == 1.0
    top = profile(recs([{A: K(None, "x")}, {A: K(None, "x")}, {A: K(None, "y")}])).attributes
    assert "(2)" in top.set_index("path").loc[":a", "top_values"]


def test_id_keyed_maps_use_wildcard_segments():
    vals = [{"p1": {K("project", "id"): "p1"}, "p2": {K("project", "id"): "p2"}}]
    p = profile(recs(vals, kind="projects"))
    paths = set(p.attributes["path"])
    assert "*.:project/id" in paths
    row = p.attributes.set_index("path").loc["*.:project/id"]
    assert row["count"] == 2 and row["presence"] == 1.0


def test_types_frame_counts_bytes_and_shares():
    entries = recs([{A: 1}] * 3, kind="one") + recs([{A: "x" * 100}], kind="two")
    t = profile(entries).types.set_index("kind")
    assert t.loc["one", "entries"] == 3 and t.loc["two", "entries"] == 1
    assert t.loc["two", "bytes_max"] > 100
    assert abs(t["share"].sum() - 1.0) < 1e-9
    assert ":thing/k<n>" in t.loc["one", "key_patterns"]


def test_key_pattern_generalises_ids():
    assert key_pattern(K("embed-token", "ab" * 32)) == ":embed-token/<hex>"
    assert key_pattern(K("davidwu", "fix-bug-1771428661428-12"), "davidwu").startswith(":<U>/")
    assert "<ms>" in key_pattern(K("davidwu", "fix-bug-1771428661428-12"), "davidwu")


def test_plots_have_titles_and_labels():
    vals = [{K(None, "created-at"): 1771428661428 + i * 86_400_000, A: i} for i in range(5)]
    p = profile(recs(vals))
    for fig in (
        plot_bytes_by_type(p),
        plot_presence_heatmap(p, "thing"),
        plot_type_mix(p),
        plot_timeline(p),
        plot_size_distribution(p),
    ):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(p.times) == 5


def test_profile_of_generated_memory_covers_every_kind():
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import memory_from_text

    mem = memory_from_text(generate_memory(entries=400, seed=1).text)
    p = profile(mem)
    assert set(p.types["kind"]) == {e.kind for e in mem.entries}
    assert p.types["entries"].sum() == len(mem.entries)
    assert (p.attributes["path"] == "*.:session/type").any()


def test_cli_profile_writes_tables_and_plots(tmp_path, capsys):
    from workbench.cli import main
    from workbench.memory.generate import generate_memory

    src = tmp_path / "memory.edn"
    generate_memory(entries=120, seed=2).write(src)
    before = src.read_bytes()
    out = tmp_path / "out"
    assert main(["profile", str(src), "--out", str(out), "--heatmaps", "1"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "types.csv",
        "attributes.csv",
        "alerts.csv",
        "entries.csv",
        "bytes_by_type.png",
        "timeline.png",
        "size_distribution.png",
        "type_mix.png",
    } <= names
    assert any(n.startswith("presence_") for n in names)
    assert src.read_bytes() == before
    assert "attribute paths" in capsys.readouterr().out
    assert main(["profile", str(tmp_path / "missing.edn"), "--out", str(out)]) == 2


def test_unhashable_tagged_values_are_profiled():
    tagged = edn.Tagged(edn.Symbol("my.ns", "Rec"), {K(None, "a"): 1})
    p = profile(recs([{A: tagged}, {A: tagged}]))
    row = p.attributes.set_index("path").loc[":a"]
    assert row["t_tagged"] == 2


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([K(None, "a"), K("x", "b"), edn.Symbol(None, "s")]),
)
_tree = st.recursive(
    _leaf,
    lambda ch: st.one_of(
        st.lists(ch, max_size=3).map(lambda xs: edn.Vector(tuple(xs))),
        st.lists(ch, max_size=3).map(lambda xs: edn.List(tuple(xs))),
        st.dictionaries(st.sampled_from([K(None, "a"), K("x", "b"), "s", None]), ch, max_size=3),
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_tree, min_size=1, max_size=6))
def test_type_histograms_add_up_property(values):
    p = profile(recs(values))
    a = p.attributes
    type_cols = [c for c in a.columns if c.startswith("t_")]
    assert (a[type_cols].sum(axis=1) == a["count"]).all()
    assert a.set_index("path").loc["(value)", "count"] == len(values)
    assert set(p.alerts["alert"]) <= set(ALERTS)


def test_alerts_are_ranked_most_severe_first():
    """Blocking alerts (NaN) come before the informational ones (UNIQUE) whatever the path order."""
    import math

    entries = [
        E(
            K("a", f"k{i}"),
            {K("a", "id"): f"id-{i}", K("z", "x"): math.nan if i == 0 else 1.0},
            "Other",
            "thing",
        )
        for i in range(60)
    ]
    a = profile(entries).alerts
    assert {"NIL_OR_NAN", "UNIQUE"} <= set(a["alert"])
    first_nan = a.index[a["alert"] == "NIL_OR_NAN"].min()
    last_unique = a.index[a["alert"] == "UNIQUE"].max()
    assert first_nan < last_unique and a.loc[0, "severity"] == "blocking"
    ranks = a["severity"].map({"blocking": 1, "shaping the mapping": 2, "informational": 3})
    assert ranks.is_monotonic_increasing
