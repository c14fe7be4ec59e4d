"""`workbench schema FILE --out schema.edn [--against plan|OTHER.edn]`: infer a Datalevin schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.options import (
    DEFAULT_INPUT,
    check_input,
    check_out_dir,
    check_out_file,
    check_outputs,
    damage_comment,
    damage_table,
    fail,
    print_damage,
    read_schema_file,
    readable_memory,
)

REPORTS = (
    "collisions-inferred",
    "losses-inferred",
    "validation-inferred",
    "collisions-plan",
    "losses-plan",
    "validation-plan",
    "plan-defects",
    "schema-inferred",
    "diff-plan-inferred",
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `schema` sub-command."""
    p = subparsers.add_parser(
        "schema",
        help="infer a Datalevin schema map (EDN) from a memory",
        description=__doc__,
        epilog="exit status: 0 done (damage, if any, is reported on stderr), 1 damage found with "
        "--strict or Datalevin refused the schema (--check-datalevin), 2 path error or no "
        "readable entry",
    )
    p.add_argument(
        "file", nargs="?", default=None, help=f"memory file (default {DEFAULT_INPUT.name} sample)"
    )
    p.add_argument("--out", required=True, help="where to write the schema map (EDN)")
    p.add_argument(
        "--against",
        default=None,
        help="another schema map (EDN file) to diff against, or 'plan' for the team's draft",
    )
    p.add_argument(
        "--reports",
        default=None,
        metavar="DIR",
        help="also write collisions, losses, validation (plan and inferred), plan "
        "defects and the diff as CSV files into DIR",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when the file is damaged")
    p.add_argument(
        "--codec",
        default="edn",
        choices=("edn", "json", "binary"),
        help="blob codec for :memory/value (default edn: lossless)",
    )
    p.add_argument(
        "--check-datalevin",
        action="store_true",
        help="also load every entity into a throwaway Datalevin database with this "
        "schema, read each back and report what Datalevin refuses or changes "
        "(needs the datalevin extra)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Infer, write the schema, print collisions/losses and the diff; exit 2 on missing input."""
    from workbench import (
        atomic_write_text,
        collision_report,
        get_mapping,
        infer_schema,
        load_plan_schema,
        loss_report,
        plan_defects,
    )
    from workbench import diff_schemas as diff
    from workbench import validate_mapping as validate

    path = check_input(args.file)
    out_file = check_out_file(args.out, [path])
    if args.reports:
        reports = check_out_dir(args.reports, [path])
        check_outputs(
            [reports / f"{name}.csv" for name in (*REPORTS, "damage")] + [out_file], [path]
        )
    against, other = None, None
    if args.against and args.against != "plan":  # checked and read before any work
        against = Path(args.against).expanduser()
        other = read_schema_file(against)
    mem = readable_memory(path, "infer a schema from")
    damage = print_damage(path, mem)
    schema = infer_schema(mem, blob_codec=args.codec)
    # the damage, if any, heads the schema file as EDN comments (readers skip them)
    atomic_write_text(out_file, damage_comment(path, mem) + schema.to_edn())
    mapping = get_mapping("inferred", schema=schema, codec=args.codec)
    col = collision_report(mem, mapping)
    loss = loss_report(mem, mapping)
    print(
        f"{len(schema.attributes)} typed attributes, {len(schema.blob_only)} kept in the blob; "
        f"{len(col)} collisions, {len(loss)} losses ({args.codec} blob) -> {args.out}"
    )
    if args.reports:
        out = reports
        plan = get_mapping("plan")
        tables = {
            "collisions-inferred": col,
            "losses-inferred": loss,
            "validation-inferred": validate(mem, mapping),
            "collisions-plan": collision_report(mem, plan),
            "losses-plan": loss_report(mem, plan),
            "validation-plan": validate(mem, plan),
            "plan-defects": plan_defects(mem, plan),
            "schema-inferred": schema.to_frame(),
            "diff-plan-inferred": diff(load_plan_schema(), schema),
            "damage": damage_table(path, mem),
        }
        for name, df in tables.items():
            atomic_write_text(out / f"{name}.csv", df.to_csv(index=False))
        print(f"{len(tables)} CSV reports in {out}")
    if args.against:
        against = "plan" if against is None else against
        if other is None:
            other = load_plan_schema()
        d = diff(other, schema)
        print(
            f"diff {against} -> inferred: "
            + ", ".join(f"{n} {c}" for c, n in d["change"].value_counts().items())
            + f"; {int((d['apply'] == 'reload').sum())} need a reload"
        )
        with __import__("pandas").option_context("display.width", 160, "display.max_rows", 500):
            print(d.to_string(index=False))
    if getattr(args, "check_datalevin", False):
        from workbench import DatalevinUnavailable, check_schema

        try:
            report = check_schema(mem, mapping)
        except DatalevinUnavailable as exc:
            return fail("schema", str(exc))
        print(report.summary())
        if not report.problems.empty:
            with __import__("pandas").option_context("display.width", 160, "display.max_rows", 200):
                print(report.problems.to_string(index=False))
        return 0 if report.ok and not (args.strict and damage) else 1
    return 1 if args.strict and damage else 0
