"""Benchmark: the `loss` eval suite on 200 held-out examples on the embedded model
(builtin:smollm2-135m-instruct), target < 60 s on CPU, through the same code path as
`tuneline eval --suite loss` (evaluate(): model load + held-out loss).

Data: real instructions (Alpaca subset in /work/shared/data, read in place, not copied),
or the quickstart's held-out conversations repeated to 200 when that file is absent.
Prints a table and writes benchmarks/results/bench_eval.json.

    python benchmarks/bench_eval.py [--examples 200] [--batch-size 8] [--max-length 512]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/data/instruction/alpaca_1k_train_800.jsonl")
QUICKSTART = ROOT / "examples" / "quickstart" / "sft_eval.jsonl"


def held_out(count: int) -> tuple[list, str]:
    from tuneline.data.load import load_records

    if SHARED.exists():
        records, _ = load_records(str(SHARED), task="sft")
        return records[-count:], f"{SHARED.name} (last {count})"
    records, _ = load_records(str(QUICKSTART), task="sft")
    return (records * (count // len(records) + 1))[:count], f"{QUICKSTART.name} repeated to {count}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=512)
    args = parser.parse_args()

    started = time.perf_counter()
    import torch

    from tuneline.eval.evaluate import EvalInputs, evaluate
    from tuneline.eval.targets import Target
    from tuneline.models.registry import resolve_model_path

    resolve_model_path("builtin:smollm2-135m-instruct")  # converted once; not part of the figure
    imports_s = time.perf_counter() - started
    conversations, source = held_out(args.examples)
    with tempfile.TemporaryDirectory() as out:
        begin = time.perf_counter()
        result = evaluate([Target("base", "builtin:smollm2-135m-instruct")], EvalInputs(conversations=conversations),
                          ["loss"], Path(out), batch_size=args.batch_size, max_length=args.max_length)
        suite_s = time.perf_counter() - begin
    loss = result.metrics["details"]["targets"]["base"]["loss"]
    figures = {
        "benchmark": "eval loss suite", "model": "builtin:smollm2-135m-instruct", "data": source,
        "examples": len(conversations), "label_tokens": loss["tokens"], "batch_size": args.batch_size,
        "max_length": args.max_length, "loss": round(loss["loss"], 4), "perplexity": round(loss["perplexity"], 2),
        "suite_seconds": round(suite_s, 1), "label_tokens_per_second": round(loss["tokens"] / suite_s, 1),
        "target_seconds": 60, "meets_target": suite_s < 60, "imports_seconds": round(imports_s, 1),
        "torch_threads": torch.get_num_threads(), "machine": platform.platform(),
    }
    width = max(len(k) for k in figures)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in figures.items()))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "bench_eval.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
