"""The entry makers: one method per kind of top-level entry, printed as the app prints it."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from workbench import edn
from workbench.memory.generate.vocabulary import (
    BASE_MS,
    BUILDERS,
    CATEGORIES,
    COLORS,
    ESCAPED_BITS,
    KW,
    NAMES,
    OP_TYPES,
    SENTENCE_POOL,
    SESSION_KINDS,
    SESSION_PREFIX,
    SPAN_MS,
    TAGS,
    UNICODE_BITS,
    WORDS,
    K,
)


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
        status = KW["deleted"] if self.r.random() < 0.08 else KW["active"]
        v: dict = {
            KW["learning/id"]: lid,
            KW["learning/title"]: title,
            KW["learning/user"]: self.user,
            KW["learning/created"]: self.iso(created),
            KW["learning/category"]: self.r.choice(CATEGORIES),
            KW["learning/insights"]: edn.Vector(
                self.paragraph(1, 12) for _ in range(self.r.randint(1, 4))
            ),
            KW["learning/examples"]: edn.Vector(
                {KW["before"]: self.sentence(), KW["after"]: self.sentence()}
                for _ in range(self.r.randint(0, 2))
            ),
            KW["learning/pattern"]: None if self.r.random() < 0.4 else self.words(2, 5),
            KW["learning/transfers"]: edn.Vector(
                self.words(2, 4) for _ in range(self.r.randint(0, 3))
            ),
            KW["learning/tags"]: frozenset(tags),
            KW["learning/confidence"]: self.r.randint(1, 5),
            KW["learning/applied-count"]: self.r.randrange(20),
            KW["learning/last-applied"]: None if self.r.random() < 0.5 else self.iso(),
            KW["learning/status"]: status,
            KW["learning/merged-count"]: self.r.randrange(4),
        }
        if self.r.random() < 0.3:
            v[KW["learning/updated-at"]] = self.iso()
        if status.name == "deleted":
            v[KW["learning/deleted-at"]] = self.iso()
            self.deleted_ids.append(lid)
        if self.r.random() < 0.25:
            v[KW["learning/code-files"]] = edn.Vector(
                {
                    KW["file"]: f"src/ouroboros/{self.r.choice(WORDS)}.clj",
                    KW["score"]: round(self.r.random(), 3),
                }
                for _ in range(self.r.randint(1, 3))
            )
        if self.r.random() < 0.15:
            v[KW["learning/code-snippets"]] = edn.List(
                {
                    KW["lang"]: "clojure",
                    KW["code"]: f"(defn {self.r.choice(WORDS)} [x]\n  (inc x))",
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
            KW["learning/applied-count"]: 1,
            KW["learning/last-applied"]: self.iso(),
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
            KW["learning-id"]: lid,
            KW["level"]: self.r.randint(1, 4),
            KW["scheduled-at"]: created + self.r.randrange(1, 30) * 86_400_000,
            KW["created"]: created,
        }
        if self.r.random() < 0.5:
            v[KW["previous-level"]] = self.r.randint(1, 4)
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
        op = self.r.choice((KW["create"], KW["delete"]))
        return {
            KW["op"]: op,
            KW["user"]: self.ukw if self.r.random() < 0.5 else self.user,
            KW["id"]: self.r.choice(self.learning_ids) if self.learning_ids else "none",
            KW["timestamp"]: self.ms(),
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
            KW["project/id"]: pid,
            KW["project/name"]: name,
            KW["project/description"]: self.sentence(),
            KW["project/owner"]: self.user,
            KW["project/status"]: self.kw(
                self.r.choice(("draft", "active", "completed", "archived"))
            ),
            KW["project/created-at"]: self.iso(created),
            KW["project/updated-at"]: self.iso(created + 3_600_000),
        }
        if workspace:
            v[KW["project/path"]] = f"/Users/{self.user}/code/{name}"
        return pid, v

    def projects(self, n: int) -> dict:
        out = {}
        for i in range(n):
            pid, v = self.project(workspace=i < max(1, n // 2))
            out[pid] = v
        return out

    def note(self, section: str, qualified: bool) -> tuple[str, dict]:
        nid = f"{section}-{self.uuid()}"
        pos = {KW["x"]: self.r.randrange(800), KW["y"]: self.r.randrange(600)}
        if qualified:
            return nid, {
                KW["item/id"]: nid,
                KW["item/section"]: self.kw(section),
                KW["item/content"]: self.sentence(3, 10),
                KW["item/color"]: self.r.choice(COLORS),
                KW["item/position"]: pos,
            }
        return nid, {  # unqualified note keys, section as a string
            KW["id"]: nid,
            KW["content"]: self.sentence(3, 10),
            KW["color"]: self.r.choice(COLORS),
            KW["section"]: section,
            KW["position"]: pos,
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
            KW["session/id"]: sid,
            KW["session/project-id"]: self.r.choice(self.project_ids) if self.project_ids else "",
            KW["session/type"]: self.kw(stype),
            KW["session/state"]: state,
            KW["session/data"]: data,
            KW["session/created-at"]: self.iso(created),
            KW["session/updated-at"]: self.iso(created + 60_000),
        }
        if state.name == "completed":
            v[KW["session/completed-at"]] = self.iso(created + 120_000)
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
                KW["user/id"]: uid,
                KW["user/name"]: self.r.choice(NAMES),
                KW["user/color"]: self.r.choice(COLORS),
                KW["user/avatar"]: f"https://avatars.example.com/{self.hex(8)}.png",
                KW["user/joined-at"]: self.ms(),
            }
        return out

    def ops(self, sid_value: Any) -> edn.Vector:
        start = self.r.randrange(1, 10_000)
        return edn.Vector(
            {
                KW["op/id"]: start + i,
                KW["op/type"]: self.r.choice(OP_TYPES),
                KW["op/target"]: f"persona-{self.uuid()}",
                KW["op/data"]: {KW["content"]: self.sentence(2, 8)}
                if self.r.random() < 0.8
                else {KW["x"]: self.r.randrange(800), KW["y"]: self.r.randrange(600)},
                KW["op/user-id"]: self.user_id(),
                KW["op/timestamp"]: self.ms(),
                KW["op/session-id"]: sid_value,
            }
            for i in range(self.r.randint(1, 12))
        )

    def comments(self) -> dict:
        out = {}
        ids: list[str] = []
        for _ in range(self.r.randint(1, 5)):
            cid = f"comment-{self.ms()}-{self.r.randrange(1000)}"
            c = {
                KW["comment/id"]: cid,
                KW["comment/text"]: self.sentence(),
                KW["comment/author"]: self.user_id(),
                KW["comment/item-id"]: f"note-{self.uuid()}",
                KW["comment/created-at"]: self.ms(),
                KW["comment/resolved?"]: self.r.random() < 0.3,
            }
            if ids and self.r.random() < 0.4:
                c[KW["comment/parent-id"]] = self.r.choice(ids)
            if self.r.random() < 0.1:
                c[KW["comment/reactions"]] = edn.Vector([KW["thumbs-up"]])
            ids.append(cid)
            out[cid] = c
        return out

    def small_state(self) -> dict:
        return {
            KW["notes"]: self.r.randrange(40),
            KW["title"]: self.words(2, 5),
            KW["sections"]: edn.Vector(
                self.kw(s) for s in self.r.sample(BUILDERS["lean-canvas"], 3)
            ),
        }

    def versions(self, sid_value: Any) -> dict:
        out = {}
        for _ in range(self.r.randint(1, 3)):
            t = self.ms()
            vid = f"v-{t}"
            v = {
                KW["version/id"]: vid,
                KW["version/label"]: self.words(1, 3),
                KW["version/state"]: self.small_state(),
                KW["version/created-by"]: self.user_id(),
                KW["version/created-at"]: t,
                KW["version/session-id"]: sid_value,
            }
            if self.r.random() < 0.5:
                v[KW["version/description"]] = self.sentence()
            out[vid] = v
        return out

    def offline_queue(self) -> edn.Vector:
        return edn.Vector(
            {
                KW["op/id"]: f"op-{i}-{self.ms()}",
                KW["op/type"]: self.r.choice(OP_TYPES),
                KW["op/data"]: {KW["content"]: self.sentence(2, 6)},
                KW["op/user-id"]: self.user_id(),
                KW["op/queued-at"]: self.ms(),
                KW["op/status"]: self.kw(self.r.choice(("pending", "completed"))),
                KW["op/attempts"]: self.r.randrange(4),
            }
            for i in range(self.r.randint(1, 6))
        )

    def snapshot(self, sid_value: Any) -> dict:
        return {
            KW["snapshot/session-id"]: sid_value,
            KW["snapshot/user-id"]: self.user_id(),
            KW["snapshot/state"]: self.small_state(),
            KW["snapshot/saved-at"]: self.ms(),
            KW["snapshot/version"]: 1,
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
            KW["token/value"]: tok,
            KW["token/user-id"]: self.user,
            KW["token/project-id"]: self.r.choice(self.project_ids) if self.project_ids else "",
            KW["token/permissions"]: edn.Vector(
                self.kw(p) for p in self.r.sample(("read", "comment", "edit"), self.r.randint(1, 3))
            ),
            KW["token/created-at"]: self.iso(created),
            KW["token/expires-at"]: self.iso(created + 30 * 86_400_000),
            KW["token/active?"]: self.r.random() < 0.7,
        }
        if not v[KW["token/active?"]] and self.r.random() < 0.7:
            v[KW["token/revoked-at"]] = self.iso(created + 86_400_000)
        return K("embed-token", tok), v

    def webhook(self) -> tuple[Any, dict]:
        wid = self.hex(32, letter_first=True)
        return K("webhook", wid), {
            KW["webhook/id"]: wid,
            KW["webhook/user-id"]: self.user,
            KW["webhook/url"]: f"https://hooks.example.com/{self.hex(12)}?src=ouroboros&x=1",
            KW["webhook/events"]: frozenset(
                K(None, e)
                for e in self.r.sample(
                    ("learning.created", "session.completed", "comment.added", "project.updated"),
                    self.r.randint(1, 3),
                )
            ),
            KW["webhook/secret"]: self.hex(40),
            KW["webhook/created-at"]: self.iso(),
            KW["webhook/active?"]: self.r.random() < 0.8,
        }

    # ad-hoc -----------------------------------------------------------------
    def adhoc_fixed(self) -> list[tuple[Any, Any]]:
        exotic = {
            KW["inst"]: edn.loads('#inst "2026-02-18T15:31:01.428-00:00"'),
            KW["uuid"]: uuid.UUID(self.uuid()),
            KW["char"]: edn.Char("x"),
            KW["bigint"]: edn.BigInt(12345678901234567890123),
            KW["big-no-n"]: 98765432109876543210,  # a big integer printed without N
            KW["decimal"]: Decimal("3.14159"),
            KW["ratio"]: Fraction(22, 7),
            KW["symbol"]: edn.Symbol("clojure.core", "inc"),
            KW["inf"]: float("inf"),
            K(None, "neg-inf"): float("-inf"),
            K(None, "nan"): float("nan"),
            KW["double"]: 2.5,
            KW["empty"]: edn.Vector(),
            KW["text"]: 'Grüße — "quoted" \\ back\nslash ✓',
        }
        return [
            (KW["test-key"], "test-value"),
            (
                KW["config"],
                {KW["db"]: {KW["host"]: "localhost", KW["port"]: 5432}},
            ),
            (KW["1098765432109876543/x"], 1),  # numeric namespace: clojure.edn reads it
            (KW["test/exotic"], exotic),
            (None, "saved under a nil key"),  # a nil top-level key (ad-hoc save)
            ("string-key", edn.Vector([1, 2, 3])),
        ]

    def adhoc(self, i: int) -> tuple[Any, Any]:
        roll = self.r.random()
        if roll < 0.3:
            return K("tool", f"scratch-{i}"), {
                KW["run"]: i,
                KW["ok?"]: self.r.random() < 0.5,
            }
        if roll < 0.6:
            return K(None, f"test-key-{i}"), self.words(1, 6)
        if roll < 0.8:
            return K("debug", f"last-{i}"), edn.List([self.ms(), None, KW["x"]])
        return K(None, f"tmp-{i}"), {KW["nested"]: {KW["deep"]: edn.Vector([{KW["a"]: 1}])}}
