"""`distributed: {strategy: fsdp}`: SFT over two CPU processes (torchrun, gloo) with the model
sharded by PyTorch's FSDP2, one unit per decoder layer. The run ends with the weights whole
again, equal to one process trained on the same global batches."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import torch
from safetensors.torch import load_file

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def _sft(batch: int, steps: int = 2, save_steps: int = 500) -> list[str]:
    return [f"{{name: sft, type: sft, dataset: chats, batch_size: {batch}, max_steps: {steps}, learning_rate: 1.0e-3, "
            f"save_steps: {save_steps}, max_eval_examples: 2}}"]


def test_fsdp_sft_over_two_processes_equals_one(tmp_path, tiny_lm_dir, quickstart_dir):
    # batch 3 per process: 6 conversations a step cut into passes of at most 128 tokens, so the two
    # processes need different numbers of passes and the shorter one runs passes of weight 0
    pipeline = write_pipeline(tmp_path / "fsdp.yaml", tiny_lm_dir, quickstart_dir, _sft(3), name="fsdp", seed=2,
                              distributed="{strategy: fsdp}")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    completed = subprocess.run([sys.executable, "-m", "tuneline.cli.main", "run", str(pipeline), "--nproc", "2",
                                "--output-dir", str(tmp_path / "fsdp-runs")], env=env, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "FSDP: 3 units over 2 processes" in completed.stderr + completed.stdout  # 2 decoder layers + the root
    [run_dir] = (tmp_path / "fsdp-runs" / "fsdp").iterdir()
    metrics = json.loads((run_dir / "sft" / "metrics.json").read_text())
    assert metrics["processes"] == 2  # and both processes ended with the same digest
    single = run_pipeline(write_pipeline(tmp_path / "one.yaml", tiny_lm_dir, quickstart_dir, _sft(6), name="one",
                                         seed=2), output_dir=str(tmp_path / "runs"))
    base = load_file(tiny_lm_dir / "model.safetensors")
    sharded = load_file(run_dir / "sft" / "model" / "model.safetensors")
    alone = load_file(single / "sft" / "model" / "model.safetensors")
    assert max((sharded[k] - base[k]).abs().max().item() for k in base) > 1e-4  # training moved them
    for name, tensor in alone.items():
        torch.testing.assert_close(sharded[name], tensor, rtol=0, atol=1e-5, msg=f"{name} differs")


def test_a_killed_fsdp_run_resumes_from_its_checkpoint_to_the_same_weights(tmp_path, tiny_lm_dir, quickstart_dir):
    """FSDP writes mid-run checkpoints (gathered whole, by parameter name): SIGKILL both processes
    after the step-2 checkpoint, `--resume --nproc 2`, and the weights equal one process's
    uninterrupted run to 1e-5, so the optimizer state and schedule came back too."""
    pipeline = write_pipeline(tmp_path / "fsdp.yaml", tiny_lm_dir, quickstart_dir, _sft(3, steps=8, save_steps=2),
                              name="fsdp", seed=2, distributed="{strategy: fsdp}")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "tuneline.cli.main", "run", "--nproc", "2"]
    runs = tmp_path / "fsdp-runs"
    process = subprocess.Popen([*command, str(pipeline), "--output-dir", str(runs)], env=env, 
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list(runs.rglob("checkpoints/step-0000002")):
        assert process.poll() is None, process.stderr.read()[-3000:]
        time.sleep(0.01)
    # torchrun and both training processes at once (torchrun puts its workers in their own process groups)
    for child in [*psutil.Process(process.pid).children(recursive=True), psutil.Process(process.pid)]:
        child.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    [run_dir] = (runs / "fsdp").iterdir()
    assert not (run_dir / "sft" / "model").exists(), "the run finished before it was killed"
    resumed = subprocess.run([*command, "--resume", str(run_dir)], env=env, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from step-" in resumed.stderr
    single = run_pipeline(write_pipeline(tmp_path / "one.yaml", tiny_lm_dir, quickstart_dir, _sft(6, steps=8),
                                         name="one", seed=2), output_dir=str(tmp_path / "runs"))
    sharded = load_file(run_dir / "sft" / "model" / "model.safetensors")
    alone = load_file(single / "sft" / "model" / "model.safetensors")
    for name, tensor in alone.items():
        torch.testing.assert_close(sharded[name], tensor, rtol=0, atol=1e-5, msg=f"{name} differs")
