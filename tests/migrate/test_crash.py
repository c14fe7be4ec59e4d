"""Crash safety for real: SIGKILL a child process mid-migration / mid-write, then check the files."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import edn
from workbench.migrate import Migrator, read_checkpoint, reconcile, validate

CHILD = Path(__file__).with_name("crash_child.py")
SEED = 20261126
TRIALS = 20
BATCH = 20


def _child(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(proc: subprocess.Popen, predicate, delay: float) -> list[str]:
    """Read the child's lines until predicate(line) holds, wait `delay`, SIGKILL; return lines."""
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if predicate(line):
            if delay:
                time.sleep(delay)
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    seen += [ln.strip() for ln in proc.stdout.read().splitlines()]
    return seen


def _killed_or_done(proc: subprocess.Popen, lines: list[str]) -> bool:
    """The kill landed (SIGKILL exit) or the child had already finished cleanly."""
    if proc.returncode == -signal.SIGKILL:
        return True
    return proc.returncode == 0 and any(ln.startswith("DONE") for ln in lines)


@pytest.fixture(scope="module")
def memory_file(tmp_path_factory) -> Path:
    from workbench.memory.generate import generate_memory

    path = tmp_path_factory.mktemp("crash") / "memory.edn"
    generate_memory(entries=300, seed=7).write(path)
    return path


@pytest.mark.slow
def test_migration_killed_at_random_points_resumes_to_full_consistency(memory_file, tmp_path):
    from workbench.stores.edn_file import EdnFileStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    source = EdnFileStore(memory_file, debounce=0, write_mode="safe")
    n = len(source)
    batches = -(-n // BATCH)
    rng = random.Random(SEED)
    kills_mid_copy = kills_total = 0
    for trial in range(TRIALS):
        target = tmp_path / f"target-{trial}"
        for _ in range(1 + (trial % 3 == 0)):  # every third trial is killed twice
            stop_at = rng.randrange(0, batches) * BATCH
            delay = rng.uniform(0, 0.012)  # batches are ~10 ms apart: lands anywhere in one
            proc = _child(
                "copy", str(memory_file), str(target), "--batch", str(BATCH), "--pause", "0.01"
            )
            lines = _kill_when(proc, lambda ln, s=stop_at: _reached(ln, s), delay)
            assert _killed_or_done(proc, lines), (lines, proc.stderr.read())
            kills_total += 1
            with LmdbKvStore(target) as store:
                cp = read_checkpoint(store)
                kills_mid_copy += cp is None or not cp.done
        with LmdbKvStore(target) as store:
            cp = read_checkpoint(store)
            res = Migrator(source, store, batch_size=BATCH, progress=False).run()
            assert res.done and res.resumed_from == (cp.copied if cp else 0)
            report = validate(source, store)
            assert report.consistency == 100.0, (trial, report.to_dict(limit=5))
            assert len(store) == n + 1  # every entry + the checkpoint
    print(f"{TRIALS} trials, {kills_total} SIGKILLs, {kills_mid_copy} before the copy finished")
    # the kills really landed during the copy (not after it had finished)
    assert kills_mid_copy >= 0.75 * kills_total, (kills_mid_copy, kills_total)


@pytest.mark.slow
def test_dual_write_traffic_killed_mid_migration_recovers_to_full_consistency(
    memory_file, tmp_path
):
    from workbench.stores.edn_file import EdnFileStore
    from workbench.stores.lmdb_kv import LmdbKvStore

    rng = random.Random(SEED + 2)
    diverged_before_reconcile = 0
    for trial in range(8):
        live = tmp_path / f"live-{trial}.edn"
        live.write_bytes(memory_file.read_bytes())
        target = tmp_path / f"live-target-{trial}"
        stop_at = rng.randrange(1, 12) * BATCH
        proc = _child(
            "live",
            str(live),
            str(target),
            "--batch",
            str(BATCH),
            "--seed",
            str(trial),
            "--pause",
            "0.01",
        )
        lines = _kill_when(proc, lambda ln, s=stop_at: _reached(ln, s), rng.uniform(0, 0.01))
        assert _killed_or_done(proc, lines), (lines, proc.stderr.read())
        source = EdnFileStore(live, debounce=0, write_mode="safe")  # the app restarts
        assert not source.diagnostics  # atomic EDN writes: the file always reads back whole
        with LmdbKvStore(target) as store:
            res = Migrator(source, store, batch_size=BATCH, progress=False).run()
            assert res.done
            diverged_before_reconcile += not validate(source, store).ok
            reconcile(source, store)
            report = validate(source, store)
            assert report.consistency == 100.0, (trial, report.to_dict(limit=5))
    print(f"trials that needed reconcile after the kill: {diverged_before_reconcile}/8")


def _reached(line: str, position: int) -> bool:
    if line.startswith("READY"):
        return position == 0
    if line.startswith("BATCH "):
        return int(line.split()[1].split("/")[0]) >= position
    return False


def _write_started(path: Path, mode: str, old_size: int) -> bool:
    """The rewrite has begun: the file itself changed (app) or a temp file has bytes (safe)."""
    if mode == "app":
        return not path.exists() or path.stat().st_size != old_size
    return any(t.stat().st_size > 0 for t in path.parent.glob(f".{path.name}.*.tmp"))


def _edn_write_trial(base: Path, path: Path, mode: str, delay: float) -> str:
    """Kill an EDN rewrite in flight; return 'intact-old', 'intact-new' or 'lost'."""
    path.write_bytes(base.read_bytes())
    old_size = path.stat().st_size
    proc = _child("edn-write", str(path), "--write-mode", mode, "--mb", "16")

    def ready(line: str) -> bool:  # then wait until the bytes are really being written
        if not line.startswith("READY"):
            return False
        deadline = time.monotonic() + 5
        while not _write_started(path, mode, old_size) and time.monotonic() < deadline:
            time.sleep(0.0002)
        return True

    lines = _kill_when(proc, ready, delay)
    assert any(ln.startswith("READY") for ln in lines), proc.stderr.read()
    text = path.read_bytes()
    if text == base.read_bytes():
        return "intact-old"
    try:
        value = edn.loads(text.decode("utf-8"), source=str(path))
    except (edn.EdnSyntaxError, UnicodeDecodeError):
        return "lost"
    old = edn.loads(base.read_text(encoding="utf-8"))
    if isinstance(value, dict) and edn.kw(":crash/blob") in value and all(k in value for k in old):
        return "intact-new"
    return "lost"


@pytest.mark.slow
def test_app_overwrite_loses_the_file_and_atomic_write_never_does(memory_file, tmp_path):
    rng = random.Random(SEED + 1)
    outcomes: dict[str, list[str]] = {"app": [], "safe": []}
    for i in range(6):
        for mode in ("app", "safe"):
            delay = rng.uniform(0, 0.002)
            outcomes[mode].append(
                _edn_write_trial(memory_file, tmp_path / f"{mode}-{i}.edn", mode, delay)
            )
    assert "lost" not in outcomes["safe"], outcomes
    assert outcomes["app"].count("lost") >= 5, outcomes  # plain overwrite: file gone or cut
