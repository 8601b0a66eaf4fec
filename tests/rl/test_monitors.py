"""Reward-hacking and collapse monitors (rl/monitors.py) on recorded per-step statistics,
and the online stages' FLOPs ledger, budget and monitors on one short tiny-model GRPO run."""

from __future__ import annotations

import json

import pytest
import yaml
from ppo_setup import HERE

from tuneline.pipeline.runner import run_pipeline
from tuneline.rl.monitors import Monitor, MonitorConfig, check, completion_stats


def test_completion_stats_by_hand():
    # bigrams: (1,2) (2,3) (3,1) (1,2) | (5,5) (5,5) (5,5): 4 distinct of 7
    # trigrams: 123 231 312 | 555 555: repeated shares 0/3 and 1/2
    stats = completion_stats([[1, 2, 3, 1, 2], [5, 5, 5, 5]])
    assert stats == {"completion_length": 4.5, "distinct_2": pytest.approx(4 / 7), "repetition_3": 0.25}


def steps(count: int, **series) -> list[dict]:
    """Per-step records; each series is a function of the step index."""
    return [{key: f(i) for key, f in series.items()} for i in range(count)]


CLEAN = dict(reward_mean=lambda i: 0.2 + 0.01 * i, reward_std=lambda i: 0.3, completion_length=lambda i: 30 + i % 3,
             distinct_2=lambda i: 0.9, repetition_3=lambda i: 0.02, entropy=lambda i: 2.0, kl=lambda i: 0.5 * i)


def test_a_clean_run_raises_no_flag():
    assert check(steps(12, **CLEAN), MonitorConfig(), judge_before=0.4, judge_after=0.5) == {}


def test_a_length_rewarding_function_makes_length_drift_fire():
    """What optimising a length-only reward (examples/budget/rewards.py:longer_is_better) records: answers 20 tokens long growing to 60."""
    history = steps(12, **{**CLEAN, "completion_length": lambda i: 20 + 4 * i, "reward_mean": lambda i: 0.2 + 0.04 * i})
    flags = check(history, MonitorConfig())
    assert list(flags) == ["length_drift"]
    assert "from 24.0 to 60.0" in flags["length_drift"]  # means of steps 0-2 (20, 24, 28) and 9-11 (56, 60, 64)


def test_a_reward_for_one_repeated_token_makes_collapse_fire():
    """What optimising `one_token_repeated` records, from the token ids of its completions:
    varied answers at first, the same token over and over at the end."""
    varied = [[7, 3, 9, 4, 1, 8], [2, 6, 5, 3, 1, 9]]
    repeated = [[4, 4, 4, 4, 4, 4], [4, 4, 4, 4, 4, 9]]
    history = [{**completion_stats(varied if i < 6 else repeated), "reward_mean": 0.2 + 0.1 * i, "reward_std": 0.1,
                "entropy": 2.0 if i < 6 else 0.3} for i in range(12)]
    flags = check(history, MonitorConfig())
    assert set(flags) == {"collapse", "repetition"}
    assert flags["collapse"].startswith("distinct-2 fell from 1.000 to 0.200")  # bigrams: 2 distinct of 10


def test_one_step_is_not_compared_with_another_until_the_run_holds_two_windows(capsys):
    """A clean run whose first step drew one long answer by chance: lengths 17, 6, 6, 4, 6, 9.
    Step 2 alone against step 1 would be a 65% drop; the windows of 3 compare
    (17 + 6 + 6) / 3 = 9.67 with (4 + 6 + 9) / 3 = 6.33, a 34% drop: under 50%, no flag."""
    monitor = Monitor(MonitorConfig(window=3), "grpo")
    for length in (17, 6, 6, 4, 6, 9):
        assert monitor.record(**{**{k: f(0) for k, f in CLEAN.items()}, "completion_length": length}) == {}
    assert monitor.finish()["monitor_flags"] == [] and "warning" not in capsys.readouterr().err


def test_a_run_shorter_than_two_windows_compares_its_halves_at_the_end():
    monitor = Monitor(MonitorConfig(window=3), "grpo")
    for length in (10, 10, 20, 20):  # halves: 10 → 20, +100%
        assert monitor.record(**{**{k: f(0) for k, f in CLEAN.items()}, "completion_length": length}) == {}
    assert monitor.finish()["monitor_details"]["length_drift"].startswith("mean completion length moved from 10.0 "
                                                                          "to 20.0")


def test_reward_rising_while_the_judge_falls_or_the_kl_runs_away_is_reward_hacking():
    rising = {**CLEAN, "reward_mean": lambda i: 0.2 + 0.05 * i}  # +0.45 over the run: past 0.5 × its spread 0.3
    assert check(steps(12, **CLEAN), MonitorConfig(), judge_before=0.5, judge_after=0.3) == {}  # +0.09 only
    assert "reward_hacking" in check(steps(12, **rising), MonitorConfig(), judge_before=0.5, judge_after=0.3)
    assert check(steps(12, **rising), MonitorConfig(), judge_before=0.5, judge_after=0.6) == {}
    runaway = steps(12, **{**rising, "kl": lambda i: 3.0 * i})
    assert "KL to the reference reached 30.0" in check(runaway, MonitorConfig())["reward_hacking"]
    assert check(runaway, MonitorConfig(kl_alarm=40.0)) == {}


def test_the_monitor_warns_once_per_flag(capsys):
    monitor = Monitor(MonitorConfig(), "grpo")
    for record in steps(12, **{**CLEAN, "completion_length": lambda i: 20 + 4 * i}):
        monitor.record(**record)
    assert capsys.readouterr().err.count("length drift") == 1
    assert monitor.finish() == {"monitor_flags": ["length_drift"], "monitor_details": monitor.flags}


def test_grpo_counts_its_flops_stops_at_its_budget_and_a_clean_run_raises_no_flag(tmp_path, tiny_base, prompt_file):
    config = {"name": "grpo-budget", "seed": 3, "model": str(tiny_base),
              "adapter": {"type": "lora", "r": 4, "alpha": 8, "dropout": 0.0},
              "datasets": {"prompts": {"path": str(prompt_file), "eval_fraction": 0.25}},
              "stages": [{"name": "grpo", "type": "grpo", "dataset": "prompts", "max_steps": 8,
                          "reward_function": f"{HERE / 'reward_fns.py'}:mentions_lumo", "prompts_per_step": 2,
                          "num_generations": 2, "max_new_tokens": 8, "max_eval_examples": 2,
                          "budget": {"flops": 2.5e9},  # ~1e9 a step: 4 completions of 8 tokens
                          "monitors": {"judge": f"{HERE / 'reward_fns.py'}:one_token_repeated"}}],
              "tracking": {"backend": "none"}}
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(config))
    stage = run_pipeline(tmp_path / "pipeline.yaml", output_dir=str(tmp_path / "runs")) / "grpo"
    metrics = json.loads((stage / "metrics.json").read_text())
    assert metrics["stopped_by_budget"] == "flops" and 1 <= metrics["steps"] < 8
    assert metrics["flops_total"] <= 2.5e9 < metrics["flops_total"] * (metrics["steps"] + 1) / metrics["steps"]
    assert metrics["flops_generation"] > 0 and metrics["flops_reference"] > 0  # β = 0.04 by default
    assert metrics["flops_training"] > metrics["flops_reference"]  # forward + backward vs a forward
    assert metrics["monitor_flags"] == [] and "judge_score" in metrics
    logged = [r for r in map(json.loads, (stage / "log.jsonl").read_text().splitlines()) if "flops_total" in r]
    assert len(logged) == metrics["steps"] and all("distinct_2" in r for r in logged)
    assert (stage / "adapter" / "adapter_config.json").exists()
