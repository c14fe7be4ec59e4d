"""Benchmark the generator (100k entries < 30 s) and load_memory+classify+to_frame (>= 25 MB/s).

Run: python -m workbench.bench.suites.memory [--size-mb 100] [--entries 100000] [--repeat 3]
Prints medians and ratios to the targets.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from workbench import edn
from workbench.edn import reader as edn_reader
from workbench.memory.generate import generate_memory
from workbench.memory.model import load_memory

GEN_TARGET_S = 30.0
LOAD_TARGET_MBS = 25.0

#: path options `workbench bench-memory` checks before any work (dest -> role)
PATH_OPTIONS = {"file": "input"}


CPU: dict[str, float] = {}


def _median_time(fn, repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall time of fn over `repeat` runs (CPU time of this process kept in CPU[label])."""
    times = []
    cpu = []
    out = None
    for _ in range(repeat):
        out = None
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), out


def _parse_time(path: Path, repeat: int, label: str = "parse") -> float:
    text = path.read_text("utf-8")
    t, _ = _median_time(lambda: edn.read_map_entries(text), repeat, label)
    return t


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-memory` and `python -m`)."""
    p.add_argument("--entries", type=int, default=100_000, help="entries for the generator timing")
    p.add_argument("--size-mb", type=float, default=100.0, help="size of the file to load")
    p.add_argument("--repeat", type=int, default=3, help="runs per median (default 3)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--file", default=None, help="load this file instead of generating one")
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmarks and print the figures."""
    given = Path(args.file) if args.file else None
    if given is not None:
        given.stat()  # a missing file fails now, not after the generator's timing
    if args.entries > 0:
        t, g = _median_time(lambda: generate_memory(entries=args.entries, seed=args.seed), 1, "gen")
        mb = len(g.text.encode("utf-8")) / 1e6
        print(
            f"generate {args.entries:,} entries: {t:.2f} s ({mb:.1f} MB, {mb / t:.1f} MB/s); "
            f"target < {GEN_TARGET_S:.0f} s -> {'OK' if t < GEN_TARGET_S else 'MISSED'} "
            f"(ratio {GEN_TARGET_S / t:.2f}x); CPU time {CPU['gen']:.2f} s"
        )
        del g

    with tempfile.TemporaryDirectory() as tmp:
        if given is not None:
            path = given
        else:
            path = Path(tmp) / "memory-bench.edn"
            t0 = time.perf_counter()
            generate_memory(entries=None, size_mb=args.size_mb, seed=args.seed).write(path)
            print(
                f"generated {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s"
            )
        size_mb = path.stat().st_size / 1e6
        t_parse = _parse_time(path, args.repeat)
        fast = edn_reader.speedups_enabled()
        with edn_reader.fast_path(False):  # the reader without its C fast path, for comparison
            t_pure = _parse_time(path, 1, "pure")

        def end_to_end():
            m = load_memory(path, progress=False)
            df = m.to_frame()
            return m, df

        t_all, (m, df) = _median_time(end_to_end, args.repeat, "all")
        rate = size_mb / t_all
        print(
            f"file {size_mb:.1f} MB, {len(m.entries):,} entries, {len(m.diagnostics)} diagnostics"
        )
        print(
            f"edn.read_map_entries alone ({'C fast path' if fast else 'pure Python'}): median "
            f"{t_parse:.2f} s ({size_mb / t_parse:.1f} MB/s); pure-Python reader (one run): "
            f"{t_pure:.2f} s ({size_mb / t_pure:.1f} MB/s, x{t_pure / t_parse:.2f} the time)"
        )
        print(
            f"load_memory + classify + to_frame: median {t_all:.2f} s over {args.repeat} run(s) "
            f"= {rate:.1f} MB/s; target >= {LOAD_TARGET_MBS:.0f} MB/s -> "
            f"{'OK' if rate >= LOAD_TARGET_MBS else 'MISSED'} (ratio {rate / LOAD_TARGET_MBS:.2f}x)"
        )
        print(
            f"CPU time (less sensitive to a busy machine): reader {CPU['parse']:.2f} s, end to end "
            f"{CPU['all']:.2f} s = {size_mb / CPU['all']:.1f} MB/s"
        )
        print(f"share of time in the EDN reader: {100 * t_parse / t_all:.0f}%")
        del m, df
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.memory`: the same as `workbench bench-memory`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
