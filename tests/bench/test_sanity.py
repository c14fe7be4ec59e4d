"""The published-figures sanity table and its decomposition on hand-made JVM figures (no JVM)."""

from __future__ import annotations

import math

import pandas as pd

from workbench.bench.sanity import gap_factors, published_sanity


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
    # no decomposition given: the run's facts only, and it says so (no guessed causes)
    assert "2,000 bytes on disk per entry" in batch["why"]
    assert batch["why"].startswith("2 batch(es) of 1,000 from the store's first load")
    assert batch["why"].endswith("not decomposed in this run")
    assert "likely" not in batch["why"] and "shared" not in batch["why"]
    dlg = t.loc["Datalog, durable writes"]
    assert dlg["ratio"] == 1.0 and dlg["within_3x"] and dlg["why"] == ""


def test_a_store_not_measured_is_said_so() -> None:
    frame = pd.DataFrame([_row("datalevin-kv[default]", "save", p50_us=100.0)])
    t = published_sanity(frame).set_index("figure")
    # 10,000/s: x43 the published single durable write; the why gives the write's time
    one = t.loc["KV, one durable write at a time"]
    assert not one["within_3x"] and "0.10 ms (p50)" in one["why"]
    assert "4.3 ms per write" in one["why"]
    assert t.loc["Datalog, durable writes", "why"] == "not measured in this run"
    assert t.loc["Datalog, durable writes", "within_3x"] is None


def _step(step: str, per_s: float, dataset: str = "d", **kw: float) -> dict:
    batch = 1 if step in ("fsync", "kv-one-published") else 1000
    row = {"dataset": dataset, "step": step, "condition": f"cond {step}", "batch": batch, "n": 5,
           "per_s": per_s, "p50_ms": batch / per_s * 1e3, "value_bytes": math.nan,
           "datoms_per_entity": math.nan, "load_1m": 1.5, "cpus": 2}  # fmt: skip
    return {**row, **kw}


def _decomposition() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # machine steps (dataset ""): the published shapes on this machine, warm
            _step("fsync", 5_000.0, dataset="", load_1m=0.5),  # 0.2 ms
            _step("kv-one-published", 2_320.0, dataset=""),  # x10 the published 232/s
            _step("kv-batch-published", 112_000.0, dataset=""),  # x0.5 the published 224k/s
            _step("datalog-published", 30_000.0, dataset="", datoms_per_entity=2.0),
            # data steps: our entries
            _step("kv-batch-ours", 56_000.0, value_bytes=2_100.0),  # x0.5 the published shape
            _step("nippy", 250_000.0),  # 4 ms per 1,000 of our values
            _step("datalog-blob", 15_000.0),
            _step("datalog-ours", 5_000.0, datoms_per_entity=12.0, value_bytes=1_800.0),
            _step("kv-batch-ours", 1.0, dataset="other"),  # another dataset's: never read
        ]
    )


def _measured_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row("datalevin-kv[default]", "save", p50_us=300.0, load_1m=3.25),  # 3,333/s: x14
            _row("datalevin-kv[default]", "bulk-load", per_s=5_600.0, n=1),  # x0.025: cold
            _row("datalevin-datalog[default]", "bulk-load", per_s=2_500.0, n=1),  # x1/6 of 15k
        ]
    )


def test_the_gap_splits_into_measured_factors_whose_product_is_the_ratio() -> None:
    frame, dec = _measured_frame(), _decomposition()
    sanity = published_sanity(frame, dec).set_index("figure")
    g = gap_factors(frame, dec)
    for figure, factors in g.groupby("figure"):
        assert math.isclose(math.prod(factors["x"]), sanity.loc[figure, "ratio"]), figure
    f = g.set_index(["figure", "factor"])["x"]
    assert math.isclose(f[("KV, batches of 1,000", "machine")], 0.5)
    assert math.isclose(f[("KV, batches of 1,000", "data")], 0.5)
    assert math.isclose(f[("KV, batches of 1,000", "cold first load")], 0.1)
    # the Datalog chain starts from the bound nearest the measured rate (15k, not 40k)
    assert math.isclose(f[("Datalog, durable writes", "machine")], 2.0)
    assert math.isclose(f[("Datalog, durable writes", "entity structure")], 1 / 3)
    assert math.isclose(f[("Datalog, durable writes", "cold first load")], 0.5)
    assert list(g.loc[g["figure"] == "KV, one durable write at a time", "factor"]) == [
        "machine",
        "data",
    ]


def _batch_why(frame: pd.DataFrame) -> str:
    return (
        published_sanity(frame, _decomposition())
        .set_index("figure")
        .loc["KV, batches of 1,000", "why"]
    )


def test_the_why_comes_from_the_factors_and_the_measured_load() -> None:
    sanity = published_sanity(_measured_frame(), _decomposition()).set_index("figure")
    one = sanity.loc["KV, one durable write at a time", "why"]
    assert one.startswith("x14 the published 232 writes/s = machine x10")
    assert "mostly machine" in one  # x10 machine against x1.4 data
    # fsync alone 0.20 ms; our write 0.30 ms = 1.5 of them; published 4.3 ms per write
    assert "fdatasync alone takes 0.20 ms" in one and "0.30 ms (1.5 of them)" in one
    assert one.endswith(
        "load average (1 min) 0.50-1.50 on 2 CPUs while the steps ran "
        "(3.25 as the measured store's run began)"
    )
    # a frame without the load column (an older jvm-results.csv) still gets the steps' load
    assert _batch_why(_measured_frame().drop(columns="load_1m")).endswith("while the steps ran")
    batch = sanity.loc["KV, batches of 1,000", "why"]
    assert "cold first load x0.1" in batch and "mostly cold first load" in batch
    # nippy: 4 ms of the 17.9 ms per warm batch of our values (1,000 / 56,000 s)
    assert "2,100 bytes each after nippy" in batch and "4.00 ms of our 17.86 ms" in batch
    dlg = sanity.loc["Datalog, durable writes", "why"]
    assert dlg.startswith("x0.17 the published 15,000-40,000 entities/s = machine x2")
    assert "12.0 datoms each against 2.0" in dlg
    assert "60,000 datoms/s against the published shape's 60,000" in dlg
    assert "four engineers" not in one + batch + dlg


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
