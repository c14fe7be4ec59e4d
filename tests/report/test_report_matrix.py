"""`workbench report --quick` on small and odd files (issue 13): every notebook must run.

Notebooks 01-03 run on every file of the matrix, including a value nested 1,000 levels deep
(past Python's recursion limit: the explorer's pretty-printer lays out only the outer levels);
the full set (01-05, 04 alone takes ~90 s) runs on the one-entry clean map.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.cli import main

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

MATRIX = {
    "one-entry-clean": "{:a 1 :b {:c 2}}",
    "empty-map": "{}",
    "zero-bytes": "",
    "only-damaged-entries": '{:presence/ {:a 1} :embed-token/1ab {:token/value "1ab"}}',
    "one-data-type": '{:davidwu/x-1700000000000-1 {:learning/id "davidwu/x-1700000000000-1" '
    ':learning/title "t" :learning/tags #{"a"}}}',
    "no-learning-records": '{:projects/davidwu {"p1" {:project/id "p1" :project/name "n"}} '
    ":test-key 1}",
    "nsmap-only": '#:projects{:davidwu {"p1" {:project/id "p1"}}}',
    "nested-1000-levels": "{:deep "
    + "[" * 500
    + "{:k " * 500
    + "1"
    + "}" * 500
    + "]" * 500
    + " :flat 1}",
}


@pytest.fixture(scope="module")
def first_three(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nb")
    for nb in sorted(NOTEBOOKS.glob("0[123]-*.ipynb")):
        shutil.copy(nb, folder / nb.name)
    assert len(list(folder.glob("*.ipynb"))) == 3
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_quick_report_notebooks_01_03(tmp_path, capsys, first_three, name) -> None:
    src = tmp_path / f"{name}.edn"
    src.write_text(MATRIX[name], encoding="utf-8")
    before = src.read_bytes()
    out = tmp_path / "reports"
    code = main(["report", str(src), "--quick", "--out", str(out), "--notebooks", str(first_three)])
    assert code == 0, capsys.readouterr().err[-3000:]
    assert (out / "index.html").is_file()
    assert src.read_bytes() == before


@pytest.mark.slow
def test_quick_report_every_notebook_on_a_one_entry_map(tmp_path, capsys) -> None:
    src = tmp_path / "t.edn"
    src.write_text(MATRIX["one-entry-clean"], encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["report", str(src), "--quick", "--out", str(out), "--notebooks", str(NOTEBOOKS)])
    assert code == 0, capsys.readouterr().err[-3000:]
    assert (out / "index.html").is_file()
    assert len(list((out / "html").glob("0[1-5]-*.html"))) == 5
