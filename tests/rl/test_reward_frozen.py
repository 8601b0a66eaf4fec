"""`pooling: answer` and `freeze_backbone: true` on a causal-LM reward model: the head reads the
mean of the final hidden states over the answer's tokens; with a frozen backbone it is fitted as
L2-regularised logistic regression on the pairs' feature differences (Bradley–Terry with a linear
head), and the saved model scores, through every scorer, what the fit saw."""

from __future__ import annotations

import json
import math

import torch

from tuneline.rl.reward_head import fit_head
from tuneline.rl.rewards import (
    ANSWER_MARKER_KEY,
    POOLING_KEY,
    RewardModelReward,
    answer_marker,
    reward_model_inputs,
    score_sequences,
)


def answer_mean_by_hand(model, tokenizer, messages) -> float:
    """The head on the mean of the final hidden states over the tokens the chat renderer labels as
    the last answer (tokenize_conversation's labels: its text and its end-of-turn token)."""
    from tuneline.data.chat import tokenize_conversation

    example = tokenize_conversation(tokenizer, messages, first_labelled_turn=len(messages) - 1)
    answer = torch.tensor([label >= 0 for label in example.labels])
    with torch.no_grad():
        hidden = model.model(input_ids=torch.tensor([example.input_ids])).last_hidden_state[0]
        return float(hidden[answer].mean(0) @ model.score.weight[0])


def test_answer_pooling_reads_the_answer_tokens_only(tiny_lm_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_lm_dir, num_labels=1).eval()
    model.config.pad_token_id = tokenizer.pad_token_id
    setattr(model.config, POOLING_KEY, "answer")
    setattr(model.config, ANSWER_MARKER_KEY, answer_marker(tokenizer))
    conversations = [
        [{"role": "user", "content": "How do I export a notebook?"},
         {"role": "assistant", "content": "Open the notebook, then File > Export."}],
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
         {"role": "user", "content": "Does sync work offline?"},
         {"role": "assistant", "content": "Changes wait on the device and sync when you are back online."}],
    ]
    sequences = [reward_model_inputs(tokenizer, c, 256) for c in conversations]
    batched = score_sequences(model, tokenizer, sequences, batch_size=2)  # the shorter one padded
    expected = [answer_mean_by_hand(model, tokenizer, c) for c in conversations]
    torch.testing.assert_close(torch.tensor(batched), torch.tensor(expected), rtol=0, atol=1e-5)
    # not the mean over every token (the prompt's and the earlier turns' too)
    setattr(model.config, POOLING_KEY, "mean")
    whole = score_sequences(model, tokenizer, sequences, batch_size=2)
    assert min(abs(a - b) for a, b in zip(whole, batched, strict=True)) > 1e-4


def test_the_head_fit_is_the_logistic_regression_solved_by_hand():
    """Differences d = ±1 (three pairs agree, one disagrees): the Bradley–Terry loss
    ¾·softplus(−w) + ¼·softplus(w) is least where σ(w) = ¾, w = ln 3; features scaled by 5 give
    w = ln 3 / 5 on the raw features (the fit scales by the differences' root mean square)."""
    chosen = torch.tensor([[1.0], [1.0], [1.0], [0.0]])
    rejected = torch.tensor([[0.0], [0.0], [0.0], [1.0]])
    fit = fit_head(chosen, rejected, grid=(1e-10,))
    assert abs(fit.weight[0] - math.log(3)) < 1e-4
    fit = fit_head(5 * chosen, 5 * rejected, grid=(1e-10,))
    assert abs(fit.weight[0] - math.log(3) / 5) < 1e-4
    # with λ: the stationary point of ¾·softplus(−w) + ¼·softplus(w) + λ/2·w², checked by its gradient
    w = fit_head(chosen, rejected, grid=(0.1,)).weight[0]
    sigmoid = 1 / (1 + math.exp(-w))
    assert abs(-0.75 * (1 - sigmoid) + 0.25 * sigmoid + 0.1 * w) < 1e-6 and 0 < w < math.log(3)


def test_the_l2_strength_is_chosen_on_held_back_training_pairs():
    """One informative feature among 60 noisy ones, 60 pairs: the weakest regularisation overfits
    the noise; the choice is made on the last 15% of the pairs by log loss."""
    generator = torch.Generator().manual_seed(0)
    signal = torch.randn(60, 1, generator=generator).abs() + 0.5
    noise = torch.randn(60, 60, generator=generator)
    chosen = torch.cat([signal, noise], 1)
    rejected = torch.zeros_like(chosen)
    fit = fit_head(chosen, rejected, grid=(1e-4, 1e-2, 1.0))
    assert fit.validation_pairs == 9
    assert fit.l2 == min(fit.validation_loss, key=fit.validation_loss.get)
    assert fit.validation_loss[1e-4] > fit.validation_loss[fit.l2]
    assert fit.weight[0] > 0


def test_a_frozen_backbone_reward_model_learns_and_scores_as_fitted(tiny_lm_dir, quickstart_dir, tmp_path):
    """Support answers (chosen) against the same answers shouted (rejected): the random tiny model's
    answer features separate them, the head fitted on 120 pairs ranks the 40 held-out pairs, and
    the saved model — backbone untouched — gives the same scores through RewardModelReward."""
    from transformers import AutoModelForSequenceClassification

    from support.pipelines import write_pipeline
    from tuneline.pipeline.runner import run_pipeline

    stage = ("{name: reward, type: reward, dataset: prefs, freeze_backbone: true, pooling: answer, "
             "context_messages: 1, batch_size: 8, max_length: 96, max_eval_examples: 40}")
    config = write_pipeline(tmp_path / "rm.yaml", tiny_lm_dir, quickstart_dir, [stage])
    stage_dir = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "reward"
    metrics = json.loads((stage_dir / "metrics.json").read_text())
    assert metrics["train_pairs"] == 120 and metrics["eval_pairs"] == 40
    assert metrics["pairwise_accuracy"] >= 0.9
    assert [point["pairs"] for point in metrics["curve"]] == [30, 60, 90, 120]

    saved = AutoModelForSequenceClassification.from_pretrained(stage_dir / "model").eval()
    base = AutoModelForSequenceClassification.from_pretrained(tiny_lm_dir, num_labels=1)
    assert all(torch.equal(a, b) for a, b in zip(saved.model.state_dict().values(),
                                                 base.model.state_dict().values(), strict=True))
    assert getattr(saved.config, POOLING_KEY) == "answer"
    eval_pairs = [json.loads(line) for line in (tmp_path / "rm-prefs-eval.jsonl").read_text().splitlines()]
    reward = RewardModelReward(stage_dir / "model", max_length=96)
    prompts = [p["prompt"] for p in eval_pairs]
    chosen = reward(prompts, [p["chosen"][0]["content"] for p in eval_pairs])
    rejected = reward(prompts, [p["rejected"][0]["content"] for p in eval_pairs])
    accuracy = sum(c > r for c, r in zip(chosen, rejected, strict=True)) / len(eval_pairs)
    assert abs(accuracy - metrics["pairwise_accuracy"]) < 1e-9


def test_freeze_backbone_without_pooling_is_a_validate_error(tiny_lm_dir, quickstart_dir, tmp_path, capsys):
    from support.pipelines import write_pipeline
    from tuneline.cli.main import main

    stage = "{name: reward, type: reward, dataset: prefs, freeze_backbone: true, max_length: 64}"
    config = write_pipeline(tmp_path / "bad.yaml", tiny_lm_dir, quickstart_dir, [stage])
    capsys.readouterr()
    assert main(["validate", str(config)]) == 2
    error = capsys.readouterr().err
    assert "freeze_backbone needs pooling: mean or answer" in error and "Traceback" not in error


def test_answer_pooling_finds_an_answer_that_opens_with_whitespace(smollm_tokenizer):
    # "\n\n" after "<|im_start|>assistant" is one token with the header's newline: the answer is
    # still what follows the header, not (as before) the whole sequence
    from tuneline.rl.rewards import answer_mask

    marker = answer_marker(smollm_tokenizer)
    for answer in ("Open Settings.", "\n\nOpen Settings.", "  Open Settings.", "\n Open Settings."):
        ids = reward_model_inputs(smollm_tokenizer, [{"role": "user", "content": "Where is sync?"},
                                                     {"role": "assistant", "content": answer}], 64)
        batch = torch.tensor([ids + [0, 0]])  # right-padded
        attention = torch.tensor([[1] * len(ids) + [0, 0]])
        mask = answer_mask(batch, attention, marker)[0]
        read = smollm_tokenizer.decode([t for t, m in zip(ids, mask.tolist(), strict=False) if m])
        assert read.strip() == "Open Settings.<|im_end|>", (answer, read)
