"""Child process of test_lmdb_shared.py: one role on an LMDB store folder shared with others.

    python tests/stores/lmdb_shared_child.py KIND PATH ROLE SYNC_DIR

KIND is kv or entity. Each role opens the store, touches SYNC_DIR/ROLE.ready, waits for
SYNC_DIR/go, then: `grow` put_many's about 100 MB (the map grows from 16 MB) and touches
SYNC_DIR/grown; `reader` loops get/__contains__/keys/items/len and `writer` loops put/update
until `grown` exists and then 20 more rounds. Every role prints one JSON line: its operation
count, the errors it caught (type: message, first five), and map_resizes.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from workbench import edn

K = edn.kw
BIG = 100  # values of 1 MB
MAP = 16 << 20


def _open(kind: str, path: str):
    if kind == "kv":
        from workbench.stores.lmdb_kv import LmdbKvStore

        return LmdbKvStore(path, map_size=MAP, durability="nosync")
    from workbench.stores.lmdb_entity import LmdbEntityStore

    return LmdbEntityStore(path, map_size=MAP, durability="nosync")


def main() -> int:
    kind, path, role, sync = sys.argv[1:5]
    sync_dir = Path(sync)
    store = _open(kind, path)
    (sync_dir / f"{role}.ready").touch()
    deadline = time.monotonic() + 120
    while not (sync_dir / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    ops, errors, after = 0, [], 0
    grown = sync_dir / "grown"
    if role == "grow":
        blob = "x" * (1 << 20)
        for i in range(0, BIG, 10):
            store.put_many([(K(f":big/{j}"), f"{j}:{blob}") for j in range(i, i + 10)])
            ops += 10
        grown.touch()
    else:
        i = 0
        while after < 20 and time.monotonic() < deadline:
            if grown.exists():
                after += 1
            try:
                if role == "reader":
                    assert store.get(K(":seed/0")) == 0
                    ops += 1 + (K(":big/0") in store)
                    ops += len(list(store.keys())) >= 1
                    if i % 5 == 0:
                        ops += len(list(store.items())) >= 1
                    ops += len(store) >= 1
                else:
                    store.put(K(f":w2/{i}"), i)
                    store.update(K(":w2/count"), lambda n: (n or 0) + 1)
                    ops += 2
            except Exception as exc:  # counted: the test asserts there are none
                errors.append(f"{type(exc).__name__}: {exc}")
            i += 1
            time.sleep(0.005)
        if role == "reader":  # everything the grower wrote is visible here
            try:
                last = store.get(K(f":big/{BIG - 1}"))
                assert last.startswith(f"{BIG - 1}:") and len(store) >= BIG
            except Exception as exc:
                errors.append(f"final {type(exc).__name__}: {exc}")
        else:  # every update was counted once
            try:
                count = store.get(K(":w2/count"))
                assert count == i, f"count {count} after {i} updates"
            except Exception as exc:
                errors.append(f"final {type(exc).__name__}: {exc}")
    out = {
        "role": role,
        "ops": ops,
        "errors": len(errors),
        "first": errors[:5],
        "map_resizes": getattr(store, "map_resizes", 0),
        "rounds_after_growth": after,
    }
    store.close()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
