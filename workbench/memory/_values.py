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
    """Nesting depth: 0 for scalars, 1 + deepest child for collections."""
    t = type(v)
    if t in _MAP_TYPES:
        best = 0
        colls = _COLL_TYPES
        for k, x in v.items():
            if type(x) in colls:
                d = depth_of(x)
                if d > best:
                    best = d
            if type(k) in colls:
                d = depth_of(k)
                if d > best:
                    best = d
        return best + 1
    if t in _COLL_TYPES:
        best = 0
        colls = _COLL_TYPES
        for x in v:
            if type(x) in colls:
                d = depth_of(x)
                if d > best:
                    best = d
        return best + 1
    if t is edn.Tagged:
        return depth_of(v.value)
    return 0


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
