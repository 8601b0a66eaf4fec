"""The reward and held-out options shared by the online stages (ppo, grpo, rloo), and the reward they build."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from tuneline.config.schema import Strict
from tuneline.errors import ConfigError


class RewardSources(Strict):
    reward_model: str | None = Field(None, description="a `reward` stage of this pipeline (its name), or a folder "
                                                       "with a sequence-classification model")
    reward_function: str | None = Field(None, description="module:function or file.py:function, called as "
                                                          "f(prompts, completions) -> list[float]")
    reward_model_weight: float = Field(1.0, description="weight of the reward model's score in the summed reward")
    reward_function_weight: float = Field(1.0, description="weight of the function's reward in the summed reward")


class HeldOutEval(Strict):
    max_eval_examples: int | None = Field(32, ge=0, description="held-out prompts scored before and after "
                                                                  "(0: none)")
    eval_samples_per_prompt: int = Field(
        1, ge=1, description="completions sampled per held-out prompt: the mean reward's noise falls as 1/√n")


def held_out_prompts(splits, config: HeldOutEval, rank: int = 0, world: int = 1) -> list:
    """This process's share of the held-out prompts, each repeated eval_samples_per_prompt times."""
    prompts = splits.eval[: config.max_eval_examples] if config.max_eval_examples is not None else splits.eval
    return [p.messages for p in prompts for _ in range(config.eval_samples_per_prompt)][rank::world]


def build_reward(ctx, config: RewardSources):
    """The reward of an online stage: a model, a function, or their weighted sum."""
    from tuneline.rl.rewards import FunctionReward, RewardModelReward, WeightedReward

    if not config.reward_model and not config.reward_function:
        raise ConfigError(f"stage '{ctx.stage.name}' has no reward", where=f"stages.{ctx.stage.name}",
                          fix="set reward_model: <reward stage name or folder>, reward_function: module:function, "
                              "or both")
    sources = []
    if config.reward_model:
        stage_dir = ctx.run_dir / config.reward_model
        target = stage_dir if (stage_dir / "model").exists() else Path(config.reward_model)
        sources.append((config.reward_model_weight, RewardModelReward(target)))
    if config.reward_function:
        sources.append((config.reward_function_weight, FunctionReward(config.reward_function, function_search(ctx))))
    if len(sources) == 1 and sources[0][0] == 1.0:
        return sources[0][1]
    return WeightedReward(sources)


def function_search(ctx) -> list[Path]:
    """Where `file.py:function` references are looked up: beside the pipeline file."""
    source_path = ctx.pipeline.__dict__.get("source_path")
    return [Path(source_path).parent] if source_path else []


def with_judge(ctx, reward, judge: str | None):
    """The reward, and a held-out judge scoring the same completions (rl.monitors.JudgedReward) when one is set."""
    if not judge:
        return reward
    from tuneline.rl.monitors import JudgedReward
    from tuneline.rl.rewards import FunctionReward

    return JudgedReward(reward, FunctionReward(judge, function_search(ctx)))
