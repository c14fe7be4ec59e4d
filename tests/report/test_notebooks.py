"""Static checks of the committed notebooks: no outputs, a title, a papermill parameters cell."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support import REPO_ROOT

from workbench.report.runner import notebook_problems

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01-explore-memory",
    "02-profile-data-types",
    "03-prototype-schema",
    "04-benchmark-edn-vs-lmdb",
    "05-migration-rehearsal",
]
PARAMS = 'input_path = "../data-samples/memory.edn"\nquick = False\nout_dir = None\n'


def _good() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("# What is in the file?"),
            new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
            new_code_cell("print(1)"),
        ]
    )


def test_every_planned_notebook_is_present() -> None:
    """The report expects the five notebooks of the plan, under their contract names."""
    stems = {p.stem for p in NOTEBOOKS}
    assert [name for name in EXPECTED if name not in stems] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean_and_parametrised(path) -> None:
    """Committed without outputs, titled, with input_path/quick/out_dir in a `parameters` cell."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert notebook_problems(nb) == [], f"{path.name}: {notebook_problems(nb)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_defaults_point_at_the_sample(path) -> None:
    """Defaults: the committed sample, a full run, no output folder."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert cells, f"{path.name}: no parameters cell"
    ns: dict = {}
    exec(cells[0].source, ns)  # the parameters cell only assigns literals
    assert ns["input_path"] == "../data-samples/memory.edn"  # relative to notebooks/
    assert ns["quick"] is False
    assert ns["out_dir"] is None


def test_checker_accepts_a_good_notebook() -> None:
    assert notebook_problems(_good()) == []


def test_checker_flags_outputs_and_execution_counts() -> None:
    nb = _good()
    nb.cells[2].outputs = [new_output("stream", name="stdout", text="1\n")]
    nb.cells[2].execution_count = 3
    problems = notebook_problems(nb)
    assert any("cell 3: has outputs" in p for p in problems)
    assert any("cell 3: has an execution count" in p for p in problems)


def test_checker_flags_missing_title() -> None:
    nb = _good()
    nb.cells[0] = new_markdown_cell("no heading here")
    assert any("markdown title" in p for p in notebook_problems(nb))
    nb.cells.pop(0)
    assert any("markdown title" in p for p in notebook_problems(nb))


def test_checker_flags_parameters_cell_problems() -> None:
    nb = _good()
    nb.cells[1].metadata = {}
    assert any("tagged 'parameters' (found 0)" in p for p in notebook_problems(nb))
    nb = _good()
    nb.cells[1].source = 'input_path = "x"\nquick = True\n'
    assert notebook_problems(nb) == ["parameters cell: missing out_dir"]
    nb = _good()
    nb.cells.insert(1, new_markdown_cell("intro"))
    assert notebook_problems(nb) == ["the parameters cell must be cell 2, right after the title"]
