"""Measuring code shared by the training and generation benchmarks.

Each side of a comparison (tuneline, the plain library) runs in its own Python process,
started by `compare()`, so its peak RSS is its own and neither side inherits the other's
caches or allocator state. A side is a function `side(args) -> dict`; the child writes
its figures (plus peak RSS, the peak matmul FLOP/s measured in that process, and the load
average) to a JSON file the parent reads back.

Figures, per side:
- tokens/s: non-padding tokens of the training examples processed, over the seconds of
  the training loop (model loading, tokenization and held-out evaluation excluded);
- s/step: the same seconds over optimizer steps;
- peak RSS: the process's high-water mark (`ru_maxrss`, loading and evaluation included),
  and the highest RSS polled every 20 ms while training (`train_peak_rss_mib`);
- MFU: tokens/s × training FLOPs per token (4N for LoRA, 6N full; tuneline.train.flops)
  over the peak matmul FLOP/s of the dtype the side's matmuls run in, measured with
  2048² matmuls in the same process just before training.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
QUICKSTART = ROOT / "examples" / "quickstart"
MODEL = "builtin:smollm2-135m-instruct"
MIB = 1024 * 1024


def load_average() -> float:
    return os.getloadavg()[0]


def wait_for_quiet(max_load: float, max_wait_s: float, poll_s: float = 30.0) -> dict[str, Any]:
    """Sleep until the 1-minute load average drops below `max_load` (or the wait runs out):
    on a shared 2-core machine a timing taken under load says little."""
    start = time.time()
    while load_average() >= max_load and time.time() - start < max_wait_s:
        print(f"load average {load_average():.2f} >= {max_load}: waiting", file=sys.stderr, flush=True)
        time.sleep(poll_s)
    return {"waited_s": round(time.time() - start, 1), "load_at_start": load_average(),
            "quiet": load_average() < max_load}


class RssPoller:
    """Highest resident set size seen while the `with` block runs (polled every 20 ms)."""

    def __init__(self, interval_s: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval_s
        self._stop = threading.Event()
        self.start_bytes = 0
        self.peak_bytes = 0

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> RssPoller:
        self.start_bytes = self.peak_bytes = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def peak_rss_mib() -> float:
    """This process's RSS high-water mark (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_flops() -> dict[str, float]:
    """Peak matmul FLOP/s of this machine now, per dtype (the figure MFU divides by)."""
    from tuneline.train.flops import peak_matmul_flops

    return {name: peak_matmul_flops(name, "cpu") for name in ("float32", "bfloat16")}


def throughput(tokens: int, seconds: float, steps: int, flops_per_token: float, peak: float) -> dict[str, float]:
    tokens_per_second = tokens / max(seconds, 1e-9)
    return {"tokens": tokens, "train_s": round(seconds, 2), "steps": steps,
            "s_per_step": round(seconds / max(steps, 1), 3), "tokens_per_second": round(tokens_per_second, 2),
            "mfu": tokens_per_second * flops_per_token / peak}


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "transformers", "peft", "trl", "accelerate")}


# --- parent: run each side in its own process ---------------------------------------------


def run_side(script: Path, side: str, options: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "side.json"
        command = [sys.executable, str(script), "--side", side, "--side-output", str(out), *options]
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=ROOT)
        if completed.returncode != 0:
            raise SystemExit(f"side '{side}' failed (exit {completed.returncode}): {' '.join(command)}")
        figures = json.loads(out.read_text())
    figures["process_wall_s"] = round(time.perf_counter() - started, 1)
    return figures


def compare(script: Path, name: str, sides: list[str], options: list[str], args: argparse.Namespace,
            settings: dict[str, Any]) -> dict[str, Any]:
    """Wait for a quiet machine, run the sides back to back, write JSON, print a table."""
    quiet = wait_for_quiet(args.max_load, args.max_wait_s) if args.max_wait_s > 0 else {
        "waited_s": 0, "load_at_start": load_average(), "quiet": None}
    report = {"benchmark": name, "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "settings": settings, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "load_average": quiet, "sides": {}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.output or name}.json"
    for side in sides:  # written after each side, so a long baseline that is stopped leaves the others' figures
        report["sides"][side] = run_side(script, side, options)
        done = list(report["sides"])
        report["load_average"]["at_end"] = load_average()
        report["ratios"] = {  # side over other side
            f"{a} / {b}": {"throughput": report["sides"][a]["tokens_per_second"] / report["sides"][b]["tokens_per_second"],
                           "peak_rss": report["sides"][a]["peak_rss_mib"] / report["sides"][b]["peak_rss_mib"]}
            for a in done for b in done if a != b}
        out.write_text(json.dumps(report, indent=2))
    print_table(report, sides)
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return report


def print_table(report: dict[str, Any], sides: list[str]) -> None:
    columns = [("tokens_per_second", "tok/s", "{:.1f}"), ("s_per_step", "s/step", "{:.2f}"),
               ("peak_rss_mib", "peak RSS MiB", "{:.0f}"), ("train_peak_rss_mib", "train RSS MiB", "{:.0f}"),
               ("mfu", "MFU", "{:.2%}"), ("heldout_loss", "held-out loss", "{:.4f}")]
    baseline = report["sides"][sides[-1]]
    header = f"{'side':<22}" + "".join(f"{title:>15}" for _, title, _ in columns) + f"{'× tok/s':>10}"
    print(f"\n{report['benchmark']}  (load average {report['load_average']['load_at_start']:.2f} → "
          f"{report['load_average']['at_end']:.2f})")
    print(header)
    for side in sides:
        row = report["sides"][side]
        cells = "".join(f"{fmt.format(row[key]) if row.get(key) is not None else '-':>15}" for key, _, fmt in columns)
        ratio = row["tokens_per_second"] / baseline["tokens_per_second"]
        print(f"{side:<22}{cells}{ratio:>10.2f}")


def side_main(sides: dict[str, Callable[[argparse.Namespace], dict[str, Any]]], args: argparse.Namespace) -> None:
    """In the child: run one side, add its peak RSS and the load average, write JSON."""
    load_before = load_average()
    figures = sides[args.side](args)
    figures.setdefault("peak_rss_mib", round(peak_rss_mib(), 1))
    figures.update(load_before=load_before, load_after=load_average())
    Path(args.side_output).write_text(json.dumps(figures, indent=2))


# --- the two sides of a training comparison ------------------------------------------------

LORA = {"type": "lora", "r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"}


def run_tuneline_stage(folder: Path, name: str, stage: dict[str, Any], datasets: dict[str, Any],
                       args: argparse.Namespace, model: dict[str, Any] | None = None,
                       adapter: dict[str, Any] | None = None) -> tuple[Path, dict[str, Any], list[float], RssPoller]:
    """Run one LoRA training stage through `run_pipeline`, as `tuneline run` would, with the
    settings both sides share; return its stage folder, metrics, loss curve and RSS.
    `model` and `adapter` replace the embedded SmolLM2 in fp32 and LORA."""
    import yaml

    from tuneline.pipeline.runner import run_pipeline

    stage = {"name": name, "epochs": 1, "batch_size": args.batch_size, "max_length": args.max_length,
             "learning_rate": args.learning_rate, "lr_scheduler": "linear", "warmup_ratio": 0.0, "logging_steps": 1,
             "save_steps": 10_000, "max_eval_examples": args.eval_examples,
             "micro_batch_tokens": int(args.micro_batch_tokens) if args.micro_batch_tokens.isdigit()
             else args.micro_batch_tokens, "group_by_length": {"on": True, "off": False}.get(args.group_by_length, "auto"), **stage}
    pipeline = {"name": f"bench-{name}", "seed": args.seed, "model": model or {"ref": MODEL, "dtype": "float32"},
                "adapter": adapter or LORA, "tracking": {"backend": "none"}, "datasets": datasets, "stages": [stage]}
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(pipeline))
    with RssPoller() as rss:
        run_dir = run_pipeline(path, output_dir=str(folder / "runs"))
    stage_dir = run_dir / name
    metrics = json.loads((stage_dir / "metrics.json").read_text())
    curve = [r["loss"] for r in read_jsonl(stage_dir / "log.jsonl") if "loss" in r]
    return stage_dir, metrics, curve, rss


def trl_arguments(args: argparse.Namespace, bf16: bool | None) -> dict[str, Any]:
    """What the TRL side sets: the shared work (batch, length, epochs, learning rate, seed) and
    nothing that changes speed, except bf16 when a side turns it off explicitly. Checkpoint
    saving and tracking are off on both sides."""
    return {"use_cpu": True, "per_device_train_batch_size": args.batch_size, "num_train_epochs": 1,
            "max_length": args.max_length, "learning_rate": args.learning_rate, "seed": args.seed,
            "logging_steps": 1, "save_strategy": "no", "report_to": "none", **({} if bf16 is None else {"bf16": bf16})}


def trl_lora_config():
    from tuneline.config.schema import AdapterConfig
    from tuneline.models.load import lora_config

    return lora_config(AdapterConfig(**{k: v for k, v in LORA.items() if k != "type"}))


def add_training_arguments(parser: argparse.ArgumentParser, examples: int, learning_rate: float, lr_note: str) -> None:
    parser.add_argument("--examples", type=int, default=examples, help="training examples (one epoch)")
    parser.add_argument("--eval-examples", type=int, default=40, help="held-out examples for the loss")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=learning_rate, help=f"both sides ({lr_note})")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--micro-batch-tokens", default="auto",
                        help="tuneline's micro_batch_tokens (auto, off or a number of padded tokens per pass)")
    parser.add_argument("--group-by-length", choices=["auto", "on", "off"], default="auto",
                        help="tuneline's group_by_length (auto: its default; on: whole batches of similar length)")
    add_common_arguments(parser)


def training_options(args: argparse.Namespace) -> list[str]:
    return ["--examples", str(args.examples), "--eval-examples", str(args.eval_examples), "--batch-size",
            str(args.batch_size), "--max-length", str(args.max_length), "--learning-rate", str(args.learning_rate),
            "--seed", str(args.seed), "--micro-batch-tokens", str(args.micro_batch_tokens),
            "--group-by-length", args.group_by_length]


def training_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"model": MODEL, "adapter": "LoRA r=16 alpha=32 dropout=0.05 all-linear", "examples": args.examples,
            "eval_examples": args.eval_examples, "batch_size": args.batch_size, "max_length": args.max_length,
            "learning_rate": args.learning_rate, "lr_scheduler": "linear, no warm-up", "epochs": 1, "seed": args.seed,
            "tuneline_micro_batch_tokens": args.micro_batch_tokens, "tuneline_group_by_length": args.group_by_length,
            "versions": versions()}


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sides", help="comma-separated sides to run; the last one is the baseline")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--side-output", help=argparse.SUPPRESS)
    parser.add_argument("--max-load", type=float, default=2.5,
                        help="wait until the 1-minute load average is below this before starting")
    parser.add_argument("--max-wait-s", type=float, default=2400, help="longest wait for a quiet machine (0: none)")
    parser.add_argument("--output", help="JSON file name under benchmarks/results/ (default: the benchmark's name)")


def write_result(name: str, result: dict[str, Any]) -> Path:
    """benchmarks/results/<name>.json, printed."""
    out = RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return out
