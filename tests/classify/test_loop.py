"""The classify training loop's stopping rules, on a tiny random-weight BERT."""

from __future__ import annotations

import time

import pytest

from tuneline.train.classifier_loop import LoopSettings, train_classifier


def settings(**changes) -> LoopSettings:
    values = dict(learning_rate=1e-2, head_learning_rate=1e-2, epochs=50, max_steps=None, batch_size=8,
                  lr_scheduler="linear", warmup_ratio=0.0, weight_decay=0.0, max_grad_norm=1.0, group_by_length=True,
                  logging_steps=5, eval_steps=2, early_stopping_patience=None, max_time_s=None, seed=0)
    return LoopSettings(**{**values, **changes})


@pytest.fixture()
def tiny_classifier(tiny_encoder_dir):
    from tuneline.models.classifier import load_classifier

    model, tokenizer = load_classifier(str(tiny_encoder_dir), ["a", "b"])
    tokens = tokenizer(["invoice payment"] * 8 + ["password login"] * 8)["input_ids"]
    return model, tokens, [0] * 8 + [1] * 8


def test_early_stopping_after_patience_validations_without_gain(tiny_classifier):
    model, tokens, targets = tiny_classifier
    scores = iter([0.5, 0.7, 0.7, 0.6, 0.7, 0.9, 0.9])
    result = train_classifier(model, tokens, targets, settings(early_stopping_patience=3), pad_id=0,
                              multi_label=False, validate=lambda _: next(scores))
    # validations at steps 2, 4, 6, 8: 0.5, 0.7 (best), then 0.7, 0.6, 0.7 fail to beat it → stop at step 10
    assert result.stopped_reason == "early stopping"
    assert result.steps == 10
    assert result.best_validation_score == 0.7 and result.best_step == 10  # a tie takes the later weights


def test_time_budget_stops_training_and_says_so(tiny_classifier):
    model, tokens, targets = tiny_classifier
    started = time.monotonic()
    # 10,000 planned steps: more than any machine fits in the 1 s budget (100 did fit on a fast one)
    result = train_classifier(model, tokens, targets, settings(max_time_s=1.0, eval_steps=None, epochs=5000),
                              pad_id=0, multi_label=False)
    assert result.stopped_reason == "time budget"
    assert result.steps < 10_000
    assert time.monotonic() - started < 30  # the budget, plus at most one slow step on a busy machine
