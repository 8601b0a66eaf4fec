"""LoRA in some layers only (`adapter.layers_to_transform`): the adapter sits in exactly the
listed layers for every linear kind `all-linear` names, the backward pass stops there, and a
layer the model does not have is one clear error."""

from __future__ import annotations

import pytest

from tuneline.config.schema import AdapterConfig
from tuneline.errors import ModelError
from tuneline.models.load import attach_adapter


def lora_layers(model) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for name, _ in model.named_parameters():
        if "lora_A" in name:
            parts = name.split(".")
            layer = int(parts[parts.index("layers") + 1])
            found.setdefault(layer, set()).add(parts[parts.index("lora_A") - 1])
    return found


def test_only_the_listed_layers_get_an_adapter_and_the_lower_ones_get_no_gradient(tiny_lm_dir):
    import torch
    from transformers import AutoModelForCausalLM

    model = attach_adapter(AutoModelForCausalLM.from_pretrained(tiny_lm_dir),
                           AdapterConfig(layers_to_transform=[1]))
    every_linear = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert lora_layers(model) == {1: every_linear}

    seen = []
    model.base_model.model.model.layers[0].register_forward_hook(lambda m, i, out: seen.append(out))
    ids = torch.tensor([[5, 6, 7, 8]])
    model(input_ids=ids, labels=ids).loss.backward()
    hidden = seen[0][0] if isinstance(seen[0], tuple) else seen[0]
    assert not hidden.requires_grad  # nothing below layer 1 is on the backward path

    full = attach_adapter(AutoModelForCausalLM.from_pretrained(tiny_lm_dir), AdapterConfig())
    assert lora_layers(full) == {0: every_linear, 1: every_linear}


def test_a_layer_the_model_does_not_have_is_named(tiny_lm_dir):
    from transformers import AutoModelForCausalLM

    with pytest.raises(ModelError, match=r"names layers the model does not have \(it has 2: 0 to 1\)") as error:
        attach_adapter(AutoModelForCausalLM.from_pretrained(tiny_lm_dir), AdapterConfig(layers_to_transform=[2]))
    assert error.value.where == "adapter.layers_to_transform"
