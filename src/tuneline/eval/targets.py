"""What an evaluation compares: named targets ("base", a stage of the run, any model).

A target name is `base` (the pipeline's model), the name of a stage of the run (its
adapter/ or model/), a run directory or stage folder, or a model reference
(`builtin:…`, a local folder, a hub id). Reward models (sequence-classification
artifacts) are judges, not targets: they are left out of the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tuneline.errors import ConfigError


@dataclass(frozen=True)
class Target:
    name: str  # the column header in tables: base, sft, dpo, or the reference given
    reference: str  # what load_for_inference receives


def has_weights(folder: Path) -> bool:
    return (folder / "adapter").is_dir() or (folder / "model").is_dir()


def trained_stages(run_dir: Path, stage_names: list[str]) -> list[str]:
    """Stages (in order) that left a policy (a causal-LM adapter or model)."""
    from tuneline.models.artifacts import artifact_role, folder_artifact

    return [name for name in stage_names
            if has_weights(run_dir / name) and artifact_role(folder_artifact(run_dir / name)) == "policy"]


def default_targets(run_dir: Path, base_reference: str, stage_names: list[str]) -> list[Target]:
    """The base model and every trained stage, in pipeline order."""
    return [Target("base", base_reference)] + [Target(name, str(run_dir / name))
                                               for name in trained_stages(run_dir, stage_names)]


def resolve_target(name: str, run_dir: Path | None, base_reference: str, stage_names: list[str]) -> Target:
    if name == "base":
        return Target("base", base_reference)
    if run_dir is not None and name in stage_names:
        folder = run_dir / name
        if not has_weights(folder):
            raise ConfigError(f"target '{name}' has no trained weights in {folder}",
                              fix="name a stage that trains a model (sft, dpo, …) and runs before the eval stage")
        return Target(name, str(folder))
    if Path(name).exists() or name.startswith("builtin:") or ("/" in name and not name.startswith((".", "/"))):
        return Target(Path(name).name if Path(name).exists() else name, name)
    known = ", ".join(["base", *stage_names]) or "base"
    raise ConfigError(f"unknown evaluation target '{name}'",
                      fix=f"use one of: {known}, a model folder, a run directory, or builtin:NAME")


def final_target(targets: list[Target]) -> Target:
    """The last trained target (the run's result), or the base when nothing was trained."""
    return targets[-1]
