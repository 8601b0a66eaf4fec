"""Pairwise preference losses on sequence log-probabilities (tensors of shape [batch]).

Each takes the policy's and the reference's summed log-probabilities of the chosen and
rejected answers and returns per-pair losses.
"""

from __future__ import annotations


def logratio_margin(policy_chosen, policy_rejected, reference_chosen, reference_rejected):
    """h = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))."""
    return (policy_chosen - reference_chosen) - (policy_rejected - reference_rejected)


def dpo_sigmoid_loss(margin, beta: float, label_smoothing: float = 0.0):
    """−log σ(β h), Eq. 7 of arXiv 2305.18290; with label smoothing ε (conservative DPO)
    the flipped-label term ε · −log σ(−β h) is mixed in."""
    import torch.nn.functional as F

    return -(1 - label_smoothing) * F.logsigmoid(beta * margin) - label_smoothing * F.logsigmoid(-beta * margin)


def ipo_loss(margin, beta: float):
    """(h − 1/(2τ))², Eq. 17 of arXiv 2310.12036 (τ plays the role of β)."""
    return (margin - 1 / (2 * beta)) ** 2


def hinge_loss(margin, beta: float):
    """max(0, 1 − β h): the SLiC calibration loss, arXiv 2305.10425."""
    import torch

    return torch.relu(1 - beta * margin)


def simpo_loss(policy_chosen, policy_rejected, chosen_tokens, rejected_tokens, beta: float, gamma: float):
    """−log σ(β/|y_w| log π(y_w|x) − β/|y_l| log π(y_l|x) − γ), Eq. 6 of arXiv 2405.14734:
    reference-free, length-normalised, with a target margin γ."""
    import torch.nn.functional as F

    return -F.logsigmoid(beta * policy_chosen / chosen_tokens - beta * policy_rejected / rejected_tokens - gamma)
