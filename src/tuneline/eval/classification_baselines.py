"""The cheap alternatives a fine-tuned classifier must beat, fitted on the same training
split and scored on the same held-out split:

- majority: always the most frequent training label (label set, for multi-label);
- frozen embeddings: logistic regression on mean-pooled embeddings of the *base*
  encoder, i.e. what you get with no fine-tuning at all.
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
