"""Benchmark: LoRA SFT with tuneline against TRL's SFTTrainer with its default settings.

Same model (builtin:smollm2-135m-instruct, fp32 weights, LoRA r=16 alpha=32 dropout=0.05
on all linear layers), same first N training conversations of the quickstart, same batch
size, max length, learning rate and linear schedule, one epoch, loss on the assistant
answer only on both sides (TRL: prompt/completion records and its completion-only loss,
since its `assistant_only_loss` refuses SmolLM2's template). Held-out loss after training
is computed for both with the same function (tuneline.eval.metrics.heldout_loss) on the
quickstart's held-out conversations.

Sides, each in its own process:
- `tuneline`: the sft stage through run_pipeline, its defaults (precision auto = fp32 on
  CPU, no gradient checkpointing, batches grouped by length, labelled positions only
  projected onto the vocabulary);
- `trl`: SFTConfig defaults (on CPU `use_cpu=True`; bf16 autocast and gradient
  checkpointing stay on, as TRL sets them);
- `trl-fp32`: the same with `bf16=False`, for CPUs without bf16 instructions, where TRL's
  default bf16 is the slow choice;
- `tuneline-bf16`, `tuneline-checkpointing` (not run by default): tuneline with
  precision: bf16, or with gradient_checkpointing: true.

    python benchmarks/bench_sft.py [--examples 64] [--batch-size 4] [--max-length 256]
    python benchmarks/bench_sft.py --bf16     # tuneline with bf16 autocast against fp32, ratio printed
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SIDES = ["tuneline", "trl-fp32", "trl"]


def dataset_config(args: argparse.Namespace) -> dict[str, Any]:
    return {"path": str(common.QUICKSTART / "sft_train.jsonl"), "eval_path": str(common.QUICKSTART / "sft_eval.jsonl"),
            "limit": args.examples}


def splits(args: argparse.Namespace):
    from tuneline.config.schema import DatasetConfig
    from tuneline.data.load import load_splits

    data = load_splits(DatasetConfig(**dataset_config(args)), task="sft", seed=args.seed, name="support")
    return data.train, data.eval[: args.eval_examples]


def training_tokens(tokenizer, conversations, max_length: int) -> int:
    """Non-padding tokens of one epoch over `conversations` (the same count for every side)."""
    from tuneline.data.chat import tokenize_conversation

    return sum(len(tokenize_conversation(tokenizer, c.messages, max_length).input_ids) for c in conversations)


def lora_flops_per_token() -> float:
    """Training FLOPs per token of SmolLM2 with LoRA, from a weightless (meta) copy."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from tuneline.models.registry import resolve_model_path
    from tuneline.train.flops import training_flops_per_token

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(resolve_model_path(common.MODEL)))
    return training_flops_per_token(model, full_finetune=False)


def tuneline_side(args: argparse.Namespace, precision: str, checkpointing: bool = False) -> dict[str, Any]:
    from tuneline.models.load import load_tokenizer

    peaks = common.peak_flops()
    with tempfile.TemporaryDirectory() as folder:
        _, metrics, curve, rss = common.run_tuneline_stage(
            Path(folder), "sft", {"type": "sft", "dataset": "support", "precision": precision,
                                          "gradient_checkpointing": checkpointing},
            {"support": dataset_config(args)}, args)
    train, _ = splits(args)
    tokens = training_tokens(load_tokenizer(common.MODEL), train, args.max_length)
    dtype = "bfloat16" if precision == "bf16" else "float32"
    return {**common.throughput(tokens, metrics["train_runtime_s"], metrics["steps"], lora_flops_per_token(),
                                peaks[dtype]),
            "mfu_peak_dtype": dtype, "peak_flops": peaks, "train_peak_rss_mib": round(rss.peak_bytes / common.MIB, 1),
            "heldout_loss": metrics["eval_loss"], "heldout_loss_before": metrics["eval_loss_before"],
            "loss_curve": curve, "settings": {"precision": precision, "gradient_checkpointing": checkpointing,
                                              "group_by_length": True}}


def trl_side(args: argparse.Namespace, bf16: bool | None = None) -> dict[str, Any]:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from tuneline.eval.metrics import heldout_loss
    from tuneline.models.load import load_causal_lm

    peaks = common.peak_flops()
    train, held_out = splits(args)
    model, tokenizer = load_causal_lm(common.MODEL)
    records = [{"prompt": c.messages[:-1], "completion": c.messages[-1:]} for c in train]
    with tempfile.TemporaryDirectory() as folder:
        defaults = SFTConfig(output_dir=folder, use_cpu=True)
        config = SFTConfig(output_dir=folder, **common.trl_arguments(args, bf16))
        trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(records),
                             processing_class=tokenizer, peft_config=common.trl_lora_config())
        trl_tokens = sum(len(ids) for ids in trainer.train_dataset["input_ids"])
        with common.RssPoller() as rss:
            output = trainer.train()
        curve = [r["loss"] for r in trainer.state.log_history if "loss" in r]
        heldout = heldout_loss(trainer.model, tokenizer, held_out, args.max_length)
    tokens = training_tokens(tokenizer, train, args.max_length)
    dtype = "bfloat16" if config.bf16 else "float32"
    return {**common.throughput(tokens, output.metrics["train_runtime"], output.global_step, lora_flops_per_token(),
                                peaks[dtype]),
            "mfu_peak_dtype": dtype, "peak_flops": peaks, "train_peak_rss_mib": round(rss.peak_bytes / common.MIB, 1),
            "trl_own_token_count": trl_tokens, "heldout_loss": heldout["loss"], "loss_curve": curve,
            "settings": {"bf16": config.bf16, "gradient_checkpointing": config.gradient_checkpointing,
                         "packing": config.packing, "padding_free": config.padding_free,
                         "completion_only_loss": config.completion_only_loss},
            "trl_defaults": {"bf16": defaults.bf16, "gradient_checkpointing": defaults.gradient_checkpointing,
                             "learning_rate": defaults.learning_rate, "lr_scheduler_type": str(defaults.lr_scheduler_type),
                             "per_device_train_batch_size": defaults.per_device_train_batch_size,
                             "max_length": defaults.max_length, "logging_steps": defaults.logging_steps}}


SIDE_FUNCTIONS = {"tuneline": lambda a: tuneline_side(a, "fp32"), "tuneline-bf16": lambda a: tuneline_side(a, "bf16"),
                  "tuneline-checkpointing": lambda a: tuneline_side(a, "fp32", checkpointing=True),
                  "trl": trl_side, "trl-fp32": lambda a: trl_side(a, bf16=False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_training_arguments(parser, examples=64, learning_rate=2e-4, lr_note="TRL's SFT default is 2e-5")
    parser.add_argument("--bf16", action="store_true",
                        help="tuneline with bf16 autocast against fp32 on the same work (sides tuneline-bf16,tuneline)")
    args = parser.parse_args()
    if args.side:
        common.side_main(SIDE_FUNCTIONS, args)
        return
    from tuneline.runtime import cpu_bf16_features

    settings = {**common.training_settings(args), "cpu_bf16_features": sorted(cpu_bf16_features()),
                "data": f"examples/quickstart/sft_train.jsonl (first {args.examples}), held out: sft_eval.jsonl"}
    started = time.perf_counter()
    sides = "tuneline-bf16,tuneline" if args.bf16 else (args.sides or ",".join(SIDES))
    report = common.compare(Path(__file__), "bench_sft", sides.split(","), common.training_options(args), args,
                            settings)
    if args.bf16:
        bf16, fp32 = report["sides"]["tuneline-bf16"], report["sides"]["tuneline"]
        print(f"\nbf16 autocast / fp32 (CPU bf16 instructions: {', '.join(settings['cpu_bf16_features']) or 'none'}): "
              f"tokens/s x{bf16['tokens_per_second'] / fp32['tokens_per_second']:.2f}, held-out loss "
              f"{bf16['heldout_loss']:.4f} vs {fp32['heldout_loss']:.4f} (before training {fp32['heldout_loss_before']:.4f})")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
