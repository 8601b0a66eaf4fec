"""One tiny run shaped like the quickstart, made once per session: sft → dpo on a tiny
llama, then a reward model and a ticket classifier on a tiny BERT, so the run's last
stages are not the policy. The README's commands are tested on it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def tiny_pipeline(lm: Path, encoder: Path, runs: Path) -> str:
    quickstart, tickets = EXAMPLES / "quickstart", EXAMPLES / "classify"
    steps = "max_steps: 2, batch_size: 4, logging_steps: 1, max_eval_examples: 4"
    return f"""
name: tiny-readme
seed: 1
model: {lm}
adapter: {{type: lora, r: 4, alpha: 16}}
output_dir: {runs}
datasets:
  support: {{path: {quickstart}/sft_train.jsonl, eval_path: {quickstart}/sft_eval.jsonl, limit: 12}}
  support_preferences: {{path: {quickstart}/preferences_train.jsonl, eval_path: {quickstart}/preferences_eval.jsonl,
                         limit: 12}}
  tickets: {{path: {tickets}/tickets_train.csv, eval_path: {tickets}/tickets_test.csv, limit: 40}}
stages:
  - {{name: sft, type: sft, dataset: support, learning_rate: 1.0e-3, max_length: 96, {steps}}}
  - {{name: dpo, type: dpo, from: sft, dataset: support_preferences, learning_rate: 1.0e-3, max_length: 96, {steps}}}
  - {{name: reward, type: reward, dataset: support_preferences, model: {encoder}, adapter_type: full, max_length: 64,
      {steps}}}
  - {{name: classify, type: classify, dataset: tickets, model: {encoder}, label_column: queue, max_steps: 2,
      batch_size: 8, max_length: 32, validation_fraction: 0, baselines: false}}
  - {{name: eval, type: eval, suites: [loss, preference, generate], max_examples: 4, max_prompts: 2,
      max_new_tokens: 4, show_samples: 0}}
"""


@pytest.fixture(scope="session")
def tiny_run_reads(tmp_path_factory, tiny_lm_dir, tiny_encoder_dir) -> tuple[Path, Counter]:
    """The run directory of the tiny pipeline (tracked in <tmp>/runs/mlflow.db), and how
    many times each data file's rows were read from disk while it ran."""
    from tuneline.data import readers
    from tuneline.pipeline.runner import run_pipeline

    root = tmp_path_factory.mktemp("tiny-readme")
    pipeline = root / "pipeline.yaml"
    pipeline.write_text(tiny_pipeline(tiny_lm_dir, tiny_encoder_dir, root / "runs"))
    reads: Counter = Counter()

    def counted(read):
        def reading(path, *args, **kwargs):
            reads[Path(path).name] += 1
            return read(path, *args, **kwargs)
        return reading

    with pytest.MonkeyPatch.context() as patch:
        for name in ("_read_jsonl", "_read_delimited"):
            patch.setattr(readers, name, counted(getattr(readers, name)))
        return run_pipeline(pipeline), reads


@pytest.fixture(scope="session")
def tiny_run(tiny_run_reads) -> Path:
    return tiny_run_reads[0]
