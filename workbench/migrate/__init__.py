"""Migration wrapper, background migrator, validation and rollback for memory.edn -> new store.

See `workbench.migrate.modes` for the mode table (which store each operation reads and writes).
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
    "CHECKPOINT_KEY", "Checkpoint", "Discrepancy", "Ledger", "MODES", "MODE_TABLE", "OPERATIONS",
    "MigratingMemory", "MigrationResult", "Migrator", "RepairLog", "RollbackResult",
    "ValidationReport", "clear_checkpoint", "explain", "is_reserved", "migrate", "mode_table_frame",
    "read_checkpoint", "reconcile", "rollback_corruption", "rollback_instability", "rollback_performance",
    "validate",
]
