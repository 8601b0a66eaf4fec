"""`max_eval_examples: 0`: a stage trains without its held-out metrics (what a study's cells
use: the study's judge does the measuring, once, for every method alike)."""

from __future__ import annotations

import json
from pathlib import Path

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def test_max_eval_examples_0_leaves_out_a_stages_held_out_metrics(tmp_path, tiny_lm_dir, quickstart_dir):
    pipeline = write_pipeline(tmp_path / "pipeline.yaml", tiny_lm_dir, quickstart_dir, [
        "{name: sft, type: sft, dataset: chats, max_steps: 1, batch_size: 2, max_eval_examples: 0}",
        "{name: dpo, type: dpo, dataset: prefs, max_steps: 1, batch_size: 1, max_eval_examples: 0}"],
        adapter="{type: lora, r: 4}", chat_limit=8)
    run = run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    sft = json.loads((run / "sft" / "metrics.json").read_text())
    dpo = json.loads((run / "dpo" / "metrics.json").read_text())
    assert sft["steps"] == 1 and sft["eval_examples"] == 0 and "eval_loss" not in sft
    assert dpo["steps"] == 1 and dpo["eval_pairs"] == 0 and "preference_accuracy" not in dpo


def test_the_online_stages_train_without_held_out_rollouts(tmp_path, tiny_lm_dir, quickstart_dir):
    reward = f"{Path(__file__).parents[1] / 'rl' / 'reward_fns.py'}:mentions_lumo"
    pipeline = write_pipeline(tmp_path / "pipeline.yaml", tiny_lm_dir, quickstart_dir, [
        f"{{name: ppo, type: ppo, dataset: prefs, reward_function: '{reward}', max_steps: 1, rollout_batch_size: 2,"
        " minibatch_size: 2, max_new_tokens: 4, max_eval_examples: 0}",
        f"{{name: grpo, type: grpo, dataset: prefs, reward_function: '{reward}', max_steps: 1, prompts_per_step: 1,"
        " num_generations: 2, max_new_tokens: 4, max_eval_examples: 0}"], adapter="{type: lora, r: 4}")
    run = run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    for stage in ("ppo", "grpo"):
        metrics = json.loads((run / stage / "metrics.json").read_text())
        assert metrics["steps"] == 1 and not [k for k in metrics if k.startswith("eval_")], stage
