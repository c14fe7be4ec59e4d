"""Benchmark workbench.edn against edn_format on a realistic memory document (same bytes, same run).

Run: python -m workbench.bench.suites.edn [--size-mb 10] [--repeats 5]   (or `workbench bench-edn`)
Prints read and write MB/s (medians), the ratios to edn_format and to the targets, and the peak
memory (tracemalloc) of loading the document beside json.loads of the same data as JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from workbench import edn
from workbench.edn import reader as edn_reader

READ_TARGET_MBS = 25.0
WRITE_TARGET_MBS = 60.0
MEMORY_TARGET_RATIO = 1.5

_WORDS = (
    "the learning pattern insight code review session project user data file function value "
    "memory cache test build deploy error handler request response query index schema state "
    "update create delete merge apply transfer example category tag level status active draft "
    "because when after before always never should could would refactor extract simplify "
    "performance latency throughput clojure edn datalevin lmdb migration rehearsal benchmark"
).split()
_HEX = "0123456789abcdef"


class _Gen:
    """Deterministic generator of memory.edn-like entries (a small cousin of workbench.memory.generate)."""

    def __init__(self, seed: int, user: str = "davidwu") -> None:
        self.r = random.Random(seed)
        self.user = user
        self.ms = 1_760_000_000_000
        self.n = 0
        self.k = edn.kw

    def words(self, lo: int, hi: int) -> str:
        r = self.r
        return " ".join(r.choice(_WORDS) for _ in range(r.randint(lo, hi)))

    def text(self, lo: int, hi: int) -> str:
        s = self.words(lo, hi)
        r = self.r.random()
        if r < 0.05:
            s += ' "quoted" \\ and\nnew line'
        elif r < 0.08:
            s += " café — naïve ✓"
        return s.capitalize() + "."

    def stamp(self) -> int:
        self.ms += self.r.randint(1, 90_000)
        return self.ms

    def iso(self) -> str:
        t = self.stamp()
        secs, msec = divmod(t, 1000)
        st = time.gmtime(secs)
        return time.strftime("%Y-%m-%dT%H:%M:%S", st) + f".{msec:03d}{self.r.randint(0, 999):03d}Z"

    def slug(self) -> str:
        r = self.r
        return "-".join(r.choice(_WORDS) for _ in range(r.randint(2, 4)))

    def hexs(self, n: int) -> str:
        return "".join(self.r.choice(_HEX) for _ in range(n))

    def learning(self) -> tuple[Any, Any]:
        k, r, u = self.k, self.r, self.user
        lid = f"{u}/{self.slug()}-{self.stamp()}-{r.randint(0, 999)}"
        v = {
            k("learning/id"): lid,
            k("learning/title"): self.words(3, 8).capitalize(),
            k("learning/user"): u,
            k("learning/created"): self.iso(),
            k("learning/category"): r.choice(["pattern", "debugging", "architecture", "tooling"]),
            k("learning/insights"): edn.Vector(self.text(20, 250) for _ in range(r.randint(1, 4))),
            k("learning/examples"): edn.Vector(
                {k("code"): self.words(3, 12), k("lang"): "clojure"} for _ in range(r.randint(0, 2))
            ),
            k("learning/pattern"): self.words(2, 6) if r.random() < 0.7 else None,
            k("learning/transfers"): edn.Vector(self.words(2, 5) for _ in range(r.randint(0, 3))),
            k("learning/tags"): frozenset(r.sample(_WORDS, r.randint(2, 4))),
            k("learning/confidence"): r.randint(1, 5),
            k("learning/applied-count"): r.randint(0, 40),
            k("learning/last-applied"): self.iso() if r.random() < 0.6 else None,
            k("learning/status"): k("active") if r.random() < 0.9 else k("deleted"),
            k("learning/merged-count"): r.randint(0, 3),
        }
        return edn.Keyword(u, lid.split("/", 1)[1]), v

    def session_ops(self) -> tuple[Any, Any]:
        k, r = self.k, self.r
        sid = f"s{r.randint(1, 10**6)}"
        ops = edn.Vector(
            {
                k("op/id"): i,
                k("op/type"): r.choice([k("add-note"), k("move"), k("edit"), k("delete")]),
                k("op/target"): f"item-{self.hexs(8)}",
                k("op/data"): {
                    k("x"): r.randint(0, 800),
                    k("y"): r.randint(0, 600),
                    k("text"): self.words(1, 8),
                },
                k("op/user-id"): self.user,
                k("op/timestamp"): self.stamp(),
                k("op/session-id"): sid,
            }
            for i in range(r.randint(2, 25))
        )
        return edn.Keyword("ops", sid), ops

    def presence(self) -> tuple[Any, Any]:
        k, r = self.k, self.r
        sid = f"s{r.randint(1, 10**6)}"
        users = {
            f"user-{j}": {
                k("user/id"): f"user-{j}",
                k("user/name"): self.words(1, 2).title(),
                k("user/color"): "#" + self.hexs(6),
                k("user/avatar"): f"https://example.com/a/{self.hexs(10)}.png",
                k("user/joined-at"): self.stamp(),
            }
            for j in range(r.randint(1, 4))
        }
        return edn.Keyword("presence", ":" + sid), users

    def project(self) -> tuple[Any, Any]:
        k, r, u = self.k, self.r, self.user
        projects = {}
        for _ in range(r.randint(1, 6)):
            pid = f"{u}/project-{self.slug()}-{self.stamp()}"
            projects[pid] = {
                k("project/id"): pid,
                k("project/name"): self.words(1, 4).title(),
                k("project/description"): self.text(5, 40),
                k("project/owner"): u,
                k("project/status"): r.choice([k("draft"), k("active"), k("completed")]),
                k("project/created-at"): self.iso(),
                k("project/updated-at"): self.iso(),
            }
        self.n += 1
        return edn.Keyword("projects", f"{u}{self.n}"), projects

    def builder(self) -> tuple[Any, Any]:
        k, r, u = self.k, self.r, self.user
        sessions = {}
        for _ in range(r.randint(1, 3)):
            sid = f"session-{self.hexs(12)}"
            notes = {}
            for _ in range(r.randint(2, 12)):
                nid = f"persona-{self.hexs(8)}-{self.hexs(4)}"
                notes[nid] = {
                    k("id"): nid,
                    k("content"): self.text(3, 30),
                    k("color"): "#" + self.hexs(6),
                    k("section"): "persona",
                    k("position"): {k("x"): r.randint(0, 900), k("y"): r.uniform(0, 700)},
                }
            sessions[sid] = {
                k("session/id"): sid,
                k("session/project-id"): f"{u}/project-{self.slug()}",
                k("session/type"): r.choice(
                    [k("empathy-map"), k("lean-canvas"), k("mvp-planning")]
                ),
                k("session/state"): k("active"),
                k("session/data"): notes,
                k("session/created-at"): self.iso(),
                k("session/updated-at"): self.iso(),
            }
        self.n += 1
        return edn.Keyword("builder-sessions", f"{u}{self.n}"), sessions

    def token(self) -> tuple[Any, Any]:
        k, r = self.k, self.r
        hexid = "abcdef"[r.randint(0, 5)] + self.hexs(63)  # readable: first char a letter
        v = {
            k("token/value"): hexid,
            k("token/user-id"): self.user,
            k("token/project-id"): f"{self.user}/project-{self.slug()}",
            k("token/permissions"): edn.Vector([k("read"), k("comment")][: r.randint(1, 2)]),
            k("token/created-at"): self.iso(),
            k("token/expires-at"): self.iso(),
            k("token/active?"): r.random() < 0.8,
        }
        return edn.Keyword("embed-token", hexid), v

    def review(self) -> tuple[Any, Any]:
        k, r, u = self.k, self.r, self.user
        lid = f"{u}/{self.slug()}-{self.stamp()}-{r.randint(0, 999)}"
        v = {
            k("learning-id"): lid,
            k("level"): r.randint(1, 4),
            k("scheduled-at"): self.stamp(),
            k("created"): self.stamp(),
        }
        return edn.Keyword("review", lid), v

    def entry(self) -> tuple[Any, Any]:
        x = self.r.random()
        if x < 0.45:
            return self.learning()
        if x < 0.60:
            return self.session_ops()
        if x < 0.70:
            return self.review()
        if x < 0.78:
            return self.presence()
        if x < 0.86:
            return self.token()
        if x < 0.93:
            return self.builder()
        return self.project()


def generate_document(size_mb: float = 10.0, seed: int = 0) -> tuple[str, dict]:
    """A deterministic memory.edn-like document of about size_mb MB, printed like pr-str."""
    g = _Gen(seed)
    value: dict = {}
    target = int(size_mb * 1_000_000)
    size = 0
    while size < target:
        batch = {}
        for _ in range(200 if size_mb >= 1 else 5):
            key, v = g.entry()
            batch[key] = v
        size += len(edn.dumps(batch, pr_str=True).encode("utf-8"))
        value.update(batch)
    value[edn.kw("learning/index")] = {
        edn.kw(g.user): edn.Vector(str(k) for k in list(value)[:500])
    }
    return edn.dumps(value, pr_str=True), value


def to_json_able(value: Any) -> Any:
    """The same data as plain JSON types (keywords -> strings, sets/vectors -> lists)."""
    t = type(value)
    if t is dict or t is edn.FrozenMap:
        return {str(k) if not isinstance(k, str) else k: to_json_able(v) for k, v in value.items()}
    if t in (edn.Vector, edn.List, frozenset, list, tuple):
        return [to_json_able(v) for v in value]
    if t is edn.Keyword or t is edn.Symbol:
        return str(value)
    return value


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process) of fn over repeats runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return statistics.median(walls), statistics.median(cpus)


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak traced allocation (bytes) while fn runs, with its result held."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def run(size_mb: float = 10.0, repeats: int = 5, seed: int = 0, baseline: bool = True) -> dict:
    """Measure everything; return the figures (also printed).

    Each speed is printed twice: from wall-clock time (what the targets name) and from this
    process's CPU time, which stays meaningful when other work shares the machine's cores.
    """
    text, value = generate_document(size_mb, seed)
    mb = len(text.encode("utf-8")) / 1e6
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"document: {mb:.2f} MB, {len(value):,} top-level entries (seed {seed}); "
        f"medians of {repeats} runs; load average {load:.1f} on {os.cpu_count()} cores"
    )
    loaded = edn.loads(text)
    if not edn.identical(loaded, value):
        raise SystemExit("workbench.edn did not read back the generated value")
    plain_mb = len(edn.dumps(loaded).encode("utf-8")) / 1e6
    out: dict[str, float] = {"mb": mb}
    cases = [
        ("read", "edn.loads", lambda: edn.loads(text), mb, READ_TARGET_MBS),
        ("salvage", "edn.read_map_entries", lambda: edn.read_map_entries(text), mb, None),
        (
            "read_pure",
            "edn.loads (pure Python)",
            lambda: _without_fast_path(edn.loads, text),
            mb,
            None,
        ),
        ("write", "edn.dumps", lambda: edn.dumps(loaded), plain_mb, WRITE_TARGET_MBS),
        ("write_prstr", "edn.dumps(pr_str=True)", lambda: edn.dumps(loaded, pr_str=True), mb, None),
    ]
    fast = "C fast path on" if edn_reader.speedups_enabled() else "pure Python (C fast path off)"
    print(f"reader: {fast}")
    print(f"{'':34s}{'wall MB/s':>10s}{'cpu MB/s':>10s}  target")
    for key, label, fn, size, target in cases:
        wall, cpu = median_time(fn, repeats)
        out[f"{key}_mbs"], out[f"{key}_cpu_mbs"] = size / wall, size / cpu
        verdict = ""
        if target:
            verdict = (
                f"{target:.0f}: wall {_verdict(size / wall, target)}, "
                f"cpu {_verdict(size / cpu, target)}"
            )
        print(f"{'workbench.' + label:34s}{size / wall:10.1f}{size / cpu:10.1f}  {verdict}")

    if baseline:
        import edn_format

        ef_reps = max(1, min(repeats, 5))
        wall, cpu = median_time(lambda: edn_format.loads(text), ef_reps)
        out["ef_read_mbs"], out["ef_read_cpu_mbs"] = mb / wall, mb / cpu
        print(f"{'edn_format.loads':34s}{mb / wall:10.1f}{mb / cpu:10.1f}")
        ef_value = edn_format.loads(text)
        ef_mb = len(edn_format.dumps(ef_value).encode("utf-8")) / 1e6
        wall, cpu = median_time(lambda: edn_format.dumps(ef_value), ef_reps)
        out["ef_write_mbs"], out["ef_write_cpu_mbs"] = ef_mb / wall, ef_mb / cpu
        print(f"{'edn_format.dumps':34s}{ef_mb / wall:10.1f}{ef_mb / cpu:10.1f}")
        print(
            "ratio workbench.edn / edn_format: "
            f"read {out['read_mbs'] / out['ef_read_mbs']:.1f}x wall, "
            f"{out['read_cpu_mbs'] / out['ef_read_cpu_mbs']:.1f}x cpu; "
            f"write {out['write_mbs'] / out['ef_write_mbs']:.1f}x wall, "
            f"{out['write_cpu_mbs'] / out['ef_write_cpu_mbs']:.1f}x cpu"
        )
        del ef_value

    jtext = json.dumps(to_json_able(value))
    loaded = None
    out["peak_edn"] = peak_memory(lambda: edn.loads(text))
    out["peak_json"] = peak_memory(lambda: json.loads(jtext))
    ratio = out["peak_edn"] / out["peak_json"]
    out["peak_ratio"] = ratio
    print(
        f"peak memory (tracemalloc): edn.loads {out['peak_edn'] / 1e6:.1f} MB, json.loads of the "
        f"same data as JSON ({len(jtext) / 1e6:.1f} MB) {out['peak_json'] / 1e6:.1f} MB, ratio "
        f"{ratio:.2f}x (target <= {MEMORY_TARGET_RATIO}: "
        f"{'OK' if ratio <= MEMORY_TARGET_RATIO else 'MISSED'})"
    )
    return out


def _without_fast_path(fn, *args):  # noqa: ANN001, ANN202
    """fn(*args) with the reader's C fast path switched off."""
    with edn_reader.fast_path(False):
        return fn(*args)


def _verdict(got: float, target: float) -> str:
    return f"{'OK' if got >= target else 'MISSED'}, {got / target:.2f}x"


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options (shared by `workbench bench-edn` and `python -m`)."""
    p.add_argument("--size-mb", type=float, default=10.0, help="document size (default 10)")
    p.add_argument("--repeats", type=int, default=5, help="runs per median (default 5)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument("--no-baseline", action="store_true", help="skip edn_format (slow)")
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run the EDN benchmark with the parsed arguments and print its figures."""
    run(args.size_mb, max(1, args.repeats), args.seed, not args.no_baseline)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.bench.suites.edn`: the same as `workbench bench-edn`."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return run_cli(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["add_arguments", "generate_document", "main", "run", "run_cli", "to_json_able"]
