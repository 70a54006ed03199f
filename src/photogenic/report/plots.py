"""Charts as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np


def _figure(width: float = 5.0, height: float = 3.0):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=90)
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def funnel_chart(stages: Sequence[str], remaining: Sequence[int], title: str = "") -> bytes:
    """Horizontal bars: how many items remain after each stage (log scale when it spans decades)."""
    plt, fig, ax = _figure(6.0, 0.35 * len(stages) + 1.2)
    y = np.arange(len(stages))[::-1]
    ax.barh(y, remaining, color="#4a7ab5")
    ax.set_yticks(y, labels=list(stages))
    for yy, value in zip(y, remaining, strict=True):
        ax.text(value, yy, f" {value}", va="center", fontsize=8)
    positive = [v for v in remaining if v > 0]
    if positive and max(positive) / min(positive) > 100:
        ax.set_xscale("log")
    ax.set_xlabel("items remaining")
    if title:
        ax.set_title(title)
    return _png(plt, fig)


def histogram(
    values: Sequence[float],
    title: str,
    low: float | None = None,
    high: float | None = None,
    bins: int = 40,
) -> bytes:
    """A histogram with the stage's thresholds drawn as red lines (``low`` = min, ``high`` = max)."""
    plt, fig, ax = _figure(4.2, 2.6)
    data = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if data.size:
        ax.hist(data, bins=bins, color="#7a9cc6")
    for x, label in ((low, "min"), (high, "max")):
        if x is not None:
            ax.axvline(x, color="#c0392b", linestyle="--", linewidth=1.2, label=f"{label} {x:g}")
    if low is not None or high is not None:
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    return _png(plt, fig)


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[float]], title: str = "") -> bytes:
    """Grouped vertical bars, one group per label and one bar per series."""
    plt, fig, ax = _figure(max(4.0, 0.35 * len(labels) + 2), 3.0)
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for k, (name, vals) in enumerate(series.items()):
        ax.bar(x + k * width, vals, width, label=name)
    ax.set_xticks(x + 0.4 - width / 2, labels=list(labels), rotation=45, ha="right", fontsize=7)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return _png(plt, fig)


def histogram_grid(
    panels: Sequence[tuple[str, Sequence[float], float | None, float | None]],
    columns: int = 4,
    bins: int = 40,
) -> bytes:
    """Many histograms in one figure (``(title, values, min, max)`` per panel), thresholds in red."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(panels) // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.2 * rows), dpi=80, squeeze=False
    )
    for ax, (title, values, low, high) in zip(axes.ravel(), panels, strict=False):
        data = np.asarray(values, dtype=np.float64)
        data = data[np.isfinite(data)]
        if data.size:
            ax.hist(data, bins=bins, color="#7a9cc6")
        for x in (low, high):
            if x is not None:
                ax.axvline(x, color="#c0392b", linestyle="--", linewidth=1.2)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    return _png(plt, fig)
