"""Value helpers of the memory views: EDN type name, nesting depth, children, DataFrame cells."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from workbench import edn

SHORT = 60


def value_type(v: Any) -> str:
    """Short EDN type name of a value (the same names the profile uses)."""
    return edn.type_name(v)


_COLL_TYPES = frozenset({dict, edn.FrozenMap, edn.Vector, edn.List, frozenset, tuple, set, list})
_MAP_TYPES = frozenset({dict, edn.FrozenMap})


def depth_of(v: Any) -> int:
    """Nesting depth: 0 for scalars, 1 + deepest child for collections (iterative: any depth)."""
    colls = _COLL_TYPES
    best = 0
    stack = [(v, 0)]
    while stack:
        x, d = stack.pop()
        t = type(x)
        if t is edn.Tagged:
            stack.append((x.value, d))
            continue
        if t not in colls:
            continue
        d += 1
        if d > best:
            best = d
        if t in _MAP_TYPES:
            for k, y in x.items():
                if type(k) in colls:
                    stack.append((k, d))
                if type(y) in colls:
                    stack.append((y, d))
        else:
            for y in x:
                if type(y) in colls:
                    stack.append((y, d))
    return best


def child_count(v: Any) -> int:
    """Number of direct children of a collection (0 for scalars)."""
    return len(v) if type(v) in _COLL_TYPES else 0


def cell(v: Any) -> Any:
    """A value as a DataFrame cell: keywords as `:ns/name`, collections as short printed text."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, edn.Keyword | edn.Symbol):
        return str(v)
    if isinstance(v, UUID | Decimal | Fraction):
        return str(v)
    return edn.printed(v, SHORT)
