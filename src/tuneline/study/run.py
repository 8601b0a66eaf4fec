"""`tuneline study STUDY.yaml`: the start, then every cell not yet finished, then the report.

A killed study is run again with the same command: finished cells (result.json) are
skipped, an interrupted one resumes from its checkpoint, and the report covers whatever
has finished."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json
from tuneline.progress import info
from tuneline.study import cells as runs
from tuneline.study.config import METHOD_STAGE, Cell, StudyConfig, grid, load_study, sequential, trial_cells
from tuneline.study.evaluate import answer_and_judge, held_out_prompts, load_policy, win_rate
from tuneline.study.search import trial_setting


@dataclass
class StudyOutcome:
    folder: Path
    executed: list[str] = field(default_factory=list)  # cell ids run (or resumed) by this call
    skipped: list[str] = field(default_factory=list)  # cell ids already finished
    pending: list[str] = field(default_factory=list)  # cell ids left for a later call (max_cells)
    report: Path | None = None


def study_folder(config: StudyConfig) -> Path:
    return Path(config.output_dir) / config.name


def _judge(config: StudyConfig):
    from tuneline.rl.rewards import FunctionReward

    return FunctionReward(config.evaluation.judge, [Path(config.__dict__["source_path"]).parent])


def _start_stage(config: StudyConfig, start: dict[str, Any]) -> str | None:
    """The start's stage the methods continue (their `from:`), else its last stage."""
    for method in config.methods.values():
        if method.stage is not None and method.stage.get("from"):
            return method.stage["from"]
    return start["stages"][-1]["name"] if start["stages"] else None


def _start_scores(config: StudyConfig, folder: Path, start: dict[str, Any], prompts, judge, seed: int) -> dict:
    """The start's own answers to the held-out prompts, judged: what win rates compare with."""
    path = folder / "start" / f"eval-seed{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    stage = _start_stage(config, start)
    policy, tokenizer, _ = load_policy(folder / "start", stage, None)
    scored = answer_and_judge(policy, tokenizer, prompts, judge, config.evaluation, seed)
    atomic_write_json(path, scored)
    return scored


def run_cell(config: StudyConfig, folder: Path, start: dict[str, Any], cell: Cell, prompts, judge) -> dict[str, Any]:
    cell_dir = folder / "cells" / cell.cell_id
    start_stage = _start_stage(config, start)
    baseline = _start_scores(config, folder, start, prompts, judge, cell.seed)
    started = time.perf_counter()
    arm = config.methods[cell.base_method].prompt
    result: dict[str, Any] = {"method": cell.method, "base_method": cell.base_method, "setting": dict(cell.setting),
                              "budget": cell.budget, "seed": cell.seed}
    if arm is not None:  # no training: the start answers, prompted
        policy, tokenizer, _ = load_policy(folder / "start", start_stage, None)
        scored = answer_and_judge(policy, tokenizer, prompts, judge, config.evaluation, cell.seed, arm=arm)
        result.update(flops=0.0, steps=0)
    else:
        runs.prepare_run(cell_dir, runs.cell_pipeline(config, start, cell), start_dir=folder / "start")
        runs.run_to_completion(cell_dir)
        metrics = json.loads((cell_dir / METHOD_STAGE / "metrics.json").read_text())
        reference = config.methods[cell.base_method].stage.get("from")
        policy, tokenizer, ref = load_policy(cell_dir, METHOD_STAGE, reference)
        scored = answer_and_judge(policy, tokenizer, prompts, judge, config.evaluation, cell.seed, reference=ref)
        result.update(flops=metrics.get("flops_total", 0.0), flops_cumulative=metrics.get("flops_cumulative", 0.0),
                      steps=metrics.get("steps"), stopped_by_budget=metrics.get("stopped_by_budget"),
                      monitor_flags=metrics.get("monitor_flags", []), train_seconds=metrics.get("train_runtime_s"))
    result.update({k: v for k, v in scored.items() if k != "scores"}, scores=scored["scores"],
                  win_rate_vs_start=win_rate(scored["scores"], baseline["scores"]),
                  cell_seconds=round(time.perf_counter() - started, 1))
    cell_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(cell_dir / "result.json", result)
    return result


def finished_results(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((folder / "cells").glob("*/result.json"))]


def run_study(path: str | Path, max_cells: int | None = None) -> StudyOutcome:
    """Run the study's start and its unfinished cells (at most `max_cells` of them), then
    write the report of every finished cell."""
    config = load_study(path)
    folder = study_folder(config)
    outcome = StudyOutcome(folder)
    start = runs.start_pipeline(config)
    runs.prepare_run(folder / "start", start)
    info(f"study {config.name}: the start ({', '.join(s['name'] for s in start['stages'])}) in {folder / 'start'}")
    runs.run_to_completion(folder / "start")
    prompts = held_out_prompts(start, config.evaluation)
    judge = _judge(config)
    cells = grid(config)
    for cell in cells:
        _run_or_skip(config, folder, start, cell, prompts, judge, outcome, max_cells)
    for method in sequential(config):  # TPE: each trial's setting depends on the trials before it
        for trial in range(config.trials):
            if max_cells is not None and len(outcome.executed) >= max_cells:
                outcome.pending.append(f"{method} trial {trial + 1}")
                continue
            setting = trial_setting(config, method, trial, finished_results(folder), folder)
            for cell in trial_cells(config, method, setting):
                _run_or_skip(config, folder, start, cell, prompts, judge, outcome, max_cells)
    outcome.report = write_study_report(config, folder, pending=len(outcome.pending))
    return outcome


def _run_or_skip(config: StudyConfig, folder: Path, start: dict[str, Any], cell: Cell, prompts, judge,
                 outcome: StudyOutcome, max_cells: int | None) -> None:
    if (folder / "cells" / cell.cell_id / "result.json").exists():
        outcome.skipped.append(cell.cell_id)
        return
    if max_cells is not None and len(outcome.executed) >= max_cells:
        outcome.pending.append(cell.cell_id)
        return
    done = len(outcome.executed) + len(outcome.skipped) + 1
    info(f"── cell {done}: {cell.method}, budget {cell.budget or 0:.3g} FLOPs, seed {cell.seed}")
    result = run_cell(config, folder, start, cell, prompts, judge)
    outcome.executed.append(cell.cell_id)
    info(f"cell {cell.cell_id}: judge score {result['judge_score']:.3f}, win rate vs start "
         f"{result['win_rate_vs_start']:.2f}, {result['flops']:.3g} FLOPs")


def write_study_report(config: StudyConfig, folder: Path, pending: int = 0) -> Path:
    from tuneline.study.report import leader_lines, log_to_mlflow, summarise, write_report
    from tuneline.track.manifest import read_manifest

    results = finished_results(folder)
    summary = summarise(results, config.budgets)
    start_metrics = [s.get("metrics", {}) for s in read_manifest(folder / "start")["stages"]]
    start_cost = sum(m.get("flops_total", 0.0) for m in start_metrics)
    planned = len(grid(config)) + sum(config.trials * len(trial_cells(config, m, {})) for m in sequential(config))
    notes = [f"{len(results)} of {planned} cells finished" +
             (f"; {pending} left: run the same command again to continue" if pending else "")]
    start_scores = [json.loads(p.read_text())["judge_score"] for p in sorted((folder / "start").glob("eval-seed*.json"))]
    report = write_report(folder / "report", config.name, summary, start_cost, notes,
                          statistics.fmean(start_scores) if start_scores else None)
    try:
        log_to_mlflow(config.tracking, config.name, folder / "report", summary)
    except Exception as exc:  # the report on disk is what matters; tracking is best effort
        info(f"MLflow: the study report was not logged ({type(exc).__name__}: {exc})")
    for line in leader_lines(summary):
        info(line)
    info(f"report: {report}")
    return report
