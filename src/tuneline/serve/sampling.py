"""Next-token choice and incremental detokenisation: small pure pieces of the decode loop."""

from __future__ import annotations

import torch


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al. 2020, arXiv 1904.09751, Eq. 2 and 3).

    Keep the smallest set of tokens whose probabilities sum to at least `top_p`; every
    other logit becomes -inf. `logits` is one row (vocab,).
    """
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    # A token is dropped when the mass *before* it already reaches top_p, so the token that
    # crosses the threshold stays in the nucleus.
    drop_sorted = (cumulative - torch.softmax(sorted_logits, dim=-1)) >= top_p
    drop = torch.zeros_like(drop_sorted).scatter(0, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def choose_token(logits: torch.Tensor, temperature: float, top_p: float,
                 generator: torch.Generator | None = None) -> int:
    """Greedy for temperature 0; otherwise sample from softmax(logits / T) within the top-p nucleus."""
    if temperature <= 0.0:
        return int(torch.argmax(logits))
    scaled = top_p_filter(logits.float() / temperature, top_p)
    probabilities = torch.softmax(scaled, dim=-1)
    return int(torch.multinomial(probabilities, 1, generator=generator))


class IncrementalDecoder:
    """Turns a growing list of token ids into text pieces for streaming.

    Decoding token by token breaks multi-byte characters (a byte-level BPE token can hold
    half of one), so the whole sequence is decoded and only the new, complete suffix is
    handed out; a trailing U+FFFD means "wait for the next token".
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.token_ids: list[int] = []
        self.text = ""

    def add(self, token_id: int) -> str:
        self.token_ids.append(token_id)
        text = self.tokenizer.decode(self.token_ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):
            return ""
        piece = text[len(self.text):]
        self.text = text
        return piece


def find_stop(text: str, stops: list[str]) -> int:
    """Index where the earliest stop string begins in `text`, or -1."""
    positions = [text.find(stop) for stop in stops if stop]
    positions = [p for p in positions if p >= 0]
    return min(positions) if positions else -1
