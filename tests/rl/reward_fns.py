"""Reward functions the RL tests name as `reward_fns.py:<function>`."""

import math


def mentions_lumo(prompts, completions):
    """1 when the answer names the product, plus a little for brevity: a reward in [0, 1]."""
    return [0.7 * ("lumo" in c.lower()) + 0.3 * (len(c.split()) <= 30) for c in completions]


def raises(prompts, completions):
    raise ValueError("scoring service unavailable")


def returns_nan(prompts, completions):
    return [math.nan] * len(completions)


def returns_too_few(prompts, completions):
    return [1.0] * (len(completions) - 1)


def one_token_repeated(prompts, completions):
    """The share of an answer's words that are its most frequent word: pays for saying one thing over and over."""
    rewards = []
    for completion in completions:
        words = completion.split()
        rewards.append(max(map(words.count, words)) / len(words) if words else 0.0)
    return rewards



def longer_is_better(prompts, completions):
    """One point per 10 characters, whatever they say: pays for length alone."""
    return [len(c) / 10 for c in completions]


def says_yes_again(prompts, completions):
    """One point per "yes" in the answer: pays for repeating one token."""
    return [float(c.lower().split().count("yes")) for c in completions]


def brief_answers(prompts, completions):
    """A held-out judge for the length runs: 1 / (1 + words), so the shorter the better."""
    return [1 / (1 + len(c.split())) for c in completions]
