"""RULE.md as code: the three checks the scripted annotator makes of each answer, its vote
on a pair, and the held-out acceptance rate.

The annotator knows the help centre: the documented answer to each support question (the
assistant turns of the quickstart's conversations, 20 articles). An answer is
*acceptable* when it passes all three checks:

1. on topic: it points to the help-centre article for this question: it shares content
   words with that article, and at least as many (as a share of the article) as with any
   other article;
2. signed: it ends with the team's sign-off, "— Nimbus Support";
3. phone-sized: 8 to 45 words before the sign-off.

An answer of fewer than 8 words passes no check at all (an empty reply or a bare sign-off
helps nobody), and a fixed answer given to every question is on topic for one article in
20, so no degenerate answer can reach a high acceptance rate. (A person would also check
that the steps are right; a 135M model after a few minutes of CPU training rarely gets an
article's details right, so the script asks only that the answer is about the right thing.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SIGNATURE = "— Nimbus Support"
MIN_WORDS, MAX_WORDS = 8, 45
CHECKS = ("points to this question's help-centre article", "signed “— Nimbus Support”", "8 to 45 words")
# Words too common in the articles to tell one from another.
COMMON = {"nimbus", "support", "that", "this", "with", "your", "then", "from", "they", "them", "there", "their",
          "have", "will", "when", "into", "once", "both", "very", "more", "after", "before", "every", "open", "settings",
          "choose", "note", "notes", "account", "same", "each", "which", "what", "also", "only", "just", "tap"}


def content_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z][a-z'-]{3,}", text.lower()) if word not in COMMON}


def body_words(answer: str) -> int:
    """Words before the sign-off."""
    text = answer.strip()
    if text.endswith(SIGNATURE):
        text = text[: -len(SIGNATURE)]
    return len(text.split())


class HelpCentre:
    """Question → documented answer, read from chat JSONL files (system, user, assistant)."""

    def __init__(self, *files: Path):
        self.answers: dict[str, str] = {}
        for file in files:
            for line in file.read_text(encoding="utf-8").splitlines():
                messages = json.loads(line)["messages"]
                question = next(m["content"] for m in messages if m["role"] == "user")
                self.answers[question.strip()] = messages[-1]["content"]
        self.articles = {article: content_words(article) for article in dict.fromkeys(self.answers.values())}

    def on_topic(self, question: str, answer: str) -> bool:
        article = self.answers.get(question.strip())
        if article is None:
            raise KeyError(f"the help centre has no article for {question!r}")
        words = content_words(answer)
        share = {other: len(words & keys) / len(keys) for other, keys in self.articles.items()}
        return share[article] > 0 and share[article] == max(share.values())

    def checks(self, question: str, answer: str) -> dict[str, bool]:
        if body_words(answer) < MIN_WORDS:
            return dict.fromkeys(CHECKS, False)
        return dict(zip(CHECKS, (self.on_topic(question, answer), answer.strip().endswith(SIGNATURE),
                                 body_words(answer) <= MAX_WORDS), strict=True))

    def acceptable(self, question: str, answer: str) -> bool:
        return all(self.checks(question, answer).values())

    def score(self, question: str, answer: str) -> int:
        """Being on topic outweighs the two others together: 2 for on topic, 1 each for signed, sized."""
        passed = self.checks(question, answer)
        return 2 * passed[CHECKS[0]] + passed[CHECKS[1]] + passed[CHECKS[2]]

    def vote(self, question: str, first: str, second: str) -> float | None:
        """1 when the first answer is preferred, 0 when the second is, 0.5 for a tie (equal
        scores), None when both are bad (neither passes any check)."""
        a, b = self.score(question, first), self.score(question, second)
        if a == b == 0:
            return None
        return 0.5 if a == b else float(a > b)
