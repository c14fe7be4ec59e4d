"""EDN for the workbench: a faithful, fast reader and writer held to clojure.edn's rules.

Reading: ``loads(text)`` (exactly one form), ``loads_all(text)``, ``load(path_or_file)``; options
``source=`` (named in errors), ``tags={"my/tag": fn}`` (per call; overrides #inst/#uuid too) and
``unknown_tags="keep"`` (default: ``Tagged(tag, value)``) or ``"error"`` (what clojure.edn does).
Tag functions should be pure: when the optional C fast path hands a form back to the Python reader
(on an error, say), the Python reader applies them again.
``#"regex"`` is not EDN: ``loads`` refuses it like clojure.edn; with ``regex="keep"`` (the
workbench's own stored values, and read_map_entries, which also reports it) it is kept as
``Tagged(REGEX_TAG, raw_pattern)`` and written back as ``#"..."``. String escapes follow
clojure.edn, octal ones too (``"\\0800"``, ``"\\2and"`` are errors).
Errors are ``EdnSyntaxError`` (a ValueError) with .source .line .column (1-based, characters)
.offset (UTF-8 bytes) .reason .text .snippet; duplicates, invalid tokens, unterminated forms, odd
maps, trailing text, and values distinct in EDN but equal in Python (``#{1 1.0}``) all raise.

Value model: maps -> dict (FrozenMap where a map is a key or set element), sets -> frozenset,
vectors/lists -> Vector/List (tuples; equal to each other like Clojure's =), keywords/symbols ->
interned Keyword/Symbol (identity equality; pickle back to the same object), chars -> Char,
N -> BigInt, M -> Decimal, ratios -> Fraction, #inst -> Inst (text kept), #uuid -> uuid.UUID,
##NaN -> one shared float NaN object. Integers past 64 bits without N stay plain ints.

Writing: ``dumps(value, style="plain"|"nsmaps", pr_str=False, sort_keys=False)``; set elements are
always printed sorted by their printed form (deterministic output); list/tuple print as vectors,
set as a set; values it cannot write faithfully (and keywords/symbols that would not read back,
see ``Keyword.readable``) raise TypeError naming the type and the path, e.g. ``[:a 0 :b]``.
``identical(a, b)`` is the type-exact comparison used for loss checks. ``read_map_entries``
salvages a damaged top-level map: see the recover module for its policy and diagnostic kinds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import IO, Any

from .depth import DEEP_VALUE_LEVELS, recursion_room
from .errors import EdnSyntaxError
from .identical import identical
from .readable import app_unreadable
from .reader import gc_paused, loads, loads_all, make_reader
from .recover import read_map_entries
from .typename import EDN_TYPES, type_name
from .types import (
    REGEX_TAG,
    BigInt,
    Char,
    Diagnostic,
    FrozenMap,
    Inst,
    Keyword,
    List,
    MapEntry,
    Symbol,
    Tagged,
    Vector,
    kw,
    sym,
)
from .writer import dumps, printed

__all__ = [
    "recursion_room",
    "DEEP_VALUE_LEVELS",
    "loads",
    "gc_paused",
    "type_name",
    "EDN_TYPES",
    "loads_all",
    "load",
    "dumps",
    "printed",
    "dump",
    "EdnSyntaxError",
    "Keyword",
    "kw",
    "Symbol",
    "sym",
    "Char",
    "Vector",
    "List",
    "FrozenMap",
    "Tagged",
    "Inst",
    "BigInt",
    "identical",
    "read_map_entries",
    "MapEntry",
    "Diagnostic",
    "REGEX_TAG",
    "make_reader",
    "app_unreadable",
]


def load(
    path_or_file: str | os.PathLike | IO,
    *,
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    unknown_tags: str = "keep",
    source: str | None = None,
    regex: str = "error",
) -> Any:
    """Read the single EDN form of a file (path, or binary/text file object); never writes it."""
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        name = source or str(getattr(path_or_file, "name", "<file>"))
    else:
        name = source or os.fspath(path_or_file)
        with open(path_or_file, "rb") as fh:
            data = fh.read()
    return loads(data, source=name, tags=tags, unknown_tags=unknown_tags, regex=regex)


def dump(value: Any, path_or_file: str | os.PathLike | IO, **options: Any) -> None:
    """Write dumps(value, **options) to a path (atomically, UTF-8) or to an open text/binary file."""
    text = dumps(value, **options)
    if hasattr(path_or_file, "write"):
        try:
            path_or_file.write(text)
        except TypeError:
            path_or_file.write(text.encode("utf-8"))
        return
    from workbench.io import atomic_write_bytes

    atomic_write_bytes(path_or_file, text.encode("utf-8"))
