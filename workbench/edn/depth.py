"""recursion_room(): make room for code that recurses once or twice per level of a deep value."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The reader and writer are iterative; converters that recurse per level (JSON, the JVM bridge)
# get this much nesting: past Python's default limit (1,000), as the app's files may hold.
DEEP_VALUE_LEVELS = 5_000


_lock = threading.Lock()
_open = 0  # recursion_room blocks entered and not yet left, in any thread
_base = 0  # the limit before the first of them


@contextmanager
def recursion_room(levels: int = DEEP_VALUE_LEVELS) -> Iterator[None]:
    """Raise the recursion limit to 3 frames per level for one conversion (restored after the
    last open block, in whatever thread: blocks overlapping in two threads must not leak the limit)."""
    global _open, _base
    with _lock:
        if _open == 0:
            _base = sys.getrecursionlimit()
        _open += 1
        if sys.getrecursionlimit() < 3 * levels:
            sys.setrecursionlimit(3 * levels)
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                sys.setrecursionlimit(_base)
