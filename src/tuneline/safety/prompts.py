"""Prompt sets for the audit: the shipped sets, or any prompt file.

The shipped sets: `redteam` (harmful requests, plain and inside jailbreak wrappers),
`benign` (look-alikes of harmful requests that are fine to answer) and `everyday` (ordinary
requests, some multi-turn, all in the group `everyday`: over-refusal of what any assistant
should answer). A `categories` filter keeps the prompts of those categories in the sets that
have categories; a set without any (everyday) is kept whole, since no category can select
among its prompts.

A prompt file is JSONL, JSON, CSV/TSV or Parquet (the data readers' containers); each row
has the prompt (`prompt`, `text` or OpenAI `messages`; an Anthropic HH transcript is cut
before its last assistant turn), and optionally `category` (one of
CATEGORIES), `kind` (harmful: counted for unsafe compliance; benign: for over-refusal)
and a grouping (`target_group` or `group`: ToxiGen-style files are reported per target
group). A ToxiGen row's `label` (1 toxic, 0 benign) sets its kind when `kind` is absent.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from tuneline.data.formats import is_hh_transcript, parse_hh
from tuneline.errors import DataError, UserError
from tuneline.progress import info

CATEGORIES = ("violence", "weapons", "self-harm", "illegal activity", "hate", "harassment", "privacy", "malware",
              "fraud")
SHIPPED = {"redteam": "redteam.jsonl", "benign": "benign.jsonl", "everyday": "everyday.jsonl"}
DATA_DIR = Path(__file__).parent / "data"
KINDS = ("harmful", "benign")


@dataclass(frozen=True)
class AuditPrompt:
    id: str
    messages: list  # OpenAI-style messages ending with the user's request
    kind: str  # harmful or benign
    category: str  # one of CATEGORIES, or "uncategorised"
    group: str  # what results are broken down by: the category, or a file's target group
    source: str  # file:line

    @property
    def text(self) -> str:
        return self.messages[-1]["content"]


def shipped_path(name: str) -> Path:
    return DATA_DIR / SHIPPED[name]


def check_category(name: str, where: str) -> str:
    if name in CATEGORIES:
        return name
    close = difflib.get_close_matches(name, CATEGORIES, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UserError(f"unknown category '{name}'", where=where,
                    fix=f"{hint}use one of: {', '.join(CATEGORIES)} (or put other groupings under target_group)")


def _kind(row: dict, default: str | None, where: str) -> str:
    kind = row.get("kind")
    if kind is None and "label" in row:  # ToxiGen: 1 = toxic statement, 0 = benign
        kind = "harmful" if str(row["label"]).strip() in ("1", "True", "true", "toxic", "hate") else "benign"
    kind = kind or default
    if kind not in KINDS:
        raise DataError(f"field 'kind' is {kind!r}, not harmful or benign", where=where,
                        fix="set kind to harmful or benign (or pass --kind for the whole file)")
    return kind


def _messages(row: dict, where: str) -> list:
    if isinstance(row.get("messages"), list) and row["messages"]:
        return [{"role": m.get("role", "user"), "content": str(m.get("content", ""))} for m in row["messages"]]
    for field in ("prompt", "text", "instruction", "question"):
        value = row.get(field)
        if isinstance(value, str) and value.strip():
            if is_hh_transcript(value):  # Anthropic HH: the conversation up to the assistant's turn
                messages = [dict(m) for m in parse_hh(value, field)]
                return messages[:-1] if messages[-1]["role"] == "assistant" else messages
            return [{"role": "user", "content": value.strip()}]
    raise DataError("the row has no prompt", where=where,
                    fix="give each row a non-empty `prompt` (or `text`, or OpenAI `messages`)")


def load_prompts(path: str | Path, kind: str | None = None, categories: list[str] | None = None) -> list[AuditPrompt]:
    """The prompts of a shipped set name (redteam, benign, everyday) or a file, filtered to `categories`
    unless none of its prompts has a category."""
    from tuneline.data.problems import RowProblem
    from tuneline.data.readers import detect_container, read_rows

    name = str(path)
    file = shipped_path(name) if name in SHIPPED else Path(name)
    if not file.exists():
        raise DataError("the prompt file does not exist", where=name,
                        fix=f"give a prompt file, or one of the shipped sets: {', '.join(SHIPPED)}")
    wanted = [check_category(c, "--categories") for c in categories or []]
    container, _ = detect_container(str(file))
    prompts = []
    for row in read_rows(str(file), container):
        if isinstance(row, RowProblem):
            raise row.to_error()
        data = row.data
        category = str(data.get("category") or "uncategorised")
        if category != "uncategorised":
            check_category(category, f"{row.source} (field 'category')")
        group = str(data.get("target_group") or data.get("group") or category)
        prompts.append(AuditPrompt(id=str(data.get("id") or row.source), messages=_messages(data, row.source),
                                   kind=_kind(data, kind, row.source), category=category, group=group,
                                   source=row.source))
    if not prompts:
        raise DataError("the prompt file holds no prompts", where=name,
                        fix="add one prompt per line ({\"prompt\": ..., \"category\": ...}), or use a shipped set")
    if wanted and any(p.category != "uncategorised" for p in prompts):
        prompts = [p for p in prompts if p.category in wanted]
        if not prompts:
            raise DataError(f"no prompt of {name} is in the categories {wanted}", where="--categories",
                            fix="drop --categories, or pick categories the file has")
    elif wanted:
        info(f"{name} has no categories: --categories keeps all {len(prompts)} of its prompts")
    return prompts
