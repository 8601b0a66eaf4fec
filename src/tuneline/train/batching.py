"""Batches from tokenized examples: deterministic per (seed, epoch), grouped by length."""

from __future__ import annotations

import random
from collections.abc import Sequence

from tuneline.data.chat import IGNORE_INDEX


def batch_order(lengths: Sequence[int], batch_size: int, seed: int, epoch: int, group_by_length: bool = True) -> list[list[int]]:
    """Indices of each batch for one epoch.

    With grouping, examples are shuffled, cut into mega-batches of 32 batches, sorted by
    length inside each, and the resulting batches shuffled: little padding, yet random.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    indices = list(range(len(lengths)))
    rng.shuffle(indices)
    if group_by_length:
        mega = batch_size * 32
        grouped: list[int] = []
        for start in range(0, len(indices), mega):
            grouped.extend(sorted(indices[start:start + mega], key=lambda i: -lengths[i]))
        indices = grouped
    batches = [indices[start:start + batch_size] for start in range(0, len(indices), batch_size)]
    if group_by_length:
        rng.shuffle(batches)
    return batches


def split_by_tokens(indices: Sequence[int], lengths: Sequence[int], budget: int | None) -> list[list[int]]:
    """Cut one batch into chunks whose padded size (rows × longest row) stays within `budget`.

    Longest first, so each chunk holds examples of similar length; an example longer than
    the budget gets a chunk of its own. `budget=None` keeps the batch whole.
    """
    if budget is None:
        return [list(indices)]
    chunks: list[list[int]] = []
    current: list[int] = []
    for index in sorted(indices, key=lambda i: -lengths[i]):
        if current and (len(current) + 1) * lengths[current[0]] > budget:
            chunks.append(current)
            current = []
        current.append(index)
    if current:
        chunks.append(current)
    return chunks


def pad_batch(sequences: list[list[int]], labels: list[list[int]] | None, pad_id: int):
    """Right-pad into tensors: input_ids, attention_mask and (optionally) labels."""
    import torch

    width = max(len(seq) for seq in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(sequences), width), dtype=torch.long)
    label_tensor = torch.full((len(sequences), width), IGNORE_INDEX, dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.tensor(seq)
        attention[row, : len(seq)] = 1
        if labels is not None:
            label_tensor[row, : len(seq)] = torch.tensor(labels[row])
    batch = {"input_ids": input_ids, "attention_mask": attention}
    if labels is not None:
        batch["labels"] = label_tensor
    return batch
