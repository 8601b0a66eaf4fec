"""Several LoRA adapters applied to one batch with two matrix products per layer.

PEFT's mixed-batch path (`adapter_names=`) loops over the adapters inside every LoRA
layer: for each one it gathers that adapter's rows, runs A and B, and scatters the result
back. While decoding, those are tiny operations, so their number, not their arithmetic,
sets the speed (measured: 210 LoRA layers × 3 adapters ≈ 4,000 extra ops per step).

Here each layer's adapters are packed once: the A matrices side by side (in × Σr) and
the B matrices stacked (Σr × out, each adapter's scaling folded in). A forward pass
computes x·A_all, zeroes in each row every column block but its own adapter's, and
multiplies by B_all: the same sum as PEFT's, in three operations however many adapters
are loaded. PEFT's own LoRA computation is switched off while packed; the delta is added
by a forward hook on each layer's base linear.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

BASE = "__base__"


class PackedLoRA:
    """Packs the plain LoRA linear layers of a PEFT model; `rows()` selects each row's adapter."""

    def __init__(self, model):
        self.model = model
        self._layers: list = []  # (lora layer, signature, A_all, B_all)
        self._hooks: list = []
        self._rows: list[str] | None = None
        self._masks: dict[tuple, torch.Tensor] = {}
        self.pack()

    @staticmethod
    def supports(model) -> bool:
        """True when every LoRA layer is a plain linear one (no DoRA or other variants)."""
        from peft.tuners.lora import Linear as LoraLinear
        from peft.tuners.lora import LoraLayer

        layers = [m for m in model.modules() if isinstance(m, LoraLayer)]
        return bool(layers) and all(isinstance(m, LoraLinear) and not m.lora_variant for m in layers)

    def pack(self) -> None:
        """(Re)build the packed weights from the model's current adapters."""
        from peft.tuners.lora import Linear as LoraLinear

        self.unpack()
        for module in self.model.modules():
            if not isinstance(module, LoraLinear):
                continue
            names = tuple(sorted(module.lora_A.keys()))
            if not names:
                continue
            a_blocks = [module.lora_A[name].weight.t() for name in names]  # in × r
            b_blocks = [module.lora_B[name].weight.t() * module.scaling[name] for name in names]  # r × out
            signature = tuple((name, block.shape[1]) for name, block in zip(names, a_blocks, strict=True))
            packed = (module, signature, torch.cat(a_blocks, dim=1).contiguous(), torch.cat(b_blocks, dim=0).contiguous())
            self._layers.append(packed)
            self._hooks.append(module.base_layer.register_forward_hook(self._hook(packed)))
            module._disable_adapters = True  # PEFT's own LoRA path off: the hook adds the delta

    def unpack(self) -> None:
        for handle in self._hooks:
            handle.remove()
        for module, *_ in self._layers:
            module._disable_adapters = False
        self._hooks, self._layers = [], []

    def _mask(self, signature: tuple, like: torch.Tensor) -> torch.Tensor:
        mask = self._masks.get(signature)
        if mask is None:
            columns: list[torch.Tensor] = []
            for name, rank in signature:
                selected = torch.tensor([row == name for row in self._rows], dtype=like.dtype, device=like.device)
                columns.append(selected[:, None].expand(-1, rank))
            mask = torch.cat(columns, dim=1)[:, None, :]  # rows × 1 × Σr, broadcast over positions
            self._masks[signature] = mask
        return mask

    def _hook(self, packed):
        _, signature, a_all, b_all = packed

        def add_delta(module, inputs, output):
            if self._rows is None:
                raise RuntimeError("packed LoRA forward without rows(): say which adapter each row uses")
            x = inputs[0]
            hidden = torch.matmul(x.to(a_all.dtype), a_all)
            hidden.mul_(self._mask(signature, hidden))
            return output + torch.matmul(hidden, b_all).to(output.dtype)

        return add_delta

    @contextlib.contextmanager
    def rows(self, adapters: list[str]) -> Iterator[None]:
        """Within this block, row i of every forward pass uses adapter `adapters[i]` (or BASE)."""
        self._rows, self._masks = list(adapters), {}
        try:
            yield
        finally:
            self._rows, self._masks = None, {}
