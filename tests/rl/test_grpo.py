"""GRPO and RLOO through TRL on the tiny model, rewarded by the same reward sources as PPO."""

from __future__ import annotations

import json

import pytest
import yaml
from ppo_setup import HERE

from tuneline.pipeline.runner import run_pipeline


@pytest.mark.parametrize("method", ["grpo", "rloo"])
def test_trl_online_stage_trains_logs_and_saves_an_adapter(method, tmp_path, tiny_base, prompt_file):
    config = {"name": f"{method}-test", "seed": 3, "model": str(tiny_base),
              "adapter": {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0},
              "datasets": {"prompts": {"path": str(prompt_file), "eval_fraction": 0.25}},
              "stages": [{"name": method, "type": method, "dataset": "prompts",
                          "reward_function": f"{HERE / 'reward_fns.py'}:mentions_lumo", "max_steps": 2,
                          "prompts_per_step": 2, "num_generations": 2, "max_new_tokens": 8,
                          "max_eval_examples": 2}],
              "tracking": {"backend": "none"}}
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(config))
    stage = run_pipeline(tmp_path / "pipeline.yaml", output_dir=str(tmp_path / "runs")) / method
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["steps"] == 2
    assert {"eval_reward_mean_before", "eval_reward_mean", "eval_kl"} <= metrics.keys()
    logged = [json.loads(line) for line in (stage / "log.jsonl").read_text().splitlines()]
    assert any("reward" in record or "rewards/reward/mean" in record for record in logged)
    assert (stage / "adapter" / "adapter_config.json").exists()
