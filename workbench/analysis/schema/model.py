"""Schema objects: `Attr`, `Schema` (Datalevin schema map with reasons), EDN round trip, `diff`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from workbench import edn

VALUE_TYPES = (
    "db.type/keyword",
    "db.type/symbol",
    "db.type/string",
    "db.type/boolean",
    "db.type/long",
    "db.type/double",
    "db.type/float",
    "db.type/ref",
    "db.type/bigint",
    "db.type/bigdec",
    "db.type/instant",
    "db.type/uuid",
    "db.type/bytes",
    "db.type/tuple",
)
# value type -> the EDN type (workbench.analysis.profile.edn_type) a value must have to fit it
EDN_TYPE_OF = {
    "db.type/keyword": "keyword",
    "db.type/symbol": "symbol",
    "db.type/string": "string",
    "db.type/boolean": "boolean",
    "db.type/long": "long",
    "db.type/double": "double",
    "db.type/float": "double",
    "db.type/bigint": "bigint",
    "db.type/bigdec": "bigdec",
    "db.type/instant": "inst",
    "db.type/uuid": "uuid",
}
TYPE_FOR_EDN = {v: k for k, v in EDN_TYPE_OF.items() if k != "db.type/float"}

_VT, _CARD, _UNIQ = (
    edn.Keyword("db", "valueType"),
    edn.Keyword("db", "cardinality"),
    edn.Keyword("db", "unique"),
)
_COMP, _DOC = edn.Keyword("db", "isComponent"), edn.Keyword("db", "doc")
_MANY = edn.Keyword("db.cardinality", "many")
_ONE = edn.Keyword("db.cardinality", "one")


@dataclass(frozen=True)
class Attr:
    """One Datalevin attribute: value type ("db.type/string"), cardinality ("one"/"many"),
    unique (None/"identity"/"value"), the reason for these choices, isComponent, and optionally
    the values the plan documents (`allowed`, checked by validate, not part of Datalevin's map)."""

    value_type: str
    cardinality: str = "one"
    unique: str | None = None
    reason: str = ""
    component: bool = False
    allowed: frozenset | None = None

    def to_map(self, *, doc: bool = True) -> dict:
        """The attribute's Datalevin schema map ({:db/valueType ... })."""
        m: dict[Any, Any] = {_VT: edn.Keyword("db.type", self.value_type.split("/", 1)[1])}
        if self.cardinality == "many":
            m[_CARD] = _MANY
        if self.unique:
            m[_UNIQ] = edn.Keyword("db.unique", self.unique)
        if self.component:
            m[_COMP] = True
        if doc and self.reason:
            m[_DOC] = self.reason
        return m


@dataclass
class Schema:
    """A Datalevin schema: `attributes` (Keyword -> Attr) plus what stays in the blob and why
    (`blob_only`: Keyword -> reason, not printed in the EDN map) and a free-form `name`."""

    attributes: dict[edn.Keyword, Attr]
    blob_only: dict[edn.Keyword, str] = field(default_factory=dict)
    name: str = "schema"
    kinds: dict[edn.Keyword, tuple] = field(default_factory=dict)  # attribute -> entry kinds

    def __contains__(self, attr: object) -> bool:
        return attr in self.attributes

    def __len__(self) -> int:
        return len(self.attributes)

    def to_datalevin(self, *, doc: bool = False) -> dict:
        """The schema as a Python map of Keywords, as Datalevin's connection expects."""
        return {k: a.to_map(doc=doc) for k, a in sorted(self.attributes.items(), key=_kw_sort)}

    def to_edn(self, *, doc: bool = True) -> str:
        """The Datalevin schema map as EDN text, one attribute per line (with :db/doc reasons)."""
        lines = [
            f"{k} {edn.dumps(a.to_map(doc=doc))}"
            for k, a in sorted(self.attributes.items(), key=_kw_sort)
        ]
        return "{" + "\n ".join(lines) + "}\n"

    @classmethod
    def from_edn(cls, text: str, *, source: str = "<schema>", name: str = "schema") -> Schema:
        """Read a Datalevin schema map printed by to_edn (or written by hand)."""
        data = edn.loads(text, source=source)
        if not isinstance(data, dict):
            raise ValueError(
                f"{source}: a Datalevin schema must be a map, got {type(data).__name__}"
            )
        attrs: dict[edn.Keyword, Attr] = {}
        for k, m in data.items():
            if not isinstance(k, edn.Keyword) or not isinstance(m, dict):
                raise ValueError(f"{source}: bad schema entry {edn.dumps(k)}")
            vt = m.get(_VT)
            card = m.get(_CARD, _ONE)
            uniq = m.get(_UNIQ)
            allowed = m.get(edn.Keyword("workbench", "allowed"))
            attrs[k] = Attr(
                value_type=f"db.type/{vt.name}" if isinstance(vt, edn.Keyword) else "db.type/data",
                cardinality="many" if card == _MANY else "one",
                unique=uniq.name if isinstance(uniq, edn.Keyword) else None,
                reason=m.get(_DOC, "") or "",
                component=bool(m.get(_COMP, False)),
                allowed=frozenset(allowed) if allowed else None,
            )
        return cls(attrs, name=name)

    def with_attr(self, attr: edn.Keyword | str, **changes: Any) -> Schema:
        """A copy with one attribute added or changed (notebook overrides)."""
        k = _as_kw(attr)
        attrs = dict(self.attributes)
        if k in attrs:
            attrs[k] = replace(attrs[k], **changes)
        else:
            attrs[k] = Attr(**changes)
        blob = {b: r for b, r in self.blob_only.items() if b != k}
        return Schema(attrs, blob, self.name, self.kinds)

    def without(self, attr: edn.Keyword | str, reason: str = "removed by user") -> Schema:
        """A copy with one attribute moved back into the blob."""
        k = _as_kw(attr)
        attrs = {a: v for a, v in self.attributes.items() if a != k}
        return Schema(attrs, {**self.blob_only, k: reason}, self.name, self.kinds)

    def to_frame(self) -> pd.DataFrame:
        """One row per attribute (typed) and per blob-only attribute, with the reason."""

        def kinds(k: edn.Keyword) -> str:
            return ", ".join(self.kinds.get(k, ()))

        rows = [
            {
                "attribute": str(k),
                "kinds": kinds(k),
                "stored": "typed",
                "value_type": a.value_type,
                "cardinality": a.cardinality,
                "unique": a.unique or "",
                "reason": a.reason,
            }
            for k, a in sorted(self.attributes.items(), key=_kw_sort)
        ]
        rows += [
            {
                "attribute": str(k),
                "kinds": kinds(k),
                "stored": "blob only",
                "value_type": "",
                "cardinality": "",
                "unique": "",
                "reason": r,
            }
            for k, r in sorted(self.blob_only.items(), key=_kw_sort)
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "attribute",
                "kinds",
                "stored",
                "value_type",
                "cardinality",
                "unique",
                "reason",
            ],
        )


def _kw_sort(item: tuple) -> tuple:
    k = item[0]
    return (k.namespace or "", k.name)


def _as_kw(attr: edn.Keyword | str) -> edn.Keyword:
    return attr if isinstance(attr, edn.Keyword) else edn.kw(attr)


_DEFINITION = ("value_type", "cardinality", "unique", "component")


def rename_candidates(a: Schema, b: Schema) -> dict[edn.Keyword, edn.Keyword]:
    """Removed -> added attribute pairs that look like one rename: the same definition and the
    same name in another namespace (`:learning/tag` -> `:learn/tag`), matched one to one."""

    def spec(x: Attr) -> tuple:
        return tuple(getattr(x, f) for f in _DEFINITION)

    removed = [k for k in a.attributes if k not in b.attributes]
    added = [k for k in b.attributes if k not in a.attributes]

    def matches(k: edn.Keyword, pool: list, here: Schema, there: Schema) -> list:
        return [
            o
            for o in pool
            if spec(here.attributes[k]) == spec(there.attributes[o]) and o.name == k.name
        ]

    out = {}
    for k in removed:
        m = matches(k, added, a, b)
        if len(m) == 1 and matches(m[0], removed, b, a) == [k]:
            out[k] = m[0]
    return out


def diff(a: Schema, b: Schema, renames: Mapping | None = None) -> pd.DataFrame:
    """Renamed, added, removed and changed attributes from a to b, and whether Datalevin can apply
    each change in place (`update-schema`) or the data must be reloaded. `renames` (old -> new
    attribute) defaults to `rename_candidates`; pass {} to read every pair as remove + add."""
    renames = (
        rename_candidates(a, b)
        if renames is None
        else {_as_kw(o): _as_kw(n) for o, n in renames.items()}
    )
    rows = []
    for old, new in sorted(renames.items(), key=lambda kv: str(kv[0])):
        if old not in a.attributes or new not in b.attributes or new in a.attributes:
            raise ValueError(
                f"rename {old} -> {new}: {old} must be only in the old schema "
                f"and {new} only in the new one"
            )
        rows.append(
            (
                str(old),
                "renamed",
                "",
                str(old),
                str(new),
                "in place",
                "rename-map: update-schema renames the attribute and keeps its datoms "
                "(the app must write the new name from then on)",
            )
        )
    # a renamed attribute is compared under its new name
    a_attrs = {renames.get(k, k): v for k, v in a.attributes.items()}
    for k in sorted(set(a_attrs) | set(b.attributes), key=lambda k: (k.namespace or "", k.name)):
        x, y = a_attrs.get(k), b.attributes.get(k)
        if x is None:
            rows.append(
                (
                    str(k),
                    "added",
                    "",
                    "",
                    _attr_text(y),
                    "in place",
                    "new attribute: update-schema adds it",
                )
            )
            continue
        if y is None:
            rows.append(
                (
                    str(k),
                    "removed",
                    "",
                    _attr_text(x),
                    "",
                    "in place",
                    "del-attrs: accepted when no datom uses it, refused with datoms "
                    "(retract them first: a data migration)",
                )
            )
            continue
        for fld in _DEFINITION:
            before, after = getattr(x, fld), getattr(y, fld)
            if before != after:
                apply, why = _evolution(fld, before, after)
                rows.append((str(k), "changed", fld, str(before), str(after), apply, why))
    return pd.DataFrame(
        rows, columns=["attribute", "change", "field", "before", "after", "apply", "why"]
    )


def _attr_text(a: Attr) -> str:
    s = a.value_type + ("" if a.cardinality == "one" else " many")
    return s + (f" unique/{a.unique}" if a.unique else "")


def _evolution(fld: str, before: Any, after: Any) -> tuple[str, str]:
    """Measured on Datalevin 1.2.8 (`workbench evolve`; validate.clj validate-schema-mutation)."""
    if fld == "value_type":
        if before == "db.type/data":
            return "in place", "untyped -> typed: update-schema re-encodes every stored value"
        return "reload", (
            "value type change refused once the attribute holds datoms: new attribute, "
            "copy coerced values, retract, del-attrs, rename"
        )
    if fld == "cardinality":
        if after == "many":
            return "in place", "one -> many keeps every datom valid"
        return "reload", (
            "many -> one refused once the attribute holds datoms (conflicting or not): "
            "copy one value per entity into a new attribute, retract, rename"
        )
    if fld == "unique":
        if not after:
            return "in place", "dropping a uniqueness constraint keeps every datom valid"
        return "in place", (
            "adding uniqueness is accepted online when no two datoms share a value; "
            "refused with duplicates (retract or merge them first)"
        )
    return "in place", "isComponent only changes retraction behaviour"
