"""Implicit DPO rewards on held-out preference pairs, each target against its own reference.

r(x, y) = β (log π(y|x) − log π_ref(y|x)) (Eq. 5 of arXiv 2305.18290), where π_ref is the
model the target's stage started from (the `from:` stage, or the base under `reference:
base`): a DPO stage continued from SFT is measured against the SFT model, so its margins
start at 0 and show what DPO itself added. A model given from outside the run is measured
against its own base (adapters off) when it has an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneline.data.records import Preference
from tuneline.eval.targets import Target


@dataclass
class PairScores:
    chosen: list[float]  # log π(y_w|x) per pair
    rejected: list[float]
    base: tuple[list[float], list[float]] | None = None  # the same under the adapters-off base


def score_pairs(model, tokenizer, preferences: list[Preference], max_length: int, batch_size: int,
                with_base: bool) -> PairScores:
    from tuneline.eval.metrics import pair_logprobs, tokenize_preference

    pairs = [tokenize_preference(tokenizer, p, max_length) for p in preferences]
    model.eval()
    scores = PairScores(*pair_logprobs(model, tokenizer, pairs, batch_size, "preference log-probs"))
    if with_base and hasattr(model, "disable_adapter"):
        with model.disable_adapter():
            scores.base = pair_logprobs(model, tokenizer, pairs, batch_size, "base log-probs")
    return scores


def implicit_rewards(scores: dict[str, PairScores], targets: list[Target], beta: float,
                     notes: list[str]) -> dict[str, dict[str, Any]]:
    """`preference` results per target, each naming the reference it was measured against."""
    from tuneline.eval.metrics import preference_metrics

    results = {}
    for target in targets:
        own = scores.get(target.name)
        if own is None:
            continue
        if target.reference_target is not None:
            reference = scores[target.reference_target]
            label, reference_scores = target.reference_target, (reference.chosen, reference.rejected)
        elif own.base is not None:
            label, reference_scores = "its base (adapters off)", own.base
        else:
            if target.name != "base":
                notes.append(f"{target.name}: no implicit DPO reward (no reference known for a model without "
                             "an adapter)")
            continue
        results[target.name] = {**preference_metrics(own.chosen, own.rejected, *reference_scores, beta),
                                "reference": label}
    measured = [f"{name} against {r['reference']}" for name, r in results.items()]
    if measured:
        notes.append("implicit rewards (preference.*): " + "; ".join(measured))
    return results
