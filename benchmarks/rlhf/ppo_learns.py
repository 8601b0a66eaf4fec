"""PPO-learns measurement (issue 8): held-out reward before/after, KL vs target, wall time.

    python benchmarks/rlhf/ppo_learns.py [ppo|grpo ...] [--seed N] [--output-dir DIR]

Runs benchmarks/rlhf/<method>_learns.yaml, prints a table and writes <output-dir>/<method>_learns.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).parent


def measure(method: str, output_dir: Path, seed: int | None = None) -> dict:
    import yaml

    from tuneline.pipeline.runner import run_pipeline

    config = HERE / f"{method}_learns.yaml"
    if seed is not None:  # a sibling file, so that the config's relative paths still resolve
        pipeline = yaml.safe_load(config.read_text())
        config = HERE / f".{method}_learns_seed{seed}.yaml"
        config.write_text(yaml.safe_dump({**pipeline, "seed": seed}, sort_keys=False))
    started = time.perf_counter()
    try:
        run_dir = run_pipeline(config, output_dir=str(output_dir))
    finally:
        if seed is not None:
            config.unlink()
    total = time.perf_counter() - started
    metrics = json.loads((run_dir / method / "metrics.json").read_text())
    result = {"method": method, "seed": seed, "run_dir": str(run_dir), "total_wall_s": round(total, 1),
              "train_wall_s": metrics["train_runtime_s"], "steps": metrics["steps"],
              "reward_before": metrics["eval_reward_mean_before"], "reward_after": metrics["eval_reward_mean"],
              "kl_before": metrics["eval_kl_before"], "kl_after": metrics["eval_kl"],
              "kl_target": metrics.get("kl_target"), "load_average_1m": os.getloadavg()[0]}
    result["reward_gain"] = result["reward_after"] - result["reward_before"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("methods", nargs="*", default=["ppo"], choices=["ppo", "grpo"])
    parser.add_argument("--output-dir", default="/tmp/tuneline-bench")
    parser.add_argument("--seed", type=int, default=None, help="run with this seed instead of the config's")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (1 is faster when other processes hold the cores)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    rows = [measure(method, Path(args.output_dir), args.seed) for method in args.methods]
    print(f"{'method':<6} {'reward before':>13} {'after':>7} {'gain':>6} {'KL after':>9} {'target':>7} "
          f"{'train s':>8} {'steps':>6}")
    for row in rows:
        print(f"{row['method']:<6} {row['reward_before']:>13.3f} {row['reward_after']:>7.3f} {row['reward_gain']:>+6.3f} "
              f"{row['kl_after']:>9.3f} {row['kl_target'] or '-':>7} {row['train_wall_s']:>8.0f} {row['steps']:>6}")
        out = Path(args.output_dir) / f"{row['method']}_learns.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
