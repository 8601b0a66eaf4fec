"""`mix:` datasets: shares as given, seeded, every part's held-out split kept, and a mix
written wrongly stopped at its line."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tuneline.cli.main import main
from tuneline.data.mix import mix_counts, mix_records
from tuneline.pipeline.data import RunData
from tuneline.pipeline.load import load_pipeline


def test_counts_keep_the_shares_without_repeating_a_record():
    # 80/20 of 100 domain and 50 general records: N = min(100/0.8, 50/0.2) = 125 → 100 + 25
    assert mix_counts({"docs": 100, "general": 50}, {"docs": 0.8, "general": 0.2}) == {"docs": 100, "general": 25}
    # weights need not add up to one: 3:1 of 30 and 100 → N = min(40, 400) = 40 → 30 + 10
    assert mix_counts({"a": 30, "b": 100}, {"a": 3, "b": 1}) == {"a": 30, "b": 10}
    # a set size repeats a small part: 50% of 10 from a 4-record part
    assert mix_counts({"a": 4, "b": 100}, {"a": 1, "b": 1}, total=10) == {"a": 5, "b": 5}


def test_a_small_part_is_repeated_evenly_and_the_draw_is_seeded():
    parts = {"a": list("wxyz"), "b": [str(i) for i in range(100)]}
    mixed, taken = mix_records(parts, {"a": 1, "b": 1}, total=10, seed=7)
    assert taken == {"a": 5, "b": 5} and len(mixed) == 10
    counts = Counter(record for record in mixed if record in "wxyz")
    assert sorted(counts.values()) == [1, 1, 1, 2]  # a whole pass before any record repeats
    assert mix_records(parts, {"a": 1, "b": 1}, total=10, seed=7)[0] == mixed
    assert mix_records(parts, {"a": 1, "b": 1}, total=10, seed=8)[0] != mixed


def chat(text: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok " + text}]})


def write(tmp_path, mix: str) -> str:
    (tmp_path / "docs.jsonl").write_text("".join(chat(f"docs {i}") + "\n" for i in range(40)))
    (tmp_path / "general.jsonl").write_text("".join(chat(f"general {i}") + "\n" for i in range(40)))
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"""name: mix
datasets:
  docs: {{path: docs.jsonl, eval_fraction: 0.25}}
  general: {{path: general.jsonl, eval_fraction: 0.25}}
  tuned:
{mix}stages:
  - {{type: sft, dataset: tuned}}
""")
    return str(path)


def test_a_mix_dataset_in_a_pipeline(tmp_path):
    config = load_pipeline(write(tmp_path, "    mix: {docs: 0.8, general: 0.2}\n"))
    splits = RunData(config).splits("tuned", "sft")
    origins = Counter(record.messages[0]["content"].split()[0] for record in splits.train)
    assert origins == {"docs": 30, "general": 7}  # N = min(30/0.8, 30/0.2) = 37; 29.6 → 30, 7.4 → 7
    assert len(splits.eval) == 20  # 10 held out of each part
    assert splits.report.splits["taken"] == {"docs": 30, "general": 7}


@pytest.mark.parametrize("mix, line, words", [
    ("    mix: {docs: 0.8, genral: 0.2}\n", 6, "'genral' is not defined under datasets"),
    ("    mix: {docs: 0.8, general: 0}\n", 6, "weight must be above 0"),
    ("    path: docs.jsonl\n    mix: {docs: 1}\n", 5, "not both"),
    ("    eval_fraction: 0.1\n", 5, "give either path"),
])
def test_a_wrong_mix_is_named_at_its_line(tmp_path, capsys, mix, line, words):
    path = write(tmp_path, mix)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}" in err and words in err and "Traceback" not in err
