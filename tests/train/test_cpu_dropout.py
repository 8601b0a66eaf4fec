"""The CPU dropout that replaces nn.Dropout during training: same distribution, same
gradient, identity in eval mode, and the swap reaches LoRA's dropouts."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, get_peft_model

from tuneline.train.dropout import CpuDropout, use_cpu_dropout


@pytest.mark.parametrize("p", [0.05, 0.1, 0.5])
def test_keeps_one_minus_p_and_rescales_survivors(p):
    torch.manual_seed(0)
    dropout = CpuDropout(p).train()
    x = torch.full((400, 1001), 2.0)  # odd size: the mask is cut from whole 64-bit words
    y = dropout(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - (1 - p)) < 0.005
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 2.0 / (1 - p)))
    # no position is favoured: the keep rate of each of the four 16-bit lanes is 1 - p
    lanes = kept.flatten()[: kept.numel() // 4 * 4].view(-1, 4).float().mean(0)
    assert (lanes - (1 - p)).abs().max().item() < 0.01


def test_gradient_is_the_mask_and_eval_is_identity():
    torch.manual_seed(1)
    dropout = CpuDropout(0.2).train()
    x = torch.randn(64, 48, requires_grad=True)
    y = dropout(x)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y != 0).float() / 0.8)
    dropout.eval()
    z = torch.randn(5, 7)
    assert dropout(z) is z


def test_swap_reaches_lora_dropout_and_keeps_the_output(tiny_lm_dir):
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_lm_dir), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.1, target_modules="all-linear"))
    model.eval()
    ids = torch.randint(0, 100, (2, 9))
    before = model(input_ids=ids).logits
    swapped = use_cpu_dropout(model)
    lora_dropouts = [m for n, m in model.named_modules() if "lora_dropout" in n and isinstance(m, torch.nn.Dropout)]
    assert swapped >= len(lora_dropouts) > 0
    assert all(type(m) is CpuDropout for m in lora_dropouts)
    torch.testing.assert_close(model(input_ids=ids).logits, before)
