"""Ledger: wraps a MigratingMemory and keeps the app's acknowledged state as a plain dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.migrate.modes import MigratingMemory


class Ledger:
    """Forward app operations and remember what every acknowledged write left behind."""

    def __init__(self, memory: MigratingMemory, expected: dict[Any, Any] | None = None):
        self.memory = memory
        self.expected: dict[Any, Any] = dict(memory.get_all() if expected is None else expected)
        self.ops = 0

    def save_value(self, key: Any, value: Any) -> Any:
        """save_value, recorded."""
        self.memory.save_value(key, value)
        self.expected[key] = value
        self.ops += 1
        return value

    def delete_value(self, key: Any) -> bool:
        """delete_value, recorded."""
        existed = self.memory.delete_value(key)
        self.expected.pop(key, None)
        self.ops += 1
        return existed

    def update(self, key: Any, fn: Callable[[Any], Any]) -> Any:
        """update, recorded."""
        new = self.memory.update(key, fn)
        self.expected[key] = new
        self.ops += 1
        return new

    def clear(self) -> None:
        """clear, recorded."""
        self.memory.clear()
        self.expected.clear()
        self.ops += 1

    def get_value(self, key: Any, default: Any = None) -> Any:
        """get_value (not recorded: reads change nothing)."""
        return self.memory.get_value(key, default)
