"""The held-out judge of the budget study. No method trains against it: SFT learns the
demonstrations, DPO the preference pairs, PPO and GRPO the reward model trained on those
pairs; this judge compares each answer with the docs team's reference answer to the same
held-out question (examples/quickstart/sft_eval.jsonl, never trained on) and checks the
support leads' two house rules.

    score = 0.6 · F1(answer words, reference words) + 0.2 · opens by acknowledging the customer
          + 0.2 · signs off "— Nimbus Support", minus 0.2 past 60 words: a score in [-0.2, 1]
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

REFERENCES = Path(__file__).resolve().parents[1] / "quickstart" / "sft_eval.jsonl"
OPENERS = ("sorry", "happy to help", "thanks", "thank you", "glad")


@lru_cache(maxsize=1)
def reference_answers() -> dict[str, str]:
    answers = {}
    for line in REFERENCES.read_text().splitlines():
        messages = json.loads(line)["messages"]
        answers[messages[-2]["content"]] = messages[-1]["content"]
    return answers


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def f1(answer: str, reference: str) -> float:
    common = sum((Counter(words(answer)) & Counter(words(reference))).values())
    if not common:
        return 0.0
    precision, recall = common / len(words(answer)), common / len(words(reference))
    return 2 * precision * recall / (precision + recall)


def support_quality(prompts: list[list[dict]], answers: list[str]) -> list[float]:
    scores = []
    for prompt, answer in zip(prompts, answers, strict=True):
        reference = reference_answers().get(prompt[-1]["content"], "")
        opening = answer.strip().lower()
        score = 0.6 * f1(answer, reference) + 0.2 * opening.startswith(OPENERS) + 0.2 * ("nimbus support" in opening)
        scores.append(score - 0.2 * (len(words(answer)) > 60))
    return scores
