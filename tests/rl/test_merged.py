"""Rollouts from a merged copy of the LoRA policy: the same distribution as the policy, and
the base weights (the reference) untouched."""

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

from tuneline.rl.merged import MergedSampler, PolicySampler, rollout_sampler


def _policy(tiny_base, **lora):
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_base)
    policy = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", **lora))
    with torch.no_grad():  # a trained-looking adapter: B is zero at initialisation
        for name, parameter in policy.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.05)
    return policy


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits


def test_merged_copy_gives_the_policys_logits_after_every_update(tiny_base):
    policy = _policy(tiny_base)
    sampler, reason = rollout_sampler(policy, merged=True)
    assert reason is None and isinstance(sampler, MergedSampler)
    ids = torch.randint(0, policy.config.vocab_size, (2, 12))
    base_before = {n: p.detach().clone() for n, p in policy.named_parameters() if "lora_" not in n}
    torch.testing.assert_close(_logits(sampler.current(), ids), _logits(policy, ids), rtol=1e-4, atol=1e-4)

    optimizer = torch.optim.SGD([p for p in policy.parameters() if p.requires_grad], lr=0.5)
    policy(input_ids=ids, labels=ids).loss.backward()
    optimizer.step()
    stale = _logits(sampler.model, ids)
    fresh = _logits(sampler.current(), ids)
    assert not torch.allclose(stale, fresh, atol=1e-4)  # the update changed the policy...
    torch.testing.assert_close(fresh, _logits(policy, ids), rtol=1e-4, atol=1e-4)  # ...and the copy follows it
    for name, parameter in policy.named_parameters():  # the reference (base weights) is bit-identical
        if name in base_before:
            assert torch.equal(parameter, base_before[name]), name
    greedy = dict(max_new_tokens=6, do_sample=False, pad_token_id=0)
    assert torch.equal(sampler.current().generate(input_ids=ids[:, :4], **greedy),
                       policy.generate(input_ids=ids[:, :4], **greedy))


@pytest.mark.parametrize(("lora", "why"), [({"use_dora": True}, "DoRA"),
                                           ({"modules_to_save": ["lm_head"]}, "outside LoRA")])
def test_adapters_that_do_not_merge_plainly_sample_from_the_policy(tiny_base, lora, why):
    sampler, reason = rollout_sampler(_policy(tiny_base, **lora), merged=True)
    assert isinstance(sampler, PolicySampler) and why in reason
