"""`workbench bench-edn`: read/write MB/s of workbench.edn vs edn_format, and peak memory."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `bench-edn` sub-command."""
    from workbench.benchmarks.edn import build_parser

    p = subparsers.add_parser(
        "bench-edn", help="benchmark the EDN reader/writer against edn_format", description=__doc__
    )
    build_parser(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the EDN benchmark with the parsed arguments."""
    from workbench.benchmarks.edn import run as bench

    bench(args.size_mb, max(1, args.repeats), args.seed, not args.no_baseline)
    return 0
