"""Experiment tracking. MLflow (local SQLite store under the runs folder) is on unless the
pipeline says `tracking: {backend: none}`; `open_tracker` returns None when it is off."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_tracker(config: Any, run_dir: Path):
    backend = (config.tracking or {}).get("backend", "mlflow")
    if backend in (None, "none", False):
        return None
    from tuneline.track.backends import make_tracker

    return make_tracker(backend, config, run_dir)
