"""Reward model: a scalar sequence-classification head trained on preference pairs with
the Bradley–Terry loss, on a causal LM (LoRA or full) or on an encoder such as MiniLM.

The artifact is a plain Hugging Face folder, model/ (LoRA merged in), that loads with
`AutoModelForSequenceClassification`; PPO, GRPO, RLOO and `tuneline score` read it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
    pooling: Literal["auto", "mean", "cls"] = Field(
        "auto", description="what the score head reads. Encoders as classify's pooling: auto is mean for encoders "
                            "trained with mean pooling (builtin:minilm-l6), the model's own head otherwise. Causal "
                            "LMs: auto (or cls) the last token, mean the mean of the final hidden states over the "
                            "tokens read (kept in config.json, so every scorer pools the same); on HH a linear probe "
                            "on frozen SmolLM2-135M answer means beat its last token on harmless pairs, 0.71 to "
                            "0.61 (benchmarks/RESULTS.md)")
    context_messages: int | None = Field(
        None, ge=0, description="messages before the answer the model reads: 0 the answer alone, 1 the last user "
                                "turn and the answer, None the whole conversation (cut from the left to max_length). "
                                "Kept in the model's config.json, so every scorer feeds it the same")
    dropout: float = Field(
        0.0, ge=0, lt=1, description="dropout probability of the backbone and head while training. 0 by default: "
                                     "chosen and rejected get different dropout masks, and that noise can be larger "
                                     "than the score differences the model is learning (TRL disables it too)")


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
    from tuneline.rl.rewards import CONTEXT_KEY, POOLING_KEY
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

    if model.config.model_type in BERT_SHAPED:
        if previous is None and mean_pooling_wanted(config.pooling, path, model, f"stages.{config.name}.pooling"):
            add_mean_pooling_layer(model)
    elif config.pooling == "mean" and not hasattr(model, "score"):
        from tuneline.errors import ConfigError

        raise ConfigError(f"pooling: mean needs a BERT-shaped encoder or a causal LM with a score head; this one is "
                          f"{model.config.model_type}", where=f"stages.{config.name}.pooling",
                          fix="use pooling: auto or cls")
    else:  # a causal LM: the head reads the last token, or the mean when asked (reward_scores)
        distributed = getattr(ctx.pipeline, "distributed", None)
        if config.pooling == "mean" and distributed is not None and distributed.strategy != "ddp":
            from tuneline.errors import ConfigError

            # reward_scores calls the backbone and the head apart; sharded weights (FSDP, ZeRO-3) are
            # gathered for the model's own forward only
            raise ConfigError(f"pooling: mean on a causal LM does not run under {distributed.strategy}",
                              where=f"stages.{config.name}.pooling",
                              fix="use pooling: auto, or distributed strategy ddp")
        setattr(model.config, POOLING_KEY, "mean" if config.pooling == "mean" else None)
    set_dropout(model, config.dropout)
    setattr(model.config, CONTEXT_KEY, config.context_messages)
    model.to(compute_device())
    _, adapter, _ = planned_weights(ctx.pipeline, config)
    if adapter.type == "lora":
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
