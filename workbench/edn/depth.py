"""recursion_room(): make room for code that recurses once or twice per level of a deep value."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

# The reader and writer are iterative; converters that recurse per level (JSON, the JVM bridge)
# get this much nesting: past Python's default limit (1,000), as the app's files may hold.
DEEP_VALUE_LEVELS = 5_000


@contextmanager
def recursion_room(levels: int = DEEP_VALUE_LEVELS) -> Iterator[None]:
    """Raise the recursion limit to 3 frames per level for one conversion (restored after)."""
    old = sys.getrecursionlimit()
    if old < 3 * levels:
        sys.setrecursionlimit(3 * levels)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
