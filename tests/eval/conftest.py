"""One tiny base model, one small data set and one small pipeline run per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def eval_assets(tmp_path_factory, tiny_lm_dir) -> dict[str, Path]:
    from tiny import write_data

    root = tmp_path_factory.mktemp("eval-assets")
    return {"base": tiny_lm_dir, **write_data(root / "data")}


@pytest.fixture(scope="session")
def pipeline_run(eval_assets, tmp_path_factory):
    """sft → reward → dpo → eval on the tiny model, tracked by MLflow; returns (run_dir, stdout)."""
    import contextlib
    import io

    import yaml

    from tuneline.pipeline.runner import run_pipeline

    root = tmp_path_factory.mktemp("eval-pipeline")
    training = {"max_steps": 2, "batch_size": 4, "max_length": 128, "logging_steps": 1, "learning_rate": 1e-3}
    config = {
        "name": "tiny-eval", "seed": 3,
        "model": {"ref": str(eval_assets["base"])},
        "adapter": {"type": "lora", "r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]},
        "datasets": {"chat": {"path": str(eval_assets["conversations"]), "eval_fraction": 0.25},
                     "prefs": {"path": str(eval_assets["preferences"]), "eval_fraction": 0.25}},
        "stages": [
            {"name": "sft", "type": "sft", "dataset": "chat", **training},
            {"name": "reward", "type": "reward", "dataset": "prefs", **training},
            {"name": "dpo", "type": "dpo", "from": "sft", "dataset": "prefs", **training},
            {"name": "eval", "type": "eval", "suites": ["loss", "preference", "winrate"], "max_prompts": 4,
             "max_new_tokens": 6, "batch_size": 4, "max_length": 128},
        ],
        "output_dir": str(root / "runs"),
    }
    path = root / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        run_dir = run_pipeline(path)
    return run_dir, stdout.getvalue()
