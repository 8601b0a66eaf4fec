"""What gets exported: a plain float model in memory, whatever the user pointed at.

A LoRA adapter (or a run/stage that left one) is merged into its base; an adapter trained
with QLoRA is merged into the dequantised NF4 base it was trained on, and the export says
so. A full model folder or a builtin reference is exported as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.config.references import is_builtin
from tuneline.config.schema import ModelConfig


@dataclass
class ExportSource:
    model: Any  # a plain float transformers model, LoRA merged, no quantisation markers
    tokenizer: Any
    origin: dict[str, Any]  # recorded in tuneline_export.json
    notes: list[str] = field(default_factory=list)  # printed to the user


def load_export_source(target: str | Path, dtype: str = "float32", base: str | None = None) -> ExportSource:
    """Load `target` (builtin:NAME, run directory, stage folder, adapter/ or model/) for export."""
    from tuneline.models.load import load_causal_lm, resolve_artifact

    if is_builtin(target):
        model, tokenizer = load_causal_lm(ModelConfig(ref=str(target), dtype=dtype))
        return ExportSource(model.eval(), tokenizer, {"model": str(target), "merged": False})
    artifact = resolve_artifact(target)
    if artifact.kind == "model":
        model, tokenizer = load_causal_lm(ModelConfig(ref=str(artifact.path), dtype=dtype))
        return ExportSource(model.eval(), tokenizer, {"model": str(artifact.path.resolve()), "merged": False},
                            [f"{artifact.path} is a full model: exported as it is, nothing to merge"])
    return _merged(artifact, dtype, base)


def _merged(artifact, dtype: str, base: str | None) -> ExportSource:
    from peft import PeftModel

    from tuneline.models.load import load_adapter_base

    model, tokenizer, quantization = load_adapter_base(artifact, dtype, base)
    merged = PeftModel.from_pretrained(model, str(artifact.path)).merge_and_unload()
    origin = {"adapter": str(artifact.path.resolve()), "base": base or artifact.base, "merged": True, "dtype": dtype,
              "base_quantization": quantization}
    notes = []
    if quantization:
        notes.append(f"the adapter was trained with QLoRA on a 4-bit ({quantization['quant_type']}) base: "
                     f"merged into that base dequantised to {dtype}, the weights the adapter was trained against")
    return ExportSource(merged.eval(), tokenizer, origin, notes)
