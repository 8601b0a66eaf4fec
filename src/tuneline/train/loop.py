"""The training loop shared by the SFT, DPO and other gradient stages.

A stage supplies `step_fn(model, example_indices) -> (loss, metrics)`; the loop owns
the rest: batch order, gradient accumulation, AdamW and the LR schedule, bf16 autocast,
clipping, logging (log.jsonl + console), periodic evaluation, resumable checkpoints, and
Ctrl-C (checkpoint, then stop).

Each optimizer step takes one global batch of batch_size × gradient_accumulation_steps ×
processes examples, cut into micro-batches of batch_size (dealt round-robin to the
processes) and, on CPUs, into forward passes of at most micro_batch_tokens. Every pass's
loss is weighted by its share of the whole global batch (label tokens for SFT, pairs for
DPO), and gradients are summed over processes: the step's gradient is exactly that of the
global batch, however it is split (batch 8 = batch 2 × 4 accumulation = 2 processes × 4).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuneline.config.schema import TrainingStageConfig
from tuneline.progress import bar, info
from tuneline.runtime import StopRequest, process_rank, sum_gradients, sum_over_processes, use_bf16
from tuneline.train.batching import batch_order, split_by_tokens
from tuneline.train.budget import BudgetWatch
from tuneline.train.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    save_sharded_checkpoint,
    trainable_digest,
)
from tuneline.train.flops import FlopsLedger, ModelShape, ledger_for, peak_matmul_flops, training_flops
from tuneline.train.sharding import same_pass_count, sum_unsharded_gradients

StepFn = Callable[[Any, list[int]], tuple[Any, dict[str, float]]]


@dataclass
class LoopResult:
    steps: int
    train_loss: float
    runtime_s: float
    tokens_per_second: float
    mfu: float
    trainable_sha256: str = ""  # of the trained weights, checked equal on every process
    processes: int = 1
    history: list[dict[str, Any]] = field(default_factory=list)
    compute: dict[str, Any] = field(default_factory=dict)  # the FLOPs ledger and budget (train.budget)
    stopped_by: str | None = None  # "flops" or "seconds" when the stage's budget ended it


def step_batches(lengths: list[int], config: TrainingStageConfig, seed: int, epoch: int, grouped: bool,
                 world: int) -> list[list[int]]:
    """The global batch of each optimizer step of one epoch."""
    global_batch = config.batch_size * config.gradient_accumulation_steps * world
    return batch_order(lengths, global_batch, seed, epoch, grouped)


def process_share(batch: list[int], batch_size: int, rank: int, world: int) -> list[list[int]]:
    """This process's micro-batches of a global batch: every world-th slice of batch_size."""
    micro = [batch[start:start + batch_size] for start in range(0, len(batch), batch_size)]
    return micro[rank::world]


def micro_batch_budget(setting: int | str, device_type: str) -> int | None:
    """Padded tokens per forward pass: `auto` splits on CPUs (where a pass of a few hundred
    tokens already keeps the cores busy), never on accelerators."""
    if setting == "off" or (setting == "auto" and device_type != "cpu"):
        return None
    return 128 if setting == "auto" else int(setting)


def grouped_batches(config: TrainingStageConfig, device_type: str) -> bool:
    # passes within a batch are cut longest-first, which removes most padding without
    # grouping whole batches by length (grouped batches train worse: measured in bench_dpo)
    budget = micro_batch_budget(config.micro_batch_tokens, device_type)
    return budget is None if config.group_by_length == "auto" else config.group_by_length


def planned_batches(lengths: list[int], config: TrainingStageConfig, seed: int, device_type: str, world: int):
    """The global batches `train` takes, in order, to its last step (a budget may stop it sooner)."""
    grouped = grouped_batches(config, device_type)
    per_epoch = len(step_batches(lengths, config, seed, 0, grouped, world))
    total = config.max_steps or max(1, math.ceil(per_epoch * config.epochs))
    for position in range(total):
        epoch, offset = divmod(position, per_epoch)
        if offset == 0:
            order = step_batches(lengths, config, seed, epoch, grouped, world)
        yield order[offset]


def train(model, config: TrainingStageConfig, ctx, lengths: list[int], step_fn: StepFn,
          evaluate: Callable[[Any], dict[str, float]] | None = None, full_finetune: bool = False,
          weights: list[float] | None = None, sequences: list[tuple[tuple[int, int], ...]] | None = None,
          ledger: FlopsLedger | None = None, head_learning_rate: float | None = None) -> LoopResult:
    """Train `model` on examples of the given lengths.

    `step_fn` returns the mean loss over the examples it was given; `weights` says what
    that mean is over (SFT: each example's labelled tokens; default: 1 per example), so
    a batch cut into several forward passes gets exactly the gradient of the whole batch.
    `sequences` gives, for the FLOPs ledger, each sequence an example trains on (a preference
    pair: chosen and rejected) as (tokens, positions the loss projects through the head);
    default: its length, every position; `ledger` may already hold
    the stage's passes before training (e.g. DPO's reference log-probs). `head_learning_rate`
    gives a fresh one-score or classification head its own peak rate.
    """
    import torch
    from transformers import get_scheduler

    rank, world = process_rank()
    device = next(model.parameters()).device
    budget = micro_batch_budget(config.micro_batch_tokens, device.type)
    grouped = grouped_batches(config, device.type)
    weights = weights if weights is not None else [1.0] * len(lengths)
    bf16 = use_bf16(config.precision, device.type)
    if device.type == "cpu":
        from tuneline.train.dropout import use_cpu_dropout

        use_cpu_dropout(model)
    sharded = world > 1 and _shard_if_configured(model, ctx)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise RuntimeError("no trainable parameters")
    # fused: one kernel per parameter instead of ~10 small ops; with LoRA's hundreds of small
    # tensors the per-op overhead dominated the step (18% of a CPU step in py-spy); same math.
    groups: list[dict[str, Any]] = [{"params": params}]
    if head_learning_rate is not None:
        from tuneline.train.classifier_loop import parameter_groups

        groups = [g for g in parameter_groups(model, config.learning_rate, head_learning_rate, config.weight_decay)
                  if g["params"]]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate, weight_decay=config.weight_decay,
                                  fused=device.type in ("cpu", "cuda") and not sharded)
    batches_per_epoch = len(step_batches(lengths, config, ctx.seed, 0, grouped, world))
    total_steps = config.max_steps or max(1, math.ceil(batches_per_epoch * config.epochs))
    scheduler_name = {"constant": "constant_with_warmup"}.get(config.lr_scheduler, config.lr_scheduler)
    scheduler = get_scheduler(scheduler_name, optimizer, num_warmup_steps=int(config.warmup_ratio * total_steps),
                              num_training_steps=total_steps)
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()

    step, progress = 0, {}  # step: also the number of global batches consumed
    checkpoint = latest_checkpoint(ctx.checkpoint_dir) if ctx.resume else None
    if checkpoint is not None:
        progress = load_checkpoint(checkpoint, model, optimizer, scheduler, sharded=sharded)
        step = progress["step"]
        info(f"resumed from {checkpoint.name} (step {step}/{total_steps})")

    shape = ModelShape.of(model)
    sequences = sequences or [((n, n),) for n in lengths]
    example_flops = [sum(training_flops(shape, n, full_finetune, head) for n, head in seqs) for seqs in sequences]
    watch = BudgetWatch.of(getattr(config, "budget", None), ledger or ledger_for(ctx))
    if "compute" in progress:
        watch.load_state_dict(progress["compute"])
    peak = peak_matmul_flops("bfloat16" if bf16 else "float32", "cuda" if device.type == "cuda" else "cpu")
    log = ctx.log
    history: list[dict[str, Any]] = []
    window_loss, window_tokens, window_flops, window_start = 0.0, 0, 0.0, time.perf_counter()
    run_start, run_tokens, run_flops = time.perf_counter(), 0, 0.0
    stopped_by = None
    last_loss = float("nan")
    epoch_cache: dict[int, list[list[int]]] = {}

    def global_batch(position: int) -> list[int]:
        epoch, offset = divmod(position, batches_per_epoch)
        if epoch not in epoch_cache:
            epoch_cache.clear()
            epoch_cache[epoch] = step_batches(lengths, config, ctx.seed, epoch, grouped, world)
        return epoch_cache[epoch][offset]

    model.train()
    progress_bar = bar(total=total_steps, desc=f"training {ctx.stage.name}", unit="step")
    progress_bar.update(step)
    with StopRequest() as stop:
        while step < total_steps:
            step_metrics: dict[str, float] = {}
            batch = global_batch(step)
            total_weight = sum(weights[i] for i in batch) or 1.0
            step_loss, local_share = 0.0, 0.0
            passes = [chunk for indices in process_share(batch, config.batch_size, rank, world)
                      for chunk in split_by_tokens(indices, lengths, budget)]
            if sharded:  # every process runs as many passes as the busiest one; the extra ones weigh 0
                passes += [[]] * (same_pass_count(len(passes)) - len(passes))
            for chunk in passes:
                share = sum(weights[i] for i in chunk) / total_weight
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                    loss, metrics = step_fn(model, chunk or batch[:1])
                (loss * share).backward()
                if not chunk:
                    continue
                step_loss += loss.item() * share
                local_share += share
                window_tokens += int(metrics.pop("tokens", 0))
                window_flops += sum(example_flops[i] for i in chunk)
                for key, value in metrics.items():
                    step_metrics[key] = step_metrics.get(key, 0.0) + value * share
            local_share = local_share or 1.0  # logged figures: this process's mean over its examples
            window_loss += step_loss / local_share
            step_metrics = {key: value / local_share for key, value in step_metrics.items()}
            if sharded:  # FSDP sums the sharded ones in its reduce-scatter
                sum_unsharded_gradients(params)
            elif world > 1:
                sum_gradients(params)
            grad_norm = _full(torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)).item()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            progress_bar.update(1)
            watch.ledger.add("training", sum(example_flops[i] for i in batch))
            watch.step_done()
            stopped_by = watch.exhausted(sum(example_flops[i] for i in global_batch(step))) if step < total_steps \
                else None
            if step % config.logging_steps == 0 or step == total_steps or stopped_by:
                elapsed = time.perf_counter() - window_start
                steps_in_window = (step - 1) % config.logging_steps + 1
                last_loss = window_loss / steps_in_window
                tokens_per_second = window_tokens * world / max(elapsed, 1e-9)
                record = {"step": step, "epoch": round(step / batches_per_epoch, 3), "loss": last_loss,
                          "learning_rate": scheduler.get_last_lr()[0], "grad_norm": grad_norm,
                          "tokens_per_second": tokens_per_second,
                          "mfu": window_flops * world / max(elapsed, 1e-9) / peak, **step_metrics,
                          **watch.ledger.metrics()}
                history.append(record)
                if rank == 0:
                    log.write(**record)
                progress_bar.set_postfix(loss=f"{last_loss:.4f}", tok_s=f"{tokens_per_second:.0f}")
                run_tokens += window_tokens
                run_flops += window_flops
                window_loss, window_tokens, window_flops, window_start = 0.0, 0, 0.0, time.perf_counter()
            if evaluate is not None and config.eval_steps and step % config.eval_steps == 0 and step < total_steps:
                eval_metrics = evaluate(model)
                model.train()
                if rank == 0:
                    log.write(step=step, **{f"eval_{k}": v for k, v in eval_metrics.items()})
            # a Ctrl-C reaches the processes at slightly different moments: stop together, at the same step
            stopping = stop.requested if world == 1 else sum_over_processes([float(stop.requested)])[0] > 0
            if (step % config.save_steps == 0 or stopping or stopped_by) and step < total_steps:
                progress_state = {"compute": watch.state_dict()}
                if sharded:  # every process gathers its shards; the first writes
                    save_sharded_checkpoint(ctx.checkpoint_dir, step, model, optimizer, scheduler, progress_state,
                                            keep=config.save_total_limit)
                elif rank == 0:
                    save_checkpoint(ctx.checkpoint_dir, step, model, optimizer, scheduler, progress_state,
                                    keep=config.save_total_limit)
            if stopped_by:
                info(f"{ctx.stage.name}: stopped at step {step}: the next step would pass the {stopped_by} budget "
                     f"({watch.metrics()['budget_' + stopped_by]:.4g})")
                break
            if stopping:
                progress_bar.close()
                raise KeyboardInterrupt
    progress_bar.close()
    if sharded:
        from tuneline.train.sharding import unshard_model

        unshard_model(model)
    runtime = time.perf_counter() - run_start
    tokens_per_second = run_tokens * world / max(runtime, 1e-9)
    return LoopResult(steps=step, train_loss=last_loss, runtime_s=runtime, tokens_per_second=tokens_per_second,
                      mfu=run_flops * world / max(runtime, 1e-9) / peak, trainable_sha256=_agreed_digest(model, world),
                      processes=world, history=history, compute=watch.metrics(), stopped_by=stopped_by)


def _shard_if_configured(model, ctx) -> bool:
    """Shard the model with FSDP when the pipeline's `distributed:` block asks for it."""
    distributed = getattr(getattr(ctx, "pipeline", None), "distributed", None)
    if distributed is None or distributed.strategy != "fsdp":
        return False
    from tuneline.train.sharding import fsdp_unit_classes, shard_model

    fsdp = distributed.fsdp
    units = shard_model(model, fsdp_unit_classes(model, fsdp.wrap_layers),
                        reshard_after_forward=fsdp.sharding_strategy == "full_shard", cpu_offload=fsdp.cpu_offload)
    info(f"FSDP: {units} units over {process_rank()[1]} processes")
    return True


def _full(value):
    """A sharded (DTensor) result made whole; anything else unchanged."""
    return value.full_tensor() if hasattr(value, "full_tensor") else value


def _agreed_digest(model, world: int) -> str:
    """The digest of the trained weights, checked equal on every data-parallel process."""
    digest = trainable_digest(model)
    if world > 1:
        import torch.distributed as dist

        digests: list = [None] * world
        dist.all_gather_object(digests, digest)
        if len(set(digests)) > 1:
            raise RuntimeError(f"data-parallel processes ended with different weights: {digests}")
    return digest
