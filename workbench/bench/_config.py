"""What a benchmark run is: the stores (StoreSpec), the settings (BenchConfig, QUICK), the result."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.stores import open_store
from workbench.stores.base import Store

READ_TARGET, WRITE_TARGET = 1.10, 1.20
DEFAULT_OPS = (
    "get",
    "full_load",
    "save",
    "delete",
    "update",
    "search",
    "q:sessions_by_type",
    "q:learning_by_level",
    "q:sessions_active_since",
    "q:sessions_with_users",
    "q:learning_by_tag",
)


@dataclass(frozen=True)
class StoreSpec:
    """A store to benchmark: label, kind for open_store, options."""

    label: str
    kind: str
    opts: tuple = ()

    @property
    def options(self) -> dict[str, Any]:
        """Options as a dict."""
        return dict(self.opts)

    def open(self, path: Path) -> Store:
        """Open the store at path."""
        return open_store(self.kind, path, **self.options)

    def path_in(self, folder: Path) -> Path:
        """Where this store lives inside the run's scratch folder."""
        safe = self.label.replace("/", "_").replace("[", "_").replace("]", "")
        return folder / (safe + (".edn" if self.kind == "edn" else ""))


def default_specs(
    stores: Sequence[str] = ("edn", "lmdb-kv", "lmdb-entity"),
    durabilities: Sequence[str] = ("sync",),
    codecs: Sequence[str] = ("binary", "edn"),
) -> list[StoreSpec]:
    """Expand store kinds over durability modes and (for lmdb-kv) codecs; EDN comes first."""
    specs: list[StoreSpec] = []
    for kind in stores:
        if kind == "edn":
            specs.append(StoreSpec("edn", "edn", (("debounce", 0.0), ("write_mode", "app"))))
        elif kind == "edn-safe":
            specs.append(StoreSpec("edn-safe", "edn", (("debounce", 0.0), ("write_mode", "safe"))))
        elif kind == "lmdb-kv":
            for d in durabilities:
                for c in codecs:
                    specs.append(
                        StoreSpec(f"lmdb-kv[{c},{d}]", "lmdb-kv", (("codec", c), ("durability", d)))
                    )
        elif kind == "lmdb-entity":
            for d in durabilities:
                specs.append(
                    StoreSpec(
                        f"lmdb-entity[{d}]",
                        "lmdb-entity",
                        (("mapping", "inferred"), ("durability", d)),
                    )
                )
        elif kind == "datalevin":
            specs.append(StoreSpec("datalevin[kv]", "datalevin", (("shape", "kv"),)))
        else:
            raise ValueError(
                f"unknown store {kind!r}; choose edn, edn-safe, lmdb-kv, lmdb-entity, datalevin"
            )
    specs.sort(key=lambda s: s.kind != "edn")
    return specs


@dataclass
class BenchConfig:
    """What to run: sizes (generated memories), an optional input file, stores, operations."""

    sizes: Sequence[int] = (1000, 10000)
    input_path: str | os.PathLike | None = None
    stores: Sequence[str] = ("edn", "lmdb-kv", "lmdb-entity")
    durabilities: Sequence[str] = ("sync",)
    codecs: Sequence[str] = ("binary", "edn")
    batch_sizes: Sequence[int] = (1, 100, 10000)
    ops: Sequence[str] = DEFAULT_OPS
    repeats: int = 200
    warmup: int = 5
    budget_s: float = 20.0
    min_samples: int = 3
    startup_repeats: int = 5
    trace_ops: int = 500
    trace_rate: float | None = None
    seed: int = 0
    workdir: str | os.PathLike | None = None
    progress: bool = True


#: The smoke-run settings: `workbench bench --quick` and notebook 04 with quick=True.
QUICK: dict[str, Any] = dict(
    sizes=(1000,),
    codecs=("binary",),
    batch_sizes=(100,),
    repeats=10,
    warmup=2,
    budget_s=1.0,
    startup_repeats=1,
    trace_ops=50,
)


def quick_config(**overrides: Any) -> BenchConfig:
    """A BenchConfig with the QUICK smoke-run settings (overrides win)."""
    return BenchConfig(**{**QUICK, **overrides})


@dataclass
class BenchResult:
    """Tidy results plus context."""

    frame: pd.DataFrame
    metrics: pd.DataFrame
    machine: dict[str, Any]
    overhead_ns: float
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def ratios(self) -> pd.DataFrame:
        """p50 ratio to EDN per dataset x store x op (pivot)."""
        df = self.frame[self.frame["ratio_p50_vs_edn"].notna()]
        return df.pivot_table(index=["entries", "op"], columns="store", values="ratio_p50_vs_edn")
