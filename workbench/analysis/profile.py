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
- `Profile.alerts`: kind, path, alert, detail (alerts in `ALERTS`, tuned to Datalevin);
- `Profile.entries`: one row per entry (key, data_type, kind, bytes, time of the record);
- `Profile.times`: (kind, path, time) of every creation-like timestamp (timeline plots).

Plots (`plot_*`, `iter_plots`, `all_plots`) return matplotlib Figures with titles, units and
labelled axes. `Profile.stats[(kind, path)]` holds the raw accumulators `infer_schema` reads.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from workbench import edn
from workbench.edn.typename import EDN_TYPES, INT64_MAX, INT64_MIN
from workbench.edn.typename import TYPE_BY_CLASS as _TYPE_BY_CLASS
from workbench.edn.typename import type_name as edn_type

COLLECTION_TYPES = frozenset({"vector", "list", "set", "map"})
SCALAR_TYPES = frozenset(EDN_TYPES) - COLLECTION_TYPES - {"nil", "tagged"}

ALERTS = (
    "MIXED_TYPES",
    "MOSTLY_NIL",
    "CONSTANT",
    "UNIQUE",
    "HIGH_CARDINALITY",
    "NIL_OR_NAN",
    "LONG_VALUE",
    "TOO_LONG_FOR_KEY",
    "TIME_AS_STRING",
    "LIST_AND_VECTOR",
    "NAMESPACE_DROPPED",
)
LONG_VALUE_BYTES = 497  # Datalevin keeps longer values whole in a side table
MAX_KEY_BYTES = 511  # Datalevin's limit for keys and attribute names
HIGH_CARDINALITY = 50  # distinct values from which a non-unique attribute is "high"
PATTERN_SAMPLE = 300  # key patterns are counted over the first keys of each kind
TOP_VALUES = 10  # top values are listed when distinct <= this
MS_MIN, MS_MAX = 946684800000, 4102444800000  # 2000-01-01 .. 2100-01-01 as epoch ms
_DISTINCT_CAP = 200_000
ROOT = "(value)"
# kinds whose top-level map is keyed by ids or user names (keywords included): segment `*`
ID_KEYED = frozenset(
    {
        "projects",
        "builder-sessions",
        "presence",
        "comments",
        "versions",
        "learning-index",
        "review-index",
        "tag-index",
    }
)
WILD = "*"
ITEMS = "[]"
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")
_TIME_NAME_RE = re.compile(r"created|timestamp|joined-at|saved-at|queued-at")


def iso_to_ms(text: str) -> int | None:
    """Epoch milliseconds of an ISO-8601 string, or None when it is not one."""
    if not ISO_RE.match(text):
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def path_text(path: tuple) -> str:
    """Printed form of a path tuple: segments joined by '.', root shown as '(value)'."""
    return ".".join(str(s) for s in path) if path else ROOT


def _iter_entries(memory: Any) -> list:
    entries = getattr(memory, "entries", memory)
    return list(entries)


class _Stat:
    """Accumulator for one (kind, path). During the walk only counts, the type histogram and the
    distinct scalar values (with their counts) are kept; `finish()` derives the rest from them."""

    __slots__ = (
        "kind",
        "path",
        "kids",
        "timey",
        "count",
        "maps",
        "types",
        "nil",
        "nan",
        "values",
        "overflow",
        "num_min",
        "num_max",
        "t_min",
        "t_max",
        "iso",
        "ms",
        "s_n",
        "s_sum",
        "s_min",
        "s_max",
        "c_lens",
        "c_n",
        "c_sum",
        "c_min",
        "c_max",
        "max_bytes",
        "n_long",
        "n_too_long",
        "nil_keys",
    )

    def __init__(self, kind: str = "", path: tuple = ()) -> None:
        self.kind, self.path = kind, path
        self.kids: dict = {}
        last = path[-1] if path else None
        self.timey = type(last) is edn.Keyword and bool(_TIME_NAME_RE.search(last.name))
        self.count = self.maps = self.nil = self.nan = self.iso = self.ms = 0
        self.types: dict[str, int] = {}
        self.values: dict = {}
        self.overflow = False
        self.num_min = self.num_max = self.t_min = self.t_max = None
        self.s_n = self.s_sum = self.c_n = self.c_sum = 0
        self.s_min = self.s_max = self.c_min = self.c_max = None
        self.c_lens: list[int] = []
        self.max_bytes = self.n_long = self.n_too_long = self.nil_keys = 0

    def finish(self) -> None:
        """Derive length, range, time and size statistics from the distinct values."""
        if self.c_lens:
            cl = self.c_lens
            self.c_n, self.c_sum, self.c_min, self.c_max = len(cl), sum(cl), min(cl), max(cl)
        for (t, v), n in self.values.items():
            ms = None
            if t == "string":
                ln = len(v)
                self.s_n += n
                self.s_sum += ln * n
                if self.s_min is None or ln < self.s_min:
                    self.s_min = ln
                if self.s_max is None or ln > self.s_max:
                    self.s_max = ln
                b = ln if v.isascii() else len(v.encode("utf-8"))
                if 16 <= ln <= 40 and v[:2].isdigit():
                    ms = iso_to_ms(v)
                    if ms is not None:
                        self.iso += n
            elif t in ("long", "double", "bigint", "bigdec", "ratio"):
                if self.num_min is None or v < self.num_min:
                    self.num_min = v
                if self.num_max is None or v > self.num_max:
                    self.num_max = v
                if t == "long" and MS_MIN <= v <= MS_MAX:
                    self.ms += n
                    ms = v
                b = 8 if t in ("long", "double") else len(str(v))
            elif t == "keyword" or t == "symbol":
                b = len(str(v).encode("utf-8")) - (1 if t == "keyword" else 0)
            elif t == "inst":
                b = 8
                try:
                    ms = int(v.to_datetime().timestamp() * 1000)
                except Exception:  # noqa: BLE001 - an odd #inst only loses its time range
                    ms = None
            else:
                b = 16
            if b > self.max_bytes:
                self.max_bytes = b
            if b > LONG_VALUE_BYTES:
                self.n_long += n
                if b > MAX_KEY_BYTES:
                    self.n_too_long += n
            if ms is not None:
                if self.t_min is None or ms < self.t_min:
                    self.t_min = ms
                if self.t_max is None or ms > self.t_max:
                    self.t_max = ms


@dataclass
class Profile:
    """The result of `profile()`: DataFrames plus the raw accumulators used by schema inference."""

    types: pd.DataFrame
    attributes: pd.DataFrame
    alerts: pd.DataFrame
    entries: pd.DataFrame
    times: pd.DataFrame
    stats: dict = field(default_factory=dict, repr=False)
    max_depth: int = 4

    def stat(self, kind: str, path: tuple) -> _Stat | None:
        """The accumulator of one (kind, path), or None."""
        return self.stats.get((kind, path))

    def alert_counts(self) -> dict[str, int]:
        """Number of alerts per alert name (every alert name present, zero when none)."""
        counts = Counter(self.alerts["alert"]) if len(self.alerts) else Counter()
        return {a: int(counts.get(a, 0)) for a in ALERTS}


class _Walker:
    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.roots: dict[str, _Stat] = {}
        self.all: list[_Stat] = []
        self.times: list[tuple[str, _Stat, int]] = []

    def root(self, kind: str) -> _Stat:
        st = self.roots.get(kind)
        if st is None:
            st = self.roots[kind] = _Stat(kind, ())
            self.all.append(st)
        return st

    def _kid(self, st: _Stat, seg: Any) -> _Stat:
        kid = _Stat(st.kind, st.path + (seg,))
        st.kids[seg] = kid
        self.all.append(kid)
        return kid

    def walk(self, st: _Stat, value: Any, ids: bool = False) -> int | None:
        """Record one value at st's path; return the smallest creation-like time (ms) below."""
        st.count += 1
        cls = type(value)
        t = _TYPE_BY_CLASS.get(cls)
        if t is None:
            t = edn_type(value)
        elif cls is int and not INT64_MIN <= value <= INT64_MAX:
            t = "bigint"
        types = st.types
        types[t] = types.get(t, 0) + 1
        if t in COLLECTION_TYPES:
            st.c_lens.append(len(value))
            if len(st.path) >= self.max_depth:
                return None
            found = None
            kids = st.kids
            if t == "map":
                st.maps += 1
                for k, v in value.items():
                    if type(k) is edn.Keyword and not ids:
                        seg = k
                    else:
                        seg = WILD
                        if k is None:
                            st.nil_keys += 1
                    kid = kids.get(seg) or self._kid(st, seg)
                    ft = self.walk(kid, v)
                    if ft is not None and (found is None or ft < found):
                        found = ft
            else:
                kid = kids.get(ITEMS) or self._kid(st, ITEMS)
                for v in value:
                    ft = self.walk(kid, v)
                    if ft is not None and (found is None or ft < found):
                        found = ft
            return found
        if t == "nil":
            st.nil += 1
            return None
        if t == "double" and value != value:
            st.nan += 1
            return None
        if not st.overflow:
            vals = st.values
            key = (t, value) if t != "tagged" else (t, _tag_text(value))
            vals[key] = vals.get(key, 0) + 1
            if len(vals) > _DISTINCT_CAP:
                st.overflow = True
        if st.timey:
            ms = None
            if t == "long":
                if MS_MIN <= value <= MS_MAX:
                    ms = value
            elif t == "string":
                ms = iso_to_ms(value)
            elif t == "inst":
                try:
                    ms = int(value.to_datetime().timestamp() * 1000)
                except Exception:  # noqa: BLE001
                    ms = None
            if ms is not None:
                self.times.append((st.kind, st, ms))
            return ms
        return None


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


def _tag_text(value: Any) -> str:
    try:
        return edn.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _top(counts: dict, n: int | None = TOP_VALUES) -> list:
    return sorted(counts.items(), key=lambda kv: -kv[1])[:n]


def _attributes_frame(stats: dict) -> pd.DataFrame:
    rows = []
    for (kind, path), st in stats.items():
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
    return df


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
    order = {a: i for i, a in enumerate(ALERTS)}
    return df.sort_values(
        ["kind", "path", "alert"],
        key=lambda s: s.map(order) if s.name == "alert" else s,
        ignore_index=True,
    )


# ----------------------------------------------------------------------------------------- plots


def plot_bytes_by_type(prof: Profile):
    """Bar charts of entries and printed kilobytes per data type and kind."""
    import matplotlib.pyplot as plt

    t = prof.types.sort_values("bytes_total")
    labels = [f"{d} / {k}" for d, k in zip(t["data_type"], t["kind"], strict=True)]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, max(3, 0.35 * len(t) + 1.5)), sharey=True)
    a1.barh(labels, t["entries"], color="tab:blue")
    a1.set_xlabel("entries (count)")
    a1.set_ylabel("data type / kind")
    a1.set_title("Entries by type")
    a2.barh(labels, t["bytes_total"] / 1024, color="tab:orange")
    a2.set_xlabel("printed size (KiB)")
    a2.set_title("Printed bytes by type")
    fig.suptitle("memory.edn content by data type")
    fig.tight_layout()
    return fig


def plot_presence_heatmap(prof: Profile, kind: str, max_rows: int = 40):
    """Heatmap of the presence ratio of each keyword attribute path of one kind (annotated)."""
    import matplotlib.pyplot as plt

    a = prof.attributes
    a = a[(a["kind"] == kind) & a["presence"].notna() & (a["depth"] > 0)].head(max_rows)
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.3 * len(a) + 1.5)))
    if len(a):
        im = ax.imshow(a[["presence"]].to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_yticks(range(len(a)), a["path"].tolist(), fontsize=8)
        for i, v in enumerate(a["presence"]):
            ax.text(
                0,
                i,
                f"{v:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if v > 0.5 else "white",
            )
        fig.colorbar(im, ax=ax, label="presence (ratio 0..1)")
    ax.set_xticks([0], ["presence"])
    ax.set_xlabel("share of parent maps holding the key (ratio)")
    ax.set_ylabel("attribute path")
    ax.set_title(f"Attribute presence: {kind}")
    fig.tight_layout()
    return fig


def plot_type_mix(prof: Profile, kind: str | None = None, max_rows: int = 40):
    """Stacked bars of EDN types per attribute path (all kinds or one)."""
    import matplotlib.pyplot as plt

    a = prof.attributes
    if kind is not None:
        a = a[a["kind"] == kind]
    a = a[a["depth"] > 0].head(max_rows)
    cols = [t for t in EDN_TYPES if f"t_{t}" in a and a[f"t_{t}"].sum() > 0]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.3 * len(a) + 1.5)))
    left = pd.Series(0.0, index=a.index)
    labels = (a["kind"] + " " + a["path"]) if kind is None else a["path"]
    for t in cols:
        share = a[f"t_{t}"] / a["count"].where(a["count"] > 0, 1)
        ax.barh(labels, share, left=left, label=t)
        left = left + share
    ax.set_xlabel("share of values (ratio)")
    ax.set_ylabel("attribute path")
    ax.set_title(f"EDN type mix per attribute{'' if kind is None else ': ' + kind}")
    if cols:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_timeline(prof: Profile, freq: str = "W"):
    """Stacked area of records per kind over time (creation-like timestamps), per period."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    t = prof.times
    label = {"D": "day", "W": "week", "MS": "month", "M": "month"}.get(freq, freq)
    if len(t):
        counts = (
            t.assign(n=1)
            .set_index("time")
            .groupby("kind")
            .resample(freq)["n"]
            .sum()
            .unstack(0)
            .fillna(0)
            .sort_index()
        )
        counts = counts[counts.sum().sort_values(ascending=False).index]
        ax.stackplot(
            counts.index,
            counts.to_numpy().T,
            labels=list(counts.columns),
            colors=plt.cm.tab20.colors[: len(counts.columns)],
        )
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel(f"records per {label} (count)")
    ax.set_title("Timeline of records per kind (creation-like timestamps)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_size_distribution(prof: Profile):
    """Box plots of printed entry sizes per kind (log scale)."""
    import matplotlib.pyplot as plt

    e = prof.entries
    kinds = sorted(e["kind"].unique())
    fig, ax = plt.subplots(figsize=(10, max(3, 0.35 * len(kinds) + 1.5)))
    if kinds:
        ax.boxplot(
            [e.loc[e["kind"] == k, "bytes"].to_numpy() for k in kinds], orientation="horizontal"
        )
        ax.set_yticks(range(1, len(kinds) + 1), kinds)
        ax.set_xscale("log")
    ax.axvline(LONG_VALUE_BYTES, color="red", linestyle="--", label="497 B (Datalevin long value)")
    ax.set_xlabel("printed entry size (bytes, log scale)")
    ax.set_ylabel("kind")
    ax.set_title("Entry size distribution per kind")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def iter_plots(prof: Profile, max_heatmaps: int = 8) -> Iterator[tuple[str, Any]]:
    """Yield (file-friendly name, Figure) for every profile plot, one at a time; presence heatmaps
    for the `max_heatmaps` kinds with the most entries that have keyword attributes."""
    yield "bytes_by_type", plot_bytes_by_type(prof)
    yield "type_mix", plot_type_mix(prof)
    yield "timeline", plot_timeline(prof)
    yield "size_distribution", plot_size_distribution(prof)
    a = prof.attributes
    with_attrs = set(a.loc[a["presence"].notna() & (a["depth"] > 0), "kind"])
    order = prof.types.groupby("kind")["entries"].sum().sort_values(ascending=False)
    kinds = [k for k in order.index if k in with_attrs][:max_heatmaps]
    for kind in kinds:
        yield f"presence_{re.sub(r'[^A-Za-z0-9_-]', '_', kind)}", plot_presence_heatmap(prof, kind)


def all_plots(prof: Profile, max_heatmaps: int = 8) -> dict[str, Any]:
    """Every profile plot keyed by a file-friendly name (see iter_plots)."""
    return dict(iter_plots(prof, max_heatmaps))
