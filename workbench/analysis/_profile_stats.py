"""The accumulators behind `profile()`: constants, one `_Stat` per (kind, path), the walker, and
the `Profile` result."""

from __future__ import annotations

import re
from collections import Counter
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
#: alert -> (rank, severity) for the migration; rank 1 is the most severe (alerts are listed by it).
SEVERITY = {
    "NIL_OR_NAN": (1, "blocking"),
    "TOO_LONG_FOR_KEY": (1, "blocking"),
    "MIXED_TYPES": (2, "shaping the mapping"),
    "LIST_AND_VECTOR": (2, "shaping the mapping"),
    "TIME_AS_STRING": (2, "shaping the mapping"),
    "NAMESPACE_DROPPED": (2, "shaping the mapping"),
    "LONG_VALUE": (2, "shaping the mapping"),
    "MOSTLY_NIL": (3, "informational"),
    "CONSTANT": (3, "informational"),
    "HIGH_CARDINALITY": (3, "informational"),
    "UNIQUE": (3, "informational"),
}
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


def _tag_text(value: Any) -> str:
    try:
        return edn.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


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

    def alerts_in_words(self) -> str:
        """The alerts counted per severity, most severe first: "8 blocking (NIL_OR_NAN 7, ...); ..."."""
        groups: dict[tuple[int, str], list[tuple[str, int]]] = {}
        for alert, n in self.alert_counts().items():
            if n:
                groups.setdefault(SEVERITY[alert], []).append((alert, n))
        if not groups:
            return "no alerts"
        parts = []
        for severity in sorted(groups):
            items = sorted(groups[severity], key=lambda x: -x[1])
            total = sum(n for _, n in items)
            detail = ", ".join(f"{a} {n:,}" for a, n in items)
            parts.append(f"{total:,} {severity[1]} ({detail})")
        return "; ".join(parts)


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
