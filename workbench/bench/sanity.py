"""Measured in-JVM Datalevin throughput beside the published figures in migration-plan.md, and why.

``published_sanity(frame, decomposition)`` is pure: it takes the JVM engine's results (``run_jvm``'s
frame) and, optionally, the decomposition steps (``workbench.bench.decompose.run_decomposition``)
and returns one row per published figure with the measured rate, the ratio and, where they differ
by more than 3x, why. ``gap_factors`` splits each ratio into measured factors whose product is
the ratio: machine (the published benchmark's own data shape, warm, on this machine, against the
published figure), data (our entries against that shape, warm; for Datalog, first our blob as the
value, then our whole entities) and cold first load (the measured figure, the store's first load
into an empty store, often among the JVM's first transactions, against our entries warm). The
"why" sentence is made from those factors, names the largest and gives the load average the
steps ran under; without decomposition rows it states the run's facts and says it was not
decomposed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["PUBLISHED", "PUBLISHED_SOURCE", "published_sanity", "gap_factors"]

PUBLISHED_SOURCE = (
    "Datalevin's benchmarks/write-bench (README tables; src/datalevin_bench/core.clj): 1M writes "
    "into an empty store, default flags, an 8-byte long key and a 36-character random UUID "
    "string per KV pair, {:k long :v string} per Datalog entity"
)


@dataclass(frozen=True)
class Published:
    """One published figure: what, the range (per second), which store and op measure it here,
    (the published benchmark's data: PUBLISHED_SOURCE)."""

    figure: str
    low: float
    high: float
    store: str
    op: str  # "save" (a rate of 1e6 / p50 us) or "bulk-load" (its per_s)
    unit: str


#: migration-plan.md, "Published figures (JVM)". The Datalog 15k-40k is the write-bench README's
#: range for transact-async "regardless the batch sizes"; its transact! at batch 1,000 is plotted
#: inside it (throughput-1000.png).
PUBLISHED: tuple[Published, ...] = (
    Published(
        "KV, one durable write at a time", 232, 232, "datalevin-kv[default]", "save", "writes/s"
    ),
    Published(
        "KV, batches of 1,000", 224_000, 224_000, "datalevin-kv[default]", "bulk-load", "writes/s"
    ),
    Published(
        "Datalog, durable writes",
        15_000,
        40_000,
        "datalevin-datalog[default]",
        "bulk-load",
        "entities/s",
    ),
)

#: figure -> the factors' (name, step giving the rate, or None: the measured figure itself)
_CHAIN: dict[str, tuple[tuple[str, str | None], ...]] = {
    "KV, one durable write at a time": (("machine", "kv-one-published"), ("data", None)),
    "KV, batches of 1,000": (
        ("machine", "kv-batch-published"),
        ("data", "kv-batch-ours"),
        ("cold first load", None),
    ),
    "Datalog, durable writes": (
        ("machine", "datalog-published"),
        ("blob", "datalog-blob"),
        ("entity structure", "datalog-ours"),
        ("cold first load", None),
    ),
}


def _measured(p: Published, row: pd.Series) -> float:
    return 1e6 / row["p50_us"] if p.op == "save" else float(row["per_s"])


def _reference(p: Published, rate: float) -> float:
    """The published bound nearest to rate (rate itself inside the range)."""
    return p.low if rate < p.low else p.high if rate > p.high else rate


def _step(dec: pd.DataFrame | None, dataset: str, step: str) -> pd.Series | None:
    if dec is None or dec.empty:
        return None
    sel = dec[(dec["step"] == step) & dec["dataset"].isin(["", dataset])]
    return sel.iloc[0] if len(sel) else None


def _factor_rows(p: Published, row: pd.Series, dec: pd.DataFrame | None, ds: str) -> list[dict]:
    rate = _measured(p, row)
    ref = _reference(p, rate)
    rows, prev = [], ref
    for name, step in _CHAIN[p.figure]:
        hit = _step(dec, ds, step) if step else None
        if step is None:
            here = rate
            cond = (
                f"measured: {row['store']} {p.op}"
                + (
                    f", {int(row['n'])} batch(es) from the store's first load"
                    if p.op != "save"
                    else ""
                )  # fmt: skip
            )
        else:
            here = float(hit["per_s"]) if hit is not None else math.nan
            cond = str(hit["condition"]) if hit is not None else f"{step}: not measured"
        rows.append(
            {
                "dataset": ds,
                "figure": p.figure,
                "factor": name,
                "condition": cond,
                "per_s": here,
                "x": here / prev if prev and not math.isnan(prev) else math.nan,
            }
        )
        prev = here
    return rows


def gap_factors(frame: pd.DataFrame, decomposition: pd.DataFrame | None) -> pd.DataFrame:
    """The gap to each published figure as factors (dataset, figure, factor, condition, per_s,
    x): x is each condition's rate over the previous one's, starting from the published bound
    nearest the measured rate, so the factors multiply to the sanity table's ratio."""
    jvm = frame[frame["engine"] == "jvm"] if "engine" in frame else frame
    rows = []
    for ds in dict.fromkeys(jvm["dataset"]):
        sel = jvm[jvm["dataset"] == ds]
        for p in PUBLISHED:
            hit = sel[(sel["store"] == p.store) & (sel["op"] == p.op)]
            if len(hit):
                rows.extend(_factor_rows(p, hit.iloc[0], decomposition, ds))
    cols = ["dataset", "figure", "factor", "condition", "per_s", "x"]
    return pd.DataFrame(rows, columns=cols)


def _load_text(dec: pd.DataFrame | None, row: pd.Series) -> str:
    if dec is None or dec.empty or dec["load_1m"].isna().all():
        return ""
    lo, hi, cpus = dec["load_1m"].min(), dec["load_1m"].max(), int(dec["cpus"].max())
    span = f"{lo:.2f}" if math.isclose(lo, hi, abs_tol=0.005) else f"{lo:.2f}-{hi:.2f}"
    measured = row.get("load_1m", math.nan)
    when = "" if pd.isna(measured) else f" ({measured:.2f} as the measured store's run began)"
    return f"; load average (1 min) {span} on {cpus} CPUs while the steps ran{when}"


def _facts(p: Published, row: pd.Series) -> str:
    per_entry = row["file_bytes"] / max(1, row["entries"])
    return f"{int(row['entries']):,} entries, {per_entry:,.0f} bytes on disk per entry"


def _extra(p: Published, dec: pd.DataFrame | None, ds: str, row: pd.Series) -> str:
    """The figure's side measurement: fsync alone, nippy's share, datoms per entity."""
    if p.op == "save":
        fs = _step(dec, ds, "fsync")
        if fs is None:
            return ""
        commit_ms = row["p50_us"] / 1e3
        return (
            f"; a 4 KB overwrite + fdatasync alone takes {fs['p50_ms']:.2f} ms here, our durable "
            f"write {commit_ms:.2f} ms ({commit_ms / fs['p50_ms']:.1f} of them), the published "
            f"232/s {1e3 / p.low:.1f} ms"
        )
    if p.unit == "writes/s":
        ours, nip = _step(dec, ds, "kv-batch-ours"), _step(dec, ds, "nippy")
        if ours is None or nip is None:
            return ""
        return (
            f"; our values are {ours['value_bytes']:,.0f} bytes each after nippy against 36, and "
            f"nippy encoding alone takes {nip['p50_ms']:.2f} ms of our {ours['p50_ms']:.2f} ms "
            f"per warm batch ({100 * nip['p50_ms'] / ours['p50_ms']:.0f}%)"
        )
    pub, ours = _step(dec, ds, "datalog-published"), _step(dec, ds, "datalog-ours")
    if pub is None or ours is None:
        return ""
    pub_d, our_d = pub["datoms_per_entity"], ours["datoms_per_entity"]
    return (
        f"; our entities carry {our_d:.1f} datoms each against {pub_d:.1f} and a "
        f"{ours['value_bytes']:,.0f}-byte blob: per datom, {ours['per_s'] * our_d:,.0f} datoms/s "
        f"against the published shape's {pub['per_s'] * pub_d:,.0f}"
    )


def _why(p: Published, row: pd.Series, ratio: float, dec: pd.DataFrame | None, ds: str) -> str:
    factors = _factor_rows(p, row, dec, ds)
    if any(math.isnan(f["x"]) for f in factors):
        if p.op == "save":
            return (
                f"one durable write takes {row['p50_us'] / 1e3:.2f} ms (p50) here against "
                f"{1e3 / p.low:.1f} ms per write behind the published {p.low:,.0f}/s "
                f"({_facts(p, row)}); not decomposed in this run"
            )
        cold = f"{int(row['n'])} batch(es) of 1,000 from the store's first load; " if row[
            "n"] < 10 else ""  # fmt: skip
        return f"{cold}{_facts(p, row)}; not decomposed in this run"
    parts = [
        f"{f['factor']} x{f['x']:.2g} ({f['condition']}: {f['per_s']:,.0f}/s)" for f in factors
    ]
    largest = max(factors, key=lambda f: abs(math.log(f["x"])) if f["x"] > 0 else 0.0)
    bound = f"{p.low:,.0f}" if p.low == p.high else f"{p.low:,.0f}-{p.high:,.0f}"
    return (
        f"x{ratio:.2g} the published {bound} {p.unit} = {' * '.join(parts)}; mostly "
        f"{largest['factor']}{_extra(p, dec, ds, row)}{_load_text(dec, row)}"
    )


def published_sanity(
    frame: pd.DataFrame, decomposition: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per published figure and dataset: published range, measured rate (per second,
    taken inside the JVM), ratio measured / nearest published bound (1 within the range),
    within_3x, and why where they differ by more than 3x (from the decomposition's measured
    factors when given). Rows whose store was not measured say so."""
    rows = []
    jvm = frame[frame["engine"] == "jvm"] if "engine" in frame else frame
    datasets = list(dict.fromkeys(jvm["dataset"])) if len(jvm) else [""]
    for ds in datasets:
        sel = jvm[jvm["dataset"] == ds]
        for p in PUBLISHED:
            hit = sel[(sel["store"] == p.store) & (sel["op"] == p.op)]
            base = {
                "dataset": ds,
                "figure": p.figure,
                "unit": p.unit,
                "published_low": float(p.low),
                "published_high": float(p.high),
                "store": p.store,
            }
            if hit.empty:
                rows.append(
                    {
                        **base,
                        "measured_per_s": math.nan,
                        "ratio": math.nan,
                        "within_3x": None,
                        "why": "not measured in this run",
                    }  # fmt: skip
                )
                continue
            row = hit.iloc[0]
            rate = _measured(p, row)
            ratio = rate / _reference(p, rate)
            within = 1 / 3 <= ratio <= 3
            rows.append(
                {
                    **base,
                    "entries": int(row["entries"]),
                    "measured_per_s": rate,
                    "ratio": ratio,
                    "within_3x": within,
                    "why": "" if within else _why(p, row, ratio, decomposition, ds),
                }
            )
    return pd.DataFrame(rows)
