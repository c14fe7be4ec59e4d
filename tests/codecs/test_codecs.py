"""Codecs: exact round trips for "edn" and "binary", documented losses for "json"."""

from __future__ import annotations

import decimal
import fractions
import math
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import codecs, edn
from workbench.codecs import CODEC_NAMES, get_codec

K = edn.Keyword

_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_?!*0123456789", min_size=1, max_size=8)
# readable and unreadable keywords (":embed-token/0abc" occurs in real files; binary keeps it)
keywords = st.builds(K, st.none() | _name, _name)
symbols = st.builds(edn.Symbol, st.none() | _name, _name)
chars = st.builds(edn.Char, st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)))
insts = st.sampled_from(
    ["2026-02-18T15:31:01.428Z", "1999-12-31T23:59:59.999999999-05:00", "2020-01-01T00:00:00Z"]
).map(edn.Inst)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    keywords,
    symbols,
    chars,
    insts,
    st.uuids(),
    st.integers(min_value=-(1 << 80), max_value=1 << 80).map(edn.BigInt),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.fractions(max_denominator=1000).filter(lambda f: f.denominator != 1),
)


def _hashable(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4).map(lambda xs: edn.Vector(xs)),
        st.lists(children, max_size=4).map(lambda xs: edn.List(xs)),
    )


hashables = st.recursive(scalars, _hashable, max_leaves=6)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4).map(edn.Vector),
        st.lists(children, max_size=4).map(edn.List),
        st.frozensets(hashables, max_size=4),
        st.dictionaries(hashables, children, max_size=4),
        st.dictionaries(keywords, hashables, max_size=3).map(lambda d: {edn.FrozenMap(d): 1}),
        st.builds(edn.Tagged, st.sampled_from([edn.sym("object"), edn.sym("my.ns/Rec")]), children),
    )


values = st.recursive(scalars, _extend, max_leaves=20)

_C_DECODER = codecs._c_decode_body is not None
if os.environ.get("CI") and not _C_DECODER:
    raise RuntimeError("CI: the C decoder workbench.codecs._speedups was not built")


@pytest.fixture(scope="module", params=["c", "python"], autouse=True)
def binary_decoder(request):
    """Run every test of this module with the C body decoder on, then with msgpack's only."""
    if request.param == "c" and not _C_DECODER:
        pytest.skip("the C decoder was not built here (no C compiler at install time)")
    assert codecs.use_c_decoder(request.param == "c") is (request.param == "c")
    yield request.param
    codecs.use_c_decoder(True)


def _printable(value) -> bool:
    """False for values edn.dumps refuses (unreadable keywords/symbols)."""
    try:
        edn.dumps(value)
    except TypeError:
        return False
    return True


def _no_tagged_set(value) -> bool:
    """False when a tagged set occurs (edn.dumps prints `#object#{}`, reported to its owner)."""
    text = edn.dumps(value)
    return "#{" not in text.replace(" #{", "").replace("[#{", "").replace("(#{", "").replace(
        "{#{", ""
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_binary_codec_round_trips_every_value_identically(value):
    codec = get_codec("binary")
    assert codec.lossless
    data = codec.encode(value)
    assert isinstance(data, bytes)
    assert edn.identical(codec.decode(data), value)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values.filter(_printable).filter(_no_tagged_set))
def test_edn_codec_round_trips_every_printable_value_identically(value):
    codec = get_codec("edn")
    assert codec.lossless
    assert edn.identical(codec.decode(codec.encode(value)), value)


def test_edn_codec_refuses_unreadable_keywords_binary_keeps_them():
    value = {K("embed-token", "0abc"): 1}
    with pytest.raises(TypeError, match="would not read back"):
        get_codec("edn").encode(value)
    assert edn.identical(get_codec("binary").roundtrip(value), value)


def test_binary_keeps_every_type_apart():
    v = {
        K("a", "b"): edn.Vector([1, 1.0, True, "x", edn.Char("x"), K(None, "x"), edn.sym("x")]),
        "k": edn.List([None, edn.BigInt(5), 5, decimal.Decimal("1.50"), fractions.Fraction(1, 3)]),
        None: frozenset({1, K(None, "z")}),
        1 << 90: -(1 << 90),
        edn.FrozenMap({K(None, "id"): 1}): edn.Inst("2026-02-18T15:31:01.428123Z"),
        edn.Vector([1, 2]): uuid.UUID(int=7),
        K("review", "U/x"): edn.Tagged(edn.sym("object"), edn.Vector(["java.lang.Object"])),
        K(None, "nan"): float("nan"),
    }
    back = get_codec("binary").decode(get_codec("binary").encode(v))
    assert edn.identical(back, v)
    assert type(back[None]) is frozenset and type(back["k"]) is edn.List
    assert type(back["k"][1]) is edn.BigInt and type(back["k"][2]) is int
    assert math.isnan(back[K(None, "nan")])
    # keyword with a slash in its name stays distinct from the namespaced keyword
    odd = K(None, "a/b")
    assert get_codec("binary").roundtrip(odd) is odd
    assert get_codec("binary").roundtrip(K("a", "b")) is K("a", "b")


def test_binary_decodes_python_list_as_vector_and_tuple_as_tuple():
    codec = get_codec("binary")
    assert type(codec.roundtrip([1, 2])) is edn.Vector
    assert type(codec.roundtrip((1, 2))) is tuple
    with pytest.raises(TypeError, match="cannot encode"):
        codec.encode(object())


def test_json_codec_makes_the_plans_losses():
    codec = get_codec("json")
    assert not codec.lossless
    value = {
        K("session", "type"): K(None, "empathy-map"),
        K("learning", "tags"): frozenset({"a"}),
        "comment-1": edn.List([1, 2]),
        None: edn.Char("c"),
        K("review", "U/x"): decimal.Decimal("1.5"),
        K(None, "r"): fractions.Fraction(1, 4),
        K(None, "n"): float("nan"),
        K(None, "inst"): edn.Inst("2026-02-18T15:31:01.428Z"),
        K(None, "u"): uuid.UUID(int=1),
        K(None, "big"): edn.BigInt(7),
    }
    back = codec.roundtrip(value)
    assert back[K("session", "type")] == "empathy-map"  # keyword -> string
    assert back[K("learning", "tags")] == edn.Vector(["a"])  # set -> vector
    assert type(back[K("learning", "tags")]) is edn.Vector
    assert back[K(None, "comment-1")] == edn.Vector([1, 2])  # string key -> keyword
    assert back[K(None, "")] == "c"  # nil key -> :, char -> str
    assert back[K("review", "U/x")] == 1.5  # first slash splits
    assert back[K(None, "r")] == 0.25
    assert back[K(None, "n")] == "NaN"
    assert back[K(None, "inst")] == "2026-02-18T15:31:01Z"  # cheshire date format
    assert back[K(None, "u")] == str(uuid.UUID(int=1))
    assert back[K(None, "big")] == 7 and type(back[K(None, "big")]) is int
    assert not edn.identical(back, value)


def test_get_codec_names_and_errors():
    assert [get_codec(n).name for n in CODEC_NAMES] == list(CODEC_NAMES)
    codec = get_codec("binary")
    assert get_codec(codec) is codec
    with pytest.raises(ValueError, match="unknown codec 'xml'"):
        get_codec("xml")


# ------------------------------------------------------- binary layout: keyword table + markers

many_keywords = st.lists(keywords, min_size=100, max_size=300, unique=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kws=many_keywords, data=st.data())
def test_binary_round_trips_values_with_more_keywords_than_extension_codes(kws, data):
    # past 112 distinct keywords a value writes the rest in their long form; both must come back
    value = {k: data.draw(st.sampled_from(kws) | scalars) for k in kws}
    value[K(None, "all")] = edn.Vector(kws)
    value[edn.Vector(kws[-3:])] = frozenset(kws[-5:])
    codec = get_codec("binary")
    back = codec.decode(codec.encode(value))
    assert edn.identical(back, value)
    assert all(type(k) is K for k in back[K(None, "all")])


def test_binary_keeps_string_keyword_and_bytes_keys_with_the_same_text_apart():
    value = {
        "a/b": 1,
        K("a", "b"): 2,
        K(None, "a/b"): 3,
        b"a/b": 4,
        edn.sym("a/b"): 5,
        edn.Char("a"): 6,
        "a": K(None, "a"),
        K(None, "a"): "a",
    }
    back = get_codec("binary").roundtrip(value)
    assert edn.identical(back, value)
    assert back[K(None, "a")] == "a" and back["a"] is K(None, "a") and back[b"a/b"] == 4


def test_binary_vectors_starting_with_any_value_stay_vectors():
    # the decoder reads arrays headed by a private marker as other types; user data never is one
    firsts = [
        K(None, "x"),
        edn.sym("x"),
        edn.Char("c"),
        frozenset({1}),
        edn.List([1]),
        (1,),
        edn.Tagged(edn.sym("t"), 1),
        None,
        b"",
        "",
        0,
        edn.Vector([]),
        edn.FrozenMap({K(None, "k"): 1}),
        uuid.UUID(int=3),
        edn.BigInt(2),
        decimal.Decimal("2.0"),
        fractions.Fraction(1, 3),
        edn.Inst("2020-01-01T00:00:00Z"),
    ]
    codec = get_codec("binary")
    for first in firsts:
        for value in (edn.Vector([first]), edn.Vector([first, 1, first]), [first, first]):
            back = codec.roundtrip(value)
            assert type(back) is edn.Vector
            assert edn.identical(back, edn.Vector(value)), value


def test_binary_same_keywords_in_another_order_or_another_value_decode_right():
    codec = get_codec("binary")
    a, b, c = K("x", "a"), K("x", "b"), K(None, "c")
    first = codec.encode({a: b, b: c})
    second = codec.encode({b: a, c: a})
    third = codec.encode(edn.Vector([c, b, a]))
    for data, want in (
        (first, {a: b, b: c}),
        (second, {b: a, c: a}),
        (third, edn.Vector([c, b, a])),
        (first, {a: b, b: c}),
    ):
        assert edn.identical(codec.decode(data), want)
        assert edn.identical(codec.decode(memoryview(data)), want)


def test_binary_encoder_recovers_after_a_refused_value_and_works_in_threads():
    import threading

    codec = get_codec("binary")
    with pytest.raises(TypeError, match="cannot encode"):
        codec.encode({K("a", "b"): edn.Vector([K("a", "c"), object()])})
    value = {K("a", "c"): edn.Vector([K("a", "b")])}
    assert edn.identical(codec.roundtrip(value), value)

    errors = []

    def work(i: int) -> None:
        for j in range(300):
            v = {K(f"t{i}", f"k{j % 7}"): K(None, f"v{i}"), K(None, "n"): j, "s": edn.List([i])}
            if not edn.identical(codec.roundtrip(v), v):
                errors.append((i, j))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(values, max_size=6))
def test_encode_many_gives_the_bytes_of_encode_for_every_codec(batch):
    # each value of a batch is numbered from scratch: shared keywords in another order included
    for name in ("binary", "edn", "json"):
        codec = get_codec(name)
        try:
            one_by_one = [codec.encode(v) for v in batch]
        except TypeError:  # (edn refuses unreadable keywords; encode_many must refuse them too)
            with pytest.raises(TypeError):
                codec.encode_many(batch)
            continue
        assert codec.encode_many(batch) == one_by_one
        assert codec.encode_many(iter(batch)) == one_by_one


def test_binary_encode_many_numbers_each_value_alone_and_recovers_after_a_refusal():
    codec = get_codec("binary")
    a, b, c = K("x", "a"), K("x", "b"), K(None, "c")
    batch = [{a: b}, {b: a, c: edn.Vector([a, c])}, edn.Vector([c, b, a]), frozenset({b})]
    out = codec.encode_many(batch)
    assert out == [codec.encode(v) for v in batch]
    for data, want in zip(out, batch, strict=True):
        assert edn.identical(codec.decode(data), want)
    with pytest.raises(TypeError, match="cannot encode"):
        codec.encode_many([{a: 1}, {b: object()}])
    assert codec.encode_many(batch) == out
    many = {K("k", str(i)): K("v", str(i)) for i in range(150)}  # past the 112 extension codes
    assert codec.encode_many([many, {a: 1}]) == [codec.encode(many), codec.encode({a: 1})]
    assert codec.encode_many([]) == []


# ------------------------------------------------------------------ the C keyword hook

_C_HOOK = codecs._KeywordHook is not None
if os.environ.get("CI") and not _C_HOOK:
    raise RuntimeError("CI: the C keyword hook workbench.codecs._speedups was not built")
needs_c_hook = pytest.mark.skipif(not _C_HOOK, reason="C hook not built (no C compiler)")


@needs_c_hook
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_c_hook_encodes_the_same_bytes_as_the_python_hook(value):
    c, py = codecs._Encoder(c_hook=True), codecs._Encoder(c_hook=False)
    assert c.c_hook and not py.c_hook
    assert c.encode(value) == py.encode(value)


@needs_c_hook
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kws=many_keywords)
def test_c_hook_matches_past_the_last_keyword_code(kws):
    value = {k: edn.Vector([k, frozenset({k})]) for k in kws}
    c, py = codecs._Encoder(c_hook=True), codecs._Encoder(c_hook=False)
    assert c.encode(value) == py.encode(value)
    assert [c.encode(v) for v in (value, {})] == [py.encode(v) for v in (value, {})]


@needs_c_hook
def test_c_hook_refuses_what_the_python_hook_refuses_and_can_be_switched_off():
    c = codecs._Encoder(c_hook=True)
    with pytest.raises(TypeError, match="cannot encode"):
        c.encode({edn.kw(":a"): object()})
    assert c.encode(edn.Vector([edn.kw(":a")])) == codecs._Encoder(False).encode(
        edn.Vector([edn.kw(":a")])
    )
    try:
        assert codecs.use_speedups(False) is False and not codecs.speedups_enabled()
        assert get_codec("binary").decode(get_codec("binary").encode(edn.kw(":x"))) is edn.kw(":x")
    finally:
        assert codecs.use_speedups(True) is True


def test_json_codec_past_the_recursion_limit() -> None:
    import sys

    from workbench import edn as _edn
    from workbench.codecs import get_codec

    n = sys.getrecursionlimit() + 500
    v = _edn.loads("{:deep " + "[" * n + "{:k 1}" + "]" * n + "}")
    c = get_codec("json")
    back = c.decode(c.encode(v))
    assert _edn.dumps(back) == _edn.dumps(v)  # (== on the values would recurse)
    assert sys.getrecursionlimit() == n - 500  # restored


# ------------------------------------------------------------------ the C body decoder

needs_c_decoder = pytest.mark.skipif(not _C_DECODER, reason="C decoder not built (no C compiler)")


def _parts(data: bytes) -> tuple[int, dict]:
    """(offset of the body, ext table) of an encoded binary value."""
    end = 4 + int.from_bytes(data[:4], "big")
    return end, codecs._table(data[4:end])


def _c_body(data: bytes):
    end, table = _parts(data)
    return codecs._c_decode_body(data, end, table, codecs._Marker, codecs._Vector)


def _decode_both(data):
    """(outcome of the C path, outcome of the Python path): a value, or the exception type."""
    out = []
    for c in (True, False):
        codecs.use_c_decoder(c)
        try:
            out.append(get_codec("binary").decode(data))
        except Exception as e:  # noqa: BLE001 - the outcome compared is the exception type
            out.append(type(e))
    codecs.use_c_decoder(True)
    return out


@needs_c_decoder
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_c_decoder_gives_the_python_decoders_value_on_the_same_bytes(value):
    data = get_codec("binary").encode(value)
    direct = _c_body(data)
    assert direct is not NotImplemented  # the C path itself decoded it (no fallback)
    end, table = _parts(data)
    assert edn.identical(direct, codecs._py_decode_body(data, end, table))
    assert edn.identical(direct, value)
    whole = codecs._c_decode_value(memoryview(data), {}, codecs._table, codecs._Marker, edn.Vector)
    assert whole is not NotImplemented and edn.identical(whole, value)
    c, py = _decode_both(memoryview(data))
    assert edn.identical(c, py)


@needs_c_decoder
def test_c_decoder_hands_what_it_does_not_decode_to_the_python_path():
    codec = get_codec("binary")
    data = codec.encode({K("a", "b"): edn.Vector([1, "x", frozenset({K(None, "c")})])})
    end, _ = _parts(data)
    for cut in range(end, len(data)):  # truncated bodies: msgpack's error, from both paths
        assert _c_body(data[:cut]) is NotImplemented
        c, py = _decode_both(data[:cut])
        assert c is py and isinstance(c, type) and issubclass(c, Exception)
    assert _c_body(data + b"\xc0") is NotImplemented  # trailing bytes
    assert _decode_both(data + b"\xc0")[0] is _decode_both(data + b"\xc0")[1]
    head = data[:end]
    odd = [
        head + b"\xc7\x00\x70",  # an ext code the header has no keyword for: its data, b""
        head + b"\xd6\xff\x00\x00\x00\x01",  # msgpack's timestamp extension
        head + b"\xc1",  # the never-used byte
        head + b"\x91" * 600 + b"\xc0",  # nesting past the C decoder's depth
        head + b"\x81\x80\x01",  # an unhashable map key
        head + b"\xa2\xff\xfe",  # bad UTF-8
    ]
    for body in [*odd, b"", b"\x00\x00", b"\x00\x00\x00\x09\x90"]:  # (+ short headers)
        whole = codecs._c_decode_value(body, {}, codecs._table, codecs._Marker, edn.Vector)
        assert whole is NotImplemented
        if len(body) > end:
            assert _c_body(body) is NotImplemented
        c, py = _decode_both(body)
        assert (c is py) if isinstance(py, type) else edn.identical(c, py)
    assert _decode_both(odd[0]) == [b"", b""]


@needs_c_decoder
def test_c_decoder_reads_every_msgpack_number_and_length_form():
    import msgpack

    zero = get_codec("binary").encode(0)
    head = zero[: _parts(zero)[0]]
    items = [
        0,
        127,
        128,
        255,
        256,
        65535,
        65536,
        (1 << 32) - 1,
        1 << 32,
        (1 << 64) - 1,
        -1,
        -32,
        -33,
        -128,
        -129,
        -32768,
        -32769,
        -(1 << 31),
        -(1 << 31) - 1,
        -(1 << 63),
        1.5,
        -0.0,
        float("inf"),
        "",
        "é" * 40,
        "x" * 300,
        "y" * 70000,
        b"",
        b"z" * 300,
        b"w" * 70000,
        None,
        True,
        False,
        {i: i for i in range(20)},
    ]
    for x in items:
        body = msgpack.packb(x, use_bin_type=True)
        assert _c_body(head + body) is not NotImplemented
        c, py = _decode_both(head + body)
        assert edn.identical(c, py) and edn.identical(c, x), x
    f32 = head + b"\xca" + __import__("struct").pack(">f", 0.25)
    assert _c_body(f32) == 0.25 and _decode_both(f32) == [0.25, 0.25]
    long_array = head + msgpack.packb(list(range(70000)))
    assert type(_c_body(long_array)) is edn.Vector
    assert _decode_both(long_array)[0] == _decode_both(long_array)[1]


# ------------------------------------------------------------------ the C body encoder


def _c_encode(value):
    return codecs._c_encode_body(value, K, edn.Vector, codecs._ExtType, codecs._other)


@needs_c_hook
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_c_encoder_writes_the_bytes_of_the_msgpack_path(value):
    assert _c_encode(value) is not NotImplemented  # the C encoder itself wrote it (no fallback)
    c, py = codecs._Encoder(c_hook=True), codecs._Encoder(c_hook=False)
    assert c.encode(value) == c.pack_encode(value) == py.encode(value)


@needs_c_hook
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kws=many_keywords)
def test_c_encoder_matches_past_the_last_keyword_code(kws):
    value = {k: edn.Vector([k, frozenset({k}), {k: [k]}]) for k in kws}
    assert _c_encode(value) is not NotImplemented
    assert codecs._Encoder(True).encode(value) == codecs._Encoder(False).encode(value)


class _Dict(dict):
    pass


def _outcome(encode, value):
    try:
        return encode(value)
    except Exception as e:  # noqa: BLE001 - the outcome compared is the exception
        return (type(e), str(e))


@needs_c_hook
def test_c_encoder_hands_what_it_does_not_write_to_the_msgpack_path():
    c, py = codecs._Encoder(c_hook=True), codecs._Encoder(c_hook=False)
    deep = 0
    for _ in range(300):  # past the C encoder's depth, inside msgpack's
        deep = [deep]
    deeper = 0
    for _ in range(600):  # deeper still
        deeper = [deeper]
    cases = {
        "bytearray": bytearray(b"ab"),
        "deep": deep,
        "deeper": deeper,
        "object": {K("a", "b"): object()},
        "surrogate": "\ud800",
        "float subclass": edn.Vector([True.__class__(1), type("F", (float,), {})(1.5)]),
    }
    for name, value in cases.items():
        assert _c_encode(value) is NotImplemented, name
        assert _outcome(c.encode, value) == _outcome(py.encode, value), name
    ext = codecs._ExtType(5, b"x" * 300)
    for value in (_Dict({K("x", "y"): 1}), 1 << 70, -(1 << 70), [1 << 64, -(1 << 63) - 1], ext):
        assert _c_encode(value) is not NotImplemented  # through `other`, as msgpack does
        assert c.encode(value) == py.encode(value)
        if value is not ext:
            assert edn.identical(get_codec("binary").decode(c.encode(value)), py_value(value))


def py_value(value):
    """What the binary codec hands back for `value` (Python path): the reference."""
    saved = codecs.use_c_decoder(False)
    try:
        return get_codec("binary").decode(codecs._Encoder(c_hook=False).encode(value))
    finally:
        codecs.use_c_decoder(saved)
