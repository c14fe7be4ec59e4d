"""Memory views on small and odd files: no unstable key, deep nesting (issue 13)."""

from __future__ import annotations

import sys

from workbench import edn
from workbench.memory._values import depth_of
from workbench.memory.model import memory_from_text


def test_unstable_keys_empty_frame_filters_rows() -> None:
    u = memory_from_text("{:a 1 :b {:c 2}}").unstable_keys()
    assert u.empty and u["definite"].dtype == bool
    assert list(u[u["definite"]].columns) == list(u.columns)  # rows selected, columns kept


def test_depth_of_past_the_recursion_limit() -> None:
    n = sys.getrecursionlimit() + 500
    text = "{:deep " + "[" * n + "]" * n + " :flat 1}"
    frame = memory_from_text(text).to_frame()
    assert int(frame.loc[frame["key"] == ":deep", "depth"].iloc[0]) == n
    assert depth_of(edn.loads("{:a [1 {:b #{2}}] :c 1}")) == 4
    assert depth_of(edn.loads("#foo [1 [2]]")) == 2 and depth_of(1) == 0


def test_qualified_key_in_nsmap_is_damage_and_flags_its_entry() -> None:
    m = memory_from_text("#:review{:davidwu/x 1, :y 2}")
    assert m.damaged and m.app_readable  # the app reads it, as another key
    assert [(d.kind, d.line, d.column) for d in m.diagnostics] == [
        ("qualified-key-in-nsmap", 1, 10)
    ]
    flagged = {edn.printed(e.key): e.damage for e in m.entries}
    assert flagged == {":davidwu/x": ("qualified-key-in-nsmap",), ":review/y": ()}
    frame = m.to_frame()
    assert frame.set_index("key")["damage"].to_dict() == {
        ":davidwu/x": "qualified-key-in-nsmap",
        ":review/y": "",
    }
    assert m.diagnostics_frame()["damage"].tolist() == ["qualified-key-in-nsmap"]
    assert memory_from_text("#:review{:x 1}").damaged is False


def test_key_damage_inside_a_value_flags_its_entry_like_at_the_top_level() -> None:
    import pytest

    from workbench import damage_kind

    m = memory_from_text("{:a #:review{:davidwu/x 1}, :b 2}")
    assert m.damaged and m.app_readable  # the app reads it, with the inner key changed
    assert [(d.kind, d.line, d.column) for d in m.diagnostics] == [
        ("qualified-key-in-nsmap", 1, 14)
    ]
    assert [e.damage for e in m.entries] == [("qualified-key-in-nsmap",), ()]
    assert memory_from_text("{:a #:review{:davidwu/x 1}}", strict=True).damaged
    # colon-led names inside values: the same kinds as at the top level; the app fails
    for text, kind in [
        ("{:a #:presence{::s1 {:a 1}}, :b 2}", "colon-name-in-nsmap"),
        ("{:a {::davidwu/x 1}, :b 2}", "auto-resolved"),
    ]:
        m = memory_from_text(text)
        assert [damage_kind(d) for d in m.diagnostics] == [kind]
        assert not m.app_readable and [edn.printed(e.key) for e in m.entries] == [":b"]
        with pytest.raises(edn.EdnSyntaxError):
            memory_from_text(text, strict=True)


def test_kept_unreadable_value_flags_its_entry_and_strict_follows_the_app() -> None:
    import pytest

    m = memory_from_text('{:a 1, :r #"x+", :b 2}')
    assert [e.damage for e in m.entries] == [(), ("regex",), ()]
    assert not m.app_readable
    with pytest.raises(edn.EdnSyntaxError):
        memory_from_text('{:r #"x+"}', strict=True)
    # clojure.edn reads a qualified key in #:ns{} (as another key): strict does not raise
    assert memory_from_text("#:review{:davidwu/x 1}", strict=True).damaged
