"""`workbench generate`: write a realistic generated memory.edn (optionally damaged)."""

from __future__ import annotations

import argparse
import time

from workbench import DAMAGE_KINDS, GENERATOR_LAYOUTS, GENERATOR_STYLES
from workbench.cli.options import check_out_file


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `generate` sub-command."""
    p = subparsers.add_parser(
        "generate", help="generate a realistic memory.edn", description=__doc__
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--entries", type=int, default=None, help="number of top-level entries")
    size.add_argument("--size-mb", type=float, default=None, help="target size in MB instead")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--style",
        choices=GENERATOR_STYLES,
        default="mixed",
        help="print style: plain, nsmaps (#:ns{}), mixed per entry (default)",
    )
    p.add_argument(
        "--layout",
        choices=GENERATOR_LAYOUTS,
        default="pr-str",
        help="pr-str = one line as the app writes; lines = one entry per line",
    )
    p.add_argument(
        "--damage",
        default="",
        help=f"comma-separated damage kinds to inject, or 'all': {','.join(DAMAGE_KINDS)}",
    )
    p.add_argument(
        "--user", default="davidwu", help="user name in keys and values (default davidwu)"
    )
    p.add_argument("--truth", default=None, help="also write the ground truth as JSON here")
    p.add_argument("-o", "--output", required=True, help="output file (written atomically)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Generate and write the file; print what was written."""
    from workbench import generate_memory

    output = check_out_file(args.output, [])
    truth = check_out_file(args.truth, []) if args.truth else None
    entries = args.entries if args.entries is not None or args.size_mb else 1000
    t0 = time.perf_counter()
    g = generate_memory(
        entries=entries,
        seed=args.seed,
        style=args.style,
        damage=args.damage,
        user=args.user,
        size_mb=args.size_mb,
        layout=args.layout,
    )
    path = g.write(output, truth_path=truth)
    dt = time.perf_counter() - t0
    nbytes = len(g.text.encode("utf-8"))
    print(
        f"wrote {path}: {len(g.truth.entries)} entries, {nbytes:,} bytes, seed {args.seed}, "
        f"style {args.style}, {len(g.truth.damages)} damage(s) in {dt:.2f} s"
    )
    for d in g.truth.damages:
        print(f"  damage {d.kind} at {d.line}:{d.column} key {d.key_text}")
    return 0
