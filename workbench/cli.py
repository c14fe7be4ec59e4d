"""The `workbench` command line: one sub-command per module, sharing the library's core."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module here exposes add_parser(subparsers) and run(args) -> int.
COMMANDS = [
    "cli_bench",
    "cli_bench_edn",
    "cli_generate",
    "cli_inspect",
    "cli_profile",
    "cli_rehearse",
    "cli_report",
    "cli_schema",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"workbench.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
