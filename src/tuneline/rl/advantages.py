"""Generalised advantage estimation over the tokens of a completion."""

from __future__ import annotations

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float = 1.0,
        lam: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns by GAE (Schulman et al. 2016, arXiv 1506.02438, Eq. 16):

        δ_t = r_t + γ·V(s_{t+1}) − V(s_t)          (Eq. 10; V = 0 after the last real token)
        Â_t = Σ_l (γλ)^l · δ_{t+l}                 computed backwards as Â_t = δ_t + γλ·Â_{t+1}
        R_t = Â_t + V(s_t)                          the value target (TD(λ) return)

    `rewards`, `values`, `mask`: [batch, tokens]; mask is 1 on completion tokens and 0 on the
    padding after EOS, which ends the episode.
    """
    mask = mask.to(values.dtype)
    values = values * mask
    rewards = rewards * mask
    advantages = torch.zeros_like(values)
    running = torch.zeros_like(values[:, 0])
    steps = values.shape[1]
    for t in reversed(range(steps)):
        next_value = values[:, t + 1] if t + 1 < steps else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        # A padded step contributes nothing and cuts the recursion at the episode's end.
        running = (delta + gamma * lam * running) * mask[:, t]
        advantages[:, t] = running
    returns = advantages + values
    return advantages, returns
