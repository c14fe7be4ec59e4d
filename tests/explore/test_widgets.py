"""Explorer callbacks: set widget values as a user would and check what the widgets show."""

from __future__ import annotations

import html

import pytest

from workbench import edn
from workbench.explore.widgets import ALL, explorer, pretty
from workbench.memory.generate import generate_memory
from workbench.memory.model import memory_from_text


@pytest.fixture(scope="module")
def mem():
    return memory_from_text(generate_memory(entries=150, seed=41).text)


def _table_keys(ui) -> list[str]:
    return list(ui.page_rows()["key"])


def test_initial_view_pages_the_table(mem) -> None:
    ui = explorer(mem, page_size=10)
    assert ui.page.max == -(-len(mem) // 10)
    assert len(_table_keys(ui)) == 10
    for k in _table_keys(ui):
        assert html.escape(k) in ui.table.value
    assert "of " + str(ui.page.max) in ui.page_info.value


def test_type_filter_and_search(mem) -> None:
    ui = explorer(mem, page_size=500)
    ui.type_filter.value = "Embed"
    kinds = {mem.entries[r].data_type for r in ui.view["row"]}
    assert kinds == {"Embed"}
    assert len(ui.view) == sum(1 for e in mem.entries if e.data_type == "Embed")
    assert set(ui.kind_filter.options) == {ALL, "embed-token", "webhook"}
    ui.kind_filter.value = "webhook"
    assert {mem.entries[r].kind for r in ui.view["row"]} == {"webhook"}
    ui.type_filter.value = "Other"  # a new type resets the kind filter
    assert ui.kind_filter.value == ALL and "unclassified" in ui.kind_filter.options
    ui.kind_filter.value = "unclassified"
    assert set(ui.view["key"]) == set(mem.unclassified()["key"])
    ui.type_filter.value = ALL
    ui.search.value = "LOCALHOST"
    assert list(ui.view["key"]) == [":config"]
    assert "localhost" in ui.edn_pane.value  # the only match is selected and shown
    ui.search.value = "zzz-no-match-zzz"
    assert len(ui.view) == 0 and "no entries match" in ui.table.value
    assert ui.edn_pane.value == ""


def test_sort_and_page_buttons(mem) -> None:
    ui = explorer(mem, page_size=5)
    ui.sort.value = "bytes"
    ui.descending.value = True
    sizes = list(ui.view["bytes"])
    assert sizes == sorted(sizes, reverse=True)
    assert ui.page_rows().iloc[0]["bytes"] == max(e.length for e in mem.entries)
    first_page = _table_keys(ui)
    ui.next_button.click()
    assert ui.page.value == 2 and _table_keys(ui) != first_page
    ui.prev_button.click()
    assert ui.page.value == 1 and _table_keys(ui) == first_page
    ui.page.value = ui.page.max
    assert len(_table_keys(ui)) == len(mem) - 5 * (ui.page.max - 1)
    ui.sort.value = "key"  # changing the order goes back to page 1
    assert ui.page.value == 1


def test_selection_shows_the_value_as_edn(mem) -> None:
    ui = explorer(mem, page_size=500)
    target = next(i for i, e in enumerate(mem.entries) if str(e.key) == ":learning/index")
    ui.selection.value = target
    shown = html.unescape(ui.edn_pane.value)
    assert ":learning/index" in shown
    text = shown.split("<pre style='white-space:pre-wrap'>")[1].split("</pre>")[0]
    assert edn.identical(edn.loads(text), mem.entries[target].value)


def test_pretty_print_past_the_recursion_limit() -> None:
    import sys

    n = sys.getrecursionlimit() + 500
    v = edn.loads("{:deep " + "[" * n + "{:k 1}" + "]" * n + "}")
    s = pretty(v, width=40)
    assert edn.dumps(edn.loads(s)) == edn.dumps(v)  # (== on the values would recurse)
    assert s.count("\n") == 0 and len(s) == len(edn.dumps(v))
    wide = edn.Vector([edn.Vector(["x" * 50, "y" * 50])] * 2)
    assert pretty(wide, width=40).count("\n") == 3  # the outer levels are still laid out


def test_pretty_print_reads_back_and_wraps() -> None:
    v = {edn.Keyword("a", "b"): edn.Vector(["x" * 50, "y" * 50]), None: edn.List([frozenset({1})])}
    s = pretty(v, width=40)
    assert "\n" in s
    assert edn.identical(edn.loads(s), v)


def test_diagnostics_and_unstable_tabs() -> None:
    g = generate_memory(entries=60, seed=42, damage=["empty-name", "object"])
    m = memory_from_text(g.text)
    ui = explorer(m)
    assert "Diagnostics (" in ui.tabs.get_title(1)
    for d in m.diagnostics:
        assert (
            f"<td>{d.line}</td>" in ui.diagnostics.value
            and f"<td>{d.column}</td>" in ui.diagnostics.value
        )
    assert ui.unstable.value == ""
    ui.tabs.selected_index = 2
    assert ":review/" in ui.unstable.value
    clean = explorer(memory_from_text("{:a 1}"))
    assert "No damage" in clean.diagnostics.value
