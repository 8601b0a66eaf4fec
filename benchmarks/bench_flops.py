"""The FLOPs ledger against the matmuls a real training step runs, and the MFU it implies.

On SmolLM2-135M with a LoRA adapter (r 16, all linear layers), for one SFT batch of the
quickstart's conversations:
  1. the ledger's count of one forward+backward, against torch's FlopCounterMode (which
     counts every matmul autograd really runs; eager attention also multiplies the masked
     half of causal attention, which the ledger leaves out: that difference is printed);
  2. a few timed optimizer steps: ledger FLOPs / seconds over the peak matmul FLOP/s of
     this machine (train.flops.peak_matmul_flops) = MFU, which must lie in (0, 1).
Prints a table and writes benchmarks/results/flops.json.

    OMP_NUM_THREADS=1 python benchmarks/bench_flops.py [--steps 3] [--batch 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from tuneline.config.schema import AdapterConfig, ModelConfig
    from tuneline.data.chat import tokenize_conversation
    from tuneline.data.load import load_records
    from tuneline.models.load import attach_adapter, load_causal_lm
    from tuneline.models.padding import pad_batch
    from tuneline.train.flops import ModelShape, peak_matmul_flops, training_flops
    from tuneline.train.logprobs import causal_lm_loss

    torch.manual_seed(0)
    model, tokenizer = load_causal_lm(ModelConfig(ref="builtin:smollm2-135m-instruct"))
    model.config._attn_implementation = "eager"  # so that FlopCounterMode sees attention as matmuls
    model = attach_adapter(model, AdapterConfig(r=16, alpha=32, dropout=0.0))
    shape = ModelShape.of(model)
    records, _ = load_records(str(ROOT / "examples" / "quickstart" / "sft_train.jsonl"), task="sft")
    examples = [tokenize_conversation(tokenizer, r.messages, 256) for r in records[: args.batch * (args.steps + 1)]]
    batches = [examples[i:i + args.batch] for i in range(0, len(examples), args.batch)]

    def step_inputs(chunk):
        batch = pad_batch([e.input_ids for e in chunk], [e.labels for e in chunk], tokenizer.pad_token_id)
        return batch, sum(training_flops(shape, len(e.input_ids), False, e.num_label_tokens) for e in chunk)

    # 1. counted matmuls of one step, one sequence at a time (no padding: the ledger does not count it)
    counted = ledger = masked_half = 0
    for example in batches[0]:
        batch, flops = step_inputs([example])
        with FlopCounterMode(display=False) as counter:
            loss, _ = causal_lm_loss(model, **batch)
            loss.backward()
        model.zero_grad(set_to_none=True)
        n = len(example.input_ids)
        counted += counter.get_total_flops()
        ledger += flops
        masked_half += 3 * 4 * shape.layers * shape.attention_width * (n * n - n * (n + 1) // 2)

    # 2. timed steps (sdpa attention, as in training)
    model.config._attn_implementation = "sdpa"
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    peak = peak_matmul_flops("float32", "cpu", 2.0)
    spent, started = 0, time.perf_counter()
    for chunk in batches[1:args.steps + 1]:
        batch, flops = step_inputs(chunk)
        loss, _ = causal_lm_loss(model, **batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        spent += flops
    seconds = time.perf_counter() - started
    result = {
        "cpu": platform.processor() or "see lscpu", "threads": torch.get_num_threads(), "load_1min": os.getloadavg()[0],
        "model_shape": shape.__dict__, "batch": args.batch, "steps": args.steps,
        "counted_matmul_flops_one_step": counted, "ledger_flops_one_step": ledger,
        "masked_attention_half": masked_half, "counted_minus_masked_over_ledger": (counted - masked_half) / ledger,
        "ledger_flops_per_s": spent / seconds, "peak_matmul_flops_per_s": peak, "mfu": spent / seconds / peak,
    }
    out = ROOT / "benchmarks" / "results" / "flops.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        if key != "model_shape":
            print(f"{key:36s} {value:.4g}" if isinstance(value, float) else f"{key:36s} {value}")


if __name__ == "__main__":
    main()
