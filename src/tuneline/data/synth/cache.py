"""The per-chunk cache: what the teacher wrote for a chunk is saved as soon as it is done
(one JSON file per chunk, written atomically), so a killed synth resumes where it stopped
and never pays for a finished chunk twice. The file name includes a key of the teacher and
its prompts: a different teacher or prompt writes new pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuneline.io import atomic_write_json


class ChunkCache:
    def __init__(self, folder: str | Path, teacher_key: str):
        self.folder = Path(folder)
        self.teacher_key = teacher_key

    def path(self, chunk_id: str) -> Path:
        return self.folder / f"{chunk_id}.{self.teacher_key}.json"

    def get(self, chunk_id: str) -> dict[str, Any] | None:
        path = self.path(chunk_id)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            return None  # a torn file cannot happen with atomic writes; a hand-edited one is redone

    def put(self, chunk_id: str, value: dict[str, Any]) -> None:
        atomic_write_json(self.path(chunk_id), value)
