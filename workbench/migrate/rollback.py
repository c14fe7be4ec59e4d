"""The plan's three rollback scenarios, each ending with a check that no acknowledged write is lost.

1. performance regression: reads go back to EDN, dual-write continues (mode ``dual-write``).
2. data corruption: ``edn-only`` (EDN, kept current by dual-write, is the good copy); the new store
   is restored from its last safe compact backup (which holds the migrator checkpoint), the
   migration restarts from that checkpoint, keys written since the backup are copied again, keys
   deleted since are pruned; then the stores are validated.
3. instability: the new store is switched off and the system is back to its pre-migration state:
   ``edn-only``, the EDN file on disk holds everything (exported back first when the app had
   already cut writes over to the new store).
Writes made during a rollback go through `during(ledger)` so they are part of the verification.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.migrate.ledger import Ledger
from workbench.migrate.migrator import Migrator
from workbench.migrate.modes import ABSENT, is_reserved
from workbench.migrate.validate import ValidationReport, validate


@dataclass
class RollbackResult:
    """Steps taken and the verification that nothing acknowledged was lost."""

    scenario: str
    mode_before: str
    mode_after: str
    steps: list[str] = field(default_factory=list)
    checks: dict[str, ValidationReport] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every check is at 100% consistency."""
        return all(r.ok for r in self.checks.values())

    def summary(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "scenario": self.scenario,
            "mode_before": self.mode_before,
            "mode_after": self.mode_after,
            "steps": self.steps,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "checks": {
                k: {"consistency": round(r.consistency, 4), "discrepancies": len(r.discrepancies)}
                for k, r in self.checks.items()
            },
        }


def _read_edn_file(path: str | Path) -> dict[Any, Any]:
    text = Path(path).read_text(encoding="utf-8")
    return edn.loads(text, source=str(path), regex="keep") if text.strip() else {}


def verify(
    ledger: Ledger, *, edn_path: str | Path | None = None, stores: bool = False
) -> dict[str, ValidationReport]:
    """Acknowledged state vs the app's view (and the EDN file on disk, and store vs store)."""
    checks = {"app-view": validate(ledger.expected, ledger.memory.get_all())}
    mem = ledger.memory
    if edn_path is not None:
        mem.stores["edn"].flush()
        checks["edn-file"] = validate(ledger.expected, _read_edn_file(edn_path))
    if stores:
        checks["edn-vs-new"] = validate(mem.stores["edn"], mem.stores["new"])
    return checks


def rollback_performance(
    ledger: Ledger,
    *,
    during: Callable[[Ledger], None] | None = None,
    edn_path: str | Path | None = None,
) -> RollbackResult:
    """Scenario 1: reads back to EDN, dual-write continues; verify."""
    t0 = time.perf_counter()
    mem = ledger.memory
    res = RollbackResult("performance", mem.mode, "dual-write")
    mem.set_mode("dual-write")
    res.steps.append("reads switched back to EDN (mode dual-write); writes still go to both stores")
    if during:
        during(ledger)
        res.steps.append(f"app kept writing during rollback ({ledger.ops} ops so far)")
    if mem.repair_log.entries:
        res.steps.append(f"repair log replayed: {mem.repair()} entries")
    res.checks = verify(ledger, edn_path=edn_path, stores=True)
    res.seconds = time.perf_counter() - t0
    return res


def rollback_corruption(
    ledger: Ledger,
    *,
    backup: str | Path | None = None,
    backup_generation: int = 0,
    reopen: Callable[[str | Path | None], Any] | None = None,
    during: Callable[[Ledger], None] | None = None,
    edn_path: str | Path | None = None,
    resume_mode: str | None = None,
) -> RollbackResult:
    """Scenario 2: edn-only, rebuild the new store from its last safe point, re-validate."""
    t0 = time.perf_counter()
    mem = ledger.memory
    res = RollbackResult("corruption", mem.mode, resume_mode or "edn-only")
    if mem.mode == "datalevin-only":
        _copy_new_to_edn(mem)
        res.steps.append("EDN brought up to date from the new store (writes had been cut over)")
    mem.set_mode("edn-only")
    res.steps.append("mode edn-only: EDN (kept current by dual-write) serves the app")
    if during:
        during(ledger)
        res.steps.append("app kept writing during rollback (EDN only)")
    with mem.lock:
        if reopen is not None:
            mem.stores["new"] = reopen(backup)
            res.steps.append(
                f"new store restored from safe point {backup}"
                if backup
                else "new store reopened empty"
            )
        gen = backup_generation if backup else 0
        restart = backup is None
        if restart:
            mem.stores["new"].clear()
        result = Migrator(
            mem.stores["edn"], mem.stores["new"], memory=mem, progress=False, prune=True
        ).run(restart=restart)
        res.steps.append(
            f"migration restarted from checkpoint: {result.copied} copied, {result.pruned} pruned"
        )
        stale = [k for k, g in mem._written.items() if g > gen]
        if mem._clear_gen > gen:
            stale = list(mem.stores["new"].keys())
        for k in stale:
            if is_reserved(k):
                continue
            v = mem.stores["edn"].get(k, ABSENT)
            if v is ABSENT:
                mem.stores["new"].delete(k)
            else:
                mem.stores["new"].put(k, v)
        res.steps.append(f"{len(stale)} keys written since the safe point copied again")
        mem.stores["new"].flush()
    if resume_mode:
        mem.set_mode(resume_mode)
        res.steps.append(f"mode {resume_mode}")
    res.checks = verify(ledger, edn_path=edn_path, stores=True)
    res.seconds = time.perf_counter() - t0
    return res


def _copy_new_to_edn(mem: Any) -> None:
    new, old = mem.stores["new"], mem.stores["edn"]
    with mem.lock:
        current = {k: v for k, v in new.items() if not is_reserved(k)}
        for k in [k for k in old.keys() if k not in current]:
            old.delete(k)
        old.put_many(list(current.items()))
        old.flush()


def rollback_instability(
    ledger: Ledger,
    *,
    during: Callable[[Ledger], None] | None = None,
    edn_path: str | Path | None = None,
) -> RollbackResult:
    """Scenario 3: new store off, EDN-only as before the migration; verify the EDN file."""
    t0 = time.perf_counter()
    mem = ledger.memory
    res = RollbackResult("instability", mem.mode, "edn-only")
    if mem.mode == "datalevin-only":
        _copy_new_to_edn(mem)
        res.steps.append("EDN brought up to date from the new store (writes had been cut over)")
    mem.set_mode("edn-only")
    res.steps.append("mode edn-only; new store switched off")
    with mem.lock:
        mem.stores["new"].close()
        mem.stores["new"] = _Offline()
    if during:
        during(ledger)
        res.steps.append("app kept writing during rollback (EDN only)")
    res.checks = verify(ledger, edn_path=edn_path)
    res.seconds = time.perf_counter() - t0
    return res


class _Offline:
    """Stand-in for a store that has been switched off: every call but flush/close fails loudly."""

    name = "offline"

    def flush(self) -> None:
        """Nothing to flush: the store is off."""

    def close(self) -> None:
        """Already closed."""

    def __getattr__(self, attr: str) -> Any:
        raise RuntimeError(f"the new store is switched off (tried {attr})")
