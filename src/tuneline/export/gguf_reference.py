"""Read GGUF metadata back: to compare an export with the file a builtin model shipped in,
and to learn the pre-tokenizer name of a vocabulary that came from such a file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

# Keys whose values are long arrays: compared by length and content, printed by length.
ARRAY_KEYS = ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Every metadata key of a GGUF file and its value (arrays as lists)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    return {key: field.contents() for key, field in reader.fields.items() if not key.startswith("GGUF.")}


def tensor_types(path: str | Path) -> dict[str, str]:
    from gguf import GGUFReader

    return {tensor.name: tensor.tensor_type.name for tensor in GGUFReader(str(path)).tensors}


@lru_cache(maxsize=4)
def _builtin_vocabularies() -> tuple[tuple[tuple[str, ...], str], ...]:
    from gguf import GGUFReader

    from tuneline.models.registry import builtin_gguf_files

    found = []
    for path in builtin_gguf_files():
        fields = GGUFReader(str(path)).fields
        if "tokenizer.ggml.pre" in fields:
            found.append((tuple(fields["tokenizer.ggml.tokens"].contents()), fields["tokenizer.ggml.pre"].contents()))
    return tuple(found)


def builtin_pre_for(tokens: list[str]) -> str | None:
    """The pre-tokenizer name of the builtin GGUF whose vocabulary is exactly `tokens`."""
    wanted = tuple(tokens)
    return next((pre for vocabulary, pre in _builtin_vocabularies() if vocabulary == wanted), None)


def compare_metadata(exported: dict[str, Any], reference: dict[str, Any], keys: tuple[str, ...]) -> dict[str, bool]:
    """For each key, whether both files hold the same value."""
    return {key: exported.get(key) == reference.get(key) for key in keys}
