"""`workbench rehearse FILE --target lmdb|datalevin|cached-write-through|cached-write-behind
--mapping inferred|plan|kv --out DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench import DURABILITY_MODES, FAULTS, MAPPINGS, ROLLBACKS
from workbench.cli.options import check_input, check_out_dir, readable_memory


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `rehearse` sub-command."""
    p = subparsers.add_parser(
        "rehearse",
        help="rehearse the 4-phase migration on a copy of FILE",
        description=__doc__,
        epilog="exit status: 0 every metric passed, 1 a metric failed, 2 path error or no "
        "readable entry",
    )
    p.add_argument("file", help="memory.edn to rehearse on (never modified: a copy is used)")
    p.add_argument(
        "--target",
        default="lmdb",
        help="target store: lmdb (default; latency timed in Python), datalevin, "
        "cached-write-through or cached-write-behind (the app's map in front of Datalevin; "
        "the Datalevin targets' latency is timed inside the JVM)",
    )
    p.add_argument(
        "--mapping",
        action="append",
        choices=MAPPINGS,
        help="mapping preset; repeat to compare (default: inferred)",
    )
    p.add_argument("--out", default="reports/rehearsal/", help="report folder")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=FAULTS,
        help="inject a fault into the rehearsal (repeat for several)",
    )
    p.add_argument(
        "--rollback", choices=ROLLBACKS, help="also rehearse one of the plan's rollback scenarios"
    )
    p.add_argument("--ops", type=int, default=None, help="trace operations per phase")
    p.add_argument("--quick", action="store_true", help="short trace")
    p.add_argument("--seed", type=int, default=0, help="seed of the trace (default 0)")
    p.add_argument(
        "--durability",
        choices=DURABILITY_MODES,
        default=None,
        help="LMDB commit durability of the target (default: the store's, sync)",
    )
    p.add_argument("--rate", type=float, default=None, help="throttle the copy (entries/s)")
    p.add_argument(
        "--drop-unreadable",
        action="store_true",
        help="leave out of the export back to memory.edn the entries whose values the app's "
        'reader refuses (#"regex", #object, records; listed); without it the export refuses',
    )
    p.add_argument(
        "--keep-work",
        action="store_true",
        help="keep the work folders (input copy, target store, backups, export)",
    )
    p.add_argument(
        "--write-rate",
        type=float,
        default=None,
        help="app writes/s for the timeline estimate (default: the trace's measured rate)",
    )
    p.add_argument(
        "--min-writes",
        type=int,
        default=3,
        help="times every key kind must be written and validated during dual-write (default 3)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the rehearsal(s); exit 0 when every metric passed, 1 otherwise."""
    from workbench import rehearse_all

    src = check_input(args.file)
    check_out_dir(args.out, [src])
    readable_memory(src, "rehearse")
    results = rehearse_all(
        src,
        args.out,
        target=args.target,
        mappings=args.mapping or ["inferred"],
        quick=args.quick,
        seed=args.seed,
        ops_per_phase=args.ops,
        faults=args.fault,
        rollback=args.rollback,
        rate=args.rate,
        durability=args.durability,
        keep_work=args.keep_work,
        drop_unreadable=args.drop_unreadable,
    )
    for m, r in results.items():
        print(f"{args.target}/{m}: {'PASS' if r.passed else 'FAIL'}  ({r.seconds:.1f} s)")
        for metric in r.metrics:
            verdict = "pass" if metric["pass"] else "FAIL"
            if not metric.get("plan", True):
                verdict += " (context)"
            print(
                f"  {metric['metric']:<36} {metric['measured']:<40} {verdict}  "
                f"[{metric.get('stack', '')}]"
            )
        print(f"  report: {r.files.get('md')}")
    print(f"summary: {Path(args.out) / 'rehearsal.md'}")
    from workbench import (
        load_memory,
        plot_timeline_estimate,
        save_png,
        timeline_estimate,
        timeline_inputs,
        timeline_summary,
    )

    first = next(iter(results.values()))
    kinds = load_memory(src).by_type().set_index("data_type")["entries"].to_dict()
    inp = timeline_inputs(first, kinds, args.min_writes, getattr(args, "write_rate", None))
    rows = timeline_estimate(inp)
    print(timeline_summary(inp, rows))
    print(f"  plot: {save_png(plot_timeline_estimate(rows), Path(args.out) / 'timeline.png')}")
    return 0 if all(r.passed for r in results.values()) else 1
