"""Lineage from run directories alone: what ran, on which data and versions, and how it went.

`tuneline runs list` and `tuneline runs show` read manifest.json and pipeline.yaml; no
tracking server is involved, so this works on any copy of a runs folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tuneline.errors import UserError


def find_runs(root: str | Path) -> list[Path]:
    """Run directories under `root` (runs/<pipeline>/<run-id>/), oldest first."""
    root = Path(root)
    runs = [p.parent for p in root.glob("*/*/manifest.json")] + [p.parent for p in root.glob("*/manifest.json")]
    return sorted(set(runs), key=lambda p: (json.loads((p / "manifest.json").read_text()).get("started") or "", str(p)))


def headline(stage: dict[str, Any], limit: int = 3) -> str:
    """A stage's few most telling numbers (held-out metrics first)."""
    metrics = stage.get("metrics") or {}
    preferred = [k for k in metrics if k in ("loss", "eval_loss", "preference_accuracy", "pairwise_accuracy",
                                             "accuracy", "macro_f1", "train_loss", "reward_margin")]
    keys = preferred + [k for k in metrics if k not in preferred]
    return ", ".join(f"{k}={metrics[k]:.4g}" if isinstance(metrics[k], float) else f"{k}={metrics[k]}"
                     for k in keys[:limit])


def list_runs_text(root: str | Path) -> str:
    runs = find_runs(root)
    if not runs:
        return f"no runs under {root}/ (start one with: tuneline run PIPELINE.yaml)"
    lines = []
    for run in runs:
        manifest = json.loads((run / "manifest.json").read_text())
        stages = " → ".join(f"{s['name']}({s['status']})" for s in manifest.get("stages", []))
        lines.append(f"{run}  {manifest.get('status', '?'):<11} {manifest.get('started', '')}  {stages}")
    return "\n".join(lines)


def show_run_text(run_dir: str | Path) -> str:
    run = Path(run_dir)
    if not (run / "manifest.json").exists():
        raise UserError(f"'{run}' is not a run directory (no manifest.json)",
                        fix="pass a folder listed by `tuneline runs list`")
    manifest = json.loads((run / "manifest.json").read_text())
    lines = [f"run       {run}", f"pipeline  {manifest.get('pipeline')}   status {manifest.get('status')}",
             f"started   {manifest.get('started')}   finished {manifest.get('finished')}",
             f"seed      {manifest.get('seed')}   git {manifest.get('git_commit') or 'n/a'}"]
    config = yaml.safe_load((run / "pipeline.yaml").read_text()) if (run / "pipeline.yaml").exists() else {}
    if config:
        lines.append(f"model     {config.get('model', {}).get('ref')}   adapter {config.get('adapter', {}).get('type')}")
    versions = manifest.get("versions", {})
    lines.append("versions  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    lines.append("data")
    for name, entry in (manifest.get("data") or {}).items():
        lines.append(f"  {name:<24} sha256 {entry['sha256'][:16]}…  {entry['path']}")
    lines.append("stages")
    for stage in manifest.get("stages", []):
        lines.append(f"  {stage['name']:<12} {stage.get('type', ''):<9} {stage['status']:<11} {headline(stage, 6)}")
        if stage.get("error"):
            lines.append(f"      error: {stage['error']}")
    tracking = run / "tracking.json"
    if tracking.exists():
        saved = json.loads(tracking.read_text())
        lines.append(f"tracking  {saved.get('backend')} run {saved.get('run_id')} {saved.get('uri', '')}")
    for report in (run / "report.html", *sorted(run.glob("*/report.html"))):
        if report.exists():
            lines.append(f"report    {report}")
    return "\n".join(lines)
