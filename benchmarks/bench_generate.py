"""Benchmark: greedy chat generation with tuneline.eval.generate.generate_chat against plain
`model.generate`.

Same model (builtin:smollm2-135m-instruct, fp32), the same N prompts (the quickstart's
held-out conversations without their answer, rendered with the model's chat template and
its generation prompt), greedy decoding, the same max_new_tokens, stopping at EOS.

Sides, each in its own process:
- `tuneline`: generate_chat(batch_size=B) (longest-first batches, left padding);
- `plain-batched`: model.generate on batches of B prompts in the given order, left padding
  by the tokenizer (what a user writes when batching by hand);
- `plain`: model.generate one prompt at a time (the baseline: the model card's snippet).

Figures: generated tokens/s (tokens up to and including EOS, summed over prompts, over the
generation seconds), seconds per prompt, peak RSS, and the share of prompts whose greedy
answer is token-identical to the baseline's.

    python benchmarks/bench_generate.py [--prompts 16] [--batch-size 8] [--max-new-tokens 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SIDES = ["tuneline", "plain-batched", "plain"]


def prompts(count: int) -> list[list[dict]]:
    rows = common.read_jsonl(common.QUICKSTART / "sft_eval.jsonl")
    return [row["messages"][:-1] for row in (rows * (count // len(rows) + 1))[:count]]


def inference_flops_per_token(model) -> float:
    """~2N FLOPs per generated token (attention and the KV cache left out)."""
    from tuneline.train.flops import training_flops_per_token

    return training_flops_per_token(model, full_finetune=False) / 2


def answer_ids(output_row, eos_id: int) -> list[int]:
    ids = output_row.tolist()
    return ids[: ids.index(eos_id) + 1] if eos_id in ids else ids


def generate_side(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from tuneline.eval.generate import generate_chat
    from tuneline.models.load import load_causal_lm

    peaks = common.peak_flops()
    model, tokenizer = load_causal_lm(common.MODEL)
    model.eval()
    conversations = prompts(args.prompts)
    eos = tokenizer.eos_token_id
    greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    answers: list[list[int]] = []
    with common.RssPoller() as rss:
        started = time.perf_counter()
        if args.side == "tuneline":
            generations = generate_chat(model, tokenizer, conversations, max_new_tokens=args.max_new_tokens,
                                        batch_size=args.batch_size)
            answers = [g.token_ids + ([eos] if g.finished_with_eos else []) for g in generations]
        elif args.side == "plain":
            for messages in conversations:
                inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                       return_dict=True)
                with torch.no_grad():
                    output = model.generate(**inputs, max_new_tokens=args.max_new_tokens, **greedy)
                answers.append(answer_ids(output[0, inputs["input_ids"].shape[1]:], eos))
        else:
            tokenizer.padding_side = "left"
            for start in range(0, len(conversations), args.batch_size):
                texts = [tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False)
                         for m in conversations[start:start + args.batch_size]]
                inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
                with torch.no_grad():
                    output = model.generate(**inputs, max_new_tokens=args.max_new_tokens, **greedy)
                answers.extend(answer_ids(row[inputs["input_ids"].shape[1]:], eos) for row in output)
        seconds = time.perf_counter() - started
    tokens = sum(len(a) for a in answers)
    tokens_per_second = tokens / seconds
    return {"tokens": tokens, "generate_s": round(seconds, 2), "tokens_per_second": round(tokens_per_second, 2),
            "s_per_prompt": round(seconds / len(conversations), 3),
            "mfu": tokens_per_second * inference_flops_per_token(model) / peaks["float32"], "mfu_peak_dtype": "float32",
            "peak_flops": peaks, "train_peak_rss_mib": round(rss.peak_bytes / common.MIB, 1),
            "finished_with_eos": sum(bool(a) and a[-1] == eos for a in answers), "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    common.add_common_arguments(parser)
    args = parser.parse_args()
    if args.side:
        common.side_main({side: generate_side for side in SIDES}, args)
        return
    options = ["--prompts", str(args.prompts), "--batch-size", str(args.batch_size), "--max-new-tokens",
               str(args.max_new_tokens)]
    settings = {"model": common.MODEL, "dtype": "float32", "decoding": "greedy", "prompts": args.prompts,
                "data": "examples/quickstart/sft_eval.jsonl (answers removed)", "batch_size": args.batch_size,
                "max_new_tokens": args.max_new_tokens, "versions": common.versions()}
    sides = (args.sides or ",".join(SIDES)).split(",")
    report = common.compare(Path(__file__), "bench_generate", sides, options, args, settings)
    baseline = report["sides"][sides[-1]]["answers"]
    for side in sides[:-1]:
        same = sum(a == b for a, b in zip(report["sides"][side]["answers"], baseline, strict=True))
        print(f"{side}: {same}/{len(baseline)} answers token-identical to {sides[-1]}")


if __name__ == "__main__":
    main()
