"""Q&A pairs → the SFT dataset: length filters, near-duplicate questions removed (the
curation's MinHash), a seeded hold-out, and JSONL whose records keep their passage:

    {"messages": [{"role": "user", ...}, {"role": "assistant", ...}],
     "passage": "...", "source": "billing.md > Refunds", "answerable": true, "origin": "teacher"}

Hand-written seed pairs may pin their split (`"split": "train"` or `"eval"`, e.g. a held-out
wording of a trained fact) and list `facts`, the strings a correct answer contains (the qa
suite's exact fact check); both ride along into the written records.

`format: auto` reads the file as chat data (the extra fields ride along); the `qa` eval
suite reads passage and answerable from it."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tuneline.data.synth.chunks import Chunk
from tuneline.data.synth.config import SynthFilters
from tuneline.errors import DataError
from tuneline.io import atomic_write_text


@dataclass
class QAPair:
    question: str
    answer: str
    passage: str
    source: str
    answerable: bool = True
    origin: str = "teacher"  # teacher | seed
    split: str | None = None  # train | eval pins the pair; None: the seeded hold-out decides
    facts: list[str] = field(default_factory=list)

    def row(self) -> dict:
        row = {"messages": [{"role": "user", "content": self.question},
                            {"role": "assistant", "content": self.answer}],
               "passage": self.passage, "source": self.source, "answerable": self.answerable, "origin": self.origin}
        return {**row, "facts": self.facts} if self.facts else row


def filter_pairs(pairs: list[QAPair], filters: SynthFilters, dropped: Counter) -> list[QAPair]:
    """Lengths first, then near-duplicate questions (the first of a group is kept)."""
    from tuneline.data.curation.dedupe import find_near_duplicates

    kept = []
    for pair in pairs:
        if not filters.min_question_chars <= len(pair.question) <= filters.max_question_chars:
            dropped["question length"] += 1
        elif not filters.min_answer_chars <= len(pair.answer) <= filters.max_answer_chars:
            dropped["answer length"] += 1
        else:
            kept.append(pair)
    if filters.near_duplicate_threshold is not None and len(kept) > 1:
        duplicates = {d.index for d in find_near_duplicates([p.question for p in kept],
                                                            filters.near_duplicate_threshold)}
        dropped["near-duplicate question"] += len(duplicates)
        kept = [pair for i, pair in enumerate(kept) if i not in duplicates]
    return kept


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def read_seed_pairs(path: str, chunks: list[Chunk], unanswerable_answer: str) -> list[QAPair]:
    """Hand-written pairs: {question, answer, source?, answerable?, split?, facts?}. The passage
    is the chunk of `source` (any chunk without one) sharing the most words with question and
    answer."""
    from tuneline.data.problems import RowProblem
    from tuneline.data.readers import read_rows

    pairs = []
    for item in read_rows(path, "jsonl"):
        if isinstance(item, RowProblem):
            raise item.to_error()
        row, where = item.data, item.source
        if not isinstance(row.get("question"), str):
            raise DataError("a seed pair needs a 'question' string", where=where,
                            fix='write {"question": ..., "answer": ..., "source": "page.md"}')
        answerable = bool(row.get("answerable", True))
        answer = row.get("answer") or ("" if answerable else unanswerable_answer)
        if not isinstance(answer, str) or not answer:
            raise DataError("an answerable seed pair needs an 'answer' string", where=where,
                            fix='add "answer", or "answerable": false for a question the docs do not cover')
        split, facts = row.get("split"), row.get("facts", [])
        if split not in (None, "train", "eval"):
            raise DataError(f"seed pair split {split!r} is not train or eval", where=where,
                            fix='write "split": "train" or "split": "eval", or leave it out for the seeded hold-out')
        if not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts):
            raise DataError("a seed pair's 'facts' must be a list of non-empty strings", where=where,
                            fix='write e.g. "facts": ["50 GB"]: strings a correct answer contains')
        passage, source = "", row.get("source", "")
        if answerable:
            candidates = [c for c in chunks if not source or c.source == source] or chunks
            wanted = _words(row["question"] + " " + answer)
            best = max(candidates, key=lambda c: len(wanted & _words(c.passage)))
            passage, source = best.passage, f"{best.source} > {best.heading}"
        pairs.append(QAPair(row["question"].strip(), answer.strip(), passage, source, answerable, "seed", split,
                            [f.strip() for f in facts]))
    return pairs


def write_dataset(pairs: list[QAPair], output: Path, eval_fraction: float, seed: int,
                  report: dict) -> tuple[Path, Path]:
    """Seeded hold-out, stratified by answerable/unanswerable, of the pairs whose split is not
    pinned; train.jsonl, eval.jsonl, report.json."""
    rng = random.Random(seed)
    train = [pair for pair in pairs if pair.split == "train"]
    evaluation = [pair for pair in pairs if pair.split == "eval"]
    for answerable in (True, False):
        group = [pair for pair in pairs if pair.answerable is answerable and pair.split is None]
        rng.shuffle(group)
        held = round(len(group) * eval_fraction)
        evaluation += group[:held]
        train += group[held:]
    rng.shuffle(train)
    rng.shuffle(evaluation)  # a capped eval (max_examples) then holds both kinds of question
    paths = output / "train.jsonl", output / "eval.jsonl"
    for path, split in zip(paths, (train, evaluation), strict=True):
        atomic_write_text(path, "".join(json.dumps(p.row(), ensure_ascii=False) + "\n" for p in split))
    report = {**report, "train": len(train), "eval": len(evaluation),
              "unanswerable": {"train": sum(not p.answerable for p in train),
                               "eval": sum(not p.answerable for p in evaluation)},
              "origin": dict(Counter(p.origin for p in pairs))}
    atomic_write_text(output / "report.json", json.dumps(report, indent=2) + "\n")
    return paths
