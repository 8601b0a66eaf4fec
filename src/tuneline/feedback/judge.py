"""Comparing two answers under a constitution, in both presentation orders.

A local judge reads the probability of its next token being "A" or "B" after the
comparison prompt (multiple choice by log-probabilities: no text to parse); an endpoint
judge answers in words, read with `parse_verdict`, and a reply naming neither is counted,
never guessed. For answers x, y and principle k, with p_k(first) the judge's probability
that the answer shown first is better:

    P(x ≻ y) = mean over the principles used of ½ · (p_k(x shown first) + 1 − p_k(y shown first))

so a judge that always favours position A gets 0.5 on every pair (Zheng et al. 2023 on
position bias; Bai et al. 2022, §4, ensembling over principles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tuneline.data.records import Message
from tuneline.eval.judges import ChatGenerator, FirstTokenLogprobs, choice_from_logprobs, parse_verdict
from tuneline.feedback.constitution import Principle

JUDGE_SYSTEM = ("You compare two answers to the same request under one principle. Reply with one letter: "
                "A or B.")


def comparison(prompt: list[Message], first: str, second: str, principle: Principle) -> list[Message]:
    request = "\n".join(f"{m['role']}: {m['content']}" for m in prompt if m["role"] != "system")
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"[Request]\n{request}\n\n[Answer A]\n{first}\n\n[Answer B]\n{second}\n\n"
                                        f"{principle.compare} Reply A or B."}]


def choice_probabilities(model, tokenizer, conversations: list[list[Message]], batch_size: int = 8) -> list[float]:
    """For each comparison chat, P("A") / (P("A") + P("B")) as the first token of the reply:
    the judge's probability that answer A is better."""
    from tuneline.eval.choices import first_token_choice

    return [p[0] for p in first_token_choice(model, tokenizer, conversations, [["A"], ["B"]], batch_size)]


@dataclass
class Comparison:
    prefer_first: float  # P(x ≻ y), both orders and the principles averaged
    orders_agree: bool  # each order on its own prefers the same answer
    principles: list[str]


class PairJudge:
    """P(x ≻ y) under principles, both orders. `first_better(conversations)` returns, per
    comparison chat, the probability that answer A is better, or None when unreadable."""

    def __init__(self, first_better: Callable[[list[list[Message]]], list[float | None]], name: str):
        self.first_better, self.name = first_better, name
        self.unreadable = 0  # comparisons whose reply named neither answer (endpoint judges)

    def compare(self, items: list[tuple[list[Message], str, str]], principles: list[list[Principle]]) -> list[
            Comparison | None]:
        """One Comparison per (prompt, x, y), None when no order of any principle was readable."""
        chats, owners = [], []
        for index, ((prompt, x, y), used) in enumerate(zip(items, principles, strict=True)):
            for principle in used:
                chats += [comparison(prompt, x, y, principle), comparison(prompt, y, x, principle)]
                owners.append(index)
        probabilities = self.first_better(chats)
        results: list[Comparison | None] = []
        for index in range(len(items)):
            pairs = [(probabilities[2 * k], probabilities[2 * k + 1]) for k, owner in enumerate(owners) if owner == index]
            readable = [(a, b) for a, b in pairs if a is not None and b is not None]
            self.unreadable += len(pairs) - len(readable)
            if not readable:
                results.append(None)
                continue
            forward = sum(a for a, _ in readable) / len(readable)
            backward = sum(1 - b for _, b in readable) / len(readable)  # x shown second
            results.append(Comparison((forward + backward) / 2, (forward > 0.5) == (backward > 0.5),
                                      [p.name for p in principles[index]]))
        return results


class DecisionJudge:
    """A judge that reads each answer on its own and decides yes or no (e.g. "is this a
    refusal?"): P(x ≻ y) = ½ · (1 + d(x) − d(y)) with d ∈ {0, 1}, so x is preferred only when
    it is a yes and y a no, and two answers with the same decision tie. There is no
    presentation order, so the orders always agree; the principles' wording is not read.
    `decide(prompts, answers)` returns one bool per answer (the prompts are the last user turns)."""

    def __init__(self, decide: Callable[[list[str], list[str]], list[bool]], name: str):
        self.decide, self.name = decide, name
        self.unreadable = 0

    def compare(self, items: list[tuple[list[Message], str, str]], principles: list[list[Principle]]) -> list[
            Comparison | None]:
        requests = [next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "") for prompt, _, _ in items]
        first = self.decide(requests, [x for _, x, _ in items])
        second = self.decide(requests, [y for _, _, y in items])
        return [Comparison((1 + int(a) - int(b)) / 2, True, [p.name for p in used])
                for a, b, used in zip(first, second, principles, strict=True)]


def local_pair_judge(model, tokenizer, batch_size: int = 8, name: str = "local") -> PairJudge:
    return PairJudge(lambda chats: choice_probabilities(model, tokenizer, chats, batch_size), name)


def endpoint_pair_judge(generate: ChatGenerator, name: str, first_tokens: FirstTokenLogprobs | None = None) -> PairJudge:
    """An endpoint judge. With `first_tokens` (an endpoint that reports log-probabilities) it
    reads P("A") / (P("A") + P("B")) of the reply's first token, as a local judge does;
    where that gives nothing, it asks for words: A → 1, B → 0, anything else unreadable
    (tie is not offered)."""
    def first_better(chats: list[list[Message]]) -> list[float | None]:
        out: list[float | None] = [None] * len(chats)
        pending = list(range(len(chats)))
        if first_tokens is not None:
            for index, tokens in enumerate(first_tokens(chats)):
                out[index] = choice_from_logprobs(tokens)
            pending = [index for index, value in enumerate(out) if value is None]
        if pending:
            verdicts = [parse_verdict(reply) for reply in generate([chats[index] for index in pending])]
            for index, verdict in zip(pending, verdicts, strict=True):
                out[index] = {"A": 1.0, "B": 0.0}.get(verdict) if verdict else None  # type: ignore[arg-type]
        return out

    return PairJudge(first_better, name)
