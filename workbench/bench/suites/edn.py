"""Benchmark workbench.edn against edn_format on a realistic memory document (same bytes, same run).

Run: python -m workbench.bench.suites.edn [--size-mb 10] [--repeats 5]   (or `workbench bench-edn`)
Prints read and write MB/s (medians), the ratios to edn_format and to the targets, and the peak
memory (tracemalloc) of loading the document beside json.loads of the same data as JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from workbench import edn
from workbench.bench._timing import load_1m
from workbench.edn import reader as edn_reader
from workbench.memory.generate import generate_memory

READ_TARGET_MBS = 25.0
WRITE_TARGET_MBS = 60.0
MEMORY_TARGET_RATIO = 1.5


def generate_document(size_mb: float = 10.0, seed: int = 0) -> tuple[str, dict]:
    """(text, value) of a deterministic memory of about size_mb MB from the one generator, printed
    as the app's pr-str prints it (plain: outside a REPL pr-str writes no #:ns{} maps)."""
    g = generate_memory(size_mb=size_mb, seed=seed, style="plain")
    return g.text, g.value


def to_json_able(value: Any) -> Any:
    """The same data as plain JSON types (keywords -> strings, sets/vectors -> lists)."""
    t = type(value)
    if t is dict or t is edn.FrozenMap:
        return {str(k) if not isinstance(k, str) else k: to_json_able(v) for k, v in value.items()}
    if t in (edn.Vector, edn.List, frozenset, list, tuple):
        return [to_json_able(v) for v in value]
    if value is None or t in (str, int, float, bool):
        return value
    return str(value)  # keywords, symbols, insts, uuids, decimals, chars, tagged values: as text


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process) of fn over repeats runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return statistics.median(walls), statistics.median(cpus)


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak traced allocation (bytes) while fn runs, with its result held."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def run(size_mb: float = 10.0, repeats: int = 5, seed: int = 0, baseline: bool = True) -> dict:
    """Measure everything; return the figures (also printed).

    Each speed is printed twice: from wall-clock time (what the targets name) and from this
    process's CPU time, which stays meaningful when other work shares the machine's cores.
    """
    text, value = generate_document(size_mb, seed)
    mb = len(text.encode("utf-8")) / 1e6
    load = load_1m()
    print(
        f"document: {mb:.2f} MB, {len(value):,} top-level entries (seed {seed}); "
        f"medians of {repeats} runs; load average {load:.1f} on {os.cpu_count()} cores"
    )
    loaded = edn.loads(text)
    if not edn.identical(loaded, value):
        raise SystemExit("workbench.edn did not read back the generated value")
    plain_mb = len(edn.dumps(loaded).encode("utf-8")) / 1e6
    out: dict[str, float] = {"mb": mb}
    cases = [
        ("read", "edn.loads", lambda: edn.loads(text), mb, READ_TARGET_MBS),
        ("salvage", "edn.read_map_entries", lambda: edn.read_map_entries(text), mb, None),
        (
            "read_pure",
            "edn.loads (pure Python)",
            lambda: _without_fast_path(edn.loads, text),
            mb,
            None,
        ),
        ("write", "edn.dumps", lambda: edn.dumps(loaded), plain_mb, WRITE_TARGET_MBS),
        ("write_prstr", "edn.dumps(pr_str=True)", lambda: edn.dumps(loaded, pr_str=True), mb, None),
    ]
    fast = "C fast path on" if edn_reader.speedups_enabled() else "pure Python (C fast path off)"
    print(f"reader: {fast}")
    print(f"{'':34s}{'wall MB/s':>10s}{'cpu MB/s':>10s}  target")
    for key, label, fn, size, target in cases:
        wall, cpu = median_time(fn, repeats)
        out[f"{key}_mbs"], out[f"{key}_cpu_mbs"] = size / wall, size / cpu
        verdict = ""
        if target:
            verdict = (
                f"{target:.0f}: wall {_verdict(size / wall, target)}, "
                f"cpu {_verdict(size / cpu, target)}"
            )
        print(f"{'workbench.' + label:34s}{size / wall:10.1f}{size / cpu:10.1f}  {verdict}")

    if baseline:
        import edn_format

        ef_reps = max(1, min(repeats, 5))
        wall, cpu = median_time(lambda: edn_format.loads(text), ef_reps)
        out["ef_read_mbs"], out["ef_read_cpu_mbs"] = mb / wall, mb / cpu
        print(f"{'edn_format.loads':34s}{mb / wall:10.1f}{mb / cpu:10.1f}")
        ef_value = edn_format.loads(text)
        ef_mb = len(edn_format.dumps(ef_value).encode("utf-8")) / 1e6
        wall, cpu = median_time(lambda: edn_format.dumps(ef_value), ef_reps)
        out["ef_write_mbs"], out["ef_write_cpu_mbs"] = ef_mb / wall, ef_mb / cpu
        print(f"{'edn_format.dumps':34s}{ef_mb / wall:10.1f}{ef_mb / cpu:10.1f}")
        print(
            "ratio workbench.edn / edn_format: "
            f"read {out['read_mbs'] / out['ef_read_mbs']:.1f}x wall, "
            f"{out['read_cpu_mbs'] / out['ef_read_cpu_mbs']:.1f}x cpu; "
            f"write {out['write_mbs'] / out['ef_write_mbs']:.1f}x wall, "
            f"{out['write_cpu_mbs'] / out['ef_write_cpu_mbs']:.1f}x cpu"
        )
        del ef_value

    jtext = json.dumps(to_json_able(value))
    loaded = None
    out["peak_edn"] = peak_memory(lambda: edn.loads(text))
    out["peak_json"] = peak_memory(lambda: json.loads(jtext))
    ratio = out["peak_edn"] / out["peak_json"]
    out["peak_ratio"] = ratio
    print(
        f"peak memory (tracemalloc): edn.loads {out['peak_edn'] / 1e6:.1f} MB, json.loads of the "
        f"same data as JSON ({len(jtext) / 1e6:.1f} MB) {out['peak_json'] / 1e6:.1f} MB, ratio "
        f"{ratio:.2f}x (target <= {MEMORY_TARGET_RATIO}: "
        f"{'OK' if ratio <= MEMORY_TARGET_RATIO else 'MISSED'})"
    )
    return out


def _without_fast_path(fn, *args):  # noqa: ANN001, ANN202
    """fn(*args) with the reader's C fast path switched off."""
    with edn_reader.fast_path(False):
        return fn(*args)


def _verdict(got: float, target: float) -> str:
    return f"{'OK' if got >= target else 'MISSED'}, {got / target:.2f}x"


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-edn` and `python -m`)."""
    p.add_argument("--size-mb", type=float, default=10.0, help="document size (default 10)")
    p.add_argument("--repeats", type=int, default=5, help="runs per median (default 5)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument("--no-baseline", action="store_true", help="skip edn_format (slow)")
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run the EDN benchmark with the parsed arguments and print its figures."""
    run(args.size_mb, max(1, args.repeats), args.seed, not args.no_baseline)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.edn`: the same as `workbench bench-edn`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["add_arguments", "generate_document", "main", "run", "run_cli", "to_json_able"]
