"""Where value learning reaches: through the policy's backbone (shared) or only the head."""

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

from tuneline.rl.value_head import PolicyWithValue


@pytest.mark.parametrize("detach_features, moves_policy", [(False, True), (True, False)])
def test_the_value_loss_moves_the_policy_only_when_shared(tiny_base, detach_features, moves_policy):
    torch.manual_seed(0)
    policy = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_base),
                            LoraConfig(r=4, lora_alpha=8, target_modules="all-linear"))
    with torch.no_grad():  # LoRA's B starts at zero, which would hide A's gradient
        for name, parameter in policy.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.05)
    model = PolicyWithValue(policy, policy.get_base_model().config.hidden_size, detach_features=detach_features)
    ids = torch.randint(0, policy.config.vocab_size, (2, 10))
    positions = torch.arange(10).expand(2, 10)
    _, values = model(input_ids=ids, attention_mask=torch.ones_like(ids), position_ids=positions)
    (values - 1.0).square().mean().backward()

    adapter_grad = sum(float(p.grad.abs().sum()) for n, p in policy.named_parameters()
                       if "lora_" in n and p.grad is not None)
    assert float(model.value_head.linear.weight.grad.abs().sum()) > 0
    assert (adapter_grad > 0) == moves_policy
