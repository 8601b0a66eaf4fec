"""Held-out metrics shared by the stages, the eval stage and `tuneline eval`."""

from __future__ import annotations

import math
import statistics
from typing import Any

from tuneline.data.chat import tokenize_conversation
from tuneline.data.records import Conversation, Preference
from tuneline.models.padding import pad_batch
from tuneline.progress import bar
from tuneline.train.logprobs import labelled_token_logprobs, sequence_logprobs


def _device(model):
    return next(model.parameters()).device


def heldout_loss(model, tokenizer, conversations: list[Conversation], max_length: int = 512,
                 batch_size: int = 8) -> dict[str, float]:
    """Token-weighted mean NLL on assistant tokens, and its perplexity."""
    import torch

    examples = [tokenize_conversation(tokenizer, c.messages, max_length) for c in conversations]
    examples = sorted((e for e in examples if e.num_label_tokens), key=lambda e: len(e.input_ids))
    total_nll, total_tokens = 0.0, 0
    was_training = model.training
    model.eval()
    device = _device(model)
    with torch.no_grad():
        for start in bar(range(0, len(examples), batch_size), desc="held-out loss", unit="batch"):
            chunk = examples[start:start + batch_size]
            batch = pad_batch([e.input_ids for e in chunk], [e.labels for e in chunk], tokenizer.pad_token_id)
            logprobs, _ = labelled_token_logprobs(model, **{k: v.to(device) for k, v in batch.items()})
            total_nll -= logprobs.sum().item()
            total_tokens += logprobs.numel()
    model.train(was_training)
    loss = total_nll / max(total_tokens, 1)
    return {"loss": loss, "perplexity": math.exp(min(loss, 50)), "tokens": total_tokens}


def tokenize_preference(tokenizer, preference: Preference, max_length: int):
    """(chosen, rejected) tokenized as prompt + answer, labels on the answer only."""
    first = len(preference.prompt)
    chosen = tokenize_conversation(tokenizer, preference.prompt + preference.chosen, max_length, first)
    rejected = tokenize_conversation(tokenizer, preference.prompt + preference.rejected, max_length, first)
    return chosen, rejected


def pair_logprobs(model, tokenizer, pairs: list[tuple[Any, Any]], batch_size: int = 4, desc: str = "log-probs"):
    """log π(chosen|x), log π(rejected|x) for tokenized pairs, without gradients, in eval
    mode (no dropout); the model's mode is restored."""
    import torch

    chosen_out, rejected_out = [], []
    device = _device(model)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in bar(range(0, len(pairs), batch_size), desc=desc, unit="batch"):
            chunk = pairs[start:start + batch_size]
            sequences = [c.input_ids for c, _ in chunk] + [r.input_ids for _, r in chunk]
            labels = [c.labels for c, _ in chunk] + [r.labels for _, r in chunk]
            batch = pad_batch(sequences, labels, tokenizer.pad_token_id)
            totals, _ = sequence_logprobs(model, **{k: v.to(device) for k, v in batch.items()})
            chosen_out.extend(totals[: len(chunk)].tolist())
            rejected_out.extend(totals[len(chunk):].tolist())
    model.train(was_training)
    return chosen_out, rejected_out


def preference_metrics(policy_chosen: list[float], policy_rejected: list[float], ref_chosen: list[float],
                       ref_rejected: list[float], beta: float) -> dict[str, float]:
    """Accuracy (share of pairs whose chosen answer gets the higher implicit reward; a tie, as
    when the policy is still its own reference, counts as half: chance) and mean margin."""
    chosen_rewards = [beta * (p - r) for p, r in zip(policy_chosen, ref_chosen, strict=True)]
    rejected_rewards = [beta * (p - r) for p, r in zip(policy_rejected, ref_rejected, strict=True)]
    margins = [c - r for c, r in zip(chosen_rewards, rejected_rewards, strict=True)]
    n = max(len(margins), 1)
    return {
        "preference_accuracy": sum(1.0 if m > 0 else 0.5 if m == 0 else 0.0 for m in margins) / n,
        "reward_margin": sum(margins) / n,
        "chosen_reward": sum(chosen_rewards) / n,
        "rejected_reward": sum(rejected_rewards) / n,
        "pairs": len(margins),
    }


def pairwise_metrics(chosen: list[float], rejected: list[float]) -> dict[str, float]:
    """Held-out pairwise accuracy (chosen strictly above rejected), mean margin, and the
    distribution of chosen and rejected rewards."""
    margins = [c - r for c, r in zip(chosen, rejected, strict=False)]

    def spread(values: list[float], prefix: str) -> dict[str, float]:
        ordered = sorted(values)
        return {f"{prefix}_mean": statistics.fmean(values), f"{prefix}_std": statistics.pstdev(values),
                f"{prefix}_p10": ordered[len(ordered) // 10], f"{prefix}_p50": ordered[len(ordered) // 2],
                f"{prefix}_p90": ordered[(len(ordered) * 9) // 10]}

    return {"pairwise_accuracy": sum(m > 0 for m in margins) / len(margins), "mean_margin": statistics.fmean(margins),
            **spread(chosen, "chosen_reward"), **spread(rejected, "rejected_reward")}
