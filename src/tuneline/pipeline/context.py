"""What a stage receives: its config, its folder, the pipeline, and helpers to reach
datasets, the previous stage's output and the logs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneline.config.schema import PipelineConfig, StageConfig
from tuneline.errors import ConfigError
from tuneline.io import JsonlLog
from tuneline.models.load import Artifact, resolve_artifact


@dataclass
class StageContext:
    pipeline: PipelineConfig
    stage: StageConfig
    run_dir: Path
    resume: bool = False
    tracker: Any = None  # tuneline.track tracker or None
    data: Any = None  # the run's RunData (pipeline/data.py), shared by its stages; made on first use if None

    @property
    def stage_dir(self) -> Path:
        return self.run_dir / self.stage.name

    @property
    def checkpoint_dir(self) -> Path:
        return self.stage_dir / "checkpoints"

    @property
    def seed(self) -> int:
        return self.pipeline.seed

    @property
    def log(self) -> JsonlLog:
        return JsonlLog(self.stage_dir / "log.jsonl")

    def dataset(self, task: str, name: str | None = None, dataset=None):
        """Train/eval splits of a named dataset, converted for `task` (sft, preference, ...),
        as the run loaded them once (pipeline/data.py); `dataset`: the stage's own view of
        it (e.g. with its columns mapped)."""
        from tuneline.pipeline.data import RunData

        name = name or self.stage.dataset
        if name is None:
            raise ConfigError(f"stage '{self.stage.name}' needs a dataset",
                              where=f"stages.{self.stage.name}.dataset", fix="add `dataset: <name from datasets:>`")
        if self.data is None:
            self.data = RunData(self.pipeline, self.run_dir if (self.run_dir / "manifest.json").exists() else None)
        return self.data.splits(name, task, dataset)

    def stage_output(self, name: str) -> Artifact:
        return resolve_artifact(self.run_dir / name)

    def previous_artifact(self) -> Artifact | None:
        """The artifact of the stage named in `from:`, if any."""
        return self.stage_output(self.stage.from_) if self.stage.from_ else None

    def stage_metrics(self, name: str) -> dict[str, Any]:
        path = self.run_dir / name / "metrics.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def load_policy(self, trainable: bool = True):
        """(model, tokenizer): the base, with the adapter of `from:` (continued) or a fresh one."""
        from tuneline.models.load import attach_adapter, load_causal_lm

        previous = self.previous_artifact()
        adapter = self.pipeline.adapter
        if previous is not None and previous.kind == "model":
            model, tokenizer = load_causal_lm(self.pipeline.model.model_copy(update={"ref": str(previous.path)}),
                                              load_in_4bit=adapter.load_in_4bit)
            previous = None
        else:
            model, tokenizer = load_causal_lm(self.pipeline.model, load_in_4bit=adapter.load_in_4bit)
        if trainable:
            model = attach_adapter(model, adapter, init_from=previous.path if previous else None)
        elif previous is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(previous.path))
        return model, tokenizer

    def reference_for(self, policy, choice: str, during_training: bool = True):
        """The reference of an alignment stage whose policy `load_policy` just returned.

        `choice` is the stage's `reference:` (entering: the policy as the stage starts;
        base: the pipeline's model). With `during_training=False` the caller scores the
        reference once before any update, so the entering policy is the policy itself.
        See tuneline.models.reference for how each case is held and what it costs.
        """
        from tuneline.models.reference import Reference, add_reference_adapter, freeze

        previous = self.previous_artifact()
        entering = f"stage '{self.stage.from_}'" if previous is not None else "the base model"
        is_lora = hasattr(policy, "disable_adapter")
        if choice == "base":
            if is_lora and (previous is None or previous.kind == "adapter"):
                return Reference("the base model (adapters off)", adapters_off=True)
            if previous is None and not during_training:
                return Reference("the base model (scored before training)")
            from tuneline.models.load import load_causal_lm

            return Reference("the base model (frozen copy)", frozen_model=freeze(load_causal_lm(self.pipeline.model)[0]))
        if not during_training:
            return Reference(f"{entering} (scored before training)")
        if is_lora and previous is not None and previous.kind == "adapter":
            add_reference_adapter(policy)
            return Reference(f"{entering} (frozen copy of its adapter)", adapter="ref")
        if is_lora:  # a fresh adapter on the entering weights: switching it off gives them back
            return Reference(f"{entering} (adapters off)", adapters_off=True)
        return Reference(f"{entering} (frozen copy)", frozen_model=freeze(self.load_policy(trainable=False)[0]))
