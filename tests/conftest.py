"""Fixtures shared by the whole suite: a tiny random-weight causal LM on disk (with the
real SmolLM2 tokenizer and chat template), a tiny BERT (with the MiniLM tokenizer), and
the quickstart's data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test` runs one worker per core: one thread each, not two
    os.environ["OMP_NUM_THREADS"] = "1"  # read by torch here and by every process a test starts

from support.models import write_tiny_causal_lm, write_tiny_encoder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "examples" / "quickstart"


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    return write_tiny_encoder(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory) -> Path:
    return write_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def smollm_tokenizer():
    from transformers import AutoTokenizer

    from tuneline.models.registry import resolve_model_path

    return AutoTokenizer.from_pretrained(resolve_model_path("builtin:smollm2-135m-instruct"))


@pytest.fixture(scope="session")
def quickstart_dir() -> Path:
    return QUICKSTART


@pytest.fixture(scope="session")
def make_tiny_lm():
    """Factory: write_tiny_causal_lm(folder, seed) for tests that need their own copy."""
    return write_tiny_causal_lm
