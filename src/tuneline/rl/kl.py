"""The KL penalty against the reference model and the controllers of its coefficient β."""

from __future__ import annotations

import torch


def per_token_kl(logprobs: torch.Tensor, reference_logprobs: torch.Tensor) -> torch.Tensor:
    """log π(y_t|·) − log π_ref(y_t|·): summed over a sampled completion, an unbiased
    estimate of KL(π‖π_ref) (the k1 estimator; Ziegler et al. 2019, arXiv 1909.08593, Eq. 2)."""
    return logprobs - reference_logprobs


def exact_kl(log_probs: torch.Tensor, reference_log_probs: torch.Tensor) -> torch.Tensor:
    """KL(π(·|s_t) ‖ π_ref(·|s_t)) = Σ_a π(a|s_t)·(log π(a|s_t) − log π_ref(a|s_t)) at each position,
    summed over the whole vocabulary (log-probs [..., V] → [...]): no sampling noise, and its
    gradient pulls every token's probability back toward the reference, not only the sampled one."""
    return (log_probs.exp() * (log_probs - reference_log_probs)).sum(dim=-1)


def kl_penalized_rewards(scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor,
                         kl_coef: float) -> torch.Tensor:
    """Per-token rewards of Ziegler et al. 2019 (arXiv 1909.08593), Eq. 2:
    R(x, y) = r(x, y) − β·log(π(y|x)/ρ(y|x)), spread over tokens as r_t = −β·KL_t, plus the
    sequence score r(x, y) on the completion's last real token.

    scores: [batch]; kl, mask: [batch, tokens] (mask 1 on completion tokens).
    """
    mask = mask.to(kl.dtype)
    rewards = -kl_coef * kl * mask
    last_index = (mask.sum(dim=1).long() - 1).clamp(min=0)
    rows = torch.arange(rewards.shape[0], device=rewards.device)
    rewards[rows, last_index] += scores.to(rewards.dtype)
    return rewards


class FixedKLController:
    """A constant β."""

    def __init__(self, kl_coef: float):
        self.value = kl_coef

    def update(self, current_kl: float, num_steps: int) -> None:
        pass

    def state_dict(self) -> dict[str, float]:
        return {"value": self.value}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.value = float(state["value"])


class AdaptiveKLController:
    """β steered towards a target KL (Ziegler et al. 2019, arXiv 1909.08593, Sec. 2.2, Eq. 3):

        e_t = clip(KL_t / KL_target − 1, −0.2, 0.2)
        β_{t+1} = β_t · (1 + K_β · e_t)

    with K_β = num_steps / horizon, so β can change by a factor e^{±0.2} per `horizon` samples.
    """

    def __init__(self, kl_coef: float, target: float, horizon: int):
        self.value = kl_coef
        self.target = target
        self.horizon = horizon

    def update(self, current_kl: float, num_steps: int) -> None:
        proportional_error = min(max(current_kl / self.target - 1.0, -0.2), 0.2)
        self.value *= 1.0 + proportional_error * num_steps / self.horizon

    def state_dict(self) -> dict[str, float]:
        return {"value": self.value}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.value = float(state["value"])
