"""load_memory: salvage against the generator's ground truth, strict mode, frames, search, CLI."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import edn
from workbench.cli import main as cli_main
from workbench.io import sha256_file
from workbench.memory.classify import UNCLASSIFIED, Rule
from workbench.memory.generate import DAMAGE_KINDS, check_salvage, generate_memory
from workbench.memory.model import damage_kind, load_memory, memory_from_text

K = edn.Keyword


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    g = generate_memory(entries=300, seed=21, style="mixed")
    path = tmp_path_factory.mktemp("mem") / "memory.edn"
    g.write(path)
    return g, path


def _check_salvage(g, m) -> None:
    """Every clean entry recovered identical; every damage reported at its true line and column."""
    report = check_salvage(g, m)
    assert report == {k: [] for k in report}, report
    got = m.as_dict()
    missing = [str(e.key) for e in g.truth.clean_entries() if e.key not in got]
    assert missing == []
    different = [str(k) for k, v in g.clean.items() if not edn.identical(got[k], v)]
    assert different == []
    for e in m.entries:  # recovered positions agree with where the generator wrote them
        t = next((t for t in g.truth.entries if t.clean and t.key == e.key), None)
        if t is not None:
            assert (e.line, e.column, e.offset, e.length) == (t.line, t.column, t.offset, t.length)
    found = {(d.line, d.column): damage_kind(d) for d in m.diagnostics}
    for d in g.truth.damages:
        assert (d.line, d.column) in found, (d, m.diagnostics)
        assert found[(d.line, d.column)] == d.kind  # named like the generator's damage


def test_clean_file_loads_identical_and_is_not_written(clean) -> None:
    g, path = clean
    before = (path.stat().st_mtime_ns, sha256_file(path))
    m = load_memory(path)
    assert (path.stat().st_mtime_ns, sha256_file(path)) == before
    assert m.diagnostics == []
    assert not m.damaged
    assert m.size == os.path.getsize(path)
    assert m.sha256 == before[1]
    assert len(m) == len(g.value)
    assert edn.identical(m.as_dict(), g.value)
    _check_salvage(g, m)
    assert load_memory(path, strict=True).as_dict().keys() == g.value.keys()


def test_entries_are_classified_like_the_truth(clean) -> None:
    g, path = clean
    m = load_memory(path)
    for e in m.entries:
        t = next(t for t in g.truth.entries if t.key == e.key)
        expected = ("Other", UNCLASSIFIED) if t.kind == "adhoc" else (t.data_type, t.kind)
        assert (e.data_type, e.kind) == expected, e.key


@pytest.mark.parametrize("layout", ["pr-str", "lines"])
@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_salvage_each_damage_kind(tmp_path, kind, layout) -> None:
    g = generate_memory(entries=120, seed=31, damage=[kind], layout=layout)
    path = tmp_path / "damaged.edn"
    g.write(path)
    m = load_memory(path)
    assert path.read_bytes() == g.text.encode("utf-8")  # the input is never written
    assert m.damaged
    _check_salvage(g, m)
    with pytest.raises(edn.EdnSyntaxError) as exc:
        load_memory(path, strict=True)
    first = g.truth.damages[0]
    assert exc.value.line >= 1 and exc.value.column >= 1
    if len(m.diagnostics) == 1:
        assert (exc.value.line, exc.value.column) == (first.line, first.column)


def test_salvage_every_damage_at_once_and_twice(tmp_path) -> None:
    g = generate_memory(
        entries=200, seed=32, damage=list(DAMAGE_KINDS) + ["space-in-name", "digit-name"]
    )
    path = tmp_path / "damaged.edn"
    g.write(path)
    m = load_memory(path)
    _check_salvage(g, m)
    assert len([d for d in g.truth.damages if d.kind == "space-in-name"]) == 2
    # each damage names the key the app meant (also for keys that cannot be valid EDN); an
    # auto-resolved key as written (`::U/x`: `:U/x` is another, valid key)
    by_pos = {(d.line, d.column): d for d in m.diagnostics}
    for d in g.truth.damages:
        if d.kind == "auto-resolved":
            assert edn.printed(by_pos[(d.line, d.column)].key) == d.text, d
            assert by_pos[(d.line, d.column)].key != d.key
        else:
            assert by_pos[(d.line, d.column)].key == d.key, d


def test_diagnostics_name_the_affected_key(tmp_path) -> None:
    g = generate_memory(entries=60, seed=33, damage=["object", "record", "duplicate-key"])
    m = memory_from_text(g.text)
    keys = {d.key for d in m.diagnostics}
    for d in g.truth.damages:
        assert d.key in keys, d


def test_unstable_keys() -> None:
    m = memory_from_text("{:review/alex/x 1, :a 2, :presence/:s1 3}")
    df = m.unstable_keys().set_index("key")
    assert set(df.index) == {":review/alex/x", ":presence/:s1"}
    # printed inside #:review{...} (as Clojure does) it reads back as :alex/x
    assert df.loc[":review/alex/x", "reason"] == "nsmap-reads-different"
    assert df.loc[":review/alex/x", "reread"] == ":alex/x"
    # a keyword session id prints as ::s1 inside #:presence{...}: unreadable
    assert df.loc[":presence/:s1", "reason"] == "nsmap-unreadable"
    assert df.loc[":presence/:s1", "printed"] == "#:presence{::s1 nil}"
    assert not df["definite"].any() and len(m.unstable_keys(nsmap=False)) == 0
    # written inside a top-level namespace map: the already-qualified key reads as a different key
    m2 = memory_from_text("#:review{:alex/x 1, :y 2}")
    assert K("alex", "x") in m2.as_dict() and K("review", "y") in m2.as_dict()
    df2 = m2.unstable_keys()
    assert "written-in-nsmap" in set(df2[df2["key"] == ":alex/x"]["reason"])
    assert set(m2.unstable_keys(nsmap=False)["key"]) == {":alex/x"}
    assert ":review/y" not in set(df2[df2["reason"] == "written-in-nsmap"]["key"])


def test_check_salvage_notices_a_lost_entry_and_an_unreported_damage() -> None:
    g = generate_memory(entries=40, seed=35, damage=["object"])
    m = memory_from_text(g.text)
    assert check_salvage(g, m) == {k: [] for k in check_salvage(g, m)}
    m.entries.pop(3)
    m.diagnostics.clear()
    report = check_salvage(g, m)
    assert len(report["missing"]) == 1 and len(report["unreported"]) == 1


def test_key_instability_of_keys_that_cannot_be_printed() -> None:
    from workbench.memory.model import key_instability

    reasons = [r for r, _, _ in key_instability(K("davidwu", "10x-onboarding"))]
    assert reasons == ["unreadable-when-printed"]
    assert key_instability(K("davidwu", "fine")) == []
    assert key_instability("string key") == []


def test_frames_records_and_search(clean) -> None:
    g, path = clean
    m = load_memory(path)
    df = m.to_frame()
    assert list(df.columns[:10]) == [
        "key",
        "namespace",
        "name",
        "data_type",
        "kind",
        "value_type",
        "bytes",
        "depth",
        "children",
        "line",
    ]
    assert len(df) == len(m.entries)
    assert df["bytes"].sum() == sum(e.length for e in m.entries)
    row = df[df["key"] == ":learning/index"].iloc[0]
    assert (row["value_type"], row["depth"], row["children"]) == ("map", 2, 2)
    # records: one row per op, keyword values as strings, originals reachable
    ops = m.records("ops")
    n_ops = sum(len(e.value) for e in m.entries if e.kind == "ops")
    assert len(ops) == n_ops
    assert ops[":op/type"].str.startswith(":").all()
    lr = m.records("learning-record")
    assert ":learning/title" in lr.columns and ":learning/tags.len" in lr.columns
    first = lr.iloc[0]
    assert m.get(first["key"]) is first["value"]
    sessions = m.records("builder-sessions")
    assert ":session/data" in sessions.columns and ":session/data.len" in sessions.columns
    # search is case-insensitive over printed keys and values
    hits = m.search("LEARNING/INDEX")
    assert ":learning/index" in set(hits["key"])
    hit_rows = set(m.search("localhost")["row"])
    assert hit_rows == {i for i, e in enumerate(m.entries) if "localhost" in edn.dumps(e.value)}
    assert len(m.search("no such text anywhere §§")) == 0
    # unclassified keys are listed
    unc = m.unclassified()
    assert ":test-key" in set(unc["key"]) and ":config" in set(unc["key"])
    bt = m.by_type()
    assert bt["entries"].sum() == len(m.entries)
    assert set(m.summary()["entries_by_type"]) >= {"Sessions", "Projects", "Learning Records"}


def test_user_rules_at_load_and_reclassify(clean) -> None:
    g, path = clean
    rule = Rule("tools", "Other", "tool", key_pattern=r"^:(tool/|debug/|test-key|config$)")
    m = load_memory(path, rules=[rule])
    base = load_memory(path)
    n_tool = sum(1 for e in m.entries if e.kind == "tool")
    assert n_tool > 0
    assert len(base.unclassified()) - len(m.unclassified()) == n_tool
    assert len(base.reclassify([rule]).unclassified()) == len(m.unclassified())


def test_cli_inspect_exit_codes(tmp_path, capsys, clean) -> None:
    _, path = clean
    assert cli_main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Learning Records" in out and "no damage" in out
    g = generate_memory(entries=60, seed=34, damage=["empty-name", "object"])
    bad = tmp_path / "bad.edn"
    g.write(bad)
    assert cli_main(["inspect", str(bad)]) == 1
    out = capsys.readouterr().out
    for d in g.truth.damages:
        assert f":{d.line}:{d.column}:" in out
    assert cli_main(["inspect", "--strict", str(bad)]) == 1
    first = g.truth.damages[0]
    assert f":{first.line}:{first.column}:" in capsys.readouterr().err
    assert cli_main(["inspect", str(tmp_path / "missing.edn")]) == 2


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    damage=st.lists(st.sampled_from(DAMAGE_KINDS), min_size=1, max_size=5),
    layout=st.sampled_from(["pr-str", "lines"]),
    style=st.sampled_from(["plain", "nsmaps", "mixed"]),
)
def test_salvage_matches_truth_for_any_seed_and_damage(seed, damage, layout, style) -> None:
    g = generate_memory(entries=40, seed=seed, damage=damage, layout=layout, style=style)
    _check_salvage(g, memory_from_text(g.text))


def test_strict_follows_the_app_on_trailing_text_and_empty_files() -> None:
    m = memory_from_text("{:a 1} [:trailing]", strict=True)  # read-string ignores the rest
    assert m.as_dict() == {K(None, "a"): 1} and [d.kind for d in m.diagnostics] == ["trailing-text"]
    assert memory_from_text("", strict=True).entries == []
    with pytest.raises(edn.EdnSyntaxError) as exc:
        memory_from_text('{:a 1, :b #object[Foo 0x1 "x"]}', strict=True)
    assert (exc.value.line, exc.value.column) == (1, 11)
    assert "#object" in exc.value.text


def test_invalid_utf8_is_reported_and_the_rest_salvaged() -> None:
    from workbench.memory.model import memory_from_bytes

    m = memory_from_bytes(b'{:a "caf\xe9", :b 2}')
    assert [d.kind for d in m.diagnostics] == ["invalid-utf8"]
    assert m.get(K(None, "b")) == 2
    with pytest.raises(edn.EdnSyntaxError):
        memory_from_bytes(b'{:a "caf\xe9", :b 2}', strict=True)


def test_records_for_every_kind(clean) -> None:
    from workbench.memory.classify import RECORD_LAYOUT

    _, path = clean
    m = load_memory(path)
    for kind in {e.kind for e in m.entries}:
        entries = [e for e in m.entries if e.kind == kind]
        df = m.records(kind)
        layout = RECORD_LAYOUT.get(kind) in ("values", "items")  # one record per child
        expected = sum(len(e.value) for e in entries) if layout else len(entries)
        assert len(df) == expected, kind
        assert set(df["key"]) <= {
            str(e.key) if isinstance(e.key, K) else edn.dumps(e.key) for e in entries
        }
        originals = (
            {id(e.value) for e in entries}
            if not layout
            else {id(c) for e in entries for c in _children(e.value)}
        )
        assert {id(v) for v in df["value"]} <= originals, kind  # the objects, not copies
    assert len(m.records("no-such-kind")) == 0


def _children(v):
    return list(v.values()) if isinstance(v, dict) else list(v)
