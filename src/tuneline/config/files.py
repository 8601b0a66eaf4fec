"""The one YAML loader: every tuneline file (pipeline, serving, data preparation) is read
here, keeping the line of every key so that an error names file:line, field and fix."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, NoReturn, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from tuneline.errors import ConfigError

Location = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)
_SCALARS = yaml.constructor.SafeConstructor()


def _walk(node: yaml.Node, path: Location, lines: dict[Location, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _walk(value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, path + (i,), lines) for i, item in enumerate(node.value)]
    return _SCALARS.construct_object(node)  # tags were resolved when composing: 3 → int, `key:` → None


def load_yaml_with_lines(path: Path) -> tuple[Any, dict[Location, int]]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}", fix="check the path") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where,
                          fix="check indentation and quoting on that line") from None
    if node is None:
        raise ConfigError("the file is empty", where=str(path), fix="see examples/quickstart/pipeline.yaml")
    lines: dict[Location, int] = {}
    return _walk(node, (), lines), lines


def line_of(lines: dict[Location, int], location: Location) -> int | None:
    """The line of the deepest known prefix of `location`."""
    loc = tuple(location)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _dotted(location: Location) -> str:
    return ".".join(str(part) for part in location)


def explain_error(error: dict, model: type[BaseModel] | None) -> tuple[str, str]:
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
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"])), "fix the value, or see the option's description"
    expected = error["msg"].split(",")[0].lower().replace("input should be ", "").replace("value should be ", "")
    example = ""
    if model is not None and field in model.model_fields:
        default = model.model_fields[field].default
        if default is not None and not callable(default) and repr(default) != "PydanticUndefined":
            example = f", e.g. `{field}: {default}`"
    return f"{field}: {error['msg']} (got {error.get('input')!r})", f"use {expected}{example}"


def raise_at(path: Path, lines: dict, location: Location, message: str, fix: str) -> NoReturn:
    """A ConfigError naming the file, the line of `location` and the field."""
    line = line_of(lines, location)
    where = f"{path}:{line}" if line else str(path)
    if location:
        where += f" ({_dotted(location)})"
    raise ConfigError(message, where=where, fix=fix)


def load_mapping(path: str | Path, what: str, example: str) -> tuple[dict, dict[Location, int]]:
    """A YAML file that must hold a mapping, with the line of every key."""
    path = Path(path)
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{what} must be a mapping of keys", where=str(path), fix=f"see {example}")
    return data, lines


def load_config_file(path: str | Path, model: type[M], what: str, example: str) -> M:
    """Read a YAML file into a pydantic model; an error names file:line, field and fix.
    The one loader of every tuneline YAML file (pipelines, serving, data preparation)."""
    path = Path(path)
    data, lines = load_mapping(path, what, example)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message, fix = explain_error(error, model_at(model, tuple(error["loc"])))
        raise_at(path, lines, tuple(error["loc"]), message, fix)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None


def model_at(model: type[BaseModel], location: Location) -> type[BaseModel]:
    """The nested pydantic model that owns the field at `location` (for "did you mean")."""
    for part in location[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:  # a list index or a key of a dict field
            continue
        nested = _nested_model(field.annotation)
        if nested is None:
            return model
        model = nested
    return model
