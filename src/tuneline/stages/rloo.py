"""RLOO (Ahmadian et al. 2024, arXiv 2402.14740): REINFORCE with a leave-one-out baseline
over each prompt's group of completions, through TRL's RLOOTrainer; options and reward
sources as in `grpo`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.stages.grpo import OnlineConfig, run_online

DATA_TASK = "prompt"  # what `tuneline validate` loads this stage's dataset as
DATA_PARALLEL = True  # under torchrun every process trains; see pipeline.runner


class Config(OnlineConfig):
    type: Literal["rloo"] = "rloo"
    normalize_advantages: bool = Field(False, description="scale advantages to unit std over the batch")


def run(ctx, config: Config) -> dict:
    return run_online(ctx, config, "rloo", {"normalize_advantages": config.normalize_advantages})
