"""The training loop shared by the SFT, DPO and other gradient stages.

A stage supplies `step_fn(model, example_indices) -> (loss, metrics)`; the loop owns
the rest: batch order, gradient accumulation, AdamW and the LR schedule, bf16 autocast,
clipping, logging (log.jsonl + console), periodic evaluation, resumable checkpoints, and
Ctrl-C (checkpoint, then stop). Data parallelism: each process takes every
world_size-th batch and gradients are averaged before each optimizer step.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuneline.config.schema import TrainingStageConfig
from tuneline.progress import bar, info
from tuneline.train.batching import batch_order, split_by_tokens
from tuneline.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from tuneline.train.flops import peak_matmul_flops, training_flops_per_token

StepFn = Callable[[Any, list[int]], tuple[Any, dict[str, float]]]


@dataclass
class LoopResult:
    steps: int
    train_loss: float
    runtime_s: float
    tokens_per_second: float
    mfu: float
    history: list[dict[str, Any]] = field(default_factory=list)


def use_bf16(precision: str, device_type: str) -> bool:
    import torch

    if precision == "bf16":
        return True
    if precision == "auto":
        return device_type == "cuda" and torch.cuda.is_bf16_supported()
    return False


class _StopRequest:
    """Turns the first Ctrl-C into a checkpoint-and-stop at the next step boundary."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            self._previous = None
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self.requested = True
        info("\nCtrl-C: saving a checkpoint at the end of this step (press again to stop at once)")

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _world():
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _average_gradients(params) -> None:
    import torch.distributed as dist

    world = dist.get_world_size()
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


def micro_batch_budget(setting: int | str, device_type: str) -> int | None:
    """Padded tokens per forward pass: `auto` splits on CPUs (where a pass of a few hundred
    tokens already keeps the cores busy), never on accelerators."""
    if setting == "off" or (setting == "auto" and device_type != "cpu"):
        return None
    return 128 if setting == "auto" else int(setting)


def train(model, config: TrainingStageConfig, ctx, lengths: list[int], step_fn: StepFn,
          evaluate: Callable[[Any], dict[str, float]] | None = None, full_finetune: bool = False,
          weights: list[float] | None = None) -> LoopResult:
    """Train `model` on examples of the given lengths.

    `step_fn` returns the mean loss over the examples it was given; `weights` says what
    that mean is over (SFT: each example's labelled tokens; default: 1 per example), so
    a batch cut into several forward passes gets exactly the gradient of the whole batch.
    """
    import torch
    from transformers import get_scheduler

    rank, world = _world()
    device = next(model.parameters()).device
    budget = micro_batch_budget(config.micro_batch_tokens, device.type)
    # passes within a batch are cut longest-first, which removes most padding without
    # grouping whole batches by length (grouped batches train worse: measured in bench_dpo)
    grouped = budget is None if config.group_by_length == "auto" else config.group_by_length
    weights = weights if weights is not None else [1.0] * len(lengths)
    bf16 = use_bf16(config.precision, device.type)
    if device.type == "cpu":
        from tuneline.train.dropout import use_cpu_dropout

        use_cpu_dropout(model)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise RuntimeError("no trainable parameters")
    # fused: one kernel per parameter instead of ~10 small ops; with LoRA's hundreds of small
    # tensors the per-op overhead dominated the step (18% of a CPU step in py-spy); same math.
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay,
                                  fused=device.type in ("cpu", "cuda"))
    batches_per_epoch = len(batch_order(lengths, config.batch_size, ctx.seed, 0, grouped)) // world
    steps_per_epoch = max(1, batches_per_epoch // config.gradient_accumulation_steps)
    total_steps = config.max_steps or max(1, math.ceil(steps_per_epoch * config.epochs))
    scheduler_name = {"constant": "constant_with_warmup"}.get(config.lr_scheduler, config.lr_scheduler)
    scheduler = get_scheduler(scheduler_name, optimizer, num_warmup_steps=int(config.warmup_ratio * total_steps),
                              num_training_steps=total_steps)
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()

    step, micro_position = 0, 0  # micro_position: micro-batches consumed since the start
    checkpoint = latest_checkpoint(ctx.checkpoint_dir) if ctx.resume else None
    if checkpoint is not None:
        progress = load_checkpoint(checkpoint, model, optimizer, scheduler)
        step, micro_position = progress["step"], progress["micro_position"]
        info(f"resumed from {checkpoint.name} (step {step}/{total_steps})")

    flops_per_token = training_flops_per_token(model, full_finetune)
    peak = peak_matmul_flops("bfloat16" if bf16 else "float32", "cuda" if device.type == "cuda" else "cpu")
    log = ctx.log
    history: list[dict[str, Any]] = []
    window_loss, window_tokens, window_start = 0.0, 0, time.perf_counter()
    run_start, run_tokens = time.perf_counter(), 0
    last_loss = float("nan")
    epoch_cache: dict[int, list[list[int]]] = {}

    def micro_batch(position: int) -> list[int]:
        epoch, offset = divmod(position, batches_per_epoch)
        if epoch not in epoch_cache:
            epoch_cache.clear()
            order = batch_order(lengths, config.batch_size, ctx.seed, epoch, grouped)
            epoch_cache[epoch] = order[rank::world][:batches_per_epoch]
        return epoch_cache[epoch][offset]

    model.train()
    progress_bar = bar(total=total_steps, desc=f"training {ctx.stage.name}", unit="step")
    progress_bar.update(step)
    with _StopRequest() as stop:
        while step < total_steps:
            step_metrics: dict[str, float] = {}
            for _ in range(config.gradient_accumulation_steps):
                indices = micro_batch(micro_position)
                total_weight = sum(weights[i] for i in indices) or 1.0
                for chunk in split_by_tokens(indices, lengths, budget):
                    share = sum(weights[i] for i in chunk) / total_weight / config.gradient_accumulation_steps
                    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                        loss, metrics = step_fn(model, chunk)
                    (loss * share).backward()
                    window_loss += loss.item() * share
                    window_tokens += int(metrics.pop("tokens", 0))
                    for key, value in metrics.items():
                        step_metrics[key] = step_metrics.get(key, 0.0) + value * share
                micro_position += 1
            if world > 1:
                _average_gradients(params)
            grad_norm = torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm).item()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            progress_bar.update(1)
            if step % config.logging_steps == 0 or step == total_steps:
                elapsed = time.perf_counter() - window_start
                steps_in_window = (step - 1) % config.logging_steps + 1
                last_loss = window_loss / steps_in_window
                tokens_per_second = window_tokens * world / max(elapsed, 1e-9)
                record = {"step": step, "epoch": round(micro_position / batches_per_epoch, 3), "loss": last_loss,
                          "learning_rate": scheduler.get_last_lr()[0], "grad_norm": grad_norm,
                          "tokens_per_second": tokens_per_second,
                          "mfu": tokens_per_second * flops_per_token / peak, **step_metrics}
                history.append(record)
                if rank == 0:
                    log.write(**record)
                progress_bar.set_postfix(loss=f"{last_loss:.4f}", tok_s=f"{tokens_per_second:.0f}")
                run_tokens += window_tokens
                window_loss, window_tokens, window_start = 0.0, 0, time.perf_counter()
            if evaluate is not None and config.eval_steps and step % config.eval_steps == 0 and step < total_steps:
                eval_metrics = evaluate(model)
                model.train()
                if rank == 0:
                    log.write(step=step, **{f"eval_{k}": v for k, v in eval_metrics.items()})
            if rank == 0 and (step % config.save_steps == 0 or stop.requested) and step < total_steps:
                save_checkpoint(ctx.checkpoint_dir, step, model, optimizer, scheduler,
                                {"micro_position": micro_position}, keep=config.save_total_limit)
            if stop.requested:
                progress_bar.close()
                raise KeyboardInterrupt
    progress_bar.close()
    runtime = time.perf_counter() - run_start
    tokens_per_second = run_tokens * world / max(runtime, 1e-9)
    return LoopResult(steps=step, train_loss=last_loss, runtime_s=runtime, tokens_per_second=tokens_per_second,
                      mfu=tokens_per_second * flops_per_token / peak, history=history)
