"""Batches from tokenized examples: deterministic per (seed, epoch), grouped by length."""

from __future__ import annotations

import random
from collections.abc import Sequence


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


