"""Experience: a rollout batch scored under the policy, the reference and the value head,
turned into per-token rewards, advantages and returns for the PPO update."""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from tuneline.models.reference import Reference
from tuneline.rl.advantages import gae
from tuneline.rl.kl import kl_penalized_rewards, per_token_kl
from tuneline.rl.rollout import (
    RolloutBatch,
    model_inputs,
    response_logits,
    response_logprobs,
    response_values,
    taken_logprobs,
)
from tuneline.rl.stats import whiten


@dataclass
class Experience:
    batch: RolloutBatch
    mask: torch.Tensor  # [B, R] float, 1 on completion tokens
    old_logprobs: torch.Tensor
    reference_logprobs: torch.Tensor
    old_values: torch.Tensor
    kl: torch.Tensor  # per-token log π − log π_ref
    advantages: torch.Tensor
    returns: torch.Tensor
    # [B, R, V] log-softmax of the reference over the vocabulary, kept only for kl_penalty: loss
    reference_log_probs: torch.Tensor | None = None

    def select(self, indices: torch.Tensor) -> Experience:
        values = {f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[indices])
                  for f in fields(self) if f.name != "batch"}
        return Experience(batch=self.batch.select(indices), **values)

    @property
    def sequence_kl(self) -> torch.Tensor:
        """Σ_t KL_t per completion: the Monte-Carlo estimate of KL(π‖π_ref) for its prompt."""
        return (self.kl * self.mask).sum(dim=1)


@torch.no_grad()
def reference_logprobs_of(policy, batch: RolloutBatch, temperature: float, reference: Reference,
                          full: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Reference log-probs of the response tokens; with `full`, also the whole [B, R, V] log-softmax.
    `reference` (tuneline.models.reference) says which network that is: the entering policy
    (a frozen adapter copy, the policy with a fresh adapter off, a frozen model) or the base."""
    with reference.model(policy) as reference_model:
        logits = reference_model(**model_inputs(reference_model, batch, next(policy.parameters()).device)).logits
    if not full:
        return response_logprobs(logits, batch, temperature).cpu()
    log_probs = torch.log_softmax(response_logits(logits, batch, temperature), dim=-1)
    del logits
    return taken_logprobs(log_probs, batch).cpu(), log_probs


@torch.no_grad()
def policy_and_reference_logprobs(policy, batch: RolloutBatch, temperature: float,
                                  reference: Reference) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probs of each response token under a causal LM policy and under its reference."""
    logits = policy(**model_inputs(policy, batch, next(policy.parameters()).device)).logits
    return response_logprobs(logits, batch, temperature).cpu(), reference_logprobs_of(policy, batch, temperature,
                                                                                      reference)


@torch.no_grad()
def score_rollouts(model, batch: RolloutBatch, temperature: float, reference: Reference, autocast: bool = False,
                   full_reference: bool = False) -> tuple[torch.Tensor, ...]:
    """(policy log-probs, values, reference log-probs) of each response token, and with
    `full_reference` the reference's [B, R, V] log-softmax as well. `model` is the unwrapped
    PolicyWithValue."""
    device = next(model.parameters()).device
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
        logits, values = model(**model_inputs(model.policy, batch, device))
        logprobs = response_logprobs(logits, batch, temperature).cpu()
        del logits
        reference = reference_logprobs_of(model.policy, batch, temperature, reference, full=full_reference)
    if full_reference:
        return logprobs, response_values(values, batch).cpu(), *reference
    return logprobs, response_values(values, batch).cpu(), reference


def build_experience(batch: RolloutBatch, scores: torch.Tensor, logprobs: torch.Tensor, values: torch.Tensor,
                     reference_logprobs: torch.Tensor, kl_coef: float, gamma: float, lam: float,
                     whiten_advantages: bool, reference_log_probs: torch.Tensor | None = None) -> Experience:
    """Per-token rewards (score on the last token, −β·KL on every token), GAE advantages and
    returns; `scores` are the already shaped sequence rewards (penalties, normalisation).
    With kl_penalty: loss, kl_coef is 0 here and `reference_log_probs` carries the reference's
    distributions to the update's exact KL term."""
    mask = batch.response_mask.float()
    kl = per_token_kl(logprobs, reference_logprobs) * mask
    rewards = kl_penalized_rewards(scores, kl, mask, kl_coef)
    advantages, returns = gae(rewards, values, mask, gamma, lam)
    if whiten_advantages:
        advantages = whiten(advantages, mask)
    return Experience(batch, mask, logprobs, reference_logprobs, values * mask, kl, advantages, returns,
                      reference_log_probs)
