"""Stage registry: `type:` in the pipeline file → the module that implements it.

Each module defines `Config` (a pydantic model deriving from
`tuneline.config.schema.StageConfig`, with `type: Literal["<type>"]`) and
`run(ctx: StageContext, config: Config) -> dict` (the stage's metrics). Modules keep
heavy imports (torch, transformers) inside functions, so validating a config is fast.
"""

from __future__ import annotations

import importlib
from types import ModuleType

STAGE_MODULES: dict[str, str] = {
    "router": "tuneline.stages.router",
    "sft": "tuneline.stages.sft",
    "dpo": "tuneline.stages.dpo",
    "eval": "tuneline.eval.stage",
    "classify": "tuneline.stages.classify",
    "reward": "tuneline.stages.reward",
    "ppo": "tuneline.stages.ppo",
    "grpo": "tuneline.stages.grpo",
    "rloo": "tuneline.stages.rloo",
    "kto": "tuneline.stages.kto",
}

# One line per stage type: `tuneline config explain` and `tuneline validate` print it.
STAGE_SUMMARIES: dict[str, str] = {
    "router": "embed labelled requests with MiniLM and keep a centroid per adapter: the router behind `model: auto`",
    "sft": "supervised fine-tuning: next-token loss on the assistant tokens of conversations",
    "dpo": "preference optimisation on chosen/rejected pairs (DPO, IPO, hinge, SimPO, ORPO) against the entering model",
    "kto": "KTO: alignment from unpaired answers labelled desirable or undesirable, against the entering model",
    "eval": "measure base and trained stages on held-out data: loss, preference, win rate, generation, lm-eval",
    "classify": "fine-tune an encoder to label text, beside majority and frozen-embedding baselines",
    "reward": "train a reward model (one-score head) on preference pairs with the Bradley-Terry loss",
    "ppo": "PPO against a reward model or function, with a KL penalty to the starting policy",
    "grpo": "GRPO: online RL on groups of sampled answers scored by reward functions or a model (TRL)",
    "rloo": "RLOO: REINFORCE with a leave-one-out baseline over each prompt's answers (TRL)",
}


def stage_module(stage_type: str) -> ModuleType:
    return importlib.import_module(STAGE_MODULES[stage_type])


def stage_types() -> list[str]:
    return sorted(STAGE_MODULES)
