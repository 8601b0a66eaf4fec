"""`tuneline data inspect` and `tuneline data prepare`, and the length statistics behind
them, with the embedded SmolLM2 tokenizer and chat template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from near_duplicates import near_duplicate_fixture

from tuneline.cli.main import main
from tuneline.data.chat import tokenize_conversation
from tuneline.data.load import load_records
from tuneline.data.records import Conversation
from tuneline.data.stats import length_stats

FIXTURES = Path(__file__).parent / "fixtures"


def chat(question: str, answer: str) -> Conversation:
    return Conversation([{"role": "user", "content": question}, {"role": "assistant", "content": answer}])


def test_lengths_are_what_training_tokenizes_and_truncation_warns(smollm_tokenizer):
    records = [chat("Hi", "Hello."), chat("Tell me a story.", "Once upon a time " * 30)]
    expected = [len(tokenize_conversation(smollm_tokenizer, r.messages).input_ids) for r in records]
    stats = length_stats(records, smollm_tokenizer, max_length=expected[0] + 1)
    assert (stats.min, stats.max) == (min(expected), max(expected))
    assert stats.over_max_length == 1 and stats.max_excess == expected[1] - expected[0] - 1
    assert stats.warning and "50.0%" in stats.warning
    assert sum(stats.bin_counts) == 2
    assert length_stats(records, smollm_tokenizer, max_length=4096).warning is None


def test_inspect_prints_format_counts_histogram_and_rendered_records(capsys):
    assert main(["data", "inspect", str(FIXTURES / "sharegpt.jsonl"), "--max-length", "16"]) == 0
    out = capsys.readouterr().out
    assert "format:   sharegpt" in out and "ShareGPT" in out
    assert "1 read, 1 records kept, 0 dropped" in out
    assert "over max_length 16: 1 (100.0%)" in out and "warning:" in out
    # rendered through SmolLM2's template, loss only on the assistant turns
    assert "<|im_start|>system\nAnswer in French.<|im_end|>" in out
    assert "⟦Bonjour.<|im_end|>⟧" in out and "⟦Say hello" not in out


def test_inspect_reports_records_the_template_cannot_render(capsys):
    # The tool-call turn has no content: SmolLM2's template cannot render it; inspect says where.
    assert main(["data", "inspect", str(FIXTURES / "messages.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "cannot render 1 record" in out and "messages.jsonl:2" in out


def test_inspect_of_a_broken_file_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nhi,there\n")
    assert main(["data", "inspect", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2" in err and "columns" in err and "Traceback" not in err


def test_prepare_writes_curated_data_and_report(tmp_path, capsys):
    texts, _ = near_duplicate_fixture(num_texts=40, num_planted=0)
    rows = [{"instruction": text, "input": "", "output": f"Answer number {n}."} for n, text in enumerate(texts)]
    rows += [rows[0], {**rows[1], "output": rows[1]["output"] + " Reach me at kim@example.net."}]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "prepare.yaml").write_text(
        "dataset: {path: raw.jsonl, eval_fraction: 0.25}\nmax_length: 64\n"
        "curation: {near_dedupe: false, scrub_pii: true}\noutput: out\n")
    assert main(["data", "prepare", str(tmp_path / "prepare.yaml")]) == 0
    out = capsys.readouterr().out
    assert "exact duplicates" in out and "PII scrubbing" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["load"]["format"] == "alpaca" and report["load"]["records"] == 42
    filters = {f["name"]: f for f in report["curation"]["filters"]}
    removed = sum(f["removed"] for f in filters.values())
    assert report["curation"]["train"] + report["curation"]["eval"] == 42 - removed
    assert filters["PII scrubbing"]["changed"] == 1
    assert report["lengths"]["max_length"] == 64
    assert filters["train: exact duplicates"]["removed"] == 1
    # the written files load back with format: auto into the same records
    train, again = load_records(str(tmp_path / "out" / "train.jsonl"))
    assert again.schema == "messages" and len(train) == report["curation"]["train"]
    assert all("@" not in m["content"] for r in train for m in r.messages)


def test_prepare_config_errors_name_the_line(tmp_path, capsys):
    (tmp_path / "prepare.yaml").write_text("dataset: {path: raw.jsonl}\ncuration:\n  near_treshold: 0.5\n")
    assert main(["data", "prepare", str(tmp_path / "prepare.yaml")]) == 2
    err = capsys.readouterr().err
    assert "prepare.yaml:3" in err and "near_treshold" in err


@pytest.mark.parametrize("name", ["alpaca.jsonl", "hh.jsonl", "labels.tsv", "kto.jsonl"])
def test_inspect_every_fixture(name, capsys):
    assert main(["data", "inspect", str(FIXTURES / name)]) == 0
    assert "=== record 1" in capsys.readouterr().out


def test_prepare_refuses_to_leave_no_training_data(tmp_path, capsys):
    rows = [{"prompt": f"Spell the number {n}.", "completion": f"{n}"} for n in range(1000, 1020)]
    (tmp_path / "raw.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "prepare.yaml").write_text("dataset: {path: raw.jsonl, eval_fraction: 0.5}\nmodel: null\n")
    assert main(["data", "prepare", str(tmp_path / "prepare.yaml")]) == 2
    err = capsys.readouterr().err
    assert "no training records" in err and "removed" in err and "report.txt" in err


def test_keep_renderable_names_the_record_the_template_cannot_render(smollm_tokenizer):
    from tuneline.data.stats import keep_renderable
    from tuneline.errors import DataError

    records, _ = load_records(str(FIXTURES / "messages.jsonl"))
    with pytest.raises(DataError) as caught:
        keep_renderable(records, smollm_tokenizer)
    assert caught.value.where.endswith("messages.jsonl:2") and caught.value.fix
    kept, lengths = keep_renderable(records, smollm_tokenizer, on_invalid="drop")
    assert [r.source.rsplit(":", 1)[1] for r in kept] == ["1", "3"] and len(lengths) == 2
