"""`workbench evolve --rename`: malformed or misplaced renames are usage errors (exit 2, one line)."""

from __future__ import annotations

import pytest

from workbench.cli import main


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--rename", "nothing-to-split"], "OLD=NEW"),
        (["--rename", ":a/x="], "OLD=NEW"),
        (["--rename", ":a/x=:c/x"], "needs OLD_SCHEMA and NEW_SCHEMA"),
    ],
)
def test_bad_rename_is_a_usage_error(tmp_path, capsys, extra, said) -> None:
    schemas = [] if "needs" in said else ["old.edn", "new.edn"]
    status = main(["evolve", *schemas, *extra, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("workbench evolve: error: ") and said in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()
