"""A "next month" memory derived from a parsed one: the evolution the schema rehearsal applies.

Learning records gain `:learning/reviewed-by` (a new attribute) and `:learning/uid` (a new id,
declared unique by `next_month_schema`: inference never declares record attributes unique),
`:learning/confidence` becomes a double (3 -> 3.5), and `:learning/category` (one string) becomes a
set of tags. Every other entry is kept as it is.
"""

from __future__ import annotations

import uuid
from typing import Any

from workbench import edn
from workbench.memory.model import Memory, memory_from_text

K = edn.Keyword
NEW_ATTR = K("learning", "reviewed-by")
NEW_ID = K("learning", "uid")
CONFIDENCE = K("learning", "confidence")
CATEGORY = K("learning", "category")
_ID = K("learning", "id")


def next_month_value(value: Any, n: int) -> Any:
    """The next month's form of one entry value (learning records change, others do not)."""
    if not isinstance(value, dict) or _ID not in value:
        return value
    v = dict(value)
    v[NEW_ATTR] = "reviewer-" + str(n % 3)
    v[NEW_ID] = str(uuid.uuid5(uuid.NAMESPACE_URL, str(value[_ID])))
    if isinstance(v.get(CONFIDENCE), int) and not isinstance(v.get(CONFIDENCE), bool):
        v[CONFIDENCE] = v[CONFIDENCE] + 0.5
    if isinstance(v.get(CATEGORY), str):
        v[CATEGORY] = frozenset({v[CATEGORY], "reviewed"})
    return v


def next_month(memory: Memory) -> Memory:
    """The memory one month on: same keys, learning records in their new shape."""
    data = {e.key: next_month_value(e.value, i) for i, e in enumerate(memory.entries)}
    return memory_from_text(
        edn.dumps(data), source=f"{getattr(memory, 'source', 'memory')} (next month)"
    )


def next_month_schema(inferred: Any) -> Any:
    """The v2 schema: the inferred one with the new id declared unique (the team's decision)."""
    return inferred.with_attr(NEW_ID, unique="identity") if NEW_ID in inferred else inferred
