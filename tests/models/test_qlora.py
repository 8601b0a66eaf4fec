"""QLoRA on CPU: `adapter.load_in_4bit: true` loads the base's linear layers as
bitsandbytes NF4, SFT trains a LoRA on it and lowers the held-out loss, and the saved
adapter reloads and merges into the dequantised NF4 base, which export says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.pipelines import write_pipeline
from tuneline.pipeline.runner import run_pipeline


def qlora_pipeline(folder: Path, model_dir: Path, data: Path) -> Path:
    return write_pipeline(folder / "pipeline.yaml", model_dir, data, [
        "{type: sft, dataset: chats, max_steps: 30, learning_rate: 1.0e-2, batch_size: 8, save_steps: 100}"],
        name="qlora", adapter="{type: lora, r: 8, alpha: 16, dropout: 0.0, load_in_4bit: true}")


@pytest.fixture(scope="module")
def qlora_run(tiny_lm_dir, quickstart_dir, tmp_path_factory) -> Path:
    import torch

    folder = tmp_path_factory.mktemp("qlora-run")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # bitsandbytes' CPU kernels on a tiny model: 2.7x faster than 2 threads on a busy machine
    try:
        return run_pipeline(qlora_pipeline(folder, tiny_lm_dir, quickstart_dir), output_dir=str(folder / "runs"))
    finally:
        torch.set_num_threads(threads)


def test_base_linear_layers_are_nf4_and_only_lora_trains(tiny_lm_dir):
    import bitsandbytes as bnb

    from tuneline.config.schema import AdapterConfig
    from tuneline.models.load import attach_adapter, load_causal_lm

    model, _ = load_causal_lm(str(tiny_lm_dir), load_in_4bit=True)
    model = attach_adapter(model, AdapterConfig(r=4, load_in_4bit=True))
    layers = [m for name, m in model.named_modules() if name.endswith(("q_proj", "down_proj"))]
    assert layers and all(isinstance(m.base_layer, bnb.nn.Linear4bit) for m in layers)
    assert layers[0].base_layer.weight.quant_state.quant_type == "nf4"
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)


def test_an_eval_pass_does_not_cut_gradients_through_the_4bit_layers(tiny_lm_dir):
    """bitsandbytes repacks 4-bit weights for a backward-less kernel on AVX512-BF16 CPUs the
    first time a layer runs in eval mode; the held-out loss before training does exactly that."""
    import torch

    from tuneline.config.schema import AdapterConfig
    from tuneline.models.load import attach_adapter, load_causal_lm

    torch.manual_seed(0)
    model, _ = load_causal_lm(str(tiny_lm_dir), load_in_4bit=True)
    model = attach_adapter(model, AdapterConfig(r=4, dropout=0.0, load_in_4bit=True))
    ids = torch.randint(0, 1000, (2, 12))

    def first_layer_gradient() -> torch.Tensor:
        model.train()
        model.zero_grad()
        model(input_ids=ids, labels=ids).loss.backward()
        return next(p.grad.clone() for n, p in model.named_parameters() if "layers.0." in n and "lora_B" in n)

    before = first_layer_gradient()
    model.eval()
    with torch.inference_mode():
        model(input_ids=ids)
    assert torch.allclose(first_layer_gradient(), before, rtol=1e-4, atol=1e-7)


def test_qlora_sft_lowers_heldout_loss_and_records_the_4bit_base(qlora_run):
    metrics = json.loads((qlora_run / "sft" / "metrics.json").read_text())
    assert metrics["eval_loss"] < metrics["eval_loss_before"] - 0.25  # measured: 10.83 → 10.49 in 30 steps
    note = json.loads((qlora_run / "sft" / "adapter" / "tuneline_base_quantization.json").read_text())
    assert note["quant_type"] == "nf4" and note["double_quant"] is True


def test_qlora_adapter_merges_into_the_dequantised_base(qlora_run, tmp_path):
    import torch
    from peft import PeftModel

    from tuneline.export.checks import CHECK_PROMPTS, greedy_agreement
    from tuneline.export.run import export_model
    from tuneline.models.load import load_causal_lm, load_for_inference

    result = export_model(qlora_run, tmp_path / "merged", "hf")
    assert any("QLoRA" in note and "dequantised" in note for note in result.notes)
    assert result.record["origin"]["base_quantization"]["quant_type"] == "nf4"
    # As trained: NF4 base + adapter, unmerged. The merged float export must compute the same.
    adapter = qlora_run / "sft" / "adapter"
    trained, tokenizer = load_causal_lm(json.loads((adapter / "adapter_config.json").read_text())[
        "base_model_name_or_path"], load_in_4bit=True)
    # train mode (LoRA dropout is 0 here): in eval mode bitsandbytes may switch to a
    # CPU kernel with bf16 scales, which is not what training computed
    trained = PeftModel.from_pretrained(trained, str(adapter)).train()
    merged, _ = load_for_inference(result.output)
    ids = torch.tensor([tokenizer("Summarise: the cat sat on the mat.")["input_ids"]])
    with torch.no_grad():
        gap = (trained(ids).logits - merged(ids).logits).abs().max().item()
    assert gap < 1e-4
    assert greedy_agreement(result.output, qlora_run, CHECK_PROMPTS[:3], max_new_tokens=16) == [True] * 3
