"""`workbench bench-queries [FILE] --out DIR`: which accesses gain most from moving to Datalog.

Times each of the app's accesses (get by key, substring search, tag -> learning lookup), the
plan's four queries and the queries the data suggests (equality lookups on the attributes the
profile finds selective, entries holding a component record with a selective value, entries whose
time attribute falls in the data's latest window), on the in-memory map (as a Clojure map inside
the JVM, and a Python emulation of it), the LMDB entity store and Datalevin (the Datalog timed
inside the JVM, and through the Python bridge), checks every answer against the map's, ranks the
patterns by the Clojure map's cost over Datalevin's (both in the JVM; the column 'ratio of' says
where the Python emulation stood in) and writes the ranked table to DIR/queries.csv and
DIR/queries.md.
"""

from __future__ import annotations

import argparse

from workbench.cli.options import check_input, check_out_dir, print_damage, readable_memory


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `bench-queries` sub-command."""
    p = subparsers.add_parser(
        "bench-queries",
        help="rank the app's accesses and the plan's queries by their gain from Datalog",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", default=None, help="memory file (default: the sample)")
    p.add_argument("--out", required=True, help="folder for queries.csv and queries.md")
    p.add_argument("--quick", action="store_true", help="fewer samples per figure (a smoke run)")
    p.add_argument(
        "--no-datalevin",
        action="store_true",
        help="leave Datalevin out (nothing is then ranked: the ranking needs its JVM figures)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Measure, rank, write; print the ranked table and the headline; exit 2 on bad input."""
    from workbench import (
        datalevin,
        measure_queries,
        queries_finding,
        queries_table_rows,
        rank_queries,
        write_queries,
    )

    path = check_input(args.file)
    out = check_out_dir(args.out, [path])
    mem = readable_memory(path, "time queries on")
    print_damage(path, mem)
    with_dl = not args.no_datalevin and datalevin.available()
    if not args.no_datalevin and not with_dl:
        print("Datalevin is not installed (pip install -e '.[datalevin]'): EDN and LMDB only")
    costs = measure_queries(mem, quick=args.quick, datalevin=with_dl)
    files = write_queries(costs, out, source=str(path))
    ranked = rank_queries(costs)
    for r in queries_table_rows(ranked):
        ratio = r["map / Datalog"]
        print(
            f"{r['rank']:>7}  {r['pattern']:<30} {ratio:>10}  {r['ratio of']:<38}  "
            f"{r['answers']:<8}  {r['reason']}"
        )
    print(queries_finding(ranked)["sentence"])
    print(f"-> {files['csv']}, {files['md']}")
    return 0
