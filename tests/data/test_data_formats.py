"""One test per input format: the fixture file (written for this project) loads with
`format: auto` into exactly the canonical records we expect."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuneline.data.load import load_records
from tuneline.data.records import Conversation, Feedback, LabeledText, Preference, Prompt

FIXTURES = Path(__file__).parent / "fixtures"


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


def load(name: str, task: str, **options):
    records, report = load_records(str(FIXTURES / name), task=task, **options)
    return records, report


def test_openai_messages_with_system_tool_and_text_parts():
    records, report = load("messages.jsonl", "sft")
    assert report.schema == "messages" and "OpenAI" in report.why
    assert records[0] == Conversation([{"role": "system", "content": "You are a terse assistant."},
                                       user("How many legs does a spider have?"), assistant("Eight.")],
                                      source=f"{FIXTURES / 'messages.jsonl'}:1")
    tool_chat = records[1].messages
    assert [m["role"] for m in tool_chat] == ["user", "assistant", "tool", "assistant"]
    assert tool_chat[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert tool_chat[2]["tool_call_id"] == "call_1"
    assert records[2].messages[0] == user("Name a prime above ten.")


def test_sharegpt_maps_roles_and_system():
    records, report = load("sharegpt.jsonl", "sft")
    assert report.schema == "sharegpt"
    assert records[0].messages == [{"role": "system", "content": "Answer in French."}, user("Say hello."),
                                   assistant("Bonjour."), user("And goodbye?"), assistant("Au revoir.")]


def test_alpaca_joins_instruction_and_input():
    records, report = load("alpaca.jsonl", "sft")
    assert report.schema == "alpaca"
    assert records[0].messages == [user("Reverse the word.\n\nstone"), assistant("enots")]
    assert records[1].messages == [user("Give a synonym for quick."), assistant("Fast.")]


def test_trl_prompt_completion_standard_and_conversational():
    records, report = load("prompt_completion.jsonl", "sft")
    assert report.schema == "prompt_completion"
    assert records[0].messages == [user("The capital of Peru is"), assistant("Lima.")]
    assert records[1].messages == [user("Add 2 and 3."), assistant("5")]


def test_trl_preference_standard_and_conversational():
    records, report = load("preference.jsonl", "preference")
    assert report.schema == "preference"
    assert records == [
        Preference([user("Is the sea salty?")], [assistant("Yes, seawater holds about 3.5% salt.")],
                   [assistant("No.")], source=f"{FIXTURES / 'preference.jsonl'}:1"),
        Preference([user("Suggest a name for a cat.")], [assistant("Miso.")], [assistant("Cat.")],
                   source=f"{FIXTURES / 'preference.jsonl'}:2"),
    ]


def test_trl_preference_with_implicit_shared_prompt():
    (record,), report = load("preference_implicit.jsonl", "preference")
    assert "implicit" in report.why
    assert record.prompt == [user("Pick a colour.")]
    assert record.chosen == [assistant("Teal.")] and record.rejected == [assistant("I cannot.")]


def test_anthropic_hh_transcripts_both_shapes():
    records, report = load("hh.jsonl", "preference")
    assert report.schema == "hh"
    first, second = records
    assert first.prompt == [user("Hi, can you help me bake bread?"), assistant("Sure. Do you have yeast?"), user("Yes.")]
    assert first.chosen == [assistant("Mix flour, water, salt and yeast, then let it rise.")]
    assert first.rejected == [assistant("Buy bread instead.")]
    assert second.prompt == [user("What does a barometer measure?")]
    assert second.chosen == [assistant("Air pressure.")]


def test_hh_text_transcript_is_a_conversation():
    (record,), report = load("hh_text.jsonl", "sft")
    assert report.schema == "hh" and record.messages == [user("Name a planet."), assistant("Mars.")]


def test_kto_labels():
    records, report = load("kto.jsonl", "feedback")
    assert report.schema == "kto"
    assert [(r.prompt, r.completion, r.label) for r in records] == [
        ([user("Translate 'cat' to Spanish.")], [assistant("Gato.")], True),
        ([user("Translate 'dog' to Spanish.")], [assistant("Chien.")], False)]


@pytest.mark.parametrize("name, expected", [
    ("labels.csv", [("book a table for two, tonight", "restaurant"), ("what time is it in tokyo", "time")]),
    ("labels.tsv", [("play some jazz", "music"), ("turn the lights off", "smart_home")]),
])
def test_csv_and_tsv_text_label(name, expected):
    records, report = load(name, "classification")
    assert report.schema == "text_label" and report.container == name.rsplit(".", 1)[1]
    assert [(r.text, r.label) for r in records] == expected
    assert records[1].source.endswith(f"{name}:3")  # line 1 is the header


def _rows() -> list[dict]:
    return [{"prompt": "Name a colour.", "completion": "Red."}, {"prompt": "Name a fruit.", "completion": "Pear."}]


def test_parquet(tmp_path):
    import pandas as pd

    path = tmp_path / "pairs.parquet"
    pd.DataFrame(_rows()).to_parquet(path)
    records, report = load_records(str(path), task="sft")
    assert report.container == "parquet"
    assert records[1].messages == [user("Name a fruit."), assistant("Pear.")]
    assert records[1].source == f"{path}#2"


def test_save_to_disk_folder_with_splits(tmp_path):
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_list(_rows()), "test": Dataset.from_list(_rows()[:1])}).save_to_disk(tmp_path / "ds")
    records, report = load_records(str(tmp_path / "ds"), task="sft", split="test")
    assert report.container == "hf_disk" and len(records) == 1
    assert records[0].messages == [user("Name a colour."), assistant("Red.")]


def test_json_array_file(tmp_path):
    import json

    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps([{"instruction": "Say yes.", "input": "", "output": "Yes."}]))
    (record,), report = load_records(str(path), task="sft")
    assert report.schema == "alpaca" and record.messages == [user("Say yes."), assistant("Yes.")]


def test_columns_mapping_renames_fields():
    (record,), report = load("custom_columns.jsonl", "sft", columns={"question": "prompt", "answer": "completion"})
    assert report.schema == "prompt_completion"
    assert record.messages == [user("Where is the Eiffel Tower?"), assistant("In Paris.")]


def test_prompt_task_strips_the_final_answer():
    records, _ = load("messages.jsonl", "prompt")
    assert all(isinstance(r, Prompt) for r in records)
    assert records[0].messages[-1] == user("How many legs does a spider have?")
    prefs, _ = load("preference.jsonl", "prompt")
    assert prefs[0].messages == [user("Is the sea salty?")]


def test_preference_serves_sft_and_feedback():
    sft, report = load("preference.jsonl", "sft")
    assert isinstance(sft[0], Conversation) and sft[0].messages[-1]["content"].startswith("Yes")
    assert "chosen" in report.use
    feedback, _ = load("preference.jsonl", "feedback")
    assert [(type(r), r.label) for r in feedback[:2]] == [(Feedback, True), (Feedback, False)]


def test_classification_records_are_labeled_text():
    records, _ = load("labels.csv", "classification")
    assert all(isinstance(r, LabeledText) for r in records)
