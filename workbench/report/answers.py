"""The team's questions answered from the notebooks' findings: a sentence with figures, a badge, links.

Each answer is computed from the findings of this run (never written by hand): change the input and
the sentence changes. A question whose evidence this run does not hold is answered "not measured",
saying which notebook or command would measure it. Links point at the page section holding the
evidence (a heading whose text matches the question's `anchor` words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.report.tables import cell_text

GO, ATTENTION, NO_GO, NOT_MEASURED = "go", "needs attention", "no-go", "not measured"
STATUSES = (GO, ATTENTION, NO_GO, NOT_MEASURED)

Findings = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Link:
    """Where the evidence of an answer sits: a page and, when found, the heading's anchor."""

    label: str
    href: str


@dataclass(frozen=True)
class Answer:
    """One question of the team, answered for this run."""

    key: str
    question: str
    status: str
    sentence: str
    why: str = ""
    links: tuple[Link, ...] = field(default_factory=tuple)
    next: str = ""  # what to do about it, when the badge is not "go"


@dataclass(frozen=True)
class _Ctx:
    findings: Findings
    pages: Mapping[str, Sequence[tuple[str, str]]]  # findings name -> [(heading text, href)]

    def get(self, name: str) -> Mapping[str, Any]:
        return self.findings.get(name) or {}

    def link(self, name: str, *words: str) -> list[Link]:
        """The first heading of `name`'s page containing every word (else the page itself)."""
        headings = self.pages.get(name) or []
        for text, href in headings:
            low = text.lower()
            if all(w in low for w in words):
                return [Link(text, href)]
        if headings:
            text, href = headings[0]
            return [Link(text, href.split("#", 1)[0])]
        return []


def _pct(value: Any) -> float | None:
    """A percentage from a figure such as 100.0 or "99.70% (lowest phase)"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    m = re.match(r"\s*([\d.]+)\s*%", str(value or ""))
    return float(m.group(1)) if m else None


def _jvm_rehearsed(c: _Ctx) -> str:
    """What the rehearsals with Datalevin targets (latency inside the JVM) concluded, or ""."""
    rehearsed = c.get("rehearsal").get("jvm_rehearsals") or {}
    judged = {t: v for t, v in rehearsed.items() if isinstance(v, Mapping) and "verdict" in v}
    if not judged:
        return ""
    parts = [", ".join(t for t, v in judged.items() if v["verdict"] == "pass")]
    parts[0] = (
        f"{parts[0]} met every plan metric" if parts[0] else "no target met every plan metric"
    )
    for t, v in judged.items():
        failed: dict[str, str] = {}  # metric (either baseline) -> its first ratio
        for m, x in v.items():
            if isinstance(x, Mapping) and x.get("plan", True) and x.get("pass") is False:
                ratio = str(x.get("measured", "")).split(" ", 1)[0]
                failed.setdefault(re.sub(r"\s*\(.*baseline\)$", "", m), ratio)
        if v["verdict"] != "pass" and failed:
            parts.append(f"{t} failed " + ", ".join(f"{m} ({r})" for m, r in failed.items()))
    return (
        "Rehearsed on this file's own trace, latency timed inside the JVM: "
        + "; ".join(parts)
        + "."
    )


def _performance(c: _Ctx) -> Answer:
    bench = c.get("benchmark")
    verdict = bench.get("verdict")
    rehearsed = _jvm_rehearsed(c)
    if isinstance(verdict, Mapping) and verdict.get("sentence"):
        status = str(verdict.get("status") or ATTENTION)
        return Answer(
            "performance",
            "",
            status if status in STATUSES else ATTENTION,
            " ".join(x for x in (str(verdict["sentence"]), rehearsed) if x),
            str(verdict.get("why", "")),
            tuple(c.link("benchmark", "verdict") or c.link("benchmark", "metric")),
            str(verdict.get("next", "")),
        )
    metrics = bench.get("success_metrics") or {}
    if not metrics:
        return Answer(
            "performance",
            "",
            NOT_MEASURED,
            "No benchmark ran in this report.",
            "run notebook 04 (workbench bench)",
        )
    passed = sum(str(v).upper().startswith("PASS") for v in metrics.values())
    saves = {k: v for k, v in (bench.get("ratios_p50_vs_edn") or {}).items() if k.endswith(" save")}
    gets = {k: v for k, v in (bench.get("ratios_p50_vs_edn") or {}).items() if k.endswith(" get")}
    parts = [
        f"Measured from Python (py-lmdb against a Python emulation of the app's EDN file, "
        f"{bench.get('entries', '?'):,} entries): {passed} of {len(metrics)} plan metric checks met."
    ]
    if saves:
        best = min(saves, key=saves.get)
        parts.append(f"A save costs x{saves[best]:.3g} the EDN file's save on {best.split(' ')[0]}")
    if gets:
        best = min(gets, key=gets.get)
        parts[-1] += (
            f", a read x{gets[best]:.3g} the in-memory read (the plan's baseline is a map lookup)."
        )
    if rehearsed:
        parts.append(rehearsed)
    return Answer(
        "performance",
        "",
        ATTENTION,
        " ".join(parts),
        "these are not the Clojure app's figures: no JVM-native benchmark in this run",
        tuple(c.link("benchmark", "success metrics") or c.link("benchmark")),
        "measure the app's own stack: `workbench bench FILE --engine jvm`",
    )


def _evolution(c: _Ctx) -> Answer:
    evo = c.get("evolution")
    headline = evo.get("schema evolution: headline")
    if headline:
        counts: dict[str, int] = {}
        for per_case in (evo.get("schema evolution: changes per outcome") or {}).values():
            for outcome, n in (per_case or {}).items():
                counts[outcome] = counts.get(outcome, 0) + int(n)
        blocked = counts.get("refused", 0) + counts.get("accepted, data changed", 0)
        migrated = counts.get("refused -> migrated", 0)
        why = (
            f"{blocked} change(s) refused or changing data on real Datalevin"
            if blocked
            else f"{migrated} change(s) need the data migration in the runbook first"
            if migrated
            else ""
        )
        return Answer(
            "evolution",
            "",
            ATTENTION if blocked or migrated else GO,
            str(headline),
            why,
            tuple(c.link("evolution", "outcome") or c.link("evolution")),
            "run the data migrations of the evolution runbook (evolution/evolution.md) "
            "before those schema changes"
            if blocked or migrated
            else "",
        )
    if evo.get("sentence"):
        return Answer(
            "evolution",
            "",
            str(evo.get("status") or ATTENTION),
            str(evo["sentence"]),
            str(evo.get("why", "")),
            tuple(c.link("evolution", "outcome") or c.link("evolution")),
        )
    schema = c.get("schema")
    diff = schema.get("diff") or {}
    if not diff:
        return Answer(
            "evolution", "", NOT_MEASURED, "No schema comparison in this report.", "run notebook 03"
        )
    total = sum(int(v) for v in diff.values())
    reload = int(schema.get("diff_reload", 0))
    sentence = (
        f"From the plan's draft to the inferred schema: {total:,} changes "
        f"({', '.join(f'{int(v):,} {k}' for k, v in diff.items())}); "
        f"{reload:,} {'needs' if reload == 1 else 'need'} a reload, the rest apply in place."
    )
    return Answer(
        "evolution",
        "",
        NOT_MEASURED,
        sentence,
        "reasoned from the schema diff, not applied to a real Datalevin database in this run",
        tuple(c.link("schema", "diff") or c.link("schema")),
        "apply the changes to a real Datalevin database: `workbench evolve --data FILE`",
    )


def _validation(c: _Ctx) -> Answer:
    verdicts = c.get("rehearsal").get("verdicts") or {}
    if not verdicts:
        return Answer(
            "validation",
            "",
            NOT_MEASURED,
            "No migration rehearsal in this report.",
            "run notebook 05",
        )
    rows = []
    for mapping, v in verdicts.items():
        cons = _pct((v.get("data consistency") or {}).get("measured"))
        comp = _pct((v.get("completion") or {}).get("measured"))
        rows.append((mapping, cons, comp, int(v.get("discrepancies", 0))))
    rows.sort(key=lambda r: (-(r[1] or 0), r[3]))
    best = rows[0]
    sentence = (
        f"With the {best[0]} mapping, {best[1]:.2f}% of entries read back identical in every phase "
        f"({best[3]:,} discrepancies, {best[2]:.2f}% of the copy completed)"
    )
    worst = rows[-1]
    if len(rows) > 1 and worst[0] != best[0]:
        sentence += f"; the {worst[0]} mapping keeps {worst[1]:.2f}% ({worst[3]:,} discrepancies)"
    ok = best[1] == 100.0 and best[2] == 100.0 and best[3] == 0
    return Answer(
        "validation",
        "",
        GO if ok else NO_GO,
        sentence + ".",
        "" if ok else "no mapping kept every entry",
        tuple(c.link("rehearsal", "loses") or c.link("rehearsal", "phase") or c.link("rehearsal")),
        "" if ok else "fix what the best mapping loses (the rehearsal's discrepancies by kind)",
    )


def _rollback(c: _Ctx) -> Answer:
    reh = c.get("rehearsal")
    rollbacks = reh.get("rollbacks_ok") or {}
    if not rollbacks:
        return Answer("rollback", "", NOT_MEASURED, "No rollback was rehearsed.", "run notebook 05")
    ok = [s for s, v in rollbacks.items() if v]
    bad = [s for s, v in rollbacks.items() if not v]
    sentence = f"{len(ok)} of {len(rollbacks)} rollback scenarios ({', '.join(rollbacks)}) "
    sentence += (
        "restored the app's EDN file with every entry."
        if not bad
        else (f"restored every entry; {', '.join(bad)} did not.")
    )
    faults = next((v for k, v in reh.items() if str(k).startswith("faults")), None)
    if isinstance(faults, Mapping) and "consistency_pct" in faults:
        sentence += (
            f" Under a crash during the copy, failing second writes and a full disk, "
            f"{cell_text(float(faults['consistency_pct']))}% of entries stayed consistent."
        )
    return Answer(
        "rollback",
        "",
        GO if not bad else NO_GO,
        sentence,
        "" if not bad else "a rollback lost data",
        tuple(c.link("rehearsal", "rollback") + c.link("rehearsal", "faults")),
        "" if not bad else f"repair the {', '.join(bad)} rollback before any cutover",
    )


def _from_finding(key: str, name: str, anchor: str, missing: str) -> Callable[[_Ctx], Answer]:
    """An answer a notebook writes itself as {sentence, status, why} under findings `name`."""

    def answer(c: _Ctx) -> Answer:
        found = c.get(name).get(key) if key else c.get(name)
        if isinstance(found, Mapping) and found.get("sentence"):
            status = str(found.get("status") or ATTENTION)
            return Answer(
                key or name,
                "",
                status if status in STATUSES else ATTENTION,
                str(found["sentence"]),
                str(found.get("why", "")),
                tuple(c.link(name, anchor) or c.link(name)),
                str(found.get("next", "")),
            )
        return Answer(
            key or name, "", NOT_MEASURED, "Not measured in this run.", missing, (), missing
        )

    return answer


#: (key, the team's question, how to answer it), in the order the index shows them.
QUESTIONS: tuple[tuple[str, str, Callable[[_Ctx], Answer]], ...] = (
    ("performance", "How does Datalevin perform against the EDN file for our data?", _performance),
    ("evolution", "How do we handle schema changes in production?", _evolution),
    ("validation", "Does the migration lose anything?", _validation),
    ("rollback", "Can we roll back at every phase?", _rollback),
    (
        "backup",
        "Datalevin's native backup or a custom export?",
        _from_finding("backup", "backup", "backup", "run `workbench bench-backup`"),
    ),
    (
        "queries",
        "Which Datalog queries will be most valuable?",
        _from_finding("queries", "queries", "quer", "no query-pattern ranking in this run"),
    ),
    (
        "timeline",
        "How long should dual-write last?",
        _from_finding(
            "timeline", "rehearsal", "migration timeline", "no timeline estimate in this run"
        ),
    ),
)


def answer_questions(
    findings: Findings, pages: Mapping[str, Sequence[tuple[str, str]]] | None = None
) -> list[Answer]:
    """Every question of the team answered from this run's findings (name -> findings dict)."""
    ctx = _Ctx(findings, pages or {})
    return [replace(answer(ctx), key=key, question=question) for key, question, answer in QUESTIONS]


_SHORT = {
    "performance": "performance",
    "evolution": "schema evolution",
    "validation": "migration validation",
    "rollback": "rollback",
    "backup": "backup",
    "queries": "query patterns",
    "timeline": "timeline",
}


def _names(answers: Sequence[Answer]) -> str:
    return ", ".join(_SHORT.get(a.key, a.key) for a in answers)


def next_step(answers: Sequence[Answer]) -> tuple[str, str]:
    """The first line of the index: (overall status, what to do next), from the answers' badges."""
    by = {s: [a for a in answers if a.status == s] for s in STATUSES}
    first = (by[NO_GO] or by[ATTENTION] or by[NOT_MEASURED] or [None])[0]
    todo = ""
    if first is not None:
        name = _SHORT.get(first.key, first.key)
        action = first.next or (first.why if first.status == NOT_MEASURED else "")
        todo = (
            f" Next, {name}: {action.rstrip('.')}."
            if action
            else f" Next: read the {name} evidence."
        )
    if by[NO_GO]:
        return (
            NO_GO,
            f"Do not cut over: {_names(by[NO_GO])} {'is' if len(by[NO_GO]) == 1 else 'are'} no-go.{todo}",
        )
    if by[ATTENTION]:
        n = len(by[ATTENTION])
        return ATTENTION, (
            f"Not ready to cut over yet: {n} of {len(answers)} answers need attention "
            f"({_names(by[ATTENTION])})"
            + (
                f"; {len(by[NOT_MEASURED])} not measured ({_names(by[NOT_MEASURED])})"
                if by[NOT_MEASURED]
                else ""
            )
            + f".{todo}"
        )
    if by[NOT_MEASURED]:
        return NOT_MEASURED, (
            f"Nothing measured blocks the move, but {len(by[NOT_MEASURED])} of {len(answers)} "
            f"questions are not measured ({_names(by[NOT_MEASURED])}).{todo}"
        )
    return GO, (
        f"All {len(answers)} answers are go: rehearse the cutover on a copy of the production file, "
        "then follow the plan's phases."
    )
