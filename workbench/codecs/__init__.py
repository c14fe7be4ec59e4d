"""Value codecs for the stores: EDN text (exact), the plan's JSON (lossy on purpose), exact binary.

`get_codec(name)` returns a `Codec` with `.name`, `.lossless`, `encode(value) -> bytes`,
`encode_many(values) -> list[bytes]` (a batch: the same bytes) and `decode(bytes) -> value`.

- ``"edn"``: ``edn.dumps`` text as UTF-8; read back with ``edn.loads``. Lossless.
- ``"binary"``: msgpack, a header listing the value's keywords, then the body where each keyword
  is an empty extension whose type code numbers it (decoded by a C-level table lookup, no Python
  call per keyword), and every other EDN type msgpack lacks (symbols, chars, lists, sets, frozen
  maps, tagged values, #inst, #uuid, big integers, BigDecimal, ratios) is an array headed by a
  marker; see the layout notes in the binary section. Arrays are vectors; maps keep any key type. Round-trips every EDN
  value exactly (``edn.identical``). Accepted extras: a Python ``list`` encodes as an array and
  decodes as an ``edn.Vector``; a ``set`` decodes as a ``frozenset``; a plain ``tuple`` is kept
  as a tuple; ``bytes`` stay bytes. When workbench/codecs/_speedups.c is built, the whole value is
  written and read in C (``encode_body``, ``decode_body``: the same bytes, the same values); what
  the C side does not handle the same way goes to the msgpack path, the reference.
- ``"json"``: what the plan's Clojure code does with cheshire ``generate-string`` then
  ``parse-string`` with keywordised keys. Lossy by design, so that the rehearsal can count losses:

  ==========================  ==================================================================
  value                       written as -> read back as
  ==========================  ==================================================================
  keyword value               string of ``(subs (str k) 1)``: ``:a/b`` -> ``"a/b"`` -> str
  symbol value                string ``(str s)`` -> str
  char                        one-character string -> str
  set, list, vector, tuple    array -> ``edn.Vector`` (sets lose their kind; order as iterated)
  map key keyword             ``"ns/name"`` -> keyword via Clojure's ``(keyword s)``: namespace is
                              the text before the first ``/`` (``"review/U/x"`` -> ``:review/U/x``)
  map key string              ``"s"`` -> keyword ``(keyword "s")`` (string keys become keywords)
  map key nil                 ``""`` (Clojure's ``(str nil)``) -> the empty keyword ``:``
  other map keys              ``(str k)``: numbers, booleans as text; collections as printed EDN;
                              all read back as keywords
  BigInt / big integers       JSON integer -> int (the ``N`` marker is lost)
  Decimal, ratio              JSON number -> float (cheshire writes ratios as doubles; parse-string
                              reads decimals as doubles)
  NaN, +/-Infinity            Jackson quotes them: ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` -> str
  #uuid                       string -> str
  #inst                       string in cheshire's default date format
                              ``yyyy-MM-dd'T'HH:mm:ss'Z'`` (UTC, milliseconds dropped) -> str
  tagged value (#object, ...) cheshire would throw; we write the printed EDN text -> str
  nil, booleans, longs,       unchanged
  doubles, strings
  ==========================  ==================================================================
"""

from __future__ import annotations

import datetime as _dt
import decimal
import fractions
import json
import math
import struct
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from workbench import edn

__all__ = ["Codec", "get_codec", "CODEC_NAMES"]

CODEC_NAMES = ("edn", "json", "binary")


@dataclass(frozen=True)
class Codec:
    """A named value codec: encode(value) -> bytes, decode(bytes) -> value."""

    name: str
    lossless: bool
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]

    def encode_many(self, values: Iterable[Any]) -> list[bytes]:
        """encode() of each value (a batch: the stores' put_many)."""
        encode = self.encode
        return [encode(v) for v in values]

    def roundtrip(self, value: Any) -> Any:
        """Encode then decode `value` (what a store hands back)."""
        return self.decode(self.encode(value))


# --------------------------------------------------------------------------------------- edn


def _edn_encode(value: Any) -> bytes:
    return edn.dumps(value).encode("utf-8")


def _edn_decode(data: bytes | memoryview) -> Any:
    # a salvaged value may hold a #"regex" (kept, flagged): stored values read back as written
    return edn.loads(bytes(data).decode("utf-8"), source="<lmdb value>", regex="keep")


# ------------------------------------------------------------------------------------ binary
#
# Layout: ``len(header) (4 bytes, big-endian) + header + body``, both msgpack.
# - The header lists the distinct keywords of the value, in order of first use, as a flat array
#   ``[ns1, name1, ns2, name2, ...]`` (nil namespace for plain keywords).
# - In the body, keyword number i (map key or value) is the empty extension of code 16 + i, so the
#   decoder resolves every keyword with one C-level dict lookup (``table.get`` as the ext hook; the
#   table is built once per distinct header and cached), with no Python call per keyword.
# - Every other EDN type msgpack lacks is an array whose first item is a marker (an empty
#   extension of code 1..15): ``[<set>, items...]``, ``[<char>, "c"]``, ... The list hook turns
#   these arrays into their values and every other array into an ``edn.Vector``. A keyword past the
#   112 codes of one value is written as ``[<keyword>, ns, name]``.
# - Strings, bytes, ints in 64 bits, floats, booleans, nil, maps and Python lists are plain msgpack.

_ExtType = msgpack.ExtType
_Keyword, _Vector = edn.Keyword, edn.Vector
_FIRST_KW_CODE, _LAST_KW_CODE = 16, 127
_HEAD_LEN = struct.Struct(">I")
_CACHE_LIMIT = 2048  # distinct headers kept (encoder and decoder side each)


class _Marker:
    """First item of an array that stands for a non-msgpack EDN value; build(array) -> value."""

    __slots__ = ("build", "ext")

    def __init__(self, code: int, build: Callable[[tuple], Any]) -> None:
        self.build = build
        self.ext = _ExtType(code, b"")


def _fraction(t: tuple) -> fractions.Fraction:
    return fractions.Fraction(t[1], t[2])


_M_KEYWORD = _Marker(1, lambda t: _Keyword(t[1], t[2]))
_M_SYMBOL = _Marker(2, lambda t: edn.Symbol(t[1], t[2]))
_M_CHAR = _Marker(3, lambda t: edn.Char(t[1]))
_M_LIST = _Marker(4, lambda t: edn.List(t[1:]))
_M_SET = _Marker(5, lambda t: frozenset(t[1:]))
_M_FROZENMAP = _Marker(6, lambda t: edn.FrozenMap(t[1]))
_M_TAGGED = _Marker(7, lambda t: edn.Tagged(t[1], t[2]))
_M_INST = _Marker(8, lambda t: edn.Inst(t[1]))
_M_UUID = _Marker(9, lambda t: uuid.UUID(bytes=t[1]))
_M_BIGINT = _Marker(10, lambda t: edn.BigInt(t[1]))
_M_BIGPLAIN = _Marker(11, lambda t: int(t[1]))
_M_DECIMAL = _Marker(12, lambda t: decimal.Decimal(t[1]))
_M_FRACTION = _Marker(13, _fraction)
_M_TUPLE = _Marker(14, lambda t: tuple(t[1:]))
_MARKERS = {
    m.ext.code: m
    for m in (
        _M_KEYWORD,
        _M_SYMBOL,
        _M_CHAR,
        _M_LIST,
        _M_SET,
        _M_FROZENMAP,
        _M_TAGGED,
        _M_INST,
        _M_UUID,
        _M_BIGINT,
        _M_BIGPLAIN,
        _M_DECIMAL,
        _M_FRACTION,
        _M_TUPLE,
    )
}
_KW_EXTS = tuple(_ExtType(c, b"") for c in range(_FIRST_KW_CODE, _LAST_KW_CODE + 1))

_ENCODERS: dict[type, Callable[[Any], Any]] = {
    _Vector: list,  # (vector values as map keys or set elements)
    edn.Symbol: lambda o: [_M_SYMBOL.ext, o.namespace, o.name],
    frozenset: lambda o: [_M_SET.ext, *o],
    set: lambda o: [_M_SET.ext, *o],
    edn.List: lambda o: [_M_LIST.ext, *o],
    edn.Char: lambda o: [_M_CHAR.ext, o.char],
    edn.BigInt: lambda o: [_M_BIGINT.ext, int(o)],
    int: lambda o: [_M_BIGPLAIN.ext, str(o)],  # outside msgpack's 64-bit range
    edn.FrozenMap: lambda o: [_M_FROZENMAP.ext, dict(o.items())],
    edn.Tagged: lambda o: [_M_TAGGED.ext, o.tag, o.value],
    edn.Inst: lambda o: [_M_INST.ext, o.text],
    uuid.UUID: lambda o: [_M_UUID.ext, o.bytes],
    decimal.Decimal: lambda o: [_M_DECIMAL.ext, str(o)],
    fractions.Fraction: lambda o: [_M_FRACTION.ext, o.numerator, o.denominator],
    tuple: lambda o: [_M_TUPLE.ext, *o],
}


def _other(obj: Any) -> Any:
    t = type(obj)
    enc = _ENCODERS.get(t)
    if enc is not None:
        return enc(obj)
    if isinstance(obj, frozenset | set):  # e.g. an insertion-ordered frozenset subclass
        return [_M_SET.ext, *obj]
    if isinstance(obj, dict):
        return dict(obj)
    if isinstance(obj, bool | float | str | bytes | list | tuple | int):  # other subclasses
        raise TypeError(f"binary codec: unsupported subclass {t.__module__}.{t.__qualname__}")
    raise TypeError(f"binary codec: cannot encode {t.__module__}.{t.__qualname__}: {obj!r:.80}")


_headers: dict[tuple, bytes] = {}


def _header(kws: tuple) -> bytes:
    """Length-prefixed header listing the keywords `kws` (cached per distinct tuple)."""
    flat = [part for k in kws for part in (k.namespace, k.name)]
    body = msgpack.packb(flat, use_bin_type=True)
    head = _HEAD_LEN.pack(len(body)) + body
    if len(_headers) >= _CACHE_LIMIT:
        _headers.clear()
    _headers[kws] = head
    return head


try:
    from workbench.codecs._speedups import KeywordHook as _KeywordHook
    from workbench.codecs._speedups import encode_body as _c_encode_body
except ImportError:  # built without a C compiler (or an older build): the Python hook below
    _KeywordHook = _c_encode_body = None


class _Encoder(threading.local):
    """Per thread: a packer and the keyword numbering of the value being encoded.

    msgpack calls ``default`` for every keyword (about 30 in a 1 KB value), so that hook is kept
    to a type test and one numbering step: closure variables (default arguments would be filled
    on every call), no temporaries, vectors and sets tested before the general table.
    """

    def __init__(self, c_hook: bool = True) -> None:
        codes: dict[Any, msgpack.ExtType] = {}  # keyword -> its extension, in order of first use
        number = codes.setdefault
        exts = _KW_EXTS
        overflow = _M_KEYWORD.ext
        set_ext = _M_SET.ext
        kw_type, vec_type = _Keyword, _Vector
        other = _other

        def default(obj: Any) -> Any:
            if type(obj) is kw_type:
                try:
                    return number(obj, exts[len(codes)])  # its code, or the next one if new
                except IndexError:  # more than 112 distinct keywords in this value
                    ext = codes.get(obj)
                    return [overflow, obj.namespace, obj.name] if ext is None else ext
            if type(obj) is vec_type:
                return list(obj)
            if type(obj) is frozenset:
                return [set_ext, *obj]
            return other(obj)

        if c_hook and _KeywordHook is not None:  # the same steps in C (_speedups.c)
            default = _KeywordHook(codes, exts, overflow, set_ext, kw_type, vec_type, other)
        self.c_hook = _KeywordHook is not None and type(default) is _KeywordHook
        pack = msgpack.Packer(
            default=default, strict_types=True, use_bin_type=True, autoreset=True
        ).pack
        headers = _headers
        clear = codes.clear

        def encode(value: Any) -> bytes:
            clear()  # (left filled after a value: its keywords are interned anyway)
            body = pack(value)
            kws = tuple(codes)
            head = headers.get(kws)
            return (_header(kws) if head is None else head) + body

        c_body = _c_encode_body if self.c_hook else None
        ext_type = _ExtType

        def c_encode(value: Any) -> bytes:
            # the whole value in C (the same bytes); NotImplemented for anything else (a refused
            # value too), which the msgpack path above then writes or refuses with its own error
            done = c_body(value, kw_type, vec_type, ext_type, other)
            if done is NotImplemented:
                return encode(value)
            body, kws = done
            head = headers.get(kws)
            return (_header(kws) if head is None else head) + body

        self.encode = encode if c_body is None else c_encode
        self.pack_encode = encode  # (the msgpack path alone, for tests)


_encoder = _Encoder()


def use_speedups(enabled: bool = True) -> bool:
    """Use the C keyword hook (when built) or the Python one; True when the C hook is on."""
    global _encoder
    _encoder = _Encoder(c_hook=enabled)
    return _encoder.c_hook


def speedups_enabled() -> bool:
    """True when the binary codec encodes with the C keyword hook."""
    return _encoder.c_hook


def _binary_encode(value: Any) -> bytes:
    return _encoder.encode(value)


_tables: dict[bytes, dict[int, Any]] = {}


def _table(head: bytes) -> dict[int, Any]:
    """ext code -> keyword or marker for a header (cached per distinct header)."""
    flat = msgpack.unpackb(head, use_list=True, raw=False) if head else []
    kws = [_Keyword(ns, name) for ns, name in zip(flat[::2], flat[1::2], strict=True)]
    table: dict[int, Any] = dict(_MARKERS)
    table.update(zip(range(_FIRST_KW_CODE, _FIRST_KW_CODE + len(kws)), kws, strict=False))
    if len(_tables) >= _CACHE_LIMIT:
        _tables.clear()
    _tables[head] = table
    return table


def _list_hook(t: tuple) -> Any:
    if t and type(t[0]) is _Marker:
        return t[0].build(t)
    return _Vector(t)


_unpackb = msgpack.unpackb


def _py_decode_body(data: bytes, end: int, table: dict[int, Any]) -> Any:
    """The body from `end` on, by msgpack with the hooks above (the reference decoder)."""
    return _unpackb(
        data[end:], ext_hook=table.get, list_hook=_list_hook, use_list=False, strict_map_key=False
    )


try:
    from workbench.codecs._speedups import decode as _c_decode_value
    from workbench.codecs._speedups import decode_body as _c_decode_body
except ImportError:  # built without a C compiler (or an older build): the Python path only
    _c_decode_body = _c_decode_value = None
_c_decode = _c_decode_body is not None


def use_c_decoder(enabled: bool = True) -> bool:
    """Decode binary values in C (when built) or by msgpack; True when the C decoder is on."""
    global _c_decode
    _c_decode = enabled and _c_decode_body is not None
    return _c_decode


def _binary_decode(data: bytes | memoryview) -> Any:
    if _c_decode:  # header and body in C; NotImplemented: the steps below
        value = _c_decode_value(data, _tables, _table, _Marker, _Vector)
        if value is not NotImplemented:
            return value
    (n,) = _HEAD_LEN.unpack_from(data)
    end = 4 + n
    head = data[4:end]
    if type(head) is not bytes:  # a buffer (LMDB's memoryview): the C path reads it in place
        head = bytes(head)
    table = _tables.get(head)
    if table is None:
        table = _table(head)
    if _c_decode:
        # the same value as the Python path; NotImplemented for anything else (bad bytes too),
        # which the Python path then decodes or refuses with its own error
        value = _c_decode_body(data, end, table, _Marker, _Vector)
        if value is not NotImplemented:
            return value
    return _py_decode_body(data if type(data) is bytes else bytes(data), end, table)


# -------------------------------------------------------------------------------------- json


def _inst_text(value: Any) -> str:
    return value.text


def _kw_text(k: Any) -> str:
    return str(k)[1:]


def _clj_str(value: Any) -> str:
    """Clojure's (str x) for a non-keyword map key."""
    if value is None:
        return ""
    if isinstance(value, str) and type(value) is str:
        return value
    if type(value) is edn.Char:
        return value.char
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is uuid.UUID:
        return str(value)
    if type(value) is edn.Symbol:
        return str(value)
    return edn.dumps(value)


def _jsonable(value: Any) -> Any:
    t = type(value)
    if value is None or t is bool or t is str or t is int:
        return value
    if t is float:
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if t is edn.Keyword:
        return _kw_text(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = _kw_text(k) if type(k) is edn.Keyword else _clj_str(k)
            out[key] = _jsonable(v)
        return out
    if t in (edn.Vector, edn.List, tuple, list, frozenset, set):
        return [_jsonable(v) for v in value]
    if t is edn.Symbol:
        return str(value)
    if t is edn.Char:
        return _clj_str(value)
    if isinstance(value, int):  # BigInt and other int subclasses
        return int(value)
    if t is decimal.Decimal or t is fractions.Fraction:
        return _jsonable(float(value))
    if t is uuid.UUID:
        return str(value)
    if t is edn.Inst:
        try:
            moment = value.to_datetime().astimezone(_dt.UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        except Exception:  # noqa: BLE001 - an #inst we cannot parse keeps its text
            return _inst_text(value)
    return edn.dumps(value)


def _clj_keyword(text: str) -> Any:
    """Clojure's (keyword s): namespace is the text before the first '/' (except "/")."""
    i = text.find("/")
    if i == -1 or text == "/":
        return edn.Keyword(None, text)
    return edn.Keyword(text[:i], text[i + 1 :])


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {_clj_keyword(k): _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return edn.Vector(tuple(_from_json(v) for v in value))
    return value


def _json_encode(value: Any) -> bytes:
    with edn.recursion_room():
        data = _jsonable(value)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_decode(data: bytes | memoryview) -> Any:
    with edn.recursion_room():
        return _from_json(json.loads(bytes(data).decode("utf-8")))


# ------------------------------------------------------------------------------------ lookup

_CODECS = {
    "edn": Codec("edn", True, _edn_encode, _edn_decode),
    "binary": Codec("binary", True, _binary_encode, _binary_decode),
    "json": Codec("json", False, _json_encode, _json_decode),
}


def get_codec(name: str | Codec) -> Codec:
    """Return the codec called `name` ("edn", "json" or "binary"); a Codec passes through."""
    if isinstance(name, Codec):
        return name
    try:
        return _CODECS[name]
    except KeyError:
        raise ValueError(
            f"unknown codec {name!r}; choose one of {', '.join(CODEC_NAMES)}"
        ) from None
