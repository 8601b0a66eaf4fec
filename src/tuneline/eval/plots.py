"""Training curves as PNG bytes (matplotlib, headless), for embedding in report.html.

Curves come from each stage's log.jsonl: every numeric key logged with a step is a
series; series are grouped into one figure per concept (loss, reward and margin, KL,
accuracy) by their names, so a new stage type's logs are plotted without code here.
"""

from __future__ import annotations

import io
from pathlib import Path

from tuneline.io import JsonlLog

# Figure groups, matched against logged key names in this order.
GROUPS: dict[str, tuple[str, ...]] = {
    "loss": ("loss",),
    "accuracy": ("accuracy", "acc"),
    "reward and margin": ("reward", "margin", "score"),
    "KL": ("kl",),
}


def group_of(key: str) -> str | None:
    lowered = key.lower()
    for group, needles in GROUPS.items():
        if any(needle in lowered for needle in needles):
            return group
    return None


Series = dict[str, list[tuple[int, float]]]  # key → [(step, value)]


def read_series(log_path: Path) -> Series:
    series: Series = {}
    for record in JsonlLog(log_path).records():
        step = record.get("step")
        if not isinstance(step, int):
            continue
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                series.setdefault(key, []).append((step, float(value)))
    return series


def grouped(series: Series) -> dict[str, Series]:
    out: dict[str, Series] = {}
    for key, points in series.items():
        group = group_of(key)
        if group is not None:
            out.setdefault(group, {})[key] = points
    return out


def line_plot_png(title: str, lines: dict[str, list[tuple[int, float]]], xlabel: str = "step") -> bytes:
    """One figure with a line per label; markers too, since short runs log only a few points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 3.4), dpi=90)
    for label, points in sorted(lines.items()):
        points = sorted(points)
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label=label)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.grid(alpha=0.3)
    if lines:
        axes.legend(fontsize=8)
    return figure_png(figure)


def bar_plot_png(title: str, values: dict[str, float], ylabel: str = "") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 3.0), dpi=90)
    labels = list(values)
    axes.bar(labels, [values[k] for k in labels], color="#4a78b5")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3, axis="y")
    return figure_png(figure)


def stage_figures(stage_dir: Path, label_prefix: str = "") -> dict[str, dict[str, list[tuple[int, float]]]]:
    """{figure title: {line label: points}} for one stage's log."""
    figures = {}
    for group, series in grouped(read_series(stage_dir / "log.jsonl")).items():
        figures[group] = {f"{label_prefix}{key}": points for key, points in series.items()}
    return figures


def figure_png(figure) -> bytes:
    """A finished matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
