"""manifest.json: what ran, on what, from which data, and how each stage ended."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from tuneline.config.schema import PipelineConfig
from tuneline.io import atomic_write_json, file_sha256

LIBRARIES = ["torch", "transformers", "peft", "trl", "accelerate", "datasets", "tuneline"]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git_commit(directory: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _hardware() -> dict[str, Any]:
    import os

    import psutil
    import torch

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cuda": torch.cuda.is_available(),
    }
    if torch.cuda.is_available():
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return info


def new_manifest(config: PipelineConfig, run_id: str, source: Path | None) -> dict[str, Any]:
    data_hashes = {}
    for name, dataset in config.datasets.items():
        if dataset.stage is not None:  # written during the run: data_files has its hash
            continue
        for attr in ("path", "eval_path"):
            value = getattr(dataset, attr)
            if value and Path(value).exists():
                data_hashes[f"{name}.{attr}"] = {"path": value, "sha256": file_sha256(value)}
    return {
        "pipeline": config.name,
        "run_id": run_id,
        "started": now(),
        "finished": None,
        "status": "running",
        "seed": config.seed,
        "versions": _versions(),
        "git_commit": _git_commit(source.parent if source else Path.cwd()),
        "data": data_hashes,
        "hardware": _hardware(),
        "stages": [{"name": s.name, "type": s.type, "status": "pending"} for s in config.stages],
    }


def read_manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "manifest.json").read_text())


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    atomic_write_json(run_dir / "manifest.json", manifest)


def set_stage(run_dir: Path, name: str, **fields: Any) -> None:
    manifest = read_manifest(run_dir)
    for stage in manifest["stages"]:
        if stage["name"] == name:
            stage.update(fields)
    write_manifest(run_dir, manifest)
