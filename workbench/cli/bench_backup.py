"""`workbench bench-backup [FILE] --out DIR`: Datalevin's native copy (plain and compacted) and datom
dump/load against py-lmdb's compacting copy and the workbench EDN export, on FILE and on a generated
memory: backup time while the app writes, size, restore time, fidelity, whether the app can read
it, and whether a restore killed half-way leaves the old or the new state. Writes DIR/backup.csv
and DIR/backup.md. Datalevin's operations, and the app's trace writing to Datalevin meanwhile, run
inside the JVM. Each method's row is printed, and backup.csv / backup.md rewritten, as soon as
it is done; a progress bar per memory shows the step running and the time left. A memory of
20,000 entries or more (the generated one) is timed once unless --repeats is given.

Exit status: 0 done, 1 a method failed or lost data, 2 bad input or Datalevin unavailable."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.cli.options import check_input, check_out_dir, fail, readable_memory


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `bench-backup` sub-command."""
    p = subparsers.add_parser(
        "bench-backup",
        help="compare Datalevin's native backup with py-lmdb copies and the EDN export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", default=None, help="memory file (default: the sample)")
    p.add_argument("--out", required=True, help="folder for backup.csv and backup.md")
    p.add_argument(
        "--entries",
        type=int,
        default=100_000,
        help="size of the generated memory also compared (default 100000; 0 skips it)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="FILE's first 300 entries only, timed once, no generated memory (a smoke run)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="times each backup and restore is timed, median and spread shown (default 3; "
        "1 on a memory of 20,000 entries or more)",
    )
    p.add_argument("--no-kill", action="store_true", help="skip the kill-halfway restore test")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated memory (default 0)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the comparison, print the table and the recommendation, write the files."""
    from tqdm.auto import tqdm

    from workbench import (
        DatalevinUnavailable,
        backup_recommendation,
        backup_table,
        compare_backups,
        datalevin,
        generated_backup_memory,
        write_backup_outputs,
    )

    data = check_input(args.file)
    out = check_out_dir(args.out, [data])
    if args.entries < 0:
        return fail("bench-backup", f"--entries {args.entries}: give 0 (skip) or more")
    if args.repeats is not None and args.repeats < 1:
        return fail("bench-backup", f"--repeats {args.repeats}: give 1 or more")
    mem = readable_memory(data, "back up")
    try:
        datalevin.require()
    except DatalevinUnavailable as exc:
        return fail("bench-backup", str(exc))
    kill = not args.no_kill
    repeats = 1 if args.quick else args.repeats
    limit = 300 if args.quick else None
    rows: list = []

    def done(row: Any) -> None:  # each row as its method ends: shown, and on disk
        rows.append(row)
        rec = backup_table([row]).iloc[0].dropna()
        tqdm.write(" | ".join(f"{k}: {v}" for k, v in rec.items()))
        write_backup_outputs(rows, out)

    compare_backups(mem, Path(data).name, limit=limit, repeats=repeats, kill=kill, on_row=done)
    if args.entries and not args.quick:
        gen = generated_backup_memory(args.entries, seed=args.seed)
        compare_backups(gen, "generated", repeats=repeats, kill=kill, on_row=done)
    write_backup_outputs(rows, out)
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_colwidth", 70):
        print(backup_table(rows).to_string(index=False))
    rec = backup_recommendation(rows)
    print(
        f"\n{rec['sentence']}\nStatus: {rec['status']}" + (f" ({rec['why']})" if rec["why"] else "")
    )
    print(f"-> {out / 'backup.csv'}, {out / 'backup.md'}")
    return 1 if any(r.errors or not r.faithful for r in rows) else 0
