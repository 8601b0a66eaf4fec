"""Packed LoRA (serve/packed_lora.py) must compute what PEFT computes: a batch whose rows
use different adapters (of different ranks and target layers) and the bare base gives
PEFT's logits, and unpacking restores PEFT's own path."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM

from support.models import write_tiny_causal_lm
from tuneline.serve.packed_lora import BASE, PackedLoRA


@pytest.fixture(scope="module")
def mixed_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packed")
    base_dir = write_tiny_causal_lm(folder / "base")
    specs = {"alpha": (4, ["q_proj", "v_proj"]), "beta": (8, ["q_proj", "o_proj", "down_proj", "up_proj"])}
    for seed, (name, (rank, targets)) in enumerate(specs.items(), start=1):
        torch.manual_seed(seed)
        model = get_peft_model(AutoModelForCausalLM.from_pretrained(base_dir),
                               LoraConfig(r=rank, lora_alpha=2 * rank + seed, target_modules=targets,
                                          init_lora_weights=False, task_type="CAUSAL_LM"))
        model.save_pretrained(folder / name)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir), folder / "alpha",
                                      adapter_name="alpha")
    model.load_adapter(str(folder / "beta"), adapter_name="beta")
    return model.eval()


def test_packed_mixed_batch_matches_peft(mixed_model):
    torch.manual_seed(0)
    ids = torch.randint(0, 1000, (4, 7))
    rows = ["beta", BASE, "alpha", "beta"]
    with torch.no_grad():
        expected = mixed_model(input_ids=ids, adapter_names=rows).logits
        with mixed_model.disable_adapter():
            base_only = mixed_model(input_ids=ids).logits
        packed = PackedLoRA(mixed_model)
        try:
            with packed.rows(rows):
                got = mixed_model(input_ids=ids).logits
        finally:
            packed.unpack()
        after_unpack = mixed_model(input_ids=ids, adapter_names=rows).logits
    assert (expected[0] - base_only[0]).abs().max() > 1e-3  # the adapters really change the output
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(after_unpack, expected)


def test_packed_forward_without_rows_is_refused(mixed_model):
    packed = PackedLoRA(mixed_model)
    try:
        with pytest.raises(RuntimeError, match="rows"):
            mixed_model(input_ids=torch.tensor([[1, 2, 3]]))
    finally:
        packed.unpack()
