"""Benchmark: the real Datalevin (Datalog and KV shapes) beside the LMDB stores, on one memory.

    python -m workbench.bench.suites.datalevin [--input data-samples/memory.edn] [--ops 300]

Prints JVM start-up separately (it is paid once per process and excluded from every other
figure), bulk-load throughput (entities/s, `put_many` in batches of 1000 for Datalevin), and the
median per-operation latency of `get` and `put` (replacing an existing key with its value) and of
each plan query. Without the datalevin extra it says so and prints the LMDB figures only.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.stores.durability import DURABILITY_MODES

#: path options `workbench bench-datalevin` checks before any work (dest -> role)
PATH_OPTIONS = {"input": "input"}


def _median_ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _load_pairs(input_path: str | None, entries: int) -> tuple[Any, list[tuple[Any, Any]], str]:
    from workbench.memory.model import load_memory

    path = Path(input_path or "data-samples/memory.edn")
    generated = None
    if input_path is None and not path.exists():  # a given path is never replaced
        from workbench.memory.generate import generate_memory

        generated = Path(tempfile.mkdtemp(prefix="bench-dl-input-"))
        tmp = generated / "memory.edn"
        generate_memory(entries=entries, seed=0).write(tmp)
        path, label = tmp, f"generated memory ({entries} entries; the sample {path} is absent)"
    else:
        label = str(path)
    memory = load_memory(path)
    if generated is not None:
        shutil.rmtree(generated, ignore_errors=True)  # the generated input is in memory now
    return memory, [(e.key, e.value) for e in memory.entries], label


def _stores(
    mapping: Any, with_datalevin: bool, durability: str
) -> list[tuple[str, Callable[[Path], Any]]]:
    out: list[tuple[str, Callable[[Path], Any]]] = []
    d = durability
    if with_datalevin:
        from workbench.stores.datalevin.store import DatalevinStore

        out.append(
            (
                "datalevin-datalog",
                lambda p: DatalevinStore(p, shape="datalog", mapping=mapping, durability=d),
            )
        )
        out.append(("datalevin-kv", lambda p: DatalevinStore(p, shape="kv", durability=d)))
    from workbench.stores.lmdb_entity import LmdbEntityStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    out.append(("lmdb-kv", lambda p: LmdbKvStore(p, map_size=1 << 30, durability=d)))
    out.append(
        (
            "lmdb-entity",
            lambda p: LmdbEntityStore(p, mapping=mapping, durability=d, map_size=1 << 30),
        )
    )
    return out


def measure(
    pairs: list[tuple[Any, Any]],
    mapping: Any,
    *,
    ops: int = 300,
    query_runs: int = 5,
    seed: int = 0,
    durability: str = "sync",
    with_datalevin: bool | None = None,
    log: Callable[[str], Any] = print,
) -> Any:
    """Bulk load + per-op medians for each store; a DataFrame, one row per store.

    Columns: store, bulk_load_s, entities_per_s, get_ms, put_ms, and q_<query> (ms). JVM start-up
    is not included (see workbench.stores.datalevin.bridge.startup_report()); `df.attrs["skipped"]` holds why
    Datalevin was left out, if it was."""
    import pandas as pd

    from workbench.memory.queries import QUERIES, QUERY_DEFAULTS
    from workbench.stores.datalevin import bridge as wdl

    if with_datalevin is None:
        with_datalevin = wdl.available()
    skipped = None if with_datalevin else "; ".join(wdl.missing()) or "disabled"
    if with_datalevin:
        wdl.start_jvm()
    rng = random.Random(seed)
    sample = [pairs[rng.randrange(len(pairs))] for _ in range(ops)]
    work = Path(tempfile.mkdtemp(prefix="bench-datalevin-"))
    rows = []
    try:
        for name, opener in _stores(mapping, with_datalevin, durability):
            if name.startswith("datalevin"):  # warm the JIT on a throwaway database
                with opener(work / f"{name}-warm") as warm:
                    warm.put_many(pairs[:300])
                    for k, v in pairs[:100]:
                        warm.get(k)
                        warm.put(k, v)
            store = opener(work / name)
            try:
                t = time.perf_counter()
                store.put_many(pairs)
                store.flush()
                load = time.perf_counter() - t
                if len(store) != len({k for k, _ in pairs}):
                    raise AssertionError(f"{name}: {len(store)} keys after loading {len(pairs)}")
                it = iter(sample)
                get_ms = _median_ms(lambda s=store, i=it: s.get(next(i)[0]), len(sample))
                it2 = iter(sample)

                def put(s: Any = store, i: Any = it2) -> None:
                    k, v = next(i)
                    s.put(k, v)

                row = {
                    "store": name,
                    "bulk_load_s": load,
                    "entities_per_s": len(pairs) / load,
                    "get_ms": get_ms,
                    "put_ms": _median_ms(put, len(sample)),
                }
                for q in QUERIES:
                    params = dict(QUERY_DEFAULTS[q])
                    row[f"q_{q}"] = _median_ms(
                        lambda s=store, q=q, pr=params: s.query(q, **pr), query_runs
                    )
                rows.append(row)
                log(f"  measured {name}")
            finally:
                store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    df = pd.DataFrame(rows)
    df.attrs["skipped"] = skipped
    df.attrs["durability"] = durability
    return df


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-datalevin` and `python -m`)."""
    p.add_argument("--input", default=None, help="memory file (default data-samples/memory.edn)")
    p.add_argument(
        "--entries",
        type=int,
        default=2000,
        help="entries to generate when the input does not exist",
    )
    p.add_argument("--ops", type=int, default=300, help="operations per latency median")
    p.add_argument("--query-runs", type=int, default=5, help="runs per query median")
    p.add_argument("--seed", type=int, default=0, help="seed of the op sequence (default 0)")
    p.add_argument(
        "--durability",
        default="sync",
        choices=DURABILITY_MODES,
        help="commit durability of every store (default sync)",
    )
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures."""

    from workbench.analysis.schema import get_mapping
    from workbench.memory.queries import QUERIES
    from workbench.stores.datalevin import bridge as wdl

    with_dl = wdl.available()
    if with_dl:
        total = wdl.start_jvm()
        rep = wdl.startup_report()
        print(
            f"JVM start-up: {total:.1f} s (JVM {rep['jvm']:.1f} s + Clojure/Datalevin runtime "
            f"{rep['runtime']:.1f} s: {wdl.class_cache_state()}), once per process, "
            "excluded from every figure below"
        )
    else:
        try:
            wdl.require()
        except wdl.DatalevinUnavailable as exc:
            print(f"Datalevin SKIPPED: {exc}")

    memory, pairs, label = _load_pairs(args.input, args.entries)
    t = time.perf_counter()
    mapping = get_mapping("inferred", memory=memory)
    print(
        f"input: {label}: {len(pairs)} entries; schema inferred in "
        f"{time.perf_counter() - t:.1f} s ({len(mapping.schema.attributes)} attributes, "
        "not timed below)"
    )
    print(
        f"durability: {args.durability} (all stores); Datalevin bulk load in transactions "
        "of 1000 entities"
    )
    df = measure(
        pairs,
        mapping,
        ops=args.ops,
        query_runs=args.query_runs,
        seed=args.seed,
        durability=args.durability,
        with_datalevin=with_dl,
    )

    print(f"{'store':<18} {'bulk load s':>11} {'entities/s':>11} {'get ms':>8} {'put ms':>8}")
    for r in df.itertuples():
        print(
            f"{r.store:<18} {r.bulk_load_s:>11.2f} {r.entities_per_s:>11,.0f} "
            f"{r.get_ms:>8.3f} {r.put_ms:>8.3f}"
        )
    print("query medians (ms): " + ", ".join(QUERIES))
    for r in df.to_dict("records"):
        print(f"  {r['store']:<18} " + " ".join(f"{r[f'q_{q}']:>9.2f}" for q in QUERIES))
    base = {r["store"]: r for r in df.to_dict("records")}
    for dl_name in ("datalevin-datalog", "datalevin-kv"):
        for ref in ("lmdb-kv", "lmdb-entity"):
            if dl_name in base and ref in base:
                a, b = base[dl_name], base[ref]
                print(
                    f"ratio {dl_name}/{ref}: bulk load rate "
                    f"x{a['entities_per_s'] / b['entities_per_s']:.2f}, "
                    f"get x{a['get_ms'] / b['get_ms']:.2f}, put x{a['put_ms'] / b['put_ms']:.2f}"
                )
    if df.attrs["skipped"]:
        print(f"Datalevin rows SKIPPED ({df.attrs['skipped']}): pip install -e '.[datalevin]'")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.datalevin`: the same as `workbench bench-datalevin`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
