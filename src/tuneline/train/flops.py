"""Model FLOP utilisation: achieved FLOP/s over the peak matmul FLOP/s of this machine,
measured once per process (not a datasheet figure)."""

from __future__ import annotations

import functools
import time


@functools.lru_cache(maxsize=4)
def peak_matmul_flops(dtype_name: str = "float32", device: str = "cpu", budget_s: float = 1.0) -> float:
    """FLOP/s of a large linear layer's matmul (F.linear, the kernel the models call) in
    `dtype_name`, timed for about `budget_s` seconds. The time budget matters: on CPUs
    without bf16 instructions (AVX2 only) a bf16 matmul is emulated and can be 5-100x
    slower than fp32, and a fixed repeat count would then take minutes."""
    import torch
    import torch.nn.functional as F

    dtype = getattr(torch, dtype_name)
    size = 1024 if device == "cpu" else 8192
    # A private generator: the global RNG drives dropout, and a resumed run restores it exactly.
    generator = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(size, size, dtype=dtype, device=device, generator=generator)
    b = torch.randn(size, size, dtype=dtype, device=device, generator=generator)

    def sync() -> None:
        if device != "cpu":
            torch.cuda.synchronize()

    F.linear(a, b)  # warm-up: kernel selection, page faults
    sync()
    repeats, start = 0, time.perf_counter()
    while repeats < 1 or time.perf_counter() - start < budget_s:
        F.linear(a, b)
        sync()
        repeats += 1
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
