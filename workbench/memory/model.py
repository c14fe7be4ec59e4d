"""Load a `memory.edn` into a `Memory`: every readable entry, every damaged stretch, pandas views.

`load_memory` never writes its input. By default it salvages (edn.read_map_entries keeps every
readable top-level entry and reports each damaged stretch); `strict=True` raises like the app's
`clojure.edn/read-string` would, including on values the app cannot read (`#object[...]`, records).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import edn
from workbench.memory._damage import (  # noqa: F401 - re-exported
    DEFINITE_REASONS,
    damage_kind,
    key_instability,
)
from workbench.memory._values import SHORT, cell, child_count, depth_of, value_type  # noqa: F401
from workbench.memory.classify import (
    DATA_TYPES,
    RECORD_LAYOUT,
    UNCLASSIFIED,
    Rule,
    build_rules,
    classify_with,
)

# Tags clojure.edn/read-string reads without extra :readers (anything else fails in the app).
APP_READABLE_TAGS = frozenset({"inst", "uuid"})

# Diagnostics clojure.edn/read-string does not fail on: it reads the first form and ignores the
# rest; an empty document reads as nil (the app then starts from {}); a qualified key inside a
# top-level #:ns{...} reads, as another key (still damage: the file is not clean).
APP_TOLERATED = frozenset({"trailing-text", "empty", "qualified-key-in-nsmap"})

_PROGRESS_MIN_BYTES = 8_000_000


@dataclass(slots=True)
class Entry:
    """One top-level entry: key, value, where it sits in the file and how it was classified."""

    key: Any
    value: Any
    offset: int  # UTF-8 byte offset of the key
    length: int  # UTF-8 bytes from key start to value end
    line: int
    data_type: str
    kind: str
    column: int = 0
    key_text: str = ""
    damage: tuple[str, ...] = ()  # damage kinds of diagnostics inside this kept entry


class Memory:
    """A loaded memory file: entries, diagnostics, source facts and pandas views."""

    def __init__(
        self,
        entries: list[Entry],
        diagnostics: list,
        path: Path | None,
        size: int,
        sha256: str,
        data: bytes = b"",
        nsmap_prefix: str | None = None,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        self.entries = entries
        self.diagnostics = diagnostics
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.nsmap_prefix = nsmap_prefix
        self.rules = tuple(rules) if rules is not None else None
        self._data = data
        self._by_key: dict | None = None
        self._by_printed: dict | None = None
        self._frame: pd.DataFrame | None = None
        self._printed_values: list[str] | None = None

    # basic access ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return (
            f"<Memory {self.path} entries={len(self.entries)} "
            f"diagnostics={len(self.diagnostics)} bytes={self.size}>"
        )

    @property
    def damaged(self) -> bool:
        """True when any damage was found (the app fails to read the file, or reads other keys)."""
        return bool(self.diagnostics)

    @property
    def app_readable(self) -> bool:
        """True when clojure.edn/read-string reads the file (perhaps with keys changed)."""
        return not any(d.kind not in APP_TOLERATED for d in self.diagnostics)

    def as_dict(self) -> dict:
        """key -> value of every recovered entry."""
        return {e.key: e.value for e in self.entries}

    def _index(self) -> None:
        if self._by_key is None:
            self._by_key = {}
            self._by_printed = {}
            for i, e in enumerate(self.entries):
                try:
                    self._by_key.setdefault(e.key, i)
                except TypeError:
                    pass
                self._by_printed.setdefault(edn.printed(e.key), i)

    def entry(self, key: Any) -> Entry:
        """The entry for a key, its printed form (`":ns/name"`) or its row number in to_frame()."""
        self._index()
        assert self._by_key is not None and self._by_printed is not None
        if isinstance(key, int) and not isinstance(key, bool) and key not in self._by_key:
            return self.entries[key]
        try:
            if key in self._by_key:
                return self.entries[self._by_key[key]]
        except TypeError:
            pass
        if isinstance(key, str) and key in self._by_printed:
            return self.entries[self._by_printed[key]]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        """The value for a key (or its printed form, or row number); default when absent."""
        try:
            return self.entry(key).value
        except (KeyError, IndexError):
            return default

    def entry_text(self, entry: Entry) -> str:
        """The entry's text exactly as it is in the file."""
        return self._data[entry.offset : entry.offset + entry.length].decode("utf-8", "replace")

    # frames -----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per entry: key, namespace, name, data type, kind, value type, bytes, depth, ..."""
        if self._frame is None:
            with edn.gc_paused():
                self._frame = self._build_frame()
        return self._frame.copy()

    def _build_frame(self) -> pd.DataFrame:
        """The frame to_frame copies (built once)."""
        rows = {
            "key": [],
            "namespace": [],
            "name": [],
            "data_type": [],
            "kind": [],
            "value_type": [],
            "bytes": [],
            "depth": [],
            "children": [],
            "line": [],
            "column": [],
            "offset": [],
            "damage": [],
        }
        for e in self.entries:
            k = e.key
            rows["key"].append(edn.printed(k))
            if isinstance(k, edn.Keyword | edn.Symbol):
                rows["namespace"].append(k.namespace)
                rows["name"].append(k.name)
            else:
                rows["namespace"].append(None)
                rows["name"].append(None)
            rows["data_type"].append(e.data_type)
            rows["kind"].append(e.kind)
            rows["value_type"].append(value_type(e.value))
            rows["bytes"].append(e.length)
            rows["depth"].append(depth_of(e.value))
            rows["children"].append(child_count(e.value))
            rows["line"].append(e.line)
            rows["column"].append(e.column)
            rows["offset"].append(e.offset)
            rows["damage"].append(",".join(e.damage))
        df = pd.DataFrame(rows)
        df["data_type"] = pd.Categorical(df["data_type"], categories=list(DATA_TYPES))
        return df

    def by_type(self) -> pd.DataFrame:
        """Entries and bytes per data type (every data type listed, zeros included)."""
        n = Counter(e.data_type for e in self.entries)
        b: Counter = Counter()
        for e in self.entries:
            b[e.data_type] += e.length
        types = list(DATA_TYPES) + sorted(set(n) - set(DATA_TYPES))
        df = pd.DataFrame(
            {"data_type": types, "entries": [n[t] for t in types], "bytes": [b[t] for t in types]}
        )
        total = max(1, sum(b.values()))
        df["share_bytes_pct"] = (df["bytes"] * 100.0 / total).round(2)
        return df

    def by_kind(self) -> pd.DataFrame:
        """Entries and bytes per (data type, kind)."""
        acc: dict[tuple[str, str], list[int]] = {}
        for e in self.entries:
            a = acc.setdefault((e.data_type, e.kind), [0, 0])
            a[0] += 1
            a[1] += e.length
        rows = [
            {"data_type": t, "kind": k, "entries": v[0], "bytes": v[1]}
            for (t, k), v in sorted(acc.items())
        ]
        return pd.DataFrame(rows, columns=["data_type", "kind", "entries", "bytes"])

    def unclassified(self) -> pd.DataFrame:
        """Rows of to_frame() that no rule classified."""
        df = self.to_frame()
        return df[df["kind"] == UNCLASSIFIED]

    def diagnostics_frame(self) -> pd.DataFrame:
        """One row per diagnostic: line, column, kind, reason, text, key."""
        rows = [
            {
                "line": d.line,
                "column": d.column,
                "offset": d.offset,
                "kind": d.kind,
                "damage": damage_kind(d),
                "reason": d.reason,
                "text": d.text,
                "key": None if d.key is None else edn.printed(d.key),
            }
            for d in self.diagnostics
        ]
        return pd.DataFrame(
            rows, columns=["line", "column", "offset", "kind", "damage", "reason", "text", "key"]
        )

    def records(self, kind: str) -> pd.DataFrame:
        """One row per record of a kind, a column per attribute (one level), originals in `value`."""
        layout = RECORD_LAYOUT.get(kind)
        rows: list[dict] = []
        for e in self.entries:
            if e.kind != kind:
                continue
            pk = edn.printed(e.key)
            v = e.value
            if layout == "values" and isinstance(v, dict):
                items = [(cell(rk), rv) for rk, rv in v.items()]
            elif layout == "items" and isinstance(v, tuple):
                items = [(i, rv) for i, rv in enumerate(v)]
            else:
                items = [(None, v)]
            for rk, rv in items:
                row: dict[str, Any] = {"key": pk}
                if layout in ("values", "items"):
                    row["record"] = rk
                if isinstance(rv, dict):
                    for a, x in rv.items():
                        col = edn.printed(a)
                        row[col] = cell(x)
                        if isinstance(x, dict | tuple | frozenset):
                            row[f"{col}.len"] = len(x)
                else:
                    row["value_short"] = cell(rv)
                row["value"] = rv
                rows.append(row)
        df = pd.DataFrame(rows)
        if len(df):  # keep the original-value column last
            df = df[[c for c in df.columns if c != "value"] + ["value"]]
        return df

    def printed_values(self) -> list[str]:
        """pr-str of every entry's value (cached; used by search)."""
        if self._printed_values is None:
            self._printed_values = [edn.dumps(e.value, pr_str=True) for e in self.entries]
        return self._printed_values

    def search(self, q: str, limit: int | None = None) -> pd.DataFrame:
        """Case-insensitive substring search over printed keys and values, like app memory/search."""
        ql = q.lower()
        pv = self.printed_values()
        rows = []
        for i, e in enumerate(self.entries):
            pk = edn.printed(e.key)
            where = None
            text = ""
            pos = pk.lower().find(ql)
            if pos >= 0:
                where, text = "key", pk
            else:
                pos = pv[i].lower().find(ql)
                if pos >= 0:
                    where, text = "value", pv[i]
            if where is None:
                continue
            lo = max(0, pos - 30)
            snippet = (
                ("…" if lo else "")
                + text[lo : pos + len(q) + 30]
                + ("…" if pos + len(q) + 30 < len(text) else "")
            )
            rows.append(
                {
                    "row": i,
                    "key": pk,
                    "data_type": e.data_type,
                    "kind": e.kind,
                    "match": where,
                    "snippet": snippet,
                    "line": e.line,
                }
            )
            if limit is not None and len(rows) >= limit:
                break
        return pd.DataFrame(
            rows, columns=["row", "key", "data_type", "kind", "match", "snippet", "line"]
        )

    def unstable_keys(self, nsmap: bool = True) -> pd.DataFrame:
        """Keys that do not survive print + re-read: one row per (key, reason).

        `definite` rows change as written/printed by pr-str; with nsmap=True also keys that would
        change when printed inside a `#:ns{...}` map (Clojure's *print-namespace-maps*).
        """
        rows = []
        for e in self.entries:
            for reason, printed, reread in key_instability(e.key, e.key_text, self.nsmap_prefix):
                definite = reason in DEFINITE_REASONS
                if not nsmap and not definite:
                    continue
                rows.append(
                    {
                        "key": edn.printed(e.key),
                        "key_text": e.key_text,
                        "reason": reason,
                        "definite": definite,
                        "printed": printed,
                        "reread": reread,
                        "data_type": e.data_type,
                        "kind": e.kind,
                        "line": e.line,
                        "column": e.column,
                    }
                )
        cols = [
            "key",
            "key_text",
            "reason",
            "definite",
            "printed",
            "reread",
            "data_type",
            "kind",
            "line",
            "column",
        ]
        # an empty frame must still have a bool `definite` (frame[frame["definite"]] selects rows)
        return pd.DataFrame(rows, columns=cols).astype({"definite": bool})

    def reclassify(self, rules: Sequence[Rule] | None = None, *, replace: bool = False) -> Memory:
        """A new Memory with entries classified again with extra (or replacing) rules."""
        table = build_rules(rules, replace=replace)
        entries = [
            Entry(
                e.key,
                e.value,
                e.offset,
                e.length,
                e.line,
                *classify_with(table, edn.printed(e.key), e.value),
                e.column,
                e.key_text,
                e.damage,
            )
            for e in self.entries
        ]
        return Memory(
            entries,
            self.diagnostics,
            self.path,
            self.size,
            self.sha256,
            self._data,
            self.nsmap_prefix,
            table,
        )

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain JSON-able values."""
        bt = self.by_type()
        return {
            "path": str(self.path) if self.path else None,
            "bytes": self.size,
            "sha256": self.sha256,
            "entries": len(self.entries),
            "entries_by_type": {r.data_type: int(r.entries) for r in bt.itertuples()},
            "bytes_by_type": {r.data_type: int(r.bytes) for r in bt.itertuples()},
            "diagnostics": len(self.diagnostics),
            "unclassified": sum(1 for e in self.entries if e.kind == UNCLASSIFIED),
        }


_NSMAP_START = re.compile(rb"\A(?:[\s,]|;[^\n]*\n)*#:([^\s{]+)\s*\{")


def _read_bytes(path: Path, progress: bool | None) -> tuple[bytes, str]:
    size = path.stat().st_size
    show = progress if progress is not None else size >= _PROGRESS_MIN_BYTES
    h = hashlib.sha256()
    chunks = []
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, unit="B", unit_scale=True, desc=f"read {path.name}")
    with open(path, "rb") as fh:
        while block := fh.read(4 << 20):
            h.update(block)
            chunks.append(block)
            if bar is not None:
                bar.update(len(block))
    if bar is not None:
        bar.close()
    return b"".join(chunks), h.hexdigest()


def _syntax_error(d: Any, source: str) -> edn.EdnSyntaxError:
    return edn.EdnSyntaxError(
        d.reason, source=source, line=d.line, column=d.column, offset=d.offset, text=d.text
    )


def _flag_entries(entries: list[Entry], diags: list) -> None:
    """Set Entry.damage from the diagnostics that fall inside kept entries (offsets ascending)."""
    j = 0
    for d in sorted(diags, key=lambda d: d.offset):
        while j < len(entries) and entries[j].offset + entries[j].length <= d.offset:
            j += 1
        if j == len(entries):
            return
        e = entries[j]
        if e.offset <= d.offset:
            e.damage = (*e.damage, damage_kind(d))


def load_memory(
    path: str | os.PathLike,
    strict: bool = False,
    rules: Sequence[Rule] | None = None,
    progress: bool | None = None,
) -> Memory:
    """Load and classify a memory file; salvage by default, raise like the app when strict."""
    p = Path(path)
    data, digest = _read_bytes(p, progress)
    return memory_from_bytes(
        data, source=str(p), strict=strict, rules=rules, path=p, sha256=digest, progress=progress
    )


def memory_from_text(
    text: str, source: str = "<string>", strict: bool = False, rules: Sequence[Rule] | None = None
) -> Memory:
    """Build a Memory from EDN text (tests, notebooks)."""
    data = text.encode("utf-8")
    return memory_from_bytes(data, source=source, strict=strict, rules=rules)


def memory_from_bytes(
    data: bytes,
    source: str = "<bytes>",
    strict: bool = False,
    rules: Sequence[Rule] | None = None,
    path: Path | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
) -> Memory:
    """Build a Memory from the file's bytes (see load_memory)."""
    show = progress if progress is not None else len(data) >= _PROGRESS_MIN_BYTES
    with edn.gc_paused():
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(data), desc="parse", unit="B", unit_scale=True)
        # bytes in: the reader reports invalid UTF-8 (which the app cannot read) as a diagnostic
        raw_entries, diags = edn.read_map_entries(
            data, source=source, progress=None if bar is None else lambda n: bar.update(n - bar.n)
        )
        if bar is not None:
            bar.update(len(data) - bar.n)
            bar.close()
        table = build_rules(rules)
        entries: list[Entry] = []
        it: Any = raw_entries
        if show:
            it = tqdm(raw_entries, desc="classify", unit="entry")
        for me in it:
            k = me.key
            dt, kind = classify_with(table, edn.printed(k), me.value)
            entries.append(
                Entry(k, me.value, me.offset, me.length, me.line, dt, kind, me.column, me.key_text)
            )
    m = _NSMAP_START.match(data[:4096])
    prefix = m.group(1).decode("utf-8", "replace") if m else None
    diags = list(diags)
    _flag_entries(entries, diags)
    fatal = [d for d in diags if d.kind not in APP_TOLERATED]
    if strict and fatal:
        raise _syntax_error(fatal[0], source)
    return Memory(
        entries,
        diags,
        path,
        len(data),
        sha256 or hashlib.sha256(data).hexdigest(),
        data,
        prefix,
        rules,
    )
