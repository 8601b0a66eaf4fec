"""Classification metrics on a held-out split: accuracy, macro/weighted F1, per-class
precision/recall/F1, the confusion matrix (CSV + PNG) and the worst-confused pairs with
example texts. Used by the `classify` stage and by the `classification` eval suite.

Inputs are plain Python lists of label names, so a caller can score any model, a
baseline, or predictions read back from a CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json, atomic_write_text


def single_label_metrics(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro and weighted F1 and per-class P/R/F1 for single-label predictions.

    Macro F1 is the unweighted mean of per-class F1 (every class counts the same);
    weighted F1 weights each class by its support in `true`.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=labels, zero_division=0)
    per_class = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    present = [label for label in labels if per_class[label]["support"] > 0]
    return {
        "accuracy": float(accuracy_score(true, predicted)),
        # macro over the classes present in the held-out split, so a class the split
        # happens to lack does not count as F1 = 0
        "macro_f1": float(f1_score(true, predicted, labels=present, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(true, predicted, labels=present, average="weighted", zero_division=0)),
        "examples": len(true),
        "per_class": per_class,
    }


def multi_label_metrics(true: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                        labels: Sequence[str]) -> dict[str, Any]:
    """Subset accuracy (every label right), micro/macro/weighted F1 and per-class P/R/F1."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = list(labels)
    true_matrix = label_indicator_matrix(true, labels)
    predicted_matrix = label_indicator_matrix(predicted, labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        true_matrix, predicted_matrix, zero_division=0)
    per_class = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    return {
        "accuracy": float(accuracy_score(true_matrix, predicted_matrix)),
        "micro_f1": float(f1_score(true_matrix, predicted_matrix, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(true_matrix, predicted_matrix, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(true_matrix, predicted_matrix, average="weighted", zero_division=0)),
        "examples": len(true),
        "per_class": per_class,
    }


def label_indicator_matrix(label_sets: Sequence[Sequence[str]], labels: Sequence[str]):
    """Rows of 0/1: row i has a 1 in column j when labels[j] is among label_sets[i]."""
    import numpy as np

    index = {label: j for j, label in enumerate(labels)}
    matrix = np.zeros((len(label_sets), len(labels)), dtype=int)
    for i, label_set in enumerate(label_sets):
        for label in label_set:
            matrix[i, index[label]] = 1
    return matrix


def confusion(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """counts[i][j] = how many examples of labels[i] were predicted as labels[j]."""
    position = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for gold, guess in zip(true, predicted, strict=True):
        counts[position[gold]][position[guess]] += 1
    return counts


def worst_confused_pairs(true: Sequence[str], predicted: Sequence[str], texts: Sequence[str],
                         top: int = 10, examples_per_pair: int = 3) -> list[dict[str, Any]]:
    """The (true, predicted) pairs with the most mistakes, each with a few example texts."""
    mistakes: dict[tuple[str, str], list[str]] = {}
    for gold, guess, text in zip(true, predicted, texts, strict=True):
        if gold != guess:
            mistakes.setdefault((gold, guess), []).append(text)
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))
    return [{"true": gold, "predicted": guess, "count": len(found), "examples": found[:examples_per_pair]}
            for (gold, guess), found in ranked[:top]]


def confusion_csv(counts: list[list[int]], labels: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["true \\ predicted", *labels])
    for label, row in zip(labels, counts, strict=True):
        writer.writerow([label, *row])
    return buffer.getvalue()


def save_confusion_png(counts: list[list[int]], labels: Sequence[str], path: str | Path, title: str) -> None:
    """Row-normalised heat map (recall on the diagonal), so rare classes stay visible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    matrix = np.asarray(counts, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = min(4 + 0.35 * len(labels), 30)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    # Tick labels only while they stay legible; 150 intents would be a black smear.
    if len(labels) <= 40:
        axes.set_xticks(range(len(labels)), labels=list(labels), rotation=90)
        axes.set_yticks(range(len(labels)), labels=list(labels))
        if len(labels) <= 15:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    if counts[i][j]:
                        axes.text(j, i, str(counts[i][j]), ha="center", va="center",
                                  color="white" if normalised[i, j] > 0.5 else "black", fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, dpi=100)
    plt.close(figure)
    temporary.replace(path)  # atomic: never a half-written PNG


def evaluate_predictions(true: Sequence, predicted: Sequence, texts: Sequence[str], labels: Sequence[str],
                         out_dir: str | Path | None = None, name: str = "model",
                         multi_label: bool = False) -> dict[str, Any]:
    """All metrics for one set of predictions; with `out_dir`, also write
    `<name>_confusion.csv`, `<name>_confusion.png` and `<name>_metrics.json` there."""
    if multi_label:
        metrics = multi_label_metrics(true, predicted, labels)
        if out_dir is not None:
            atomic_write_json(Path(out_dir) / f"{name}_metrics.json", metrics)
        return metrics
    metrics = single_label_metrics(true, predicted, labels)
    metrics["worst_confused"] = worst_confused_pairs(true, predicted, texts)
    if out_dir is not None:
        counts = confusion(true, predicted, labels)
        out = Path(out_dir)
        atomic_write_text(out / f"{name}_confusion.csv", confusion_csv(counts, labels))
        save_confusion_png(counts, labels, out / f"{name}_confusion.png",
                           f"{name}: accuracy {metrics['accuracy']:.3f}, macro F1 {metrics['macro_f1']:.3f}")
        atomic_write_json(out / f"{name}_metrics.json", metrics)
    return metrics


def comparison_table(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of headline metrics, one row per model or baseline."""
    columns = ["accuracy", "macro_f1", "weighted_f1"]
    width = max(len(name) for name in results) + 2
    lines = [f"{'':<{width}}" + "".join(f"{column:>13}" for column in columns)]
    for name, metrics in results.items():
        lines.append(f"{name:<{width}}" + "".join(f"{metrics.get(column, float('nan')):>13.4f}" for column in columns))
    return "\n".join(lines)
