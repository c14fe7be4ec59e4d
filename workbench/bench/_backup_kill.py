"""Child process of the kill test: run one restore and freeze at its k-th step.

    python -m workbench.bench._backup_kill '{"restore": "dir", "backup": B, "dest": D, "at": k}'

The steps of a restore (copying a file, rename, swap; fsync for a single file; for the load of a
Datalevin dump, the load itself and its end) are counted as they happen. At step k the child
freezes: a file copy stops after half its bytes, the load of a dump (in this child's own JVM) is
stopped `half_s` seconds in (half the load's time measured in the parent: the child stops itself
with SIGSTOP, JVM threads included), any other step right after it is done; it prints ``PAUSED k
<step>`` and waits to be killed (SIGKILL, as a crash would). When the restore finishes before step
k it prints ``DONE <steps>``. The restore code itself is the one the comparison times
(`workbench.migrate.backup.restore_lmdb`, `_backup_restore.restore_dir`, the load of a dump, ...).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
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


def _load_restore(backup: str, dest: str) -> Any:
    from workbench.bench._backup_methods import _dl_load

    return _dl_load(backup, dest)


def _load_unstaged(backup: str, dest: str) -> Any:
    """The kill test's control (never used to restore): the same load written straight into
    the destination, the old state removed first; a kill half-way must be caught."""
    from pathlib import Path

    from workbench.bench import _backup_jvm as bj

    shutil.rmtree(dest, ignore_errors=True)
    Path(dest).mkdir()
    bj.load_dump(Path(dest), Path(backup))
    return dest


RESTORES["load"] = _load_restore
RESTORES["load-unstaged"] = _load_unstaged


def _freeze(k: int, what: str) -> None:
    print(f"PAUSED {k} {what}", flush=True)
    while True:
        time.sleep(60)


def _stop_self(k: int, what: str) -> None:
    print(f"PAUSED {k} {what}", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)  # every thread, the JVM's included, stops here


def _hooks(at: int, with_fsync: bool, half_s: float = 0.0) -> list[int]:
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

    from workbench.bench import _backup_jvm as bj

    load = bj.load_dump

    def load_hook(stage: Any, dump: Any) -> Any:
        if not step("load-datalog half-way"):
            out = load(stage, dump)
        else:
            what = f"load-datalog half-way ({half_s:.2f} s into a load of about {2 * half_s:.2f} s)"
            timer = threading.Timer(half_s, _stop_self, (at, what))
            timer.start()
            out = load(stage, dump)
            timer.cancel()
            _freeze(at, "load-datalog, which ended before its half-way point")
        if step("load-datalog done, before the swap"):
            _freeze(at, "load-datalog done, before the swap")
        return out

    bj.load_dump = load_hook
    shutil.copyfile = copy_hook
    os.replace = after(replace, "replace")
    if with_fsync:  # a single-file restore has no copy step: freeze once its temp file is written
        os.fsync = after(fsync, "fsync")
    br.exchange = wio.exchange = after(exchange, "exchange")
    return count


def main(argv: list[str]) -> int:
    """Run the restore described by argv[0] (JSON), freezing at its step `at`."""
    spec = json.loads(argv[0])
    if spec["restore"].startswith(
        "load"
    ):  # the JVM up and backup.clj loaded before any step counts
        from workbench.bench import _backup_jvm as bj

        bj.var("load-dump!")
    count = _hooks(int(spec["at"]), spec["restore"] == "file", float(spec.get("half_s", 0.0)))
    RESTORES[spec["restore"]](spec["backup"], spec["dest"])
    print(f"DONE {count[0]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
