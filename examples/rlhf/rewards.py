"""The programmatic reward of the RLHF example: answer in at most 30 words and name the
product. Called by the ppo/grpo stages as rewards.py:concise_and_named."""

from __future__ import annotations

import re

PRODUCT = "Lumo"


def concise_and_named(prompts: list[list[dict]], completions: list[str]) -> list[float]:
    """0.5 for naming the Lumo + 0.5 for an answer of 1–30 words: a reward in [0, 1]."""
    rewards = []
    for completion in completions:
        words = len(completion.split())
        named = re.search(rf"\b{PRODUCT}\b", completion, flags=re.IGNORECASE) is not None
        rewards.append(0.5 * named + 0.5 * (0 < words <= 30))
    return rewards
