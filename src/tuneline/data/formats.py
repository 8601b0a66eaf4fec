"""Row schemas → canonical records, at the edge.

Each converter takes one raw row (a dict) and returns the record its format naturally
describes (Conversation, Preference, Feedback, LabeledText or Prompt). A malformed row
raises `RecordProblem` naming the field and what was expected; nothing else escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tuneline.data.problems import RecordProblem
from tuneline.data.records import Conversation, Feedback, LabeledText, Message, Preference, Prompt, Record

ROLE_ALIASES = {
    "system": "system", "user": "user", "human": "user", "assistant": "assistant", "gpt": "assistant",
    "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant", "bot": "assistant",
    "tool": "tool", "function": "tool", "observation": "tool", "function_response": "tool", "ipython": "tool",
    "function_call": "assistant",
}
MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")


def _missing(field: str, fix: str) -> RecordProblem:
    return RecordProblem("missing field", f"field '{field}' is missing", fix)


def _field(row: dict[str, Any], name: str, fix: str) -> Any:
    if name not in row or row[name] is None:
        raise _missing(name, fix)
    return row[name]


def _text(value: Any, field: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RecordProblem("wrong type", f"field '{field}' must be text, found {type(value).__name__}",
                        f"write '{field}' as a string")


def _content(value: Any, field: str) -> str | None:
    """OpenAI content: a string, or a list of text parts (joined); None is allowed for tool calls."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if isinstance(part, dict) and part.get("type", "text") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            else:
                raise RecordProblem("unsupported content", f"{field} has a non-text part ({str(part)[:60]})",
                                    "only text content is supported; remove image/audio parts")
        return "".join(texts)
    raise RecordProblem("wrong type", f"{field} must be a string, found {type(value).__name__}",
                        "write the message content as a string")


def normalise_message(value: Any, field: str, role_key: str = "role", content_key: str = "content") -> Message:
    if not isinstance(value, dict):
        raise RecordProblem("wrong type", f"{field} must be an object with '{role_key}' and '{content_key}', "
                            f"found {type(value).__name__}", f"write each message as {{\"{role_key}\": ..., \"{content_key}\": ...}}")
    raw_role = value.get(role_key)
    role = ROLE_ALIASES.get(raw_role.strip().lower()) if isinstance(raw_role, str) else None
    if role is None:
        raise RecordProblem("unknown role", f"{field}.{role_key} is {raw_role!r}; expected system, user, assistant or tool",
                            "use OpenAI roles (system/user/assistant/tool) or ShareGPT ones (human/gpt)")
    message: Message = {"role": role, "content": _content(value.get(content_key), f"{field}.{content_key}")}
    for key in ("name", "tool_calls", "tool_call_id"):
        if value.get(key) is not None:
            message[key] = value[key]
    if "tool_calls" in message and not isinstance(message["tool_calls"], list):
        raise RecordProblem("wrong type", f"{field}.tool_calls must be a list, found {type(message['tool_calls']).__name__}",
                            "write tool_calls as a list of {\"type\": \"function\", \"function\": {...}}")
    if message["content"] is None and not message.get("tool_calls"):
        raise RecordProblem("empty content", f"{field}.{content_key} is missing", "give every message its text")
    return message


def message_list(value: Any, field: str, default_role: str, role_key: str = "role",
                 content_key: str = "content") -> list[Message]:
    """A list of messages, or a plain string taken as one message with `default_role`."""
    if isinstance(value, str):
        return [{"role": default_role, "content": value}]
    if not isinstance(value, list):
        raise RecordProblem("wrong type", f"field '{field}' must be a string or a list of messages, "
                            f"found {type(value).__name__}", f"write '{field}' as text or as [{{\"role\": ..., \"content\": ...}}]")
    return [normalise_message(item, f"{field}[{i}]", role_key, content_key) for i, item in enumerate(value)]


# --- Anthropic HH transcripts ----------------------------------------------------------

HH_MARKER = re.compile(r"(?:^|\n\n)(Human|Assistant):")


def is_hh_transcript(value: Any) -> bool:
    """Text that starts with a 'Human:'/'Assistant:' turn or contains a '\n\nHuman:' one."""
    if not isinstance(value, str):
        return False
    return bool(re.match(r"\s*(Human|Assistant):", value)) or "\n\nHuman:" in value


def parse_hh(text: str, field: str) -> list[Message]:
    """'\\n\\nHuman: … \\n\\nAssistant: …' → messages. A trailing empty 'Assistant:' (the
    generation cue of a prompt) is dropped."""
    text = text.lstrip("\n")
    parts = HH_MARKER.split(text)
    if parts[0].strip():
        raise RecordProblem("not an HH transcript", f"field '{field}' must start with 'Human:' or 'Assistant:', "
                            f"found {parts[0][:40]!r}", "write turns as '\\n\\nHuman: …\\n\\nAssistant: …'")
    messages = [{"role": "user" if speaker == "Human" else "assistant", "content": body.strip()}
                for speaker, body in zip(parts[1::2], parts[2::2], strict=True)]
    if messages and messages[-1]["role"] == "assistant" and not messages[-1]["content"]:
        messages.pop()
    return messages


def _completion(value: Any, field: str) -> list[Message]:
    if isinstance(value, str) and HH_MARKER.search(value):
        return parse_hh(value, field)
    if isinstance(value, str):
        return [{"role": "assistant", "content": value.strip()}]
    return message_list(value, field, "assistant")


def split_shared_prompt(chosen: list[Message], rejected: list[Message]) -> Preference:
    """Implicit prompt: the longest common prefix of chosen and rejected, cut before the
    first assistant turn where they differ."""
    shared = 0
    while shared < min(len(chosen), len(rejected)) and chosen[shared] == rejected[shared]:
        shared += 1
    # The answers start at an assistant turn, so back off to the last one in the shared part.
    while shared > 0 and (shared >= len(chosen) or chosen[shared]["role"] != "assistant"):
        shared -= 1
    if shared == 0:
        raise RecordProblem("prompt not shared", "chosen and rejected do not start with the same prompt",
                            "both must continue the same conversation; or give 'prompt' separately")
    return Preference(prompt=chosen[:shared], chosen=chosen[shared:], rejected=rejected[shared:])


# --- one converter per schema ------------------------------------------------------------

def from_messages(row: dict[str, Any]) -> Conversation:
    key = "messages" if "messages" in row else "conversations"
    value = _field(row, key, "give the chat as 'messages': [{\"role\": ..., \"content\": ...}, ...]")
    if not isinstance(value, list):
        raise RecordProblem("wrong type", f"field '{key}' must be a list of messages, found {type(value).__name__}",
                            "write 'messages' as a JSON list")
    return Conversation(message_list(value, key, "user"))


def from_sharegpt(row: dict[str, Any]) -> Conversation:
    value = _field(row, "conversations", "give the chat as 'conversations': [{\"from\": ..., \"value\": ...}, ...]")
    if not isinstance(value, list):
        raise RecordProblem("wrong type", f"field 'conversations' must be a list, found {type(value).__name__}",
                            "write 'conversations' as a JSON list")
    messages = message_list(value, "conversations", "user", role_key="from", content_key="value")
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        messages.insert(0, {"role": "system", "content": system})
    return Conversation(messages)


def from_alpaca(row: dict[str, Any]) -> Conversation:
    instruction = _text(_field(row, "instruction", "add 'instruction' (the task)"), "instruction")
    extra = row.get("input")
    extra = _text(extra, "input") if extra is not None else ""
    output = _text(_field(row, "output", "add 'output' (the answer)"), "output")
    prompt = f"{instruction.strip()}\n\n{extra.strip()}" if extra.strip() else instruction.strip()
    messages: list[Message] = []
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system})
    messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": output.strip()}]
    return Conversation(messages)


def _prompt(row: dict[str, Any]) -> list[Message]:
    value = _field(row, "prompt", "add 'prompt'")
    if isinstance(value, str) and HH_MARKER.search(value):
        return parse_hh(value, "prompt")
    return message_list(value, "prompt", "user")


def from_prompt_completion(row: dict[str, Any]) -> Conversation:
    completion = _completion(_field(row, "completion", "add 'completion' (the answer)"), "completion")
    return Conversation(_prompt(row) + completion)


def from_prompt_only(row: dict[str, Any]) -> Prompt:
    metadata = {k: v for k, v in row.items() if k != "prompt" and isinstance(v, (str, int, float, bool))}
    return Prompt(_prompt(row), metadata=metadata)


def from_preference(row: dict[str, Any]) -> Preference:
    chosen_raw = _field(row, "chosen", "add 'chosen' (the preferred answer)")
    rejected_raw = _field(row, "rejected", "add 'rejected' (the dispreferred answer)")
    if "prompt" in row and row["prompt"] is not None:
        return Preference(_prompt(row), _completion(chosen_raw, "chosen"), _completion(rejected_raw, "rejected"))
    chosen, rejected = _completion(chosen_raw, "chosen"), _completion(rejected_raw, "rejected")
    if isinstance(chosen_raw, str) and not HH_MARKER.search(chosen_raw):
        raise RecordProblem("missing field", "field 'prompt' is missing and chosen/rejected are plain text",
                            "add 'prompt', or give chosen/rejected as whole conversations")
    return split_shared_prompt(chosen, rejected)


def from_hh(row: dict[str, Any]) -> Record:
    if "chosen" in row or "rejected" in row:
        return from_preference(row)
    text = _text(_field(row, "text", "give the transcript as 'text', or chosen/rejected"), "text")
    return Conversation(parse_hh(text, "text"))


TRUE_LABELS = {"true", "1", "yes", "good", "desirable"}
FALSE_LABELS = {"false", "0", "no", "bad", "undesirable"}


def _bool_label(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_LABELS | FALSE_LABELS:
        return value.strip().lower() in TRUE_LABELS
    raise RecordProblem("invalid label", f"field 'label' is {value!r}; expected true or false",
                        "use true (good completion) or false (bad completion)")


def from_kto(row: dict[str, Any]) -> Feedback:
    label = _bool_label(_field(row, "label", "add 'label': true or false"))
    completion = _completion(_field(row, "completion", "add 'completion'"), "completion")
    return Feedback(_prompt(row), completion, label)


def from_text_label(row: dict[str, Any]) -> LabeledText:
    text = _text(_field(row, "text", "add a 'text' column (or map yours with `columns:`)"), "text")
    label = _field(row, "label", "add a 'label' column (or map yours with `columns:`)")
    if isinstance(label, list):
        return LabeledText(text, [_text(item, "label") for item in label])
    if isinstance(label, bool):
        label = str(label).lower()
    return LabeledText(text, _text(label, "label").strip())


CONVERTERS: dict[str, Callable[[dict[str, Any]], Record]] = {
    "messages": from_messages, "sharegpt": from_sharegpt, "alpaca": from_alpaca,
    "prompt_completion": from_prompt_completion, "prompt_only": from_prompt_only,
    "preference": from_preference, "hh": from_hh, "kto": from_kto, "text_label": from_text_label,
}
