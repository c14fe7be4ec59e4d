"""Datalevin schema prototyping: inference, entry<->entity mappings, EDN schema maps, reports.

API for other modules (see workbench/schema/mapping.py for the mapping details):

- ``Attr(value_type="db.type/string", cardinality="one"|"many", unique=None|"identity"|"value",
  reason=str, component=bool, allowed=frozenset|None)``;
- ``Schema(attributes: dict[Keyword, Attr], blob_only: dict[Keyword, str], name)``;
  ``.to_edn()`` / ``Schema.from_edn(text)`` (Datalevin schema map text with ``:db/doc`` reasons),
  ``.to_datalevin()`` (dict of Keywords), ``.with_attr(kw, **changes)``, ``.without(kw)``,
  ``.to_frame()``;
- ``infer_schema(memory | entries | Profile, blob_codec="edn") -> Schema``;
- ``get_mapping("inferred", schema=None, memory=None, codec=None)`` / ``get_mapping("plan")``:
  ``.to_entity(key, value) -> dict``, ``.from_entity(entity) -> (key, value)``,
  ``.kind_of(key, value)``, ``.identities(entity)``, ``.schema``, ``.codec``, ``.with_codec(c)``;
- ``to_tx_data(memory, schema_or_mapping) -> list[dict]``;
- reports: ``collision_report``, ``validate``, ``loss_report``, ``loss_summary``, ``coverage``,
  ``plan_defects`` (one row per known defect of the draft, measured), ``diff(schema_a, schema_b)``.
"""

from workbench.analysis.schema.mapping import (
    CORE_ATTRS,
    MEMORY_KEY,
    MEMORY_KIND,
    MEMORY_RECORDS,
    MEMORY_TYPE,
    MEMORY_VALUE,
    RECORD_ID,
    RECORD_LAYOUT,
    InferredMapping,
    PlanMapping,
    default_schema,
    get_mapping,
    infer_schema,
    load_plan_schema,
    plan_classify,
    resolve_mapping,
    to_tx_data,
)
from workbench.analysis.schema.model import Attr, Schema, diff
from workbench.analysis.schema.reports import (
    collision_report,
    coverage,
    explain,
    loss_report,
    loss_summary,
    plan_defects,
    validate,
)

__all__ = [
    "Attr",
    "Schema",
    "diff",
    "infer_schema",
    "get_mapping",
    "to_tx_data",
    "InferredMapping",
    "PlanMapping",
    "default_schema",
    "load_plan_schema",
    "plan_classify",
    "resolve_mapping",
    "collision_report",
    "coverage",
    "explain",
    "loss_report",
    "loss_summary",
    "plan_defects",
    "validate",
    "CORE_ATTRS",
    "MEMORY_KEY",
    "MEMORY_KIND",
    "MEMORY_RECORDS",
    "MEMORY_TYPE",
    "MEMORY_VALUE",
    "RECORD_ID",
    "RECORD_LAYOUT",
]
