"""Sentence embeddings from the embedded MiniLM (mean pooling + L2 norm, as the
sentence-transformers model card specifies), for the router and the drift monitor."""

from __future__ import annotations

from functools import lru_cache

from tuneline.config.references import ENCODER


@lru_cache(maxsize=2)
def _encoder(reference: str):
    from transformers import AutoModel, AutoTokenizer

    from tuneline.models.registry import resolve_model_path

    path = resolve_model_path(reference)
    model = AutoModel.from_pretrained(path)
    model.eval()
    return model, AutoTokenizer.from_pretrained(path)


def mean_pool(hidden, mask):
    """Average of the token vectors where mask is 1: sum(h_i m_i) / sum(m_i)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def embed_texts(texts: list[str], reference: str = ENCODER, batch_size: int = 32, max_length: int = 256):
    """(len(texts), dim) float32 numpy array of unit-length sentence embeddings."""
    import numpy as np
    import torch

    model, tokenizer = _encoder(reference)
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            pooled = mean_pool(model(**batch).last_hidden_state, batch["attention_mask"])
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(chunks) if chunks else np.zeros((0, model.config.hidden_size), dtype="float32")
