"""Dataset files → validated canonical records → train/eval splits.

    read rows (readers) → rename columns → detect the schema (detect) → convert (formats)
    → shape for the task (tasks) → validate (validate) → apply the on_invalid policy

`load_records` does one file; `load_splits` adds the held-out split, either from
`eval_path` or a seeded `eval_fraction`. The `LoadReport` says what was detected and
why, how many records were read and kept, and what was dropped, by reason.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tuneline.config.schema import DatasetConfig
from tuneline.data.detect import detect_schema, schema_from_name
from tuneline.data.formats import CONVERTERS
from tuneline.data.problems import RecordProblem, RowProblem
from tuneline.data.readers import CONTAINERS, RawRow, detect_container, read_rows
from tuneline.data.records import LabeledText, Record
from tuneline.data.tasks import DEFAULT_TASK, check_task, task_use, to_task
from tuneline.data.validate import check_record
from tuneline.errors import DataError
from tuneline.progress import info

POLICIES = ("error", "drop", "warn")


@dataclass
class LoadReport:
    path: str
    task: str
    container: str = ""
    schema: str = ""
    why: str = ""  # how the format was decided ("given in the config" or the detection's reason)
    use: str = ""  # how the format's records serve the task
    rows_read: int = 0
    records: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason → count
    warned: Counter = field(default_factory=Counter)  # reason → count (kept under on_invalid: warn)
    examples: dict[str, str] = field(default_factory=dict)  # reason → the first "source: detail"
    splits: dict[str, Any] = field(default_factory=dict)  # filled by load_splits

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "task": self.task, "container": self.container, "format": self.schema,
                "why": self.why, "use": self.use, "rows_read": self.rows_read, "records": self.records,
                "dropped": dict(self.dropped), "warned": dict(self.warned), "examples": dict(self.examples),
                "splits": dict(self.splits)}

    def summary(self) -> str:
        lines = [f"{self.path}: format {self.schema} ({self.container}) — {self.why}",
                 f"  {self.rows_read} rows read, {self.records} {self.task} records kept ({self.use})"]
        for title, counts in (("dropped", self.dropped), ("kept with warnings", self.warned)):
            for reason, count in counts.most_common():
                lines.append(f"  {title}: {count} × {reason} (first: {self.examples.get(reason, '')})")
        if self.splits:
            lines.append("  splits: " + ", ".join(f"{key} {value}" for key, value in self.splits.items()))
        return "\n".join(lines)


@dataclass
class DatasetSplits:
    train: list[Record]
    eval: list[Record]
    report: LoadReport


def _rename(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    return {columns.get(key, key): value for key, value in row.items()} if columns else row


def _decide_schema(path: str, format: str, rows: list[RawRow | RowProblem], columns: dict[str, str]) -> tuple[str, str]:
    """(schema, why): the one `format:` names, or the one detected from the first readable row."""
    name = "auto" if format in CONTAINERS else format
    if name != "auto":
        schema = schema_from_name(name)
        if schema is None:
            raise DataError(f"unknown format '{format}'", where=path,
                            fix="use auto, or one of: " + ", ".join(sorted(set(CONVERTERS) | set(CONTAINERS))))
        return schema, f"format: {format} given in the config"
    first = next((row for row in rows if isinstance(row, RawRow)), None)
    if first is None:
        return "", "no readable record to detect the format from"
    try:
        return detect_schema(_rename(first.data, columns))
    except DataError as exc:
        exc.where = first.source
        raise


def load_records(path: str, format: str = "auto", task: str = "sft", columns: dict[str, str] | None = None,
                 on_invalid: str = "error", split: str | None = None, limit: int | None = None,
                 label_set: set[str] | None = None, reader=read_rows) -> tuple[list[Record], LoadReport]:
    """Read one dataset (file, saved folder or hub name) as validated records for `task`
    ("auto": the task the detected format naturally serves). `reader(path, container,
    split)` yields its rows (a run passes one that reads each file once)."""
    check_task(task)
    if on_invalid not in POLICIES:
        raise DataError(f"unknown on_invalid policy '{on_invalid}'", fix="use error, drop or warn")
    path = str(path)
    container = format if format in CONTAINERS else None
    container_why = f"format: {format} given in the config" if container else ""
    if container is None:
        container, container_why = detect_container(path)
    report = LoadReport(path=path, task=task, container=container)
    rows: list[RawRow | RowProblem] = []
    for row in reader(path, container, split):
        rows.append(row)
        if limit is not None and len(rows) >= limit:
            break
    report.rows_read = len(rows)
    if not rows:
        raise DataError("the dataset is empty", where=path, fix="check the path, or that the file was fully written")
    columns = columns or {}
    schema, why = _decide_schema(path, format, rows, columns)
    report.schema, report.why = schema, f"{why}; read as {container} ({container_why})"
    if task == "auto":
        task = report.task = DEFAULT_TASK.get(schema, "sft")
    records: list[Record] = []
    use_checked = False
    for row in rows:
        if isinstance(row, RowProblem):
            _apply_policy(row, on_invalid, report, kept=False)
            continue
        try:
            data = _rename(row.data, columns)
            origin = data.get("origin") if isinstance(data.get("origin"), str) else None
            if origin is not None:  # rows may be replayed (a run reads each file once): never edit them
                data = {key: value for key, value in data.items() if key != "origin"}
            natural = CONVERTERS[schema](data)
            natural.source = origin or row.source  # canonical JSONL (data prepare, a run's data/) keeps its origin
            if not use_checked:
                report.use = task_use(type(natural), task, schema, row.source)
                use_checked = True
            shaped = to_task(natural, task)
        except RecordProblem as exc:
            _apply_policy(exc.at(row.source), on_invalid, report, kept=False)
            continue
        for record in shaped:
            try:
                check_record(record, label_set)
            except RecordProblem as exc:
                if not _apply_policy(exc.at(row.source), on_invalid, report, kept=True):
                    continue
            records.append(record)
    report.records = len(records)
    if not records:
        detail = f" ({_reasons(report)})" if report.dropped else ""
        raise DataError(f"no usable {task} records in the dataset{detail}", where=path,
                        fix="check the file and its format; `tuneline data inspect FILE` shows what was read")
    return records, report


def _reasons(report: LoadReport) -> str:
    return "; ".join(f"{count} × {reason}, first at {report.examples[reason]}" for reason, count in report.dropped.items())


def _apply_policy(problem: RowProblem, on_invalid: str, report: LoadReport, kept: bool) -> bool:
    """Record the problem; raise under `error`. True when the record is kept (warn, and it exists)."""
    if on_invalid == "error":
        raise problem.to_error()
    report.examples.setdefault(problem.reason, f"{problem.source}: {problem.detail}")
    if on_invalid == "warn" and kept:
        if sum(report.warned.values()) < 5:
            info(f"warning: {problem.source}: {problem.detail}")
        report.warned[problem.reason] += 1
        return True
    report.dropped[problem.reason] += 1
    return False


def holdout_split(records: list[Record], fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """Seeded hold-out by source row, so the records one row yields (e.g. a preference pair
    seen as two feedback records) land on the same side. Order within each side is kept."""
    sources = list(dict.fromkeys(record.source for record in records))
    held = round(len(sources) * fraction)
    if fraction > 0 and held == 0 and len(sources) > 1:
        held = 1
    shuffled = sources[:]
    random.Random(seed).shuffle(shuffled)
    eval_sources = set(shuffled[:held])
    train = [record for record in records if record.source not in eval_sources]
    evaluation = [record for record in records if record.source in eval_sources]
    return train, evaluation


def load_splits(config: DatasetConfig, task: str, seed: int = 42, name: str = "", reader=read_rows) -> DatasetSplits:
    """Train and eval records of one configured dataset, validated for `task`."""
    options = dict(format=config.format, task=task, columns=config.columns, on_invalid=config.on_invalid,
                   split=config.split, limit=config.limit, reader=reader)
    records, report = load_records(config.path, **options)
    if config.eval_path:
        label_set = _label_set(records) if task == "classification" else None
        eval_records, eval_report = load_records(config.eval_path, **{**options, "limit": None}, label_set=label_set)
        train = records
        report.splits = {"train": len(train), "eval": len(eval_records), "eval_from": config.eval_path,
                         "eval_dropped": dict(eval_report.dropped)}
    else:
        train, eval_records = holdout_split(records, config.eval_fraction, seed)
        report.splits = {"train": len(train), "eval": len(eval_records),
                         "eval_from": f"seeded {config.eval_fraction:.0%} hold-out (seed {seed})"}
    if config.curation is not None:
        from tuneline.data.curation.curate import curate

        curated = curate(train, eval_records, config.curation)
        train, eval_records = curated.train, curated.eval
        report.splits.update(train=len(train), eval=len(eval_records), curation=curated.to_dict()["filters"])
    if name:
        report.splits["dataset"] = name
    return DatasetSplits(train=train, eval=eval_records, report=report)


def _label_set(records: list[Record]) -> set[str]:
    labels: set[str] = set()
    for record in records:
        if isinstance(record, LabeledText):
            labels.update(record.label if isinstance(record.label, list) else [record.label])
    return labels
