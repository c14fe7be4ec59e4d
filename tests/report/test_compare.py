"""`workbench report NEW --compare OLD`: what changed between two report folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.report.compare import compare_runs, render_compare


def _report(folder: Path, keys: dict[str, str], diagnostics: int, schema: str, rollback_ok: bool):
    """A report folder as `workbench report` leaves it, reduced to what the comparison reads."""
    by_type: dict[str, int] = {}
    for dtype in keys.values():
        by_type[dtype] = by_type.get(dtype, 0) + 1
    findings = {
        "explore": {
            "entries": len(keys),
            "entries_by_type": by_type,
            "bytes_by_type": {t: 100 * n for t, n in by_type.items()},
            "diagnostics": diagnostics,
            "unstable_keys": 0,
        },
        "rehearsal": {"rollbacks_ok": {"corruption": True, "instability": rollback_ok}},
    }
    run = {
        "input": {"name": "memory.edn"},
        "machine": {},
        "started": folder.name,
        "quick": True,
        "with_code": False,
        "notebooks_dir": "",
        "out_dir": str(folder),
        "runs": [
            {
                "stem": "01",
                "source": "",
                "title": "",
                "seconds": 1.0,
                "executed": "",
                "html": "",
                "findings": {"explore": findings["explore"]},
            },
            {
                "stem": "05",
                "source": "",
                "title": "",
                "seconds": 1.0,
                "executed": "",
                "html": "",
                "findings": {"rehearsal": findings["rehearsal"]},
            },
        ],
    }
    (folder / "tables").mkdir(parents=True)
    (folder / "schema").mkdir()
    (folder / "run.json").write_text(json.dumps(run))
    lines = ["key,data_type,kind,bytes"] + [f"{k},{t},x,100" for k, t in keys.items()]
    (folder / "tables" / "explore-keys.csv").write_text("\n".join(lines) + "\n")
    (folder / "schema" / "schema.edn").write_text(schema)
    return folder


OLD_SCHEMA = "{:session/id {:db/valueType :db.type/string :db/unique :db.unique/identity}}"
NEW_SCHEMA = (
    "{:session/id {:db/valueType :db.type/string :db/unique :db.unique/identity}\n"
    " :session/tag {:db/valueType :db.type/string :db/cardinality :db.cardinality/many}}"
)


@pytest.fixture
def two_runs(tmp_path):
    old = _report(
        tmp_path / "last-week",
        {":a/1": "Sessions", ":a/2": "Sessions", ":p/x": "Projects"},
        0,
        OLD_SCHEMA,
        True,
    )
    new = _report(
        tmp_path / "this-week",
        {":a/1": "Sessions", ":a/3": "Sessions", ":a/4": "Sessions", ":l/9": "Learning Records"},
        2,
        NEW_SCHEMA,
        False,
    )
    return old, new


def test_keys_damage_schema_and_badges_that_changed_are_named(two_runs) -> None:
    old, new = two_runs
    c = compare_runs(old, new)
    keys = {(r["change"], r["data type"]): r["keys"] for r in c.keys.to_dict("records")}
    assert keys == {
        ("added", "Learning Records"): 1,
        ("added", "Sessions"): 2,
        ("removed", "Projects"): 1,
        ("removed", "Sessions"): 1,
    }
    sessions = c.per_type.set_index("data type").loc["Sessions"]
    assert (sessions["entries old"], sessions["entries new"], sessions["entries change"]) == (
        2,
        3,
        1,
    )
    assert c.damage.set_index("what").loc["damaged stretches (diagnostics)", "new"] == 2
    assert c.schema is not None and list(c.schema["attribute"].astype(str)) == [":session/tag"]
    moved = c.answers[c.answers["old badge"] != c.answers["new badge"]]
    assert list(moved["question"]) == ["Can we roll back at every phase?"]
    assert c.headline() == (
        "From memory.edn of last-week to memory.edn of this-week: +1 entries; 3 keys added, "
        "2 removed; 2 damage(s) now (+2); 1 schema change(s); 1 answer badge(s) changed."
    )
    page = render_compare(c)
    assert "Keys added and removed" in page and ":l/9" in page


def test_the_same_runs_compare_as_unchanged(two_runs) -> None:
    old, _new = two_runs
    c = compare_runs(old, old)
    assert c.keys is not None and c.keys.empty and c.schema is not None and c.schema.empty
    assert "0 answer badge(s) changed" in c.headline()
    (old / "tables" / "explore-keys.csv").unlink()
    (old / "schema" / "schema.edn").unlink()
    blind = compare_runs(old, _new)
    assert blind.keys is None and blind.schema is None and len(blind.notes) == 2
    assert "keys not compared" in blind.headline()
    assert render_compare(blind).count("Not compared (see the notes)") == 2


def test_compare_refuses_a_folder_that_is_no_report_or_is_the_output(two_runs, tmp_path, capsys):
    old, _new = two_runs
    data = Path(__file__).parents[2] / "data-samples" / "memory.edn"
    status = main(
        ["report", str(data), "--compare", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    assert status == 2 and "no such report folder" in capsys.readouterr().err
    status = main(["report", str(data), "--compare", str(old), "--out", str(old)])
    err = capsys.readouterr().err
    assert status == 2 and "is also the --out folder" in err
    (tmp_path / "empty").mkdir()
    status = main(
        ["report", str(data), "--compare", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]
    )
    assert status == 2 and "has no run.json" in capsys.readouterr().err
