"""`workbench evolve [OLD_SCHEMA NEW_SCHEMA] [--data FILE] --out DIR`: apply schema changes to a
real Datalevin database holding the data and report what Datalevin did with each."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.options import (
    check_input,
    check_out_dir,
    fail,
    read_schema_file,
    readable_memory,
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `evolve` sub-command."""
    p = subparsers.add_parser(
        "evolve",
        help="apply schema changes to real Datalevin holding the data (evolution.json/.md)",
        description=__doc__,
        epilog="exit status: 0 done, 1 an unexpected failure, 2 path or usage error (a schema "
        "file or --data missing, a folder, unreadable or not EDN; --data without a readable "
        "entry; the datalevin extra missing)",
    )
    p.add_argument(
        "old_schema",
        nargs="?",
        default=None,
        help="old Datalevin schema map (EDN), or 'plan'; omit both for the default cases",
    )
    p.add_argument("new_schema", nargs="?", default=None, help="new Datalevin schema map (EDN)")
    p.add_argument("--data", default=None, help="memory file (default: the sample)")
    p.add_argument("--out", required=True, help="folder for evolution.json and evolution.md")
    p.add_argument(
        "--rename",
        action="append",
        default=None,
        metavar="OLD=NEW",
        help="rehearse OLD -> NEW as a rename (update-schema's rename-map; repeatable); "
        "default: a namespace move with the same definition is read as a rename",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Rehearse the changes; print one line per change and the headline; exit 2 on bad input."""
    from workbench import (
        DatalevinUnavailable,
        edn,
        evolution_cases,
        evolution_entities,
        evolution_headline,
        get_mapping,
        load_plan_schema,
        run_evolution,
    )

    if (args.old_schema is None) != (args.new_schema is None):
        return fail("evolve", "give both OLD_SCHEMA and NEW_SCHEMA, or neither (default cases)")
    renames = None
    if args.rename:
        if args.old_schema is None:
            return fail("evolve", "--rename needs OLD_SCHEMA and NEW_SCHEMA")
        pairs = [r.split("=", 1) for r in args.rename]
        if any(len(p) != 2 or not p[0].strip() or not p[1].strip() for p in pairs):
            return fail("evolve", "--rename takes OLD=NEW, e.g. --rename :learning/tag=:learn/tag")
        renames = {edn.kw(o.strip().lstrip(":")): edn.kw(n.strip().lstrip(":")) for o, n in pairs}
    schema_files = [a for a in (args.old_schema, args.new_schema) if a not in (None, "plan")]
    # the schema files the user named first (the default --data is only a fallback), then the
    # data: each checked and read like every input, before the output folder or any work
    schemas = [
        load_plan_schema() if arg == "plan" else read_schema_file(arg)
        for arg in (args.old_schema, args.new_schema)
        if arg is not None
    ]
    data = check_input(args.data)
    check_out_dir(args.out, [data, *schema_files])
    mem = readable_memory(data, "evolve")
    if args.old_schema is None:
        cases = evolution_cases(mem)
    else:
        mapping = (
            get_mapping("plan")
            if args.old_schema == "plan"
            else get_mapping("inferred", schema=schemas[0], memory=mem)
        )
        cases = {
            f"{args.old_schema} -> {args.new_schema}": (
                schemas[0],
                schemas[1],
                evolution_entities(mem, mapping),
            )
        }
    try:
        results = run_evolution(cases, args.out, renames=renames)
    except DatalevinUnavailable as exc:
        return fail("evolve", str(exc))
    except ValueError as exc:  # a --rename that does not fit the two schemas
        return fail("evolve", str(exc))
    for case, rs in results.items():
        print(case)
        for r in rs:
            print(
                f"  {r.change:<20} {r.attribute:<28} {r.outcome:<24} "
                f"checked {r.entities_checked:>5}  differences {r.differences}"
                + (f"  (rename {r.rename_source})" if r.rename_source else "")
            )
    print(evolution_headline(results))
    print(f"-> {Path(args.out) / 'evolution.json'}, {Path(args.out) / 'evolution.md'}")
    return 0
