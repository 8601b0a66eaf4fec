"""What a model's architecture says about how to shard it, read without loading weights."""

from __future__ import annotations

from tuneline.errors import ModelError
from tuneline.models.registry import resolve_model_path


def decoder_layer_classes(reference: str, trust_remote_code: bool = False) -> list[str]:
    """Class names of the model's repeated blocks (e.g. ['LlamaDecoderLayer']): the modules
    transformers never splits across devices (`_no_split_modules`), which are also the units
    FSDP wraps one by one. The model is built on the meta device: no weights are read."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(resolve_model_path(reference), trust_remote_code=trust_remote_code)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=trust_remote_code)
    classes = list(getattr(model, "_no_split_modules", None) or [])
    if not classes:
        raise ModelError(f"'{reference}' ({type(model).__name__}) does not name its decoder layer class",
                         where="distributed.fsdp.wrap_layers", fix="list the layer class names, e.g. [LlamaDecoderLayer]")
    return classes
