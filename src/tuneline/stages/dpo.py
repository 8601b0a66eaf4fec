"""Direct preference optimisation and its pairwise relatives (IPO, hinge/SLiC, SimPO, ORPO).

The reference is the policy as it enters the stage (`reference: entering`, the default:
after `from: sft` it is the SFT model, as in Rafailov et al. 2023), or the base model
(`reference: base`). Its log-probabilities are computed once, before training, since they
never change: each step then needs one forward pass, not two, and no second copy of the
weights is kept. SimPO and ORPO are reference-free and skip that pass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tuneline.config.schema import ReferenceChoice, TrainingStageConfig
from tuneline.stages.contract import StageContract

CONTRACT = StageContract(
    summary="preference optimisation on chosen/rejected pairs (DPO, IPO, hinge, SimPO, ORPO) against "
            "the entering model",
    reads="preference",
    writes="policy",
    continues=("policy",),
    reference=True,
    data_parallel=True,
)


REFERENCE_FREE = ("simpo", "orpo")


class Config(ReferenceChoice, TrainingStageConfig):
    type: Literal["dpo"] = "dpo"
    beta: float = Field(0.1, gt=0, description="strength of the KL anchor to the reference (β); for orpo the "
                                                 "weight λ of the odds-ratio term")
    loss_type: Literal["sigmoid", "ipo", "hinge", "simpo", "orpo"] = Field(
        "sigmoid", description="sigmoid: DPO; ipo: IPO; hinge: SLiC; simpo: SimPO (reference-free); orpo: ORPO "
                               "(reference-free, NLL of the chosen answer plus an odds-ratio term)")
    label_smoothing: float = Field(0.0, ge=0, lt=0.5, description="assumed share of flipped labels (conservative DPO)")
    simpo_gamma: float = Field(0.5, ge=0, description="SimPO target reward margin γ")
    sft_weight: float = Field(0.0, ge=0, description="add this times the NLL of the chosen answer (RPO-style)")
    learning_rate: float = Field(5e-5, gt=0, description="peak learning rate")
    batch_size: int = Field(4, ge=1, description="preference pairs per micro-batch")
    disable_dropout: bool = Field(True, description="train without dropout (LoRA's included), so that the policy's "
                                  "log-probs match the reference's at the start and do not jitter step to step")


def _step_loss(config: Config, policy_chosen, policy_rejected, reference_chosen, reference_rejected,
               chosen_tokens, rejected_tokens):
    from tuneline.train import preference_losses as losses

    margin = losses.logratio_margin(policy_chosen, policy_rejected, reference_chosen, reference_rejected)
    if config.loss_type == "sigmoid":
        loss = losses.dpo_sigmoid_loss(margin, config.beta, config.label_smoothing)
    elif config.loss_type == "ipo":
        loss = losses.ipo_loss(margin, config.beta)
    elif config.loss_type == "hinge":
        loss = losses.hinge_loss(margin, config.beta)
    elif config.loss_type == "simpo":
        loss = losses.simpo_loss(policy_chosen, policy_rejected, chosen_tokens, rejected_tokens, config.beta,
                                 config.simpo_gamma)
    else:
        loss = losses.orpo_loss(policy_chosen, policy_rejected, chosen_tokens, rejected_tokens, config.beta)
    if config.sft_weight:
        loss = loss + config.sft_weight * (-policy_chosen / chosen_tokens)
    return loss.mean(), margin


def reachable_pairs(pairs, config: Config, seed: int, shape, model) -> tuple[list[int], int | None]:
    """(training pairs whose reference log-probs are needed, steps the budget affords): all
    pairs and no limit, or with a FLOPs budget the batches that fit in it whole (reference
    pass included) and their pairs: scoring the reference of pairs never trained on would
    spend the budget on nothing."""
    from tuneline.runtime import process_rank
    from tuneline.train.flops import forward_flops, training_flops
    from tuneline.train.loop import planned_batches

    if config.budget is None or config.budget.flops is None:
        return list(range(len(pairs))), None
    full = not hasattr(model, "peft_config")
    lengths = [len(c.input_ids) + len(r.input_ids) for c, r in pairs]
    device_type = next(model.parameters()).device.type
    needed: dict[int, None] = {}
    spent, steps = 0.0, 0
    for batch in planned_batches(lengths, config, seed, device_type, process_rank()[1]):
        fresh = [i for i in dict.fromkeys(batch) if i not in needed]
        cost = sum(training_flops(shape, len(e.input_ids), full, e.num_label_tokens) for i in batch for e in pairs[i])
        if config.loss_type not in REFERENCE_FREE:
            cost += sum(forward_flops(shape, len(e.input_ids), e.num_label_tokens) for i in fresh for e in pairs[i])
        if steps and spent + cost > config.budget.flops:
            break
        spent, steps = spent + cost, steps + 1
        needed.update(dict.fromkeys(fresh))
    return sorted(needed), steps


def run(ctx, config: Config) -> dict:
    import torch

    from tuneline.eval.metrics import pair_logprobs, preference_metrics, tokenize_preference
    from tuneline.models.padding import pad_batch
    from tuneline.progress import info
    from tuneline.runtime import process_rank
    from tuneline.stages.common import finish_training, loop_metrics, save_artifact, tokenize_records
    from tuneline.train.dropout import remove_dropout
    from tuneline.train.flops import ModelShape, forward_flops, ledger_for
    from tuneline.train.logprobs import sequence_logprobs
    from tuneline.train.loop import planned_batches, train

    splits = ctx.dataset("preference")
    model, tokenizer = ctx.load_policy()
    if config.disable_dropout:
        remove_dropout(model)
    pairs = tokenize_records(splits.train, lambda p: tokenize_preference(tokenizer, p, config.max_length))
    pairs = [(c, r) for c, r in pairs if c.num_label_tokens and r.num_label_tokens]
    held_out = splits.eval[: config.max_eval_examples] if config.max_eval_examples is not None else splits.eval

    eval_pairs = [tokenize_preference(tokenizer, p, config.max_length) for p in held_out]
    model.eval()
    reference = ctx.reference_for(model, config.reference, during_training=False)
    reference_description, policy_is_reference = reference.description, reference.is_the_policy
    info(f"reference: {reference_description}")
    shape = ModelShape.of(model)
    scored, affordable = reachable_pairs(pairs, config, ctx.seed, shape, model)
    planned = len(list(planned_batches([len(c.input_ids) + len(r.input_ids) for c, r in pairs], config, ctx.seed,
                                       next(model.parameters()).device.type, process_rank()[1])))
    budget_cut = affordable is not None and affordable < planned
    loop_config = config.model_copy(update={"max_steps": affordable}) if budget_cut else config
    if config.loss_type in REFERENCE_FREE:
        scored = []
    with reference.model(model) as reference_model:  # it never changes: score it once, train and held-out pairs
        eval_reference = pair_logprobs(reference_model, tokenizer, eval_pairs, config.batch_size * 2,
                                       "reference (held-out)")
        reference_chosen = reference_rejected = [0.0] * len(pairs)
        if scored:
            chosen, rejected = pair_logprobs(reference_model, tokenizer, [pairs[i] for i in scored],
                                             config.batch_size * 2, "reference (train)")
            reference_chosen, reference_rejected = list(reference_chosen), list(reference_rejected)
            for i, c, r in zip(scored, chosen, rejected, strict=True):
                reference_chosen[i], reference_rejected[i] = c, r
    del reference
    ledger = ledger_for(ctx)
    if scored:  # the reference's log-probs of the training pairs, once
        ledger.add("reference", sum(forward_flops(shape, len(e.input_ids), e.num_label_tokens)
                                    for i in scored for e in pairs[i]))

    def evaluate(m) -> dict[str, float]:
        if not eval_pairs:
            return {}
        policy = pair_logprobs(m, tokenizer, eval_pairs, config.batch_size * 2, "policy (held-out)")
        return preference_metrics(*policy, *eval_reference, config.beta)

    # before any update the policy's held-out log-probs are the reference's, computed just above
    before = preference_metrics(*eval_reference, *eval_reference, config.beta) if policy_is_reference and eval_pairs \
        else evaluate(model)
    device = next(model.parameters()).device

    def step_fn(m, indices: list[int]):
        chunk = [pairs[i] for i in indices]
        batch = pad_batch([c.input_ids for c, _ in chunk] + [r.input_ids for _, r in chunk],
                          [c.labels for c, _ in chunk] + [r.labels for _, r in chunk], tokenizer.pad_token_id)
        batch = {k: v.to(device) for k, v in batch.items()}
        totals, counts = sequence_logprobs(m, **batch)
        n = len(chunk)
        totals = totals.float()
        ref_c = torch.tensor([reference_chosen[i] for i in indices], device=device)
        ref_r = torch.tensor([reference_rejected[i] for i in indices], device=device)
        loss, margin = _step_loss(config, totals[:n], totals[n:], ref_c, ref_r, counts[:n].clamp(min=1),
                                  counts[n:].clamp(min=1))
        return loss, {"tokens": int(batch["attention_mask"].sum()), "reward_margin": config.beta * margin.mean().item(),
                      "reward_accuracy": (margin > 0).float().mean().item()}

    result = train(model, loop_config, ctx, [len(c.input_ids) + len(r.input_ids) for c, r in pairs], step_fn, evaluate,
                   full_finetune=ctx.pipeline.adapter.type == "full",
                   sequences=[((len(c.input_ids), c.num_label_tokens), (len(r.input_ids), r.num_label_tokens))
                              for c, r in pairs], ledger=ledger)
    after = evaluate(model)
    save_artifact(model, tokenizer, ctx.stage_dir)
    finish_training(ctx.stage_dir)
    metrics = {**loop_metrics(result), "train_pairs": len(pairs), "eval_pairs": len(held_out),
               "reference": reference_description}
    if budget_cut and "stopped_by_budget" not in metrics:  # the steps were cut to what the budget affords
        metrics["stopped_by_budget"] = "flops"
    if before:
        metrics.update({f"{k}_before": v for k, v in before.items() if k != "pairs"})
        metrics.update({k: v for k, v in after.items() if k != "pairs"})
        info(f"held-out preference accuracy: {before['preference_accuracy']:.2f} → {after['preference_accuracy']:.2f}")
    return metrics
