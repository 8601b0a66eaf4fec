"""`--format hf`: a plain Hugging Face safetensors folder (LoRA merged) with a generation
config whose EOS is the chat template's end-of-turn token, and SERVING.md saying which
engines load it and how."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Architectures (config.model_type) that vLLM and TGI both serve natively.
SERVED_ARCHITECTURES = {"llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "gpt2",
                        "gpt_neox", "falcon", "starcoder2"}


def stop_token_ids(model, tokenizer) -> list[int]:
    """Every token that ends a reply: the tokenizer's EOS first, then any the model's
    generation config already lists (e.g. Llama 3's <|eot_id|> and <|end_of_text|>)."""
    ids = [tokenizer.eos_token_id]
    configured = getattr(model.generation_config, "eos_token_id", None) if model.generation_config else None
    for token_id in configured if isinstance(configured, list) else [configured]:
        if token_id is not None and token_id not in ids:
            ids.append(token_id)
    return ids


def set_generation_config(model, tokenizer) -> None:
    from transformers import GenerationConfig

    config = model.generation_config or GenerationConfig()
    stops = stop_token_ids(model, tokenizer)
    config.eos_token_id = stops if len(stops) > 1 else stops[0]
    config.pad_token_id = tokenizer.pad_token_id
    if tokenizer.bos_token_id is not None:
        config.bos_token_id = tokenizer.bos_token_id
    model.generation_config = config


def serving_engines(model) -> list[str]:
    engines = ["transformers"]
    if model.config.model_type in SERVED_ARCHITECTURES:
        engines += ["vllm", "tgi"]
    return engines


def serving_notes(folder_name: str, engines: list[str]) -> str:
    lines = [f"# Serving `{folder_name}`", "",
             "A plain Hugging Face folder (safetensors, tokenizer, chat template, generation_config.json",
             "with the end-of-turn token as EOS). No PEFT or tuneline is needed to load it.", "",
             "| engine | how |", "|---|---|",
             f"| transformers | `AutoModelForCausalLM.from_pretrained('{folder_name}')` |"]
    if "vllm" in engines:
        lines.append(f"| vLLM | `vllm serve ./{folder_name}` (OpenAI-compatible API) |")
    if "tgi" in engines:
        lines.append(f"| TGI | `docker run -v $PWD:/data ghcr.io/huggingface/text-generation-inference "
                     f"--model-id /data/{folder_name}` |")
    if len(engines) == 1:
        lines += ["", "vLLM and TGI are not listed: tuneline does not know that they serve this architecture."]
    return "\n".join(lines) + "\n"


def write_hf_folder(model, tokenizer, folder: Path, output_name: str) -> dict[str, Any]:
    """Save the model in `folder`; returns what the export record should say."""
    from tuneline.io import atomic_write_text

    set_generation_config(model, tokenizer)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    engines = serving_engines(model)
    atomic_write_text(folder / "SERVING.md", serving_notes(output_name, engines))
    return {"engines": engines, "eos_token_ids": stop_token_ids(model, tokenizer)}
