"""The key-value shape of DatalevinStore: one KV entry per memory key (see store.py's docstring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench import edn
from workbench.stores.base import MISSING, KeyTooLongError, StoreError
from workbench.stores.datalevin import bridge as wdl
from workbench.stores.keys import decode_key, encode_key, simple_ident

MAIN_DBI = "memory"
TEXT_DBI = "memory-edn"
_KW = edn.Keyword


def _store_error(exc: BaseException, key: Any = MISSING) -> StoreError:
    """Translate a Datalevin exception into a StoreError naming the key and the reason."""
    reason = wdl.java_error_text(exc)
    where = "" if key is MISSING else f"key {edn.printed(key, 120)}: "
    if "larger than 511 bytes" in reason:
        return KeyTooLongError(f"{where}Datalevin keys are limited to 511 bytes ({reason})")
    return StoreError(f"{where}Datalevin refused it: {reason}")


# ------------------------------------------------------------------------------------ kv shape


class _KvShape:
    """One KV entry per memory key (see the module docstring for the two sub-databases)."""

    def __init__(self, c: Any, path: Path, opts: Any) -> None:
        self.c = c
        self.kv = c.core("open-kv", c.JString(str(path)), opts)
        c.core("open-dbi", self.kv, c.JString(MAIN_DBI))
        c.core("open-dbi", self.kv, c.JString(TEXT_DBI))
        self.t_keyword = c.kw("keyword")
        self.t_data = c.kw("data")
        self.t_bytes = c.kw("bytes")
        self.t_raw = c.kw("raw")  # no type header: the full 511 bytes are usable
        self.op_put = c.kw("put")
        self.op_del = c.kw("del")
        self.all = c.read("[:all]")

    def _tx(self, *parts: Any) -> Any:
        return self.c.PersistentVector.create(self.c.ObjectArray(list(parts)))

    def _bkey(self, key: Any) -> Any:
        return self.c.bytes(encode_key(key))

    def _ops(self, key: Any, value: Any) -> list[Any]:
        main = native_key(key)
        if main and not wdl.needs_text(value, _not_native):
            try:
                jval = wdl.to_clj(value)
            except wdl.Unstorable:
                jval = MISSING
            if jval is not MISSING:
                jkey = wdl.to_clj(key)
                return [
                    self._tx(self.op_put, MAIN_DBI, jkey, jval, self.t_keyword, self.t_data),
                    self._tx(self.op_del, TEXT_DBI, self._bkey(key), self.t_raw),
                ]
        ops = [
            self._tx(
                self.op_put,
                TEXT_DBI,
                self._bkey(key),
                self.c.bytes(encode_value(value)),
                self.t_raw,
                self.t_bytes,
            )
        ]
        if main:
            ops.append(self._tx(self.op_del, MAIN_DBI, wdl.to_clj(key), self.t_keyword))
        return ops

    def put_batch(self, pairs: list[tuple[Any, Any]]) -> None:
        ops: list[Any] = []
        for key, value in pairs:
            ops.extend(self._ops(key, value))
        try:
            self.c.core("transact-kv", self.kv, self._tx(*ops))
        except Exception as exc:  # noqa: BLE001 - Java exception: translate
            raise _store_error(exc, pairs[0][0] if len(pairs) == 1 else MISSING) from None

    def lookup(self, key: Any) -> Any:
        if native_key(key):
            got = self.c.core(
                "get-value", self.kv, MAIN_DBI, wdl.to_clj(key), self.t_keyword, self.t_data
            )
            if got is not None:
                return wdl.to_edn(got)
        try:
            bkey = self._bkey(key)
        except KeyTooLongError:
            return MISSING
        data = self.c.core("get-value", self.kv, TEXT_DBI, bkey, self.t_raw, self.t_bytes)
        return MISSING if data is None else decode_value(bytes(data))

    def delete(self, key: Any) -> bool:
        if self.lookup(key) is MISSING:
            return False
        ops = [self._tx(self.op_del, TEXT_DBI, self._bkey(key), self.t_raw)]
        if native_key(key):
            ops.append(self._tx(self.op_del, MAIN_DBI, wdl.to_clj(key), self.t_keyword))
        self.c.core("transact-kv", self.kv, self._tx(*ops))
        return True

    def items(self) -> list[tuple[Any, Any]]:
        c = self.c
        out = []
        for pair in c.core("get-range", self.kv, MAIN_DBI, self.all, self.t_keyword, self.t_data):
            out.append((wdl.to_edn(pair.get(0)), wdl.to_edn(pair.get(1))))
        for pair in c.core("get-range", self.kv, TEXT_DBI, self.all, self.t_raw, self.t_bytes):
            out.append((decode_key(bytes(pair.get(0))), decode_value(bytes(pair.get(1)))))
        return out

    def keys(self) -> list[Any]:
        c = self.c
        out = [
            wdl.to_edn(k) for k in c.core("key-range", self.kv, MAIN_DBI, self.all, self.t_keyword)
        ]
        out += [
            decode_key(bytes(k))
            for k in c.core("key-range", self.kv, TEXT_DBI, self.all, self.t_raw)
        ]
        return out

    def count(self) -> int:
        return int(self.c.core("entries", self.kv, MAIN_DBI)) + int(
            self.c.core("entries", self.kv, TEXT_DBI)
        )

    def clear(self) -> None:
        self.c.core("clear-dbi", self.kv, MAIN_DBI)
        self.c.core("clear-dbi", self.kv, TEXT_DBI)

    def sync(self) -> None:
        self.c.core("sync", self.kv)

    def close(self) -> None:
        self.c.core("close-kv", self.kv)


NATIVE_KEY_BYTES = 509  # Datalevin's :keyword encoding adds 2 bytes to the printed keyword


def native_key(key: Any) -> bool:
    """True when `key` is stored in the typed `:keyword` sub-database."""
    return (
        type(key) is _KW and simple_ident(key) and len(str(key).encode("utf-8")) <= NATIVE_KEY_BYTES
    )


def _not_native(v: Any) -> bool:
    return type(v) in (_KW, edn.Symbol) and not simple_ident(v)


def encode_value(value: Any) -> bytes:
    """Fallback value bytes: b"e" + EDN text when it re-reads identically, else b"b" + binary."""
    try:
        text = edn.dumps(value)
        if edn.identical(edn.loads(text, regex="keep"), value):
            return b"e" + text.encode("utf-8")
    except Exception:  # noqa: BLE001 - unreadable print: binary below
        pass
    return b"b" + _binary().encode(value)


def decode_value(data: bytes) -> Any:
    """Inverse of encode_value."""
    if data[:1] == b"e":
        return edn.loads(data[1:].decode("utf-8"), source=f"<datalevin {TEXT_DBI}>", regex="keep")
    return _binary().decode(data[1:])


def _binary() -> Any:
    from workbench.codecs import get_codec

    return get_codec("binary")
