"""What the RL tests share besides fixtures: this folder and a PPO pipeline writer.
(Test modules import from here, not from conftest: several test folders have a conftest.)"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).parent


def write_ppo_pipeline(folder: Path, base: Path, prompts: Path, **stage) -> Path:
    """A one-stage PPO pipeline on the tiny model, rewarded by reward_fns.py:mentions_lumo."""
    config = {
        "name": "ppo-test",
        "seed": 3,
        "model": str(base),
        "adapter": {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0},
        "datasets": {"prompts": {"path": str(prompts), "eval_fraction": 0.25}},
        "stages": [{"name": "ppo", "type": "ppo", "dataset": "prompts",
                    "reward_function": str(HERE / "reward_fns.py") + ":mentions_lumo",
                    "max_steps": 2, "rollout_batch_size": 4, "minibatch_size": 2, "max_new_tokens": 8,
                    "save_steps": 2, "sample_every": 1, **stage}],
        "tracking": {"backend": "none"},
    }
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
