"""Small shared matplotlib helpers: titled axes, byte-unit ticks, atomic PNG saving."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from matplotlib.ticker import FuncFormatter

from workbench.io import atomic_write_bytes

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(n: float) -> str:
    """Format a byte count with a binary (IEC) unit, the report's one size unit: 1536 -> '1.5 KiB'."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {_UNITS[-1]}"  # pragma: no cover


def titled(ax: Any, title: str, xlabel: str, ylabel: str) -> Any:
    """Set an axis' title and both labels (put units in the labels); return the axis."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def legend_outside(ax: Any, **kwargs: Any) -> Any:
    """The legend to the right of the plot area, so it never covers data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kwargs)


def bytes_axis(ax: Any, axis: str = "y") -> Any:
    """Show an axis' ticks as human-readable byte sizes (KiB, MiB, ...)."""
    fmt = FuncFormatter(lambda v, _pos: human_bytes(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax


def save_png(fig: Any, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Render a figure to PNG and write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buf.getvalue())
