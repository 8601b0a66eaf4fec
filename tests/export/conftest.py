"""Fixtures for the export tests: a tiny llama (SmolLM2 tokenizer and chat template) with a
LoRA adapter whose B is random (so merging really changes the weights), and a tiny BERT
classifier saved the way a `classify` stage saves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.models import write_tiny_adapter

LABELS = ["billing", "login", "sync"]


@pytest.fixture(scope="session")
def tiny_adapter(tiny_lm_dir, tmp_path_factory) -> Path:
    return write_tiny_adapter(tiny_lm_dir, tmp_path_factory.mktemp("export-adapter") / "adapter", seed=5)


@pytest.fixture(scope="session")
def tiny_classifier_stage(tmp_path_factory) -> Path:
    """A classify stage folder: model/ holds a 2-layer BERT with a 3-label head and id2label."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from tuneline.models.registry import resolve_model_path

    stage = tmp_path_factory.mktemp("classify-stage")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("builtin:minilm-l6"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=128, num_labels=len(LABELS),
                        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)})
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(stage / "model")
    tokenizer.save_pretrained(stage / "model")
    return stage
