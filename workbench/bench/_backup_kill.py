"""Child process of the kill test: run one restore and freeze at its k-th file step.

    python -m workbench.bench._backup_kill '{"restore": "dir", "backup": B, "dest": D, "at": k}'

The file steps of a restore (copying a file, rename, swap; fsync for a single file) are counted as they happen. At
step k the child freezes: a file copy stops after half its bytes, any other step right after it
is done; it prints ``PAUSED k <step>`` and waits to be killed (SIGKILL, as a crash would). When the
restore finishes before step k it prints ``DONE <steps>``. The restore code itself is the one the
comparison times (`workbench.migrate.backup.restore_lmdb`, `_backup_restore.restore_dir`, ...).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from workbench import io as wio
from workbench.bench import _backup_restore as br
from workbench.migrate import backup as mb

RESTORES: dict[str, Callable[[str, str], Any]] = {
    "dir": br.restore_dir,
    "lmdb": mb.restore_lmdb,
    "file": br.place_file,
}


def _freeze(k: int, what: str) -> None:
    print(f"PAUSED {k} {what}", flush=True)
    while True:
        time.sleep(60)


def _hooks(at: int, with_fsync: bool) -> list[int]:
    count = [0]
    copyfile, replace, fsync, exchange = shutil.copyfile, os.replace, os.fsync, br.exchange

    def step(what: str) -> bool:
        count[0] += 1
        return count[0] == at

    def copy_hook(src: Any, dst: Any, *a: Any, **kw: Any) -> Any:
        if not step(f"copy {os.path.basename(src)}"):
            return copyfile(src, dst, *a, **kw)
        size = os.path.getsize(src)
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            fo.write(fi.read(size // 2))
            fo.flush()
            fsync(fo.fileno())
        _freeze(at, f"copy {os.path.basename(src)} (half of {size} bytes written)")

    seen: dict[str, int] = {}

    def after(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        def hook(*a: Any, **kw: Any) -> Any:
            out = fn(*a, **kw)
            seen[name] = seen.get(name, 0) + 1
            label = f"{name} {seen[name]}" if name != "fsync" else "fsync of the written temp file"
            if step(label):
                _freeze(at, label)
            return out

        return hook

    shutil.copyfile = copy_hook
    os.replace = after(replace, "replace")
    if with_fsync:  # a single-file restore has no copy step: freeze once its temp file is written
        os.fsync = after(fsync, "fsync")
    br.exchange = wio.exchange = after(exchange, "exchange")
    return count


def main(argv: list[str]) -> int:
    """Run the restore described by argv[0] (JSON), freezing at its step `at`."""
    spec = json.loads(argv[0])
    count = _hooks(int(spec["at"]), spec["restore"] == "file")
    RESTORES[spec["restore"]](spec["backup"], spec["dest"])
    print(f"DONE {count[0]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
