"""Store keys as LMDB key bytes: the printed key (``:projects/davidwu``), limited to 511 bytes.

Keywords whose printed form reads back as the same keyword are stored as their printed text
(fast path, no parser). Other keys are stored as printed EDN when that re-reads identically, else
as ``b"\\x00"`` + the exact binary codec (so every EDN key round-trips).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench import edn
from workbench.codecs import get_codec
from workbench.stores.base import KeyTooLongError

__all__ = ["MAX_KEY_BYTES", "encode_key", "encode_keys", "decode_key", "keyword_from_text"]

MAX_KEY_BYTES = 511
_BINARY = get_codec("binary")
_KW = edn.Keyword


def keyword_from_text(text: str) -> Any:
    """Keyword from printed text ':ns/name' split at the first '/' like Clojure's reader."""
    body = text[1:]
    i = body.find("/")
    if i <= 0 or body == "/":
        return _KW(None, body)
    return _KW(body[:i], body[i + 1 :])


def simple_ident(key: Any) -> bool:
    """True when a keyword/symbol re-reads identically from its printed form (Clojure splits
    `:a/b/c` at the first '/'): no '/' in the namespace, none in a bare name."""
    ns = key.namespace
    if ns is None:
        return "/" not in key.name or key.name == "/"
    return ns != "" and "/" not in ns


def encode_key(key: Any) -> bytes:
    """LMDB key bytes for `key`; KeyTooLongError (naming the key) beyond 511 bytes."""
    if type(key) is _KW:
        # a keyword's printed form is cached on it: `_edn` when clojure.edn reads it back (then
        # the first '/' splits it as keyword_from_text does), `_str` always
        text = key._edn
        if text is None and simple_ident(key):
            text = key._str
        if text is not None:
            data = text.encode("utf-8")
            if len(data) > MAX_KEY_BYTES:
                raise _too_long(key, data)
            return data
    try:
        text = edn.dumps(key)
        same = not text.startswith(":") and edn.identical(edn.loads(text), key)
    except Exception:  # noqa: BLE001 - unprintable/unreadable: use the binary form
        text, same = "", False
    data = text.encode("utf-8") if same else b"\x00" + _BINARY.encode(key)
    if len(data) > MAX_KEY_BYTES:
        raise _too_long(key, data)
    return data


def encode_keys(keys: Iterable[Any]) -> list[bytes]:
    """encode_key for each key (a batch)."""
    return [encode_key(k) for k in keys]


def _too_long(key: Any, data: bytes) -> KeyTooLongError:
    from workbench.edn import printed

    shown = printed(key)
    return KeyTooLongError(
        f"key {shown[:120]}{'...' if len(shown) > 120 else ''} is {len(data)} bytes printed; "
        f"LMDB keys are limited to {MAX_KEY_BYTES} bytes"
    )


def decode_key(data: bytes | memoryview) -> Any:
    """Inverse of encode_key."""
    data = bytes(data)
    if data[:1] == b":":
        return keyword_from_text(data.decode("utf-8"))
    if data[:1] == b"\x00":
        return _BINARY.decode(data[1:])
    return edn.loads(data.decode("utf-8"), source="<lmdb key>")
