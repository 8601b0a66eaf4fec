"""A study's runs: the common start, run once, and each cell, an ordinary run directory
holding the start's stages (copied, marked done) and the method's stage after them.

    runs/<study>/start/                  the start pipeline's run
    runs/<study>/cells/<cell-id>/        pipeline.yaml, manifest.json, sft/ (copied), method/, result.json

A cell with result.json is finished and never run again; a cell without it is resumed
(`tuneline run --resume` semantics: finished stages are skipped, a stage continues from its
last checkpoint)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tuneline.config.schema import dump_resolved
from tuneline.io import atomic_write_text
from tuneline.pipeline.load import load_pipeline
from tuneline.pipeline.runner import run_pipeline
from tuneline.study.config import METHOD_STAGE, Cell, StudyConfig
from tuneline.track import manifest as mf

FUNCTION_KEYS = ("reward_function",)


def absolute_function(spec: str, base: Path) -> str:
    """`file.py:function` relative to `base` made absolute, so a run directory's copy of the
    pipeline finds it; module:function references are left alone."""
    module, sep, function = spec.rpartition(":")
    if sep and module.endswith(".py") and not Path(module).is_absolute() and (base / module).exists():
        return f"{(base / module).resolve()}:{function}"
    return spec


def absolute_functions(stage: dict[str, Any], base: Path) -> dict[str, Any]:
    stage = dict(stage)
    for key in FUNCTION_KEYS:
        if isinstance(stage.get(key), str):
            stage[key] = absolute_function(stage[key], base)
    if isinstance(stage.get("monitors"), dict) and isinstance(stage["monitors"].get("judge"), str):
        stage["monitors"] = {**stage["monitors"], "judge": absolute_function(stage["monitors"]["judge"], base)}
    return stage


def start_pipeline(config: StudyConfig) -> dict[str, Any]:
    """The start pipeline, resolved (absolute data paths and function files), untracked."""
    study_dir = Path(config.__dict__["source_path"]).parent
    start_path = (study_dir / config.start).resolve()
    resolved = dump_resolved(load_pipeline(start_path))
    resolved["stages"] = [absolute_functions(stage, start_path.parent) for stage in resolved["stages"]]
    return {**resolved, "tracking": {"backend": "none"}}


def cell_pipeline(config: StudyConfig, start: dict[str, Any], cell: Cell) -> dict[str, Any]:
    study_dir = Path(config.__dict__["source_path"]).parent
    stage = absolute_functions(config.methods[cell.base_method].stage or {}, study_dir)
    stage = {**stage, **cell.options, "name": METHOD_STAGE, "budget": {"flops": cell.budget}}
    return {**start, "name": f"{config.name}-cell", "seed": cell.seed, "stages": [*start["stages"], stage]}


def prepare_run(run_dir: Path, pipeline: dict[str, Any], start_dir: Path | None = None) -> None:
    """Create the run directory (once): its pipeline.yaml, manifest and, from `start_dir`,
    the start's stages, copied and marked done. Built in a sibling folder and renamed."""
    if (run_dir / "manifest.json").exists():
        return
    staging = run_dir.with_name(f".{run_dir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    atomic_write_text(staging / "pipeline.yaml", yaml.safe_dump(pipeline, sort_keys=False))
    loaded = load_pipeline(staging / "pipeline.yaml")  # a bad method stage fails here, before any training
    manifest = mf.new_manifest(loaded, run_dir.name, staging / "pipeline.yaml")
    if start_dir is not None:
        start = {s["name"]: s for s in mf.read_manifest(start_dir)["stages"]}
        for entry in manifest["stages"]:
            if entry["name"] in start:
                shutil.copytree(start_dir / entry["name"], staging / entry["name"],
                                ignore=shutil.ignore_patterns("checkpoints"))
                entry.update({k: v for k, v in start[entry["name"]].items() if k != "name"}, copied_from=str(start_dir))
    mf.write_manifest(staging, manifest)
    staging.rename(run_dir)


def run_to_completion(run_dir: Path) -> None:
    """Run (or resume) the run directory's pending stages."""
    manifest = mf.read_manifest(run_dir)
    if all(s["status"] == "done" for s in manifest["stages"]) and manifest["status"] == "done":
        return
    run_pipeline(resume=run_dir)
