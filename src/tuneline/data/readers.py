"""Containers → raw rows. Each row keeps where it came from ("file:line" for text files,
"file#N" for row-indexed stores), so every later error can point at it.

A row that cannot be parsed (broken JSON, a scalar where an object belongs) is kept as a
`RowProblem` rather than raised here: the validation policy (error/drop/warn) decides.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneline.data.annotations.urls import is_database_url
from tuneline.data.problems import RowProblem
from tuneline.errors import DataError

CONTAINERS = ("jsonl", "json", "csv", "tsv", "parquet", "hf_disk", "hub", "annotations")


@dataclass
class RawRow:
    source: str
    data: dict[str, Any]


def detect_container(path: str) -> tuple[str, str]:
    """(container, why) from the path alone."""
    if is_database_url(path):
        return "annotations", "a database URL: the preferences voted in `tuneline annotate`"
    p = Path(path)
    if p.is_dir():
        if (p / "dataset_info.json").exists() or (p / "state.json").exists() or (p / "dataset_dict.json").exists():
            return "hf_disk", "a folder written by datasets.save_to_disk"
        raise DataError("this folder is not a saved Hugging Face dataset (no dataset_info.json or dataset_dict.json)",
                        where=str(path), fix="point `path:` at a data file, or at a folder from datasets.save_to_disk")
    suffix = p.suffix.lower()
    by_suffix = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
                 ".parquet": "parquet", ".pq": "parquet"}
    if p.exists():
        if suffix in by_suffix:
            return by_suffix[suffix], f"file extension '{suffix}'"
        return "jsonl", f"unknown extension '{suffix or '(none)'}', read as JSON lines"
    if not p.is_absolute() and path.count("/") == 1 and not suffix:
        return "hub", "no such file; the name looks like a hub dataset (owner/name)"
    raise DataError("the dataset file does not exist", where=str(path),
                    fix="check the path (relative paths in a pipeline file are relative to that file)")


def read_rows(path: str, container: str, split: str | None = None) -> Iterator[RawRow | RowProblem]:
    if container in ("csv", "tsv"):
        return _read_delimited(path, delimiter="\t" if container == "tsv" else ",")
    if container == "hf_disk":
        return _read_hf_disk(path, split)
    if container == "hub":
        return _read_hub(path, split)
    if container == "annotations":
        return _read_annotations(path)
    return {"jsonl": _read_jsonl, "json": _read_json, "parquet": _read_parquet}[container](path)


def _open_text(path: str):
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"cannot open the dataset file: {exc.strerror}", where=str(path),
                        fix="check the path and its permissions") from None


def _decode_problem(path: str, exc: UnicodeDecodeError) -> DataError:
    return DataError(f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)", where=str(path),
                     fix="re-save the file as UTF-8, or give `format:` if it is Parquet or a saved dataset")


def _read_jsonl(path: str) -> Iterator[RawRow | RowProblem]:
    with _open_text(path) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                yield _json_row(f"{path}:{number}", line)
        except UnicodeDecodeError as exc:
            raise _decode_problem(path, exc) from None


def _json_row(source: str, text: str) -> RawRow | RowProblem:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f"invalid JSON: {exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "invalid JSON: nested too deeply"
        return RowProblem(source, "invalid JSON", detail,
                          "each line must be one complete JSON object; fix or remove this line")
    if not isinstance(value, dict):
        return RowProblem(source, "not a JSON object", f"expected a JSON object {{...}}, found {type(value).__name__}",
                          "each line must be one JSON object with the record's fields")
    return RawRow(source, value)


def _read_json(path: str) -> Iterator[RawRow | RowProblem]:
    with _open_text(path) as handle:
        try:
            text = handle.read()
        except UnicodeDecodeError as exc:
            raise _decode_problem(path, exc) from None
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        # Many ".json" files are really JSON lines; read them as such so errors name the line.
        yield from _read_jsonl(path)
        return
    if isinstance(value, dict):
        # {"data": [...]} or {"train": [...]}: a single list-valued key holds the records.
        lists = [key for key, item in value.items() if isinstance(item, list)]
        if len(lists) == 1 and len(value) <= 2:
            value = value[lists[0]]
        else:
            yield RawRow(f"{path}:1", value)
            return
    if not isinstance(value, list):
        raise DataError(f"expected a JSON list of records, found {type(value).__name__}", where=str(path),
                        fix="write a list [{...}, {...}] or one JSON object per line (.jsonl)")
    for index, item in enumerate(value, start=1):
        source = f"{path}#{index}"
        if isinstance(item, dict):
            yield RawRow(source, item)
        else:
            yield RowProblem(source, "not a JSON object", f"expected a JSON object, found {type(item).__name__}",
                             "each element of the list must be an object with the record's fields")


def _read_delimited(path: str, delimiter: str = ",") -> Iterator[RawRow | RowProblem]:
    with _open_text(path) as handle:
        try:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if not header or not any(name.strip() for name in header):
                raise DataError("the file has no header row", where=f"{path}:1",
                                fix="the first line must name the columns, e.g. text,label")
            header = [name.strip() for name in header]
            start = reader.line_num + 1
            for row in reader:
                source = f"{path}:{start}"
                start = reader.line_num + 1
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield RowProblem(source, "wrong number of columns",
                                     f"expected {len(header)} columns ({', '.join(header)}), found {len(row)}",
                                     "quote fields that contain the delimiter or line breaks")
                    continue
                yield RawRow(source, dict(zip(header, row, strict=True)))
        except UnicodeDecodeError as exc:
            raise _decode_problem(path, exc) from None
        except csv.Error as exc:
            raise DataError(f"malformed CSV: {exc}", where=f"{path}:{reader.line_num}",
                            fix="check the quoting on this line") from None


def _read_parquet(path: str) -> Iterator[RawRow | RowProblem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read the Parquet file: {exc}", where=str(path),
                        fix="check that the file is Parquet (or set `format:`)") from None
    yield from _table_rows(path, table.to_pylist())


def _table_rows(path: str, rows: list[dict[str, Any]]) -> Iterator[RawRow]:
    for index, row in enumerate(rows, start=1):
        yield RawRow(f"{path}#{index}", row)


def _pick_split(dataset, path: str, split: str | None):
    from datasets import DatasetDict

    if not isinstance(dataset, DatasetDict):
        return dataset
    name = split or ("train" if "train" in dataset else None)
    if name not in dataset:
        raise DataError(f"the dataset has splits {sorted(dataset)}, not '{split}'" if split else
                        f"the dataset has several splits {sorted(dataset)}", where=str(path),
                        fix=f"set `split:` to one of {sorted(dataset)}")
    return dataset[name]


def _read_hf_disk(path: str, split: str | None) -> Iterator[RawRow]:
    from datasets import load_from_disk

    try:
        dataset = load_from_disk(path)
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise DataError(f"cannot load the saved dataset: {exc}", where=str(path),
                        fix="give a folder written by datasets.save_to_disk") from None
    yield from _table_rows(path, _pick_split(dataset, path, split).to_list())


def _read_hub(name: str, split: str | None) -> Iterator[RawRow]:
    from datasets import load_dataset

    try:
        dataset = load_dataset(name, split=split)
    except Exception as exc:  # noqa: BLE001 - the hub raises many kinds (network, auth, missing); all mean "cannot fetch"
        raise DataError(f"cannot load hub dataset '{name}': {type(exc).__name__}: {str(exc)[:200]}", where=name,
                        fix="check the name and network access, or download the data and give a local file") from None
    yield from _table_rows(name, _pick_split(dataset, name, split).to_list())


def _read_annotations(url: str) -> Iterator[RawRow]:
    """The voted preferences of an annotation database, one row per judged answer pair
    (ties dropped; docs/annotate.md)."""
    from tuneline.data.annotations.export import preference_rows
    from tuneline.data.annotations.store import AnnotationStore

    store = AnnotationStore(url)
    try:
        for row in preference_rows(store):
            where = row["provenance"]
            yield RawRow(f"{url}#{where['item']}:{where['chosen_position']}>{where['rejected_position']}", row)
    finally:
        store.close()
