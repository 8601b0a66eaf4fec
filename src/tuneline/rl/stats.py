"""Masked statistics over per-token tensors: means, variances, whitening, running moments.

Per-token RL tensors are padded after each completion's EOS; every statistic here takes
the 0/1 `mask` of real tokens so padding never leaks into a mean.
"""

from __future__ import annotations

import torch


def masked_mean(values: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Σ mask·x / Σ mask (over `dim`, or over everything)."""
    mask = mask.to(values.dtype)
    if dim is None:
        return (values * mask).sum() / mask.sum().clamp(min=1.0)
    return (values * mask).sum(dim) / mask.sum(dim).clamp(min=1.0)


def masked_var(values: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """Variance of the masked entries; Bessel's correction n/(n-1) when `unbiased`."""
    mean = masked_mean(values, mask)
    variance = masked_mean((values - mean) ** 2, mask)
    if unbiased:
        count = mask.sum()
        if count > 1:
            variance = variance * count / (count - 1)
    return variance


def whiten(values: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True, eps: float = 1e-8) -> torch.Tensor:
    """Advantage whitening: (x - μ) / sqrt(σ² + ε) over masked entries (Andrychowicz et al.
    2021, arXiv 2006.05990, Sec. 3.5). With shift_mean=False the mean is added back, which
    keeps the sign of rewards when whitening them."""
    mean, variance = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) * torch.rsqrt(variance + eps)
    if not shift_mean:
        whitened = whitened + mean
    return whitened * mask.to(values.dtype)


class RunningMoments:
    """Running mean and std of a stream of scalars, merged batch by batch with Chan et al.'s
    parallel update (1979): δ = μ_b − μ, μ' = μ + δ·n_b/n', M2' = M2_a + M2_b + δ²·n·n_b/n'.
    Used to normalise rewards to a stable scale across PPO steps."""

    def __init__(self) -> None:
        self.mean = 0.0
        self.m2 = 0.0
        self.count = 0

    @property
    def std(self) -> float:
        return (self.m2 / (self.count - 1)) ** 0.5 if self.count > 1 else 1.0

    def update(self, values: torch.Tensor) -> None:
        values = values.detach().double().flatten()
        batch_count = values.numel()
        if batch_count == 0:
            return
        batch_mean = values.mean().item()
        batch_m2 = ((values - batch_mean) ** 2).sum().item()
        total = self.count + batch_count
        delta = batch_mean - self.mean
        self.mean += delta * batch_count / total
        self.m2 += batch_m2 + delta**2 * self.count * batch_count / total
        self.count = total

    def state_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "m2": self.m2, "count": self.count}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.mean, self.m2, self.count = float(state["mean"]), float(state["m2"]), int(state["count"])
