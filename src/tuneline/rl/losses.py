"""PPO's clipped surrogate losses and the diagnostics logged beside them."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tuneline.rl.stats import masked_mean


@dataclass
class PolicyLossOutput:
    loss: torch.Tensor
    clip_fraction: torch.Tensor  # share of tokens whose ratio left [1-ε, 1+ε] on the binding side
    approx_kl: torch.Tensor  # ½·E[(log π − log π_old)²], Schulman's k2 estimator of KL(π_old‖π)


def clipped_policy_loss(logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor,
                        mask: torch.Tensor, clip_range: float = 0.2) -> PolicyLossOutput:
    """Negative clipped surrogate objective (Schulman et al. 2017, arXiv 1707.06347, Eq. 7):

        ρ_t = exp(log π(a_t|s_t) − log π_old(a_t|s_t))
        L^CLIP = E_t[ min(ρ_t·Â_t, clip(ρ_t, 1−ε, 1+ε)·Â_t) ]      loss = −L^CLIP
    """
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((clipped > unclipped).to(logprobs.dtype), mask)
        approx_kl = 0.5 * masked_mean(log_ratio**2, mask)
    return PolicyLossOutput(loss, clip_fraction, approx_kl)


def clipped_value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor,
                       mask: torch.Tensor, clip_range: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """Clipped value loss (Schulman et al. 2017's reference implementation, as analysed in
    Engstrom et al. 2020, arXiv 2005.12729, Eq. 4):

        V_clip = V_old + clip(V − V_old, −ε, ε)
        L^V = ½·E_t[ max((V − R)², (V_clip − R)²) ]

    Returns the loss and the share of tokens where the clipped term was the larger one.
    """
    clipped_values = old_values + torch.clamp(values - old_values, -clip_range, clip_range)
    unclipped_error = (values - returns) ** 2
    clipped_error = (clipped_values - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(unclipped_error, clipped_error), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((clipped_error > unclipped_error).to(values.dtype), mask)
    return loss, clip_fraction


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Per-position entropy H = −Σ_a p(a)·log p(a) = logsumexp(z) − Σ_a p(a)·z_a."""
    probabilities = torch.softmax(logits, dim=-1)
    return torch.logsumexp(logits, dim=-1) - (probabilities * logits).sum(dim=-1)


def pairwise_reward_loss(chosen_scores: torch.Tensor, rejected_scores: torch.Tensor) -> torch.Tensor:
    """Bradley–Terry loss of a reward model (Ouyang et al. 2022, arXiv 2203.02155, Eq. 1):
    −E[log σ(r(x, y_chosen) − r(x, y_rejected))]."""
    return -torch.nn.functional.logsigmoid(chosen_scores - rejected_scores).mean()
