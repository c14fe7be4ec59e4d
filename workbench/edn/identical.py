"""identical(a, b): type-exact deep equality of EDN values, without recursion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .types import FrozenMap, Inst, Keyword, Symbol, Tagged

_EXACT_KEYS = (str, Keyword, Symbol, type(None))
_MISSING = object()


def _same_float(x: float, y: float) -> bool:
    if x != x:
        return y != y
    if x == 0.0 and y == 0.0:
        return str(x) == str(y)  # 0.0 and -0.0 differ
    return x == y


def _pair_up(xs: list, ys: list) -> list | None:
    """Match elements of xs to elements of ys that identical() holds for, by (cached) hash.

    Avoids Python's == on nested frozensets/maps, which recurses in C for deep values.
    """
    if len(xs) != len(ys):
        return None
    by_hash: dict[int, list] = {}
    for e in ys:
        by_hash.setdefault(hash(e), []).append(e)
    pairs = []
    for e in xs:
        cands = by_hash.get(hash(e))
        if not cands:
            return None
        if len(cands) == 1:
            pairs.append((e, cands.pop()))
            continue
        for i, c in enumerate(cands):
            if identical(e, c):
                pairs.append((e, cands.pop(i)))
                break
        else:
            return None
    return pairs


def identical(a: Any, b: Any) -> bool:
    """Type-exact deep equality: List/Vector, 1/1.0/True, Char/str, key types all distinguished."""
    stack = [(a, b)]
    pop = stack.pop
    push = stack.append
    while stack:
        x, y = pop()
        if x is y:
            continue
        t = type(x)
        if t is not type(y):
            return False
        if t is str or t is int or t is bool:
            if x != y:
                return False
        elif t is dict or t is FrozenMap:
            if len(x) != len(y):
                return False
            pending = None
            for k, v in x.items():
                if type(k) in _EXACT_KEYS:
                    w = y.get(k, _MISSING)
                    if w is _MISSING:
                        return False
                    push((v, w))
                else:
                    if pending is None:
                        pending = []
                    pending.append(k)
            if pending is not None:
                pairs = _pair_up(pending, [k for k in y if type(k) not in _EXACT_KEYS])
                if pairs is None:
                    return False
                for k, ky in pairs:
                    push((k, ky))
                    push((x[k], y[ky]))
        elif isinstance(x, tuple) or t is list:
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif t is frozenset or t is set:
            if len(x) != len(y):
                return False
            if all(type(e) in _EXACT_KEYS for e in x):
                if x != y:
                    return False
                continue
            pairs = _pair_up(list(x), list(y))
            if pairs is None:
                return False
            stack.extend(pairs)
        elif t is float:
            if not _same_float(x, y):
                return False
        elif t is Decimal:
            if x.as_tuple() != y.as_tuple():
                return False
        elif t is Inst:
            if x.text != y.text:
                return False
        elif t is Tagged:
            if x.tag is not y.tag:
                return False
            push((x.value, y.value))
        elif x != y:
            return False
    return True
