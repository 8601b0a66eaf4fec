"""Scrubbing of e-mail addresses, phone numbers and payment-card numbers.

Card numbers are only replaced when they pass the Luhn checksum (ISO/IEC 7812-1), so
order numbers and other long digit runs are left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

from tuneline.data.records import Message, Record

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
# A phone number: optional +country code, an area code (in parentheses or followed by a
# separator), then two groups of 3-4 digits; or a bare local 555-0199. Separators are
# required and the number must stand alone (not inside a URL, a longer number or a range
# such as 18755-18761 or 1918-1919), which keeps page ranges, years and ids intact.
_ALONE_BEFORE = r"(?<![\w/=.+-])"
_ALONE_AFTER = r"(?![\w/-]|\.\d)"
PHONE = re.compile(
    _ALONE_BEFORE + r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}" + _ALONE_AFTER
    + "|" + _ALONE_BEFORE + r"\d{3}-\d{4}" + _ALONE_AFTER)
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")


def luhn_valid(digits: str) -> bool:
    """Luhn: double every second digit from the right, subtract 9 above 9; sum % 10 == 0."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def scrub_text(text: str, counts: Counter | None = None) -> str:
    counts = counts if counts is not None else Counter()

    def card(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        if luhn_valid(digits):
            counts["card"] += 1
            return "[CARD]"
        return match.group()

    def phone(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        if 7 <= len(digits) <= 15 and not DATE.fullmatch(match.group()):
            counts["phone"] += 1
            return "[PHONE]"
        return match.group()

    def email(match: re.Match) -> str:
        counts["email"] += 1
        return "[EMAIL]"

    text = EMAIL.sub(email, text)
    text = CARD.sub(card, text)
    return PHONE.sub(phone, text)


def _scrub_messages(messages: list[Message], counts: Counter) -> list[Message]:
    return [{**m, "content": scrub_text(m["content"], counts)} if isinstance(m.get("content"), str) else m
            for m in messages]


def scrub_record(record: Record, counts: Counter) -> Record:
    changes: dict[str, Any] = {}
    for name in ("messages", "prompt", "chosen", "rejected", "completion"):
        value = getattr(record, name, None)
        if isinstance(value, list):
            changes[name] = _scrub_messages(value, counts)
    if isinstance(getattr(record, "text", None), str):
        changes["text"] = scrub_text(record.text, counts)
    return replace(record, **changes)


def scrub_records(records: list[Record], effect) -> list[Record]:
    """Scrub every record; `effect` (a curate.FilterEffect) counts records changed and kinds found."""
    out = []
    for record in records:
        counts: Counter = Counter()
        scrubbed = scrub_record(record, counts)
        if counts:
            effect.changed += 1
            effect.note(record.source, ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
            for kind, n in counts.items():
                effect.notes[kind] = effect.notes.get(kind, 0) + n
        out.append(scrubbed)
    return out
