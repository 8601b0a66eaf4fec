"""Curation of canonical records: exact and near-duplicate removal, length and quality
filters, PII scrubbing, train/eval leakage, preference-pair checks. Each step reports
its effect (records removed or changed, with a few examples), so a user sees what every
filter did to the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuneline.config.schema import CurationConfig
from tuneline.data.curation.dedupe import (
    find_cross_duplicates,
    find_exact_duplicates,
    find_near_duplicates,
    jaccard,
    normalise,
    shingles,
)
from tuneline.data.curation.pii import scrub_records
from tuneline.data.records import Conversation, Feedback, LabeledText, Message, Preference, Record


@dataclass
class FilterEffect:
    name: str
    removed: int = 0
    changed: int = 0
    examples: list[str] = field(default_factory=list)  # "source: why", at most three
    notes: dict[str, Any] = field(default_factory=dict)

    def note(self, source: str, why: str) -> None:
        if len(self.examples) < 3:
            self.examples.append(f"{source}: {why}")


@dataclass
class CurationResult:
    train: list[Record]
    eval: list[Record]
    effects: list[FilterEffect]

    def to_dict(self) -> dict[str, Any]:
        return {"train": len(self.train), "eval": len(self.eval),
                "filters": [vars(effect) for effect in self.effects]}


# --- the text a record is judged by ----------------------------------------------------

def _join(messages: list[Message]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages)


def record_text(record: Record) -> str:
    """All the text of a record: what duplicates are judged on."""
    if isinstance(record, Conversation):
        return _join(record.messages)
    if isinstance(record, Preference):
        return "\n".join((_join(record.prompt), _join(record.chosen), _join(record.rejected)))
    if isinstance(record, Feedback):
        return "\n".join((_join(record.prompt), _join(record.completion)))
    if isinstance(record, LabeledText):
        return record.text
    return _join(record.messages)


def prompt_text(record: Record) -> str:
    """The question side of a record: leakage is the same question in train and eval."""
    if isinstance(record, Conversation):
        last_answer = max((i for i, m in enumerate(record.messages) if m["role"] == "assistant"), default=len(record.messages))
        return _join(record.messages[:last_answer])
    if isinstance(record, (Preference, Feedback)):
        return _join(record.prompt)
    if isinstance(record, LabeledText):
        return record.text
    return _join(record.messages)


def answer_texts(record: Record) -> list[str]:
    if isinstance(record, Conversation):
        return [str(m.get("content") or "") for m in record.messages if m["role"] == "assistant"][-1:]
    if isinstance(record, Preference):
        return [_join(record.chosen), _join(record.rejected)]
    if isinstance(record, Feedback):
        return [_join(record.completion)]
    if isinstance(record, LabeledText):
        return [record.text]
    return [_join(record.messages)]


# --- filters ----------------------------------------------------------------------------

def repetition_share(text: str) -> float:
    """Share of word 3-grams that repeat an earlier 3-gram in the same text (0 = none)."""
    words = text.lower().split()
    grams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0


def _drop(records: list[Record], drop: dict[int, str], effect: FilterEffect) -> list[Record]:
    for index, why in sorted(drop.items())[:3]:
        effect.note(records[index].source, why)
    effect.removed += len(drop)
    return [record for i, record in enumerate(records) if i not in drop]


def dedupe(records: list[Record], config: CurationConfig, effects: list[FilterEffect]) -> list[Record]:
    texts = [normalise(record_text(r)) for r in records]  # once, for both passes
    if config.exact_dedupe:
        effect = FilterEffect("exact duplicates")
        drop = {d.index: f"repeats {records[d.original].source}" for d in find_exact_duplicates(texts, normalised=True)}
        effects.append(effect)
        texts = [text for i, text in enumerate(texts) if i not in drop]
        records = _drop(records, drop, effect)
    if config.near_dedupe:
        effect = FilterEffect("near duplicates", notes={"threshold": config.near_threshold})
        drop = {d.index: f"~{d.similarity:.2f} similar to {records[d.original].source}"
                for d in find_near_duplicates(texts, config.near_threshold, normalised=True)}
        effects.append(effect)
        records = _drop(records, drop, effect)
    return records


def length_and_quality(records: list[Record], config: CurationConfig, effects: list[FilterEffect]) -> list[Record]:
    effect = FilterEffect("length and quality")
    drop: dict[int, str] = {}
    for index, record in enumerate(records):
        answers = answer_texts(record)
        if any(len(answer.strip()) < config.min_chars for answer in answers):
            drop[index] = f"answer shorter than {config.min_chars} characters"
        elif config.max_chars is not None and len(record_text(record)) > config.max_chars:
            drop[index] = f"longer than {config.max_chars} characters"
        elif any(repetition_share(answer) > config.max_repetition for answer in answers):
            drop[index] = f"more than {config.max_repetition:.0%} repeated 3-grams"
    effects.append(effect)
    return _drop(records, drop, effect)


def preference_pairs(records: list[Record], config: CurationConfig, effects: list[FilterEffect]) -> list[Record]:
    """Pairs whose answers barely differ teach nothing; chosen-longer share flags length bias."""
    pairs = [r for r in records if isinstance(r, Preference)]
    if not pairs:
        return records
    effect = FilterEffect("preference pairs")
    drop = {}
    for index, record in enumerate(records):
        if isinstance(record, Preference):
            similarity = jaccard(shingles(_join(record.chosen)), shingles(_join(record.rejected)))
            if similarity >= config.pair_similarity:
                drop[index] = f"chosen and rejected {similarity:.2f} similar"
    longer = sum(len(_join(p.chosen)) > len(_join(p.rejected)) for p in pairs)
    effect.notes["chosen_longer_share"] = round(longer / len(pairs), 3)
    effects.append(effect)
    return _drop(records, drop, effect)


def leakage(train: list[Record], evaluation: list[Record], config: CurationConfig,
            effects: list[FilterEffect]) -> tuple[list[Record], list[Record]]:
    effect = FilterEffect("train/eval leakage", notes={"action": config.leakage})
    effects.append(effect)
    if not train or not evaluation:
        return train, evaluation
    train_prompts, eval_prompts = [prompt_text(r) for r in train], [prompt_text(r) for r in evaluation]
    if config.leakage == "remove_from_eval":
        found = find_cross_duplicates(train_prompts, eval_prompts, config.near_threshold)
        effect.notes["leaked_eval_records"] = len(found)
        drop = {d.index: f"~{d.similarity:.2f} similar to train {train[d.original].source}" for d in found}
        return train, _drop(evaluation, drop, effect)
    # Index the eval side and query every training record, so each leaking one is found.
    found = find_cross_duplicates(eval_prompts, train_prompts, config.near_threshold)
    effect.notes["leaked_eval_records"] = len({d.original for d in found})
    drop = {d.index: f"~{d.similarity:.2f} similar to eval {evaluation[d.original].source}" for d in found}
    if config.leakage == "report":
        for index, why in sorted(drop.items())[:3]:
            effect.note(train[index].source, why)
        return train, evaluation
    return _drop(train, drop, effect), evaluation


def curate(train: list[Record], evaluation: list[Record], config: CurationConfig) -> CurationResult:
    """Every step in order; dedupe runs within each split, leakage across them."""
    effects: list[FilterEffect] = []
    if config.scrub_pii:
        effect = FilterEffect("PII scrubbing")
        train, evaluation = scrub_records(train, effect), scrub_records(evaluation, effect)
        effects.append(effect)
    train_effects: list[FilterEffect] = []
    eval_effects: list[FilterEffect] = []
    train = dedupe(preference_pairs(length_and_quality(train, config, train_effects), config, train_effects),
                   config, train_effects)
    evaluation = dedupe(preference_pairs(length_and_quality(evaluation, config, eval_effects), config, eval_effects),
                        config, eval_effects)
    for effect in train_effects:
        effect.name = f"train: {effect.name}"
    for effect in eval_effects:
        effect.name = f"eval: {effect.name}"
    effects += train_effects + eval_effects
    train, evaluation = leakage(train, evaluation, config, effects)
    return CurationResult(train, evaluation, effects)
