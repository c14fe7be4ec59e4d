"""EdnFileStore safe mode removes the temp files a killed writer left, and only those (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from workbench import edn
from workbench.stores.edn_file import EdnFileStore

K = edn.kw

# a writer process that dies between writing its temp file and renaming it (as under SIGKILL:
# no cleanup runs), through the store's own atomic writer
_KILLED_WRITER = """
import os, sys
from workbench import edn
from workbench.stores.edn_file import EdnFileStore
os.replace = lambda *a: os._exit(9)
s = EdnFileStore(sys.argv[1], debounce=0, write_mode="safe")
s.put(edn.kw(":big"), "x" * 100000)
"""


def _killed_write(path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False)
    assert r.returncode == 9


def _age(p: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(p, (t, t))


def test_safe_open_removes_its_own_stale_temps_only(tmp_path) -> None:
    path = tmp_path / "store.edn"
    path.write_text("{:a 1}")
    for _ in range(3):
        _killed_write(path)
    left = sorted(tmp_path.glob(".store.edn.*.tmp"))
    assert len(left) == 3 and all(p.stat().st_size > 100000 for p in left)
    assert path.read_text() == "{:a 1}"  # the kill happened before the rename
    for p in left:
        _age(p, 3600)
    others = [
        tmp_path / ".other.edn.abcd1234.tmp",  # another file's temp
        tmp_path / ".store.edn.abc.tmp",  # not the writer's pattern
        tmp_path / "store.edn.abcd1234.tmp",  # no leading dot
        tmp_path / ".store.edn.abcd1234.tmp.keep",
    ]
    for p in others:
        p.write_text("keep")
        _age(p, 3600)
    fresh = tmp_path / ".store.edn.live0001.tmp"  # a live writer's file: too recent to touch
    fresh.write_text("being written")
    s = EdnFileStore(path, debounce=0, write_mode="safe")
    try:
        assert sorted(s.removed_temps) == left
        assert s.get(K(":a")) == 1
    finally:
        s.close()
    assert not any(p.exists() for p in left)
    assert all(p.exists() for p in [*others, fresh])
    # app mode never deletes anything
    _killed_write(path)
    stale = next((p for p in tmp_path.glob(".store.edn.*.tmp") if p != fresh), None)
    assert stale is not None
    _age(stale, 3600)
    EdnFileStore(path, debounce=0, write_mode="app").close()
    assert stale.exists()
