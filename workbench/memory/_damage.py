"""What is wrong with a key or a damaged stretch: damage kinds and keys that do not read back."""

from __future__ import annotations

import re
from typing import Any

from workbench import edn

_RECORD_TAG = re.compile(r"#[A-Za-z_][\w-]*(\.[\w-]+)+[{\[]")
_DIGIT_NAME = re.compile(r":[^\s/:][^\s/]*/\d")


def damage_kind(d: Any) -> str:
    """Name the damage behind a diagnostic in the words of memory-edn.md (digit-name, ...)."""
    text = d.text or ""
    if d.kind == "key-with-space":
        return "space-in-name"
    if d.kind == "unterminated":
        return "truncated"
    if d.kind == "unreadable":
        if text.startswith("#object"):
            return "object"
        if text.startswith('#"'):
            return "regex"
        if _RECORD_TAG.match(text):
            return "record"
        return "unknown-tag"
    if d.kind == "invalid-token":
        if text.startswith("::"):
            return "auto-resolved"
        if text.startswith(":") and text.endswith("/"):
            return "empty-name"
        if _DIGIT_NAME.match(text):
            return "digit-name"
    return d.kind


# reasons that change the key with the app's own pr-str / as written in the file
DEFINITE_REASONS = frozenset(
    {"unreadable-when-printed", "reads-back-different", "written-in-nsmap"}
)


def _reread(text: str) -> tuple[Any, str | None]:
    try:
        return edn.loads(text), None
    except edn.EdnSyntaxError as exc:
        return None, f"unreadable: {getattr(exc, 'reason', exc)}"


def key_instability(
    key: Any, key_text: str = "", prefix: str | None = None
) -> list[tuple[str, str, str]]:
    """Why a key does not survive print + re-read: [(reason, printed, reread)], empty when stable."""
    out = []
    try:
        printed = edn.dumps(key)
    except TypeError as exc:  # the writer refuses keys that would not read back
        return [("unreadable-when-printed", edn.printed(key), str(exc))]
    back, err = _reread(printed)
    if err is not None:
        out.append(("unreadable-when-printed", printed, err))
    elif not edn.identical(back, key):
        out.append(("reads-back-different", printed, edn.dumps(back)))
    if isinstance(key, edn.Keyword) and key.namespace:
        # Clojure with *print-namespace-maps* lifts the namespace and prints `:name` inside
        # #:ns{...}; a name containing '/' then reads back as a different (qualified) keyword.
        ns_text = f"#:{key.namespace}{{:{key.name} nil}}"
        m, err = _reread(ns_text)
        if err is not None:
            out.append(("nsmap-unreadable", ns_text, err))
        else:
            back2 = next(iter(m)) if isinstance(m, dict) and len(m) == 1 else m
            if not edn.identical(back2, key):
                out.append(("nsmap-reads-different", ns_text, edn.dumps(back2)))
    if prefix and key_text.startswith(":") and "/" in key_text and not key_text.startswith(":_/"):
        # written inside the top-level #:prefix{...}: an already qualified key was probably
        # printed from :prefix/<ns>/<name> and now reads as a different key
        meant = f":{prefix}/{key_text[1:]}"
        if meant != printed:
            out.append(("written-in-nsmap", f"#:{prefix}{{{key_text} ...}}", printed))
    return out
