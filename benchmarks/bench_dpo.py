"""Benchmark: LoRA DPO with tuneline against TRL's DPOTrainer with its default settings.

Sides as in bench_sft.py: `tuneline` (fp32 on CPU, reference log-probs once), `trl`
(DPOConfig defaults: bf16, gradient checkpointing, reference log-probs at every step),
`trl-fp32` (the same with bf16=False); `tuneline-bf16` on request.

Same model (builtin:smollm2-135m-instruct from its base weights, fp32, fresh LoRA r=16
alpha=32 dropout=0.05 on all linear layers; the reference is the base, i.e. the adapter
disabled, on both sides), same first N preference pairs of the quickstart, same batch size
(pairs per step), max length, β=0.1 sigmoid loss, learning rate and linear schedule, one
epoch. Held-out figures are computed for both with the same code on the quickstart's 40
held-out pairs: the DPO loss −log σ(β h) (Eq. 7 of arXiv 2305.18290), preference accuracy
and reward margin.

tuneline's seconds include its one pass computing the reference log-probs of the training
pairs (it happens before the loop); TRL's default computes them at every step.

    python benchmarks/bench_dpo.py [--examples 32] [--batch-size 4] [--max-length 256]
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
from bench_sft import lora_flops_per_token  # noqa: E402

SIDES = ["tuneline", "trl-fp32", "trl"]  # also available: tuneline-bf16
BETA = 0.1


def dataset_config(args: argparse.Namespace) -> dict[str, Any]:
    return {"path": str(common.QUICKSTART / "preferences_train.jsonl"),
            "eval_path": str(common.QUICKSTART / "preferences_eval.jsonl"), "limit": args.examples}


def splits(args: argparse.Namespace):
    from tuneline.config.schema import DatasetConfig
    from tuneline.data.load import load_splits

    data = load_splits(DatasetConfig(**dataset_config(args)), task="preference", seed=args.seed, name="prefs")
    return data.train, data.eval[: args.eval_examples]


def pair_tokens(tokenizer, preferences, max_length: int) -> int:
    """Non-padding tokens of chosen + rejected sequences over one epoch (same count for every side)."""
    from tuneline.eval.metrics import tokenize_preference

    return sum(len(c.input_ids) + len(r.input_ids)
               for c, r in (tokenize_preference(tokenizer, p, max_length) for p in preferences))


def heldout_dpo(model, tokenizer, preferences, max_length: int) -> dict[str, float]:
    """Held-out DPO loss, preference accuracy and reward margin (reference: adapter disabled)."""
    import torch
    import torch.nn.functional as F

    from tuneline.eval.metrics import pair_logprobs, preference_metrics, tokenize_preference
    from tuneline.train.preference_losses import logratio_margin

    pairs = [tokenize_preference(tokenizer, p, max_length) for p in preferences]
    model.eval()
    policy = pair_logprobs(model, tokenizer, pairs, 8, "policy (held-out)")
    with model.disable_adapter():
        reference = pair_logprobs(model, tokenizer, pairs, 8, "reference (held-out)")
    margin = logratio_margin(*(torch.tensor(values) for values in (*policy, *reference)))
    loss = -F.logsigmoid(BETA * margin).mean().item()
    return {"heldout_loss": loss, **{f"heldout_{k}": v for k, v in preference_metrics(*policy, *reference, BETA).items()
                                     if k in ("preference_accuracy", "reward_margin")}}


def tuneline_side(args: argparse.Namespace, precision: str) -> dict[str, Any]:
    from peft import PeftModel

    import tuneline.eval.metrics as metrics_module
    from tuneline.models.load import load_causal_lm

    peaks = common.peak_flops()
    reference_seconds = {"s": 0.0}
    original = metrics_module.pair_logprobs

    def timed_pair_logprobs(model, tokenizer, pairs, batch_size=4, desc="log-probs"):
        started = time.perf_counter()
        try:
            return original(model, tokenizer, pairs, batch_size, desc)
        finally:
            if desc == "reference (train)":  # the training pairs' reference pass is part of training
                reference_seconds["s"] += time.perf_counter() - started

    metrics_module.pair_logprobs = timed_pair_logprobs
    train, held_out = splits(args)
    with tempfile.TemporaryDirectory() as folder:
        stage_dir, metrics, curve, rss = common.run_tuneline_stage(
            Path(folder), "dpo", {"type": "dpo", "dataset": "prefs", "beta": BETA, "precision": precision},
            {"prefs": dataset_config(args)}, args)
        peak_rss = common.peak_rss_mib()  # before the benchmark's own held-out pass below
        base, tokenizer = load_causal_lm(common.MODEL)
        heldout = heldout_dpo(PeftModel.from_pretrained(base, str(stage_dir / "adapter")), tokenizer, held_out,
                              args.max_length)
    tokens = pair_tokens(tokenizer, train, args.max_length)
    seconds = metrics["train_runtime_s"] + reference_seconds["s"]
    dtype = "bfloat16" if precision == "bf16" else "float32"
    return {**common.throughput(tokens, seconds, metrics["steps"], lora_flops_per_token(), peaks[dtype]),
            "reference_pass_s": round(reference_seconds["s"], 2), "mfu_peak_dtype": dtype, "peak_flops": peaks,
            "peak_rss_mib": peak_rss, "train_peak_rss_mib": round(rss.peak_bytes / common.MIB, 1), **heldout,
            "loss_curve": curve, "settings": {"precision": precision, "gradient_checkpointing": False,
                                              "reference": "log-probs computed once before training"}}


def trl_side(args: argparse.Namespace, bf16: bool | None = None) -> dict[str, Any]:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from tuneline.models.load import load_causal_lm

    peaks = common.peak_flops()
    train, held_out = splits(args)
    model, tokenizer = load_causal_lm(common.MODEL)
    records = [{"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected} for p in train]
    with tempfile.TemporaryDirectory() as folder:
        defaults = DPOConfig(output_dir=folder, use_cpu=True)
        config = DPOConfig(output_dir=folder, beta=BETA, **common.trl_arguments(args, bf16))
        trainer = DPOTrainer(model=model, args=config, train_dataset=Dataset.from_list(records),
                             processing_class=tokenizer, peft_config=common.trl_lora_config())
        with common.RssPoller() as rss:
            output = trainer.train()
        peak_rss = common.peak_rss_mib()
        curve = [r["loss"] for r in trainer.state.log_history if "loss" in r]
        heldout = heldout_dpo(trainer.model, tokenizer, held_out, args.max_length)
    tokens = pair_tokens(tokenizer, train, args.max_length)
    dtype = "bfloat16" if config.bf16 else "float32"
    return {**common.throughput(tokens, output.metrics["train_runtime"], output.global_step, lora_flops_per_token(),
                                peaks[dtype]),
            "mfu_peak_dtype": dtype, "peak_flops": peaks, "peak_rss_mib": peak_rss,
            "train_peak_rss_mib": round(rss.peak_bytes / common.MIB, 1), **heldout, "loss_curve": curve,
            "settings": {"bf16": config.bf16, "gradient_checkpointing": config.gradient_checkpointing,
                         "precompute_ref_log_probs": config.precompute_ref_log_probs,
                         "disable_dropout": config.disable_dropout, "padding_free": config.padding_free},
            "trl_defaults": {"bf16": defaults.bf16, "gradient_checkpointing": defaults.gradient_checkpointing,
                             "learning_rate": defaults.learning_rate, "beta": defaults.beta,
                             "precompute_ref_log_probs": defaults.precompute_ref_log_probs,
                             "per_device_train_batch_size": defaults.per_device_train_batch_size,
                             "max_length": defaults.max_length}}


SIDE_FUNCTIONS = {"tuneline": lambda a: tuneline_side(a, "fp32"), "tuneline-bf16": lambda a: tuneline_side(a, "bf16"),
                  "trl": trl_side, "trl-fp32": lambda a: trl_side(a, bf16=False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_training_arguments(parser, examples=32, learning_rate=5e-5, lr_note="TRL's DPO default is 1e-6")
    args = parser.parse_args()
    if args.side:
        common.side_main(SIDE_FUNCTIONS, args)
        return
    settings = {**common.training_settings(args), "beta": BETA, "loss": "sigmoid (DPO)",
                "data": f"examples/quickstart/preferences_train.jsonl (first {args.examples} pairs), "
                        "held out: preferences_eval.jsonl"}
    started = time.perf_counter()
    common.compare(Path(__file__), "bench_dpo", (args.sides or ",".join(SIDES)).split(","),
                   common.training_options(args), args, settings)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
