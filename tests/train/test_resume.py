"""A run killed in the middle of a stage resumes with `--resume` and ends with the same
adapter as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.pipelines import write_pipeline


def pipeline_file(folder: Path, model_dir: Path, data: Path) -> Path:
    return write_pipeline(folder / "pipeline.yaml", model_dir, data, [
        "{type: sft, dataset: chats, max_steps: 40, batch_size: 4, save_steps: 4, learning_rate: 1.0e-3, "
        "max_eval_examples: 4}"], name="resume", seed=11, adapter="{type: lora, r: 8, alpha: 16, dropout: 0.1}",
        chat_limit=64)


def tuneline(*args: str) -> list[str]:
    return [sys.executable, "-m", "tuneline.cli.main", *args]


def adapter_weights(run_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(run_dir / "sft" / "adapter" / "adapter_model.safetensors")


@pytest.fixture(scope="module")
def slow_model(make_tiny_lm, tmp_path_factory) -> Path:
    # Wider than the shared tiny model so that a step takes long enough to interrupt.
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = make_tiny_lm(tmp_path_factory.mktemp("resume-lm"), seed=1)
    config = LlamaConfig.from_pretrained(folder)
    config.hidden_size, config.intermediate_size, config.num_hidden_layers = 256, 512, 4
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def uninterrupted(slow_model, quickstart_dir, tmp_path_factory) -> Path:
    # A separate process, like the interrupted and resumed runs, so all three compute alike.
    folder = tmp_path_factory.mktemp("uninterrupted")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run(tuneline("run", str(pipeline_file(folder, slow_model, quickstart_dir)), "--output-dir",
                            str(folder / "runs")), env=env, check=True, capture_output=True, timeout=900)
    return next((folder / "runs" / "resume").iterdir())


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_run_resumes_to_the_same_adapter(sig, slow_model, uninterrupted, quickstart_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(tuneline("run", str(pipeline_file(tmp_path, slow_model, quickstart_dir)), "--output-dir",
                                        str(tmp_path / "runs")), env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 400
    while time.time() < deadline and not list((tmp_path / "runs").rglob("checkpoints/step-0000008")):
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.02)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode != 0, "the run finished before it could be interrupted"
    run_dir = next((tmp_path / "runs" / "resume").iterdir())
    assert not (run_dir / "sft" / "adapter").exists()
    if sig == signal.SIGINT:
        assert process.returncode == 130 and "--resume" in stderr

    resumed = subprocess.run(tuneline("run", "--resume", str(run_dir)), env=env, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed from step-" in resumed.stderr
    expected, actual = adapter_weights(uninterrupted), adapter_weights(run_dir)
    assert expected.keys() == actual.keys()
    for name in expected:
        assert (expected[name] - actual[name]).abs().max().item() < 1e-5, name
