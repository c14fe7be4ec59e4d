"""The published-figures sanity table on hand-made JVM figures (no JVM)."""

from __future__ import annotations

import math

import pandas as pd

from workbench.bench.sanity import published_sanity


def _row(store: str, op: str, **kw: float) -> dict:
    base = {"engine": "jvm", "dataset": "d", "store": store, "op": op, "entries": 2000, "n": 2}
    return {**base, "file_bytes": 4_000_000, "p50_us": math.nan, "per_s": math.nan, **kw}


def test_rates_ratios_and_why_only_beyond_3x() -> None:
    frame = pd.DataFrame(
        [
            # 1e6 / 2000 us = 500 durable writes/s: x2.16 the published 232/s, within 3x
            _row("datalevin-kv[default]", "save", p50_us=2000.0),
            # 22,400/s in batches: a tenth of 224k/s
            _row("datalevin-kv[default]", "bulk-load", p50_us=40_000.0, per_s=22_400.0),
            # 20k entities/s: inside the published 15k-40k range
            _row("datalevin-datalog[default]", "bulk-load", p50_us=50_000.0, per_s=20_000.0),
            _row("datalevin-kv[default]", "save", p50_us=1.0, engine="python"),  # never read
        ]
    )
    t = published_sanity(frame).set_index("figure")
    one = t.loc["KV, one durable write at a time"]
    assert math.isclose(one["measured_per_s"], 500.0) and math.isclose(one["ratio"], 500 / 232)
    assert one["within_3x"] and one["why"] == ""
    batch = t.loc["KV, batches of 1,000"]
    assert math.isclose(batch["ratio"], 0.1) and not batch["within_3x"]
    assert "2,000 bytes on disk per entry" in batch["why"]
    assert batch["why"].startswith("only 2 batch(es)")  # two batches: the JIT's warm-up is in them
    dlg = t.loc["Datalog, durable writes"]
    assert dlg["ratio"] == 1.0 and dlg["within_3x"] and dlg["why"] == ""


def test_a_store_not_measured_is_said_so() -> None:
    frame = pd.DataFrame([_row("datalevin-kv[default]", "save", p50_us=100.0)])
    t = published_sanity(frame).set_index("figure")
    # 10,000/s: x43 the published single durable write; the why names the fsync time
    one = t.loc["KV, one durable write at a time"]
    assert not one["within_3x"] and "0.10 ms" in one["why"]
    assert t.loc["Datalog, durable writes", "why"] == "not measured in this run"
    assert t.loc["Datalog, durable writes", "within_3x"] is None


def test_jvm_scaling_plot_has_one_log_log_panel_per_op_and_every_store_in_the_legend() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from workbench.bench.plots import plot_jvm_scaling

    rows = [
        {"engine": "jvm", "store": s, "op": op, "entries": n, "p50_us": float(n) * (i + 1)}
        for i, s in enumerate(["edn-app", "datalevin-datalog[default]"])
        for op in ("noop", "get", "startup")
        for n in (1000, 10_000)
    ]
    rows.append({**rows[0], "engine": "python", "store": "py-only"})  # not a JVM figure
    rows.append({**rows[-2], "store": "datalevin-datalog[default]", "op": "query:sessions_by_type"})
    fig = plot_jvm_scaling(pd.DataFrame(rows))
    panels = [ax for ax in fig.axes if ax.axison]
    titles = [ax.get_title() for ax in panels]
    assert titles == ["get", "startup (read-string vs open)", "query:sessions_by_type"]
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in panels)
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in panels)
    # a store keeps its colour in every panel (the legend is shared)
    colours: dict[str, set] = {}
    for ln in (ln for ax in panels for ln in ax.get_lines()):
        colours.setdefault(ln.get_label(), set()).add(str(ln.get_color()))
    assert all(len(c) == 1 for c in colours.values()), colours
    assert colours["edn-app"] != colours["datalevin-datalog[default]"]
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["edn-app", "datalevin-datalog[default]"]
    assert fig._suptitle.get_text().startswith("JVM engine")
