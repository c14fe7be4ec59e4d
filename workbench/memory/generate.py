"""Deterministic generator of realistic Ouroboros `memory.edn` files, with optional injected damage.

Follows ../shared/context/memory-edn.md key by key: one user; projects; builder sessions with both
note styles; presence, ops, comments, versions, offline queues and snapshots per session; learning
records (keyed by user), reviews and the four learning indexes with their quirks; embed tokens,
webhooks, notifications and a few ad-hoc keys. Text is printed the way the app prints (pr-str: one
line, `, ` between map entries), per entry in plain or namespace-map style. Damage is injected into
the text and recorded in `truth` (kind, line, column, affected key) so salvage can be checked.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from workbench import edn
from workbench.io import atomic_write_text

K = edn.Keyword

DAMAGE_KINDS: tuple[str, ...] = (
    "digit-name",  # :U/10x-onboarding-... (name starts with a digit after a namespace)
    "auto-resolved",  # ::U/... (auto-resolved keyword)
    "space-in-name",  # :projects/John Doe
    "empty-name",  # :presence/
    "object",  # #object[...] value
    "record",  # #my.ns.Rec{...} value
    "duplicate-key",  # the same key twice
    "truncated",  # the file ends in the middle of the last entry
    "regex",  # #"..." value (Clojure prints a regex that way; clojure.edn refuses it)
)
STYLES = ("plain", "nsmaps", "mixed")
LAYOUTS = ("pr-str", "lines")

# Generated kinds -> data type (the ground truth the classifier is tested against).
KIND_TYPES: dict[str, str] = {
    "learning-record": "Learning Records",
    "partial-learning-record": "Learning Records",
    "review": "Learning Records",
    "learning-index": "Learning Indexes",
    "review-index": "Learning Indexes",
    "tag-index": "Learning Indexes",
    "wal": "Learning Indexes",
    "projects": "Projects",
    "builder-sessions": "Sessions",
    "presence": "Sessions",
    "ops": "Sessions",
    "comments": "Sessions",
    "versions": "Sessions",
    "offline-queue": "Sessions",
    "snapshot": "Sessions",
    "embed-token": "Embed",
    "webhook": "Embed",
    "notifications": "Other",
    "adhoc": "Other",
}

# Default weights of the repeated kinds (singletons such as indexes are always added once).
DEFAULT_MIX: dict[str, float] = {
    "learning-record": 0.50,
    "review": 0.30,
    "session": 0.10,  # one session = up to 6 keys: presence/ops/comments/versions/queue/snapshot
    "embed-token": 0.06,
    "webhook": 0.02,
    "adhoc": 0.01,
}
SESSION_KINDS = ("presence", "ops", "comments", "versions", "offline-queue", "snapshot")
SESSION_PREFIX = {
    "presence": "presence",
    "ops": "ops",
    "comments": "comments",
    "versions": "versions",
    "offline-queue": "offline-queue",
    "snapshot": "session-snapshot",
}

BASE_MS = 1_771_400_000_000  # 2026-02-18
SENTENCE_POOL = 1024
SPAN_MS = 120 * 24 * 3600 * 1000

WORDS = (
    "pattern memory session project learning review insight cache index query schema user "
    "token webhook offline queue snapshot state sync build deploy test refactor clojure edn "
    "datalog lmdb migration notebook profile bench store atom watch debounce thread print "
    "namespace keyword vector list set map value key record tag error salvage recover file "
    "write read parse transform persona canvas proposition mvp onboarding pricing metrics "
    "customer segment channel revenue cost advantage solution problem empathy feeling"
).split()
UNICODE_BITS = ("café", "naïve", "—", "✓", "日本語", "Zürich", "emoji 🚀", "Ω≈ç√")
ESCAPED_BITS = ('"quoted"', "back\\slash", "tab\there", "line\nbreak", "crlf\r\n")
NAMES = ("Alice Martin", "Bob Chen", "Chloé Dubois", "Dmitri Ivanov", "Eve Okafor", "Fatima Zahra")
COLORS = ("#FF6B6B", "#4ECDC4", "#45B7D1", "#96CEB4", "#FFEAA7", "#DDA0DD", "#98D8C8")
CATEGORIES = ("architecture", "debugging", "performance", "testing", "workflow", "ux", "data")
TAGS = ("clojure", "edn", "lmdb", "perf", "bug", "ui", "sync", "schema", "repl", "tooling")
BUILDERS: dict[str, tuple[str, ...]] = {
    "empathy-map": ("persona", "think-feel", "see", "hear", "say-do", "pain-gain"),
    "value-proposition": (
        "customer-jobs",
        "pains",
        "gains",
        "products-services",
        "pain-relievers",
        "gain-creators",
    ),
    "mvp-planning": (
        "problem",
        "target-users",
        "core-features",
        "nice-to-have",
        "success-metrics",
        "risks",
        "timeline",
        "resources",
    ),
    "lean-canvas": (
        "problem",
        "customer-segments",
        "unique-value-proposition",
        "solution",
        "channels",
        "revenue-streams",
        "cost-structure",
        "key-metrics",
        "unfair-advantage",
    ),
}
OP_TYPES = (
    K(None, "add-note"),
    K(None, "move-note"),
    K(None, "update-note"),
    K(None, "delete-note"),
)

# Keywords used while generating, built once (interning lookups are the hot path).
_K_1098765432109876543_x = K("1098765432109876543", "x")
_K_a = K(None, "a")
_K_active = K(None, "active")
_K_after = K(None, "after")
_K_at = K(None, "at")
_K_before = K(None, "before")
_K_big_no_n = K(None, "big-no-n")
_K_bigint = K(None, "bigint")
_K_char = K(None, "char")
_K_code = K(None, "code")
_K_color = K(None, "color")
_K_comment_author = K("comment", "author")
_K_comment_created_at = K("comment", "created-at")
_K_comment_id = K("comment", "id")
_K_comment_item_id = K("comment", "item-id")
_K_comment_parent_id = K("comment", "parent-id")
_K_comment_reactions = K("comment", "reactions")
_K_comment_resolved_q = K("comment", "resolved?")
_K_comment_text = K("comment", "text")
_K_config = K(None, "config")
_K_content = K(None, "content")
_K_create = K(None, "create")
_K_created = K(None, "created")
_K_db = K(None, "db")
_K_decimal = K(None, "decimal")
_K_deep = K(None, "deep")
_K_delete = K(None, "delete")
_K_deleted = K(None, "deleted")
_K_double = K(None, "double")
_K_due_count = K(None, "due-count")
_K_duplicate = K(None, "duplicate")
_K_empty = K(None, "empty")
_K_file = K(None, "file")
_K_host = K(None, "host")
_K_id = K(None, "id")
_K_inf = K(None, "inf")
_K_inst = K(None, "inst")
_K_item_color = K("item", "color")
_K_item_content = K("item", "content")
_K_item_id = K("item", "id")
_K_item_position = K("item", "position")
_K_item_section = K("item", "section")
_K_lang = K(None, "lang")
_K_learning_applied_count = K("learning", "applied-count")
_K_learning_category = K("learning", "category")
_K_learning_code_files = K("learning", "code-files")
_K_learning_code_snippets = K("learning", "code-snippets")
_K_learning_confidence = K("learning", "confidence")
_K_learning_created = K("learning", "created")
_K_learning_deleted_at = K("learning", "deleted-at")
_K_learning_examples = K("learning", "examples")
_K_learning_id = K(None, "learning-id")
_K_LEARNING_ID = K("learning", "id")
_K_learning_index = K("learning", "index")
_K_learning_insights = K("learning", "insights")
_K_learning_last_applied = K("learning", "last-applied")
_K_learning_merged_count = K("learning", "merged-count")
_K_learning_pattern = K("learning", "pattern")
_K_learning_review_index = K("learning", "review-index")
_K_learning_status = K("learning", "status")
_K_learning_tag_index = K("learning", "tag-index")
_K_learning_tags = K("learning", "tags")
_K_learning_title = K("learning", "title")
_K_learning_transfers = K("learning", "transfers")
_K_learning_updated_at = K("learning", "updated-at")
_K_learning_user = K("learning", "user")
_K_learning_wal = K("learning", "wal")
_K_level = K(None, "level")
_K_nested = K(None, "nested")
_K_notes = K(None, "notes")
_K_ok_q = K(None, "ok?")
_K_op = K(None, "op")
_K_op_attempts = K("op", "attempts")
_K_op_data = K("op", "data")
_K_op_id = K("op", "id")
_K_op_queued_at = K("op", "queued-at")
_K_op_session_id = K("op", "session-id")
_K_op_status = K("op", "status")
_K_op_target = K("op", "target")
_K_op_timestamp = K("op", "timestamp")
_K_op_type = K("op", "type")
_K_op_user_id = K("op", "user-id")
_K_port = K(None, "port")
_K_position = K(None, "position")
_K_previous_level = K(None, "previous-level")
_K_project_created_at = K("project", "created-at")
_K_project_description = K("project", "description")
_K_project_id = K("project", "id")
_K_project_name = K("project", "name")
_K_project_owner = K("project", "owner")
_K_project_path = K("project", "path")
_K_project_status = K("project", "status")
_K_project_updated_at = K("project", "updated-at")
_K_ratio = K(None, "ratio")
_K_run = K(None, "run")
_K_scheduled_at = K(None, "scheduled-at")
_K_score = K(None, "score")
_K_section = K(None, "section")
_K_sections = K(None, "sections")
_K_session_completed_at = K("session", "completed-at")
_K_session_created_at = K("session", "created-at")
_K_session_data = K("session", "data")
_K_session_id = K("session", "id")
_K_session_project_id = K("session", "project-id")
_K_session_state = K("session", "state")
_K_session_type = K("session", "type")
_K_session_updated_at = K("session", "updated-at")
_K_snapshot_saved_at = K("snapshot", "saved-at")
_K_snapshot_session_id = K("snapshot", "session-id")
_K_snapshot_state = K("snapshot", "state")
_K_snapshot_user_id = K("snapshot", "user-id")
_K_snapshot_version = K("snapshot", "version")
_K_symbol = K(None, "symbol")
_K_test_exotic = K("test", "exotic")
_K_test_key = K(None, "test-key")
_K_text = K(None, "text")
_K_thumbs_up = K(None, "thumbs-up")
_K_timestamp = K(None, "timestamp")
_K_title = K(None, "title")
_K_token_active_q = K("token", "active?")
_K_token_created_at = K("token", "created-at")
_K_token_expires_at = K("token", "expires-at")
_K_token_permissions = K("token", "permissions")
_K_token_project_id = K("token", "project-id")
_K_token_revoked_at = K("token", "revoked-at")
_K_token_user_id = K("token", "user-id")
_K_token_value = K("token", "value")
_K_user = K(None, "user")
_K_user_avatar = K("user", "avatar")
_K_user_color = K("user", "color")
_K_user_id = K("user", "id")
_K_user_joined_at = K("user", "joined-at")
_K_user_name = K("user", "name")
_K_uuid = K(None, "uuid")
_K_version_created_at = K("version", "created-at")
_K_version_created_by = K("version", "created-by")
_K_version_description = K("version", "description")
_K_version_id = K("version", "id")
_K_version_label = K("version", "label")
_K_version_session_id = K("version", "session-id")
_K_version_state = K("version", "state")
_K_webhook_active_q = K("webhook", "active?")
_K_webhook_created_at = K("webhook", "created-at")
_K_webhook_events = K("webhook", "events")
_K_webhook_id = K("webhook", "id")
_K_webhook_secret = K("webhook", "secret")
_K_webhook_url = K("webhook", "url")
_K_webhook_user_id = K("webhook", "user-id")
_K_x = K(None, "x")
_K_y = K(None, "y")


@dataclass(slots=True)
class EntryTruth:
    """Ground truth for one top-level entry written to the text."""

    key: Any
    key_text: str
    kind: str
    data_type: str
    style: str
    line: int
    column: int
    offset: int  # UTF-8 bytes
    length: int  # UTF-8 bytes, key through value
    clean: bool = True
    damage: str | None = None


@dataclass(slots=True)
class DamageTruth:
    """Ground truth for one injected damage: where the offending text starts and what it hits."""

    kind: str
    line: int
    column: int
    offset: int
    key: Any  # the key the app meant (None when it cannot be built)
    key_text: str  # the key as written in the file
    text: str  # the offending text (start of it)
    end_line: int = 0
    end_column: int = 0


@dataclass
class Truth:
    """What the generator wrote: every entry and every injected damage."""

    entries: list[EntryTruth] = field(default_factory=list)
    damages: list[DamageTruth] = field(default_factory=list)

    def clean_entries(self) -> list[EntryTruth]:
        """Entries whose text is intact and unambiguous (a salvage must recover them identical)."""
        return [e for e in self.entries if e.clean]

    def damaged_keys(self) -> list[Any]:
        """Keys of the entries affected by damage."""
        return [e.key for e in self.entries if not e.clean]

    def to_json(self) -> str:
        """The truth as JSON (keys printed as EDN)."""

        def row(obj: Any) -> dict:
            d = asdict(obj)
            d["key"] = None if obj.key is None else edn.printed(obj.key)
            return d

        return json.dumps(
            {"entries": [row(e) for e in self.entries], "damages": [row(d) for d in self.damages]},
            indent=1,
            ensure_ascii=False,
        )


@dataclass
class Generated:
    """A generated memory: its text, the intended data and the ground truth."""

    text: str
    value: dict
    truth: Truth
    seed: int
    style: str
    clean: dict = field(default_factory=dict)

    def write(self, path: str | os.PathLike, truth_path: str | os.PathLike | None = None) -> Path:
        """Write the text atomically (and optionally the truth as JSON)."""
        p = atomic_write_text(path, self.text)
        if truth_path is not None:
            atomic_write_text(truth_path, self.truth.to_json())
        return p


class _Gen:
    """Stateful random builders for every key kind."""

    def __init__(self, seed: int, user: str) -> None:
        self.r = random.Random(seed)
        self.user = user
        self.ukw = K(None, user)
        self.used_keys: set = set()
        self.used_ids: set[str] = set()
        self._kws: dict[str, edn.Keyword] = {}
        self.learning_ids: list[str] = []
        self.deleted_ids: list[str] = []
        self.review_ids: list[str] = []
        self.unreviewed: list[str] = []
        self.tags: dict[str, list[str]] = {}
        self.project_ids: list[str] = []
        self.session_ids: list[str] = []
        self.collab_users: list[Any] = []
        self.sid_counter = 0
        self._pools: dict[tuple[int, int], list[str]] = {}
        for i in range(4):
            self.collab_users.append(self.user if i == 0 else f"user-{self.hex(6)}")

    # small pieces -------------------------------------------------------------
    def kw(self, name: str) -> edn.Keyword:
        """Unqualified keyword, memoised (keyword construction is on the hot path)."""
        k = self._kws.get(name)
        if k is None:
            k = self._kws[name] = K(None, name)
        return k

    def ms(self) -> int:
        return BASE_MS + int(self.r.random() * SPAN_MS)

    def iso(self, ms: int | None = None) -> str:
        ms = self.ms() if ms is None else ms
        secs, milli = divmod(ms, 1000)
        import datetime as _dt

        t = _dt.datetime.fromtimestamp(secs, _dt.UTC)
        digits = self.r.choice((0, 3, 6, 9))
        frac = f"{milli:03d}{self.r.randrange(1000000):06d}"[:digits]
        return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if digits else "") + "Z"

    def hex(self, n: int, letter_first: bool = False) -> str:
        s = f"{self.r.getrandbits(4 * n):0{n}x}"
        if letter_first and s[0].isdigit():
            s = self.r.choice("abcdef") + s[1:]
        return s

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.r.choices(WORDS, k=self.r.randint(lo, hi)))

    def sentence(self, lo: int = 6, hi: int = 16) -> str:
        """A sentence from a per-length pool (built once: random text is the generator's hot path)."""
        pool = self._pools.get((lo, hi))
        if pool is None:
            pool = self._pools[(lo, hi)] = [
                self._new_sentence(lo, hi) for _ in range(SENTENCE_POOL)
            ]
        return pool[int(self.r.random() * SENTENCE_POOL)]

    def _new_sentence(self, lo: int, hi: int) -> str:
        s = self.words(lo, hi)
        if self.r.random() < 0.15:
            s += " " + self.r.choice(UNICODE_BITS)
        if self.r.random() < 0.08:
            s += " " + self.r.choice(ESCAPED_BITS)
        return s[0].upper() + s[1:] + "."

    def paragraph(self, lo: int, hi: int) -> str:
        return " ".join([self.sentence() for _ in range(lo + int(self.r.random() * (hi - lo + 1)))])

    def user_id(self) -> Any:
        u = self.r.choice(self.collab_users)
        return self.kw(u) if self.r.random() < 0.3 else u

    def slug(self, title: str) -> str:
        out = "".join(c if c.isalnum() else "-" for c in title.lower())
        out = "-".join(p for p in out.split("-") if p)[:40].strip("-")
        return out or "note"

    # learning -----------------------------------------------------------------
    def learning_id(self, title: str, leading: str = "") -> str:
        while True:
            lid = f"{self.user}/{leading}{self.slug(title)}-{self.ms()}-{self.r.randrange(1000)}"
            if lid not in self.used_ids:
                self.used_ids.add(lid)
                return lid

    def learning_title(self) -> str:
        t = self.words(3, 8)
        return t[0].upper() + t[1:]

    def learning_record(
        self, title: str | None = None, leading: str | None = None
    ) -> tuple[Any, dict]:
        title = title or self.learning_title()
        if leading is None:
            leading = ""
            # keyword names starting with '-' occur (a title starting with a dash)
            if len(self.learning_ids) == 1 or self.r.random() < 0.03:
                leading = "-"
        lid = self.learning_id(title, leading)
        ns, name = lid.split("/", 1)
        created = self.ms()
        tags = self.r.sample(TAGS, self.r.randint(2, 4))
        status = _K_deleted if self.r.random() < 0.08 else _K_active
        v: dict = {
            _K_LEARNING_ID: lid,
            _K_learning_title: title,
            _K_learning_user: self.user,
            _K_learning_created: self.iso(created),
            _K_learning_category: self.r.choice(CATEGORIES),
            _K_learning_insights: edn.Vector(
                self.paragraph(1, 12) for _ in range(self.r.randint(1, 4))
            ),
            _K_learning_examples: edn.Vector(
                {_K_before: self.sentence(), _K_after: self.sentence()}
                for _ in range(self.r.randint(0, 2))
            ),
            _K_learning_pattern: None if self.r.random() < 0.4 else self.words(2, 5),
            _K_learning_transfers: edn.Vector(
                self.words(2, 4) for _ in range(self.r.randint(0, 3))
            ),
            _K_learning_tags: frozenset(tags),
            _K_learning_confidence: self.r.randint(1, 5),
            _K_learning_applied_count: self.r.randrange(20),
            _K_learning_last_applied: None if self.r.random() < 0.5 else self.iso(),
            _K_learning_status: status,
            _K_learning_merged_count: self.r.randrange(4),
        }
        if self.r.random() < 0.3:
            v[_K_learning_updated_at] = self.iso()
        if status.name == "deleted":
            v[_K_learning_deleted_at] = self.iso()
            self.deleted_ids.append(lid)
        if self.r.random() < 0.25:
            v[_K_learning_code_files] = edn.Vector(
                {
                    _K_file: f"src/ouroboros/{self.r.choice(WORDS)}.clj",
                    _K_score: round(self.r.random(), 3),
                }
                for _ in range(self.r.randint(1, 3))
            )
        if self.r.random() < 0.15:
            v[_K_learning_code_snippets] = edn.List(
                {
                    _K_lang: "clojure",
                    _K_code: f"(defn {self.r.choice(WORDS)} [x]\n  (inc x))",
                }
                for _ in range(self.r.randint(1, 2))
            )
        self.learning_ids.append(lid)
        self.unreviewed.append(lid)
        for t in tags:
            self.tags.setdefault(t, []).append(lid)
        return K(ns, name), v

    def partial_learning_record(self) -> tuple[Any, dict]:
        lid = self.learning_id(self.learning_title())
        ns, name = lid.split("/", 1)
        return K(ns, name), {
            _K_learning_applied_count: 1,
            _K_learning_last_applied: self.iso(),
        }

    def review(self) -> tuple[Any, dict]:
        # one review per learning record; when every record has one, the review is an orphan
        # (its record was deleted), as happens in real files
        if self.unreviewed:
            i = int(self.r.random() * len(self.unreviewed))
            self.unreviewed[i], self.unreviewed[-1] = self.unreviewed[-1], self.unreviewed[i]
            lid = self.unreviewed.pop()
        else:
            lid = self.learning_id(self.learning_title())
        key = K("review", lid)
        self.used_keys.add(key)
        self.review_ids.append(f"review/{key.name}")
        created = self.ms()
        v: dict = {
            _K_learning_id: lid,
            _K_level: self.r.randint(1, 4),
            _K_scheduled_at: created + self.r.randrange(1, 30) * 86_400_000,
            _K_created: created,
        }
        if self.r.random() < 0.5:
            v[_K_previous_level] = self.r.randint(1, 4)
        return key, v

    def learning_index(self) -> dict:
        ids = [i for i in self.learning_ids if i not in set(self.deleted_ids)]
        coll = edn.List(ids) if self.deleted_ids else edn.Vector(ids)  # a list after a deletion
        v: dict = {self.ukw: coll}
        v[None] = edn.List()  # a nil key with () appears
        return v

    def review_index(self) -> dict:
        v: dict = {self.ukw: frozenset(self.review_ids)}
        v[None] = None  # {nil nil}
        return v

    def tag_index(self) -> dict:
        if self.r.random() < 0.3:
            return {}
        return {t: frozenset(ids) for t, ids in sorted(self.tags.items())}

    def wal(self) -> dict:
        op = self.r.choice((_K_create, _K_delete))
        return {
            _K_op: op,
            _K_user: self.ukw if self.r.random() < 0.5 else self.user,
            _K_id: self.r.choice(self.learning_ids) if self.learning_ids else "none",
            _K_timestamp: self.ms(),
        }

    # projects and builder sessions ------------------------------------------
    def project(self, workspace: bool) -> tuple[str, dict]:
        if workspace:
            d = self.r.choice(("ouroboros", "workbench", "notes", "site", "api"))
            h = self.r.randrange(-(2**31), 2**31)
            pid = f"{self.user}/{d}-{h}"
            name = d
        else:
            name = self.learning_title()
            pid = f"{self.user}/project-{self.slug(name)}-{self.ms()}"
        self.project_ids.append(pid)
        created = self.ms()
        v = {
            _K_project_id: pid,
            _K_project_name: name,
            _K_project_description: self.sentence(),
            _K_project_owner: self.user,
            _K_project_status: self.kw(self.r.choice(("draft", "active", "completed", "archived"))),
            _K_project_created_at: self.iso(created),
            _K_project_updated_at: self.iso(created + 3_600_000),
        }
        if workspace:
            v[_K_project_path] = f"/Users/{self.user}/code/{name}"
        return pid, v

    def projects(self, n: int) -> dict:
        out = {}
        for i in range(n):
            pid, v = self.project(workspace=i < max(1, n // 2))
            out[pid] = v
        return out

    def note(self, section: str, qualified: bool) -> tuple[str, dict]:
        nid = f"{section}-{self.uuid()}"
        pos = {_K_x: self.r.randrange(800), _K_y: self.r.randrange(600)}
        if qualified:
            return nid, {
                _K_item_id: nid,
                _K_item_section: self.kw(section),
                _K_item_content: self.sentence(3, 10),
                _K_item_color: self.r.choice(COLORS),
                _K_item_position: pos,
            }
        return nid, {  # unqualified note keys, section as a string
            _K_id: nid,
            _K_content: self.sentence(3, 10),
            _K_color: self.r.choice(COLORS),
            _K_section: section,
            _K_position: pos,
        }

    def builder_session(self, qualified: bool) -> tuple[str, dict]:
        stype = self.r.choice(tuple(BUILDERS))
        sid = self.uuid()
        self.session_ids.append(sid)
        data = {}
        for _ in range(self.r.randint(2, 8)):
            nid, note = self.note(self.r.choice(BUILDERS[stype]), qualified)
            data[nid] = note
        created = self.ms()
        state = self.kw(self.r.choice(("active", "completed")))
        v = {
            _K_session_id: sid,
            _K_session_project_id: self.r.choice(self.project_ids) if self.project_ids else "",
            _K_session_type: self.kw(stype),
            _K_session_state: state,
            _K_session_data: data,
            _K_session_created_at: self.iso(created),
            _K_session_updated_at: self.iso(created + 60_000),
        }
        if state.name == "completed":
            v[_K_session_completed_at] = self.iso(created + 120_000)
        return sid, v

    def builder_sessions(self, n: int) -> dict:
        out = {}
        for i in range(n):
            sid, v = self.builder_session(qualified=i % 2 == 1)  # both note styles
            out[sid] = v
        return out

    # collaboration sessions --------------------------------------------------
    def sid(self) -> tuple[str, Any]:
        """A session id: its key name and the value the app stores as :op/session-id."""
        self.sid_counter += 1
        roll = self.r.random()
        if roll < 0.45:
            kw = K(None, f"s{self.sid_counter}")
            return str(kw), kw  # keyword id: printed key carries a colon (:presence/:s1)
        if roll < 0.8:
            # a uuid session id; one starting with a digit would make the key unreadable by
            # the app (that is damage, see "digit-name"), so clean files use letter-first ids
            s = self.uuid()
            while s[0].isdigit():
                s = self.uuid()
            return s, s
        s = f"session-{self.ms()}-{self.sid_counter}"
        return s, s

    def presence(self) -> dict:
        out = {}
        for u in self.r.sample(self.collab_users, self.r.randint(1, 3)):
            uid = self.kw(u) if self.r.random() < 0.3 else u
            out[uid] = {
                _K_user_id: uid,
                _K_user_name: self.r.choice(NAMES),
                _K_user_color: self.r.choice(COLORS),
                _K_user_avatar: f"https://avatars.example.com/{self.hex(8)}.png",
                _K_user_joined_at: self.ms(),
            }
        return out

    def ops(self, sid_value: Any) -> edn.Vector:
        start = self.r.randrange(1, 10_000)
        return edn.Vector(
            {
                _K_op_id: start + i,
                _K_op_type: self.r.choice(OP_TYPES),
                _K_op_target: f"persona-{self.uuid()}",
                _K_op_data: {_K_content: self.sentence(2, 8)}
                if self.r.random() < 0.8
                else {_K_x: self.r.randrange(800), _K_y: self.r.randrange(600)},
                _K_op_user_id: self.user_id(),
                _K_op_timestamp: self.ms(),
                _K_op_session_id: sid_value,
            }
            for i in range(self.r.randint(1, 12))
        )

    def comments(self) -> dict:
        out = {}
        ids: list[str] = []
        for _ in range(self.r.randint(1, 5)):
            cid = f"comment-{self.ms()}-{self.r.randrange(1000)}"
            c = {
                _K_comment_id: cid,
                _K_comment_text: self.sentence(),
                _K_comment_author: self.user_id(),
                _K_comment_item_id: f"note-{self.uuid()}",
                _K_comment_created_at: self.ms(),
                _K_comment_resolved_q: self.r.random() < 0.3,
            }
            if ids and self.r.random() < 0.4:
                c[_K_comment_parent_id] = self.r.choice(ids)
            if self.r.random() < 0.1:
                c[_K_comment_reactions] = edn.Vector([_K_thumbs_up])
            ids.append(cid)
            out[cid] = c
        return out

    def small_state(self) -> dict:
        return {
            _K_notes: self.r.randrange(40),
            _K_title: self.words(2, 5),
            _K_sections: edn.Vector(self.kw(s) for s in self.r.sample(BUILDERS["lean-canvas"], 3)),
        }

    def versions(self, sid_value: Any) -> dict:
        out = {}
        for _ in range(self.r.randint(1, 3)):
            t = self.ms()
            vid = f"v-{t}"
            v = {
                _K_version_id: vid,
                _K_version_label: self.words(1, 3),
                _K_version_state: self.small_state(),
                _K_version_created_by: self.user_id(),
                _K_version_created_at: t,
                _K_version_session_id: sid_value,
            }
            if self.r.random() < 0.5:
                v[_K_version_description] = self.sentence()
            out[vid] = v
        return out

    def offline_queue(self) -> edn.Vector:
        return edn.Vector(
            {
                _K_op_id: f"op-{i}-{self.ms()}",
                _K_op_type: self.r.choice(OP_TYPES),
                _K_op_data: {_K_content: self.sentence(2, 6)},
                _K_op_user_id: self.user_id(),
                _K_op_queued_at: self.ms(),
                _K_op_status: self.kw(self.r.choice(("pending", "completed"))),
                _K_op_attempts: self.r.randrange(4),
            }
            for i in range(self.r.randint(1, 6))
        )

    def snapshot(self, sid_value: Any) -> dict:
        return {
            _K_snapshot_session_id: sid_value,
            _K_snapshot_user_id: self.user_id(),
            _K_snapshot_state: self.small_state(),
            _K_snapshot_saved_at: self.ms(),
            _K_snapshot_version: 1,
        }

    def session_entries(self, all_kinds: bool = False) -> list[tuple[Any, Any, str]]:
        name, sid_value = self.sid()
        kinds = [k for k in SESSION_KINDS if all_kinds or self.r.random() < 0.7] or ["presence"]
        out = []
        for kind in kinds:
            key = K(SESSION_PREFIX[kind], name)
            if kind == "presence":
                v: Any = self.presence()
            elif kind == "ops":
                v = self.ops(sid_value)
            elif kind == "comments":
                v = self.comments()
            elif kind == "versions":
                v = self.versions(sid_value)
            elif kind == "offline-queue":
                v = self.offline_queue()
            else:
                v = self.snapshot(sid_value)
            out.append((key, v, kind))
        return out

    # embed ------------------------------------------------------------------
    def embed_token(self, digit_first: bool = False) -> tuple[Any, dict]:
        tok = self.hex(64, letter_first=not digit_first)
        if digit_first and not tok[0].isdigit():
            tok = str(self.r.randrange(10)) + tok[1:]
        created = self.ms()
        v = {
            _K_token_value: tok,
            _K_token_user_id: self.user,
            _K_token_project_id: self.r.choice(self.project_ids) if self.project_ids else "",
            _K_token_permissions: edn.Vector(
                self.kw(p) for p in self.r.sample(("read", "comment", "edit"), self.r.randint(1, 3))
            ),
            _K_token_created_at: self.iso(created),
            _K_token_expires_at: self.iso(created + 30 * 86_400_000),
            _K_token_active_q: self.r.random() < 0.7,
        }
        if not v[_K_token_active_q] and self.r.random() < 0.7:
            v[_K_token_revoked_at] = self.iso(created + 86_400_000)
        return K("embed-token", tok), v

    def webhook(self) -> tuple[Any, dict]:
        wid = self.hex(32, letter_first=True)
        return K("webhook", wid), {
            _K_webhook_id: wid,
            _K_webhook_user_id: self.user,
            _K_webhook_url: f"https://hooks.example.com/{self.hex(12)}?src=ouroboros&x=1",
            _K_webhook_events: frozenset(
                K(None, e)
                for e in self.r.sample(
                    ("learning.created", "session.completed", "comment.added", "project.updated"),
                    self.r.randint(1, 3),
                )
            ),
            _K_webhook_secret: self.hex(40),
            _K_webhook_created_at: self.iso(),
            _K_webhook_active_q: self.r.random() < 0.8,
        }

    # ad-hoc -----------------------------------------------------------------
    def adhoc_fixed(self) -> list[tuple[Any, Any]]:
        exotic = {
            _K_inst: edn.loads('#inst "2026-02-18T15:31:01.428-00:00"'),
            _K_uuid: uuid.UUID(self.uuid()),
            _K_char: edn.Char("x"),
            _K_bigint: edn.BigInt(12345678901234567890123),
            _K_big_no_n: 98765432109876543210,  # a big integer printed without N
            _K_decimal: Decimal("3.14159"),
            _K_ratio: Fraction(22, 7),
            _K_symbol: edn.Symbol("clojure.core", "inc"),
            _K_inf: float("inf"),
            K(None, "neg-inf"): float("-inf"),
            K(None, "nan"): float("nan"),
            _K_double: 2.5,
            _K_empty: edn.Vector(),
            _K_text: 'Grüße — "quoted" \\ back\nslash ✓',
        }
        return [
            (_K_test_key, "test-value"),
            (
                _K_config,
                {_K_db: {_K_host: "localhost", _K_port: 5432}},
            ),
            (_K_1098765432109876543_x, 1),  # numeric namespace: clojure.edn reads it
            (_K_test_exotic, exotic),
            (None, "saved under a nil key"),  # a nil top-level key (ad-hoc save)
            ("string-key", edn.Vector([1, 2, 3])),
        ]

    def adhoc(self, i: int) -> tuple[Any, Any]:
        roll = self.r.random()
        if roll < 0.3:
            return K("tool", f"scratch-{i}"), {
                _K_run: i,
                _K_ok_q: self.r.random() < 0.5,
            }
        if roll < 0.6:
            return K(None, f"test-key-{i}"), self.words(1, 6)
        if roll < 0.8:
            return K("debug", f"last-{i}"), edn.List([self.ms(), None, _K_x])
        return K(None, f"tmp-{i}"), {_K_nested: {_K_deep: edn.Vector([{_K_a: 1}])}}


# Data-type names accepted in `mix`, spread over their generator kinds by the default weights.
MIX_DATA_TYPES: dict[str, tuple[str, ...]] = {
    "Sessions": ("session",),
    "Learning Records": ("learning-record", "review"),
    "Embed": ("embed-token", "webhook"),
    "Other": ("adhoc",),
}


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
            {_K_timestamp: g.ms(), _K_due_count: r.randrange(9)},
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
        (_K_learning_index, g.learning_index(), "learning-index"),
        (_K_learning_review_index, g.review_index(), "review-index"),
        (_K_learning_tag_index, g.tag_index(), "tag-index"),
        (_K_learning_wal, g.wal(), "wal"),
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
            dup_val = {_K_duplicate: True, _K_at: g.ms()}
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


def check_salvage(g: Generated, memory: Any) -> dict[str, list]:
    """Compare a salvaged Memory with the generator's truth; every list is empty when it all holds.

    missing: clean keys not recovered; different: recovered but not edn.identical;
    misplaced: recovered at another line/column/offset/length; unreported: damages with no
    diagnostic at their line and column; misnamed: reported under another damage name.
    """
    from workbench.memory.model import damage_kind

    got = {e.key: e for e in memory.entries}
    out: dict[str, list] = {
        k: [] for k in ("missing", "different", "misplaced", "unreported", "misnamed")
    }
    for t in g.truth.entries:
        if not t.clean:
            continue
        e = got.get(t.key)
        if e is None:
            out["missing"].append(t.key)
            continue
        if t.key in g.clean and not edn.identical(e.value, g.clean[t.key]):
            out["different"].append(t.key)
        if (e.line, e.column, e.offset, e.length) != (t.line, t.column, t.offset, t.length):
            out["misplaced"].append(t.key)
    found = {(d.line, d.column): d for d in memory.diagnostics}
    for d in g.truth.damages:
        diag = found.get((d.line, d.column))
        if diag is None:
            out["unreported"].append(d)
        elif damage_kind(diag) != d.kind:
            out["misnamed"].append((d, diag))
    return out


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
