"""Deterministic generator of realistic `memory.edn` files with injected damage and its ground truth.

`generate_memory` is the one generator (tests, benchmarks and `workbench generate` all use it); the
vocabulary (keywords, word pools, damage kinds) is data in `vocabulary`, the entry makers are in
`_entries`, what was written is recorded in `truth`.
"""

from workbench.memory.generate._memory import generate_memory
from workbench.memory.generate.truth import (
    DamageTruth,
    EntryTruth,
    Generated,
    Truth,
    check_salvage,
)
from workbench.memory.generate.vocabulary import (
    DAMAGE_KINDS,
    DEFAULT_MIX,
    KIND_TYPES,
    LAYOUTS,
    MIX_DATA_TYPES,
    STYLES,
)

__all__ = [
    "DAMAGE_KINDS",
    "DEFAULT_MIX",
    "KIND_TYPES",
    "LAYOUTS",
    "MIX_DATA_TYPES",
    "STYLES",
    "DamageTruth",
    "EntryTruth",
    "Generated",
    "Truth",
    "check_salvage",
    "generate_memory",
]
