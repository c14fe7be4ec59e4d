"""The `workbench` command line: one sub-command per module, sharing the library's core.

Errors: one line on stderr, `workbench <command>: error: <path>: <what is wrong and what to do>`;
exit 2 for path and usage errors, 1 for other failures; the traceback only with --debug or
WORKBENCH_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys

from workbench import __version__
from workbench.cli import (
    bench,
    bench_backup,
    bench_queries,
    evolve,
    generate,
    inspect,
    profile,
    rehearse,
    report,
    schema,
    suites,
)
from workbench.cli import options as _options
from workbench.cli.options import CliError, os_error_text

#: Each module exposes add_parser(subparsers) and run(args) -> int; help lists them in this order.
COMMANDS = (
    inspect,
    profile,
    schema,
    bench,
    suites,
    bench_backup,
    bench_queries,
    rehearse,
    report,
    generate,
    evolve,
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="workbench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the Python traceback of an error (also WORKBENCH_DEBUG=1); anywhere on the line",
    )
    parser.add_argument(
        "--version", action="version", version=f"workbench {__version__}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def _debug_wanted(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("WORKBENCH_DEBUG", "") not in ("", "0")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: run one command under the shared error handler."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_wanted(argv)
    parser = build_parser()
    args = parser.parse_args([a for a in argv if a != "--debug"])
    command = args.command
    _options.CREATED.clear()
    status = 1
    try:
        status = _run(args, command, debug)
        return status
    finally:
        if status != 0:  # a failed run leaves no empty output folder it created
            _options.remove_empty_created()
        _options.CREATED.clear()


def _run(args: argparse.Namespace, command: str, debug: bool) -> int:
    """Run the command; turn failures into one error line and an exit status."""
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        if debug:
            raise
        print(f"workbench {command}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"workbench {command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"workbench {command}: error: {where}{os_error_text(exc)}; check the path and its "
            "permissions (--debug shows the traceback)",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - the one place that turns failures into one line
        if debug:
            raise
        print(
            f"workbench {command}: error: {type(exc).__name__}: {exc} "
            "(an unexpected failure: rerun with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
