"""`tuneline feedback agreement`: how often a judge agrees with human preference labels."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from tuneline.config.references import CHAT_MODEL


def register(subparsers) -> None:
    feedback = subparsers.add_parser("feedback", help="AI feedback tools: measure a judge against human labels",
                                     description="Tools around AI feedback (docs/feedback.md).")
    sub = feedback.add_subparsers(dest="feedback_command", metavar="COMMAND", required=True)
    agreement = sub.add_parser(
        "agreement", help="a judge's pairwise accuracy on human-labelled preference pairs",
        description="Let a judge compare the chosen and the rejected answer of each labelled pair in both orders "
                    "under the constitution's principles, and print how often it prefers the chosen one (Wilson "
                    "95%% interval), beside the longer-answer rule on the same pairs. Pairs: any preference file "
                    "tuneline reads (prompt/chosen/rejected, Anthropic HH transcripts, ...).")
    agreement.add_argument("pairs", help="preference file (JSONL/CSV/Parquet; HH transcripts too)")
    agreement.add_argument("--judge", default=CHAT_MODEL, metavar="MODEL",
                           help=f"local judge: model reference or folder (default {CHAT_MODEL})")
    agreement.add_argument("--base-url", help="judge behind an OpenAI-compatible endpoint instead "
                                              "(e.g. http://localhost:8000/v1)")
    agreement.add_argument("--endpoint-model", default="auto", help="with --base-url: the model name to ask for")
    agreement.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    agreement.add_argument("--timeout", type=float, default=60.0, help="with --base-url: seconds per reply")
    agreement.add_argument("--constitution", default="default", help="YAML file with principles (default: the one "
                                                                     "tuneline ships)")
    agreement.add_argument("--principles", nargs="+", metavar="NAME",
                           help="only these principles of the constitution (default: all; each costs two "
                                "comparisons per pair)")
    agreement.add_argument("--limit", type=int, help="the first N pairs only")
    agreement.add_argument("--on-invalid", default="error", choices=["error", "drop", "warn"],
                           help="a malformed pair (e.g. an empty turn, as in a few HH transcripts): stop with its "
                                "line (error), leave it out and count it (drop), or leave it out and say so (warn)")
    agreement.add_argument("--batch-size", type=int, default=8, help="local judge: comparisons scored together")
    agreement.add_argument("--output", help="also write the figures as JSON here")
    agreement.set_defaults(handler=_agreement)


def _agreement(args: argparse.Namespace) -> int:
    from tuneline.data.load import load_records
    from tuneline.errors import ConfigError
    from tuneline.feedback.agreement import judge_agreement
    from tuneline.feedback.constitution import load_constitution
    from tuneline.feedback.judge import endpoint_pair_judge, local_pair_judge
    from tuneline.io import atomic_write_text
    from tuneline.progress import info, status

    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1", where="--limit", fix="give a positive number of pairs")
    principles = load_constitution(args.constitution).principles
    if args.principles:
        known = {p.name: p for p in principles}
        unknown = [name for name in args.principles if name not in known]
        if unknown:
            raise ConfigError(f"no principle named {', '.join(unknown)} in the constitution", where="--principles",
                              fix=f"choose among: {', '.join(known)}")
        principles = [known[name] for name in args.principles]
    pairs, report = load_records(args.pairs, task="preference", limit=args.limit, on_invalid=args.on_invalid)
    if report.dropped:
        info(f"left out {sum(report.dropped.values())} malformed pairs of {report.rows_read} read "
             f"({', '.join(f'{reason}: {count}' for reason, count in report.dropped.items())})")
    if args.base_url:
        from tuneline.eval.judges import openai_chat_generator, openai_first_token_logprobs

        key = os.environ.get(args.api_key_env)
        generate = openai_chat_generator(args.endpoint_model, args.base_url, key, max_tokens=4, timeout_s=args.timeout)
        first_tokens = openai_first_token_logprobs(args.endpoint_model, args.base_url, key, timeout_s=args.timeout)
        judge = endpoint_pair_judge(generate, name=f"openai:{args.endpoint_model}", first_tokens=first_tokens)
    else:
        from tuneline.models.load import load_for_inference

        with status(f"loading the judge {args.judge}"):
            model, tokenizer = load_for_inference(args.judge)
        judge = local_pair_judge(model, tokenizer, args.batch_size, name=args.judge)
    figures = judge_agreement(judge, pairs, principles)
    info(f"{figures['judge']} on {figures['judged']} of {figures['pairs']} pairs from {args.pairs} "
         f"(principles: {', '.join(figures['principles'])}; unreadable comparisons: "
         f"{figures['unreadable_comparisons']})")
    info(f"  agrees with the human label: {figures['accuracy']:.3f} [95% CI {figures['ci_low']:.3f}-"
         f"{figures['ci_high']:.3f}]; both orders agree with each other on {figures['orders_agree']:.3f}")
    info(f"  longer answer wins:          {figures['longer_answer_accuracy']:.3f} "
         f"[{figures['longer_answer_ci_low']:.3f}-{figures['longer_answer_ci_high']:.3f}]")
    if args.output:
        atomic_write_text(Path(args.output), json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    return 0
