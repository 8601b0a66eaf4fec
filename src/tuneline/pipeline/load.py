"""Pipeline file → validated `PipelineConfig`, with errors that name file:line and field."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tuneline.config.files import Location, explain_error, load_mapping, model_at, raise_at
from tuneline.config.references import relative_to
from tuneline.config.schema import PipelineConfig
from tuneline.stages import STAGE_MODULES, contract, stage_module


def _model_at(location: Location, stage_models: dict[int, type[BaseModel]]) -> type[BaseModel] | None:
    if location[:1] == ("stages",) and len(location) >= 2 and isinstance(location[1], int):
        return stage_models.get(location[1])
    return model_at(PipelineConfig, location)


def parse_stage(raw: Any, index: int, path: Path, lines: dict) -> BaseModel:
    location: Location = ("stages", index)
    if not isinstance(raw, dict):
        raise_at(path, lines, location, "a stage must be a mapping", "write `- type: sft` with its options below it")
    stage_type = raw.get("type")
    if stage_type not in STAGE_MODULES:
        close = difflib.get_close_matches(str(stage_type), list(STAGE_MODULES), n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(sorted(STAGE_MODULES))}"
        raise_at(path, lines, location + ("type",), f"unknown stage type '{stage_type}'", fix)
    config_class = stage_module(stage_type).Config
    data = dict(raw)
    data.setdefault("name", stage_type)
    try:
        return config_class.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message, fix = explain_error(error, config_class)
        raise_at(path, lines, location + tuple(error["loc"]), message, fix)


def check_wiring(config: PipelineConfig, path: Path, lines: dict) -> None:
    """Each stage against its contract: no option it would ignore, and a `from:` stage that
    wrote what it can continue."""
    written = {}
    for index, stage in enumerate(config.stages):
        terms = contract(stage.type)
        for option in sorted(terms.unused):
            field = "from_" if option == "from" else option
            if getattr(stage, field) != type(stage).model_fields[field].default:  # the run's resolved file has them all
                raise_at(path, lines, ("stages", index, option), f"a {stage.type} stage does not use `{option}`",
                         "remove it (`tuneline config explain " + stage.type + "` lists the options it reads)")
        if stage.from_ is not None and written.get(stage.from_) not in terms.continues:
            can = " or ".join(f"a {role}" for role in terms.continues) or "nothing"
            raise_at(path, lines, ("stages", index, "from"),
                     f"stage '{stage.from_}' wrote a {written.get(stage.from_)}; a {stage.type} stage continues {can}",
                     "name an earlier stage that trains a chat model (sft, dpo, ...), or remove `from:`")
        dataset = config.datasets.get(stage.dataset) if stage.dataset else None
        for part in (dataset.mix or {stage.dataset: 1}) if dataset is not None else {}:
            writer = config.datasets[part].stage
            if writer is not None and written.get(writer) != "dataset":
                raise_at(path, lines, ("datasets", part, "stage"),
                         f"'{writer}' is not an earlier stage that writes a dataset (stage '{stage.name}' reads it)",
                         "name a constitution or ai_feedback stage that runs before it")
        written[stage.name] = terms.writes


def load_pipeline(path: str | Path) -> PipelineConfig:
    path = Path(path)
    data, lines = load_mapping(path, "the pipeline file (name, model, datasets, stages)",
                               "examples/quickstart/pipeline.yaml")
    raw_stages = data.get("stages") or []
    if not isinstance(raw_stages, list):
        raise_at(path, lines, ("stages",), "stages must be a list", "write each stage as `- type: ...`")
    stages = [parse_stage(raw, i, path, lines) for i, raw in enumerate(raw_stages)]
    stage_models = {i: type(stage) for i, stage in enumerate(stages)}
    try:
        config = PipelineConfig.model_validate({**data, "stages": stages})
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        message, fix = explain_error(error, _model_at(location, stage_models))
        if error["type"] == "value_error":
            # our own cross-reference checks put the field path at the start of the message
            text = str(error.get("ctx", {}).get("error", error["msg"]))
            head, _, rest = text.partition(": ")
            location = tuple(int(p) if p.isdigit() else p for p in head.split("."))
            message, fix = rest, "fix the name, or define what it refers to"
        raise_at(path, lines, location, message, fix)
    check_wiring(config, path, lines)
    # Paths in the file are relative to the file.
    base = path.resolve().parent
    for dataset in config.datasets.values():
        if dataset.stage is None:  # a stage's dataset lies in its folder of the run
            dataset.path = relative_to(base, dataset.path)
        dataset.eval_path = relative_to(base, dataset.eval_path)
    config.model.ref = relative_to(base, config.model.ref)
    for stage in config.stages:  # options that name a file (their Field says so)
        for name, field in type(stage).model_fields.items():
            value = getattr(stage, name)
            if (field.json_schema_extra or {}).get("relative_path") and isinstance(value, str) and value != "default":
                setattr(stage, name, relative_to(base, value))
    config.__dict__["source_path"] = str(path)
    return config
