"""The app traffic a rehearsal plays: a simple mixed trace plus workbench.bench.workloads' mixed trace."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from workbench import edn
from workbench.bench.workloads import mixed_trace
from workbench.migrate.ledger import Ledger

OP_WEIGHTS = {
    "get_value": 60,
    "save_value": 18,
    "update": 10,
    "delete_value": 4,
    "search": 2,
    "get_all": 1,
    "get_missing": 5,
}


def simple_trace(keys: list[Any], n: int, seed: int = 0) -> Iterator[tuple[str, Any, Any]]:
    """A mixed trace of app operations (op, key, value) over existing and new keys."""
    rng = random.Random(seed)
    ops, weights = zip(*OP_WEIGHTS.items(), strict=True)
    live = list(keys) or [edn.Keyword("trace", "k0")]
    for i in range(n):
        op = rng.choices(ops, weights)[0]
        if op == "save_value" and rng.random() < 0.3:
            key = edn.Keyword("trace", f"k{seed}-{i}")
            live.append(key)
        else:
            key = rng.choice(live)
        if op == "get_missing":
            yield "get_value", edn.Keyword("trace-missing", f"m{i}"), None
        elif op == "save_value":
            value = {
                edn.Keyword("op", "i"): i,
                edn.Keyword("op", "at"): 1_760_000_000_000 + i,
                edn.Keyword("op", "tags"): frozenset({"t", f"t{i % 7}"}),
                edn.Keyword("op", "nil"): None,
            }
            yield op, key, value if rng.random() > 0.05 else rng.choice([None, False])
        elif op == "search":
            yield op, None, rng.choice(["davidwu", "session", "zzz-none", "learning"])
        else:
            yield op, key, None


def _bump(v: Any) -> Any:
    """update! function of the trace: count updates in a small map."""
    if isinstance(v, dict):
        out = dict(v)
        out[edn.Keyword("trace", "updates")] = out.get(edn.Keyword("trace", "updates"), 0) + 1
        return out
    return {edn.Keyword("trace", "was"): v, edn.Keyword("trace", "updates"): 1}


class _AppFacade:
    """Store-shaped face of a Ledger, so workbench.bench.workloads.mixed_trace can drive the wrapper."""

    def __init__(self, player: TracePlayer, phase: str):
        self.player, self.phase = player, phase

    def _timed(self, op: str, key: Any, value: Any, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        answer, played = None, op
        try:
            answer = fn()
            return answer
        except Exception as exc:  # noqa: BLE001 - an app-visible error is a finding
            self.player.errors.append(f"{self.phase} {op}: {type(exc).__name__}: {exc}")
            played = f"{op} (failed)"
            return None
        finally:
            self.player.samples.append(
                (t - self.player.t0, self.phase, op, (time.perf_counter() - t) * 1000)
            )
            self.player.recorded.append(
                (self.phase, played, key, value, answer if op == "get_value" else None)
            )

    def get(self, key: Any, default: Any = None) -> Any:
        return self._timed(
            "get_value", key, None, lambda: self.player.ledger.get_value(key, default)
        )

    def put(self, key: Any, value: Any) -> None:
        self._timed("save_value", key, value, lambda: self.player.ledger.save_value(key, value))

    def delete(self, key: Any) -> bool:
        return bool(
            self._timed("delete_value", key, None, lambda: self.player.ledger.delete_value(key))
        )

    def flush(self) -> None:
        """The app never flushes explicitly (debounced writes); nothing to do."""


class TracePlayer:
    """Plays a mixed trace through a Ledger and records (t, phase, op, latency_ms) in `samples`
    and every op played, in order, as (phase, op, key, value, answer) in `recorded` (value: what a
    save or update left under the key; answer: what a get returned), for the JVM replay.

    Chunks alternate between `workbench.bench.workloads.mixed_trace` (the app's pattern: hot-key reads,
    session saves, learning creation) when that module exists and `simple_trace`, which also
    exercises update!, delete, search and get-all, so every API operation runs in every phase.
    """

    CHUNK = 40

    def __init__(
        self,
        ledger: Ledger,
        trace: Iterator[tuple[str, Any, Any]],
        t0: float,
        app_trace: bool = True,
        seed: int = 0,
    ):
        self.ledger, self.trace, self.t0 = ledger, trace, t0
        self.samples: list[tuple[float, str, str, float]] = []
        self.recorded: list[tuple[str, str, Any, Any, Any]] = []
        self.errors: list[str] = []
        self.seed = seed
        self._turn = 0
        self._mixed = mixed_trace if app_trace else None

    def play(
        self,
        phase: str,
        n: int | None = None,
        until: Callable[[], bool] | None = None,
        min_ops: int = 0,
    ) -> int:
        """Play n ops (or until `until()` is true, at least min_ops)."""
        done = 0
        while True:
            if n is not None and done >= n:
                break
            if until is not None and until() and done >= min_ops:
                break
            chunk = self.CHUNK if n is None else min(self.CHUNK, n - done)
            self._turn += 1
            if self._mixed is not None and self._turn % 2 == 0 and self.ledger.expected:
                before = len(self.samples)
                try:
                    self._mixed(
                        _AppFacade(self, phase),
                        dict(self.ledger.expected),
                        n_ops=chunk,
                        seed=self.seed * 100_003 + self._turn,
                    )
                except Exception as exc:  # noqa: BLE001
                    self.errors.append(f"{phase} mixed_trace: {type(exc).__name__}: {exc}")
                done += max(1, len(self.samples) - before)
            else:
                done += self._play_simple(phase, chunk)
        return done

    def _play_simple(self, phase: str, n: int) -> int:
        done = 0
        mem = self.ledger
        while done < n:
            try:
                op, key, value = next(self.trace)
            except StopIteration:
                break
            t = time.perf_counter()
            answer, played = None, op
            try:
                if op == "get_value":
                    answer = mem.get_value(key)
                elif op == "save_value":
                    mem.save_value(key, value)
                elif op == "update":
                    value = mem.update(key, _bump)
                elif op == "delete_value":
                    mem.delete_value(key)
                elif op == "search":
                    mem.memory.search(value)
                elif op == "get_all":
                    mem.memory.get_all()
            except Exception as exc:  # noqa: BLE001 - an app-visible error is a finding
                self.errors.append(f"{phase} {op}: {type(exc).__name__}: {exc}")
                played = f"{op} (failed)"
            dt = (time.perf_counter() - t) * 1000
            self.samples.append((t - self.t0, phase, op, dt))
            self.recorded.append((phase, played, key, value, answer))
            done += 1
        return done
