"""What each task trains on, and how a format's natural records turn into it.

sft → Conversation · preference → Preference · feedback → Feedback ·
classification → LabeledText · prompt → Prompt (the messages before the final answer).
"""

from __future__ import annotations

from tuneline.data.problems import RecordProblem
from tuneline.data.records import Conversation, Feedback, LabeledText, Preference, Prompt, Record
from tuneline.errors import DataError

TASKS = ("sft", "preference", "feedback", "classification", "prompt")

# The task a format's natural records serve, for `task="auto"` (inspect, prepare).
DEFAULT_TASK = {"messages": "sft", "sharegpt": "sft", "alpaca": "sft", "prompt_completion": "sft", "hh": "preference",
                "preference": "preference", "kto": "feedback", "text_label": "classification", "prompt_only": "prompt"}

# (natural record type, task) → how it is used; absent pairs cannot be used for that task.
USES = {
    (Conversation, "sft"): "the conversation as is",
    (Preference, "sft"): "prompt + chosen answer",
    (Preference, "preference"): "as is",
    (Preference, "feedback"): "chosen → good, rejected → bad (unpaired)",
    (Preference, "prompt"): "the prompt",
    (Feedback, "feedback"): "as is",
    (Feedback, "prompt"): "the prompt",
    (Conversation, "prompt"): "the messages before the final assistant answer",
    (Prompt, "prompt"): "as is",
    (LabeledText, "classification"): "as is",
}


def check_task(task: str) -> None:
    if task not in TASKS and task != "auto":
        raise DataError(f"unknown task '{task}'", fix=f"use one of: {', '.join(TASKS)}")


def task_use(record_type: type, task: str, schema: str, where: str) -> str:
    """How records of `record_type` serve `task`; a DataError when they cannot."""
    use = USES.get((record_type, task))
    if use is None:
        usable = sorted({t for (kind, t) in USES if kind is record_type})
        raise DataError(f"format '{schema}' holds {record_type.__name__} records, which cannot be used for '{task}' "
                        f"(they can be used for: {', '.join(usable)})", where=where,
                        fix=f"give this stage a dataset of the right kind for '{task}', or set `format:` if "
                            "the detection was wrong")
    return use


def to_task(record: Record, task: str) -> list[Record]:
    """The records `record` yields for `task` (one, or two for preference → feedback)."""
    source = record.source
    if task == "sft" and isinstance(record, Preference):
        return [Conversation(record.prompt + record.chosen, source=source)]
    if task == "feedback" and isinstance(record, Preference):
        return [Feedback(record.prompt, record.chosen, True, source=source),
                Feedback(record.prompt, record.rejected, False, source=source)]
    if task == "prompt" and isinstance(record, (Preference, Feedback)):
        return [Prompt(record.prompt, source=source)]
    if task == "prompt" and isinstance(record, Conversation):
        messages = list(record.messages)
        while messages and messages[-1]["role"] == "assistant":
            messages.pop()
        if not messages:
            raise RecordProblem("no prompt", "the conversation has no turn before the assistant's answer",
                                "start the conversation with a user turn")
        return [Prompt(messages, source=source)]
    return [record]
