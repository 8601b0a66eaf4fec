"""Two data-parallel CPU processes (torchrun, gloo) run a short PPO stage and end with
identical weights that differ from where they started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ppo_setup import write_ppo_pipeline

from support.distributed import torchrun


@pytest.mark.parametrize("options", [{}, {"kl_penalty": "loss", "kl_limit": 1e-3, "learning_rate": 3e-2}], ids=["plain", "kl_limit"])
def test_two_process_ppo_ends_with_identical_weights(tmp_path, tiny_base, prompt_file, options):
    """With kl_limit, the processes must agree on where a step's update stops (their minibatches
    differ): a process stopping alone would leave the other waiting in its next all-reduce."""
    pipeline = write_ppo_pipeline(tmp_path, tiny_base, prompt_file, max_steps=2, max_eval_examples=2, **options)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    completed = torchrun(Path(__file__).parent / "ddp_ppo.py", str(pipeline), str(run_dir))
    assert completed.returncode == 0, completed.stderr[-3000:]
    ranks = [json.loads((run_dir / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [r["processes"] for r in ranks] == [2, 2]
    assert ranks[0]["trainable_sha256"] == ranks[1]["trainable_sha256"]
    assert ranks[0]["trainable_sha256"] != ranks[0]["initial_trainable_sha256"]  # training moved them
    assert (run_dir / "ppo" / "adapter" / "adapter_config.json").exists()
    if options:
        steps = [json.loads(line) for line in (run_dir / "ppo" / "log.jsonl").read_text().splitlines()]
        assert [r["kl_limit_hit"] for r in steps if "kl_limit_hit" in r] == [1.0, 1.0]
