"""Benchmark: profile a generated memory (target: 100k entries in at most 15 s).

Run: `python -m workbench.bench.suites.profile [--entries N] [--repeat R]`. Prints the median
seconds of `workbench.analysis.profile.profile` and of `infer_schema` on the same entries, entries/s, and
whether the 15 s target is met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

TARGET_S = 15.0


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-profile` and `python -m`)."""
    p.add_argument(
        "--entries", type=int, default=100_000, help="generated entries (default 100000)"
    )
    p.add_argument("--repeat", type=int, default=3, help="runs per median (default 3)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--reports",
        action="store_true",
        help="also time collision_report and loss_report (inferred, EDN blob) once",
    )
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures; exit 1 when the target is missed."""

    from workbench.analysis.profile import profile
    from workbench.analysis.schema import infer_schema
    from workbench.memory.generate import generate_memory
    from workbench.memory.model import memory_from_text

    t0 = time.perf_counter()
    g = generate_memory(entries=args.entries, seed=args.seed)
    mem = memory_from_text(g.text, source="<generated>")
    print(
        f"generated and loaded {len(mem.entries)} entries ({len(g.text) / 1e6:.1f} MB) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    times, itimes = [], []
    prof = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        prof = profile(mem)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        infer_schema(prof)
        itimes.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(
        f"profile: median {med:.2f} s over {args.repeat} runs "
        f"({len(mem.entries) / med:,.0f} entries/s); {len(prof.attributes)} attribute paths, "
        f"{len(prof.alerts)} alerts"
    )
    print(f"infer_schema from the profile: median {statistics.median(itimes) * 1000:.1f} ms")
    if args.reports:
        from workbench.analysis.schema import collision_report, get_mapping, loss_report

        mapping = get_mapping("inferred", schema=infer_schema(prof))
        t = time.perf_counter()
        col = collision_report(mem, mapping)
        t_col = time.perf_counter() - t
        t = time.perf_counter()
        loss = loss_report(mem, mapping)
        t_loss = time.perf_counter() - t
        print(
            f"collision_report: {t_col:.2f} s ({len(col)} pairs); "
            f"loss_report (edn blob): {t_loss:.2f} s ({len(loss)} losses)"
        )
    ok = (
        med <= TARGET_S * len(mem.entries) / 100_000 if args.entries != 100_000 else med <= TARGET_S
    )
    print(
        f"target <= {TARGET_S:.0f} s per 100k entries: {'PASS' if ok else 'FAIL'} "
        f"(ratio {med / TARGET_S * 100_000 / len(mem.entries):.2f} of budget)"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.profile`: the same as `workbench bench-profile`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
