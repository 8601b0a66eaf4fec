"""Sections → chunks a teacher can read: a section that fits stays whole; a longer one is
cut into windows of `max_tokens` tokens that overlap by `overlap` tokens, so a fact cut at
one window's end is whole at the next one's start. Tokens are the tokenizer's when one is
given, else whitespace words."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from tuneline.data.synth.documents import Section


@dataclass
class Chunk:
    id: str  # sha256 of source, heading and text: the cache key, stable across runs
    source: str
    heading: str
    text: str

    @property
    def passage(self) -> str:
        return f"{self.heading}\n\n{self.text}"


def windows(count: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) token windows covering `count` tokens: step size - overlap, the last
    window ending at `count`."""
    if count <= size:
        return [(0, count)]
    step = size - overlap
    spans, start = [], 0
    while True:
        spans.append((start, min(start + size, count)))
        if start + size >= count:
            return spans
        start += step


def chunk_sections(sections: list[Section], max_tokens: int = 256, overlap: int = 32,
                   tokenize: Callable[[str], list] | None = None,
                   detokenize: Callable[[list], str] | None = None) -> list[Chunk]:
    if not 0 <= overlap < max_tokens:
        raise ValueError("overlap must be at least 0 and below max_tokens")
    tokenize = tokenize or str.split
    detokenize = detokenize or " ".join
    chunks = []
    for section in sections:
        tokens = tokenize(section.text)
        spans = windows(len(tokens), max_tokens, overlap)
        for start, end in spans:
            text = section.text if len(spans) == 1 else detokenize(tokens[start:end]).strip()
            key = hashlib.sha256(f"{section.source}\0{section.heading}\0{text}".encode()).hexdigest()[:20]
            chunks.append(Chunk(key, section.source, section.heading, text))
    return chunks
