"""Entry-by-entry comparison of the EDN store and the new store with `edn.identical`.

Each discrepancy is one of: missing (in EDN, not in the new store), extra (only in the new store),
lossy (values equal once types are erased the way JSON erases them: keyword -> string,
set/list -> vector, long -> double, string map keys -> keywords...), different (anything else).
Lossy and different entries carry the path and reason of the first difference found.
"""

from __future__ import annotations

import fractions
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from workbench import edn
from workbench.memory.classify import classify
from workbench.migrate.modes import ABSENT, is_reserved


def data_type(key: Any, value: Any) -> str:
    """Data type of an entry, by the same rule table the memory model uses."""
    return classify(key, value)[0]


def _tname(v: Any) -> str:
    if v is None:
        return "nil"
    names = {
        bool: "boolean",
        int: "long",
        float: "double",
        str: "string",
        dict: "map",
        frozenset: "set",
        Decimal: "bigdec",
        fractions.Fraction: "ratio",
        uuid.UUID: "uuid",
    }
    for t, n in names.items():
        if type(v) is t:
            return n
    return type(v).__name__.lower()


def _loose_eq(a: Any, b: Any) -> bool:
    """Equal once JSON-like type erasure is allowed (keyword ~ string, set ~ vector, 1 ~ 1.0...)."""
    if edn.identical(a, b):
        return True
    if isinstance(a, edn.Keyword | edn.Symbol) or isinstance(b, edn.Keyword | edn.Symbol):
        sa = str(a)[1:] if isinstance(a, edn.Keyword) else str(a)
        sb = str(b)[1:] if isinstance(b, edn.Keyword) else str(b)
        names = {sa, sa.rsplit("/", 1)[-1]}
        return sb in names or sa in {sb, sb.rsplit("/", 1)[-1]}
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b and type(a) is type(b)
    num = (int, float, Decimal, fractions.Fraction)
    if isinstance(a, num) and isinstance(b, num):
        return float(a) == float(b)
    if isinstance(a, edn.Inst | uuid.UUID | edn.Char) or isinstance(
        b, edn.Inst | uuid.UUID | edn.Char
    ):
        ta = getattr(a, "text", None) or str(a)
        tb = getattr(b, "text", None) or str(b)
        return ta == tb
    if isinstance(a, edn.Tagged):
        return _loose_eq(a.value, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k in b and edn.identical(_find_key(b, k), k):
                other = k
            else:
                other = next((x for x in b if _loose_eq(k, x)), ABSENT)
                if other is ABSENT:
                    return False
            if not _loose_eq(v, b[other]):
                return False
        return True
    seqs = (tuple, list, frozenset, set)
    if isinstance(a, seqs) and isinstance(b, seqs):
        if len(a) != len(b):
            return False
        if isinstance(a, frozenset | set) or isinstance(b, frozenset | set):
            pool = list(b)
            for x in a:
                j = next((i for i, y in enumerate(pool) if _loose_eq(x, y)), None)
                if j is None:
                    return False
                pool.pop(j)
            return True
        return all(_loose_eq(x, y) for x, y in zip(a, b, strict=True))
    return False


def _find_key(m: Mapping, k: Any) -> Any:
    for x in m:
        if x == k:
            return x
    return ABSENT


def explain(a: Any, b: Any, path: tuple = ()) -> tuple[str, str, str] | None:
    """First difference between expected `a` and actual `b`: (path, reason, category) or None."""
    if edn.identical(a, b):
        return None
    where = (
        " ".join(edn.printed(p) if not isinstance(p, int) else f"[{p}]" for p in path) or "value"
    )
    ta, tb = _tname(a), _tname(b)
    if type(a) is not type(b):
        return where, f"{ta} -> {tb}", f"{ta} -> {tb}"
    if isinstance(a, Mapping):
        for k, v in a.items():
            if k in b and edn.identical(_find_key(b, k), k):
                r = explain(v, b[k], path + (k,))
                if r:
                    return r
                continue
            other = next((x for x in b if x not in a and _loose_eq(k, x)), ABSENT)
            if other is not ABSENT:
                cat = f"map key {_tname(k)} -> {_tname(other)}"
                return where, f"map key {edn.printed(k)} -> {edn.printed(other)}", cat
            if v is None:
                return where, f"key {edn.printed(k)} with nil value dropped", "nil value dropped"
            return where, f"key {edn.printed(k)} missing", "map key missing"
        extra = [k for k in b if k not in a]
        if extra:
            return where, f"extra key {edn.printed(extra[0])}", "extra map key"
        return where, "map differs", "map differs"
    if isinstance(a, tuple | list):
        if len(a) != len(b):
            return where, f"{ta} length {len(a)} -> {len(b)}", f"{ta} length changed"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            r = explain(x, y, path + (i,))
            if r:
                return r
        return where, f"{ta} differs", f"{ta} differs"
    if isinstance(a, frozenset):
        return where, f"set elements differ ({len(a)} -> {len(b)})", "set elements differ"
    sa, sb = edn.printed(a), edn.printed(b)
    return where, f"{ta} changed: {sa[:60]} -> {sb[:60]}", f"{ta} value changed"


@dataclass
class Discrepancy:
    """One entry that is not identical in both stores."""

    key: str
    kind: str  # missing | extra | lossy | different
    data_type: str
    path: str = ""
    reason: str = ""
    category: str = ""
    expected: str = ""
    actual: str = ""


@dataclass
class ValidationReport:
    """Result of comparing two stores."""

    source_entries: int
    target_entries: int
    matched: int
    counts: dict[str, int]
    by_type: dict[str, dict[str, int]]
    discrepancies: list[Discrepancy] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def consistency(self) -> float:
        """Percent of all keys (union of both stores) holding identical values."""
        union = self.matched + sum(self.counts.values())
        return 100.0 if union == 0 else 100.0 * self.matched / union

    @property
    def completion(self) -> float:
        """Percent of source entries present in the target."""
        if self.source_entries == 0:
            return 100.0
        return 100.0 * (self.source_entries - self.counts["missing"]) / self.source_entries

    @property
    def ok(self) -> bool:
        """True at 100% consistency."""
        return not self.discrepancies

    def reasons(self) -> Counter:
        """Counter of (kind, data type, reason-without-values) for summary tables."""
        return Counter((d.kind, d.data_type, d.category) for d in self.discrepancies)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON-able summary (discrepancies truncated to `limit`)."""
        ds = self.discrepancies if limit is None else self.discrepancies[:limit]
        return {
            "source_entries": self.source_entries,
            "target_entries": self.target_entries,
            "matched": self.matched,
            "counts": dict(self.counts),
            "by_type": self.by_type,
            "consistency": round(self.consistency, 4),
            "completion": round(self.completion, 4),
            "seconds": round(self.seconds, 3),
            "discrepancies": [asdict(d) for d in ds],
            "discrepancies_total": len(self.discrepancies),
        }

    def to_frame(self):
        """Discrepancies as a pandas DataFrame."""
        import pandas as pd

        cols = ["key", "kind", "data_type", "category", "path", "reason", "expected", "actual"]
        return pd.DataFrame([asdict(d) for d in self.discrepancies], columns=cols)


def _items(store: Any) -> Iterable[tuple[Any, Any]]:
    if isinstance(store, Mapping):
        return store.items()
    return store.items()


def _raw_view(target: Any) -> tuple[dict[bytes, bytes], Callable, Callable, Callable] | None:
    """Encoded entries of an LMDB key-value store with an exact codec (validation fast path)."""
    codec = getattr(target, "codec", None)
    env = getattr(target, "env", None)
    if codec is None or env is None or not getattr(codec, "lossless", False):
        return None
    from workbench.stores.keys import decode_key, encode_key
    from workbench.stores.lmdb_kv import LmdbKvStore

    if not isinstance(target, LmdbKvStore):
        return None
    with env.begin() as txn:
        raw = dict(txn.cursor())
    return raw, codec.encode, codec.decode, (encode_key, decode_key)


def validate(source: Any, target: Any, *, clip: int = 200, fast: bool = True) -> ValidationReport:
    """Compare source (EDN store or dict) with target (store or dict) entry by entry.

    Fast path (LmdbKvStore with an exact codec): an entry whose source value encodes to the very
    bytes stored is identical (decode(encode(x)) is identical to x); any other entry is decoded
    and compared with edn.identical as usual.
    """
    t0 = time.perf_counter()
    counts = {"missing": 0, "extra": 0, "lossy": 0, "different": 0}
    by_type: dict[str, dict[str, int]] = {}
    found: list[Discrepancy] = []
    matched = 0
    seen = 0

    def add(
        kind: str, k: Any, a: Any, b: Any, path: str = "", reason: str = "", category: str = ""
    ) -> None:
        dt = data_type(k, a if a is not ABSENT else b)
        counts[kind] += 1
        by_type.setdefault(dt, dict.fromkeys(counts, 0))[kind] += 1
        found.append(
            Discrepancy(
                edn.printed(k),
                kind,
                dt,
                path,
                reason,
                category or reason,
                "" if a is ABSENT else edn.printed(a)[:clip],
                "" if b is ABSENT else edn.printed(b)[:clip],
            )
        )

    def compare(sk: Any, a: Any, k: Any, b: Any) -> None:
        nonlocal matched
        if not edn.identical(sk, k):
            add(
                "different", sk, a, b, "key", f"key {_tname(sk)} -> {_tname(k)}", "key type changed"
            )
        elif edn.identical(a, b):
            matched += 1
        else:
            path, reason, category = explain(a, b) or ("value", "not identical", "not identical")
            kind = "lossy" if _loose_eq(a, b) else "different"
            add(kind, k, a, b, path, reason, category)

    view = _raw_view(target) if fast else None
    if view is not None:
        raw, encode, decode, (encode_key, decode_key) = view
        for sk, a in _items(source):
            if is_reserved(sk):
                continue
            try:
                kb = encode_key(sk)
            except Exception:  # noqa: BLE001 - a key the store cannot hold is simply missing
                kb = None
            vb = raw.pop(kb, None) if kb is not None else None
            if vb is None:
                add(
                    "missing",
                    sk,
                    a,
                    ABSENT,
                    reason="not in the new store",
                    category="not in the new store",
                )
                continue
            seen += 1
            if vb == encode(a):
                matched += 1
            else:
                compare(sk, a, decode_key(kb), decode(vb))
        for kb, vb in raw.items():
            k = decode_key(kb)
            if not is_reserved(k):
                seen += 1
                add(
                    "extra",
                    k,
                    ABSENT,
                    decode(vb),
                    reason="only in the new store",
                    category="only in the new store",
                )
    else:
        src = {k: (k, v) for k, v in _items(source) if not is_reserved(k)}
        for k, b in _items(target):
            if is_reserved(k):
                continue
            seen += 1
            sk, a = src.pop(k, (None, ABSENT))
            if a is ABSENT:
                add(
                    "extra",
                    k,
                    ABSENT,
                    b,
                    reason="only in the new store",
                    category="only in the new store",
                )
            else:
                compare(sk, a, k, b)
        for k, a in src.values():
            add(
                "missing",
                k,
                a,
                ABSENT,
                reason="not in the new store",
                category="not in the new store",
            )
    source_entries = matched + counts["lossy"] + counts["different"] + counts["missing"]
    return ValidationReport(
        source_entries, seen, matched, counts, by_type, found, time.perf_counter() - t0
    )
