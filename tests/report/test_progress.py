"""The report's terminal progress: an ETA per notebook from the last run of the same mode."""

from __future__ import annotations


def test_the_last_run_gives_each_notebook_its_expected_time(tmp_path) -> None:
    """run.json of the same mode gives the ETA; another mode's run or no run gives none."""
    import json
    from pathlib import Path

    from workbench.report.results import last_times
    from workbench.report.runner import _expected

    assert last_times(tmp_path, quick=True) == {}
    run = {
        "input": {},
        "machine": {},
        "started": "",
        "quick": True,
        "with_code": False,
        "notebooks_dir": "",
        "out_dir": str(tmp_path),
        "runs": [
            {"stem": s, "source": "", "title": "", "seconds": t, "executed": "", "html": ""}
            for s, t in [("01-a", 5.0), ("02-b", 130.0)]
        ],
    }
    (tmp_path / "run.json").write_text(json.dumps(run))
    last = last_times(tmp_path, quick=True)
    assert last == {"01-a": 5.0, "02-b": 130.0}
    assert last_times(tmp_path, quick=False) == {}
    text = _expected("02-b", [Path("02-b.ipynb")], last)
    assert text.startswith(": about 130 s (last run); report done about ")
    assert _expected("03-new", [Path("03-new.ipynb")], last) == ""
