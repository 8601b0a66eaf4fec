"""The classify stage end to end on a tiny random-weight BERT: it learns, reports the
baselines beside itself, saves a model plain transformers reloads with its label names,
and `tuneline predict` labels a file with it."""

from __future__ import annotations

import csv
import json

import pytest

from support.classify import keyword_rows, write_csv, write_pipeline
from tuneline.cli.main import main
from tuneline.pipeline.runner import run_pipeline


@pytest.fixture(scope="module")
def full_run(tiny_encoder_dir, tiny_lm_dir, keyword_data):
    config = write_pipeline(keyword_data, tiny_encoder_dir,
                            f"    zero_shot: [label_names, generative]\n    zero_shot_model: {tiny_lm_dir}\n")
    run_dir = run_pipeline(config, output_dir=str(keyword_data / "runs"))
    return run_dir / "classify"


def test_fine_tuning_learns_and_reports_both_baselines(full_run):
    metrics = json.loads((full_run / "metrics.json").read_text())
    assert metrics["baseline_majority_accuracy"] == pytest.approx(1 / 3)  # 12 test texts per class
    assert "baseline_frozen_embeddings_accuracy" in metrics
    # a random-weight encoder on keyword classes: in ~70 steps it separates them well above
    # the majority class (0.6 on 36 texts is far out of reach of chance)
    assert metrics["accuracy"] >= 0.6
    losses = [json.loads(line)["loss"] for line in (full_run / "log.jsonl").read_text().splitlines() if '"loss"' in line]
    assert losses[-1] < 0.8 * losses[0]
    assert metrics["labels"] == 3 and metrics["eval_examples"] == 36
    assert set(metrics["per_class"]) == {"billing", "login", "sync"}
    report = (full_run / "report" / "report.md").read_text()
    assert "fine_tuned" in report and "majority" in report and "frozen_embeddings" in report
    # zero-shot rows, and "beats" only with McNemar's test behind it, printed beside the table
    for name in ("label_names", "generative"):
        assert 0 <= metrics[f"baseline_{name}_accuracy"] <= 1
        assert f"vs {name}: wins" in report
    assert "McNemar" in report
    assert metrics["beats_majority"] is (metrics["vs_majority_p_value"] < 0.05)
    for name in ("fine_tuned", "majority", "frozen_embeddings", "label_names", "generative"):
        assert (full_run / "report" / f"{name}_confusion.png").stat().st_size > 1000
        rows = list(csv.reader(open(full_run / "report" / f"{name}_confusion.csv")))
        assert rows[0] == ["true \\ predicted", "billing", "login", "sync"]
        assert sum(int(v) for row in rows[1:] for v in row[1:]) == 36


def test_early_stopping_restores_the_best_validation_weights(full_run):
    metrics = json.loads((full_run / "metrics.json").read_text())
    log = [json.loads(line) for line in (full_run / "log.jsonl").read_text().splitlines()]
    scores = [record["validation_score"] for record in log if "validation_score" in record]
    assert scores and metrics["best_validation_score"] == max(scores)
    assert metrics["validation_examples"] > 0


def test_saved_model_loads_with_plain_transformers_and_names_its_labels(full_run):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(full_run / "model")
    tokenizer = AutoTokenizer.from_pretrained(full_run / "model")
    assert model.config.id2label == {0: "billing", 1: "login", 2: "sync"}
    assert model.config.label2id == {"billing": 0, "login": 1, "sync": 2}
    logits = model(**tokenizer(["my invoice payment was charged twice"], return_tensors="pt")).logits
    assert model.config.id2label[int(logits.argmax())] == "billing"


def test_predict_writes_label_and_probabilities(full_run, keyword_data, tmp_path, capsys):
    held_out = list(csv.DictReader(open(full_run / "predictions.csv")))
    source = write_csv(tmp_path / "new.csv", [(row["text"], f"id{i}") for i, row in enumerate(held_out)],
                       header=("body", "id"))
    out = tmp_path / "out.csv"
    assert main(["predict", str(full_run.parent), str(source), "-o", str(out), "--text-column", "body"]) == 0
    rows = list(csv.DictReader(open(out)))
    # the saved model, reloaded, labels the held-out texts exactly as the stage scored them
    assert [row["predicted_label"] for row in rows] == [row["fine_tuned"] for row in held_out]
    for i, row in enumerate(rows):
        probabilities = {label: float(row[f"prob_{label}"]) for label in ("billing", "login", "sync")}
        assert sum(probabilities.values()) == pytest.approx(1, abs=1e-4)
        assert max(probabilities, key=probabilities.get) == row["predicted_label"]
        assert row["id"] == f"id{i}"  # input columns are kept
    assert main(["predict", str(full_run.parent), str(source), "-o", str(out)]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_lora_and_balanced_class_weights(tiny_encoder_dir, tmp_path):
    rows = keyword_rows(30, seed=5)
    # imbalance: keep few 'sync' examples
    sync = [row for row in rows if row[1] == "sync"][:8]
    write_csv(tmp_path / "train.csv", [row for row in rows if row[1] != "sync"] + sync)
    write_csv(tmp_path / "test.csv", keyword_rows(6, seed=6))
    config = write_pipeline(tmp_path, tiny_encoder_dir, "    class_weights: balanced\n    epochs: 4\n", adapter="lora")
    stage = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "classify"
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["adapter"] == "lora"
    assert (stage / "model" / "config.json").exists() and not (stage / "adapter").exists()  # LoRA merged
    assert metrics["accuracy"] > metrics["baseline_majority_accuracy"]


def test_multi_label_with_threshold(tiny_encoder_dir, tmp_path):
    import random

    rng = random.Random(0)
    base = keyword_rows(30, seed=7)
    # a text with cue words of two classes carries both labels
    rows = [(text, label) for text, label in base]
    for _ in range(40):
        (a, la), (b, lb) = rng.sample(base, 2)
        if la != lb:
            rows.append((f"{a} {b}", f"{la}|{lb}"))
    write_csv(tmp_path / "train.csv", rows)
    write_csv(tmp_path / "test.csv", rows[:30])
    config = write_pipeline(tmp_path, tiny_encoder_dir, "    multi_label: true\n    threshold: 0.4\n")
    stage = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "classify"
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["labels"] == 3 and "micro_f1" not in metrics  # headline keys stay the same
    model_config = json.loads((stage / "model" / "config.json").read_text())
    assert model_config["problem_type"] == "multi_label_classification"
    assert model_config["tuneline_multi_label_threshold"] == 0.4
    assert metrics["macro_f1"] > 0.5


def test_a_flops_budget_stops_the_stage_after_its_first_step(tiny_encoder_dir, tmp_path):
    """The first step is always taken; with 1 FLOP of budget no second one is. The ledger
    and the reason land in metrics.json, and the stage still scores and saves its model."""
    write_csv(tmp_path / "train.csv", keyword_rows(10, seed=5))
    write_csv(tmp_path / "test.csv", keyword_rows(4, seed=6))
    config = write_pipeline(tmp_path, tiny_encoder_dir, "    budget: {flops: 1.0}\n", adapter="lora")
    stage = run_pipeline(config, output_dir=str(tmp_path / "runs")) / "classify"
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["steps"] == 1 and metrics["stopped_by_budget"] == "flops"
    assert metrics["stopped_reason"] == "flops budget" and metrics["flops_training"] > 0
    assert (stage / "model" / "config.json").exists()
