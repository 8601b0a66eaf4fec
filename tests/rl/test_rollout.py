"""Completion masks, prompt order and reward sums on hand-made inputs."""

import torch
from ppo_setup import HERE

from tuneline.rl.rewards import FunctionReward, WeightedReward
from tuneline.rl.rollout import response_mask_through_eos
from tuneline.stages.ppo import prompt_order


def test_response_mask_keeps_tokens_through_the_first_eos():
    ids = torch.tensor([[5, 2, 7, 2], [5, 6, 7, 8]])
    mask, finished = response_mask_through_eos(ids, eos_id=2)
    assert mask.tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    assert finished.tolist() == [True, False]


def test_prompt_order_visits_every_prompt_once_per_pass_and_is_reproducible():
    first_pass = prompt_order(10, 0, 5, seed=1) + prompt_order(10, 1, 5, seed=1)
    assert sorted(first_pass) == list(range(10))
    assert prompt_order(10, 2, 5, seed=1) == prompt_order(10, 2, 5, seed=1)
    assert len(prompt_order(10, 3, 4, seed=1)) == 4  # a step that crosses into the next pass


def test_weighted_reward_sums_its_sources():
    named = FunctionReward(f"{HERE / 'reward_fns.py'}:mentions_lumo")
    total = WeightedReward([(2.0, named), (-1.0, lambda prompts, completions: [1.0] * len(completions))])
    prompts = [[{"role": "user", "content": "hi"}]] * 2
    # mentions_lumo: 0.7 + 0.3 for the first, 0.3 for the second → 2·r − 1
    assert total(prompts, ["The Lumo.", "A light."]) == [1.0, -0.4]
