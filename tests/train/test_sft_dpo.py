"""SFT → DPO (full fine-tuning) on a tiny random model: the run directory holds what
DESIGN.md promises, the held-out SFT loss falls, DPO raises held-out preference accuracy,
and the saved model loads with plain transformers. (LoRA is covered by the resume test
and the end-to-end test on the real model.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def tiny_pipeline(folder: Path, model_dir: Path, data: Path, sft_steps: int = 30, dpo_steps: int = 20) -> Path:
    return write_pipeline(folder / "pipeline.yaml", model_dir, data, [
        f"{{type: sft, dataset: chats, max_steps: {sft_steps}, learning_rate: 2.0e-3, batch_size: 8, save_steps: 10}}",
        f"{{type: dpo, from: sft, dataset: prefs, max_steps: {dpo_steps}, learning_rate: 5.0e-4, batch_size: 4, "
        "beta: 0.5}"])


@pytest.fixture(scope="module")
def tiny_run(tiny_lm_dir, quickstart_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-run")
    return run_pipeline(tiny_pipeline(folder, tiny_lm_dir, quickstart_dir), output_dir=str(folder / "runs"))


def test_run_directory_follows_the_contract(tiny_run):
    manifest = json.loads((tiny_run / "manifest.json").read_text())
    assert manifest["status"] == "done"
    assert [s["status"] for s in manifest["stages"]] == ["done", "done"]
    assert {"torch", "transformers", "peft", "trl"} <= set(manifest["versions"])
    assert all(len(entry["sha256"]) == 64 for entry in manifest["data"].values())
    assert (tiny_run / "pipeline.yaml").exists()
    for stage in ("sft", "dpo"):
        assert (tiny_run / stage / "model" / "config.json").exists()
        assert (tiny_run / stage / "metrics.json").exists()
        log = [json.loads(line) for line in (tiny_run / stage / "log.jsonl").read_text().splitlines()]
        assert log and all("tokens_per_second" in r and "mfu" in r for r in log if "loss" in r)
        assert not (tiny_run / stage / "checkpoints").exists()


def test_sft_lowers_heldout_loss(tiny_run):
    metrics = json.loads((tiny_run / "sft" / "metrics.json").read_text())
    assert metrics["eval_loss"] < 0.8 * metrics["eval_loss_before"]


def test_dpo_raises_heldout_preference_accuracy(tiny_run):
    metrics = json.loads((tiny_run / "dpo" / "metrics.json").read_text())
    assert metrics["reward_margin"] > metrics["reward_margin_before"]
    assert metrics["preference_accuracy"] >= 0.8


def test_model_loads_with_plain_transformers(tiny_run):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_run / "dpo" / "model")
    tokenizer = AutoTokenizer.from_pretrained(tiny_run / "dpo" / "model")
    assert model.config.eos_token_id == tokenizer.eos_token_id
