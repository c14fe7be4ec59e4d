"""`workbench report --quick` on small and odd files (issue 13): every notebook must run.

Notebooks 01-03 run on every file of the matrix, including a value nested 1,000 levels deep
(past Python's recursion limit: the explorer's pretty-printer lays out only the outer levels);
the full set runs on the one-entry clean map through `workbench report`. Notebooks 04-08 each
start a JVM and 04 alone takes ~90 s quick, so on every other file they run as ONE notebook per
file (their code cells in order, each notebook's own parameters re-applied, quick, the small
sizes its parameters allow) in one kernel: one JVM start per file instead of five.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
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
    # the damage count is in the findings of 01, 02 and 03 alike
    from workbench import load_memory
    from workbench.report.findings import read_findings

    damage = len(load_memory(src).diagnostics)
    found = read_findings(out)
    assert {n: found[n]["diagnostics"] for n in ("explore", "profile", "schema")} == dict.fromkeys(
        ("explore", "profile", "schema"), damage
    )


@pytest.mark.slow
def test_quick_report_every_notebook_on_a_one_entry_map(tmp_path, capsys) -> None:
    src = tmp_path / "t.edn"
    src.write_text(MATRIX["one-entry-clean"], encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["report", str(src), "--quick", "--out", str(out), "--notebooks", str(NOTEBOOKS)])
    assert code == 0, capsys.readouterr().err[-3000:]
    assert (out / "index.html").is_file()
    assert len(list((out / "html").glob("0[1-8]-*.html"))) == len(list(NOTEBOOKS.glob("*.ipynb")))


# the parameters that make 04 as small as its code allows (quick already means 2 ops per figure)
SMALL = {"04": "sizes = [100]\nrepeats = 1\nbudget_s = 0.05\n"}
FINDINGS = {
    "04": "benchmark",
    "05": "rehearsal",
    "06": "evolution",
    "07": "backup",
    "08": "queries",
}


def combined_04_08(folder: Path) -> Path:
    """Notebooks 04-08 as one notebook: a parameters cell, then each notebook's cells, its own
    parameters cell re-run with the injected input_path/quick/out_dir kept."""
    cells = [nbformat.v4.new_markdown_cell("# Notebooks 04-08 on one odd file")]
    params = nbformat.v4.new_code_cell('input_path = ""\nquick = True\nout_dir = None')
    params.metadata["tags"] = ["parameters"]
    cells.append(params)
    metadata = None
    for nb_path in sorted(NOTEBOOKS.glob("0[4-8]-*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        metadata = metadata or nb.metadata
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source = (
                    "_given = (input_path, quick, out_dir)\n"
                    + source
                    + "\n"
                    + SMALL.get(nb_path.name[:2], "")
                    + "input_path, quick, out_dir = _given"
                )
            cells.append(nbformat.v4.new_code_cell(source))
    assert len([c for c in cells if "_given" in c.source]) == 5
    path = folder / "04-08-combined.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=metadata), path)
    return path


# The 1,000-level value runs through Datalevin too: nippy (its :data) and pr-str recurse per level
# and overflowed the JVM's default 1 MB thread stack in notebook 04 ("StackOverflowError"), on the
# Python main thread where JPype makes every call; the bridge now starts the JVM with a larger
# -Xss (workbench.stores.datalevin.bridge.JVM_THREAD_STACK).
ODD_FILES = sorted(set(MATRIX) - {"one-entry-clean"})


@pytest.mark.slow
@pytest.mark.parametrize("name", ODD_FILES)
def test_notebooks_04_08_on_every_odd_file(tmp_path, name) -> None:
    from workbench.report.runner import run_notebook

    src = tmp_path / f"{name}.edn"
    src.write_text(MATRIX[name], encoding="utf-8")
    before = src.read_bytes()
    nb = combined_04_08(tmp_path)
    out = tmp_path / "reports"
    run = run_notebook(
        nb, out, input_path=src, quick=True, with_code=False, cwd=NOTEBOOKS, progress=False
    )
    assert sorted(run.findings) == sorted(FINDINGS.values()), run.findings
    assert (out / "html" / "04-08-combined.html").is_file()
    assert src.read_bytes() == before
