"""Validation names the record, the field and the fix; policies error/drop/warn behave
as documented; splits are deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuneline.config.schema import DatasetConfig
from tuneline.data.load import load_records, load_splits
from tuneline.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures"


def write_jsonl(path: Path, rows: list) -> str:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return str(path)


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def test_broken_json_on_line_17_is_named(tmp_path):
    rows = [chat(f"question {i}", f"answer {i}") for i in range(20)]
    rows[16] = '{"messages": [broken'
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    with pytest.raises(DataError) as caught:
        load_records(path)
    assert caught.value.where.endswith("data.jsonl:17")
    assert "invalid JSON" in caught.value.message and caught.value.fix


@pytest.mark.parametrize("row, reason, field", [
    ({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                   {"role": "assistant", "content": "c"}]}, "roles do not alternate", "messages[1]"),
    ({"messages": [{"role": "user", "content": "a"}]}, "last turn is not the assistant's", "user turn"),
    ({"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": "c"}]}, "empty content", "messages[0]"),
    ({"messages": [{"role": "wizard", "content": "a"}]}, "unknown role", "messages[0].role"),
    ({"instruction": "x", "input": ""}, "missing field", "'output'"),
])
def test_each_problem_names_record_and_field(tmp_path, row, reason, field):
    alpaca = "instruction" in row
    good = {"instruction": "ok", "output": "fine"} if alpaca else chat("ok", "fine")
    path = write_jsonl(tmp_path / "bad.jsonl", [good, row])
    fmt = "alpaca" if alpaca else "auto"
    with pytest.raises(DataError) as caught:
        load_records(path, format=fmt)
    assert caught.value.where.endswith("bad.jsonl:2")
    assert field in caught.value.message
    _, report = load_records(path, format=fmt, on_invalid="drop")
    assert report.dropped == {reason: 1} and report.records == 1


def test_preference_pair_checks(tmp_path):
    rows = [{"prompt": "p", "chosen": "same", "rejected": "same"},
            {"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "x"}],
             "rejected": [{"role": "user", "content": "b"}, {"role": "assistant", "content": "y"}]},
            {"prompt": "q", "chosen": "good", "rejected": "bad"}]
    path = write_jsonl(tmp_path / "pairs.jsonl", rows)
    records, report = load_records(path, task="preference", on_invalid="drop")
    assert len(records) == 1
    assert report.dropped == {"chosen equals rejected": 1, "prompt not shared": 1}
    # with an implicit prompt, pairs must continue the same conversation
    implicit = write_jsonl(tmp_path / "implicit.jsonl", rows[1:2])
    with pytest.raises(DataError, match="same prompt"):
        load_records(implicit, task="preference")


def test_warn_keeps_records_and_counts(tmp_path, capsys):
    path = write_jsonl(tmp_path / "d.jsonl", [chat("a", "b"), {"messages": [{"role": "user", "content": "only"}]}])
    records, report = load_records(path, on_invalid="warn")
    assert len(records) == 2 and report.warned == {"last turn is not the assistant's": 1}
    assert "d.jsonl:2" in capsys.readouterr().err


def test_eval_labels_must_belong_to_the_training_label_set(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("text,label\nhi,greet\nbye,farewell\n")
    evaluation = tmp_path / "eval.csv"
    evaluation.write_text("text,label\nhello,greet\nthanks,gratitude\n")
    config = DatasetConfig(path=str(train), eval_path=str(evaluation))
    with pytest.raises(DataError, match="gratitude") as caught:
        load_splits(config, "classification")
    assert caught.value.where.endswith("eval.csv:3")


def test_wrong_task_for_the_format_says_what_fits():
    with pytest.raises(DataError, match="can be used for: classification"):
        load_records(str(FIXTURES / "labels.csv"), task="sft")


def test_unknown_fields_say_how_to_map_them(tmp_path):
    path = write_jsonl(tmp_path / "odd.jsonl", [{"question": "q", "reply": "r"}])
    with pytest.raises(DataError, match="columns") as caught:
        load_records(path)
    assert caught.value.where.endswith("odd.jsonl:1")


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_records(str(tmp_path / "nope.jsonl"))
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataError, match="empty"):
        load_records(str(tmp_path / "empty.jsonl"))


def test_holdout_split_is_seeded_and_disjoint(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [chat(f"q{i}", f"a{i}") for i in range(100)])
    config = DatasetConfig(path=path, eval_fraction=0.2)
    first, again, other = (load_splits(config, "sft", seed=s) for s in (1, 1, 2))
    assert (len(first.train), len(first.eval)) == (80, 20)
    assert [r.source for r in first.eval] == [r.source for r in again.eval]
    assert [r.source for r in first.eval] != [r.source for r in other.eval]
    assert not {r.source for r in first.train} & {r.source for r in first.eval}


def test_feedback_pairs_stay_on_one_side_of_the_split():
    config = DatasetConfig(path=str(FIXTURES / "preference.jsonl"), eval_fraction=0.5)
    splits = load_splits(config, "feedback", seed=0)
    assert len(splits.train) == 2 and len(splits.eval) == 2
    assert len({r.source for r in splits.eval}) == 1


def test_limit_reads_only_the_first_records():
    records, report = load_records(str(FIXTURES / "alpaca.jsonl"), limit=1)
    assert report.rows_read == 1 and len(records) == 1
