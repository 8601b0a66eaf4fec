"""A constitution: principles, each with a critique request, a revision request and the
question a judge answers when it compares two answers under it (Bai et al. 2022, §3)."""

from __future__ import annotations

import random
from pathlib import Path

from pydantic import Field, field_validator

from tuneline.config.files import load_config_file
from tuneline.config.schema import Strict
from tuneline.errors import ConfigError

DEFAULT = Path(__file__).with_name("default_constitution.yaml")


class Principle(Strict):
    name: str = Field(..., description="short name, recorded with every pair it produced")
    critique: str = Field(..., min_length=1, description="asks the model to critique its answer against the principle")
    revision: str = Field(..., min_length=1, description="asks the model to rewrite its answer after the critique")
    compare: str = Field("Which answer follows this principle better?", min_length=1,
                         description="the question a judge answers when it compares two answers under it")


class Constitution(Strict):
    principles: list[Principle] = Field(..., description="at least one principle")

    @field_validator("principles")
    @classmethod
    def _not_empty(cls, principles: list[Principle]) -> list[Principle]:
        if not principles:
            raise ValueError("a constitution needs at least one principle")
        return principles

    def draw(self, rng: random.Random) -> Principle:
        return rng.choice(self.principles)


def load_constitution(source: str | Path | Constitution | None, base: Path | None = None) -> Constitution:
    """`source`: None or "default" (the one tuneline ships), a YAML file (relative to
    `base`), or an inline Constitution."""
    if isinstance(source, Constitution):
        return source
    if source is None or source == "default":
        path = DEFAULT
    else:
        path = Path(source)
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.exists():
            raise ConfigError(f"constitution file not found: {path}", where="constitution",
                              fix="give a YAML file with `principles:`, or `default`")
    return load_config_file(path, Constitution, "a constitution (principles: with critique and revision)",
                            str(DEFAULT))
