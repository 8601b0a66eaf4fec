"""The reward stage on a tiny model: it learns a preference it can see, saves a folder that
AutoModelForSequenceClassification loads, and `tuneline score` scores with it."""

from __future__ import annotations

import json

import pytest
import yaml

from tuneline.cli.main import main as cli
from tuneline.pipeline.runner import run_pipeline


@pytest.fixture(scope="module")
def reward_run(tmp_path_factory, tiny_base):
    folder = tmp_path_factory.mktemp("reward")
    questions = [f"What does the Lumo do at setting {n}?" for n in range(48)]
    rows = [{"prompt": q, "chosen": f"The Lumo shines at setting {n}.", "rejected": "No idea, sorry."}
            for n, q in enumerate(questions)]
    (folder / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {"name": "reward-test", "seed": 1, "model": str(tiny_base), "adapter": {"type": "full"},
              "datasets": {"pairs": {"path": str(folder / "pairs.jsonl"), "eval_fraction": 0.25}},
              "stages": [{"name": "reward", "type": "reward", "dataset": "pairs", "max_steps": 12, "batch_size": 6,
                          "learning_rate": 1e-3, "warmup_ratio": 0.0, "max_length": 64}],
              "tracking": {"backend": "none"}}
    (folder / "pipeline.yaml").write_text(yaml.safe_dump(config))
    return run_pipeline(folder / "pipeline.yaml", output_dir=str(folder / "runs")) / "reward"


def test_reward_model_learns_held_out_preferences_and_loads_with_transformers(reward_run):
    metrics = json.loads((reward_run / "metrics.json").read_text())
    assert metrics["pairwise_accuracy"] >= 0.9
    assert metrics["mean_margin"] > metrics["mean_margin_before"]
    assert metrics["mean_margin"] > 0
    assert metrics["chosen_reward_mean"] > metrics["rejected_reward_mean"]
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(reward_run / "model")
    assert model.config.num_labels == 1


def test_score_command_ranks_answers_and_names_a_bad_line(reward_run, tmp_path, capsys):
    pairs = tmp_path / "answers.jsonl"
    pairs.write_text(json.dumps({"prompt": "What does the Lumo do at setting 99?", "response": "No idea, sorry."}) + "\n"
                     + json.dumps({"prompt": "What does the Lumo do at setting 99?",
                                   "response": "The Lumo shines at setting 99."}) + "\n")
    assert cli(["score", str(reward_run), str(pairs)]) == 0
    scored = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert scored[1]["reward"] > scored[0]["reward"]
    pairs.write_text(pairs.read_text() + '{"prompt": "hello"}\n')
    assert cli(["score", str(reward_run), str(pairs)]) == 2
    assert f"{pairs}:3" in capsys.readouterr().err
