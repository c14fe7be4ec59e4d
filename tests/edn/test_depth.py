"""recursion_room restores the recursion limit even when blocks overlap (two threads converting)."""

from __future__ import annotations

import sys

from workbench.edn.depth import recursion_room


def test_overlapping_blocks_restore_the_limit_they_found() -> None:
    before = sys.getrecursionlimit()
    a, b = recursion_room(2_000), recursion_room(3_000)
    a.__enter__()  # thread A enters
    b.__enter__()  # thread B enters while A converts
    assert sys.getrecursionlimit() >= 9_000
    a.__exit__(None, None, None)  # A leaves first: B still needs its room
    assert sys.getrecursionlimit() >= 9_000
    b.__exit__(None, None, None)
    assert sys.getrecursionlimit() == before  # the old code left B's "old" (A's raised) limit


def test_a_block_restores_the_limit_after_an_error() -> None:
    before = sys.getrecursionlimit()
    try:
        with recursion_room(4_000):
            raise ValueError
    except ValueError:
        pass
    assert sys.getrecursionlimit() == before
