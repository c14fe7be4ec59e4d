"""Run every notebook on one memory file with papermill and publish executed copies, HTML and an index.

Layout of the output folder (default `reports/`):
  index.html                      the headline findings of every notebook, linking to the pages below
  run.json                        input, machine, timings and findings of the run (what index.html shows)
  notebooks/NN-name.ipynb         the executed notebooks (NN-name.failed.ipynb when one fails)
  html/NN-name.html               each executed notebook as HTML (code hidden unless --with-code)
  img/NN-name/fig-KK.png          every PNG figure the notebook displayed
  findings-<short>.json           headline figures written by each notebook (workbench.report.findings)
  ...                             any other file a notebook wrote into its `out_dir`
Each notebook runs against a private staging folder; its files are copied into the output folder with
atomic writes only once it has succeeded, so a failing notebook never leaves a half-written report.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from typing import Any

import nbformat

from workbench.io import atomic_write_bytes, atomic_write_text, sha256_file
from workbench.report.findings import read_findings
from workbench.report.results import NotebookRun, ReportResult, last_times, load_result  # noqa: F401 - re-exported

KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",  # headless, figures still shown
    "TQDM_DISABLE": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookFailed(RuntimeError):
    """A notebook raised while executing: which one, which cell, and the error."""

    def __init__(
        self,
        notebook: Path,
        *,
        cell: int | None,
        source: str,
        ename: str,
        evalue: str,
        traceback: str = "",
        saved: Path | None = None,
    ) -> None:
        self.notebook = Path(notebook)
        self.cell = cell
        self.source = source
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
        self.saved = saved
        super().__init__(self.describe())

    def describe(self) -> str:
        """A multi-line message naming the notebook, the failing cell with its code, and the error."""
        where = f"in cell {self.cell}" if self.cell is not None else "(cell unknown)"
        lines = [f"Notebook {self.notebook.name} failed {where}:"]
        if self.source:
            lines += ["    " + line for line in self.source.rstrip().splitlines()]
        if self.traceback:
            tb = self.traceback.rstrip().splitlines()
            lines += ["Traceback (last lines):"] + ["  " + line for line in tb[-25:]]
        lines.append(f"{self.ename}: {self.evalue}")
        if self.saved:
            lines.append(f"The executed copy with the error is at {self.saved}")
        lines.append("Reports already written were left as they were.")
        return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    """CPU model, core count, memory, Python and OS of this machine."""
    cpu = platform.processor() or platform.machine()
    memory = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "workbench": importlib.metadata.version("workbench"),
    }


def input_info(path: Path) -> dict[str, Any]:
    """Name, absolute path, size and SHA-256 of the input file."""
    stat = path.stat()
    return {
        "name": path.name,
        "path": str(path),
        "size": stat.st_size,
        "sha256": sha256_file(path),
        "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
    }


def discover_notebooks(notebooks_dir: str | os.PathLike) -> list[Path]:
    """The notebooks to run, in name order (checkpoints and hidden files skipped)."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: notebooks folder not found")
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def notebook_title(nb: nbformat.NotebookNode, default: str) -> str:
    """The first heading of the first markdown cell (the question the notebook answers)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.strip():
                    return line.lstrip("#").strip().replace("`", "") or default
            break
    return default


PARAMETERS = ("input_path", "quick", "out_dir")


def notebook_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Why a notebook is not fit to commit: outputs, execution counts, no title, no parameters cell."""
    import ast

    problems = []
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i}: has outputs (clear them before committing)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i}: has an execution count (clear outputs before committing)")
    first = cells[0] if cells else None
    if (
        first is None
        or first.get("cell_type") != "markdown"
        or not first.source.lstrip().startswith("#")
    ):
        problems.append("cell 1: must be a markdown title (# ...) saying the question answered")
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(params) != 1 or params[0].get("cell_type") != "code":
        problems.append(f"needs exactly one code cell tagged 'parameters' (found {len(params)})")
    else:
        try:
            tree = ast.parse(params[0].source)
        except SyntaxError as exc:
            return problems + [f"parameters cell: syntax error line {exc.lineno}: {exc.msg}"]
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        missing = [name for name in PARAMETERS if name not in names]
        if missing:
            problems.append(f"parameters cell: missing {', '.join(missing)}")
        if cells.index(params[0]) != 1:
            problems.append("the parameters cell must be cell 2, right after the title")
    return problems


@contextlib.contextmanager
def _kernel_env() -> Iterator[None]:
    """Environment every kernel inherits: headless matplotlib, no progress widgets in reports."""
    # the kernel spec of this interpreter's prefix (the venv) wins over a user-level "python3"
    env = dict(KERNEL_ENV)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(Path(sys.prefix) / "share" / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
    ).rstrip(os.pathsep)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _ipc_kernel_manager() -> type:
    """A kernel manager on Unix sockets: the kernel is local, so no TCP (and no ipykernel warning)."""
    from jupyter_client import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)

    return IpcKernelManager


_ADDED = {"injected-parameters", "papermill-error-cell-tag"}  # cells papermill adds


def _source_cell_number(nb: nbformat.NotebookNode | None, source: str) -> int | None:
    """1-based number, in the source notebook, of the executed cell that raised."""
    if nb is None:
        return None
    cells = [c for c in nb.cells if not set(c.get("metadata", {}).get("tags", [])) & _ADDED]
    for number, cell in enumerate(cells, 1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    for number, cell in enumerate(cells, 1):
        if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
            return number  # the kernel died or timed out in this cell
    for number, cell in enumerate(cells, 1):
        if source and cell.source == source:
            return number
    started = [
        n
        for n, c in enumerate(cells, 1)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else None  # the last cell that started: where the kernel died


def _failure(nb_path: Path, executed: Path, out: Path, exc: BaseException) -> NotebookFailed:
    """Turn a papermill/nbclient exception into NotebookFailed, saving the executed copy if any."""
    saved = None
    nb = None
    if executed.exists():
        with contextlib.suppress(Exception):
            nb = nbformat.read(executed, as_version=4)
        saved = atomic_write_bytes(
            out / "notebooks" / f"{nb_path.stem}.failed.ipynb", executed.read_bytes()
        )
    source = getattr(exc, "source", "") or ""
    cell = _source_cell_number(nb, source)
    if not source and nb is not None and cell is not None:
        plain = [c for c in nb.cells if not set(c.get("metadata", {}).get("tags", [])) & _ADDED]
        source = plain[cell - 1].source
    tb = getattr(exc, "traceback", None)
    tb_text = _ANSI.sub("", "\n".join(tb)) if isinstance(tb, list) else ""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None) or str(exc)
    return NotebookFailed(
        nb_path,
        cell=cell,
        source=source,
        ename=ename,
        evalue=_ANSI.sub("", str(evalue)),
        traceback=tb_text,
        saved=saved,
    )


def extract_images(nb: nbformat.NotebookNode, stem: str) -> tuple[dict[str, bytes], list[str]]:
    """Every PNG the notebook displayed, as {relative path: bytes}, and the featured ones.

    Featured figures are those of cells tagged `report-figure`; without such tags, the first two.
    """
    images: dict[str, bytes] = {}
    featured: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tagged = "report-figure" in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            rel = f"img/{stem}/fig-{len(images) + 1:02d}.png"
            images[rel] = base64.b64decode(data["image/png"])
            if tagged:
                featured.append(rel)
    if not featured:
        featured = list(images)[:2]
    return images, featured


_WIDGET = "application/vnd.jupyter.widget-view+json"
_PROGRESS = re.compile(r"\d+%\|.*\|\s*[\d.?]+[kMG]?/")  # tqdm: "name:  40%|####  | 4/10 [..."
_FINDINGS_REPR = re.compile(r"^\w*Path\('[^']*/findings-[\w.-]+\.json'\)$")


_HEADING = re.compile(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# nbconvert's lab template loads require.js and MathJax from a CDN; the pages use neither, and a
# report must work offline, so both are dropped.
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>\s*')
_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*", re.DOTALL
)


def page_headings(html: str) -> list[tuple[int, str, str]]:
    """(level, text, id) of every h1-h3 heading of an exported page, in page order."""
    out = []
    for level, hid, inner in _HEADING.findall(html):
        text = unescape(_TAG.sub("", inner)).replace("\u00b6", "").strip()
        out.append((int(level), text, hid))
    return out


def _toc(headings: list[tuple[int, str, str]]) -> str:
    items = "".join(
        f'<li class="toc-h{level}"><a href="#{escape(hid)}">{escape(text)}</a></li>'
        for level, text, hid in headings
        if level in (2, 3)
    )
    return (
        f'<details class="toc" open><summary>Contents</summary><ul>{items}</ul></details>'
        if items
        else ""
    )


_PAGE_CSS = (
    "<style>nav.page{padding:8px 16px;font-family:sans-serif;border-bottom:1px solid #dde1e6}"
    ".toc ul{margin:4px 0 0;padding-left:20px;columns:2;font-size:.9em}.toc-h3{margin-left:16px}"
    ".wb-table td.num,.wb-table th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".wb-table caption{caption-side:top;text-align:left;font-style:italic;padding:2px 0}"
    "details summary{cursor:pointer;color:#23395d;margin:4px 0}.wb-csv{font-size:.9em}"
    "</style>"
)


def _relative_to_report(value: Any, staging: str) -> Any:
    """Output text with the staging folder's paths made relative to the report folder."""
    if not staging:
        return value
    if isinstance(value, list):
        return [_relative_to_report(v, staging) for v in value]
    if isinstance(value, str):
        return value.replace(staging + os.sep, "").replace(staging, ".")
    return value


_MISSING_CELL = re.compile(r"<td>(?:NaN|NaT|None|nan|&lt;NA&gt;)</td>")


def _missing_as_dash(html: Any) -> Any:
    """pandas tables show a missing value as NaN/NaT/None; a reader sees "-"."""
    if isinstance(html, list):
        html = "".join(html)
    return _MISSING_CELL.sub("<td>-</td>", html) if isinstance(html, str) else html


def export_html(
    nb: nbformat.NotebookNode,
    *,
    with_code: bool,
    back_link: str,
    title: str = "",
    staging: str | os.PathLike = "",
) -> str:
    """Export an executed notebook to standalone HTML: titled, a contents list, offline, images inline.

    Files the notebook wrote into its staging out_dir are published at the same place under the
    report folder, so their paths are shown relative to it; the findings hand-off cell shows no
    value (the index presents the findings); widget outputs become a note (no CDN renderer).
    """
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)  # else the page loads the widget renderer from unpkg.com
    staging = str(staging)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        handoff = "write_findings(" in cell.source
        outputs = []
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            if _FINDINGS_REPR.match(text if isinstance(text, str) else "".join(text)):
                continue  # the staging path returned by write_findings means nothing to a reader
            if handoff and output.get("output_type") == "execute_result":
                continue  # the findings dict: the index shows it in words
            if "text" in output:
                output["text"] = _relative_to_report(output["text"], staging)
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in output.get("data", {}):
                    output["data"][mime] = _relative_to_report(output["data"][mime], staging)
            if "text/html" in output.get("data", {}):
                output["data"]["text/html"] = _missing_as_dash(output["data"]["text/html"])
            if _WIDGET in output.get("data", {}) and _PROGRESS.search(str(text)):
                continue  # a progress bar: its final state is not saved by a batch run
            if _WIDGET in output.get("data", {}):
                # widget state is not saved by a batch run: say so instead of printing its repr
                output = nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/markdown": "*(Interactive widget: open the notebook in JupyterLab.)*"
                    },
                )
            outputs.append(output)
        cell.outputs = outputs
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=not with_code,
        exclude_input_prompt=not with_code,
        exclude_output_prompt=not with_code,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "Report"}})
    body = _MATHJAX.sub("", _EXTERNAL_SCRIPT.sub("", body))
    nav = (
        f'<nav class="page"><a class="back-to-index" href="{back_link}">&larr; Report index</a>'
        f"{_toc(page_headings(body))}</nav>"
    )
    body = body.replace("</head>", _PAGE_CSS + "</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)


def _copy_tree_atomic(src: Path, dst: Path) -> None:
    """Copy every file under src to the same relative path under dst, each write atomic."""
    for path in sorted(src.rglob("*")):
        if path.is_file():
            atomic_write_bytes(dst / path.relative_to(src), path.read_bytes())


def run_notebook(
    nb_path: Path,
    out: Path,
    *,
    input_path: Path,
    quick: bool,
    with_code: bool,
    cwd: Path,
    kernel_name: str = "python3",
    timeout: float | None = None,
    progress: bool = True,
) -> NotebookRun:
    """Execute one notebook in a staging folder; on success publish its files into `out`."""
    import papermill as pm

    stem = nb_path.stem
    with tempfile.TemporaryDirectory(prefix=f"workbench-report-{stem}-") as tmp:
        staging = Path(tmp)
        executed = staging / f"{stem}.ipynb"
        nb_out = staging / "out"
        nb_out.mkdir()
        params = {"input_path": str(input_path), "quick": quick, "out_dir": str(nb_out)}
        started = time.perf_counter()
        try:
            with _kernel_env():
                pm.execute_notebook(
                    str(nb_path),
                    str(executed),
                    parameters=params,
                    kernel_name=kernel_name,
                    progress_bar={"desc": stem, "disable": not progress, "leave": True},
                    cwd=str(cwd),
                    start_timeout=180,
                    execution_timeout=timeout,
                    request_save_on_cell_execute=True,  # keeps the partial copy if the kernel dies
                    kernel_manager_class=_ipc_kernel_manager(),
                )
        except Exception as exc:  # PapermillExecutionError, dead kernel, timeout, bad notebook
            raise _failure(nb_path, executed, out, exc) from exc
        seconds = time.perf_counter() - started
        nb = nbformat.read(executed, as_version=4)
        images, featured = extract_images(nb, stem)
        title = notebook_title(nb, stem)
        html = export_html(
            nb, with_code=with_code, back_link="../index.html", title=title, staging=nb_out
        )
        findings = read_findings(nb_out)
        # publish: each file written atomically, the index is written last by run_report
        _copy_tree_atomic(nb_out, out)
        for rel, data in images.items():
            atomic_write_bytes(out / rel, data)
        atomic_write_bytes(out / "notebooks" / f"{stem}.ipynb", executed.read_bytes())
        atomic_write_text(out / "html" / f"{stem}.html", html)
        (out / "notebooks" / f"{stem}.failed.ipynb").unlink(missing_ok=True)
    source_nb = nbformat.read(nb_path, as_version=4)
    return NotebookRun(
        stem=stem,
        source=str(nb_path),
        title=notebook_title(source_nb, stem),
        seconds=round(seconds, 2),
        executed=f"notebooks/{stem}.ipynb",
        html=f"html/{stem}.html",
        images=list(images),
        featured=featured,
        findings=findings,
        headings=[(text, f"html/{stem}.html#{hid}") for _, text, hid in page_headings(html)],
    )


def _expected(stem: str, remaining: list[Path], last: dict[str, float]) -> str:
    """ ": about 136 s (last run), all done about 14:02" when the last run timed these notebooks."""
    if stem not in last:
        return ""
    rest = sum(last.get(p.stem, 0.0) for p in remaining)
    done = datetime.now().astimezone() + timedelta(seconds=rest)
    return f": about {last[stem]:.0f} s (last run); report done about {done:%H:%M}"


def run_report(
    input_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    notebooks_dir: str | os.PathLike,
    quick: bool = False,
    with_code: bool = False,
    kernel_name: str = "python3",
    timeout: float | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    compare: str | os.PathLike | None = None,
    single_file: bool = False,
) -> ReportResult:
    """Execute every notebook in name order on one input and write the reports and index.html.

    With `compare` (an earlier report folder) a compare.html page says what changed since then;
    with `single_file`, report.html holds the index and every page in one self-contained file.
    """
    from workbench.report.index import render_index

    started = time.perf_counter()
    source = Path(input_path).resolve()
    if not source.is_file():
        raise FileNotFoundError(f"{source}: input file not found")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notebooks = discover_notebooks(notebooks_dir)
    result = ReportResult(
        input=input_info(source),
        machine=machine_info(),
        started=datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        quick=quick,
        with_code=with_code,
        notebooks_dir=str(Path(notebooks_dir).resolve()),
        out_dir=str(out),
    )
    mode = "quick" if quick else "full"
    log(
        f"Report on {source} ({result.input['size']:,} bytes), {len(notebooks)} notebooks, {mode} run"
    )
    last = last_times(out, quick)
    for i, nb_path in enumerate(notebooks, 1):
        log(
            f"[{i}/{len(notebooks)}] {nb_path.name}{_expected(nb_path.stem, notebooks[i - 1 :], last)}"
        )
        run = run_notebook(
            nb_path,
            out,
            input_path=source,
            quick=quick,
            with_code=with_code,
            cwd=nb_path.parent,  # as JupyterLab runs it: relative paths from the notebook's folder
            kernel_name=kernel_name,
            timeout=timeout,
            progress=progress,
        )
        names = ", ".join(run.findings) or "none"
        log(f"      done in {run.seconds:.1f} s; findings: {names}; figures: {len(run.images)}")
        result.runs.append(run)
    result.seconds = round(time.perf_counter() - started, 2)
    atomic_write_text(out / "run.json", result.to_json())
    if compare is not None:
        from workbench.report.compare import compare_runs, render_compare
        from workbench.report.index import CSS

        comparison = compare_runs(compare, out)
        atomic_write_text(out / "compare.html", render_compare(comparison, CSS))
        result.compared = {
            "old": str(Path(compare).resolve()),
            "headline": comparison.headline(),
            "page": "compare.html",
        }
        atomic_write_text(out / "run.json", result.to_json())
    atomic_write_text(out / "index.html", render_index(result))
    if single_file:
        from workbench.report.single import write_single_file

        write_single_file(out)
    return result
