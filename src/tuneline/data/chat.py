"""The one place where chat messages become text and tokens.

Training, evaluation, generation and serving all call `render_prompt` /
`tokenize_conversation`, so a model sees the same bytes everywhere. The loss mask is
derived from the rendered text itself: each assistant turn's span is the difference
between the template rendered up to that turn (with the generation prompt) and the
template rendered through it. That works for any prefix-stable chat template, without
the `{% generation %}` markers that TRL's `assistant_only_loss` needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneline.data.records import Message
from tuneline.errors import DataError

IGNORE_INDEX = -100


@dataclass
class TokenizedExample:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX where no loss is taken
    truncated: bool = False

    @property
    def num_label_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def _template(tokenizer, messages: list[Message], add_generation_prompt: bool) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt
        )
    # A tokenizer without a template (a base model): a plain, readable fallback.
    text = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
    return text + ("assistant: " if add_generation_prompt else "")


def render_prompt(tokenizer, messages: list[Message]) -> str:
    """The text a model continues to answer `messages` (generation prompt included)."""
    return _template(tokenizer, messages, add_generation_prompt=True)


def assistant_spans(tokenizer, messages: list[Message], first_labelled_turn: int = 0) -> tuple[str, list[tuple[int, int]]]:
    """Render `messages`; return the text and the character spans of assistant turns
    at index `first_labelled_turn` or later.

    Each span covers the assistant's content and its end-of-turn marker (EOS for chat
    templates such as ChatML), and excludes the whitespace that follows it.
    """
    full = _template(tokenizer, messages, add_generation_prompt=False)
    spans: list[tuple[int, int]] = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        if i < first_labelled_turn:
            continue
        before = _template(tokenizer, messages[:i], add_generation_prompt=True) if i else ""
        through = _template(tokenizer, messages[: i + 1], add_generation_prompt=False)
        if not full.startswith(through) or not through.startswith(before):
            raise DataError(
                "the tokenizer's chat template is not prefix-stable, so assistant turns "
                "cannot be located for the loss mask",
                fix="use a model whose chat template renders earlier turns identically",
            )
        end = len(through.rstrip())
        spans.append((len(before), end))
    return full, spans


def tokenize_conversation(
    tokenizer,
    messages: list[Message],
    max_length: int | None = None,
    first_labelled_turn: int = 0,
) -> TokenizedExample:
    """Tokenize a conversation with labels on assistant tokens only, ending with EOS.

    `first_labelled_turn` leaves earlier assistant turns unlabelled (DPO labels only the
    answer after the prompt)."""
    text, spans = assistant_spans(tokenizer, messages, first_labelled_turn=first_labelled_turn)
    eos = tokenizer.eos_token
    encoded = tokenizer(text.rstrip(), add_special_tokens=False, return_offsets_mapping=True)
    input_ids = list(encoded["input_ids"])
    offsets = encoded["offset_mapping"]
    labels = [IGNORE_INDEX] * len(input_ids)
    for token_index, (start, end) in enumerate(offsets):
        if end <= start:
            continue
        for span_start, span_end in spans:
            if start >= span_start and end <= span_end:
                labels[token_index] = input_ids[token_index]
                break
    # Every training example ends with EOS, whether or not the template put one there.
    if eos is not None and (not input_ids or input_ids[-1] != tokenizer.eos_token_id):
        input_ids.append(tokenizer.eos_token_id)
        labels.append(tokenizer.eos_token_id if messages and messages[-1]["role"] == "assistant" else IGNORE_INDEX)
    truncated = False
    if max_length is not None and len(input_ids) > max_length:
        input_ids, labels, truncated = input_ids[:max_length], labels[:max_length], True
    return TokenizedExample(input_ids=input_ids, labels=labels, truncated=truncated)


def tokenize_prompt(tokenizer, messages: list[Message]) -> list[int]:
    """Token ids of the generation prompt for `messages` (for rollouts and generation)."""
    return list(tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"])
