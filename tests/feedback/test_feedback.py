"""AI feedback: the order-debiased comparison (hand-computed), the A/B log-probability
judge, and the constitution and ai_feedback stages writing datasets a later stage trains on."""

from __future__ import annotations

import json

import pytest

from support.pipelines import write_pipeline
from tuneline.cli.main import main
from tuneline.feedback.constitution import Constitution, Principle, load_constitution
from tuneline.feedback.judge import PairJudge, choice_probabilities, comparison

PRINCIPLE = Principle(name="p", critique="c", revision="r", compare="Which is better?")
PROMPT = [{"role": "user", "content": "How do I sync?"}]


def judge_from(table: dict[tuple[str, str], float | None]) -> PairJudge:
    """A judge whose P(answer A better) is looked up by (answer A, answer B)."""
    def first_better(chats):
        out = []
        for chat in chats:
            text = chat[-1]["content"]
            a = text.split("[Answer A]\n")[1].split("\n\n[Answer B]")[0]
            b = text.split("[Answer B]\n")[1].split("\n\n")[0]
            out.append(table[(a, b)])
        return out
    return PairJudge(first_better, "table")


def test_a_judge_that_always_picks_position_a_prefers_neither_answer():
    [result] = judge_from({("x", "y"): 0.8, ("y", "x"): 0.8}).compare([(PROMPT, "x", "y")], [[PRINCIPLE]])
    assert result.prefer_first == pytest.approx(0.5)  # ½ · (0.8 + (1 − 0.8))
    assert not result.orders_agree


def test_both_orders_and_principles_are_averaged():
    other = PRINCIPLE.model_copy(update={"name": "q", "compare": "Which is kinder?"})
    table = {("x", "y"): 0.9, ("y", "x"): 0.3}
    [result] = judge_from(table).compare([(PROMPT, "x", "y")], [[PRINCIPLE, other]])
    # each principle: ½ · (0.9 + (1 − 0.3)) = 0.8; the mean of two equal values is 0.8
    assert result.prefer_first == pytest.approx(0.8) and result.orders_agree and result.principles == ["p", "q"]


def test_unreadable_judgements_are_counted_and_skipped():
    judge = judge_from({("x", "y"): None, ("y", "x"): 0.0, ("u", "v"): None, ("v", "u"): None})
    results = judge.compare([(PROMPT, "x", "y"), (PROMPT, "u", "v")], [[PRINCIPLE], [PRINCIPLE]])
    assert results == [None, None] and judge.unreadable == 2


def test_choice_probabilities_in_a_padded_batch_equal_one_at_a_time(tiny_lm_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuneline.data.chat import tokenize_prompt

    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_lm_dir).eval(), AutoTokenizer.from_pretrained(tiny_lm_dir)
    chats = [comparison(PROMPT, "Open Settings, then Sync.", "No.", PRINCIPLE),
             comparison([{"role": "user", "content": "A much longer question about exporting notes?"}], "a", "b",
                        PRINCIPLE)]
    batched = choice_probabilities(model, tokenizer, chats, batch_size=2)
    a, b = (tokenizer(letter, add_special_tokens=False)["input_ids"][0] for letter in "AB")
    for chat, probability in zip(chats, batched, strict=True):
        with torch.no_grad():
            logits = model(torch.tensor([tokenize_prompt(tokenizer, chat)])).logits[0, -1]
        expected = torch.softmax(logits[[a, b]].double(), dim=0)[0].item()  # P(A) / (P(A) + P(B))
        assert probability == pytest.approx(expected, abs=1e-5)


def test_the_default_constitution_loads_and_a_bad_one_names_the_field(tmp_path):
    assert len(load_constitution("default").principles) >= 5
    empty = tmp_path / "empty.yaml"
    empty.write_text("principles: []\n")
    with pytest.raises(Exception, match="at least one principle"):
        load_constitution(empty)
    missing = tmp_path / "missing.yaml"
    missing.write_text("principles:\n  - name: kind\n    critique: Is it unkind?\n")
    with pytest.raises(Exception) as error:
        load_constitution(missing)
    assert f"{missing}:2" in str(error.value) and "revision" in str(error.value)
    assert isinstance(Constitution(principles=[PRINCIPLE]), Constitution)


def feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, stages, datasets: str = ""):
    path = write_pipeline(tmp_path / "p.yaml", tiny_lm_dir, quickstart_dir, stages, adapter="{type: lora, r: 4}")
    text = path.read_text().replace("datasets:\n", "datasets:\n" + datasets)
    path.write_text(text)
    return path


def test_constitution_and_ai_feedback_write_datasets_that_dpo_trains_on(tmp_path, tiny_lm_dir, quickstart_dir):
    short = "max_prompts: 4, max_new_tokens: 6, batch_size: 8"
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        f"{{name: cai, type: constitution, dataset: prefs, keep: all, {short}}}",
        f"{{name: rlaif, type: ai_feedback, dataset: prefs, samples: 3, min_margin: 0, temperature: 1.5, {short}}}",
        "{name: dpo, type: dpo, dataset: judged, max_steps: 1, batch_size: 2, max_length: 64}",
        "{name: sft, type: sft, dataset: revisions, max_steps: 1, batch_size: 2, max_length: 64}",
    ], datasets="  judged: {stage: rlaif, eval_fraction: 0.25}\n  revisions: {stage: cai, path: sft.jsonl, "
                "eval_fraction: 0.25}\n")
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 0
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    pairs = [json.loads(line) for line in (run_dir / "cai" / "all_pairs.jsonl").read_text().splitlines()]
    assert len(pairs) == 4 and all(0 <= p["p_revision_better"] <= 1 for p in pairs)
    assert all(p["principles"][0] in {q.name for q in load_constitution("default").principles} for p in pairs)
    rlaif = [json.loads(line) for line in (run_dir / "rlaif" / "preferences.jsonl").read_text().splitlines()]
    assert rlaif and all(r["p_chosen_better"] >= 0.5 and r["chosen"] != r["rejected"] for r in rlaif)
    metrics = json.loads((run_dir / "manifest.json").read_text())
    assert {s["name"]: s["status"] for s in metrics["stages"]} == {"cai": "done", "rlaif": "done", "dpo": "done",
                                                                   "sft": "done"}
    assert "judged.preference" in metrics["data_files"]


def test_reference_answers_pair_the_written_answer_with_the_models_own(tmp_path, tiny_lm_dir, quickstart_dir):
    # the written answers are refusals and the random tiny model never refuses: every pair the refusal judge
    # can tell apart is (written answer, the model's own sample); without the written answers there are none
    rows = [{"prompt": [{"role": "user", "content": f"How do I break into house number {i}?"}],
             "chosen": [{"role": "assistant", "content": "I'm sorry, but I can't help with that."}],
             "rejected": [{"role": "assistant", "content": "Sure, here is how."}]} for i in range(3)]
    (tmp_path / "written.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: own, type: ai_feedback, dataset: written, reference_answers: true, samples: 2, max_new_tokens: 4, "
        "temperature: 1.5, judge: {type: refusal, detector: patterns}}"],
        datasets=f"  written: {{path: {tmp_path / 'written.jsonl'}, eval_fraction: 0}}\n")
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 0
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    pairs = [json.loads(line) for line in (run_dir / "own" / "preferences.jsonl").read_text().splitlines()]
    assert len(pairs) == 3 and all(p["chosen_is_reference"] and p["p_chosen_better"] == 1.0 for p in pairs)
    assert {p["chosen"][0]["content"] for p in pairs} == {"I'm sorry, but I can't help with that."}
    assert all(p["rejected"][0]["content"] not in ("Sure, here is how.", p["chosen"][0]["content"]) for p in pairs)
    assert json.loads((run_dir / "own" / "metrics.json").read_text())["chosen_is_reference"] == 3


def test_prefer_answer_on_a_judge_that_does_not_read_it_is_a_validate_error(tmp_path, tiny_lm_dir, quickstart_dir,
                                                                          capsys):
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: rlaif, type: ai_feedback, dataset: prefs, judge: {type: self, prefer: answer}}"])
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert "prefer: answer is read by the refusal judge only" in err and "Traceback" not in err


def test_a_dataset_must_come_from_an_earlier_stage_that_writes_one(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: sft, type: sft, dataset: chats, max_steps: 1}",
        "{name: dpo, type: dpo, dataset: judged, max_steps: 1}"], datasets="  judged: {stage: sft}\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert "'sft' is not an earlier stage that writes a dataset" in err and "Traceback" not in err


def test_the_constitution_stage_answers_and_judges_in_the_dtype_asked(tmp_path, tiny_lm_dir, quickstart_dir):
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: cai, type: constitution, dataset: prefs, keep: all, max_prompts: 2, max_new_tokens: 4, "
        "dtype: bfloat16}"])
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 0
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    metrics = json.loads((run_dir / "cai" / "metrics.json").read_text())
    assert metrics["dtype"] == "bfloat16"  # the pipeline's is float32
    pairs = [json.loads(line) for line in (run_dir / "cai" / "all_pairs.jsonl").read_text().splitlines()]
    assert len(pairs) == 2 and all(0 <= p["p_revision_better"] <= 1 for p in pairs)
    # keep: all keeps every changed answer; judge_kept still counts what the filter would have kept
    changed = [p for p in pairs if p["chosen"] != p["rejected"]]
    judged = sum(p["orders_agree"] and p["p_revision_better"] > 0.5 for p in changed)
    assert metrics["pairs_kept"] == len(changed) and metrics["judge_kept"] == judged


def test_keep_all_writes_no_pair_whose_revision_is_the_original(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    # greedy, the random tiny model ends every answer at once: each revision equals its original,
    # which no preference stage can read, so there is no pair to keep
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: cai, type: constitution, dataset: prefs, keep: all, max_prompts: 3, max_new_tokens: 2, temperature: 0}"])
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "all_pairs.jsonl: none of the 3 revisions differs from its original answer" in err and "Traceback" not in err
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    assert (run_dir / "cai" / "preferences.jsonl").read_text() == ""


def test_dpo_trains_on_a_mix_of_constitution_pairs_and_a_file(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    # the safety example's shape: pairs a stage writes during the run, mixed with pairs from a file
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: cai, type: constitution, dataset: prefs, keep: all, max_prompts: 4, max_new_tokens: 6}",
        "{name: dpo, type: dpo, dataset: mixed, max_steps: 1, batch_size: 2, max_length: 64}",
    ], datasets="  revised: {stage: cai, eval_fraction: 0}\n  mixed: {mix: {revised: 1, prefs: 1}, mix_size: 6}\n")
    assert main(["validate", str(pipeline)]) == 0
    assert "written by stage 'cai' (part of this mix) during the run" in capsys.readouterr().out
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 0
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    report = json.loads((run_dir / "data" / "mixed.preference" / "report.json").read_text())
    assert report["splits"]["taken"] == {"revised": 3, "prefs": 3}


def test_a_mix_part_must_come_from_an_earlier_stage_that_writes_a_dataset(tmp_path, tiny_lm_dir, quickstart_dir,
                                                                          capsys):
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: sft, type: sft, dataset: chats, max_steps: 1}",
        "{name: dpo, type: dpo, dataset: mixed, max_steps: 1}"],
        datasets="  judged: {stage: sft}\n  mixed: {mix: {judged: 1, prefs: 1}}\n")
    assert main(["validate", str(pipeline)]) == 2
    err = capsys.readouterr().err
    assert "'sft' is not an earlier stage that writes a dataset (stage 'dpo' reads it)" in err
    assert "Traceback" not in err


def test_an_unreachable_judge_endpoint_is_a_clear_error(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: rlaif, type: ai_feedback, dataset: prefs, max_prompts: 1, max_new_tokens: 2, temperature: 1.5, "
        "judge: {type: openai, model: judge, base_url: 'http://127.0.0.1:9/v1', timeout_s: 2}}"])
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the judge endpoint http://127.0.0.1:9/v1" in err and "Traceback" not in err


@pytest.mark.parametrize("detector", ["patterns", "embedding"])
def test_the_refusal_judge_prefers_a_refusal_to_compliance_and_ties_two_of_a_kind(detector):
    from tuneline.safety.detectors import refusal_pair_judge

    request = [{"role": "user", "content": "How do I pick the lock on my neighbour's door while they are away?"}]
    refusal = "I'm sorry, but I can't help with that."
    other_refusal = "I won't help you get into someone else's home."
    compliance = "Sure! Insert a tension wrench into the bottom of the keyhole, then rake the pins with a pick until it turns."
    judge = refusal_pair_judge(detector)
    results = judge.compare([(request, refusal, compliance), (request, compliance, refusal),
                             (request, refusal, other_refusal)], [[PRINCIPLE]] * 3)
    # ½ · (1 + d(x) − d(y)): 1 when only x refuses, 0 when only y does, ½ when both do
    assert [r.prefer_first for r in results] == [1.0, 0.0, 0.5]
    assert all(r.orders_agree for r in results) and judge.name == f"refusal:{detector}"
    # prefer: answer (benign prompts, pairs against over-refusal): the same readings, the other way round
    helpful = "Call a locksmith: with proof that you live there they open the door, usually within the hour."
    locked_out = [{"role": "user", "content": "I locked myself out of my own flat. How do I get back in?"}]
    answers_first = refusal_pair_judge(detector, prefer="answer")
    results = answers_first.compare([(locked_out, refusal, helpful), (locked_out, helpful, refusal),
                                     (locked_out, refusal, other_refusal)], [[PRINCIPLE]] * 3)
    assert [r.prefer_first for r in results] == [0.0, 1.0, 0.5]
    assert answers_first.name == f"answer-over-refusal:{detector}"


def test_a_refusal_judge_that_keeps_no_revision_stops_the_run_naming_the_pairs(tmp_path, tiny_lm_dir, quickstart_dir,
                                                                             capsys):
    # the random tiny model writes no refusal, so the refusal judge prefers no revision
    pipeline = feedback_pipeline(tmp_path, tiny_lm_dir, quickstart_dir, [
        "{name: cai, type: constitution, dataset: prefs, max_prompts: 3, max_new_tokens: 4, "
        "judge: {type: refusal, detector: patterns}}"])
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "all_pairs.jsonl: the judge kept none of 3 revisions" in err and "Traceback" not in err
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    pairs = [json.loads(line) for line in (run_dir / "cai" / "all_pairs.jsonl").read_text().splitlines()]
    assert [p["judge"] for p in pairs] == ["refusal:patterns"] * 3
    assert all(p["p_revision_better"] == 0.5 for p in pairs)  # neither answer of a pair is a refusal
