"""Stage `classify`: fine-tune an encoder (BERT family; default builtin:minilm-l6) to
label text, and score it on the held-out split beside two baselines fitted on the same
training split (the majority class and logistic regression on the frozen base encoder's
embeddings) and two zero-shot ones (label names by embedding similarity; a chat model
choosing the label by log-probability). "Beats" a baseline only when McNemar's exact test
on the paired predictions says so (eval/significance.py). Writes model/ (plain transformers, with id2label), report/ (confusion
matrices, per-model metrics, report.md) and predictions.csv.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any, Literal

from pydantic import Field

from tuneline.config.references import CHAT_MODEL, ENCODER
from tuneline.config.schema import TrainingStageConfig
from tuneline.errors import ConfigError, DataError
from tuneline.io import atomic_write_text
from tuneline.progress import info, status
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="fine-tune an encoder to label text, beside majority and frozen-embedding baselines",
    reads="classification",
    writes="classifier",
    # Data parallel: every process trains on its slice of each batch; the first one alone fits
    # the baselines, scores and writes. It restarts rather than resumes (no checkpoints).
    data_parallel=True,
    unused=frozenset({"from", "micro_batch_tokens", "save_steps", "save_total_limit"}),
)




class Config(TrainingStageConfig):
    type: Literal["classify"] = "classify"
    model: str | None = Field(None, description="encoder to fine-tune; default: the pipeline's model if set, "
                                                "else builtin:minilm-l6")
    text_column: str = Field("text", description="column (field) holding the text")
    label_column: str = Field("label", description="column (field) holding the label")
    multi_label: bool = Field(False, description="each text may carry several labels (sigmoid per label)")
    label_separator: str = Field("|", description="multi-label: separator inside a text label cell, e.g. billing|bug")
    threshold: float = Field(0.5, gt=0, lt=1, description="multi-label: a label is predicted at this probability or above")
    class_weights: Literal["none", "balanced"] | dict[str, float] = Field(
        "none", description="none; balanced (n / (classes × count)); or a weight per label name")
    validation_fraction: float = Field(0.1, ge=0, lt=0.5, description="share of training held out for early stopping")
    early_stopping_patience: int | None = Field(
        3, ge=1, description="stop after this many validations without improvement (None: never)")
    max_time_minutes: float | None = Field(None, gt=0, description="training budget; the LR schedule shrinks to fit it")
    head_learning_rate: float | None = Field(None, gt=0, description="learning rate of the fresh head "
                                                                    "(None: 20 × learning_rate)")
    baselines: bool = Field(True, description="fit the majority and frozen-embedding baselines on the same split")
    zero_shot: list[Literal["label_names", "generative"]] = Field(
        ["label_names"], description="zero-shot baselines (single-label): label_names (nearest label-name "
                                     "embedding of the base encoder), generative (zero_shot_model picks a label)")
    zero_shot_model: str = Field(CHAT_MODEL, description="chat model of the generative zero-shot baseline")
    pooling: Literal["auto", "mean", "cls"] = Field(
        "auto", description="what the head reads: mean (the mean of the token vectors, through one appended encoder "
                            "layer, so the model stays plain transformers), cls (the model's own head: the first "
                            "token, through BERT's pooler); auto: mean for encoders trained with mean pooling (a "
                            "sentence-transformers folder that says so, e.g. builtin:minilm-l6), else cls")
    # Defaults that differ from chat-model training:
    learning_rate: float = Field(1e-4, gt=0, description="peak learning rate of the encoder body")
    lr_scheduler: Literal["linear", "cosine", "constant"] = Field("linear", description="decay after warm-up")
    warmup_ratio: float = Field(0.06, ge=0, lt=1, description="share of steps spent warming up")
    epochs: float = Field(5.0, gt=0, description="passes over the training data (early stopping may end sooner)")
    batch_size: int = Field(32, ge=1, description="texts per optimizer step")
    max_length: int = Field(64, ge=8, description="longest text in tokens; longer ones are truncated")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    logging_steps: int = Field(10, ge=1, description="log every N optimizer steps")
    max_eval_examples: int | None = Field(None, ge=1, description="cap on held-out examples scored (None: all)")
    eval_steps: int | None = Field(None, ge=1, description="validate every N steps for early stopping (None: once per epoch)")
    gradient_accumulation_steps: int = Field(1, ge=1, le=1, description="classify takes no accumulation: raise batch_size")
    save_steps: int = Field(25, ge=1, description="unused by classify: a run of minutes restarts rather than resumes")


def planned_weights(pipeline, config: Config):
    """(model reference, adapter, stage continued): what `tuneline validate` shows for this stage."""
    return encoder_reference(pipeline, config), pipeline.adapter, None


def planned_dataset(pipeline, config: Config):
    """(record type, dataset config with the stage's columns mapped) that the stage loads; a
    CSV header without the stage's columns is reported by name here."""
    dataset = pipeline.datasets[config.dataset]
    for path in (dataset.path, dataset.eval_path):
        if path:
            _check_columns(path, config)
    columns = dict(dataset.columns)
    for source, canonical in ((config.text_column, "text"), (config.label_column, "label")):
        if source != canonical:
            columns.setdefault(source, canonical)
    return "classification", dataset.model_copy(update={"columns": columns})


def encoder_reference(pipeline, config: Config) -> str:
    """The stage's model, else the pipeline's model when the user set one, else MiniLM:
    the pipeline default is a chat model, which is not what a classify run means."""
    if config.model:
        return config.model
    if "model" in pipeline.model_fields_set:
        return pipeline.model.ref
    return ENCODER


def load_labelled_splits(ctx, config: Config):
    """(train, eval, load report) as LabelledSplits, with the named columns mapped."""
    from tuneline.data.classification import to_split

    if config.dataset is None:
        raise ConfigError(f"stage '{config.name}' needs a dataset", where=f"stages.{config.name}.dataset",
                          fix="add `dataset: <name from datasets:>`")
    _, dataset = planned_dataset(ctx.pipeline, config)
    splits = ctx.dataset("classification", config.dataset, dataset)
    info(splits.report.summary())
    if not splits.eval:
        raise DataError("no held-out examples to score the classifier on", where=dataset.path,
                        fix="set eval_path, or eval_fraction above 0, on the dataset")
    train = to_split(splits.train, config.multi_label, config.label_separator)
    evaluation = to_split(splits.eval, config.multi_label, config.label_separator)
    return train, evaluation, splits.report


def _check_columns(path: str, config: Config) -> None:
    """CSV/TSV header check, so a misnamed column is reported by name, not as a format puzzle."""
    if not path.endswith((".csv", ".tsv")):
        return
    try:
        with open(path, newline="") as handle:
            header = next(csv.reader(handle, delimiter="\t" if path.endswith(".tsv") else ","), [])
    except OSError:
        return  # the loader reports unreadable files
    for field_name, column in (("text_column", config.text_column), ("label_column", config.label_column)):
        if column not in header:
            raise DataError(f"no column '{column}' in the header ({', '.join(header)})", where=f"{path}:1",
                            fix=f"set {field_name} to one of the columns above")


def class_weight_vector(config: Config, labels: list[str], counts) -> list[float] | None:
    from tuneline.train.classifier_loop import balanced_class_weights

    if config.class_weights == "none":
        return None
    if config.class_weights == "balanced":
        return balanced_class_weights([counts[label] for label in labels])
    unknown = sorted(set(config.class_weights) - set(labels))
    if unknown:
        raise ConfigError(f"class_weights names labels the training data lacks: {', '.join(unknown)}",
                          where=f"stages.{config.name}.class_weights", fix=f"use labels among: {', '.join(labels)}")
    return [float(config.class_weights.get(label, 1.0)) for label in labels]


def _targets(labels: list, label_names: list[str], multi_label: bool) -> list:
    index = {label: i for i, label in enumerate(label_names)}
    if multi_label:
        return [[1.0 if name in set(label_set) else 0.0 for name in label_names] for label_set in labels]
    return [index[label] for label in labels]


def _validation_score(token_lists, labels, label_names, pad_id, config: Config):
    from tuneline.models.classifier import decide_labels, predict_logits, probabilities_from_logits
    from tuneline.runtime import process_rank, sum_over_processes

    rank, world = process_rank()
    token_lists, labels = token_lists[rank::world], labels[rank::world]  # each process scores its share

    def score(model) -> float:
        probabilities = probabilities_from_logits(predict_logits(model, token_lists, pad_id), config.multi_label)
        predicted = decide_labels(probabilities, label_names, config.multi_label, config.threshold)
        # exact-match accuracy; for multi-label, the whole label set must match
        hits = [sorted(p) == sorted(t) if config.multi_label else p == t for p, t in zip(predicted, labels, strict=True)]
        right, seen = sum_over_processes([sum(hits), len(hits)])
        return right / max(1, seen)

    return score


def run(ctx, config: Config) -> dict[str, Any]:
    import torch

    from tuneline.data.classification import carve_validation, check_trainable, drop_unseen_labels, label_counts, subset
    from tuneline.eval.classification import comparison_table, evaluate_predictions
    from tuneline.eval.classification_baselines import frozen_embedding_predictions, majority_predictions
    from tuneline.models.classifier import (
        add_mean_pooling_layer,
        attach_encoder_lora,
        best_device,
        decide_labels,
        load_classifier,
        mean_pooled_embeddings,
        mean_pooling_wanted,
        plain_model,
        predict_logits,
        probabilities_from_logits,
        tokenize_texts,
    )
    from tuneline.models.registry import resolve_model_path
    from tuneline.runtime import barrier, process_rank, use_bf16
    from tuneline.stages.common import save_artifact
    from tuneline.train.budget import BudgetWatch
    from tuneline.train.classifier_loop import LoopSettings, classifier_training_flops, train_classifier
    from tuneline.train.flops import ledger_for

    torch.manual_seed(ctx.seed)
    train_all, evaluation, load_report = load_labelled_splits(ctx, config)
    dataset_path = ctx.pipeline.datasets[config.dataset].path
    counts = label_counts(train_all.labels, config.multi_label)
    check_trainable(counts, dataset_path, config.multi_label)
    label_names = sorted(counts)
    evaluation, unseen = drop_unseen_labels(evaluation, set(label_names), config.multi_label)
    if unseen:
        info(f"note: {sum(unseen.values())} held-out examples carry labels training never saw "
             f"({', '.join(sorted(unseen))}); they are left out of the scores (see eval_unseen_labels)")
    if not evaluation.texts:
        raise DataError("every held-out example has a label the training split lacks", where=dataset_path,
                        fix="hold out examples of the trained classes (check the eval file's label column)")
    if config.max_eval_examples:
        evaluation = subset(evaluation, range(min(len(evaluation.texts), config.max_eval_examples)))
    train_rows, validation_rows = carve_validation(
        train_all.labels, config.validation_fraction if config.early_stopping_patience else 0.0,
        ctx.seed, config.multi_label)
    train, validation = subset(train_all, train_rows), subset(train_all, validation_rows)

    reference = encoder_reference(ctx.pipeline, config)
    with status(f"loading {reference} with a new {len(label_names)}-label head"):
        model, tokenizer = load_classifier(reference, label_names, config.multi_label, config.threshold)
        model.to(best_device())
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    pad_id = tokenizer.pad_token_id
    train_tokens = tokenize_texts(tokenizer, train.texts, config.max_length)
    eval_tokens = tokenize_texts(tokenizer, evaluation.texts, config.max_length)
    predictions: dict[str, list] = {}
    baseline_seconds = 0.0
    first = process_rank()[0] == 0
    if config.baselines and first:
        with status("baselines: majority class, logistic regression on frozen embeddings"):
            started = time.monotonic()
            predictions["majority"] = majority_predictions(train.labels, len(evaluation.texts), config.multi_label)
            # train + validation: the baseline gets every training example the model saw or validated on
            baseline_tokens = tokenize_texts(tokenizer, train_all.texts, config.max_length)
            train_embeddings = mean_pooled_embeddings(model.base_model, baseline_tokens, pad_id)
            eval_embeddings = mean_pooled_embeddings(model.base_model, eval_tokens, pad_id)
            predictions["frozen_embeddings"] = frozen_embedding_predictions(
                train_embeddings, train_all.labels, eval_embeddings, label_names, config.multi_label,
                balanced=config.class_weights == "balanced", seed=ctx.seed)
            baseline_seconds = time.monotonic() - started
    if config.baselines and config.zero_shot and not config.multi_label and first:
        started = time.monotonic()
        predictions.update(zero_shot_predictions(config, model.base_model, tokenizer, evaluation.texts, eval_tokens,
                                                 label_names, pad_id))
        baseline_seconds += time.monotonic() - started
    barrier()  # under data parallelism the other processes wait for the first one's baselines

    # after the baselines, which read the encoder as it came
    pooling = "mean" if mean_pooling_wanted(config.pooling, resolve_model_path(reference), model,
                                            f"stages.{config.name}.pooling") else "cls"
    if pooling == "mean":
        add_mean_pooling_layer(model)
    if ctx.pipeline.adapter.type == "lora":
        model = attach_encoder_lora(model, ctx.pipeline.adapter)
    validate = None
    if validation.texts:
        validate = _validation_score(tokenize_texts(tokenizer, validation.texts, config.max_length),
                                     validation.labels, label_names, pad_id, config)
    settings = LoopSettings(
        learning_rate=config.learning_rate, head_learning_rate=config.head_learning_rate or 20 * config.learning_rate,
        epochs=config.epochs, max_steps=config.max_steps, batch_size=config.batch_size,
        lr_scheduler=config.lr_scheduler, warmup_ratio=config.warmup_ratio, weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm, group_by_length=config.group_by_length is not False,  # auto: on (whole batches)
        logging_steps=config.logging_steps, eval_steps=config.eval_steps,
        early_stopping_patience=config.early_stopping_patience,
        max_time_s=config.max_time_minutes * 60 if config.max_time_minutes else None, seed=ctx.seed,
        bf16=use_bf16(config.precision, best_device()))
    info(f"training on {len(train.texts)} texts, validating on {len(validation.texts)}, "
         f"scoring on {len(evaluation.texts)} held-out ({ctx.pipeline.adapter.type})")
    result = train_classifier(
        model, train_tokens, _targets(train.labels, label_names, config.multi_label), settings, pad_id=pad_id,
        multi_label=config.multi_label, class_weights=class_weight_vector(config, label_names, counts),
        validate=validate, log=ctx.log, watch=BudgetWatch.of(config.budget, ledger_for(ctx)),
        example_flops=classifier_training_flops(model, [len(t) for t in train_tokens],
                                                full_finetune=ctx.pipeline.adapter.type != "lora"))
    model = plain_model(model)
    save_artifact(model, tokenizer, ctx.stage_dir)  # the first process writes it, every process waits
    if not first:
        return {}  # the first process scores the model and writes the reports

    probabilities = probabilities_from_logits(predict_logits(model, eval_tokens, pad_id), config.multi_label)
    predictions = {"fine_tuned": decide_labels(probabilities, label_names, config.multi_label, config.threshold),
                   **predictions}
    report_dir = ctx.stage_dir / "report"
    scores = {name: evaluate_predictions(evaluation.labels, predicted, evaluation.texts, label_names, report_dir,
                                         name, config.multi_label)
              for name, predicted in predictions.items()}
    atomic_write_text(ctx.stage_dir / "predictions.csv", predictions_csv(evaluation, predictions, config.multi_label))
    significance, significance_lines = compare_to_baselines(evaluation.labels, predictions, config.multi_label)
    table = comparison_table(scores) + "\n\n" + "\n".join(significance_lines)
    atomic_write_text(report_dir / "report.md", report_markdown(table, scores["fine_tuned"], result, unseen))
    info(table)

    fine_tuned = scores["fine_tuned"]
    metrics: dict[str, Any] = {key: fine_tuned[key] for key in ("accuracy", "macro_f1", "weighted_f1")}
    for name in BASELINES:
        if name in scores:
            for key in ("accuracy", "macro_f1", "weighted_f1"):
                metrics[f"baseline_{name}_{key}"] = scores[name][key]
    metrics.update(significance)
    metrics.update({
        "labels": len(label_names), "train_examples": len(train.texts), "validation_examples": len(validation.texts),
        "eval_examples": len(evaluation.texts), "eval_unseen_labels": dict(unseen),
        "steps": result.steps, "processes": process_rank()[1], "epochs": result.epochs, "train_loss": result.train_loss,
        "train_runtime_s": round(result.runtime_s, 1), "baseline_runtime_s": round(baseline_seconds, 1),
        **result.compute, **({"stopped_by_budget": result.stopped_by} if result.stopped_by else {}),
        "stopped_reason": result.stopped_reason, "best_step": result.best_step,
        "best_validation_score": result.best_validation_score, "model": reference, "pooling": pooling,
        "adapter": ctx.pipeline.adapter.type, "per_class": fine_tuned["per_class"],
        "worst_confused": fine_tuned.get("worst_confused", []), "data": load_report.to_dict(),
    })
    return metrics


BASELINES = ("majority", "frozen_embeddings", "label_names", "generative")


def zero_shot_predictions(config: Config, encoder, tokenizer, texts, eval_tokens, label_names, pad_id) -> dict:
    """The zero-shot rows: no training example seen, only the label names."""
    from tuneline.eval.classification_baselines import generative_predictions, label_name_predictions, label_text
    from tuneline.models.classifier import mean_pooled_embeddings, tokenize_texts
    from tuneline.models.load import load_causal_lm

    predictions = {}
    if "label_names" in config.zero_shot:
        with status("zero-shot baseline: nearest label-name embedding"):
            names = tokenize_texts(tokenizer, [label_text(label) for label in label_names], config.max_length)
            predictions["label_names"] = label_name_predictions(
                mean_pooled_embeddings(encoder, eval_tokens, pad_id), mean_pooled_embeddings(encoder, names, pad_id),
                label_names)
    if "generative" in config.zero_shot:
        with status(f"zero-shot baseline: {config.zero_shot_model} choosing a label by log-probability"):
            chat_model, chat_tokenizer = load_causal_lm(config.zero_shot_model)
            predictions["generative"] = generative_predictions(chat_model, chat_tokenizer, texts, label_names)
            del chat_model
    return predictions


def compare_to_baselines(true: list, predictions: dict[str, list], multi_label: bool) -> tuple[dict, list[str]]:
    """beats_<baseline> (more right answers AND McNemar p < 0.05) with its p-value, and a
    printed line per baseline."""
    from tuneline.eval.significance import SIGNIFICANCE_LEVEL, significantly_better

    def correct(predicted):
        return [sorted(p) == sorted(t) if multi_label else p == t for p, t in zip(predicted, true, strict=True)]

    tuned = correct(predictions["fine_tuned"])
    metrics, lines = {}, [f"fine_tuned against each baseline, McNemar's exact test (significant at p < "
                          f"{SIGNIFICANCE_LEVEL}); wins = texts only that model gets right:"]
    for name in BASELINES:
        if name not in predictions:
            continue
        beats, test = significantly_better(tuned, correct(predictions[name]))
        metrics[f"beats_{name}"] = beats
        metrics[f"vs_{name}_p_value"] = test["p_value"]
        verdict = "beats it" if beats else "not significantly better"
        lines.append(f"  vs {name}: wins {test['first_only']} to {test['second_only']}, "
                     f"p = {test['p_value']:.3g} → {verdict}")
    return metrics, lines


def predictions_csv(evaluation, predictions: dict[str, list], multi_label: bool) -> str:
    """One row per held-out text: its label and each model's prediction."""
    def cell(value) -> str:
        return "|".join(value) if multi_label else str(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "label", *predictions])
    for row, text in enumerate(evaluation.texts):
        writer.writerow([text, cell(evaluation.labels[row]), *(cell(p[row]) for p in predictions.values())])
    return buffer.getvalue()


def report_markdown(table: str, fine_tuned: dict[str, Any], result, unseen) -> str:
    lines = ["# Classification report", "", "Held-out split; baselines fitted on the same training split.", "",
             "```", table, "```", "",
             f"Training: {result.steps} steps ({result.epochs} epochs) in {result.runtime_s:.0f} s, "
             f"stopped: {result.stopped_reason}; best validation score {result.best_validation_score} "
             f"at step {result.best_step}.", ""]
    if unseen:
        lines += [f"Left out of scoring: {sum(unseen.values())} held-out examples whose labels training never saw "
                  f"({', '.join(f'{k} × {v}' for k, v in sorted(unseen.items()))}).", ""]
    if fine_tuned.get("worst_confused"):
        lines += ["## Worst-confused pairs (fine-tuned model)", ""]
        for pair in fine_tuned["worst_confused"]:
            lines.append(f"- **{pair['true']}** predicted as **{pair['predicted']}**: {pair['count']}")
            lines += [f"  - {text!r}" for text in pair["examples"]]
    lines += ["", "Confusion matrices: `<model>_confusion.png` / `.csv` in this folder."]
    return "\n".join(lines) + "\n"
