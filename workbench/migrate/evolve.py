"""Schema evolution on real Datalevin: apply each change of OLD -> NEW with `update-schema` to a
database holding the data, read every entity back, and when Datalevin refuses, run the migration
recipe (new attribute, copy, retract, delete, rename) on the copy and verify it.

What Datalevin 1.2.8 does (datalevin/validate.clj `validate-schema-mutation`, storage.clj
`plan-schema-update`): a new attribute, one -> many, dropping uniqueness and isComponent are applied
online; a value type change is refused once the attribute holds datoms (except from untyped
`:data`, which is re-encoded); many -> one is refused once it holds datoms, conflicting or not;
adding uniqueness is refused only when duplicate values exist; `del-attrs` is refused while datoms
use the attribute. Figures go through the Python bridge (JPype), not the Clojure app.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.analysis.schema import Schema, diff
from workbench.analysis.schema.model import rename_candidates
from workbench.io import atomic_write_text
from workbench.stores.datalevin.bridge import attr_map, clj, java_error_text, to_clj, to_edn

ROW = edn.Keyword("workbench", "row")
_TMP_SUFFIX = "-evolving"
OUTCOMES = ("accepted online", "accepted, data changed", "refused -> migrated", "refused")
#: where a rename came from (ChangeResult.rename_source)
DETECTED = "detected (rename_candidates)"
GIVEN = "given (--rename)"
NOT_GIVEN = "detected (rename_candidates), not given: read as remove + add"


@dataclass
class ChangeResult:
    """What Datalevin did with one schema change, checked on every entity holding the attribute."""

    change: str
    attribute: str
    field: str
    from_: str
    to: str
    outcome: str = ""
    entities_checked: int = 0
    differences: int = 0
    error: str = ""
    examples: list[str] = field(default_factory=list)
    migration: list[str] = field(default_factory=list)
    migration_verified: bool | None = None
    old_shape_write: str = ""
    predicted: str = ""
    rename_source: str = ""  # renamed: DETECTED or GIVEN; removed: NOT_GIVEN -> `renamed_to`
    renamed_to: str = ""  # removed, NOT_GIVEN: the attribute rename_candidates paired it with

    def to_json(self) -> dict[str, Any]:
        """The JSON row (`from` is a Python keyword, hence `from_` here)."""
        d = asdict(self)
        d["from"] = d.pop("from_")
        return d


def flatten(entity: Mapping) -> list[dict]:
    """An entity and its nested component entities as flat dicts (refs dropped)."""
    top: dict = {}
    out = [top]
    for k, v in entity.items():
        if isinstance(v, Mapping):
            out += flatten(v)
        elif (
            isinstance(v, (list, tuple, frozenset, set))
            and v
            and isinstance(next(iter(v)), Mapping)
        ):
            for x in v:
                out += flatten(x)
        else:
            top[k] = v
    return out


def entities_of(memory: Any, mapping: Any) -> list[dict]:
    """Every (flattened) entity the mapping makes of the memory's entries."""
    out: list[dict] = []
    for e in memory.entries:
        try:
            out += flatten(mapping.to_entity(e.key, e.value))
        except Exception:  # noqa: BLE001 - an entry the mapping cannot take is not schema evidence
            continue
    return out


def _spec(a: Any) -> dict:
    m = attr_map(a.value_type, a.cardinality, a.unique)
    if a.component and a.value_type == "db.type/ref":
        m[edn.Keyword("db", "isComponent")] = True
    return m


def _patch(before: Any, after: Any) -> dict:
    """The update-schema patch turning `before` into `after` (removed properties -> :db/retract)."""
    retract = edn.Keyword("db", "retract")
    old, new = _spec(before), _spec(after)
    patch = {k: v for k, v in new.items() if old.get(k) != v}
    patch.update({k: retract for k in old if k not in new})
    if edn.Keyword("db", "cardinality") in patch and after.cardinality == "one":
        patch[edn.Keyword("db", "cardinality")] = edn.Keyword("db.cardinality", "one")
    return patch


def coerce(value: Any, value_type: str) -> tuple[bool, Any]:
    """(ok, value) converting an old value to the new type as a data migration would."""
    vt = value_type.split("/", 1)[-1]
    try:
        if vt == "double" or vt == "float":
            return (isinstance(value, (int, float)) and not isinstance(value, bool)), float(value)
        if vt == "long":
            if isinstance(value, float) and value.is_integer():
                return True, int(value)
            if isinstance(value, str):
                return True, int(value)
            return (isinstance(value, int) and not isinstance(value, bool)), value
        if vt == "string":
            return True, value if isinstance(value, str) else edn.printed(value)
        if vt == "keyword":
            if isinstance(value, str):
                return True, edn.kw(value)
            return isinstance(value, edn.Keyword), value
    except (TypeError, ValueError):
        return False, value
    return vt in ("data", ""), value


class _Db:
    """One throwaway Datalevin database reached through the bridge."""

    def __init__(self, path: Path, schema: Mapping) -> None:
        self.c = clj()
        spec = {k: _spec(a) for k, a in schema.items()}
        spec[ROW] = attr_map("db.type/long", "one", "identity")
        self.conn = self.c.core("get-conn", self.c.JString(str(path)), to_clj(spec))
        self.rows = 0

    def close(self) -> None:
        self.c.core("close", self.conn)

    def transact(self, tx: list) -> None:
        self.c.core("transact!", self.conn, to_clj(edn.Vector(tuple(tx))))

    def load(self, entities: Iterable[dict], batch: int = 1000) -> int:
        buf: list = []
        for ent in entities:
            self.rows += 1
            buf.append({**ent, ROW: self.rows})
            if len(buf) >= batch:
                self.transact(buf)
                buf = []
        if buf:
            self.transact(buf)
        return self.rows

    def update_schema(self, patch: Mapping | None, dels: set | None = None, rename=None) -> None:
        c = self.c
        c.core(
            "update-schema",
            self.conn,
            None if patch is None else to_clj(dict(patch)),
            None if dels is None else to_clj(frozenset(dels)),
            None if rename is None else to_clj(dict(rename)),
        )

    def values(self, attr: edn.Keyword) -> dict[int, list]:
        """row -> values of attr (one list per entity, sorted by printed form)."""
        c = self.c
        res = c.core(
            "q",
            c.read("[:find ?r ?v :in $ ?a :where [?e :workbench/row ?r] [?e ?a ?v]]"),
            c.core("db", self.conn),
            to_clj(attr),
        )
        out: dict[int, list] = {}
        for r, v in to_edn(res):
            out.setdefault(r, []).append(v)
        for vs in out.values():
            vs.sort(key=edn.printed)
        return out

    def schema_has(self, attr: edn.Keyword) -> bool:
        return to_edn(self.c.core("schema", self.conn)).get(attr) is not None


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(edn.identical(x, y) for x, y in zip(a, b, strict=True))


def _expected(values: dict[int, list], before: Any, after: Any) -> dict[int, list]:
    """What each entity should hold after the change (values coerced, many -> one keeps one)."""
    out = {}
    for r, vs in values.items():
        new = [coerce(v, after.value_type)[1] for v in vs]
        if after.cardinality == "one" and len(new) > 1:
            new = new[:1]
        out[r] = sorted(new, key=edn.printed)
    return out


def _compare(got: dict[int, list], want: dict[int, list], res: ChangeResult) -> None:
    res.entities_checked = len(set(got) | set(want))
    for r in sorted(set(got) | set(want)):
        g, w = got.get(r, []), want.get(r, [])
        if not _same(g, w):
            res.differences += 1
            if len(res.examples) < 5:
                res.examples.append(
                    f"entity {r}: expected {edn.printed(w, 60)}, read {edn.printed(g, 60)}"
                )


def _migrate(db: _Db, attr: edn.Keyword, before: Any, after: Any, res: ChangeResult) -> None:
    """Datalevin recipe: new attribute, copy (coerced), retract old, delete old, rename back."""
    old_vals = db.values(attr)
    tmp = edn.Keyword(attr.namespace, attr.name + _TMP_SUFFIX)
    lost = 0
    copies, retracts = [], []
    seen: dict[Any, int] = {}
    for r, vs in sorted(old_vals.items()):
        keep = []
        for v in vs:
            ok, nv = coerce(v, after.value_type)
            if not ok:
                lost += 1
                continue
            if after.unique and nv in seen:
                lost += 1  # duplicate of an earlier entity's value: dropped, counted
                continue
            keep.append(nv)
        if after.cardinality == "one" and len(keep) > 1:
            lost += len(keep) - 1
            keep = keep[:1]
        for nv in keep:
            seen[nv] = r
            copies.append(edn.Vector((edn.Keyword("db", "add"), edn.Vector((ROW, r)), tmp, nv)))
        for v in vs:
            retracts.append(
                edn.Vector((edn.Keyword("db", "retract"), edn.Vector((ROW, r)), attr, v))
            )
    res.migration = [
        f"update-schema {{{tmp} {edn.printed(_spec(after))}}}",
        f"transact! {len(copies)} [:db/add e {tmp} v'] (coerced to {after.value_type}"
        + (", one value kept per entity" if after.cardinality == "one" else "")
        + (", first entity keeps a duplicated value" if after.unique else "")
        + f"; {lost} values dropped)",
        f"transact! {len(retracts)} [:db/retract e {attr} v]",
        f"update-schema nil #{{{attr}}}  (del-attrs)",
        f"update-schema nil nil {{{tmp} {attr}}}  (rename-map)",
    ]
    db.update_schema({tmp: _spec(after)})
    for i in range(0, len(copies), 1000):
        db.transact(copies[i : i + 1000])
    for i in range(0, len(retracts), 1000):
        db.transact(retracts[i : i + 1000])
    db.update_schema(None, {attr})
    db.update_schema(None, None, {tmp: attr})
    want = {}
    for r, vs in old_vals.items():
        keep = [
            v
            for v in (coerce(x, after.value_type) for x in vs)
            if v[0] and not (after.unique and seen.get(v[1]) != r)
        ]
        kept = sorted((v for _ok, v in keep), key=edn.printed)
        kept = kept[:1] if after.cardinality == "one" else kept
        if kept:
            want[r] = kept
    got = db.values(attr)
    spec = to_edn(db.c.core("schema", db.conn)).get(attr, {})
    _compare(got, want, res)
    res.entities_checked = len(set(old_vals) | set(got))
    res.differences += lost
    if lost:
        res.examples.insert(0, f"{lost} values dropped by the migration (unconvertible/conflicts)")
    props = _spec(after)
    res.migration_verified = all(spec.get(k) == v for k, v in props.items()) and not any(
        not _same(got.get(r, []), w) for r, w in want.items()
    )


def _old_shape_write(db: _Db, attr: edn.Keyword, before: Any, after: Any, sample: Any) -> str:
    """What Datalevin does when the app writes the old shape after the change."""
    c = db.c
    db.rows += 1
    r = db.rows
    value = sample
    if before.cardinality == "many" and after.cardinality == "one":
        value = frozenset(sample if isinstance(sample, (list, frozenset)) else [sample, sample])
    try:
        db.transact([{ROW: r, attr: value}])
        if before.cardinality == "many" and after.cardinality == "one":
            vs = [v for v in (value if isinstance(value, frozenset) else [value])]
            db.transact([{ROW: r, attr: vs[-1]}])
    except Exception as exc:  # noqa: BLE001 - refusal is the finding
        return f"refused: {java_error_text(exc)}"
    back = db.values(attr).get(r, [])
    del c
    shown = edn.printed(value, 60)
    if len(back) == 1 and edn.identical(back[0], value):
        return f"accepted as written ({shown})"
    return f"accepted, stored as {edn.printed(back, 60)} (wrote {shown})"


def rename_plan(
    old: Schema, new: Schema, renames: Mapping | None = None
) -> tuple[dict[edn.Keyword, edn.Keyword], str, dict[edn.Keyword, edn.Keyword]]:
    """(the renames rehearsed, where they came from, the detected pairs left out): with renames
    None, rename_candidates' pairs (DETECTED); given, exactly those (GIVEN), and the candidates
    they leave out are read as remove + add."""
    detected = rename_candidates(old, new)
    if renames is None:
        return detected, DETECTED, {}
    given = {edn.kw(str(o).lstrip(":")): edn.kw(str(n).lstrip(":")) for o, n in renames.items()}
    return given, GIVEN, {o: n for o, n in detected.items() if o not in given}


def evolve(
    old: Schema,
    new: Schema,
    entities: list[dict],
    directory: str | os.PathLike | None = None,
    renames: Mapping | None = None,
) -> list[ChangeResult]:
    """Apply every change of old -> new to a Datalevin db loaded with `entities` (old shape);
    `renames` as in `diff` (default: the pairs that look renamed). Each renamed row says whether
    the rename was detected or given (`rename_source`); a detected pair that given renames
    leave out is marked on its removed row."""
    used, source, left_out = rename_plan(old, new, renames)
    d = diff(old, new, used)
    tmp = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="wb-evolve-"))
    keep = set(old.attributes)
    db = _Db(tmp / "db", old.attributes)
    results: list[ChangeResult] = []
    try:
        db.load({k: v for k, v in e.items() if k in keep and v is not None} for e in entities)
        order = {"renamed": 0, "added": 1, "changed": 2, "removed": 3}
        live = dict(old.attributes)
        for row in sorted(d.itertuples(index=False), key=lambda r: order[r.change]):
            attr = edn.kw(row.attribute.lstrip(":"))
            res = ChangeResult(
                change=row.change if row.change != "changed" else f"{row.field} changed",
                attribute=row.attribute,
                field=row.field,
                from_=row.before,
                to=row.after,
                predicted=row.apply,
            )
            if row.change == "renamed":
                res.rename_source = source
            elif row.change == "removed" and attr in left_out:
                res.rename_source, res.renamed_to = NOT_GIVEN, str(left_out[attr])
            results.append(res)
            if row.change == "renamed":
                _rename(db, attr, edn.kw(row.after.lstrip(":")), res)
                if res.outcome.startswith("accepted"):
                    live[edn.kw(row.after.lstrip(":"))] = live.pop(attr)
                continue
            before, after = live.get(attr), new.attributes.get(attr)
            if row.change == "changed":
                after = replace(before, **{row.field: getattr(after, row.field)})
            _apply(db, attr, row.change, before, after, res)
            if res.outcome.startswith("accepted") or res.outcome == "refused -> migrated":
                live[attr] = after
    finally:
        db.close()
        if directory is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


def _rename(db: _Db, old: edn.Keyword, new: edn.Keyword, res: ChangeResult) -> None:
    current = db.values(old)
    try:
        db.update_schema(None, None, {old: new})
    except Exception as exc:  # noqa: BLE001
        res.outcome, res.error = "refused", java_error_text(exc)
        return
    _compare(db.values(new), current, res)
    left = db.values(old)
    if left:
        res.differences += len(left)
        res.examples.append(f"{len(left)} entities still hold {old} after the rename")
    res.outcome = "accepted, data changed" if res.differences else "accepted online"


def _apply(db: _Db, attr: edn.Keyword, change: str, before: Any, after: Any, res) -> None:
    if change == "added":
        try:
            db.update_schema({attr: _spec(after)})
            res.outcome = "accepted online"
        except Exception as exc:  # noqa: BLE001
            res.outcome, res.error = "refused", java_error_text(exc)
        return
    current = db.values(attr)
    if change == "removed":
        res.entities_checked = len(current)
        try:
            db.update_schema(None, {attr})
            res.outcome = "accepted online"
        except Exception as exc:  # noqa: BLE001
            res.error = java_error_text(exc)
            res.migration = [
                f"transact! {sum(map(len, current.values()))} [:db/retract e {attr} v]",
                f"update-schema nil #{{{attr}}}  (del-attrs)",
            ]
            db.transact(
                [
                    edn.Vector((edn.Keyword("db", "retract"), edn.Vector((ROW, r)), attr, v))
                    for r, vs in current.items()
                    for v in vs
                ]
            )
            db.update_schema(None, {attr})
            res.differences = len(current)
            res.examples = [f"{len(current)} entities lose {attr} (values retracted)"]
            res.migration_verified = not db.schema_has(attr) and not db.values(attr)
            res.outcome = "refused -> migrated"
        return
    # the attribute as it stands in the db now (earlier field changes of it already applied)
    live = before
    sample = next((vs[0] for vs in current.values() if vs), None)
    try:
        db.update_schema({attr: _patch(live, after)})
    except Exception as exc:  # noqa: BLE001
        res.error = java_error_text(exc)
        try:
            _migrate(db, attr, live, after, res)
            res.outcome = "refused -> migrated" if res.migration_verified else "refused"
        except Exception as exc2:  # noqa: BLE001
            res.outcome = "refused"
            res.error += f"; migration failed: {java_error_text(exc2)}"
    else:
        _compare(db.values(attr), _expected(current, live, after), res)
        res.outcome = "accepted, data changed" if res.differences else "accepted online"
    if sample is not None:
        res.old_shape_write = _old_shape_write(db, attr, live, after, sample)


def corrected_apply(outcome: str) -> str:
    """The diff's `apply` label that matches a measured outcome."""
    return "in place" if outcome.startswith("accepted") else "reload"


def write_outputs(cases: Mapping[str, list[ChangeResult]], out: str | os.PathLike) -> dict:
    """DIR/evolution.json (one row per change and case) and DIR/evolution.md (the runbook)."""
    out = Path(out)
    rows = [{"case": case, **r.to_json()} for case, rs in cases.items() for r in rs]
    atomic_write_text(out / "evolution.json", json.dumps(rows, indent=2, default=str))
    atomic_write_text(out / "evolution.md", runbook(cases))
    return {"json": out / "evolution.json", "md": out / "evolution.md", "rows": rows}


def outcome_counts(results: list[ChangeResult]) -> dict[str, int]:
    """Changes per outcome."""
    counts = {o: 0 for o in OUTCOMES}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return counts


def renames_line(results: list[ChangeResult]) -> str:
    """The runbook's line on renames: those detected, those given with --rename, those left out."""

    def pairs(rs: list[ChangeResult], to: str = "to") -> str:
        return ", ".join(f"`{r.attribute}` -> `{getattr(r, to)}`" for r in rs)

    renamed = [r for r in results if r.change == "renamed"]
    detected = [r for r in renamed if r.rename_source == DETECTED]
    given = [r for r in renamed if r.rename_source == GIVEN]
    left = [r for r in results if r.rename_source == NOT_GIVEN]
    parts = [
        "detected by `rename_candidates` (same definition, same name in another namespace): "
        + (pairs(detected) if detected else "none"),
        "given with `--rename`: " + (pairs(given) if given else "none"),
    ]
    if left:
        parts.append(
            "detected but not given (--rename lists the renames to rehearse), so rehearsed as "
            "remove + add: " + pairs(left, "renamed_to")
        )
    return "Renames: " + "; ".join(parts) + "."


def runbook(cases: Mapping[str, list[ChangeResult]]) -> str:
    """Markdown: outcomes per case, the renames and where they came from, order to apply,
    migration steps and checks."""
    lines = [
        "# Schema evolution runbook",
        "",
        "Measured on real Datalevin through the Python bridge (JPype), not the Clojure app.",
        "Order: rename, add new attributes, apply in-place changes, run each migration, remove last.",
        "",
    ]
    for case, rs in cases.items():
        counts = outcome_counts(rs)
        lines += [
            f"## {case}",
            "",
            ", ".join(f"{n} {o}" for o, n in counts.items() if n),
            "",
            renames_line(rs),
            "",
            "| # | change | attribute | from | to | outcome | checked | differences |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for i, r in enumerate(rs, 1):
            lines.append(
                f"| {i} | {r.change} | `{r.attribute}` | {r.from_} | {r.to} | {r.outcome} | "
                f"{r.entities_checked} | {r.differences} |"
            )
        lines.append("")
        for r in rs:
            if not (r.migration or r.error or r.old_shape_write or r.examples):
                continue
            lines.append(f"### {r.attribute}: {r.change}")
            if r.error:
                lines.append(f"- Datalevin said: `{r.error}`")
            for i, step in enumerate(r.migration, 1):
                lines.append(f"- step {i}: `{step}`")
            if r.migration_verified is not None:
                lines.append(
                    "- check: every entity read back as the migration should give: "
                    + ("yes" if r.migration_verified else "NO")
                )
            for ex in r.examples:
                lines.append(f"- difference: {ex}")
            if r.old_shape_write:
                lines.append(f"- app still writing the old shape: {r.old_shape_write}")
            lines.append("")
    return "\n".join(lines) + "\n"


def default_cases(memory: Any, *, progress: bool = True) -> dict[str, tuple[Schema, Schema, list]]:
    """The two rehearsed cases: plan draft -> inferred, inferred v1 -> inferred v2 (next month)."""
    from workbench.analysis.schema import get_mapping, infer_schema, load_plan_schema
    from workbench.memory.next_month import next_month, next_month_schema

    v1 = infer_schema(memory)
    v2 = next_month_schema(infer_schema(next_month(memory)))
    return {
        "plan draft -> inferred": (
            load_plan_schema(),
            v1,
            entities_of(memory, get_mapping("plan")),
        ),
        "inferred v1 -> inferred v2 (next month)": (
            v1,
            v2,
            entities_of(memory, get_mapping("inferred", schema=v1, memory=memory)),
        ),
    }


def evolve_cases(
    cases: Mapping[str, tuple[Schema, Schema, list]],
    out: str | os.PathLike | None = None,
    renames: Mapping | None = None,
) -> dict[str, list[ChangeResult]]:
    """Run evolve on each case (one fresh database each, `renames` as in `diff`); write the
    outputs when out is given."""
    from tqdm.auto import tqdm

    results = {}
    for name, (old, new, ents) in tqdm(list(cases.items()), desc="evolution cases", unit="case"):
        results[name] = evolve(old, new, ents, renames=renames)
    if out is not None:
        write_outputs(results, out)
    return results


def headline(results: Mapping[str, list[ChangeResult]]) -> str:
    """One sentence: how many changes Datalevin applied online and how many needed a migration."""
    rs = [r for v in results.values() for r in v]
    c = outcome_counts(rs)
    wrong = sum(corrected_apply(r.outcome) != r.predicted for r in rs)
    return (
        f"Of {len(rs)} schema changes, Datalevin applied {c['accepted online']} online, "
        f"{c['accepted, data changed']} changed data, {c['refused -> migrated']} were refused and "
        f"needed a data migration (run and verified), {c['refused']} stayed refused; "
        f"schema diff's data-blind label differed on {wrong} (where the data decided)."
    )
