"""The reference model of an alignment stage.

DPO (Rafailov et al. 2023, §4: π_ref = π_SFT), RLHF's PPO (Stiennon et al. 2020, §3.4;
Ouyang et al. 2022, §3.5: the KL is to the SFT policy) and GRPO (Shao et al. 2024, Eq. 3)
all anchor the policy to the model the stage *starts from*. tuneline's default,
`reference: entering`, is exactly that; `reference: base` anchors to the pipeline's base
model instead.

How the reference is held, by what the policy is (memory in brackets):
- a fresh LoRA adapter, or `base` on a LoRA continued from an adapter: the base with the
  adapters switched off [nothing extra];
- a LoRA adapter continued from an earlier stage's adapter: a frozen copy of that adapter,
  loaded beside the trained one under the name `ref` (TRL's GRPO/RLOO trainers use the
  same name for the same copy) [one more adapter: r·(d_in + d_out) values per adapted
  layer, ~20 MB for SmolLM2-135M at r=16 on all linear layers in fp32];
- full fine-tuning, or `base` on a LoRA over an earlier full model: a frozen copy of the
  weights [one more model];
- scored once before training (DPO precomputes its reference): the policy itself, whose
  weights are still the entering ones then [nothing extra].
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

REFERENCE_ADAPTER = "ref"


@dataclass
class Reference:
    """How to run the reference of a stage, and what it is (for logs and metrics)."""

    description: str  # e.g. "stage 'sft' (frozen copy of its adapter)"
    frozen_model: Any = None  # a separate frozen model
    adapter: str | None = None  # a frozen adapter beside the policy's own
    adapters_off: bool = False  # the policy with its adapters switched off

    @property
    def is_the_policy(self) -> bool:
        """The reference is the policy itself (scored before its first update)."""
        return self.frozen_model is None and self.adapter is None and not self.adapters_off

    @contextlib.contextmanager
    def model(self, policy):
        """Context yielding the module that computes the reference's log-probabilities."""
        if self.frozen_model is not None:
            yield self.frozen_model
        elif self.adapter is not None:
            with active_adapter(policy, self.adapter):
                yield policy
        elif self.adapters_off:
            with policy.disable_adapter():
                yield policy
        else:
            yield policy


@contextlib.contextmanager
def active_adapter(model, name: str):
    """Run `model` through adapter `name`, then restore the trained adapter. PEFT's
    set_adapter also flips requires_grad, so the trained one is trainable again after."""
    previous = model.active_adapter
    model.set_adapter(name)
    try:
        yield
    finally:
        model.set_adapter(previous)


def add_reference_adapter(model, name: str = REFERENCE_ADAPTER) -> None:
    """Freeze a copy of the active adapter beside it: the policy as it is now."""
    import torch

    trained = model.active_adapter
    model.add_adapter(name, model.peft_config[trained])
    suffix_from, suffix_to = f".{trained}.", f".{name}."
    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for key, value in parameters.items():
            if suffix_from in key:
                parameters[key.replace(suffix_from, suffix_to)].copy_(value)
    for key, value in parameters.items():
        if suffix_to in key:
            value.requires_grad_(False)


def freeze(model):
    model.requires_grad_(False)
    model.eval()
    return model
