"""Each safety detector's precision and recall on the shipped held-out labelled answers
(src/tuneline/safety/data/answers_heldout.jsonl), and how often they agree.

    python benchmarks/bench_safety_detectors.py [--judge builtin:smollm2-135m-instruct] [--out FILE]

Detectors: the refusal patterns, the MiniLM-embedding classifier (trained on
answers_train.jsonl), and the yes/no LLM judge on a local chat model. Prints a table and
writes JSON (default benchmarks/results/safety_detectors.json).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", default="builtin:smollm2-135m-instruct", help="local judge model")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "safety_detectors.json"))
    args = parser.parse_args()

    from tuneline.models.load import load_for_inference
    from tuneline.safety import detectors as dt

    started = time.time()
    heldout = dt.labelled_set("heldout")
    judge = load_for_inference(args.judge)
    results = {}
    for question in dt.QUESTIONS:
        chosen = [dt.RefusalPatterns()] if question == "refused" else []
        chosen += [dt.EmbeddingDetector(question), dt.JudgeDetector(question, local=judge, name=f"judge:{args.judge}")]
        results[question] = dt.measure(chosen, heldout, question)
    print(f"{len(heldout)} held-out answers; load {os.getloadavg()[0]:.1f}; {time.time() - started:.0f} s")
    print(f"{'question':9s} {'detector':40s} precision recall")
    for question, measured in results.items():
        for name, m in measured["detectors"].items():
            print(f"{question:9s} {name:40s} {m['precision']:.3f}     {m['recall']:.3f}")
        for pair, agreement in measured["agreement"].items():
            print(f"{question:9s} agreement {pair}: {agreement['share']:.3f} (kappa {agreement['kappa']:.3f})")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
