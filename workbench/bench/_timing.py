"""Timing, percentiles, peak memory and the machine description shared by every benchmark."""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

# ------------------------------------------------------------------------------- timing


def time_ops(
    ops: Sequence[tuple[Callable[[], Any], Callable[[], Any] | None]],
    warmup: int = 0,
    budget_s: float | None = None,
    min_samples: int = 3,
) -> list[int]:
    """Run ops in order; return per-call latencies in ns (perf_counter_ns around the call only).

    The first `warmup` ops are run untimed. Each op's undo (if any) runs untimed after it.
    Sampling stops early once `budget_s` is spent and at least `min_samples` were taken.
    """
    clock = time.perf_counter_ns
    for op, undo in ops[:warmup]:
        op()
        if undo is not None:
            undo()
    samples: list[int] = []
    deadline = None if budget_s is None else time.monotonic() + budget_s
    for op, undo in ops[warmup:]:
        t0 = clock()
        op()
        t1 = clock()
        samples.append(t1 - t0)
        if undo is not None:
            undo()
        if deadline is not None and len(samples) >= min_samples and time.monotonic() > deadline:
            break
    return samples


def harness_overhead_ns(n: int = 20000) -> float:
    """Median cost of the timing harness around a no-op (timer + call + bookkeeping), in ns."""
    noop = (lambda: None, None)
    samples = time_ops([noop] * n, warmup=100)
    return float(statistics.median(samples))


def _percentile(sorted_ns: Sequence[int], q: float) -> float:
    if not sorted_ns:
        return float("nan")
    i = min(len(sorted_ns) - 1, max(0, round(q * (len(sorted_ns) - 1))))
    return float(sorted_ns[i])


def summarize(samples_ns: Sequence[int]) -> dict[str, float]:
    """p50/p95/p99/mean/min/max in microseconds, sample count, throughput (ops/s from mean)."""
    s = sorted(samples_ns)
    if not s:
        return {"n": 0}
    mean = sum(s) / len(s)
    return {
        "n": len(s),
        "p50_us": _percentile(s, 0.50) / 1e3,
        "p95_us": _percentile(s, 0.95) / 1e3,
        "p99_us": _percentile(s, 0.99) / 1e3,
        "mean_us": mean / 1e3,
        "min_us": s[0] / 1e3,
        "max_us": s[-1] / 1e3,
        "throughput_ops_s": 1e9 / mean if mean else float("inf"),
    }


# ------------------------------------------------------------------------------ memory


def _rss_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _status_kb(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory(fn: Callable[[], Any]) -> tuple[Any, int | None]:
    """Run fn; return (result, peak resident-memory growth in bytes during it) (Linux /proc)."""
    gc.collect()
    if not _rss_reset():
        return fn(), None
    before = _status_kb("VmRSS")
    result = fn()
    peak = _status_kb("VmHWM")
    if before is None or peak is None:
        return result, None
    return result, max(0, peak - before) * 1024


# ------------------------------------------------------------------------------ machine


def load_1m() -> float:
    """The machine's 1-minute load average (NaN where the platform has none): shared machines."""
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # no load average on this platform
        return float("nan")


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and package versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = None
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(fh.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for pkg in ("workbench", "lmdb", "msgpack", "pandas", "numpy", "matplotlib", "datalevin"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        import lmdb

        versions["liblmdb"] = ".".join(map(str, lmdb.version()))
    except Exception:  # noqa: BLE001 - informational only
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": mem_kb * 1024 if mem_kb else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "packages": versions,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
