"""The training loop of the `classify` stage: small enough to read in one sitting.

Why not `train.loop`: classification needs what that loop does not do, i.e. early
stopping on a validation split with the best weights restored, a wall-clock budget
that shrinks the learning-rate schedule to fit, a larger learning rate for the freshly
initialised head, and class-weighted losses. Batching is shared (`train.batching`).

Data parallel under torchrun like `train.loop`: each step takes one global batch of
batch_size × processes texts, every process a batch_size slice of it; each process's loss
is its share of the global batch's loss (its summed terms over the global denominator), and
gradients are summed over processes, so the step equals one process on the whole batch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneline.models.padding import pad_batch
from tuneline.progress import bar
from tuneline.runtime import process_rank, sum_gradients, sum_over_processes
from tuneline.train.batching import batch_order
from tuneline.train.budget import BudgetWatch
from tuneline.train.flops import FlopsLedger


def balanced_class_weights(counts: Sequence[int]) -> list[float]:
    """w_c = n / (k · n_c): n examples, k classes, n_c examples of class c (the "balanced"
    heuristic of King & Zeng 2001, as in scikit-learn). Every class then contributes the
    same total weight to the loss; a class with no examples gets weight 0."""
    total, classes = sum(counts), len(counts)
    return [total / (classes * count) if count else 0.0 for count in counts]


def lr_factor(step: int, warmup_steps: int, total_steps: int, schedule: str) -> float:
    """Multiplier of the peak learning rate after `step` optimizer steps.

    Linear warm-up to 1 over `warmup_steps`, then: constant 1; linear 1 - p; or cosine
    0.5 · (1 + cos(π p)) (Loshchilov & Hutter 2017, without restarts), where
    p = (step - warmup) / (total - warmup) is the progress through the decay.
    """
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    if schedule == "linear":
        return 1.0 - progress
    return 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass
class LoopSettings:
    learning_rate: float
    head_learning_rate: float
    epochs: float
    max_steps: int | None
    batch_size: int
    lr_scheduler: str
    warmup_ratio: float
    weight_decay: float
    max_grad_norm: float
    group_by_length: bool
    logging_steps: int
    eval_steps: int | None
    early_stopping_patience: int | None
    max_time_s: float | None
    seed: int
    bf16: bool = False  # autocast; on this CPU bf16 made MiniLM steps ~30x slower, so fp32 unless asked


@dataclass
class ClassifierLoopResult:
    steps: int
    epochs: float
    train_loss: float
    runtime_s: float
    stopped_reason: str  # "completed", "early stopping", "time budget", "flops budget", "seconds budget"
    best_step: int | None = None
    best_validation_score: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    compute: dict[str, Any] = field(default_factory=dict)  # the FLOPs ledger and budget (train.budget)
    stopped_by: str | None = None  # "flops" or "seconds" when the stage's budget ended it


def classifier_training_flops(model, lengths: Sequence[int], full_finetune: bool) -> list[int]:
    """Training FLOPs of each text (train.flops' formulas): the encoder over every token; the
    pooler and the classification head read one vector per text."""
    from dataclasses import replace

    import torch.nn as nn

    from tuneline.train.flops import ModelShape, training_flops

    shape = ModelShape.of(model)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    # the pooler and head linears ModelShape counted in the body (under LoRA, PEFT keeps the
    # head's original beside the trained copy: only the trained one runs)
    readers = [(name, module.weight.numel()) for name, module in base.named_modules()
               if isinstance(module, nn.Linear) and "lora_" not in name
               and {"classifier", "score", "pooler"} & set(name.split("."))]
    head = sum(count for name, count in readers if "original_module" not in name.split("."))
    shape = replace(shape, body=shape.body - sum(count for _, count in readers), head=head)
    return [training_flops(shape, n, full_finetune, head_tokens=1) for n in lengths]


def classification_loss(logits, targets, multi_label: bool, class_weights=None, denominator: float | None = None):
    """Cross-entropy over labels, or per-label binary cross-entropy for multi-label;
    class weights scale each class's term (for multi-label: each label's column).

    The mean is PyTorch's: single-label Σ w_{y_i} ℓ_i / Σ w_{y_i} (Σ 1 without weights);
    multi-label Σ_{i,c} w_c ℓ_ic / (rows × labels). `denominator` replaces the batch's own
    (see `loss_denominator`), so a slice of a batch gives its exact share of the whole's loss."""
    import torch.nn.functional as F

    if denominator is None:
        denominator = loss_denominator(targets, multi_label, class_weights, logits.shape[-1])
    if multi_label:
        total = F.binary_cross_entropy_with_logits(logits, targets, weight=class_weights, reduction="sum")
    else:
        total = F.cross_entropy(logits, targets, weight=class_weights, reduction="sum")
    return total / denominator


def loss_denominator(targets, multi_label: bool, class_weights, labels: int) -> float:
    """What `classification_loss` divides by for these targets (the rows of a whole batch)."""
    if multi_label:
        return float(len(targets) * labels)
    if class_weights is None:
        return float(len(targets))
    return float(class_weights[targets].sum())


def parameter_groups(model, learning_rate: float, head_learning_rate: float, weight_decay: float):
    """AdamW groups: the fresh head (classifier / score) learns faster than the pre-trained body."""
    head, body = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            parts = name.split(".")
            (head if "classifier" in parts or "score" in parts else body).append(parameter)
    return [{"params": body, "lr": learning_rate, "weight_decay": weight_decay},
            {"params": head, "lr": head_learning_rate, "weight_decay": weight_decay}]


def _agreed_plan(total_steps: int, out_of_time: bool, rank: int, world: int) -> tuple[int, bool]:
    """Under data parallelism every process takes the shortest plan and stops when any is out
    of time, so all take the same steps (their clocks and paces differ a little)."""
    if world == 1:
        return total_steps, out_of_time
    values = [0.0] * (world + 1)
    values[rank], values[world] = float(total_steps), float(out_of_time)
    summed = sum_over_processes(values)
    return int(min(summed[:world])), summed[world] > 0


def _agreed_stop(reason: str | None, rank: int, world: int) -> str | None:
    """A budget reason every process agrees on: the first process's (the clocks differ a little)."""
    if world == 1:
        return reason
    import torch.distributed as dist

    message = [reason]
    dist.broadcast_object_list(message, src=0)
    return message[0]


def _snapshot(model) -> dict[str, Any]:
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def train_classifier(model, token_lists: list[list[int]], targets: list, settings: LoopSettings, *,
                     pad_id: int, multi_label: bool, class_weights: list[float] | None = None,
                     validate: Callable[[Any], float] | None = None, log=None, watch: BudgetWatch | None = None,
                     example_flops: Sequence[int] | None = None) -> ClassifierLoopResult:
    """Train `model` in place; with `validate` (model → score, higher is better), keep the
    best weights seen and stop after `early_stopping_patience` validations without gain.
    `watch` keeps the FLOPs ledger (each text costs `example_flops[i]`) and stops training
    before the step that would pass the stage's budget."""
    import torch

    rank, world = process_rank()
    groups = parameter_groups(model, settings.learning_rate, settings.head_learning_rate, settings.weight_decay)
    peak_rates = [group["lr"] for group in groups]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=settings.learning_rate)
    peak_rates = [rate for group, rate in zip(groups, peak_rates, strict=True) if group["params"]]
    params = [p for group in optimizer.param_groups for p in group["params"]]
    device = next(model.parameters()).device
    weight_tensor = torch.tensor(class_weights, dtype=torch.float32, device=device) if class_weights else None
    target_tensor = torch.tensor(targets, dtype=torch.float32 if multi_label else torch.long, device=device)

    lengths = [len(tokens) for tokens in token_lists]
    global_batch = settings.batch_size * world
    batches_per_epoch = math.ceil(len(token_lists) / global_batch)
    total_steps = settings.max_steps or max(1, math.ceil(batches_per_epoch * settings.epochs))
    planned_steps = total_steps
    eval_every = settings.eval_steps or batches_per_epoch
    deadline = time.monotonic() + settings.max_time_s if settings.max_time_s else None

    history: list[dict[str, Any]] = []
    best_score, best_step, best_state, waited, validated_at = -math.inf, None, None, 0, -1
    stopped_reason, step, window_loss, window_steps, last_loss = "completed", 0, 0.0, 0, float("nan")
    start = time.monotonic()
    order: list[list[int]] = []
    model.train()
    progress = bar(total=total_steps, desc="training classifier", unit="step")

    def run_validation() -> bool:
        """Validate; True when patience is exhausted."""
        nonlocal best_score, best_step, best_state, waited, validated_at
        score, validated_at = validate(model), step
        model.train()
        # Patience needs a strict gain; a tie still takes the later weights, which have
        # trained longer (usually a lower loss behind the same accuracy).
        if score >= best_score:
            waited = 0 if score > best_score else waited + 1
            best_score, best_step, best_state = score, step, _snapshot(model)
        else:
            waited += 1
        record = {"step": step, "validation_score": score, "best_validation_score": best_score}
        history.append(record)
        if log is not None and rank == 0:
            log.write(**record)
        return settings.early_stopping_patience is not None and waited >= settings.early_stopping_patience

    watch = watch or BudgetWatch(FlopsLedger())
    example_flops = example_flops or [0] * len(token_lists)
    out_of_time, stopped_by = False, None
    while step < total_steps:
        epoch, position = divmod(step, batches_per_epoch)
        if position == 0 or not order:
            order = batch_order(lengths, global_batch, settings.seed, epoch, settings.group_by_length)
        whole = order[position]
        rows = whole[rank * settings.batch_size:(rank + 1) * settings.batch_size]  # this process's slice
        # warm-up is a share of the (possibly budget-shrunk) schedule, not of the first plan
        factor = lr_factor(step, int(settings.warmup_ratio * total_steps), total_steps, settings.lr_scheduler)
        for group, peak in zip(optimizer.param_groups, peak_rates, strict=True):
            group["lr"] = peak * factor
        denominator = loss_denominator(target_tensor[whole], multi_label, weight_tensor, target_tensor.shape[-1]
                                       if multi_label else 0)
        loss_value = 0.0
        if rows:  # a short last batch may leave a process nothing to do
            batch = {key: value.to(device) for key, value in
                     pad_batch([token_lists[i] for i in rows], None, pad_id).items()}
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=settings.bf16):
                logits = model(**batch).logits
            loss = classification_loss(logits.float(), target_tensor[rows], multi_label, weight_tensor, denominator)
            loss.backward()
            loss_value = loss.item()
        if world > 1:
            sum_gradients(params)
            [loss_value] = sum_over_processes([loss_value])
        torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        progress.update(1)
        watch.ledger.add("training", sum(example_flops[i] for i in whole))
        watch.step_done()
        budgeted = watch.max_flops is not None or watch.max_seconds is not None
        if budgeted and step < total_steps:  # the next step's batch is known: stop before it would pass the budget
            epoch_next, position_next = divmod(step, batches_per_epoch)
            upcoming = order[position_next] if position_next else \
                batch_order(lengths, global_batch, settings.seed, epoch_next, settings.group_by_length)[0]
            stopped_by = _agreed_stop(watch.exhausted(sum(example_flops[i] for i in upcoming)), rank, world)
        window_loss, window_steps = window_loss + loss_value, window_steps + 1
        if step % settings.logging_steps == 0 or step == total_steps or stopped_by:
            last_loss = window_loss / window_steps
            record = {"step": step, "epoch": round(step / batches_per_epoch, 3), "loss": last_loss,
                      "learning_rate": optimizer.param_groups[0]["lr"], "elapsed_s": round(time.monotonic() - start, 1),
                      **watch.ledger.metrics()}
            history.append(record)
            if log is not None and rank == 0:
                log.write(**record)
            progress.set_postfix(loss=f"{last_loss:.4f}")
            window_loss, window_steps = 0.0, 0
        if deadline is not None and step >= 5:
            # Fit the schedule to the budget: at the pace so far (validation included),
            # how many steps remain? The plan is re-estimated every step, never beyond the
            # planned steps, so slow first steps on a busy machine do not cut it short.
            now = time.monotonic()
            pace = (now - start) / step
            total_steps = max(step, min(planned_steps, step + int((deadline - now) / pace)))
            total_steps, out_of_time = _agreed_plan(total_steps, now >= deadline, rank, world)
            progress.total = total_steps
        if validate is not None and (step % eval_every == 0 or step == total_steps):
            if run_validation():
                stopped_reason = "early stopping"
                break
        if out_of_time:
            stopped_reason = "time budget"
            break
        if stopped_by:
            stopped_reason = f"{stopped_by} budget"
            break
    progress.close()
    if stopped_reason == "completed" and step < planned_steps:
        stopped_reason = "time budget"  # the schedule was shrunk to fit the budget
    if validate is not None and validated_at != step:
        run_validation()
    if best_state is not None:
        model.load_state_dict(best_state)
    return ClassifierLoopResult(
        steps=step, epochs=round(step / batches_per_epoch, 3), train_loss=last_loss,
        runtime_s=time.monotonic() - start, stopped_reason=stopped_reason,
        best_step=best_step, best_validation_score=None if best_step is None else best_score, history=history,
        compute=watch.metrics(), stopped_by=stopped_by)
