"""Checks every canonical record must pass before it is trained on. Each check raises
`RecordProblem` with a short reason (for the drop summary), the field and the fix."""

from __future__ import annotations

from tuneline.data.problems import RecordProblem
from tuneline.data.records import Conversation, Feedback, LabeledText, Message, Preference, Prompt, Record

# Which role may follow which (None: the start, after an optional system message).
ALLOWED_AFTER: dict[str, set[str | None]] = {
    "user": {None, "assistant"},
    "assistant": {"user", "tool"},
    "tool": {"assistant", "tool"},
}


def check_messages(messages: list[Message], field: str, *, start_after: str | None = None) -> None:
    """Roles alternate (user → assistant → user …, tool results after an assistant call),
    system only first, and nothing is empty."""
    if not messages:
        raise RecordProblem("empty", f"{field} has no messages", f"give {field} at least one message")
    previous = start_after
    for index, message in enumerate(messages):
        role, content = message["role"], message.get("content")
        where = f"{field}[{index}]"
        if role == "system":
            if index != 0 or start_after is not None:
                raise RecordProblem("misplaced system message", f"{where} is a system message after the start",
                                    "put the system message first, once")
            continue
        if not (isinstance(content, str) and content.strip()) and not message.get("tool_calls"):
            raise RecordProblem("empty content", f"{where} ({role}) has empty content",
                                "remove the empty turn or fill it in")
        if previous not in ALLOWED_AFTER[role]:
            after = f"after {_article(previous)} turn" if previous else "at the start"
            raise RecordProblem("roles do not alternate", f"{where} is {_article(role)} turn {after}; "
                                f"expected user and assistant turns to alternate",
                                "merge consecutive turns of the same speaker, or remove the extra one")
        previous = role


def check_conversation(record: Conversation) -> None:
    check_messages(record.messages, "messages")
    if record.messages[-1]["role"] != "assistant":
        raise RecordProblem("last turn is not the assistant's",
                            f"messages ends with a {record.messages[-1]['role']} turn; the last turn of an SFT example "
                            "must be the assistant's answer", "add the assistant's answer, or drop the trailing turn")


def check_prompt(prompt: list[Message], field: str = "prompt") -> None:
    check_messages(prompt, field)
    if prompt[-1]["role"] == "assistant":
        raise RecordProblem("prompt ends with the assistant",
                            f"{field} ends with an assistant turn; it must end with the user's (or a tool's) turn",
                            "move the final assistant turn into the answer")


def _answer(messages: list[Message], field: str, after: str) -> None:
    check_messages(messages, field, start_after=after)
    if messages[0]["role"] != "assistant" or messages[-1]["role"] != "assistant":
        raise RecordProblem("answer is not the assistant's", f"{field} must start and end with assistant turns",
                            f"give {field} as the assistant's reply only")


def check_preference(record: Preference) -> None:
    check_prompt(record.prompt)
    _answer(record.chosen, "chosen", record.prompt[-1]["role"])
    _answer(record.rejected, "rejected", record.prompt[-1]["role"])
    if _texts(record.chosen) == _texts(record.rejected):
        raise RecordProblem("chosen equals rejected", "chosen and rejected are the same answer",
                            "a preference pair needs two different answers; drop this pair")


def check_feedback(record: Feedback) -> None:
    check_prompt(record.prompt)
    _answer(record.completion, "completion", record.prompt[-1]["role"])


def check_labeled_text(record: LabeledText, label_set: set[str] | None = None) -> None:
    if not record.text.strip():
        raise RecordProblem("empty content", "field 'text' is empty", "remove the row or fill in the text")
    labels = record.label if isinstance(record.label, list) else [record.label]
    if not labels or any(not label.strip() for label in labels):
        raise RecordProblem("empty label", "field 'label' is empty", "give every row its label")
    if label_set is not None:
        unknown = [label for label in labels if label not in label_set]
        if unknown:
            shown = ", ".join(sorted(label_set)[:10]) + (" …" if len(label_set) > 10 else "")
            raise RecordProblem("label not in label set", f"label {unknown[0]!r} is not in the label set ({shown})",
                                "fix the label's spelling, or add it to the training data")


def check_record(record: Record, label_set: set[str] | None = None) -> None:
    if isinstance(record, Conversation):
        check_conversation(record)
    elif isinstance(record, Preference):
        check_preference(record)
    elif isinstance(record, Feedback):
        check_feedback(record)
    elif isinstance(record, LabeledText):
        check_labeled_text(record, label_set)
    elif isinstance(record, Prompt):
        check_prompt(record.messages)


def _texts(messages: list[Message]) -> list[str]:
    return [(m.get("content") or "").strip() for m in messages]


def _article(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
