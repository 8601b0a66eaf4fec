"""FLOPs: what a stage's passes cost (the ledger), and the peak matmul FLOP/s of this
machine that model FLOP utilisation divides by.

The counts are matmul FLOPs (a multiply-add is 2), per kind of pass, for a transformer
described by its `ModelShape`. docs/flops.md derives each formula; in short, with
N = body matmul weights (every linear layer but the output head), H = head weights
(vocabulary × hidden), M = the active LoRA adapter's weights (A and B), W = attention
width (heads × head dim), L = layers, and K = the keys a sequence's tokens attend to
(a causal sequence of T tokens: T(T+1)/2; a bidirectional encoder: T²); R and R_A are the
weights of the first layer's Q, K, V and of their adapters' A matrices, which read the
frozen embeddings, so that no activation gradient is formed through them:

    forward (scoring)    2(N+M)·T + 2H·T_head + 4LW·K        T_head: positions whose logits are formed
                                                              (losses project only labelled positions)
    training, LoRA       forward + 2(N−R)·T + 2H·T_head + 4M·T − 2R_A·T + 8LW·K   activation gradients only
    training, full       forward + 4N·T + 4H·T_head + 8LW·K   activation and weight gradients
    generation (KV cache) a forward over the P+G−1 tokens fed, with the head on the G sampled ones

Padding is not counted: the ledger counts the work a pass needs, not what a padded
batch happens to spend. Held-out evaluation is not part of a stage's cost either.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("training", "generation", "reference", "reward", "value", "judge", "policy")
"""Kinds of pass: training forward+backward, generated tokens, and scoring passes (a forward
without backward) by the model that does them: the reference, a reward model, a value model,
a judge, or the policy itself (e.g. PPO's log-probs of its own rollouts)."""


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


@dataclass(frozen=True)
class ModelShape:
    """What the FLOPs of a transformer's passes depend on."""

    layers: int
    attention_width: int  # heads × head dim: the width of Q·Kᵀ and of the attention-weighted values
    body: int  # weights of every linear layer except the output head (adapters excluded)
    head: int  # weights of the output head (a tied head counts: it is a matmul)
    adapter: int = 0  # weights of the active LoRA adapter (A and B of every adapted layer)
    causal: bool = True  # False for encoders: every token attends to every token
    # The first layer's Q, K, V read the (frozen) embeddings: with LoRA no activation
    # gradient is formed below them, neither through their weights nor their adapters' A.
    first_readers: int = 0
    first_readers_adapter: int = 0

    @classmethod
    def of(cls, model, with_adapter: bool = True) -> ModelShape:
        """Read from a (PEFT-wrapped or plain) transformers model; `with_adapter=False` for
        passes through a merged copy or with the adapters switched off."""
        import torch.nn as nn

        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        config = base.config
        heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        output = base.get_output_embeddings() if hasattr(base, "get_output_embeddings") else None
        output_weight = output.weight if output is not None else None
        body = head = first_readers = 0
        for name, module in base.named_modules():
            if "lora_" in name or not isinstance(module, nn.Linear):
                continue
            if output_weight is not None and module.weight is output_weight:
                head += module.weight.numel()
            else:
                body += module.weight.numel()
            if FIRST_READER.search(name):
                first_readers += module.weight.numel()
        adapter = first_readers_adapter = 0
        if with_adapter and hasattr(model, "peft_config"):
            active = getattr(model, "active_adapter", "default")
            for name, p in model.named_parameters():
                if "lora_" in name and f".{active}." in name:
                    adapter += p.numel()
                    if "lora_A" in name and FIRST_READER.search(name.split(".lora_A")[0]):
                        first_readers_adapter += p.numel()
        causal = not getattr(config, "is_encoder_decoder", False) and config.model_type not in ENCODERS
        return cls(layers=config.num_hidden_layers, attention_width=heads * head_dim, body=body, head=head,
                   adapter=adapter, causal=causal, first_readers=first_readers,
                   first_readers_adapter=first_readers_adapter)

    def without_adapter(self) -> ModelShape:
        return replace(self, adapter=0, first_readers_adapter=0)


FIRST_READER = re.compile(r"layers\.0\.(self_attn|attention)\.(q|k|v|query|key|value)(_proj)?(\.base_layer)?$")
ENCODERS = {"bert", "roberta", "deberta", "deberta-v2", "distilbert", "electra", "xlm-roberta", "modernbert"}


def attended_keys(shape: ModelShape, tokens: int) -> int:
    """Keys attended over by a sequence of `tokens` tokens, summed over its tokens."""
    return tokens * (tokens + 1) // 2 if shape.causal else tokens * tokens


def forward_flops(shape: ModelShape, tokens: int, head_tokens: int | None = None) -> int:
    """One forward pass over a sequence of `tokens` tokens; the head on `head_tokens` of
    them (default: all, as when scoring log-probs; a reward model's head is in `body`)."""
    head_tokens = tokens if head_tokens is None else head_tokens
    return (2 * (shape.body + shape.adapter) * tokens + 2 * shape.head * head_tokens
            + 4 * shape.layers * shape.attention_width * attended_keys(shape, tokens))


def training_flops(shape: ModelShape, tokens: int, full_finetune: bool, head_tokens: int | None = None) -> int:
    """Forward and backward over a sequence of `tokens` tokens, the head on `head_tokens` of
    them (default all; the SFT and DPO losses project only the labelled positions, PPO and
    GRPO only the completion's). The backward pass forms
    activation gradients through every matmul (frozen or not: the gradient has to reach the
    adapters below) and weight gradients only for trained matrices; attention has no
    weights, so its backward is two matmuls per forward one (gradients of Q, K and of the
    attention weights and V)."""
    head_tokens = tokens if head_tokens is None else head_tokens
    activation_grads = 2 * (shape.body + shape.adapter) * tokens + 2 * shape.head * head_tokens
    if not full_finetune:  # nothing below the first layer's Q, K, V needs a gradient
        activation_grads -= 2 * (shape.first_readers + shape.first_readers_adapter) * tokens
    weight_grads = 2 * (shape.body * tokens + shape.head * head_tokens if full_finetune else shape.adapter * tokens)
    attention_backward = 8 * shape.layers * shape.attention_width * attended_keys(shape, tokens)
    return forward_flops(shape, tokens, head_tokens) + activation_grads + weight_grads + attention_backward


def generation_flops(shape: ModelShape, prompt_tokens: int, new_tokens: int) -> int:
    """Sampling `new_tokens` after a prompt with a KV cache: the prompt is fed once (prefill),
    then each sampled token but the last is fed back, one at a time, attending to the cache;
    the head forms logits only where a token is sampled. The keys attended add up as for one
    causal pass over the P + G − 1 tokens fed."""
    if new_tokens <= 0:
        return 0
    return forward_flops(shape, prompt_tokens + new_tokens - 1, head_tokens=new_tokens)


@dataclass
class FlopsLedger:
    """FLOPs spent by a stage, per kind of pass; `inherited` is what the stages it continues
    (its `from:` chain) spent, so `cumulative` is the cost of the model it ends with."""

    spent: dict[str, float] = field(default_factory=dict)
    inherited: float = 0.0

    def add(self, kind: str, flops: float) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of pass '{kind}' (known: {', '.join(KINDS)})")
        self.spent[kind] = self.spent.get(kind, 0.0) + float(flops)

    @property
    def total(self) -> float:
        return sum(self.spent.values())

    @property
    def cumulative(self) -> float:
        return self.total + self.inherited

    def metrics(self) -> dict[str, float]:
        """For metrics.json and log.jsonl: flops_<kind>, flops_total, flops_cumulative."""
        out = {f"flops_{kind}": self.spent[kind] for kind in KINDS if kind in self.spent}
        return {**out, "flops_total": self.total, "flops_cumulative": self.cumulative}

    def state_dict(self) -> dict[str, Any]:
        return {"spent": dict(self.spent), "inherited": self.inherited}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.spent = {k: float(v) for k, v in state.get("spent", {}).items()}
        self.inherited = float(state.get("inherited", self.inherited))


def ledger_for(ctx, also: tuple[str, ...] = ()) -> FlopsLedger:
    """A stage's empty ledger that inherits the cumulative cost of the stage it continues
    (`from:`) and of the other stages of the run it uses (e.g. the reward stage of PPO)."""
    names = [n for n in (ctx.stage.from_, *also) if n]
    inherited = sum(float(ctx.stage_metrics(name).get("flops_cumulative", 0.0)) for name in dict.fromkeys(names))
    return FlopsLedger(inherited=inherited)


def training_flops_per_token(model, full_finetune: bool) -> float:
    """Linear-layer training FLOPs per token, attention left out (kept for benchmarks that
    quote throughput per token; the ledger counts attention too)."""
    shape = ModelShape.of(model)
    return training_flops(shape, 1, full_finetune) - 12 * shape.layers * shape.attention_width
