"""Load YAML and remember the line of every key, so that errors can name it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tuneline.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

Location = tuple[Any, ...]


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
    return yaml.safe_load(yaml.serialize(node))  # scalars: reuse the safe resolver


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


def load_config_file(path: Path, model: type[ModelT], what: str, example: str) -> tuple[ModelT, dict[Location, int]]:
    """Validate a YAML mapping file against `model`; the first error names file:line (field).
    `what` says what the mapping holds and `example` where a full example lives."""
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise ConfigError(f"the file must be a mapping ({what})", where=str(path), fix=f"see {example}")
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        line = line_of(lines, location)
        field = ".".join(str(p) for p in location) or "(top level)"
        where = f"{path}:{line} ({field})" if line else f"{path} ({field})"
        fix = "remove or rename the key" if error["type"] == "extra_forbidden" else f"see {example} for every key"
        raise ConfigError(error["msg"].removeprefix("Value error, "), where=where, fix=fix) from None
