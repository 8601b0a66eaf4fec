"""STUDY.yaml → a validated `StudyConfig`, and the grid of cells it asks for.

    name: support-budget
    start: pipeline.yaml            # the common start, run once: model, adapter, datasets, stages (sft, reward…)
    seeds: [1, 2, 3]
    budgets: [2.0e11, 4.0e11]       # FLOPs each method's stage may spend (its ledger's total)
    methods:
      prompted: {prompt: {system: "You answer in two sentences."}}   # no training: the start, prompted
      dpo: {stage: {type: dpo, from: sft, dataset: prefs, max_steps: 1000}}
    search:                         # hyperparameter axes of a method's stage
      dpo: {learning_rate: [5.0e-5, 1.0e-4]}
    sampler: grid                   # grid | random (trials: N) | tpe (Optuna's TPE, trials: N, one after another)
    evaluation: {dataset: prompts, judge: judges.py:helpful, max_prompts: 8}

Each cell (method, hyperparameters, budget, seed) is an ordinary run of the start pipeline
plus the method's stage, named `method`, with `budget: {flops: B}` and `seed: S`.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from tuneline.config.files import line_of, load_yaml_with_lines
from tuneline.config.schema import Strict
from tuneline.errors import ConfigError

METHOD_STAGE = "method"  # the name of a cell's method stage in its run


class PromptArm(Strict):
    """The no-training arm: the start model answering with a system prompt and/or examples."""

    system: str | None = Field(None, description="system message put before every conversation")
    few_shot: list[dict[str, str]] = Field(default_factory=list,
                                           description="[{user: ..., assistant: ...}] turns shown before the question")


class Method(Strict):
    stage: dict[str, Any] | None = Field(None, description="the method's stage, as in a pipeline file (from: a start "
                                                           "stage); its name and budget are set per cell")
    prompt: PromptArm | None = Field(None, description="no training: the start, prompted")

    @model_validator(mode="after")
    def _one_kind(self) -> Method:
        if (self.stage is None) == (self.prompt is None):
            raise ValueError("a method has either `stage:` (a training stage) or `prompt:` (the no-training arm)")
        return self


class Evaluation(Strict):
    dataset: str = Field(..., description="a dataset of the start pipeline: its held-out prompts are answered")
    judge: str = Field(..., description="held-out judge, file.py:function or module:function scoring (prompts, "
                                        "answers); none of the methods should train against it")
    max_prompts: int = Field(16, ge=1, description="held-out prompts each cell answers")
    max_new_tokens: int = Field(64, ge=1, description="longest answer")
    temperature: float = Field(0.7, gt=0, description="sampling temperature of the answers (and of the KL estimate)")
    batch_size: int = Field(8, ge=1, description="answers generated together")


class StudyConfig(Strict):
    name: str = Field(..., description="study name: runs/<name>/ holds start/, cells/ and report/")
    start: str = Field(..., description="the pipeline file of the common start (relative to the study file)")
    seeds: list[int] = Field([1, 2, 3], min_length=1, description="seeds of every method's cells")
    budgets: list[float] = Field(..., min_length=1, description="FLOPs budgets of a method's stage")
    methods: dict[str, Method] = Field(..., min_length=1, description="method name → its stage or prompt")
    search: dict[str, dict[str, list[Any]]] = Field(
        default_factory=dict, description="method → {option: [values]} (grid, random) or {option: [low, high]} "
                                          "(random, tpe: a log-uniform range for positive numbers)")
    sampler: Literal["grid", "random", "tpe"] = Field("grid", description="how hyperparameter settings are drawn")
    trials: int = Field(4, ge=1, description="settings per method for random and tpe")
    evaluation: Evaluation = Field(..., description="the held-out judge and prompts")
    output_dir: str = Field("runs", description="where runs/<name>/ is created, relative to the working directory")
    tracking: dict[str, Any] = Field(default_factory=lambda: {"backend": "mlflow"},
                                     description="the study's report in MLflow: {backend: mlflow|none, uri: ...}")

    @model_validator(mode="after")
    def _search_names_methods(self) -> StudyConfig:
        for method in self.search:
            if method not in self.methods:
                raise ValueError(f"search.{method}: not a method (methods: {', '.join(self.methods)})")
            if self.methods[method].stage is None:
                raise ValueError(f"search.{method}: the prompt arm has no options to search")
        return self


@dataclass(frozen=True)
class Cell:
    method: str  # the method's name, with its setting when searched: dpo[learning_rate=0.0001]
    base_method: str
    setting: tuple[tuple[str, Any], ...]
    budget: float | None  # None: the prompt arm (no training)
    seed: int
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def cell_id(self) -> str:
        setting = "".join(f"-{k}={v}" for k, v in self.setting)
        budget = "none" if self.budget is None else f"{self.budget:.3g}"
        return f"{self.base_method}{setting}__budget={budget}__seed={self.seed}".replace("/", "_")


def load_study(path: str | Path) -> StudyConfig:
    path = Path(path)
    data, lines = load_yaml_with_lines(path)
    try:
        config = StudyConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        line = line_of(lines, location)
        where = f"{path}:{line}" if line else str(path)
        dotted = ".".join(str(p) for p in location)
        raise ConfigError(f"{dotted}: {error['msg']}" if dotted else error["msg"], where=where,
                          fix="see examples/budget/study.yaml and docs/study.md") from None
    config.__dict__["source_path"] = str(path.resolve())
    return config


def settings(config: StudyConfig, method: str) -> list[dict[str, Any]]:
    """Hyperparameter settings of a method for the grid and random samplers (tpe draws its own)."""
    axes = config.search.get(method, {})
    if not axes:
        return [{}]
    names = sorted(axes)
    if config.sampler == "grid":
        return [dict(zip(names, values, strict=True)) for values in itertools.product(*(axes[n] for n in names))]
    rng = random.Random(f"{config.name}/{method}")  # the same draws on every run: a resumed study finds its cells
    return [{n: draw(axes[n], rng) for n in names} for _ in range(config.trials)]


def draw(values: list[Any], rng: random.Random) -> Any:
    """One value: log-uniform in [low, high] for two positive numbers, else one of the listed values."""
    import math

    if len(values) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in values):
        low, high = sorted(values)
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
        return round(value) if all(isinstance(v, int) for v in values) else float(f"{value:.3g}")
    return rng.choice(values)


def make_cell(config: StudyConfig, method: str, setting: dict[str, Any], budget: float | None, seed: int) -> Cell:
    items = tuple(sorted(setting.items()))
    label = method + (f"[{', '.join(f'{k}={v}' for k, v in items)}]" if items else "")
    return Cell(label, method, items, budget, seed, options=dict(setting))


def sequential(config: StudyConfig) -> list[str]:
    """Methods whose settings are drawn one trial after another (TPE): not in `grid`."""
    return sorted(config.search) if config.sampler == "tpe" else []


def grid(config: StudyConfig) -> list[Cell]:
    """Every cell known in advance, seed by seed and budget by budget, so an unfinished study
    has whole comparisons first (TPE-searched methods come after, trial by trial)."""
    cells = []
    for seed in config.seeds:
        for method, spec in config.methods.items():
            if spec.prompt is not None:
                cells.append(make_cell(config, method, {}, None, seed))
        for budget in config.budgets:
            for method, spec in config.methods.items():
                if spec.stage is not None and method not in sequential(config):
                    cells += [make_cell(config, method, s, budget, seed) for s in settings(config, method)]
    return cells


def trial_cells(config: StudyConfig, method: str, setting: dict[str, Any]) -> list[Cell]:
    """The cells of one setting of a method: every budget and seed."""
    return [make_cell(config, method, setting, budget, seed) for seed in config.seeds for budget in config.budgets]
