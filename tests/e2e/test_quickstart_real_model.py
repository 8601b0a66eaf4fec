"""A reduced quickstart on the real embedded SmolLM2-135M-Instruct: the held-out loss
goes down, DPO (anchored to the SFT model) widens the preference margin from 0, and the
fine-tuned model stops at EOS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reduced_quickstart(quickstart_dir, tmp_path_factory) -> Path:
    from tuneline.pipeline.runner import run_pipeline

    folder = tmp_path_factory.mktemp("quickstart")
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text(f"""
name: quickstart-reduced
seed: 42
model: builtin:smollm2-135m-instruct
adapter: {{type: lora, r: 16, alpha: 32, dropout: 0.05}}
tracking: {{backend: none}}
datasets:
  support: {{path: {quickstart_dir}/sft_train.jsonl, eval_path: {quickstart_dir}/sft_eval.jsonl}}
  prefs: {{path: {quickstart_dir}/preferences_train.jsonl, eval_path: {quickstart_dir}/preferences_eval.jsonl}}
stages:
  - {{type: sft, dataset: support, max_steps: 15, batch_size: 8, learning_rate: 1.0e-3, max_eval_examples: 12}}
  - {{type: dpo, from: sft, dataset: prefs, max_steps: 3, batch_size: 4, learning_rate: 5.0e-5, max_eval_examples: 8}}
""")
    return run_pipeline(pipeline, output_dir=str(folder / "runs"))


def test_heldout_loss_goes_down(reduced_quickstart):
    metrics = json.loads((reduced_quickstart / "sft" / "metrics.json").read_text())
    assert metrics["eval_loss"] < 0.9 * metrics["eval_loss_before"]


def test_dpo_starts_from_the_sft_model_and_widens_the_heldout_margin(reduced_quickstart):
    metrics = json.loads((reduced_quickstart / "dpo" / "metrics.json").read_text())
    assert metrics["reward_margin_before"] == 0.0  # the reference is the SFT model it starts from
    assert metrics["reward_margin"] > 0.0


def test_fine_tuned_model_stops_at_eos(reduced_quickstart, quickstart_dir):
    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_for_inference

    model, tokenizer = load_for_inference(reduced_quickstart)
    rows = [json.loads(line) for line in (quickstart_dir / "sft_eval.jsonl").read_text().splitlines()][:10]
    prompts = [row["messages"][:-1] for row in rows]
    answers = generate_chat(model, tokenizer, prompts, max_new_tokens=96, batch_size=10)
    stopped = sum(answer.finished_with_eos for answer in answers)
    assert stopped >= 9, [answer.text for answer in answers]
