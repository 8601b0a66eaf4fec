"""Load models and tokenizers from references and run artifacts; attach LoRA adapters.

An artifact of a stage is either `adapter/` (PEFT format, on the base recorded in
`adapter_config.json`) or `model/` (a full Hugging Face folder); which one a run directory
stands for is decided in `models/artifacts.py`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tuneline.config.references import reference_kind
from tuneline.config.schema import AdapterConfig, ModelConfig
from tuneline.errors import ModelError
from tuneline.models.artifacts import Artifact as Artifact  # re-exported: stages import it from here
from tuneline.models.artifacts import resolve_artifact
from tuneline.models.registry import resolve_model_path

_DTYPES = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


@contextlib.contextmanager
def transformers_errors_only():
    """Only errors from transformers' logger, for calls whose warnings tell a user nothing: a
    task head that is new on purpose, a tokenizer measuring texts longer than its model reads."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)


new_head_expected = transformers_errors_only  # loading a model whose task head is new on purpose


def _torch_dtype(name: str):
    import torch

    return "auto" if name == "auto" else getattr(torch, _DTYPES[name])


def load_tokenizer(reference: str):
    from transformers import AutoTokenizer

    path = resolve_model_path(reference)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        raise ModelError(f"cannot load a tokenizer from '{reference}': {exc}", fix="check the model reference") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def load_causal_lm(model: ModelConfig | str, device: str | None = None, load_in_4bit: bool = False,
                   quant_storage: str = "uint8"):
    """Base causal LM and its tokenizer, ready for training or generation, on `device`
    (default: runtime.compute_device(), the GPU when there is one); with `load_in_4bit`,
    its linear layers are bitsandbytes NF4 (QLoRA, see models/quant.py)."""
    from transformers import AutoModelForCausalLM

    from tuneline.runtime import compute_device

    config = ModelConfig(ref=model) if isinstance(model, str) else model
    path = resolve_model_path(config.ref)
    kwargs: dict[str, Any] = {"dtype": _torch_dtype(config.dtype), "trust_remote_code": config.trust_remote_code}
    device = device or str(compute_device())
    if load_in_4bit:
        from tuneline.models.quant import quantized_load_kwargs

        compute_dtype = "float32" if config.dtype == "auto" else config.dtype
        kwargs.update(quantized_load_kwargs(compute_dtype, quant_storage, device))
        device = None  # device_map placed it
    try:
        lm = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load '{config.ref}' as a causal language model: {exc}",
                         fix="use a folder with config.json and weights, or a builtin model") from None
    if device and device != "cpu":  # from_pretrained loads on the CPU
        lm.to(device)
    tokenizer = load_tokenizer(path)
    if lm.generation_config is not None and lm.generation_config.pad_token_id is None:
        lm.generation_config.pad_token_id = tokenizer.pad_token_id
    return lm, tokenizer


def linear_module_names(model) -> list[str]:
    """The names (last part) of the linear layers inside the numbered blocks (`layers.3.`,
    `layer.3.`, `h.3.`): what `all-linear` adapts, spelled out (PEFT needs the names when
    only some layers are adapted)."""
    import re

    import torch

    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear) and re.search(r"\.\d+\.", name)})


def lora_config(adapter: AdapterConfig, task_type: str = "CAUSAL_LM", model=None):
    """PEFT's LoraConfig for `adapter`; `model` is needed when only some layers are adapted."""
    from peft import LoraConfig

    targets, layers = adapter.target_modules, adapter.layers_to_transform
    if layers is not None:
        if model is None:
            raise ModelError("adapter.layers_to_transform is not supported for this model", where="adapter",
                             fix="remove layers_to_transform")
        count = getattr(model.config, "num_hidden_layers", None)
        wrong = [i for i in layers if count is not None and not 0 <= i < count]
        if wrong or not layers:
            raise ModelError(f"adapter.layers_to_transform {layers} names layers the model does not have "
                             f"(it has {count}: 0 to {count - 1 if count else '?'})", where="adapter.layers_to_transform",
                             fix=f"list layer numbers from 0 to {count - 1 if count else 'N-1'}")
        if targets == "all-linear":
            targets = linear_module_names(model)
    return LoraConfig(
        r=adapter.r,
        lora_alpha=adapter.alpha,
        lora_dropout=adapter.dropout,
        target_modules=targets,
        layers_to_transform=layers,
        use_dora=adapter.use_dora,
        task_type=task_type,
        bias="none",
    )


def attach_adapter(model, adapter: AdapterConfig, init_from: Path | None = None, adapter_name: str = "default"):
    """Wrap `model` with a trainable LoRA adapter: fresh, or continued from `init_from`."""
    from peft import PeftModel, get_peft_model

    from tuneline.models.quant import is_4bit, prepare_for_kbit_training

    if adapter.type == "full":
        if init_from is not None:
            raise ModelError("a full fine-tuning stage continues from a model/ folder, not an adapter",
                             fix="set adapter.type: lora, or continue from a full fine-tuning stage")
        if is_4bit(model):
            raise ModelError("a 4-bit base cannot be fine-tuned in full", where="adapter.load_in_4bit",
                             fix="set adapter.type: lora (QLoRA), or load_in_4bit: false")
        return model
    if is_4bit(model):
        model = prepare_for_kbit_training(model)
    if init_from is not None:
        return PeftModel.from_pretrained(model, str(init_from), adapter_name=adapter_name, is_trainable=True)
    return get_peft_model(model, lora_config(adapter, model=model), adapter_name=adapter_name)


def load_for_inference(target: str | Path, dtype: str = "float32", stage: str | None = None):
    """(model, tokenizer) for generation from a model reference or a policy artifact (a run
    directory: its last policy stage, or `stage`)."""
    target_str = str(target)
    if reference_kind(target_str) != "local":
        model, tokenizer = load_causal_lm(ModelConfig(ref=target_str, dtype=dtype))
        model.eval()
        return model, tokenizer
    artifact = resolve_artifact(target_str, role="policy", stage=stage)
    if artifact.kind == "model":
        model, tokenizer = load_causal_lm(ModelConfig(ref=str(artifact.path), dtype=dtype))
    else:
        from peft import PeftModel

        model, tokenizer, _ = load_adapter_base(artifact, dtype)
        model = PeftModel.from_pretrained(model, str(artifact.path))
    model.eval()
    return model, tokenizer


def load_adapter_base(artifact: Artifact, dtype: str = "float32", base: str | None = None):
    """(base model, tokenizer, quantisation note) that the adapter was trained on. A QLoRA
    adapter's base is loaded in NF4 as in training and dequantised to plain float weights:
    what the adapter learnt to correct, and a model that merges and saves like any other."""
    from tuneline.models.quant import dequantize_4bit, read_quantization_note

    reference = base or artifact.base
    if not reference:
        raise ModelError(f"the adapter at '{artifact.path}' does not name its base model", fix="pass --base MODEL")
    note = read_quantization_note(artifact.path)
    model, tokenizer = load_causal_lm(ModelConfig(ref=reference, dtype=dtype), load_in_4bit=note is not None)
    if note is not None:
        model, _ = dequantize_4bit(model)
    return model, tokenizer, note
