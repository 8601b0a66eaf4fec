"""Win rate of model A against model B, debiased for the judge's position preference.

Every prompt is judged twice: A's answer first, then B's answer first. A judge that
always picks the first position therefore gives one vote to each model, and the prompt
is a tie: position bias cancels instead of deciding the result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tuneline.data.records import Message
from tuneline.eval.judges import Judge, PairwiseItem, Verdict
from tuneline.eval.significance import wilson_interval

_A_SCORE_FORWARD = {"A": 1.0, "B": 0.0, "tie": 0.5}  # A's answer shown first
_A_SCORE_BACKWARD = {"A": 0.0, "B": 1.0, "tie": 0.5}  # B's answer shown first


def combine_orders(forward: Verdict, backward: Verdict) -> float:
    """Model A's score on one prompt from both orders: the mean of its two votes
    (1 win, 0.5 tie, 0 loss), so it lies in {0, 0.25, 0.5, 0.75, 1}."""
    return (_A_SCORE_FORWARD[forward] + _A_SCORE_BACKWARD[backward]) / 2


def outcome(score: float) -> str:
    """'win', 'loss' or 'tie' for model A from its combined score."""
    return "win" if score > 0.5 else "loss" if score < 0.5 else "tie"


@dataclass
class WinRate:
    model_a: str
    model_b: str
    judge: str
    prompts: int
    wins: int
    losses: int
    ties: int
    win_rate: float  # (wins + ties / 2) / prompts
    ci_low: float  # 95% Wilson interval of win_rate
    ci_high: float
    order_agreement: float  # share of prompts where both orders agreed: low means a position-biased judge
    first_position_share: float  # share of single verdicts that picked position A (0.5 = unbiased)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(model_a: str, model_b: str, judge_name: str, forward: list[Verdict],
              backward: list[Verdict]) -> tuple[WinRate, list[float]]:
    """Counts, win rate and interval from the verdicts of both orders; also per-prompt scores."""
    scores = [combine_orders(f, b) for f, b in zip(forward, backward, strict=True)]
    outcomes = [outcome(s) for s in scores]
    n = len(scores)
    wins, losses, ties = outcomes.count("win"), outcomes.count("loss"), outcomes.count("tie")
    successes = wins + ties / 2
    low, high = wilson_interval(successes, n)
    # Orders agree when the same *model* is preferred (or both are ties).
    agreed = sum(1 for f, b in zip(forward, backward, strict=True) if _A_SCORE_FORWARD[f] == _A_SCORE_BACKWARD[b])
    decided = [v for v in forward + backward if v != "tie"]
    first_share = sum(v == "A" for v in decided) / len(decided) if decided else 0.5
    result = WinRate(model_a=model_a, model_b=model_b, judge=judge_name, prompts=n, wins=wins, losses=losses,
                     ties=ties, win_rate=successes / n if n else 0.5, ci_low=low, ci_high=high,
                     order_agreement=agreed / n if n else 1.0, first_position_share=first_share)
    return result, scores


def pairwise_winrate(judge: Judge, prompts: list[list[Message]], answers_a: list[str], answers_b: list[str],
                     model_a: str = "A", model_b: str = "B") -> tuple[WinRate, list[dict[str, Any]]]:
    """Judge A against B on every prompt in both orders; the win rate and one record per prompt."""
    if not (len(prompts) == len(answers_a) == len(answers_b)):
        raise ValueError("prompts, answers_a and answers_b must have the same length")
    forward = judge.judge([PairwiseItem(p, a, b) for p, a, b in zip(prompts, answers_a, answers_b, strict=True)])
    backward = judge.judge([PairwiseItem(p, b, a) for p, a, b in zip(prompts, answers_a, answers_b, strict=True)])
    result, scores = summarise(model_a, model_b, judge.name, forward, backward)
    records = [{"prompt": p, model_a: a, model_b: b, "verdict_a_first": f, "verdict_b_first": k,
                "score_a": s, "outcome_a": outcome(s)}
               for p, a, b, f, k, s in zip(prompts, answers_a, answers_b, forward, backward, scores, strict=True)]
    return result, records
