"""KTO (Ethayarajh et al. 2024, arXiv 2402.01306): alignment from unpaired answers, each
labelled desirable or undesirable, with a prospect-theory value around a KL reference point.

Data: `feedback` records (prompt, completion, good/bad); a preference file also works, its
chosen answers counting as desirable and its rejected ones as undesirable, unpaired. The
reference is the entering policy (or the base, `reference: base`), scored once before
training as in DPO. The reference point z₀ = KL(π‖π_ref) is estimated, as in the paper, on
mismatched pairs: each prompt with another example's completion (a fixed seeded pairing),
averaged over each forward pass's examples, clamped at 0 and not differentiated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.config.schema import ReferenceChoice, TrainingStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="KTO: alignment from unpaired answers labelled desirable or undesirable, against the "
            "entering model",
    reads="feedback",
    writes="policy",
    continues=("policy",),
    reference=True,
    data_parallel=True,
)


class Config(ReferenceChoice, TrainingStageConfig):
    type: Literal["kto"] = "kto"
    beta: float = Field(0.1, gt=0, description="β: how sharply the value saturates around the reference point")
    desirable_weight: float = Field(1.0, gt=0, description="λ_D, weight of desirable answers")
    undesirable_weight: float = Field(1.0, gt=0, description="λ_U, weight of undesirable answers (the paper "
                                      "suggests λ_D·n_D / (λ_U·n_U) between 1 and 4/3)")
    learning_rate: float = Field(5e-5, gt=0, description="peak learning rate")
    batch_size: int = Field(8, ge=1, description="answers per micro-batch")
    disable_dropout: bool = Field(True, description="train without dropout, so that the policy starts equal to "
                                  "the reference")


def mismatched_order(count: int, seed: int) -> list[int]:
    """A seeded pairing i → j ≠ i (for count > 1): a shuffled cycle."""
    import random

    order = list(range(count))
    random.Random(seed).shuffle(order)
    partner = [0] * count
    for position, index in enumerate(order):
        partner[index] = order[(position + 1) % count]
    return partner


def tokenize_feedback(tokenizer, records, max_length: int, seed: int):
    """(answer, mismatched answer) token pairs and each record's label."""
    from tuneline.data.chat import tokenize_conversation

    partner = mismatched_order(len(records), seed)
    tokenized = []
    for record, other in zip(records, partner, strict=True):
        first = len(record.prompt)
        tokenized.append((tokenize_conversation(tokenizer, record.prompt + record.completion, max_length, first),
                          tokenize_conversation(tokenizer, record.prompt + records[other].completion, max_length,
                                                first)))
    return tokenized, [bool(r.label) for r in records]


def heldout_rewards(policy: tuple[list[float], list[float]], reference: tuple[list[float], list[float]],
                    labels: list[bool], beta: float) -> dict[str, float]:
    """Mean implicit reward β·log π/π_ref of desirable and undesirable answers, and their gap."""
    rewards = [beta * (p - r) for p, r in zip(policy[0], reference[0], strict=True)]
    good = [r for r, label in zip(rewards, labels, strict=True) if label]
    bad = [r for r, label in zip(rewards, labels, strict=True) if not label]
    mean = lambda values: sum(values) / len(values) if values else 0.0  # noqa: E731
    return {"desirable_reward": mean(good), "undesirable_reward": mean(bad), "reward_gap": mean(good) - mean(bad)}


def run(ctx, config: Config) -> dict:
    import torch

    from tuneline.eval.metrics import pair_logprobs
    from tuneline.models.padding import pad_batch
    from tuneline.progress import info
    from tuneline.stages.common import finish_training, loop_metrics, save_artifact
    from tuneline.train.dropout import remove_dropout
    from tuneline.train.logprobs import sequence_logprobs
    from tuneline.train.loop import train
    from tuneline.train.preference_losses import kto_loss

    splits = ctx.dataset("feedback")
    model, tokenizer = ctx.load_policy()
    if config.disable_dropout:
        remove_dropout(model)
    examples, labels = tokenize_feedback(tokenizer, splits.train, config.max_length, ctx.seed)
    held_out = splits.eval[: config.max_eval_examples] if config.max_eval_examples is not None else splits.eval
    eval_examples, eval_labels = tokenize_feedback(tokenizer, held_out, config.max_length, ctx.seed)
    model.eval()
    reference = ctx.reference_for(model, config.reference, during_training=False)
    info(f"reference: {reference.description}")
    with reference.model(model) as reference_model:
        reference_train = pair_logprobs(reference_model, tokenizer, examples, config.batch_size, "reference (train)")
        reference_eval = pair_logprobs(reference_model, tokenizer, eval_examples, config.batch_size,
                                       "reference (held-out)")
    description = reference.description
    del reference

    def evaluate(m) -> dict[str, float]:
        if not eval_examples:
            return {}
        policy = pair_logprobs(m, tokenizer, eval_examples, config.batch_size, "policy (held-out)")
        return heldout_rewards(policy, reference_eval, eval_labels, config.beta)

    before = evaluate(model)
    device = next(model.parameters()).device

    def step_fn(m, indices: list[int]):
        chunk = [examples[i] for i in indices]
        answers = pad_batch([a.input_ids for a, _ in chunk], [a.labels for a, _ in chunk], tokenizer.pad_token_id)
        policy, _ = sequence_logprobs(m, **{k: v.to(device) for k, v in answers.items()})
        with torch.no_grad():
            mismatched = pad_batch([b.input_ids for _, b in chunk], [b.labels for _, b in chunk],
                                   tokenizer.pad_token_id)
            policy_kl, _ = sequence_logprobs(m, **{k: v.to(device) for k, v in mismatched.items()})
        reference_kl = torch.tensor([reference_train[1][i] for i in indices], device=device)
        kl_estimate = (policy_kl.float() - reference_kl).mean().clamp(min=0)
        reference_logps = torch.tensor([reference_train[0][i] for i in indices], device=device)
        desirable = torch.tensor([labels[i] for i in indices], device=device)
        loss = kto_loss(policy.float(), reference_logps, desirable, kl_estimate, config.beta,
                        config.desirable_weight, config.undesirable_weight)
        return loss.mean(), {"tokens": int(answers["attention_mask"].sum()), "kl_estimate": kl_estimate.item()}

    result = train(model, config, ctx, [len(a.input_ids) for a, _ in examples], step_fn, evaluate,
                   full_finetune=ctx.pipeline.adapter.type == "full")
    after = evaluate(model)
    save_artifact(model, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    metrics = {**loop_metrics(result), "reference": description, "train_examples": len(examples),
               "desirable_examples": sum(labels), "eval_examples": len(eval_examples)}
    if before:
        metrics.update({f"{k}_before": v for k, v in before.items()})
        metrics.update(after)
        info(f"held-out reward gap (desirable − undesirable): {before['reward_gap']:.3f} → {after['reward_gap']:.3f}")
    return metrics
