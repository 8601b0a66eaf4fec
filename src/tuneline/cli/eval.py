"""Evaluation and lineage commands: eval, compare, runs list/show, ui."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from tuneline.cli.options import add_stage_option
from tuneline.errors import ModelError

SUITE_CHOICES = ["loss", "preference", "winrate", "generate", "classification", "lm-eval"]


def register(subparsers) -> None:
    ev = subparsers.add_parser(
        "eval", help="evaluate a run, a stage artifact or a model",
        description="Run evaluation suites. On a run directory: the base and every trained stage, on the held-out "
                    "data of the run (like an eval stage). On a model or artifact: the data files given.")
    ev.add_argument("target", help="run directory, stage folder, adapter/model folder, or model reference")
    add_stage_option(ev, "policy stages and base; NAME: that stage against base")
    ev.add_argument("--suite", action="append", choices=SUITE_CHOICES, dest="suites",
                    help="suite to run (repeatable; default: loss, preference, winrate, generate)")
    ev.add_argument("--against", help="second model for the win rate (model or artifact; default for runs: base)")
    ev.add_argument("--data", help="conversations file for loss (and prompts, when --prompts is not given)")
    ev.add_argument("--preferences", help="preference pairs file for the preference suite")
    ev.add_argument("--prompts", help="prompts file for generate / winrate")
    ev.add_argument("--labeled", help="text/label file for the classification suite")
    ev.add_argument("--judge", help="reward:FOLDER, llm:MODEL (a local chat model) or openai:MODEL")
    ev.add_argument("--base-url", help="OpenAI-compatible endpoint for --judge openai:MODEL")
    ev.add_argument("--tasks", help="comma-separated lm-eval tasks (suite lm-eval)")
    ev.add_argument("--include-path", help="folder of local lm-eval task YAMLs")
    ev.add_argument("--limit", type=float, help="lm-eval: examples per task")
    ev.add_argument("--max-examples", type=int, default=200, help="held-out records per suite")
    ev.add_argument("--max-prompts", type=int, default=16, help="prompts answered per model")
    ev.add_argument("--max-new-tokens", type=int, default=128)
    ev.add_argument("--batch-size", type=int, default=8)
    ev.add_argument("--output", help="output folder for a model or artifact (default: eval/<target>-<time>); "
                                     "a run is evaluated into RUN/eval")
    ev.set_defaults(handler=_eval)

    compare = subparsers.add_parser("compare", help="one report with runs side by side",
                                    description="Write an HTML report that puts runs side by side: headline metrics, "
                                                "training curves on shared axes, and evaluations.")
    compare.add_argument("runs", nargs="+", help="run directories")
    compare.add_argument("-o", "--output", default="compare.html", help="report file (default: compare.html)")
    compare.set_defaults(handler=_compare)

    runs = subparsers.add_parser("runs", help="list runs and show their lineage",
                                 description="Read run directories: config, data hashes, versions, stage status, "
                                             "headline metrics.")
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="SUBCOMMAND")
    runs_list = runs_sub.add_parser("list", help="list runs", description="List the runs under a runs folder.")
    runs_list.add_argument("--output-dir", default="runs", help="the runs folder (default: runs)")
    runs_list.set_defaults(handler=_runs_list)
    runs_show = runs_sub.add_parser("show", help="show one run", description="Show a run's lineage and metrics.")
    runs_show.add_argument("run", help="run directory")
    runs_show.set_defaults(handler=_runs_show)
    runs.set_defaults(handler=_runs_list, output_dir="runs")

    ui = subparsers.add_parser("ui", help="open the MLflow UI on the local tracking store",
                               description="Start `mlflow ui` on runs/mlflow.db (the default local store).")
    ui.add_argument("--output-dir", default="runs", help="the runs folder holding mlflow.db (default: runs)")
    ui.add_argument("--port", type=int, default=5000)
    ui.add_argument("--host", default="127.0.0.1")
    ui.set_defaults(handler=_ui)


def _judge_factory(spec: str | None, base_url: str | None):
    import os

    from tuneline.errors import UserError
    from tuneline.eval import judges

    if not spec:
        return None, None
    kind, _, reference = spec.partition(":")
    if kind == "reward" and reference:
        from tuneline.rl.rewards import RewardModelReward

        source = RewardModelReward(reference)
        return (lambda: judges.RewardModelJudge(source, name=f"reward-model:{Path(reference).name}")), source
    if kind == "llm" and reference:
        def local():
            from tuneline.models.load import load_for_inference

            model, tokenizer = load_for_inference(reference)
            return judges.LLMJudge(judges.local_chat_generator(model, tokenizer), name=f"llm:{reference}")
        return local, None
    if kind == "openai" and reference:
        return (lambda: judges.LLMJudge(judges.openai_chat_generator(reference, base_url, os.environ.get(
            "OPENAI_API_KEY")), name=f"openai:{reference}")), None
    raise UserError(f"cannot read --judge '{spec}'", fix="use reward:FOLDER, llm:MODEL or openai:MODEL")


def _records(path: str | None, task: str, limit: int) -> list:
    if not path:
        return []
    from tuneline.data.load import load_records

    records, _ = load_records(path, task=task, limit=limit)
    return records


def _eval_run(args: argparse.Namespace, run_dir: Path, suites: list[str]) -> int:
    """Evaluate a run as an eval stage appended to it would."""
    from tuneline.eval.targets import trained_stages
    from tuneline.models.artifacts import pick_stage
    from tuneline.pipeline.context import StageContext
    from tuneline.pipeline.load import load_pipeline
    from tuneline.stages import eval as stage

    pipeline = load_pipeline(run_dir / "pipeline.yaml")
    options = {"suites": suites, "max_examples": args.max_examples, "max_prompts": args.max_prompts,
               "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size, "name": "eval"}
    if args.tasks:
        options["lm_eval"] = {"tasks": args.tasks.split(","), "include_path": args.include_path, "limit": args.limit}
    if args.judge:
        kind, _, reference = args.judge.partition(":")
        options["judge"] = {"reward": {"type": "reward_model", "reward_model": reference},
                            "llm": {"type": "llm", "model": reference},
                            "openai": {"type": "openai", "model": reference, "base_url": args.base_url}}.get(kind, {})
    final = trained_stages(run_dir, [s.name for s in pipeline.stages])
    if args.stage:
        final = [pick_stage(run_dir, "policy", args.stage).name]
        options["targets"] = ["base", *final]
    if args.against:
        options["winrate_pairs"] = [[final[-1] if final else "base", args.against]]
    config = stage.Config.model_validate(options)
    context = StageContext(pipeline=pipeline, stage=config, run_dir=run_dir)
    context.stage_dir.mkdir(parents=True, exist_ok=True)
    stage.run(context, config)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from tuneline.eval.evaluate import EvalInputs, evaluate, prompt_cases
    from tuneline.eval.report import write_eval_report
    from tuneline.eval.summary import before_after
    from tuneline.eval.targets import Target
    from tuneline.models.artifacts import check_stage_needs_run, newest_run
    from tuneline.progress import info

    suites = list(dict.fromkeys(args.suites or ["loss", "preference", "winrate", "generate"]))
    target = Path(args.target)
    if target.is_dir() and newest_run(target) is not None:  # runs/<name>: its newest run
        target = newest_run(target)
    if (target / "manifest.json").exists():
        return _eval_run(args, target, suites)
    check_stage_needs_run(args.target, args.stage)
    for ref in (args.target, args.against):
        if ref and not Path(ref).exists() and ref.startswith((".", "/", "~")):
            raise ModelError(f"model folder {ref} does not exist",
                             fix="pass a run directory, a stage's adapter/ or model/ folder, or builtin:NAME")
    name = target.name if target.exists() else args.target
    targets = [Target(name, args.target)]
    if args.against:
        targets.append(Target(Path(args.against).name if Path(args.against).exists() else args.against,
                              args.against))
    inputs = EvalInputs(conversations=_records(args.data, "sft", args.max_examples),
                        preferences=_records(args.preferences, "preference", args.max_examples),
                        labeled=_records(args.labeled, "classification", args.max_examples))
    inputs.prompts = prompt_cases(_records(args.prompts, "prompt", args.max_prompts) if args.prompts
                                  else inputs.conversations[: args.max_prompts])
    if {"generate", "winrate"} & set(suites):
        info(f"each model answers {len(inputs.prompts)} prompts (at most --max-prompts {args.max_prompts}), "
             f"up to {args.max_new_tokens} new tokens each")
    judge_factory, source = _judge_factory(args.judge, args.base_url)
    out = Path(args.output or f"eval/{name.replace(':', '-')}-{datetime.now():%Y%m%d-%H%M%S}")
    lm_eval = {"tasks": args.tasks.split(","), "include_path": args.include_path, "limit": args.limit} \
        if args.tasks else {"tasks": []}
    classifiers = targets if "classification" in suites else []
    causal = [] if suites == ["classification"] else targets  # a classifier alone is not a chat model
    result = evaluate(causal, inputs, suites, out, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
                      winrate_pairs=[(targets[0].name, targets[1].name)] if len(targets) > 1 else None,
                      judge_factory=judge_factory, reward_source=source, classifiers=classifiers,
                      lm_eval_options=lm_eval)
    print(before_after(result.metrics["details"], result.samples))
    report = write_eval_report(out, out / "report.html")
    print(f"\nresults: {out}/metrics.json, samples.jsonl\nreport: {report}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from tuneline.errors import UserError
    from tuneline.eval.report import write_compare_report

    missing = [r for r in args.runs if not (Path(r) / "manifest.json").exists()]
    if missing:
        raise UserError(f"not a run directory: {', '.join(missing)}", fix="pass folders listed by `tuneline runs list`")
    print(write_compare_report(args.runs, args.output))
    return 0


def _runs_list(args: argparse.Namespace) -> int:
    from tuneline.track.lineage import list_runs_text

    print(list_runs_text(args.output_dir))
    return 0


def _runs_show(args: argparse.Namespace) -> int:
    from tuneline.track.lineage import show_run_text

    print(show_run_text(args.run))
    return 0


def _ui(args: argparse.Namespace) -> int:
    import subprocess
    import sys

    from tuneline.errors import UserError

    store = Path(args.output_dir).resolve() / "mlflow.db"
    if not store.exists():
        raise UserError(f"no tracking store at {store}", fix="run a pipeline first (tracking is on by default), "
                                                             "or pass --output-dir of the runs folder")
    uri = f"sqlite:///{store}"
    print(f"MLflow UI on http://{args.host}:{args.port} (store {uri}); Ctrl-C to stop", file=sys.stderr)
    # one worker: a local UI has one user, and each worker imports all of MLflow (seconds on a laptop)
    return subprocess.call([sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri,
                            "--host", args.host, "--port", str(args.port), "--workers", "1"])
