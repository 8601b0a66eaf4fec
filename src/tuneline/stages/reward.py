"""Reward model: a scalar sequence-classification head trained on preference pairs with
the Bradley–Terry loss, on a causal LM (LoRA or full) or on an encoder such as MiniLM.

The artifact is a plain Hugging Face folder, model/ (LoRA merged in), that loads with
`AutoModelForSequenceClassification`; PPO, GRPO, RLOO and `tuneline score` read it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tuneline.config.schema import TrainingStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="train a reward model (one-score head) on preference pairs with the Bradley-Terry loss",
    reads="preference",
    writes="reward",
    continues=("policy",),
    data_parallel=True,
)


class Config(TrainingStageConfig):
    type: Literal["reward"] = "reward"
    model: str | None = Field(None, description="base of the reward model (e.g. builtin:minilm-l6); default: the "
                                                "pipeline's model, continued from the `from:` stage if given")
    adapter_type: Literal["pipeline", "lora", "full"] = Field(
        "pipeline", description="train a LoRA adapter or every weight; pipeline: as the pipeline's adapter says")
    learning_rate: float = Field(1e-4, gt=0, description="peak learning rate")
    head_learning_rate: float | None = Field(
        None, gt=0, description="peak learning rate of the fresh one-score head (None: 20 × learning_rate, as "
                                "classify): at the backbone's rate the head, initialised near 0, barely moves in a "
                                "short run and the scores stay close to one another")
    max_eval_examples: int | None = Field(300, ge=1, description="cap on held-out pairs used for metrics")
    pooling: Literal["auto", "mean", "answer", "cls"] = Field(
        "auto", description="what the score head reads. Encoders as classify's pooling: auto is mean for encoders "
                            "trained with mean pooling (builtin:minilm-l6), the model's own head otherwise. Causal "
                            "LMs: auto (or cls) the last token, mean the mean of the final hidden states over the "
                            "tokens read, answer their mean over the answer's tokens only (after the chat template's "
                            "last assistant header; they still read the context before them). Kept in config.json, "
                            "so every scorer pools the same. On HH a linear probe on frozen SmolLM2-135M answer "
                            "means beat its last token on harmless pairs, 0.71 to 0.61 (benchmarks/RESULTS.md)")
    context_messages: int | None = Field(
        None, ge=0, description="messages before the answer the model reads: 0 the answer alone, 1 the last user "
                                "turn and the answer, None the whole conversation (cut from the left to max_length). "
                                "Kept in the model's config.json, so every scorer feeds it the same")
    dropout: float = Field(
        0.0, ge=0, lt=1, description="dropout probability of the backbone and head while training. 0 by default: "
                                     "chosen and rejected get different dropout masks, and that noise can be larger "
                                     "than the score differences the model is learning (TRL disables it too)")
    freeze_backbone: bool = Field(
        False, description="fit only the one-score head, on a causal LM whose weights stay as loaded: the backbone "
                           "reads each training answer once (no gradients), and the head is fitted on the pooled "
                           "features to convergence, its L2 strength chosen on 15% of the training pairs. Needs "
                           "pooling mean or answer. One forward pass per answer instead of a forward and backward "
                           "pass per epoch: on CPU, many more pairs in the same time (benchmarks/RESULTS.md). "
                           "epochs, learning rates and the schedule do not apply; budget.seconds bounds the "
                           "feature pass (the pairs read by then are used)")

    @model_validator(mode="after")
    def _frozen_needs_pooling(self) -> Config:
        if self.freeze_backbone and self.pooling not in ("mean", "answer"):
            raise ValueError("freeze_backbone needs pooling: mean or answer (a linear head on pooled features)")
        return self


def planned_weights(pipeline, config: Config):
    """(model reference, adapter, stage continued): what `tuneline validate` shows for this stage."""
    adapter = pipeline.adapter
    if config.adapter_type != "pipeline":
        adapter = adapter.model_copy(update={"type": config.adapter_type})
    return config.model or pipeline.model.ref, adapter, None if config.model else config.from_


def set_dropout(model, probability: float) -> None:
    """Every dropout layer of `model` (backbone and head) drops with `probability`. (They stay
    modules: BERT's attention reads its dropout's p.)"""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = probability


def load_reward_backbone(ctx, config: Config):
    """(sequence-classification model with one output, tokenizer, adapter config)."""
    from peft import PeftModel, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from tuneline.models.load import _torch_dtype, load_causal_lm, load_tokenizer, lora_config, new_head_expected
    from tuneline.models.registry import resolve_model_path
    from tuneline.rl.rewards import ANSWER_MARKER_KEY, CONTEXT_KEY, POOLED, POOLING_KEY, answer_marker
    from tuneline.runtime import compute_device

    previous = ctx.previous_artifact() if config.model is None else None
    reference = config.model or ctx.pipeline.model.ref
    path = str(previous.path) if previous is not None and previous.kind == "model" else resolve_model_path(reference)
    with new_head_expected():
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1,
                                                                   dtype=_torch_dtype(ctx.pipeline.model.dtype))
    tokenizer = load_tokenizer(path)
    model.config.pad_token_id = tokenizer.pad_token_id
    if previous is not None and previous.kind == "adapter":
        # Start from the SFT'd weights: merge its adapter into the causal LM, copy the backbone.
        causal, _ = load_causal_lm(ctx.pipeline.model)
        causal = PeftModel.from_pretrained(causal, str(previous.path)).merge_and_unload()
        backbone = getattr(model, model.base_model_prefix)
        backbone.load_state_dict(getattr(causal, causal.base_model_prefix).state_dict())
        del causal
    from tuneline.models.classifier import BERT_SHAPED, add_mean_pooling_layer, mean_pooling_wanted

    if model.config.model_type in BERT_SHAPED and (config.pooling == "answer" or config.freeze_backbone):
        from tuneline.errors import ConfigError

        option = "freeze_backbone" if config.freeze_backbone else "pooling"
        raise ConfigError(f"{option}: {getattr(config, option)} needs a causal LM with a score head; "
                          f"{config.model or ctx.pipeline.model.ref} is an encoder ({model.config.model_type})",
                          where=f"stages.{config.name}.{option}", fix="use a causal LM, or pooling: auto/mean "
                                                                      "without freeze_backbone")
    if model.config.model_type in BERT_SHAPED:
        if previous is None and mean_pooling_wanted(config.pooling, path, model, f"stages.{config.name}.pooling"):
            add_mean_pooling_layer(model)
    elif config.pooling in POOLED and not hasattr(model, "score"):
        from tuneline.errors import ConfigError

        kinds = "a BERT-shaped encoder or a causal LM" if config.pooling == "mean" else "a causal LM"
        raise ConfigError(f"pooling: {config.pooling} needs {kinds} with a score head; "
                          f"this one is {model.config.model_type}", where=f"stages.{config.name}.pooling",
                          fix="use pooling: auto or cls")
    else:  # a causal LM: the head reads the last token, or the mean when asked (reward_scores)
        distributed = getattr(ctx.pipeline, "distributed", None)
        if config.pooling in POOLED and distributed is not None and distributed.strategy != "ddp":
            from tuneline.errors import ConfigError

            # reward_scores calls the backbone and the head apart; sharded weights (FSDP, ZeRO-3) are
            # gathered for the model's own forward only
            raise ConfigError(f"pooling: {config.pooling} on a causal LM does not run under {distributed.strategy}",
                              where=f"stages.{config.name}.pooling",
                              fix="use pooling: auto, or distributed strategy ddp")
        if config.pooling == "answer":
            marker = answer_marker(tokenizer)
            if marker is None:
                from tuneline.errors import ConfigError

                raise ConfigError("pooling: answer needs a tokenizer with a chat template that opens an assistant "
                                  "turn (where the answer starts)", where=f"stages.{config.name}.pooling",
                                  fix="use pooling: mean")
            setattr(model.config, ANSWER_MARKER_KEY, marker)
        setattr(model.config, POOLING_KEY, config.pooling if config.pooling in POOLED else None)
    set_dropout(model, config.dropout)
    setattr(model.config, CONTEXT_KEY, config.context_messages)
    model.to(compute_device())
    _, adapter, _ = planned_weights(ctx.pipeline, config)
    if adapter.type == "lora" and not config.freeze_backbone:
        model = get_peft_model(model, lora_config(adapter, task_type="SEQ_CLS", model=model))
    return model, tokenizer, adapter


def run(ctx, config: Config) -> dict:
    import time

    import torch

    from tuneline.models.padding import pad_batch
    from tuneline.progress import bar, info
    from tuneline.rl.losses import pairwise_reward_loss
    from tuneline.rl.rewards import reward_model_inputs, reward_scores, score_sequences
    from tuneline.stages.common import finish_training, loop_metrics, save_artifact
    from tuneline.train.loop import train

    splits = ctx.dataset("preference")
    model, tokenizer, adapter = load_reward_backbone(ctx, config)

    def encode(records) -> list[tuple[list[int], list[int]]]:
        cut = config.max_length, config.context_messages
        return [(reward_model_inputs(tokenizer, [*r.prompt, *r.chosen], *cut),
                 reward_model_inputs(tokenizer, [*r.prompt, *r.rejected], *cut))
                for r in bar(records, desc="tokenizing pairs", unit="pair")]

    pairs = encode(splits.train)
    held_out = encode(splits.eval[: config.max_eval_examples] if config.max_eval_examples else splits.eval)
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id

    def evaluate(m) -> dict[str, float]:
        if not held_out:
            return {}
        m.eval()
        chosen = score_sequences(m, tokenizer, [c for c, _ in held_out])
        rejected = score_sequences(m, tokenizer, [r for _, r in held_out])
        m.train()
        from tuneline.eval.metrics import pairwise_metrics

        return pairwise_metrics(chosen, rejected)

    def step_fn(m, indices: list[int]):
        chunk = [pairs[i] for i in indices]
        batch = pad_batch([c for c, _ in chunk] + [r for _, r in chunk], None, pad_id)
        scores = reward_scores(m, {k: v.to(device) for k, v in batch.items()}).float()
        chosen, rejected = scores[: len(chunk)], scores[len(chunk):]
        loss = pairwise_reward_loss(chosen, rejected)
        return loss, {"tokens": int(batch["attention_mask"].sum()),
                      "train_accuracy": (chosen > rejected).float().mean().item()}

    if config.freeze_backbone:  # (no "before": the fresh head's scores are random)
        return fit_frozen_head(ctx, config, model, tokenizer, pairs, held_out)
    before = evaluate(model)
    started = time.perf_counter()
    result = train(model, config, ctx, [max(len(c), len(r)) for c, r in pairs], step_fn, evaluate,
                   full_finetune=adapter.type == "full", sequences=[((len(c), 0), (len(r), 0)) for c, r in pairs],
                   head_learning_rate=config.head_learning_rate or 20 * config.learning_rate)
    train_seconds = time.perf_counter() - started
    after = evaluate(model)
    if adapter.type == "lora":
        model = model.merge_and_unload()  # a plain HF folder: AutoModelForSequenceClassification loads it
    with torch.no_grad():
        save_artifact(model, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    metrics = {**loop_metrics(result), "train_pairs": len(pairs), "eval_pairs": len(held_out),
               "train_seconds": round(train_seconds, 1), **after,
               **{f"{k}_before": v for k, v in before.items() if k in ("pairwise_accuracy", "mean_margin")}}
    if after:
        info(f"held-out pairwise accuracy: {before['pairwise_accuracy']:.3f} → {after['pairwise_accuracy']:.3f}, "
             f"mean margin {after['mean_margin']:+.3f} ({len(held_out)} pairs, trained in {train_seconds:.0f}s)")
    return metrics


def fit_frozen_head(ctx, config: Config, model, tokenizer, pairs, held_out) -> dict:
    """`freeze_backbone: true`: the pooled features of every training answer (within the budget's
    seconds), then the Bradley–Terry linear head fitted on them (rl/reward_head.py). Held-out
    accuracy is also measured for heads fitted on the first quarter, half and three quarters of the
    pairs read: accuracy against training time."""
    import time

    import torch

    from tuneline.eval.metrics import pairwise_metrics
    from tuneline.progress import bar, info
    from tuneline.rl.reward_head import fit_head, pooled_features
    from tuneline.stages.common import finish_training, save_artifact

    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)

    def features_of(sides, deadline=None, times=None, desc="features (frozen backbone)"):
        progress = bar(total=len(sides), desc=desc, unit="answer")
        found = pooled_features(model, tokenizer, sides, config.batch_size, deadline, progress, times)
        progress.close()
        return found

    started = time.monotonic()
    seconds = config.budget.seconds if config.budget and config.budget.seconds else None
    deadline = started + 0.97 * seconds if seconds else None  # the fit takes seconds; the rest is the feature pass
    times: list[tuple[int, float]] = []
    features, done = features_of([side for pair in pairs for side in pair], deadline, times)  # c0, r0, c1, r1, ...
    used = done // 2
    if used < 2:
        from tuneline.errors import ConfigError

        raise ConfigError(f"the budget of {seconds:g} s ended before the frozen backbone read two pairs",
                          where=f"stages.{config.name}.budget.seconds", fix="raise budget.seconds")
    chosen, rejected = features[0: 2 * used: 2], features[1: 2 * used: 2]
    fit_started = time.monotonic()
    fit = fit_head(chosen, rejected)
    fit_seconds = time.monotonic() - fit_started
    train_seconds = time.monotonic() - started
    with torch.no_grad():
        model.score.weight.copy_(torch.tensor([fit.weight], dtype=model.score.weight.dtype))

    after, curve = {}, []
    if held_out:
        # the held-out answers through the same pooling: scores are their features times the head
        held, _ = features_of([side for pair in held_out for side in pair], desc="held-out features")
        held_chosen, held_rejected = held[0::2].double(), held[1::2].double()

        def accuracy(weight) -> dict:
            w = torch.tensor(weight, dtype=torch.float64)
            return pairwise_metrics((held_chosen @ w).tolist(), (held_rejected @ w).tolist())

        for share in (0.25, 0.5, 0.75):
            count = max(2, int(used * share))
            # seconds: when the backbone had read that many pairs, plus a fit of about the same length
            read_by = next((t for n, t in times if n >= 2 * count), times[-1][1])
            part = fit_head(chosen[:count], rejected[:count])
            curve.append({"pairs": count, "seconds": round(read_by - started + share * fit_seconds, 1),
                          "accuracy": accuracy(part.weight)["pairwise_accuracy"]})
        after = accuracy(fit.weight)
        curve.append({"pairs": used, "seconds": round(train_seconds, 1), "accuracy": after["pairwise_accuracy"]})
    model.train()
    with torch.no_grad():
        save_artifact(model, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    metrics = {"train_pairs": used, "train_pairs_available": len(pairs), "eval_pairs": len(held_out),
               "train_seconds": round(train_seconds, 1), "head_l2": fit.l2, "validation_pairs": fit.validation_pairs,
               "validation_loss_by_l2": {f"{k:g}": v for k, v in fit.validation_loss.items()},
               "validation_accuracy_by_l2": {f"{k:g}": v for k, v in fit.validation_accuracy.items()},
               "curve": curve, **after}
    info(f"head fitted on {used} of {len(pairs)} pairs' frozen features (L2 {fit.l2:g}, chosen on "
         f"{fit.validation_pairs} of them); {train_seconds:.0f}s")
    if after:
        info(f"held-out pairwise accuracy {after['pairwise_accuracy']:.3f}, mean margin {after['mean_margin']:+.3f} "
             f"({len(held_out)} pairs); against training time: "
             + ", ".join(f"{p['pairs']} pairs {p['seconds']:.0f}s {p['accuracy']:.3f}" for p in curve))
    return metrics
