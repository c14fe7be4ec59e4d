"""Benchmark: migrate a generated memory (100k entries, ~120 MB EDN) into LmdbKvStore, validate it.

    python -m workbench.bench.suites.migrate [--entries 100000] [--batch 5000] [--durability sync]

Targets (issue 6): migration incl. parsing <= 15 s; validation <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from workbench.stores.durability import DURABILITY_MODES

#: path options `workbench bench-migrate` checks before any work (dest -> role)
PATH_OPTIONS = {"input": "input", "dir": "out-dir"}


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-migrate` and `python -m`)."""
    p.add_argument(
        "--entries", type=int, default=100_000, help="generated entries (default 100000)"
    )
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--batch", type=int, default=5000, help="entries per copy transaction (default 5000)"
    )
    p.add_argument(
        "--durability",
        default="sync",
        choices=DURABILITY_MODES,
        help="commit durability of the target (default sync)",
    )
    p.add_argument(
        "--dir",
        default=None,
        help="where to keep the work folder: a new bench-migrate-* folder inside it "
        "(default: a temp folder, removed)",
    )
    p.add_argument(
        "--input", default=None, help="migrate this memory.edn instead of generating one"
    )
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Generate, migrate, validate; print the figures and whether the targets hold."""

    from workbench.memory.generate import generate_memory
    from workbench.migrate import Migrator, validate
    from workbench.stores.edn_file import EdnFileStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    # always a new folder: nothing already in --dir is overwritten or removed
    work = Path(tempfile.mkdtemp(prefix="bench-migrate-", dir=args.dir))
    if args.dir:
        print(f"work folder {work} (kept)")
    try:
        t = time.perf_counter()
        if args.input:
            src_path = Path(args.input)
            print(f"input {src_path} (read only)")
        else:
            src_path = work / "memory.edn"
            generate_memory(entries=args.entries, seed=args.seed, style="mixed").write(src_path)
            print(
                f"generated {args.entries} entries in {time.perf_counter() - t:.1f} s (not timed)"
            )
        size = src_path.stat().st_size
        print(f"EDN file {size / 1e6:.1f} MB")
        target_path = work / "target"

        t0, c0 = time.perf_counter(), time.process_time()
        source = EdnFileStore(src_path, debounce=0, write_mode="safe")
        t_parse, c_parse = time.perf_counter() - t0, time.process_time() - c0
        target = LmdbKvStore(
            target_path,
            codec="binary",
            durability=args.durability,
            map_size=max(64 << 20, size * 3),
        )
        t1, c1 = time.perf_counter(), time.process_time()
        result = Migrator(source, target, batch_size=args.batch, progress=False).run()
        target.flush()
        t_copy, c_copy = time.perf_counter() - t1, time.process_time() - c1
        total, c_total = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"parse    {t_parse:6.2f} s wall {c_parse:6.2f} s cpu  ({size / 1e6 / t_parse:.1f} MB/s)"
        )
        print(
            f"copy     {t_copy:6.2f} s wall {c_copy:6.2f} s cpu  "
            f"({result.copied / t_copy:,.0f} entries/s, {result.batches} batches, "
            f"durability {args.durability})"
        )
        print(
            f"migrate  {total:6.2f} s wall {c_total:6.2f} s cpu  incl. parsing  (target <= 15 s: "
            f"{'PASS' if total <= 15 else 'FAIL'})"
        )

        t2, c2 = time.perf_counter(), time.process_time()
        report = validate(source, target)
        t_val, c_val = time.perf_counter() - t2, time.process_time() - c2
        print(
            f"validate {t_val:6.2f} s wall {c_val:6.2f} s cpu  consistency "
            f"{report.consistency:.2f}%, {len(report.discrepancies)} discrepancies  "
            f"(target <= 10 s: {'PASS' if t_val <= 10 else 'FAIL'})"
        )
        print(
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(wall > cpu means other processes competed for the CPU)"
        )
        target.close()
        ok = total <= 15 and t_val <= 10 and report.ok
        return 0 if ok else 1
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.migrate`: the same as `workbench bench-migrate`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
