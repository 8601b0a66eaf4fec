"""The RL math against computations done by hand on small tensors."""

import math

import pytest
import torch

from tuneline.rl.advantages import gae
from tuneline.rl.kl import AdaptiveKLController, FixedKLController, exact_kl, kl_penalized_rewards, per_token_kl
from tuneline.rl.losses import clipped_policy_loss, clipped_value_loss, entropy_from_logits
from tuneline.rl.stats import RunningMoments, masked_mean, whiten


def test_gae_matches_hand_computation_without_padding():
    # γ=1, λ=0.5: δ = [0.1, 0.1, 0.3]; Â2 = 0.3, Â1 = 0.1 + 0.5·0.3, Â0 = 0.1 + 0.5·0.25
    rewards = torch.tensor([[0.0, 0.0, 1.0]])
    values = torch.tensor([[0.5, 0.6, 0.7]])
    advantages, returns = gae(rewards, values, torch.ones(1, 3), gamma=1.0, lam=0.5)
    assert torch.allclose(advantages, torch.tensor([[0.225, 0.25, 0.3]]))
    assert torch.allclose(returns, torch.tensor([[0.725, 0.85, 1.0]]))


def test_gae_ends_the_episode_at_the_mask_and_ignores_padding_values():
    # γ=0.9, λ=1: Â1 = 1 − 0.4 = 0.6 (V after the end is 0, not the padded 5.0); Â0 = 0.9·0.4 − 0.2 + 0.9·0.6
    rewards = torch.tensor([[0.0, 1.0, 9.0]])
    values = torch.tensor([[0.2, 0.4, 5.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    advantages, returns = gae(rewards, values, mask, gamma=0.9, lam=1.0)
    assert torch.allclose(advantages, torch.tensor([[0.7, 0.6, 0.0]]))
    assert torch.allclose(returns, torch.tensor([[0.9, 1.0, 0.0]]))


def test_whitening_uses_only_masked_entries():
    values = torch.tensor([[1.0, 2.0, 3.0, 100.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    # mean 2, unbiased variance (1 + 0 + 1) / 2 = 1
    assert torch.allclose(whiten(values, mask), torch.tensor([[-1.0, 0.0, 1.0, 0.0]]), atol=1e-6)
    assert torch.allclose(whiten(values, mask, shift_mean=False), torch.tensor([[1.0, 2.0, 3.0, 0.0]]), atol=1e-6)
    assert masked_mean(values, mask).item() == pytest.approx(2.0)


def test_clipped_policy_loss_matches_hand_computation():
    logprobs = torch.log(torch.tensor([[1.5, 0.5, 1.0]]))  # ratios against old logprobs of 0
    old = torch.zeros(1, 3)
    advantages = torch.tensor([[1.0, 1.0, -2.0]])
    out = clipped_policy_loss(logprobs, old, advantages, torch.ones(1, 3), clip_range=0.2)
    # token 0: max(−1.5, −1.2) = −1.2 (clipped); token 1: max(−0.5, −0.8) = −0.5; token 2: 2
    assert out.loss.item() == pytest.approx((-1.2 - 0.5 + 2.0) / 3)
    assert out.clip_fraction.item() == pytest.approx(1 / 3)
    assert out.approx_kl.item() == pytest.approx(0.5 * (math.log(1.5) ** 2 + math.log(0.5) ** 2) / 3)


def test_clipped_policy_loss_gradient_is_zero_where_clipped():
    logprobs = torch.log(torch.tensor([[1.5, 1.0]])).requires_grad_()
    out = clipped_policy_loss(logprobs, torch.zeros(1, 2), torch.tensor([[1.0, 1.0]]), torch.ones(1, 2))
    out.loss.backward()
    assert logprobs.grad[0, 0].item() == 0.0  # ratio 1.5 > 1.2 with Â > 0: no further push
    assert logprobs.grad[0, 1].item() == pytest.approx(-0.5)  # −ρ·Â / 2 tokens


def test_clipped_value_loss_matches_hand_computation():
    values = torch.tensor([[0.2, 0.0]])
    old_values = torch.tensor([[0.5, 0.0]])
    returns = torch.tensor([[0.0, 1.0]])
    loss, clip_fraction = clipped_value_loss(values, old_values, returns, torch.ones(1, 2), clip_range=0.2)
    # token 0: V_clip = 0.3, max(0.04, 0.09) = 0.09; token 1: 1.0 → ½·(0.09 + 1)/2
    assert loss.item() == pytest.approx(0.2725)
    assert clip_fraction.item() == pytest.approx(0.5)


def test_kl_penalised_rewards_put_the_score_on_the_last_real_token():
    scores = torch.tensor([2.0, -1.0])
    logprobs = torch.tensor([[0.1, 0.2, 0.3], [0.5, -0.5, 9.0]])
    kl = per_token_kl(logprobs, torch.zeros(2, 3))
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    rewards = kl_penalized_rewards(scores, kl, mask, kl_coef=0.5)
    assert torch.allclose(rewards, torch.tensor([[-0.05, -0.1, 1.85], [-0.25, -0.75, 0.0]]))


def test_adaptive_kl_controller_follows_ziegler_update():
    controller = AdaptiveKLController(kl_coef=0.1, target=6.0, horizon=10000)
    controller.update(current_kl=9.0, num_steps=256)  # error 0.5 clipped to 0.2
    assert controller.value == pytest.approx(0.1 * (1 + 0.2 * 256 / 10000))
    before = controller.value
    controller.update(current_kl=6.6, num_steps=100)  # error 0.1, inside the clip
    assert controller.value == pytest.approx(before * (1 + 0.1 * 100 / 10000))
    before = controller.value
    controller.update(current_kl=0.0, num_steps=1000)  # error −1 clipped to −0.2
    assert controller.value == pytest.approx(before * (1 - 0.2 * 1000 / 10000))
    fixed = FixedKLController(0.05)
    fixed.update(100.0, 1000)
    assert fixed.value == 0.05


def test_exact_kl_matches_hand_computation_and_pulls_toward_the_reference():
    # p = (½, ½), q = (¼, ¾): KL = ½·ln 2 + ½·ln(2/3)
    log_p = torch.log(torch.tensor([[0.5, 0.5]]))
    log_q = torch.log(torch.tensor([[0.25, 0.75]]))
    assert exact_kl(log_p, log_q).item() == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), abs=1e-6)
    assert exact_kl(log_q, log_q).item() == pytest.approx(0.0, abs=1e-7)
    logits = torch.zeros(1, 2, requires_grad=True)
    exact_kl(torch.log_softmax(logits, dim=-1), log_q).sum().backward()
    # Descending the gradient raises the logit of the token the reference prefers.
    assert logits.grad[0, 1] < 0 < logits.grad[0, 0]


def test_entropy_of_uniform_logits_is_log_vocab():
    assert entropy_from_logits(torch.zeros(2, 4)).tolist() == pytest.approx([math.log(4)] * 2)
    assert entropy_from_logits(torch.tensor([[100.0, 0.0, 0.0]])).item() == pytest.approx(0.0, abs=1e-6)


def test_running_moments_merge_batches_like_one_pass():
    moments = RunningMoments()
    moments.update(torch.tensor([1.0, 2.0, 3.0]))
    moments.update(torch.tensor([4.0, 5.0]))
    assert moments.mean == pytest.approx(3.0)
    assert moments.std == pytest.approx(math.sqrt(2.5))
