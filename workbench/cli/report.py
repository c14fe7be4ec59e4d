"""`workbench report`: run every notebook on a memory file and publish HTML reports and an index."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from workbench.cli.options import (
    DEFAULT_INPUT,
    DEFAULT_NOTEBOOKS,
    check_earlier_report,
    check_input,
    check_out_dir,
    fail,
    readable_memory,
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `report` sub-command."""
    p = subparsers.add_parser(
        "report",
        help="execute every notebook on FILE and write HTML reports and index.html",
        description=__doc__,
        epilog="exit status: 0 every notebook ran, 1 a notebook failed, 2 path error, missing "
        "notebooks or a file without any readable entry",
    )
    p.add_argument(
        "file", nargs="?", default=None, help=f"memory file (default {DEFAULT_INPUT.name} sample)"
    )
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument("--quick", action="store_true", help="small sweeps: the CI-sized run")
    p.add_argument("--with-code", action="store_true", help="show code cells in the HTML pages")
    p.add_argument(
        "--notebooks",
        default=str(DEFAULT_NOTEBOOKS),
        help="folder of notebooks (default: notebooks/ in the current folder)",
    )
    p.add_argument(
        "--compare",
        metavar="OLD_REPORTS_DIR",
        default=None,
        help="an earlier report folder: add compare.html, what changed since then "
        "(entries, keys, damage, schema, verdicts)",
    )
    p.add_argument(
        "--single-file",
        action="store_true",
        help="also write report.html: the index and every page in one self-contained file",
    )
    p.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    p.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the report; exit 1 when a notebook fails, 2 when the input or notebooks are missing."""
    from workbench import NotebookFailed, run_report

    started = time.perf_counter()
    path = check_input(args.file)
    check_out_dir(args.out, [path])
    readable_memory(path, "report on", map_enough=True)
    if args.compare is not None:
        check_earlier_report(args.compare, args.out)
    try:
        result = run_report(
            path,
            args.out,
            quick=args.quick,
            with_code=args.with_code,
            notebooks_dir=args.notebooks,
            kernel_name=args.kernel,
            timeout=args.timeout,
            log=lambda msg: print(msg, flush=True),
            compare=args.compare,
            single_file=args.single_file,
        )
    except NotebookFailed as exc:
        print(f"\nerror: {exc.describe()}", file=sys.stderr)
        print(f"Stopped after {time.perf_counter() - started:.1f} s.", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        return fail("report", str(exc))
    index = Path(result.out_dir) / "index.html"
    print(f"Wrote {index} ({len(result.runs)} notebooks)")
    if args.single_file:
        print(f"Wrote {index.parent / 'report.html'} (one self-contained file)")
    print(f"Total time: {time.perf_counter() - started:.1f} s")
    return 0
