"""The monitors in real GRPO runs through the pipeline runner: a tiny random-weight llama,
fully fine-tuned, against a reward that is easy to game. A length-only reward makes the
length-drift flag fire, a reward for repeating one token makes the collapse flag fire,
and the same run against a reward it cannot move raises none.

The tiny model's answers are nearly uniform over ~49k tokens, so a reward for length or for
one token would never see a difference to learn from: support.models.favour_tokens makes
<|im_end|> likely from the start (answers ~5 tokens long, far below max_new_tokens, so
length has room to drift) or makes " yes" appear now and then (so repeating it can be
rewarded). A learning rate of 1e-2 moves the favoured rows within a few steps."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from ppo_setup import HERE

from support.models import favour_tokens
from tuneline.pipeline.runner import run_pipeline

EOS, YES = 2, 9805  # <|im_end|> and " yes" in the SmolLM2 tokenizer


@pytest.fixture(scope="module")
def short_answers(tiny_base, tmp_path_factory):
    """The tiny model, ending its answers after ~5 tokens."""
    folder = tmp_path_factory.mktemp("short-answers")
    shutil.copytree(tiny_base, folder, dirs_exist_ok=True)
    return favour_tokens(folder, {EOS: 0.12})


@pytest.fixture(scope="module")
def sometimes_yes(tiny_base, tmp_path_factory):
    """The tiny model, saying " yes" a few times in a hundred tokens and running to max_new_tokens."""
    folder = tmp_path_factory.mktemp("sometimes-yes")
    shutil.copytree(tiny_base, folder, dirs_exist_ok=True)
    return favour_tokens(folder, {YES: 0.1})


def grpo_run(tmp_path, model, prompts, reward: str, max_new_tokens: int = 32, learning_rate: float = 3e-3,
             judge: str | None = None) -> dict:
    monitors = {"window": 3, **({"judge": f"{HERE / 'reward_fns.py'}:{judge}"} if judge else {})}
    config = {"name": "monitors", "seed": 5, "model": str(model), "adapter": {"type": "full"},
              "datasets": {"prompts": {"path": str(prompts), "eval_fraction": 0.25}},
              "stages": [{"name": "grpo", "type": "grpo", "dataset": "prompts", "max_steps": 8,
                          "reward_function": f"{HERE / 'reward_fns.py'}:{reward}", "prompts_per_step": 2,
                          "num_generations": 4, "max_new_tokens": max_new_tokens, "temperature": 1.0,
                          "learning_rate": learning_rate,
                          "beta": 0.0, "max_eval_examples": 2, "save_steps": 100,
                          "monitors": monitors}],
              "tracking": {"backend": "none"}}
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(config))
    stage = run_pipeline(tmp_path / "pipeline.yaml", output_dir=str(tmp_path / "runs")) / "grpo"
    metrics = json.loads((stage / "metrics.json").read_text())
    return metrics


def test_a_length_only_reward_makes_the_length_drift_flag_fire(tmp_path, short_answers, prompt_file, capsys):
    """With a held-out judge that prefers brief answers, the same run is reward hacking too:
    the training reward rises while the judge's score of the held-out answers falls."""
    metrics = grpo_run(tmp_path, short_answers, prompt_file, "longer_is_better", max_new_tokens=64,
                       learning_rate=1e-3, judge="brief_answers")
    assert {"length_drift", "reward_hacking"} <= set(metrics["monitor_flags"])
    warnings = capsys.readouterr().err
    assert "warning: grpo: length drift: mean completion length moved from" in warnings
    assert "warning: grpo: reward hacking: training reward rose" in warnings
    assert metrics["eval_completion_length"] > 2 * metrics["eval_completion_length_before"]  # held out, too
    assert metrics["judge_score"] < metrics["judge_score_before"]


def test_a_reward_for_one_repeated_token_makes_the_collapse_flag_fire(tmp_path, sometimes_yes, prompt_file, capsys):
    metrics = grpo_run(tmp_path, sometimes_yes, prompt_file, "says_yes_again")
    assert "collapse" in metrics["monitor_flags"]
    assert "warning: grpo: collapse:" in capsys.readouterr().err
    assert metrics["eval_reward_mean"] > 2 * metrics["eval_reward_mean_before"]  # more "yes" in held-out answers


def test_a_reward_the_run_cannot_game_raises_no_flag(tmp_path, short_answers, prompt_file, capsys):
    """mentions_lumo pays for naming the product, which a random model never does: the
    same model, prompts and sampling as the length run, and nothing to drift towards."""
    metrics = grpo_run(tmp_path, short_answers, prompt_file, "mentions_lumo")
    assert metrics["monitor_flags"] == [] and metrics["steps"] == 8
    assert "warning:" not in capsys.readouterr().err
