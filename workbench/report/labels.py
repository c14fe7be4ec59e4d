"""The one table of words for the notebooks' finding keys: what the index prints instead of the key.

A key the table does not know is shown with its underscores as spaces (`label`), and
`unlabelled` lists such keys so that a test can keep the table complete for the shipped notebooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: finding key -> the words a reader sees. "name.key" entries apply to one notebook's findings only.
LABELS: dict[str, str] = {
    # 01 explore
    "bytes": "File size",
    "entries": "Entries",
    "diagnostics": "Damage found (diagnostics)",
    "bytes_by_type": "Bytes per data type",
    "entries_by_type": "Entries per data type",
    "input": "Input file",
    "unclassified": "Entries of no known data type",
    "unstable_keys": "Keys that read back changed",
    "unstable_keys_nsmap": "Keys written inside a namespace map (#:ns{...})",
    # 02 profile
    "alert_counts": "Alerts per kind",
    "alerts": "Alerts raised by the profile",
    "attribute_paths": "Attribute paths profiled",
    "kinds": "Kinds of entry",
    # 03 schema
    "attributes_inferred": "Attributes in the inferred schema",
    "attributes_plan": "Attributes in the plan's draft schema",
    "blob_only_inferred": "Attributes kept as an EDN blob (inferred)",
    "collisions_inferred": "Entity collisions, inferred mapping",
    "collisions_plan": "Entity collisions, plan mapping",
    "diff": "Plan draft to inferred schema: changes",
    "diff_reload": "Changes that need a reload",
    "losses_inferred_edn": "Values lost, inferred mapping (EDN values)",
    "losses_inferred_json": "Values lost, inferred mapping with the plan's JSON encoding",
    "losses_plan": "Values lost, plan mapping",
    "losses_plan_by_reason": "Values lost by the plan mapping, by reason",
    "losses_plan_keys": "Keys the plan mapping changes",
    "plan_defects": "Defects of the plan's mapping",
    "plan_never_stored": "Plan attributes never stored",
    "validation_inferred": "Values Datalevin refuses (inferred schema)",
    "validation_inferred_by_problem": "Values Datalevin refuses, by problem",
    "validation_plan": "Values Datalevin refuses (plan schema)",
    # 04 benchmark
    "datalevin": "Datalevin through the Python bridge",
    "failed": "Plan metric checks missed",
    "passed": "Plan metric checks met",
    "harness_overhead_ns": "Harness overhead per timed op (ns)",
    "machine": "Machine",
    "ratios_p50_vs_edn": "Median cost against the EDN file (ratio)",
    "success_metrics": "Plan success metrics, per store and operation",
    "verdict": "Verdict on the plan's metrics",
    "bulk_load_entities_per_s": "Bulk load (entities/s)",
    "get_ms": "Get (ms)",
    "put_ms": "Put (ms)",
    "jvm_startup_s": "JVM start (s)",
    "published_sanity": "Datalevin in the JVM beside its published figures (ratio and why)",
    # 05 rehearsal
    "faults (kv: crash, failing second writes, full disk)": "Faults: crash, failing second writes, full disk",
    "rollbacks_ok": "Rollback scenarios that restored the EDN file",
    "target": "Rehearsal target store",
    "timeline": "Migration timeline",
    "verdicts": "Verdict per mapping",
    "latency_stack": "Stack the latency figures were taken on",
    "jvm_rehearsals": "Datalevin and cached targets rehearsed (latency inside the JVM)",
    "window_of_loss": "Window of loss (write-behind)",
    "completion_pct": "Completion (%)",
    "consistency_pct": "Consistency (%)",
    "keys_repaired_from_repair_log": "Keys repaired from the repair log",
    "seconds_by_scale": "Seconds by file scale",
    # 06 evolution
    "schema evolution: changes per outcome": "Schema changes per outcome",
    "schema evolution: headline": "Schema evolution",
    "schema evolution: refused changes (migrated)": "Changes Datalevin refused (then migrated)",
    # answers written by notebooks: {sentence, status, why}
    "backup": "Backup strategy",
    "queries": "Query patterns",
    "queries ranked (top 5)": "The five queries that gain most from Datalog",
    "sentence": "Answer",
    "status": "Badge",
    "why": "Why",
    "next": "Next step",
}


def label(key: Any, name: str = "") -> str:
    """The words for a finding key (from LABELS; else the key with spaces, first letter capital)."""
    k = str(key)
    found = LABELS.get(f"{name}.{k}") if name else None
    if found is None:
        found = LABELS.get(k)
    if found is not None:
        return found
    text = k.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def unlabelled(findings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Top-level finding keys (per findings name) that LABELS has no words for."""
    return [
        f"{name}.{key}"
        for name, f in findings.items()
        for key in f
        if f"{name}.{key}" not in LABELS and str(key) not in LABELS
    ]
