"""The generator's vocabulary: damage kinds, styles, data-type mix, word pools and keywords."""

from __future__ import annotations

from workbench import edn

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

# Every keyword the entry makers build, as EDN prints it (without the colon); built once because
# keyword construction is the generator's hot path. KW["comment/author"] is :comment/author.
KEYWORDS: tuple[str, ...] = tuple(
    """
    1098765432109876543/x a active after at before big-no-n bigint char code color comment/author
    comment/created-at comment/id comment/item-id comment/parent-id comment/reactions
    comment/resolved? comment/text config content create created db decimal deep delete deleted
    double due-count duplicate empty file host id inf inst item/color item/content item/id
    item/position item/section lang learning-id learning/applied-count learning/category
    learning/code-files learning/code-snippets learning/confidence learning/created
    learning/deleted-at learning/examples learning/id learning/index learning/insights
    learning/last-applied learning/merged-count learning/pattern learning/review-index
    learning/status learning/tag-index learning/tags learning/title learning/transfers
    learning/updated-at learning/user learning/wal level nested notes ok? op op/attempts op/data
    op/id op/queued-at op/session-id op/status op/target op/timestamp op/type op/user-id port
    position previous-level project/created-at project/description project/id project/name
    project/owner project/path project/status project/updated-at ratio run scheduled-at score
    section sections session/completed-at session/created-at session/data session/id
    session/project-id session/state session/type session/updated-at snapshot/saved-at
    snapshot/session-id snapshot/state snapshot/user-id snapshot/version symbol test-key
    test/exotic text thumbs-up timestamp title token/active? token/created-at token/expires-at
    token/permissions token/project-id token/revoked-at token/user-id token/value user user/avatar
    user/color user/id user/joined-at user/name uuid version/created-at version/created-by
    version/description version/id version/label version/session-id version/state webhook/active?
    webhook/created-at webhook/events webhook/id webhook/secret webhook/url webhook/user-id x y
    """.split()
)
KW: dict[str, edn.Keyword] = {
    text: K(*text.split("/", 1)) if "/" in text else K(None, text) for text in KEYWORDS
}

# Data-type names accepted in `mix`, spread over their generator kinds by the default weights.
MIX_DATA_TYPES: dict[str, tuple[str, ...]] = {
    "Sessions": ("session",),
    "Learning Records": ("learning-record", "review"),
    "Embed": ("embed-token", "webhook"),
    "Other": ("adhoc",),
}
