"""RLOO (Ahmadian et al. 2024, arXiv 2402.14740): REINFORCE with a leave-one-out baseline
over each prompt's group of completions, through TRL's RLOOTrainer; options and reward
sources as in `grpo`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.stages.contract import StageContract
from tuneline.stages.grpo import OnlineConfig, run_online

CONTRACT = StageContract(
    summary="RLOO: REINFORCE with a leave-one-out baseline over each prompt's answers (TRL)",
    reads="prompt",
    writes="policy",
    continues=("policy",),
    reference=True,
    data_parallel=True,
)


class Config(OnlineConfig):
    type: Literal["rloo"] = "rloo"
    normalize_advantages: bool = Field(False, description="scale advantages to unit std over the batch")


def run(ctx, config: Config) -> dict:
    return run_online(ctx, config, "rloo", {"normalize_advantages": config.normalize_advantages})
