"""`tuneline validate`: check a pipeline without training and describe what would run.

`check_pipeline` is also the first thing `tuneline run` does, so a bad dataset or model
reference fails in seconds, before any model is loaded. The plan shows each stage as it
will run: its own model, what it trains, and its data. A stage module may say so itself
with `planned_weights(pipeline, config)` and `planned_dataset(pipeline, config)`;
otherwise it trains the pipeline's adapter on the pipeline's model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.config.schema import AdapterConfig, PipelineConfig
from tuneline.models.registry import resolve_model_path
from tuneline.pipeline.distributed import check_distributed
from tuneline.pipeline.load import load_pipeline
from tuneline.stages import contract, stage_module


@dataclass
class DatasetPlan:
    name: str
    task: str
    train: int
    eval: int
    summary: str
    labels: Counter | None = None  # classification: training examples per label
    records: list = field(default_factory=list, repr=False)  # the training split, for counting tokens
    written_by: str | None = None  # the stage of the run that writes it (nothing to load before the run)

    def line(self, train_tokens: int | None = None) -> str:
        if self.written_by:
            return f"{self.name} as {self.task}: {self.summary}"
        labels = f"{len(self.labels)} labels, " if self.labels else ""
        tokens = f", ~{train_tokens} training tokens per epoch" if train_tokens else ""
        return f"{self.name} as {self.task}: {labels}{self.train} train, {self.eval} held out{tokens}"


@dataclass
class StagePlan:
    stage: Any
    model: str | None = None  # the reference the stage loads; None: it trains no weights
    model_path: str | None = None
    adapter: AdapterConfig | None = None
    continues: str | None = None  # the earlier stage whose weights it starts from
    data: DatasetPlan | None = None
    train_tokens: int | None = None  # chat data: tokens per epoch with this stage's tokenizer


@dataclass
class Plan:
    config: PipelineConfig
    model_path: str
    stages: list[StagePlan] = field(default_factory=list)
    datasets: dict[tuple[str, str], DatasetPlan] = field(default_factory=dict)
    distributed_notes: list[str] = field(default_factory=list)  # what the `distributed:` block will do


def data_task(stage) -> str | None:
    """The record type a stage's dataset is converted to (None: the stage reads no dataset)."""
    if getattr(stage, "reference_answers", False):  # ai_feedback reading the written answers beside the prompts
        return "preference"
    return contract(stage.type).reads


def stage_weights(config: PipelineConfig, stage) -> tuple[str, AdapterConfig, str | None] | None:
    """(model reference, adapter, stage continued) as the stage will use them."""
    if not contract(stage.type).trains:
        return None
    planned = getattr(stage_module(stage.type), "planned_weights", None)
    return planned(config, stage) if planned else (config.model.ref, config.adapter, stage.from_)


def _stage_dataset(config: PipelineConfig, stage):
    planned = getattr(stage_module(stage.type), "planned_dataset", None)
    if stage.dataset is None:
        return None, None
    if planned:
        return planned(config, stage)
    task = data_task(stage)
    return (task, config.datasets[stage.dataset]) if task else (None, None)


def check_pipeline(config: PipelineConfig, count_tokens: bool = False, data=None) -> Plan:
    """The plan of every stage, with its data loaded and validated (through `data`, the
    run's RunData, so a run reads each file once)."""
    from tuneline.pipeline.data import RunData

    data = data or RunData(config)
    plan = Plan(config=config, model_path=resolve_model_path(config.model.ref, convert=False),
                distributed_notes=check_distributed(config))
    for stage in config.stages:
        entry = StagePlan(stage)
        weights = stage_weights(config, stage)
        if weights is not None:
            entry.model, entry.adapter, entry.continues = weights
            entry.model_path = resolve_model_path(entry.model, convert=False)
        task, dataset = _stage_dataset(config, stage)
        if task is not None:
            key = (stage.dataset, task)
            writers = config.written_by(stage.dataset)
            if key not in plan.datasets and writers:  # it does not exist before the run
                source = f"({dataset.path})" if dataset.stage is not None else "(part of this mix)"
                plan.datasets[key] = DatasetPlan(stage.dataset, task, 0, 0, f"written by stage '{writers[0]}' "
                                                 f"{source} during the run", written_by=writers[0])
            if key not in plan.datasets:
                splits = data.splits(stage.dataset, task, dataset)
                plan.datasets[key] = DatasetPlan(stage.dataset, task, len(splits.train), len(splits.eval),
                                                 splits.report.summary(), labels=_labels(splits.train, task),
                                                 records=splits.train)
            entry.data = plan.datasets[key]
        plan.stages.append(entry)
    if count_tokens:
        _count_tokens(plan)
    return plan


def _labels(records: list, task: str) -> Counter | None:
    if task != "classification":
        return None
    return Counter(label for r in records for label in (r.label if isinstance(r.label, list) else [r.label]))


def _count_tokens(plan: Plan) -> None:
    """Training tokens per epoch of chat data, with the tokenizer of the model that trains on it."""
    tokenizers: dict[str, Any] = {}
    counted: dict[tuple[str, str, str], int] = {}
    for entry in plan.stages:
        data = entry.data
        if data is None or data.task not in ("sft", "preference") or entry.model_path is None \
                or not Path(entry.model_path).exists():
            continue
        if entry.model_path not in tokenizers:
            tokenizers[entry.model_path] = _tokenizer(entry.model_path)
        tokenizer = tokenizers[entry.model_path]
        if not getattr(tokenizer, "chat_template", None):  # an encoder reads the pairs without a template
            continue
        key = (data.name, data.task, entry.model_path)
        if key not in counted:
            counted[key] = _estimate_tokens(tokenizer, data.records, data.task)
        entry.train_tokens = counted[key]


def _tokenizer(path: str):
    from tuneline.models.load import load_tokenizer

    return load_tokenizer(path)


def _estimate_tokens(tokenizer, records, task: str) -> int:
    from tuneline.data.chat import render_prompt
    from tuneline.models.load import transformers_errors_only

    total = 0
    with transformers_errors_only():  # "longer than the model's maximum": we only count
        for record in records:
            messages = record.messages if task == "sft" else record.prompt + record.chosen + record.rejected
            total += len(tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"])
    return total


def _adapter_text(adapter: AdapterConfig, continues: str | None) -> str:
    if adapter.type == "full":
        return "every weight (full fine-tuning)" + (f", starting from stage '{continues}'" if continues else "")
    targets = adapter.target_modules if isinstance(adapter.target_modules, str) else ", ".join(adapter.target_modules)
    lora = f"LoRA adapter (r={adapter.r}, alpha={adapter.alpha}, on {targets})"
    return f"the {lora} of stage '{continues}', further" if continues else f"a new {lora}"


def describe_stage(index: int, entry: StagePlan) -> list[str]:
    stage = entry.stage
    dataset = f" on {stage.dataset}" if stage.dataset else ""
    source = f" from {stage.from_}" if stage.from_ else ""
    lines = [f"  {index}. {stage.name} ({stage.type}){dataset}{source}: {contract(stage.type).summary}"]
    if entry.model is not None:
        where = f" ({entry.model_path})" if entry.model_path != entry.model else ""
        lines.append(f"       model: {entry.model}{where}")
        trains = ("the one-score head only, on the frozen backbone's features" if getattr(stage, "freeze_backbone", False)
                  else _adapter_text(entry.adapter, entry.continues))
        lines.append(f"       trains: {trains}")
    if entry.data is not None:
        lines.append(f"       data: {entry.data.line(entry.train_tokens)}")
    return lines


def describe_plan(path: str | Path) -> str:
    config = load_pipeline(path)
    plan = check_pipeline(config, count_tokens=True)
    lines = [f"pipeline '{config.name}' is valid", "stages:"]
    for i, entry in enumerate(plan.stages, 1):
        lines.extend(describe_stage(i, entry))
    distributed = config.distributed
    if distributed.strategy != "ddp" or distributed.processes > 1:
        lines.append(f"distributed: {distributed.strategy}, {distributed.processes} processes "
                     f"(accelerate_config.yaml in the run directory)")
        lines.extend(f"  note: {note}" for note in plan.distributed_notes)
    lines.append("datasets:")
    for entry in plan.datasets.values():
        lines.append(f"  {entry.name} as {entry.task}:")
        lines.extend("    " + line for line in entry.summary.splitlines())
        if entry.labels:
            lines.append("    labels: " + ", ".join(f"{label} {count}" for label, count in entry.labels.most_common()))
    return "\n".join(lines)
