"""Benchmark: classifier latency, ONNX Runtime vs PyTorch, on this CPU.

The classifier is builtin:minilm-l6 (all-MiniLM-L6-v2, 22M parameters) with a fresh
3-label head (latency does not depend on what the head learnt), saved the way a
`classify` stage saves it and exported with `tuneline export --format onnx`. Both sides
get the same token lists, the same padding and the same number of threads; each figure
is the median wall time of a batch after warm-up runs. Texts: CLINC150 utterances from
/work/shared/data (read in place) when present, else generated sentences.

Prints a table and the ONNX speed-up, and writes benchmarks/results/bench_onnx.json.

    python benchmarks/bench_onnx.py [--threads 2] [--repeats 30] [--max-length 64]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLINC = Path("/work/shared/data/classification/clinc150_val.csv")
BATCH_SIZES = (1, 32)


def bench_texts(count: int) -> tuple[list[str], str]:
    if CLINC.exists():
        import pandas as pd

        return pd.read_csv(CLINC)["text"].astype(str).tolist()[:count], f"{CLINC.name} (first {count})"
    rng = random.Random(0)
    words = "please move my payment to friday and tell me the weather in paris tomorrow morning".split()
    return [" ".join(rng.choices(words, k=rng.randint(4, 20))) for _ in range(count)], "generated sentences"


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "unknown")


def median_seconds(run: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_export(folder: Path) -> tuple[Path, Path]:
    """(PyTorch classifier folder, ONNX export folder) under `folder`."""
    from tuneline.export.run import export_model
    from tuneline.models.classifier import load_classifier

    model, tokenizer = load_classifier("builtin:minilm-l6", ["billing", "login", "sync"])
    model.save_pretrained(folder / "model")
    tokenizer.save_pretrained(folder / "model")
    export_model(folder / "model", folder / "onnx", "onnx")
    return folder / "model", folder / "onnx"


def measure(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch

    from tuneline.export.onnx_classifier import OnnxClassifier
    from tuneline.models.classifier import load_saved_classifier, tokenize_texts
    from tuneline.models.padding import pad_batch

    torch.set_num_threads(args.threads)
    texts, source = bench_texts(max(BATCH_SIZES))
    with tempfile.TemporaryDirectory() as tmp:
        torch_folder, onnx_folder = build_export(Path(tmp))
        model, tokenizer, *_ = load_saved_classifier(torch_folder)
        runner = OnnxClassifier(onnx_folder, threads=args.threads)
        tokens = tokenize_texts(tokenizer, texts, args.max_length)
        rows = []
        for size in BATCH_SIZES:
            batch = pad_batch(tokens[:size], None, tokenizer.pad_token_id)

            def torch_run(batch=batch):
                with torch.inference_mode():
                    return model(**batch).logits

            torch_s = median_seconds(torch_run, args.repeats)
            onnx_s = median_seconds(lambda batch=batch: runner.score_batch(batch), args.repeats)
            gap = float(np.abs(runner.score_batch(batch) - torch_run().numpy()).max())
            rows.append({"batch": size, "tokens_per_text": round(float(batch["attention_mask"].sum()) / size, 1),
                         "pytorch_ms": round(torch_s * 1e3, 3), "onnxruntime_ms": round(onnx_s * 1e3, 3),
                         "speedup": round(torch_s / onnx_s, 2), "max_abs_logit_gap": gap})
    return {"texts": source, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()

    from importlib.metadata import version

    figures = {"benchmark": "classifier latency, ONNX Runtime vs PyTorch", "model": "builtin:minilm-l6 + 3-label head",
               "cpu": cpu_model(), "threads": args.threads, "repeats": args.repeats,
               "load_average_before": os.getloadavg()[0],
               "versions": {name: version(name) for name in ("torch", "onnxruntime", "onnx", "transformers")},
               **measure(args), "load_average_after": os.getloadavg()[0]}
    print(f"CPU: {figures['cpu']}, {args.threads} threads; texts: {figures['texts']}")
    print(f"{'batch':>5} {'tok/text':>8} {'PyTorch ms':>11} {'ORT ms':>9} {'ORT speed-up':>12} {'max |Δlogit|':>13}")
    for row in figures["rows"]:
        print(f"{row['batch']:>5} {row['tokens_per_text']:>8} {row['pytorch_ms']:>11.2f} {row['onnxruntime_ms']:>9.2f} "
              f"{row['speedup']:>11.2f}x {row['max_abs_logit_gap']:>13.2e}")
    out = ROOT / "benchmarks" / "results" / "bench_onnx.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
