"""Classify memory entries into data types and finer kinds with one ordered, user-extendable rule table.

A rule matches on the printed key (regex, `re.search`) and/or on the value (a predicate); the first
matching rule wins. Value-shape rules come first: a map holding `:learning/id` is a learning record
whatever its key (records are keyed by user, not under `:learning/`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench import edn

DATA_TYPES = (
    "Sessions",
    "Projects",
    "Learning Records",
    "Learning Indexes",
    "Cache",
    "Embed",
    "Other",
)
UNCLASSIFIED = "unclassified"
KINDS = (
    "presence",
    "ops",
    "comments",
    "versions",
    "offline-queue",
    "snapshot",
    "builder-sessions",
    "projects",
    "learning-record",
    "review",
    "learning-index",
    "review-index",
    "tag-index",
    "wal",
    "embed-token",
    "webhook",
    "cache",
    "notifications",
    UNCLASSIFIED,
)

#: Where the records of each kind sit inside an entry's value: "root" = the value is one record,
#: "values" = one record per map value, "items" = one record per element.
RECORD_LAYOUT = {
    "learning-record": "root",
    "review": "root",
    "wal": "root",
    "snapshot": "root",
    "embed-token": "root",
    "webhook": "root",
    "notifications": "root",
    "projects": "values",
    "builder-sessions": "values",
    "presence": "values",
    "comments": "values",
    "versions": "values",
    "ops": "items",
    "offline-queue": "items",
}

LEARNING_ID = edn.Keyword("learning", "id")


@dataclass(frozen=True)
class Rule:
    """One classification rule: key regex over the printed key and/or a value predicate."""

    name: str
    data_type: str
    kind: str
    key_pattern: str | None = None
    value_pred: Callable[[Any], bool] | None = None
    _rx: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.key_pattern is None and self.value_pred is None:
            raise ValueError(f"rule {self.name!r} needs a key_pattern or a value_pred")
        if self.key_pattern is not None:
            object.__setattr__(self, "_rx", re.compile(self.key_pattern))

    def matches(self, printed_key: str, value: Any) -> bool:
        """True when both the key pattern (if any) and the value predicate (if any) match."""
        if self._rx is not None and self._rx.search(printed_key) is None:
            return False
        if self.value_pred is not None:
            try:
                return bool(self.value_pred(value))
            except Exception:
                return False
        return True


def has_learning_id(value: Any) -> bool:
    """A map holding `:learning/id` (a learning record whatever its key)."""
    return isinstance(value, Mapping) and LEARNING_ID in value


def only_learning_attrs(value: Any) -> bool:
    """A non-empty map whose keys are all `:learning/*` keywords (e.g. a partial record)."""
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and all(isinstance(k, edn.Keyword) and k.namespace == "learning" for k in value)
    )


# key namespaces of the Sessions data type (the rules below): what the migration copies first and
# what the app saves most often
SESSION_NAMESPACES = frozenset(
    {
        "builder-sessions",
        "presence",
        "ops",
        "comments",
        "versions",
        "offline-queue",
        "session-snapshot",
    }
)

_SID = r".+"  # session ids: strings, uuids, or keywords printed with their colon (:presence/:s1)

RULES: tuple[Rule, ...] = (
    Rule(
        "learning-record-by-value",
        "Learning Records",
        "learning-record",
        value_pred=has_learning_id,
    ),
    Rule("review", "Learning Records", "review", r"^:review/[^/]+/.+$"),
    Rule("learning-index", "Learning Indexes", "learning-index", r"^:learning/index$"),
    Rule("review-index", "Learning Indexes", "review-index", r"^:learning/review-index$"),
    Rule("tag-index", "Learning Indexes", "tag-index", r"^:learning/tag-index$"),
    Rule("wal", "Learning Indexes", "wal", r"^:learning/wal$"),
    Rule("projects", "Projects", "projects", r"^:projects/[^/]+$"),
    Rule("builder-sessions", "Sessions", "builder-sessions", r"^:builder-sessions/[^/]+$"),
    Rule("presence", "Sessions", "presence", rf"^:presence/{_SID}$"),
    Rule("ops", "Sessions", "ops", rf"^:ops/{_SID}$"),
    Rule("comments", "Sessions", "comments", rf"^:comments/{_SID}$"),
    Rule("versions", "Sessions", "versions", rf"^:versions/{_SID}$"),
    Rule("offline-queue", "Sessions", "offline-queue", rf"^:offline-queue/{_SID}$"),
    Rule("snapshot", "Sessions", "snapshot", rf"^:session-snapshot/{_SID}$"),
    Rule("embed-token", "Embed", "embed-token", r"^:embed-token/[0-9a-fA-F]+$"),
    Rule("webhook", "Embed", "webhook", r"^:webhook/[0-9a-fA-F]+$"),
    Rule("cache", "Cache", "cache", r"^:cache/"),
    Rule("notifications", "Other", "notifications", r"^:notifications/"),
    # learning records keyed by user (:U/<slug>-<ms>-<n>), including partial records
    Rule(
        "learning-record-by-key",
        "Learning Records",
        "learning-record",
        r"^:[^/:]+/[^/]+-\d{13}-\d{1,3}$",
    ),
    Rule(
        "learning-attrs-by-value",
        "Learning Records",
        "learning-record",
        value_pred=only_learning_attrs,
    ),
)


def build_rules(rules: Iterable[Rule] | None = None, *, replace: bool = False) -> tuple[Rule, ...]:
    """The effective rule table: user rules first (a rule with a default's name replaces it)."""
    extra = tuple(rules or ())
    if replace:
        return extra
    names = {r.name for r in extra}
    return extra + tuple(r for r in RULES if r.name not in names)


def classify(key: Any, value: Any, rules: Sequence[Rule] | None = None) -> tuple[str, str]:
    """(data_type, kind) of one entry; extra `rules` are tried before (and override) the defaults."""
    table = RULES if rules is None else build_rules(rules)
    return classify_with(table, edn.printed(key), value)


def classify_with(table: Sequence[Rule], pkey: str, value: Any) -> tuple[str, str]:
    """Classify with an already-built rule table and printed key (fast path for whole files)."""
    for rule in table:
        if rule.matches(pkey, value):
            return rule.data_type, rule.kind
    return "Other", UNCLASSIFIED


def rule_for(key: Any, value: Any, rules: Sequence[Rule] | None = None) -> str | None:
    """Name of the first rule matching the entry (None when unclassified)."""
    table = RULES if rules is None else build_rules(rules)
    pkey = edn.printed(key)
    for rule in table:
        if rule.matches(pkey, value):
            return rule.name
    return None


def rules_frame(rules: Sequence[Rule] | None = None):
    """The effective rule table as a DataFrame (for notebooks)."""
    import pandas as pd

    table = RULES if rules is None else build_rules(rules)
    return pd.DataFrame(
        [
            {
                "order": i,
                "name": r.name,
                "data_type": r.data_type,
                "kind": r.kind,
                "key_pattern": r.key_pattern,
                "value_pred": getattr(r.value_pred, "__name__", None),
            }
            for i, r in enumerate(table)
        ]
    )
