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


def test_scoring_only_the_response_positions_gives_the_same_log_probs(tiny_base):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuneline.rl.rollout import generate_rollouts, model_inputs, response_logprobs

    torch.manual_seed(0)
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_base), AutoTokenizer.from_pretrained(tiny_base)
    prompts = [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "a longer question here"}]]
    batch = generate_rollouts(model, tokenizer, prompts, max_new_tokens=5)
    inputs = model_inputs(model, batch, "cpu")
    assert inputs.pop("logits_to_keep") == batch.response_ids.shape[1] + 1
    with torch.no_grad():
        full = response_logprobs(model(**inputs).logits, batch, 1.0)
        trimmed = response_logprobs(model(**model_inputs(model, batch, "cpu")).logits, batch, 1.0)
    torch.testing.assert_close(trimmed, full)
