"""`workbench report --single-file`: the index and every notebook page in one self-contained HTML.

Images become data: URIs (the pages' own are already inline), each page's element ids get the
notebook's stem as prefix so that pages cannot collide, and the index's links to a page or one of its
headings become links inside the file. Files beside the report (CSV, schema, runbooks) stay links.
"""

from __future__ import annotations

import base64
import os
import re
from html import escape
from pathlib import Path

from workbench.io import atomic_write_text
from workbench.report.results import load_result

SINGLE_FILE = "report.html"

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_NAV = re.compile(r'<nav class="page">.*?</nav>', re.DOTALL)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _page_section(stem: str, title: str, html: str) -> tuple[str, str]:
    """(the page's styles, its body as a section of the single file with prefixed ids)."""
    head = html.split("<body", 1)[0]
    styles = "".join(_STYLE.findall(head))
    m = _BODY.search(html)
    body = _NAV.sub("", m.group(1) if m else html)
    body = re.sub(r'\bid="([^"]+)"', lambda x: f'id="{stem}--{x.group(1)}"', body)
    body = re.sub(r'href="#([^"]+)"', lambda x: f'href="#{stem}--{x.group(1)}"', body)
    section = (
        f'<section class="page-copy" id="page-{escape(stem)}"><p><a href="#top">&uarr; '
        f"back to the answers</a></p>{body}</section>"
    )
    return styles, section


def write_single_file(out_dir: str | os.PathLike) -> Path:
    """Write out_dir/report.html from the index and pages a report run left in `out_dir`."""
    out = Path(out_dir)
    result = load_result(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    index = re.sub(
        r'(src|href)="(img/[^"]+\.png)"',
        lambda m: (
            f'{m.group(1)}="{_data_uri(out / m.group(2))}"'
            if (out / m.group(2)).is_file()
            else m.group(0)
        ),
        index,
    )
    index = re.sub(
        r'href="html/([\w.-]+)\.html#([^"]+)"',
        lambda m: f'href="#{m.group(1)}--{m.group(2)}"',
        index,
    )
    index = re.sub(r'href="html/([\w.-]+)\.html"', lambda m: f'href="#page-{m.group(1)}"', index)
    page_styles = ""
    sections = []
    for run in result.runs:
        page = out / run.html
        if not page.is_file():
            continue
        styles, section = _page_section(run.stem, run.title, page.read_text(encoding="utf-8"))
        page_styles = page_styles or styles  # every page carries the same notebook styles
        sections.append(section)
    note = (
        '<p class="more">One file: the answers, the index and every notebook page below. CSV, '
        "schema and runbook files stay in the report folder.</p>"
    )
    index = index.replace("<body>", '<body id="top">', 1)
    # the notebook styles first, so that the index's own rules win where both style one element
    index = index.replace('<meta charset="utf-8">', '<meta charset="utf-8">' + page_styles, 1)
    index = index.replace("</main>", note + "".join(sections) + "</main>", 1)
    return atomic_write_text(out / SINGLE_FILE, index)
