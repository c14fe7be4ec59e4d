"""Migration wrapper, background migrator, validation and rollback for memory.edn -> new store.

- `modes`: MigratingMemory (the app's memory API in four modes), MODE_TABLE, RepairLog.
- `migrator`: Migrator (background, resumable, checkpoint in the target), reconcile.
- `validate`: validate() -> ValidationReport (missing / extra / lossy / different, consistency).
- `rollback`: the plan's three rollback scenarios, each verified against a Ledger.
- `backup`, `faults`: EDN backups and restores; the faults a rehearsal injects.
"""

from workbench.migrate.ledger import Ledger
from workbench.migrate.migrator import (
    CHECKPOINT_KEY,
    Checkpoint,
    MigrationResult,
    Migrator,
    clear_checkpoint,
    migrate,
    read_checkpoint,
    reconcile,
)
from workbench.migrate.modes import (
    MODE_TABLE,
    MODES,
    OPERATIONS,
    MigratingMemory,
    RepairLog,
    is_reserved,
    mode_table_frame,
)
from workbench.migrate.rollback import (
    RollbackResult,
    rollback_corruption,
    rollback_instability,
    rollback_performance,
)
from workbench.migrate.validate import Discrepancy, ValidationReport, explain, validate

__all__ = [
    "CHECKPOINT_KEY",
    "Checkpoint",
    "Discrepancy",
    "Ledger",
    "MODES",
    "MODE_TABLE",
    "OPERATIONS",
    "MigratingMemory",
    "MigrationResult",
    "Migrator",
    "RepairLog",
    "RollbackResult",
    "ValidationReport",
    "clear_checkpoint",
    "explain",
    "is_reserved",
    "migrate",
    "mode_table_frame",
    "read_checkpoint",
    "reconcile",
    "rollback_corruption",
    "rollback_instability",
    "rollback_performance",
    "validate",
]
