"""Values the app's reader (clojure.edn/read-string, no :readers) cannot read back once printed."""

from __future__ import annotations

from typing import Any

from .types import REGEX_TAG, FrozenMap, Tagged


def app_unreadable(value: Any) -> str | None:
    """What in `value` clojure.edn would refuse once printed (`#"regex"`, `#object`, a record,
    any tag but #inst/#uuid), or None when it reads back. Iterative: any nesting depth."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is dict or t is FrozenMap:
            for kv in v.items():
                stack.extend(kv)
        elif t is Tagged:
            return '#"regex"' if v.tag is REGEX_TAG else f"#{v.tag}"
        elif t is frozenset or t is set or isinstance(v, (tuple, list)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(x for kv in v.items() for x in kv)
    return None
