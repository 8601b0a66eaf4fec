"""`tuneline export`: fold a LoRA adapter into its base and write a plain Hugging Face
safetensors folder (loads with transformers or vLLM, no PEFT needed)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tuneline.errors import ModelError
from tuneline.io import atomic_write_json


def export_merged(target: str | Path, output: str | Path, dtype: str = "float32", base: str | None = None) -> Path:
    """Merge the adapter found at `target` (run dir: its last policy stage; stage folder or
    adapter/) into its base."""
    from peft import PeftModel

    from tuneline.config.schema import ModelConfig
    from tuneline.models.load import load_causal_lm, resolve_artifact

    artifact = resolve_artifact(target, role="policy")
    if artifact.kind != "adapter":
        raise ModelError(f"'{target}' is already a full model; there is no adapter to merge",
                         fix="copy its model/ folder as it is, or point to a LoRA stage")
    base_ref = base or artifact.base
    if not base_ref:
        raise ModelError("the adapter does not name its base model", fix="pass --base MODEL")
    model, tokenizer = load_causal_lm(ModelConfig(ref=base_ref, dtype=dtype))
    merged = PeftModel.from_pretrained(model, str(artifact.path)).merge_and_unload()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        merged.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        atomic_write_json(staging / "tuneline_export.json", {"adapter": str(artifact.path), "base": base_ref,
                                                             "dtype": dtype})
        if output.exists():
            shutil.rmtree(output)
        os.replace(staging, output)  # atomic: a half-written export is never seen
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return output


def greedy_agreement(merged_folder: str | Path, target: str | Path, prompts: list[str],
                     max_new_tokens: int = 24) -> list[bool]:
    """For each prompt, whether the merged model and base + adapter produce the same greedy tokens."""
    from tuneline.data.chat import tokenize_prompt
    from tuneline.models.load import load_for_inference
    from tuneline.progress import bar

    merged, tokenizer = load_for_inference(str(merged_folder))
    adapted, _ = load_for_inference(str(target))
    same = []
    for prompt in bar(prompts, desc="checking merged against adapter", unit="prompt"):
        ids = tokenize_prompt(tokenizer, [{"role": "user", "content": prompt}])
        outputs = []
        for model in (merged, adapted):
            import torch

            with torch.inference_mode():
                generated = model.generate(input_ids=torch.tensor([ids]), max_new_tokens=max_new_tokens,
                                           do_sample=False, pad_token_id=tokenizer.pad_token_id)
            outputs.append(generated[0, len(ids):].tolist())
        same.append(outputs[0] == outputs[1])
    return same
