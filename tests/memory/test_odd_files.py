"""Memory views on small and odd files: no unstable key, deep nesting (issue 13)."""

from __future__ import annotations

import sys

from workbench import edn
from workbench.memory._values import depth_of
from workbench.memory.model import memory_from_text


def test_unstable_keys_empty_frame_filters_rows() -> None:
    u = memory_from_text("{:a 1 :b {:c 2}}").unstable_keys()
    assert u.empty and u["definite"].dtype == bool
    assert list(u[u["definite"]].columns) == list(u.columns)  # rows selected, columns kept


def test_depth_of_past_the_recursion_limit() -> None:
    n = sys.getrecursionlimit() + 500
    text = "{:deep " + "[" * n + "]" * n + " :flat 1}"
    frame = memory_from_text(text).to_frame()
    assert int(frame.loc[frame["key"] == ":deep", "depth"].iloc[0]) == n
    assert depth_of(edn.loads("{:a [1 {:b #{2}}] :c 1}")) == 4
    assert depth_of(edn.loads("#foo [1 [2]]")) == 2 and depth_of(1) == 0
