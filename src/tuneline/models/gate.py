"""The safety gate's marker: `safety_gate.json` beside a model artifact (models layer: serve reads it).

Written by the safety audit (tuneline.safety) into a stage's artifact folder; read here,
low in the layers, so that serving can refuse a blocked adapter without importing the
audit. A marker says `verdict: blocked` or `verdict: passed`, why, and the figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json

MARKER = "safety_gate.json"


def write_gate(artifact_folder: str | Path, gate: dict[str, Any]) -> Path:
    path = Path(artifact_folder) / MARKER
    atomic_write_json(path, gate)
    return path


def read_gate(folder: str | Path) -> dict[str, Any] | None:
    """The marker of an artifact folder (adapter/, model/) or of the stage folder holding it."""
    folder = Path(folder)
    for candidate in (folder / MARKER, folder / "adapter" / MARKER, folder / "model" / MARKER):
        if candidate.is_file():
            try:
                gate = json.loads(candidate.read_text())
            except json.JSONDecodeError:  # a damaged marker must not let a model through
                return {"verdict": "blocked", "reasons": [f"{candidate} is not valid JSON"], "path": str(candidate)}
            return {**gate, "path": str(candidate)}
    return None


def blocked_reason(folder: str | Path) -> str | None:
    """One line saying why the artifact at `folder` is blocked; None when it is not."""
    gate = read_gate(folder)
    if gate is None or gate.get("verdict") != "blocked":
        return None
    reasons = "; ".join(gate.get("reasons") or ["no reason recorded"])
    return f"{reasons} (see {gate['path']})"
