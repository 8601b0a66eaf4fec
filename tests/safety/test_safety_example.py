"""The safety example (examples/safety/) trains on prompts of its own: none of them, and no
near copy, is a prompt of the audit's red-team or benign sets, so its audit measures prompts
that no stage saw. make_data.py writes exactly the committed files, and the pipeline file
validates (the DPO mix takes pairs the constitution stage writes during the run)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tuneline.cli.main import main
from tuneline.safety.prompts import load_prompts

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "safety"


def words(text: str) -> set[str]:
    return set("".join(c.lower() if c.isalnum() else " " for c in text).split())


def jaccard(a: str, b: str) -> float:
    x, y = words(a), words(b)
    return len(x & y) / len(x | y)


def training_prompts() -> list[str]:
    harmful = [json.loads(line)["prompt"] for line in (EXAMPLE / "harmful_prompts.jsonl").read_text().splitlines()]
    answerable = [message["content"] for name in ("benign_pairs.jsonl", "general_pairs.jsonl")
                  for line in (EXAMPLE / name).read_text().splitlines()
                  for message in json.loads(line)["prompt"] if message["role"] == "user"]
    return harmful + answerable


def test_no_training_prompt_is_an_audit_prompt_or_a_near_copy_of_one():
    audit = [p.text for name in ("redteam", "benign") for p in load_prompts(name)]
    train = training_prompts()
    assert len(train) == 162 + 162 + 204 + 48 and len(audit) == 162 + 108
    closest = max((jaccard(t, a), t, a) for t in train for a in audit)
    # 0.6: where the data curation calls two records near-duplicates (curation.near_threshold)
    assert closest[0] < 0.6, closest


def test_make_data_writes_the_committed_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("safety_make_data", EXAMPLE / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for name in ("harmful_prompts.jsonl", "benign_pairs.jsonl", "general_pairs.jsonl"):
        assert (tmp_path / name).read_text() == (EXAMPLE / name).read_text()


def test_the_pipeline_validates(capsys):
    assert main(["validate", str(EXAMPLE / "pipeline.yaml")]) == 0
    assert "written by stage 'constitution' (part of this mix) during the run" in capsys.readouterr().out
