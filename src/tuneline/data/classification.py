"""Labelled text → what a classifier trains on: the label list, per-record label(s), a
validation split carved from training, and the checks a new user trips over (one class
only, labels the training split never saw, several labels without multi_label)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tuneline.data.records import LabeledText
from tuneline.errors import DataError


@dataclass
class LabelledSplit:
    texts: list[str]
    labels: list  # str per text, or list[str] per text for multi-label
    sources: list[str] = field(default_factory=list)


def record_labels(record: LabeledText, multi_label: bool, separator: str) -> str | list[str]:
    """The record's label (single-label) or its sorted, de-duplicated label list."""
    raw = record.label
    if multi_label:
        parts = raw if isinstance(raw, list) else raw.split(separator) if separator else [raw]
        return sorted({part.strip() for part in parts if part.strip()})
    if isinstance(raw, list):
        if len(raw) != 1:
            raise DataError(f"this record has {len(raw)} labels ({', '.join(raw)}) but the stage is single-label",
                            where=record.source or None,
                            fix="set `multi_label: true` on the classify stage, or give one label per text")
        return raw[0]
    return raw


def to_split(records: Sequence[LabeledText], multi_label: bool, separator: str) -> LabelledSplit:
    for record in records:
        if not record.text.strip():  # the loader checks this too; a direct caller may not have
            raise DataError("empty text", where=record.source or None, fix="give every row a text, or drop the row")
    return LabelledSplit(texts=[record.text for record in records],
                         labels=[record_labels(record, multi_label, separator) for record in records],
                         sources=[record.source for record in records])


def label_counts(labels: Sequence, multi_label: bool) -> Counter:
    if multi_label:
        return Counter(label for label_set in labels for label in label_set)
    return Counter(labels)


def check_trainable(counts: Counter, where: str, multi_label: bool) -> None:
    """A classifier needs two classes to tell apart."""
    if not counts:
        raise DataError("the training split has no labels", where=where, fix="give every row a label")
    if len(counts) == 1 and not multi_label:
        only = next(iter(counts))
        raise DataError(
            f"the training split has a single class ('{only}', {counts[only]} examples): there is nothing "
            "to tell apart", where=where,
            fix="add examples of at least one other class (check label_column names the right column)")


def drop_unseen_labels(split: LabelledSplit, known: set[str], multi_label: bool) -> tuple[LabelledSplit, Counter]:
    """Held-out examples whose label training never saw cannot be predicted right by any
    model; they are removed from scoring and counted, so the report can say so."""
    kept = LabelledSplit([], [], [])
    unseen: Counter = Counter()
    for text, labels, source in zip(split.texts, split.labels, split.sources or [""] * len(split.texts), strict=True):
        missing = [label for label in (labels if multi_label else [labels]) if label not in known]
        if missing:
            unseen.update(missing)
            continue
        kept.texts.append(text)
        kept.labels.append(labels)
        kept.sources.append(source)
    return kept, unseen


def carve_validation(labels: Sequence, fraction: float, seed: int, multi_label: bool) -> tuple[list[int], list[int]]:
    """(train rows, validation rows): a seeded share of each class for early stopping;
    a class keeps at least one training example, so no label disappears from training."""
    if fraction <= 0:
        return list(range(len(labels))), []
    rng = random.Random(seed)
    by_class: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        key = "|".join(label) if multi_label else label  # multi-label: stratify by label set
        by_class.setdefault(key, []).append(row)
    validation: list[int] = []
    for rows in by_class.values():
        rows = rows[:]
        rng.shuffle(rows)
        take = min(len(rows) - 1, round(len(rows) * fraction))
        validation.extend(rows[:take])
    held = set(validation)
    return [row for row in range(len(labels)) if row not in held], sorted(validation)


def subset(split: LabelledSplit, rows: Sequence[int]) -> LabelledSplit:
    return LabelledSplit([split.texts[i] for i in rows], [split.labels[i] for i in rows],
                         [split.sources[i] for i in rows] if split.sources else [])
