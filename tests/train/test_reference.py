"""The reference of an alignment stage is the policy that enters it (Rafailov et al. 2023;
Ouyang et al. 2022): after `from: sft` on a LoRA adapter, DPO's first loss is ln 2 and its
held-out margins are 0, PPO's and GRPO's first KL is 0; `reference: base` keeps the older
anchor."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline

REWARD = Path(__file__).resolve().parents[1] / "rl" / "reward_fns.py"


def _log(stage_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (stage_dir / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def run_dir(tiny_lm_dir, quickstart_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    dpo = "{type: dpo, from: sft, dataset: prefs, max_steps: 1, logging_steps: 1, batch_size: 4, beta: 0.1, " \
          "max_eval_examples: 8, micro_batch_tokens: off"
    ppo = f"{{type: ppo, from: sft, dataset: prefs, max_steps: 1, rollout_batch_size: 4, minibatch_size: 2, " \
          f"max_new_tokens: 8, max_eval_examples: 4, reward_function: '{REWARD}:mentions_lumo'"
    write_pipeline(folder / "pipeline.yaml", tiny_lm_dir, quickstart_dir, [
        "{name: sft, type: sft, dataset: chats, max_steps: 8, learning_rate: 5.0e-3, batch_size: 8, "
        "max_eval_examples: 4}",
        f"{{name: dpo, {dpo[1:]}}}", f"{{name: dpo_base, reference: base, {dpo[1:]}}}",
        f"{{name: ppo, {ppo[1:]}}}", f"{{name: ppo_base, reference: base, {ppo[1:]}}}",
        f"{{name: grpo, type: grpo, from: sft, dataset: prefs, max_steps: 1, prompts_per_step: 2, num_generations: 2, "
        f"max_new_tokens: 8, max_eval_examples: 4, reward_function: '{REWARD}:mentions_lumo'}}"],
        name="reference", seed=11, adapter="{type: lora, r: 8, alpha: 16, dropout: 0.05}")
    return run_pipeline(folder / "pipeline.yaml", output_dir=str(folder / "runs"))


def test_dpo_after_sft_starts_at_ln2_with_zero_margins(run_dir):
    first = _log(run_dir / "dpo")[0]
    assert first["step"] == 1
    assert first["loss"] == pytest.approx(math.log(2), abs=1e-4)
    metrics = json.loads((run_dir / "dpo" / "metrics.json").read_text())
    assert metrics["reward_margin_before"] == 0.0  # policy and reference are the same network
    assert metrics["preference_accuracy_before"] == 0.5  # every pair a tie: chance
    assert metrics["reference"].startswith("stage 'sft'")
    assert not (run_dir / "dpo" / "adapter" / "ref").exists()  # the frozen copy is never saved


def test_dpo_with_the_base_as_reference_does_not_start_at_ln2(run_dir):
    # the same stage anchored to the base: SFT has moved the model, so the first loss is not ln 2
    first = _log(run_dir / "dpo_base")[0]
    assert abs(first["loss"] - math.log(2)) > 1e-3
    assert json.loads((run_dir / "dpo_base" / "metrics.json").read_text())["reference"].startswith("the base")


def test_ppo_after_sft_measures_zero_kl_before_any_update(run_dir):
    metrics = json.loads((run_dir / "ppo" / "metrics.json").read_text())
    first = next(r for r in _log(run_dir / "ppo") if r.get("step") == 1 and "kl" in r)
    assert abs(first["kl"]) < 1e-5  # the first rollout batch, scored before the update
    assert abs(metrics["eval_kl_before"]) < 1e-5  # held-out prompts, before training
    assert metrics["reference"] == "stage 'sft' (frozen copy of its adapter)"
    assert sorted(p.name for p in (run_dir / "ppo" / "adapter").iterdir() if p.is_dir()) == []


def test_ppo_with_the_base_as_reference_starts_away_from_it(run_dir):
    metrics = json.loads((run_dir / "ppo_base" / "metrics.json").read_text())
    assert abs(metrics["eval_kl_before"]) > 1e-3  # a sampled estimate: its sign may vary, never 0


def test_grpo_after_sft_measures_zero_kl_to_its_reference(run_dir):
    metrics = json.loads((run_dir / "grpo" / "metrics.json").read_text())
    assert abs(metrics["eval_kl_before"]) < 1e-5
    assert metrics["reference"] == "stage 'sft' (frozen copy of its adapter)"
    assert not (run_dir / "grpo" / "adapter" / "ref").exists()
