"""Helpers for the classify tests: small labelled CSV files written here, whose classes
are told apart by their words, and pipeline files around them."""

from __future__ import annotations

import csv
import random
from pathlib import Path

CUES = {
    "billing": ["invoice", "charged", "payment", "receipt", "price"],
    "login": ["password", "sign", "locked", "code", "login"],
    "sync": ["syncing", "devices", "laptop", "phone", "update"],
}
FILLER = ["my", "the", "is", "not", "please", "help", "today", "again", "with", "app", "notes", "since"]


def write_csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("text", "label")) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def keyword_rows(per_class: int, seed: int, classes: dict[str, list[str]] = CUES) -> list[tuple[str, str]]:
    """Texts of filler words plus two cue words of their class."""
    rng = random.Random(seed)
    rows = []
    for label, cues in classes.items():
        for _ in range(per_class):
            words = rng.sample(FILLER, 4) + rng.sample(cues, 2)
            rng.shuffle(words)
            rows.append((" ".join(words), label))
    rng.shuffle(rows)
    return rows


def write_pipeline(folder: Path, model_dir: Path, stage_options: str = "", adapter: str = "full",
                   train: str = "train.csv", test: str = "test.csv") -> Path:
    text = f"""name: classify-test
seed: 3
model: {model_dir}
adapter:
  type: {adapter}
  r: 8
  alpha: 16
datasets:
  tickets:
    path: {train}
    eval_path: {test}
stages:
  - type: classify
    dataset: tickets
    max_length: 16
    batch_size: 16
    epochs: 10
    learning_rate: 1.0e-2
    head_learning_rate: 1.0e-2
    eval_steps: 10
    early_stopping_patience: 5
    logging_steps: 5
{stage_options}"""
    path = folder / "pipeline.yaml"
    path.write_text(text)
    return path
