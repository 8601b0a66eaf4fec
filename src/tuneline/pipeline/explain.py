"""`tuneline config explain WHAT`: the options of a section or stage type, from the
config models themselves (the field descriptions are the documentation)."""

from __future__ import annotations

import difflib

from pydantic import BaseModel

from tuneline.config import schema
from tuneline.errors import ConfigError
from tuneline.stages import STAGE_MODULES, contract, stage_module

SECTIONS: dict[str, type[BaseModel]] = {
    "pipeline": schema.PipelineConfig,
    "model": schema.ModelConfig,
    "adapter": schema.AdapterConfig,
    "dataset": schema.DatasetConfig,
}


def _default(field) -> str:
    if field.is_required():
        return "(required)"
    if field.default_factory is not None:
        return repr(field.default_factory())
    return repr(field.default)


def overview() -> str:
    """Every section and stage type, one line each: what `tuneline config explain` prints."""
    lines = ["sections (tuneline config explain SECTION):"]
    lines += [f"  {name:<10} {(model.__doc__ or '').strip().splitlines()[0]}" for name, model in SECTIONS.items()]
    lines.append("stage types (tuneline config explain TYPE):")
    lines += [f"  {name:<10} {contract(name).summary}" for name in sorted(STAGE_MODULES)]
    return "\n".join(lines)


def explain(what: str | None = None) -> str:
    if what is None:
        return overview()
    if what in SECTIONS:
        model = SECTIONS[what]
        title = f"section '{what}': {(model.__doc__ or '').strip().splitlines()[0]}"
    elif what in STAGE_MODULES:
        model, title = stage_module(what).Config, f"stage type '{what}': {contract(what).summary}"
    else:
        choices = sorted(SECTIONS) + sorted(STAGE_MODULES)
        close = difflib.get_close_matches(what, choices, n=1)
        raise ConfigError(f"nothing called '{what}' to explain",
                          fix=f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(choices)}")
    lines = [title]
    for name, field in model.model_fields.items():
        key = field.alias or name
        annotation = getattr(field.annotation, "__name__", None) or str(field.annotation).replace("typing.", "")
        lines.append(f"  {key:<28} {annotation:<24} default {_default(field):<16} {field.description or ''}")
    return "\n".join(lines)
