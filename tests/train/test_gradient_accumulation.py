"""Gradient accumulation is exact: a step's loss is normalised over all label tokens (SFT)
or pairs (DPO) of the whole accumulated batch, so batch 8 and batch 2 × 4 accumulation
steps end with the same weights. (The learning rate is small because Adam divides each
gradient by its own running size: a component that is ~0 in both runs, where rounding
differs, moves by a share of the learning rate either way.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def _run(folder: Path, model_dir: Path, data: Path, batch_size: int, accumulation: int) -> Path:
    name = f"ga-{batch_size}x{accumulation}"
    common = f"batch_size: {batch_size}, gradient_accumulation_steps: {accumulation}, max_steps: 3, " \
             "learning_rate: 1.0e-4, max_eval_examples: 2, micro_batch_tokens: off"
    write_pipeline(folder / f"{name}.yaml", model_dir, data, [
        f"{{type: sft, dataset: chats, {common}}}", f"{{type: dpo, from: sft, dataset: prefs, {common}}}"],
        name=name, seed=9)
    return run_pipeline(folder / f"{name}.yaml", output_dir=str(folder / "runs"))


@pytest.fixture(scope="module")
def runs(tiny_lm_dir, quickstart_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("accumulation")
    return {shape: _run(folder, tiny_lm_dir, quickstart_dir, *shape) for shape in ((8, 1), (2, 4))}


@pytest.mark.parametrize("stage", ["sft", "dpo"])
def test_batch_8_equals_batch_2_times_4(runs, stage, tiny_lm_dir):
    base = load_file(tiny_lm_dir / "model.safetensors")
    whole = load_file(runs[(8, 1)] / stage / "model" / "model.safetensors")
    accumulated = load_file(runs[(2, 4)] / stage / "model" / "model.safetensors")
    assert max((whole[k] - base[k]).abs().max().item() for k in base) > 2e-4  # training moved the weights
    for name, tensor in whole.items():
        torch.testing.assert_close(accumulated[name], tensor, rtol=0, atol=1e-5, msg=f"{stage}: {name} differs")
