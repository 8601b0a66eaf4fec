"""`tuneline data prepare CONFIG`: load → validate → curate → write the curated splits as
canonical JSONL (which `format: auto` reads back) and a report of every filter's effect.

The config file:

    dataset: {path: raw.jsonl, format: auto, eval_fraction: 0.1, on_invalid: drop}
    task: auto                       # or sft, preference, feedback, classification, prompt
    model: builtin:smollm2-135m-instruct   # tokenizer for length statistics (null: skip them)
    max_length: 512
    curation: {near_threshold: 0.6, scrub_pii: true}
    output: prepared/                # relative to the config file
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tuneline.config.references import CHAT_MODEL, relative_to
from tuneline.config.schema import DatasetConfig
from tuneline.data.curation.curate import CurationConfig, CurationResult, curate
from tuneline.data.load import LoadReport, load_splits
from tuneline.data.records import Conversation, Feedback, LabeledText, Preference, Prompt, Record
from tuneline.errors import DataError
from tuneline.io import atomic_write_json, atomic_write_text


class PrepareConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    dataset: DatasetConfig = Field(..., description="the raw dataset, as under `datasets:` in a pipeline")
    task: str = Field("auto", description="what the data is for: auto, sft, preference, feedback, classification, prompt")
    model: str | None = Field(CHAT_MODEL, description="tokenizer for length statistics; null skips them")
    max_length: int = Field(512, ge=8, description="token budget; longer examples are counted as truncated")
    curation: CurationConfig = Field(default_factory=CurationConfig, description="dedupe, filters, PII, leakage")
    output: str = Field("prepared", description="folder for train.jsonl, eval.jsonl and report.json")
    seed: int = Field(42, description="seed of the eval hold-out")


def record_to_row(record: Record) -> dict[str, Any]:
    """A canonical record as a JSON row that `format: auto` loads back into the same record."""
    if isinstance(record, Conversation):
        row: dict[str, Any] = {"messages": record.messages}
    elif isinstance(record, Preference):
        row = {"prompt": record.prompt, "chosen": record.chosen, "rejected": record.rejected}
    elif isinstance(record, Feedback):
        row = {"prompt": record.prompt, "completion": record.completion, "label": record.label}
    elif isinstance(record, LabeledText):
        row = {"text": record.text, "label": record.label}
    elif isinstance(record, Prompt):
        row = {"prompt": record.messages, **record.metadata}
    else:
        raise TypeError(type(record).__name__)
    return {**row, "origin": record.source}


def write_jsonl(path: Path, records: list[Record]) -> None:
    atomic_write_text(path, "".join(json.dumps(record_to_row(r), ensure_ascii=False) + "\n" for r in records))


def read_prepare_config(path: str | Path) -> PrepareConfig:
    from tuneline.config.files import load_config_file

    path = Path(path)
    config = load_config_file(path, PrepareConfig, "the prepare file (dataset, task, curation, output)",
                              "`tuneline data prepare --help`")
    base = path.resolve().parent
    config.dataset.path = relative_to(base, config.dataset.path)
    config.dataset.eval_path = relative_to(base, config.dataset.eval_path)
    if not Path(config.output).is_absolute():
        config.output = str(base / config.output)
    return config


@dataclass
class PrepareResult:
    output: Path
    load: LoadReport
    curation: CurationResult
    lengths: dict[str, Any] | None

    def summary(self) -> str:
        lines = [self.load.summary(), "", "curation (each filter's effect):"]
        for effect in self.curation.effects:
            notes = ", ".join(f"{k} {v}" for k, v in effect.notes.items())
            lines.append(f"  {effect.name:<32} removed {effect.removed:>6}  changed {effect.changed:>6}"
                         + (f"  ({notes})" if notes else ""))
            lines += [f"      e.g. {example}" for example in effect.examples[:2]]
        lines.append(f"written: {self.output / 'train.jsonl'} ({len(self.curation.train)} records), "
                     f"{self.output / 'eval.jsonl'} ({len(self.curation.eval)} records)")
        if self.lengths and self.lengths.get("warning"):
            lines.append(f"warning: {self.lengths['warning']}")
        return "\n".join(lines)


def prepare_dataset(config: PrepareConfig, tokenizer=None) -> PrepareResult:
    """Run the whole preparation and write its outputs; `tokenizer` (that of `config.model`)
    gives the length statistics."""
    # Curate once, here, with the prepare file's settings (or the dataset's own, if it has them).
    curation = config.curation if "curation" in config.model_fields_set or config.dataset.curation is None \
        else config.dataset.curation
    splits = load_splits(config.dataset.model_copy(update={"curation": None}), task=config.task, seed=config.seed)
    result = curate(splits.train, splits.eval, curation)
    lengths = None
    if tokenizer is not None and result.train:
        from tuneline.data.stats import length_stats

        lengths = length_stats(result.train, tokenizer, max_length=config.max_length).to_dict()
    output = Path(config.output)
    write_jsonl(output / "train.jsonl", result.train)
    write_jsonl(output / "eval.jsonl", result.eval)
    prepared = PrepareResult(output, splits.report, result, lengths)
    atomic_write_json(output / "report.json", {
        "load": splits.report.to_dict(), "curation": result.to_dict(), "lengths": lengths,
        "config": config.model_dump(mode="json")})
    atomic_write_text(output / "report.txt", prepared.summary() + "\n")
    if not result.train:
        worst = max(result.effects, key=lambda effect: effect.removed)
        raise DataError(f"curation left no training records ('{worst.name}' removed {worst.removed})",
                        where=str(output / "report.txt"),
                        fix="loosen that filter in `curation:` (e.g. a higher near_threshold, or leakage: report)")
    return prepared

