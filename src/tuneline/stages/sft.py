"""Supervised fine-tuning: next-token loss on assistant tokens of chat conversations."""

from __future__ import annotations

from typing import Literal

from tuneline.config.schema import TrainingStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="supervised fine-tuning: next-token loss on the assistant tokens of conversations",
    reads="sft",
    writes="policy",
    continues=("policy",),
    data_parallel=True,
)


class Config(TrainingStageConfig):
    type: Literal["sft"] = "sft"


def run(ctx, config: Config) -> dict:
    from tuneline.data.chat import tokenize_conversation
    from tuneline.eval.metrics import heldout_loss
    from tuneline.models.padding import pad_batch
    from tuneline.progress import info
    from tuneline.stages.common import finish_training, loop_metrics, save_artifact, tokenize_records
    from tuneline.train.logprobs import causal_lm_loss
    from tuneline.train.loop import train

    splits = ctx.dataset("sft")
    model, tokenizer = ctx.load_policy()
    examples = tokenize_records(splits.train, lambda c: tokenize_conversation(tokenizer, c.messages, config.max_length))
    truncated = sum(e.truncated for e in examples)
    examples = [e for e in examples if e.num_label_tokens]
    if truncated:
        info(f"{truncated} of {len(splits.train)} training examples were longer than max_length={config.max_length} "
             "and were truncated")
    held_out = splits.eval[: config.max_eval_examples] if config.max_eval_examples is not None else splits.eval

    def evaluate(m) -> dict[str, float]:
        return heldout_loss(m, tokenizer, held_out, config.max_length) if held_out else {}

    before = evaluate(model)
    device = next(model.parameters()).device

    def step_fn(m, indices: list[int]):
        chunk = [examples[i] for i in indices]
        batch = pad_batch([e.input_ids for e in chunk], [e.labels for e in chunk], tokenizer.pad_token_id)
        batch = {k: v.to(device) for k, v in batch.items()}
        loss, _ = causal_lm_loss(m, **batch)
        return loss, {"tokens": int(batch["attention_mask"].sum())}

    result = train(model, config, ctx, [len(e.input_ids) for e in examples], step_fn, evaluate,
                   full_finetune=ctx.pipeline.adapter.type == "full",
                   weights=[e.num_label_tokens for e in examples],
                   sequences=[((len(e.input_ids), e.num_label_tokens),) for e in examples])
    after = evaluate(model)
    save_artifact(model, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    metrics = {**loop_metrics(result), "train_examples": len(examples), "truncated_examples": truncated,
               "eval_examples": len(held_out)}
    if before:
        metrics.update(eval_loss_before=before["loss"], eval_loss=after["loss"], eval_perplexity=after["perplexity"])
        info(f"held-out loss: {before['loss']:.4f} → {after['loss']:.4f}")
    return metrics
