"""`tuneline data inspect FILE`: what the loader detected, what it kept and dropped, the
token-length histogram, and three records rendered exactly as training will see them
(the chat template applied, the tokens the loss falls on marked ⟦ like this ⟧)."""

from __future__ import annotations

from jinja2 import TemplateError

from tuneline.config.references import CHAT_MODEL, ENCODER
from tuneline.data.chat import IGNORE_INDEX, render_prompt, tokenize_conversation
from tuneline.data.load import LoadReport, load_records
from tuneline.data.records import Conversation, Feedback, LabeledText, Message, Preference, Prompt, Record
from tuneline.data.stats import format_length_stats, length_stats, template_failure


def render_for_training(tokenizer, messages: list[Message], first_labelled_turn: int = 0) -> str:
    """Decoded training tokens, with the labelled (loss) spans between ⟦ and ⟧."""
    example = tokenize_conversation(tokenizer, messages, first_labelled_turn=first_labelled_turn)
    pieces: list[str] = []
    start = 0
    ids, labels = example.input_ids, example.labels
    for index in range(1, len(ids) + 1):
        if index == len(ids) or (labels[index] == IGNORE_INDEX) != (labels[start] == IGNORE_INDEX):
            text = tokenizer.decode(ids[start:index], skip_special_tokens=False)
            pieces.append(text if labels[start] == IGNORE_INDEX else f"⟦{text}⟧")
            start = index
    return "".join(pieces)


def render_record(record: Record, tokenizer) -> str:
    if isinstance(record, Conversation):
        return render_for_training(tokenizer, record.messages)
    if isinstance(record, Preference):
        # Preference and feedback losses fall on the answer only, never on the prompt's turns.
        answer_start = len(record.prompt)
        return (f"--- chosen\n{render_for_training(tokenizer, record.prompt + record.chosen, answer_start)}\n"
                f"--- rejected\n{render_for_training(tokenizer, record.prompt + record.rejected, answer_start)}")
    if isinstance(record, Feedback):
        verdict = "good" if record.label else "bad"
        return f"--- {verdict} completion\n{render_for_training(tokenizer, record.prompt + record.completion, len(record.prompt))}"
    if isinstance(record, Prompt):
        return render_prompt(tokenizer, record.messages)
    if isinstance(record, LabeledText):
        tokens = tokenizer.convert_ids_to_tokens(tokenizer(record.text)["input_ids"])
        return f"text: {record.text}\nlabel: {record.label}\ntokens ({len(tokens)}): {' '.join(tokens[:40])}"
    raise TypeError(type(record).__name__)


def pick_examples(records: list[Record], count: int = 3) -> list[Record]:
    """The first, middle and last records: spread out, and the same on every run."""
    if len(records) <= count:
        return records
    return [records[round(i * (len(records) - 1) / (count - 1))] for i in range(count)]


def describe_load(report: LoadReport) -> list[str]:
    lines = [f"file:     {report.path}",
             f"format:   {report.schema} in {report.container}",
             f"why:      {report.why}",
             f"task:     {report.task} ({report.use})",
             f"rows:     {report.rows_read} read, {report.records} records kept, "
             f"{sum(report.dropped.values())} dropped"]
    for reason, count in report.dropped.most_common():
        lines.append(f"  dropped {count} × {reason} — first: {report.examples[reason]}")
    return lines


def label_counts(records: list[Record]) -> str:
    from collections import Counter

    counts = Counter(label for r in records if isinstance(r, LabeledText)
                     for label in (r.label if isinstance(r.label, list) else [r.label]))
    common = ", ".join(f"{label} {n}" for label, n in counts.most_common(5))
    return f"labels:   {len(counts)} distinct; most common: {common}"


DEFAULT_MODELS = {"classification": ENCODER}  # the encoder a classifier would fine-tune
DEFAULT_MODEL = CHAT_MODEL


def inspect_dataset(path: str, tokenizer=None, format: str = "auto", task: str | None = None,
                    columns: dict[str, str] | None = None, max_length: int | None = 512, samples: int = 3,
                    split: str | None = None, model: str | None = None, load_tokenizer=None) -> str:
    """The whole inspect report as text. Invalid records are dropped and summarised, not fatal.
    Without `tokenizer`, `load_tokenizer` loads the one of `model` (default: the builtin model
    that would train on this task)."""
    records, report = load_records(path, format=format, task=task or "auto", columns=columns, on_invalid="drop",
                                   split=split)
    task = report.task
    if tokenizer is None:
        model = model or DEFAULT_MODELS.get(task, DEFAULT_MODEL)
        tokenizer = load_tokenizer(model)
        report.use += f"; tokenizer of {model}"
    lines = describe_load(report)
    if task == "classification":
        lines.append(label_counts(records))
    lines.append("")
    lines.append(format_length_stats(length_stats(records, tokenizer, max_length=max_length)))
    for number, record in enumerate(pick_examples(records, samples), start=1):
        try:
            rendered = render_record(record, tokenizer)
        except (TemplateError, ValueError, TypeError, KeyError) as exc:
            rendered = template_failure(exc).detail
        lines += ["", f"=== record {number} ({record.source}) as training sees it; loss on ⟦…⟧ ===", rendered]
    return "\n".join(lines)
