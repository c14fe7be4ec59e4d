"""Reports over a mapping: collisions, validation, losses (with reasons) and attribute coverage."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from workbench import edn
from workbench.analysis.profile import MAX_KEY_BYTES, edn_type, iso_to_ms
from workbench.analysis.schema.mapping import (
    BOOKKEEPING,
    PLAN_BLOB,
    InferredMapping,
    PlanMapping,
    Schema,
    _convert_one,
    _storable,
    convert,
    get_mapping,
    identity_text,
)
from workbench.analysis.schema.model import EDN_TYPE_OF
from workbench.codecs import Codec


def _entries(memory: Any) -> list:
    return list(getattr(memory, "entries", memory))


_PROGRESS_MIN = 20_000


def _progress(items: list, desc: str) -> Iterable:
    """Items wrapped in a tqdm bar when there are many (long work shows progress)."""
    if len(items) < _PROGRESS_MIN:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="entry")


def _as_mapping(m: Any) -> InferredMapping | PlanMapping:
    if isinstance(m, str):
        return get_mapping(m)
    if isinstance(m, Schema) or m is None:
        return InferredMapping(m)
    return m


def collision_report(memory: Any, mapping: Any = "inferred") -> pd.DataFrame:
    """Every pair of distinct keys whose entities share a unique identity (one would overwrite)."""
    m = _as_mapping(mapping)
    groups: dict[tuple, list] = defaultdict(list)
    for e in _progress(_entries(memory), "collisions"):
        ent = m.to_entity(e.key, e.value)
        for attr, val in m.identities(ent):
            groups[(attr, val)].append(e)
    rows = []
    for (attr, val), es in groups.items():
        if len(es) < 2:
            continue
        for i in range(len(es)):
            for j in range(i + 1, len(es)):
                a, b = es[i], es[j]
                if edn.identical(a.key, b.key):
                    continue
                rows.append(
                    {
                        "identity_attr": str(attr),
                        "identity_value": str(val),
                        "key_a": identity_text(a.key),
                        "key_b": identity_text(b.key),
                        "data_type_a": a.data_type,
                        "data_type_b": b.data_type,
                        "kind_a": a.kind,
                        "kind_b": b.kind,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "identity_attr",
            "identity_value",
            "key_a",
            "key_b",
            "data_type_a",
            "data_type_b",
            "kind_a",
            "kind_b",
        ],
    )


def validate(memory: Any, schema: Any = None) -> pd.DataFrame:
    """Every value that does not fit its attribute (type, nil/NaN, size, documented values)."""
    m = _as_mapping(schema)
    attrs = m.schema.attributes
    rows = []

    def add(e: Any, where: str, attr: Any, v: Any, expected: str, problem: str) -> None:
        text = edn.dumps(v)
        rows.append(
            {
                "key": identity_text(e.key),
                "data_type": e.data_type,
                "kind": e.kind,
                "record": where,
                "attribute": str(attr),
                "value": text if len(text) <= 80 else text[:77] + "...",
                "value_type": edn_type(v),
                "expected": expected,
                "problem": problem,
            }
        )

    for e in _progress(_entries(memory), "validate"):
        if isinstance(m, InferredMapping):
            cands = ((w[0] if w else "", a, v) for w, a, v in m.candidates(e.key, e.value))
        else:
            ent = m.to_entity(e.key, e.value)
            cands = (("", a, v) for a, v in ent.items())
        for where, attr, v in cands:
            a = attrs.get(attr)
            if a is None:
                continue
            exp = a.value_type + ("" if a.cardinality == "one" else " (many)")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                add(e, where, attr, v, exp, "nil/NaN: Datalevin cannot store it (left out)")
                continue
            if attr in BOOKKEEPING:
                continue
            if a.cardinality == "many" and edn_type(v) in ("vector", "list", "set") and not v:
                continue
            if convert(a, v) is _skip_marker():
                add(e, where, attr, v, exp, "type does not fit the attribute (left out)")
                continue
            if a.cardinality == "many" and edn_type(v) in ("vector", "list", "set"):
                bad = [x for x in v if _convert_one(a.value_type, x) is _skip_marker()]
                if bad:
                    add(e, where, attr, v, exp, f"{len(bad)} element(s) do not fit (left out)")
            if a.allowed is not None and v not in a.allowed:
                add(
                    e,
                    where,
                    attr,
                    v,
                    " ".join(sorted(str(x) for x in a.allowed)),
                    "value not among the documented values",
                )
            if a.unique and isinstance(v, str) and len(v.encode("utf-8")) > MAX_KEY_BYTES:
                add(e, where, attr, v, exp, f"unique value over {MAX_KEY_BYTES} bytes")
    return pd.DataFrame(
        rows,
        columns=[
            "key",
            "data_type",
            "kind",
            "record",
            "attribute",
            "value",
            "value_type",
            "expected",
            "problem",
        ],
    )


def _skip_marker() -> Any:
    from workbench.analysis.schema import mapping

    return mapping._SKIP


# ---------------------------------------------------------------------------------- loss report


def _seg(k: Any) -> str:
    return edn.dumps(k)


def _is_nan(v: Any) -> bool:
    return type(v) is float and math.isnan(v)


def explain(orig: Any, back: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """(path, reason) for every difference between a value and what came back."""
    if _is_nan(orig) and _is_nan(back):
        return
    if edn.identical(orig, back):
        return
    t1, t2 = edn_type(orig), edn_type(back)
    where = path or "(value)"
    if t1 != t2:
        if t1 in ("bigdec", "ratio") and t2 == "double":
            yield where, f"precision: {t1} became double"
        elif t1 == "bigint" and t2 == "long":
            yield where, "bigint became long (N marker lost)"
        elif t1 == "double" and _is_nan(orig):
            yield where, f"NaN became {t2}"
        elif t1 == "double" and math.isinf(orig):
            yield where, f"Infinity became {t2}"
        else:
            yield where, f"{t1} became {t2}"
        if {t1, t2} <= {"vector", "list", "set"} and t1 != "set":
            yield from _explain_seq(orig, back, path)
        return
    if t1 == "map":
        yield from _explain_map(orig, back, path)
    elif t1 in ("vector", "list"):
        yield from _explain_seq(orig, back, path)
    elif t1 == "set":
        yield where, "set members changed"
    elif t1 == "bigint" and type(orig) is not type(back):
        yield where, "bigint lost its N marker (prints differently)"
    else:
        yield where, f"value changed: {edn.printed(orig, 40)} became {edn.printed(back, 40)}"


def _explain_seq(orig: Any, back: Any, path: str) -> Iterable[tuple[str, str]]:
    if len(orig) != len(back):
        yield path or "(value)", f"length changed: {len(orig)} became {len(back)}"
        return
    for i, (a, b) in enumerate(zip(orig, back, strict=True)):
        yield from explain(a, b, f"{path} [{i}]".strip())


def _explain_map(orig: Mapping, back: Mapping, path: str) -> Iterable[tuple[str, str]]:
    if len(orig) != len(back):
        yield path or "(value)", f"map entries merged: {len(orig)} became {len(back)}"
    for (k1, v1), (k2, v2) in zip(orig.items(), back.items(), strict=False):
        sub = f"{path} {_seg(k1)}".strip()
        if not edn.identical(k1, k2):
            t1, t2 = edn_type(k1), edn_type(k2)
            if k1 is None:
                yield sub, f"nil key became {t2} {edn.printed(k2, 40)}"
            elif t1 != t2:
                yield sub, f"{t1} key became {t2}"
            else:
                yield sub, f"key changed: {edn.printed(k1, 40)} became {edn.printed(k2, 40)}"
        yield from explain(v1, v2, sub)


_TIME_WORDS = ("created", "modified", "last-active", "joined", "last-seen", "updated", "at")


def _typed_checks(m: Any, key: Any, value: Any, ent: Mapping) -> Iterable[tuple[str, str]]:
    """Typed attributes that contradict the value they were copied from (e.g. time = now)."""
    if not isinstance(value, Mapping):
        return
    attrs = m.schema.attributes
    for attr, stored in ent.items():
        if attr in BOOKKEEPING or attr not in attrs:
            continue
        if attr in value:
            orig = value[attr]
            a = attrs[attr]
            want = convert(a, orig) if a.value_type in EDN_TYPE_OF else orig
            if isinstance(orig, str) and a.value_type == "db.type/long":
                want = iso_to_ms(orig)
            if want is not None and want is not _skip_marker() and not edn.identical(want, stored):
                yield (
                    str(attr),
                    f"typed attribute differs from the value: {edn.printed(orig, 40)} stored as {edn.printed(stored, 40)}",
                )
        elif (
            isinstance(m, PlanMapping)
            and stored == m._now()
            and any(w in attr.name for w in _TIME_WORDS)
        ):
            src = [
                k
                for k in value
                if isinstance(k, edn.Keyword)
                and k.name in ("created-at", "updated-at", "created", "joined-at")
            ]
            if src:
                yield (
                    str(attr),
                    (f"timestamp replaced by now ({edn.printed(value[src[0]], 40)} in {src[0]})"),
                )
    if not isinstance(m, PlanMapping) or any(b in ent for b in PLAN_BLOB.values()):
        return
    for attr in attrs:
        if attr not in ent and attr in value and value[attr] is None:
            yield str(attr), "unstorable nil: attribute left out"
        elif attr not in ent and attr in value and _is_nan(value[attr]):
            yield str(attr), "unstorable NaN: attribute left out"


def loss_report(
    memory: Any,
    mapping: Any = "inferred",
    codec: str | Codec | None = None,
    *,
    max_per_entry: int | None = None,
) -> pd.DataFrame:
    """Every value that would not survive the migration and back, with the reason.

    Simulates the store: entities are keyed by their identity, so a colliding later entry
    overwrites an earlier one ("overwritten by ..."); nil/NaN attribute values are dropped; the
    rest goes through mapping.to_entity -> from_entity with the given blob codec.
    """
    m = _as_mapping(mapping)
    if codec is not None:
        m = m.with_codec(codec)
    es = _entries(memory)
    store: dict[tuple, int] = {}
    entities = []
    for i, e in enumerate(_progress(es, "losses")):
        ent = m.to_entity(e.key, e.value)
        entities.append(ent)
        for ident in m.identities(ent)[:1]:
            store[ident] = i
    rows = []

    def add(e: Any, path: str, reason: str) -> None:
        rows.append(
            {
                "key": identity_text(e.key),
                "data_type": e.data_type,
                "kind": e.kind,
                "path": path,
                "reason": reason,
            }
        )

    for i, (e, ent) in enumerate(zip(es, entities, strict=True)):
        ident = m.identities(ent)[0]
        winner = store.get(ident, i)
        if winner != i and not edn.identical(es[winner].key, e.key):
            add(
                e,
                "(entry)",
                f"entity collision on {ident[0]} {edn.dumps(ident[1])}: "
                f"overwritten by {identity_text(es[winner].key)}",
            )
            continue
        n = 0
        stored = {a: v for a, v in ent.items() if _storable(v)}
        try:
            k2, v2 = m.from_entity(stored)
        except Exception as exc:  # noqa: BLE001 - a failed read back is itself a loss
            add(e, "(entry)", f"cannot read back: {exc}")
            continue
        if not edn.identical(k2, e.key):
            add(
                e,
                "(key)",
                f"key changed: {identity_text(e.key)} read back as {identity_text(k2)}"
                + (
                    " (namespace dropped)"
                    if isinstance(e.key, edn.Keyword)
                    and e.key.namespace
                    and k2 == edn.Keyword(None, e.key.name)
                    else ""
                ),
            )
        for path, reason in list(explain(e.value, v2)) + list(
            _typed_checks(m, e.key, e.value, stored)
        ):
            add(e, path, reason)
            n += 1
            if max_per_entry and n >= max_per_entry:
                break
    return pd.DataFrame(rows, columns=["key", "data_type", "kind", "path", "reason"])


def loss_summary(losses: pd.DataFrame) -> pd.DataFrame:
    """Counts of losses per reason family (text before ':' with type names kept)."""
    if not len(losses):
        return pd.DataFrame(columns=["reason", "rows", "keys"])
    fam = losses["reason"].str.replace(r"(:| \(|overwritten by).*$", "", regex=True).str.strip()
    g = losses.assign(family=fam).groupby("family")
    return (
        pd.DataFrame({"rows": g.size(), "keys": g["key"].nunique()})
        .reset_index()
        .rename(columns={"family": "reason"})
        .sort_values("rows", ascending=False, ignore_index=True)
    )


def coverage(memory: Any, mapping: Any = "inferred") -> pd.DataFrame:
    """Per schema attribute, how many entities (and records) store it; 0 means never written."""
    m = _as_mapping(mapping)
    counts: dict[Any, int] = defaultdict(int)
    for e in _entries(memory):
        ent = m.to_entity(e.key, e.value)
        for a, v in ent.items():
            if _storable(v):
                counts[a] += 1
            if isinstance(v, list):
                for rec in v:
                    for ra, rv in rec.items():
                        if _storable(rv):
                            counts[ra] += 1
    rows = [
        {
            "attribute": str(a),
            "value_type": attr.value_type,
            "stored": counts.get(a, 0),
            "never_stored": counts.get(a, 0) == 0,
        }
        for a, attr in sorted(
            m.schema.attributes.items(), key=lambda kv: (kv[0].namespace or "", kv[0].name)
        )
    ]
    return pd.DataFrame(rows, columns=["attribute", "value_type", "stored", "never_stored"])


def plan_defects(memory: Any, mapping: Any = "plan") -> pd.DataFrame:
    """One row per known defect of the plan's draft, with the evidence measured on `memory`."""
    from workbench.analysis.schema.mapping import PLAN_DOCUMENTED_PROJECT_STATUSES, plan_classify

    m = _as_mapping(mapping)
    es = _entries(memory)
    rows = []

    def add(defect: str, count: int, evidence: str, example: str = "") -> None:
        rows.append(
            {"defect": defect, "count": int(count), "evidence": evidence, "example": example}
        )

    cached = [e for e in es if plan_classify(e.key) == "cache"]
    add(
        "classifier reads the keyword name only",
        len(cached),
        f"{len(cached)} of {len(es)} entries fall to cache",
        identity_text(cached[0].key) if cached else "",
    )
    col = collision_report(es, m)
    add(
        "cache key drops the namespace",
        len(col),
        f"{len(col)} colliding key pairs",
        f"{col['key_a'].iloc[0]} / {col['key_b'].iloc[0]}" if len(col) else "",
    )
    loss = loss_report(es, m)
    for label, pattern in (
        ("JSON: keyword values become strings", "keyword became string"),
        ("JSON: sets and lists become vectors", "(?:set|list) became vector"),
        ("JSON: string map keys become keywords", "string key became keyword"),
        ("collisions overwrite entries", "overwritten by"),
    ):
        hit = loss[loss["reason"].str.contains(pattern)]
        add(
            label,
            len(hit),
            f"{len(hit)} values in {hit['key'].nunique()} entries",
            f"{hit['key'].iloc[0]} {hit['path'].iloc[0]}" if len(hit) else "",
        )
    add(
        "timestamps replaced by now",
        len(es),
        "every saved entity gets :cache/created-at (or :session/created-at ...) = save time; "
        "the records' own times are not indexed",
        "",
    )
    statuses: dict[Any, int] = defaultdict(int)
    for e in es:
        if e.kind == "projects" and isinstance(e.value, Mapping):
            for rec in e.value.values():
                if isinstance(rec, Mapping):
                    st = rec.get(edn.Keyword("project", "status"))
                    if st is not None:
                        statuses[st] += 1
    odd = {s: n for s, n in statuses.items() if s not in PLAN_DOCUMENTED_PROJECT_STATUSES}
    add(
        "project statuses differ from the documented ones",
        sum(odd.values()),
        "real: "
        + ", ".join(f"{edn.printed(s, 40)} ({n})" for s, n in sorted(statuses.items(), key=str))
        + "; documented: "
        + ", ".join(sorted(edn.printed(s, 40) for s in PLAN_DOCUMENTED_PROJECT_STATUSES)),
        ", ".join(edn.printed(s, 40) for s in odd),
    )
    cov = coverage(es, m).set_index("attribute")
    learning = sum(1 for e in es if e.kind == "learning-record")
    level = int(cov.loc[":learning/level", "stored"]) if ":learning/level" in cov.index else 0
    add(
        ":learning/level never stored",
        learning if level == 0 else 0,
        f":learning/level stored {level} times for {learning} learning records: "
        "learning-by-level is always empty",
    )
    return pd.DataFrame(rows, columns=["defect", "count", "evidence", "example"])
