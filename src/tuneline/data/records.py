"""Canonical records. Every input format is converted to these at the edge; only these
travel inward (rendering, training, evaluation).

A message is a plain dict in OpenAI style: {"role": ..., "content": ...} (plus optional
"name", "tool_calls", "tool_call_id"), so that chat templates receive it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


@dataclass
class Conversation:
    """A chat for SFT: the loss falls on the assistant turns."""

    messages: list[Message]
    source: str = ""  # "file:line" of the record it came from


@dataclass
class Preference:
    """A prompt (messages) with a preferred and a dispreferred assistant answer."""

    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    source: str = ""


@dataclass
class Feedback:
    """A prompt and one completion, labelled good (True) or bad (False): KTO data."""

    prompt: list[Message]
    completion: list[Message]
    label: bool
    source: str = ""


@dataclass
class LabeledText:
    """A text and its label (or labels, for multi-label classification)."""

    text: str
    label: str | list[str]
    source: str = ""


@dataclass
class Prompt:
    """A prompt for online methods (PPO, GRPO, RLOO) and generation."""

    messages: list[Message]
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""


Record = Conversation | Preference | Feedback | LabeledText | Prompt
