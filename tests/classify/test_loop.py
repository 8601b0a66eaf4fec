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


def test_flops_ledger_counts_each_text_by_hand_and_the_budget_stops_before_passing_it(tiny_classifier):
    """The tiny BERT: 2 layers of Q, K, V, O (4 · 32 · 32) and a 32→64→32 feed-forward: body
    16,384 weights; the pooler (32 · 32) and the 2-label head (32 · 2) read one vector: 1,088.
    A 4-token text, full fine-tuning, every token attending to all 4 (an encoder):
    6 · 16,384 · 4 + 6 · 1,088 + 12 · 2 layers · 32 · 4² = 393,216 + 6,528 + 12,288 = 412,032."""
    from tuneline.train.budget import BudgetWatch
    from tuneline.train.classifier_loop import classifier_training_flops
    from tuneline.train.flops import FlopsLedger

    model, _, targets = tiny_classifier
    tokens = [[101, 2000, 2001, 102]] * 8 + [[101, 3000, 3001, 102]] * 8  # [CLS] two words [SEP]
    flops = classifier_training_flops(model, [len(t) for t in tokens], full_finetune=True)
    assert flops == [412_032] * 16
    step = 8 * 412_032  # a batch of 8 texts
    watch = BudgetWatch(FlopsLedger(), max_flops=2.5 * step)
    result = train_classifier(model, tokens, targets, settings(eval_steps=None), pad_id=0, multi_label=False,
                              watch=watch, example_flops=flops)
    assert result.stopped_reason == "flops budget"
    assert result.steps == 2  # a third step would end at 3 × 3,296,256 > the budget of 8,240,640
    assert result.compute["flops_training"] == 2 * step and result.compute["budget_flops"] == 2.5 * step
