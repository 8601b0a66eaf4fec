"""Run a pipeline's stages in order into a run directory; resume an interrupted run."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import yaml

from tuneline.config.schema import PipelineConfig, dump_resolved
from tuneline.errors import UserError
from tuneline.io import atomic_write_json, atomic_write_text
from tuneline.pipeline.context import StageContext
from tuneline.pipeline.data import DATA_DIR, RunData, check_sources
from tuneline.pipeline.distributed import write_launch_files
from tuneline.pipeline.load import load_pipeline
from tuneline.progress import info
from tuneline.runtime import barrier, start_process_group
from tuneline.stages import stage_module
from tuneline.track import manifest as mf


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def new_run_dir(config: PipelineConfig, output_dir: str | None) -> Path:
    root = Path(output_dir or config.output_dir) / config.name
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = root / stamp
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = root / f"{stamp}-{suffix}"
    run_dir.mkdir(parents=True)
    return run_dir


def start_run(config_path: str | Path, output_dir: str | None = None) -> tuple[PipelineConfig, Path, RunData]:
    from tuneline.pipeline.plan import check_pipeline

    config = load_pipeline(config_path)
    data = RunData(config)
    check_pipeline(config, data=data)  # bad data or model references fail here, before a run directory exists
    run_dir = new_run_dir(config, output_dir)
    atomic_write_text(run_dir / "pipeline.yaml", yaml.safe_dump(dump_resolved(config), sort_keys=False))
    mf.write_manifest(run_dir, mf.new_manifest(config, run_dir.name, Path(config_path)))
    write_launch_files(config, run_dir)  # accelerate_config.yaml, for `accelerate launch --config_file`
    data.attach(run_dir)  # the data validation loaded, saved into the run directory
    return config, run_dir, data


def run_pipeline(config_path: str | Path | None = None, *, resume: str | Path | None = None,
                 output_dir: str | None = None, allow_data_change: bool = False) -> Path:
    """Run (or resume) a pipeline; returns the run directory.

    Under torchrun (or `tuneline run --nproc N`) every process runs this: the first one
    creates the run directory and keeps the manifest and the tracker; stages that train
    data-parallel (their contract says data_parallel) run on every process, the others on the
    first while the rest wait."""
    rank, world = start_process_group()
    config, run_dir, data = _open_shared(config_path, resume, output_dir, rank, world, allow_data_change)
    seed_everything(config.seed)

    from tuneline.track import open_tracker

    manifest = mf.read_manifest(run_dir)
    done = {s["name"] for s in manifest["stages"] if s["status"] == "done"}
    tracker = open_tracker(config, run_dir) if rank == 0 else None
    try:
        for stage in config.stages:
            if stage.name in done:
                info(f"stage {stage.name}: already done, skipped")
                continue
            module = stage_module(stage.type)
            if rank == 0 or module.CONTRACT.data_parallel:
                _run_stage(config, stage, module, run_dir, resume is not None, tracker, rank, data)
            barrier()
    finally:
        if rank == 0:
            _finish(run_dir, config)
        if tracker is not None:
            tracker.close()
    info(f"run finished: {run_dir}")
    return run_dir


def _open_run(config_path: str | Path | None, resume: str | Path | None, output_dir: str | None,
              allow_data_change: bool) -> tuple[PipelineConfig, Path, RunData]:
    if resume is not None:
        run_dir = Path(resume)
        if not (run_dir / "manifest.json").exists():
            raise UserError(f"'{run_dir}' is not a run directory (no manifest.json)",
                            fix="pass the folder printed when the run started, e.g. runs/<name>/<run-id>")
        changed = check_sources(run_dir, allow_data_change)
        for path in changed:
            info(f"warning: {path} changed since the run started; stages read the run's saved copy "
                 f"in {run_dir / DATA_DIR} (--allow-data-change)")
        info(f"resuming run {run_dir}")
        config = load_pipeline(run_dir / "pipeline.yaml")
        return config, run_dir, RunData(config, run_dir)
    config, run_dir, data = start_run(config_path, output_dir)
    info(f"run directory: {run_dir}")
    return config, run_dir, data


def _open_shared(config_path: str | Path | None, resume: str | Path | None, output_dir: str | None, rank: int,
                 world: int, allow_data_change: bool) -> tuple[PipelineConfig, Path, RunData]:
    """The run, opened by the first process (which creates the directory and saves the
    data) and told to the others, which read the saved data."""
    if world == 1:
        return _open_run(config_path, resume, output_dir, allow_data_change)
    import torch.distributed as dist

    if rank == 0:
        try:
            config, run_dir, data = _open_run(config_path, resume, output_dir, allow_data_change)
        except BaseException as exc:
            dist.broadcast_object_list([f"error: {exc}"], src=0)
            raise
        dist.broadcast_object_list([str(run_dir)], src=0)
        return config, run_dir, data
    message: list = [None]
    dist.broadcast_object_list(message, src=0)
    if message[0].startswith("error: "):
        raise UserError(f"the first process could not open the run: {message[0][len('error: '):]}")
    run_dir = Path(message[0])
    config = load_pipeline(run_dir / "pipeline.yaml")
    return config, run_dir, RunData(config, run_dir, writer=False)


def _run_stage(config: PipelineConfig, stage, module, run_dir: Path, resume: bool, tracker, rank: int,
               data: RunData) -> None:
    if rank == 0:
        mf.set_stage(run_dir, stage.name, status="running", started=mf.now())
    context = StageContext(pipeline=config, stage=stage, run_dir=run_dir, resume=resume, tracker=tracker, data=data)
    context.stage_dir.mkdir(parents=True, exist_ok=True)
    info(f"── stage {stage.name} ({stage.type})")
    try:
        metrics = module.run(context, stage) or {}
    except KeyboardInterrupt:
        if rank == 0:
            mf.set_stage(run_dir, stage.name, status="interrupted")
        info(f"interrupted; resume with: tuneline run --resume {run_dir}")
        raise
    except BaseException as exc:
        if rank == 0:
            mf.set_stage(run_dir, stage.name, status="failed", error=str(exc)[:500])
        raise
    if rank != 0:
        return
    atomic_write_json(context.stage_dir / "metrics.json", metrics)
    headline = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
    mf.set_stage(run_dir, stage.name, status="done", finished=mf.now(), metrics=headline)
    for audited, verdict in (metrics.get("safety_gates") or {}).items():  # an eval stage's safety gate
        mf.set_stage(run_dir, audited, safety_gate=verdict)
    if tracker is not None:
        tracker.log_stage(stage.name, metrics, context.stage_dir)


def _finish(run_dir: Path, config: PipelineConfig) -> None:
    """Record the run's final status, then write the reports again so they show it."""
    from tuneline.eval.report import write_run_report

    final = mf.read_manifest(run_dir)
    states = [s["status"] for s in final["stages"]]
    if all(state == "done" for state in states):
        final["status"] = "done"
    elif "interrupted" in states or "failed" in states:
        final["status"] = "interrupted" if "interrupted" in states else "failed"
    final["finished"] = mf.now()
    mf.write_manifest(run_dir, final)
    for stage in config.stages:  # an eval stage's report was written while the run was still going
        if stage.type == "eval" and (run_dir / stage.name / "report.html").exists():
            write_run_report(run_dir, run_dir / stage.name / "report.html")
