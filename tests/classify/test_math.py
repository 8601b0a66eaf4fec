"""The small pure pieces of classification, each checked against a hand computation."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tuneline.data.classification import (
    LabelledSplit,
    carve_validation,
    check_trainable,
    drop_unseen_labels,
    record_labels,
)
from tuneline.data.records import LabeledText
from tuneline.errors import DataError
from tuneline.eval.classification import (
    confusion,
    confusion_csv,
    multi_label_metrics,
    single_label_metrics,
    worst_confused_pairs,
)
from tuneline.eval.classification_baselines import majority_predictions
from tuneline.models.classifier import decide_labels, probabilities_from_logits
from tuneline.train.classifier_loop import balanced_class_weights, lr_factor

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_single_label_metrics_match_hand_computation():
    metrics = single_label_metrics(TRUE, PRED, ["a", "b", "c"])
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    # a: P 2/2, R 2/3, F1 0.8 · b: P 1/2, R 1/2, F1 0.5 · c: P 1/2, R 1/1, F1 2/3
    assert metrics["per_class"]["a"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3})
    assert metrics["per_class"]["c"]["f1"] == pytest.approx(2 / 3)
    assert metrics["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert metrics["weighted_f1"] == pytest.approx((3 * 0.8 + 2 * 0.5 + 1 * 2 / 3) / 6)


def test_macro_f1_ignores_a_class_absent_from_the_held_out_split():
    metrics = single_label_metrics(["a", "b"], ["a", "b"], ["a", "b", "never_in_eval"])
    assert metrics["macro_f1"] == 1.0


def test_confusion_counts_and_csv():
    counts = confusion(TRUE, PRED, ["a", "b", "c"])
    assert counts == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert confusion_csv(counts, ["a", "b", "c"]).splitlines()[1] == "a,2,1,0"


def test_worst_confused_pairs_rank_by_count_and_keep_examples():
    true = ["x", "x", "x", "y", "y"]
    predicted = ["y", "y", "x", "x", "y"]
    texts = ["t1", "t2", "t3", "t4", "t5"]
    pairs = worst_confused_pairs(true, predicted, texts)
    assert pairs[0] == {"true": "x", "predicted": "y", "count": 2, "examples": ["t1", "t2"]}
    assert pairs[1]["count"] == 1 and pairs[1]["true"] == "y"


def test_multi_label_metrics_subset_accuracy_and_micro_f1():
    metrics = multi_label_metrics([["a", "b"], ["b"]], [["a"], ["b"]], ["a", "b"])
    assert metrics["accuracy"] == 0.5  # only the second row is exactly right
    # micro: TP 2 (a, b), FP 0, FN 1 → P 1, R 2/3, F1 0.8
    assert metrics["micro_f1"] == pytest.approx(0.8)


def test_balanced_class_weights():
    # n = 8, k = 2: w = 8 / (2·6) and 8 / (2·2)
    assert balanced_class_weights([6, 2]) == pytest.approx([2 / 3, 2.0])
    assert balanced_class_weights([3, 0]) == pytest.approx([0.5, 0.0])  # 3 / (2·3); an empty class weighs 0


@pytest.mark.parametrize(("step", "schedule", "expected"), [
    (0, "linear", 0.5),        # warm-up: (0 + 1) / 2
    (1, "linear", 1.0),        # warm-up ends
    (6, "linear", 0.5),        # p = (6 - 2) / (10 - 2) = 0.5 → 1 - p
    (6, "cosine", 0.5),        # 0.5 (1 + cos(π/2))
    (4, "cosine", 0.5 * (1 + np.cos(np.pi * 0.25))),
    (10, "linear", 0.0),
    (9, "constant", 1.0),
])
def test_lr_factor(step, schedule, expected):
    assert lr_factor(step, warmup_steps=2, total_steps=10, schedule=schedule) == pytest.approx(expected)


def test_probabilities_softmax_and_sigmoid():
    logits = np.array([[0.0, np.log(3.0)], [1000.0, 0.0]])
    softmax = probabilities_from_logits(logits, multi_label=False)
    assert softmax[0] == pytest.approx([0.25, 0.75])
    assert softmax[1] == pytest.approx([1.0, 0.0])  # no overflow at large logits
    assert probabilities_from_logits(np.array([[0.0]]), multi_label=True)[0, 0] == pytest.approx(0.5)


def test_decide_labels_argmax_and_threshold():
    probabilities = np.array([[0.2, 0.7, 0.6], [0.1, 0.2, 0.3]])
    assert decide_labels(probabilities, ["a", "b", "c"], multi_label=False) == ["b", "c"]
    assert decide_labels(probabilities, ["a", "b", "c"], multi_label=True, threshold=0.5) == [["b", "c"], []]


def test_majority_baseline():
    assert majority_predictions(["a", "b", "b"], 2) == ["b", "b"]
    assert majority_predictions([["a"], ["a", "b"], ["b", "a"]], 1, multi_label=True) == [["a", "b"]]


def test_carve_validation_keeps_every_class_in_training():
    labels = ["a"] * 20 + ["b"] * 10 + ["rare"]
    train, validation = carve_validation(labels, 0.1, seed=0, multi_label=False)
    assert sorted(train + validation) == list(range(31))
    held = Counter(labels[i] for i in validation)
    assert held == {"a": 2, "b": 1}  # the single 'rare' example stays in training
    assert carve_validation(labels, 0.1, seed=0, multi_label=False) == (train, validation)  # seeded


def test_drop_unseen_labels_counts_what_it_left_out():
    split = LabelledSplit(["t1", "t2", "t3"], ["a", "new", "new"], ["f:2", "f:3", "f:4"])
    kept, unseen = drop_unseen_labels(split, {"a"}, multi_label=False)
    assert kept.texts == ["t1"] and unseen == {"new": 2}


def test_single_class_training_data_is_refused_with_a_fix():
    with pytest.raises(DataError) as error:
        check_trainable(Counter({"spam": 12}), "train.csv", multi_label=False)
    assert "single class ('spam'" in str(error.value) and "fix:" in str(error.value)


def test_record_labels_single_and_multi():
    assert record_labels(LabeledText("t", "billing|bug"), True, "|") == ["billing", "bug"]
    assert record_labels(LabeledText("t", ["x"]), False, "|") == "x"
    with pytest.raises(DataError, match="multi_label: true"):
        record_labels(LabeledText("t", ["x", "y"], source="f.jsonl:3"), False, "|")


def test_weighted_loss_of_batch_slices_adds_up_to_the_whole_batch():
    """Class weights [1, 3]; row 1 logits (0, 0) label 0: ℓ = ln 2; row 2 logits (ln 3, 0)
    label 1: ℓ = -ln(1/4) = 2 ln 2. Weighted mean (1·ln 2 + 3·2 ln 2) / (1 + 3) = 7/4 ln 2;
    each row over the whole batch's denominator gives its share (what each data-parallel
    process computes), and the shares add up to it."""
    import math

    import torch

    from tuneline.train.classifier_loop import classification_loss, loss_denominator

    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])
    targets, weights = torch.tensor([0, 1]), torch.tensor([1.0, 3.0])
    whole = classification_loss(logits, targets, False, weights)
    assert whole.item() == pytest.approx(7 / 4 * math.log(2), abs=1e-6)
    denominator = loss_denominator(targets, False, weights, 2)
    assert denominator == 4.0
    shares = [classification_loss(logits[i:i + 1], targets[i:i + 1], False, weights, denominator).item()
              for i in range(2)]
    assert shares == pytest.approx([math.log(2) / 4, 6 * math.log(2) / 4], abs=1e-6)
    # multi-label: the mean runs over rows × labels, so a row's share is over 2 × 2 = 4
    assert loss_denominator(torch.ones(2, 2), True, None, 2) == 4.0
