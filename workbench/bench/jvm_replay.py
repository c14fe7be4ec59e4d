"""The migration rehearsal's own op sequence replayed inside the JVM (harness.clj `replay`).

``replay_jvm(data, ops, stores)`` times every op of the sequence on each JVM store of
``workbench.bench.jvm`` (and the atom-in-front-of-Datalog architectures below), after a discarded
warm-up on a second store of the same kind; ``replay_frame`` shapes the result like ``run_jvm``'s
rows so that ``bench.verdict`` judges both alike.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from workbench import edn
from workbench.bench._timing import summarize
from workbench.bench.jvm import (
    _SYNC,
    ENGINE,
    JVM_STORES,
    JvmStore,
    _Datalog,
    _datalog_input,
    _folder_bytes,
    _is_datalog,
    _open,
    _samples,
    _var,
    jvm_data,
)

__all__ = [
    "REPLAY_KINDS",
    "REPLAY_PLANS",
    "REPLAY_CACHED_DATALOG",
    "Replay",
    "replay_jvm",
    "replay_frame",
    "replay_spec",
]


REPLAY_KINDS = ("get", "save", "delete", "update")
#: warm-up gets (the get path's JIT steady state, see JVM_PLANS) within warm-up ms, then warm-up
#: ops of the whole sequence within warm-up ms again, and the timed pass's budget (ms): it covers
#: every op unless a store is slower than budget / ops (the durable EDN save of a large file).
REPLAY_PLANS: dict[str, dict[str, int]] = {
    "quick": {"warmup-gets": 100_000, "warmup": 20_000, "warmup-ms": 3_000, "budget-ms": 6_000},
    "full": {"warmup-gets": 300_000, "warmup": 100_000, "warmup-ms": 10_000, "budget-ms": 60_000},
}
#: Replay-only architectures: the app's atom in front of the Datalog store (JVM_STORES' cached
#: architectures front the KV store).
REPLAY_CACHED_DATALOG: dict[str, JvmStore] = {
    "cached-write-through[default]+datalog": JvmStore("write-through", None, _SYNC, 0.0),
    "cached-write-behind[default]+datalog": JvmStore(
        "write-behind", None, "batched every 100 ms, then fsync", 100.0
    ),
}


def replay_spec(label: str) -> JvmStore:
    """The JvmStore of a label of JVM_STORES or REPLAY_CACHED_DATALOG."""
    return JVM_STORES.get(label) or REPLAY_CACHED_DATALOG[label]


def _replay_datalog(label: str) -> bool:
    return label in REPLAY_CACHED_DATALOG or _is_datalog(label)


@dataclass
class _AppKeys:
    """What harness.clj's app-keyed needs: {key text} and [[key value entity] ...]."""

    texts: Any
    entities: Any


@dataclass
class Replay:
    """One store's replay: per op timed its kind and ns, and (when asked, as workbench.edn values)
    what it answered (gets; None for the other ops); the empty op's ns (as many) and the store's
    bytes on disk afterwards."""

    label: str
    kinds: list[str]
    ns: list[int]
    noop_ns: list[int]
    answers: list[Any] | None
    file_bytes: int


def _open_replay(
    label: str, folder: Path, jdata: Any, dlg: _Datalog | None, keys: _AppKeys | None
) -> Any:
    from workbench.stores.datalevin import bridge as wdl

    folder.mkdir(parents=True, exist_ok=True)
    spec = REPLAY_CACHED_DATALOG.get(label)
    if spec is None:
        store = _open(label, folder, jdata, dlg)
        return _var("datalog-cacheable").invoke(store) if _is_datalog(label) else store
    inner = _var("datalog-cacheable").invoke(
        _open("datalevin-datalog[default]", folder, jdata, dlg)
    )
    inner = _var("app-keyed").invoke(inner, keys.texts, keys.entities)
    return _var("cached").invoke(inner, jdata, wdl.clj().kw(spec.kind))  # the atom: app values


def _convertible(value: Any) -> bool:
    from workbench.stores.datalevin import bridge as wdl

    try:
        wdl.to_clj(value)
    except wdl.Unstorable:  # a tagged literal has no Clojure value without its reader
        return False
    return True


def replay_jvm(
    data: Mapping,
    ops: Sequence[tuple[str, Any, Any]],
    stores: Sequence[str],
    *,
    plan: str | Mapping[str, int | None] = "quick",
    answers: bool = False,
    workdir: str | Path | None = None,
    progress: bool = True,
) -> tuple[dict[str, Replay], list[int]]:
    """Replay the op sequence `ops` ((kind, key, value), kind in REPLAY_KINDS; an update's value
    is the new one) on each JVM store loaded with data (the Datalog stores: the inferred schema),
    timing every op inside the JVM after a discarded warm-up on a second store of the same kind:
    ({label: Replay}, indices of the ops replayed). Left out for every store alike: other kinds,
    keys that are not keywords, values a store cannot take; a save of nil is replayed as a delete
    (Datalevin refuses nil; a get then answers nil either way)."""
    from workbench.stores.base import KeyTooLongError
    from workbench.stores.datalevin import bridge as wdl
    from workbench.stores.datalevin._datalog import entity_of, key_text

    plan_d = REPLAY_PLANS[plan] if isinstance(plan, str) else dict(plan)
    wdl.start_jvm()
    c = wdl.clj()
    c.attach_thread()
    data = {k: v for k, v in jvm_data(data)[0].items() if _convertible(v)}
    dlg = _datalog_input(data) if any(_replay_datalog(s) for s in stores) else None
    kept, kinds, kv_ops, dl_ops = [], [], [], []
    texts: dict[Any, Any] = {}
    entities: list[Any] = []
    for i, (kind, key, value) in enumerate(ops):
        if kind == "save" and value is None:
            kind = "delete"
        if kind not in REPLAY_KINDS or type(key) is not edn.Keyword:
            continue
        try:
            kv = [c.kw(kind), wdl.to_clj(key), wdl.to_clj(value)]
            if dlg is not None:
                ent = entity_of(dlg.mapping, key, value) if kind in ("save", "update") else None
                dl = [c.kw(kind), c.JString(key_text(key)), wdl.to_clj(ent)]
                if ent is not None:
                    entities.append(c.PersistentVector.create(c.ObjectArray([kv[1], kv[2], dl[2]])))
                texts[kv[1]] = dl[1]
        except (wdl.Unstorable, KeyTooLongError):
            continue
        kept.append(i)
        kinds.append(kind)
        kv_ops.append(c.PersistentVector.create(c.ObjectArray(kv)))
        if dlg is not None:
            dl_ops.append(c.PersistentVector.create(c.ObjectArray(dl)))
    jdata = wdl.to_clj(data)
    keys = None
    if dlg is not None:
        texts.update((wdl.to_clj(k), c.JString(t)) for k, t in dlg.texts.items())
        keys = _AppKeys(_jmap(c, texts), c.PersistentVector.create(c.ObjectArray(entities)))
    jplan = c.read("{" + " ".join(f":{k} {'nil' if v is None else int(v)}"
                                  for k, v in plan_d.items()) + "}")  # fmt: skip
    replay, close = _var("replay"), c.kw("close")
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="wb-jvm-replay-"))
    out: dict[str, Replay] = {}
    try:
        bar = tqdm(stores, desc=f"JVM replay, {len(kinds):,} ops", unit="store",
                   disable=not progress)  # fmt: skip
        for label in bar:
            bar.set_postfix_str(label)
            by_text = _replay_datalog(label) and label not in REPLAY_CACHED_DATALOG
            jops = c.PersistentVector.create(c.ObjectArray(dl_ops if by_text else kv_ops))
            name = label.replace("[", "-").replace("]", "").replace("+", "-")
            warm = _open_replay(label, root / f"{name}-warm", jdata, dlg, keys)
            store = _open_replay(label, root / name, jdata, dlg, keys)
            try:
                res = replay.invoke(store, warm, jops, jplan)  # closes warm once warm
            except Exception:
                with suppress(Exception):
                    warm.valAt(close).invoke()
                raise
            finally:
                store.valAt(close).invoke()
            ns = _samples(res.valAt(c.kw("ns")))
            got = None
            if answers:
                got = [wdl.to_edn(x) for x in res.valAt(c.kw("answers"))]
            out[label] = Replay(label, kinds[: len(ns)], ns, _samples(res.valAt(c.kw("noop-ns"))),
                                got, _folder_bytes(root / name))  # fmt: skip
    finally:
        if not workdir:
            shutil.rmtree(root, ignore_errors=True)
    return out, kept


def _jmap(c: Any, d: dict) -> Any:
    arr = c.ObjectArray(2 * len(d))
    for i, (k, x) in enumerate(d.items()):
        arr[2 * i], arr[2 * i + 1] = k, x
    return c.PersistentHashMap.create(arr)


def replay_frame(replays: Mapping[str, Replay], entries: int) -> pd.DataFrame:
    """Rows like run_jvm's (engine "jvm", store, op, entries, n, p50_us.., durability, window_ms,
    file_bytes) from replays: one per store and op kind replayed, plus the empty op ("noop")."""
    rows = []
    for label, r in replays.items():
        spec = replay_spec(label)
        per: dict[str, list[int]] = {"noop": r.noop_ns}
        for kind, ns in zip(r.kinds, r.ns, strict=True):
            per.setdefault(kind, []).append(ns)
        for op, samples in per.items():
            rows.append({"engine": ENGINE, "store": label, "op": op, "entries": entries,
                         **summarize(samples), "durability": spec.durability,
                         "window_ms": spec.window_ms, "file_bytes": r.file_bytes})  # fmt: skip
    return pd.DataFrame(rows)
