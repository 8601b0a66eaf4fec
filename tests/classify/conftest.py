"""Fixtures for the classify tests: a tiny random-weight BERT on disk (with the real
MiniLM tokenizer) and a keyword dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
from classify_helpers import keyword_rows, write_csv


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny models gain nothing from a second thread, and on a shared, oversubscribed
    machine OpenMP barriers between two threads made each step 4-10x slower."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    """A 2-layer BERT (hidden 32) with the MiniLM tokenizer, saved as a plain HF folder."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tuneline.models.registry import resolve_model_path

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:minilm-l6"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def keyword_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("keyword-data")
    write_csv(folder / "train.csv", keyword_rows(40, seed=1))
    write_csv(folder / "test.csv", keyword_rows(12, seed=2))
    return folder
