"""The running batch of the decode loop: rows, their left-padded attention mask and KV cache.

Every row shares one cache length; a row's prompt is left-padded with masked positions,
so positions come from the mask (cumsum - 1). New rows are prefilled on their own and
then joined to the running batch by left-padding whichever cache is shorter; finished
rows are dropped with the cache's `batch_select_indices`, and columns that are padding in
every remaining row are trimmed so the cache does not keep growing.
"""

from __future__ import annotations

import torch


def _pad_left(tensor: torch.Tensor, columns: int, dim: int) -> torch.Tensor:
    if columns == 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = columns
    return torch.cat([tensor.new_zeros(shape), tensor], dim=dim)


class RunningBatch:
    """Attention mask and DynamicCache of the rows being decoded, kept aligned."""

    def __init__(self) -> None:
        self.mask: torch.Tensor | None = None
        self.cache = None  # transformers DynamicCache

    @property
    def size(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[0])

    def join(self, mask: torch.Tensor, cache) -> None:
        """Append rows (their prefill mask and cache) below the running ones."""
        if self.mask is None:
            self.mask, self.cache = mask, cache
            return
        old_length, new_length = self.mask.shape[1], mask.shape[1]
        length = max(old_length, new_length)
        self.mask = torch.cat([_pad_left(self.mask, length - old_length, 1),
                               _pad_left(mask, length - new_length, 1)], dim=0)
        for old_layer, new_layer in zip(self.cache.layers, cache.layers, strict=True):
            # keys/values are (batch, heads, seq, head_dim): pad along seq, stack along batch
            old_layer.keys = torch.cat([_pad_left(old_layer.keys, length - old_length, 2),
                                        _pad_left(new_layer.keys, length - new_length, 2)], dim=0)
            old_layer.values = torch.cat([_pad_left(old_layer.values, length - old_length, 2),
                                          _pad_left(new_layer.values, length - new_length, 2)], dim=0)

    def keep(self, rows: list[int]) -> None:
        """Keep only `rows` (indices into the batch), then trim all-padding columns."""
        if not rows:
            self.mask, self.cache = None, None
            return
        if len(rows) < self.size:
            index = torch.tensor(rows, dtype=torch.long)
            self.mask = self.mask[index]
            self.cache.batch_select_indices(index)
        real_columns = self.mask.any(dim=0).nonzero()
        first = int(real_columns[0]) if len(real_columns) else 0
        if first > 0:
            self.mask = self.mask[:, first:]
            for layer in self.cache.layers:
                layer.keys = layer.keys[:, :, first:, :]
                layer.values = layer.values[:, :, first:, :]

    def extend_mask(self) -> torch.Tensor:
        """Add one real column for the token about to be fed; returns the new mask."""
        self.mask = torch.cat([self.mask, self.mask.new_ones((self.size, 1))], dim=1)
        return self.mask
