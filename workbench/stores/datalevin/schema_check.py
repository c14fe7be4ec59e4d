"""Does real Datalevin accept a mapping's schema and data? Transact every entity, read each back."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.analysis.schema import get_mapping
from workbench.stores.datalevin.bridge import (
    Unstorable,
    attr_map,
    clj,
    java_error_text,
    pull_pattern,
    startup_report,
    to_clj,
    to_edn,
)
from workbench.stores.datalevin.store import KEY_ATTR, key_text, value_from_entity

__all__ = ["SchemaCheck", "check_schema"]

_DB_ID = edn.Keyword("db", "id")


@dataclass
class SchemaCheck:
    """Outcome of `check_schema`: counts plus one row per refusal or difference."""

    problems: Any  # pandas DataFrame: key, attribute, value, problem, reason
    entities: int = 0
    transacted: int = 0
    equal: int = 0
    value_equal: int = 0
    attributes: int = 0
    refused_attributes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every attribute accepted and every entity read back equal."""
        return (
            not self.refused_attributes
            and self.transacted == self.entities
            and self.equal == self.entities
        )

    def summary(self) -> str:
        """One paragraph for the command line."""
        verdict = "accepted" if self.ok else "NOT accepted"
        return (
            f"Datalevin {verdict}: schema of {self.attributes} attributes "
            f"({len(self.refused_attributes)} refused), {self.transacted}/{self.entities} "
            f"entities transacted, {self.equal} read back equal, {self.value_equal} values "
            f"round-trip through the mapping, {len(self.problems)} problem rows, "
            f"{self.seconds:.1f} s (JVM start-up {startup_report().get('total', 0.0):.1f} s apart)"
        )


def _pairs(memory: Any) -> list[tuple[Any, Any]]:
    if hasattr(memory, "entries"):
        return [(e.key, e.value) for e in memory.entries]
    if isinstance(memory, Mapping):
        return list(memory.items())
    return list(memory)


def check_schema(
    memory: Any,
    mapping: Any = "inferred",
    batch_size: int = 1000,
    directory: str | os.PathLike | None = None,
) -> SchemaCheck:
    """Open a throwaway Datalevin db with the mapping's schema, transact every entity, read back.

    Reports every attribute Datalevin refuses in the schema, every entity (and the attribute and
    value within it) it refuses in a transaction, and every value that reads back different
    (Datalevin silently coerces some: a double into a long attribute is truncated, ##NaN becomes
    0, a string into a keyword attribute becomes a keyword).
    """
    import shutil
    import tempfile

    import pandas as pd

    c = clj()  # JVM start-up is reported by startup_report(), not in `seconds`
    t0 = time.perf_counter()
    pairs = _pairs(memory)
    if isinstance(mapping, str):
        mapping = get_mapping(mapping, memory=memory)
    schema = mapping.schema
    rows: list[dict[str, Any]] = []

    def row(key: Any, attr: Any, value: Any, problem: str, reason: str) -> None:
        shown = "" if value is MISSING_VALUE else edn.printed(value, 200)
        rows.append(
            {
                "key": "" if key is None else edn.printed(key, 200),
                "attribute": "" if attr is None else str(attr),
                "value": shown[:200],
                "problem": problem,
                "reason": reason,
            }
        )

    tmp = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="wb-dl-check-"))
    refused: list[str] = []
    key_spec = {KEY_ATTR: attr_map("db.type/string", "one", "identity")}
    specs = {
        attr: attr_map(a.value_type, a.cardinality, a.unique)
        for attr, a in schema.attributes.items()
    }
    try:  # the whole schema at once; attribute by attribute only to name what is refused
        conn = c.core("get-conn", c.JString(str(tmp / "db")), to_clj({**specs, **key_spec}))
    except Exception:  # noqa: BLE001
        shutil.rmtree(tmp / "db", ignore_errors=True)
        for attr, spec in list(specs.items()):
            probe = tmp / f"probe-{len(refused)}"
            try:
                c.core("close", c.core("get-conn", c.JString(str(probe)), to_clj({attr: spec})))
            except Exception as exc:  # noqa: BLE001 - refusal is the finding
                refused.append(str(attr))
                specs.pop(attr)
                row(None, attr, MISSING_VALUE, "attribute refused", java_error_text(exc))
            finally:
                shutil.rmtree(probe, ignore_errors=True)
        conn = c.core("get-conn", c.JString(str(tmp / "db")), to_clj({**specs, **key_spec}))
    many = {attr for attr, a in schema.attributes.items() if a.cardinality == "many"}
    expected: dict[str, tuple[Any, Any, dict]] = {}
    transacted = 0
    try:
        entities = []
        for key, value in pairs:
            try:
                ent = dict(mapping.to_entity(key, value))
            except Exception as exc:  # noqa: BLE001
                row(key, None, MISSING_VALUE, "mapping failed", f"{type(exc).__name__}: {exc}")
                continue
            ent[KEY_ATTR] = key_text(key)
            entities.append((key, value, ent))
        for i in range(0, len(entities), batch_size):
            batch = entities[i : i + batch_size]
            transacted += _transact_batch(c, conn, batch, expected, row)
        db = c.core("db", conn)
        equal = value_equal = 0
        pull_all = c.read(pull_pattern(schema))
        kattr = c.Keyword.intern(KEY_ATTR.namespace, KEY_ATTR.name)
        pulled = []
        texts = list(expected)
        for i in range(0, len(texts), 1000):
            refs = [
                c.PersistentVector.create(c.ObjectArray([kattr, c.JString(t)]))
                for t in texts[i : i + 1000]
            ]
            pulled += list(
                c.core("pull-many", db, pull_all, c.PersistentVector.create(c.ObjectArray(refs)))
            )
        for (key, value, ent), jback in zip(expected.values(), pulled, strict=True):
            back = to_edn(jback)
            same = True
            for attr in set(ent) | set(back):
                if attr == _DB_ID:
                    continue
                want = _norm(ent.get(attr, MISSING_VALUE), attr in many, many)
                got = _norm(back.get(attr, MISSING_VALUE), attr in many, many)
                if want is MISSING_VALUE or got is MISSING_VALUE or not edn.identical(want, got):
                    same = False
                    row(
                        key,
                        attr,
                        want,
                        "reads back different",
                        f"stored {edn.printed(want, 80) if want is not MISSING_VALUE else 'nothing'}, "
                        f"read back {edn.printed(got, 80) if got is not MISSING_VALUE else 'nothing'}",
                    )
            equal += same
            back.pop(KEY_ATTR, None)
            try:
                v2 = value_from_entity(mapping, back)
                if edn.identical(v2, value):
                    value_equal += 1
                else:
                    row(
                        key,
                        None,
                        MISSING_VALUE,
                        "value differs after from_entity",
                        "the mapping does not restore the original value",
                    )
            except Exception as exc:  # noqa: BLE001
                row(key, None, MISSING_VALUE, "from_entity failed", f"{type(exc).__name__}: {exc}")
    finally:
        c.core("close", conn)
        if directory is None:
            shutil.rmtree(tmp, ignore_errors=True)
    problems = pd.DataFrame(rows, columns=["key", "attribute", "value", "problem", "reason"])
    return SchemaCheck(
        problems,
        entities=len(pairs),
        transacted=transacted,
        equal=equal,
        value_equal=value_equal,
        attributes=len(schema.attributes),
        refused_attributes=refused,
        seconds=time.perf_counter() - t0,
    )


def _norm(v: Any, is_many: bool, many: set) -> Any:
    """Comparable form of an entity value: :db/id dropped, sub-entities frozen, many -> set."""
    if v is MISSING_VALUE:
        return v
    if isinstance(v, Mapping):
        return edn.FrozenMap({k: _norm(x, k in many, many) for k, x in v.items() if k != _DB_ID})
    if is_many and isinstance(v, (list, tuple, set, frozenset)):
        return frozenset(_norm(x, False, many) for x in v)
    return v


class _MissingValue:
    def __repr__(self) -> str:
        return "<missing>"


MISSING_VALUE: Any = _MissingValue()


def _transact_batch(c: Any, conn: Any, batch: list, expected: dict, row: Callable) -> int:
    """Transact a batch in one transaction; on refusal retry one entity, then one attribute,
    at a time to name the culprit. Returns the number of entities transacted."""

    def tx(ents: list[Any]) -> None:
        c.core("transact!", conn, c.PersistentVector.create(c.ObjectArray(ents)))

    try:
        tx([to_clj(ent) for _k, _v, ent in batch])
        for key, value, ent in batch:
            expected[ent[KEY_ATTR]] = (key, value, ent)
        return len(batch)
    except Exception:  # noqa: BLE001 - find the culprit below
        if len(batch) > 1:
            return sum(_transact_batch(c, conn, [b], expected, row) for b in batch)
    key, value, ent = batch[0]
    for attr, v in ent.items():
        if attr == KEY_ATTR:
            continue
        try:
            tx([to_clj({KEY_ATTR: "probe", attr: v})])
            c.core("transact!", conn, c.read('[[:db/retractEntity [:workbench/key "probe"]]]'))
        except Unstorable as exc:
            row(key, attr, v, "value refused", str(exc))
        except Exception as exc:  # noqa: BLE001
            row(key, attr, v, "value refused", java_error_text(exc))
    return 0
