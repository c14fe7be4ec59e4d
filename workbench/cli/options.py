"""What every command shares: the default input, how a FILE argument is found, error lines."""

from __future__ import annotations

import sys
from pathlib import Path

#: The sample the commands use when FILE is omitted, relative to the current folder (the repo).
DEFAULT_INPUT = Path("data-samples/memory.edn")
DEFAULT_NOTEBOOKS = Path("notebooks")


def input_path(file: str | None) -> Path:
    """The input a command was given (the sample when omitted), as the user wrote it."""
    return DEFAULT_INPUT if file is None else Path(file).expanduser()


def fail(command: str, message: str, status: int = 2) -> int:
    """Print one error line for `command` on stderr and return the exit status."""
    print(f"workbench {command}: error: {message}", file=sys.stderr)
    return status
