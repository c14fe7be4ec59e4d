"""Plots of a `Profile`: matplotlib Figures with titles, units and labelled axes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.analysis._profile_stats import LONG_VALUE_BYTES, Profile
from workbench.edn.typename import EDN_TYPES
from workbench.plots import legend_outside


def plot_bytes_by_type(prof: Profile):
    """Bar charts of entries and printed kilobytes per data type and kind."""
    import matplotlib.pyplot as plt

    t = prof.types.sort_values("bytes_total")
    labels = [f"{d} / {k}" for d, k in zip(t["data_type"], t["kind"], strict=True)]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, max(3, 0.35 * len(t) + 1.5)), sharey=True)
    a1.barh(labels, t["entries"], color="tab:blue")
    a1.set_xlabel("entries (count)")
    a1.set_ylabel("data type / kind")
    a1.set_title("Entries by type")
    a2.barh(labels, t["bytes_total"] / 1024, color="tab:orange")
    a2.set_xlabel("printed size (KiB)")
    a2.set_title("Printed bytes by type")
    fig.suptitle("memory.edn content by data type")
    fig.tight_layout()
    return fig


def plot_presence_heatmap(prof: Profile, kind: str, max_rows: int = 40):
    """Heatmap of the presence ratio of each keyword attribute path of one kind (annotated)."""
    import matplotlib.pyplot as plt

    a = prof.attributes
    a = a[(a["kind"] == kind) & a["presence"].notna() & (a["depth"] > 0)].head(max_rows)
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.3 * len(a) + 1.5)))
    if len(a):
        im = ax.imshow(a[["presence"]].to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_yticks(range(len(a)), a["path"].tolist(), fontsize=8)
        for i, v in enumerate(a["presence"]):
            ax.text(
                0,
                i,
                f"{v:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if v > 0.5 else "white",
            )
        fig.colorbar(im, ax=ax, label="presence (ratio 0..1)")
    ax.set_xticks([0], ["presence"])
    ax.set_xlabel("share of parent maps holding the key (ratio)")
    ax.set_ylabel("attribute path")
    ax.set_title(f"Attribute presence: {kind}")
    fig.tight_layout()
    return fig


def plot_type_mix(prof: Profile, kind: str | None = None, max_rows: int = 40):
    """Stacked bars of EDN types per attribute path (all kinds or one)."""
    import matplotlib.pyplot as plt

    a = prof.attributes
    if kind is not None:
        a = a[a["kind"] == kind]
    a = a[a["depth"] > 0].head(max_rows)
    cols = [t for t in EDN_TYPES if f"t_{t}" in a and a[f"t_{t}"].sum() > 0]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.3 * len(a) + 1.5)))
    left = pd.Series(0.0, index=a.index)
    labels = (a["kind"] + " " + a["path"]) if kind is None else a["path"]
    for t in cols:
        share = a[f"t_{t}"] / a["count"].where(a["count"] > 0, 1)
        ax.barh(labels, share, left=left, label=t)
        left = left + share
    ax.set_xlabel("share of values (ratio)")
    ax.set_ylabel("attribute path")
    ax.set_title(f"EDN type mix per attribute{'' if kind is None else ': ' + kind}")
    if cols:
        legend_outside(ax, fontsize=7)
    fig.tight_layout()
    return fig


def plot_timeline(prof: Profile, freq: str = "W"):
    """Stacked area of records per kind over time (creation-like timestamps), per period."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    t = prof.times
    label = {"D": "day", "W": "week", "MS": "month", "M": "month"}.get(freq, freq)
    if len(t):
        counts = (
            t.assign(n=1)
            .set_index("time")
            .groupby("kind")
            .resample(freq)["n"]
            .sum()
            .unstack(0)
            .fillna(0)
            .sort_index()
        )
        counts = counts[counts.sum().sort_values(ascending=False).index]
        ax.stackplot(
            counts.index,
            counts.to_numpy().T,
            labels=list(counts.columns),
            colors=plt.cm.tab20.colors[: len(counts.columns)],
        )
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel(f"records per {label} (count)")
    ax.set_title("Timeline of records per kind (creation-like timestamps)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_size_distribution(prof: Profile):
    """Box plots of printed entry sizes per kind (log scale)."""
    import matplotlib.pyplot as plt

    e = prof.entries
    kinds = sorted(e["kind"].unique())
    fig, ax = plt.subplots(figsize=(10, max(3, 0.35 * len(kinds) + 1.5)))
    if kinds:
        ax.boxplot(
            [e.loc[e["kind"] == k, "bytes"].to_numpy() for k in kinds], orientation="horizontal"
        )
        ax.set_yticks(range(1, len(kinds) + 1), kinds)
        ax.set_xscale("log")
    ax.axvline(LONG_VALUE_BYTES, color="red", linestyle="--", label="497 B (Datalevin long value)")
    ax.set_xlabel("printed entry size (bytes, log scale)")
    ax.set_ylabel("kind")
    ax.set_title("Entry size distribution per kind")
    legend_outside(ax, fontsize=7)
    fig.tight_layout()
    return fig


def iter_plots(prof: Profile, max_heatmaps: int = 8) -> Iterator[tuple[str, Any]]:
    """Yield (file-friendly name, Figure) for every profile plot, one at a time; presence heatmaps
    for the `max_heatmaps` kinds with the most entries that have keyword attributes."""
    yield "bytes_by_type", plot_bytes_by_type(prof)
    yield "type_mix", plot_type_mix(prof)
    yield "timeline", plot_timeline(prof)
    yield "size_distribution", plot_size_distribution(prof)
    a = prof.attributes
    with_attrs = set(a.loc[a["presence"].notna() & (a["depth"] > 0), "kind"])
    order = prof.types.groupby("kind")["entries"].sum().sort_values(ascending=False)
    kinds = [k for k in order.index if k in with_attrs][:max_heatmaps]
    for kind in kinds:
        yield f"presence_{re.sub(r'[^A-Za-z0-9_-]', '_', kind)}", plot_presence_heatmap(prof, kind)


def all_plots(prof: Profile, max_heatmaps: int = 8) -> dict[str, Any]:
    """Every profile plot keyed by a file-friendly name (see iter_plots)."""
    return dict(iter_plots(prof, max_heatmaps))
