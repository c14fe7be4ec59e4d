"""EDN for the workbench: a faithful, fast reader and writer held to clojure.edn's rules.

loads/loads_all/load read text; dumps/dump write it; read_map_entries salvages a damaged top-level
map; identical compares values type-exactly. See the value model in the types module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import IO, Any

from .errors import EdnSyntaxError
from .identical import identical
from .reader import loads, loads_all, make_reader
from .recover import read_map_entries
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
from .writer import dumps

__all__ = [
    "loads",
    "loads_all",
    "load",
    "dumps",
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
]


def load(
    path_or_file: str | os.PathLike | IO,
    *,
    tags: Mapping[Any, Callable[[Any], Any]] | None = None,
    unknown_tags: str = "keep",
    source: str | None = None,
) -> Any:
    """Read the single EDN form of a file (path, or binary/text file object); never writes it."""
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        name = source or str(getattr(path_or_file, "name", "<file>"))
    else:
        name = source or os.fspath(path_or_file)
        with open(path_or_file, "rb") as fh:
            data = fh.read()
    return loads(data, source=name, tags=tags, unknown_tags=unknown_tags)


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
