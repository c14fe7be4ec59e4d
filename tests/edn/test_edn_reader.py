"""workbench.edn reader: every grammar area, value types and strict errors with positions."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from workbench import edn
from workbench.edn import (
    BigInt,
    Char,
    EdnSyntaxError,
    FrozenMap,
    Inst,
    Keyword,
    List,
    Symbol,
    Tagged,
    Vector,
    identical,
    kw,
    loads,
    sym,
)

# every test here runs twice: with the C fast path and with the pure-Python reader
pytestmark = pytest.mark.usefixtures("edn_reader_impl")

V = Vector
L = List


def same(text: str, expected: object) -> None:
    got = loads(text)
    assert identical(got, expected), f"{text!r} -> {got!r}, expected {expected!r}"


# ------------------------------------------------------------------ scalars


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nil", None),
        ("true", True),
        ("false", False),
        ("0", 0),
        ("-0", 0),
        ("+7", 7),
        ("-42", -42),
        ("1234567890123", 1234567890123),
        ("9223372036854775808", 9223372036854775808),
        ("5N", BigInt(5)),
        ("0N", BigInt(0)),
        ("-0N", BigInt(0)),
        ("0x1F", 31),
        ("0XfF", 255),
        ("-0x10", -16),
        ("017", 15),
        ("2r101", 5),
        ("36rZZ", 35 * 36 + 35),
        ("-16rFF", -255),
        ("0xFFN", BigInt(255)),
        ("1.5", 1.5),
        ("-0.0", -0.0),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("1.e5", 100000.0),
        ("1.5E-3", 0.0015),
        ("+2.5", 2.5),
        ("09.5", 9.5),
        ("1e400", math.inf),
        ("1.50M", Decimal("1.50")),
        ("1M", Decimal("1")),
        ("1E+5M", Decimal("1E+5")),
        ("1/2", Fraction(1, 2)),
        ("-3/6", Fraction(-1, 2)),
        ("+1/3", Fraction(1, 3)),
        ("4/2", 2),
        ("##Inf", math.inf),
        ("##-Inf", -math.inf),
        ("## Inf", math.inf),
    ],
)
def test_numbers(text: str, expected: object) -> None:
    same(text, expected)


def test_nan() -> None:
    v = loads("##NaN")
    assert type(v) is float and math.isnan(v)
    assert identical(loads("[##NaN]"), V([float("nan")]))


def test_big_integer_beyond_python_digit_limit() -> None:
    digits = "7" * 5000
    assert loads(digits) == int("7" * 1000) * 10**4000 + int("7" * 4000)
    assert edn.dumps(loads(digits)) == digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('""', ""),
        ('"abc"', "abc"),
        ('"a\\tb\\rc\\nd\\\\e\\"f\\bg\\fh"', 'a\tb\rc\nd\\e"f\bg\fh'),
        ('"\\u00e9\\u0041"', "éA"),
        ('"\\101\\0\\7\\377"', "A\x00\x07\xff"),
        ('"\\1234"', "S4"),
        ('"\\ud83d\\ude00"', "😀"),
        ('"line\nbreak"', "line\nbreak"),
        ('"café ✓ 😀"', "café ✓ 😀"),
    ],
)
def test_strings(text: str, expected: str) -> None:
    same(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\a", Char("a")),
        ("\\newline", Char("\n")),
        ("\\space", Char(" ")),
        ("\\tab", Char("\t")),
        ("\\return", Char("\r")),
        ("\\backspace", Char("\b")),
        ("\\formfeed", Char("\f")),
        ("\\u00e9", Char("é")),
        ("\\o101", Char("A")),
        ("\\o7", Char("\x07")),
        ("\\u", Char("u")),
        ("\\o", Char("o")),
        ("\\(", Char("(")),
        ("\\\\", Char("\\")),
        ("\\,", Char(",")),
        ("\\é", Char("é")),
    ],
)
def test_chars(text: str, expected: Char) -> None:
    same(text, expected)


def test_chars_next_to_each_other() -> None:
    same("[\\a\\b]", V([Char("a"), Char("b")]))
    same("(\\a)", L([Char("a")]))


def test_char_is_not_a_string() -> None:
    assert Char("a") != "a"
    assert loads("\\a") != loads('"a"')
    assert len(loads('#{\\a "a"}')) == 2


@pytest.mark.parametrize(
    ("text", "ns", "name"),
    [
        (":a", None, "a"),
        (":a/b", "a", "b"),
        (":review/alex/x", "review", "alex/x"),
        (":presence/:s1", "presence", ":s1"),
        (":1098765432109876543/x", "1098765432109876543", "x"),
        (":10x", None, "10x"),
        (":a.b-c_d*e+f!g?h<i>j=k&l%m$n'o/p.q", "a.b-c_d*e+f!g?h<i>j=k&l%m$n'o", "p.q"),
        (":/", None, "/"),
        (":nil", None, "nil"),
        (":a#b", None, "a#b"),
        (":é/ü", "é", "ü"),
    ],
)
def test_keywords(text: str, ns: str | None, name: str) -> None:
    k = loads(text)
    assert type(k) is Keyword
    assert (k.namespace, k.name) == (ns, name)
    assert str(k) == text
    assert k is Keyword(ns, name)


@pytest.mark.parametrize(
    ("text", "ns", "name"),
    [
        ("a", None, "a"),
        ("a/b", "a", "b"),
        ("/", None, "/"),
        ("a//", "a", "/"),
        ("+", None, "+"),
        ("-", None, "-"),
        ("-a", None, "-a"),
        ("+a", None, "+a"),
        (".5", None, ".5"),
        ("'a", None, "'a"),
        ("a'b", None, "a'b"),
        ("clojure.core/+", "clojure.core", "+"),
        ("a.b/c.d/e", "a.b", "c.d/e"),
        ("nil?", None, "nil?"),
        ("truex", None, "truex"),
    ],
)
def test_symbols(text: str, ns: str | None, name: str) -> None:
    s = loads(text)
    assert type(s) is Symbol
    assert (s.namespace, s.name) == (ns, name)
    assert s is Symbol(ns, name)


def test_kw_and_sym_helpers() -> None:
    assert kw(":a/b") is kw("a/b") is Keyword("a", "b")
    assert kw("review/alex/x").name == "alex/x"
    assert sym("a/b") is Symbol("a", "b")
    assert kw("a") is not sym("a")
    assert kw("a") != "a" and kw("a") != ":a"
    assert sorted([kw("b"), kw("a/z"), kw("a")]) == [kw("a"), kw("b"), kw("a/z")]


def test_keywords_are_interned_across_pickle_and_processes() -> None:
    k = kw(":projects/davidwu")
    assert pickle.loads(pickle.dumps(k)) is k
    v = loads('{:a [1 \\c #{:x}] :b #inst "2020-01-01T00:00:00.123456789+01:00" :c #t/x 5 :d 2N}')
    assert identical(pickle.loads(pickle.dumps(v)), v)
    code = (
        "import pickle,sys\nfrom workbench import edn\n"
        "v = pickle.loads(sys.stdin.buffer.read())\n"
        "assert v[edn.kw('a')][2] == frozenset({edn.kw('x')})\n"
        "assert next(iter(v)) is edn.kw('a')\n"
        "sys.stdout.buffer.write(pickle.dumps(v))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(v), capture_output=True, check=True
    )
    assert identical(pickle.loads(out.stdout), v)


def test_inst_keeps_precision_and_offset() -> None:
    i = loads('#inst "2026-02-18T15:31:01.428123456+05:30"')
    assert type(i) is Inst and i.text == "2026-02-18T15:31:01.428123456+05:30"
    dt = i.to_datetime()
    assert dt == datetime(2026, 2, 18, 15, 31, 1, 428123, tzinfo=timezone(timedelta(hours=5.5)))
    assert dt.utcoffset() == timedelta(hours=5, minutes=30)
    assert edn.dumps(i) == '#inst "2026-02-18T15:31:01.428123456+05:30"'
    assert loads('#inst "2026"').to_datetime() == datetime(2026, 1, 1, tzinfo=UTC)
    a = loads('#inst "2020-01-01T00:00:00Z"')
    b = loads('#inst "2020-01-01T01:00:00+01:00"')
    assert a == b and not identical(a, b)
    assert loads('#inst "2020-01-01T00:00:00.000000001Z"') != a
    assert loads('#inst "2016-12-31T23:59:60Z"').to_datetime() == datetime(2017, 1, 1, tzinfo=UTC)
    assert Inst.from_datetime(datetime(2020, 5, 1, 2, 3, 4, 5, tzinfo=UTC)).text == (
        "2020-05-01T02:03:04.000005Z"
    )


@pytest.mark.parametrize(
    "text",
    [
        '#inst "2020-02-30"',
        '#inst "2021-02-29"',
        '#inst "2020-13-01"',
        '#inst "2020-01-01T24:00:00Z"',
        '#inst "2020-01-01T00:00:60Z"',
        '#inst "20-01-01"',
        '#inst "2020-01-01 00:00"',
        "#inst 5",
    ],
)
def test_bad_inst(text: str) -> None:
    with pytest.raises(EdnSyntaxError):
        loads(text)


def test_uuid() -> None:
    u = loads('#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"')
    assert u == uuid.UUID("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert loads('#uuid "1-2-3-4-5"') == uuid.UUID("00000001-0002-0003-0004-000000000005")
    with pytest.raises(EdnSyntaxError, match="uuid"):
        loads('#uuid "not-a-uuid"')
    with pytest.raises(EdnSyntaxError, match="uuid"):
        loads('#uuid "f81d4fae7dec11d0a76500a0c91e6bf6"')
    with pytest.raises(EdnSyntaxError):
        loads("#uuid 5")


# ------------------------------------------------------------------ collections


def test_collections() -> None:
    same("[]", V([]))
    same("()", L([]))
    same("{}", {})
    same("#{}", frozenset())
    same("[1 [2 (3)] {:a #{4}}]", V([1, V([2, L([3])]), {kw("a"): frozenset({4})}]))
    assert loads("[1 2]") == loads("(1 2)")  # Clojure's = on sequences
    assert not identical(loads("[1 2]"), loads("(1 2)"))


def test_maps_and_sets_as_keys_are_frozen() -> None:
    v = loads("{{:a 1} :x, #{1 2} :y, [{:b 2}] :z, #t/g {:c 3} :w}")
    assert v[FrozenMap({kw("a"): 1})] == kw("x")
    assert v[frozenset({1, 2})] == kw("y")
    assert v[V([FrozenMap({kw("b"): 2})])] == kw("z")
    assert v[Tagged(sym("t/g"), FrozenMap({kw("c"): 3}))] == kw("w")
    s = loads("#{{:a {:b [1]}} [{:c 2}]}")
    assert FrozenMap({kw("a"): FrozenMap({kw("b"): V([1])})}) in s
    assert identical(loads(edn.dumps(v)), v)


def test_comments_commas_whitespace() -> None:
    same(" ,,[1,2 ,3] ; trailing comment", V([1, 2, 3]))
    same("; lead\n{:a ; inner\n 1}\n", {kw("a"): 1})
    same("[1\u20282\u30003\x1c4]", V([1, 2, 3, 4]))  # Java whitespace
    assert loads("a\u00a0b") is sym("a\u00a0b")  # not whitespace for Java


def test_discard() -> None:
    same("[1 #_2 3]", V([1, 3]))
    same("[1 #_ #_ 2 3 4]", V([1, 4]))
    same("[1 #_[2 [3]]]", V([1]))
    same("{:a 1 #_:b}", {kw("a"): 1})
    same("#_1 2", 2)
    same("[#_#_1 2]", V([]))
    same("[1 #_ #object[x] 2]", V([1, 2]))
    assert edn.loads_all("1 #_2") == [1]


def test_metadata_is_read_and_dropped() -> None:
    same("^:private [1]", V([1]))
    same("^{:a 1} ^:b foo", sym("foo"))
    same('^"String" (1)', L([1]))
    same("^sym {:a 1}", {kw("a"): 1})
    same("#^:a [1]", V([1]))
    with pytest.raises(EdnSyntaxError, match="Metadata can only be applied"):
        loads("^:a 1")
    with pytest.raises(EdnSyntaxError, match="Metadata must be"):
        loads("^1 [1]")


def test_namespaced_maps() -> None:
    same(
        '#:a{:b 1 :c/d 2 :_/e 3 f 4 _/g 5 "s" 6}',
        {
            kw("a/b"): 1,
            kw("c/d"): 2,
            kw("e"): 3,
            sym("a/f"): 4,
            sym("g"): 5,
            "s": 6,
        },
    )
    same("#:a {:b {:c 1}}", {kw("a/b"): {kw("c"): 1}})
    same("#:a{}", {})
    with pytest.raises(EdnSyntaxError, match="Duplicate key"):
        loads("#:a{:b 1 :a/b 2}")
    for bad in ("#:a/b{:c 1}", "#:nil{}", "#:1{}", "#:a[1]", "#:a{:b}"):
        with pytest.raises(EdnSyntaxError):
            loads(bad)


def test_tags() -> None:
    t = loads("#my/tag [1 2]")
    assert t == Tagged(sym("my/tag"), V([1, 2]))
    rec = loads("#my.ns.Rec{:a 1}")
    assert rec.tag is sym("my.ns.Rec") and rec.value == {kw("a"): 1}
    obj = loads('#object[java.lang.Object 0x5b8d "x"]')
    assert obj.tag is sym("object") and obj.value[1] == 0x5B8D
    assert loads("#foo ;c\n #_x 5") == Tagged(sym("foo"), 5)
    assert edn.dumps(t) == "#my/tag[1 2]"
    assert edn.dumps(loads("#t 5")) == "#t 5"


def test_tag_readers_are_per_call() -> None:
    text = '[#my/tag 5 #inst "2020"]'
    v = loads(text, tags={"my/tag": lambda x: x * 2, "inst": lambda s: s})
    assert v == V([10, "2020"])
    v2 = loads(text)  # nothing leaked into a global registry
    assert v2[0] == Tagged(sym("my/tag"), 5) and type(v2[1]) is Inst
    reader = edn.make_reader(tags={sym("my/tag"): str})
    assert reader.parse(text, 0, False)[0][0] == "5"
    with pytest.raises(EdnSyntaxError, match="my/tag"):
        loads("#my/tag 5", tags={"my/tag": lambda x: 1 / 0})


def test_unknown_tags_error_mode() -> None:
    with pytest.raises(EdnSyntaxError, match="No reader function for tag my/tag"):
        loads("[1 #my/tag 5]", unknown_tags="error")
    with pytest.raises(EdnSyntaxError, match="not EDN"):
        loads('#"a+"', unknown_tags="error")
    assert loads('#"a\\d+"', regex="keep") == Tagged(edn.REGEX_TAG, "a\\d+")
    assert edn.dumps(loads('[#"a\\d+" 1]', regex="keep")) == '[#"a\\d+" 1]'
    assert loads('#inst "2020"', unknown_tags="error").text == "2020"


def test_loads_all_and_load(tmp_path) -> None:
    assert edn.loads_all("1 :a [2] ; c\n") == [1, kw("a"), V([2])]
    assert edn.loads_all("") == []
    p = tmp_path / "m.edn"
    p.write_bytes('{:a "é"}'.encode())
    assert edn.load(p) == {kw("a"): "é"}
    with open(p, "rb") as fh:
        assert edn.load(fh) == {kw("a"): "é"}
    p.write_bytes(b"{:a\n  :b/10x}")
    with pytest.raises(EdnSyntaxError) as ei:
        edn.load(p)
    assert ei.value.source == str(p) and (ei.value.line, ei.value.column) == (2, 3)
    assert str(p) in str(ei.value)
    assert p.read_bytes() == b"{:a\n  :b/10x}"  # never modified


def test_loads_bytes() -> None:
    assert loads('"é"'.encode()) == "é"
    with pytest.raises(EdnSyntaxError, match="UTF-8") as ei:
        loads(b'["a" "\xff"]')
    assert ei.value.offset == 6 and ei.value.column == 7


def test_deep_nesting() -> None:
    n = 10_000
    for o, c in (("[", "]"), ("(", ")"), ("#{", "}"), ("{:k ", "}")):
        text = o * n + "1" + c * n
        v = loads(text)
        assert edn.dumps(v) == text
        assert identical(loads(edn.dumps(v)), v)
    v = loads("[" * n + "]" * n)
    assert edn.dumps(v, pr_str=True) == "[" * n + "]" * n
    text = "#{" + "{:a [" * n + "]}" * n + "}"  # maps frozen (and hashed) 10,000 deep
    v = loads(text)
    assert edn.dumps(v) == text and identical(loads(edn.dumps(v)), v)
    deep = loads("#t " * 3000 + "1")
    assert edn.dumps(deep) == "#t " * 3000 + "1"


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("text", "line", "column", "reason", "bad"),
    [
        ("{:a 1 :a 2}", 1, 7, "Duplicate key", ":a"),
        ("{:a 1\n :b 2\n :a 3}", 3, 2, "Duplicate key", ":a"),
        ("#{1 2 1}", 1, 7, "Duplicate set element", "1"),
        ("#{[1] (1)}", 1, 7, "Duplicate set element", "(1)"),
        ("#{1 1N}", 1, 5, "Duplicate set element", "1N"),
        ("#{##NaN ##NaN}", 1, 9, "Duplicate set element", "##NaN"),
        ("#{1 1.0}", 1, 5, "distinct in EDN but equal in Python", "1.0"),
        ("#{1 true}", 1, 5, "distinct in EDN but equal in Python", "true"),
        ("{1 :a, 1.0 :b}", 1, 8, "distinct in EDN but equal in Python", "1.0"),
        ("#{[1] [1.0]}", 1, 7, "distinct in EDN but equal in Python", "[1.0]"),
        ("#{1 1M}", 1, 5, "distinct in EDN but equal in Python", "1M"),
        ('[:a\n  :alex/10x-notes "t"]', 2, 3, "Invalid keyword", ":alex/10x-notes"),
        ("::a", 1, 1, "Invalid keyword", "::a"),
        (":", 1, 1, "Invalid keyword", ":"),
        ("[:presence/]", 1, 2, "Invalid keyword", ":presence/"),
        (":a:", 1, 1, "Invalid keyword", ":a:"),
        (":a/b:", 1, 1, "Invalid keyword", ":a/b:"),
        (":a::b", 1, 1, "Invalid keyword", ":a::b"),
        (":a@b", 1, 1, "Invalid keyword", ":a@b"),
        ("1abc", 1, 1, "Invalid number", "1abc"),
        ("09", 1, 1, "Invalid number", "09"),
        ("0x", 1, 1, "Invalid number", "0x"),
        ("2r102", 1, 1, "Invalid number", "2r102"),
        ("1r1", 1, 1, "Radix", "1r1"),
        ("1/0", 1, 1, "Divide by zero", "1/0"),
        ("1.5N", 1, 1, "Invalid number", "1.5N"),
        ("1'", 1, 1, "Invalid number", "1'"),
        ("a::b", 1, 1, "Invalid token", "a::b"),
        ("a/", 1, 1, "Invalid token", "a/"),
        ("@a", 1, 1, "Invalid leading character", "@a"),
        ("[1 2", 1, 1, "EOF while reading vector", "[1 2"),
        ("{:a [1 {:b", 1, 8, "EOF while reading map", "{:b"),
        ('"abc', 1, 1, "EOF while reading string", '"abc'),
        ("[1 #_]", 1, 6, "Unmatched delimiter", "]"),
        ("(]", 1, 2, "Unmatched delimiter", "]"),
        ("]", 1, 1, "Unmatched delimiter", "]"),
        ("{:a 1 :b}", 1, 1, "even number of forms", "{:a 1 :b}"),
        ("1 2", 1, 3, "Trailing text", "2"),
        ("{:a 1}\n{:b 2}", 2, 1, "Trailing text", "{:b 2}"),
        ("", 1, 1, "empty document", ""),
        ("  ; only a comment", 1, 19, "empty document", ""),
        ('"\\x"', 1, 2, "Unsupported escape", "\\x"),
        ('"ab\\u12"', 1, 4, "Invalid unicode escape", "\\u12"),
        ('"\\400"', 1, 2, "Octal escape", "\\400"),
        ('"\\8"', 1, 2, "Octal escape", "\\8"),
        ("\\abc", 1, 1, "Unsupported character", "\\abc"),
        ("\\uD800", 1, 1, "Invalid character constant", "\\uD800"),
        ("\\o400", 1, 1, "Octal escape", "\\o400"),
        ("\\u12", 1, 1, "Unsupported character", "\\u12"),
        ("#<foo>", 1, 1, "No dispatch macro for: <", "#<foo>"),
        ("#=(+ 1 2)", 1, 1, "No dispatch macro for: =", "#=(+ 1 2)"),
        ("#", 1, 1, "EOF while reading dispatch", "#"),
        ("##Foo", 1, 1, "Unknown symbolic value", "##Foo"),
        ("#nil 5", 1, 1, "Reader tag must be a symbol", "#nil"),
        ("#a::b 5", 1, 1, "Reader tag must be a symbol", "#a::b"),
        ("[#foo]", 1, 6, "Unmatched delimiter", "]"),
        ("#foo", 1, 1, "EOF while reading tagged value", "#foo"),
        ("\\", 1, 1, "EOF while reading character", "\\"),
    ],
)
def test_errors_with_positions(text: str, line: int, column: int, reason: str, bad: str) -> None:
    with pytest.raises(EdnSyntaxError) as ei:
        loads(text, source="mem.edn")
    e = ei.value
    assert isinstance(e, ValueError)
    assert reason in e.reason, e.reason
    assert (e.line, e.column) == (line, column), (e.line, e.column, e.reason)
    if bad == "":
        assert e.text == ""
    else:
        assert e.text.startswith(bad), e.text
    assert e.source == "mem.edn"
    msg = str(e)
    assert msg.startswith(f"mem.edn:{line}:{column}: ") and e.reason in msg
    caret = e.snippet.splitlines()[-1]
    assert caret.strip() == "^"


def test_error_offset_is_in_utf8_bytes_and_snippet_points_at_column() -> None:
    text = '{:név "é✓", :b/10x 1}'
    with pytest.raises(EdnSyntaxError) as ei:
        loads(text)
    e = ei.value
    assert e.column == text.index(":b/10x") + 1
    assert e.offset == len(text[: text.index(":b/10x")].encode())
    line, caret = e.snippet.splitlines()
    assert line[caret.index("^") :].startswith(":b/10x")


def test_error_pickles() -> None:
    with pytest.raises(EdnSyntaxError) as ei:
        loads("[1 :a/10x]", source="f.edn")
    e2 = pickle.loads(pickle.dumps(ei.value))
    assert (e2.source, e2.line, e2.column, e2.reason, e2.text) == (
        "f.edn",
        1,
        4,
        ei.value.reason,
        ":a/10x",
    )


def test_value_types_are_immutable_and_hashable() -> None:
    k = kw("a")
    with pytest.raises(AttributeError):
        k.name = "b"  # type: ignore[misc]
    fm = FrozenMap({k: 1})
    assert hash(fm) == hash(FrozenMap({k: 1})) and fm == {k: 1} and {k: 1} == fm
    assert fm != {k: 2}
    assert hash(V([1, 2])) == hash(L([1, 2]))
    assert BigInt(5) == 5 and repr(BigInt(5)) == "5N" and type(loads("5N")) is BigInt
    with pytest.raises(TypeError):
        Char("ab")
    with pytest.raises(ValueError):
        Char("😀")
    with pytest.raises(TypeError):
        Tagged("x", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ['#"a+"', '[1 #"a+"]', '{:k #"x\\d"}', '#{#"a"}'])
def test_strict_loads_refuses_regex_like_clojure_edn(text) -> None:
    with pytest.raises(EdnSyntaxError, match="Regex literals"):
        loads(text)
    with pytest.raises(EdnSyntaxError, match="Regex literals"):
        edn.loads_all(text + " 1")
    assert edn.dumps(loads(text, regex="keep")) == text  # the workbench's own stored values
    with pytest.raises(EdnSyntaxError):  # "keep" does not override unknown_tags="error"
        loads(text, regex="keep", unknown_tags="error")


@pytest.mark.parametrize(
    ("text", "bad"),
    [('"\\0800"', "8"), ('"\\0080"', "8"), ('"\\2and"', "a"), ('"x\\19y"', "9")],
)
def test_octal_escape_followed_by_a_non_octal_constituent_is_an_error(text, bad) -> None:
    with pytest.raises(EdnSyntaxError, match=f"Invalid digit '{bad}'") as exc:
        loads(text)
    assert exc.value.column == text.index("\\") + 1
    with pytest.raises(EdnSyntaxError, match="Invalid digit"):
        loads("[:a " + text + "]")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"\\0"', "\0"),
        ('"\\0 x"', "\0 x"),
        ('"\\7,"', "\x07,"),
        ('"\\01\\n"', "\x01\n"),
        ('"\\12;"', "\n;"),
        ('"\\0123"', "\n3"),  # three digits: the fourth is plain text
        ('"\\377a"', "\xffa"),
        ('"\\0("', "\0("),
    ],
)
def test_octal_escapes_clojure_edn_accepts(text, value) -> None:
    assert loads(text) == value
