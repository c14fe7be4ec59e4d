"""read_map_entries: salvage every readable entry of a damaged top-level map, with diagnostics.

Policy (what the memory loader relies on):
- an entry is returned when its key and value read; values clojure.edn itself refuses (unknown
  tags such as `#object[...]` or records, `#"regex"`) are returned AND reported as "unreadable",
  because the app loses the whole file on them;
- an entry whose key is damaged (invalid token such as `:U/10x-...`, `::U/x`, `:presence/`, or a
  key with a space `:projects/John Doe`) is not returned: its diagnostic names the intended key
  (a Keyword that would not read back) and the reader resumes at the next entry;
- an entry whose value is damaged is not returned; the diagnostic points at the bad token;
- a repeated key is reported as "duplicate-key"; the first occurrence is kept;
- a truncated tail is reported once as "unterminated" at the start of the cut entry;
  every complete entry before it is returned;
- inside a top-level `#:ns{...}`, a key with its own namespace (`#:review{:davidwu/x 1}`) reads
  as `:davidwu/x`, not the `:review/davidwu/x` the app wrote: the entry is returned under the key
  clojure.edn reads and reported as "qualified-key-in-nsmap" at the key; a colon-led name there
  (`#:presence{::s1 ...}`, printed from `:presence/:s1`) does not read at all: the entry is
  skipped and reported as "colon-name-in-nsmap" under the key as the file spells it
  (`:presence/:s1`). A damaged key's diagnostic names the key as written (`::davidwu/x`, not
  `:davidwu/x`, which is another, valid key);
- the same damage inside a value (`{:a #:review{:davidwu/x 1}}`, `{:a #:presence{::s1 1}}`,
  `{:a {::davidwu/x 1}}`) gets the same kind at the nested key's line:col, the key of the entry
  holding it (kept for the first, skipped for the others: the app cannot read them) and the
  nested key named in the reason as the file spells it.
Diagnostic kinds: invalid-token, key-with-space, unterminated, odd-forms, duplicate-key,
unrepresentable, unmatched-delimiter, unreadable, trailing-text, not-a-map, empty, invalid,
invalid-utf8, qualified-key-in-nsmap, colon-name-in-nsmap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import EdnSyntaxError, excerpt
from .reader import (
    _CLOSERS,
    _OPENERS,
    _TOKEN_RE,
    CLOSE,
    EOF,
    G_EOF,
    G_ERR,
    G_KW,
    G_LBRACE,
    G_NSMAP,
    G_RBRACE,
    G_SYM,
    NsmapKey,
    _canon,
    _freeze,
    _lex_skip,
    _ns_key,
    _Reader,
    _skip,
    gc_paused,
)
from .types import REGEX_TAG, Diagnostic, Keyword, MapEntry, Symbol, kw
from .writer import printed as edn_printed

_ENTRY_LINE_RE = re.compile(r"\n([ \t,]*):")


def _kind_of(exc: EdnSyntaxError) -> str:
    r = exc.reason
    if r.startswith("EOF"):
        return "unterminated"
    if r.startswith("Unmatched delimiter"):
        return "unmatched-delimiter"
    if r.startswith("Duplicate"):
        return "unrepresentable" if "equal in Python" in r else "duplicate-key"
    if "even number of forms" in r:
        return "odd-forms"
    if r.startswith(("Invalid", "Unsupported", "No dispatch", "Octal", "Reader tag", "Unknown")):
        return "invalid-token"
    return "invalid"


def _lenient_key(token: str, ns: str | None = None) -> Any:
    """The key a damaged key token names, spelled as written (a Keyword that may not read back).

    `::davidwu/x` stays `::davidwu/x` (namespace ":davidwu"); inside `#:ns{...}` an unqualified
    token takes the map's namespace as Clojure printed it: `::s1` -> `:presence/:s1`.
    """
    token = token.strip()
    if not token.startswith(":"):
        return None
    if ns is not None and token.startswith("::"):
        return Keyword(ns, token[1:])  # the map's namespace was lifted off `:ns/:name`
    return kw(token)


class _Positions:
    """Incremental char index -> (line, column, UTF-8 byte offset)."""

    __slots__ = ("doc", "ascii", "ci", "bi", "li", "ls")

    def __init__(self, doc: str) -> None:
        self.doc = doc
        self.ascii = doc.isascii()
        self.ci = 0  # last char index
        self.bi = 0  # its byte offset
        self.li = 1  # its line
        self.ls = 0  # char index where that line starts

    def at(self, pos: int) -> tuple[int, int, int]:
        """(line, column, byte offset) of char index pos."""
        doc = self.doc
        if pos < self.ci:
            self.ci, self.bi, self.li, self.ls = 0, 0, 1, 0
        nl = doc.count("\n", self.ci, pos)
        if nl:
            self.li += nl
            self.ls = doc.rfind("\n", self.ci, pos) + 1
        if self.ascii:
            self.bi = pos
        else:
            self.bi += len(doc[self.ci : pos].encode("utf-8", "surrogatepass"))
        self.ci = pos
        return self.li, pos - self.ls + 1, self.bi


def read_map_entries(
    text: str | bytes,
    *,
    source: str = "<string>",
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[MapEntry], list[Diagnostic]]:
    """Every readable entry of a top-level map, and one Diagnostic per damaged stretch.

    progress, when given, is called now and then with the UTF-8 byte offset read so far.
    """
    diags: list[Diagnostic] = []
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        try:
            doc = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            doc = data.decode("utf-8", "replace")
            prefix = data[: exc.start].decode("utf-8", "replace")
            line = prefix.count("\n") + 1
            col = len(prefix) - (prefix.rfind("\n") + 1) + 1
            diags.append(
                Diagnostic(
                    "invalid-utf8",
                    "Invalid UTF-8 (replaced by U+FFFD; the app cannot read this file)",
                    line,
                    col,
                    exc.start,
                    repr(data[exc.start : exc.start + 8]),
                    None,
                )
            )
    else:
        doc = text
    with gc_paused():
        return _Salvage(doc, source, tags, diags, progress).run()


class _Salvage:
    def __init__(
        self, doc: str, source: str, tags: Any, diags: list[Diagnostic], progress: Any = None
    ) -> None:
        self.doc = doc
        self.progress = progress
        self.reader = _Reader(source, tags, "keep", regex="keep")
        self.reader.found = []
        self.diags = diags
        self.entries: list[MapEntry] = []
        self.pos = _Positions(doc)
        self.reader.locate = self.pos.at  # cheap positions for the many errors of a bad file

    def diag(
        self, kind: str, reason: str, at: int, text: str | None = None, key: Any = None
    ) -> None:
        line, col, off = self.pos.at(at)
        if text is None:
            text = excerpt(self.doc, at)
        self.diags.append(Diagnostic(kind, reason, line, col, off, text, key))

    def run(self) -> tuple[list[MapEntry], list[Diagnostic]]:
        doc = self.doc
        start = _skip(doc, 0)
        m = _TOKEN_RE.match(doc, start)
        g = m.lastindex
        if g == G_EOF:
            self.diag("empty", "The document holds no form (the app reads nil)", start, "")
            return self.entries, self.diags
        if g == G_LBRACE:
            ns = None
        elif g == G_NSMAP:
            try:
                ns = self.reader.namespace(m.group(g), doc, m.start(g))
            except EdnSyntaxError as exc:
                self.diag("not-a-map", exc.reason, start)
                return self.entries, self.diags
        else:
            self.diag("not-a-map", "The document is not a map", start)
            return self.entries, self.diags
        end = self.entries_from(m.end(), ns, start)
        if end is not None:
            self.trailing(end)
        self.diags.sort(key=lambda d: d.offset)
        return self.entries, self.diags

    def trailing(self, pos: int) -> None:
        doc = self.doc
        try:
            v, vs, _ = self.reader.parse(doc, pos, True)
        except EdnSyntaxError as exc:
            self.diag("trailing-text", f"Text after the map: {exc.reason}", _skip(doc, pos))
            return
        if v is not EOF:
            self.diag("trailing-text", "Text after the top-level map (the app ignores it)", vs)

    def entries_from(self, pos: int, ns: str | None, map_start: int) -> int | None:
        """Read entries until the closing brace; return the index after it (None at EOF)."""
        doc = self.doc
        parse = self.reader.parse
        found = self.reader.found
        entries = self.entries
        seen: dict[Any, int] = {}
        at = self.pos.at
        progress = self.progress
        next_report = 0
        while True:
            # ---------------- key
            try:
                k, ks, ke = parse(doc, pos, True)
            except EdnSyntaxError as exc:
                found.clear()
                pos = self.bad_key(exc, pos, ns)
                if pos < 0:
                    return None
                continue
            if k is EOF:
                self.diag(
                    "unterminated",
                    "The top-level map is not closed (file truncated?)",
                    len(doc),
                    "",
                )
                return None
            if k is CLOSE:
                return ke
            nsq = None
            if ns is not None:
                if type(k) in _IDENTS and k.namespace is not None and k.namespace != "_":
                    nsq = k  # its own namespace wins over the map's: the app's key changed
                k = _ns_key(k, ns)
            # ---------------- value
            try:
                v, vs, ve = parse(doc, ke, True)
            except EdnSyntaxError as exc:
                found.clear()
                pos = self.bad_value(exc, k, ks, ke)
                if pos < 0:
                    return None
                continue
            if v is EOF:
                # a key token that runs to the very end may itself be cut short
                self.truncated(ks, k if ke < len(doc) else None, "the value is missing")
                return None
            if v is CLOSE:
                self.diag(
                    "odd-forms",
                    "Map has an odd number of forms: this key has no value",
                    ks,
                    doc[ks:ke],
                    k,
                )
                return ve
            if type(v) is Symbol and type(k) is Keyword and vs == ke + 1 and doc[ke] == " ":
                spaced = self.key_with_space(k, ks, ke, vs, ve)
                if spaced is not None:
                    found.clear()
                    pos = spaced
                    continue
            # before any diagnostic inside the entry: positions only advance
            line, col, boff = at(ks)
            if nsq is not None:
                meant = type(nsq)(ns, f"{nsq.namespace}/{nsq.name}")
                self.diag(
                    "qualified-key-in-nsmap",
                    f"Key {doc[ks:ke]} inside #:{ns}{{...}} has its own namespace, so "
                    f"clojure.edn reads it as {nsq}, not as the key the app wrote ({meant}): "
                    "the key changed; the entry is kept under the key as read",
                    ks,
                    doc[ks:ke],
                    nsq,
                )
            if found:
                for tag, tpos in found:
                    if type(tag) is NsmapKey:
                        self.nested_qualified(tag, tpos, k)
                        continue
                    what = '#"regex"' if tag is REGEX_TAG else f"#{tag}"
                    self.diag(
                        "unreadable",
                        f"{what} is not readable by clojure.edn (the app loses the whole file); "
                        "the entry is kept",
                        tpos,
                        self.form_text(tpos),
                        k,
                    )
                found.clear()
            try:
                prev = seen.get(k)
            except TypeError:
                k = _freeze(k)
                prev = seen.get(k)
            if prev is not None:
                first = entries[prev]
                if _canon(first.key) == _canon(k):
                    self.diag(
                        "duplicate-key",
                        f"Duplicate key (clojure.edn refuses the file); the first occurrence at "
                        f"line {first.line} is kept",
                        ks,
                        doc[ks:ke],
                        k,
                    )
                else:
                    self.diag(
                        "unrepresentable",
                        f"Key {k!r} is distinct in EDN from {first.key!r} but equal in Python, "
                        "so it cannot be represented; the first is kept",
                        ks,
                        doc[ks:ke],
                        k,
                    )
                pos = ve
                continue
            seen[k] = len(entries)
            _, _, bend = at(ve)
            entries.append(MapEntry(k, v, doc[ks:ke], boff, bend - boff, line, col))
            pos = ve
            if progress is not None and bend >= next_report:
                progress(bend)
                next_report = bend + (1 << 20)

    def nested_qualified(self, found: NsmapKey, at: int, k: Any) -> None:
        """Report a key with its own namespace inside a #:ns{...} nested in the value of k."""
        key, ns = found
        meant = type(key)(ns, f"{key.namespace}/{key.name}")
        text = self.form_text(at)
        self.diag(
            "qualified-key-in-nsmap",
            f"Key {text} inside #:{ns}{{...}} (in the value of {edn_printed(k)}) has its own "
            f"namespace, so clojure.edn reads it as {key}, not as the key the app wrote "
            f"({meant}): the key changed; the entry is kept with the key as read",
            at,
            text,
            k,
        )

    def form_text(self, at: int, limit: int = 80) -> str:
        """The source text of the form at `at`, clipped to `limit` characters."""
        end = _lex_skip(self.doc, at)
        if end < 0 or end - at > limit:
            return self.doc[at : at + limit] + "..."
        return self.doc[at:end]

    def truncated(self, ks: int, key: Any, why: str) -> int:
        """Report the entry starting at ks as cut off by the end of the file; return -1."""
        self.diag(
            "unterminated", f"File ends inside this entry ({why}): file truncated?", ks, None, key
        )
        return -1

    def bad_key(self, exc: EdnSyntaxError, pos: int, ns: str | None = None) -> int:
        """Report a key that does not read; return where the next entry starts (-1: EOF)."""
        doc = self.doc
        ks = _skip(doc, pos)
        ke = _lex_skip(doc, ks)
        ve = _lex_skip(doc, ke) if ke >= 0 else -1
        if ve < 0:
            return self.truncated(ks, None, exc.reason)
        key = None
        bad = exc.text or ""
        kind = _kind_of(exc)
        reason = exc.reason
        if exc.reason.startswith("Invalid keyword") and doc[exc.pos : ke] == bad:
            key = _lenient_key(bad, ns)  # the key itself is the bad token
            if ns is not None and bad.startswith("::"):
                kind = "colon-name-in-nsmap"
                reason = (
                    f"Colon-led name {bad} inside #:{ns}{{...}} (printed from the key {key}): "
                    "clojure.edn refuses it"
                )
        reason += "; this entry is skipped" if key is not None else ""
        self.diag(kind, reason, exc.pos, bad or None, key)
        return ve

    def bad_value(self, exc: EdnSyntaxError, k: Any, ks: int, ke: int) -> int:
        """Report a value that does not read; return where the next entry starts (-1: EOF)."""
        ve = _lex_skip(self.doc, ke)
        nxt = self.next_entry_line(ks, ve if ve >= 0 else len(self.doc))
        if ve < 0 and nxt is None:
            return self.truncated(ks, k, f"{exc.reason} at line {exc.line}, column {exc.column}")
        kind, reason = _kind_of(exc), exc.reason
        bad = exc.text or ""
        if reason.startswith("Invalid keyword") and bad.startswith("::"):
            # a colon-led key named as the file spells it, as at the top level
            ns = _nsmap_of_key(self.doc, ke, exc.pos)
            where = f"in the value of {edn_printed(k)}"
            if ns is not None:
                kind = "colon-name-in-nsmap"
                reason = (
                    f"Colon-led name {bad} inside #:{ns}{{...}} ({where}; printed from the key "
                    f"{Keyword(ns, bad[1:])}): clojure.edn refuses it"
                )
            else:
                reason = f"Invalid keyword {bad} ({where}): auto-resolved, clojure.edn refuses it"
        self.diag(kind, reason + "; this entry is skipped", exc.pos, bad or None, k)
        return ve if nxt is None else nxt

    def next_entry_line(self, ks: int, limit: int) -> int | None:
        """In a file printed one entry per line, where the next entry starts before `limit`.

        A broken bracket or quote makes the bracket-only skip run past later entries; a line
        that starts (after spaces/commas) with a keyword at this entry's column is taken as the
        next entry instead.
        """
        doc = self.doc
        if doc.find("\n", ks, limit) < 0:
            return None
        col = ks - (doc.rfind("\n", 0, ks) + 1)
        for m in _ENTRY_LINE_RE.finditer(doc, ks, limit):
            if len(m.group(1)) == col:
                return m.end(1)
        return None

    def key_with_space(self, k: Keyword, ks: int, ke: int, vs: int, ve: int) -> int | None:
        """`:projects/John Doe {...}`: a keyword, bare symbols one space apart, then a value.

        Recognised when that value is followed by a keyword key or the end of the map; or, when
        the entry starts the map or follows an entry separator the app writes (`, ` in pr-str
        output, a line break one entry per line), when the value is followed by such a separator
        (whatever the next key). A symbol value (`:a foo, "k" 1`) is followed by the separator
        itself, so it is never taken for part of a key. Returns where the next entry starts, or
        None when this is not a key with a space.
        """
        doc = self.doc
        words = [doc[vs:ve]]
        pos = ve
        while True:
            m = _TOKEN_RE.match(doc, pos)
            if m.lastindex == G_SYM and m.start(G_SYM) == pos + 1 and doc[pos] == " ":
                words.append(m.group(G_SYM))
                pos = m.end()
                continue
            break
        name_end = pos
        g = m.lastindex
        end = -1 if g == G_EOF or g in _CLOSERS else _lex_skip(doc, pos)
        if end >= 0:
            n = _TOKEN_RE.match(doc, end)
            ng = n.lastindex
            if g == G_KW or ng not in (G_KW, G_RBRACE, G_EOF):
                # the value is followed by a separator, and the entry is preceded by one
                tight = doc[pos] == " " and _skip(doc, pos) == pos + 1
                if not (
                    tight
                    and (ng in (G_RBRACE, G_EOF) or _breaks(doc, end, n.start(ng)))
                    and self.after_separator(ks)
                ):
                    end = -1
        if end < 0 and len(words) > 1 and _breaks(doc, pos, _skip(doc, pos)):
            # `:projects/John Doe foo, ...`: the last word is a symbol value
            if self.after_separator(ks):
                end = pos
                name_end = pos - len(words.pop()) - 1
        if end < 0:
            return None
        key = Keyword(k.namespace, k.name + " " + " ".join(words))
        self.diag(
            "key-with-space",
            "Key contains a space, so EDN reads it as a keyword and a symbol and every later "
            "key/value pair shifts; this entry is skipped",
            ks,
            doc[ks:name_end],
            key,
        )
        return end

    def after_separator(self, ks: int) -> bool:
        """Whether the entry at ks is the map's first or follows an entry separator."""
        doc = self.doc
        i = ks - 1
        while i > 0 and doc[i] in _GAP_CHARS:
            i -= 1
        return doc[i] == "{" or _breaks(doc, i + 1, ks)


_GAP_CHARS = frozenset(" \t\r\n,")
_IDENTS = (Keyword, Symbol)


def _nsmap_of_key(doc: str, pos: int, at: int) -> str | None:
    """The namespace of the #:ns{...} whose key starts at `at`, in the form read from pos.

    None when the token at `at` is not a key of a namespaced map (a value, or another
    collection). Brackets only, on the error path: the token at `at` did not read.
    """
    match = _TOKEN_RE.match
    stack: list[tuple[int, int, str | None]] = []  # (group, start after the opener, ns token)
    while pos < at:
        m = match(doc, pos)
        g = m.lastindex
        if g in (G_EOF, G_ERR) or m.end() <= pos:
            return None
        if m.start(g) >= at:
            break
        if g in _OPENERS:
            stack.append((g, m.end(), m.group(g) if g == G_NSMAP else None))
        elif g in _CLOSERS and stack:
            stack.pop()
        pos = m.end()
    if not stack or stack[-1][0] != G_NSMAP:
        return None
    _, child, ns = stack[-1]
    count = 0
    while True:  # which child of the namespaced map starts at `at`
        child = _skip(doc, child)
        if child >= at:
            break
        end = _lex_skip(doc, child)
        if end < 0:
            return None
        child = end
        count += 1
    return ns.strip() if child == at and count % 2 == 0 else None


def _breaks(doc: str, start: int, end: int) -> bool:
    """Whether the gap doc[start:end] separates entries the way the app writes maps.

    pr-str puts `, ` between entries; a file printed one entry per line has a line break.
    """
    return doc.find(",", start, end) >= 0 or doc.find("\n", start, end) >= 0
