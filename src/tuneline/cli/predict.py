"""`tuneline predict MODEL INPUT -o OUT.csv`: label a file of texts with a trained classifier.

The output keeps the input's columns and adds `predicted_label` and one `prob_<label>`
column per class (softmax, or per-label sigmoid for multi-label models).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tuneline.cli.options import add_stage_option
from tuneline.errors import DataError, ModelError


def register(subparsers) -> None:
    predict = subparsers.add_parser(
        "predict", help="label a CSV/TSV/JSONL file with a trained classifier",
        description="Batch inference with a `classify` stage's model: writes the input rows plus "
                    "predicted_label and per-class probabilities (prob_<label>).")
    predict.add_argument("model", help="run directory (its last classifier), classify stage folder, model folder, "
                                       "or a folder from `tuneline export --format onnx` (runs with ONNX Runtime)")
    add_stage_option(predict, "classify")
    predict.add_argument("input", help="CSV, TSV or JSONL file with a text column")
    predict.add_argument("-o", "--output", required=True, help="CSV file to write")
    predict.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    predict.add_argument("--batch-size", type=int, default=64)
    predict.add_argument("--max-length", type=int, default=128, help="longest text in tokens (truncated beyond)")
    predict.add_argument("--threshold", type=float, help="multi-label cut-off (default: the one the model was trained with)")
    predict.set_defaults(handler=_predict)


def read_table(path: str | Path):
    """A pandas DataFrame of the input, every cell as text."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"input file '{path}' does not exist", fix="check the path")
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".json"):
            return pd.read_json(path, lines=suffix == ".jsonl", dtype=False)
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)
    except ValueError as exc:  # pandas' parse errors derive from ValueError
        raise DataError(f"cannot read '{path}': {exc}", where=str(path),
                        fix="give a CSV or TSV with a header row, or JSON lines") from None


def classifier_folder(target: str, stage: str | None = None) -> Path:
    from tuneline.models.artifacts import resolve_artifact

    artifact = resolve_artifact(target, role="classifier", stage=stage)
    if artifact.kind != "model":
        raise ModelError(f"'{target}' holds an adapter, not a classifier model folder",
                         fix="give the output of a `classify` stage (it saves model/)")
    return artifact.path


def predict_file(model_target: str, input_path: str, output_path: str, text_column: str = "text",
                 batch_size: int = 64, max_length: int = 128, threshold: float | None = None,
                 stage: str | None = None) -> int:
    """Label every row of `input_path`; returns the number of rows written."""
    from tuneline.export.onnx_classifier import OnnxClassifier, is_onnx_export
    from tuneline.io import atomic_write_text
    from tuneline.models.classifier import (
        decide_labels,
        load_saved_classifier,
        predict_logits,
        probabilities_from_logits,
        tokenize_texts,
    )

    table = read_table(input_path)
    if text_column not in table.columns:
        raise DataError(f"no column '{text_column}' (columns: {', '.join(map(str, table.columns))})",
                        where=f"{input_path}:1", fix="name the text column with --text-column")
    texts = ["" if value is None else str(value) for value in table[text_column].tolist()]
    empty = [row for row, text in enumerate(texts) if not text.strip()]
    if empty:
        line = empty[0] + 2  # header is line 1
        raise DataError(f"{len(empty)} rows have an empty text", where=f"{input_path}:{line}",
                        fix="fill in or remove rows without text")
    folder = classifier_folder(model_target, stage)
    if is_onnx_export(folder):  # an `export --format onnx` folder: ONNX Runtime, no PyTorch model
        runner = OnnxClassifier(folder)
        tokenizer, labels, multi_label, trained_threshold = (runner.tokenizer, runner.labels, runner.multi_label,
                                                             runner.threshold)
        tokens = tokenize_texts(tokenizer, texts, max_length)
        logits = runner.logits(tokens, batch_size)
    else:
        model, tokenizer, labels, multi_label, trained_threshold = load_saved_classifier(folder)
        tokens = tokenize_texts(tokenizer, texts, max_length)
        logits = predict_logits(model, tokens, tokenizer.pad_token_id, batch_size)
    probabilities = probabilities_from_logits(logits, multi_label)
    chosen = decide_labels(probabilities, labels, multi_label, trained_threshold if threshold is None else threshold)
    table["predicted_label"] = ["|".join(c) for c in chosen] if multi_label else chosen
    for column, label in enumerate(labels):
        table[f"prob_{label}"] = probabilities[:, column].round(6)
    atomic_write_text(output_path, table.to_csv(index=False))
    return len(table)


def _predict(args: argparse.Namespace) -> int:
    rows = predict_file(args.model, args.input, args.output, args.text_column, args.batch_size, args.max_length,
                        args.threshold, args.stage)
    print(f"wrote {rows} predictions to {args.output}")
    return 0
