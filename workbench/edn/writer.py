"""The EDN writer: iterative (no recursion limit), type dispatch, Clojure pr-str compatible."""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .types import REGEX_TAG, BigInt, Char, FrozenMap, Inst, Keyword, List, Symbol, Tagged, Vector

_ESC_RE = re.compile('["\\\\\n\t\r\b\f]')
_BIG = 10**4000  # str(int) refuses more than 4300 digits
_ESC_TABLE = str.maketrans(
    {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
)
_CHAR_NAMES = {
    "\n": "\\newline",
    " ": "\\space",
    "\t": "\\tab",
    "\b": "\\backspace",
    "\f": "\\formfeed",
    "\r": "\\return",
}
# characters printed as \uXXXX in a char literal (unprintable or whitespace for Java)
_CHAR_HEX_RE = re.compile(
    "[\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff]"
)


class _Unwritable(Exception):
    def __init__(self, obj: Any, why: str) -> None:
        self.obj = obj
        self.why = why


def _w_str(s: str) -> str:
    if _ESC_RE.search(s) is None:
        return '"' + s + '"'
    return '"' + s.translate(_ESC_TABLE) + '"'


def _w_ident(k: Any) -> str:
    e = k._edn
    if e is None:
        raise _Unwritable(k, f"{type(k).__name__} {k._str!r} would not read back (invalid EDN)")
    return e


def _w_int(n: int) -> str:
    try:
        return str(n)
    except ValueError:  # more than 4300 digits
        return _big_str(n)


def _big_str(n: int) -> str:
    neg = n < 0
    n = -n if neg else n
    chunks = []
    base = 10**1000
    while n:
        n, r = divmod(n, base)
        chunks.append(r)
    out = str(chunks.pop()) + "".join(str(c).rjust(1000, "0") for c in reversed(chunks))
    return ("-" if neg else "") + out


def _w_float(x: float) -> str:
    r = repr(x)
    if "." in r or "e" in r:
        return r
    if r == "inf":
        return "##Inf"
    if r == "-inf":
        return "##-Inf"
    if r == "nan":
        return "##NaN"
    return r + ".0"


def _w_decimal(d: Decimal) -> str:
    if not d.is_finite():
        raise _Unwritable(d, f"Decimal {d} has no EDN form")
    return str(d) + "M"


def _w_fraction(f: Fraction) -> str:
    if f.denominator == 1:
        return _w_int(f.numerator)
    return f"{_w_int(f.numerator)}/{_w_int(f.denominator)}"


def _w_char(c: Char) -> str:
    ch = c.char
    named = _CHAR_NAMES.get(ch)
    if named is not None:
        return named
    if _CHAR_HEX_RE.match(ch):
        return f"\\u{ord(ch):04x}"
    return "\\" + ch


_SCALARS: dict[type, Any] = {
    str: _w_str,
    Keyword: _w_ident,
    int: _w_int,
    bool: lambda b: "true" if b else "false",
    type(None): lambda _: "nil",
    float: _w_float,
    Symbol: _w_ident,
    BigInt: lambda n: _w_int(int(n)) + "N",
    Decimal: _w_decimal,
    Fraction: _w_fraction,
    Char: _w_char,
    uuid.UUID: lambda u: f'#uuid "{u}"',
    Inst: lambda i: f'#inst "{i.text}"',
}

_SEQ_OPEN = {Vector: "[", list: "[", tuple: "[", List: "("}
_SEQ_CLOSE = {Vector: "]", list: "]", tuple: "]", List: ")"}
_MAPS = (dict, FrozenMap)
_SETS = (frozenset, set)


def _stripped(k: Any) -> Any:
    """k printed without its namespace inside #:ns{...}, or False when that would not read back."""
    t = type(k)
    s = _STRIPPED.get(k)
    if s is None:
        # the stripped key must read back as the same key (Clojure's printer does not check this)
        ok = (
            k.namespace is not None
            and k._edn is not None
            and "/" not in k.name
            and t(None, k.name)._edn is not None
        )
        s = _StrippedKey(t(None, k.name)._edn) if ok else False
        _STRIPPED[k] = s
    return s


def _lift_ns(d: Any) -> str | None:
    """The namespace shared by every key (keywords/symbols), as Clojure's lift-ns; else None."""
    ns = None
    for k in d:
        t = type(k)
        if (t is not Keyword and t is not Symbol) or not _stripped(k):
            return None
        kns = k.namespace
        if ns is None:
            ns = kns
        elif kns != ns:
            return None
    if ns is None or ns == "_" or Symbol(None, ns)._edn is None:
        return None
    return ns


class _Writer:
    __slots__ = ("nsmaps", "entry_sep", "sort_keys", "scalars")

    def __init__(
        self, style: str, pr_str: bool, sort_keys: bool, unreadable: str = "error"
    ) -> None:
        if style not in ("plain", "nsmaps"):
            raise ValueError("style must be 'plain' or 'nsmaps'")
        if unreadable not in ("error", "print"):
            raise ValueError("unreadable must be 'error' or 'print'")
        self.nsmaps = style == "nsmaps"
        self.entry_sep = ", " if pr_str else " "
        self.scalars = _SCALAR_TABLES[pr_str, unreadable == "print"]
        self.sort_keys = sort_keys

    def lifts(self, d: Any) -> bool:
        """True when this map prints as #:ns{...}."""
        return self.nsmaps and bool(d) and _lift_ns(d) is not None

    def key_text(self, k: Any) -> str:
        """Printed form of a map key (any value)."""
        f = self.scalars.get(type(k))
        if f is not None:
            return f(k)
        return self.write(k)

    def sorted_items(self, d: Any) -> list:
        """Map items sorted by the printed form of their keys."""
        return sorted(d.items(), key=lambda kv: self.key_text(kv[0]))

    def write(self, value: Any) -> str:
        """The EDN text of value (iterative)."""
        parts: list[str] = []
        out = parts.append
        scalars = self.scalars
        entry_sep = self.entry_sep
        search = _ESC_RE.search
        # frame: [iterator, closer, separator, first, is_map]
        stack: list[list] = []
        cur = value
        while True:
            # ---- write cur -------------------------------------------------------------------
            t = type(cur)
            f = scalars.get(t)
            if f is not None:
                out(f(cur))
            elif t is dict or t is FrozenMap:
                ns = _lift_ns(cur) if self.nsmaps and cur else None
                items = self.sorted_items(cur) if self.sort_keys else cur.items()
                if ns is not None:
                    out("#:" + ns + "{")
                    items = [(_STRIPPED[k], v) for k, v in items]
                else:
                    out("{")
                stack.append([iter(items), "}", entry_sep, True, 1])
            elif t in _SEQ_OPEN:
                out(_SEQ_OPEN[t])
                stack.append([iter(cur), _SEQ_CLOSE[t], " ", True, 0])
            elif t is frozenset or t is set:
                # elements are written one by one, then sorted: output does not depend on hashing
                stack.append([iter(cur), "}", " ", True, 2, [], parts])
            elif t is Tagged:
                tag = cur.tag
                v = cur.value
                if tag is REGEX_TAG:
                    if type(v) is not str:
                        raise _Unwritable(cur, "a regex tag needs a str pattern")
                    out('#"' + v + '"')
                else:
                    tt = _w_ident(tag)
                    if not tt[0].isalpha():
                        raise _Unwritable(cur, f"tag {tt!r} must start with a letter")
                    vt = type(v)
                    if vt in _SEQ_OPEN or vt is str or (vt in _MAPS and not self.lifts(v)):
                        out("#" + tt)
                    else:
                        out("#" + tt + " ")
                    cur = v
                    continue
            elif isinstance(cur, dict):  # OrderedDict, defaultdict, ...: written as a map
                cur = dict(cur)
                continue
            elif isinstance(cur, (list, tuple)) and not isinstance(cur, (Vector, List)):
                cur = Vector(cur)  # namedtuples and list subclasses: written as a vector
                continue
            elif isinstance(cur, (set, frozenset)):
                cur = frozenset(cur)
                continue
            else:
                raise _Unwritable(cur, f"cannot write {t.__module__}.{t.__qualname__} as EDN")
            # ---- find the next value ----------------------------------------------------------
            while stack:
                frame = stack[-1]
                it = frame[0]
                sep = frame[2]
                first = frame[3]
                nxt = _END
                kind = frame[4]
                if kind == 2:
                    texts = frame[5]
                    if not first:  # the element written since the last visit is complete
                        texts.append("".join(parts))
                    for v in it:
                        f = scalars.get(type(v))
                        if f is not None:
                            texts.append(f(v))
                        else:
                            parts = []
                            out = parts.append
                            nxt = v
                            break
                    if nxt is _END:
                        parts = frame[6]
                        out = parts.append
                        texts.sort()
                        out("#{" + " ".join(texts) + "}")
                        stack.pop()
                        continue
                elif kind == 1:
                    for k, v in it:
                        if type(k) is Keyword:
                            kt = k._edn
                            if kt is None:
                                kt = scalars[Keyword](k)
                        else:
                            kf = scalars.get(type(k))
                            kt = kf(k) if kf is not None else self.write(k)
                        if first:
                            first = False
                            out(kt)
                        else:
                            out(sep + kt)
                        tv = type(v)
                        if tv is str:
                            out(' "')
                            out(v if search(v) is None else v.translate(_ESC_TABLE))
                            out('"')
                        elif tv is Keyword:
                            e = v._edn
                            out(" " + (e if e is not None else scalars[Keyword](v)))
                        elif tv is int and -_BIG < v < _BIG:
                            out(" " + str(v))
                        else:
                            f = scalars.get(tv)
                            if f is not None:
                                out(" " + f(v))
                            else:
                                out(" ")
                                nxt = v
                                break
                else:
                    for v in it:
                        if first:
                            first = False
                        else:
                            out(sep)
                        tv = type(v)
                        if tv is str:
                            out('"')
                            out(v if search(v) is None else v.translate(_ESC_TABLE))
                            out('"')
                        elif tv is Keyword and v._edn is not None:
                            out(v._edn)
                        else:
                            f = scalars.get(tv)
                            if f is not None:
                                out(f(v))
                            else:
                                nxt = v
                                break
                if nxt is _END:
                    out(frame[1])
                    stack.pop()
                else:
                    frame[3] = False
                    cur = nxt
                    break
            else:
                return "".join(parts)


_END = object()


class _StrippedKey:
    """A key printed without its namespace inside #:ns{...}."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_STRIPPED: dict[Any, Any] = {}  # interned Keyword/Symbol -> _StrippedKey, or False


_SCALARS[_StrippedKey] = lambda s: s.text


def _w_java_double(x: float) -> str:
    """A double as Java's Double.toString (and so Clojure's pr-str) prints it: 1.0E7, 1.0E-4."""
    if x != x or x in (math.inf, -math.inf):
        return _w_float(x)
    a = abs(x)
    if x == 0.0 or 1e-3 <= a < 1e7:
        return _w_float(x)
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    return f"{'-' if sign else ''}{ds[0]}.{ds[1:] or '0'}E{exp + len(ds) - 1}"


_SCALARS_PR_STR = dict(_SCALARS)
_SCALARS_PR_STR[float] = _w_java_double


def _w_ident_as_is(k: Any) -> str:
    """A keyword or symbol printed as Clojure's pr-str would, even when it would not read back."""
    return k._str


# (pr_str, print unreadable keywords/symbols as they are) -> scalar writers
_SCALAR_TABLES = {
    (False, False): _SCALARS,
    (True, False): _SCALARS_PR_STR,
    (False, True): {**_SCALARS, Keyword: _w_ident_as_is, Symbol: _w_ident_as_is},
    (True, True): {**_SCALARS_PR_STR, Keyword: _w_ident_as_is, Symbol: _w_ident_as_is},
}


def find_path(root: Any, target: Any) -> list | None:
    """The path (keys and indexes) from root to the object target (by identity), or None."""
    stack: list[tuple[Any, list]] = [(root, [])]
    seen: set[int] = set()
    while stack:
        obj, path = stack.pop()
        if obj is target:
            return path
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        t = type(obj)
        if t is dict or t is FrozenMap:
            for k, v in obj.items():
                stack.append((k, [*path, k]))
                stack.append((v, [*path, k]))
        elif t in _SEQ_OPEN:
            for i, v in enumerate(obj):
                stack.append((v, [*path, i]))
        elif t is frozenset or t is set:
            for v in obj:
                stack.append((v, [*path, v]))
        elif t is Tagged:
            stack.append((obj.value, [*path, obj.tag]))
    return None


def dumps(
    value: Any,
    *,
    style: str = "plain",
    pr_str: bool = False,
    sort_keys: bool = False,
    unreadable: str = "error",
) -> str:
    """EDN text of value; style "nsmaps" prints #:ns{...}; pr_str=True puts ", " between entries.

    Keywords and symbols that would not read back (`:embed-token/0abc`) raise TypeError, unless
    unreadable="print", which prints them as they are, like the app's pr-str (making bad files).
    """
    w = _Writer(style, pr_str, sort_keys, unreadable)
    try:
        return w.write(value)
    except _Unwritable as exc:
        path = find_path(value, exc.obj)
        where = "[" + " ".join(_path_text(p) for p in path) + "]" if path is not None else "?"
        raise TypeError(f"{exc.why} (at path {where})") from None


def printed(value: Any, width: int | None = None) -> str:
    """Printed form as the app's pr-str gives it (unreadable keywords print as they are), cut to
    `width` characters with "…"; repr() for what EDN cannot print at all.

    The one display printer: for display, search and ordering of keys and values, including keys
    the reader refuses. (Exact text that must read back uses dumps.)
    """
    t = type(value)
    if t is Keyword or t is Symbol:
        text = str(value)
    else:
        try:
            text = dumps(value, unreadable="print")
        except (TypeError, ValueError):
            text = repr(value)
    if width is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"


def _path_text(p: Any) -> str:
    try:
        return dumps(p)
    except TypeError:
        return repr(p)
