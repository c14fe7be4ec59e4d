"""The benchmark suites, each a module with add_arguments(parser) and run_cli(args) -> int.

`workbench bench-<name>` runs one (and `python -m workbench.bench.suites.<name>` stays an alias).
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: suite name -> one-line help (the module is workbench.bench.suites.<name>)
SUITES: dict[str, str] = {
    "edn": "EDN reader/writer MB/s against edn_format, C and pure-Python paths, peak memory",
    "memory": "the generator (100k entries) and load_memory + classify + to_frame MB/s",
    "profile": "profile and infer_schema on a generated memory (100k entries in 15 s)",
    "stores": "the stores' target figures: KV get+decode, put_many, entity store sizes",
    "migrate": "migrate a generated memory into LMDB and validate it (15 s / 10 s targets)",
    "datalevin": "real Datalevin (KV and Datalog) beside the LMDB stores, through the Python bridge",
}


def suite(name: str) -> ModuleType:
    """The suite module called `name` (imported on demand)."""
    if name not in SUITES:
        raise ValueError(f"unknown benchmark suite {name!r}; known: {', '.join(SUITES)}")
    return importlib.import_module(f"workbench.bench.suites.{name}")
