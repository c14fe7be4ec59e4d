"""`workbench profile FILE --out DIR`: profile tables as CSV and plots as PNG."""

from __future__ import annotations

import argparse

from workbench.cli.options import (
    DEFAULT_INPUT,
    check_input,
    check_out_dir,
    check_outputs,
    damage_table,
    print_damage,
    readable_memory,
)

TABLES = ("types", "attributes", "alerts", "entries")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `profile` sub-command."""
    p = subparsers.add_parser(
        "profile",
        help="profile data types: CSV tables and PNG plots",
        description=__doc__,
        epilog="exit status: 0 done (damage, if any, is reported on stderr), 1 damage found with "
        "--strict, 2 path error or no readable entry",
    )
    p.add_argument(
        "file", nargs="?", default=None, help=f"memory file (default {DEFAULT_INPUT.name} sample)"
    )
    p.add_argument("--out", required=True, help="output folder for CSV and PNG files")
    p.add_argument("--max-depth", type=int, default=4, help="attribute path depth (default 4)")
    p.add_argument("--strict", action="store_true", help="exit 1 when the file is damaged")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument(
        "--heatmaps",
        type=int,
        default=8,
        help="presence heatmaps for this many kinds (most entries first; default 8)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Profile FILE into --out; exit 2 when the input is missing."""
    from workbench import atomic_write_text, iter_profile_plots, profile

    path = check_input(args.file)
    out = check_out_dir(args.out, [path])
    check_outputs([out / f"{name}.csv" for name in (*TABLES, "damage")], [path])
    mem = readable_memory(path, "profile")
    damage = print_damage(path, mem)
    prof = profile(mem, max_depth=args.max_depth, progress=True)
    for name in TABLES:
        atomic_write_text(out / f"{name}.csv", getattr(prof, name).to_csv(index=False))
    # the damage found in the input, one row each (header only when the file is clean)
    atomic_write_text(out / "damage.csv", damage_table(path, mem).to_csv(index=False))
    written = 5
    if not args.no_plots:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from workbench import save_png

        for name, fig in iter_profile_plots(prof, args.heatmaps):
            check_outputs([out / f"{name}.png"], [path])
            save_png(fig, out / f"{name}.png")
            plt.close(fig)
            written += 1
    print(
        f"{len(mem.entries):,} entries, {len(prof.attributes):,} attribute paths, "
        f"{len(prof.alerts):,} alerts: {prof.alerts_in_words()}. Wrote {written} files in {out}"
    )
    return 1 if args.strict and damage else 0
