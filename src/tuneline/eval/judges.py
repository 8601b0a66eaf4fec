"""Judges compare two answers to the same prompt and say which is better.

A judge sees a `PairwiseItem` (prompt, answer in position A, answer in position B) and
returns a verdict "A", "B" or "tie". Two kinds:

- `RewardModelJudge`: a sequence-classification reward model (the reward stage's
  artifact) scores each answer; the higher score wins. It has no position to be biased by,
  but goes through the same protocol so win rates are computed one way.
- `LLMJudge`: a chat model reads both answers and names the better one. The chat model is
  any callable from judge conversations to reply texts: a local model through
  `generate_chat` (`local_chat_generator`) or an OpenAI-compatible endpoint
  (`openai_chat_generator`). LLM judges favour a position, which is why `winrate` asks
  every question in both orders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from tuneline.data.records import Message
from tuneline.errors import ConfigError

Verdict = Literal["A", "B", "tie"]
ChatGenerator = Callable[[list[list[Message]]], list[str]]
RewardSource = Callable[[list[list[Message]], list[str]], list[float]]


@dataclass(frozen=True)
class PairwiseItem:
    prompt: list[Message]
    first: str  # shown in position A
    second: str  # shown in position B


class Judge(Protocol):
    name: str

    def judge(self, items: list[PairwiseItem]) -> list[Verdict]: ...


def verdict_from_scores(first: float, second: float, tie_margin: float = 0.0) -> Verdict:
    """The better-scored answer wins; a difference within `tie_margin` is a tie."""
    if first - second > tie_margin:
        return "A"
    if second - first > tie_margin:
        return "B"
    return "tie"


# ── reward model judge ──────────────────────────────────────────────────────────────


class RewardModelJudge:
    """Prefers the answer its reward model scores higher.

    `reward` is a reward source as in `tuneline.rl.rewards` (prompts, completions) → floats,
    e.g. `RewardModelReward(<reward stage folder>)`.
    """

    def __init__(self, reward: RewardSource, tie_margin: float = 0.0, name: str = "reward-model"):
        self.reward, self.tie_margin, self.name = reward, tie_margin, name
        self._cache: dict[tuple[str, str], float] = {}

    def scores(self, prompts: list[list[Message]], answers: list[str]) -> list[float]:
        """Rewards, each (prompt, answer) scored once however many times it is asked."""
        keys = [(repr(p), a) for p, a in zip(prompts, answers, strict=True)]
        unique = list({k: i for i, k in enumerate(keys) if k not in self._cache}.values())
        if unique:
            fresh = self.reward([prompts[i] for i in unique], [answers[i] for i in unique])
            self._cache.update({keys[i]: s for i, s in zip(unique, fresh, strict=True)})
        return [self._cache[k] for k in keys]

    def judge(self, items: list[PairwiseItem]) -> list[Verdict]:
        prompts = [item.prompt for item in items]
        first = self.scores(prompts, [item.first for item in items])
        second = self.scores(prompts, [item.second for item in items])
        return [verdict_from_scores(a, b, self.tie_margin) for a, b in zip(first, second, strict=True)]


# ── LLM judge ───────────────────────────────────────────────────────────────────────

JUDGE_SYSTEM = (
    "You compare two answers to the same request. Judge helpfulness, correctness and clarity; "
    "ignore which answer comes first and how long each is. Reply with one word: A if answer A is "
    "better, B if answer B is better, tie if neither is better."
)


def judge_conversation(item: PairwiseItem) -> list[Message]:
    """The chat a judge model answers for one comparison."""
    request = "\n".join(f"{m['role']}: {m['content']}" for m in item.prompt)
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {"role": "user", "content": f"[Request]\n{request}\n\n[Answer A]\n{item.first}\n\n[Answer B]\n{item.second}\n\n"
                                    "Which answer is better? Reply A, B or tie."},
    ]


# A and B only in capitals: a lowercase "a" is an article, not a verdict.
_VERDICT = re.compile(r"\b((?i:tie)|A|B)\b")


def parse_verdict(reply: str) -> Verdict | None:
    """The first A / B / tie in a judge's reply; None when it names none of them."""
    match = _VERDICT.search(reply)
    if match is None:
        return None
    word = match.group(1)
    return "tie" if word.lower() == "tie" else word.upper()  # type: ignore[return-value]


class LLMJudge:
    """Asks a chat model which answer is better; an unreadable reply counts as a tie."""

    def __init__(self, generate: ChatGenerator, name: str = "llm"):
        self.generate, self.name = generate, name
        self.unparsed = 0  # replies that named no verdict (reported with the win rate)

    def judge(self, items: list[PairwiseItem]) -> list[Verdict]:
        replies = self.generate([judge_conversation(item) for item in items])
        verdicts: list[Verdict] = []
        for reply in replies:
            verdict = parse_verdict(reply)
            if verdict is None:
                self.unparsed += 1
            verdicts.append(verdict or "tie")
        return verdicts


def local_chat_generator(model, tokenizer, max_new_tokens: int = 8, batch_size: int = 8) -> ChatGenerator:
    """A judge backed by a local chat model, through the same generation code as evaluation."""
    from tuneline.eval.generate import generate_chat

    def generate(conversations: list[list[Message]]) -> list[str]:
        return [g.text for g in generate_chat(model, tokenizer, conversations, max_new_tokens=max_new_tokens,
                                              batch_size=batch_size, desc="judging")]

    return generate


def _endpoint(model: str, base_url: str | None, api_key: str | None, timeout_s: float):
    """A function (messages, **options) → the endpoint's first choice, with a one-line error
    for a server that is down or too slow."""
    try:
        import openai
    except ImportError:
        raise ConfigError("the openai judge needs the openai package", fix="pip install openai") from None
    client = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=1)

    def ask(messages: list[Message], **options):
        try:
            response = client.chat.completions.create(model=model, messages=messages, temperature=0.0, **options)
        except openai.APITimeoutError:
            raise ConfigError(f"the judge endpoint {base_url or 'api.openai.com'} did not answer within "
                              f"{timeout_s:g} s", fix="check the server, or raise the judge's timeout") from None
        except openai.APIConnectionError as exc:
            raise ConfigError(f"cannot reach the judge endpoint {base_url or 'api.openai.com'}: {exc}",
                              fix="start the server, or set judge.base_url to a reachable one") from None
        return response.choices[0]

    return ask


def openai_chat_generator(model: str, base_url: str | None = None, api_key: str | None = None,
                          max_tokens: int = 8, timeout_s: float = 600.0) -> ChatGenerator:
    """A judge behind an OpenAI-compatible endpoint (OpenAI, vLLM, `tuneline serve`, …)."""
    ask = _endpoint(model, base_url, api_key, timeout_s)

    def generate(conversations: list[list[Message]]) -> list[str]:
        from tuneline.progress import bar

        return [ask(messages, max_tokens=max_tokens).message.content or ""
                for messages in bar(conversations, desc=f"judging with {model}", unit="comparison")]

    return generate


FirstTokenLogprobs = Callable[[list[list[Message]]], list[dict[str, float] | None]]


def openai_first_token_logprobs(model: str, base_url: str | None = None, api_key: str | None = None,
                                timeout_s: float = 600.0, top: int = 20) -> FirstTokenLogprobs:
    """For each conversation, the endpoint's log-probabilities of the `top` likeliest first
    tokens of its reply ({token text: log-probability}), or None where it reports none
    (`logprobs: true, top_logprobs: 20`; OpenAI, vLLM and `tuneline serve` do)."""
    ask = _endpoint(model, base_url, api_key, timeout_s)

    def first_tokens(conversations: list[list[Message]]) -> list[dict[str, float] | None]:
        from tuneline.progress import bar

        out: list[dict[str, float] | None] = []
        for messages in bar(conversations, desc=f"judging with {model}", unit="comparison"):
            choice = ask(messages, max_tokens=1, logprobs=True, top_logprobs=top)
            content = getattr(choice.logprobs, "content", None) or []
            out.append({alt.token: alt.logprob for alt in content[0].top_logprobs} if content else None)
        return out

    return first_tokens


def choice_from_logprobs(first_tokens: dict[str, float] | None, options: tuple[str, str] = ("A", "B")) -> float | None:
    """P(first option) / (P(first) + P(second)) from a first token's top log-probabilities; an
    option not among them counts as 0 (less likely than every listed token); None when neither is."""
    import math

    if not first_tokens:
        return None
    first, second = (math.exp(first_tokens[o]) if o in first_tokens else 0.0 for o in options)
    return first / (first + second) if first + second > 0 else None
