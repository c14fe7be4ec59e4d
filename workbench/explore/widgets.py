"""Interactive memory explorer (ipywidgets): filter, search, paged sortable table, EDN pane, diagnostics."""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as W
import pandas as pd

from workbench import edn
from workbench.memory.model import Memory

ALL = "All"
SORT_COLUMNS = ("line", "key", "data_type", "kind", "value_type", "bytes", "depth", "children")
TABLE_COLUMNS = ["row", "key", "data_type", "kind", "value_type", "bytes", "children", "line"]
MAX_PANE_CHARS = 20_000


PRETTY_DEPTH = 64  # nesting levels laid out one entry per line; deeper ones print on one line


def pretty(v: Any, indent: int = 0, width: int = 88, depth: int = PRETTY_DEPTH) -> str:
    """Pretty-print an EDN value: one line when it fits, else one entry/element per line.

    Only the outer `depth` levels are laid out (each level re-prints its value to measure it, and
    recurses): below that the rest is printed on one line by the iterative edn.dumps, so a value
    nested 1,000 or 100,000 levels deep displays instead of exhausting the recursion limit.
    """
    s = edn.dumps(v)
    if len(s) + indent <= width or depth <= 0:
        return s
    if isinstance(v, dict | edn.FrozenMap):
        pad = "\n" + " " * (indent + 1)
        parts = []
        for k, x in v.items():
            ks = edn.dumps(k)
            parts.append(f"{ks} {pretty(x, indent + 1 + len(ks) + 1, width, depth - 1)}")
        return "{" + pad.join(parts) + "}"
    if isinstance(v, edn.Vector | edn.List | frozenset):
        opener, closer = (
            ("[", "]")
            if isinstance(v, edn.Vector)
            else (("(", ")") if isinstance(v, edn.List) else ("#{", "}"))
        )
        inner = indent + len(opener)
        pad = "\n" + " " * inner
        return opener + pad.join(pretty(x, inner, width, depth - 1) for x in v) + closer
    if isinstance(v, edn.Tagged):
        head = f"#{v.tag} "
        return head + pretty(v.value, indent + len(head), width, depth - 1)
    return s


class Explorer:
    """The explorer UI; sub-widgets are attributes so code (and tests) can drive it."""

    def __init__(self, memory: Memory, page_size: int = 20) -> None:
        self.memory = memory
        self.page_size = page_size
        self.frame = memory.to_frame()
        self.frame.insert(0, "row", range(len(self.frame)))
        present = [
            t
            for t in self.frame["data_type"].cat.categories
            if (self.frame["data_type"] == t).any()
        ]
        self.type_filter = W.Dropdown(options=[ALL, *present], value=ALL, description="Data type")
        self.kind_filter = W.Dropdown(options=self._kinds(ALL), value=ALL, description="Kind")
        self.search = W.Text(
            value="",
            placeholder="search keys and values",
            description="Search",
            continuous_update=False,
        )
        self.sort = W.Dropdown(options=list(SORT_COLUMNS), value="line", description="Sort by")
        self.descending = W.Checkbox(value=False, description="descending")
        self.page = W.BoundedIntText(value=1, min=1, max=1, description="Page")
        self.page_info = W.Label()
        self.prev_button = W.Button(description="◀ prev")
        self.next_button = W.Button(description="next ▶")
        self.table = W.HTML()
        self.selection = W.Select(options=[], rows=8, description="Entry")
        self.edn_pane = W.HTML()
        self.diagnostics = W.HTML(value=self._diagnostics_html())
        self.unstable = W.HTML()
        browse = W.VBox(
            [
                W.HBox([self.type_filter, self.kind_filter, self.search]),
                W.HBox([self.sort, self.descending]),
                W.HBox([self.prev_button, self.page, self.next_button, self.page_info]),
                self.table,
                self.selection,
                self.edn_pane,
            ]
        )
        self.tabs = W.Tab(children=[browse, self.diagnostics, self.unstable])
        self.tabs.set_title(0, "Entries")
        self.tabs.set_title(1, f"Diagnostics ({len(memory.diagnostics)})")
        self.tabs.set_title(2, "Unstable keys")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.widget = self.tabs
        self.view = self.frame
        self.type_filter.observe(self._on_type, names="value")
        for w in (self.kind_filter, self.search, self.sort, self.descending):
            w.observe(self._on_filter, names="value")
        self.page.observe(self._on_page, names="value")
        self.selection.observe(self._on_select, names="value")
        self.prev_button.on_click(lambda _b: self._step(-1))
        self.next_button.on_click(lambda _b: self._step(1))
        self.refresh()

    # callbacks ------------------------------------------------------------------
    def _kinds(self, data_type: str) -> list[str]:
        df = self.frame if data_type == ALL else self.frame[self.frame["data_type"] == data_type]
        return [ALL, *sorted(df["kind"].unique())]

    def _on_type(self, _change: Any = None) -> None:
        options = self._kinds(self.type_filter.value)
        if list(self.kind_filter.options) != options:
            with self.kind_filter.hold_trait_notifications():
                self.kind_filter.options = options
                self.kind_filter.value = ALL
        self.refresh()

    def _on_filter(self, _change: Any = None) -> None:
        self.refresh()

    def _on_page(self, _change: Any = None) -> None:
        self._render_page()

    def _on_select(self, change: Any = None) -> None:
        self._render_value()

    def _on_tab(self, change: Any = None) -> None:
        if self.tabs.selected_index == 2 and not self.unstable.value:
            df = self.memory.unstable_keys()
            self.unstable.value = (
                df.to_html(index=False, escape=True)
                if len(df)
                else "<p>Every key survives print and re-read.</p>"
            )

    def _step(self, delta: int) -> None:
        self.page.value = max(self.page.min, min(self.page.max, self.page.value + delta))

    # rendering ------------------------------------------------------------------
    def filtered(self) -> pd.DataFrame:
        """Rows matching the data-type filter and the search box, in the chosen order."""
        df = self.frame
        if self.type_filter.value != ALL:
            df = df[df["data_type"] == self.type_filter.value]
        if self.kind_filter.value != ALL:
            df = df[df["kind"] == self.kind_filter.value]
        q = self.search.value.strip()
        if q:
            hits = self.memory.search(q)
            df = df[df["row"].isin(set(hits["row"]))]
        col = self.sort.value
        keys = df[col].astype(str) if col in ("data_type",) else df[col]
        order = keys.sort_values(ascending=not self.descending.value, kind="stable").index
        return df.loc[order]

    def refresh(self) -> None:
        """Recompute the filtered view and show page 1."""
        self.view = self.filtered()
        pages = max(1, math.ceil(len(self.view) / self.page_size))
        self.page.max = pages
        if self.page.value != 1:
            self.page.value = 1  # triggers _on_page
        else:
            self._render_page()

    def page_rows(self) -> pd.DataFrame:
        """Rows of the current page."""
        start = (self.page.value - 1) * self.page_size
        return self.view.iloc[start : start + self.page_size]

    def _render_page(self) -> None:
        rows = self.page_rows()
        self.page_info.value = (
            f"{len(self.view)} entries, page {self.page.value} of {self.page.max}"
        )
        if len(rows):
            self.table.value = rows[TABLE_COLUMNS].to_html(index=False, escape=True, border=0)
        else:
            self.table.value = "<p><i>no entries match</i></p>"
        options = [(f"{r.key}  [{r.kind}]", int(r.row)) for r in rows.itertuples()]
        self.selection.options = options
        self.selection.value = options[0][1] if options else None
        self._render_value()

    def _render_value(self) -> None:
        row = self.selection.value
        if row is None:
            self.edn_pane.value = ""
            return
        e = self.memory.entries[row]
        text = pretty(e.value)
        if len(text) > MAX_PANE_CHARS:
            text = text[:MAX_PANE_CHARS] + f"\n… ({len(text) - MAX_PANE_CHARS} more characters)"
        head = (
            f"{edn.dumps(e.key)}  ·  {e.data_type} / {e.kind}  ·  line {e.line}, {e.length} bytes"
        )
        self.edn_pane.value = (
            f"<b>{html.escape(head)}</b><pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"
        )

    def _diagnostics_html(self) -> str:
        df = self.memory.diagnostics_frame()
        if not len(df):
            return "<p>No damage found: the app can read this file.</p>"
        return df[["line", "column", "kind", "damage", "reason", "text", "key"]].to_html(
            index=False, escape=True
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(memory: Memory, page_size: int = 20) -> Explorer:
    """Build the interactive explorer for a loaded memory (display it in a notebook)."""
    return Explorer(memory, page_size=page_size)
