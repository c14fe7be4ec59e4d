"""Value codecs for the stores: EDN text (exact), the plan's JSON (lossy on purpose), exact binary.

`get_codec(name)` returns a `Codec` with `.name`, `.lossless`, `encode(value) -> bytes` and
`decode(bytes) -> value`.

- ``"edn"``: ``edn.dumps`` text as UTF-8; read back with ``edn.loads``. Lossless.
- ``"binary"``: msgpack with extension types for every EDN type msgpack lacks (keywords, symbols,
  chars, lists, sets, frozen maps, tagged values, #inst, #uuid, big integers, BigDecimal, ratios,
  non-string map keys). Arrays are vectors. Round-trips every EDN value exactly
  (``edn.identical``). Accepted extras: a Python ``list`` encodes as an array and decodes as an
  ``edn.Vector``; a ``set`` decodes as a ``frozenset``; a plain ``tuple`` is kept as a tuple.
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
import functools
import json
import math
import struct
import threading
import uuid
from collections.abc import Callable, Mapping
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

    def roundtrip(self, value: Any) -> Any:
        """Encode then decode `value` (what a store hands back)."""
        return self.decode(self.encode(value))


# --------------------------------------------------------------------------------------- edn


def _edn_encode(value: Any) -> bytes:
    return edn.dumps(value).encode("utf-8")


def _edn_decode(data: bytes | memoryview) -> Any:
    return edn.loads(bytes(data).decode("utf-8"), source="<lmdb value>")


# ------------------------------------------------------------------------------------ binary

_KEYWORD, _SYMBOL, _CHAR, _LIST, _SET, _FROZENMAP, _TAGGED = 1, 2, 3, 4, 5, 6, 7
_INST, _UUID, _BIGINT, _BIGPLAIN, _DECIMAL, _FRACTION, _TUPLE = 8, 9, 10, 11, 12, 13, 14

_CACHE_LIMIT = 200_000
_NS_LEN = struct.Struct(">I")

_named_enc: dict[Any, msgpack.ExtType] = {}
_kw_dec: dict[bytes, Any] = {}
_sym_dec: dict[bytes, Any] = {}


def _named_payload(ns: str | None, name: str) -> bytes:
    """Exact payload for a keyword/symbol: b'\\0'+name, or b'\\1'+len(ns)+ns+name."""
    if ns is None:
        return b"\x00" + name.encode("utf-8")
    nsb = ns.encode("utf-8")
    return b"\x01" + _NS_LEN.pack(len(nsb)) + nsb + name.encode("utf-8")


def _named_parse(data: bytes) -> tuple[str | None, str]:
    if data[:1] == b"\x00":
        return None, data[1:].decode("utf-8")
    (n,) = _NS_LEN.unpack_from(data, 1)
    return data[5 : 5 + n].decode("utf-8"), data[5 + n :].decode("utf-8")


_tls = threading.local()
_Keyword, _Vector = edn.Keyword, edn.Vector


def _pack_nested(value: Any) -> bytes:
    """Pack with a reusable per-thread Packer per nesting depth (Packer creation is costly)."""
    tls = _tls
    depth = getattr(tls, "depth", 0)
    packers = tls.__dict__.setdefault("packers", [])
    if depth >= len(packers):
        packers.append(msgpack.Packer(default=_default, strict_types=True, use_bin_type=True,
                                      autoreset=True))
    tls.depth = depth + 1
    try:
        return packers[depth].pack(value)
    finally:
        tls.depth = depth


def _inst_text(value: Any) -> str:
    return value.text


def _default(obj: Any) -> Any:
    t = type(obj)
    if t is _Keyword:  # most frequent: map keys
        ext = _named_enc.get(obj)
        if ext is not None:
            return ext
    if t is _Vector:
        return list(obj)
    if t is _Keyword or t is edn.Symbol:
        ext = _named_enc.get(obj)
        if ext is None:
            code = _KEYWORD if t is edn.Keyword else _SYMBOL
            ext = msgpack.ExtType(code, _named_payload(obj.namespace, obj.name))
            if len(_named_enc) > _CACHE_LIMIT:
                _named_enc.clear()
            _named_enc[obj] = ext
        return ext
    if t is edn.List:
        return msgpack.ExtType(_LIST, _pack_nested(list(obj)))
    if t is frozenset or t is set:
        return msgpack.ExtType(_SET, _pack_nested(list(obj)))
    if t is edn.Char:
        return msgpack.ExtType(_CHAR, obj.char.encode("utf-8"))
    if t is edn.BigInt:
        return msgpack.ExtType(_BIGINT, str(int(obj)).encode("ascii"))
    if t is int:  # outside msgpack's 64-bit range
        return msgpack.ExtType(_BIGPLAIN, str(obj).encode("ascii"))
    if t is edn.FrozenMap:
        return msgpack.ExtType(_FROZENMAP, _pack_nested(dict(obj.items())))
    if t is edn.Tagged:
        return msgpack.ExtType(_TAGGED, _pack_nested([obj.tag, obj.value]))
    if t is edn.Inst:
        return msgpack.ExtType(_INST, _inst_text(obj).encode("utf-8"))
    if t is uuid.UUID:
        return msgpack.ExtType(_UUID, obj.bytes)
    if t is decimal.Decimal:
        return msgpack.ExtType(_DECIMAL, str(obj).encode("ascii"))
    if t is fractions.Fraction:
        return msgpack.ExtType(_FRACTION, f"{obj.numerator}/{obj.denominator}".encode("ascii"))
    if t is tuple:
        return msgpack.ExtType(_TUPLE, _pack_nested(list(obj)))
    if isinstance(obj, frozenset | set):  # e.g. an insertion-ordered frozenset subclass
        return msgpack.ExtType(_SET, _pack_nested(list(obj)))
    if isinstance(obj, dict):
        return dict(obj)
    if isinstance(obj, bool | float | str | bytes | list | tuple | int):  # other subclasses
        raise TypeError(f"binary codec: unsupported subclass {t.__module__}.{t.__qualname__}")
    raise TypeError(f"binary codec: cannot encode {t.__module__}.{t.__qualname__}: {obj!r:.80}")


def _named_new(cache: dict, cls: type, data: bytes) -> Any:
    ns, name = _named_parse(data)
    value = cls(ns, name)
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    cache[bytes(data)] = value
    return value


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _KEYWORD:
        hit = _kw_dec.get(data)
        if hit is None:
            hit = _named_new(_kw_dec, edn.Keyword, data)
        return hit
    if code == _SYMBOL:
        hit = _sym_dec.get(data)
        if hit is None:
            hit = _named_new(_sym_dec, edn.Symbol, data)
        return hit
    if code == _LIST:
        return edn.List(_unpack(data))
    if code == _SET:
        return frozenset(_unpack(data))
    if code == _FROZENMAP:
        return edn.FrozenMap(_unpack(data))
    if code == _CHAR:
        return edn.Char(data.decode("utf-8"))
    if code == _TAGGED:
        tag, value = _unpack(data)
        return edn.Tagged(tag, value)
    if code == _INST:
        return edn.Inst(data.decode("utf-8"))
    if code == _UUID:
        return uuid.UUID(bytes=bytes(data))
    if code == _BIGINT:
        return edn.BigInt(int(data))
    if code == _BIGPLAIN:
        return int(data)
    if code == _DECIMAL:
        return decimal.Decimal(data.decode("ascii"))
    if code == _FRACTION:
        return fractions.Fraction(data.decode("ascii"))
    if code == _TUPLE:
        return tuple(_unpack(data))
    raise ValueError(f"binary codec: unknown extension type {code}")


_unpack = functools.partial(
    msgpack.unpackb,
    ext_hook=_ext_hook,
    list_hook=edn.Vector,
    use_list=False,
    strict_map_key=False,
    raw=False,
)


def _binary_encode(value: Any) -> bytes:
    return _pack_nested(value)


def _binary_decode(data: bytes | memoryview) -> Any:
    return _unpack(data)


# -------------------------------------------------------------------------------------- json


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
    return json.dumps(_jsonable(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_decode(data: bytes | memoryview) -> Any:
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
        raise ValueError(f"unknown codec {name!r}; choose one of {', '.join(CODEC_NAMES)}") from None
