"""Model FLOP utilisation: achieved FLOP/s over the peak matmul FLOP/s of this machine,
measured once per process (not a datasheet figure)."""

from __future__ import annotations

import functools
import time


@functools.lru_cache(maxsize=4)
def peak_matmul_flops(dtype_name: str = "float32", device: str = "cpu") -> float:
    import torch

    dtype = getattr(torch, dtype_name)
    size = 2048 if device == "cpu" else 8192
    a = torch.randn(size, size, dtype=dtype, device=device)
    b = torch.randn(size, size, dtype=dtype, device=device)
    for _ in range(2):
        a @ b
    repeats = 5
    if device != "cpu":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device != "cpu":
        torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def training_flops_per_token(model, full_finetune: bool) -> float:
    """~6N per token for full training (forward 2N, backward 4N); ~4N with frozen base
    weights (LoRA), whose weight gradients are never formed. Attention is left out."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    n = sum(p.numel() for name, p in base.named_parameters() if "lora_" not in name)
    embed = base.get_input_embeddings()
    if embed is not None:
        n -= embed.weight.numel()  # a lookup, not a matmul (a tied head is counted by the head below)
        head = base.get_output_embeddings()
        if head is not None and head.weight is embed.weight:
            n += embed.weight.numel()
    return (6 if full_finetune else 4) * n
