"""Two data-parallel CPU processes (torchrun, gloo) train SFT and then DPO; both end with
identical weights, equal to one process trained on the same global batches."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from quickstart_pipelines import write_pipeline
from safetensors.torch import load_file

from support.distributed import torchrun
from tuneline.pipeline.runner import run_pipeline


def _stages(sft_batch: int, dpo_batch: int) -> list[str]:
    common = "max_steps: 3, learning_rate: 1.0e-4, max_eval_examples: 2, micro_batch_tokens: off"
    return [f"{{name: sft, type: sft, dataset: chats, batch_size: {sft_batch}, {common}}}",
            f"{{name: dpo, type: dpo, from: sft, dataset: prefs, batch_size: {dpo_batch}, {common}}}"]


def test_two_processes_train_the_same_weights_as_one(tmp_path, tiny_lm_dir, quickstart_dir):
    # per process: 4 SFT conversations and 2 DPO pairs a step; the one process takes both shares
    pipeline = write_pipeline(tmp_path / "ddp.yaml", tiny_lm_dir, quickstart_dir, _stages(4, 2), name="ddp", seed=2)
    run_dir = tmp_path / "ddp-run"
    run_dir.mkdir()
    completed = torchrun(Path(__file__).parent / "ddp_stages.py", str(pipeline), str(run_dir))
    assert completed.returncode == 0, completed.stderr[-3000:]
    single = run_pipeline(write_pipeline(tmp_path / "one.yaml", tiny_lm_dir, quickstart_dir, _stages(8, 4),
                                         name="one", seed=2), output_dir=str(tmp_path / "runs"))
    base = load_file(tiny_lm_dir / "model.safetensors")
    for stage in ("sft", "dpo"):
        ranks = [json.loads((run_dir / f"rank{rank}-{stage}.json").read_text()) for rank in (0, 1)]
        assert ranks[0]["trainable_sha256"] == ranks[1]["trainable_sha256"], stage
        parallel = load_file(run_dir / stage / "model" / "model.safetensors")
        alone = load_file(single / stage / "model" / "model.safetensors")
        assert max((parallel[k] - base[k]).abs().max().item() for k in base) > 2e-4  # training moved them
        for name, tensor in alone.items():
            torch.testing.assert_close(parallel[name], tensor, rtol=0, atol=1e-5, msg=f"{stage}: {name} differs")
