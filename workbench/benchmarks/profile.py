"""Benchmark: profile a generated memory (target: 100k entries in at most 15 s).

Run: `python -m workbench.benchmarks.profile [--entries N] [--repeat R]`. Prints the median
seconds of `workbench.profile.profile` and of `infer_schema` on the same entries, entries/s, and
whether the 15 s target is met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

TARGET_S = 15.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 when the target is missed."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--reports",
        action="store_true",
        help="also time collision_report and loss_report (inferred, EDN blob) once",
    )
    args = ap.parse_args(argv)

    from workbench.generate import generate_memory
    from workbench.memory import memory_from_text
    from workbench.profile import profile
    from workbench.schema import infer_schema

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
        from workbench.schema import collision_report, get_mapping, loss_report

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


if __name__ == "__main__":
    sys.exit(main())
