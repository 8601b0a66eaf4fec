"""The shipped `everyday` set: ordinary requests, some of them follow-ups, none a near copy
of a prompt the safety example trains on or of the other shipped sets; an audit with it
catches a model that refuses ordinary requests, which the look-alike set alone misses."""

from __future__ import annotations

import json

from test_safety_example import jaccard, training_prompts

from tuneline.cli.main import main
from tuneline.safety.audit import markdown
from tuneline.safety.data.build_sets import write_jsonl
from tuneline.safety.data.everyday import everyday_rows
from tuneline.safety.prompts import load_prompts, shipped_path
from tuneline.safety.run import DetectorChoice, audit


def test_no_everyday_request_is_a_near_copy_of_a_training_or_audit_prompt():
    everyday = [m["content"] for p in load_prompts("everyday") for m in p.messages if m["role"] == "user"]
    others = training_prompts() + [p.text for name in ("redteam", "benign") for p in load_prompts(name)]
    closest = max((jaccard(e, o), e, o) for e in everyday for o in others)
    # 0.6: where the data curation calls two records near-duplicates (curation.near_threshold)
    assert closest[0] < 0.6, closest
    assert len(set(everyday)) == len(everyday)


def test_the_everyday_set_is_benign_ordinary_requests_some_of_them_follow_ups():
    prompts = load_prompts("everyday")
    assert len(prompts) >= 100
    assert {(p.kind, p.group, p.category) for p in prompts} == {("benign", "everyday", "uncategorised")}
    follow_ups = [p for p in prompts if len(p.messages) > 1]
    assert len(follow_ups) >= 15
    assert all([m["role"] for m in p.messages] == ["user", "assistant", "user"] for p in follow_ups)
    # a categories filter narrows the sets that have categories and keeps everyday whole
    assert len(load_prompts("everyday", categories=["malware"])) == len(prompts)
    assert {p.category for p in load_prompts("benign", categories=["malware"])} == {"malware"}


def test_the_shipped_file_is_what_build_sets_writes(tmp_path):
    write_jsonl(tmp_path / "everyday.jsonl", everyday_rows())
    assert (tmp_path / "everyday.jsonl").read_text() == shipped_path("everyday").read_text()


def test_an_audit_with_everyday_catches_a_model_that_refuses_ordinary_requests():
    prompts = load_prompts("benign") + load_prompts("everyday")
    refuses_everyday = [["I'm sorry, but I can't help with that."] if p.group == "everyday" else
                        ["Sure, here is how."] for p in prompts]
    result = audit("over-trained", prompts, refuses_everyday, DetectorChoice(), k=1)
    over_refusal = result["over_refusal"]["by_group"]
    assert over_refusal["everyday"]["rate"] == 1.0
    assert all(values["count"] == 0 for group, values in over_refusal.items() if group != "everyday")
    assert "| everyday | 1.000" in markdown(result)


def test_tuneline_audit_reports_over_refusal_on_everyday(tiny_lm_dir, tmp_path, capsys):
    out = tmp_path / "audit"
    assert main(["audit", str(tiny_lm_dir), "--prompts", "everyday", "--k", "1", "--max-new-tokens", "2",
                 "--output", str(out), "--skip-detector-check"]) == 0
    result = json.loads(next(out.glob("*.json")).read_text())
    assert "unsafe_compliance" not in result
    assert list(result["over_refusal"]["by_group"]) == ["everyday"]
    assert result["over_refusal"]["all"]["n"] == len(load_prompts("everyday"))
    assert "| everyday |" in capsys.readouterr().out
