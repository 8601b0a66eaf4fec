"""CLINC150 intent classification: fine-tuned builtin:minilm-l6 against the majority and
frozen-embedding baselines, scored on the in-scope intents of the validation file.

    python benchmarks/classify/clinc150.py [--data-dir ../shared/data/classification]
        [--max-time-minutes 10] [--output-dir runs/benchmarks]

Runs the `classify` stage through the ordinary pipeline runner, then reads the stage's
predictions.csv and reports accuracy on in-scope intents (rows whose true label is not
`oos`; an in-scope text predicted as `oos` counts as wrong), the usual CLINC150 figure.
Prints a table and writes clinc150_results.json into the run directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
OUT_OF_SCOPE = "oos"


def pipeline(data_dir: Path, max_time_minutes: float, pooling: str = "auto") -> dict:
    return {
        "name": "clinc150",
        "model": "builtin:minilm-l6",
        "adapter": {"type": "full"},
        "datasets": {"clinc150": {"path": str(data_dir / "clinc150_train.csv"),
                                  "eval_path": str(data_dir / "clinc150_val.csv")}},
        "stages": [{
            "type": "classify", "dataset": "clinc150",
            # CLINC utterances average 8 words: 32 tokens hold nearly all of them.
            # Small batches: more updates per example seen, which is what a short CPU budget needs.
            "max_length": 32, "batch_size": 16, "epochs": 2, "learning_rate": 1e-4,
            "head_learning_rate": 3e-3, "validation_fraction": 0.03, "eval_steps": 100,
            "early_stopping_patience": 3, "max_time_minutes": max_time_minutes, "logging_steps": 25,
            "pooling": pooling,
        }],
    }


def in_scope_accuracy(rows: list[dict], column: str) -> float:
    scoped = [row for row in rows if row["label"] != OUT_OF_SCOPE]
    return sum(row[column] == row["label"] for row in scoped) / len(scoped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "classification")
    parser.add_argument("--max-time-minutes", type=float, default=10.0)
    parser.add_argument("--output-dir", default=str(REPO / "runs" / "benchmarks"))
    parser.add_argument("--pooling", default="auto", choices=["auto", "mean", "cls"],
                        help="what the head reads (auto: mean for builtin:minilm-l6); cls is the old default")
    args = parser.parse_args()

    from tuneline.pipeline.runner import run_pipeline

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "clinc150.yaml"
    config_path.write_text(yaml.safe_dump(pipeline(args.data_dir.resolve(), args.max_time_minutes, args.pooling),
                                          sort_keys=False))
    started = time.monotonic()
    run_dir = run_pipeline(config_path, output_dir=str(out))
    wall = time.monotonic() - started
    stage = run_dir / "classify"
    metrics = json.loads((stage / "metrics.json").read_text())
    with open(stage / "predictions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    models = [name for name in ("fine_tuned", "majority", "frozen_embeddings", "label_names", "generative")
              if name in rows[0]]
    results = {
        "run_dir": str(run_dir),
        "in_scope_accuracy": {name: in_scope_accuracy(rows, name) for name in models},
        "all_accuracy": {"fine_tuned": metrics["accuracy"],
                         **{name: metrics.get(f"baseline_{name}_accuracy") for name in models[1:]}},
        "train_runtime_s": metrics["train_runtime_s"], "baseline_runtime_s": metrics["baseline_runtime_s"],
        "steps": metrics["steps"], "epochs": metrics["epochs"], "stopped_reason": metrics["stopped_reason"],
        "wall_s": round(wall, 1), "pooling": metrics.get("pooling"),
        "mcnemar_p_value": {name: metrics.get(f"vs_{name}_p_value") for name in models[1:]},
        "beats": {name: metrics.get(f"beats_{name}") for name in models[1:]},
    }
    (run_dir / "clinc150_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'model':<20}{'in-scope acc':>14}{'all acc':>10}   fine_tuned better (McNemar, all texts)")
    for name in models:
        versus = "" if name == "fine_tuned" else (f"   {'yes' if results['beats'][name] else 'no'}, "
                                                  f"p = {results['mcnemar_p_value'][name]:.3g}")
        print(f"{name:<20}{results['in_scope_accuracy'][name]:>14.4f}{results['all_accuracy'][name]:>10.4f}{versus}")
    print(f"pooling {metrics.get('pooling')}; training {metrics['train_runtime_s']} s ({metrics['steps']} steps, "
          f"{metrics['epochs']} epochs, "
          f"{metrics['stopped_reason']}); baselines {metrics['baseline_runtime_s']} s; wall {wall:.0f} s")
    print(f"results: {run_dir / 'clinc150_results.json'}")


if __name__ == "__main__":
    main()
