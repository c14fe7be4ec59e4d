"""Plots of benchmark results: latency per op and store, cost against entry count, file sizes,
startup. Each function takes the tidy frame from workbench.bench.harness and returns a Figure."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from workbench.plots import bytes_axis, legend_outside, save_png, titled  # noqa: E402

__all__ = [
    "plot_latency",
    "plot_scaling",
    "plot_file_sizes",
    "plot_startup",
    "plot_jvm_scaling",
    "save_all_plots",
]


def _main(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["op"].isin(["put_many", "bulk_load"])]


def plot_latency(df: pd.DataFrame, entries: int | None = None) -> Any:
    """p50 latency per operation and store (log scale), p95 as whiskers, at one entry count."""
    d = _main(df)
    entries = int(d["entries"].max()) if entries is None else entries
    d = d[d["entries"] == entries]
    ops = list(dict.fromkeys(d["op"]))
    stores = list(dict.fromkeys(d["store"]))
    fig, ax = plt.subplots(figsize=(10, max(4, 0.45 * len(ops) * max(1, len(stores)) / 2)))
    h = 0.8 / max(1, len(stores))
    y = np.arange(len(ops))
    for i, s in enumerate(stores):
        g = d[d["store"] == s].set_index("op").reindex(ops)
        p50 = g["p50_us"].to_numpy(dtype=float)
        p95 = g["p95_us"].to_numpy(dtype=float)
        ax.barh(
            y + i * h,
            p50,
            height=h,
            label=s,
            xerr=[np.zeros_like(p50), np.nan_to_num(p95 - p50)],
            capsize=2,
        )
    ax.set_yticks(y + h * (len(stores) - 1) / 2, ops)
    ax.set_xscale("log")
    ax.invert_yaxis()
    legend_outside(ax, fontsize=8)
    titled(
        ax,
        f"Latency per operation ({entries} entries): bar p50, whisker p95",
        "latency (microseconds, log scale)",
        "operation",
    )
    fig.tight_layout()
    return fig


def plot_scaling(df: pd.DataFrame, ops: list[str] | None = None) -> Any:
    """p50 latency against entry count per operation, one line per store (log-log)."""
    d = _main(df)
    ops = ops or [
        o
        for o in (
            "get",
            "save",
            "update",
            "delete",
            "search",
            "full_load",
            "q:sessions_by_type",
            "q:learning_by_tag",
            "startup",
        )
        if o in set(d["op"])
    ]
    cols = 3
    rows = max(1, math.ceil(len(ops) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, op in zip(axes.flat, ops, strict=False):
        g = d[d["op"] == op]
        for s, gs in g.groupby("store", sort=False):
            gs = gs.sort_values("entries")
            ax.plot(gs["entries"], gs["p50_us"], marker="o", label=s)
        ax.set_xscale("log")
        ax.set_yscale("log")
        titled(ax, op, "entries (log)", "p50 latency (us, log)")
    for ax in list(axes.flat)[len(ops) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.suptitle("Cost against entry count (EDN rewrites the whole file; LMDB writes pages)")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    return fig


def plot_file_sizes(df: pd.DataFrame) -> Any:
    """Bytes on disk per store and entry count."""
    d = df.drop_duplicates(["entries", "store"])
    d = d[d["file_bytes"].notna() & (d["op"] != "put_many")]
    pivot = d.pivot_table(index="entries", columns="store", values="file_bytes")
    fig, ax = plt.subplots(figsize=(8, 4))
    pivot.plot.bar(ax=ax, rot=0)
    bytes_axis(ax)
    titled(ax, "File size on disk", "entries", "size on disk (B, KiB, MiB)")
    fig.tight_layout()
    return fig


def plot_startup(df: pd.DataFrame) -> Any:
    """Open + first read time against entry count per store."""
    d = df[df["op"] == "startup"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for s, g in d.groupby("store", sort=False):
        g = g.sort_values("entries")
        ax.plot(g["entries"], g["p50_us"] / 1e3, marker="o", label=s)
    ax.set_xscale("log")
    ax.set_yscale("log")
    legend_outside(ax, fontsize=8)
    titled(ax, "Startup: open + first read", "entries (log)", "p50 time (ms, log)")
    fig.tight_layout()
    return fig


def plot_jvm_scaling(df: pd.DataFrame) -> Any:
    """The JVM engine's p50 per op against entry count, one line per store (log-log); startup is
    the EDN app's slurp + read-string against Datalevin's open (+ one read)."""
    d = df[(df["engine"] == "jvm") & (df["op"] != "noop")]
    ops = [o for o in ("get", "save", "startup", "bulk-load") if o in set(d["op"])]
    ops += sorted(o for o in set(d["op"]) if o.startswith("query:"))
    cols = 3
    rows = max(1, math.ceil(len(ops) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols + 2.6, 3.3 * rows), squeeze=False)
    per = {"bulk-load": "per 1,000-entry transaction", "startup": "read-string vs open"}
    cmap = plt.get_cmap("tab10")
    colour = {s: cmap(i % 10) for i, s in enumerate(dict.fromkeys(d["store"]))}  # one per store
    for ax, op in zip(axes.flat, ops, strict=False):
        for s, gs in d[d["op"] == op].groupby("store", sort=False):
            gs = gs.groupby("entries", as_index=False)["p50_us"].median()
            ax.plot(gs["entries"], gs["p50_us"], marker="o", label=s, color=colour[s])
        ax.set_xscale("log")
        ax.set_yscale("log")
        titled(ax, f"{op} ({per[op]})" if op in per else op, "entries (log)", "p50 (us, log)")
    for ax in list(axes.flat)[len(ops) :]:
        ax.axis("off")
    handles: dict[str, Any] = {}
    for ax in axes.flat:  # every store once, from whichever panel has it
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="center left",
               bbox_to_anchor=(0.80, 0.5), fontsize=8)  # fmt: skip
    fig.suptitle("JVM engine: p50 per op against entry count (timed inside the JVM, nanoTime)")
    fig.tight_layout(rect=(0, 0, 0.80, 0.95))
    return fig


def save_all_plots(df: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write latency.png, scaling.png, file-sizes.png, startup.png into out_dir."""
    out = Path(out_dir)
    figs = {
        "latency_png": ("latency.png", plot_latency(df)),
        "scaling_png": ("scaling.png", plot_scaling(df)),
        "file_sizes_png": ("file-sizes.png", plot_file_sizes(df)),
        "startup_png": ("startup.png", plot_startup(df)),
    }
    paths = {}
    for key, (name, fig) in figs.items():
        paths[key] = save_png(fig, out / name)
        plt.close(fig)
    return paths
