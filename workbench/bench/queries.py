"""Query patterns: which accesses gain most from moving the memory map to Datalog (issue 15 part 4).

``measure_queries(memory)`` runs every pattern (``workbench.bench._query_patterns``: the app's get by
key, substring search and tag lookup, the plan's four queries, and the queries the data suggests:
equality lookups on the attributes the profile finds selective, entries holding a component
record with a selective value, entries whose time attribute falls in the data's latest window)
on each store and times it:

- ``EDN map (JVM, Clojure emulation)``: the app's in-memory map as a Clojure map, every pattern
  answered inside the JVM by the same lookup or scan as the Python emulation (bench/jvm/queries.clj
  ``time-map``: ``get``; ``pr-str`` + ``includes?`` over every entry; the plan's queries, the
  lookups and the record scans over the map's entries), its answer checked against the reference;
- ``EDN map (Python emulation)``: the same map emulated by a Python dict scan: the reference
  answer, and the map's cost where the JVM could not time it (labelled, never the app's figure);
- ``LMDB entity (Python)``: the workbench's LMDB entity store, its public methods;
- ``Datalevin (JVM)``: the same Datalog the store runs, timed inside the JVM with System/nanoTime
  (bench/jvm/queries.clj), Datalevin's query result cache off: the cost of computing the answer;
- ``Datalevin (JVM, cached)``: the same, result cache on: a repeat of the query on an unchanged
  database (what a read-mostly app pays between writes to the attributes the query reads);
- ``Datalevin (Python bridge)``: the Datalevin store's methods called from Python through JPype
  (result cache on, Datalevin's default).

Every store's answer is compared with the EDN map's; a pattern answered differently is flagged and
not ranked. ``rank_queries`` (a pure function of the costs) orders the rest by the ratio of the
Clojure map's cost to Datalevin (JVM)'s, both inside the JVM (basis ``BASIS_JVM``; the Python
emulation's cost only where the Clojure map was not timed, basis ``BASIS_PYTHON``), and gives the
reason per row; ``write_queries`` writes queries.csv/.md.
"""

from __future__ import annotations

import importlib.resources
import math
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.bench._output import _fmt_us
from workbench.bench._query_patterns import (
    EntityKeys,
    Pattern,
    _printed,
    app_patterns,
    bridge_call,
    component_patterns,
    edn_answer,
    edn_call,
    jvm_ops,
    lmdb_call,
    map_answer,
    map_op,
    range_patterns,
    store_answer,
    suggested_patterns,
)
from workbench.bench._timing import time_ops
from workbench.io import atomic_write_text

__all__ = [
    "STORES",
    "measure_queries",
    "rank_queries",
    "queries_markdown",
    "write_queries",
    "queries_finding",
    "query_patterns",
    "table_rows",
    "plot_queries",
]

EDN, EDN_JVM, LMDB, JVM, CACHED, BRIDGE = (
    "EDN map (Python emulation)",
    "EDN map (JVM, Clojure emulation)",
    "LMDB entity (Python)",
    "Datalevin (JVM)",
    "Datalevin (JVM, cached)",
    "Datalevin (Python bridge)",
)
STORES = (EDN, EDN_JVM, LMDB, JVM, CACHED, BRIDGE)
#: what a ranking ratio divides: the same stack (the JVM) when the Clojure map was timed
BASIS_JVM = "JVM: Clojure map / Datalevin"
BASIS_PYTHON = "Python map emulation / Datalevin (JVM)"
GAIN, EVEN = 2.0, 0.5  # ratio map / Datalevin from which a pattern "gains", below which it "loses"
SELECTIVE = 0.05  # a result under this share of the entries is called selective
#: (warm-up passes, samples at most, time budget s, samples at least) per figure
#: (the JVM warms up for at least the budget, then times within it again: 1 s per figure there)
TIMING = {"full": (3, 200, 0.5, 7), "quick": (1, 30, 0.2, 3)}


def query_patterns(memory: Any, data: Mapping | None = None) -> list[Pattern]:
    """The patterns measured on this memory: the app's, the plan's, the profile's suggestions."""
    from workbench.analysis.profile import profile
    from workbench.analysis.schema import get_mapping

    data = _data(memory) if data is None else data
    schema = get_mapping("inferred", memory=memory).schema
    entries = list(getattr(memory, "entries", memory))
    return (
        app_patterns(data)
        + suggested_patterns(profile(memory), schema)
        + component_patterns(entries, schema)
        + range_patterns(entries, schema)
    )


def _data(memory: Any) -> dict:
    return {e.key: e.value for e in getattr(memory, "entries", memory)}


def _stats(samples_ns: Sequence[int], calls: int) -> dict[str, float]:
    """Median and interquartile range per call, in microseconds."""
    if not samples_ns:
        return {"median_us": math.nan, "q1_us": math.nan, "q3_us": math.nan, "n": 0}
    per = sorted(s / calls / 1e3 for s in samples_ns)
    q = statistics.quantiles(per, n=4) if len(per) > 1 else [per[0]] * 3
    return {"median_us": statistics.median(per), "q1_us": q[0], "q3_us": q[2], "n": len(per)}


def _row(
    p: Pattern, store: str, samples: list[int], answer: list | None, ref: list, entries: int
) -> dict[str, Any]:
    """One measure_queries row: the pattern's cost on a store, its answer checked against ref."""
    return {
        "pattern": p.name,
        "source": p.source,
        "what": p.what,
        "why": p.why,
        "store": store,
        **_stats(samples, p.calls),
        "rows": len(answer) if answer is not None else math.nan,
        "equal": answer == ref if answer is not None else None,
        "entries": entries,
    }


def _sample(fn: Callable[[], Any], timing: tuple[int, int, float, int]) -> list[int]:
    warmup, n, budget_s, min_n = timing
    ops = [(fn, None)] * (warmup + n)
    return time_ops(ops, warmup=warmup, budget_s=budget_s, min_samples=min_n)


def _jvm_source() -> str:
    return (importlib.resources.files("workbench.bench") / "jvm" / "queries.clj").read_text()


def _jvm_vars() -> Callable[[str], Any]:
    """The bench's Clojure functions by name (queries.clj, loaded once per process)."""
    from workbench.stores.datalevin import bridge as wdl

    wdl.load_source("workbench.bench.queries", _jvm_source())
    c = wdl.clj()
    c.attach_thread()
    return lambda name: c.var("workbench.bench.queries", name)


def measure_queries(
    memory: Any,
    *,
    quick: bool = False,
    datalevin: bool | None = None,
    bridge: bool | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Time every pattern on every store; one row per (pattern, store) with the median and IQR
    per call (us), the answer's row count and whether it equals the EDN map's answer.

    datalevin None: measure Datalevin when the extra is installed. quick: fewer samples. bridge:
    also time the Datalevin store through the Python bridge (None: in full runs only; the JVM's
    figures are the ranked ones)."""
    from tqdm.auto import tqdm

    from workbench.analysis.schema import get_mapping
    from workbench.stores.datalevin import bridge as wdl
    from workbench.stores.lmdb_entity import LmdbEntityStore

    data = _data(memory)
    mapping = get_mapping("inferred", memory=memory)
    patterns = query_patterns(memory, data)
    if datalevin is None:
        datalevin = wdl.available()
    timing = TIMING["quick" if quick else "full"]
    bridge = not quick if bridge is None else bridge
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-queries-"))
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    map_failed: list[str] = []

    def add(p: Pattern, store: str, samples: list[int], answer: list | None, ref: list) -> None:
        rows.append(_row(p, store, samples, answer, ref, len(data)))

    steps = len(patterns) * (5 if datalevin else 2)
    bar = tqdm(total=steps, desc="query patterns", unit="run", disable=not progress)
    try:
        refs = {p.name: edn_answer(p, data) for p in patterns}
        lmdb = LmdbEntityStore(root / "lmdb", mapping=mapping, durability="nosync")
        lmdb.put_many(data)
        keys = EntityKeys(lmdb, data)
        for p in patterns:
            add(p, EDN, _sample(edn_call(p, data), timing), refs[p.name], refs[p.name])
            bar.update()
            call = lmdb_call(p, lmdb)
            add(p, LMDB, _sample(call, timing), store_answer(p, call(), keys), refs[p.name])
            bar.update()
        lmdb.close()
        if datalevin:
            skipped, map_failed = _datalevin(
                patterns, data, mapping, root, refs, add, bar, timing, bridge
            )
    finally:
        bar.close()
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    df = pd.DataFrame(rows)
    df.attrs["skipped_keys"] = skipped
    df.attrs["clojure_map_failed"] = map_failed
    return df


def _datalevin(
    patterns: list[Pattern],
    data: Mapping,
    mapping: Any,
    root: Path,
    refs: dict[str, list],
    add: Callable[..., None],
    bar: Any,
    timing: tuple[int, int, float, int],
    bridge: bool,
) -> tuple[list[str], list[str]]:
    """Datalevin through the bridge (when asked), then the same database from inside the JVM;
    the keys the store refused (their answers then differ and are flagged), and the patterns the
    Clojure map could not run (why)."""
    from workbench import edn
    from workbench.stores.base import StoreError
    from workbench.stores.datalevin import bridge as wdl
    from workbench.stores.datalevin.store import DatalevinStore

    warmup, n, budget, min_n = timing
    path = root / "datalevin"
    store = DatalevinStore(path, shape="datalog", mapping=mapping, durability="nosync")
    skipped: list[str] = []
    try:
        try:
            store.put_many(data)
        except StoreError:  # one refused value fails its batch: store the rest one by one
            for k, v in data.items():
                try:
                    store.put(k, v)
                except StoreError:
                    skipped.append(edn.printed(k, 80))
        for p in patterns:
            call = bridge_call(p, store) if bridge else None
            if call is not None:
                add(p, BRIDGE, _sample(call, timing), store_answer(p, call()), refs[p.name])
            bar.update()
    finally:
        store.close()
    c = wdl.clj()
    var = _jvm_vars()
    conn = var("open-conn").invoke(c.JString(str(path)))
    try:
        for p in patterns:
            planned = jvm_ops(p, c, conn, mapping.schema, var("ci-pattern"))
            if planned is None:
                bar.update()
                continue
            ops, answer_of = planned
            jops = c.PersistentVector.create(c.ObjectArray(ops))
            for label, cache in ((JVM, False), (CACHED, True)):
                out = var("time-ops").invoke(conn, jops, warmup, n, min_n, int(budget * 1e9), cache)
                samples = [int(x) for x in out.valAt(c.kw("samples"))]
                add(p, label, samples, answer_of(out.valAt(c.kw("result"))), refs[p.name])
            bar.update()
    finally:
        var("close-conn").invoke(conn)
    return skipped, _clojure_map(patterns, data, refs, add, timing, var, bar)


def _clojure_map(
    patterns: list[Pattern],
    data: Mapping,
    refs: dict[str, list],
    add: Callable[..., None],
    timing: tuple[int, int, float, int],
    var: Callable[[str], Any],
    bar: Any = None,
) -> list[str]:
    """Every pattern on the map as a Clojure map, inside the JVM (queries.clj time-map), its
    answer compared with the reference; the patterns the JVM could not time, with why (the
    bridge cannot convert the map; a JVM error: a search pr-str's every value, and a value
    nested ~1,000 deep overflows the JVM's stack, as it would in the app)."""
    from workbench import edn
    from workbench.memory.queries import canonical
    from workbench.stores.datalevin import bridge as wdl

    c = wdl.clj()
    warmup, n, budget, min_n = timing
    tick = bar.update if bar is not None else lambda _n=1: None
    try:
        jdata = wdl.to_clj(dict(data))
    except (wdl.Unstorable, TypeError, ValueError) as exc:
        tick(len(patterns))
        return [f"every pattern (the bridge cannot convert the map: {exc})"]
    failed = []
    for p in patterns:
        try:
            op = wdl.to_clj(map_op(p))
        except (wdl.Unstorable, TypeError, ValueError) as exc:
            failed.append(f"{p.name}: {exc}")
            tick()
            continue
        try:
            out = var("time-map").invoke(jdata, op, warmup, n, min_n, int(budget * 1e9))
        except Exception as exc:  # noqa: BLE001 - a JVM error (StackOverflowError) is a finding
            failed.append(f"{p.name}: {wdl.java_error_text(exc)}")
            continue
        finally:
            tick()
        result = out.valAt(c.kw("result"))
        ref = refs[p.name]
        if p.kind == "get":
            answer = canonical(
                [
                    [_printed(k), edn.printed(wdl.to_edn(v))]
                    for k, v in zip(p.keys, result, strict=True)
                ]
            )
            # compared with each value's own bridge round trip: conversion artifacts (a list
            # read back as a vector) are the bridge's, not the map's
            ref = canonical(
                [[_printed(k), edn.printed(wdl.to_edn(wdl.to_clj(data[k])))] for k in p.keys]
            )
        else:
            answer = map_answer(p, result)
        add(p, EDN_JVM, [int(x) for x in out.valAt(c.kw("samples"))], answer, ref)
    return failed


# ------------------------------------------------------------------------------------ ranking


COLUMNS = {
    EDN: "edn",
    EDN_JVM: "edn_jvm",
    LMDB: "lmdb",
    JVM: "jvm",
    CACHED: "cached",
    BRIDGE: "bridge",
}


def _answers(group: pd.DataFrame) -> tuple[bool, str]:
    bad = [str(s) for s, eq in zip(group["store"], group["equal"], strict=True) if eq is False]
    return (not bad, ", ".join(bad))


def rank_queries(costs: pd.DataFrame) -> pd.DataFrame:
    """The ranked table: one row per pattern, best gain from Datalog first.

    costs: measure_queries' rows (pattern, source, what, store, median_us, q1_us, q3_us, rows,
    equal, entries). Ratio = the Clojure map's median (the Python emulation's where the JVM did
    not time the map; column basis says which) / Datalevin (JVM) median; a pattern whose answers
    differ between stores is flagged and left unranked, as is one without a JVM figure."""
    out = []
    for name, g in costs.groupby("pattern", sort=False):
        by = {s: r for s, r in zip(g["store"], g.to_dict("records"), strict=True)}
        first = g.iloc[0]
        equal, differ = _answers(g)
        edn, clj, jvm = by.get(EDN), by.get(EDN_JVM), by.get(JVM)
        e_us = edn["median_us"] if edn else math.nan
        c_us = clj["median_us"] if clj else math.nan
        j_us = jvm["median_us"] if jvm else math.nan
        # the app's map is a Clojure map: judged in the JVM when measured there, like Datalevin
        base, basis = (c_us, BASIS_JVM) if c_us == c_us else (e_us, BASIS_PYTHON)
        ratio = base / j_us if j_us and j_us == j_us and base == base else math.nan
        rows = int(edn["rows"]) if edn and edn["rows"] == edn["rows"] else 0
        entries = int(first["entries"])
        row = {
            "pattern": name,
            "source": first["source"],
            "what": first["what"],
            "rows": rows,
            "selectivity": rows / entries if entries else math.nan,
            "ratio": ratio,
            "basis": basis,
            "equal": equal,
            "differ": differ,
        }
        for store, col in COLUMNS.items():
            r = by.get(store)
            for stat in ("median_us", "q1_us", "q3_us"):
                row[f"{col}_{stat}"] = r[stat] if r else math.nan
        row["reason"] = _reason(row, entries, str(first.get("why", "") or ""))
        out.append(row)
    ranked = sorted(
        out,
        key=lambda r: (
            not (r["equal"] and r["ratio"] == r["ratio"]),
            -(r["ratio"] if r["ratio"] == r["ratio"] else 0),
            r["selectivity"],
        ),
    )
    n = 0
    for r in ranked:
        if r["equal"] and r["ratio"] == r["ratio"]:
            n += 1
            r["rank"] = n
        else:
            r["rank"] = None
    cols = ["rank", *[c for c in ranked[0] if c != "rank"]] if ranked else ["rank"]
    return pd.DataFrame(ranked, columns=cols)


def _reason(r: dict[str, Any], entries: int, why: str) -> str:
    """Why the row sits where it does: gain, result size, selectivity, what the profile found."""
    if not r["equal"]:
        return f"flagged, not ranked: {r['differ']} answer(s) differ from the EDN map's"
    if r["ratio"] != r["ratio"]:
        return "not ranked: no Datalevin (JVM) figure (not measured, or the schema does not type the attributes its Datalog needs)"
    jvm_basis = r.get("basis") == BASIS_JVM
    e = _fmt_us(r["edn_jvm_median_us"] if jvm_basis else r["edn_median_us"])
    e += " as a Clojure map in the JVM" if jvm_basis else " in the Python emulation of the map"
    j, ratio = _fmt_us(r["jvm_median_us"]), r["ratio"]
    size = f"{r['rows']:,} rows of {entries:,} entries ({r['selectivity']:.1%})"
    if ratio >= GAIN:
        text = f"gains {ratio:,.1f}x: the map is scanned whole ({e}), Datalog answers in {j}"
        if r["selectivity"] < SELECTIVE:
            text += "; selective, so the index skips most entries"
    elif ratio >= EVEN:
        text = f"about even ({ratio:.2f}x): map {e}, Datalog {j}"
    else:
        text = f"stays on the map: {e} in memory against {j} in Datalog ({1 / ratio:,.0f}x slower)"
    text += f"; {size}"
    if jvm_basis and r["edn_median_us"] == r["edn_median_us"]:
        text += f"; the Python emulation of the map takes {_fmt_us(r['edn_median_us'])}"
    return text + (f"; profile: {why}" if why else "")


# ------------------------------------------------------------------------------------ outputs


def _cost(r: Mapping, col: str) -> str:
    m = r[f"{col}_median_us"]
    if m != m:
        return "-"
    return f"{_fmt_us(m)} ({_fmt_us(r[f'{col}_q1_us'])}-{_fmt_us(r[f'{col}_q3_us'])})"


def table_rows(ranked: pd.DataFrame) -> list[dict[str, str]]:
    """The ranked table as display rows (text cells, numbers formatted)."""
    out = []
    for r in ranked.to_dict("records"):
        rank = r["rank"]
        out.append(
            {
                "rank": "flagged"
                if not r["equal"]
                else ("-" if rank != rank or rank is None else f"{int(rank)}"),
                "pattern": r["pattern"],
                "source": r["source"],
                "what": r["what"],
                f"{EDN}": _cost(r, "edn"),
                f"{EDN_JVM}": _cost(r, "edn_jvm"),
                f"{LMDB}": _cost(r, "lmdb"),
                f"{JVM}": _cost(r, "jvm"),
                f"{CACHED}": _cost(r, "cached"),
                f"{BRIDGE}": _cost(r, "bridge"),
                "map / Datalog": "-" if r["ratio"] != r["ratio"] else f"{r['ratio']:,.1f}x",
                "ratio of": r["basis"],
                "rows": f"{r['rows']:,}",
                "answers": "equal" if r["equal"] else f"differ: {r['differ']}",
                "reason": r["reason"],
            }
        )
    return out


def queries_markdown(
    ranked: pd.DataFrame,
    source: str = "",
    skipped: Sequence[str] = (),
    map_failed: Sequence[str] = (),
) -> str:
    """queries.md: the ranked table with its reading notes."""
    rows = table_rows(ranked)
    head = list(rows[0]) if rows else []
    lines = ["# Query patterns ranked", ""]
    if source:
        lines += [f"Input: `{source}`.", ""]
    lines += [
        f"Cost per call: median (interquartile range). {EDN_JVM} = the app's in-memory map as a "
        "Clojure map, each pattern answered by the same lookup or scan inside the JVM; "
        f"{EDN} = the same map emulated in Python (the reference answer every store is checked "
        "against; not the Clojure app's figure); Datalevin (JVM) = the store's Datalog timed "
        "inside the JVM with System/nanoTime, query result cache off (cached: on, the repeat of "
        "the query on an unchanged database); Datalevin (Python bridge) = the same store called "
        "from Python through JPype (cache on). Ratio = EDN map / Datalevin (JVM, cache off), "
        "both in the JVM "
        f"('{BASIS_JVM}'); a row with '{BASIS_PYTHON}' divides the Python emulation's cost "
        "instead (the JVM did not time the map for it). Rows whose answers differ between stores "
        "are flagged, not ranked.",
        "",
    ]
    if head:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for r in rows:
            lines.append("| " + " | ".join(str(r[h]).replace("|", "/") for h in head) + " |")
    if skipped:
        lines += ["", f"Datalevin refused {len(skipped)} key(s): {', '.join(skipped[:10])}"]
    if map_failed:
        lines += ["", "The Clojure map (inside the JVM) failed on: " + "; ".join(map_failed)]
    return "\n".join(lines) + "\n"


def write_queries(
    costs: pd.DataFrame, out_dir: str | os.PathLike, source: str = ""
) -> dict[str, Path]:
    """Write DIR/queries.csv (the ranked table, raw figures) and DIR/queries.md."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ranked = rank_queries(costs)
    csv = atomic_write_text(out / "queries.csv", ranked.to_csv(index=False))
    md = atomic_write_text(
        out / "queries.md",
        queries_markdown(
            ranked,
            source,
            costs.attrs.get("skipped_keys", ()),
            costs.attrs.get("clojure_map_failed", ()),
        ),
    )
    return {"csv": csv, "md": md}


def queries_finding(ranked: pd.DataFrame, top: int = 3) -> dict[str, str]:
    """The report's answer: {sentence, status, why} naming the top patterns with their figures."""
    good = ranked[ranked["rank"].notna()]
    flagged = ranked[~ranked["equal"].astype(bool)]
    if good.empty:
        return {
            "sentence": "No query pattern could be ranked: no Datalevin (JVM) figure or every "
            "answer differed.",
            "status": "needs attention",
            "why": f"{len(flagged)} pattern(s) flagged"
            if len(flagged)
            else "Datalevin not measured",
        }

    def base(r: Mapping) -> str:
        jvm_basis = r.get("basis") == BASIS_JVM
        us = r["edn_jvm_median_us"] if jvm_basis else r["edn_median_us"]
        return f"{_fmt_us(us)} on the map{'' if jvm_basis else ' (Python emulation)'}"

    parts = [
        f"{r['pattern']} ({r['ratio']:,.1f}x: {base(r)}, {_fmt_us(r['jvm_median_us'])} in Datalog)"
        for r in good.head(top).to_dict("records")
    ]
    gains = int((good["ratio"] >= GAIN).sum())
    bases = set(good["basis"])
    over = (
        "the app's map as a Clojure map, both timed inside the JVM"
        if bases == {BASIS_JVM}
        else "the app's map (where not measured in the JVM: its Python emulation, marked)"
    )
    sentence = (
        f"Most valuable as Datalog: {'; '.join(parts)}. {gains} of {len(ranked)} patterns gain "
        f"{GAIN:g}x or more over {over}."
    )
    if len(flagged):
        status = "needs attention"
        why = f"{len(flagged)} pattern(s) answer differently on some store: {', '.join(flagged['pattern'])}"
    elif gains:
        status, why = "go", f"{gains} pattern(s) gain at least {GAIN:g}x and every answer matches"
    else:
        status = "needs attention"  # nothing gains: a design input, not a reason to stop the move
        why = f"no pattern gains {GAIN:g}x over the in-memory map in Datalog"
    nxt = (
        "keep the hot lookups on the app's in-memory map (the cached architectures) and use Datalog "
        "for the ranked queries"
        if status != "go"
        else ""
    )
    return {"sentence": sentence, "status": status, "why": why, "next": nxt}


def plot_queries(costs: pd.DataFrame) -> Any:
    """Median cost per call of each pattern on each store (log scale), IQR as whiskers."""
    import matplotlib.pyplot as plt
    import numpy as np

    from workbench.plots import titled

    order = list(rank_queries(costs)["pattern"])
    stores = [s for s in STORES if s in set(costs["store"])]
    fig, ax = plt.subplots(figsize=(10, max(4.0, 0.22 * len(order) * len(stores))))
    h = 0.8 / max(1, len(stores))
    y = np.arange(len(order))
    for i, store in enumerate(stores):
        g = costs[costs["store"] == store].set_index("pattern").reindex(order)
        med = g["median_us"].to_numpy(dtype=float)
        lo = np.clip(med - g["q1_us"].to_numpy(dtype=float), 0, None)
        hi = np.clip(g["q3_us"].to_numpy(dtype=float) - med, 0, None)
        ax.barh(y + i * h, med, height=h, xerr=[lo, hi], capsize=2, label=store)
    ax.set_yticks(y + h * (len(stores) - 1) / 2, order)
    ax.invert_yaxis()
    ax.set_xscale("log")
    titled(
        ax,
        "Query patterns: cost per call on each store (ranked, best gain from Datalog first)",
        "median cost per call (us, log scale); whiskers: interquartile range",
        "pattern",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    fig.tight_layout()
    return fig
