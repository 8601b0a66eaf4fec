"""One place tells model and data references apart, and names the embedded models."""

from __future__ import annotations

import pytest

from tuneline.config.references import CHAT_MODEL, ENCODER, reference_kind, relative_to
from tuneline.models.registry import BUILTINS


def test_the_default_models_are_the_registered_builtins():
    assert {CHAT_MODEL.removeprefix("builtin:"), ENCODER.removeprefix("builtin:")} == set(BUILTINS)


@pytest.mark.parametrize("reference, kind", [
    ("builtin:minilm-l6", "builtin"), ("HuggingFaceTB/SmolLM2-135M-Instruct", "hub"), ("gpt2", "hub"),
    ("./my-model", "missing"), ("runs/quickstart/x", "missing"), ("data.jsonl", "missing"), ("~/nowhere/m", "missing"),
])
def test_reference_kinds(reference, kind):
    assert reference_kind(reference) == kind


def test_paths_in_a_file_are_relative_to_the_file(tmp_path):
    (tmp_path / "chats.jsonl").write_text("")
    assert relative_to(tmp_path, "chats.jsonl") == str(tmp_path / "chats.jsonl")
    assert relative_to(tmp_path, "later/written.sqlite") == str(tmp_path / "later/written.sqlite")
    assert relative_to(tmp_path, "org/model") == "org/model" and relative_to(tmp_path, CHAT_MODEL) == CHAT_MODEL
    assert relative_to(tmp_path, "/abs/x.jsonl") == "/abs/x.jsonl" and relative_to(tmp_path, None) is None
    assert reference_kind(tmp_path / "chats.jsonl") == "local"
