"""Property tests: malformed and random input never produces a traceback; every failure
is a DataError that names the file (and the record, when one record is at fault)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneline.data.formats import CONVERTERS
from tuneline.data.load import load_records
from tuneline.data.tasks import TASKS
from tuneline.errors import DataError

FIELDS = ["messages", "conversations", "instruction", "input", "output", "prompt", "completion", "chosen",
          "rejected", "label", "text", "system", "role", "content", "from", "value", "tool_calls"]
ROLES = ["user", "assistant", "system", "tool", "human", "gpt", "", "Human", None]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
                    st.sampled_from(["\n\nHuman: hi\n\nAssistant: yo", "\n\nAssistant:", "Human:", " "]))
messages = st.lists(st.fixed_dictionaries({"role": st.sampled_from(ROLES)},
                                          optional={"content": scalars, "from": st.sampled_from(ROLES),
                                                    "value": scalars}), max_size=4)
values = st.recursive(st.one_of(scalars, messages),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3)),
                      max_leaves=8)
rows = st.dictionaries(st.sampled_from(FIELDS), values, max_size=5)
formats = st.sampled_from(["auto", *CONVERTERS])
tasks = st.sampled_from(TASKS)
policies = st.sampled_from(["error", "drop", "warn"])

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_load(path: Path, format: str, task: str, policy: str) -> None:
    try:
        records, report = load_records(str(path), format=format, task=task, on_invalid=policy)
    except DataError as exc:
        assert exc.where and str(path) in exc.where, f"error does not name the file: {exc!r}"
        if re.search(r"[:#]\d+$", exc.where):
            line = int(re.split(r"[:#]", exc.where)[-1])
            assert line >= 1
        return
    assert records and report.records == len(records)
    assert all(str(path) in record.source for record in records)


@SETTINGS
@given(st.lists(rows, min_size=1, max_size=4), formats, tasks, policies)
def test_structured_random_jsonl_never_crashes(batch, format, task, policy):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in batch))
        _check_load(path, format, task, policy)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["jsonl", "json", "csv", "tsv", "parquet"]), formats, tasks, policies)
def test_random_bytes_in_any_container_never_crash(data, suffix, format, task, policy):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"noise.{suffix}"
        path.write_bytes(data)
        _check_load(path, format, task, policy)


@SETTINGS
@given(st.lists(st.text(alphabet='ab,"\t\n\r{}[]:\\', max_size=40), min_size=1, max_size=6),
       st.sampled_from(["jsonl", "json", "csv", "tsv"]), tasks, policies)
def test_random_text_lines_never_crash(lines, suffix, task, policy):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"lines.{suffix}"
        path.write_text("text,label\n" + "\n".join(lines) if suffix == "csv" else "\n".join(lines))
        _check_load(path, "auto", task, policy)


@SETTINGS
@given(st.lists(rows, min_size=1, max_size=3), tasks, policies)
def test_random_parquet_tables_never_crash(batch, task, policy):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Parquet needs one type per column: keep each row's text-valued fields only.
    table_rows = [{key: json.dumps(value) if not isinstance(value, str) else value for key, value in row.items()}
                  for row in batch]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.parquet"
        pq.write_table(pa.Table.from_pylist(table_rows), path)
        _check_load(path, "auto", task, policy)


# Mostly well-formed chats (so they pass validation and reach the chat template), with
# random text, tool results and tool calls of arbitrary shape.
words = st.from_regex(r"\w[\w ?!{}<>|%]{0,15}", fullmatch=True)
tool_calls = st.lists(st.dictionaries(st.sampled_from(["type", "function", "id"]), values, max_size=2), min_size=1,
                      max_size=2)


def _exchange(user: str, answer: str, calls, tool_result) -> list[dict]:
    turns = [{"role": "user", "content": user}]
    if calls is None:
        return turns + [{"role": "assistant", "content": answer}]
    turns.append({"role": "assistant", "content": None, "tool_calls": calls})
    return turns + [{"role": "tool", "content": tool_result}, {"role": "assistant", "content": answer}]


exchanges = st.builds(_exchange, words, words, st.one_of(st.none(), tool_calls), words)
chats = st.builds(lambda parts: {"messages": [turn for part in parts for turn in part]},
                  st.lists(exchanges, min_size=1, max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(rows, chats, chats), min_size=1, max_size=3))
def test_inspect_never_crashes_on_random_records(smollm_tokenizer, batch):
    """Rendering through a real chat template (the step where "a tool role the trainer
    cannot parse" surfaces) also ends in a report or a DataError, never a traceback."""
    from tuneline.data.inspect import inspect_dataset

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in batch))
        try:
            text = inspect_dataset(str(path), smollm_tokenizer, max_length=64)
        except DataError as exc:
            assert exc.where and str(path) in exc.where
            return
        assert "format:" in text
