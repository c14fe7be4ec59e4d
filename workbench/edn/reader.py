"""The EDN reader: one compiled regex over the text, an explicit stack, clojure.edn's rules.

This file is longer than the package's ~600-line guide on purpose: `_Reader` is the pure-Python hot
loop (one method, locals bound once, no calls per token where a branch will do), and splitting its
token handlers into other modules would cost a global lookup per token; the C path in
`_speedups.c` mirrors it line by line, and keeping both readable side by side is what keeps them
agreeing (every reader test runs on both).
"""

from __future__ import annotations

import gc
import math
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from .errors import EdnSyntaxError
from .types import (
    REGEX_TAG,
    TERM,
    WS,
    BigInt,
    Char,
    FrozenMap,
    Inst,
    Keyword,
    List,
    Symbol,
    Tagged,
    Vector,
    parse_ident,
)

_TOK = f"[^{WS}{TERM}]"  # a token constituent
_NUMCH = f"[^{WS}{TERM}#]"  # a number constituent (numbers also stop at '#')


# Every alternative holds capturing groups at fixed numbers, so m.lastindex (the group closed last)
# names what matched. A keyword may be followed, in the same match, by a simple value (groups 2-7):
# inside collections the parser uses _PAIR_RE, which fills those groups, and reads a map entry
# like `:k "v"` in one step; _TOKEN_RE (one form per match) never fills them.
def _token_regex(pairs: bool) -> re.Pattern:
    if pairs:
        kw_tail = (
            f"(?:[{WS}]+(?:"
            '"([^"\\\\]*)"'  # 2 keyword + string without escapes
            f"|([-+]?(?:0|[1-9][0-9]{{0,3000}}))(?!{_NUMCH})"  # 3 keyword + plain integer
            f"|(:{_TOK}*)"  # 4 keyword + keyword
            f"|(nil|true|false)(?!{_TOK})"  # 5 keyword + constant
            f")|[{WS}]*(?:(\\{{)|(\\[)))?"  # 6 keyword + map, 7 keyword + vector
        )
    else:
        kw_tail = "(?:(?!)()()()()()())?"  # the same groups, never matching
    return re.compile(
        f"[{WS}]*(?:;[^\\n\\r]*[{WS}]*)*"  # whitespace, commas and comments
        "(?:"
        f"(:{_TOK}*){kw_tail}"  # 1 keyword (2-7 above)
        '|"([^"\\\\]*)"'  # 8 string without escapes
        f"|([-+]?(?:0|[1-9][0-9]{{0,3000}}))(?!{_NUMCH})"  # 9 plain integer
        "|(\\{)"  # 10
        "|(\\})"  # 11
        "|(\\[)"  # 12
        "|(\\])"  # 13
        "|(\\()"  # 14
        "|(\\))"  # 15
        '|"([^"\\\\]*(?:\\\\[\\s\\S][^"\\\\]*)*)"'  # 16 string with escapes
        f"|([-+]?[0-9]{_NUMCH}*)"  # 17 other number
        f"|([^{WS}{TERM}#:0-9]{_TOK}*)"  # 18 symbol, nil, true, false
        "|(#\\{)"  # 19 set
        "|(#_)"  # 20 discard
        f"|#:[{WS}]*({_TOK}+)[{WS}]*\\{{"  # 21 namespaced map
        "|(##)"  # 22 symbolic value
        f"|#([^\\W\\d_]{_TOK}*)"  # 23 tag
        "|(\\^|#\\^)"  # 24 metadata
        f"|\\\\([\\s\\S]{_TOK}*)"  # 25 character
        '|#"([^"\\\\]*(?:\\\\[\\s\\S][^"\\\\]*)*)"'  # 26 regex (not EDN)
        "|(\\Z)"  # 27 end of text
        "|([\\s\\S])"  # 28 anything else: an error
        ")"
    )


_TOKEN_RE = _token_regex(False)
_PAIR_RE = _token_regex(True)
_SKIP_RE = re.compile(f"[{WS}]*(?:;[^\\n\\r]*[{WS}]*)*")

(
    G_KW,
    G_KSTR,
    G_KINT,
    G_KKW,
    G_KCONST,
    G_KMAP,
    G_KVEC,
    G_STR,
    G_INT,
    G_LBRACE,
    G_RBRACE,
    G_LBRACK,
    G_RBRACK,
    G_LPAREN,
    G_RPAREN,
    G_ESTR,
    G_NUM,
    G_SYM,
    G_SET,
    G_DISCARD,
    G_NSMAP,
    G_SYMBOLIC,
    G_TAG,
    G_META,
    G_CHAR,
    G_REGEX,
    G_EOF,
    G_ERR,
) = range(1, 29)
assert _TOKEN_RE.groups == _PAIR_RE.groups == G_ERR
_CONST = {"nil": None, "true": True, "false": False}

# Frame kinds: collections > 0, top level 0, prefixes < 0.
K_TOP, K_VEC, K_LIST, K_MAP, K_SET, K_NSMAP = 0, 1, 2, 3, 4, 5
K_DISCARD, K_TAG, K_META, K_SYMBOLIC = -1, -2, -3, -4
_KIND_NAME = {
    K_VEC: "vector",
    K_LIST: "list",
    K_MAP: "map",
    K_SET: "set",
    K_NSMAP: "namespaced map",
    K_DISCARD: "#_ discard",
    K_TAG: "tagged value",
    K_META: "metadata",
    K_SYMBOLIC: "## symbolic value",
}

_KW_CACHE: dict[str, Keyword] = {}
_SYM_CACHE: dict[str, Any] = {"nil": None, "true": True, "false": False}
_NOMETA = object()
EOF = object()  # returned by parse(one=True) at the end of the text
CLOSE = object()  # returned by parse(one=True) at the closer of an enclosing collection

_INT_RE = re.compile(
    r"([-+]?)(?:(0)|([1-9][0-9]*)|0[xX]([0-9A-Fa-f]+)|0([0-7]+)|([1-9][0-9]?)[rR]([0-9A-Za-z]+)|0[0-9]+)(N)?"
)
_FLOAT_RE = re.compile(r"([-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?)(M)?")
_RATIO_RE = re.compile(r"([-+]?[0-9]+)/([0-9]+)")
_ESCAPE_RE = re.compile(r"\\(?:(u)([\s\S]{0,4})|([0-9])([0-7]{0,2})|([\s\S]))")
_SIMPLE_ESC = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\", '"': '"', "b": "\b", "f": "\f"}
_CHAR_NAMES = {
    "newline": "\n",
    "space": " ",
    "tab": "\t",
    "backspace": "\b",
    "formfeed": "\f",
    "return": "\r",
}
# java.util.UUID.fromString also takes short groups ("1-1-1-1-1"), so clojure.edn does too
_UUID_RE = re.compile(
    r"([0-9a-fA-F]{1,8})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,12})"
)
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_INST = Symbol(None, "inst")
_UUID = Symbol(None, "uuid")


def _big_int(digits: str, radix: int) -> int:
    """int(digits, radix) without Python's 4300-digit limit."""
    try:
        return int(digits, radix)
    except ValueError:
        if len(digits) < 4000:
            raise
    value = 0
    for i in range(0, len(digits), 1000):
        chunk = digits[i : i + 1000]
        value = value * radix ** len(chunk) + int(chunk, radix)
    return value


def match_number(s: str) -> Any:
    """Value of a number token as clojure.edn reads it; ValueError when it is not a number."""
    m = _INT_RE.fullmatch(s)
    if m is not None:
        if m.group(2) is not None:
            return BigInt(0) if m.group(8) else 0
        if m.group(3) is not None:
            n = _big_int(m.group(3), 10)
        elif m.group(4) is not None:
            n = _big_int(m.group(4), 16)
        elif m.group(5) is not None:
            n = _big_int(m.group(5), 8)
        elif m.group(7) is not None:
            radix = int(m.group(6))
            if not 2 <= radix <= 36:
                raise ValueError(f"Radix out of range: {radix}")
            n = _big_int(m.group(7), radix)
        else:
            raise ValueError("Invalid number")
        if m.group(1) == "-":
            n = -n
        return BigInt(n) if m.group(8) else n
    m = _FLOAT_RE.fullmatch(s)
    if m is not None:
        if m.group(4):
            return Decimal(m.group(1))
        return float(s)
    m = _RATIO_RE.fullmatch(s)
    if m is not None:
        num = _big_int(m.group(1).lstrip("+"), 10)
        den = _big_int(m.group(2), 10)
        if den == 0:
            raise ValueError("Divide by zero")
        f = Fraction(num, den)
        return f.numerator if f.denominator == 1 else f
    raise ValueError("Invalid number")


def _unescape(body: str, doc: str, body_pos: int, source: str) -> str:
    """Decode the escapes of a string literal's body (which starts at doc index body_pos)."""

    def repl(m: re.Match) -> str:
        if m.group(1):
            digits = m.group(2)
            if _HEX4.fullmatch(digits) is None:
                raise EdnSyntaxError.at(
                    doc,
                    body_pos + m.start(),
                    "Invalid unicode escape (needs \\u and four hex digits)",
                    source,
                    "\\u" + digits,
                )
            return chr(int(digits, 16))
        if m.group(3) is not None:
            digits = m.group(3) + m.group(4)
            nxt = body[m.end() : m.end() + 1]
            if len(digits) < 3 and nxt and not _ends_octal(nxt):
                # clojure.edn reads up to 3 digits and stops only at whitespace or a macro
                # character: "\0800", "\0080", "\2and" are "Invalid digit" errors
                raise EdnSyntaxError.at(
                    doc,
                    body_pos + m.start(),
                    f"Invalid digit {nxt!r} in octal escape (clojure.edn refuses it)",
                    source,
                    "\\" + digits + nxt,
                )
            if digits[0] in "89" or int(digits, 8) > 0o377:
                raise EdnSyntaxError.at(
                    doc,
                    body_pos + m.start(),
                    "Octal escape sequence must be in range [0, 377]",
                    source,
                    "\\" + digits,
                )
            return chr(int(digits, 8))
        c = m.group(5)
        r = _SIMPLE_ESC.get(c)
        if r is None:
            raise EdnSyntaxError.at(
                doc, body_pos + m.start(), "Unsupported escape character", source, "\\" + c
            )
        return r

    s = _ESCAPE_RE.sub(repl, body)
    if _SURROGATE_RE.search(s) is not None:  # \uD83D\uDE00 pairs make one code point, as in Java
        s = s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return s


# what ends an octal string escape short of 3 digits in clojure.edn: Java whitespace, a comma,
# or one of EdnReader's macro characters
_OCTAL_STOP = frozenset(' \t\n\r\f\x0b\x1c\x1d\x1e\x1f,"\\;^()[]{}#')


def _ends_octal(c: str) -> bool:
    return c in _OCTAL_STOP or (c.isspace() and c not in "\x85\xa0\u2007\u202f")


def _read_char(token: str) -> Char:
    if len(token) == 1:
        return Char(token)
    named = _CHAR_NAMES.get(token)
    if named is not None:
        return Char(named)
    if token[0] == "u" and len(token) == 5 and _HEX4.fullmatch(token[1:]):
        code = int(token[1:], 16)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"Invalid character constant: \\{token}")
        return Char(chr(code))
    if token[0] == "o" and 2 <= len(token) <= 4 and all(c in "01234567" for c in token[1:]):
        code = int(token[1:], 8)
        if code > 0o377:
            raise ValueError("Octal escape sequence must be in range [0, 377]")
        return Char(chr(code))
    raise ValueError(f"Unsupported character: \\{token}")


_FREEZE_TYPES = (dict, Vector, List, Tagged)


def _freeze(value: Any) -> Any:
    """A hashable copy of value: dicts become FrozenMap, sequences and tags frozen inside.

    Iterative and bottom-up, hashing each new FrozenMap as it is built, so even 10,000-deep
    values freeze and hash without recursion.
    """
    if type(value) not in _FREEZE_TYPES:
        return value
    done: dict[int, Any] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        obj, ready = stack.pop()
        if id(obj) in done:
            continue
        t = type(obj)
        if t is dict:
            kids = [x for kv in obj.items() for x in kv]
        elif t is Tagged:
            kids = [obj.value]
        else:
            kids = list(obj)
        if not ready:
            stack.append((obj, True))
            stack.extend((x, False) for x in kids if type(x) in _FREEZE_TYPES)
            continue
        frozen = [done.get(id(x), x) if type(x) in _FREEZE_TYPES else x for x in kids]
        if t is dict:
            out: Any = FrozenMap(zip(frozen[::2], frozen[1::2], strict=False))
        elif t is Tagged:
            out = Tagged(obj.tag, frozen[0])
        else:
            out = t(frozen)
        hash(out)  # computed (and cached for FrozenMap) while the children's hashes are known
        done[id(obj)] = out
    return done[id(value)]


def _hashable(items: list) -> list:
    """items, with the unhashable ones frozen."""
    out = []
    for x in items:
        try:
            hash(x)
        except TypeError:
            x = _freeze(x)
        out.append(x)
    return out


def _canon(value: Any) -> Any:
    """A hashable image of value under Clojure's `=` (1, 1.0 and true stay distinct)."""
    t = type(value)
    if t is bool:
        return ("b", value)
    if t is int or t is BigInt:
        return ("i", int(value))
    if t is float:
        return ("f", value)
    if t is Decimal:
        return ("d", value)
    if t is Fraction:
        return ("r", value)
    if t is str:
        return ("s", value)
    if t is Vector or t is List or t is tuple or t is list:
        return ("q", tuple(_canon(x) for x in value))
    if t is dict or t is FrozenMap:
        return ("m", frozenset((_canon(k), _canon(v)) for k, v in value.items()))
    if t is frozenset or t is set:
        return ("S", frozenset(_canon(x) for x in value))
    if t is Tagged:
        return ("t", value.tag, _canon(value.value))
    return (t.__name__, value)


# Token rules shared by the Python reader and the C fast path's callbacks: each returns the value,
# or _BAIL when clojure.edn refuses the token (the reader then raises, the fast path hands over).
_BAIL = object()


def _kw_miss(token: str) -> Any:
    """The keyword of a token missing from _KW_CACHE (interned and cached), or _BAIL."""
    parsed = parse_ident(token)
    if parsed is None or not parsed[0]:
        return _BAIL
    k = _KW_CACHE[token] = Keyword._from_token(parsed[1], parsed[2], token)
    return k


def _sym_miss(token: str) -> Any:
    """The symbol of a token missing from _SYM_CACHE (interned and cached), or _BAIL."""
    parsed = parse_ident(token)
    if parsed is None or parsed[0]:
        return _BAIL
    s = _SYM_CACHE[token] = Symbol._from_token(parsed[1], parsed[2], token)
    return s


def _ns_check(token: str) -> Any:
    """The namespace a #:ns{...} token names, or _BAIL."""
    parsed = parse_ident(token)
    if parsed is None or parsed[0] or parsed[1] is not None or token in _NOT_NS:
        return _BAIL
    return parsed[2]


class NsmapKey(NamedTuple):
    """A key with its own namespace inside `#:ns{...}`: clojure.edn reads it as written, not ns/…."""

    key: Any  # Keyword or Symbol, as clojure.edn reads it
    ns: str  # the map's namespace (the app printed the key as :ns/<key's ns>/<name>)


class _Reader:
    """Per-call reader state: source name and tag readers (never process-global)."""

    __slots__ = ("source", "tags", "unknown", "regex", "found", "locate")

    def __init__(
        self,
        source: str = "<string>",
        tags: Mapping[Any, Callable[[Any], Any]] | None = None,
        unknown_tags: str = "keep",
        regex: str = "error",
    ) -> None:
        if unknown_tags not in ("keep", "error"):
            raise ValueError("unknown_tags must be 'keep' or 'error'")
        if regex not in ("keep", "error"):
            raise ValueError("regex must be 'keep' or 'error'")
        self.source = source
        self.unknown = unknown_tags
        self.regex = regex == "keep" and unknown_tags == "keep"
        table: dict[Symbol, Callable[[Any], Any]] = {}
        for k, fn in (tags or {}).items():
            s = k if type(k) is Symbol else Symbol(*_split_tag(str(k)))
            table[s] = fn
        self.tags = table
        # (tag, pos) of values clojure.edn refuses, and (NsmapKey, pos) of keys with their own
        # namespace inside a #:ns{...} map (the app's key changed), when wanted
        self.found: list | None = None
        self.locate: Any = None  # pos -> (line, column, byte offset), when the caller has one

    # -- errors -------------------------------------------------------------------------------
    def error(self, doc: str, pos: int, reason: str, bad: str | None = None) -> EdnSyntaxError:
        """An EdnSyntaxError at character index pos."""
        return EdnSyntaxError.at(doc, pos, reason, self.source, bad, self.locate)

    # -- scalars ------------------------------------------------------------------------------
    def keyword(self, token: str, doc: str, pos: int) -> Keyword:
        """Validate and intern a keyword token (cache miss path)."""
        k = _kw_miss(token)
        if k is _BAIL:
            raise self.error(doc, pos, "Invalid keyword (clojure.edn refuses it)", token)
        return k

    def symbol(self, token: str, doc: str, pos: int) -> Any:
        """nil, true, false or an interned symbol (cache miss path)."""
        s = _sym_miss(token)
        if s is _BAIL:
            reason = "Invalid leading character" if token[0] in "@`~" else "Invalid token"
            raise self.error(doc, pos, reason, token)
        return s

    def number(self, token: str, doc: str, pos: int) -> Any:
        """A number token that is not a plain integer."""
        try:
            return match_number(token)
        except (ValueError, ArithmeticError) as exc:
            msg = str(exc)
            if msg.startswith("invalid literal"):
                msg = "Invalid number (digit out of range for its radix)"
            raise self.error(doc, pos, msg or "Invalid number", token) from None

    def char(self, token: str, doc: str, pos: int) -> Char:
        """A character literal's value."""
        try:
            return _read_char(token)
        except ValueError as exc:
            raise self.error(doc, pos, str(exc), "\\" + token) from None

    def tagged(self, tag: Symbol, value: Any, doc: str, pos: int) -> Any:
        """Apply a tag reader (caller's first, then #inst and #uuid) or keep a Tagged value."""
        fn = self.tags.get(tag)
        if self.found is not None and tag is not _INST and tag is not _UUID:
            self.found.append((tag, pos))
        try:
            if fn is not None:
                return fn(value)
            if tag is _INST:
                if type(value) is not str:
                    raise ValueError("#inst must be followed by a string")
                return Inst(value)
            if tag is _UUID:
                m = _UUID_RE.fullmatch(value) if type(value) is str else None
                if m is None:
                    raise ValueError("#uuid must be followed by a string holding a UUID")
                a, b, c, d, e = (int(x, 16) for x in m.groups())
                return uuid.UUID(int=(a << 96) | (b << 80) | (c << 64) | (d << 48) | e)
        except EdnSyntaxError:
            raise
        except Exception as exc:  # a tag reader's failure is a read error at the tag
            raise self.error(doc, pos, f"#{tag} reader failed: {exc}", None) from None
        if self.unknown == "error":
            raise self.error(doc, pos, f"No reader function for tag {tag}", "#" + str(tag))
        return Tagged(tag, value)

    def fast_tag(self, token: str, value: Any, doc: str, pos: int) -> Any:
        """The C fast path's tag callback: tagged(), or _BAIL where the Python reader raises."""
        parsed = parse_ident(token)
        if parsed is None or parsed[0] or token in _NOT_NS:
            return _BAIL
        try:
            return self.tagged(Symbol(parsed[1], parsed[2]), value, doc, pos)
        except EdnSyntaxError:
            return _BAIL

    # -- collections --------------------------------------------------------------------------
    def make_map(self, items: list, doc: str, start: int, ns: str | None = None) -> dict:
        """A dict from alternating keys and values, refusing odd counts and duplicates."""
        n = len(items)
        if n & 1:
            what = "Namespaced map literal" if ns is not None else "Map literal"
            raise self.error(doc, start, f"{what} must contain an even number of forms")
        keys = items[::2]
        if ns is not None:
            if self.found is not None:
                self.nsmap_keys(keys, doc, start, ns)
            keys = [_ns_key(k, ns) for k in keys]
        try:
            d = dict(zip(keys, items[1::2], strict=False))
        except TypeError:
            keys = _hashable(keys)
            d = dict(zip(keys, items[1::2], strict=False))
        if len(d) * 2 != n:
            self.duplicates(keys, doc, start, "key", step=2)
        return d

    def nsmap_keys(self, keys: list, doc: str, start: int, ns: str) -> None:
        """Note each key of a #:ns{...} map that has its own namespace: it keeps it (not ns)."""
        starts = None
        for i, k in enumerate(keys):
            t = type(k)
            if (t is Keyword or t is Symbol) and k.namespace is not None and k.namespace != "_":
                if starts is None:
                    starts = _child_starts(doc, start)
                self.found.append((NsmapKey(k, ns), starts[2 * i]))

    def make_set(self, items: list, doc: str, start: int) -> frozenset:
        """A frozenset, refusing duplicates."""
        try:
            s = frozenset(items)
        except TypeError:
            items = _hashable(items)
            s = frozenset(items)
        if len(s) != len(items):
            self.duplicates(items, doc, start, "set element", step=1)
        return s

    def duplicates(self, keys: list, doc: str, start: int, what: str, step: int) -> None:
        """Raise for the first repeated key: a true duplicate, or distinct in EDN but not Python."""
        seen: dict[Any, int] = {}
        for i, k in enumerate(keys):
            j = seen.get(k)
            if j is None:
                seen[k] = i
                continue
            pos = _child_starts(doc, start)[i * step]
            bad = _form_text(doc, pos)
            if _canon(keys[j]) == _canon(k):
                raise self.error(doc, pos, f"Duplicate {what}", bad)
            raise self.error(
                doc,
                pos,
                f"Duplicate {what}: {keys[j]!r} and {k!r} are distinct in EDN but equal in "
                "Python, so they cannot be represented",
                bad,
            )
        raise AssertionError("no duplicate found")  # pragma: no cover

    # -- the parser ---------------------------------------------------------------------------
    def parse(self, doc: str, pos: int, one: bool) -> Any:
        """Read forms from doc[pos:]: every form (one=False) or (value, start, end) of one form."""
        if one and _fast_one is not None:
            found = self.found
            n_found = len(found) if found is not None else 0
            r = _fast_one(doc, pos, self.fast_tag)
            if r is not None:
                return r
            if found:  # the Python reader below reports the tags it meets again
                del found[n_found:]
        single = _TOKEN_RE.match
        pair = _PAIR_RE.match
        match = single
        kwc = _KW_CACHE
        symc = _SYM_CACHE
        stack: list = []
        push = stack.append
        pop = stack.pop
        items: list = []
        append = items.append
        kind = K_TOP
        start = pos
        extra: Any = None
        while True:
            m = match(doc, pos)
            g = m.lastindex
            pos = m.end()
            if g == G_KSTR:
                k = kwc.get(m[1])
                if k is None:
                    k = self.keyword(m[1], doc, m.start(1))
                append(k)
                append(m[2])
                continue
            if g == G_KINT:
                k = kwc.get(m[1])
                if k is None:
                    k = self.keyword(m[1], doc, m.start(1))
                append(k)
                append(int(m[3]))
                continue
            if g == G_KKW:
                k = kwc.get(m[1])
                if k is None:
                    k = self.keyword(m[1], doc, m.start(1))
                append(k)
                k = kwc.get(m[4])
                if k is None:
                    k = self.keyword(m[4], doc, m.start(4))
                append(k)
                continue
            if g == G_STR:
                v = m[8]
            elif g == G_LBRACE or g == G_LBRACK:
                push((items, kind, start, extra))
                items = []
                append = items.append
                kind = K_MAP if g == G_LBRACE else K_VEC
                start = m.start(g)
                match = pair
                continue
            elif g == G_RBRACE:
                if kind == K_MAP:
                    it = iter(items)
                    try:
                        v = dict(zip(it, it, strict=False))
                    except TypeError:
                        v = self.make_map(items, doc, start)
                    else:
                        if len(v) * 2 != len(items):
                            v = self.make_map(items, doc, start)
                elif kind == K_SET:
                    v = self.make_set(items, doc, start)
                elif kind == K_NSMAP:
                    v = self.make_map(items, doc, start, extra)
                else:
                    if self.closing(doc, m.start(g), kind, stack, one) is CLOSE:
                        return CLOSE, m.start(g), pos
                items, kind, vstart, extra = pop()
                start, vstart = vstart, start
                append = items.append
                match = pair if kind > 0 else single
            elif g == G_KMAP or g == G_KVEC:
                k = kwc.get(m[1])
                if k is None:
                    k = self.keyword(m[1], doc, m.start(1))
                append(k)
                push((items, kind, start, extra))
                items = []
                append = items.append
                start = m.start(g)
                kind = K_MAP if g == G_KMAP else K_VEC
                continue
            elif g == G_RBRACK:
                if kind != K_VEC:
                    if self.closing(doc, m.start(g), kind, stack, one) is CLOSE:
                        return CLOSE, m.start(g), pos
                v = Vector(items)
                items, kind, vstart, extra = pop()
                start, vstart = vstart, start
                append = items.append
                match = pair if kind > 0 else single
            elif g == G_KCONST:
                k = kwc.get(m[1])
                if k is None:
                    k = self.keyword(m[1], doc, m.start(1))
                append(k)
                append(_CONST[m[5]])
                continue
            elif g == G_KW:
                v = kwc.get(m[1])
                if v is None:
                    v = self.keyword(m[1], doc, m.start(1))
            elif g == G_INT:
                v = int(m[9])
            elif g == G_ESTR:
                v = _unescape(m[g], doc, m.start(g), self.source)
            elif g == G_SYM:
                t = m[g]
                v = symc.get(t, _NOMETA)
                if v is _NOMETA:
                    v = self.symbol(t, doc, m.start(g))
            elif g == G_NUM:
                v = self.number(m[g], doc, m.start(g))
            elif g == G_RPAREN:
                if kind != K_LIST:
                    if self.closing(doc, m.start(g), kind, stack, one) is CLOSE:
                        return CLOSE, m.start(g), pos
                v = List(items)
                items, kind, vstart, extra = pop()
                start, vstart = vstart, start
                append = items.append
                match = pair if kind > 0 else single
            elif g == G_LPAREN or g == G_SET or g == G_NSMAP:
                push((items, kind, start, extra))
                items = []
                append = items.append
                start = m.start(g) if g != G_NSMAP else _skip(doc, m.start(0))
                if g == G_LPAREN:
                    kind = K_LIST
                elif g == G_SET:
                    kind = K_SET
                else:
                    kind = K_NSMAP
                    extra = self.namespace(m[g], doc, m.start(g))
                match = pair
                continue
            elif g == G_EOF:
                if kind != K_TOP or stack:
                    what = _KIND_NAME.get(kind, "form")
                    raise self.error(doc, start, f"EOF while reading {what} (unterminated)")
                if one:
                    return EOF, pos, pos
                return items
            elif g == G_DISCARD or g == G_TAG or g == G_META or g == G_SYMBOLIC:
                push((items, kind, start, extra))
                items = []
                append = items.append
                match = single
                start = m.start(g) if g != G_TAG else m.start(g) - 1
                if g == G_DISCARD:
                    kind = K_DISCARD
                elif g == G_TAG:
                    kind = K_TAG
                    t = m[g]
                    parsed = parse_ident(t)
                    if parsed is None or parsed[0] or t in _NOT_NS:
                        raise self.error(doc, start, "Reader tag must be a symbol", "#" + t)
                    extra = Symbol(parsed[1], parsed[2])
                elif g == G_META:
                    kind = K_META
                    extra = _NOMETA
                else:
                    kind = K_SYMBOLIC
                continue
            elif g == G_CHAR:
                v = self.char(m[g], doc, m.start(g) - 1)
            elif g == G_REGEX:
                vs = m.start(g) - 2
                if not self.regex:
                    raise self.error(
                        doc, vs, 'Regex literals #"..." are not EDN (clojure.edn refuses them)'
                    )
                v = Tagged(REGEX_TAG, m[g])
                if self.found is not None:
                    self.found.append((REGEX_TAG, vs))
            else:  # G_ERR
                raise self.bad_char(doc, m.start(g))
            # a complete value v: hand it to the enclosing frame
            if kind > 0:
                append(v)
                continue
            if g != G_RBRACE and g != G_RBRACK and g != G_RPAREN:
                vstart = m.start(g)
                if g == G_CHAR or g == G_STR or g == G_ESTR:
                    vstart -= 1
                elif g == G_REGEX:
                    vstart -= 2
            while True:
                if kind > 0:
                    append(v)
                    break
                if kind == K_TOP:
                    if one:
                        return v, vstart, pos
                    append(v)
                    break
                if kind == K_DISCARD:
                    items, kind, start, extra = pop()
                    append = items.append
                    match = pair if kind > 0 else single
                    break
                if kind == K_TAG:
                    v = self.tagged(extra, v, doc, start)
                elif kind == K_META:
                    if extra is _NOMETA:
                        if type(v) not in _META_TYPES:
                            raise self.error(
                                doc,
                                vstart,
                                "Metadata must be Symbol, Keyword, String or Map",
                                _form_text(doc, vstart),
                            )
                        extra = v
                        break
                    if type(v) not in _IMETA_TYPES:
                        raise self.error(
                            doc,
                            vstart,
                            "Metadata can only be applied to symbols and collections",
                            _form_text(doc, vstart),
                        )
                else:  # K_SYMBOLIC
                    if v is _SYM_INF:
                        v = math.inf
                    elif v is _SYM_NINF:
                        v = -math.inf
                    elif v is _SYM_NAN:
                        v = _NAN
                    else:
                        raise self.error(
                            doc, start, "Unknown symbolic value", _form_text(doc, start)
                        )
                vstart = start
                items, kind, start, extra = pop()
                append = items.append
                match = pair if kind > 0 else single

    def closing(self, doc: str, pos: int, kind: int, stack: list, one: bool) -> Any:
        """Handle a closing delimiter that does not match the open frame."""
        if one and kind == K_TOP and not stack:
            return CLOSE
        if kind > 0:
            closer = {K_VEC: "]", K_LIST: ")"}.get(kind, "}")
            reason = f"Unmatched delimiter {doc[pos]} (the open {_KIND_NAME[kind]} needs {closer})"
        elif kind < 0:
            reason = f"Unmatched delimiter {doc[pos]} ({_KIND_NAME[kind]} needs a form first)"
        else:
            reason = f"Unmatched delimiter {doc[pos]}"
        raise self.error(doc, pos, reason, doc[pos])

    def namespace(self, token: str, doc: str, pos: int) -> str:
        """The namespace of a #:ns{...} map."""
        ns = _ns_check(token)
        if ns is _BAIL:
            raise self.error(doc, pos - 2, "Namespaced map must specify a valid namespace", token)
        return ns

    def bad_char(self, doc: str, pos: int) -> EdnSyntaxError:
        """The error for text the token regex could not match at pos."""
        c = doc[pos]
        nxt = doc[pos + 1 : pos + 2]
        if c == '"':
            return self.error(doc, pos, "EOF while reading string (unterminated string)")
        if c == "\\":
            return self.error(doc, pos, "EOF while reading character")
        if c == "#":
            if nxt == ":":
                return self.error(doc, pos, "Namespaced map must specify a namespace and a map")
            if nxt == '"':
                return self.error(doc, pos, "EOF while reading regex (unterminated)")
            if nxt == "":
                return self.error(doc, pos, "EOF while reading dispatch macro")
            return self.error(doc, pos, f"No dispatch macro for: {nxt}")
        return self.error(doc, pos, f"Unexpected character {c!r}")


_NOT_NS = frozenset(("nil", "true", "false"))
_META_TYPES = frozenset((Symbol, str, Keyword, dict))
_IMETA_TYPES = frozenset((Symbol, Vector, List, dict, frozenset))
_SYM_INF = Symbol(None, "Inf")
_SYM_NINF = Symbol(None, "-Inf")
_SYM_NAN = Symbol(None, "NaN")
_NAN = float("nan")  # one object, so #{##NaN ##NaN} is a duplicate as in clojure.edn


def _skip(doc: str, pos: int) -> int:
    """Index of the first character after whitespace, commas and comments from pos."""
    return _SKIP_RE.match(doc, pos).end()


def _split_tag(text: str) -> tuple[str | None, str]:
    text = text.lstrip("#")
    i = text.find("/")
    if i == -1 or text == "/":
        return None, text
    return text[:i], text[i + 1 :]


def _ns_key(k: Any, ns: str) -> Any:
    t = type(k)
    if t is Keyword or t is Symbol:
        if k.namespace is None:
            return t(ns, k.name)
        if k.namespace == "_":
            return t(None, k.name)
    return k


def _form_text(doc: str, pos: int, limit: int = 60) -> str:
    """The source text of the form starting at pos (clipped), found by brackets only."""
    end = _lex_skip(doc, pos)
    if end < 0 or end - pos > limit:
        end = min(len(doc), pos + limit)
        return doc[pos:end] + ("..." if end < len(doc) else "")
    return doc[pos:end]


_OPENERS = frozenset((G_LBRACE, G_LBRACK, G_LPAREN, G_SET, G_NSMAP))
_CLOSERS = frozenset((G_RBRACE, G_RBRACK, G_RPAREN))


def _lex_skip(doc: str, pos: int) -> int:
    """End index of the next form after pos, by brackets only (token validity ignored).

    Returns -1 when the text ends first; stops before a closer that has no opener.
    """
    match = _TOKEN_RE.match
    depth = 0
    need = 1
    while True:
        m = match(doc, pos)
        g = m.lastindex
        if g == G_EOF:
            return -1
        if g == G_ERR:
            c = doc[m.start(g)]
            if c in '"\\#':
                return -1  # an unterminated string/char/regex runs to the end
            pos = m.end()
            if depth == 0:
                need -= 1
                if need == 0:
                    return pos
            continue
        if g in _CLOSERS:
            if depth == 0:
                return m.start(g)
            pos = m.end()
            depth -= 1
            if depth == 0:
                need -= 1
                if need == 0:
                    return pos
            continue
        pos = m.end()
        if g in _OPENERS:
            depth += 1
        elif depth == 0:
            if g == G_DISCARD or g == G_META:
                need += 1
            elif g == G_TAG or g == G_SYMBOLIC:
                pass
            else:
                need -= 1
                if need == 0:
                    return pos


def _child_starts(doc: str, start: int) -> list[int]:
    """Start indexes of the direct child forms of the collection opening at doc[start]."""
    m = _TOKEN_RE.match(doc, start)
    pos = m.end()
    starts = []
    while True:
        v, vs, pos = _PLAIN_KEEP.parse(doc, pos, True)
        if v is CLOSE or v is EOF:
            return starts
        starts.append(vs)


_PLAIN = _Reader()
_PLAIN_KEEP = _Reader(regex="keep")

# -- the optional C fast path (_speedups.c): common forms in C, everything else read here ------


def _num_miss(token: str) -> Any:
    try:
        return match_number(token)
    except (ValueError, ArithmeticError):
        return _BAIL


def _str_miss(body: str) -> Any:
    try:
        return _unescape(body, body, 0, "<string>")
    except EdnSyntaxError:
        return _BAIL


def _char_miss(token: str) -> Any:
    try:
        return _read_char(token)
    except ValueError:
        return _BAIL


try:
    from . import _speedups
except ImportError:  # no C compiler at install time: the pure-Python reader does everything
    _speedups = None
else:
    _speedups.configure(
        {
            "kw_cache": _KW_CACHE,
            "kw_miss": _kw_miss,
            "sym_cache": _SYM_CACHE,
            "sym_miss": _sym_miss,
            "ns_check": _ns_check,
            "ns_key": _ns_key,
            "ns_cache": {},
            "Vector": Vector,
            "List": List,
            "Keyword": Keyword,
            "Symbol": Symbol,
            "bail": _BAIL,
            "num_miss": _num_miss,
            "str_miss": _str_miss,
            "char_miss": _char_miss,
            "nan": _NAN,
        }
    )
_fast_one = _speedups.read_one if _speedups is not None else None


def use_speedups(enabled: bool = True) -> bool:
    """Switch the C fast path on or off (for differential tests); True when it is on."""
    global _fast_one
    _fast_one = _speedups.read_one if enabled and _speedups is not None else None
    return _fast_one is not None


def speedups_enabled() -> bool:
    """True when reads currently go through the C fast path."""
    return _fast_one is not None


@contextmanager
def fast_path(enabled: bool) -> Iterator[bool]:
    """Run the block with the C fast path on or off, then restore it; yields whether it is on."""
    was_on = speedups_enabled()
    try:
        yield use_speedups(enabled)
    finally:
        use_speedups(was_on)


def speedups_available() -> bool:
    """True when the C fast path was built at install time."""
    return _speedups is not None


_PAUSE_GC_CHARS = 1 << 16  # below this a read allocates too little for the GC to matter
_NO_PAUSE = nullcontext()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic GC while a large read builds millions of acyclic objects.

    Each collection their allocation triggers rescans the whole growing heap: on a 100 MB
    memory that was 60% of the read time. Parsed values hold no reference cycles, so nothing is
    left uncollected; the collector is switched back on only if it was on.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _pause_for(doc: str) -> Any:
    """gc_paused() for a large text; a no-op context for a small one (one stored value, say)."""
    return gc_paused() if len(doc) >= _PAUSE_GC_CHARS else _NO_PAUSE


def make_reader(
    source: str = "<string>",
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    unknown_tags: str = "keep",
    regex: str = "error",
) -> _Reader:
    """A reader object holding its own source name and tag readers."""
    if source == "<string>" and not tags and unknown_tags == "keep":
        return _PLAIN_KEEP if regex == "keep" else _PLAIN
    return _Reader(source, tags, unknown_tags, regex)


def loads(
    text: str | bytes,
    *,
    source: str = "<string>",
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    unknown_tags: str = "keep",
    regex: str = "error",
) -> Any:
    """Read exactly one EDN form; trailing text (other than whitespace/comments) is an error."""
    doc = _decode(text, source)
    r = make_reader(source, tags, unknown_tags, regex)
    with _pause_for(doc):
        v, s1, end = r.parse(doc, 0, True)
    if end == len(doc) and v is not EOF and v is not CLOSE:
        return v
    if v is EOF:
        raise r.error(doc, len(doc), "No EDN form in the text (empty document)", "")
    if v is CLOSE:
        raise r.error(doc, s1, f"Unmatched delimiter {doc[s1]}", doc[s1])
    v2, s2, _e = r.parse(doc, end, True)
    if v2 is not EOF:
        if v2 is CLOSE:
            raise r.error(doc, s2, f"Unmatched delimiter {doc[s2]}", doc[s2])
        raise r.error(doc, s2, "Trailing text after the form")
    return v


def loads_all(
    text: str | bytes,
    *,
    source: str = "<string>",
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    unknown_tags: str = "keep",
    regex: str = "error",
) -> list:
    """Read every top-level EDN form of the text."""
    doc = _decode(text, source)
    r = make_reader(source, tags, unknown_tags, regex)
    with _pause_for(doc):
        forms: list = []
        pos = 0
        while _fast_one is not None:
            got = _fast_one(doc, pos, r.fast_tag)
            if got is None:
                break
            forms.append(got[0])
            pos = got[2]
        forms.extend(r.parse(doc, pos, False))  # the rest, and the end of the text
        return forms


def _decode(text: Any, source: str) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = data[: exc.start].decode("utf-8")
            line = prefix.count("\n") + 1
            column = len(prefix) - (prefix.rfind("\n") + 1) + 1
            raise EdnSyntaxError(
                "Invalid UTF-8",
                source=source,
                line=line,
                column=column,
                offset=exc.start,
                text=repr(data[exc.start : exc.start + 4]),
                pos=len(prefix),
            ) from None
    raise TypeError(f"EDN text must be str or bytes, not {type(text).__name__}")
