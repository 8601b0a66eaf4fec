"""The annotation config file (YAML): database, task, guidelines, annotators, overlap."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from tuneline.config.files import load_config_file
from tuneline.config.schema import Strict
from tuneline.data.annotations.urls import database_url
from tuneline.errors import ConfigError

EXAMPLE = "examples/annotate/annotate.yaml"


class AnnotateConfig(Strict):
    database: str = Field("sqlite:///annotations.db", description="SQLAlchemy URL; a relative SQLite path is relative "
                                                                  "to this file; postgresql://user:pw@host/db for a team")
    task: Literal["auto", "pairwise", "ranking", "rating"] = Field(
        "auto", description="what items hold: pairwise (2 answers, with tie and both-bad), ranking (3 or more), "
                            "rating (1 answer scored 1-5 on the rubric); auto: each item by its number of answers")
    guidelines: str = Field("", description="markdown shown beside every item: a file (.md) relative to this file, or the text")
    checklist: list[str] = Field(default_factory=list, description="statements the annotator ticks when they hold")
    rubric: dict[int, str] = Field(default_factory=dict, description="for ratings: what each score 1-5 means")
    annotators: list[str] = Field(default_factory=list, description="annotator names; `annotate admin tokens` gives each a token")
    overlap: int = Field(1, ge=1, description="how many annotators see each item")
    seed: int = Field(0, description="seed of the assignment order and the random left/right order")
    host: str = Field("127.0.0.1", description="address the web app listens on")
    port: int = Field(8100, ge=1, le=65535, description="port the web app listens on")

    @field_validator("annotators")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not name or not name.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"annotator name {name!r} must be letters, digits, - or _")
        if "admin" in names:
            raise ValueError("'admin' is the admin token's name; call the annotator something else")
        if len(set(names)) != len(names):
            raise ValueError("annotator names must be distinct")
        return names

    def guidelines_text(self) -> str:
        return self.__dict__.get("_guidelines_text", self.guidelines)


def load_annotate_config(path: str | Path) -> AnnotateConfig:
    """Read and validate an annotation config; the database and guidelines paths are
    relative to the file."""
    path = Path(path)
    config = load_config_file(path, AnnotateConfig, "an annotation config (database, guidelines, annotators, ...)",
                              EXAMPLE)
    base = path.resolve().parent
    config.database = database_url(config.database, base)
    text = config.guidelines
    if text.endswith(".md") and "\n" not in text:
        file = base / text
        if not file.exists():
            raise ConfigError(f"guidelines file not found: {file}", where=f"{path} (guidelines)",
                              fix="fix the path, or write the guidelines inline")
        text = file.read_text(encoding="utf-8")
    config.__dict__["_guidelines_text"] = text
    return config
