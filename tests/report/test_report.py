"""The report runner: one real quick run of every notebook, its index checked on disk and in Chromium."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from browser import Browser, lands
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support import DEFAULT_INPUT, REPO_ROOT

from workbench.io import sha256_file
from workbench.report.index import (
    SECTIONS,
    fmt_value,
    missing_topics,
    render_findings,
)
from workbench.report.labels import unlabelled
from workbench.report.runner import discover_notebooks, export_html, extract_images

# A developer may point the run at other notebooks or input; CI uses the defaults.
NOTEBOOKS_DIR = Path(os.environ.get("WORKBENCH_TEST_NOTEBOOKS", REPO_ROOT / "notebooks"))
INPUT = Path(os.environ.get("WORKBENCH_TEST_INPUT", DEFAULT_INPUT))
BROKEN = '<p class="broken-image">'  # what the index's onerror handler inserts
ERROR_TEXT = ("Traceback (most recent call last)", BROKEN, "Not run:", "wrote no")


def workbench(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(a[name])
        if a.get("id"):
            self.ids.append(a["id"])
        self.classes += (a.get("class") or "").split()


def parse(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


def local_links(page: Path) -> list[Path]:
    """Files a page links to or embeds (external URLs, anchors and data: URIs left out)."""
    found = []
    for link in parse(page.read_text()).links:
        if re.match(r"^(https?:|data:|#|mailto:)", link):
            continue
        found.append((page.parent / link.split("#")[0]).resolve())
    return found


# ---------------------------------------------------------------- the real quick run


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """`workbench report --quick` on the default sample: executes every notebook once."""
    out = tmp_path_factory.mktemp("reports")
    before = {"size": INPUT.stat().st_size, "sha256": sha256_file(INPUT)}
    args = [str(INPUT), "--out", str(out), "--quick", "--single-file"]
    args += ["--notebooks", str(NOTEBOOKS_DIR)]
    proc = workbench("report", *args, timeout=1800)  # eight notebooks, four JVM starts
    (out / "input-before-run.json").write_text(json.dumps(before))
    return proc, out


@pytest.mark.slow
def test_quick_report_runs_every_notebook(quick_report) -> None:
    proc, out = quick_report
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Total time:" in proc.stdout
    run = json.loads((out / "run.json").read_text())
    notebooks = discover_notebooks(NOTEBOOKS_DIR)
    assert notebooks, "no notebooks to run"
    assert [r["stem"] for r in run["runs"]] == [p.stem for p in notebooks]
    for r in run["runs"]:
        assert r["findings"], f"{r['stem']} wrote no findings"
        assert (out / r["html"]).stat().st_size > 1000
        executed = nbformat.read(out / r["executed"], as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{r['stem']}: a cell did not run"
    assert run["quick"] is True


@pytest.mark.slow
def test_index_shows_input_machine_and_every_section(quick_report) -> None:
    proc, out = quick_report
    assert proc.returncode == 0, proc.stderr
    html = (out / "index.html").read_text()
    page = parse(html)
    assert INPUT.name in html
    before = json.loads((out / "input-before-run.json").read_text())
    assert f"{before['size']:,} bytes" in html
    assert before["sha256"] in html
    run = json.loads((out / "run.json").read_text())
    assert run["machine"]["cpu"] and run["machine"]["cores"]
    assert run["machine"]["cpu"] in html
    for section in SECTIONS:
        assert f"sec-{section.name}" in page.ids, f"section {section.name} missing"
    # every section filled from the run: no placeholder, no missing headline
    assert "absent" not in page.classes, re.findall(r'class="absent">(.*?)</p>', html)
    assert "gap" not in page.classes, re.findall(r'class="gap">(.*?)</p>', html)
    assert html.count('class="finding filled"') >= len(SECTIONS)
    # ... with the figures the notebooks handed over in their findings files
    for section in SECTIONS:
        findings = json.loads((out / f"findings-{section.name}.json").read_text())
        start = html.index(f'id="sec-{section.name}"')
        body = html[start : html.index("</section>", start)]
        numbers = [v for v in findings.values() if isinstance(v, int) and not isinstance(v, bool)]
        for value in numbers:
            assert f">{value:,}" in body, f"{section.name}: {value} not shown"
        assert len(body) > 500, f"{section.name} section is nearly empty"
    # findings in words: every key the notebooks wrote has its label (workbench/report/labels.py)
    findings = {name: f for r in run["runs"] for name, f in r["findings"].items()}
    assert not unlabelled(findings), (
        f"add words to workbench/report/labels.py: {unlabelled(findings)}"
    )
    assert 'id="next-step"' in html


@pytest.mark.slow
def test_every_linked_page_and_image_exists(quick_report) -> None:
    _, out = quick_report
    index = out / "index.html"
    links = local_links(index)
    assert any(p.suffix == ".png" for p in links), "no figure on the index"
    assert len([p for p in links if p.suffix == ".html"]) >= len(SECTIONS)
    for target in links:
        assert target.is_file(), f"index links to missing {target}"
        if target.suffix == ".html":
            for sub in local_links(target):
                assert sub.is_file(), f"{target.name} links to missing {sub}"


# ---------------------------------------------------------------- the browser check


def chromium_binary() -> str:
    """Debian's chromium; CI must have it (.ci/run installs it), developers may lack it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: CI must install it (see .ci/run)")
    pytest.skip("chromium not installed (apt-get install chromium); CI never skips this")


FORBIDDEN_TEXT = ("Traceback", "/tmp/", "{'")
MISSING_CELL = re.compile(r"(?m)(^|\t)(NaN|nan|NaT|None)(?=\t|$)")  # a table cell showing no value


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(chromium_binary(), tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.mark.slow
def test_report_in_a_real_browser(quick_report, browser) -> None:
    """Index and every page, offline: no console error, no request leaving the machine, no failed
    request, every image loaded, no traceback, temp path, dict dump or NaN in the visible text,
    and every answer's evidence link lands on an element of its page."""
    proc, out = quick_report
    assert proc.returncode == 0, proc.stderr
    index = out / "index.html"
    single = out / "report.html"
    pages = [index, single] + sorted({p for p in local_links(index) if p.suffix == ".html"})
    assert len(pages) > len(SECTIONS)
    seen = {}
    for page in pages:
        s = browser.visit(page.as_uri())
        seen[page.as_uri()] = s
        if page == index:
            shot = browser.screenshot(out / "index.png")  # README shows a copy of it
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        where = page.name
        assert not s.console_errors, (where, s.console_errors[:3])
        assert not s.external_requests, (where, s.external_requests[:3])
        assert not s.failed_requests, (where, s.failed_requests[:3])
        assert not s.broken_images, (where, s.broken_images[:3])
        # the input's own path is the user's (it may live under /tmp); any other temp path is not
        visible = s.text.replace(str(INPUT.resolve()), INPUT.name).replace(str(INPUT), INPUT.name)
        for text in FORBIDDEN_TEXT:
            assert text not in visible, (
                where,
                text,
                visible[max(0, visible.find(text) - 80) :][:200],
            )
        missing = MISSING_CELL.search(visible)
        assert not missing, (where, visible[max(0, missing.start() - 120) :][:200])
    # the single file: no page or image outside it, and its answer links land inside it
    alone = parse(single.read_text())
    assert not [h for h in alone.links if h.startswith("html/") or h.startswith("img/")]
    one = seen[single.as_uri()]
    assert one.links and all(lands(h, one.ids) for h in one.links if "#" in h), one.links
    answers = seen[index.as_uri()]
    assert "Answers to the team's questions" in answers.text
    assert len(answers.links) >= 4, answers.links
    for href in answers.links:
        target = seen.get(href.split("#")[0]) or browser.visit(href.split("#")[0])
        assert lands(href, target.ids), f"{href} resolves to nothing"


@pytest.mark.slow
def test_browser_check_catches_a_missing_image(quick_report, browser, tmp_path) -> None:
    _, out = quick_report
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    images = [p for p in local_links(copy / "index.html") if p.suffix == ".png"]
    assert images
    images[0].unlink()
    seen = browser.visit((copy / "index.html").as_uri())
    assert seen.broken_images and "Missing image: " in seen.text


# ---------------------------------------------------------------- a failing notebook


def _notebook(path: Path, title: str, code: str) -> None:
    params = 'input_path = "data-samples/memory.edn"\nquick = False\nout_dir = None'
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {title}"),
            new_code_cell(params, metadata={"tags": ["parameters"]}),
            new_code_cell(textwrap.dedent(code)),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)


@pytest.mark.slow
def test_failing_notebook_stops_the_run_and_keeps_reports(tmp_path) -> None:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    ok = "from workbench.report.findings import write_findings\nwrite_findings(out_dir, 'ok', {'n': 1})\n"
    _notebook(nbs / "01-ok.ipynb", "Does it run?", ok)
    _notebook(nbs / "02-bad.ipynb", "Does it fail?", 'x = 1\nraise ValueError("boom 42")\n')
    never = "from workbench.report.findings import write_findings\nwrite_findings(out_dir, 'never', {})\n"
    _notebook(nbs / "03-never.ipynb", "Is it skipped?", never)
    data = tmp_path / "memory.edn"
    data.write_text("{:a 1}\n")
    out = tmp_path / "reports"
    (out / "html").mkdir(parents=True)
    (out / "index.html").write_text("OLD INDEX")
    (out / "html" / "02-bad.html").write_text("OLD PAGE")

    proc = workbench("report", str(data), "--out", str(out), "--notebooks", str(nbs), "--quick")

    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    assert "Notebook 02-bad.ipynb failed in cell 3" in err
    assert 'raise ValueError("boom 42")' in err
    assert "ValueError: boom 42" in err
    assert (out / "index.html").read_text() == "OLD INDEX"
    assert (out / "html" / "02-bad.html").read_text() == "OLD PAGE"
    assert (out / "html" / "01-ok.html").stat().st_size > 1000
    assert json.loads((out / "findings-ok.json").read_text()) == {"n": 1}
    assert not (out / "findings-never.json").exists()
    assert not (out / "html" / "03-never.html").exists()
    failed = nbformat.read(out / "notebooks" / "02-bad.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in failed.cells for o in c.get("outputs", []))
    assert [p.name for p in out.rglob("*.tmp")] == []


def test_missing_input_is_a_clear_error(tmp_path) -> None:
    proc = workbench("report", str(tmp_path / "nope.edn"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "workbench report: error: " in proc.stderr and "nope.edn: no such file" in proc.stderr
    assert not (tmp_path / "r" / "index.html").exists()


# ---------------------------------------------------------------- rendering


def test_values_are_formatted_for_reading() -> None:
    assert fmt_value(True, "read_pass") == '<span class="pass">PASS</span>'
    assert fmt_value(False, "verdict") == '<span class="fail">FAIL</span>'
    assert fmt_value("fail", "x") == '<span class="fail">FAIL</span>'
    assert fmt_value("PASS 0.12x EDN", "m") == '<span class="pass">PASS</span> 0.12x EDN'
    assert fmt_value("passenger", "m") == "passenger"
    assert fmt_value(True, "quick") == "yes"
    assert fmt_value(2_097_152, "total_bytes") == "2,097,152 (2.0 MiB)"
    assert fmt_value(0.25, "get_ratio") == "0.25&times;"
    assert fmt_value("<b>", "k") == "&lt;b&gt;"


def test_findings_render_as_tables() -> None:
    html = render_findings(
        {
            "entries": 10,
            "entries_by_type": {"Sessions": 7, "Projects": 3},
            "metrics": [{"metric": "read latency", "pass": True}],
        }
    )
    assert "<th>Entries</th>" in html and "<h3>Entries per data type</h3>" in html
    assert "<th>Sessions</th>" in html and ">7</td>" in html
    assert '<span class="pass">PASS</span>' in html
    nested = render_findings(
        {"verdicts": {"kv": {"completion": {"measured": "99%", "pass": False}}}}
    )
    assert '99% <span class="fail">FAIL</span>' in nested


def test_missing_headlines_are_named() -> None:
    schema = next(s for s in SECTIONS if s.name == "schema")
    assert missing_topics(schema, {"collisions": {"plan": 3}}) == ["losses"]
    assert missing_topics(schema, {"plan": {"collisions": 3, "losses": 2}}) == []


def _executed_notebook() -> nbformat.NotebookNode:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    plot = new_code_cell("show_secret_code()", execution_count=1)
    plot.outputs = [new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    tagged = new_code_cell("other()", execution_count=2, metadata={"tags": ["report-figure"]})
    tagged.outputs = [new_output("display_data", data={"image/png": png})]
    done = new_code_cell("write_findings()", execution_count=3)
    done.outputs = [
        new_output(
            "execute_result",
            data={"text/plain": "PosixPath('/tmp/x/out/findings-explore.json')"},
            execution_count=3,
        )
    ]
    widget = "application/vnd.jupyter.widget-view+json"
    ui = new_code_cell("explorer(m)", execution_count=4)
    ui.outputs = [
        new_output(
            "display_data",
            data={widget: {"model_id": "a"}, "text/plain": "read x:  50%|#    | 1/2 [00:01<?]"},
        ),
        new_output(
            "display_data", data={widget: {"model_id": "b"}, "text/plain": "Tab(children=("}
        ),
    ]
    return new_notebook(cells=[new_markdown_cell("# Title?"), plot, tagged, done, ui])


def test_figures_are_extracted_and_tagged_ones_featured() -> None:
    images, featured = extract_images(_executed_notebook(), "01-x")
    assert list(images) == ["img/01-x/fig-01.png", "img/01-x/fig-02.png"]
    assert images["img/01-x/fig-01.png"] == b"\x89PNG\r\n\x1a\nfake"
    assert featured == ["img/01-x/fig-02.png"]


def test_html_hides_code_unless_asked() -> None:
    nb = _executed_notebook()
    hidden = export_html(nb, with_code=False, back_link="../index.html")
    shown = export_html(nb, with_code=True, back_link="../index.html")
    assert "show_secret_code" not in hidden and "show_secret_code" in shown
    assert 'href="../index.html"' in hidden
    assert "findings-explore.json" not in hidden
    assert hidden.count('src="data:image/png;base64,') == 2
    assert "50%|" not in hidden and "Tab(children" not in hidden
    assert hidden.count("Interactive widget: open the notebook in JupyterLab") == 1
