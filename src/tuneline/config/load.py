"""Pipeline file → validated `PipelineConfig`, with errors that name file:line and field."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tuneline.config.schema import PipelineConfig
from tuneline.config.yaml_lines import Location, line_of, load_yaml_with_lines
from tuneline.errors import ConfigError
from tuneline.stages import STAGE_MODULES, stage_module


def _dotted(location: Location) -> str:
    return ".".join(str(part) for part in location)


def _explain(error: dict, model: type[BaseModel] | None) -> tuple[str, str]:
    """Message and fix for one pydantic error."""
    kind, loc = error["type"], error["loc"]
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        known = list(model.model_fields) if model is not None else []
        aliases = [f.alias for f in model.model_fields.values() if f.alias] if model is not None else []
        close = difflib.get_close_matches(field, known + aliases, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(set(known + aliases) - {'from_'}))}"
        return f"unknown key '{field}'", hint
    if kind == "missing":
        return f"required key '{field}' is missing", f"add '{field}:'"
    expected = error["msg"].split(",")[0].lower().replace("input should be ", "").replace("value should be ", "")
    example = ""
    if model is not None and field in model.model_fields:
        default = model.model_fields[field].default
        if default is not None and not callable(default) and repr(default) != "PydanticUndefined":
            example = f", e.g. `{field}: {default}`"
    return f"{field}: {error['msg']} (got {error.get('input')!r})", f"use {expected}{example}"


def _model_at(location: Location, stage_models: dict[int, type[BaseModel]]) -> type[BaseModel] | None:
    from tuneline.config import schema

    if location[:1] == ("stages",) and len(location) >= 2 and isinstance(location[1], int):
        return stage_models.get(location[1])
    nested = {"model": schema.ModelConfig, "adapter": schema.AdapterConfig}
    if location[:1] == ("datasets",) and len(location) >= 3:
        return schema.DatasetConfig
    if location[:1] and location[0] in nested and len(location) >= 2:
        return nested[location[0]]
    return PipelineConfig


def _raise(path: Path, lines: dict, location: Location, message: str, fix: str) -> None:
    line = line_of(lines, location)
    where = f"{path}:{line}" if line else str(path)
    if location:
        where += f" ({_dotted(location)})"
    raise ConfigError(message, where=where, fix=fix)


def parse_stage(raw: Any, index: int, path: Path, lines: dict) -> BaseModel:
    location: Location = ("stages", index)
    if not isinstance(raw, dict):
        _raise(path, lines, location, "a stage must be a mapping", "write `- type: sft` with its options below it")
    stage_type = raw.get("type")
    if stage_type not in STAGE_MODULES:
        close = difflib.get_close_matches(str(stage_type), list(STAGE_MODULES), n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(sorted(STAGE_MODULES))}"
        _raise(path, lines, location + ("type",), f"unknown stage type '{stage_type}'", fix)
    config_class = stage_module(stage_type).Config
    data = dict(raw)
    data.setdefault("name", stage_type)
    try:
        return config_class.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message, fix = _explain(error, config_class)
        _raise(path, lines, location + tuple(error["loc"]), message, fix)
    raise AssertionError("unreachable")


def load_pipeline(path: str | Path) -> PipelineConfig:
    path = Path(path)
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise ConfigError("the pipeline file must be a mapping of keys (name, model, datasets, stages)",
                          where=str(path), fix="see examples/quickstart/pipeline.yaml")
    raw_stages = data.get("stages") or []
    if not isinstance(raw_stages, list):
        _raise(path, lines, ("stages",), "stages must be a list", "write each stage as `- type: ...`")
    stages = [parse_stage(raw, i, path, lines) for i, raw in enumerate(raw_stages)]
    stage_models = {i: type(stage) for i, stage in enumerate(stages)}
    try:
        config = PipelineConfig.model_validate({**data, "stages": stages})
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        message, fix = _explain(error, _model_at(location, stage_models))
        if error["type"] == "value_error":
            # our own cross-reference checks put the field path at the start of the message
            text = str(error.get("ctx", {}).get("error", error["msg"]))
            head, _, rest = text.partition(": ")
            location = tuple(int(p) if p.isdigit() else p for p in head.split("."))
            message, fix = rest, "fix the name, or define what it refers to"
        _raise(path, lines, location, message, fix)
    # Paths in the file are relative to the file.
    base = path.resolve().parent
    for dataset in config.datasets.values():
        for attr in ("path", "eval_path"):
            value = getattr(dataset, attr)
            if value and value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
                setattr(dataset, attr, f"sqlite:///{base / value[len('sqlite:///'):]}")  # an annotation database
            elif value and "://" in value:
                continue  # a database URL (format: annotations)
            elif value and not Path(value).is_absolute() and (base / value).exists():
                setattr(dataset, attr, str(base / value))
            elif value and not Path(value).is_absolute() and ("/" in value or "." in Path(value).name) and attr == "path":
                setattr(dataset, attr, str(base / value))
    if not Path(config.model.ref).is_absolute() and not config.model.ref.startswith("builtin:") and (base / config.model.ref).exists():
        config.model.ref = str(base / config.model.ref)
    config.__dict__["source_path"] = str(path)
    return config


def dump_resolved(config: PipelineConfig) -> dict[str, Any]:
    """The config with every default filled in, as written to the run directory."""
    out = config.model_dump(mode="json", by_alias=True)
    out["stages"] = [stage.model_dump(mode="json", by_alias=True) for stage in config.stages]
    return out
