"""Which trained weights a command uses.

A stage leaves `adapter/` (PEFT, on the base recorded in `adapter_config.json`) or
`model/` (a full Hugging Face folder). Its *role* is read from the saved config: a causal
LM is a policy (chat, serve, export, eval), a one-output sequence classifier is a reward
model (score), a many-label one a classifier (predict). A run directory stands for its
last stage of the role a command wants; `stage=` names another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tuneline.errors import ModelError

ROLE_NAMES = {"policy": "chat model", "reward": "reward model", "classifier": "classifier",
              "encoder": "encoder without a task head"}
ROLE_COMMANDS = {"policy": "tuneline chat / serve / export / eval", "reward": "tuneline score",
                 "classifier": "tuneline predict", "encoder": "a classify or reward stage"}


@dataclass
class Artifact:
    """What a trained stage left: a full model folder, or an adapter on a base."""

    kind: str  # "adapter" or "model"
    path: Path
    base: str | None = None  # for adapters: the base model path/reference
    stage: str | None = None  # the run's stage it came from, when picked from a run directory


@dataclass
class StageWeights:
    name: str
    role: str
    artifact: Artifact


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / "manifest.json").exists()


def newest_run(folder: str | Path) -> Path | None:
    """The newest run directory inside `folder` (runs/<name>/: run ids sort by start time)."""
    runs = sorted(p for p in Path(folder).glob("*") if is_run_dir(p))
    return runs[-1] if runs else None


def folder_artifact(target: str | Path) -> Artifact:
    """A stage folder, adapter/ or model/ folder → the artifact in it."""
    path = Path(target)
    if (path / "adapter").is_dir():
        path = path / "adapter"
    elif (path / "model").is_dir():
        path = path / "model"
    if (path / "adapter_config.json").exists():
        base = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path")
        return Artifact("adapter", path, base)
    if (path / "config.json").exists():
        return Artifact("model", path)
    raise ModelError(f"no model or adapter found at '{target}'",
                     fix="give a run directory, a stage folder, or a folder with config.json / adapter_config.json")


def artifact_role(artifact: Artifact) -> str:
    """policy, reward, classifier or encoder, from the saved config (never from the folder name)."""
    if artifact.kind == "adapter":
        task = json.loads((artifact.path / "adapter_config.json").read_text()).get("task_type")
        return "classifier" if task == "SEQ_CLS" else "policy"
    config = json.loads((artifact.path / "config.json").read_text())
    architectures = config.get("architectures") or []
    if not architectures:  # an old or hand-written config: taken as the causal LM it usually is
        return "policy"
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "reward" if len(config.get("id2label") or {"0": ""}) == 1 else "classifier"
    if any(a.endswith(("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")) for a in architectures):
        return "policy"
    return "encoder"


def run_weights(run_dir: Path) -> list[StageWeights]:
    """Every stage of a run that left weights, in pipeline order, with its role."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    found = []
    for stage in manifest.get("stages", []):
        folder = run_dir / stage["name"]
        if (folder / "adapter").is_dir() or (folder / "model").is_dir():
            artifact = folder_artifact(folder)
            artifact.stage = stage["name"]
            found.append(StageWeights(stage["name"], artifact_role(artifact), artifact))
    return found


def _a(role: str) -> str:
    name = ROLE_NAMES[role]
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _holdings(weights: list[StageWeights]) -> str:
    return ", ".join(f"{w.name} ({ROLE_NAMES[w.role]})" for w in weights) or "no trained weights yet"


def pick_stage(run_dir: Path, role: str, stage: str | None = None) -> StageWeights:
    """The run's last stage of `role`, or the stage named `stage` (checked to be of `role`)."""
    weights = run_weights(run_dir)
    if stage is not None:
        chosen = next((w for w in weights if w.name == stage), None)
        if chosen is None:
            raise ModelError(f"run {run_dir} has no trained stage '{stage}' (it holds: {_holdings(weights)})",
                             fix="pass --stage with one of the stages listed")
    else:
        matching = [w for w in weights if w.role == role]
        if not matching:
            raise ModelError(f"run {run_dir} holds no {ROLE_NAMES[role]} (it holds: {_holdings(weights)})",
                             fix=_fix_for(weights, role))
        chosen = matching[-1]
    if chosen.role != role:
        raise ModelError(f"stage '{chosen.name}' of {run_dir} is {_a(chosen.role)}, not {_a(role)}",
                         fix=_fix_for(weights, role))
    return chosen


def _fix_for(weights: list[StageWeights], role: str) -> str:
    right = [w.name for w in weights if w.role == role]
    if right:
        return f"pass --stage {' or --stage '.join(right)}"
    roles = dict.fromkeys(w.role for w in weights)
    return "; ".join(f"use {ROLE_COMMANDS[r]} for {_a(r)}" for r in roles) or "run the pipeline first"


def check_stage_needs_run(target: str | Path, stage: str | None) -> None:
    if stage is not None and not is_run_dir(target):
        raise ModelError(f"--stage needs a run directory; '{target}' is not one (it has no manifest.json)",
                         fix="give the run directory, or drop --stage and give the stage folder itself")


def resolve_artifact(target: str | Path, role: str | None = None, stage: str | None = None) -> Artifact:
    """A run directory (its last stage of `role`, or `stage`; runs/<name> means its newest run),
    stage folder, adapter/ or model/ folder → the artifact in it, checked to be of `role`
    (None: any role, any stage)."""
    from tuneline.progress import info

    if not is_run_dir(target) and Path(target).is_dir() and newest_run(target) is not None:
        info(f"{target} holds runs; using the newest, {newest_run(target).name}")
        target = newest_run(target)
    if is_run_dir(target):
        run_dir = Path(target)
        if role is None:
            weights = run_weights(run_dir)
            if not weights:
                raise ModelError(f"run {run_dir} has no stage with a trained model yet", fix="run the pipeline first")
            return weights[-1].artifact
        chosen = pick_stage(run_dir, role, stage)
        others = [w.name for w in run_weights(run_dir) if w.role == role and w.name != chosen.name]
        why = "as asked" if stage else f"the run's last {ROLE_NAMES[role]}"
        info(f"using stage '{chosen.name}' of {run_dir} ({why}"
             + (f"; --stage {' or '.join(others)} picks another)" if others else ")"))
        return chosen.artifact
    check_stage_needs_run(target, stage)
    artifact = folder_artifact(target)
    if role is not None and artifact_role(artifact) != role:
        found = artifact_role(artifact)
        raise ModelError(f"'{target}' is {_a(found)}, not {_a(role)}",
                         fix=f"use {ROLE_COMMANDS[found]} with it, or give the output of a stage that trains "
                             f"{_a(role)}")
    return artifact


def stage_folder(target: str, role: str, stage: str | None = None) -> str:
    """The folder of the stage a command uses when `target` is a run (or runs/<name>); else `target`."""
    if Path(target).is_dir() and (is_run_dir(target) or newest_run(target) is not None):
        return str(resolve_artifact(target, role=role, stage=stage).path.parent)
    check_stage_needs_run(target, stage)
    return target
