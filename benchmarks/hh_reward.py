"""A reward model on Anthropic HH, helpful and harmless pairs together (issue 17): trained by
`tuneline run` (the `reward` stage on builtin:minilm-l6) within a time budget, scored on HH dev
pairs held out from its training, per subset, beside the longer-answer rule on the same pairs.

    python benchmarks/hh_reward.py [--data-dir ../shared/data/preference] [--minutes 30]
        [--held-out 200] [--select 0] [--model builtin:minilm-l6] [--adapter full]
        [--adapter-r 16] [--top-layers 0] [--pooling auto] [--context-messages 1] [--dropout 0] [--max-length 192]
        [--learning-rate 5e-5] [--batch-size 16] [--epochs 1.4] [--eval-steps 70] [--curve-pairs 0]
        [--output-dir runs/benchmarks/hh-reward]

The defaults are the MiniLM recipe chosen on the --select slice (benchmarks/RESULTS.md); --context-messages -1
reads the whole conversation. The SmolLM2 run measured beside it (0.605 helpful, 0.550 harmless, no
better): --model builtin:smollm2-135m-instruct --adapter lora --top-layers 4 --pooling mean
--learning-rate 3e-4 --batch-size 8 --epochs 0.75 --eval-steps 90 --curve-pairs 100.

The last `--held-out` pairs of each dev file are held out; the others train. `--select N`
chooses options without touching them: the last N pairs of each file's training part are
scored instead, and the pairs before them train. Prints a table (accuracy with Wilson 95%
intervals per subset, the longer-answer rule on the same pairs, held-out accuracy at each
evaluation against training time) and writes hh_reward_results.json into the run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SUBSETS = ("helpful", "harmless")


def split_files(data_dir: Path, held_out: int, select: int, out: Path,
                subsets: tuple[str, ...] = SUBSETS) -> dict[str, int]:
    """train.jsonl (the subsets in alternation), eval.jsonl and eval_<subset>.jsonl: the held-out
    pairs, or with `select` the last `select` pairs before them (the held-out ones then unused)."""
    train, evaluation, counts = {}, {}, {}
    for subset in subsets:
        rows = (data_dir / f"hh_rlhf_{subset}_base_dev.jsonl").read_text().splitlines()
        train[subset], held = rows[:-held_out], rows[-held_out:]
        if select:
            train[subset], held = train[subset][:-select], train[subset][-select:]
        (out / f"eval_{subset}.jsonl").write_text("\n".join(held) + "\n")
        evaluation[subset] = held
        counts[f"train_{subset}"], counts[f"eval_{subset}"] = len(train[subset]), len(held)
    mixed = [row for pair in zip(*train.values(), strict=False) for row in pair]
    longest = max(train.values(), key=len)
    mixed += longest[len(mixed) // 2:]
    (out / "train.jsonl").write_text("\n".join(mixed) + "\n")
    # alternating too, so that a cap on the pairs the stage evaluates (--curve-pairs) takes both subsets
    (out / "eval.jsonl").write_text("\n".join(row for pair in zip(*evaluation.values(), strict=True)
                                              for row in pair) + "\n")
    return counts


def adapter(args: argparse.Namespace) -> dict:
    """The pipeline's adapter block: LoRA rank and the decoder layers it adapts (--adapter lora)."""
    if args.adapter != "lora":
        return {"type": args.adapter}
    block = {"type": "lora", "r": args.adapter_r, "alpha": 2 * args.adapter_r, "dropout": 0.0}
    if args.top_layers:
        from transformers import AutoConfig

        from tuneline.models.registry import resolve_model_path

        count = AutoConfig.from_pretrained(resolve_model_path(args.model)).num_hidden_layers
        block["layers_to_transform"] = list(range(count - args.top_layers, count))
    return block


def pipeline(out: Path, args: argparse.Namespace, eval_pairs: int) -> dict:
    return {
        "name": "hh-reward", "seed": 1, "model": args.model, "adapter": adapter(args),
        "tracking": {"backend": "none"},
        "datasets": {"hh": {"path": str(out / "train.jsonl"), "eval_path": str(out / "eval.jsonl"),
                            "on_invalid": "drop"}},
        "stages": [{
            "name": "reward", "type": "reward", "dataset": "hh", "model": args.model,
            "adapter_type": args.adapter, "pooling": args.pooling, "context_messages": args.context_messages,
            "dropout": args.dropout, "freeze_backbone": args.freeze_backbone, "max_length": args.max_length, "batch_size": args.batch_size,
            "learning_rate": args.learning_rate, "epochs": args.epochs,
            "lr_scheduler": "linear", "warmup_ratio": 0.05, "budget": {"seconds": args.minutes * 60},
            "logging_steps": 10, "eval_steps": args.eval_steps, "max_eval_examples": args.curve_pairs or eval_pairs, "save_steps": 100000,
        }],
    }


def subset_scores(model_dir: Path, eval_file: Path, max_length: int) -> dict:
    """Pairwise accuracy (ties half) with its Wilson interval, and the longer-answer rule's; the
    model scores as every consumer does (RewardModelReward: the same cut of the conversation)."""
    from tuneline.data.load import load_records
    from tuneline.eval.significance import wilson_interval
    from tuneline.rl.rewards import RewardModelReward

    pairs, _ = load_records(str(eval_file), task="preference", on_invalid="drop")
    reward = RewardModelReward(model_dir, max_length=max_length)
    prompts = [p.prompt for p in pairs]
    chosen = reward(prompts, [" ".join(m["content"] for m in p.chosen) for p in pairs])
    rejected = reward(prompts, [" ".join(m["content"] for m in p.rejected) for p in pairs])

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
    parser.add_argument("--select", type=int, default=0,
                        help="score the last N training pairs of each file instead of the held-out ones")
    parser.add_argument("--model", default="builtin:minilm-l6")
    parser.add_argument("--adapter", default="full", choices=["full", "lora"])
    parser.add_argument("--adapter-r", type=int, default=16, help="LoRA rank (--adapter lora)")
    parser.add_argument("--top-layers", type=int, default=0,
                        help="--adapter lora: adapt only the top N decoder layers (0: all of them)")
    parser.add_argument("--pooling", default="auto", choices=["auto", "mean", "answer", "cls"])
    parser.add_argument("--freeze-backbone", action="store_true",
                        help="fit only the score head on the frozen backbone's pooled features (reads each pair once)")
    parser.add_argument("--context-messages", type=int, default=1,
                        help="messages before the answer the model reads (-1: all of them)")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=float, default=1.4, help="planned passes (the budget may stop it first)")
    parser.add_argument("--eval-steps", type=int, default=70)
    parser.add_argument("--curve-pairs", type=int, default=0,
                        help="pairs (both subsets alternating) the stage scores at each evaluation, inside the "
                             "time budget (0: all the scored pairs); the per-subset table always scores all")
    parser.add_argument("--subsets", nargs="+", choices=SUBSETS, default=list(SUBSETS),
                        help="HH subsets to train and score on (helpful alone: the safety example's win-rate judge)")
    parser.add_argument("--output-dir", type=Path, default=REPO / "runs" / "benchmarks" / "hh-reward")
    args = parser.parse_args()
    if args.context_messages is not None and args.context_messages < 0:
        args.context_messages = None

    from tuneline.pipeline.runner import run_pipeline

    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    counts = split_files(args.data_dir.resolve(), args.held_out, args.select, out, tuple(args.subsets))
    config = out / "hh_reward.yaml"
    scored = len(args.subsets) * (args.select or args.held_out)
    config.write_text(yaml.safe_dump(pipeline(out, args, scored), sort_keys=False))
    started = time.monotonic()
    run_dir = run_pipeline(config, output_dir=str(out / "runs"))
    wall = time.monotonic() - started
    stage = run_dir / "reward"
    metrics = json.loads((stage / "metrics.json").read_text())
    if args.freeze_backbone:  # heads fitted on the first quarter, half, ... of the pairs read (the stage's curve)
        curve = [{"pairs": p["pairs"], "minutes": round(p["seconds"] / 60, 1), "accuracy": p["accuracy"]}
                 for p in metrics["curve"][:-1]]
        metrics.update(steps=0, train_runtime_s=metrics["train_seconds"])
    else:
        per_step = metrics["train_runtime_s"] / max(1, metrics["steps"])
        curve = [{"step": r["step"], "minutes": round(r["step"] * per_step / 60, 1),
                  "accuracy": r["eval_pairwise_accuracy"]}
                 for r in map(json.loads, (stage / "log.jsonl").read_text().splitlines())
                 if "eval_pairwise_accuracy" in r]
    options = {k: v for k, v in vars(args).items() if k not in ("data_dir", "output_dir")}
    results = {"run_dir": str(run_dir), **counts, "steps": metrics["steps"], "options": options,
               "train_runtime_s": metrics["train_runtime_s"], "wall_s": round(wall, 1),
               "held_out_accuracy": metrics.get("pairwise_accuracy"),
               "accuracy_before": metrics.get("pairwise_accuracy_before"), "curve": curve,
               "train_pairs_read": metrics.get("train_pairs"), "head_l2": metrics.get("head_l2"),
               "subsets": {subset: subset_scores(stage / "model", out / f"eval_{subset}.jsonl", args.max_length)
                           for subset in args.subsets}}
    (run_dir / "hh_reward_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(("SELECTION pairs (from the training part), not the held-out ones\n" if args.select else "") +
          f"reward model on {args.model} ({args.adapter}; pooling {args.pooling}, context_messages "
          f"{args.context_messages}, dropout {args.dropout}, max_length {args.max_length}, lr {args.learning_rate}, "
          f"batch {args.batch_size}), {metrics['steps']} steps in "
          f"{metrics['train_runtime_s']:.0f} s of training; wall {wall:.0f} s" +
          (f"; frozen backbone: head fitted on {metrics['train_pairs']} of {metrics['train_pairs_available']} pairs, "
           f"L2 {metrics['head_l2']:g}" if args.freeze_backbone else ""))
    print(f"{'subset':<10}{'pairs':>6}{'reward model':>28}{'longer answer':>28}")
    for subset, s in results["subsets"].items():
        low, high = s["interval"]
        l_low, l_high = s["longer_answer_interval"]
        print(f"{subset:<10}{s['pairs']:>6}{s['accuracy']:>10.3f} [{low:.3f}-{high:.3f}]"
              f"{s['longer_answer']:>12.3f} [{l_low:.3f}-{l_high:.3f}]")
    start = "" if results["accuracy_before"] is None else f"0 min {results['accuracy_before']:.3f}, "
    print("accuracy against training time: " + start +
          "".join(f"{p['minutes']} min {p['accuracy']:.3f}, " for p in curve) +
          f"{metrics['train_runtime_s'] / 60:.1f} min {results['held_out_accuracy']:.3f} (the end; the stage's "
          f"{args.curve_pairs or scored} pairs)")
    print(f"results: {run_dir / 'hh_reward_results.json'}")


if __name__ == "__main__":
    main()
