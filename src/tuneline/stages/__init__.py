"""Stage registry: `type:` in the pipeline file → the module that implements it.

Each module defines `CONTRACT` (a `StageContract`: what it reads and writes, see
contract.py), `Config` (a pydantic model deriving from `tuneline.config.schema.StageConfig`,
with `type: Literal["<type>"]`) and `run(ctx: StageContext, config: Config) -> dict` (the
stage's metrics). Modules keep heavy imports (torch, transformers) inside functions, so
validating a config is fast. Adding a method is one module plus one line here
(docs/ARCHITECTURE.md shows a worked example).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from tuneline.stages.contract import StageContract

STAGE_MODULES: dict[str, str] = {
    "router": "tuneline.stages.router",
    "constitution": "tuneline.stages.constitution",
    "ai_feedback": "tuneline.stages.ai_feedback",
    "sft": "tuneline.stages.sft",
    "dpo": "tuneline.stages.dpo",
    "eval": "tuneline.stages.eval",
    "classify": "tuneline.stages.classify",
    "reward": "tuneline.stages.reward",
    "ppo": "tuneline.stages.ppo",
    "grpo": "tuneline.stages.grpo",
    "rloo": "tuneline.stages.rloo",
    "kto": "tuneline.stages.kto",
}

def stage_module(stage_type: str) -> ModuleType:
    return importlib.import_module(STAGE_MODULES[stage_type])


def stage_types() -> list[str]:
    return sorted(STAGE_MODULES)


def contract(stage_type: str) -> StageContract:
    return stage_module(stage_type).CONTRACT
