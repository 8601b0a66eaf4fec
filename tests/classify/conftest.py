"""Fixtures for the classify tests: one torch thread and a keyword dataset (the tiny BERT
is tests/conftest.py's tiny_encoder_dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.classify import keyword_rows, write_csv


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
def keyword_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("keyword-data")
    write_csv(folder / "train.csv", keyword_rows(40, seed=1))
    write_csv(folder / "test.csv", keyword_rows(12, seed=2))
    return folder
