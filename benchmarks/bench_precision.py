"""bf16 autocast against fp32 on this CPU, interleaved: the same LoRA SFT passes of the
embedded SmolLM2 (forward, backward, AdamW step on the adapter), alternating fp32 and bf16
round by round in one process, so load from other jobs on a shared machine falls on both
alike. Prints the median seconds per pass of each and their ratio. (bench_sft.py --bf16
runs whole training runs and the held-out loss, one after the other.)

    python benchmarks/bench_precision.py [--rounds 6] [--batch-size 4] [--max-length 256]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="passes of each precision, alternating")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()

    import torch

    from tuneline.config.schema import AdapterConfig
    from tuneline.data.chat import tokenize_conversation
    from tuneline.models.load import attach_adapter, load_causal_lm
    from tuneline.models.padding import pad_batch
    from tuneline.runtime import cpu_bf16_features
    from tuneline.train.logprobs import causal_lm_loss

    model, tokenizer = load_causal_lm(common.MODEL)
    model = attach_adapter(model, AdapterConfig(**common.LORA))
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=True)
    records = common.read_jsonl(common.QUICKSTART / "sft_train.jsonl", args.rounds * args.batch_size)
    examples = [tokenize_conversation(tokenizer, r["messages"], args.max_length) for r in records]
    times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    tokens = []
    load_start = common.load_average()
    for round_index in range(args.rounds + 1):  # round 0 warms both up and is not counted
        chunk = examples[(round_index % args.rounds) * args.batch_size:][: args.batch_size]
        batch = pad_batch([e.input_ids for e in chunk], [e.labels for e in chunk], tokenizer.pad_token_id)
        for name in ("fp32", "bf16") if round_index % 2 == 0 else ("bf16", "fp32"):
            started = time.perf_counter()
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=name == "bf16"):
                loss, _ = causal_lm_loss(model, **batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if round_index:
                times[name].append(time.perf_counter() - started)
        if round_index:
            tokens.append(int(batch["attention_mask"].sum()))
    medians = {name: statistics.median(values) for name, values in times.items()}
    report = {"cpu_bf16_features": sorted(cpu_bf16_features()), "threads": torch.get_num_threads(),
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "median_s_per_pass": medians,
              "tokens_per_pass_mean": statistics.fmean(tokens), "times": times,
              "load_average": [load_start, common.load_average()]}
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    (common.RESULTS / "bench_precision.json").write_text(json.dumps(report, indent=2))
    print(f"CPU bf16 instructions: {', '.join(report['cpu_bf16_features']) or 'none'}; "
          f"{args.rounds} passes each of batch {args.batch_size} (~{report['tokens_per_pass_mean']:.0f} tokens), "
          f"load average {load_start:.1f} -> {common.load_average():.1f}")
    for name, median in medians.items():
        print(f"{name}: median {median:.2f} s/pass ({report['tokens_per_pass_mean'] / median:.0f} tok/s)")
    print(f"bf16 / fp32 speed: x{medians['fp32'] / medians['bf16']:.2f}")


if __name__ == "__main__":
    main()
