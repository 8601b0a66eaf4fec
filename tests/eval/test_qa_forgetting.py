"""The qa and forgetting suites: the counts behind each share checked by hand, and an
sft → mixed sft → eval run on the tiny model that reports both."""

from __future__ import annotations

import json

import pytest

from tuneline.data.records import Conversation
from tuneline.eval.qa import QACase, calibrated_verdicts, declines, qa_cases, score_answers, states_facts
from tuneline.eval.significance import wilson_interval


def test_wilson_interval_matches_the_published_values():
    # 8 of 10: (0.8 + 0.19208 ± 1.96·sqrt(0.016 + 0.009604)) / 1.38416
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_qa_shares_count_correct_declined_and_hallucinated_answers():
    def case(answerable):
        return QACase([{"role": "user", "content": "q"}], "ref", "passage", answerable)

    cases = [case(True), case(True), case(True), case(True), case(False), case(False)]
    answers = ["Five days.", "Ten days.", "That is not covered in the documentation.", "Blue.", "It floats.",
               "I don't know, that is not in the docs."]
    judged_yes = [True, False, True, False, None, None]  # the judge's verdicts (answerable only)
    similarity = [0.9, 0.5, 0.2, 0.8, 0.1, 0.1]
    abstain_similarity = [0.1, 0.1, 0.95, 0.1, 0.2, 0.5]
    metrics = score_answers(cases, answers, judged_yes, similarity, abstain_similarity, similarity_threshold=0.75)
    assert metrics["questions"] == 4 and metrics["unanswerable_questions"] == 2
    assert metrics["correct_judge"] == 1 / 4  # #3 declined: a "yes" on a refusal is not a correct answer
    assert metrics["correct_similarity"] == 2 / 4  # 0.9 and 0.8 reach 0.75
    assert metrics["mean_similarity"] == pytest.approx((0.9 + 0.5 + 0.2 + 0.8) / 4)
    assert metrics["false_abstention"] == 1 / 4
    assert metrics["abstention"] == 1 / 2  # "It floats." answers what the docs do not say
    assert metrics["hallucination"] == 3 / 6  # #2, #4 wrong and not declined; #5 answered anyway
    assert declines("Sorry, I cannot answer that.", 0.0, 0.75) and not declines("Press Save.", 0.3, 0.75)

    # where the judge cannot tell right from wrong (None), it gives no verdict: correct_judge is over the
    # judged questions, and hallucination falls back to the similarity (#2: 0.5, wrong; #4: 0.8, right)
    metrics = score_answers(cases, answers, [True, None, True, None, None, None], similarity, abstain_similarity,
                            similarity_threshold=0.75)
    assert metrics["judge_questions"] == 2 and metrics["correct_judge"] == 1 / 2
    assert metrics["hallucination"] == 2 / 6  # #2 and #5


def test_the_fact_check_wants_every_fact_as_whole_words_and_no_refusal():
    assert states_facts("It costs 12 euros per device.", ("12 euros",))
    assert not states_facts("Up to 14 days.", ("4",))  # "4" is not in "14"
    assert states_facts("At most 4 drives, on BUSINESS.", ("4", "business"))
    assert not states_facts("Frankfurt only.", ("Frankfurt", "Dublin"))
    assert states_facts("See /var/log/fernbox/fernbox.log.", ("/var/log/fernbox/fernbox.log",))

    def case(facts):
        return QACase([{"role": "user", "content": "q"}], "ref", "passage", True, facts)

    cases = [case(("7 days",)), case(("7 days",)), case(("Ctrl+B",)), case(())]  # the last has no facts listed
    answers = ["Links expire after 7 days.", "After 7 days? That is not covered in the documentation.",
               "Press Ctrl+R.", "Blue."]
    metrics = score_answers(cases, answers, [False] * 4, [0.0] * 4, [0.0, 0.9, 0.0, 0.0], similarity_threshold=0.75)
    assert metrics["correct_facts"] == 1 / 3  # #2 declines, #3 names the wrong key, #4 is not counted
    assert metrics["hallucination"] == 2 / 4  # the facts decide over the judge's "no" for #1; #3 and #4 are wrong
    assert (metrics["correct_facts_ci_low"], metrics["correct_facts_ci_high"]) == pytest.approx(wilson_interval(1, 3))


def test_a_fact_the_question_already_states_is_not_counted():
    def chat(question, answer):
        return Conversation([{"role": "user", "content": question}, {"role": "assistant", "content": answer}])

    rows = {"Are the boots waterproof?": {"passage": "p", "facts": ["waterproof", "membrane"]},
            "How much are the boots?": {"passage": "p", "facts": ["139 euros"]}}
    cases = qa_cases([chat("Are the boots waterproof?", "Yes, a waterproof membrane."),
                      chat("How much are the boots?", "139 euros."), chat("Not a synth question", "x")], rows)
    assert [case.facts for case in cases] == [("membrane",), ("139 euros",)]
    # echoing the question ("Yes, they are waterproof.") is not a correct answer
    metrics = score_answers(cases, ["Yes, they are waterproof.", "139 euros."], [None, None], [0.0, 0.0],
                            [0.0, 0.0], similarity_threshold=0.75)
    assert metrics["correct_facts"] == 1 / 2


def test_the_judge_threshold_sits_between_its_verdicts_on_right_and_wrong_answers():
    # thresholds: (0.9 + 0.7) / 2 = 0.8 and (0.6 + 0.2) / 2 = 0.4; the last judge is surer of the wrong answer
    assert calibrated_verdicts([0.85, 0.75, 0.45, 0.35, 0.9], [0.9, 0.9, 0.6, 0.6, 0.3], [0.7, 0.7, 0.2, 0.2, 0.6]) == \
        [True, False, True, False, None]


def test_a_docs_run_reports_qa_and_the_general_loss_rise(tmp_path, tiny_lm_dir):
    from tuneline.pipeline.runner import run_pipeline

    def row(question, answer, answerable=True):
        return json.dumps({"messages": [{"role": "user", "content": question},
                                        {"role": "assistant", "content": answer}],
                           "passage": "Refunds take five business days." if answerable else "",
                           "answerable": answerable}) + "\n"

    (tmp_path / "docs_train.jsonl").write_text("".join(row(f"How long do refunds take, case {i}?", "Five days.")
                                                       for i in range(8)))
    (tmp_path / "docs_eval.jsonl").write_text(row("How long does a refund take?", "Five business days.")
                                              + row("What does Team cost?", "7 euros a device.")
                                              + row("Can the app fly a drone?", "That is not covered in the "
                                                    "documentation, so I can't answer it reliably.", False))
    (tmp_path / "general.jsonl").write_text("".join(
        json.dumps({"messages": [{"role": "user", "content": f"Name a colour, {i}."},
                                 {"role": "assistant", "content": "Green."}]}) + "\n" for i in range(8)))
    (tmp_path / "pipeline.yaml").write_text(f"""name: docs-qa
seed: 1
tracking: {{backend: none}}
model: {tiny_lm_dir}
adapter: {{type: lora, r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}
datasets:
  docs: {{path: docs_train.jsonl, eval_path: docs_eval.jsonl}}
  general: {{path: general.jsonl, eval_fraction: 0.25}}
  mixed:
    mix: {{docs: 0.5, general: 0.5}}
stages:
  - {{name: docs_only, type: sft, dataset: docs, max_steps: 2, batch_size: 4, max_length: 64, learning_rate: 1.0e-2}}
  - {{name: mixed, type: sft, dataset: mixed, max_steps: 2, batch_size: 4, max_length: 64, learning_rate: 1.0e-2}}
  - type: eval
    suites: [qa, forgetting]
    datasets: {{qa: docs, forgetting: general}}
    max_new_tokens: 8
    qa: {{judge: {tiny_lm_dir}}}
""")
    run_dir = run_pipeline(tmp_path / "pipeline.yaml", output_dir=str(tmp_path / "runs"))
    details = json.loads((run_dir / "eval" / "metrics.json").read_text())["details"]["targets"]
    assert list(details) == ["base", "docs_only", "mixed"]
    for suites in details.values():
        qa = suites["qa"]
        assert qa["questions"] == 2 and qa["unanswerable_questions"] == 1
        assert 0 <= qa["judge_discriminates"] <= 1
        assert qa["correct_judge_ci_low"] <= qa["correct_judge"] <= qa["correct_judge_ci_high"]
        assert 0 <= qa["abstention"] <= 1 and 0 <= qa["hallucination"] <= 1
        forgetting = suites["forgetting"]
        assert forgetting["loss_rise"] == pytest.approx(forgetting["general_loss"] - details["base"]["forgetting"]
                                                        ["general_loss"])
    assert details["base"]["forgetting"]["loss_rise"] == 0
    answers = (run_dir / "eval" / "qa_answers.jsonl").read_text().splitlines()
    assert len(answers) == 9 and json.loads(answers[0])["reference"] == "Five business days."
