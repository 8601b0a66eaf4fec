"""`--format onnx` for `classify` stages: the encoder and its head as one ONNX graph
(input_ids, attention_mask → logits, batch and length dynamic), beside the tokenizer and
config.json (id2label, multi-label threshold), so `tuneline predict` can run the folder
with ONNX Runtime and no PyTorch model.

The graph is traced with PyTorch's TorchScript-based exporter (`dynamo=False`): the
dynamo exporter needs onnxscript, one more dependency for the same graph.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from tuneline.errors import ModelError

ONNX_FILE = "model.onnx"
OPSET = 17
INPUTS = ("input_ids", "attention_mask")


def is_onnx_export(folder: str | Path) -> bool:
    return (Path(folder) / ONNX_FILE).is_file()


def is_classifier_folder(folder: str | Path) -> bool:
    import json

    config = Path(folder) / "config.json"
    if not config.is_file():
        return False
    architectures = json.loads(config.read_text()).get("architectures") or []
    return any(name.endswith("ForSequenceClassification") for name in architectures)


def export_classifier(source_folder: str | Path, folder: Path) -> dict[str, Any]:
    """Write model.onnx, the tokenizer and config.json of the classifier in `source_folder`."""
    import torch

    from tuneline.models.classifier import load_saved_classifier

    model, tokenizer, labels, multi_label, _ = load_saved_classifier(source_folder)
    example = tokenizer(["an example text", "a second, longer example text to trace with"], padding=True,
                        return_tensors="pt")
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS} | {"logits": {0: "batch"}}
    with torch.inference_mode(), warnings.catch_warnings():
        # The tracer warns about Python branches on shapes (padding, causal flag) that are
        # constant for an encoder; the logit check against PyTorch is what proves the graph.
        warnings.simplefilter("ignore")
        torch.onnx.export(_logits_only(model), tuple(example[name] for name in INPUTS), str(folder / ONNX_FILE),
                          input_names=list(INPUTS), output_names=["logits"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    model.config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return {"labels": labels, "multi_label": multi_label, "opset": OPSET}


def _logits_only(model):
    """The classifier as a module taking two tensors and returning the logits, the
    signature the traced graph gets."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly().eval()


class OnnxClassifier:
    """An exported classifier run with ONNX Runtime on the CPU."""

    def __init__(self, folder: str | Path, threads: int | None = None) -> None:
        import onnxruntime

        from tuneline.models.classifier import classifier_labels
        from tuneline.models.load import load_tokenizer

        if not is_onnx_export(folder):
            raise ModelError(f"no {ONNX_FILE} in '{folder}'", fix="export it with `tuneline export RUN OUT --format onnx`")
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(Path(folder) / ONNX_FILE), options,
                                                    providers=["CPUExecutionProvider"])
        _, self.labels, self.multi_label, self.threshold = classifier_labels(folder)
        self.tokenizer = load_tokenizer(str(folder))

    def score_batch(self, batch: dict):
        feeds = {name: batch[name].numpy() for name in INPUTS}
        return self.session.run(["logits"], feeds)[0]

    def logits(self, token_lists: list[list[int]], batch_size: int = 64):
        from tuneline.models.classifier import batched_logits

        return batched_logits(self.score_batch, token_lists, self.tokenizer.pad_token_id, len(self.labels), batch_size)
