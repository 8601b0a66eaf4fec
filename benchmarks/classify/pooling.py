"""Why a fine-tuned MiniLM only ties frozen embeddings on CLINC150: which sentence vector
each one starts from.

The frozen-embedding baseline reads mean-pooled token vectors, the pooling
all-MiniLM-L6-v2 was trained with; AutoModelForSequenceClassification's head reads the
BERT pooler output (the first token through a dense layer and tanh), which that training
never used. This program fits the same logistic regression on both, frozen, with
`--per-intent` training texts per in-scope intent, and scores 5 validation texts per intent.

    python benchmarks/classify/pooling.py [--data-dir ../shared/data/classification] [--per-intent 10]

Prints a table and writes pooling_results.json into --output-dir.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def sample(path: Path, per_intent: int, seed: int = 0) -> list[tuple[str, str]]:
    by_label = defaultdict(list)
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"] != "oos":
                by_label[row["label"]].append(row["text"])
    rng = random.Random(seed)
    return [(text, label) for label, texts in sorted(by_label.items())
            for text in rng.sample(texts, min(per_intent, len(texts)))]


def features(model, tokenizer, texts: list[str]):
    """(mean-pooled, pooler-output) arrays for `texts`."""
    import numpy as np
    import torch

    means, poolers = [], []
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            batch = tokenizer(texts[start:start + 64], padding=True, truncation=True, max_length=32,
                              return_tensors="pt")
            out = model(**batch)
            mask = batch["attention_mask"].unsqueeze(-1).float()
            means.append(((out.last_hidden_state * mask).sum(1) / mask.sum(1)).numpy())
            poolers.append(out.pooler_output.numpy())
    return np.concatenate(means), np.concatenate(poolers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "classification")
    parser.add_argument("--per-intent", type=int, default=10)
    parser.add_argument("--output-dir", type=Path, default=REPO / "runs" / "benchmarks")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler
    from transformers import AutoModel, AutoTokenizer

    from tuneline.models.classifier import add_mean_pooling_layer
    from tuneline.models.registry import resolve_model_path

    train = sample(args.data_dir / "clinc150_train.csv", args.per_intent)
    held_out = sample(args.data_dir / "clinc150_val.csv", 5)
    path = resolve_model_path("builtin:minilm-l6")
    model, tokenizer = AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)
    started = time.monotonic()
    train_mean, train_pooler = features(model, tokenizer, [t for t, _ in train])
    eval_mean, eval_pooler = features(model, tokenizer, [t for t, _ in held_out])
    add_mean_pooling_layer(model)  # what `classify` does to a mean-pooling encoder: the pooler now reads the mean
    _, train_layer = features(model, tokenizer, [t for t, _ in train])
    _, eval_layer = features(model, tokenizer, [t for t, _ in held_out])
    truth = np.array([label for _, label in held_out])
    results = {}
    for name, fit_on, score_on in (("mean_pooling", train_mean, eval_mean), ("pooler_output", train_pooler,
                                                                              eval_pooler),
                                   ("mean_layer_pooler", train_layer, eval_layer)):
        probe = make_pipeline(Normalizer(), StandardScaler(), LogisticRegression(max_iter=2000))
        probe.fit(fit_on, [label for _, label in train])
        results[name] = float(np.mean(probe.predict(score_on) == truth))
    results.update(train_texts=len(train), eval_texts=len(held_out), seconds=round(time.monotonic() - started, 1))
    print(f"{'frozen features':<18}{'accuracy':>10}   ({len(train)} training, {len(held_out)} held-out texts)")
    for name in ("mean_pooling", "pooler_output", "mean_layer_pooler"):
        print(f"{name:<18}{results[name]:>10.3f}")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "pooling_results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
