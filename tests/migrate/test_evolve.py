"""Schema evolution on real Datalevin: each kind of change applied with the data present."""

from __future__ import annotations

import json
import re

import pytest

from workbench import edn
from workbench.analysis.schema import Attr, Schema, diff
from workbench.memory.next_month import CATEGORY, CONFIDENCE, NEW_ATTR, NEW_ID, next_month
from workbench.migrate.evolve import (
    DETECTED,
    GIVEN,
    NOT_GIVEN,
    ChangeResult,
    corrected_apply,
    evolve,
    flatten,
    rename_plan,
    runbook,
    write_outputs,
)

K = edn.kw


def _case():
    old = Schema(
        {
            K("a/n"): Attr("db.type/long"),
            K("a/tags"): Attr("db.type/string", "many"),
            K("a/one"): Attr("db.type/string"),
            K("a/dup"): Attr("db.type/string"),
            K("a/free"): Attr("db.type/string"),
            K("a/gone"): Attr("db.type/string"),
        }
    )
    new = Schema(
        {
            K("a/n"): Attr("db.type/double"),
            K("a/tags"): Attr("db.type/string", "one"),
            K("a/one"): Attr("db.type/string", "many"),
            K("a/dup"): Attr("db.type/string", unique="identity"),
            K("a/free"): Attr("db.type/string", unique="identity"),
            K("a/new"): Attr("db.type/string"),
        }
    )
    ents = [
        {
            K("a/n"): i,
            K("a/tags"): frozenset({"x", "y"}) if i % 2 else frozenset({"x"}),
            K("a/one"): f"s{i}",
            K("a/dup"): f"d{i % 3}",  # 6 entities, 3 values: duplicates
            K("a/free"): f"f{i}",
            K("a/gone"): "g",
        }
        for i in range(6)
    ]
    return old, new, ents


@pytest.mark.datalevin
def test_evolve_each_kind_of_change_on_datalevin(dl, tmp_path):
    old, new, ents = _case()
    results = evolve(old, new, ents)
    by = {r.attribute: r for r in results}
    assert by[":a/new"].outcome == "accepted online"
    # long -> double: refused with data present, migrated with every value coerced
    n = by[":a/n"]
    assert n.outcome == "refused -> migrated" and "Value type change" in n.error
    assert n.migration_verified and n.entities_checked == 6 and n.differences == 0
    # the app's old long is coerced to a double
    assert re.fullmatch(r"accepted, stored as \[(\d)\.0\] \(wrote \1\)", n.old_shape_write)
    # one -> many: applied online, every entity unchanged
    one = by[":a/one"]
    assert one.outcome == "accepted online" and one.entities_checked == 6
    assert one.differences == 0
    # many -> one with conflicting data: refused; migration keeps one value, counts the 3 lost
    tags = by[":a/tags"]
    assert tags.outcome == "refused -> migrated" and "Cardinality change" in tags.error
    assert tags.differences == 3 and tags.migration_verified
    # unique added with duplicates present: refused; without duplicates: online
    dup = by[":a/dup"]
    assert dup.outcome == "refused -> migrated" and "uniqueness" in dup.error
    assert dup.differences == 3 and dup.migration_verified
    assert by[":a/free"].outcome == "accepted online" and by[":a/free"].entities_checked == 6
    gone = by[":a/gone"]
    assert gone.outcome == "refused -> migrated" and "Cannot delete" in gone.error
    # the diff's reasoning now agrees with Datalevin wherever it can without seeing the data
    for r in results:
        if r.attribute not in (":a/dup", ":a/gone"):  # these depend on the data
            assert corrected_apply(r.outcome) == r.predicted, r.attribute
    out = write_outputs({"case": results}, tmp_path)
    rows = json.loads(out["json"].read_text())
    assert {
        "change",
        "attribute",
        "from",
        "to",
        "outcome",
        "entities_checked",
        "differences",
    } <= set(rows[0])
    assert "del-attrs" in out["md"].read_text()


def test_diff_unique_and_removed_in_place_when_data_allow():
    a = Schema({K("a/u"): Attr("db.type/string"), K("a/r"): Attr("db.type/long")})
    b = Schema({K("a/u"): Attr("db.type/string", unique="identity")})
    rows = {r.attribute: r.apply for r in diff(a, b).itertuples()}
    assert rows == {":a/u": "in place", ":a/r": "in place"}


def test_flatten_splits_components():
    ent = {K("m/key"): "k", K("m/records"): [{K("r/id"): "1"}, {K("r/id"): "2"}]}
    assert flatten(ent) == [{K("m/key"): "k"}, {K("r/id"): "1"}, {K("r/id"): "2"}]


def test_next_month_changes_learning_records_only():
    from workbench import memory_from_text

    text = (
        '{:u/a-1 {:learning/id "u/a-1" :learning/confidence 3 :learning/category "perf"}'
        " :config {:db 1}}"
    )
    v1 = memory_from_text(text)
    v2 = {e.key: e.value for e in next_month(v1).entries}
    rec = v2[K("u/a-1")]
    assert rec[CONFIDENCE] == 3.5 and isinstance(rec[CONFIDENCE], float)
    assert rec[CATEGORY] == frozenset({"perf", "reviewed"})
    assert NEW_ATTR in rec and NEW_ID in rec
    assert v2[K("config")] == {K("db"): 1}


def _rename_case():
    old = Schema({K("a/x"): Attr("db.type/string"), K("b/y"): Attr("db.type/long")})
    new = Schema({K("c/x"): Attr("db.type/string"), K("b/z"): Attr("db.type/long")})
    ents = [{K("a/x"): f"s{i}", K("b/y"): i} for i in range(5)]
    return old, new, ents


def test_diff_reads_a_namespace_move_as_a_rename_and_takes_explicit_ones():
    old, new, _ = _rename_case()
    rows = {(r.attribute, r.change, r.after) for r in diff(old, new).itertuples()}
    assert rows == {
        (":a/x", "renamed", ":c/x"),
        (":b/y", "removed", ""),
        (":b/z", "added", "db.type/long"),
    }
    # the same definition is required: a type change in the move is remove + add
    moved = Schema({K("c/x"): Attr("db.type/long"), K("b/z"): Attr("db.type/long")})
    assert "renamed" not in set(diff(old, moved).change)
    explicit = diff(old, new, {K("b/y"): K("b/z")})
    assert set(explicit.change) == {"renamed", "removed", "added"}
    assert explicit[explicit.change == "renamed"].attribute.tolist() == [":b/y"]
    with pytest.raises(ValueError, match="b/z"):
        diff(old, new, {K("b/z"): K("b/y")})


def test_rename_plan_tells_detected_from_given_renames():
    old, new, _ = _rename_case()
    assert rename_plan(old, new) == ({K("a/x"): K("c/x")}, DETECTED, {})
    # given: exactly those are rehearsed; a detected pair they leave out is reported
    used, source, left = rename_plan(old, new, {K("b/y"): K("b/z")})
    assert (used, source, left) == ({K("b/y"): K("b/z")}, GIVEN, {K("a/x"): K("c/x")})
    assert rename_plan(old, new, {K("a/x"): K("c/x")})[2] == {}


def _result(change, attribute, to="", source="", renamed_to=""):
    return ChangeResult(
        change=change,
        attribute=attribute,
        field="",
        from_=attribute if change == "renamed" else "db.type/long",
        to=to,
        outcome="accepted online",
        rename_source=source,
        renamed_to=renamed_to,
    )


def test_runbook_says_which_renames_were_detected_and_which_given():
    detected = [_result("renamed", ":a/x", ":c/x", DETECTED)]
    text = runbook({"auto": detected})
    line = next(x for x in text.splitlines() if x.startswith("Renames:"))
    assert "`rename_candidates`" in line and "`:a/x` -> `:c/x`" in line
    assert line.endswith("given with `--rename`: none.")
    given = [
        _result("renamed", ":b/y", ":b/z", GIVEN),
        _result("removed", ":a/x", source=NOT_GIVEN, renamed_to=":c/x"),
        _result("added", ":c/x", "db.type/string"),
    ]
    line = next(x for x in runbook({"given": given}).splitlines() if x.startswith("Renames:"))
    assert "namespace): none;" in line
    assert "given with `--rename`: `:b/y` -> `:b/z`" in line
    assert "remove + add: `:a/x` -> `:c/x`" in line
    plain = runbook({"none": [_result("added", ":c/x", "db.type/string")]})
    assert "Renames: detected by `rename_candidates`" in plain and "none; given" in plain


@pytest.mark.datalevin
def test_evolve_renames_with_the_data_kept(dl, tmp_path):
    old, new, ents = _rename_case()
    results = evolve(old, new, ents, renames={K("b/y"): K("b/z")})
    by = {r.attribute: r for r in results}
    y = by[":b/y"]
    assert y.change == "renamed" and y.outcome == "accepted online" and y.rename_source == GIVEN
    assert y.entities_checked == 5 and y.differences == 0
    # the detected :a/x -> :c/x was not given: rehearsed as remove + add, and said so
    assert by[":a/x"].change == "removed" and by[":a/x"].outcome == "refused -> migrated"
    assert (by[":a/x"].rename_source, by[":a/x"].renamed_to) == (NOT_GIVEN, ":c/x")
    auto = evolve(old, new, ents)
    x = next(r for r in auto if r.change == "renamed")
    assert (x.attribute, x.rename_source, x.entities_checked) == (":a/x", DETECTED, 5)
    both = evolve(old, new, ents, renames={K("a/x"): K("c/x"), K("b/y"): K("b/z")})
    assert {r.change for r in both} == {"renamed"}
    assert all(r.outcome == "accepted online" and r.entities_checked == 5 for r in both)
    out = write_outputs({"given": results, "auto": auto}, tmp_path)
    md = out["md"].read_text()
    assert "given with `--rename`: `:b/y` -> `:b/z`" in md
    assert "remove + add: `:a/x` -> `:c/x`" in md
    assert "namespace): `:a/x` -> `:c/x`; given with `--rename`: none." in md
    assert {r["rename_source"] for r in out["rows"] if r["change"] == "renamed"} == {
        GIVEN,
        DETECTED,
    }
