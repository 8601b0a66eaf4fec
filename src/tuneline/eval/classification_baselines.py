"""The cheap alternatives a fine-tuned classifier must beat, fitted on the same training
split and scored on the same held-out split:

- majority: always the most frequent training label (label set, for multi-label);
- frozen embeddings: logistic regression on mean-pooled embeddings of the *base*
  encoder, i.e. what you get with no fine-tuning at all;

and two zero-shot ones, which see no training example at all:

- label names: the label whose name's embedding is nearest (cosine) to the text's;
- generative: a chat model asked which label fits, answering by log-probability
  (eval/choices.py): the label it would most likely write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def majority_predictions(train_labels: Sequence, count: int, multi_label: bool = False) -> list:
    """`count` copies of the most frequent training label (ties: the first seen)."""
    if multi_label:
        most_common = Counter(tuple(sorted(labels)) for labels in train_labels).most_common(1)[0][0]
        return [list(most_common) for _ in range(count)]
    most_common = Counter(train_labels).most_common(1)[0][0]
    return [most_common] * count


def frozen_embedding_predictions(train_embeddings, train_labels: Sequence, eval_embeddings, labels: Sequence[str],
                                 multi_label: bool = False, balanced: bool = False, seed: int = 0) -> list:
    """Fit logistic regression on L2-normalised, standardised embeddings; predict the eval rows."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler

    from tuneline.eval.classification import label_indicator_matrix

    weight = "balanced" if balanced else None
    regression = LogisticRegression(max_iter=2000, class_weight=weight, random_state=seed)
    if multi_label:
        model = make_pipeline(Normalizer(), StandardScaler(), OneVsRestClassifier(regression))
        model.fit(train_embeddings, label_indicator_matrix(train_labels, labels))
        matrix = model.predict(eval_embeddings)
        return [[labels[j] for j in np.flatnonzero(row)] for row in matrix]
    model = make_pipeline(Normalizer(), StandardScaler(), regression)
    model.fit(train_embeddings, list(train_labels))
    return list(model.predict(eval_embeddings))


def label_text(label: str) -> str:
    """A label name as words: `card_declined` → `card declined`."""
    return label.replace("_", " ").replace("-", " ").strip()


def label_name_predictions(eval_embeddings, label_embeddings, labels: Sequence[str]) -> list:
    """The label whose name embedding has the highest cosine similarity with each text's."""
    import numpy as np

    def unit(rows):
        rows = np.asarray(rows, dtype=np.float64)
        return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)

    similarity = unit(eval_embeddings) @ unit(label_embeddings).T
    return [labels[j] for j in similarity.argmax(axis=1)]


def label_question(text: str, labels: Sequence[str]) -> list[dict]:
    """The chat prompt the generative baseline answers with one label name."""
    options = ", ".join(label_text(label) for label in labels)
    return [{"role": "user", "content": f"Classify this text into one of these categories: {options}.\n\n"
                                        f"Text: {text}\n\nAnswer with the category only."}]


def generative_predictions(model, tokenizer, texts: Sequence[str], labels: Sequence[str], batch_size: int = 16) -> list:
    """The label whose name the chat model gives the highest log-probability as its reply."""
    from tuneline.eval.choices import choose

    scores = choose(model, tokenizer, [label_question(text, labels) for text in texts],
                    [label_text(label) for label in labels], batch_size=batch_size,
                    desc="zero-shot labels (generative)")
    return [labels[max(range(len(labels)), key=row.__getitem__)] for row in scores]
