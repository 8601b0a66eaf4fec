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


def orpo_loss(policy_chosen, policy_rejected, chosen_tokens, rejected_tokens, lam: float):
    """L_SFT + λ·L_OR, Eq. 6–7 of arXiv 2403.07691 (ORPO), reference-free.

    As in the paper (Eq. 3–4), P(y|x) is the length-normalised likelihood
    exp((1/|y|) Σ_t log π(y_t|x, y<t)) and odds(y|x) = P / (1 − P);
    L_OR = −log σ(log odds(y_w|x) − log odds(y_l|x)). L_SFT is the chosen answer's NLL
    per token (each pair's own mean; the batch mean is then taken over pairs).
    """
    import torch
    import torch.nn.functional as F

    mean_chosen = policy_chosen / chosen_tokens
    mean_rejected = policy_rejected / rejected_tokens
    # log(1 − P) = log(−expm1(log P)): exact for P close to 1 and to 0
    log_odds = (mean_chosen - mean_rejected) - (torch.log(-torch.expm1(mean_chosen))
                                                - torch.log(-torch.expm1(mean_rejected)))
    return -mean_chosen - lam * F.logsigmoid(log_odds)


def kto_loss(policy_logps, reference_logps, desirable, kl_estimate, beta: float, desirable_weight: float = 1.0,
             undesirable_weight: float = 1.0):
    """λ_y − v(x, y), Eq. 8 of arXiv 2402.01306 (KTO), per example.

    r = log π(y|x) − log π_ref(y|x); z₀ = `kl_estimate` (the batch's KL(π‖π_ref) estimated on
    mismatched prompt/answer pairs, clamped at 0 and detached by the caller);
    v = λ_D σ(β(r − z₀)) for a desirable answer, λ_U σ(β(z₀ − r)) for an undesirable one.
    """
    import torch

    logratio = policy_logps - reference_logps
    desirable = desirable.bool()
    value = torch.where(desirable, desirable_weight * torch.sigmoid(beta * (logratio - kl_estimate)),
                        undesirable_weight * torch.sigmoid(beta * (kl_estimate - logratio)))
    weight = torch.where(desirable, torch.full_like(value, desirable_weight),
                         torch.full_like(value, undesirable_weight))
    return weight - value
