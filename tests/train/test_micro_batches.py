"""Cutting a batch into several forward passes (to bound activation memory) must not
change training: SFT and DPO trained with tiny passes end with the same weights as with
whole batches."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline
from tuneline.train.batching import split_by_tokens


def test_split_by_tokens_respects_the_budget_and_keeps_every_example():
    lengths = [5, 40, 12, 33, 7, 90, 20, 18]
    chunks = split_by_tokens(range(8), lengths, budget=64)
    assert sorted(i for chunk in chunks for i in chunk) == list(range(8))
    for chunk in chunks:
        padded = len(chunk) * max(lengths[i] for i in chunk)
        assert padded <= 64 or len(chunk) == 1  # only an example longer than the budget stands alone
    assert [5] in chunks
    assert split_by_tokens([3, 1], lengths, None) == [[3, 1]]


def _run(folder: Path, model_dir: Path, data: Path, setting: str) -> Path:
    split = f"micro_batch_tokens: {setting}, group_by_length: true"
    pipeline = write_pipeline(folder / f"pipeline-{setting}.yaml", model_dir, data, [
        f"{{type: sft, dataset: chats, max_steps: 3, batch_size: 6, learning_rate: 1.0e-3, max_eval_examples: 4, {split}}}",
        f"{{type: dpo, from: sft, dataset: prefs, max_steps: 2, batch_size: 4, learning_rate: 1.0e-3, "
        f"max_eval_examples: 4, {split}}}"], name=f"micro-{setting}", seed=5)
    return run_pipeline(pipeline, output_dir=str(folder / "runs"))


@pytest.fixture(scope="module")
def runs(tiny_lm_dir, quickstart_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("micro")
    return {setting: _run(folder, tiny_lm_dir, quickstart_dir, setting) for setting in ("off", "64")}


@pytest.mark.parametrize("stage", ["sft", "dpo"])
def test_small_forward_passes_give_the_same_weights(runs, stage, tiny_lm_dir):
    # quickstart examples are 40-150 tokens: a 64-token budget cuts every batch into passes of 1
    base = load_file(tiny_lm_dir / "model.safetensors")
    whole = load_file(runs["off"] / stage / "model" / "model.safetensors")
    split = load_file(runs["64"] / stage / "model" / "model.safetensors")
    assert max((whole[k] - base[k]).abs().max().item() for k in base) > 1e-3  # training moved the weights
    for name, tensor in whole.items():
        torch.testing.assert_close(split[name], tensor, rtol=1e-4, atol=1e-5, msg=f"{stage}: {name} differs")
