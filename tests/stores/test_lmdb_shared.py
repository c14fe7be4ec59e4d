"""Two real processes on one LMDB store: a writer grows the map by ~100 MB while a reader and a
second writer keep working (MDB_MAP_RESIZED is adopted, never raised; issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import edn

CHILD = Path(__file__).with_name("lmdb_shared_child.py")
K = edn.kw


def _seed(kind: str, path: Path) -> None:
    if kind == "kv":
        from workbench.stores.lmdb_kv import LmdbKvStore as S
    else:
        from workbench.stores.lmdb_entity import LmdbEntityStore as S
    with S(path, map_size=16 << 20) as s:
        s.put(K(":seed/0"), 0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["kv", "entity"])
def test_reader_and_second_writer_survive_another_process_growing_the_map(tmp_path, kind):
    db, sync = tmp_path / "db", tmp_path / "sync"
    sync.mkdir()
    _seed(kind, db)
    roles = ("reader", "writer", "grow")
    procs = {
        r: subprocess.Popen(
            [sys.executable, str(CHILD), kind, str(db), r, str(sync)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in roles
    }
    try:
        deadline = time.monotonic() + 60
        while not all((sync / f"{r}.ready").exists() for r in roles):
            assert time.monotonic() < deadline, "children did not open the store"
            assert all(p.poll() is None for p in procs.values()), "a child died"
            time.sleep(0.02)
        (sync / "go").touch()
        results = {}
        for r, p in procs.items():
            out, err = p.communicate(timeout=180)
            assert p.returncode == 0, err
            results[r] = json.loads(out.strip().splitlines()[-1])
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
    print(json.dumps(results))
    assert (db / "data.mdb").stat().st_size > 100 << 20  # the map did grow past 100 MB
    for r in ("reader", "writer"):
        res = results[r]
        assert res["errors"] == 0, res["first"]
        assert res["map_resizes"] >= 1, res  # the growth happened under this process
        assert res["rounds_after_growth"] == 20 and res["ops"] > 20
