"""The `workbench` command line: one sub-command per module, sharing the library's core."""

from __future__ import annotations

import argparse
import sys

from workbench.cli import (
    bench,
    evolve,
    generate,
    inspect,
    profile,
    rehearse,
    report,
    schema,
    suites,
)

#: Each module exposes add_parser(subparsers) and run(args) -> int; help lists them in this order.
COMMANDS = (inspect, profile, schema, bench, suites, rehearse, report, generate, evolve)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
