"""The index's answers are computed from the findings: change a finding and the sentence follows."""

from __future__ import annotations

import copy

from workbench.report.answers import GO, NO_GO, NOT_MEASURED, QUESTIONS, answer_questions


def _verdict(consistency: str, completion: str, discrepancies: int) -> dict:
    return {
        "completion": {"measured": completion, "pass": completion == "100.00%"},
        "data consistency": {"measured": f"{consistency} (lowest phase)", "pass": False},
        "discrepancies": discrepancies,
        "verdict": "fail",
    }


FINDINGS = {
    "rehearsal": {
        "verdicts": {
            "inferred": _verdict("100.00%", "100.00%", 0),
            "plan": _verdict("21.03%", "99.70%", 4005),
        },
        "rollbacks_ok": {"corruption": True, "instability": True, "performance": True},
        "faults (kv)": {"consistency_pct": 100.0, "completion_pct": 100.0},
    },
    "schema": {"diff": {"added": 70, "changed": 4, "removed": 23}, "diff_reload": 1},
}
PAGES = {
    "rehearsal": [
        ("05 Migration rehearsal", "html/05.html#top"),
        ("What each mapping loses", "html/05.html#loses"),
        ("The three rollback scenarios", "html/05.html#rollback"),
    ]
}


def by_key(findings, pages=None):
    return {a.key: a for a in answer_questions(findings, pages)}


def test_every_question_is_answered_in_order_even_without_findings() -> None:
    answers = answer_questions({})
    assert [a.key for a in answers] == [q[0] for q in QUESTIONS]
    assert all(a.status == NOT_MEASURED and a.why for a in answers)


def test_validation_sentence_and_badge_follow_the_figures() -> None:
    before = by_key(FINDINGS, PAGES)["validation"]
    assert before.status == GO
    assert "inferred mapping, 100.00%" in before.sentence and "21.03%" in before.sentence
    assert before.links[0].href == "html/05.html#loses"

    damaged = copy.deepcopy(FINDINGS)
    damaged["rehearsal"]["verdicts"]["inferred"] = _verdict("97.50%", "100.00%", 42)
    after = by_key(damaged, PAGES)["validation"]
    assert after.status == NO_GO
    assert "97.50%" in after.sentence and "42 discrepancies" in after.sentence
    assert after.sentence != before.sentence


def test_rollback_failure_turns_the_badge_and_names_the_scenario() -> None:
    assert by_key(FINDINGS)["rollback"].status == GO
    broken = copy.deepcopy(FINDINGS)
    broken["rehearsal"]["rollbacks_ok"]["instability"] = False
    answer = by_key(broken, PAGES)["rollback"]
    assert answer.status == NO_GO
    assert "2 of 3" in answer.sentence and "instability did not" in answer.sentence
    assert [link.href for link in answer.links] == ["html/05.html#rollback", "html/05.html"]


def test_schema_evolution_counts_come_from_the_diff() -> None:
    answer = by_key(FINDINGS)["evolution"]
    assert "97 changes" in answer.sentence and "1 needs a reload" in answer.sentence
    changed = copy.deepcopy(FINDINGS)
    changed["schema"]["diff_reload"] = 3
    assert "3 need a reload" in by_key(changed)["evolution"].sentence


def test_a_notebook_written_answer_is_used_with_its_status() -> None:
    findings = {"backup": {"backup": {"sentence": "Copy with compaction.", "status": GO}}}
    answer = by_key(findings)["backup"]
    assert (answer.status, answer.sentence) == (GO, "Copy with compaction.")
    findings["backup"]["backup"]["status"] = "bogus"
    assert by_key(findings)["backup"].status == "needs attention"


def test_evolution_rehearsed_on_datalevin_sets_the_badge_from_its_outcomes() -> None:
    evo = {
        "schema evolution: headline": "Of 7 schema changes, Datalevin applied 6 online.",
        "schema evolution: changes per outcome": {"v1->v2": {"accepted online": 6}},
    }
    answer = by_key({**FINDINGS, "evolution": evo})["evolution"]
    assert (answer.status, answer.sentence) == (GO, evo["schema evolution: headline"])
    evo["schema evolution: changes per outcome"]["plan->inferred"] = {"refused -> migrated": 2}
    answer = by_key({**FINDINGS, "evolution": evo})["evolution"]
    assert answer.status == "needs attention" and "2 change(s)" in answer.why


def test_next_step_follows_the_worst_badge_and_names_what_to_do() -> None:
    from workbench.report.answers import ATTENTION, next_step

    answers = answer_questions(FINDINGS, PAGES)
    status, line = next_step(answers)
    # the Python-only benchmark is missing here: performance is "not measured", nothing is no-go
    assert status == NOT_MEASURED
    assert "run notebook 04" in line

    broken = copy.deepcopy(FINDINGS)
    broken["rehearsal"]["rollbacks_ok"]["instability"] = False
    status, line = next_step(answer_questions(broken, PAGES))
    assert status == NO_GO
    assert line.startswith("Do not cut over: rollback is no-go")
    assert "repair the instability rollback" in line

    timeline = copy.deepcopy(FINDINGS)
    timeline["rehearsal"]["timeline"] = {
        "sentence": "dual-write 4 min",
        "status": ATTENTION,
        "why": "trace rate",
        "next": "rerun with --write-rate",
    }
    status, line = next_step(answer_questions(timeline, PAGES))
    assert status == ATTENTION and "1 of 7 answers need attention (timeline)" in line
    assert line.endswith("Next, timeline: rerun with --write-rate.")


def test_labels_give_words_for_keys() -> None:
    from workbench.report.labels import label, unlabelled

    assert label("unstable_keys_nsmap") == "Keys written inside a namespace map (#:ns{...})"
    assert label("never_heard_of") == "Never heard of"
    assert unlabelled({"explore": {"entries": 1, "never_heard_of": 2}}) == [
        "explore.never_heard_of"
    ]


def test_performance_adds_what_the_jvm_rehearsals_concluded() -> None:
    def judged(verdict: str, read_ok: bool) -> dict:
        return {
            "verdict": verdict,
            "read latency (in-memory baseline)": {
                "pass": read_ok,
                "measured": "x919 edn-app: atom",
            },
            "read latency (durable baseline)": {
                "pass": read_ok,
                "measured": "x919 edn-app[durable]",
            },
            "durability window": {"pass": False, "measured": "100 ms", "plan": False},
            "discrepancies": 0,
        }

    bench = {"verdict": {"sentence": "Inside the JVM, X meets all four.", "status": GO}}
    jvm = {
        "cached-write-behind": judged("pass", True),
        "datalevin": judged("fail", False),
        "window_of_loss": {"cached-write-behind": {"configured_ms": 100}},
    }
    findings = copy.deepcopy(FINDINGS) | {"benchmark": bench}
    findings["rehearsal"]["jvm_rehearsals"] = jvm
    sentence = by_key(findings)["performance"].sentence
    assert sentence.startswith("Inside the JVM, X meets all four. Rehearsed on this file's own")
    assert "cached-write-behind met every plan metric" in sentence
    assert "datalevin failed read latency (x919)" in sentence
    assert sentence.count("read latency") == 1  # one metric, whichever baseline failed it
    assert "durability window" not in sentence  # context rows are not plan metrics
    jvm["cached-write-behind"]["verdict"] = "fail"
    assert "no target met every plan metric" in by_key(findings)["performance"].sentence
    findings["rehearsal"]["jvm_rehearsals"] = {"skipped": "no JVM"}
    assert by_key(findings)["performance"].sentence == bench["verdict"]["sentence"]
