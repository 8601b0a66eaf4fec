"""Token id lists → padded tensors: right-padded for training and scoring (with labels),
left-padded for generation, where positions are counted over real tokens only. Serving,
rollouts and evaluation pad the same way, so the same prompt gives the same logits."""

from __future__ import annotations

import torch

from tuneline.data.chat import IGNORE_INDEX


def pad_batch(sequences: list[list[int]], labels: list[list[int]] | None, pad_id: int):
    """Right-pad into tensors: input_ids, attention_mask and (optionally) labels."""
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


def left_pad(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, attention_mask), both (N, longest), padded on the left."""
    longest = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        ids[row, longest - len(sequence):] = torch.tensor(sequence, dtype=torch.long)
        mask[row, longest - len(sequence):] = 1
    return ids, mask


def positions_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """Position of each token counted over real (unmasked) tokens only; pads get 0."""
    return (mask.cumsum(dim=-1) - 1).clamp(min=0)
