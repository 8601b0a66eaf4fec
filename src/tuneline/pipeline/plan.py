"""`tuneline validate`: check a pipeline without training and describe what would run.

`check_pipeline` is also the first thing `tuneline run` does, so a bad dataset or model
reference fails in seconds, before any model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tuneline.config.load import load_pipeline
from tuneline.config.schema import PipelineConfig
from tuneline.models.registry import resolve_model_path
from tuneline.stages import stage_module


@dataclass
class DatasetPlan:
    name: str
    task: str
    train: int
    eval: int
    summary: str
    train_tokens: int | None = None


@dataclass
class Plan:
    config: PipelineConfig
    model_path: str
    datasets: dict[tuple[str, str], DatasetPlan] = field(default_factory=dict)


def data_task(stage) -> str | None:
    """The record type a stage's dataset is converted to (None: the stage reads no dataset)."""
    return getattr(stage_module(stage.type), "DATA_TASK", None)


def check_pipeline(config: PipelineConfig, count_tokens: bool = False) -> Plan:
    from tuneline.data.load import load_splits

    model_path = resolve_model_path(config.model.ref, convert=False)
    plan = Plan(config=config, model_path=model_path)
    tokenizer = None
    for stage in config.stages:
        task = data_task(stage)
        if task is None or stage.dataset is None or (stage.dataset, task) in plan.datasets:
            continue
        splits = load_splits(config.datasets[stage.dataset], task=task, seed=config.seed, name=stage.dataset)
        entry = DatasetPlan(stage.dataset, task, len(splits.train), len(splits.eval), splits.report.summary())
        if count_tokens and task in ("sft", "preference") and Path(model_path).exists():
            tokenizer = tokenizer or _tokenizer(model_path)
            entry.train_tokens = _estimate_tokens(tokenizer, splits.train, task)
        plan.datasets[(stage.dataset, task)] = entry
    return plan


def _tokenizer(path: str):
    from tuneline.models.load import load_tokenizer

    return load_tokenizer(path)


def _estimate_tokens(tokenizer, records, task: str) -> int:
    from tuneline.data.chat import render_prompt

    total = 0
    for record in records:
        messages = record.messages if task == "sft" else record.prompt + record.chosen + record.rejected
        total += len(tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"])
    return total


def describe_plan(path: str | Path) -> str:
    config = load_pipeline(path)
    plan = check_pipeline(config, count_tokens=True)
    lines = [f"pipeline '{config.name}' is valid", f"model: {config.model.ref} → {plan.model_path}",
             f"adapter: {config.adapter.type}" + (f" (r={config.adapter.r}, alpha={config.adapter.alpha})"
                                                  if config.adapter.type == "lora" else ""), "datasets:"]
    for entry in plan.datasets.values():
        tokens = f", ~{entry.train_tokens} training tokens per epoch" if entry.train_tokens else ""
        lines.append(f"  {entry.name} as {entry.task}: {entry.train} train, {entry.eval} held out{tokens}")
        lines.extend("    " + line for line in entry.summary.splitlines())
    lines.append("stages:")
    for i, stage in enumerate(config.stages, 1):
        source = f" from {stage.from_}" if stage.from_ else ""
        dataset = f" on {stage.dataset}" if stage.dataset else ""
        lines.append(f"  {i}. {stage.name} ({stage.type}){dataset}{source}")
    return "\n".join(lines)
