"""The PPO stage end to end on a tiny random-weight model: logs, artifact, errors, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from ppo_setup import HERE, write_ppo_pipeline

from tuneline.pipeline.runner import run_pipeline
from tuneline.rl.rewards import FunctionReward, RewardError

STEP_KEYS = {"reward_mean", "reward_std", "kl", "entropy", "completion_length", "value_loss", "clip_fraction",
             "approx_kl", "policy_loss", "kl_coef"}


def test_ppo_stage_logs_every_step_and_saves_a_peft_adapter(tmp_path, tiny_base, prompt_file):
    pipeline = write_ppo_pipeline(tmp_path, tiny_base, prompt_file, value_model="separate")
    run_dir = run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    stage = run_dir / "ppo"
    records = [json.loads(line) for line in (stage / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if STEP_KEYS <= r.keys()]
    assert [r["step"] for r in steps] == [1, 2]
    assert all(r["kl"] == r["kl"] for r in steps)  # finite, not NaN
    assert any("samples" in r and r["samples"][0]["completion"] is not None for r in records)
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["steps"] == 2
    assert {"eval_reward_mean_before", "eval_reward_mean", "eval_kl"} <= metrics.keys()
    # The adapter is plain PEFT: it loads on the base with PeftModel.
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base), str(stage / "adapter"))
    assert (stage / "value_head.pt").exists()
    assert not (stage / "checkpoints").exists()


def test_kl_in_the_loss_is_logged_each_step_and_stays_small(tmp_path, tiny_base, prompt_file):
    pipeline = write_ppo_pipeline(tmp_path, tiny_base, prompt_file, kl_penalty="loss", kl_controller="fixed",
                                  kl_coef=0.5, merged_rollouts=False)
    run_dir = run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    steps = [json.loads(line) for line in (run_dir / "ppo" / "log.jsonl").read_text().splitlines()]
    steps = [r for r in steps if STEP_KEYS <= r.keys()]
    assert [r["step"] for r in steps] == [1, 2]
    assert all(0.0 <= r["kl_loss"] < 1.0 for r in steps)  # exact KL per token, ≥ 0, and small after 2 steps


def test_a_raising_reward_function_stops_the_stage_naming_function_and_batch(tmp_path, tiny_base, prompt_file):
    pipeline = write_ppo_pipeline(tmp_path, tiny_base, prompt_file, max_eval_examples=None)
    text = pipeline.read_text().replace(":mentions_lumo", ":raises")
    pipeline.write_text(text.replace("eval_fraction: 0.25", "eval_fraction: 0.0"))
    with pytest.raises(RewardError) as caught:
        run_pipeline(pipeline, output_dir=str(tmp_path / "runs"))
    error = str(caught.value)
    assert "reward_fns.py:raises" in error and "batch 1" in error and "raised ValueError: scoring service" in error


@pytest.mark.parametrize("function, message", [
    ("returns_nan", "non-finite reward"),
    ("returns_too_few", "returned 3 rewards for 4 completions"),
])
def test_bad_reward_values_are_reported_with_function_and_batch(function, message):
    reward = FunctionReward(f"{HERE / 'reward_fns.py'}:{function}")
    prompts = [[{"role": "user", "content": "hi"}]] * 4
    with pytest.raises(RewardError) as caught:
        reward(prompts, ["a", "b", "c", "d"])
    assert function in str(caught.value) and "batch 1" in str(caught.value) and message in str(caught.value)


def test_a_killed_ppo_stage_resumes_from_its_checkpoint(tmp_path, tiny_base, prompt_file):
    pipeline = write_ppo_pipeline(tmp_path, tiny_base, prompt_file, max_steps=6, save_steps=2,
                                  max_eval_examples=1)
    runs = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "tuneline.cli.main", "run", str(pipeline), "--output-dir",
                                str(runs)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        while not list(runs.glob("*/*/ppo/checkpoints/step-0000002/progress.json")):
            assert process.poll() is None and time.monotonic() < deadline, "no checkpoint before the kill"
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    run_dir = next(runs.glob("*/*"))
    killed_at = max(json.loads(line).get("step", 0) for line in (run_dir / "ppo" / "log.jsonl").read_text().splitlines())
    assert killed_at < 6
    run_pipeline(resume=run_dir)
    records = [json.loads(line) for line in (run_dir / "ppo" / "log.jsonl").read_text().splitlines()]
    resumed_steps = [r["step"] for r in records if "reward_mean" in r and "clip_fraction" in r]
    assert resumed_steps[-4:] == [3, 4, 5, 6]  # continued after step 2, not from 0
    metrics = json.loads((run_dir / "ppo" / "metrics.json").read_text())
    assert metrics["steps"] == 6 and "eval_reward_mean_before" in metrics  # the before-figure survives the kill



def test_a_kl_limit_ends_the_update_and_keeps_the_policy_near_the_reference(tmp_path, tiny_base, prompt_file):
    """Without a KL penalty and at a large learning rate the policy walks away from the reference;
    with a kl_limit, the first minibatch found past it steps back and ends that step's epochs."""
    def run(folder, **limit):
        folder.mkdir()
        pipeline = write_ppo_pipeline(folder, tiny_base, prompt_file, max_steps=3, ppo_epochs=2, learning_rate=3e-2,
                                      kl_penalty="loss", kl_controller="fixed", kl_coef=0.0, merged_rollouts=False,
                                      value_model="head",
                                      **limit)
        run_dir = run_pipeline(pipeline, output_dir=str(folder / "runs"))
        steps = [json.loads(line) for line in (run_dir / "ppo" / "log.jsonl").read_text().splitlines()]
        return [r for r in steps if STEP_KEYS <= r.keys()]

    free = run(tmp_path / "free")
    bounded = run(tmp_path / "bounded", kl_limit=1e-3)
    assert "updates" not in free[0]
    # Step 1: the first minibatch meets the reference itself (KL 0: LoRA starts as the identity) and
    # takes its step; the next one is past the limit. Later steps start past it.
    assert [(r["updates"], r["kl_limit_hit"]) for r in bounded] == [(2.0, 1.0), (1.0, 1.0), (1.0, 1.0)]
    assert bounded[-1]["update_kl"] < 0.75 * free[-1]["update_kl"]  # measured: 0.10 against 0.20
