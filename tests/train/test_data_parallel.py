"""`tuneline run --nproc 2` trains SFT, DPO and a reward model over two data-parallel CPU processes
(torchrun, gloo): one run directory, written by the first process; the processes end with
identical weights (the loop checks their digests), equal to one process trained on the same
global batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def _stages(sft_batch: int, dpo_batch: int) -> list[str]:
    common = "max_steps: 3, learning_rate: 1.0e-4, max_eval_examples: 2, micro_batch_tokens: off"
    return [f"{{name: sft, type: sft, dataset: chats, batch_size: {sft_batch}, {common}}}",
            f"{{name: dpo, type: dpo, from: sft, dataset: prefs, batch_size: {dpo_batch}, {common}}}",
            f"{{name: reward, type: reward, dataset: prefs, batch_size: {dpo_batch}, {common}}}",
            "{name: eval, type: eval, suites: [loss], max_examples: 4}"]


def test_two_processes_train_the_same_weights_as_one(tmp_path, tiny_lm_dir, quickstart_dir):
    # per process: 4 SFT conversations and 2 DPO pairs a step; the one process takes both shares
    pipeline = write_pipeline(tmp_path / "ddp.yaml", tiny_lm_dir, quickstart_dir, _stages(4, 2), name="ddp", seed=2)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    completed = subprocess.run([sys.executable, "-m", "tuneline.cli.main", "run", str(pipeline), "--nproc", "2",
                                "--output-dir", str(tmp_path / "ddp-runs")], env=env, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [run_dir] = (tmp_path / "ddp-runs" / "ddp").iterdir()  # one run directory for both processes
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "done" and [s["status"] for s in manifest["stages"]] == ["done"] * 4
    single = run_pipeline(write_pipeline(tmp_path / "one.yaml", tiny_lm_dir, quickstart_dir, _stages(8, 4),
                                         name="one", seed=2), output_dir=str(tmp_path / "runs"))
    base = load_file(tiny_lm_dir / "model.safetensors")
    for stage in ("sft", "dpo", "reward"):
        metrics = json.loads((run_dir / stage / "metrics.json").read_text())
        assert metrics["processes"] == 2  # and their digests agreed, or the stage would have failed
        parallel = load_file(run_dir / stage / "model" / "model.safetensors")
        alone = load_file(single / stage / "model" / "model.safetensors")
        assert max((parallel[k] - base[k]).abs().max().item() for k in base if k in parallel) > 2e-4  # trained
        for name, tensor in alone.items():
            torch.testing.assert_close(parallel[name], tensor, rtol=0, atol=1e-5, msg=f"{stage}: {name} differs")


def _classify_pipeline(folder, encoder_dir, data_dir, batch_size: int, name: str):
    """Keyword-labelled tickets; balanced class weights and validation-based early stopping,
    so the weighted loss and the sharded validation are both on the path."""
    path = folder / f"{name}.yaml"
    path.write_text(f"""name: {name}
seed: 5
model: {encoder_dir}
adapter: {{type: full}}
tracking: {{backend: none}}
datasets:
  tickets: {{path: {data_dir}/train.csv, eval_path: {data_dir}/test.csv}}
stages:
  - {{name: classify, type: classify, dataset: tickets, max_length: 16, batch_size: {batch_size}, max_steps: 6,
     learning_rate: 1.0e-3, head_learning_rate: 1.0e-2, class_weights: balanced, eval_steps: 3,
     early_stopping_patience: 2, zero_shot: []}}
""")
    return path


def test_classify_trains_data_parallel_like_one_process(tmp_path):
    """classify over two processes (3 texts each per step, uneven classes) equals one process
    taking 6: same weights to 1e-5, the first process alone writes the model and the reports."""
    import random

    from support.classify import keyword_rows, write_csv
    from support.models import write_tiny_encoder

    encoder = write_tiny_encoder(tmp_path / "encoder", dropout=0.0)  # dropout masks differ by layout
    rows = keyword_rows(20, seed=1)
    rows = [row for row in rows if row[1] != "sync"] + [row for row in rows if row[1] == "sync"][:7]
    random.Random(0).shuffle(rows)  # 47 texts (not a multiple of 6: the last batch is short)
    write_csv(tmp_path / "train.csv", rows)
    write_csv(tmp_path / "test.csv", keyword_rows(4, seed=2))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    pipeline = _classify_pipeline(tmp_path, encoder, tmp_path, 3, "ddp")
    completed = subprocess.run([sys.executable, "-m", "tuneline.cli.main", "run", str(pipeline), "--nproc", "2",
                                "--output-dir", str(tmp_path / "ddp-runs")], env=env, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [run_dir] = (tmp_path / "ddp-runs" / "ddp").iterdir()
    single = run_pipeline(_classify_pipeline(tmp_path, encoder, tmp_path, 6, "one"), output_dir=str(tmp_path / "runs"))
    parallel_metrics = json.loads((run_dir / "classify" / "metrics.json").read_text())
    alone_metrics = json.loads((single / "classify" / "metrics.json").read_text())
    assert parallel_metrics["processes"] == 2 and alone_metrics["processes"] == 1
    for key in ("steps", "best_step", "best_validation_score", "accuracy"):
        assert parallel_metrics[key] == alone_metrics[key], key
    assert parallel_metrics["train_loss"] == pytest.approx(alone_metrics["train_loss"], abs=1e-5)
    parallel = load_file(run_dir / "classify" / "model" / "model.safetensors")
    alone = load_file(single / "classify" / "model" / "model.safetensors")
    base = load_file(encoder / "model.safetensors")
    assert max((parallel[k] - base[k.removeprefix("bert.")]).abs().max().item()
               for k in parallel if k.removeprefix("bert.") in base) > 1e-3  # trained
    for name, tensor in alone.items():
        torch.testing.assert_close(parallel[name], tensor, rtol=0, atol=1e-5, msg=f"classify: {name} differs")
