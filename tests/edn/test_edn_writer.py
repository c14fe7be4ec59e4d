"""workbench.edn writer: printed forms, pr-str compatibility, #:ns maps, refusals with paths."""

from __future__ import annotations

import io
import math
import uuid
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from workbench import edn
from workbench.edn import (
    BigInt,
    Char,
    FrozenMap,
    Inst,
    Keyword,
    List,
    Symbol,
    Tagged,
    Vector,
    dumps,
    identical,
    kw,
    loads,
    sym,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "nil"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (2**70, str(2**70)),
        (BigInt(7), "7N"),
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (1e20, "1e+20"),
        (1.5e-7, "1.5e-07"),
        (math.inf, "##Inf"),
        (-math.inf, "##-Inf"),
        (math.nan, "##NaN"),
        (Decimal("1.50"), "1.50M"),
        (Decimal("-0"), "-0M"),
        (Fraction(-1, 3), "-1/3"),
        ("", '""'),
        ('a"b\\c\nd\te\rf\bg\fh', '"a\\"b\\\\c\\nd\\te\\rf\\bg\\fh"'),
        ("\x01\x7f é ✓ 😀 \u2028", '"\x01\x7f é ✓ 😀 \u2028"'),
        (kw("a"), ":a"),
        (kw("review/alex/x"), ":review/alex/x"),
        (kw("presence/:s1"), ":presence/:s1"),
        (sym("a/b"), "a/b"),
        (Char("a"), "\\a"),
        (Char("\n"), "\\newline"),
        (Char(" "), "\\space"),
        (Char("\t"), "\\tab"),
        (Char("\r"), "\\return"),
        (Char("\b"), "\\backspace"),
        (Char("\f"), "\\formfeed"),
        (Char("\x00"), "\\u0000"),
        (Char("\u2028"), "\\u2028"),
        (Char("\\"), "\\\\"),
        (Char("("), "\\("),
        (Char("é"), "\\é"),
        (uuid.UUID(int=1), '#uuid "00000000-0000-0000-0000-000000000001"'),
        (
            Inst("2020-01-01T00:00:00.123456789-03:00"),
            '#inst "2020-01-01T00:00:00.123456789-03:00"',
        ),
        (Vector([1, "a"]), '[1 "a"]'),
        (List([1, List([])]), "(1 ())"),
        ([1, (2,)], "[1 [2]]"),
        (frozenset({3, 1, 2}), "#{1 2 3}"),
        ({3, 1}, "#{1 3}"),
        ({}, "{}"),
        (FrozenMap({kw("a"): 1}), "{:a 1}"),
        (Tagged(sym("my/tag"), 5), "#my/tag 5"),
        (Tagged(sym("my.ns.Rec"), {kw("a"): 1}), "#my.ns.Rec{:a 1}"),
        (
            Tagged(sym("object"), Vector([sym("java.lang.Object"), 1])),
            "#object[java.lang.Object 1]",
        ),
        (Tagged(sym("t"), "s"), '#t"s"'),
        (Tagged(edn.REGEX_TAG, "a\\d"), '#"a\\d"'),
    ],
)
def test_printed_forms(value: object, text: str) -> None:
    assert dumps(value) == text
    back = loads(text, regex="keep")  # the workbench reads its own #"..." back
    if type(value) in (list, tuple, set, FrozenMap):
        return  # written as their EDN equivalents, read back as Vector/frozenset/dict
    assert identical(back, value)


def test_pr_str_separators_like_clojure() -> None:
    v = loads('{:a 1 :b [1 2 {:c 3 :d #{4}}] :e (5 6) "s" {:f nil :g "x"}}')
    assert dumps(v, pr_str=True) == (
        '{:a 1, :b [1 2 {:c 3, :d #{4}}], :e (5 6), "s" {:f nil, :g "x"}}'
    )
    assert dumps(v) == '{:a 1 :b [1 2 {:c 3 :d #{4}}] :e (5 6) "s" {:f nil :g "x"}}'


def test_pr_str_reproduces_app_bytes_on_ordinary_data() -> None:
    app = (
        '{:learning/index {:davidwu ["davidwu/a-1" "davidwu/b-2"]}, :davidwu/x-1 {:learning/id '
        '"davidwu/x-1", :learning/tags #{"clojure"}, :learning/confidence 4, :learning/pattern nil'
        ", :learning/status :active}, :ops/s1 [{:op/id 1, :op/type :add, :op/timestamp "
        '1760000000000}], :presence/:s1 {"u1" {:user/color "#ff0000"}}}'
    )
    assert dumps(loads(app), pr_str=True) == app


def test_nsmaps_style() -> None:
    v = {kw("project/id"): "p", kw("project/name"): "n"}
    assert dumps(v, style="nsmaps") == '#:project{:id "p" :name "n"}'
    assert dumps(v, style="nsmaps", pr_str=True) == '#:project{:id "p", :name "n"}'
    nested = {kw("a/x"): {kw("b/y"): 1, kw("b/z"): 2}, kw("a/w"): {kw("c"): 1}}
    assert dumps(nested, style="nsmaps") == "#:a{:x #:b{:y 1 :z 2} :w {:c 1}}"
    syms = {sym("a/x"): 1, kw("a/y"): 2}
    assert dumps(syms, style="nsmaps") == "#:a{x 1 :y 2}"
    for plain in (
        {kw("a/x"): 1, kw("b/y"): 2},  # two namespaces
        {kw("a/x"): 1, kw("y"): 2},  # one key without namespace
        {kw("a/x"): 1, "s": 2},  # a string key
        {kw("review/alex/x"): 1},  # would re-read as :alex/x
        {kw("presence/:s1"): 1},  # would print ::s1
        {kw("_/x"): 1},  # #:_{...} means no namespace
    ):
        text = dumps(plain, style="nsmaps")
        assert text.startswith("{"), text
        assert identical(loads(text), plain)
    for value in (v, nested, syms):
        assert identical(loads(dumps(value, style="nsmaps")), value)


def test_container_subclasses_are_written_as_their_base() -> None:
    from collections import OrderedDict, namedtuple

    pt = namedtuple("pt", "x y")
    v = OrderedDict([(kw("a"), pt(1, 2)), (kw("b"), {3})])
    assert dumps(v) == "{:a [1 2] :b #{3}}"
    with pytest.raises(TypeError, match="IntFlag|Color"):
        import enum

        class Color(enum.IntFlag):
            RED = 1

        dumps([Color.RED])


def test_sort_keys() -> None:
    v = {kw("b"): 1, kw("a"): 2, "c": 3, 1: 4}
    assert dumps(v, sort_keys=True) == '{"c" 3 1 4 :a 2 :b 1}'
    assert dumps(v, sort_keys=True) == dumps(dict(reversed(list(v.items()))), sort_keys=True)


def test_sets_print_deterministically() -> None:
    s = frozenset(["b", "a", kw("z"), Vector([1]), frozenset({2, 1})])
    assert dumps(s) == '#{"a" "b" #{1 2} :z [1]}'
    assert dumps(loads(dumps(s))) == dumps(s)


@pytest.mark.parametrize(
    ("value", "type_name", "path"),
    [
        (object(), "object", "[]"),
        ({kw("a"): [1, {kw("b"): b"x"}]}, "bytes", "[:a 1 :b]"),
        ({"k": 1j}, "complex", '["k"]'),
        (Vector([datetime(2020, 1, 1)]), "datetime", "[0]"),
        ({kw("a"): frozenset({3.5j})}, "complex", "[:a"),
        (Tagged(sym("t"), [object()]), "object", "[t 0]"),
        ({object(): 1}, "object", "["),
        (Decimal("NaN"), "Decimal", "[]"),
    ],
)
def test_refuses_unwritable_values_with_path(value: object, type_name: str, path: str) -> None:
    with pytest.raises(TypeError) as ei:
        dumps(value)
    msg = str(ei.value)
    assert type_name in msg and f"at path {path}" in msg, msg


@pytest.mark.parametrize(
    "bad",
    [
        Keyword("alex", "10x-notes"),
        Keyword(None, "a b"),
        Keyword("", "x"),
        Symbol(None, "nil"),
        Symbol(None, "1a"),
        Symbol(None, ":a"),
        Keyword("presence", ""),
    ],
)
def test_refuses_idents_that_would_not_read_back(bad: object) -> None:
    with pytest.raises(TypeError, match="would not read back"):
        dumps({kw("k"): Vector([bad])})


def test_dump_to_path_and_files(tmp_path) -> None:
    v = {kw("a"): Vector(["é", 1])}
    p = tmp_path / "out" / "m.edn"
    edn.dump(v, p, pr_str=True)
    assert p.read_bytes() == '{:a ["é" 1]}'.encode()
    assert not [x for x in p.parent.iterdir() if x.name != "m.edn"]  # no temp files left
    s = io.StringIO()
    edn.dump(v, s)
    assert s.getvalue() == '{:a ["é" 1]}'
    b = io.BytesIO()
    edn.dump(v, b)
    assert b.getvalue() == '{:a ["é" 1]}'.encode()


def test_clojure_float_forms_read_back() -> None:
    for x in (0.1, 1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.0, 1e16, -2.5e-5):
        assert loads(dumps(x)) == x
        assert "." in dumps(x) or "e" in dumps(x)


@pytest.mark.parametrize(
    ("x", "java"),
    [
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (0.0001, "1.0E-4"),
        (-2.5e-10, "-2.5E-10"),
        (1.5e300, "1.5E300"),
        (9999999.0, "9999999.0"),
        (0.001, "0.001"),
        (123.0, "123.0"),
        (-0.0, "-0.0"),
        (math.inf, "##Inf"),
    ],
)
def test_pr_str_prints_doubles_like_java(x: float, java: str) -> None:
    assert dumps(Vector([x]), pr_str=True) == f"[{java}]"
    assert loads(java) == x and identical(loads(dumps(x, pr_str=True)), x)


def test_unreadable_keywords_refused_by_default_and_printed_as_is_on_request():
    bad = edn.Keyword("embed-token", "0abc")
    value = {bad: edn.Vector([bad, 1.0e7]), edn.kw(":a/b"): bad}
    with pytest.raises(TypeError, match="would not read back"):
        edn.dumps(value)
    assert edn.dumps(value, unreadable="print") == (
        "{:embed-token/0abc [:embed-token/0abc 10000000.0] :a/b :embed-token/0abc}"
    )
    assert edn.dumps(value, pr_str=True, unreadable="print") == (
        "{:embed-token/0abc [:embed-token/0abc 1.0E7], :a/b :embed-token/0abc}"
    )
    with pytest.raises(ValueError, match="unreadable"):
        edn.dumps(value, unreadable="skip")


def test_printed_prints_what_dumps_refuses_like_pr_str() -> None:
    bad = edn.kw(":embed-token/0abc")
    assert not bad.readable
    assert edn.printed(bad) == ":embed-token/0abc"
    assert edn.printed(edn.Vector([bad, 1])) == "[:embed-token/0abc 1]"
    assert edn.printed({edn.kw(":a"): "x"}) == '{:a "x"}'
    with pytest.raises(TypeError):
        edn.dumps(edn.Vector([bad, 1]))


@pytest.mark.parametrize("pr_str", [False, True])
@pytest.mark.parametrize("style", ["plain", "nsmaps"])
def test_a_lone_carriage_return_is_escaped_like_pr_str(pr_str, style) -> None:
    # "\r" is the only character to escape: the writer's "nothing to escape" check must see it
    # at the top level and on every collection path (map key, map value, vector, set)
    opts = {"pr_str": pr_str, "style": style}
    assert dumps("x\ry", **opts) == '"x\\ry"' and dumps("\r", **opts) == '"\\r"'
    value = {"k\r": "v\r", kw("a/b"): Vector(["\r1"]), kw("a/c"): frozenset({"s\r"})}
    text = dumps(value, **opts)
    assert "\r" not in text and text.count("\\r") == 4
    assert identical(loads(text), value)
