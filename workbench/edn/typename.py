"""The EDN type name of a value (keyword, long, bigint, vector, ...): one naming for every module."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from .types import BigInt, Char, FrozenMap, Inst, Keyword, List, Symbol, Tagged, Vector

EDN_TYPES = (
    "keyword",
    "symbol",
    "string",
    "long",
    "bigint",
    "double",
    "bigdec",
    "ratio",
    "inst",
    "uuid",
    "char",
    "tagged",
    "nil",
    "boolean",
    "vector",
    "list",
    "set",
    "map",
)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# exact classes first (one dict lookup on the hot path); subclasses fall through to type_name's scan
TYPE_BY_CLASS: dict[type, str] = {
    type(None): "nil",
    bool: "boolean",
    str: "string",
    float: "double",
    dict: "map",
    int: "long",
    frozenset: "set",
    set: "set",
    Decimal: "bigdec",
    Fraction: "ratio",
    UUID: "uuid",
    Keyword: "keyword",
    Symbol: "symbol",
    Char: "char",
    Vector: "vector",
    List: "list",
    FrozenMap: "map",
    Tagged: "tagged",
    Inst: "inst",
    BigInt: "bigint",
}

_BY_INSTANCE = (
    (bool, "boolean"),
    (BigInt, "bigint"),
    (int, "long"),
    (Char, "char"),
    (Keyword, "keyword"),
    (Symbol, "symbol"),
    (str, "string"),
    (float, "double"),
    (Decimal, "bigdec"),
    (Fraction, "ratio"),
    (UUID, "uuid"),
    (Inst, "inst"),
    (datetime, "inst"),
    (Tagged, "tagged"),
    (Vector, "vector"),
    (List, "list"),
    (frozenset, "set"),
    (set, "set"),
    (dict, "map"),
)


def type_name(value: Any) -> str:
    """The EDN type name of a value (one of EDN_TYPES); Python ints beyond 64 bits count as bigint."""
    name = TYPE_BY_CLASS.get(type(value))
    if name is not None:
        if name == "long" and not INT64_MIN <= value <= INT64_MAX:
            return "bigint"
        return name
    for cls, cname in _BY_INSTANCE:
        if isinstance(value, cls):
            return cname
    if hasattr(value, "items"):
        return "map"
    if isinstance(value, tuple | list):
        return "vector"
    return "tagged"
