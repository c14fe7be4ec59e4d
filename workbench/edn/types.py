"""EDN value types: interned keywords and symbols, chars, vectors, lists, frozen maps, tags, #inst."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

# Java Character.isWhitespace plus ',' (clojure.lang.EdnReader.isWhitespace), as a regex class body.
WS = "\t\n\x0b\x0c\r\x1c-\x1f ,\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
# Terminating macro characters: a token ends before any of these.
TERM = '";^()\\[\\]{}\\\\'
_TOKEN_OK = re.compile(f"[^{WS}{TERM}]+")

# clojure.lang.EdnReader's symbolPat (Java `.` does not match line terminators, `\D` is ASCII).
# (also refusing the non-constituent characters @ ` ~ anywhere, as EdnReader.readToken does)
_SYMPAT = re.compile(r":?([^0-9/@`~][^\n\r\x85\u2028\u2029@`~]*/)?(/|[^0-9/@`~][^/@`~]*)")
_NUMBER_START = re.compile(r"[#]|[-+]?[0-9]")


def parse_ident(token: str) -> tuple[bool, str | None, str] | None:
    """Split a symbol or keyword token like clojure.edn does; None when clojure.edn refuses it."""
    m = _SYMPAT.fullmatch(token)
    if m is None:
        return None
    ns_part, name_part = m.group(1), m.group(2)
    if (
        (ns_part is not None and ns_part.endswith(":/"))
        or name_part.endswith(":")
        or token.find("::", 1) != -1
        or token.startswith("::")
    ):
        return None
    is_kw = token[0] == ":"
    body = token[1:] if is_kw else token
    i = body.find("/")
    if i == -1 or body == "/":
        return is_kw, None, body
    return is_kw, body[:i], body[i + 1 :]


def _split(text: str) -> tuple[str | None, str]:
    if text == "/":
        return None, "/"
    i = text.find("/")
    if i == -1:
        return None, text
    return text[:i], text[i + 1 :]


class _Ident:
    """Shared shape of Keyword and Symbol: interned, identity equality, printed form cached."""

    __slots__ = ("namespace", "name", "_str", "_edn")
    _prefix = ""
    _cache: dict

    def __new__(cls, namespace: str | None, name: str) -> _Ident:
        key = (namespace, name)
        obj = cls._cache.get(key)
        if obj is not None:
            return obj
        if not isinstance(name, str) or not (namespace is None or isinstance(namespace, str)):
            raise TypeError(f"{cls.__name__} namespace and name must be str, got {key!r}")
        obj = object.__new__(cls)
        text = cls._prefix + (name if namespace is None else f"{namespace}/{name}")
        setter = object.__setattr__
        setter(obj, "namespace", namespace)
        setter(obj, "name", name)
        setter(obj, "_str", text)
        parsed = parse_ident(text)
        ok = (
            parsed is not None
            and parsed == (cls._prefix == ":", namespace, name)
            and _TOKEN_OK.fullmatch(text) is not None
            and text not in ("nil", "true", "false")
            and _NUMBER_START.match(text) is None
        )
        setter(obj, "_edn", text if ok else None)
        return cls._cache.setdefault(key, obj)  # atomic: concurrent creators share one object

    @classmethod
    def _from_token(cls, namespace: str | None, name: str, token: str) -> _Ident:
        """Intern from a token the reader has already validated (its printed form is token)."""
        obj = cls._cache.get((namespace, name))
        if obj is not None:
            return obj
        obj = object.__new__(cls)
        setter = object.__setattr__
        setter(obj, "namespace", namespace)
        setter(obj, "name", name)
        setter(obj, "_str", token)
        setter(obj, "_edn", token)
        return cls._cache.setdefault((namespace, name), obj)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, attr: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple:
        return (type(self), (self.namespace, self.name))

    def __copy__(self) -> _Ident:
        return self

    def __deepcopy__(self, memo: dict) -> _Ident:
        return self

    def __str__(self) -> str:
        return self._str

    def _sort_key(self) -> tuple[str, str]:
        return (self.namespace or "", self.name)

    def __lt__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def __le__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._sort_key() <= other._sort_key()

    def __gt__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._sort_key() > other._sort_key()

    def __ge__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._sort_key() >= other._sort_key()

    @property
    def readable(self) -> bool:
        """True when clojure.edn reads the printed form back as this same value."""
        return self._edn is not None


class Keyword(_Ident):
    """An interned EDN keyword (`:ns/name`); equality is identity, str() is the printed form."""

    __slots__ = ()
    _prefix = ":"
    _cache: dict = {}

    def __repr__(self) -> str:
        return self._str


class Symbol(_Ident):
    """An interned EDN symbol (`ns/name`); equality is identity, str() is the printed form."""

    __slots__ = ()
    _prefix = ""
    _cache: dict = {}

    def __repr__(self) -> str:
        return f"Symbol({self._str!r})"


def kw(text: str) -> Keyword:
    """Keyword from its printed form: kw(":a/b") or kw("a/b"); the first '/' splits the namespace."""
    if text.startswith(":"):
        text = text[1:]
    return Keyword(*_split(text))


def sym(text: str) -> Symbol:
    """Symbol from its printed form: sym("a/b"); the first '/' splits the namespace."""
    return Symbol(*_split(text))


class Char:
    """An EDN character (`\\a`); never equal to a one-character str."""

    __slots__ = ("char",)

    def __init__(self, char: str) -> None:
        if type(char) is not str or len(char) != 1:
            raise TypeError(f"Char needs a one-character str, got {char!r}")
        if ord(char) > 0xFFFF or 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError(f"Char must be one UTF-16 code unit (not a surrogate), got {char!r}")
        object.__setattr__(self, "char", char)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("Char is immutable")

    def __eq__(self, other: Any) -> bool:
        return type(other) is Char and other.char == self.char

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("edn.Char", self.char))

    def __lt__(self, other: Any) -> bool:
        if type(other) is not Char:
            return NotImplemented
        return self.char < other.char

    def __reduce__(self) -> tuple:
        return (Char, (self.char,))

    def __str__(self) -> str:
        return self.char

    def __repr__(self) -> str:
        return f"Char({self.char!r})"


class Vector(tuple):
    """An EDN vector `[...]`: an immutable, hashable tuple (equal to a List with the same items)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Vector({list(self)!r})"


class List(tuple):
    """An EDN list `(...)`: an immutable, hashable tuple (equal to a Vector with the same items)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"List({list(self)!r})"


class FrozenMap(Mapping):
    """A hashable, immutable map; the reader uses it only where a map is a map key or set element."""

    __slots__ = ("_d", "_h")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_d", dict(*args, **kwargs))
        object.__setattr__(self, "_h", None)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: Any) -> bool:
        return key in self._d

    def get(self, key: Any, default: Any = None) -> Any:
        """Value for key, else default."""
        return self._d.get(key, default)

    def items(self):  # noqa: ANN201 - same as dict.items
        """A view of the (key, value) pairs."""
        return self._d.items()

    def keys(self):  # noqa: ANN201
        """A view of the keys."""
        return self._d.keys()

    def values(self):  # noqa: ANN201
        """A view of the values."""
        return self._d.values()

    def __hash__(self) -> int:
        h = self._h
        if h is None:
            h = hash(frozenset(self._d.items()))
            object.__setattr__(self, "_h", h)
        return h

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, FrozenMap):
            return self._d == other._d
        if isinstance(other, dict):
            return self._d == other
        if isinstance(other, Mapping):
            return self._d == dict(other.items())
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __reduce__(self) -> tuple:
        return (FrozenMap, (self._d,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def thaw(self) -> dict:
        """A plain dict copy (shallow)."""
        return dict(self._d)


class Tagged:
    """A tagged value the reader has no reader function for: `#my/tag v`, records, `#object[...]`."""

    __slots__ = ("tag", "value")

    def __init__(self, tag: Symbol, value: Any) -> None:
        if type(tag) is not Symbol:
            raise TypeError(f"Tagged tag must be an edn.Symbol, got {type(tag).__name__}")
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "value", value)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("Tagged is immutable")

    def __eq__(self, other: Any) -> bool:
        return type(other) is Tagged and other.tag is self.tag and other.value == self.value

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("edn.Tagged", self.tag, self.value))

    def __reduce__(self) -> tuple:
        return (Tagged, (self.tag, self.value))

    def __repr__(self) -> str:
        return f"Tagged({self.tag!r}, {self.value!r})"


# The reader keeps `#"..."` (not EDN; clojure.edn refuses it) as Tagged(REGEX_TAG, raw pattern text).
REGEX_TAG = Symbol(None, '#"')

# clojure.instant's timestamp pattern.
_INST_RE = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})"
    r"(?:[.]([0-9]+))?)?)?)?)?)?(?:Z|([-+])([0-9]{2}):([0-9]{2}))?"
)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_EPOCH_ORD = datetime(1970, 1, 1).toordinal()


class Inst:
    """An `#inst` timestamp kept exactly as written (nanoseconds and offset); .to_datetime()."""

    __slots__ = ("text", "_key", "_parts")

    def __init__(self, text: str) -> None:
        if type(text) is not str:
            raise TypeError(f"#inst needs a string, got {type(text).__name__}")
        m = _INST_RE.fullmatch(text)
        if m is None:
            raise ValueError(f"Unrecognized date/time syntax: {text}")
        year = int(m.group(1))
        month = int(m.group(2) or 1)
        day = int(m.group(3) or 1)
        hour = int(m.group(4) or 0)
        minute = int(m.group(5) or 0)
        second = int(m.group(6) or 0)
        frac = m.group(7) or ""
        nanos = int((frac[:9]).ljust(9, "0")) if frac else 0
        sign = -1 if m.group(8) == "-" else 1
        off_h = int(m.group(9) or 0)
        off_m = int(m.group(10) or 0)
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if not 1 <= month <= 12:
            raise ValueError(f"#inst month out of range in {text!r}")
        dim = 29 if (month == 2 and leap) else _DAYS[month - 1]
        if not 1 <= day <= dim:
            raise ValueError(f"#inst day out of range in {text!r}")
        if hour > 23 or minute > 59 or second > (60 if minute == 59 else 59):
            raise ValueError(f"#inst time out of range in {text!r}")
        if off_h > 23 or off_m > 59:
            raise ValueError(f"#inst offset out of range in {text!r}")
        if year == 0:
            raise ValueError(f"#inst year 0000 is not supported: {text!r}")
        days = datetime(year, month, day).toordinal() - _EPOCH_ORD
        offset = sign * (off_h * 3600 + off_m * 60)
        secs = days * 86400 + hour * 3600 + minute * 60 + second - offset
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_key", secs * 1_000_000_000 + nanos)
        object.__setattr__(self, "_parts", (year, month, day, hour, minute, second, nanos, offset))

    @classmethod
    def from_datetime(cls, dt: datetime) -> Inst:
        """Inst from an aware datetime (naive datetimes are taken as UTC)."""
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        off = dt.utcoffset() or timedelta(0)
        total = int(off.total_seconds()) // 60
        if total == 0:
            tz = "Z"
        else:
            s = "-" if total < 0 else "+"
            tz = f"{s}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
        frac = f".{dt.microsecond:06d}" if dt.microsecond else ""
        return cls(dt.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + frac + tz)

    @property
    def nanos_since_epoch(self) -> int:
        """The instant in nanoseconds since 1970-01-01T00:00:00Z."""
        return self._key

    def to_datetime(self) -> datetime:
        """Timezone-aware datetime at the written offset (truncated below microseconds)."""
        year, month, day, hour, minute, second, nanos, offset = self._parts
        tz = UTC if offset == 0 else timezone(timedelta(seconds=offset))
        extra = 0
        if second == 60:
            second, extra = 59, 1
        dt = datetime(year, month, day, hour, minute, second, nanos // 1000, tzinfo=tz)
        return dt + timedelta(seconds=extra) if extra else dt

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("Inst is immutable")

    def __eq__(self, other: Any) -> bool:
        return type(other) is Inst and other._key == self._key

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __lt__(self, other: Any) -> bool:
        if type(other) is not Inst:
            return NotImplemented
        return self._key < other._key

    def __hash__(self) -> int:
        return hash(("edn.Inst", self._key))

    def __reduce__(self) -> tuple:
        return (Inst, (self.text,))

    def __repr__(self) -> str:
        return f"Inst({self.text!r})"


class BigInt(int):
    """An integer written with the `N` suffix (Clojure BigInt); prints back with `N`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}N"

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        return (BigInt, (int(self),))


class MapEntry(NamedTuple):
    """One entry read by read_map_entries; offset/length in UTF-8 bytes, line/column 1-based."""

    key: Any
    value: Any
    key_text: str
    offset: int
    length: int
    line: int
    column: int


class Diagnostic(NamedTuple):
    """One damaged stretch found by read_map_entries (offset in UTF-8 bytes, 1-based line/column)."""

    kind: str
    reason: str
    line: int
    column: int
    offset: int
    text: str
    key: Any = None
