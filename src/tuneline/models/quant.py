"""QLoRA: load a base in 4-bit NF4 with bitsandbytes, prepare it for training a LoRA on
top, record that an adapter was trained that way, and turn such a base back into plain
float weights for merging.

NF4 with double quantisation and a float compute dtype is the recipe of Dettmers et al.
2023 (arXiv 2305.14314, §3). bitsandbytes >= 0.48 has a CPU backend, so this runs
without a GPU. An adapter trained on the NF4 base learnt to correct the *rounded*
weights, so its merge target is the dequantised NF4 base, not the original floats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuneline.errors import ModelError

# Written next to adapter_config.json when the base was 4-bit during training.
QUANT_NOTE = "tuneline_base_quantization.json"


def nf4_config(compute_dtype: str = "float32", quant_storage: str = "uint8"):
    """transformers' BitsAndBytesConfig for QLoRA: NF4 weights, double-quantised scales;
    `quant_storage` is the dtype the packed weights are stored in (a float one lets FSDP
    and ZeRO-3 shard them like the model's other weights)."""
    import torch
    from transformers import BitsAndBytesConfig

    _require_bitsandbytes()
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=getattr(torch, compute_dtype),
                              bnb_4bit_quant_storage=getattr(torch, quant_storage))


def _require_bitsandbytes() -> None:
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise ModelError("adapter.load_in_4bit needs bitsandbytes, which is not installed",
                         fix="pip install 'bitsandbytes==0.50.2' (or `make setup`), or set load_in_4bit: false") from None


def quantized_load_kwargs(compute_dtype: str, quant_storage: str, device: str) -> dict[str, Any]:
    """Extra from_pretrained arguments that load the base in NF4 on `device`."""
    return {"quantization_config": nf4_config(compute_dtype, quant_storage), "device_map": device}


def is_4bit(model) -> bool:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return bool(getattr(base, "is_loaded_in_4bit", False))


def prepare_for_kbit_training(model):
    """PEFT's k-bit preparation: frozen 4-bit weights, norms and embeddings kept in float
    for stable gradients. Gradient checkpointing stays off: on CPU it costs 35-45 % speed.

    On CPUs with AVX512-BF16, bitsandbytes 0.50 repacks a Linear4bit's weight for a faster
    kernel the first time it runs in eval mode (e.g. the held-out loss before training),
    and keeps it repacked; that kernel has no backward, so afterwards no gradient flows
    through the base layers to the LoRA weights below them (torch warns "gemv_4bit: an
    autograd kernel was not registered"). A model being trained must never repack."""
    import bitsandbytes as bnb
    from peft import prepare_model_for_kbit_training

    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)


def write_quantization_note(model, adapter_folder: Path) -> None:
    """Record in the adapter folder that its base was NF4 during training (no-op otherwise)."""
    if not is_4bit(model):
        return
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    config = base.config.quantization_config
    settings = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    note = {"load_in_4bit": True, "quant_type": settings.get("bnb_4bit_quant_type", "nf4"),
            "double_quant": settings.get("bnb_4bit_use_double_quant", True),
            "compute_dtype": str(settings.get("bnb_4bit_compute_dtype", "float32")).replace("torch.", "")}
    (Path(adapter_folder) / QUANT_NOTE).write_text(json.dumps(note, indent=2) + "\n")


def read_quantization_note(adapter_folder: Path) -> dict[str, Any] | None:
    path = Path(adapter_folder) / QUANT_NOTE
    return json.loads(path.read_text()) if path.exists() else None


def dequantize_4bit(model):
    """Replace every bitsandbytes Linear4bit by a float nn.Linear holding its dequantised
    weights, and clear the quantisation markers so the model saves and merges as plain."""
    import bitsandbytes as bnb

    dtype = model.get_input_embeddings().weight.dtype  # the float dtype the rest of the model has
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, bnb.nn.Linear4bit):
                setattr(parent, name, _float_linear(child, dtype))
                replaced += 1
    model.hf_quantizer = None
    model.is_quantized = False
    model.is_loaded_in_4bit = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model, replaced


def _float_linear(layer, dtype):
    import bitsandbytes.functional as bnb_functional
    import torch

    weight = bnb_functional.dequantize_4bit(layer.weight.data, layer.weight.quant_state).to(dtype)
    linear = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(weight)
        if layer.bias is not None:
            linear.bias.copy_(layer.bias.to(dtype))
    return linear
