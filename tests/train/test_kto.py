"""KTO on unpaired answers (the quickstart's preference pairs, chosen = desirable,
rejected = undesirable): the first loss is λ − λσ(0) = 0.5 (the policy is its own
reference, z₀ = 0), and training opens a gap between the implicit rewards of desirable
and undesirable held-out answers."""

from __future__ import annotations

import json

import pytest

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline
from tuneline.stages.kto import mismatched_order


def test_mismatched_pairing_never_pairs_an_example_with_itself():
    partner = mismatched_order(9, seed=4)
    assert sorted(partner) == list(range(9))
    assert all(partner[i] != i for i in range(9))


def test_kto_starts_at_one_half_and_separates_desirable_answers(tiny_lm_dir, quickstart_dir, tmp_path):
    write_pipeline(tmp_path / "pipeline.yaml", tiny_lm_dir, quickstart_dir, [
        "{type: kto, dataset: prefs, max_steps: 12, logging_steps: 1, batch_size: 8, learning_rate: 5.0e-4, beta: 0.5, "
        "max_eval_examples: 16}"], name="kto", seed=4)
    stage = run_pipeline(tmp_path / "pipeline.yaml", output_dir=str(tmp_path / "runs")) / "kto"
    log = [json.loads(line) for line in (stage / "log.jsonl").read_text().splitlines()]
    assert log[0]["loss"] == pytest.approx(0.5, abs=1e-4)
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["reward_gap_before"] == 0.0
    assert metrics["reward_gap"] > 0.5
    assert metrics["desirable_examples"] == metrics["train_examples"] // 2
