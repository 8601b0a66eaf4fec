"""`tuneline export`: one entry point for every deployment format.

    hf    merged safetensors folder + generation config + SERVING.md (transformers, vLLM, TGI)
    gguf  one llama.cpp file (f16, q8_0 or q4_0), tokenizer and chat template inside;
          with `ollama`, a Modelfile beside it
    onnx  a `classify` stage's encoder + head for ONNX Runtime, with tokenizer and labels

The output folder is written under a temporary name and renamed when complete; it holds
tuneline_export.json saying what was exported from what, and anything the user must know
(e.g. that a QLoRA adapter was merged into its dequantised base).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.config.references import is_builtin
from tuneline.errors import ModelError, UserError

FORMATS = ("hf", "gguf", "onnx")
RECORD = "tuneline_export.json"


@dataclass
class ExportResult:
    output: Path
    record: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    source: Any = None  # the ExportSource (model in memory) of hf/gguf exports, for checks

    @property
    def gguf_path(self) -> Path | None:
        name = self.record.get("gguf_file")
        return self.output / name if name else None


def export_model(target: str | Path, output: str | Path, fmt: str = "hf", quant: str = "f16",
                 ollama: bool = False, dtype: str = "float32", base: str | None = None) -> ExportResult:
    """Export `target` (builtin:NAME, run directory, stage folder, adapter/ or model/) to `output`."""
    from tuneline.io import atomic_write_json, staged_folder

    _check_options(fmt, ollama)
    output = Path(output)
    if fmt == "onnx":
        with staged_folder(output) as folder:
            record = _export_onnx(target, folder)
            atomic_write_json(folder / RECORD, record)
        return ExportResult(output, record)
    _refuse_classifier(target, fmt)
    from tuneline.export.source import load_export_source

    source = load_export_source(target, dtype=dtype, base=base)
    with staged_folder(output) as folder:
        if fmt == "hf":
            details = _export_hf(source, folder, output.name)
        else:
            details = _export_gguf(source, folder, quant, ollama)
        record = {"format": fmt, **details, "origin": source.origin, "notes": source.notes + details.pop("notes", [])}
        atomic_write_json(folder / RECORD, record)
    return ExportResult(output, record, record["notes"], source)


def _check_options(fmt: str, ollama: bool) -> None:
    if fmt not in FORMATS:
        raise UserError(f"unknown export format '{fmt}'", fix=f"use one of: {', '.join(FORMATS)}")
    if ollama and fmt != "gguf":
        raise UserError("--ollama writes a Modelfile for a GGUF file", fix="add --format gguf")


def _refuse_classifier(target: str | Path, fmt: str) -> None:
    from tuneline.export.onnx_classifier import is_classifier_folder
    from tuneline.models.load import resolve_artifact

    if is_builtin(target):
        return
    artifact = resolve_artifact(target)
    if artifact.kind == "model" and is_classifier_folder(artifact.path):
        raise ModelError(f"'{target}' is a text classifier; --format {fmt} exports chat models",
                         fix="use --format onnx for a classify stage")


def _export_onnx(target: str | Path, folder: Path) -> dict[str, Any]:
    from tuneline.export.onnx_classifier import ONNX_FILE, export_classifier, is_classifier_folder
    from tuneline.models.load import resolve_artifact

    artifact = resolve_artifact(target)
    if artifact.kind != "model" or not is_classifier_folder(artifact.path):
        raise ModelError(f"--format onnx exports text classifiers, and '{target}' is not one",
                         fix="point to a `classify` stage (its run directory, stage folder or model/); "
                             "export chat models with --format gguf or hf")
    details = export_classifier(artifact.path, folder)
    return {"format": "onnx", "onnx_file": ONNX_FILE, **details, "origin": {"model": str(artifact.path.resolve())},
            "runs_with": "onnxruntime (tuneline predict FOLDER INPUT -o OUT.csv)", "notes": []}


def _export_hf(source, folder: Path, output_name: str) -> dict[str, Any]:
    from tuneline.export.hf import write_hf_folder

    return write_hf_folder(source.model, source.tokenizer, folder, output_name)


def _export_gguf(source, folder: Path, quant: str, ollama: bool) -> dict[str, Any]:
    from tuneline.export.gguf_llama import check_llama, write_llama_gguf
    from tuneline.export.gguf_vocab import vocab_from_tokenizer
    from tuneline.export.hf import stop_token_ids

    check_llama(source.model.config)
    vocab = vocab_from_tokenizer(source.tokenizer, source.model.config.vocab_size)
    name = f"model-{quant}.gguf"
    write_llama_gguf(source.model, vocab, folder / name, quant, name=_model_name(source))
    stops = [source.tokenizer.convert_ids_to_tokens(i) for i in stop_token_ids(source.model, source.tokenizer)]
    details = {"gguf_file": name, "quant": quant, "eos_token": vocab.tokens[vocab.eos_id], "stop_tokens": stops,
               "chat_template": bool(vocab.chat_template), "tokenizer_pre": vocab.pre, "notes": vocab.notes}
    if ollama:
        from tuneline.export.ollama import chat_parts, modelfile
        from tuneline.io import atomic_write_text

        atomic_write_text(folder / "Modelfile", modelfile(name, chat_parts(source.tokenizer), stops))
        details["modelfile"] = "Modelfile"
    return details


def _model_name(source) -> str:
    """A readable general.name: the stage (for runs) or the folder / builtin name."""
    path = Path(str(source.origin.get("adapter") or source.origin.get("model")).removeprefix("builtin:"))
    return path.parent.name if path.name in ("adapter", "model") else path.name
