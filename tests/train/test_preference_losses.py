"""Each preference loss against its paper's equation, with values worked out by hand
(scalar arithmetic with the math module, independent of the tensor code), and the
selective log-probability projection against a full-vocabulary log-softmax."""

from __future__ import annotations

import math

import pytest
import torch

from tuneline.train import preference_losses as losses


def _log1p_exp(x: float) -> float:  # −log σ(−x)
    return math.log1p(math.exp(x))


# One pair: log π(y_w) = −1.0, log π(y_l) = −2.0, log π_ref(y_w) = −1.5, log π_ref(y_l) = −1.0
# h = (−1.0 + 1.5) − (−2.0 + 1.0) = 0.5 + 1.0 = 1.5
POLICY_C, POLICY_R, REF_C, REF_R = (torch.tensor([v]) for v in (-1.0, -2.0, -1.5, -1.0))


def test_margin():
    assert losses.logratio_margin(POLICY_C, POLICY_R, REF_C, REF_R).item() == pytest.approx(1.5)


def test_dpo_sigmoid_loss_eq7():
    h = losses.logratio_margin(POLICY_C, POLICY_R, REF_C, REF_R)
    # −log σ(0.1 · 1.5) = log(1 + e^−0.15) = 0.62095...
    assert losses.dpo_sigmoid_loss(h, 0.1).item() == pytest.approx(_log1p_exp(-0.15), abs=1e-6)
    assert _log1p_exp(-0.15) == pytest.approx(0.620957, abs=1e-6)
    # conservative DPO, ε = 0.1: 0.9 · log(1 + e^−0.15) + 0.1 · log(1 + e^0.15)
    expected = 0.9 * _log1p_exp(-0.15) + 0.1 * _log1p_exp(0.15)
    assert losses.dpo_sigmoid_loss(h, 0.1, 0.1).item() == pytest.approx(expected, abs=1e-6)
    # at h = 0 (policy = reference) the loss is ln 2
    assert losses.dpo_sigmoid_loss(torch.zeros(1), 0.1).item() == pytest.approx(math.log(2), abs=1e-7)


def test_ipo_loss_eq17():
    h = losses.logratio_margin(POLICY_C, POLICY_R, REF_C, REF_R)
    # (h − 1/(2τ))², τ = 0.1: (1.5 − 5)² = 12.25
    assert losses.ipo_loss(h, 0.1).item() == pytest.approx(12.25, abs=1e-5)


def test_hinge_loss():
    h = losses.logratio_margin(POLICY_C, POLICY_R, REF_C, REF_R)
    assert losses.hinge_loss(h, 0.1).item() == pytest.approx(0.85, abs=1e-6)  # 1 − 0.15
    assert losses.hinge_loss(h, 1.0).item() == 0.0  # 1 − 1.5 < 0


def test_simpo_loss_eq6():
    # β = 2, γ = 0.5; log π(y_w) = −6 over 3 tokens, log π(y_l) = −8 over 2 tokens
    # β/|y_w|·(−6) − β/|y_l|·(−8) − γ = −4 + 8 − 0.5 = 3.5 → log(1 + e^−3.5)
    loss = losses.simpo_loss(torch.tensor([-6.0]), torch.tensor([-8.0]), torch.tensor([3.0]), torch.tensor([2.0]),
                             2.0, 0.5)
    assert loss.item() == pytest.approx(_log1p_exp(-3.5), abs=1e-6)
    assert loss.item() == pytest.approx(0.029750, abs=1e-6)


def test_orpo_loss_eq6_7():
    # log π(y_w) = −3 over 3 tokens (mean −1), log π(y_l) = −4 over 2 tokens (mean −2), λ = 0.1
    # log odds(y) = mean − log(1 − e^mean); L = −mean_w + λ · log(1 + e^−(log odds_w − log odds_l))
    odds_w = -1 - math.log(1 - math.exp(-1))
    odds_l = -2 - math.log(1 - math.exp(-2))
    expected = 1.0 + 0.1 * _log1p_exp(-(odds_w - odds_l))
    loss = losses.orpo_loss(torch.tensor([-3.0]), torch.tensor([-4.0]), torch.tensor([3.0]), torch.tensor([2.0]), 0.1)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    # odds_w = −1 + 0.458675 = −0.541325; odds_l = −2 + 0.145413 = −1.854587; gap 1.313262;
    # log(1 + e^−1.313262) = log(1.268951) = 0.238183
    assert expected == pytest.approx(1.0238183, abs=1e-6)


def test_kto_loss_eq8():
    # β = 0.1, z₀ = 0.5; desirable r = 2 − 0 = 2; undesirable r = −1 − 0 = −1; λ_D = 1, λ_U = 2
    policy, reference = torch.tensor([2.0, -1.0]), torch.tensor([0.0, 0.0])
    desirable = torch.tensor([True, False])
    loss = losses.kto_loss(policy, reference, desirable, torch.tensor(0.5), 0.1, 1.0, 2.0)
    sigma = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert loss[0].item() == pytest.approx(1 - sigma(0.1 * (2 - 0.5)), abs=1e-6)  # 1 − σ(0.15)
    assert loss[1].item() == pytest.approx(2 - 2 * sigma(0.1 * (0.5 + 1)), abs=1e-6)  # 2 − 2σ(0.15)
    assert loss[0].item() == pytest.approx(0.462570, abs=1e-6)


def test_selective_projection_equals_full_log_softmax():
    from transformers import LlamaConfig, LlamaForCausalLM

    from tuneline.train.logprobs import labelled_token_logprobs, sequence_logprobs

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=4, num_key_value_heads=2)).eval()
    input_ids = torch.randint(0, 97, (2, 9))
    attention = torch.ones_like(input_ids)
    attention[1, 7:] = 0  # a padded row
    labels = input_ids.clone()
    labels[:, :4] = -100  # the prompt
    labels[1, 7:] = -100
    with torch.no_grad():
        selective, rows = labelled_token_logprobs(model, input_ids, attention, labels)
        full = torch.log_softmax(model(input_ids=input_ids, attention_mask=attention).logits.float(), dim=-1)
        totals, counts = sequence_logprobs(model, input_ids, attention, labels)
    expected = [full[r, t - 1, input_ids[r, t]].item() for r in range(2) for t in range(1, 9) if labels[r, t] != -100]
    assert selective.tolist() == pytest.approx(expected, abs=1e-5)
    assert rows.tolist() == [0] * 5 + [1] * 3
    assert counts.tolist() == [5, 3]
    assert totals[1].item() == pytest.approx(sum(expected[5:]), abs=1e-5)
