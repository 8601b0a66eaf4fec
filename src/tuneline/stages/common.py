"""Mechanics every gradient stage shares: saving the trained artifact atomically and
summarising the training loop's result."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from tuneline.runtime import barrier, process_rank


def save_artifact(model, tokenizer, stage_dir: Path) -> Path:
    """Write adapter/ (PEFT) or model/ (full HF folder) under a temporary name, then rename.
    Under data parallelism the first process writes and every process waits for it, so a
    later stage on any process finds the artifact whole."""
    kind = "adapter" if hasattr(model, "peft_config") else "model"
    target = stage_dir / kind
    if process_rank()[0] == 0:
        _write_artifact(model, tokenizer, stage_dir, kind, target)
    barrier()
    return target


def _write_artifact(model, tokenizer, stage_dir: Path, kind: str, target: Path) -> None:
    from tuneline.models.quant import write_quantization_note

    staging = stage_dir / f".{kind}.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    if kind == "adapter":  # the trained adapter only, never the frozen reference copy beside it
        model.save_pretrained(staging, safe_serialization=True, selected_adapters=[model.active_adapter])
    else:
        model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    write_quantization_note(model, staging)  # a QLoRA adapter says its base was NF4
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def finish_training(stage_dir: Path) -> None:
    """The artifact is written: the stage's checkpoints are no longer needed."""
    if process_rank()[0] == 0:
        shutil.rmtree(stage_dir / "checkpoints", ignore_errors=True)


def loop_metrics(result) -> dict[str, Any]:
    return {
        "train_loss": result.train_loss,
        "trainable_sha256": result.trainable_sha256,
        "processes": result.processes,
        "steps": result.steps,
        "train_runtime_s": round(result.runtime_s, 2),
        "tokens_per_second": round(result.tokens_per_second, 2),
        "mfu": result.mfu,
        **result.compute,
        **({"stopped_by_budget": result.stopped_by} if result.stopped_by else {}),
    }


def tokenize_records(records, tokenize, desc: str = "tokenizing") -> list:
    """Apply `tokenize` to each record; a record the chat template cannot render stops the
    stage with its file:line instead of a Jinja traceback mid-training."""
    from jinja2 import TemplateError

    from tuneline.errors import DataError
    from tuneline.progress import bar

    out = []
    for record in bar(records, desc=desc, unit="ex"):
        try:
            out.append(tokenize(record))
        except TemplateError as exc:
            raise DataError(f"the model's chat template cannot render this record: {exc}", where=record.source,
                            fix="fix or remove the record, or set on_invalid: drop on the dataset") from None
    return out
