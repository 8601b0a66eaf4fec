"""Token-length statistics with the model's own tokenizer and chat template: lengths are
measured on exactly what training tokenizes (tuneline.data.chat), so "exceeds
max_length" means "will be truncated"."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from jinja2 import TemplateError

from tuneline.data.chat import tokenize_conversation, tokenize_prompt
from tuneline.data.problems import RecordProblem
from tuneline.data.records import Conversation, Feedback, LabeledText, Preference, Prompt, Record
from tuneline.errors import DataError
from tuneline.progress import bar

TRUNCATION_WARNING_SHARE = 0.05


def template_failure(exc: Exception) -> RecordProblem:
    return RecordProblem("chat template cannot render",
                         f"the model's chat template cannot render this record ({type(exc).__name__}: {str(exc)[:120]})",
                         "remove the roles or tool calls the template does not support, or use a model whose "
                         "template supports them")


def token_length(record: Record, tokenizer) -> int:
    """Tokens training sees for `record` (the longer side of a preference pair).
    A record the chat template cannot render raises RecordProblem."""
    try:
        return _token_length(record, tokenizer)
    except (TemplateError, DataError, ValueError, TypeError, KeyError) as exc:
        raise template_failure(exc) from None


def _token_length(record: Record, tokenizer) -> int:
    if isinstance(record, Conversation):
        return len(tokenize_conversation(tokenizer, record.messages).input_ids)
    if isinstance(record, Preference):
        return max(len(tokenize_conversation(tokenizer, record.prompt + answer).input_ids)
                   for answer in (record.chosen, record.rejected))
    if isinstance(record, Feedback):
        return len(tokenize_conversation(tokenizer, record.prompt + record.completion).input_ids)
    if isinstance(record, Prompt):
        return len(tokenize_prompt(tokenizer, record.messages))
    if isinstance(record, LabeledText):
        return len(tokenizer(record.text)["input_ids"])
    raise TypeError(f"not a record: {type(record).__name__}")


@dataclass
class LengthStats:
    count: int
    measured: int  # records measured (a sample of `count` when it is large)
    min: int
    mean: float
    p50: float
    p90: float
    p99: float
    max: int
    max_length: int | None
    over_max_length: int = 0  # measured records longer than max_length
    over_share: float = 0.0
    mean_excess: float = 0.0  # tokens beyond max_length, averaged over the records that exceed it
    max_excess: int = 0
    bin_edges: list[int] = field(default_factory=list)
    bin_counts: list[int] = field(default_factory=list)
    warning: str | None = None
    unrenderable: int = 0  # records the chat template fails on (not measured)
    unrenderable_example: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def sample_evenly(records: list[Record], limit: int | None) -> list[Record]:
    if limit is None or len(records) <= limit:
        return records
    step = len(records) / limit
    return [records[int(i * step)] for i in range(limit)]


def length_stats(records: list[Record], tokenizer, max_length: int | None = None, bins: int = 10,
                 sample: int | None = 5000) -> LengthStats:
    measured = sample_evenly(records, sample)
    values, failures = [], []
    for record in bar(measured, desc="measuring token lengths", unit="record"):
        try:
            values.append(token_length(record, tokenizer))
        except RecordProblem as problem:
            failures.append(f"{record.source}: {problem.detail}")
    if not values:
        source, _, detail = failures[0].partition(": ")
        raise DataError(f"the model's chat template cannot render any record; the first: {detail}", where=source,
                        fix="use a model whose chat template supports these roles, or fix the records")
    lengths = np.array(values)
    edges = np.histogram_bin_edges(lengths, bins=bins)
    counts, edges = np.histogram(lengths, bins=np.unique(np.ceil(edges).astype(int)))
    stats = LengthStats(count=len(records), measured=len(values), min=int(lengths.min()), mean=float(lengths.mean()),
                        p50=float(np.percentile(lengths, 50)), p90=float(np.percentile(lengths, 90)),
                        p99=float(np.percentile(lengths, 99)), max=int(lengths.max()), max_length=max_length,
                        bin_edges=[int(e) for e in edges], bin_counts=[int(c) for c in counts],
                        unrenderable=len(failures), unrenderable_example=failures[0] if failures else "")
    if max_length is not None:
        excess = lengths[lengths > max_length] - max_length
        stats.over_max_length = int(len(excess))
        stats.over_share = float(len(excess) / len(lengths))
        if len(excess):
            stats.mean_excess, stats.max_excess = float(excess.mean()), int(excess.max())
        if stats.over_share > TRUNCATION_WARNING_SHARE:
            stats.warning = (f"{stats.over_share:.1%} of examples exceed max_length {max_length} and will be truncated "
                             f"(by {stats.mean_excess:.0f} tokens on average); raise max_length or filter long records")
    return stats


def format_length_stats(stats: LengthStats, width: int = 40) -> str:
    sampled = f" (measured on {stats.measured} of {stats.count} records)" if stats.measured < stats.count else ""
    lines = [f"token lengths{sampled}: min {stats.min}, mean {stats.mean:.0f}, p50 {stats.p50:.0f}, "
             f"p90 {stats.p90:.0f}, p99 {stats.p99:.0f}, max {stats.max}"]
    peak = max(stats.bin_counts) if stats.bin_counts else 1
    for low, high, count in zip(stats.bin_edges, stats.bin_edges[1:], stats.bin_counts, strict=False):
        bar = "█" * round(width * count / peak) if peak else ""
        lines.append(f"  {low:>6}–{high:<6} {count:>7}  {bar}")
    if stats.max_length is not None:
        lines.append(f"over max_length {stats.max_length}: {stats.over_max_length} ({stats.over_share:.1%})"
                     + (f", by {stats.mean_excess:.0f} tokens on average, {stats.max_excess} at most"
                        if stats.over_max_length else ""))
    if stats.warning:
        lines.append(f"warning: {stats.warning}")
    if stats.unrenderable:
        lines.append(f"warning: the chat template cannot render {stats.unrenderable} record(s); training would fail "
                     f"on them. First: {stats.unrenderable_example}")
    return "\n".join(lines)


def keep_renderable(records: list[Record], tokenizer, on_invalid: str = "error") -> tuple[list[Record], list[int]]:
    """(records the model's chat template can render, their token lengths). A stage calls
    this once it has its tokenizer, so "a tool role the template cannot render" stops
    with the record's file:line (on_invalid: error) or is skipped (drop, warn) instead of
    surfacing as a Jinja traceback mid-training."""
    kept, lengths = [], []
    for record in bar(records, desc="rendering with the chat template", unit="record"):
        try:
            lengths.append(token_length(record, tokenizer))
        except RecordProblem as problem:
            if on_invalid == "error":
                raise problem.at(record.source).to_error() from None
            continue
        kept.append(record)
    return kept, lengths
