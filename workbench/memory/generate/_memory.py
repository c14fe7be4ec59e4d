"""Deterministic generator of realistic Ouroboros `memory.edn` files, with optional injected damage.

Follows ../shared/context/memory-edn.md key by key: one user; projects; builder sessions with both
note styles; presence, ops, comments, versions, offline queues and snapshots per session; learning
records (keyed by user), reviews and the four learning indexes with their quirks; embed tokens,
webhooks, notifications and a few ad-hoc keys. Text is printed the way the app prints (pr-str: one
line, `, ` between map entries), per entry in plain or namespace-map style. Damage is injected into
the text and recorded in `truth` (kind, line, column, affected key) so salvage can be checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench import edn
from workbench.memory.generate._entries import _Gen
from workbench.memory.generate.truth import (
    DamageTruth,
    EntryTruth,
    Generated,
    Truth,
)
from workbench.memory.generate.vocabulary import (
    DAMAGE_KINDS,
    DEFAULT_MIX,
    KIND_TYPES,
    KW,
    LAYOUTS,
    MIX_DATA_TYPES,
    NAMES,
    SESSION_KINDS,
    STYLES,
    K,
)


def _weights(mix: Mapping[str, float] | None) -> dict[str, float]:
    """Normalised weights per generator kind; `mix` may name kinds or data types."""
    w = dict(DEFAULT_MIX)
    if mix:
        unknown = set(mix) - set(DEFAULT_MIX) - set(MIX_DATA_TYPES)
        if unknown:
            raise ValueError(
                f"unknown mix keys {sorted(unknown)}; use kinds {sorted(DEFAULT_MIX)} "
                f"or data types {sorted(MIX_DATA_TYPES)}"
            )
        for name, weight in mix.items():
            if name in MIX_DATA_TYPES:
                kinds = MIX_DATA_TYPES[name]
                base = sum(DEFAULT_MIX[k] for k in kinds)
                for k in kinds:
                    w[k] = weight * DEFAULT_MIX[k] / base
            else:
                w[name] = weight
    total = sum(w.values())
    if total <= 0:
        raise ValueError("mix weights must sum to a positive number")
    return {k: v / total for k, v in w.items()}


def _damage_plan(damage: Iterable[str] | str | None) -> list[str]:
    if damage is None:
        return []
    if isinstance(damage, str):
        damage = [d for d in damage.split(",") if d]
    out = []
    for d in damage:
        if d == "all":
            out.extend(DAMAGE_KINDS)
        elif d in DAMAGE_KINDS:
            out.append(d)
        else:
            raise ValueError(f"unknown damage kind {d!r}; use one of {DAMAGE_KINDS} or 'all'")
    return out


def generate_memory(
    entries: int | None = 1000,
    seed: int = 0,
    style: str = "mixed",
    damage: Iterable[str] | str | None = (),
    user: str = "davidwu",
    size_mb: float | None = None,
    mix: Mapping[str, float] | None = None,
    layout: str = "pr-str",
) -> Generated:
    """Generate a realistic memory (by entry count or target size in MB) as EDN text plus truth."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    weights = _weights(mix)
    plan = _damage_plan(damage)
    g = _Gen(seed, user)
    r = g.r
    target_bytes = int(size_mb * 1_000_000) if size_mb else None
    if target_bytes is None and (entries is None or entries < 1):
        raise ValueError("give entries >= 1 or size_mb")

    # Fixed part: projects and builder sessions come first (sessions refer to them).
    n_goal = entries if target_bytes is None else max(50, target_bytes // 1500)
    n_projects = max(2, min(40, n_goal // 200 + 2))
    n_builders = max(2, min(60, n_goal // 100 + 2))
    items: list[tuple[Any, Any, str]] = [
        (K("projects", user), g.projects(n_projects), "projects"),
        (K("builder-sessions", user), g.builder_sessions(n_builders), "builder-sessions"),
        (
            K("notifications", f"last-{user}"),
            {KW["timestamp"]: g.ms(), KW["due-count"]: r.randrange(9)},
            "notifications",
        ),
    ]
    items += [(k, v, "adhoc") for k, v in g.adhoc_fixed()]
    n_singletons = len(items) + 4 + 1  # + 4 learning indexes + 1 partial record

    # Repeated part, by weights; every kind at least once when there is room.
    kinds = list(weights)
    cum = []
    acc = 0.0
    for k in kinds:
        acc += weights[k]
        cum.append(acc)

    def one(kind: str, i: int) -> list[tuple[Any, Any, str]]:
        if kind == "learning-record":
            k, v = g.learning_record()
            return [(k, v, kind)]
        if kind == "review":
            k, v = g.review()
            return [(k, v, kind)]
        if kind == "session":
            return g.session_entries(all_kinds=i < len(first))
        if kind == "embed-token":
            k, v = g.embed_token()
            return [(k, v, kind)]
        if kind == "webhook":
            k, v = g.webhook()
            return [(k, v, kind)]
        k, v = g.adhoc(i)
        return [(k, v, "adhoc")]

    bulk: list[tuple[Any, Any, str]] = []
    size_est = 0
    i = 0
    first = [
        k
        for k in ("learning-record", "review", "session", "embed-token", "webhook")
        if weights.get(k, 0) > 0
    ]
    while True:
        if target_bytes is None:
            if len(bulk) + n_singletons >= entries:
                break
        elif size_est >= target_bytes:
            break
        if i < len(first):
            kind = first[i]
        else:
            x = r.random()
            kind = next((k for k, c in zip(kinds, cum, strict=True) if x < c), kinds[-1])
        new = one(kind, i)
        bulk.extend(new)
        if target_bytes is not None:
            size_est += int(1.05 * sum(_approx_size(v) for _, v, _ in new))  # calibrated
        i += 1
    if target_bytes is None:
        bulk = bulk[: max(0, entries - n_singletons)]

    items += bulk
    k, v = g.partial_learning_record()
    items.append((k, v, "partial-learning-record"))
    items += [
        (KW["learning/index"], g.learning_index(), "learning-index"),
        (KW["learning/review-index"], g.review_index(), "review-index"),
        (KW["learning/tag-index"], g.tag_index(), "tag-index"),
        (KW["learning/wal"], g.wal(), "wal"),
    ]
    if target_bytes is None:
        items = items[:entries] if entries < len(items) else items
    r.shuffle(items)  # the app's hash map prints in no particular order

    # Print each entry (per-entry style in "mixed", as the app's threads would write).
    pieces: list[list[Any]] = []  # [key, key_text, value_text, kind, style, clean, damage]
    value: dict = {}
    for key, val, kind in items:
        st = style if style != "mixed" else ("nsmaps" if r.random() < 0.5 else "plain")
        value[key] = val
        pieces.append(
            [
                key,
                edn.dumps(key, pr_str=True),
                edn.dumps(val, style=st, pr_str=True),
                kind,
                st,
                True,
                None,
            ]
        )

    damages: list[dict] = []
    truncate = False
    for d in plan:
        if d == "truncated":
            truncate = True
            continue
        if d == "duplicate-key":
            candidates = [
                j
                for j, p in enumerate(pieces)
                if p[3] in ("learning-record", "review", "adhoc") and p[5]
            ]
            j = r.choice(candidates) if candidates else 0
            orig = pieces[j]
            orig[5] = False
            orig[6] = "duplicate-key"
            dup_val = {KW["duplicate"]: True, KW["at"]: g.ms()}
            pos = r.randrange(j + 1, len(pieces) + 1)
            piece = [orig[0], orig[1], edn.dumps(dup_val, pr_str=True), orig[3], "plain", False, d]
            pieces.insert(pos, piece)
            damages.append({"piece": piece, "kind": d, "key": orig[0], "where": "key"})
            continue
        key, key_text, val_text, kind, where = _damaged_entry(g, d, user)
        piece = [key, key_text, val_text, kind, "plain", False, d]
        pos = r.randrange(0, len(pieces) + 1)
        pieces.insert(pos, piece)
        damages.append({"piece": piece, "kind": d, "key": key, "where": where})
    if truncate and pieces:
        # the truncated entry must be the last one: move a clean, sizeable entry to the end
        bulk_kinds = {"learning-record", "review", "embed-token", "webhook", *SESSION_KINDS}
        cands = [j for j, p in enumerate(pieces) if p[5] and p[3] in bulk_kinds and len(p[2]) > 40]
        j = cands[-1] if cands else len(pieces) - 1
        pieces.append(pieces.pop(j))

    # Assemble, computing each entry's line, column and byte offset.
    sep = ", " if layout == "pr-str" else ",\n "
    parts: list[str] = ["{"]
    line, col, off = 1, 2, 1  # after "{"
    truth = Truth()
    piece_truth: dict[int, EntryTruth] = {}
    for idx, p in enumerate(pieces):
        if idx:
            parts.append(sep)
            line, col, off = _advance(sep, line, col, off)
        key, key_text, val_text = p[0], p[1], p[2]
        entry_text = f"{key_text} {val_text}"
        nbytes = len(entry_text.encode("utf-8"))
        kind = p[3]
        et = EntryTruth(
            key=key,
            key_text=key_text,
            kind="learning-record" if kind == "partial-learning-record" else kind,
            data_type=KIND_TYPES.get(kind, "Other"),
            style=p[4],
            line=line,
            column=col,
            offset=off,
            length=nbytes,
            clean=p[5],
            damage=p[6],
        )
        piece_truth[id(p)] = et
        truth.entries.append(et)
        parts.append(entry_text)
        line, col, off = _advance(entry_text, line, col, off, nbytes)
    parts.append("}")
    text = "".join(parts)

    for d in damages:
        et = piece_truth[id(d["piece"])]
        kt = et.key_text
        if d["where"] == "key":
            dl, dc, do, snippet = et.line, et.column, et.offset, kt
        else:  # offending text inside the value: find its start
            entry_text = d["piece"][1] + " " + d["piece"][2]
            rel = entry_text.index(d["where"])
            dl, dc, do = _advance(entry_text[:rel], et.line, et.column, et.offset)
            snippet = entry_text[rel : rel + 60]
        end_l, end_c, _ = _advance(
            d["piece"][1] + " " + d["piece"][2], et.line, et.column, et.offset
        )
        truth.damages.append(
            DamageTruth(
                kind=d["kind"],
                line=dl,
                column=dc,
                offset=do,
                key=d["key"],
                key_text=kt,
                text=snippet,
                end_line=end_l,
                end_column=end_c,
            )
        )
    if truncate and truth.entries:
        last = truth.entries[-1]
        entry_text = pieces[-1][1] + " " + pieces[-1][2]
        cut_chars = max(len(pieces[-1][1]) + 2, int(len(entry_text) * 0.6))
        keep = entry_text[:cut_chars]
        # cut inside the value, never inside a UTF-16 pair or right after a backslash escape
        while keep and keep[-1] == "\\":
            keep = keep[:-1]
        removed = len(entry_text) - len(keep) + 1  # + closing brace
        text = text[: len(text) - removed]
        last.clean = False
        last.damage = "truncated"
        end_l, end_c, _ = _advance(keep, last.line, last.column, last.offset)
        truth.damages.append(
            DamageTruth(
                kind="truncated",
                line=last.line,
                column=last.column,
                offset=last.offset,
                key=last.key,
                key_text=last.key_text,
                text=keep[:60],
                end_line=end_l,
                end_column=end_c,
            )
        )
    truth.damages.sort(key=lambda d: d.offset)
    clean = {
        e.key: value[e.key]
        for e in truth.entries
        if e.clean and e.key in value and e.damage is None
    }
    return Generated(text=text, value=value, truth=truth, seed=seed, style=style, clean=clean)


def _approx_size(v: Any) -> int:
    """Cheap printed-size estimate used to reach a target size without printing twice."""
    if isinstance(v, str):
        return len(v) + 3
    if isinstance(v, dict):
        return sum(_approx_size(k) + _approx_size(x) + 2 for k, x in v.items()) + 2
    if isinstance(v, frozenset | tuple):
        return sum(_approx_size(x) + 1 for x in v) + 2
    if isinstance(v, edn.Keyword):
        return len(v.name) + (len(v.namespace) + 1 if v.namespace else 0) + 1
    return 8


def _advance(
    s: str, line: int, col: int, off: int, nbytes: int | None = None
) -> tuple[int, int, int]:
    """Position after text s starting at (line, col, byte offset)."""
    nl = s.count("\n")
    if nl:
        line += nl
        col = len(s) - s.rfind("\n")
    else:
        col += len(s)
    off += len(s.encode("utf-8")) if nbytes is None else nbytes
    return line, col, off


def _damaged_entry(g: _Gen, kind: str, user: str) -> tuple[Any, str, str, str, str]:
    """One entry carrying `kind` of damage: (intended key, key text, value text, kind, where)."""
    r = g.r
    if kind == "digit-name":
        if r.random() < 0.5:
            key, val = g.learning_record(title=f"{r.randint(2, 99)}x onboarding flow", leading="")
            return key, str(key), edn.dumps(val, pr_str=True), "learning-record", "key"
        key, val = g.embed_token(digit_first=True)
        return key, str(key), edn.dumps(val, pr_str=True), "embed-token", "key"
    if kind == "auto-resolved":
        key, val = g.learning_record()
        return key, "::" + str(key)[1:], edn.dumps(val, pr_str=True), "learning-record", "key"
    if kind == "space-in-name":
        free = [n for n in NAMES if K("projects", n) not in g.used_keys] or list(NAMES)
        name = r.choice(free)
        pid, proj = g.project(workspace=False)
        key = K("projects", name)
        g.used_keys.add(key)
        return key, f":projects/{name}", edn.dumps({pid: proj}, pr_str=True), "projects", "key"
    if kind == "empty-name":
        key = K("presence", "")
        return key, ":presence/", edn.dumps(g.presence(), pr_str=True), "presence", "key"
    if kind == "object":
        key = K("tool", f"connection-{g.hex(6)}")
        obj = f'#object[datalevin.db.DB 0x{g.hex(8)} "datalevin.db.DB@{g.hex(8)}"]'
        val = f"{{:conn {obj}, :opened-at {g.ms()}}}"
        return key, str(key), val, "adhoc", "#object["
    if kind == "record":
        key = K("tool", f"last-result-{g.hex(6)}")
        val = f'#ouroboros.learning.Record{{:id "{user}/rec-{g.ms()}", :score {r.randrange(100)}}}'
        return key, str(key), val, "adhoc", "#ouroboros.learning.Record"
    if kind == "regex":
        key = K("tool", f"matcher-{g.hex(6)}")
        val = f'{{:pattern #"^{user}/[a-z0-9-]+\\d{{13}}$", :at {g.ms()}}}'
        return key, str(key), val, "adhoc", '#"'
    raise ValueError(kind)
