"""`tuneline audit`: red-team and over-refusal audit of a run, stage, model or endpoint."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from tuneline.cli.options import add_stage_option, add_threads_option, use_threads


def register(subparsers) -> None:
    audit = subparsers.add_parser(
        "audit", help="safety audit: unsafe compliance and over-refusal, with intervals",
        description="Answer the red-team and benign prompt sets (k samples each), detect refusals, and print the "
                    "unsafe-compliance and over-refusal rates per category with Wilson 95%% intervals; with "
                    "--baseline, the differences with Newcombe 95%% intervals. Writes JSON and markdown "
                    "(docs/safety.md).")
    audit.add_argument("target", nargs="?", help="run directory, stage folder, adapter/model folder or model "
                                                 "reference (builtin:NAME); omit with --base-url")
    add_stage_option(audit, "policy")
    audit.add_argument("--base-url", help="audit an OpenAI-compatible endpoint instead (e.g. http://localhost:8000/v1)")
    audit.add_argument("--endpoint-model", default="auto", help="with --base-url: the model name to ask for")
    audit.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    audit.add_argument("--prompts", nargs="+", default=["redteam", "benign"], metavar="SET",
                       help="shipped sets (redteam, benign, everyday: ordinary requests, for a model after "
                            "refusal training) or prompt files (default: redteam benign)")
    audit.add_argument("--kind", choices=["harmful", "benign"],
                       help="kind of the prompts in files whose rows name none (e.g. HH harmless prompts: harmful)")
    audit.add_argument("--categories", nargs="+", metavar="CATEGORY",
                       help="only these categories (a set without categories, like everyday, is kept whole)")
    audit.add_argument("--k", type=int, default=2, help="samples per prompt (default 2)")
    audit.add_argument("--max-new-tokens", type=int, default=64)
    audit.add_argument("--temperature", type=float, default=0.7)
    audit.add_argument("--batch-size", type=int, default=32, help="answers generated together (default 32)")
    audit.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"],
                       help="weight dtype of a local model; auto: bfloat16 where the CPU has AVX-512 BF16 or AMX "
                            "(or a bf16 GPU), else float32")
    add_threads_option(audit)
    audit.add_argument("--seed", type=int, default=0)
    audit.add_argument("--baseline", help="model, run or stage to compare with (e.g. the base model)")
    audit.add_argument("--refusal-detector", default="patterns", choices=["patterns", "embedding", "judge", "any"])
    audit.add_argument("--unsafe-detector", default="none", choices=["none", "embedding", "judge", "reward"])
    audit.add_argument("--judge", metavar="MODEL", help="local judge model (reference or folder) for the judge "
                                                        "detector")
    audit.add_argument("--judge-base-url", help="OpenAI-compatible endpoint of the judge instead")
    audit.add_argument("--judge-model", default="auto", help="with --judge-base-url: the judge's model name")
    audit.add_argument("--reward-model", help="reward stage or folder for --unsafe-detector reward")
    audit.add_argument("--skip-detector-check", action="store_true",
                       help="do not measure the detectors on the held-out labelled answers (faster)")
    audit.add_argument("--output", help="output folder (default: the stage folder's safety/ for a run or stage, "
                                        "else audit/<target>-<time>)")
    audit.set_defaults(handler=_audit)


def _output_dir(args: argparse.Namespace, name: str) -> Path:
    if args.output:
        return Path(args.output)
    if args.target and Path(args.target).is_dir() and not args.base_url:
        from tuneline.models.artifacts import stage_folder

        folder = Path(stage_folder(args.target, "policy", args.stage))
        return (folder.parent if folder.name in ("adapter", "model") else folder) / "safety"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return Path("audit") / f"{safe}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _detectors(args: argparse.Namespace):
    from tuneline.safety.run import DetectorChoice

    choice = DetectorChoice(args.refusal_detector, args.unsafe_detector)
    if args.judge_base_url:
        from tuneline.eval.judges import openai_chat_generator

        choice.judge_generate = openai_chat_generator(args.judge_model, args.judge_base_url,
                                                      os.environ.get(args.api_key_env), max_tokens=3)
        choice.judge_name, choice.judge_setting = f"judge:{args.judge_base_url}", "--judge-base-url"
    elif args.judge:
        from tuneline.models.load import load_for_inference

        choice.judge_local = load_for_inference(args.judge)
        choice.judge_name = f"judge:{args.judge}"
    if args.reward_model:
        from tuneline.rl.rewards import RewardModelReward

        choice.reward = RewardModelReward(args.reward_model)
    return choice


def _answers(args: argparse.Namespace, reference: str | None, prompts, sampling):
    from tuneline.safety.answers import answer_with_endpoint, answer_with_model

    if reference is None:
        return answer_with_endpoint(args.base_url, args.endpoint_model, prompts, sampling,
                                    os.environ.get(args.api_key_env))
    return answer_with_model(reference, prompts, sampling, dtype=args.dtype, stage=args.stage)


def _audit(args: argparse.Namespace) -> int:
    from tuneline.errors import UserError
    from tuneline.safety.answers import Sampling
    from tuneline.safety.audit import rate_table
    from tuneline.safety.prompts import load_prompts
    from tuneline.safety.run import audit, with_baseline, write_audit

    if bool(args.target) == bool(args.base_url):
        raise UserError("give either a TARGET or --base-url", fix="e.g. tuneline audit builtin:smollm2-135m-instruct, "
                                                                  "or tuneline audit --base-url http://localhost:8000/v1")
    if args.k < 1:
        raise UserError(f"--k is {args.k}", fix="ask for at least 1 sample per prompt")
    prompts = [p for name in args.prompts for p in load_prompts(name, args.kind, args.categories)]
    use_threads(args)
    detectors = _detectors(args)
    detectors.refusal_detector(), detectors.unsafe_detector()  # a detector that cannot be built fails before generating
    sampling = Sampling(k=args.k, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                        batch_size=args.batch_size, seed=args.seed)
    name = args.target or f"{args.endpoint_model}@{args.base_url}"
    result = audit(name, prompts, _answers(args, args.target, prompts, sampling), detectors, args.k)
    if args.baseline:
        baseline = audit(args.baseline, prompts, _answers(args, args.baseline, prompts, sampling), detectors, args.k)
        result = with_baseline(result, baseline)
    quality = None if args.skip_detector_check else detectors.quality()
    out_dir = _output_dir(args, name)
    json_path, md_path = write_audit(out_dir, result, quality)
    for metric, title in (("unsafe_compliance", "unsafe compliance"), ("over_refusal", "over-refusal")):
        if metric in result:
            print(f"\n{title} of {name} ({args.k} samples per prompt)")
            print("\n".join(rate_table(result, metric, title)))
    if quality:
        print("\ndetectors on the held-out labelled answers (precision / recall):")
    for question, measured in (quality or {}).items():
        for detector, m in measured["detectors"].items():
            print(f"  {question:8s} {detector:22s} {m['precision']:.3f} / {m['recall']:.3f}  (n={m['n']})")
        for pair, agreement in measured["agreement"].items():
            print(f"  {question:8s} {pair} agree on {agreement['share']:.3f} (kappa {agreement['kappa']:.3f})")
    print(f"\nwritten: {json_path} and {md_path}")
    return 0
