"""`workbench bench [FILE] --sizes 1000,10000,100000 --out reports/benchmark/`: EDN file vs LMDB.

Runs the same workloads against every store in one run and writes results.csv, results.json
(with the machine description), success-metrics.csv, PNG plots and summary.md into --out.
Sizes are generated memories (seeded); FILE adds the real file's entries as one more dataset.
--engine jvm times the app's stores inside the JVM (edn-app, Datalevin KV and Datalog with the
plan's four queries, the cached architectures) on --sizes (--quick: 1,000) plus FILE and writes
jvm-results.csv, verdict.json (the plan's metrics against the in-memory and the durable
baseline), published-sanity.csv (measured Datalevin throughput beside the plan's published
figures, with why from published-decomposition.csv: the published benchmark's own data shape and
ours, each warm, timed inside the JVM, so each gap splits into machine, data and cold-first-load factors)
and jvm-scaling.png (log-log p50 per op against entries, startup per size); Python
figures stay in the Python outputs, labelled.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workbench import DURABILITY_MODES
from workbench.cli.options import check_input, check_out_dir, fail, readable_memory


def _ints(text: str) -> list[int]:
    try:
        return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of whole numbers (e.g. 1000,10000)"
        ) from None


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `bench` sub-command."""
    p = subparsers.add_parser(
        "bench",
        help="benchmark the EDN file store against LMDB stores",
        description=__doc__,
        epilog="exit status: 0 done, 2 path error or FILE without a readable entry",
    )
    p.add_argument(
        "file",
        nargs="?",
        default=None,
        help="memory file to benchmark as well (default: generated data only)",
    )
    p.add_argument(
        "--sizes",
        type=_ints,
        default=[1000, 10000],
        help="entry counts of generated memories (default 1000,10000)",
    )
    p.add_argument(
        "--stores",
        type=_names,
        default=["edn", "lmdb-kv", "lmdb-entity"],
        help="edn, edn-safe, lmdb-kv, lmdb-entity, datalevin (default: first three)",
    )
    p.add_argument(
        "--durability",
        type=_names,
        default=["sync"],
        help=f"LMDB durability modes: {', '.join(DURABILITY_MODES)} (default sync)",
    )
    p.add_argument(
        "--codecs",
        type=_names,
        default=["binary", "edn"],
        help="lmdb-kv value codecs: binary, edn, json (default binary,edn)",
    )
    p.add_argument(
        "--batch-sizes",
        type=_ints,
        default=[1, 100, 10000],
        help="put_many batch sizes to sweep (default 1,100,10000)",
    )
    p.add_argument("--repeats", type=int, default=200, help="timed samples per operation")
    p.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds per operation before sampling stops (min 3 samples; bounds "
        "the EDN whole-file rewrites at large sizes)",
    )
    p.add_argument("--trace-ops", type=int, default=500, help="operations in the mixed trace")
    p.add_argument(
        "--trace-rate",
        type=float,
        default=None,
        help="mixed trace pace in ops/s (default: as fast as possible)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="the smoke-run settings notebook 04 uses with quick=True: size 1000, binary codec, "
        "batch 100, 10 repeats, 1 s per operation, 50-op trace",
    )
    p.add_argument("--seed", type=int, default=0, help="generator seed")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument(
        "--engine",
        choices=["jvm", "python", "both"],
        default=None,
        help="jvm: time inside the JVM (needs the datalevin extra); python: the py-lmdb stores "
        "and the Python EDN emulation; both (default when the datalevin extra is installed, "
        "else python)",
    )
    p.add_argument("--out", default="reports/benchmark/", help="output folder")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and write its outputs; exit 2 when FILE is missing."""
    from workbench import datalevin as wdl

    path = None
    if args.file:
        path = check_input(args.file)
    out = check_out_dir(args.out, [path])
    if path is not None:
        readable_memory(path, "benchmark")
    engine = args.engine or ("both" if wdl.available() else "python")
    if engine != "python" and not wdl.available():
        return fail("bench", f"--engine {engine}: {'; '.join(wdl.missing())}")
    if engine != "jvm":
        _run_python(args, path, out)
    if engine != "python":
        _run_jvm(args, path, out)
    return 0


def _run_python(args: argparse.Namespace, path: Path | None, out: Path) -> None:
    from workbench import BenchConfig, markdown_summary, quick_config, run_benchmark, save_results

    common = dict(
        input_path=path,
        stores=args.stores,
        durabilities=args.durability,
        trace_rate=args.trace_rate,
        seed=args.seed,
    )
    if args.quick:
        cfg = quick_config(**common)
    else:
        cfg = BenchConfig(
            sizes=args.sizes,
            codecs=args.codecs,
            batch_sizes=args.batch_sizes,
            repeats=args.repeats,
            budget_s=args.budget,
            trace_ops=args.trace_ops,
            **common,
        )
    result = run_benchmark(cfg)
    paths = save_results(result, out, plots=not args.no_plots)
    print("## Python engine (py-lmdb stores, Python emulation of the app's EDN file)")
    print(markdown_summary(result))
    for name, p in paths.items():
        print(f"wrote {name}: {p}")


def _run_jvm(args: argparse.Namespace, path: Path | None, out: Path) -> None:
    import pandas as pd

    from workbench import (
        atomic_write_text,
        compute_verdict,
        datalevin_server_status,
        decomposition_input,
        gap_factors,
        generate_memory,
        jvm_input,
        jvm_overhead,
        jvm_spread,
        load_memory,
        plot_jvm_scaling,
        published_sanity,
        run_decomposition,
        run_jvm,
        save_png,
        spread_summary,
        verdict_records,
        verdict_sentence,
    )

    def datasets():  # one at a time: a 100k memory is generated, converted and let go in turn
        for n in [1000] if args.quick else args.sizes:
            yield f"generated {n:,}", generate_memory(entries=n, seed=args.seed).value
        if path is not None:
            yield path.name, {e.key: e.value for e in load_memory(path).entries}

    plan = "quick" if args.quick else "full"
    frames, dec_inputs = [], {}
    for name, data in datasets():
        inp = jvm_input(data)  # converted once, for the stores and the decomposition
        frames.append(run_jvm(inp, plan=plan, seed=args.seed, dataset=name))
        dec_inputs[name] = decomposition_input(inp)  # the entries its data steps draw from
    df = pd.concat(frames, ignore_index=True)
    judged = list(dec_inputs)[-1]  # FILE when given, else the last --sizes memory
    verdict = compute_verdict(df[df["dataset"] == judged])
    said = verdict_sentence(verdict)
    atomic_write_text(out / "jvm-results.csv", df.to_csv(index=False))
    atomic_write_text(
        out / "verdict.json", json.dumps(verdict_records(verdict), indent=1, allow_nan=False)
    )
    atomic_write_text(
        out / "verdict-sentence.json", json.dumps({"dataset": judged, **said}, indent=1)
    )
    dec = run_decomposition(dec_inputs, plan=plan)
    sanity = published_sanity(df, dec)
    atomic_write_text(out / "published-sanity.csv", sanity.to_csv(index=False))
    atomic_write_text(out / "published-decomposition.csv", dec.to_csv(index=False))
    png = save_png(plot_jvm_scaling(df), out / "jvm-scaling.png")
    startup = df[df["op"] == "startup"].pivot_table(
        index="entries", columns="store", values="p50_us", aggfunc="median"
    )
    cols = ["dataset", "store", "op", "n", "p50_us", "p95_us", "p99_us"]
    print(f"## JVM engine ({plan} plan; figures taken inside the JVM with System/nanoTime)")
    print(df[cols].round(2).to_string(index=False))
    print(f"harness overhead (empty op p50): {jvm_overhead(df):.3f} us")
    spread = jvm_spread(df)
    print(
        "run-to-run spread of p50s (two runs in one invocation; ops under 1 us timed in batches):"
    )
    print(spread.round(2).to_string(index=False))
    print(spread_summary(spread))
    print("startup p50 per entry count, ms (EDN: slurp + read-string; Datalevin: open + one read):")
    print((startup / 1e3).round(2).to_string())
    print("measured in-JVM Datalevin throughput beside the published figures (migration-plan.md):")
    show = ["dataset", "figure", "published_low", "published_high", "measured_per_s", "ratio"]
    print(sanity[show].round(2).to_string(index=False))
    print(
        "the gap decomposed: each condition timed warm inside the JVM, in a fresh store "
        "(dataset blank: the published benchmark's shape, once per run):"
    )
    show = ["dataset", "figure", "condition", "batch", "n", "p50_ms", "iqr_pct", "per_s",
            "value_bytes", "datoms_per_entity", "load_1m"]  # fmt: skip
    print(dec[show].round(3).to_string(index=False))
    print("factors (x: each rate over the previous; their product is the ratio above):")
    print(gap_factors(df, dec).round(3).to_string(index=False))
    for r in sanity[sanity["why"] != ""].itertuples():
        print(f"  {r.dataset}: {r.figure}: why: {r.why}")
    print(f"verdict on {judged}: {said['status']}: {said['sentence']}")
    server = datalevin_server_status()
    if server:
        print(f"multi-process architecture (datalevin-server, client/server): {server}")
    print(f"wrote jvm results: {out / 'jvm-results.csv'}")
    print(f"wrote verdict: {out / 'verdict.json'}")
    print(f"wrote published-figures sanity: {out / 'published-sanity.csv'}")
    print(f"wrote its decomposition: {out / 'published-decomposition.csv'}")
    print(f"wrote per-op scaling plot: {png}")
