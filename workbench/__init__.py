"""workbench: analyse a Clojure app's memory.edn and rehearse its move to LMDB / Datalevin.

This module is the public API: what notebooks and the `workbench` command use. Names load on first
use (``workbench.profile`` imports the profiler, not the benchmark), so ``import workbench`` stays
cheap. Each name lives in one layer below; see ``tests/test_layers.py`` for the layer rules.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module, attribute); attribute None means the module itself.
_EXPORTS: dict[str, tuple[str, str | None]] = {
    # foundation
    "edn": ("workbench.edn", None),
    "atomic_write_bytes": ("workbench.io", "atomic_write_bytes"),
    "atomic_write_text": ("workbench.io", "atomic_write_text"),
    "same_file": ("workbench.io", "same_file"),
    "save_png": ("workbench.plots", "save_png"),
    # memory
    "Memory": ("workbench.memory.model", "Memory"),
    "load_memory": ("workbench.memory.model", "load_memory"),
    "memory_from_text": ("workbench.memory.model", "memory_from_text"),
    "damage_kind": ("workbench.memory.model", "damage_kind"),
    "Rule": ("workbench.memory.classify", "Rule"),
    "rules_frame": ("workbench.memory.classify", "rules_frame"),
    "printed": ("workbench.edn", "printed"),
    "generate_memory": ("workbench.memory.generate", "generate_memory"),
    "DAMAGE_KINDS": ("workbench.memory.generate", "DAMAGE_KINDS"),
    "GENERATOR_STYLES": ("workbench.memory.generate", "STYLES"),
    "GENERATOR_LAYOUTS": ("workbench.memory.generate", "LAYOUTS"),
    "QUERIES": ("workbench.memory.queries", "QUERIES"),
    "run_query": ("workbench.memory.queries", "run_query"),
    # analysis
    "Profile": ("workbench.analysis.profile", "Profile"),
    "profile": ("workbench.analysis.profile", "profile"),
    "iter_profile_plots": ("workbench.analysis.profile", "iter_plots"),
    "plot_bytes_by_type": ("workbench.analysis.profile", "plot_bytes_by_type"),
    "plot_presence_heatmap": ("workbench.analysis.profile", "plot_presence_heatmap"),
    "plot_size_distribution": ("workbench.analysis.profile", "plot_size_distribution"),
    "plot_timeline": ("workbench.analysis.profile", "plot_timeline"),
    "plot_type_mix": ("workbench.analysis.profile", "plot_type_mix"),
    "Schema": ("workbench.analysis.schema", "Schema"),
    "infer_schema": ("workbench.analysis.schema", "infer_schema"),
    "load_plan_schema": ("workbench.analysis.schema", "load_plan_schema"),
    "get_mapping": ("workbench.analysis.schema", "get_mapping"),
    "diff_schemas": ("workbench.analysis.schema", "diff"),
    "collision_report": ("workbench.analysis.schema", "collision_report"),
    "loss_report": ("workbench.analysis.schema", "loss_report"),
    "loss_summary": ("workbench.analysis.schema", "loss_summary"),
    "coverage": ("workbench.analysis.schema", "coverage"),
    "plan_defects": ("workbench.analysis.schema", "plan_defects"),
    "validate_mapping": ("workbench.analysis.schema", "validate"),
    # stores
    "open_store": ("workbench.stores", "open_store"),
    "STORE_KINDS": ("workbench.stores", "STORE_KINDS"),
    "DURABILITY_MODES": ("workbench.stores.durability", "DURABILITY_MODES"),
    "datalevin": ("workbench.stores.datalevin", None),
    "DatalevinUnavailable": ("workbench.stores.datalevin", "DatalevinUnavailable"),
    "check_schema": ("workbench.stores.datalevin", "check_schema"),
    # migrate
    "mode_table_frame": ("workbench.migrate", "mode_table_frame"),
    "validate_migration": ("workbench.migrate", "validate"),
    "evolve_schema": ("workbench.migrate.evolve", "evolve"),
    "evolution_cases": ("workbench.migrate.evolve", "default_cases"),
    "evolution_entities": ("workbench.migrate.evolve", "entities_of"),
    "run_evolution": ("workbench.migrate.evolve", "evolve_cases"),
    "evolution_headline": ("workbench.migrate.evolve", "headline"),
    "evolution_counts": ("workbench.migrate.evolve", "outcome_counts"),
    "next_month": ("workbench.memory.next_month", "next_month"),
    # bench
    "BenchConfig": ("workbench.bench.harness", "BenchConfig"),
    "run_benchmark": ("workbench.bench.harness", "run_benchmark"),
    "run_jvm": ("workbench.bench.jvm", "run_jvm"),
    "jvm_input": ("workbench.bench.jvm", "jvm_input"),
    "decomposition_input": ("workbench.bench.decompose", "decomposition_input"),
    "JVM_STORES": ("workbench.bench.jvm", "JVM_STORES"),
    "jvm_overhead": ("workbench.bench.jvm", "jvm_overhead"),
    "jvm_spread": ("workbench.bench.jvm", "jvm_spread"),
    "spread_summary": ("workbench.bench.jvm", "spread_summary"),
    "datalevin_server_status": ("workbench.bench.jvm", "datalevin_server_status"),
    "compute_verdict": ("workbench.bench.verdict", "compute_verdict"),
    "published_sanity": ("workbench.bench.sanity", "published_sanity"),
    "gap_factors": ("workbench.bench.sanity", "gap_factors"),
    "run_decomposition": ("workbench.bench.decompose", "run_decomposition"),
    "verdict_sentence": ("workbench.bench.verdict", "verdict_sentence"),
    "verdict_records": ("workbench.bench.verdict", "verdict_records"),
    "verdict_table": ("workbench.bench.verdict", "verdict_table"),
    "save_results": ("workbench.bench.harness", "save_results"),
    "markdown_summary": ("workbench.bench.harness", "markdown_summary"),
    "headline_findings": ("workbench.bench.harness", "headline_findings"),
    "quick_config": ("workbench.bench.harness", "quick_config"),
    "plot_latency": ("workbench.bench.plots", "plot_latency"),
    "plot_scaling": ("workbench.bench.plots", "plot_scaling"),
    "plot_file_sizes": ("workbench.bench.plots", "plot_file_sizes"),
    "plot_startup": ("workbench.bench.plots", "plot_startup"),
    "plot_jvm_scaling": ("workbench.bench.plots", "plot_jvm_scaling"),
    "measure_datalevin": ("workbench.bench.suites.datalevin", "measure"),
    "compare_backups": ("workbench.bench.backup", "compare_backups"),
    "backup_table": ("workbench.bench.backup", "backup_table"),
    "backup_recommendation": ("workbench.bench.backup", "backup_recommendation"),
    "write_backup_outputs": ("workbench.bench.backup", "write_backup_outputs"),
    "generated_backup_memory": ("workbench.bench.backup", "generated_memory"),
    "BENCH_SUITES": ("workbench.bench.suites", "SUITES"),
    "bench_suite": ("workbench.bench.suites", "suite"),
    "measure_queries": ("workbench.bench.queries", "measure_queries"),
    "query_patterns": ("workbench.bench.queries", "query_patterns"),
    "rank_queries": ("workbench.bench.queries", "rank_queries"),
    "queries_table_rows": ("workbench.bench.queries", "table_rows"),
    "queries_markdown": ("workbench.bench.queries", "queries_markdown"),
    "write_queries": ("workbench.bench.queries", "write_queries"),
    "queries_finding": ("workbench.bench.queries", "queries_finding"),
    "plot_queries": ("workbench.bench.queries", "plot_queries"),
    # rehearsal
    "rehearse": ("workbench.rehearsal.runner", "rehearse"),
    "rehearse_all": ("workbench.rehearsal.runner", "rehearse_all"),
    "verdicts": ("workbench.rehearsal.runner", "verdicts"),
    "rollback_runbook": ("workbench.rehearsal.report", "rollback_runbook"),
    "FAULTS": ("workbench.rehearsal.runner", "FAULTS"),
    "TimelineInputs": ("workbench.rehearsal.timeline", "TimelineInputs"),
    "timeline_estimate": ("workbench.rehearsal.timeline", "estimate"),
    "timeline_inputs": ("workbench.rehearsal.timeline", "inputs_from_rehearsal"),
    "timeline_summary": ("workbench.rehearsal.timeline", "summary"),
    "timeline_finding": ("workbench.rehearsal.timeline", "finding"),
    "plot_timeline_estimate": ("workbench.rehearsal.timeline", "plot"),
    "MAPPINGS": ("workbench.rehearsal.runner", "MAPPINGS"),
    "ROLLBACKS": ("workbench.rehearsal.runner", "ROLLBACKS"),
    # report
    "run_report": ("workbench.report.runner", "run_report"),
    "NotebookFailed": ("workbench.report.runner", "NotebookFailed"),
    "write_findings": ("workbench.report.findings", "write_findings"),
    "read_findings": ("workbench.report.findings", "read_findings"),
    "show_table": ("workbench.report.tables", "show_table"),
    "write_table": ("workbench.report.tables", "write_table"),
    "compare_runs": ("workbench.report.compare", "compare_runs"),
    "human_bytes": ("workbench.plots", "human_bytes"),
    "show_text": ("workbench.report.tables", "show_text"),
    "load_result": ("workbench.report.results", "load_result"),
    # explore
    "explorer": ("workbench.explore.widgets", "explorer"),
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
