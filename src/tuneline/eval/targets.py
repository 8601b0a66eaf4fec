"""What an evaluation compares: named targets ("base", a stage of the run, any model).

A target name is `base` (the pipeline's model), the name of a stage of the run (its
adapter/ or model/), a run directory or stage folder, or a model reference
(`builtin:…`, a local folder, a hub id). Reward models (sequence-classification
artifacts) are judges, not targets: they are left out of the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tuneline.config.references import reference_kind
from tuneline.errors import ConfigError


@dataclass(frozen=True)
class Target:
    name: str  # the column header in tables: base, sft, dpo, or the reference given
    reference: str  # what load_for_inference receives
    previous: str | None = None  # the target this stage continued (its `from:`), if evaluated
    reference_target: str | None = None  # the target whose model is this one's DPO/KL reference


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


def link_stages(targets: list[Target], stages: list[Any], run_dir: Path, base_reference: str) -> tuple[
        list[Target], list[Target]]:
    """Each stage target with the stage it continued and its own reference (the entering
    model, or the base under `reference: base`; see tuneline.models.reference), and the
    targets that are only references (scored for implicit rewards, never compared)."""
    by_name = {stage.name: stage for stage in stages}
    evaluated = {t.name for t in targets}
    linked, references = [], []
    for target in targets:
        stage = by_name.get(target.name)
        if stage is None:
            linked.append(target)
            continue
        previous = stage.from_ if stage.from_ and has_weights(run_dir / stage.from_) else None
        reference = previous if previous and getattr(stage, "reference", "entering") == "entering" else "base"
        linked.append(replace(target, previous=previous if previous in evaluated else None,
                              reference_target=reference))
        if reference not in evaluated and reference not in {r.name for r in references}:
            references.append(Target(reference, base_reference if reference == "base" else str(run_dir / reference)))
    return linked, references


def default_winrate_pairs(targets: list[Target]) -> list[tuple[str, str]]:
    """Each trained target against the stage it continued, then against the base."""
    pairs = []
    names = {t.name for t in targets}
    for target in targets:
        if target.name == "base":
            continue
        if target.previous and target.previous != "base":
            pairs.append((target.name, target.previous))
        if "base" in names:
            pairs.append((target.name, "base"))
    return pairs


def resolve_target(name: str, run_dir: Path | None, base_reference: str, stage_names: list[str]) -> Target:
    if name == "base":
        return Target("base", base_reference)
    if run_dir is not None and name in stage_names:
        folder = run_dir / name
        if not has_weights(folder):
            raise ConfigError(f"target '{name}' has no trained weights in {folder}",
                              fix="name a stage that trains a model (sft, dpo, …) and runs before the eval stage")
        return Target(name, str(folder))
    kind = reference_kind(name)
    if kind in ("local", "builtin") or (kind == "hub" and "/" in name):  # a bare word is more likely a stage name
        return Target(Path(name).name if kind == "local" else name, name)
    known = ", ".join(["base", *stage_names]) or "base"
    raise ConfigError(f"unknown evaluation target '{name}'",
                      fix=f"use one of: {known}, a model folder, a run directory, or builtin:NAME")

