"""`workbench inspect FILE`: entries and bytes by data type, and every diagnostic (exit 1 if damaged)."""

from __future__ import annotations

import argparse
import sys

from workbench.cli.options import check_input


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `inspect` sub-command."""
    p = subparsers.add_parser(
        "inspect",
        help="summarise a memory.edn and list its damage",
        description=__doc__,
        epilog="exit status: 0 clean, 1 damage found (or --strict read failed), 2 path error",
    )
    p.add_argument("file", help="memory.edn to inspect (never modified)")
    p.add_argument("--strict", action="store_true", help="fail like the app on the first error")
    p.add_argument("--kinds", action="store_true", help="also print entries and bytes per kind")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the summary; 0 when clean, 1 when damage was found, 2 when the file is missing."""
    from workbench import damage_kind, edn, load_memory

    path = check_input(args.file)
    try:
        m = load_memory(path, strict=args.strict, progress=False)
    except edn.EdnSyntaxError as exc:
        print(f"the app cannot read this file: {exc}", file=sys.stderr)
        return 1
    print(f"{m.path}: {len(m.entries)} entries, {m.size:,} bytes, sha256 {m.sha256[:16]}…")
    bt = m.by_type()
    print(f"{'data type':<18} {'entries':>9} {'bytes':>14} {'% bytes':>8}")
    for r in bt.itertuples():
        print(f"{r.data_type:<18} {r.entries:>9,} {r.bytes:>14,} {r.share_bytes_pct:>8.2f}")
    if args.kinds:
        print()
        for r in m.by_kind().itertuples():
            print(f"  {r.data_type:<18} {r.kind:<18} {r.entries:>9,} {r.bytes:>14,}")
    unc = sum(1 for e in m.entries if e.kind == "unclassified")
    if unc:
        print(f"{unc} unclassified entries")
    if not m.diagnostics:
        print("no damage found: the app can read this file")
        return 0
    if m.app_readable:
        print(
            f"{len(m.diagnostics)} diagnostic(s): the app reads this file, but not as written "
            "(keys change or text is ignored)"
        )
    else:
        print(f"{len(m.diagnostics)} diagnostic(s): the app would fail to read this file")
    for d in m.diagnostics:
        key = "" if d.key is None else f" key {edn.printed(d.key)}"
        dk = damage_kind(d)
        kind = d.kind if dk == d.kind else f"{d.kind} ({dk})"
        print(f"{m.path}:{d.line}:{d.column}: {kind}: {d.reason}: {d.text[:80]!r}{key}")
    return 1
