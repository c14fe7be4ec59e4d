"""Child-process entry points of the crash-safety tests (test_crash.py runs this file).

    python tests/migrate/crash_child.py copy SOURCE.edn TARGET_DIR [--kind lmdb-kv] [--batch 20]
    python tests/migrate/crash_child.py live SOURCE.edn TARGET_DIR [--ops 50] [--seed 0]
    python tests/migrate/crash_child.py edn-write FILE --write-mode app|safe --mb 40

`copy` prints READY once the stores are open, then "BATCH i/n" after each committed batch, then
DONE. `live` does the same while dual-write saves/updates/deletes run (the EDN file is
rewritten atomically after each one). `edn-write` loads FILE, adds one large value and rewrites the file, printing READY just
before the bytes are written (so a kill can be aimed at the write itself).
"""

from __future__ import annotations

import argparse
import sys


def _copy(args: argparse.Namespace) -> int:
    from workbench.migrate.migrator import Migrator
    from workbench.stores import open_store
    from workbench.stores.edn_file import EdnFileStore

    source = EdnFileStore(args.source, debounce=0, write_mode="safe")
    target = open_store(
        args.kind,
        args.target,
        **({"durability": args.durability} if args.kind == "lmdb-kv" else {}),
    )
    print("READY", len(source), flush=True)

    def report(i: int, n: int) -> None:
        print(f"BATCH {i}/{n}", flush=True)

    result = Migrator(
        source, target, batch_size=args.batch, pause=args.pause, progress=False, on_batch=report
    ).run(restart=args.restart)
    target.close()
    print("DONE", result.copied, result.resumed_from, flush=True)
    return 0


def _live(args: argparse.Namespace) -> int:
    """Dual-write traffic (saves, updates, deletes) while the background migrator copies."""
    import random

    from workbench import edn
    from workbench.migrate.migrator import Migrator
    from workbench.migrate.modes import MigratingMemory
    from workbench.stores import open_store
    from workbench.stores.edn_file import EdnFileStore

    source = EdnFileStore(args.source, debounce=0, write_mode="safe")
    target = open_store(args.kind, args.target)
    mm = MigratingMemory(source, target, "dual-write")
    keys = sorted(source.keys(), key=str)
    rng = random.Random(args.seed)
    m = Migrator(
        source,
        target,
        memory=mm,
        batch_size=args.batch,
        pause=args.pause,
        progress=False,
        on_batch=lambda i, n: print(f"BATCH {i}/{n}", flush=True),
    )
    print("READY", len(source), flush=True)
    m.start()
    i = 0
    while m.running or i < args.ops:
        k = keys[rng.randrange(len(keys))] if rng.random() < 0.8 else edn.Keyword("live", f"k{i}")
        r = rng.random()
        if r < 0.15:
            mm.delete_value(k)
        elif r < 0.3:
            mm.update(k, lambda v, i=i: edn.Vector((i, v)))
        else:
            mm.save_value(k, {edn.Keyword("live", "i"): i})
        i += 1
    result = m.join()
    target.close()
    print("DONE", result.copied, result.skipped_live, flush=True)
    return 0


def _edn_write(args: argparse.Namespace) -> int:
    from workbench.stores.edn_file import EdnFileStore

    class Announcing(EdnFileStore):
        def _write_file(self, data: bytes) -> None:
            print("READY", len(data), flush=True)
            super()._write_file(data)

    store = Announcing(args.file, debounce=0.5, write_mode=args.write_mode)
    from workbench import edn

    store.put(edn.kw(":crash/blob"), "x" * int(args.mb * (1 << 20)))
    store.flush()
    print("DONE", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one child job."""
    p = argparse.ArgumentParser(
        prog="python -m workbench.migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("copy", help="copy an EDN file into a store, resumable")
    c.add_argument("source")
    c.add_argument("target")
    c.add_argument("--kind", default="lmdb-kv")
    c.add_argument("--batch", type=int, default=20)
    c.add_argument("--pause", type=float, default=0.0)
    c.add_argument("--durability", default="sync")
    c.add_argument("--restart", action="store_true")
    c.set_defaults(func=_copy)
    lv = sub.add_parser("live", help="dual-write traffic while the migrator copies")
    lv.add_argument("source")
    lv.add_argument("target")
    lv.add_argument("--kind", default="lmdb-kv")
    lv.add_argument("--batch", type=int, default=20)
    lv.add_argument("--pause", type=float, default=0.005)
    lv.add_argument("--ops", type=int, default=50)
    lv.add_argument("--seed", type=int, default=0)
    lv.set_defaults(func=_live)
    w = sub.add_parser("edn-write", help="rewrite an EDN file with one large extra value")
    w.add_argument("file")
    w.add_argument("--write-mode", choices=("app", "safe"), default="app")
    w.add_argument("--mb", type=float, default=40)
    w.set_defaults(func=_edn_write)
    args = p.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
