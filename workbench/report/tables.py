"""Tables as people read them in the report: formatted cells, no index, top rows, the rest folded.

`show_table(df, name, out_dir)` is what notebooks call: it writes the whole table as
`out_dir/tables/<name>.csv` (the report links it) and displays the first rows with the rest in a
`<details>` element. `cell_text` is the one number formatter of the report (the index uses it too).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import edn
from workbench.io import atomic_write_text

TOP_ROWS = 15
TABLES_DIR = "tables"


def cell_text(value: Any) -> str:
    """One value as text: thousands separators, 3 significant digits, dates as dates, "-" if missing."""
    if value is None or value is pd.NaT:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, pd.Timestamp | _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, pd.Timedelta):
        return f"{value.total_seconds():,.3g} s"
    try:
        if pd.isna(value):
            return "-"
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return cell_text(value.item())
    if isinstance(value, str):
        return value
    return edn.printed(value, 200)  # EDN values as the app prints them, never a Python repr


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _rows_html(df: pd.DataFrame, numeric: list[bool]) -> str:
    return "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(cell_text(v))}</td>'
            if num
            else f"<td>{escape(cell_text(v))}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in df.itertuples(index=False, name=None)
    )


def table_html(
    df: pd.DataFrame, *, top: int = TOP_ROWS, csv_href: str | None = None, caption: str = ""
) -> str:
    """The table as HTML: header, the first `top` rows, the others inside <details>, a CSV link."""
    frame = df.reset_index() if _named_index(df) else df
    numeric = [_numeric(frame[c]) for c in frame.columns]
    head = "".join(
        f'<th class="num">{escape(str(c))}</th>' if num else f"<th>{escape(str(c))}</th>"
        for c, num in zip(frame.columns, numeric, strict=True)
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    shown = f'<table class="wb-table">{cap}<thead><tr>{head}</tr></thead><tbody>'
    shown += _rows_html(frame.iloc[:top], numeric) + "</tbody></table>"
    rest = len(frame) - top
    more = ""
    if rest > 0:
        more = (
            f"<details><summary>{rest:,} more rows</summary>"
            f'<table class="wb-table"><thead><tr>{head}</tr></thead><tbody>'
            f"{_rows_html(frame.iloc[top:], numeric)}</tbody></table></details>"
        )
    link = ""
    if csv_href:
        link = (
            f'<p class="wb-csv"><a href="{escape(csv_href)}">CSV: all {len(frame):,} rows</a></p>'
        )
    if top <= 0 and rest > 0:  # folded whole: the caption is the summary
        shown = ""
        more = more.replace(
            f"<summary>{rest:,} more rows</summary>",
            f"<summary>{escape(caption or 'Table')}: {rest:,} rows</summary>",
        )
    if frame.empty:
        shown = f'<p class="wb-empty">{escape(caption or "Table")}: no rows.</p>'
    return f'<div class="wb-table-block">{shown}{more}{link}</div>'


def _named_index(df: pd.DataFrame) -> bool:
    """Whether the index carries data (a name or labels), not just row numbers."""
    return any(n is not None for n in df.index.names) or not isinstance(df.index, pd.RangeIndex)


def write_table(df: pd.DataFrame, name: str, out_dir: str | os.PathLike) -> Path:
    """The whole table as `out_dir/tables/<name>.csv` (atomic); returns the path."""
    frame = df.reset_index() if _named_index(df) else df
    path = Path(out_dir) / TABLES_DIR / f"{name}.csv"
    atomic_write_text(path, frame.to_csv(index=False))
    return path


def show_table(
    df: pd.DataFrame,
    name: str,
    out_dir: str | os.PathLike | None = None,
    *,
    top: int = TOP_ROWS,
    caption: str = "",
) -> None:
    """Display a table for reading (notebooks): top rows, the rest folded, CSV written and linked."""
    from IPython.display import HTML, display

    href = None
    if out_dir is not None:
        write_table(df, name, out_dir)
        href = f"../{TABLES_DIR}/{name}.csv"  # the report's pages live in html/
    display(HTML(table_html(df, top=top, csv_href=href, caption=caption)))


def show_text(
    text: str, name: str, out_dir: str | os.PathLike | None = None, *, summary: str = ""
) -> None:
    """Display a long text folded under `summary`; with out_dir, also write it as `out_dir/<name>`."""
    from IPython.display import HTML, display

    lines = text.count("\n") + 1
    html = (
        f"<details><summary>{escape(summary or name)} ({lines:,} lines)</summary>"
        f"<pre>{escape(text)}</pre></details>"
    )
    if out_dir is not None:
        atomic_write_text(Path(out_dir) / name, text)
        html += (
            f'<p class="wb-csv">File &middot; <a href="../{escape(name)}">'
            f"{escape(Path(name).name)}</a></p>"
        )
    display(HTML(html))
