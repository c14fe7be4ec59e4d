"""`workbench bench-edn | bench-memory | bench-profile | bench-stores | bench-migrate |
bench-datalevin`: the benchmark suites, each printing its figures against its targets.

A suite names its path options in `PATH_OPTIONS` (dest -> "input" or "out-dir"); they go through
the same checks as every other command's FILE and --out (workbench.cli.options) before the suite
starts, so a bad path fails in a moment, not after a minute of generating data.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

from workbench import BENCH_SUITES, bench_suite
from workbench.cli.options import check_input, check_out_dir, readable_memory

EPILOG = """\
exit status: 0 done, 1 a target missed (suites that have targets) or an unexpected failure,
2 path or usage error (a path option that is missing, a folder, unreadable, or a memory file
without a readable entry)"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register one `bench-<suite>` sub-command per benchmark suite."""
    for name, help_text in BENCH_SUITES.items():
        module = bench_suite(name)
        p = subparsers.add_parser(
            f"bench-{name}",
            help=help_text,
            description=module.__doc__,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(func=checked(module))


def path_options(module: ModuleType) -> dict[str, str]:
    """The suite's path options: argparse dest -> "input" (a memory file) or "out-dir"."""
    paths = dict(getattr(module, "PATH_OPTIONS", {}))
    bad = {d: r for d, r in paths.items() if r not in ("input", "out-dir")}
    if bad:
        raise ValueError(f"{module.__name__}.PATH_OPTIONS: unknown roles {bad}")
    return paths


def checked(module: ModuleType) -> Callable[[argparse.Namespace], int]:
    """The suite's run_cli behind the shared input and output checks of its path options."""
    paths = path_options(module)

    def run(args: argparse.Namespace) -> int:
        inputs = []
        for dest, role in paths.items():
            if role == "input" and getattr(args, dest, None) is not None:
                path = check_input(getattr(args, dest))
                setattr(args, dest, str(path))
                inputs.append(path)
        for dest, role in paths.items():
            if role == "out-dir" and getattr(args, dest, None) is not None:
                setattr(args, dest, str(check_out_dir(getattr(args, dest), inputs)))
        for path in inputs:  # junk, a vector, nothing readable: refused before any work
            readable_memory(path, "benchmark")
        return module.run_cli(args)

    return run
