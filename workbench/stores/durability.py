"""The commit durability modes, one table for every LMDB-based store (py-lmdb and Datalevin)."""

from __future__ import annotations

from typing import NamedTuple


class Durability(NamedTuple):
    """One mode: py-lmdb open flags, Datalevin environment flags, and what a crash can lose."""

    lmdb: dict[str, bool]
    datalevin: str
    crash_loses: str


#: name -> mode. Datalevin's own default flags are #{:nordahead :notls}: "sync".
DURABILITY: dict[str, Durability] = {
    "sync": Durability(
        {"sync": True, "metasync": True},
        "#{:nordahead :notls}",
        "nothing acknowledged (data and meta page fsynced on every commit)",
    ),
    "nometasync": Durability(
        {"sync": True, "metasync": False},
        "#{:nordahead :notls :nometasync}",
        "at most the last commit (meta page written lazily), never corrupts",
    ),
    "nosync": Durability(
        {"sync": False, "metasync": False},
        "#{:nordahead :notls :nosync}",
        "what the OS had not yet written (no fsync)",
    ),
}
DURABILITY_MODES = tuple(DURABILITY)


def durability(name: str) -> Durability:
    """The mode called `name`; ValueError naming the known modes otherwise."""
    try:
        return DURABILITY[name]
    except KeyError:
        raise ValueError(
            f"durability must be one of {', '.join(DURABILITY)}, not {name!r}"
        ) from None
