"""Classification: every key kind of memory-edn.md, value-shape rules, user rules and overrides."""

from __future__ import annotations

import pytest

from workbench import edn
from workbench.memory.classify import (
    DATA_TYPES,
    KINDS,
    RULES,
    UNCLASSIFIED,
    Rule,
    build_rules,
    classify,
    rule_for,
    rules_frame,
)
from workbench.memory.generate import generate_memory

K = edn.Keyword
LEARNING = {K("learning", "id"): "davidwu/x-1771400000000-1", K("learning", "title"): "x"}

CASES = [
    # (key, value, data_type, kind)
    (
        K("davidwu", "fix-the-thing-1771400000000-7"),
        LEARNING,
        "Learning Records",
        "learning-record",
    ),
    (K("alex", "-leading-dash-1771400000123-0"), LEARNING, "Learning Records", "learning-record"),
    # a map with :learning/id is a learning record whatever its key
    (K("learning", "whatever"), LEARNING, "Learning Records", "learning-record"),
    ("a string key", LEARNING, "Learning Records", "learning-record"),
    # partial learning record: only by key pattern / :learning/* attributes
    (
        K("davidwu", "partial-1771400000000-999"),
        {K("learning", "applied-count"): 1, K("learning", "last-applied"): "2026-02-18T15:31:01Z"},
        "Learning Records",
        "learning-record",
    ),
    (K("odd", "key"), {K("learning", "applied-count"): 2}, "Learning Records", "learning-record"),
    (
        K("review", "davidwu/fix-1771400000000-7"),
        {K(None, "level"): 2},
        "Learning Records",
        "review",
    ),
    (
        K("learning", "index"),
        {K(None, "davidwu"): edn.List(["a"]), None: edn.List()},
        "Learning Indexes",
        "learning-index",
    ),
    (K("learning", "review-index"), {None: None}, "Learning Indexes", "review-index"),
    (K("learning", "tag-index"), {}, "Learning Indexes", "tag-index"),
    (K("learning", "wal"), {K(None, "op"): K(None, "create")}, "Learning Indexes", "wal"),
    (K("projects", "davidwu"), {}, "Projects", "projects"),
    (K("builder-sessions", "davidwu"), {}, "Sessions", "builder-sessions"),
    (K("presence", ":s1"), {}, "Sessions", "presence"),  # keyword session id
    (K("presence", "3f1c-uuid"), {}, "Sessions", "presence"),
    (K("ops", ":s2"), edn.Vector(), "Sessions", "ops"),
    (K("comments", ":s2"), {}, "Sessions", "comments"),
    (K("versions", "session-1771400000000-3"), {}, "Sessions", "versions"),
    (K("offline-queue", ":s9"), edn.Vector(), "Sessions", "offline-queue"),
    (K("session-snapshot", ":s9"), {}, "Sessions", "snapshot"),
    (K("embed-token", "ab" * 32), {}, "Embed", "embed-token"),
    (K("embed-token", "0b" * 32), {}, "Embed", "embed-token"),  # digit-leading (unreadable by app)
    (K("webhook", "cd" * 16), {}, "Embed", "webhook"),
    (K("notifications", "last-davidwu"), {}, "Other", "notifications"),
    (K("cache", "anything"), 1, "Cache", "cache"),
    (K(None, "test-key"), "v", "Other", UNCLASSIFIED),
    (K(None, "config"), {K(None, "db"): {}}, "Other", UNCLASSIFIED),
    (None, 1, "Other", UNCLASSIFIED),
    ("string-key", edn.Vector([1]), "Other", UNCLASSIFIED),
]


@pytest.mark.parametrize("key,value,data_type,kind", CASES, ids=[str(c[0]) for c in CASES])
def test_every_key_kind(key, value, data_type, kind) -> None:
    assert classify(key, value) == (data_type, kind)


def test_table_covers_declared_types_and_kinds() -> None:
    assert {r.data_type for r in RULES} <= set(DATA_TYPES)
    assert {r.kind for r in RULES} <= set(KINDS)
    assert len({r.name for r in RULES}) == len(RULES)


def test_generated_entries_classify_as_generated() -> None:
    g = generate_memory(entries=400, seed=3)
    wrong = []
    for e in g.truth.entries:
        expected = ("Other", UNCLASSIFIED) if e.kind == "adhoc" else (e.data_type, e.kind)
        got = classify(e.key, g.value[e.key])
        if got != expected:
            wrong.append((str(e.key), got, expected))
    assert wrong == []
    kinds = {classify(k, v)[1] for k, v in g.value.items()}
    assert set(KINDS) - kinds <= {"cache"}  # real files have no cache keys


def test_user_rule_goes_first_and_can_override_by_name() -> None:
    key = K("tool", "scratch-1")
    assert classify(key, {}) == ("Other", UNCLASSIFIED)
    mine = Rule("tools", "Other", "tool", key_pattern=r"^:tool/")
    assert classify(key, {}, rules=[mine]) == ("Other", "tool")
    # same name as a default rule replaces it
    override = Rule("webhook", "Other", "legacy-webhook", key_pattern=r"^:webhook/")
    assert classify(K("webhook", "ab" * 16), {}, rules=[override]) == ("Other", "legacy-webhook")
    assert len(build_rules([override])) == len(RULES)
    assert build_rules([mine], replace=True) == (mine,)


def test_value_predicate_rule_and_failing_predicate() -> None:
    big = Rule("big-vectors", "Cache", "cache", value_pred=lambda v: len(v) > 3)
    assert classify(K(None, "x"), edn.Vector([1, 2, 3, 4]), rules=[big]) == ("Cache", "cache")
    # a predicate that raises is a non-match, not a crash
    assert classify(K(None, "x"), 5, rules=[big]) == ("Other", UNCLASSIFIED)


def test_rule_needs_pattern_or_predicate_and_reports_its_name() -> None:
    with pytest.raises(ValueError):
        Rule("empty", "Other", "x")
    assert rule_for(K("webhook", "ab" * 16), {}) == "webhook"
    assert rule_for(K(None, "zzz"), 1) is None
    df = rules_frame()
    assert list(df["name"]) == [r.name for r in RULES]


def test_session_namespaces_are_the_sessions_rules_namespaces():
    from workbench.memory.classify import RULES, SESSION_NAMESPACES

    for ns in SESSION_NAMESPACES:
        assert classify(edn.Keyword(ns, "s1"), {})[0] == "Sessions", ns
    ruled = {r.key_pattern.split("/")[0].lstrip("^:") for r in RULES if r.data_type == "Sessions"}
    assert ruled == set(SESSION_NAMESPACES)
