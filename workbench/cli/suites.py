"""`workbench bench-edn | bench-memory | bench-profile | bench-stores | bench-migrate |
bench-datalevin`: the benchmark suites, each printing its figures against its targets."""

from __future__ import annotations

import argparse

from workbench import BENCH_SUITES, bench_suite


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register one `bench-<suite>` sub-command per benchmark suite."""
    for name, help_text in BENCH_SUITES.items():
        module = bench_suite(name)
        p = subparsers.add_parser(
            f"bench-{name}",
            help=help_text,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(func=module.run_cli)
