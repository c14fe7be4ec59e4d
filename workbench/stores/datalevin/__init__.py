"""Real Datalevin through its JVM: the bridge (JVM start, value conversion), the stores, the schema
check. Importing this package does not start a JVM; opening a store or checking a schema does."""

from workbench.stores.datalevin.bridge import (
    DatalevinUnavailable,
    available,
    class_cache_state,
    missing,
    require,
    start_jvm,
    startup_report,
)
from workbench.stores.datalevin.schema_check import SchemaCheck, check_schema
from workbench.stores.datalevin.store import (
    DatalevinDatalogStore,
    DatalevinKvStore,
    DatalevinStore,
)

__all__ = [
    "DatalevinDatalogStore",
    "DatalevinKvStore",
    "DatalevinStore",
    "DatalevinUnavailable",
    "SchemaCheck",
    "available",
    "check_schema",
    "class_cache_state",
    "missing",
    "require",
    "start_jvm",
    "startup_report",
]
