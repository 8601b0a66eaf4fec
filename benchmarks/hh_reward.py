"""A reward model on Anthropic HH, helpful and harmless pairs together (issue 17): trained by
`tuneline run` (the `reward` stage on builtin:minilm-l6) within a time budget, scored on HH dev
pairs held out from its training, per subset, beside the longer-answer rule on the same pairs.

    python benchmarks/hh_reward.py [--data-dir ../shared/data/preference] [--minutes 30]
        [--held-out 200] [--pooling auto] [--output-dir runs/benchmarks/hh-reward]

The last `--held-out` pairs of each dev file are held out; the others train. Prints a table
(accuracy with Wilson 95% intervals per subset, the length baseline, held-out accuracy at
each evaluation against training time) and writes hh_reward_results.json into the run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SUBSETS = ("helpful", "harmless")


def split_files(data_dir: Path, held_out: int, out: Path) -> dict[str, int]:
    """train.jsonl (both subsets, in alternation), eval.jsonl and eval_<subset>.jsonl."""
    train, evaluation, counts = {}, [], {}
    for subset in SUBSETS:
        rows = (data_dir / f"hh_rlhf_{subset}_base_dev.jsonl").read_text().splitlines()
        train[subset], held = rows[:-held_out], rows[-held_out:]
        (out / f"eval_{subset}.jsonl").write_text("\n".join(held) + "\n")
        evaluation += held
        counts[f"train_{subset}"], counts[f"eval_{subset}"] = len(train[subset]), len(held)
    mixed = [row for pair in zip(*train.values(), strict=False) for row in pair]
    longest = max(train.values(), key=len)
    mixed += longest[len(mixed) // 2:]
    (out / "train.jsonl").write_text("\n".join(mixed) + "\n")
    (out / "eval.jsonl").write_text("\n".join(evaluation) + "\n")
    return counts


def pipeline(out: Path, minutes: float, pooling: str, eval_pairs: int) -> dict:
    return {
        "name": "hh-reward", "seed": 1, "model": "builtin:minilm-l6", "adapter": {"type": "full"},
        "tracking": {"backend": "none"},
        "datasets": {"hh": {"path": str(out / "train.jsonl"), "eval_path": str(out / "eval.jsonl"),
                            "on_invalid": "drop"}},
        "stages": [{
            "name": "reward", "type": "reward", "dataset": "hh", "model": "builtin:minilm-l6",
            "adapter_type": "full", "pooling": pooling,
            # HH transcripts run long: 256 tokens keep the answer and the last turns (cut from the left)
            "max_length": 256, "batch_size": 16, "learning_rate": 3.0e-5, "epochs": 1,
            "lr_scheduler": "linear", "warmup_ratio": 0.05, "budget": {"seconds": minutes * 60},
            "logging_steps": 20, "eval_steps": 40, "max_eval_examples": eval_pairs, "save_steps": 100000,
        }],
    }


def subset_scores(model_dir: Path, eval_file: Path) -> dict:
    """Pairwise accuracy (ties half) with its Wilson interval, and the longer-answer rule's."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tuneline.data.load import load_records
    from tuneline.eval.significance import wilson_interval
    from tuneline.rl.rewards import reward_model_inputs, score_sequences

    pairs, _ = load_records(str(eval_file), task="preference", on_invalid="drop")
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    chosen = score_sequences(model, tokenizer, [reward_model_inputs(tokenizer, [*p.prompt, *p.chosen], 256)
                                                for p in pairs])
    rejected = score_sequences(model, tokenizer, [reward_model_inputs(tokenizer, [*p.prompt, *p.rejected], 256)
                                                  for p in pairs])

    def credit(a: float, b: float) -> float:
        return 1.0 if a > b else 0.5 if a == b else 0.0

    right = sum(credit(c, r) for c, r in zip(chosen, rejected, strict=True))
    words = [(len(" ".join(m["content"] for m in p.chosen).split()),
              len(" ".join(m["content"] for m in p.rejected).split())) for p in pairs]
    longer = sum(credit(c, r) for c, r in words)
    n = len(pairs)
    return {"pairs": n, "accuracy": right / n, "interval": wilson_interval(right, n),
            "longer_answer": longer / n, "longer_answer_interval": wilson_interval(longer, n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "preference")
    parser.add_argument("--minutes", type=float, default=30.0, help="training budget (the stage's budget.seconds)")
    parser.add_argument("--held-out", type=int, default=200, help="pairs held out from each dev file")
    parser.add_argument("--pooling", default="auto", choices=["auto", "mean", "cls"])
    parser.add_argument("--output-dir", type=Path, default=REPO / "runs" / "benchmarks" / "hh-reward")
    args = parser.parse_args()

    from tuneline.pipeline.runner import run_pipeline

    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    counts = split_files(args.data_dir.resolve(), args.held_out, out)
    config = out / "hh_reward.yaml"
    config.write_text(yaml.safe_dump(pipeline(out, args.minutes, args.pooling, 2 * args.held_out), sort_keys=False))
    started = time.monotonic()
    run_dir = run_pipeline(config, output_dir=str(out / "runs"))
    wall = time.monotonic() - started
    stage = run_dir / "reward"
    metrics = json.loads((stage / "metrics.json").read_text())
    per_step = metrics["train_runtime_s"] / max(1, metrics["steps"])
    curve = [{"step": r["step"], "minutes": round(r["step"] * per_step / 60, 1),
              "accuracy": r["eval_pairwise_accuracy"]}
             for r in map(json.loads, (stage / "log.jsonl").read_text().splitlines()) if "eval_pairwise_accuracy" in r]
    results = {"run_dir": str(run_dir), **counts, "steps": metrics["steps"], "pooling": args.pooling,
               "train_runtime_s": metrics["train_runtime_s"], "wall_s": round(wall, 1),
               "held_out_accuracy": metrics.get("pairwise_accuracy"), "curve": curve,
               "subsets": {subset: subset_scores(stage / "model", out / f"eval_{subset}.jsonl") for subset in SUBSETS}}
    (run_dir / "hh_reward_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"reward model on builtin:minilm-l6 (pooling {args.pooling}), {metrics['steps']} steps in "
          f"{metrics['train_runtime_s']:.0f} s of training; wall {wall:.0f} s")
    print(f"{'subset':<10}{'pairs':>6}{'reward model':>28}{'longer answer':>28}")
    for subset, s in results["subsets"].items():
        low, high = s["interval"]
        l_low, l_high = s["longer_answer_interval"]
        print(f"{subset:<10}{s['pairs']:>6}{s['accuracy']:>10.3f} [{low:.3f}-{high:.3f}]"
              f"{s['longer_answer']:>12.3f} [{l_low:.3f}-{l_high:.3f}]")
    print("held-out accuracy against training time: " +
          ", ".join(f"{p['minutes']} min {p['accuracy']:.3f}" for p in curve))
    print(f"results: {run_dir / 'hh_reward_results.json'}")


if __name__ == "__main__":
    main()
