"""lm-evaluation-harness through its Python API, on a model in memory, with local task files."""

from __future__ import annotations

import json

import pytest

from tuneline.errors import UserError

QUESTIONS = [("Which is a colour?", ["blue", "seven", "run"], 0), ("Which is a number?", ["green", "seven", "sing"], 1),
             ("Which is a verb?", ["red", "four", "jump"], 2), ("Which is an animal?", ["cat", "five", "walk"], 0)]


def write_local_task(folder, name: str = "tuneline_words", dataset_path: str = "json", relative: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"question": q, "choices": c, "answer": a} for q, c, a in QUESTIONS]
    (folder / "words.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    data_file = "words.jsonl" if relative else folder / "words.jsonl"
    data = f"dataset_kwargs:\n  data_files:\n    test: {data_file}\n" if dataset_path == "json" else ""
    (folder / f"{name}.yaml").write_text(
        f"task: {name}\ndataset_path: {dataset_path}\n{data}test_split: test\noutput_type: multiple_choice\n"
        "doc_to_text: 'Question: {{question}}\nAnswer:'\ndoc_to_choice: '{{choices}}'\ndoc_to_target: answer\n"
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n")


@pytest.fixture(scope="module")
def tiny_model(eval_assets):
    from tuneline.models.load import load_for_inference

    return load_for_inference(str(eval_assets["base"]))


def test_local_task_file_runs_on_a_model_in_memory(tiny_model, tmp_path):
    from tuneline.eval.lm_eval_bridge import run_lm_eval

    write_local_task(tmp_path / "tasks")
    model, tokenizer = tiny_model
    scores = run_lm_eval(model, tokenizer, ["tuneline_words"], include_path=str(tmp_path / "tasks"), batch_size=4)
    # 4 questions: accuracy is a multiple of 1/4 in [0, 1]
    assert set(scores) >= {"tuneline_words.acc"}
    assert scores["tuneline_words.acc"] * 4 == pytest.approx(round(scores["tuneline_words.acc"] * 4))


def test_a_relative_data_file_is_read_beside_its_task_file_from_any_folder(tiny_model, tmp_path, monkeypatch):
    from tuneline.eval.lm_eval_bridge import run_lm_eval

    write_local_task(tmp_path / "tasks", name="tuneline_words_relative", relative=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the harness alone would look for elsewhere/words.jsonl
    model, tokenizer = tiny_model
    scores = run_lm_eval(model, tokenizer, ["tuneline_words_relative"], include_path=str(tmp_path / "tasks"),
                         batch_size=4)
    assert 0.0 <= scores["tuneline_words_relative.acc"] <= 1.0


def test_a_group_of_tasks_with_relative_data_files_runs_from_any_folder(tiny_model, tmp_path, monkeypatch):
    from tuneline.eval.lm_eval_bridge import run_lm_eval

    write_local_task(tmp_path / "tasks", name="tuneline_words_a", relative=True)
    write_local_task(tmp_path / "tasks", name="tuneline_words_b", relative=True)
    (tmp_path / "tasks" / "tuneline_words_group.yaml").write_text(
        "group: tuneline_words_group\ntask:\n  - tuneline_words_a\n  - tuneline_words_b\n"
        "aggregate_metric_list:\n  - metric: acc\n    aggregation: mean\n    weight_by_size: true\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    model, tokenizer = tiny_model
    scores = run_lm_eval(model, tokenizer, ["tuneline_words_group"], include_path=str(tmp_path / "tasks"),
                         batch_size=4)
    # both members scored, and the group's mean of them: the same questions, so the same accuracy
    assert scores["tuneline_words_a.acc"] == scores["tuneline_words_b.acc"] == scores["tuneline_words_group.acc"]


def test_offline_hub_task_is_named_instead_of_hanging(tiny_model, tmp_path, monkeypatch):
    from tuneline.eval.lm_eval_bridge import run_lm_eval

    write_local_task(tmp_path / "tasks", name="needs_hub_words", dataset_path="tuneline-nobody/not-a-cached-dataset")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, tokenizer = tiny_model
    with pytest.raises(UserError) as error:
        run_lm_eval(model, tokenizer, ["needs_hub_words"], include_path=str(tmp_path / "tasks"))
    assert "needs_hub_words (dataset tuneline-nobody/not-a-cached-dataset)" in str(error.value)
    assert "offline" in str(error.value) and "fix:" in str(error.value)
