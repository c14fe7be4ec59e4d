"""Render reports/index.html: the run's input, machine and headline findings, linking every notebook page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from workbench.plots import human_bytes
from workbench.report.answers import answer_questions, next_step
from workbench.report.labels import label
from workbench.report.tables import cell_text

MAX_ROWS = 25
_VERDICT = re.compile(r"^(pass|passed|fail|failed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Section:
    """One headline section of the index, filled from one notebook's findings file."""

    name: str  # findings short name: findings-<name>.json
    notebook: str  # expected notebook stem
    label: str
    topics: tuple[tuple[str, tuple[str, ...]], ...]  # (headline, substrings of finding keys)


SECTIONS: tuple[Section, ...] = (
    Section(
        "explore",
        "01-explore-memory",
        "What is in the file",
        (
            ("entries by data type", ("entries",)),
            ("bytes by data type", ("bytes",)),
            ("damage found", ("diagnos", "damage")),
        ),
    ),
    Section(
        "profile", "02-profile-data-types", "Data types and attributes", (("alerts", ("alert",)),)
    ),
    Section(
        "schema",
        "03-prototype-schema",
        "Schema proposal",
        (("collisions", ("collision",)), ("losses", ("loss",))),
    ),
    Section(
        "benchmark",
        "04-benchmark-edn-vs-lmdb",
        "EDN file against LMDB",
        (("ratios to the EDN file", ("ratio",)), ("plan success metrics", ("metric", "pass"))),
    ),
    Section(
        "rehearsal",
        "05-migration-rehearsal",
        "Migration rehearsal",
        (("verdicts", ("verdict", "pass", "consisten")),),
    ),
    Section(
        "evolution",
        "06-schema-evolution",
        "Schema evolution on Datalevin",
        (("outcomes", ("evolution",)),),
    ),
    Section(
        "backup",
        "07-backup-strategy",
        "Backup strategy",
        (("recommendation", ("backup",)),),
    ),
    Section(
        "queries",
        "08-query-patterns",
        "Query patterns: what gains from Datalog",
        (("ranked queries", ("quer",)),),
    ),
)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;
 background:#f6f7f9;line-height:1.45;font-size:16px} a{color:#0b57d0;text-decoration:underline}
header{background:#23395d;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:1.6em} header p{margin:0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:16px 32px 48px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 20px;margin:16px 0}
h2{font-size:1.25em;margin:.3em 0 .5em} h3{font-size:1em;margin:1em 0 .3em;color:#3b4a5a}
table{border-collapse:collapse;font-size:.9em;margin:.3em 0}
td,th{border:1px solid #dde1e6;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5} td.num{text-align:right;font-variant-numeric:tabular-nums}
.kv th{min-width:8em;max-width:26em} .nowrap{white-space:nowrap}
.pass{background:#d8f3dc;color:#1b5e20;font-weight:600;padding:1px 6px;border-radius:3px}
.fail{background:#ffe0e0;color:#a40000;font-weight:600;padding:1px 6px;border-radius:3px}
.absent,.gap{color:#8a5a00;background:#fff6e0;padding:6px 10px;border-radius:4px}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin-top:8px}
.figures img{max-width:540px;max-height:360px;border:1px solid #dde1e6}
.more{color:#667} code{font-size:.95em} .src{color:#556;font-size:.9em;margin-top:0}
.broken-image{color:#a40000;font-weight:600} .pass,.fail{white-space:nowrap}
.question{font-style:italic;margin:0 0 4px}
.blocks{display:flex;flex-wrap:wrap;gap:4px 32px;align-items:flex-start}
.block{max-width:100%;overflow-x:auto}
.answers{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.answer{border:1px solid #dde1e6;border-left:6px solid #99a;border-radius:4px;padding:8px 12px}
.answer h3{margin:.1em 0 .4em;color:#1d2329} .answer p{margin:.3em 0}
.answer.go{border-left-color:#2e7d32} .answer.attention{border-left-color:#c77700}
.answer.no-go{border-left-color:#c62828} .answer.not-measured{border-left-color:#8a8f98}
.badge{font-size:.8em;font-weight:700;text-transform:uppercase;padding:1px 7px;border-radius:3px;
 white-space:nowrap;color:#fff;background:#8a8f98} .badge.go{background:#2e7d32}
.badge.attention{background:#c77700} .badge.no-go{background:#c62828}
.why{color:#556;font-size:.9em} .evidence{font-size:.9em}
.next{font-size:1.1em;font-weight:600;padding:8px 12px;border-radius:4px;background:#eef1f5;
 border-left:6px solid #8a8f98} .next.go{border-left-color:#2e7d32;background:#e8f5e9}
.next.attention{border-left-color:#c77700;background:#fff6e0}
.next.no-go{border-left-color:#c62828;background:#ffebee}
"""


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _badge(ok: bool) -> str:
    return '<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>'


def fmt_value(value: Any, key: str = "") -> str:
    """Format one scalar finding as HTML (numbers grouped, bytes humanised, pass/fail as badges)."""
    k = str(key).lower()
    if isinstance(value, bool):
        if _judged(k):
            return _badge(value)
        return "yes" if value else "no"
    if value is None:
        return "&mdash;"
    if isinstance(value, str):
        verdict = _VERDICT.match(value)
        if verdict:
            rest = value[verdict.end() :].strip(" :-")
            return _badge(verdict.group(1).lower().startswith("pass")) + (
                f" {escape(rest)}" if rest else ""
            )
        return escape(value)
    if isinstance(value, int):
        text = cell_text(value)
        if "bytes" in k and abs(value) >= 1024:
            text += f" ({human_bytes(value)})"
        return text
    if isinstance(value, float):
        if value != value:
            return "-"
        return cell_text(value) + ("&times;" if "ratio" in k or k.endswith("_x") else "")
    return escape(str(value))


def _cell(value: Any, key: str) -> str:
    css = ' class="num"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
    if _is_scalar(value):
        return f"<td{css}>{fmt_value(value, key)}</td>"
    if isinstance(value, dict) and value and all(_is_scalar(v) for v in value.values()):
        return f"<td>{_compact(value)}</td>"
    return f"<td><code>{escape(json.dumps(value, default=str)[:300])}</code></td>"


_BARE = ("measured", "value", "figure", "result")


def _compact(mapping: dict[str, Any]) -> str:
    """A small mapping in one cell: measured figures bare, verdicts as badges, others labelled."""
    parts = []
    for k, v in mapping.items():
        shown = fmt_value(v, k)
        if str(k).lower() in _BARE or _judged(k):
            parts.append(shown)
        else:
            parts.append(f"{escape(label(k))}: {shown}")
    return " ".join(parts)


def _more(n: int) -> str:
    return f'<p class="more">&hellip; {n} more rows in the notebook report.</p>' if n > 0 else ""


def render_value(value: Any, key: str = "") -> str:
    """Render one finding (scalar, mapping, table-like list) as an HTML fragment."""
    if _is_scalar(value):
        return f"<p>{fmt_value(value, key)}</p>"
    if isinstance(value, dict):
        if not value:
            return "<p>none</p>"
        items = list(value.items())
        rows_are_maps = all(isinstance(v, dict) for _, v in items)
        if rows_are_maps:
            cols: list[str] = []
            for _, row in items:
                cols += [c for c in row if c not in cols]
            head = "<tr><th></th>" + "".join(f"<th>{escape(label(c))}</th>" for c in cols) + "</tr>"
            body = "".join(
                f"<tr><th>{escape(str(name))}</th>"
                + "".join(_cell(row.get(c), c if c else key) for c in cols)
                + "</tr>"
                for name, row in items[:MAX_ROWS]
            )
            return f"<table>{head}{body}</table>{_more(len(items) - MAX_ROWS)}"
        body = "".join(
            f"<tr><th>{escape(str(name))}</th>{_cell(v, key or str(name))}</tr>"
            for name, v in items[:MAX_ROWS]
        )
        return f'<table class="kv">{body}</table>{_more(len(items) - MAX_ROWS)}'
    if isinstance(value, list | tuple):
        if not value:
            return "<p>none</p>"
        if all(isinstance(v, dict) for v in value):
            cols = []
            for row in value:
                cols += [c for c in row if c not in cols]
            head = "<tr>" + "".join(f"<th>{escape(label(c))}</th>" for c in cols) + "</tr>"
            body = "".join(
                "<tr>" + "".join(_cell(row.get(c), c) for c in cols) + "</tr>"
                for row in value[:MAX_ROWS]
            )
            return f"<table>{head}{body}</table>{_more(len(value) - MAX_ROWS)}"
        if all(_is_scalar(v) for v in value):
            shown = ", ".join(fmt_value(v, key) for v in value[:50])
            return f"<p>{shown}{' &hellip;' if len(value) > 50 else ''}</p>"
    return f"<pre>{escape(json.dumps(value, indent=1, default=str)[:4000])}</pre>"


def render_findings(findings: dict[str, Any]) -> str:
    """Scalars in one headline table first, then one sub-heading per structured finding."""
    scalars = {k: v for k, v in findings.items() if _is_scalar(v)}
    parts = []
    if scalars:
        rows = "".join(
            f"<tr><th>{escape(label(k))}</th>{_cell(v, k)}</tr>" for k, v in scalars.items()
        )
        parts.append(f'<table class="kv headline">{rows}</table>')
    blocks = [
        f'<div class="block"><h3>{escape(label(key))}</h3>{render_value(value, key)}</div>'
        for key, value in findings.items()
        if key not in scalars
    ]
    if blocks:
        parts.append('<div class="blocks">' + "".join(blocks) + "</div>")
    return "\n".join(parts)


_PASS_WORDS = ("pass", "passed", "ok", "met", "verdict", "verdicts", "success", "succeeded")


def _judged(key: str) -> bool:
    """Whether a finding's key names a verdict (its booleans are pass/fail)."""
    return any(t in _PASS_WORDS for t in re.split(r"[^a-z0-9]+", str(key).lower()))


def _all_keys(value: Any) -> list[str]:
    keys: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            keys.append(str(k).lower())
            keys += _all_keys(v)
    elif isinstance(value, list):
        for v in value:
            keys += _all_keys(v)
    return keys


def missing_topics(section: Section, findings: dict[str, Any]) -> list[str]:
    """Headlines the section should show that the notebook's findings do not mention."""
    keys = _all_keys(findings)
    return [
        headline
        for headline, needles in section.topics
        if not any(n in k for n in needles for k in keys)
    ]


def _figures(run: Any) -> str:
    if not run.featured:
        return ""
    imgs = "".join(
        f'<a href="{escape(src)}"><img src="{escape(src)}" alt="figure from {escape(run.stem)}" '
        "onerror=\"this.insertAdjacentHTML('afterend','<p class=&quot;broken-image&quot;>"
        "Missing image: '+this.getAttribute('src')+'</p>')\"></a>"
        for src in run.featured
    )
    return f'<div class="figures">{imgs}</div>'


def _section_html(number: int, section: Section, run: Any, findings: dict[str, Any] | None) -> str:
    sid = f"sec-{escape(section.name)}"
    if run is None:
        return (
            f'<section id="{sid}" class="finding absent-section"><h2>{number}. {escape(section.label)}</h2>'
            f'<p class="absent">Not run: no notebook <code>{escape(section.notebook)}.ipynb</code> '
            "in the notebooks folder, so these findings are absent from this report.</p></section>"
        )
    link = (
        f'<p class="src">From <a href="{escape(run.html)}">{escape(run.stem)}</a> '
        f'({run.seconds:.1f} s) &middot; <a href="{escape(run.executed)}">executed notebook</a></p>'
    )
    title = f"{number}. {escape(section.label)}"
    link = f'<p class="question">{escape(run.title)}</p>' + link
    if findings is None:
        body = (
            '<p class="absent">The notebook ran but wrote no <code>findings-'
            f"{escape(section.name)}.json</code> (it should call workbench.report.findings.write_findings)."
            "</p>"
        )
    else:
        body = render_findings(findings)
        gaps = missing_topics(section, findings)
        if gaps:
            body += (
                f'<p class="gap">Not in this notebook\'s findings: {escape(", ".join(gaps))}.</p>'
            )
    more = f'<p><a class="full" href="{escape(run.html)}">Full report &rarr;</a></p>'
    return f'<section id="{sid}" class="finding filled">' + (
        f"<h2>{title}</h2>{link}{body}{_figures(run)}{more}</section>"
    )


def _run_for(section: Section, runs: list[Any]) -> Any:
    for run in runs:
        if section.name in run.findings:
            return run
    for run in runs:
        if run.stem == section.notebook:
            return run
    return None


def _css_status(status: str) -> str:
    return {"needs attention": "attention", "not measured": "not-measured"}.get(status, status)


def _code(html: str) -> str:
    """`text` (already escaped) as <code>text</code>: answers name commands that way."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html)


def render_answers(result: Any) -> str:
    """The first screen: one block per question of the team, with a badge and evidence links."""
    findings: dict[str, Any] = {}
    pages: dict[str, list[tuple[str, str]]] = {}
    for run in result.runs:
        for name, f in run.findings.items():
            findings[name] = f
            pages[name] = list(getattr(run, "headings", []) or [])
    blocks = []
    answers = answer_questions(findings, pages)
    status, step = next_step(answers)
    for a in answers:
        css = _css_status(a.status)
        links = " &middot; ".join(
            f'<a class="evidence-link" href="{escape(link.href)}">{escape(link.label)}</a>'
            for link in a.links
        )
        blocks.append(
            f'<div class="answer {css}" id="answer-{escape(a.key)}">'
            f'<h3>{escape(a.question)} <span class="badge {css}">{escape(a.status)}</span></h3>'
            f"<p>{_code(escape(a.sentence))}</p>"
            + (f'<p class="why">Why this badge: {_code(escape(a.why))}.</p>' if a.why else "")
            + (f'<p class="evidence">Evidence: {links}</p>' if links else "")
            + "</div>"
        )
    return (
        '<section id="answers"><h2>Answers to the team\'s questions</h2>'
        f'<p class="next {_css_status(status)}" id="next-step">{_code(escape(step))}</p>'
        f'<div class="answers">{"".join(blocks)}</div></section>'
    )


_NOT_ARTIFACTS = {"html", "img", "notebooks"}
_ARTIFACT_KINDS = (".edn", ".md", ".csv", ".json", ".png", ".txt")


def artifacts(out_dir: str | Path) -> list[Path]:
    """The files the notebooks left in the report folder (schemas, runbooks, tables), relative."""
    root = Path(out_dir)
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if len(rel.parts) < 2 or rel.parts[0] in _NOT_ARTIFACTS or rel.name.startswith("."):
            continue
        if path.is_file() and path.suffix in _ARTIFACT_KINDS:
            found.append(rel)
    return found


def render_artifacts(out_dir: str | Path) -> str:
    """The "Files" section: every artifact linked, grouped by the folder that holds it."""
    files = artifacts(out_dir)
    if not files:
        return ""
    groups: dict[str, list[Path]] = {}
    for rel in files:
        groups.setdefault(rel.parts[0], []).append(rel)
    rows = "".join(
        f"<tr><th>{escape(folder)}/</th><td>"
        + " &middot; ".join(
            f'<a href="{escape(rel.as_posix())}">{escape(rel.relative_to(folder).as_posix())}</a>'
            f' <span class="more">({human_bytes((Path(out_dir) / rel).stat().st_size)})</span>'
            for rel in rels
        )
        + "</td></tr>"
        for folder, rels in groups.items()
    )
    return (
        '<section id="files"><h2>Files: schemas, runbooks and every table</h2>'
        "<p>Everything below is in this report folder (CSV and JSON for each table; the inferred "
        "schema as EDN; runbooks as Markdown).</p>"
        f'<table class="kv">{rows}</table></section>'
    )


def _compared_html(result: Any) -> str:
    c = getattr(result, "compared", None) or {}
    if not c:
        return ""
    return (
        '<section id="compared"><h2>Since the last report</h2>'
        f'<p>{escape(c["headline"])} <a href="{escape(c["page"])}">What changed &rarr;</a></p></section>'
    )


def render_index(result: Any) -> str:
    """The whole index page for a ReportResult."""
    inp, mach = result.input, result.machine
    mode = "quick run (small sweeps)" if result.quick else "full run"
    input_rows = [
        ("File", f"<code>{escape(inp['name'])}</code>"),
        ("Path", f"<code>{escape(inp['path'])}</code>"),
        ("Size", f"{inp['size']:,} bytes ({human_bytes(inp['size'])})"),
        ("SHA-256", f"<code>{escape(inp['sha256'])}</code>"),
        ("Date", escape(result.started)),
        ("Mode", escape(mode)),
        ("Total time", f"{result.seconds:.1f} s"),
    ]
    machine_rows = [
        ("CPU", escape(str(mach.get("cpu")))),
        ("Cores", escape(str(mach.get("cores")))),
        ("Memory", escape(str(mach.get("memory")))),
        ("Python", escape(str(mach.get("python")))),
        ("OS", escape(str(mach.get("os")))),
        ("Workbench", escape(str(mach.get("workbench")))),
    ]

    def kv(rows: list[tuple[str, str]]) -> str:
        return (
            '<table class="kv">'
            + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
            + "</table>"
        )

    nb_rows = (
        "".join(
            f"<tr><td>{escape(run.stem)}</td><td>{escape(run.title)}</td>"
            f'<td class="num nowrap">{run.seconds:.1f} s</td>'
            f'<td class="nowrap"><a href="{escape(run.html)}">HTML</a> &middot; <a href="{escape(run.executed)}">ipynb</a></td>'
            f"<td>{escape(', '.join(run.findings) or 'none')}</td></tr>"
            for run in result.runs
        )
        or '<tr><td colspan="5" class="absent">No notebooks found.</td></tr>'
    )
    sections = []
    used: set[str] = set()
    for number, section in enumerate(SECTIONS, 1):
        run = _run_for(section, result.runs)
        findings = run.findings.get(section.name) if run else None
        used.add(section.name)
        sections.append(_section_html(number, section, run, findings))
    extra = [
        (name, run, f)
        for run in result.runs
        for name, f in run.findings.items()
        if name not in used
    ]
    for i, (name, run, f) in enumerate(extra, len(SECTIONS) + 1):
        section = Section(name, run.stem, label(name), ())
        sections.append(_section_html(i, section, run, f))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Workbench report: {escape(inp["name"])}</title><style>{CSS}</style></head>
<body>
<header><h1>Workbench report: {escape(inp["name"])}</h1>
<p>{escape(mode)} of {len(result.runs)} notebooks on {escape(result.started)}</p></header>
<main>
{render_answers(result)}
{_compared_html(result)}
<section id="run"><h2>Input and machine</h2>
<div class="figures"><div>{kv(input_rows)}</div><div>{kv(machine_rows)}</div></div></section>
<section id="notebooks"><h2>Notebooks</h2>
<table><tr><th>Notebook</th><th>Question</th><th>Time</th><th>Report</th><th>Findings</th>
</tr>
{nb_rows}</table></section>
{"".join(sections)}
{render_artifacts(result.out_dir)}
<p class="more">Generated by <code>workbench report</code>; run data in <a href="run.json">run.json</a>.</p>
</main></body></html>
"""
