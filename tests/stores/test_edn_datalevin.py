"""Differential tests against Clojure's own reader (clojure.edn via datalevin.read_edn, one JVM)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from workbench import edn
from workbench.bench.suites.edn import generate_document

pytestmark = pytest.mark.datalevin

FEATURES = r"""
{:plain 1, :neg -42, :big 9223372036854775808, :bign 5N, :hex 0x1F, :oct 017, :radix 2r101,
 :dbl 1.5, :exp 1e3, :negzero -0.0, :dec 1.50M, :ratio 3/6, :whole-ratio 4/2, :inf ##Inf,
 :ninf ##-Inf, :str "tab\t quote\" backslash\\ nl\n uni\u00e9 oct\101 ✓😀",
 :chars [\a \newline \space \tab \return \backspace \formfeed \u00e9 \o101 \( \\ \,],
 :kw [:a :a/b :review/alex/x :presence/:s1 :1098765432109876543/x :10x :/ :nil],
 :syms [a a/b / a// + - .5 'q a'b clojure.core/+],
 :list (1 (2) []), :set #{1 "1" \1 :1 [1]}, :nested {{:k 1} #{[1 2] (3)}, [{:a 1}] nil},
 :ns #:project{:id "p", :_/plain 1, :other/x 2, sym 3},
 :spaced #: ns {:a 1},
 #_:discarded #_ #_ 1 2 :after-discard [1 #_2 #_ #_ 3 4 5],
 :meta ^:private ^{:doc "x"} [1], :meta2 ^sym (1), :meta3 #^:a {:b 1},
 :inst #inst "2026-02-18T15:31:01.428Z", :uuid #uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
 "string key" nil, nil nil, true false, 2.5 :double-key ; comment
 :last ##NaN}
"""


def _norm(v):
    """A comparable image that keeps every distinction both readers agree on."""
    t = type(v)
    if t is dict or t is edn.FrozenMap:
        return ("map", frozenset((_norm(k), _norm(x)) for k, x in v.items()))
    if t is edn.Vector:
        return ("vec", tuple(_norm(x) for x in v))
    if t is edn.List:
        return ("list", tuple(_norm(x) for x in v))
    if t is frozenset:
        return ("set", frozenset(_norm(x) for x in v))
    if t is edn.BigInt or t is int:
        # Clojure makes a BigInt of any integer past 64 bits; the workbench keeps a plain int
        return ("int" if t is int or abs(v) >= 2**63 else "BigInt", int(v))
    if t is edn.Inst:
        return ("inst-ms", v.nanos_since_epoch // 1_000_000)  # java.util.Date keeps ms
    if t is float and math.isnan(v):
        return ("nan",)
    if t is Decimal:
        return ("dec", str(v))
    return (t.__name__, v)


def _clj_equal(dl, a_text: str, b_text: str) -> bool:
    return bool(dl.read_edn(a_text).equals(dl.read_edn(b_text)))


def test_clojure_reads_documents_as_we_do(dl) -> None:
    from workbench.stores.datalevin.bridge import to_edn

    generated, _ = generate_document(0.1, seed=11)
    for text in (FEATURES, generated):
        ours = edn.loads(text)
        theirs = to_edn(dl.read_edn(text))
        assert _norm(ours) == _norm(theirs)
        for style in ("plain", "nsmaps"):
            for pr_str in (False, True):
                written = edn.dumps(ours, style=style, pr_str=pr_str)
                assert _norm(to_edn(dl.read_edn(written))) == _norm(ours)
                if "##NaN" not in text:  # NaN is never equal to itself on the JVM
                    assert _clj_equal(dl, text, written)
    # pr-str of Clojure itself reads back identical with us (ordinary data)
    clj_printed = str(dl.write_edn(dl.read_edn(generated))) if hasattr(dl, "write_edn") else None
    if clj_printed is not None:  # the generator's exotic entry (#inst, ##NaN, chars) aside
        exotic = edn.kw("test/exotic")
        theirs, ours = edn.loads(clj_printed), edn.loads(generated)
        assert exotic in ours and len(theirs) == len(ours)
        assert _norm({k: v for k, v in theirs.items() if k != exotic}) == _norm(
            {k: v for k, v in ours.items() if k != exotic}
        )


BAD = [
    "{:a 1 :a 2}",
    "#{1 1}",
    "#{1 1N}",
    "#{##NaN ##NaN}",
    "#:a{:b 1 :a/b 2}",
    ":alex/10x-notes",
    "::a",
    ":",
    ":presence/",
    ":a:",
    "a::b",
    ":a@b",
    "@a",
    "1abc",
    "09",
    "2r102",
    "1/0",
    "[1 2",
    '"abc',
    "[1 #_]",
    "(]",
    "{:a 1 :b}",
    "#my/tag 1",
    '#"regex"',
    '#object[java.lang.Object 0x1 "x"]',
    "#my.ns.Rec{:a 1}",
    "^:a 1",
    "##Foo",
    '"\\x"',
    '"\\u12"',
    '"\\400"',
    "\\abc",
    "\\uD800",
    "\\o400",
    '#inst "2020-02-30"',
    "#<foo>",
]
GOOD = [
    ":review/alex/x",
    ":presence/:s1",
    ":1098765432109876543/x",
    ":10x",
    "a//",
    "[\\a\\b]",
    "#_ #_ 1 2 3",
    "{:a 1 #_:b}",
    "#: ns {:a 1}",
    "^:a [1]",
    "## Inf",
    "4/2",
    "09.5",
    "1.e5",
    '"\\ud83d\\ude00"',
]


def test_clojure_refuses_what_we_refuse(dl) -> None:
    for text in BAD:
        with pytest.raises(edn.EdnSyntaxError):
            edn.loads(text, unknown_tags="error")
        with pytest.raises(Exception):  # noqa: B017 - any JVM exception is a refusal
            dl.read_edn(text)
    for text in GOOD:
        from workbench.stores.datalevin.bridge import to_edn

        assert _norm(edn.loads(text)) == _norm(to_edn(dl.read_edn(text))), text


def test_pr_str_output_is_clojures_byte_for_byte(dl) -> None:
    from workbench.stores.datalevin.bridge import clj

    # small maps (array maps keep insertion order in Clojure) and vectors; sets print in hash order
    text = (
        '[{:a 1, :b "tab\\t quote\\" nl\\n é ✓", :c nil, :d true} [1.0E7 1.23456789E7 1.0E-4 '
        "123.0 -0.0 0.001 1.5E300 -2.5E-10 9999999.0 0.5] (1 2N 3/4 1.50M) "
        '{"s" {:user/id "u1", :user/joined-at 1760000000000}, :k [:a :b/c]} \\a \\newline '
        ":review/alex/x a/b ##Inf ##-Inf]"
    )
    ours = edn.dumps(edn.loads(text), pr_str=True)
    theirs = str(clj().pr_str(dl.read_edn(text)))
    assert ours == theirs
    assert ours == text
