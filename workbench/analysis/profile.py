"""Profile a memory's data types: per kind, per attribute path, EDN type histograms and alerts.

Input is a `workbench.memory.model.Memory` or any iterable of entries (objects with `.key .value
.data_type .kind`, optionally `.length` = printed bytes in the file). Everything comes back as
pandas DataFrames inside a `Profile`:

- `Profile.types`: one row per (data_type, kind): entries, printed bytes (total, mean, p50, p95,
  max), share of all entries' printed bytes, key patterns (counted over the first 300 keys of
  each kind);
- `Profile.attributes`: one row per (kind, path) where a path walks into the value: a keyword key is
  its own segment, other map keys (ids, user names; any key of the top-level map of an
  id-keyed kind in `ID_KEYED`) are `*`, vector/list/set items are `[]`; the
  root is `(value)`. Columns: count, presence ratio, EDN type histogram (`t_<type>` columns and a
  `types` text), nil and NaN counts, distinct count and uniqueness ratio (scalars), top values when
  cardinality is low, numeric min/max, time range (epoch-ms longs and ISO strings), string and
  collection length statistics, max bytes. Per path at most 200,000 distinct scalars are kept;
  past that the value statistics describe those only (HIGH_CARDINALITY says so);
- `Profile.alerts`: severity, kind, path, alert, detail (alerts in `ALERTS`, tuned to Datalevin;
  most severe first, `SEVERITY`);
- `Profile.entries`: one row per entry (key, data_type, kind, bytes, time of the record);
- `Profile.times`: (kind, path, time) of every creation-like timestamp (timeline plots).

Plots (`plot_*`, `iter_plots`, `all_plots`) return matplotlib Figures with titles, units and
labelled axes. `Profile.stats[(kind, path)]` holds the raw accumulators `infer_schema` reads.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbench import edn
from workbench.analysis._profile_plots import (  # noqa: F401 - re-exported
    all_plots,
    iter_plots,
    plot_bytes_by_type,
    plot_presence_heatmap,
    plot_size_distribution,
    plot_timeline,
    plot_type_mix,
)
from workbench.analysis._profile_stats import (  # noqa: F401 - re-exported
    _DISTINCT_CAP,
    ALERTS,
    COLLECTION_TYPES,
    HIGH_CARDINALITY,
    ID_KEYED,
    ISO_RE,
    ITEMS,
    LONG_VALUE_BYTES,
    MAX_KEY_BYTES,
    MS_MAX,
    MS_MIN,
    PATTERN_SAMPLE,
    ROOT,
    SCALAR_TYPES,
    SEVERITY,
    TOP_VALUES,
    WILD,
    Profile,
    _Stat,
    _tag_text,
    _Walker,
    edn_type,
    iso_to_ms,
    path_text,
)
from workbench.edn.typename import EDN_TYPES


def _iter_entries(memory: Any) -> list:
    entries = getattr(memory, "entries", memory)
    return list(entries)


_PATTERN_SUBS = (
    (re.compile(r"[0-9a-f]{16,}"), "<hex>"),
    (re.compile(r"(?<!\d)\d{13}(?!\d)"), "<ms>"),
    (re.compile(r"\d+"), "<n>"),
)


def key_pattern(key: Any, user: str | None = None) -> str:
    """Generalise a printed key: hex ids, epoch ms and numbers replaced by placeholders."""
    text = edn.dumps(key) if not isinstance(key, edn.Keyword) else str(key)
    if user:
        text = text.replace(f":{user}/", ":<U>/").replace(f"/{user}/", "/<U>/")
        if text.endswith(f"/{user}"):
            text = text[: -len(user)] + "<U>"
    for rx, rep in _PATTERN_SUBS:
        text = rx.sub(rep, text)
    if isinstance(key, edn.Keyword) and key.namespace and ("<" in text or len(text) > 40):
        head = text.split("/", 1)[0]
        tail = text.split("/", 1)[1] if "/" in text else ""
        if not tail.startswith("<") and ("-" in tail or ":" in tail):
            tail = re.sub(r"^[^<]*", "<slug>", tail, count=1) if "<" in tail else "<name>"
        text = f"{head}/{tail}"
    return text


def _guess_user(entries: list) -> str | None:
    counts: Counter = Counter()
    for e in entries:
        k = e.key
        if isinstance(k, edn.Keyword) and k.namespace in ("projects", "builder-sessions"):
            counts[k.name] += 1
    return counts.most_common(1)[0][0] if counts else None


def _entry_bytes(e: Any) -> int:
    length = getattr(e, "length", None)
    if isinstance(length, int) and length > 0:
        return length
    return len(edn.dumps(e.key).encode("utf-8")) + 1 + len(edn.dumps(e.value).encode("utf-8"))


def profile(memory: Any, *, max_depth: int = 4, progress: bool = False) -> Profile:
    """Profile a memory (or iterable of entries) into DataFrames and alerts."""
    entries = _iter_entries(memory)
    walker = _Walker(max_depth)
    user = _guess_user(entries)
    rows = []
    sampled: dict[str, Counter] = {}
    iterator: Iterable = entries
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(entries, desc="profile", unit="entry")
    for e in iterator:
        kind = e.kind or "other"
        t = walker.walk(walker.root(kind), e.value, kind in ID_KEYED)
        rows.append(
            (
                edn.dumps(e.key) if not isinstance(e.key, edn.Keyword) else str(e.key),
                e.data_type or "Other",
                kind,
                _entry_bytes(e),
                t,
            )
        )
        seen = sampled.get(kind)
        if seen is None:
            seen = sampled[kind] = Counter()
        if seen.total() < PATTERN_SAMPLE:
            seen[key_pattern(e.key, user)] += 1
    ent = pd.DataFrame(rows, columns=["key", "data_type", "kind", "bytes", "time_ms"])
    ent["time"] = pd.to_datetime(ent["time_ms"], unit="ms", utc=True)
    stats = {}
    for st in walker.all:
        st.finish()
        stats[(st.kind, st.path)] = st
    types = _types_frame(ent, sampled)
    attrs = _attributes_frame(stats)
    alerts = _alerts(stats, attrs, ent)
    times = pd.DataFrame(
        [(k, path_text(st.path), ms) for k, st, ms in walker.times],
        columns=["kind", "path", "time_ms"],
    )
    times["time"] = pd.to_datetime(times["time_ms"], unit="ms", utc=True)
    return Profile(
        types=types,
        attributes=attrs,
        alerts=alerts,
        entries=ent,
        times=times,
        stats=stats,
        max_depth=max_depth,
    )


def _types_frame(ent: pd.DataFrame, patterns: dict[str, Counter]) -> pd.DataFrame:
    total = int(ent["bytes"].sum()) or 1
    out = []
    for (dt, kind), g in ent.groupby(["data_type", "kind"], sort=True):
        b = g["bytes"]
        pats = patterns.get(kind, Counter()).most_common()
        shown = "; ".join(f"{p} ({n})" for p, n in pats[:3])
        if len(pats) > 3:
            shown += f"; +{len(pats) - 3} more"
        if len(g) > PATTERN_SAMPLE:
            shown += f" (first {PATTERN_SAMPLE} keys)"
        out.append(
            {
                "data_type": dt,
                "kind": kind,
                "entries": len(g),
                "bytes_total": int(b.sum()),
                "bytes_mean": float(b.mean()),
                "bytes_p50": float(b.quantile(0.5)),
                "bytes_p95": float(b.quantile(0.95)),
                "bytes_max": int(b.max()),
                "share": float(b.sum()) / total,
                "key_patterns": shown,
            }
        )
    cols = [
        "data_type",
        "kind",
        "entries",
        "bytes_total",
        "bytes_mean",
        "bytes_p50",
        "bytes_p95",
        "bytes_max",
        "share",
        "key_patterns",
    ]
    return pd.DataFrame(out, columns=cols).sort_values(
        "bytes_total", ascending=False, ignore_index=True
    )


def _fmt(v: Any) -> str:
    text = _tag_text(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _top(counts: dict, n: int | None = TOP_VALUES) -> list:
    return sorted(counts.items(), key=lambda kv: -kv[1])[:n]


def _attributes_frame(stats: dict) -> pd.DataFrame:
    rows = []
    # with no entry, one blank accumulator gives the columns and its row is dropped below
    for (kind, path), st in (stats or {("", ()): _Stat()}).items():
        parent = stats.get((kind, path[:-1])) if path else None
        last = path[-1] if path else None
        if path and type(last) is edn.Keyword and parent is not None and parent.maps:
            presence = st.count / parent.maps
        elif not path:
            presence = 1.0
        else:
            presence = math.nan
        scalars = sum(n for t, n in st.types.items() if t in SCALAR_TYPES)
        distinct = len(st.values) if scalars else 0
        top = ""
        if 0 < distinct <= TOP_VALUES and not st.overflow:
            top = ", ".join(f"{_fmt(v)} ({n})" for (_t, v), n in _top(st.values))
        row = {
            "kind": kind,
            "path": path_text(path),
            "depth": len(path),
            "count": st.count,
            "presence": presence,
            "types": ", ".join(f"{t}:{n}" for t, n in _top(st.types, None)),
            "nil": st.nil,
            "nan": st.nan,
            "nil_keys": st.nil_keys,
            "scalars": scalars,
            "distinct": distinct,
            "unique_ratio": distinct / scalars if scalars else math.nan,
            "top_values": top,
            "min": st.num_min if st.num_min is not None else math.nan,
            "max": st.num_max if st.num_max is not None else math.nan,
            "time_min": pd.to_datetime(st.t_min, unit="ms", utc=True) if st.t_min else pd.NaT,
            "time_max": pd.to_datetime(st.t_max, unit="ms", utc=True) if st.t_max else pd.NaT,
            "iso_strings": st.iso,
            "ms_longs": st.ms,
            "str_len_min": st.s_min,
            "str_len_mean": st.s_sum / st.s_n if st.s_n else math.nan,
            "str_len_max": st.s_max,
            "coll_len_min": st.c_min,
            "coll_len_mean": st.c_sum / st.c_n if st.c_n else math.nan,
            "coll_len_max": st.c_max,
            "max_bytes": st.max_bytes,
        }
        for t in EDN_TYPES:
            row[f"t_{t}"] = st.types.get(t, 0)
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        for c in ("min", "max"):
            df[c] = pd.to_numeric(
                df[c].map(lambda v: float(v) if v is not None else math.nan), errors="coerce"
            )
        df = df.sort_values(["kind", "depth", "path"], ignore_index=True)
    return df if stats else df.iloc[0:0]


def _alerts(stats: dict, attrs: pd.DataFrame, ent: pd.DataFrame) -> pd.DataFrame:
    out: list[tuple[str, str, str, str]] = []
    for (kind, path), st in stats.items():
        p = path_text(path)
        non_nil = {t: n for t, n in st.types.items() if t != "nil"}
        scalars = sum(n for t, n in non_nil.items() if t in SCALAR_TYPES)
        distinct = len(st.values)
        if len(non_nil) > 1 and set(non_nil) != {"list", "vector"}:
            out.append(
                (kind, p, "MIXED_TYPES", ", ".join(f"{t}:{n}" for t, n in sorted(non_nil.items())))
            )
        if "list" in non_nil and "vector" in non_nil:
            out.append(
                (
                    kind,
                    p,
                    "LIST_AND_VECTOR",
                    f"{non_nil['list']} lists and {non_nil['vector']} vectors",
                )
            )
        if st.count and st.nil / st.count >= 0.5:
            out.append((kind, p, "MOSTLY_NIL", f"{st.nil} of {st.count} values are nil"))
        if st.nil or st.nan or st.nil_keys:
            parts = [
                f"{n} {w}"
                for n, w in ((st.nil, "nil"), (st.nan, "NaN"), (st.nil_keys, "nil map keys"))
                if n
            ]
            out.append((kind, p, "NIL_OR_NAN", ", ".join(parts) + ": Datalevin cannot store them"))
        if scalars >= 2 and scalars == sum(non_nil.values()) and not st.overflow:
            if distinct == 1:
                ((_t, v),) = st.values.keys()
                out.append((kind, p, "CONSTANT", f"always {_fmt(v)} ({scalars} values)"))
            elif distinct == scalars:
                out.append(
                    (kind, p, "UNIQUE", f"{distinct} distinct of {scalars}: identity candidate")
                )
            elif distinct >= HIGH_CARDINALITY and distinct / scalars >= 0.5:
                out.append((kind, p, "HIGH_CARDINALITY", f"{distinct} distinct of {scalars}"))
        elif st.overflow:
            out.append((kind, p, "HIGH_CARDINALITY", f"over {_DISTINCT_CAP} distinct values"))
        if st.n_too_long:
            out.append(
                (
                    kind,
                    p,
                    "TOO_LONG_FOR_KEY",
                    f"{st.n_too_long} values over {MAX_KEY_BYTES} bytes (max {st.max_bytes})",
                )
            )
        if st.n_long:
            out.append(
                (
                    kind,
                    p,
                    "LONG_VALUE",
                    f"{st.n_long} values over {LONG_VALUE_BYTES} bytes (max {st.max_bytes})",
                )
            )
        if st.iso:
            out.append((kind, p, "TIME_AS_STRING", f"{st.iso} ISO-8601 strings"))
    # NAMESPACE_DROPPED: same name with and without namespace under one parent path
    children: dict[tuple, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for kind, path in stats:
        if path and type(path[-1]) is edn.Keyword:
            children[(kind, path[:-1])][path[-1].name].add(path[-1].namespace)
    for (kind, parent), names in children.items():
        for name, nss in names.items():
            if None in nss and len(nss) > 1:
                qualified = sorted(f":{ns}/{name}" for ns in nss if ns is not None)
                out.append(
                    (
                        kind,
                        path_text(parent + (edn.Keyword(None, name),)),
                        "NAMESPACE_DROPPED",
                        f"also seen as {', '.join(qualified)}",
                    )
                )
    # keys too long for a Datalevin key
    for key, kind in zip(ent["key"], ent["kind"], strict=True):
        n = len(key.encode("utf-8"))
        if n > MAX_KEY_BYTES:
            out.append(
                (kind, "(key)", "TOO_LONG_FOR_KEY", f"printed key {key[:40]}... is {n} bytes")
            )
    df = pd.DataFrame(out, columns=["kind", "path", "alert", "detail"])
    df.insert(0, "severity", df["alert"].map(lambda a: SEVERITY[a][1]))
    rank = {a: (SEVERITY[a], i) for i, a in enumerate(ALERTS)}
    return df.sort_values(
        ["alert", "kind", "path"],
        key=lambda s: s.map(rank) if s.name == "alert" else s,
        ignore_index=True,
    )
