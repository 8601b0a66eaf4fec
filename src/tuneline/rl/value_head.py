"""The policy and its value function in one module, so `accelerate` (DDP) wraps, syncs and
checkpoints both together.

The value head is a linear map from the last hidden state to a scalar. It sits on the
policy's own backbone (`critic=None`: one forward gives logits and values), on the policy's
hidden states detached from it (`detach_features`: a linear value function of the policy's
features, whose loss never moves the policy), or on a separate critic backbone (a second copy
of the base with its own adapter), which keeps value-learning gradients out of the policy at
twice the compute.
"""

from __future__ import annotations

import torch
from torch import nn


class ValueHead(nn.Module):
    def __init__(self, hidden_size: int):
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        # Small initial values: the first advantages are then close to the rewards themselves.
        nn.init.normal_(self.linear.weight, std=1.0 / (hidden_size + 1))
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden_states.to(self.linear.weight.dtype)).squeeze(-1)


class PolicyWithValue(nn.Module):
    """forward → (logits, values) over every position of the sequence."""

    def __init__(self, policy: nn.Module, hidden_size: int, critic: nn.Module | None = None,
                 detach_features: bool = False):
        super().__init__()
        self.policy = policy
        self.critic = critic
        self.detach_features = detach_features
        self.value_head = ValueHead(hidden_size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor,
                logits_to_keep: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits of the last `logits_to_keep` positions (all when None); values at every position."""
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
        extra = {} if logits_to_keep is None else {"logits_to_keep": logits_to_keep}
        output = self.policy(**inputs, **extra, output_hidden_states=self.critic is None)
        if self.critic is None:
            hidden = output.hidden_states[-1]
            if self.detach_features:
                hidden = hidden.detach()
        else:
            hidden = self.critic(**inputs).last_hidden_state
        return output.logits, self.value_head(hidden)
