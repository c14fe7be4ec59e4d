"""Tables as the report shows them: formatted cells, no index column, long tables folded, a CSV."""

from __future__ import annotations

import math

import pandas as pd

from workbench.report.tables import cell_text, table_html, write_table


def test_cells_read_as_numbers_dates_and_dashes() -> None:
    assert cell_text(1771492000000.0) == "1,771,492,000,000"
    assert cell_text(0.123456) == "0.123"
    assert cell_text(1234.5678) == "1,235"
    assert cell_text(math.nan) == "-" and cell_text(None) == "-" and cell_text(pd.NaT) == "-"
    assert cell_text(pd.Timestamp("2026-02-19 08:30")) == "2026-02-19 08:30"
    assert cell_text(True) == "yes"
    from workbench import edn

    value = {edn.kw(":learning/tags"): frozenset({"sync"}), edn.kw(":a"): edn.Vector([1])}
    assert cell_text(value) == '{:learning/tags #{"sync"} :a [1]}'
    assert cell_text(edn.kw(":x/y")) == ":x/y"


def test_long_tables_show_their_top_rows_and_fold_the_rest() -> None:
    df = pd.DataFrame({"key": [f"k{i}" for i in range(40)], "n": range(40)})
    html = table_html(df, top=15, csv_href="../tables/t.csv", caption="forty")
    shown, folded = html.split("<details>", 1)
    assert shown.count("<tr>") == 16 and folded.count("<tr>") == 26  # header + rows in each
    assert "<summary>25 more rows</summary>" in folded
    assert 'href="../tables/t.csv"' in html and "all 40 rows" in html
    assert ">k0<" in shown and ">k39<" in folded
    assert '<td class="num">39</td>' in folded
    whole = table_html(df, top=0, caption="forty")
    assert whole.startswith('<div class="wb-table-block"><details><summary>forty: 40 rows')


def test_an_index_that_carries_data_becomes_a_column_and_empty_tables_say_so(tmp_path) -> None:
    df = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["a", "b"], name="kind"))
    html = table_html(df)
    assert "<th>kind</th>" in html and "<td>a</td>" in html
    assert "no rows" in table_html(df.iloc[:0], caption="Alerts")
    path = write_table(df, "kinds", tmp_path)
    assert path.read_text().splitlines() == ["kind,n", "a,1", "b,2"]
    plain = table_html(pd.DataFrame({"n": [1]}))
    assert "<th>index</th>" not in plain and plain.count("<th class=") + plain.count("<th>") == 1
