"""Model and data references, told apart in one place: `builtin:NAME` (an embedded model),
a local path, or a hub id; and the names of the embedded models every default points to
(models/registry.py says where each one comes from)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

BUILTIN = "builtin:"
CHAT_MODEL = "builtin:smollm2-135m-instruct"  # the embedded chat model: SmolLM2-135M-Instruct
ENCODER = "builtin:minilm-l6"  # the embedded sentence encoder: all-MiniLM-L6-v2

# A name ending like this is a file, never a hub id.
FILE_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt", ".sqlite", ".db", ".yaml", ".yml",
                 ".gguf", ".safetensors", ".md", ".html")


def is_builtin(reference: str | Path | None) -> bool:
    return str(reference or "").startswith(BUILTIN)


def looks_like_path(reference: str) -> bool:
    """Written as a path: ./x, /x, ~/x, a/b/c, or a file name. (A hub id is NAME or ORG/NAME.)"""
    return reference.startswith((".", "/", "~")) or reference.count("/") > 1 or reference.endswith(FILE_SUFFIXES)


def reference_kind(reference: str | Path) -> Literal["builtin", "local", "missing", "hub"]:
    """builtin; local (exists on disk); missing (a path that does not exist); hub (an id)."""
    text = str(reference)
    if is_builtin(text):
        return "builtin"
    if Path(text).expanduser().exists():
        return "local"
    return "missing" if looks_like_path(text) else "hub"


def relative_to(base: Path, value: str | None) -> str | None:
    """`value` as written in a file in `base`: a relative path there becomes base/value (also
    inside a sqlite:/// URL); a builtin, an absolute path, a hub id or another URL stays as it is."""
    if value is None or is_builtin(value) or Path(value).is_absolute():
        return value
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////"):  # an annotation database
        return f"sqlite:///{base / value[len('sqlite:///'):]}"
    if "://" in value:  # another database URL (format: annotations)
        return value
    candidate = base / value
    return str(candidate) if candidate.exists() or looks_like_path(value) else value
