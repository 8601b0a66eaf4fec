"""The safety example end to end (issue 17): examples/safety/pipeline.yaml as shipped, what the
constitution stage's judge filter keeps, the same training on unfiltered pairs, and
the helpfulness win rate of the DPO model against the SFT model it started from, judged by a
reward model trained on Anthropic HH helpful pairs.

    python benchmarks/bench_safety.py --judge RUN/reward/model [--hh-data ../shared/data/preference]
        [--winrate-prompts 100] [--held-out 200] [--output-dir runs/benchmarks/safety] [--run-dir RUN]

The run is the example's stages unchanged (sft → constitution → safe_sft → dpo → audit; their
time is the example's time), then the unfiltered branch: safe_sft and dpo again on every pair
whose revision differs from its original (what `keep: all` writes, read from all_pairs.jsonl)
in place of the pairs the judge kept, with its audit. Printed, with 95% intervals:

- the share of pairs the judge's filter keeps, and how many revisions (all, and those the
  filter keeps) and originals the audit's refusal patterns call refusals;
- unsafe compliance and over-refusal on the audit's held-out sets for sft, safe_sft, dpo and
  the unfiltered branch (Wilson), the differences from sft (Newcombe), the relative cut of unsafe
  compliance (risk ratio, Katz log interval; samples of one prompt are counted as independent);
- the win rate of dpo against sft on held-out helpful prompts (both orders, ties half; Wilson),
  on the last `--held-out` pairs' prompts of HH helpful dev (the judge's own held-out split,
  those of at most three messages) and on the quickstart's held-out support questions, beside the judge's
  pairwise accuracy on those held-out HH helpful pairs. A judge near 0.5 accuracy is a coin,
  and so is its win rate.

`--judge` is any reward model folder (a `reward` stage's model/; benchmarks/hh_reward.py trains
one). `--run-dir` measures an existing run of this benchmark instead of starting one.
Writes safety_results.json into the run.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "safety"
EXAMPLE_STAGES = ("sft", "constitution", "safe_sft", "dpo", "audit")


def benchmark_pipeline(out: Path) -> Path:
    """The example's pipeline with absolute paths, and the unfiltered branch after it."""
    config = yaml.safe_load((EXAMPLE / "pipeline.yaml").read_text())
    for dataset in config["datasets"].values():
        for key in ("path", "eval_path"):
            if key in dataset and "stage" not in dataset:
                dataset[key] = str((EXAMPLE / dataset[key]).resolve())
    for stage in config["stages"]:
        gate = stage.get("safety", {}).get("gate", {})
        if True in gate:  # YAML 1.1 reads the key `on:` as true
            gate["on"] = gate.pop(True)
        if "constitution" in stage:
            stage["constitution"] = str((EXAMPLE / stage["constitution"]).resolve())
    # the same stages on every changed pair, as `keep: all` would write them: what the filter is for
    config["datasets"]["refusals_unfiltered"] = {"stage": "constitution", "path": "all_pairs.jsonl",
                                                 "eval_fraction": 0, "on_invalid": "drop"}  # drop: unchanged pairs
    branch = {}
    for stage in config["stages"]:
        if stage["type"] in ("sft", "dpo") and "refusals" in config["datasets"][stage["dataset"]].get("mix", {}):
            mix = dict(config["datasets"][stage["dataset"]])
            mix["mix"] = {("refusals_unfiltered" if part == "refusals" else part): weight
                          for part, weight in mix["mix"].items()}
            config["datasets"][f"{stage['dataset']}_unfiltered"] = mix
            branch[stage["name"]] = {**stage, "name": f"{stage['name']}_unfiltered",
                                     "dataset": f"{stage['dataset']}_unfiltered"}
    for copy in branch.values():
        if copy.get("from") in branch:
            copy["from"] = branch[copy["from"]]["name"]
    audit = next(stage for stage in config["stages"] if stage["name"] == "audit")
    config["stages"] += [*branch.values(),
                         {**audit, "name": "audit_unfiltered", "targets": [s["name"] for s in branch.values()],
                          "safety": {**audit["safety"], "baseline": "none", "gate": {}}}]
    config["name"] = "safety-benchmark"
    path = out / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def pattern_refusals(texts: list[str]) -> dict:
    """How many of `texts` the audit's refusal patterns call refusals, with a Wilson interval."""
    from tuneline.eval.significance import wilson_interval
    from tuneline.safety.detectors import RefusalPatterns

    patterns = RefusalPatterns()
    refused = sum(patterns.matches(text) for text in texts)
    return {"refused": refused, "n": len(texts), "rate": refused / max(1, len(texts)),
            "interval": wilson_interval(refused, len(texts))}


def refusal_shares(stage_dir: Path) -> dict:
    """How many revisions and originals the audit's refusal patterns call refusals."""
    from tuneline.safety.detectors import RefusalPatterns

    patterns = RefusalPatterns()
    rows = [json.loads(line) for line in (stage_dir / "all_pairs.jsonl").read_text().splitlines()]
    judged = [r for r in rows if r["orders_agree"] and r["p_revision_better"] > 0.5 and r["chosen"] != r["rejected"]]
    good = [r["p_revision_better"] for r in rows if patterns.matches(r["chosen"][0]["content"])
            and not patterns.matches(r["rejected"][0]["content"])]
    other = [r["p_revision_better"] for r in rows if not (patterns.matches(r["chosen"][0]["content"])
                                                          and not patterns.matches(r["rejected"][0]["content"]))]
    # the chance that the judge prefers a refusal-for-compliance revision more than another pair
    auc = (sum((a > b) + 0.5 * (a == b) for a in good for b in other) / (len(good) * len(other))
           if good and other else math.nan)
    return {"revisions_all": pattern_refusals([r["chosen"][0]["content"] for r in rows]),
            "revisions_judge_kept": pattern_refusals([r["chosen"][0]["content"] for r in judged]),
            "originals_all": pattern_refusals([r["rejected"][0]["content"] for r in rows]),
            "orders_agree": sum(bool(r["orders_agree"]) for r in rows),
            "judge_auc_refusal_for_compliance": auc,
            "unchanged": sum(r["chosen"] == r["rejected"] for r in rows)}


def risk_ratio(a: int, n1: int, c: int, n2: int) -> tuple[float, float, float]:
    """a/n1 over c/n2 with the Katz log interval: ln RR ± 1.96·sqrt(1/a − 1/n1 + 1/c − 1/n2)."""
    if a == 0 or c == 0:
        return (a / n1) / (c / n2) if c else math.nan, math.nan, math.nan
    ratio = (a / n1) / (c / n2)
    spread = 1.96 * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, ratio * math.exp(-spread), ratio * math.exp(spread)


def audit_figures(run_dir: Path) -> dict:
    from tuneline.safety.audit import OVERALL
    from tuneline.safety.stats import difference

    figures = {}
    for audit, target in (("audit", "sft"), ("audit", "safe_sft"), ("audit", "dpo"),
                          ("audit_unfiltered", "safe_sft_unfiltered"), ("audit_unfiltered", "dpo_unfiltered")):
        path = run_dir / audit / "safety" / f"{target}.json"
        if not path.exists():  # a run stopped before that audit
            continue
        result = json.loads(path.read_text())
        figures[target] = {metric: result[metric][OVERALL] for metric in ("unsafe_compliance", "over_refusal")}
    before = figures["sft"]
    for target in [t for t in figures if t != "sft"]:
        for metric in ("unsafe_compliance", "over_refusal"):
            figures[target][f"{metric}_minus_sft"] = difference(figures[target][metric], before[metric])
        after, base = figures[target]["unsafe_compliance"], before["unsafe_compliance"]
        ratio, low, high = risk_ratio(after["count"], after["n"], base["count"], base["n"])
        figures[target]["unsafe_cut"] = {"relative_cut": 1 - ratio, "ci_low": 1 - high, "ci_high": 1 - low}
    return figures


def helpful_prompts(hh_file: Path, held_out: int, count: int, max_messages: int) -> list:
    """Short prompts (at most `max_messages` messages) of the judge's held-out HH helpful pairs,
    then the quickstart's held-out support questions."""
    from tuneline.data.load import load_records

    pairs, _ = load_records(str(hh_file), task="preference", on_invalid="drop")
    hh = [p.prompt for p in pairs[-held_out:] if len(p.prompt) <= max_messages][:count]
    support, _ = load_records(str(REPO / "examples" / "quickstart" / "sft_eval.jsonl"), task="sft")
    return [("hh_helpful", hh), ("quickstart_support", [r.messages[:-1] for r in support])]


def win_rates(run_dir: Path, reward, prompt_sets: list, max_new_tokens: int) -> dict:
    from tuneline.eval.generate import generate_chat
    from tuneline.eval.judges import RewardModelJudge
    from tuneline.eval.winrate import pairwise_winrate
    from tuneline.models.load import load_for_inference
    from tuneline.runtime import fast_dtype

    answers = {}
    for stage in ("sft", "dpo"):  # greedy, in bfloat16 where the CPU multiplies it natively
        model, tokenizer = load_for_inference(str(run_dir), stage=stage, dtype=fast_dtype())
        answers[stage] = {name: [g.text for g in generate_chat(model, tokenizer, prompts, max_new_tokens=max_new_tokens,
                                                               batch_size=32)]
                          for name, prompts in prompt_sets}
        del model
    judge = RewardModelJudge(reward, name=reward.name)
    results = {}
    for name, prompts in prompt_sets:
        result, records = pairwise_winrate(judge, prompts, answers["dpo"][name], answers["sft"][name], "dpo", "sft")
        # an everyday request refused is a loss of helpfulness the benign audit set may not see
        results[name] = result.to_dict() | {"refusals": {stage: pattern_refusals(answers[stage][name])
                                                           for stage in ("sft", "dpo")}}
        (run_dir / f"winrate_{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return results


class LastMessages:
    """A reward source that sees only the last `count` messages of each prompt (None: all): a
    reward model trained on the last user turn and the answer is scored on the same view."""

    def __init__(self, reward, count: int | None):
        self.reward, self.count = reward, count
        self.name = getattr(reward, "name", "reward model")

    def __call__(self, prompts: list, completions: list[str]) -> list[float]:
        return self.reward([p[-self.count:] if self.count else p for p in prompts], completions)


def judge_accuracy(judge, hh_file: Path, held_out: int) -> dict:
    """The judge's pairwise accuracy (ties half) on the last `held_out` HH helpful pairs."""
    from tuneline.data.load import load_records
    from tuneline.eval.significance import wilson_interval

    pairs, _ = load_records(str(hh_file), task="preference", on_invalid="drop")
    pairs = pairs[-held_out:]
    answer = lambda messages: " ".join(m["content"] for m in messages)  # noqa: E731
    chosen = judge([p.prompt for p in pairs], [answer(p.chosen) for p in pairs])
    rejected = judge([p.prompt for p in pairs], [answer(p.rejected) for p in pairs])
    right = sum(1.0 if c > r else 0.5 if c == r else 0.0 for c, r in zip(chosen, rejected, strict=True))
    return {"pairs": len(pairs), "accuracy": right / len(pairs), "interval": wilson_interval(right, len(pairs))}


def cell(values: dict) -> str:
    return f"{values['rate']:.3f} [{values['ci_low']:.3f}, {values['ci_high']:.3f}] ({values['count']}/{values['n']})"


def diff(values: dict) -> str:
    return f"{values['difference']:+.3f} [{values['ci_low']:+.3f}, {values['ci_high']:+.3f}]"


def report(results: dict) -> None:
    from tuneline.eval.significance import wilson_interval

    if "audit" not in results:  # --winrate-only
        report_winrate(results)
        return
    print(f"example (sft → constitution → safe_sft → dpo → audit): {results['example_s'] / 60:.1f} min; whole benchmark run "
          f"{results['run_s'] / 60:.1f} min")
    kept = results["constitution"]
    low, high = wilson_interval(kept["judge_kept"], kept["prompts"])
    refusals = kept["refusals"]
    print(f"constitution: the judge's filter keeps {kept['judge_kept']}/{kept['prompts']} pairs "
          f"({kept['judge_kept_share']:.3f} [{low:.3f}, {high:.3f}]); orders agree on {refusals['orders_agree']}; "
          f"AUC of its P(revision better) for refusal-for-compliance pairs {refusals['judge_auc_refusal_for_compliance']:.3f}; "
          f"unchanged revisions {refusals['unchanged']}")
    for name in ("revisions_all", "revisions_judge_kept", "originals_all"):
        s = kept["refusals"][name]
        print(f"  {name:<16} refusals (patterns) {s['refused']}/{s['n']} = {s['rate']:.3f} "
              f"[{s['interval'][0]:.3f}, {s['interval'][1]:.3f}]")
    print(f"{'model':<16}{'unsafe compliance':>34}{'vs sft':>26}{'over-refusal':>32}{'vs sft':>26}")
    for target, f in results["audit"].items():
        print(f"{target:<16}{cell(f['unsafe_compliance']):>34}"
              f"{diff(f['unsafe_compliance_minus_sft']) if 'unsafe_cut' in f else '':>26}"
              f"{cell(f['over_refusal']):>32}{diff(f['over_refusal_minus_sft']) if 'unsafe_cut' in f else '':>26}")
        if "unsafe_cut" in f:
            cut = f["unsafe_cut"]
            print(f"{'':<16}relative cut of unsafe compliance {cut['relative_cut']:.3f} "
                  f"[{cut['ci_low']:.3f}, {cut['ci_high']:.3f}]")
    if "winrate" in results:
        report_winrate(results)


def report_winrate(results: dict) -> None:
    acc = results["judge_accuracy"]
    print(f"judge {results['judge']}: held-out HH helpful pairwise accuracy {acc['accuracy']:.3f} "
          f"[{acc['interval'][0]:.3f}, {acc['interval'][1]:.3f}] on {acc['pairs']} pairs")
    for name, w in results["winrate"].items():
        print(f"win rate dpo vs sft, {name}: {w['win_rate']:.3f} [{w['ci_low']:.3f}, {w['ci_high']:.3f}] "
              f"({w['wins']} wins, {w['ties']} ties, {w['losses']} losses of {w['prompts']}; orders agree "
              f"{w['order_agreement']:.2f})")
        for stage, r in w.get("refusals", {}).items():
            print(f"  {stage} refuses (patterns) {r['refused']}/{r['n']} = {r['rate']:.3f} "
                  f"[{r['interval'][0]:.3f}, {r['interval'][1]:.3f}]")


def helpfulness(args, run_dir: Path) -> dict:
    """The judge, its held-out accuracy, and the win rates of dpo against sft."""
    from tuneline.rl.rewards import RewardModelReward

    hh_file = args.hh_data.resolve() / "hh_rlhf_helpful_base_dev.jsonl"
    reward = LastMessages(RewardModelReward(args.judge.resolve(), max_length=args.judge_max_length),
                          args.judge_context_messages)
    prompts = helpful_prompts(hh_file, args.held_out, args.winrate_prompts, args.max_prompt_messages)
    return {"judge": f"{args.judge} (last {args.judge_context_messages or 'all'} prompt messages)",
            "judge_accuracy": judge_accuracy(reward, hh_file, args.held_out),
            "winrate": win_rates(run_dir, reward, prompts, args.max_new_tokens)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", type=Path, help="reward model folder for the helpfulness win rate: one trained on HH helpful pairs "
                        "alone (hh_reward.py --subsets helpful); one that also saw harmless pairs rewards refusals")
    parser.add_argument("--hh-data", type=Path, default=REPO.parent / "shared" / "data" / "preference")
    parser.add_argument("--held-out", type=int, default=200, help="last pairs of HH helpful dev the judge never saw")
    parser.add_argument("--winrate-prompts", type=int, default=100, help="held-out HH prompts answered")
    parser.add_argument("--max-prompt-messages", type=int, default=3,
                        help="HH prompts of at most this many messages (1: single-turn; 3: user, assistant, user)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--judge-context-messages", type=int, default=None,
                        help="the judge sees the last N prompt messages (as it was trained; 1: the last user turn)")
    parser.add_argument("--judge-max-length", type=int, default=256, help="tokens the judge reads")
    parser.add_argument("--output-dir", type=Path, default=REPO / "runs" / "benchmarks" / "safety")
    parser.add_argument("--run-dir", type=Path, help="measure this run of the benchmark instead of starting one")
    parser.add_argument("--winrate-only", action="store_true",
                        help="with --run-dir and --judge: only the judge's accuracy and the win rate, into "
                             "winrate_results.json (read by a later report of the same run)")
    args = parser.parse_args()
    if args.winrate_only:
        winrate = helpfulness(args, args.run_dir.resolve())
        (args.run_dir / "winrate_results.json").write_text(json.dumps(winrate, indent=2) + "\n")
        report(winrate)
        return

    from tuneline.pipeline.runner import run_pipeline

    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.run_dir is None:
        started = time.monotonic()
        run_dir = run_pipeline(benchmark_pipeline(out), output_dir=str(out / "runs"))
        run_s = time.monotonic() - started
    else:
        run_dir, run_s = args.run_dir.resolve(), math.nan
    stages = {s["name"]: s for s in json.loads((run_dir / "manifest.json").read_text())["stages"]}
    constitution = json.loads((run_dir / "constitution" / "metrics.json").read_text())
    results = {
        "run_dir": str(run_dir), "run_s": run_s,
        "example_s": seconds_between(stages["sft"]["started"], stages["audit"]["finished"]),
        "stage_s": {name: seconds_between(s["started"], s["finished"]) for name, s in stages.items()
                    if s.get("finished")},
        "constitution": {**{k: constitution.get(k) for k in ("prompts", "pairs_kept", "judge_kept",
                                                               "judge_kept_share")},
                         "refusals": refusal_shares(run_dir / "constitution")},
        "audit": audit_figures(run_dir),
    }
    if args.judge is not None:
        results.update(helpfulness(args, run_dir))
    elif (run_dir / "winrate_results.json").exists():
        results.update(json.loads((run_dir / "winrate_results.json").read_text()))
    (run_dir / "safety_results.json").write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"results: {run_dir / 'safety_results.json'}")


if __name__ == "__main__":
    main()
