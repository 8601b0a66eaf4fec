"""`format: auto`: which row schema a dataset uses, and why we think so."""

from __future__ import annotations

from typing import Any

from tuneline.data.formats import CONVERTERS, is_hh_transcript
from tuneline.errors import DataError

SCHEMA_ALIASES = {"openai": "messages", "chatml": "messages", "classification": "text_label", "csv_label": "text_label",
                  "trl": "prompt_completion", "dpo": "preference", "anthropic": "hh", "prompt": "prompt_only"}


def _keys(row: dict[str, Any]) -> str:
    return ", ".join(f"'{key}'" for key in list(row)[:8])


def _sharegpt_style(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict) and "from" in value[0]


def detect_schema(row: dict[str, Any]) -> tuple[str, str]:
    """(schema, why) from the fields of one record (the first readable one)."""
    has = row.__contains__
    seen = f"the first record has fields {_keys(row)}"
    if has("messages"):
        return "messages", f"{seen}: 'messages' is the OpenAI chat format"
    if has("conversations"):
        if _sharegpt_style(row["conversations"]):
            return "sharegpt", f"{seen}: 'conversations' with from/value turns is ShareGPT"
        return "messages", f"{seen}: 'conversations' with role/content turns is the OpenAI chat format"
    if has("instruction") and has("output"):
        return "alpaca", f"{seen}: instruction/input/output is Alpaca"
    if has("chosen") and has("rejected"):
        hh = any(is_hh_transcript(row.get(key)) for key in ("prompt", "chosen"))
        if hh:
            return "hh", f"{seen}: chosen/rejected with '\\n\\nHuman: … \\n\\nAssistant:' transcripts is Anthropic HH"
        shape = "prompt/chosen/rejected" if has("prompt") else "chosen/rejected with an implicit shared prompt"
        style = "conversational" if isinstance(row.get("chosen"), list) else "standard (text)"
        return "preference", f"{seen}: {shape} is TRL preference data, {style}"
    if has("prompt") and has("completion") and has("label"):
        return "kto", f"{seen}: prompt/completion/label is TRL unpaired preference (KTO)"
    if has("prompt") and has("completion"):
        style = "conversational" if isinstance(row.get("prompt"), list) else "standard (text)"
        return "prompt_completion", f"{seen}: prompt/completion is TRL prompt-completion, {style}"
    if has("text") and is_hh_transcript(row.get("text")):
        return "hh", f"{seen}: 'text' holds a '\\n\\nHuman: … \\n\\nAssistant:' transcript (Anthropic HH)"
    if has("text") and has("label"):
        return "text_label", f"{seen}: text/label is a classification table"
    if has("prompt"):
        return "prompt_only", f"{seen}: 'prompt' alone is a TRL prompt-only dataset"
    raise DataError(f"cannot tell the dataset format: {seen}, which match no known format",
                    fix="rename fields with `columns:` (e.g. columns: {question: prompt, answer: completion}) "
                        "or set `format:` to one of " + ", ".join(sorted(CONVERTERS)))


def schema_from_name(name: str) -> str | None:
    """The schema a `format:` value names, or None when it names only a container."""
    name = SCHEMA_ALIASES.get(name, name)
    return name if name in CONVERTERS else None
