"""Benchmark: the stores' target figures (issue 5).

Run: `python -m workbench.bench.suites.stores [--entries 100000] [--entity-sizes 1000,10000,100000]`.
Prints, with the target and PASS/MISS for each:

- LmdbKvStore.get, binary codec, ~1 KB values in a 100k-entry store: median (decode included),
  beside raw py-lmdb get and the decode costs of the binary and EDN codecs (target <= 10 us);
- LmdbKvStore.put durable (sync): median (target <= 0.5 ms), beside the raw fsync cost of the
  disk (the floor any durable commit pays);
- LmdbKvStore.put_many: entries/s, the median of --put-many-runs fresh stores, with the C encoder
  and (alternated, same runs) the Python keyword hook (target >= 100k/s);
- LmdbEntityStore indexed queries against N (flat in N for a fixed result size);
- the harness overhead per timed operation (target < 1 us).
Exit status 0 always (figures, not a test); the load average is printed because the machine may
be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def _median_us(fn, n: int) -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(n):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    return statistics.median(samples) / 1e3


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _one_kb_values(count: int = 400) -> list:
    from workbench.codecs import get_codec
    from workbench.memory.generate import generate_memory

    codec = get_codec("binary")
    vals = [
        v
        for v in generate_memory(entries=3000, seed=1).value.values()
        if 900 <= len(codec.encode(v)) <= 1100
    ]
    return (vals * (count // max(1, len(vals)) + 1))[:count]


def bench_kv(entries: int, folder: Path, reads: int, put_many_runs: int = 5) -> None:
    """get / put / put_many figures for LmdbKvStore."""
    from workbench import codecs, edn
    from workbench.codecs import get_codec
    from workbench.stores.keys import encode_key
    from workbench.stores.lmdb_kv import LmdbKvStore

    values = _one_kb_values()
    keys = [edn.Keyword("bench", f"k{i}") for i in range(entries)]
    items = [(k, values[i % len(values)]) for i, k in enumerate(keys)]
    binary, edn_codec = get_codec("binary"), get_codec("edn")
    print(
        f"values: {len(values)} distinct realistic values of "
        f"{statistics.median(len(binary.encode(v)) for v in values):.0f} bytes (binary, median)"
    )

    def put_many_rate(c_hook: bool, run: int) -> float:
        """entries/s of one put_many into a fresh store (then removed)."""
        path = folder / f"kv-run{run}"
        codecs.use_speedups(c_hook)
        try:
            with LmdbKvStore(path, codec="binary", durability="sync", batch_size=10_000) as st:
                t0 = time.perf_counter()
                st.put_many(items)
                dt = time.perf_counter() - t0
        finally:
            codecs.use_speedups(True)
            shutil.rmtree(path, ignore_errors=True)
        return entries / dt

    c_built = codecs.speedups_enabled()
    rates: dict[bool, list[float]] = {True: [], False: []}
    for run in range(put_many_runs):  # alternated, so both see the same machine
        for c_hook in (True, False) if c_built else (False,):
            rates[c_hook].append(put_many_rate(c_hook, run))
    best = rates[c_built]
    rate = statistics.median(best)
    hook = "C encoder" if c_built else "Python keyword hook (C not built)"
    print(
        f"LmdbKvStore.put_many (sync, batches of 10000, {hook}): {entries} entries, median of "
        f"{len(best)} fresh stores {rate:,.0f} entries/s (runs {min(best):,.0f}-{max(best):,.0f}; "
        f"target >= 100,000/s: {_verdict(rate >= 100_000)})"
    )
    if c_built:
        py = rates[False]
        ratios = [c / p for c, p in zip(rates[True], py, strict=True)]
        print(
            f"  with the Python keyword hook, same runs: median {statistics.median(py):,.0f} "
            f"entries/s (runs {min(py):,.0f}-{max(py):,.0f}); C/Python per pair: median "
            f"x{statistics.median(ratios):.2f}"
        )

    store = LmdbKvStore(folder / "kv", codec="binary", durability="sync", batch_size=10_000)
    store.put_many(items)  # the store the get and put figures below use

    rng = random.Random(0)
    picks = [keys[rng.randrange(entries)] for _ in range(reads)]
    it = iter(picks * 2)
    get_med = _median_us(lambda: store.get(next(it)), reads)
    env = store.env
    kbs = [encode_key(k) for k in picks]
    itb = iter(kbs * 2)

    def raw() -> bytes:
        with env.begin() as txn:
            return txn.get(next(itb))

    raw_med = _median_us(raw, reads)
    blobs = [binary.encode(v) for v in values]
    texts = [edn_codec.encode(v) for v in values]
    itv, ite = iter(blobs * 50), iter(texts * 50)
    dec_bin = _median_us(lambda: binary.decode(next(itv)), min(reads, len(blobs) * 50))
    c_decoder = codecs.use_c_decoder(True)  # (True when built)
    codecs.use_c_decoder(False)  # the msgpack path, for comparison
    itv = iter(blobs * 50)
    dec_msgpack = _median_us(lambda: binary.decode(next(itv)), min(reads, len(blobs) * 50))
    codecs.use_c_decoder(True)
    dec_edn = _median_us(lambda: edn_codec.decode(next(ite)), min(2000, len(texts) * 50))
    print(
        f"LmdbKvStore.get, binary codec, ~1 KB values, {entries} entries: median "
        f"{get_med:.2f} us (target <= 10 us: {_verdict(get_med <= 10)})"
    )
    print(
        f"  raw py-lmdb get {raw_med:.2f} us; binary decode {dec_bin:.2f} us; "
        f"EDN text decode {dec_edn:.2f} us"
    )
    if c_decoder:
        print(f"  binary decode by the msgpack path (C decoder off): {dec_msgpack:.2f} us")

    fsync_us = _fsync_floor(folder)
    puts = [(keys[rng.randrange(entries)], values[rng.randrange(len(values))]) for _ in range(200)]
    itp = iter(puts)
    put_med = _median_us(lambda: store.put(*next(itp)), len(puts))
    print(
        f"LmdbKvStore.put durable (sync): median {put_med / 1e3:.3f} ms (target <= 0.5 ms: "
        f"{_verdict(put_med <= 500)}); this disk's fsync alone: median {fsync_us / 1e3:.3f} ms "
        "(a sync commit fsyncs data and meta page)"
    )
    store.close()
    for mode in ("nometasync", "nosync"):
        s = LmdbKvStore(folder / f"kv-{mode}", durability=mode)
        s.put_many(items[:2000])
        itp = iter(puts)
        med = _median_us(lambda s=s, itp=itp: s.put(*next(itp)), len(puts))
        print(f"  put {mode}: median {med / 1e3:.3f} ms")
        s.close()


def _fsync_floor(folder: Path, n: int = 50) -> float:
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:

        def once() -> None:
            os.pwrite(fd, b"x" * 4096, 0)
            os.fsync(fd)

        return _median_us(once, n)
    finally:
        os.close(fd)


def bench_entity(sizes: list[int], folder: Path, reads: int) -> None:
    """Indexed entity queries against N: unique pull (1 result), value lookup, range window."""
    from workbench import edn
    from workbench.memory.generate import generate_memory
    from workbench.stores.lmdb_entity import LmdbEntityStore

    K = edn.Keyword
    print("LmdbEntityStore indexed queries against N (fixed result size should stay flat):")
    print(
        f"  {'N':>8} {'load s':>8} {'pull 1 (us)':>12} {'AVE miss (us)':>14} "
        f"{'range 10 (us)':>14} {'by type (us/result)':>20}"
    )
    for n in sizes:
        data = generate_memory(entries=n, seed=2).value
        path = folder / f"entity-{n}"
        store = LmdbEntityStore(path, mapping="inferred", durability="nosync")
        t0 = time.perf_counter()
        store.put_many(data)
        load_s = time.perf_counter() - t0
        keys = [str(k) for k in data if type(k) is K]
        rng = random.Random(0)
        picks = iter([keys[rng.randrange(len(keys))] for _ in range(reads * 2)])
        pull = _median_us(lambda s=store, p=picks: s.pull(K("memory", "key"), next(p)), reads)
        miss = _median_us(
            lambda s=store: s.entities_with(K("learning", "tags"), "no-such-tag"), reads
        )
        joined = [v for v, _ in store.entities_in_range(K("user", "joined-at"))]
        if len(joined) > 10:
            lo = joined[len(joined) // 2]
            hi = joined[len(joined) // 2 + 9]
            rng_us = _median_us(
                lambda s=store, lo=lo, hi=hi: s.entities_in_range(K("user", "joined-at"), lo, hi),
                reads,
            )
        else:
            rng_us = float("nan")
        res = store.query("sessions_by_type", type=":empathy-map")
        q_us = _median_us(lambda s=store: s.query("sessions_by_type", type=":empathy-map"), 50)
        per = q_us / max(1, len(res))
        print(
            f"  {n:>8} {load_s:>8.1f} {pull:>12.1f} {miss:>14.1f} {rng_us:>14.1f} "
            f"{per:>14.1f} ({len(res)} results)"
        )
        store.close()
        shutil.rmtree(path, ignore_errors=True)


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-stores` and `python -m`)."""
    p.add_argument("--entries", type=int, default=100_000, help="KV store entries (default 100000)")
    p.add_argument(
        "--entity-sizes",
        default="1000,10000,100000",
        help="entity store sizes, comma-separated (default 1000,10000,100000)",
    )
    p.add_argument(
        "--reads", type=int, default=20_000, help="timed gets per figure (default 20000)"
    )
    p.add_argument("--put-many-runs", type=int, default=5, help="fresh stores per put_many figure")
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run and print the figures."""
    from workbench.bench.harness import harness_overhead_ns, machine_info

    m = machine_info()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"load average {m.get('load_average')}"
    )
    overhead = harness_overhead_ns()
    print(
        f"harness overhead: {overhead:.0f} ns per timed operation (target < 1 us: "
        f"{_verdict(overhead < 1000)})"
    )
    folder = Path(tempfile.mkdtemp(prefix="wb-stores-bench-"))
    try:
        bench_kv(args.entries, folder, args.reads, args.put_many_runs)
        sizes = [int(x) for x in args.entity_sizes.split(",") if x]
        bench_entity(sizes, folder, min(args.reads, 2000))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.stores`: the same as `workbench bench-stores`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
