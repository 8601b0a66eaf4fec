"""Load models and tokenizers from references and run artifacts; attach LoRA adapters.

An artifact of a stage is either `adapter/` (PEFT format, on the base recorded in
`adapter_config.json`) or `model/` (a full Hugging Face folder). `resolve_artifact`
accepts a run directory (its last trained stage), a stage folder, or either folder.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneline.config.schema import AdapterConfig, ModelConfig
from tuneline.errors import ModelError
from tuneline.models.registry import resolve_model_path

_DTYPES = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


@dataclass
class Artifact:
    """What a trained stage left: a full model folder, or an adapter on a base."""

    kind: str  # "adapter" or "model"
    path: Path
    base: str | None = None  # for adapters: the base model path/reference


@contextlib.contextmanager
def new_head_expected():
    """Load a model whose task head is new on purpose, without transformers' load report
    listing that head as missing (the only thing it would say)."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)


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


def load_causal_lm(model: ModelConfig | str, device: str | None = None, load_in_4bit: bool = False):
    """Base causal LM and its tokenizer, ready for training or generation; with
    `load_in_4bit`, its linear layers are bitsandbytes NF4 (QLoRA, see models/quant.py)."""
    from transformers import AutoModelForCausalLM

    config = ModelConfig(ref=model) if isinstance(model, str) else model
    path = resolve_model_path(config.ref)
    kwargs: dict[str, Any] = {"dtype": _torch_dtype(config.dtype), "trust_remote_code": config.trust_remote_code}
    if load_in_4bit:
        from tuneline.models.quant import quantized_load_kwargs

        compute_dtype = "float32" if config.dtype == "auto" else config.dtype
        kwargs.update(quantized_load_kwargs(compute_dtype))
        device = None  # device_map placed it
    try:
        lm = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load '{config.ref}' as a causal language model: {exc}",
                         fix="use a folder with config.json and weights, or a builtin model") from None
    if device:
        lm.to(device)
    tokenizer = load_tokenizer(path)
    if lm.generation_config is not None and lm.generation_config.pad_token_id is None:
        lm.generation_config.pad_token_id = tokenizer.pad_token_id
    return lm, tokenizer


def lora_config(adapter: AdapterConfig, task_type: str = "CAUSAL_LM"):
    from peft import LoraConfig

    return LoraConfig(
        r=adapter.r,
        lora_alpha=adapter.alpha,
        lora_dropout=adapter.dropout,
        target_modules=adapter.target_modules,
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
    return get_peft_model(model, lora_config(adapter), adapter_name=adapter_name)


def resolve_artifact(target: str | Path) -> Artifact:
    """A run directory, stage folder, adapter/ or model/ folder → the artifact in it."""
    path = Path(target)
    if (path / "manifest.json").exists():  # a run directory: its last stage that left weights
        manifest = json.loads((path / "manifest.json").read_text())
        for stage in reversed(manifest.get("stages", [])):
            stage_dir = path / stage["name"]
            if (stage_dir / "adapter").exists() or (stage_dir / "model").exists():
                return resolve_artifact(stage_dir)
        raise ModelError(f"run {path} has no stage with a trained model yet", fix="run the pipeline first")
    if (path / "adapter").is_dir():
        path = path / "adapter"
    elif (path / "model").is_dir():
        path = path / "model"
    if (path / "adapter_config.json").exists():
        base = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path")
        return Artifact("adapter", path, base)
    if (path / "config.json").exists():
        return Artifact("model", path)
    raise ModelError(f"no model or adapter found at '{target}'",
                     fix="give a run directory, a stage folder, or a folder with config.json / adapter_config.json")


def load_for_inference(target: str | Path, dtype: str = "float32"):
    """(model, tokenizer) for generation from a model reference or any run artifact."""
    target_str = str(target)
    if target_str.startswith("builtin:") or not Path(target_str).exists():
        model, tokenizer = load_causal_lm(ModelConfig(ref=target_str, dtype=dtype))
        model.eval()
        return model, tokenizer
    artifact = resolve_artifact(target_str)
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
