"""The C fast path reads exactly what the pure-Python reader reads, and hands it everything else."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_edn_properties import _mutate, values

from workbench import edn
from workbench.edn import EdnSyntaxError, identical, reader

if not reader.speedups_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI: the C fast path workbench.edn._speedups was not built")
    pytest.skip("the C fast path was not built here (no C compiler)", allow_module_level=True)

from workbench.edn import _speedups  # noqa: E402 - only when built


def _outcome(fn, text: str):
    """('ok', value) or ('error', reason, line, column) of fn(text)."""
    try:
        return ("ok", fn(text))
    except EdnSyntaxError as e:
        return ("error", e.reason, e.line, e.column, e.text)


def _both(fn, text: str) -> tuple:
    """(outcome with the C fast path, outcome with the pure-Python reader) of fn(text)."""
    with reader.fast_path(True):
        fast = _outcome(fn, text)
    with reader.fast_path(False):
        slow = _outcome(fn, text)
    return fast, slow


def _assert_same(fn, text: str) -> None:
    fast, slow = _both(fn, text)
    assert fast[0] == slow[0], (text, fast, slow)
    if fast[0] == "ok":
        assert identical(fast[1], slow[1]), text
    else:
        assert fast == slow


def _read_entries(text: str):
    entries, diags = edn.read_map_entries(text)
    return [tuple(e) for e in entries], [tuple(d) for d in diags]


def _assert_same_entries(text: str) -> None:
    (_, (fast_entries, fast_diags)), (_, (slow_entries, slow_diags)) = _both(_read_entries, text)
    assert len(fast_diags) == len(slow_diags)
    for f, s in zip(fast_diags, slow_diags, strict=True):  # (a key may hold ##NaN: not ==)
        assert f[:-1] == s[:-1] and identical(f[-1], s[-1]), (f, s)
    assert len(fast_entries) == len(slow_entries)
    for f, s in zip(fast_entries, slow_entries, strict=True):
        assert identical(f[0], s[0]) and identical(f[1], s[1]) and f[2:] == s[2:]


# Forms the fast path must read, or hand over, exactly like the Python reader.
TRICKY = [
    '{:a [1 2.5 "x\\ny\\u00e9"] :b #{:c} :n #:ns{:k 1 :_/z 2 "s" 3 sym 4} :l (1 -0 +7 1e3 2.)}',
    '"\\ud83d\\ude00"',  # surrogate pair escapes combine (Python)
    '"\\ud83d"',
    '"\\101\\7"',  # octal escapes (Python)
    '"\\q"',
    '"a\\fb\\bc\\td\\re\\\\f\\"g"',
    '"\\u12"',
    '"unterminated',
    "01",
    "09",
    "-0",
    "+5",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "1.5M",
    "7N",
    "1/2",
    "0x1F",
    "2r101",
    "1e",
    "1.5e+3",
    "1#{}",
    "12abc",
    "-",
    "-a",
    "+",
    "a#b",
    ":a#b",
    ":",
    "::a",
    ":a/",
    ":a/b/c",
    ":U/10x",
    "nil",
    "true",
    "false",
    "nil?",
    "@a",
    "#:a{:b 1 :a/b 2}",
    "#:a {:b 1}",
    "#: a{:b 1}",
    "#:nil{:b 1}",
    "#:a/b{:c 1}",
    "#:a{:b 1",
    "#:a{:b/c 1}",  # a key with its own namespace: damage the salvaging reader reports
    "{:x [#:a{:b/c 1 :d 2 s/y 3}]}",
    "#:a{::b 1}",
    "[#:a{:b ::c}]",
    "{[1] 2, (1) 3}",
    "{{:a 1} 2}",
    "#{{:a 1} [1]}",
    "#{1 1.0}",
    "#{1 true}",
    "{1 :a true :b}",
    "{:a 1 :a 2}",
    "{:a}",
    "{:a 1]",
    "[1 2)",
    "(1 2]",
    "}",
    "",
    "   ; only a comment",
    "[1 ; comment\n 2]",
    "[1\u20032\u3000 3\u00a04]",  # U+2003 is whitespace, U+00A0 is not
    ":a\u2007b",
    '#inst "2020-01-01T00:00:00Z"',
    '[#uuid "00000000-0000-0000-0000-000000000000" #foo/bar [1]]',
    "[\\a \\newline]",
    "^:m [1]",
    "[#_ 1 2]",
    "##Inf",
    '#"re"',
    "[" * 1500 + "]" * 1500,
    "{" * 1200 + "}" * 1200,
    "[:a :b :c]" * 3,
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_forms_read_the_same(text: str) -> None:
    _assert_same(edn.loads, text)
    _assert_same(edn.loads_all, text)
    _assert_same_entries("{:k " + text + ", :z 1}")


def test_the_fast_path_reads_common_forms_itself() -> None:
    # these must come back from C (not None), or the speed-up is lost without anyone noticing
    tag_fn = reader.make_reader().fast_tag
    for text in [
        '{:a "b" :c [1 2.5 nil] :d #{:x} :e #:n{:k (1)}}',
        ":ns/k",
        "sym",
        "-12",
        '"a\\"b"',
        '#inst "2020-01-01T00:00:00Z"',
        "#object[Foo 0x1 {}]",
        "\\a",
        "1N",
        "[#_ 1 2]",
        "##NaN",
        '"\\101"',
    ]:
        got = _speedups.read_one(" " + text + " ", 0, tag_fn)
        assert got is not None, text
        _fast, slow = _both(edn.loads, text)
        assert identical(got[0], slow[1])
        assert got[1:] == (1, 1 + len(text))
    # ... and hand these to the Python reader
    for text in [
        "{:a 1 :a 2}",
        "]",
        "",
        "#_ 1",
        "^:m [1]",
        '#"re"',
        '#inst "bad"',
        "[1",
        ":a/",
        "[#:a{:b/c 1}]",
    ]:
        assert _speedups.read_one(text, 0, tag_fn) is None, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.booleans(), st.sampled_from(["plain", "nsmaps"]))
def test_printed_values_read_the_same(v, pr_str, style) -> None:
    text = edn.dumps(v, pr_str=pr_str, style=style)
    _assert_same(edn.loads, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.integers(0, 2**32))
def test_mutated_documents_read_the_same(v, seed) -> None:
    text = edn.dumps({edn.kw("k"): v, edn.kw("n"): 1})
    rnd = random.Random(seed)
    for _ in range(6):
        bad = _mutate(text, rnd)
        _assert_same(edn.loads, bad)
        _assert_same_entries(bad)


def test_generated_memory_reads_the_same() -> None:
    from workbench.memory.generate import generate_memory

    text = generate_memory(entries=300, seed=5).text
    _assert_same(edn.loads, text)
    _assert_same_entries(text)
    damaged = (Path(__file__).parents[2] / "data-samples" / "memory-damaged.edn").read_text("utf-8")
    _assert_same_entries(damaged)
