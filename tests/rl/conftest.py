"""A tiny random-weight llama (SmolLM2 tokenizer) on disk and a prompt file, once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_base(tiny_lm_dir) -> Path:
    return tiny_lm_dir


@pytest.fixture(scope="session")
def prompt_file(tmp_path_factory) -> Path:
    topics = ["battery", "charging", "warranty", "colours", "the app", "cleaning", "travel", "noise", "pairing",
              "updates", "night mode", "the strap"]
    path = tmp_path_factory.mktemp("prompts") / "prompts.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"Tell me about the Lumo's {topic}."}) + "\n" for topic in topics))
    return path


@pytest.fixture(autouse=True)
def one_torch_thread():
    """On a shared 2-core machine, OpenMP's spin-waiting makes tiny models ~10× slower with 2
    threads than with 1 when other processes hold the cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
