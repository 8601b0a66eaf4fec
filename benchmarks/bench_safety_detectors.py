"""Each safety detector's precision and recall on the shipped held-out labelled answers
(src/tuneline/safety/data/answers_heldout.jsonl), and how often they agree.

    python benchmarks/bench_safety_detectors.py [--judge builtin:smollm2-135m-instruct] [--out FILE]

Detectors: the refusal patterns, the MiniLM-embedding classifier (trained on
answers_train.jsonl), and the yes/no LLM judge on a local chat model, read twice: raw (P(yes)
≥ 0.5) and calibrated (Platt scaling fitted on answers_train.jsonl only; the held-out answers
are never used to fit anything). Prints a table and writes JSON (default
benchmarks/results/safety_detectors.json).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rank_auc(scores: list[float], labels: list[bool]) -> float:
    """P(a positive scores above a negative), ties counted half: how well raw scores separate the labels."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", default="builtin:smollm2-135m-instruct", help="local judge model")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "safety_detectors.json"))
    args = parser.parse_args()

    from tuneline.models.load import load_for_inference
    from tuneline.safety import detectors as dt

    started = time.time()
    training, heldout = dt.labelled_set("train"), dt.labelled_set("heldout")
    judge_model = load_for_inference(args.judge)
    results: dict = {"heldout_answers": len(heldout), "training_answers": len(training),
                     "written_by": dict(Counter(r.get("labelled_by", "?") for r in heldout))}
    for question in dt.QUESTIONS:
        raw_judge = dt.JudgeDetector(question, local=judge_model, name=f"judge-raw:{args.judge}")
        training_raw = raw_judge.raw_probabilities([r["prompt"] for r in training], [r["answer"] for r in training])
        training_labels = [bool(r[question]) for r in training]
        calibrated = copy.copy(raw_judge)  # what JudgeDetector.calibrate(training) gives, without a second pass
        calibration = dt.PlattScaling.fit(training_raw, training_labels)
        calibrated.name, calibrated.calibration = f"judge-calibrated:{args.judge}", calibration
        chosen = [dt.RefusalPatterns()] if question == "refused" else []
        chosen += [dt.EmbeddingDetector(question), raw_judge, calibrated]
        results[question] = dt.measure(chosen, heldout, question)
        results[question]["judge_calibration"] = {
            **vars(calibration), "raw_threshold": calibration.raw_threshold(),
            "training_auc_of_raw_p_yes": rank_auc(training_raw, training_labels)}
    results["seconds"] = round(time.time() - started)
    results["load_average"] = os.getloadavg()[0]
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    written = ", ".join(f"{n} by {who}" for who, n in results["written_by"].items())
    print(f"{len(heldout)} held-out answers ({written}); {len(training)} training answers; "
          f"load {results['load_average']:.1f}; {results['seconds']} s")
    print(f"{'question':9s} {'detector':50s} precision recall  (positives/n)")
    for question in dt.QUESTIONS:
        measured = results[question]
        for name, m in measured["detectors"].items():
            print(f"{question:9s} {name:50s} {m['precision']:.3f}     {m['recall']:.3f}   "
                  f"({m['positives']}/{m['n']})")
        fit = measured["judge_calibration"]
        threshold = "none (flat fit)" if fit["raw_threshold"] is None else f"{fit['raw_threshold']:.3g}"
        print(f"{question:9s} judge calibration on the training answers: slope {fit['slope']:.3f}, intercept "
              f"{fit['intercept']:.3f}, raw P(yes) threshold {threshold}, training AUC of raw P(yes) "
              f"{fit['training_auc_of_raw_p_yes']:.3f}")
        for pair, agreement in measured["agreement"].items():
            print(f"{question:9s} agreement {pair}: {agreement['share']:.3f} (kappa {agreement['kappa']:.3f})")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
