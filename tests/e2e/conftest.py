"""One tiny run shaped like the quickstart, made once per session: sft → dpo on a tiny
llama, then a reward model and a ticket classifier on a tiny BERT, so the run's last
stages are not the policy. The README's commands are tested on it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def write_tiny_bert(folder: Path) -> Path:
    """A 2-layer BERT (hidden 32) with the MiniLM tokenizer, saved as a plain HF folder."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tuneline.models.registry import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:minilm-l6"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=128)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_pipeline(lm: Path, bert: Path, runs: Path) -> str:
    quickstart, tickets = REPO / "examples" / "quickstart", REPO / "examples" / "classify"
    steps = "max_steps: 2, batch_size: 4, max_length: 96, logging_steps: 1"
    return f"""
name: tiny-readme
seed: 1
model: {lm}
adapter: {{type: lora, r: 4, alpha: 16}}
output_dir: {runs}
datasets:
  support: {{path: {quickstart}/sft_train.jsonl, eval_path: {quickstart}/sft_eval.jsonl, limit: 12}}
  support_preferences: {{path: {quickstart}/preferences_train.jsonl, eval_path: {quickstart}/preferences_eval.jsonl, limit: 12}}
  tickets: {{path: {tickets}/tickets_train.csv, eval_path: {tickets}/tickets_test.csv, limit: 40}}
stages:
  - {{name: sft, type: sft, dataset: support, learning_rate: 1.0e-3, {steps}}}
  - {{name: dpo, type: dpo, from: sft, dataset: support_preferences, learning_rate: 1.0e-3, {steps}}}
  - {{name: reward, type: reward, dataset: support_preferences, model: {bert}, adapter_type: full, {steps}}}
  - {{name: classify, type: classify, dataset: tickets, model: {bert}, label_column: queue, max_steps: 2,
      batch_size: 8, max_length: 32, validation_fraction: 0, baselines: false}}
"""


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_lm_dir) -> Path:
    """The run directory of the tiny pipeline (tracked in <tmp>/runs/mlflow.db)."""
    from tuneline.pipeline.runner import run_pipeline

    root = tmp_path_factory.mktemp("tiny-readme")
    bert = write_tiny_bert(root / "bert")
    pipeline = root / "pipeline.yaml"
    pipeline.write_text(tiny_pipeline(tiny_lm_dir, bert, root / "runs"))
    return run_pipeline(pipeline)
