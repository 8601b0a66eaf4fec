"""How often a judge agrees with people: its pairwise accuracy as a predictor of human
preference labels (e.g. Anthropic HH's chosen/rejected), before anyone trusts it to label
data (ai_feedback) or to score models (eval).

For each labelled pair the judge compares the chosen and the rejected answer in both
presentation orders under the principles given (feedback/judge.py): P(chosen ≻ rejected).
It agrees with the label when that is above ½; exactly ½ (e.g. a judge that always picks
the first position) counts as half an agreement, as a coin would. Pairs whose every
comparison was unreadable (an endpoint that named neither answer) are left out and counted.
Beside it, on the same pairs, the longer-answer rule (the answer with more words wins), the
baseline a judge has to beat to show it reads more than length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneline.data.records import Preference
from tuneline.errors import UserError
from tuneline.eval.significance import wilson_interval
from tuneline.feedback.constitution import Principle
from tuneline.feedback.judge import PairJudge


def answer_text(messages) -> str:
    """The answer of a preference record: its assistant turns, joined."""
    return "\n".join(m["content"] for m in messages if m["role"] == "assistant")


def half_credit(score: float) -> float:
    """1 when the first of two is preferred, ½ for a tie, 0 otherwise."""
    return 1.0 if score > 0.5 else 0.5 if score == 0.5 else 0.0


def judge_agreement(judge: PairJudge, pairs: Sequence[Preference], principles: Sequence[Principle]) -> dict[str, Any]:
    """The judge's agreement with the pairs' labels, with a Wilson 95% interval, and the
    longer-answer baseline on the same pairs."""
    if not pairs:
        raise UserError("no preference pairs to measure the judge on", fix="give a file of chosen/rejected pairs")
    items = [(pair.prompt, answer_text(pair.chosen), answer_text(pair.rejected)) for pair in pairs]
    unreadable_before = judge.unreadable
    comparisons = judge.compare(items, [list(principles)] * len(items))
    judged = [(item, c) for item, c in zip(items, comparisons, strict=True) if c is not None]
    if not judged:
        raise UserError(f"the judge {judge.name} gave no readable verdict on any of the {len(items)} pairs",
                        fix="check that the judge answers with the letter A or B (a chat model, not a base model)")
    agreements = sum(half_credit(c.prefer_first) for _, c in judged)
    low, high = wilson_interval(agreements, len(judged))
    longer = [half_credit(0.5 + 0.5 * _sign(len(chosen.split()) - len(rejected.split()))) for _, chosen, rejected in
              (item for item, _ in judged)]
    longer_low, longer_high = wilson_interval(sum(longer), len(longer))
    return {
        "judge": judge.name, "principles": [p.name for p in principles], "pairs": len(items), "judged": len(judged),
        "unreadable_comparisons": judge.unreadable - unreadable_before,
        "accuracy": agreements / len(judged), "ci_low": low, "ci_high": high,
        "mean_p_chosen": sum(c.prefer_first for _, c in judged) / len(judged),
        "orders_agree": sum(c.orders_agree for _, c in judged) / len(judged),
        "longer_answer_accuracy": sum(longer) / len(longer), "longer_answer_ci_low": longer_low,
        "longer_answer_ci_high": longer_high,
    }


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)
