"""The FLOPs of an online step (ppo, grpo, rloo), by kind of pass (train.flops):

    generation   each completion sampled after its prompt, with the KV cache
    policy       the policy's log-probs (and shared values) of its own rollouts, before updating
    reference    the reference's log-probs of every rollout (skipped when β = 0 in grpo/rloo)
    value        a separate critic's values
    reward       the reward model's scores (reward functions cost no model FLOPs)
    training     forward and backward over every rollout, once per pass over it (ppo_epochs, μ)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuneline.models.reference import Reference
from tuneline.train.flops import FlopsLedger, ModelShape, forward_flops, generation_flops, training_flops


def reference_shape(reference: Reference, policy_shape: ModelShape) -> ModelShape:
    """What a reference forward costs: a frozen model its own shape; adapters off the base;
    a frozen adapter copy the same as the policy."""
    if reference.frozen_model is not None:
        return ModelShape.of(reference.frozen_model)
    return policy_shape.without_adapter() if reference.adapters_off else policy_shape


@dataclass
class OnlineCosts:
    """Shapes of the models an online step runs, and how often it passes over its rollouts."""

    policy: ModelShape
    sampler: ModelShape  # the policy, or a merged copy without adapter layers
    reference: ModelShape | None  # None: no reference pass
    training_passes: int
    full_finetune: bool = False
    score_with_policy: bool = True  # log-probs of the rollouts before the update (PPO; GRPO with μ > 1)
    critic: ModelShape | None = None

    def add_rollouts(self, ledger: FlopsLedger, prompt_lengths: Sequence[int], completion_lengths: Sequence[int],
                     processes: int = 1) -> None:
        """Charge one step's rollouts (this process's; × processes for the whole step)."""
        totals = dict.fromkeys(("generation", "policy", "reference", "value", "training"), 0)
        for prompt, completion in zip(prompt_lengths, completion_lengths, strict=True):
            tokens = prompt + completion
            head = min(completion + 1, tokens)  # logits from the prompt's last position on (logits_to_keep)
            totals["generation"] += generation_flops(self.sampler, prompt, completion)
            if self.score_with_policy:
                totals["policy"] += forward_flops(self.policy, tokens, head)
            if self.reference is not None:
                totals["reference"] += forward_flops(self.reference, tokens, head)
            totals["training"] += self.training_passes * training_flops(self.policy, tokens, self.full_finetune, head)
            if self.critic is not None:
                totals["value"] += forward_flops(self.critic, tokens, head_tokens=0)
                totals["training"] += self.training_passes * training_flops(self.critic, tokens, False)
        for kind, flops in totals.items():
            if flops:
                ledger.add(kind, flops * processes)
